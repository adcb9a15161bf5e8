"""ONS regional GVA and GDP loaders, checked against values read off the official files.

Every expected number below was read from the published workbooks/CSVs in ../shared/data with calamine
in a scratch session (sheet, row and column given in the comments), not from this parser.
"""

from __future__ import annotations

import zipfile
from contextlib import contextmanager

import numpy as np
import openpyxl
import pandas as pd
import pytest

from conftest import shared_file
from evidence.errors import SchemaError, UnknownAreaError
from evidence.sources import ons_gva as g
from evidence.sources import registry

LA_ROWS_PER_MEASURE = 296 * 49 * 26  # 296 English LAs x 49 industry rows x 1998-2023
NE = "gva-la-tlc-north-east"


# ---------------------------------------------------------------------------------------------
# fixtures: each dataset is parsed once per session (load() caches the parse as parquet)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gva(raw_data_dir):
    return g.get_gva(measure="all")


@pytest.fixture(scope="module")
def cp(gva):
    return gva[gva["measure"] == "current_prices"]


@pytest.fixture(scope="module")
def itl(raw_data_dir):
    return g.get_gva_itl(measure="all")


@pytest.fixture(scope="module")
def per_head(raw_data_dir):
    return g.get_gva_per_head(measure="all")


@pytest.fixture(scope="module")
def income(raw_data_dir):
    return g.get_gva_income()


@pytest.fixture(scope="module")
def gdp(raw_data_dir):
    return g.get_gdp(measure="all")


def cell(df, **where):
    """The single row of ``df`` matching ``where`` (as a Series)."""
    mask = np.ones(len(df), dtype=bool)
    for k, v in where.items():
        mask &= (df[k] == v).to_numpy()
    rows = df[mask]
    assert len(rows) == 1, (where, len(rows))
    return rows.iloc[0]


def wide(df, index, columns="industry"):
    return df.pivot_table(index=index, columns=columns, values="value", observed=True, aggfunc="first",
                          dropna=False)


# ---------------------------------------------------------------------------------------------
# the industry hierarchy (evidence/data/gva_industries.csv)
# ---------------------------------------------------------------------------------------------


def test_hierarchy_is_a_tree_whose_leaves_partition_the_economy():
    h = g.industry_hierarchy()
    assert len(h) == 49 and h["code"].is_unique
    assert h.loc[h["parent"].isna(), "code"].tolist() == ["Total"]
    levels = dict(zip(h["code"], h["level"], strict=True))
    for row in h[h["parent"].notna()].itertuples():
        assert levels[row.code] == levels[row.parent] + 1, row.code
        assert row.is_leaf == (not g.children(row.code))
    assert g.children("Total") == ["A-E", "F (41-43)", "G-T"]
    assert g.children("A-E") == ["AB (1-9)", "C (10-33)", "DE (35-39)"]
    assert len(g.children("G-T")) == 14
    assert g.children("L (68)") == ["68IMP", "68"]
    assert len(g.leaves()) == 37 == h["is_leaf"].sum()
    # children cover exactly their parent's SIC07 divisions, without overlap (68 split in two parts)
    for code in h.loc[~h["is_leaf"], "code"]:
        parts = [g._coverage(c) for c in g.children(code)]
        assert sum(len(p) for p in parts) == len(frozenset().union(*parts)), code
        assert frozenset().union(*parts) == g._coverage(code), code
    # the sic_divisions column agrees with the division span written in each code
    for row in h.itertuples():
        divs = g.sic_divisions(row.code)
        assert g._split68(divs) >= g._coverage(row.code), row.code
    assert g.sic_divisions("Total")[0] == "01" and g.sic_divisions("Total")[-1] == "98"
    assert g.parent("Total") is None and g.parent("68IMP") == "L (68)"


def test_unknown_industry_is_a_typed_error():
    with pytest.raises(g.UnknownCodeError, match="C \\(10-33\\)"):
        g.children("C (10-3)")


