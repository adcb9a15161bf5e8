"""ONS Business demography loader: values read off the 2022 and 2024 reference tables, identities, bad input."""

from __future__ import annotations

import _xlsx_patch as xp
import pandas as pd
import pytest

from conftest import shared_file
from evidence.errors import InvalidArgumentError, SchemaError, UnknownAreaError
from evidence.sources import _ons_tables as t
from evidence.sources import load
from evidence.sources.ons_business_demography import (
    BUSINESS_DEMOGRAPHY,
    BUSINESS_SURVIVAL,
    _latest_names,
    _parse_employer_sheet,
    get_business_demography,
    get_business_survival,
    parse_business_demography,
    parse_business_survival,
)

ED_2024, ED_2022 = "business-demography-2024", "business-demography-2022"


@pytest.fixture(scope="module")
def counts(raw_data_dir) -> pd.DataFrame:
    return load(BUSINESS_DEMOGRAPHY)


@pytest.fixture(scope="module")
def survival(raw_data_dir) -> pd.DataFrame:
    return load(BUSINESS_SURVIVAL)


def one(df: pd.DataFrame, **keys) -> pd.Series:
    mask = pd.Series(True, index=df.index)
    for k, v in keys.items():
        mask &= df[k] == v
    rows = df[mask]
    assert len(rows) == 1, keys
    return rows.iloc[0]


# Read off the workbooks with openpyxl.
@pytest.mark.parametrize(("edition", "code", "measure", "year", "expected", "table"), [
    (2024, "K02000001", "births", 2019, 363825, "Table 1.1a"),
    (2024, "E06000042", "births", 2023, 1690, "Table 1.1c"),   # Milton Keynes
    (2024, "E06000042", "births", 2024, 1650, "Table 1.1d"),
    (2024, "E06000042", "deaths", 2024, 1395, "Table 2.1d"),
    (2024, "E06000042", "active", 2024, 13715, "Table 3.1d"),
    (2024, "K02000001", "active", 2024, 2859535, "Table 3.1d"),
    (2024, "E06000042", "high_growth", 2024, 85, "Table 7.1d"),
    (2024, "E06000042", "active_10plus", 2024, 1345, "Table 7.3d"),
    (2024, "E06000063", "births", 2024, 935, "Table 1.1d"),    # Cumberland (from April 2023)
    (2024, "E07000026", "births", 2023, 295, "Table 1.1c"),    # Allerdale: 2021-23 sheet on 2022 boundaries
    (2024, "K02000001", "employer_births", 2024, 294485, "Table 6.1"),
    (2024, "K02000001", "employer_deaths", 2024, 270025, "Table 6.1"),
    (2024, "E06000042", "employer_active", 2024, 12990, "Table 6.1"),
    (2022, "E06000042", "births", 2017, 2015, "Table 1.1a"),   # published as "Milton Keynes "
    (2022, "E06000042", "active", 2022, 13980, "Table 3.1d"),  # published as " Milton Keynes"
    (2022, "K02000001", "active", 2022, 2924685, "Table 3.1d"),
])
def test_known_counts(counts, edition, code, measure, year, expected, table):
    row = one(counts, edition=edition, area_code=code, measure=measure, year=year)
    assert row.value == expected and row.table == table
    assert row.unit == "enterprises" and bool(row.additive) is True


def test_multiple_registration_star_becomes_a_flag(counts):
    # 2024 Table 1.1c prints "Wyre Forest*" (over 500 businesses at one postcode) for 2021-2023.
    wf = counts[(counts.edition == 2024) & (counts.area_code == "E07000239") & (counts.measure == "births")]
    assert wf.set_index("year").value.to_dict() == {2019: 970, 2020: 600, 2021: 1860, 2022: 465,
                                                    2023: 395, 2024: 425}
    flags = wf.set_index("year").flag
    assert (flags.loc[2021:2023] == "*").all() and flags.loc[[2019, 2024]].isna().all()
    assert (wf.area_name == "Wyre Forest").all()
    assert not counts.area_name.str.contains(r"\*").any()
    assert set(counts.flag.dropna().unique()) == {"*"}


def test_codes_and_names_are_clean(counts, survival):
    for df in (counts, survival):
        codes = df.area_code.astype(str)
        assert codes.str.fullmatch(r"[EWSNK]\d{8}").all()
        assert df.groupby(["edition", "area_code"], observed=True).area_name.nunique().max() == 1
    names = counts[counts.edition == 2022].drop_duplicates("area_code").set_index("area_code").area_name
    assert names["E06000042"] == "Milton Keynes" and names["K02000001"] == "UNITED KINGDOM"


