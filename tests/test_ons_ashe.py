"""ASHE Tables 7 and 8 loader: values read off the official workbooks, suppression flags, counts, bad input."""

from __future__ import annotations

import _xlsx_patch as xp
import pandas as pd
import pytest

from conftest import shared_file
from evidence.errors import InvalidArgumentError, SchemaError, UnknownAreaError
from evidence.sources import load
from evidence.sources.ons_ashe import _FILES, EARNINGS, GROUPS, get_earnings, parse_earnings

T7_WEEKLY = "ashe-t7-weekly-2024"


@pytest.fixture(scope="module")
def ashe(raw_data_dir) -> pd.DataFrame:
    return load(EARNINGS)


def cell(df, *, basis, pay_period, group, code, statistic):
    row = df[(df.basis == basis) & (df.pay_period == pay_period) & (df.group == group) & (df.area_code == code)
             & (df.statistic == statistic)]
    assert len(row) == 1
    return row.iloc[0]


# Read off the workbooks with openpyxl (Table 7, .xlsx) and xlrd (Table 8, .xls).
@pytest.mark.parametrize(("basis", "pay_period", "group", "code", "statistic", "expected", "unit"), [
    ("workplace", "weekly", "All", "K02000001", "median", 613.3, "£ per week"),
    ("workplace", "weekly", "All", "K02000001", "mean", 715.5, "£ per week"),
    ("workplace", "weekly", "All", "K02000001", "p10", 214.1, "£ per week"),
    ("workplace", "weekly", "All", "K02000001", "p90", 1249.3, "£ per week"),
    ("workplace", "weekly", "All", "K02000001", "jobs", 27882.0, "thousand jobs"),
    ("workplace", "weekly", "All", "K02000001", "median_pct_change", 6.7, "%"),
    ("workplace", "weekly", "All", "E06000042", "median", 690.9, "£ per week"),   # Milton Keynes
    ("workplace", "weekly", "All", "E06000005", "median", 552.9, "£ per week"),   # Darlington UA
    ("workplace", "weekly", "All", "E12000008", "median", 633.5, "£ per week"),   # South East
    ("workplace", "weekly", "All", "E09000001", "median", 1144.0, "£ per week"),  # City of London
    ("workplace", "weekly", "Female", "E09000001", "median", 958.2, "£ per week"),
    ("workplace", "hourly", "All", "K02000001", "median", 17.09, "£ per hour"),
    ("workplace", "hourly", "All", "E06000042", "median", 19.68, "£ per hour"),
    ("workplace", "annual", "All", "K02000001", "median", 31602.0, "£ per year"),
    ("workplace", "annual", "All", "E06000042", "median", 35006.0, "£ per year"),
    ("residence", "weekly", "All", "K02000001", "median", 574.9, "£ per week"),
    ("residence", "weekly", "All", "E06000042", "median", 613.1, "£ per week"),
    ("residence", "weekly", "All", "K02000001", "jobs", 27283.0, "thousand jobs"),
    ("residence", "hourly", "All", "E06000005", "mean", 18.08, "£ per hour"),
    ("residence", "annual", "All", "E06000042", "mean", 38029.0, "£ per year"),
])
def test_known_cells(ashe, basis, pay_period, group, code, statistic, expected, unit):
    row = cell(ashe, basis=basis, pay_period=pay_period, group=group, code=code, statistic=statistic)
    assert row.value == pytest.approx(expected)
    assert row.unit == unit and pd.isna(row.flag)
    assert bool(row.additive) is (statistic == "jobs")
    assert row.year == (2024 if basis == "workplace" else 2023)


@pytest.mark.parametrize(("basis", "pay_period", "group", "code", "statistic", "flag"), [
    ("workplace", "weekly", "All", "E06000005", "p90", "x"),            # Darlington p90: CV > 20%
    ("workplace", "weekly", "All", "E06000053", "median", "x"),         # Isles of Scilly
    ("residence", "weekly", "All", "E09000001", "median", "x"),         # City of London residents
    ("residence", "annual", "All", "E06000042", "p10", "x"),
    ("residence", "weekly", "Female", "E06000053", "jobs", ".."),       # disclosive
    ("workplace", "weekly", "Female Part-Time", "E06000053", "jobs", ":"),  # not applicable
    ("residence", "weekly", "Female", "E06000053", "median", None),     # blank beside a ".." job count
    ("workplace", "weekly", "All", "E06000053", "median_pct_change", None),  # blank: no estimate a year before
])
def test_suppressed_cells_are_na_with_the_publishers_flag(ashe, basis, pay_period, group, code, statistic, flag):
    row = cell(ashe, basis=basis, pay_period=pay_period, group=group, code=code, statistic=statistic)
    assert pd.isna(row.value)
    assert (pd.isna(row.flag) if flag is None else row.flag == flag)