def test_itl_spellings_map_onto_the_la_hierarchy():
    assert g.match_la_industry("Total") == ("Total", "Total")
    assert g.match_la_industry("CA (10-12)") == (None, "CA-CB (10-15)")
    assert g.match_la_industry("CI-CJ (26-27)") == (None, "CI-CL (26-30)")
    assert g.match_la_industry("52") == (None, "52-53")
    assert g.match_la_industry("72-73") == (None, "72-75")
    assert g.match_la_industry("D (35)") == (None, "DE (35-39)")
    assert g.match_la_industry("49-51") == ("49-51", "49-51")
    assert g.match_la_industry("68IMP") == ("68IMP", "68IMP")
    assert g.match_la_industry("68") == ("68", "68")
    assert g.match_la_industry("I (55-56)") == ("I (55-56)", "I (55-56)")
    assert g.match_la_industry("55") == (None, "I (55-56)")
    assert g.match_la_industry("nonsense") == (None, None)


# ---------------------------------------------------------------------------------------------
# gva: GVA by industry and LA (April 2025)
# ---------------------------------------------------------------------------------------------


def test_gva_acceptance_milton_keynes_1998(raw_data_dir):
    df = g.get_gva(areas="E06000042", industries="Total", years=1998)
    row = cell(df)
    assert row["value"] == 5154  # South East workbook, Table 3, Milton Keynes "Total", 1998
    assert row["unit"] == "£ million" and row["additive"] and pd.isna(row["flag"])
    assert row["area_name"] == "Milton Keynes" and row["itl1"] == "TLJ" and row["itl1_name"] == "South East"
    assert df.attrs["provenance"] and any(p["name"] == "gva-la-tlj-south-east" for p in df.attrs["provenance"])


def test_gva_known_cells(gva):
    # North East workbook, County Durham (E06000047), Tables 1-4
    durham = gva[(gva["area_code"] == "E06000047") & (gva["industry"] == "Total")]
    assert cell(durham, measure="cvm_index", year=2010)["value"] == 91.8
    assert cell(durham, measure="cvm", year=2010)["value"] == 9706
    assert cell(durham, measure="current_prices", year=2010)["value"] == 7674
    assert cell(durham, measure="deflator", year=2010)["value"] == 79.1
    assert cell(durham, measure="current_prices", year=2023)["value"] == 12123
    manuf = gva[(gva["area_code"] == "E06000047") & (gva["industry"] == "C (10-33)")]
    assert cell(manuf, measure="deflator", year=2023)["value"] == 109.2
    # Hartlepool, first data row of each table
    hart = gva[(gva["area_code"] == "E06000001") & (gva["industry"] == "Total") & (gva["year"] == 1998)]
    assert cell(hart, measure="cvm_index")["value"] == 86.5
    assert cell(hart, measure="cvm")["value"] == 1260
    assert cell(hart, measure="current_prices")["value"] == 761
    assert cell(hart, measure="deflator")["value"] == 60.5
    # units carry the reference year read from the sheet titles
    units = gva.groupby("measure", observed=True)["unit"].unique().map(list).to_dict()
    assert units == {"cvm_index": ["index (2022=100)"], "cvm": ["£ million (2022 money value)"],
                     "current_prices": ["£ million"], "deflator": ["index (2022=100)"]}


def test_gva_suppressed_cells_are_na_with_their_marker(gva):
    # South West workbook, Table 3: Cornwall (E06000052) 68IMP is "[c]" in every year
    c = cell(gva, area_code="E06000052", industry="68IMP", measure="current_prices", year=2010)
    assert pd.isna(c["value"]) and c["flag"] == "[c]"
    # South East workbook: Southampton AB (1-9) is "[u]" in Tables 1, 2 and 4; Table 3 prints -1 for 2022
    sot = gva[(gva["area_code"] == "E06000045") & (gva["industry"] == "AB (1-9)") & (gva["year"] == 2022)]
    for m in ("cvm_index", "cvm", "deflator"):
        r = cell(sot, measure=m)
        assert pd.isna(r["value"]) and r["flag"] == "[u]", m
    assert cell(sot, measure="current_prices")["value"] == -1
    # NA exactly where a marker stands, never a zero
    assert (gva["value"].isna() == gva["flag"].notna()).all()
    counts = gva.groupby(["measure", "flag"], observed=True).size().to_dict()
    assert counts == {("cvm_index", "[c]"): 1612, ("cvm_index", "[u]"): 52, ("cvm", "[c]"): 1612,
                      ("cvm", "[u]"): 26, ("current_prices", "[c]"): 1612, ("deflator", "[c]"): 1612,
                      ("deflator", "[u]"): 52}


