"""ONS Subregional productivity loaders: values read off the official workbooks, identities, bad input."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from conftest import shared_file
from evidence import provenance
from evidence.errors import InvalidArgumentError, SchemaError, UnknownAreaError
from evidence.sources import load
from evidence.sources.ons_productivity import (
    PRODUCTIVITY,
    PRODUCTIVITY_2024,
    PRODUCTIVITY_ITL,
    get_productivity,
    parse_productivity_itl_2024,
    parse_productivity_lad_2025,
)


@pytest.fixture(scope="module")
def lad(raw_data_dir) -> pd.DataFrame:
    return load(PRODUCTIVITY)


@pytest.fixture(scope="module")
def lad_2024(raw_data_dir) -> pd.DataFrame:
    return load(PRODUCTIVITY_2024)


@pytest.fixture(scope="module")
def itl(raw_data_dir) -> pd.DataFrame:
    return load(PRODUCTIVITY_ITL)


def cell(df: pd.DataFrame, code: str, measure: str, year: int) -> pd.Series:
    row = df[(df.area_code == code) & (df.measure == measure) & (df.year == year)]
    assert len(row) == 1, (code, measure, year)
    return row.iloc[0]


# Values read off labourproductivitylad1.xls (June 2025) with xlrd.
@pytest.mark.parametrize(("code", "measure", "year", "value", "unit"), [
    ("E06000042", "gva_per_hour", 2023, 50.59, "£ per hour"),          # A3 Milton Keynes
    ("E06000001", "gva_per_hour", 2004, 18.56, "£ per hour"),          # A3 Hartlepool
    ("UKX", "gva_per_hour", 2023, 41.87, "£ per hour"),                # A3 UK less Extra-Regio
    ("E06000042", "gva_per_hour_index", 2023, 120.82, "index (UK=100)"),  # A1
    ("E06000042", "gva_per_job", 2023, 85050.0, "£ per job"),          # B3
    ("UKX", "gva_per_job", 2002, 37577.0, "£ per job"),                # B3
    ("E06000042", "gva_per_job_index", 2022, 128.79, "index (UK=100)"),  # B1
    ("E06000042", "hours", 2023, 6213999.0, "hours per week"),         # Productivity Hours
    ("UKX", "hours", 2023, 1055637266.0, "hours per week"),
    ("E06000042", "jobs", 2023, 192063.0, "jobs"),                     # Productivity Jobs
    ("UKX", "jobs", 2022, 34198437.0, "jobs"),
])
def test_known_cells_june_2025(lad, code, measure, year, value, unit):
    row = cell(lad, code, measure, year)
    assert row.value == pytest.approx(value)
    assert row.unit == unit
    assert pd.isna(row.flag)


def test_ukx_is_kept_and_every_lad_is_there(lad):
    assert lad.attrs["provenance"][0]["name"] == "productivity-lad-2025"
    for measure in ("gva_per_hour", "gva_per_hour_index", "gva_per_job", "gva_per_job_index", "hours", "jobs"):
        areas = set(lad.loc[lad.measure == measure, "area_code"])
        assert len(areas) == 362 and "UKX" in areas, measure  # 361 LADs (April 2023) + UKX
    assert cell(lad, "UKX", "gva_per_hour", 2023).area_name == "United Kingdom less Extra-Regio"
    assert lad.groupby("measure", observed=True).year.agg(["min", "max"]).to_dict("index") == {
        "gva_per_hour": {"min": 2004, "max": 2023}, "gva_per_hour_index": {"min": 2004, "max": 2023},
        "gva_per_job": {"min": 2002, "max": 2023}, "gva_per_job_index": {"min": 2002, "max": 2023},
        "hours": {"min": 2004, "max": 2023}, "jobs": {"min": 2002, "max": 2023}}
    assert len(lad) == 362 * (20 * 3 + 22 * 3)
    assert not lad.duplicated(["area_code", "measure", "year"]).any()


def test_ukx_index_is_100_in_every_year(lad, lad_2024, itl):
    for df in (lad, lad_2024, itl):
        for measure in ("gva_per_hour_index", "gva_per_job_index"):
            uk = df[(df.area_code == "UKX") & (df.measure == measure)]
            assert len(uk) >= 19 and (uk.value == 100).all(), measure


def test_northern_ireland_2023_jobs_are_missing_not_zero(lad):
    # B1 prints "-" and B3/Productivity Jobs print 0 for NI's 2023 LADs (footnote: jobs unavailable).
    ni = lad[lad.area_code.str.startswith("N09") & (lad.year == 2023)]
    for measure in ("jobs", "gva_per_job", "gva_per_job_index"):
        part = ni[ni.measure == measure]
        assert len(part) == 11 and part.value.isna().all() and (part.flag == "-").all(), measure
    assert cell(lad, "N09000003", "jobs", 2022).value == 248465.0   # Belfast 2022 is published
    assert cell(lad, "N09000003", "gva_per_hour", 2023).value > 0   # hours-based 2023 values exist
    assert (lad.value.dropna() != 0).all()
    assert lad.value.isna().sum() == 33


def test_additive_only_for_hours_and_jobs(lad, itl):
    for df in (lad, itl):
        additive = df.groupby("measure", observed=True).additive.agg(["min", "max"])
        assert (additive["min"] == additive["max"]).all()
        assert set(additive.index[additive["max"]]) == {"hours", "jobs"}


def test_lad_jobs_sum_to_the_uk_and_hours_nearly(lad):
    wide = lad[lad.measure.isin(["jobs", "hours"])].pivot_table(
        index=["measure", "year"], columns="area_code", values="value", observed=True)
    lads = wide.drop(columns="UKX").sum(axis=1)
    jobs_gap = (lads - wide["UKX"]).loc["jobs"]
    assert (jobs_gap.loc[:2022].abs() <= 20).all()          # constrained to ITL1: equal up to rounding
    assert jobs_gap.loc[2023] < -500_000                     # NI's 2023 LAD jobs are not published
    hours_share = (lads / wide["UKX"]).loc["hours"]
    # Note 2: NI's ITL1 hours include hours that cannot be allocated to its districts.
    assert ((hours_share > 0.997) & (hours_share < 1)).all()


def test_index_is_pounds_relative_to_uk(lad):
    wide = lad.pivot_table(index=["area_code", "year"], columns="measure", values="value", observed=True)
    uk = wide.xs("UKX", level="area_code")
    pairs = (("gva_per_hour", "gva_per_hour_index", 0.06), ("gva_per_job", "gva_per_job_index", 0.01))
    for pounds, index, tol in pairs:
        implied = wide[pounds].div(uk[pounds], level="year") * 100
        assert (implied - wide[index]).abs().max() < tol  # £ rounded to 2 dp / whole £ in the workbook


def test_june_2024_release(lad_2024):
    assert cell(lad_2024, "E06000042", "gva_per_hour", 2022).value == pytest.approx(47.2)
    assert cell(lad_2024, "UKX", "gva_per_hour", 2022).value == pytest.approx(39.7)
    assert cell(lad_2024, "E06000042", "jobs", 2022).value == 181031.0
    assert lad_2024.year.max() == 2022 and lad_2024.area_code.nunique() == 362
    # The sheets word the UK differently; one name per code.
    assert lad_2024.loc[lad_2024.area_code == "UKX", "area_name"].nunique() == 1
    assert lad_2024.flag.isna().all()


def test_itl_file(itl):
    assert cell(itl, "TLJ12", "gva_per_hour", 2022).value == pytest.approx(47.2)
    assert cell(itl, "TLJ1", "gva_per_hour", 2004).value == pytest.approx(30.8)
    assert cell(itl, "TLJ", "gva_per_hour_cvm_index", 2022).value == pytest.approx(105.5)
    assert cell(itl, "TLJ", "gva_per_hour_cvm_index", 2022).unit == "index (2019=100)"
    assert cell(itl, "UKX", "gva_per_hour_unsmoothed", 2004).value == pytest.approx(24.8)
    assert cell(itl, "TLB", "hours", 2022).value == 897592478.0
    assert cell(itl, "UKX", "hours", 2022).value == 1046084579.0  # published as " UKX" in that sheet
    levels = itl.drop_duplicates("area_code").itl_level.value_counts()
    assert levels.to_dict() == {"ITL3": 179, "ITL2": 41, "ITL1": 12, "UK": 1, "Other": 1}
    assert itl.measure.nunique() == 12
    cvm = itl[(itl.measure == "gva_per_job_cvm_index") & (itl.year == 2019)]
    assert (cvm.value == 100).all()


def test_itl1_jobs_and_hours_sum_to_the_uk(itl):
    for measure in ("jobs", "hours"):
        part = itl[itl.measure == measure]
        by_level = part.pivot_table(index="year", columns="itl_level", values="value", aggfunc="sum", observed=True)
        assert ((by_level["ITL1"] / by_level["UK"] - 1).abs() < 1e-5).all(), measure


def test_getter_filters(raw_data_dir):
    df = get_productivity(measures="gva_per_hour", areas=["E06000042", "UKX"], years=[2022, 2023])
    assert len(df) == 4 and set(df.measure) == {"gva_per_hour"}
    assert provenance.records(df)[0]["sha256"] == PRODUCTIVITY.entries()[0].sha256
    mk = df[(df.area_code == "E06000042") & (df.year == 2023)].value.item()
    assert mk == pytest.approx(50.59)
    older = get_productivity(release=2024, measures=["jobs"], areas="E06000042", years=2022)
    assert older.value.item() == 181031.0
    itl = get_productivity(release=2024, geography="itl", measures="gva_per_hour", areas="TLJ12", years=2022)
    assert itl.value.item() == pytest.approx(47.2)


def test_getter_rejects_unknown_arguments(raw_data_dir):
    with pytest.raises(InvalidArgumentError, match="itl/2025|Available"):
        get_productivity(release=2025, geography="itl")
    with pytest.raises(InvalidArgumentError, match="gva_per_hour"):
        get_productivity(measures="gva_per_hours")
    with pytest.raises(InvalidArgumentError, match="year"):
        get_productivity(years=2030)
    with pytest.raises(UnknownAreaError, match="E06000042"):
        get_productivity(areas="Milton Keynes")


# --- bad input -------------------------------------------------------------------------------------------------

def _rewrite(src: Path, dst: Path, *, rename: dict[str, str] | None = None, edit=None) -> Path:
    """Copy an .xls workbook to .xlsx (openpyxl cannot write .xls), renaming sheets and editing cells."""
    import openpyxl
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(src))
    out = openpyxl.Workbook(write_only=True)
    for name in book.sheet_names:
        rows = [list(r) for r in book.get_sheet_by_name(name).to_python()]
        if edit:
            edit(name, rows)
        ws = out.create_sheet((rename or {}).get(name, name))
        for r in rows:
            ws.append([None if (isinstance(v, float) and math.isnan(v)) else v for v in r])
    out.save(dst)
    return dst


def test_a_faithful_copy_parses_the_same(tmp_path):
    src = shared_file("productivity-lad-2025")
    copy = _rewrite(src, tmp_path / "copy.xlsx")
    a = parse_productivity_lad_2025({"productivity-lad-2025": src})
    b = parse_productivity_lad_2025({"productivity-lad-2025": copy})
    pd.testing.assert_series_equal(a.value, b.value)


def test_renamed_sheet_raises_schema_error(tmp_path):
    bad = _rewrite(shared_file("productivity-lad-2025"), tmp_path / "bad.xlsx", rename={"A3": "Table A3"})
    with pytest.raises(SchemaError, match=r"bad\.xlsx.*'A3'"):
        parse_productivity_lad_2025({"productivity-lad-2025": bad})


def test_moved_header_raises_schema_error(tmp_path):
    def insert_row(name, rows):
        if name == "B3":  # a new first row pushes the title rows and the header down by one
            rows.insert(0, ["This worksheet contains one table"] + [""] * (len(rows[0]) - 1))

    bad = _rewrite(shared_file("productivity-lad-2025"), tmp_path / "bad.xlsx", edit=insert_row)
    with pytest.raises(SchemaError, match=r"sheet 'B3'.*title"):
        parse_productivity_lad_2025({"productivity-lad-2025": bad})

    def insert_below_titles(name, rows):
        if name == "A1":
            rows.insert(3, ["Provisional"] + [""] * (len(rows[0]) - 1))

    bad = _rewrite(shared_file("productivity-lad-2025"), tmp_path / "bad2.xlsx", edit=insert_below_titles)
    with pytest.raises(SchemaError, match=r"sheet 'A1'.*header row \(row 5\).*moved"):
        parse_productivity_lad_2025({"productivity-lad-2025": bad})


def test_renamed_header_and_unknown_marker_raise_schema_error(tmp_path):
    def rename_code(name, rows):
        if name == "Productivity Jobs":
            rows[4][0] = "LAD_code"

    bad = _rewrite(shared_file("productivity-lad-2025"), tmp_path / "bad.xlsx", edit=rename_code)
    with pytest.raises(SchemaError, match=r"Productivity Jobs.*LAD_Code"):
        parse_productivity_lad_2025({"productivity-lad-2025": bad})

    def marker(name, rows):
        if name == "A1":
            rows[6][3] = "[c]"

    bad = _rewrite(shared_file("productivity-lad-2025"), tmp_path / "bad2.xlsx", edit=marker)
    with pytest.raises(SchemaError, match=r"'\[c\]'"):
        parse_productivity_lad_2025({"productivity-lad-2025": bad})


def test_changed_index_base_raises_schema_error(tmp_path):
    def rebase(name, rows):
        if name == "A5":
            rows[2][0] = "2022=100"

    bad = _rewrite(shared_file("productivity-itl-2024"), tmp_path / "bad.xlsx", edit=rebase)
    with pytest.raises(SchemaError, match="2019=100"):
        parse_productivity_itl_2024({"productivity-itl-2024": bad})


def test_truncated_file_raises_schema_error(tmp_path):
    src = shared_file("productivity-lad-2025")
    bad = tmp_path / src.name
    bad.write_bytes(src.read_bytes()[:50_000])
    with pytest.raises(SchemaError, match="labourproductivitylad1.xls"):
        parse_productivity_lad_2025({"productivity-lad-2025": bad})
