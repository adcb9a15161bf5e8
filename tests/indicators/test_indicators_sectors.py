"""Industry structure and specialisation on real data: hand computations from the raw LAD rows, identities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evidence.errors import InvalidArgumentError
from evidence.indicators import sectors as X
from evidence.sources import get, ons_gva

LLEP = "Leicester and Leicestershire"
LLEP_CODE = "E37000021"
LLEP_LADS = ["E06000016", "E07000129", "E07000130", "E07000131", "E07000132", "E07000133", "E07000134", "E07000135"]
CORNWALL = "Cornwall and Isles of Scilly"


@pytest.fixture(scope="module")
def gva_raw(raw_data_dir):
    g = get("gva")
    g = g[(g["measure"].astype(str) == "current_prices") & g["area_code"].astype(str).str.match(r"^E0[6-9]")]
    return g.assign(area_code=g["area_code"].astype(str), industry=g["industry"].astype(str))


@pytest.fixture(scope="module")
def llep_lq_2023(raw_data_dir):
    return X.location_quotients(LLEP, year=2023)


def _cell(g: pd.DataFrame, lads, industry: str, year: int) -> pd.Series:
    return g[g["area_code"].isin(lads) & (g["industry"] == industry) & (g["year"] == year)]["value"]


# ------------------------------------------------------------------------------------------- GVA basis
def test_lq_equals_hand_computation_from_raw_lad_rows(gva_raw, llep_lq_2023):
    ind = "CA-CB (10-15)"
    x = _cell(gva_raw, LLEP_LADS, ind, 2023).sum()
    x_total = _cell(gva_raw, LLEP_LADS, "Total", 2023).sum()
    eng = gva_raw[gva_raw["year"] == 2023]
    e = eng.loc[eng["industry"] == ind, "value"].sum()          # the published cells (Cornwall's is [c])
    e_total = eng.loc[eng["industry"] == "Total", "value"].sum()
    row = llep_lq_2023.set_index("industry").loc[ind]
    assert x == 1682.0 and e == 32828.0 and e_total == 2113330.0
    assert row["value"] == x
    assert row["lq"] == pytest.approx((x / x_total) / (e / e_total), rel=1e-12)
    assert row["flag"] == X.ENGLAND_LOWER_BOUND and not row["england_complete"]
    assert row["lq_low"] < row["lq"]
    # An industry with no suppressed cell anywhere: England is exact and the LQ is a point.
    r43 = llep_lq_2023.set_index("industry").loc["43"]
    assert r43["england_complete"] and r43["lq_low"] == pytest.approx(r43["lq"]) and r43["flag"] is None


def test_structure_shares_and_unallocated(raw_data_dir, gva_raw):
    s = X.industry_structure(LLEP, year=2023)
    assert s["industry"].tolist() == ons_gva.leaves() + [X.UNALLOCATED]
    assert s["share"].sum() == pytest.approx(1.0)
    total = _cell(gva_raw, LLEP_LADS, "Total", 2023).sum()
    assert s["value"].sum() == pytest.approx(total)
    # For a complete area 'unallocated' is only rounding: at most 0.5 x (37 + 1) per LAD.
    assert abs(s.set_index("industry").at[X.UNALLOCATED, "value"]) <= 0.5 * 38 * len(LLEP_LADS)
    assert s["area_code"].map(type).eq(str).all() and s.attrs["provenance"] and s.attrs["caveats"]


def test_england_lqs_are_one(raw_data_dir):
    for level in ("leaf", "section"):
        lq = X.location_quotients("England", year=2023, level=level)
        assert np.allclose(lq["lq"], 1.0)
        assert (lq["lq_low"] <= 1.0 + 1e-12).all()
    emp = X.location_quotients("England", year=2016, basis="employment")
    assert np.allclose(emp["lq"].dropna(), 1.0) and emp["lq"].notna().sum() >= 80


def test_suppressed_cells_are_blank_not_partial(raw_data_dir):
    lq = X.location_quotients(CORNWALL, year=2023)
    sup = lq[lq["flag"] == X.SUPPRESSED]
    # ONS suppresses 29 rows of Cornwall and the Isles of Scilly; 28 of them are leaves (the 29th is J itself).
    assert len(sup) == 28 and sup["value"].isna().all() and sup["lq"].isna().all()
    assert {"AB (1-9)", "58-60", "61-63", "K (64-66)", "O (84)", "P (85)"} <= set(sup["industry"])
    # Published industries stay exact: specialised construction (43) is 532 (Cornwall) + 1 (Isles of Scilly).
    assert lq.set_index("industry").at["43", "value"] == 533.0
    # At section level much more is published: manufacturing C (10-33) is 1088 + 1.
    sec = X.industry_structure(CORNWALL, year=2023, level="section").set_index("industry")
    assert sec.at["C (10-33)", "value"] == 1089.0 and sec.at["C (10-33)", "flag"] is None
    assert sec.loc[["AB (1-9)", "J (58-63)", "K (64-66)", "O (84)", "P (85)", "DE (35-39)"], "flag"].eq(
        X.SUPPRESSED).all()
    assert sec["share"].sum() == pytest.approx(1.0)
    summ = X.specialisation_summary(CORNWALL, year=2023, level="section")
    assert summ.loc[0, "flag"] == X.SUPPRESSED and np.isnan(summ.loc[0, "krugman"])


@pytest.mark.parametrize(("area", "method"), [(LLEP, "classic"), (CORNWALL, "esteban-marquillas"),
                                              ("ca:West Midlands", "esteban-marquillas")])
def test_shift_share_parts_add_to_actual_change(raw_data_dir, gva_raw, area, method):
    ss = X.shift_share_for(area, start=2013, end=2023, method=method)
    ok = ss[ss["flag"].isna()]
    parts = ok["national_growth"] + ok["industry_mix"] + ok["regional_share"]
    assert np.allclose(parts, ok["change"])
    assert np.allclose(ok["end_value"] - ok["start_value"], ok["change"])
    if method == "esteban-marquillas":
        assert np.allclose(ok["competitive"] + ok["allocation"], ok["regional_share"])
    if area == LLEP:
        total = _cell(gva_raw, LLEP_LADS, "Total", 2023).sum() - _cell(gva_raw, LLEP_LADS, "Total", 2013).sum()
        assert parts.sum() == pytest.approx(total)
    assert "nominal" in " ".join(ss.attrs["caveats"])


def test_krugman_and_hhi_bounds(raw_data_dir):
    for area in (LLEP, "lep:Buckinghamshire", "lep:London", "ca:West Midlands", "Oxford-Cambridge Arc"):
        s = X.specialisation_summary(area, year=2022)
        k, h, n = s.loc[0, "krugman"], s.loc[0, "hhi"], s.loc[0, "industries"]
        assert 0 <= k <= 2 and 1 / n <= h <= 1 and 0 <= s.loc[0, "hhi_normalised"] <= 1
    assert X.specialisation_summary("lep:London", year=2022).loc[0, "krugman"] > \
        X.specialisation_summary(LLEP, year=2022).loc[0, "krugman"]


def test_sector_lqs_apportion_their_rows(raw_data_dir, gva_raw):
    lq = X.location_quotients(LLEP, year=2023, family="leicester-leicestershire")
    assert lq["sector"].tolist() == ["Advanced Logistics", "Advanced Manufacturing and Engineering", "Life Sciences",
                                     "Space, Data and Digital Technology", "Textiles"]
    # Issue 15: a sector no longer takes the whole of every GVA row it touches (Life Sciences was £4.4bn, 13%).
    ls = lq.set_index("sector").loc["Life Sciences"]
    assert ls["share"] < 0.02 and ls["value_low"] <= ls["value"] <= ls["value_high"]
    log = lq.set_index("sector").loc["Advanced Logistics"]
    whole = sum(_cell(gva_raw, LLEP_LADS, r, 2023).sum() for r in ("49-51", "52-53"))
    assert whole == 2004.0 and log["value"] < whole and log["value_high"] == whole
    assert log["approximate"] and log["england_complete"] and log["lq_low"] == pytest.approx(log["lq"])
    assert any("Approximate" in c for c in lq.attrs["caveats"])
    assert "employment 2017" in lq.attrs["method"] and "apportioned" in lq.attrs["method"]


def test_textiles_gva_apportioned_by_hand(raw_data_dir):
    """Leicester and Leicestershire, Textiles (SIC 13, 14, 15.20), GVA 2023, by hand from the official tables.

    ONS GVA by LA (April 2025), current prices, 2023: the eight LLEP districts' CA-CB (10-15) row sums to
    £1,682m and their total to £33,342m; England's CA-CB is £32,828m (the published cells) of £2,113,330m.
    BRES 2017 (Nomis, employment), divisions 10, 11, 12, 13, 14, 15: LLEP 11,650, 1,065, 10, 4,095, 4,560, 215;
    England (English districts) 310,945, 29,375, 100, 50,885, 17,630, 7,240. Division 15 has three classes
    (15.11, 15.12, 15.20), of which Textiles holds one.
    """
    area_w = (4095 + 4560 + 215 / 3) / (11650 + 1065 + 10 + 4095 + 4560 + 215)
    eng_w = (50885 + 17630 + 7240 / 3) / (310945 + 29375 + 100 + 50885 + 17630 + 7240)
    x, e = 1682.0 * area_w, 32828.0 * eng_w
    t = X.location_quotients(LLEP, year=2023, vintage=2017, family="leicester-leicestershire").set_index("sector")
    t = t.loc["Textiles"]
    assert t["value"] == pytest.approx(x) and round(x, 1) == 679.7
    assert t["england_value"] == pytest.approx(e)
    assert t["share"] == pytest.approx(x / 33342.0)
    assert t["lq"] == pytest.approx((x / 33342.0) / (e / 2113330.0))
    assert t["value_low"] == pytest.approx(1682.0 * (4095 + 4560) / 21595)
    assert t["value_high"] == pytest.approx(1682.0 * (4095 + 4560 + 215) / 21595)


EXACT_AND_DISJOINT = """
    [family]
    id = "test-partition"
    source = "test"

    [[sector]]
    name = "T electrical and machinery"
    sic = ["26", "27", "28", "29", "30"]

    [[sector]]
    name = "T pharma wholesale"
    sic = ["46.46"]

    [[sector]]
    name = "T other wholesale"
    sic = ["46"]
    exclude = ["46.46"]

    [[sector]]
    name = "T textiles"
    sic = ["13", "14", "15.20"]

    [[sector]]
    name = "T food drink leather"
    sic = ["10", "11", "12", "15.1"]

    [[sector]]
    name = "T everything else"
    sic = ["A", "B", "16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "31", "32", "33", "D", "E", "F",
           "45", "47", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S", "T", "U"]
"""


def test_exact_sector_reproduces_its_row_and_a_partition_adds_up(raw_data_dir, gva_raw, tmp_path):
    import textwrap

    from evidence.indicators import sector_definitions as S

    path = tmp_path / "partition.toml"
    path.write_text(textwrap.dedent(EXACT_AND_DISJOINT), encoding="utf-8")
    secs = S.load_sectors("test-partition", path=path)
    for area, lads in ((LLEP, LLEP_LADS), ("Lancashire", None)):
        vintage = 2017 if area == LLEP else 2021
        lq = X.location_quotients(area, year=2023, vintage=vintage, sectors=secs).set_index("sector")
        if lads is None:
            from evidence import geography

            lads = geography.lad_codes(area, vintage=2021)
        # Exact at row level: divisions 26-30 are the whole CI-CL (26-30) row, in the area and in England.
        row = _cell(gva_raw, lads, "CI-CL (26-30)", 2023).sum()
        assert lq.at["T electrical and machinery", "value"] == pytest.approx(row)
        eng = gva_raw[(gva_raw["year"] == 2023) & (gva_raw["industry"] == "CI-CL (26-30)")]["value"].sum()
        assert lq.at["T electrical and machinery", "england_value"] == pytest.approx(eng)
        # Disjoint sectors never exceed the total; a partition of SIC gives back the published industries.
        total = _cell(gva_raw, lads, "Total", 2023).sum()
        leaves = sum(_cell(gva_raw, lads, r, 2023).sum() for r in ons_gva.leaves())
        # (ONS rounds each cell: Lancashire's 2023 leaves sum to £43,077m against a published total of £43,074m.)
        assert lq["value"].sum() <= max(total, leaves) + 1e-6
        assert lq["value"].sum() == pytest.approx(leaves)
        assert lq["share"].sum() <= max(1, leaves / total) + 1e-9
        wholesale = _cell(gva_raw, lads, "46", 2023).sum()
        assert lq.at["T pharma wholesale", "value"] + lq.at["T other wholesale", "value"] == pytest.approx(wholesale)


def test_lancashire_uses_its_combined_authority_divisions(raw_data_dir):
    lq = X.location_quotients("Lancashire", year=2023, vintage=2021, family="grand-challenges")
    assert "Lancashire employment 2023" in lq.attrs["method"] and "E47000018" in lq.attrs["method"]
    assert "England employment 2017" in lq.attrs["method"]
    ai = lq.set_index("sector").loc["AI and data economy"]
    ict = X.location_quotients("Lancashire", year=2023, vintage=2021).set_index("industry").at["61-63", "lq"]
    assert ai["lq"] < 1 and ict < 1     # was 1.1 against an ICT LQ of 0.5


def test_growth_vs_specialisation_table(raw_data_dir, gva_raw, llep_lq_2023):
    t = X.growth_vs_specialisation_table(LLEP, start=2018, end=2023).set_index("industry")
    assert t.loc["CA-CB (10-15)", "lq"] == pytest.approx(llep_lq_2023.set_index("industry").at["CA-CB (10-15)", "lq"])
    a0, a1 = (_cell(gva_raw, LLEP_LADS, "47", y).sum() for y in (2018, 2023))
    assert t.loc["47", "growth_cagr"] == pytest.approx((a1 / a0) ** (1 / 5) - 1)
    assert t.loc["47", "size"] == a1
    assert X.UNALLOCATED not in t.index and len(t) == 37
    s = X.growth_vs_specialisation_table(LLEP, start=2018, end=2023, family="grand-challenges")
    assert len(s) == 4 and s["lq"].gt(0).all() and s["growth_gap"].notna().all()
    c = X.growth_vs_specialisation_table(CORNWALL, start=2018, end=2023).set_index("industry")
    assert c.loc["AB (1-9)", "flag"] == X.SUPPRESSED and np.isnan(c.loc["AB (1-9)", "lq"])


# ------------------------------------------------------------------------------------- employment basis
def test_employment_section_lqs_use_the_lep_rows(raw_data_dir):
    b = get("bres-lep-nuts3-2015-2020")
    b = b[(b["year"] == 2019) & (b["classification"].astype(str) == "section")]
    b = b.assign(industry=b["industry"].astype(str))
    mine = b[b["area_code"].astype(str) == LLEP_CODE].set_index("industry")["value"]
    eng = b[b["area_code"].astype(str) == "E92000001"].set_index("industry")["value"]
    lq = X.location_quotients(LLEP, year=2019, basis="employment", level="section").set_index("industry")
    assert lq.at["C", "value"] == 65000.0 and lq.at["C", "england_value"] == 2113000.0
    assert lq.at["C", "lq"] == pytest.approx((mine["C"] / mine.sum()) / (eng["C"] / eng.sum()))
    ss = X.shift_share_for(LLEP, start=2015, end=2020, basis="employment", level="section")
    assert np.allclose(ss["national_growth"] + ss["industry_mix"] + ss["regional_share"], ss["change"])


def test_employment_structure_is_never_a_pandemic_year(raw_data_dir):
    """Issue 15, defect 7: Lancashire's employment structure used BRES 2020 (furlough); the LEP file runs to 2020,
    so the latest non-pandemic year is 2019, and the year is in the titles."""
    from evidence.pack import themes
    from evidence.pack.notebook import setup

    lancs = setup(area="Lancashire", vintage=2021)
    assert themes.employment_year(lancs) == 2019
    assert themes.employment_year(setup(area="ca:West Midlands")) == 2019
    assert themes.employment_year(setup(area=LLEP, vintage=2017)) == 2017
    assert "2019" in themes.employment_year_note(lancs) and "2020" in themes.employment_year_note(lancs)
    emp = X.location_quotients(lancs.area, year=themes.employment_year(lancs), vintage=2021, basis="employment",
                               level="section")
    assert set(emp["year"]) == {2019}
    assert themes.specialisation_title(emp, lancs, what="employment").startswith(
        "Lancashire is most specialised, by employment, 2019, in")


def test_employment_divisions_sum_member_lads(raw_data_dir):
    lad = get("bres-lad-division-2015-2017")
    lad = lad[(lad["year"] == 2017) & lad["area_code"].astype(str).isin(LLEP_LADS)]
    s = X.industry_structure(LLEP, year=2017, basis="employment").set_index("industry")
    assert s["level"].iloc[0] == "division" and len(s) == 87
    assert s.at["13", "value"] == lad.loc[lad["industry"].astype(str) == "13", "value"].sum()
    assert s["share"].sum() == pytest.approx(1.0)
    lq = X.location_quotients(LLEP, year=2017, basis="employment", family="leicester-leicestershire")
    tex = lq.set_index("sector").loc["Textiles"]
    # Footwear (15.20) is one of division 15's three classes: a third of it (was all of it).
    want = s.at["13", "value"] + s.at["14", "value"] + s.at["15", "value"] / 3
    assert tex["value"] == pytest.approx(want) and tex["lq"] > 1 and tex["approximate"]


def test_employment_combined_authority_rows(raw_data_dir):
    ca = get("bres-ca-2015-2024")
    wm = ca[(ca["area_code"].astype(str) == "E47000007") & (ca["year"] == 2022)
            & (ca["employment_status"].astype(str) == "Employment") & (ca["classification"].astype(str) == "division")]
    s = X.industry_structure("ca:West Midlands", year=2022, basis="employment").set_index("industry")
    assert s.at["29", "value"] == wm.loc[wm["industry"].astype(str) == "29", "value"].item()
    assert s["england_value"].isna().all()          # no England divisions after 2017 in these files
    with pytest.raises(InvalidArgumentError, match="no England"):
        X.location_quotients("ca:West Midlands", year=2022, basis="employment")
    lq = X.location_quotients("ca:West Midlands", year=2016, basis="employment", family="grand-challenges")
    assert lq["lq"].notna().all() and any("different Nomis download" in c for c in lq.attrs["caveats"])


def test_bad_arguments(raw_data_dir):
    with pytest.raises(InvalidArgumentError, match="basis"):
        X.industry_structure(LLEP, year=2023, basis="output")
    with pytest.raises(InvalidArgumentError, match="level"):
        X.industry_structure(LLEP, year=2023, level="division")
    with pytest.raises(InvalidArgumentError, match="2015-2017"):
        X.industry_structure(LLEP, year=2019, basis="employment", level="division")
    with pytest.raises(InvalidArgumentError, match="leaf"):
        X.location_quotients(LLEP, year=2023, level="section", family="grand-challenges")
    with pytest.raises(InvalidArgumentError, match="after start"):
        X.shift_share_for(LLEP, start=2020, end=2020)
    with pytest.raises(InvalidArgumentError, match="broad industry groups"):
        X.industry_structure("Oxford-Cambridge Arc", year=2016, basis="employment", level="broad_group")