def test_gva_row_and_area_counts(gva):
    assert gva.groupby("measure", observed=True).size().to_dict() == {
        m: LA_ROWS_PER_MEASURE for m in ("cvm_index", "cvm", "current_prices", "deflator")}
    assert gva["area_code"].nunique() == 296
    assert gva["area_code"].astype(str).str.fullmatch(r"E0[6-9]\d{6}").all()
    assert sorted(gva["year"].unique()) == list(range(1998, 2024))
    assert list(gva["industry"].cat.categories) == g.industry_hierarchy()["code"].tolist()
    names = gva.drop_duplicates("industry").set_index("industry")["industry_name"].astype(str)
    assert names.to_dict() == g.industry_hierarchy().set_index("code")["name"].to_dict()
    per_region = gva[gva["measure"] == "current_prices"].groupby("itl1", observed=True)["area_code"].nunique()
    assert per_region.to_dict() == {"TLC": 12, "TLD": 35, "TLE": 15, "TLF": 35, "TLG": 30, "TLH": 45, "TLI": 33,
                                    "TLJ": 64, "TLK": 27}
    assert isinstance(gva["area_code"].dtype, pd.CategoricalDtype)
    assert str(cell(gva, area_code="E06000063", industry="Total", measure="cvm", year=2023)["area_name"]) == \
        "Cumberland"  # April 2023 boundaries


def test_only_current_prices_are_additive(gva):
    additive = gva.groupby("measure", observed=True)["additive"].unique().map(list).to_dict()
    assert additive == {"cvm_index": [False], "cvm": [False], "current_prices": [True], "deflator": [False]}


def test_children_sum_to_parent_in_current_prices(cp):
    """Each parent equals the sum of its children within rounding, in every LA x year (7,696 combos).

    Values are rounded to £1m, so the bound is 0.5 x (number of children + 1). Where a child is
    suppressed ([c]) the sum is incomplete and is only checked to leave a non-negative remainder.
    """
    w = wide(cp, ["area_code", "year"])
    assert len(w) == 296 * 26
    h = g.industry_hierarchy()
    checked = 0
    for code in h.loc[~h["is_leaf"], "code"]:
        kids = g.children(code)
        tol = 0.5 * (len(kids) + 1)
        complete = w[kids].notna().all(axis=1) & w[code].notna()
        diff = (w.loc[complete, kids].sum(axis=1) - w.loc[complete, code]).abs()
        assert diff.max() <= tol, (code, diff.max())
        checked += int(complete.sum())
        partial = ~w[kids].notna().all(axis=1) & w[code].notna()
        remainder = w.loc[partial, code] - w.loc[partial, kids].sum(axis=1)
        assert (remainder >= -tol).all(), code
    assert checked > 12 * 7000
    # the 37 leaves add up to the total (where none is suppressed)
    leaves = g.leaves()
    complete = w[leaves].notna().all(axis=1)
    assert (w.loc[complete, leaves].sum(axis=1) - w.loc[complete, "Total"]).abs().max() <= 0.5 * (len(leaves) + 1)


def test_la_totals_sum_close_to_itl1_totals(cp, itl):
    """The LA workbooks have no region rows, so the sum of the LA totals of each ITL1 region is compared
    with the ITL1 current-price totals of the April 2023 CSV. The vintages differ (April 2025 vs April
    2023), so only a loose tolerance holds: revisions reach 4.6% (South West, 2021)."""
    la = cp[cp["industry"] == "Total"].groupby(["itl1", "year"], observed=True)["value"].sum()
    ref = itl[(itl["measure"] == "current_prices") & (itl["industry"] == "Total") & (itl["itl_level"] == "ITL1")]
    ref = ref.assign(itl1=ref["area_code"].astype(str)).set_index(["itl1", "year"])["value"]
    both = pd.concat({"la": la, "itl": ref}, axis=1, join="inner")
    assert len(both) == 9 * 24  # 9 English regions x 1998-2021
    assert ((both["la"] / both["itl"] - 1).abs() < 0.05).all()
    assert ((both["la"] / both["itl"] - 1).abs().median() < 0.01)


