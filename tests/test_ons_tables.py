"""Unit tests of the helpers shared by the ONS spreadsheet loaders, on tiny hand-made inputs."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from evidence import provenance
from evidence.errors import InvalidArgumentError, SchemaError, UnknownAreaError
from evidence.sources import _ons_tables as t

F = Path("book.xlsx")


@pytest.mark.parametrize(("raw", "expected"), [
    (2019.0, "2019"), (" K02000001 ", "K02000001"), (None, ""), (float("nan"), ""), (12.5, "12.5"), ("", ""),
])
def test_text(raw, expected):
    assert t.text(raw) == expected


def test_norm_collapses_whitespace():
    assert t.norm("1-year      per cent") == "1-year per cent"


@pytest.mark.parametrize(("raw", "value", "flag"), [
    (613.3, 613.3, None), (27882, 27882.0, None), ("1,234", 1234.0, None), ("x", math.nan, "x"),
    ("..", math.nan, ".."), ("", math.nan, None), (None, math.nan, None),
])
def test_value_and_flag(raw, value, flag):
    got, got_flag = t.value_and_flag(raw, {"x": "x", "..": ".."}, file=F, sheet="All", where="row 6")
    assert (math.isnan(got) if math.isnan(value) else got == value)
    assert got_flag == flag


def test_unknown_marker_is_a_schema_error():
    with pytest.raises(SchemaError, match=r"book.xlsx \[sheet 'All'\]: unexpected text '\[c\]' at row 6"):
        t.value_and_flag("[c]", {"x": "x"}, file=F, sheet="All", where="row 6")


def test_area_type():
    assert [t.area_type(c) for c in ("E07000004", "E10000002", "E13000001", "W92000004", "K04000001")] == [
        "lad", "county", "inner_outer_london", "nation", "england_and_wales"]
    with pytest.raises(KeyError):
        t.area_type("E47000001")


def test_missing_sheet_and_broken_file(tmp_path):
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(SchemaError, match="broken.xlsx: could not be opened"):
        t.open_workbook(bad)


def _toy() -> pd.DataFrame:
    df = pd.DataFrame({
        "area_code": ["E06000042", "E06000042", "K02000001"],
        "area_name": ["Milton Keynes", "Milton Keynes", "United Kingdom"],
        "year": [2022, 2023, 2023],
        "value": [1.0, None, 3.0],
        "unit": ["£", "£", "£"],
        "flag": [None, "x", None],
        "additive": [False, False, False],
    })
    df = t.finish(df, categorical=("area_code", "area_name", "unit"), order=list(df.columns))
    return provenance.attach(df, [{"title": "toy", "sha256": "0"}])


def test_finish_dtypes():
    df = _toy()
    assert isinstance(df.area_code.dtype, pd.CategoricalDtype)
    assert isinstance(df.flag.dtype, pd.CategoricalDtype) and df.flag.isna().sum() == 2
    assert df.value.dtype == "float64" and df.additive.dtype == bool


def test_select_filters_and_keeps_provenance():
    out = t.select(_toy(), "year", 2023, what="year", dataset="toy")
    assert list(out.area_code) == ["E06000042", "K02000001"]
    assert provenance.records(out) == [{"title": "toy", "sha256": "0"}]
    out = t.select_areas(out, ["K02000001"], dataset="toy")
    assert list(out.area_code) == ["K02000001"] and list(out.area_code.cat.categories) == ["K02000001"]
    assert t.select(_toy(), "year", None, what="year", dataset="toy").shape == (3, 7)


def test_select_rejects_unknown_values():
    with pytest.raises(InvalidArgumentError, match=r"year 2030 is not in dataset 'toy'. Available: 2022, 2023"):
        t.select(_toy(), "year", [2023, 2030], what="year", dataset="toy")


def test_select_areas_suggests_codes_for_names():
    with pytest.raises(UnknownAreaError, match=r"E06000042 \(Milton Keynes\)"):
        t.select_areas(_toy(), "Milton Keynes", dataset="toy")
    with pytest.raises(UnknownAreaError, match=r"E06000042"):
        t.select_areas(_toy(), "E06000024", dataset="toy")


def test_ends_data():
    rows = [["E06000001", "Hartlepool", 1.0], ["", "", ""], ["Note 1: current prices", "", ""]]
    kw = dict(code_col=0, first_value_col=2, pattern=t.GSS_CODE, file=F, sheet="A1")
    assert not t.ends_data(rows, 0, **kw)
    assert t.ends_data(rows, 1, **kw)
    assert t.ends_data([["Footnotes:", "", ""]], 0, **kw)  # a note with no figures and no blank row before it
    assert not t.ends_data([["Total", "", 5.0]], 0, **kw)  # not a code, but figures: the caller rejects it
    with pytest.raises(SchemaError, match="row 2 ends the table, but area 'E06000002' follows"):
        t.ends_data(rows[:2] + [["E06000002", "Middlesbrough", 2.0]], 1, **kw)


def _book(path: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws["C3"], ws["D3"] = "code", "2023"
    ws["C4"], ws["D4"], ws["E4"] = "E06000042", 27882, "x"
    ws["C6"] = "Source: ONS"
    wb.create_sheet("Notes")["A1"] = "notes"
    wb.save(path)
    return path


def test_openpyxl_engine_gives_the_rows_calamine_gives(tmp_path, monkeypatch):
    from evidence.sources import base

    path = _book(tmp_path / "book.xlsx")
    calamine = t.sheet_rows(t.open_workbook(path), "Data", file=path)
    frame = base.read_excel(path, sheet_name=None, header=None)
    monkeypatch.setenv(base.EXCEL_ENGINE_ENV, "openpyxl")
    assert base.excel_engine(path) == "openpyxl" and base.excel_engine(path.with_suffix(".xls")) == "calamine"
    book = t.open_workbook(path)
    assert book.sheet_names == base.sheet_names(path) == ["Data", "Notes"]
    assert t.sheet_rows(book, "Data", file=path) == calamine == [
        ["code", "2023", ""], ["E06000042", 27882.0, "x"], ["", "", ""], ["Source: ONS", "", ""]]
    pd.testing.assert_frame_equal(base.read_excel(path, sheet_name=None, header=None)["Data"], frame["Data"],
                                  check_dtype=False)
    monkeypatch.setenv(base.EXCEL_ENGINE_ENV, "xlrd")
    with pytest.raises(InvalidArgumentError, match="EVIDENCE_EXCEL_ENGINE='xlrd'"):
        t.open_workbook(path)