def test_names_codes_and_area_types(ashe):
    names = ashe.drop_duplicates("area_code").set_index("area_code").area_name
    assert names["E06000005"] == "Darlington"          # " UA" stripped
    assert names["E12000001"] == "North East"          # trailing space stripped
    assert names["E08000037"] == "Gateshead"           # leading indent stripped
    assert not names.str.endswith(" UA").any()
    types = ashe.drop_duplicates("area_code").area_type.value_counts().to_dict()
    assert types == {"lad": 350, "county": 21, "region": 9, "metropolitan_county": 6, "nation": 4,
                     "inner_outer_london": 2, "uk": 1, "great_britain": 1, "england_and_wales": 1}


def test_counts(ashe):
    assert len(ashe) == 6 * len(GROUPS) * 395 * 15
    per_sheet = ashe.groupby(["basis", "pay_period", "group"], observed=True).area_code.nunique()
    assert len(per_sheet) == 54 and (per_sheet == 395).all()
    lads = ashe[ashe.area_type == "lad"].area_code.unique()
    assert len(lads) == 350 and not any(c.startswith("N09") for c in lads)  # NI districts are not published
    assert not ashe.duplicated(["area_code", "basis", "pay_period", "group", "statistic"]).any()
    assert set(ashe.flag.dropna().unique()) == {"x", "..", ":"}
    assert len(ashe.attrs["provenance"]) == 6


def test_pay_is_ordered_by_percentile(ashe):
    pct = ashe[ashe.statistic.isin(["p10", "p25", "median", "p75", "p90"])].pivot_table(
        index=["basis", "pay_period", "group", "area_code"], columns="statistic", values="value", observed=True
    ).dropna()
    assert len(pct) > 2000
    assert ((pct.p10 <= pct.p25) & (pct.p25 <= pct["median"]) & (pct["median"] <= pct.p75)
            & (pct.p75 <= pct.p90)).all()


def test_getter(raw_data_dir):
    df = get_earnings(areas=["E06000042", "K02000001"])
    assert set(df.columns) >= {"area_code", "area_name", "year", "value", "unit", "flag", "additive"}
    assert df.set_index("area_code").value.to_dict() == {"K02000001": 613.3, "E06000042": 690.9}
    res = get_earnings(basis="residence", pay_period="annual", statistic=["median", "mean"], group="Male Full-Time",
                       area_types="region")
    assert len(res) == 9 * 2 and set(res.year) == {2023}
    every = get_earnings(basis=None, pay_period=None, statistic=None, group=None)
    assert len(every) == 6 * 9 * 395 * 15
    with pytest.raises(InvalidArgumentError, match="Full-Time"):
        get_earnings(group="Full-time")
    with pytest.raises(InvalidArgumentError, match="median"):
        get_earnings(statistic="p50")
    with pytest.raises(UnknownAreaError):
        get_earnings(areas="E06000099")


# --- bad input -------------------------------------------------------------------------------------------------

def _broken_t7(tmp_path, edits) -> dict:
    paths = {name: shared_file(name) for name in _FILES}
    paths[T7_WEEKLY] = xp.patch(paths[T7_WEEKLY], tmp_path / "t7.xlsx", edits)
    return paths


def test_renamed_header_cell(tmp_path):
    part = xp.sheet_part(shared_file(T7_WEEKLY), "Male")
    paths = _broken_t7(tmp_path, {part: xp.set_cell("D5", "Med.")})
    with pytest.raises(SchemaError, match=r"t7.xlsx \[sheet 'Male'\]: header column 4.*median.*'med.'"):
        parse_earnings(paths)


def test_moved_header(tmp_path):
    part = xp.sheet_part(shared_file(T7_WEEKLY), "Female")
    paths = _broken_t7(tmp_path, {part: xp.insert_row(3, "Provisional")})
    with pytest.raises(SchemaError, match=r"sheet 'Female'.*header.*moved"):
        parse_earnings(paths)


def test_renamed_sheet(tmp_path):
    paths = _broken_t7(tmp_path, dict([xp.rename_sheet("Part-Time", "Part time")]))
    with pytest.raises(SchemaError, match=r"t7.xlsx.*missing \['Part-Time'\]"):
        parse_earnings(paths)


def test_sheet_of_the_wrong_group(tmp_path):
    def swap(xml: str) -> str:
        return (xml.replace('name="Male"', 'name="tmp"').replace('name="Female"', 'name="Male"')
                .replace('name="tmp"', 'name="Female"'))

    paths = _broken_t7(tmp_path, {"xl/workbook.xml": swap})
    with pytest.raises(SchemaError, match=r"sheet 'Male'.*for male employee jobs"):
        parse_earnings(paths)


def test_truncated_files(tmp_path):
    for name in (T7_WEEKLY, "ashe-t8-annual-2023"):
        src = shared_file(name)
        bad = tmp_path / src.name
        bad.write_bytes(src.read_bytes()[:100_000])
        paths = {n: shared_file(n) for n in _FILES} | {name: bad}
        with pytest.raises(SchemaError, match=src.name.replace("(", r"\(")):
            parse_earnings(paths)