def test_get_gva_filters_and_typed_errors(raw_data_dir):
    df = g.get_gva(measure="deflator", areas=["E06000001", "E06000047"], years=range(2000, 2003),
                   industries=g.children("F (41-43)"))
    assert len(df) == 2 * 3 * 3 and set(df["measure"]) == {"deflator"}
    with pytest.raises(UnknownAreaError, match="E06000042"):
        g.get_gva(areas="E06000O42")
    with pytest.raises(g.UnknownCodeError, match="current_prices"):
        g.get_gva(measure="current_price")
    with pytest.raises(g.UnknownCodeError, match="1998-2023"):
        g.get_gva(years=2024)
    with pytest.raises(g.UnknownCodeError):
        g.get_gva(industries="CA (10-12)")  # an ITL spelling, not an LA-workbook code


# ---------------------------------------------------------------------------------------------
# gva-itl: ITL1/2/3 CSVs (April 2023)
# ---------------------------------------------------------------------------------------------


def test_gva_itl_known_cells(itl):
    # Table 1c, row "UK, United Kingdom, Total", 1998: "900,616"; Table 1b, same row: "1,345,618"
    assert cell(itl, area_code="UK", industry="Total", measure="current_prices", year=1998)["value"] == 900616
    cvm = cell(itl, area_code="UK", industry="Total", measure="cvm", year=1998)
    assert cvm["value"] == 1345618 and not cvm["additive"] and cvm["unit"] == "£ million (2019 money value)"
    # Table 1c "TLC, North East, Total", 2021: "56,483"; Table 1b, 1998: "39,337"
    tlc = cell(itl, area_code="TLC", industry="Total", measure="current_prices", year=2021)
    assert tlc["value"] == 56483 and tlc["additive"] and tlc["itl_level"] == "ITL1"
    assert cell(itl, area_code="TLC", industry="Total", measure="cvm", year=1998)["value"] == 39337
    # Table 2c "TLJ1", Total, 2021: "103,276"; Table 3c "TLC11", "CA (10-12)", 2021: 130
    assert cell(itl, area_code="TLJ1", industry="Total", measure="current_prices", year=2021)["value"] == 103276
    ca = cell(itl, area_code="TLC11", industry="CA (10-12)", measure="current_prices", year=2021)
    assert ca["value"] == 130 and ca["itl_level"] == "ITL3"
    assert pd.isna(ca["la_industry"]) and ca["la_within"] == "CA-CB (10-15)"
    assert cell(itl, area_code="TLZ", industry="Total", measure="current_prices", year=1998)["value"] == 11870


def test_gva_itl_shape(itl):
    per_level = itl[itl["measure"] == "cvm"].groupby("itl_level", observed=True).agg(
        areas=("area_code", "nunique"), industries=("industry", "nunique"), rows=("value", "size"))
    assert per_level.loc["ITL1"].tolist() == [12, 107, 12 * 107 * 24]
    assert per_level.loc["ITL2"].tolist() == [41, 96, 41 * 96 * 24]
    assert per_level.loc["ITL3"].tolist() == [179, 64, 179 * 64 * 24]
    assert set(itl.loc[itl["itl_level"] == "UK", "area_code"]) == {"UK", "UKX"}
    assert set(itl.loc[itl["itl_level"] == "Other", "area_code"]) == {"TLB", "TLZ"}
    assert sorted(itl["year"].unique()) == list(range(1998, 2022))
    assert itl["value"].notna().all() and itl["flag"].isna().all()
    assert (itl["additive"] == (itl["measure"] == "current_prices")).all()
    # every ITL industry finds its place in the LA hierarchy
    assert itl["la_within"].notna().all()
    exact = itl.drop_duplicates("industry").dropna(subset=["la_industry"])
    assert len(exact) == 44