def test_years_and_area_counts(counts):
    years = counts.groupby(["edition", "measure"], observed=True).year.agg(["min", "max"])
    assert years.loc[(2024, "births")].tolist() == [2019, 2024]
    assert years.loc[(2022, "deaths")].tolist() == [2017, 2022]
    assert years.loc[(2024, "employer_active")].tolist() == [2024, 2024]
    assert "employer_births" not in set(counts[counts.edition == 2022].measure)  # see the 2022 Table 6.1 test
    births = counts[(counts.edition == 2024) & (counts.measure == "births")]
    per_year = births.groupby("year").area_code.nunique().to_dict()
    assert per_year == {2019: 432, 2020: 428, 2021: 422, 2022: 422, 2023: 422, 2024: 406}
    lads_2024 = births[(births.year == 2024) & (births.area_type == "lad")].area_code.nunique()
    assert lads_2024 == 361  # April 2023 LADs, Northern Ireland included
    assert not counts.duplicated(["edition", "measure", "area_code", "year"]).any()
    assert counts.value.notna().all()
    assert (counts.value % 5 == 0).all()  # control rounded to base 5


# Publisher errors found by the identities below (values are kept as published):
# - 2022 edition, Table 7.3d, 2022: the GREAT BRITAIN and ENGLAND AND WALES counts are swapped.
# - 2022 edition, Table 5.1d (2020 births), 2-year survival: GB and E&W counts (and rates) are swapped.
# - 2024 edition, Table 5.1a (2019 births), 5-year survival: GB is 4,470 short of E&W + Scotland.
_KNOWN_COUNT_ERRORS = {(2022, "active_10plus", 2022)}
_KNOWN_SURVIVAL_ERRORS = {(2022, 2020, 2, "survivors"), (2024, 2019, 5, "survivors")}


def _identity_gaps(df: pd.DataFrame, keys: list[str]) -> dict[str, pd.Series]:
    wide = df.pivot_table(index=keys, columns="area_code", values="value", observed=True)
    cols = wide.columns.astype(str)

    def total(*prefixes):
        return wide.loc[:, [c for c in cols if c[:3] in prefixes]].sum(axis=1, min_count=1)

    return {
        "UK = GB + NI": wide["K02000001"] - wide["K03000001"] - wide["N92000002"],
        "GB = E&W + Scotland": wide["K03000001"] - wide["K04000001"] - wide["S92000003"],
        "E&W = England + Wales": wide["K04000001"] - wide["E92000001"] - wide["W92000004"],
        "England = its LADs": wide["E92000001"] - total("E06", "E07", "E08", "E09"),
        "England = its regions": wide["E92000001"] - total("E12"),
        "Wales = its LADs": wide["W92000004"] - total("W06"),
        "Scotland = its LADs": wide["S92000003"] - total("S12"),
        "NI = its LADs": wide["N92000002"] - total("N09"),
    }


def test_counts_add_up_exactly_except_known_publisher_errors(counts):
    for rule, gap in _identity_gaps(counts, ["edition", "measure", "year"]).items():
        bad = set(gap[gap.abs() > 0].index)
        assert bad <= _KNOWN_COUNT_ERRORS, (rule, bad)
    gb = one(counts, edition=2022, area_code="K03000001", measure="active_10plus", year=2022).value
    assert gb == 262695  # as published (equal to England + Wales)


def test_survival_counts_add_up_except_known_publisher_errors(survival):
    part = survival[survival.measure != "survival_rate"]
    for rule, gap in _identity_gaps(part, ["edition", "year", "horizon", "measure"]).items():
        bad = set(gap[gap.abs() > 0].dropna().index)
        assert bad <= _KNOWN_SURVIVAL_ERRORS, (rule, bad)


def test_known_survival_cells(survival):
    uk = survival[(survival.edition == 2024) & (survival.area_code == "K02000001") & (survival.year == 2019)]
    got = uk.set_index(["horizon", "measure"]).value
    assert got[(0, "births")] == 363825
    assert got[(1, "survivors")] == 344140
    assert got[(1, "survival_rate")] == pytest.approx(94.58943173228887)
    assert got[(5, "survivors")] == 139845
    assert got[(5, "survival_rate")] == pytest.approx(38.43743558029272)
    mk = one(survival, edition=2022, area_code="E06000042", year=2020, horizon=2, measure="survivors")
    assert mk.value == 1210 and mk.table == "Table 5.1d"
    rate = one(survival, edition=2022, area_code="E06000042", year=2020, horizon=2, measure="survival_rate")
    assert rate.unit == "%" and bool(rate.additive) is False


def test_survival_not_applicable_cells(survival):
    # 2024 Table 5.1e: the 2023 cohort has only reached 1 year; later horizons print ":".
    cell = one(survival, edition=2024, area_code="K02000001", year=2023, horizon=2, measure="survivors")
    assert pd.isna(cell.value) and cell.flag == ":"
    cohort = survival[(survival.edition == 2024) & (survival.year == 2023) & (survival.horizon >= 2)]
    assert cohort.value.isna().all() and (cohort.flag == ":").all()
    reached = survival[(survival.edition + 0 >= survival.year + survival.horizon)]
    assert reached.value.notna().all()
    assert set(survival.flag.dropna().unique()) == {":", "*"}