def test_gva_itl_regions_add_up(itl):
    tot = itl[(itl["measure"] == "current_prices") & (itl["industry"] == "Total")]
    by = tot.assign(code=tot["area_code"].astype(str)).set_index(["code", "year"])["value"]
    itl1 = tot[tot["itl_level"] == "ITL1"].groupby("year")["value"].sum()
    assert (itl1 + by.xs("TLZ") - by.xs("UK")).abs().max() <= 0.5 * 14
    assert (itl1 - by.xs("UKX")).abs().max() <= 0.5 * 13
    for level, parent_len in (("ITL3", 4), ("ITL2", 3)):
        sub = tot[tot["itl_level"] == level]
        sums = sub.groupby([sub["area_code"].astype(str).str[:parent_len], "year"])["value"].agg(["sum", "size"])
        diff = (sums["sum"] - by.reindex(sums.index).to_numpy()).abs()
        assert (diff <= 0.5 * (sums["size"] + 1)).all(), level


# ---------------------------------------------------------------------------------------------
# gva-per-head, gva-income, gdp: ITL workbooks (April 2023)
# ---------------------------------------------------------------------------------------------


def test_gva_per_head_known_cells(per_head):
    def v(area, measure, year):
        return cell(per_head, area_code=area, measure=measure, year=year)

    assert v("UK", "gva_current_prices", 1998)["value"] == 900616  # Table 1
    assert v("TLB", "gva_current_prices", 1998)["value"] == 766249
    assert v("UK", "gva_per_head", 1998)["value"] == 15402  # Table 2
    assert v("TLC11", "gva_per_head", 2021)["value"] == 23667
    assert v("TLC", "gva_per_head_index", 1998)["value"] == 74.1  # Table 3
    assert v("TLI3", "gva_per_head_index", 2021)["value"] == 704.1
    assert v("UK", "population", 2021)["value"] == 67026307  # Table 17
    tlb = v("TLB", "population", 1998)
    assert tlb["value"] == 48820583 and tlb["itl_level"] == "Other" and tlb["area_name"] == "England"
    # Table 5: every 2021 per-head growth cell is "u" (census discontinuity), 2020 is a number
    g21 = per_head[(per_head["measure"] == "gva_per_head_growth") & (per_head["year"] == 2021)]
    assert len(g21) == 235 and g21["value"].isna().all() and (g21["flag"] == "u").all()
    assert v("TLC", "gva_per_head_growth", 2020)["value"] == -6.2
    # the index table has only the UK-less-Extra-Regio row, and it is 100 throughout
    idx = per_head[per_head["measure"] == "gva_per_head_index"]
    assert "UK" not in set(idx["area_code"]) and (idx.loc[idx["area_code"] == "UKX", "value"] == 100).all()
    additive = per_head.groupby("measure", observed=True)["additive"].first().to_dict()
    assert additive == {"gva_current_prices": True, "gva_per_head": False, "gva_per_head_index": False,
                        "gva_growth": False, "gva_per_head_growth": False, "population": True}
    assert per_head["area_code"].nunique() == 236 and set(per_head["year"]) == set(range(1998, 2022))


def test_gva_per_head_is_gva_over_population(per_head):
    w = wide(per_head, ["area_code", "year"], "measure").dropna(subset=["gva_per_head"])
    # GVA is rounded to £1m and per head to £1
    tol = 0.5 + 0.5e6 / w["population"] + 1e-6
    assert ((w["gva_current_prices"] * 1e6 / w["population"] - w["gva_per_head"]).abs() <= tol).all()


def test_gva_income_components_sum_to_gva(income):
    w = wide(income, ["area_code", "industry", "year"], "measure").dropna(how="all")
    parts = [m for m in w.columns if m != "gva_current_prices"]
    assert len(parts) == 10 and len(w) == 57 * 24 * 31 + 16 * 24  # ITL2 rows have 31 industries, others 32
    assert (w[parts].sum(axis=1) - w["gva_current_prices"]).abs().max() <= 0.5 * 11
    # Tables 6-8, "TLC, CF (21)" 1998: GVA 333, compensation of employees 129, mixed income 33
    tlc = income[(income["area_code"] == "TLC") & (income["industry"] == "CF (21)") & (income["year"] == 1998)]
    assert cell(tlc, measure="gva_current_prices")["value"] == 333
    assert cell(tlc, measure="compensation_of_employees")["value"] == 129
    assert cell(tlc, measure="mixed_income")["value"] == 33
    r = cell(income, area_code="TLJ1", industry="CD-CF (19-21)", measure="compensation_of_employees", year=2021)
    assert r["value"] == 421 and r["itl_level"] == "ITL2" and r["la_within"] == "CD-CG (19-23)"
    assert income["additive"].all() and set(income["itl_level"]) == {"UK", "Other", "ITL1", "ITL2"}


def test_gdp_known_cells_and_identities(gdp):
    def v(area, measure, year):
        return cell(gdp, area_code=area, measure=measure, year=year)

    assert v("UK", "gdp_current_prices", 1998)["value"] == 999326  # Table 5
    assert v("TLJ1", "gdp_current_prices", 2021)["value"] == 112401
    assert v("UK", "gva_deflator", 1998)["value"] == 65.8  # Table 8
    assert v("TLC", "gva_deflator", 2021)["value"] == 105.9
    assert v("UK", "gdp_cvm_index", 1998)["value"] == 67.8  # Table 9
    cvm = v("TLC", "gdp_cvm", 2021)  # Table 10
    assert cvm["value"] == 61424 and not cvm["additive"] and cvm["unit"] == "£ million (2019 money value)"
    assert v("TLC", "gdp_per_head", 1998)["value"] == 12754  # Table 7
    assert v("TLJ1", "gdp_cvm_per_head", 2021)["value"] == 42181  # Table 11
    # Extra-Regio: no population, the workbook prints 0 per head -> NA, flagged not applicable
    z = v("TLZ", "gdp_per_head", 2021)
    assert pd.isna(z["value"]) and z["flag"] == "[z]"
    assert v("TLZ", "gdp_current_prices", 2021)["value"] == 14899
    g21 = gdp[(gdp["measure"] == "gdp_cvm_per_head_growth") & (gdp["year"] == 2021)]
    assert len(g21) == 235 and (g21["flag"] == "u").all() and g21["value"].isna().all()
    assert v("UK", "gdp_cvm_per_head_growth", 2020)["value"] == -11.4
    additive = gdp.groupby("measure", observed=True)["additive"].first()
    assert set(additive[additive].index) == {"gva_current_prices", "vat_on_products", "other_taxes_on_products",
                                             "subsidies_on_products", "gdp_current_prices", "population"}
    # GDP = GVA + VAT + other taxes on products - subsidies on products (rounded terms)
    w = wide(gdp, ["area_code", "year"], "measure")
    gdp_sum = w["gva_current_prices"] + w["vat_on_products"] + w["other_taxes_on_products"] - w["subsidies_on_products"]
    assert (gdp_sum - w["gdp_current_prices"]).abs().max() <= 2.5
    ok = w["population"] > 0
    tol = 0.5 + 0.5e6 / w.loc[ok, "population"] + 1e-6
    assert ((w.loc[ok, "gdp_current_prices"] * 1e6 / w.loc[ok, "population"] - w.loc[ok, "gdp_per_head"]).abs()
            <= tol).all()


def test_registry_lists_the_gva_datasets():
    assert {"gva", "gva-itl", "gva-per-head", "gva-income", "gdp"} <= set(registry())


# ---------------------------------------------------------------------------------------------
# bad input: a changed layout raises SchemaError naming the file and the sheet
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ne_book():
    """The North East workbook opened once with openpyxl; each test breaks it, saves a copy and undoes."""
    return openpyxl.load_workbook(shared_file(NE))


@contextmanager
def broken_copy(book, folder, edit, undo):
    """Save ``book`` with ``edit`` applied as a copy named like the official file, then ``undo`` the edit."""
    path = folder / shared_file(NE).name
    edit(book)
    try:
        book.save(path)
    finally:
        undo(book)
    yield path


def _set(ws, row, col, value):
    ws.cell(row=row, column=col, value=value)


def test_parse_gva_of_one_region_is_complete():
    df = g.parse_gva({NE: shared_file(NE)})
    assert len(df) == 12 * 49 * 26 * 4 and set(df["itl1"]) == {"TLC"}