def test_survival_rate_is_survivors_over_births(survival):
    wide = survival.pivot_table(index=["edition", "area_code", "year", "horizon"], columns="measure",
                                values="value", observed=True).reset_index()
    births = wide[wide.horizon == 0][["edition", "area_code", "year", "births"]]
    later = wide[wide.horizon > 0].drop(columns="births").merge(births, on=["edition", "area_code", "year"])
    later = later.dropna(subset=["survivors"])
    gap = (later.survivors / later.births * 100 - later.survival_rate).abs()
    wrong = later.loc[gap > 1e-9, ["edition", "area_code", "year", "horizon"]]
    # One published rate uses the wrong count: 2024 Table 5.1b, ENGLAND AND WALES, 2-year survival
    # (75.14% = GB's 233,310 / E&W's 310,500 births).
    assert wrong.values.tolist() == [[2024, "K04000001", 2020, 2]]


def test_cohort_births_match_the_births_table(counts, survival):
    cohort = survival[survival.measure == "births"][["edition", "area_code", "year", "value"]]
    births = counts[counts.measure == "births"][["edition", "area_code", "year", "value"]]
    both = cohort.merge(births, on=["edition", "area_code", "year"])
    assert len(both) == len(cohort) and (both.value_x == both.value_y).all()


def test_getters(raw_data_dir):
    df = get_business_demography(measure="births", areas="E06000042", years=[2023, 2024])
    assert df.set_index("year").value.to_dict() == {2023: 1690, 2024: 1650}
    assert len(df.attrs["provenance"]) == 2
    assert set(get_business_demography(edition=2022, measure="births").year) == set(range(2017, 2023))
    sv = get_business_survival(edition=2024, measure="survival_rate", cohorts=2019, horizons=5, areas="K02000001")
    assert sv.value.item() == pytest.approx(38.43743558029272)
    with pytest.raises(InvalidArgumentError, match="edition"):
        get_business_demography(edition=2023)
    with pytest.raises(InvalidArgumentError, match="birth"):
        get_business_demography(measure="birth")
    with pytest.raises(InvalidArgumentError, match="horizon"):
        get_business_survival(horizons=6)
    with pytest.raises(UnknownAreaError):
        get_business_demography(areas="E06000999")


# --- bad input -------------------------------------------------------------------------------------------------

def test_shifted_codes_in_the_2022_employer_table_are_caught():
    path = shared_file(ED_2022)
    book = t.open_workbook(path)
    counts = parse_business_demography({ED_2022: path, ED_2024: shared_file(ED_2024)})
    active = counts[(counts.edition == 2022) & (counts.measure == "active")]
    with pytest.raises(SchemaError, match=r"Table 6.1.*E92000001.*GREAT BRITAIN.*misaligned"):
        _parse_employer_sheet(t.sheet_rows(book, "Table 6.1", file=path), _latest_names(active).to_dict(), file=path)


def _broken_2024(tmp_path, edits) -> dict:
    src = shared_file(ED_2024)
    return {ED_2022: shared_file(ED_2022), ED_2024: xp.patch(src, tmp_path / "bd2024.xlsx", edits)}


def test_renamed_sheet(tmp_path):
    paths = _broken_2024(tmp_path, dict([xp.rename_sheet("Table 1.1c", "Births 2021-23")]))
    with pytest.raises(SchemaError, match=r"bd2024.xlsx: Tables 1.1.*consecutive years.*\[2019, 2020, 2024\]"):
        parse_business_demography(paths)


def test_moved_header(tmp_path):
    src = shared_file(ED_2024)
    paths = _broken_2024(tmp_path, {xp.sheet_part(src, "Table 3.1b"): xp.insert_row(3, "Source: IDBR")})
    with pytest.raises(SchemaError, match=r"sheet 'Table 3.1b'.*row 3 should read 'Units"):
        parse_business_demography(paths)


def test_changed_survival_header(tmp_path):
    src = shared_file(ED_2024)
    paths = _broken_2024(tmp_path, {xp.sheet_part(src, "Table 5.1c"): xp.set_cell("F4", "2-year survivors")})
    with pytest.raises(SchemaError, match=r"sheet 'Table 5.1c'.*header cell 6.*'2-year survivors'"):
        parse_business_survival(paths)


def test_changed_year_header(tmp_path):
    src = shared_file(ED_2024)
    paths = _broken_2024(tmp_path, {xp.sheet_part(src, "Table 2.1c"): xp.set_cell("D4", "2022p")})
    with pytest.raises(SchemaError, match=r"sheet 'Table 2.1c'.*header cell 4 should be a year.*'2022p'"):
        parse_business_demography(paths)


def test_truncated_file(tmp_path):
    src = shared_file(ED_2024)
    bad = tmp_path / src.name
    bad.write_bytes(src.read_bytes()[:300_000])
    with pytest.raises(SchemaError, match="businessdemographyexceltables2024.xlsx"):
        parse_business_demography({ED_2022: shared_file(ED_2022), ED_2024: bad})