def test_renamed_sheet_raises_schema_error(ne_book, tmp_path):
    ws = ne_book["Table 3"]
    with broken_copy(ne_book, tmp_path, lambda b: setattr(ws, "title", "Table 3 (current prices)"),
                     lambda b: setattr(ws, "title", "Table 3")) as path:
        with pytest.raises(SchemaError, match="Table 3") as exc:
            g.parse_gva({NE: path})
    assert exc.value.file == path.name and path.name in str(exc.value)


def test_renamed_column_raises_schema_error(ne_book, tmp_path):
    ws = ne_book["Table 2"]
    assert ws.cell(row=2, column=2).value == "LA code"
    with broken_copy(ne_book, tmp_path, lambda b: _set(ws, 2, 2, "Local authority code"),
                     lambda b: _set(ws, 2, 2, "LA code")) as path:
        with pytest.raises(SchemaError, match="LA code") as exc:
            g.parse_gva({NE: path})
    assert exc.value.sheet == "Table 2" and path.name in str(exc.value)


def test_moved_header_row_raises_schema_error(ne_book, tmp_path):
    ws = ne_book["Table 1"]  # a blank row between the title and the header
    with broken_copy(ne_book, tmp_path, lambda b: ws.insert_rows(2), lambda b: ws.delete_rows(2)) as path:
        with pytest.raises(SchemaError, match="header row") as exc:
            g.parse_gva({NE: path})
    assert exc.value.sheet == "Table 1" and exc.value.file == path.name


def test_unexpected_text_raises_schema_error(ne_book, tmp_path):
    ws = ne_book["Table 3"]
    old = ws.cell(row=3, column=6).value
    with broken_copy(ne_book, tmp_path, lambda b: _set(ws, 3, 6, "n/a"), lambda b: _set(ws, 3, 6, old)) as path:
        with pytest.raises(SchemaError, match="n/a") as exc:
            g.parse_gva({NE: path})
    assert exc.value.sheet == "Table 3"


def test_unexpected_title_raises_schema_error(ne_book, tmp_path):
    ws = ne_book["Table 4"]
    old = ws.cell(row=1, column=1).value
    with broken_copy(ne_book, tmp_path, lambda b: _set(ws, 1, 1, "Table 4: something else entirely"),
                     lambda b: _set(ws, 1, 1, old)) as path:
        with pytest.raises(SchemaError, match="deflator") as exc:
            g.parse_gva({NE: path})
    assert exc.value.sheet == "Table 4"


def test_truncated_workbook_raises_schema_error(tmp_path):
    src = shared_file(NE)
    cut = tmp_path / src.name
    data = src.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(SchemaError, match=src.name):
        g.parse_gva({NE: cut})


def test_broken_itl_csv_raises_schema_error(tmp_path):
    src = shared_file("gva-itl1-cp")
    cut = tmp_path / src.name
    data = src.read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(SchemaError, match="truncated") as exc:
        g.parse_gva_itl({"gva-itl1-cp": cut})
    assert exc.value.file == src.name
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(SchemaError, match="truncated") as exc:
        g.parse_gva_itl({"gva-itl1-cp": cut})
    assert exc.value.file == src.name
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(src.read_text(encoding="utf-8").replace("SIC07 code", "SIC code", 1), encoding="utf-8")
    with pytest.raises(SchemaError, match="SIC07 code"):
        g.parse_gva_itl({"gva-itl1-cp": renamed})


def test_retitled_gdp_table_raises_schema_error(tmp_path):
    """Tables are found by title; a title that changed is reported with the titles found."""
    src = shared_file("gdp-itl")
    dst = tmp_path / src.name
    # the sheet titles are shared strings: rewrite one in a copy of the package (faster than openpyxl)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/sharedStrings.xml":
                assert b"Table 8: Whole economy GVA implied deflators" in data
                data = data.replace(b"Table 8: Whole economy GVA implied deflators", b"Table 8: Deflators")
            zout.writestr(item, data)
    with pytest.raises(SchemaError, match="whole economy gva implied deflators") as exc:
        g.parse_gdp({"gdp-itl": dst})
    assert exc.value.file == src.name and "Table 8: Deflators" in str(exc.value)
