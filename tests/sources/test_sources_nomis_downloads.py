"""The shared Nomis stacked-block reader: hand-made layouts, then the real downloads and broken copies."""

from __future__ import annotations

import shutil

import openpyxl
import pandas as pd
import pytest

from evidence.errors import SchemaError, UnknownAreaError
from evidence.sources import nomis_downloads as nd
from tests.conftest import shared_file

CSV_TWO_BLOCKS = '''
"Business Register and Employment Survey : open access"
"ONS Crown Copyright Reserved [from Nomis on 1 July 2026]"
"Date       :","2015"
"Employment status:","Employees"

"Industry","Area One","","Area Two",""

"1 : Agriculture",100,,"!"
"2 : Mining",0,*,5

"","a footnote"

"Business Register and Employment Survey : open access"
"ONS Crown Copyright Reserved [from Nomis on 1 July 2026]"
"Date       :","2016"
"Employment status:","Employees"

"Industry","Area One","","Area Two",""

"1 : Agriculture",110,,7
"2 : Mining",1,,6

"","a footnote"
'''


def _write(tmp_path, text, name="nomis.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")  # like Nomis CSVs, it starts with an empty line
    return path


def test_csv_blocks_metadata_padding_and_flags_columns(tmp_path):
    path = _write(tmp_path, CSV_TWO_BLOCKS)
    blocks = nd.split_blocks(nd.read_rows(path), file=path, header="Industry", sheet=None)
    assert [b.meta for b in blocks] == [{"date": "2015", "employment status": "Employees"},
                                        {"date": "2016", "employment status": "Employees"}]
    b = blocks[0]
    assert [c.label for c in b.columns] == ["Area One", "Area Two"]
    assert [(c.value, c.flags, c.conf) for c in b.columns] == [(1, 2, None), (3, 4, None)]
    assert b.notes == ("a footnote",)
    cells = nd.block_cells(b)
    assert len(cells) == 4
    one = cells[(cells["row_label"] == "2 : Mining") & (cells["column"] == "Area One")].iloc[0]
    assert (one["raw"], one["raw_flags"], one["row_pos"]) == ("0", "*", 1)
    value, marker = nd.split_numbers(cells["raw"], allowed={"!"}, file=path)
    assert value.isna().sum() == 1 and marker.dropna().tolist() == ["!"]
    assert value[cells["raw"] == "0"].tolist() == [0.0]  # a zero stays a zero


def test_csv_without_header_row_is_a_schema_error(tmp_path):
    path = _write(tmp_path, CSV_TWO_BLOCKS.replace('"Industry","Area One"', '"Industries","Area One"', 1))
    with pytest.raises(SchemaError, match=r"nomis\.csv.*expected a header row beginning 'Industry'"):
        nd.split_blocks(nd.read_rows(path), file=path, header="Industry", sheet=None)


def test_csv_ending_inside_a_block_is_truncated(tmp_path):
    text = CSV_TWO_BLOCKS[: CSV_TWO_BLOCKS.rindex('"2 : Mining",1,,6') + len('"2 : Mining",1')]
    path = _write(tmp_path, text)
    with pytest.raises(SchemaError, match="truncated"):
        nd.split_blocks(nd.read_rows(path), file=path, header="Industry", sheet=None)


def test_no_block_at_all(tmp_path):
    path = _write(tmp_path, "a,b\n1,2\n")
    with pytest.raises(SchemaError, match="no Nomis block found"):
        nd.split_blocks(nd.read_rows(path), file=path, header="Area", sheet=None)


def test_unknown_marker_is_a_schema_error():
    with pytest.raises(SchemaError, match=r"unexpected value cell\(s\) \['n/a'\]"):
        nd.split_numbers(pd.Series([1, "n/a"], dtype=object), allowed={"!"}, file="f.xlsx")


def test_units_row_triples():
    rows = [["t"], ["ONS Crown Copyright Reserved"], [None], ["date", "Jan 2018-Dec 2018"], [None],
            ["Area", "T01:22 (All)", None, None, "T01:28 (Employed)", None, None],
            [None, "number", "Flags", "conf", "number", "Flags", "conf"],
            ["country:England", 100, None, 5, "!", None, "!"], [None], ["! footnote"]]
    (b,) = nd.split_blocks(rows, file="x.xlsx")
    assert [(c.label, c.value, c.flags, c.conf) for c in b.columns] == [("T01:22 (All)", 1, 2, 3),
                                                                        ("T01:28 (Employed)", 4, 5, 6)]
    rows[6] = [None, "number", "Flags", "ci", "number", "Flags", "conf"]
    with pytest.raises(SchemaError, match="unknown unit 'ci'"):
        nd.split_blocks(rows, file="x.xlsx")


def test_labels_and_years():
    assert nd.split_prefix("User Defined Geography:Tees Valley-LSIP") == ("User Defined Geography", "Tees Valley-LSIP")
    assert nd.split_prefix("ladu:Kingston upon Hull, City of") == ("ladu", "Kingston upon Hull, City of")
    assert nd.year_of("Jan 2022-Dec 2022", file="x") == 2022
    with pytest.raises(SchemaError, match="unexpected date '2022/23'"):
        nd.year_of("2022/23", file="x")
    with pytest.raises(SchemaError, match="does not start with a code"):
        nd.split_coded_label("Hartlepool", file="x", pattern=r"TL[C-N]\w\d")


def test_resolve_labels_collects_every_unknown_label(monkeypatch):
    import types

    def fake(label, *, vintage=2021):
        if label.startswith("lep:Nowhere"):
            raise UnknownAreaError(label, ["lep:Somewhere"])
        return ("E37000001", label.split(":")[1], "lep")

    monkeypatch.setattr("evidence.sources.nomis_downloads._geography",
                        lambda: types.SimpleNamespace(resolve_nomis_label=fake))
    assert nd.resolve_labels(["lep:A", "lep:A"], file="f.xlsx") == {"lep:A": ("E37000001", "A", "lep")}
    with pytest.raises(UnknownAreaError, match=r"f\.xlsx.*lep:Nowhere One; lep:Nowhere Two"):
        nd.resolve_labels(["lep:A", "lep:Nowhere One", "lep:Nowhere Two"], file="f.xlsx")


# --- the real downloads ----------------------------------------------------------------------------------

REAL = {
    # entry: (header, blocks, data rows per block, value columns)
    "aps-t01-economic-activity": ("Area", 5, 450, 7),
    "aps-t19-qualifications": ("Area", 5, 450, 63),
    "ubc-size": ("Area", 5, 461, 5),
    "ubc-industry-size": ("Area", 90, 461, 5),
    "bres-itl3-section-2023": ("international territorial levels - level 3 (as of Jan 2021)", 1, 168, 21),
    "bres-lep-nuts3-2015-2020": ("Area", 6, 207, 39),
    "bres-ca-2015-2024": ("Industry", 40, 127, 15),
    "population-nomis-1991-2022": ("local authority: district / unitary (as of April 2021)", 1, 374, 33),
}


@pytest.mark.parametrize("entry", sorted(REAL))
def test_real_downloads_split_into_their_blocks(entry):
    header, n_blocks, n_rows, n_cols = REAL[entry]
    path = shared_file(entry)
    blocks = nd.split_blocks(nd.read_rows(path), file=path, header=header)
    assert len(blocks) == n_blocks
    assert {len(b.rows) for b in blocks} == {n_rows}
    assert {len(b.columns) for b in blocks} == {n_cols}
    assert all(b.notes for b in blocks)  # every block closes with its footnotes


def test_real_aps_block_has_number_flags_conf_triples():
    path = shared_file("aps-t01-economic-activity")
    blocks = nd.split_blocks(nd.read_rows(path), file=path)
    assert [b.meta["date"] for b in blocks] == [f"Jan {y}-Dec {y}" for y in range(2018, 2023)]
    c = blocks[4].columns[2]
    assert c.label == "T01:28 (Aged 16-64 - In employment : All People )"
    assert (c.value, c.flags, c.conf) == (7, 8, 9)
    england = blocks[4].rows[0]
    assert england[0] == "country:England" and england[7] == 26537400 and england[9] == 198500


def _edit_xlsx(src, dest, edit):
    wb = openpyxl.load_workbook(src)
    edit(wb["Data"])
    wb.save(dest)
    return dest


def _find(ws, value, nth=1):
    seen = 0
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == value:
                seen += 1
                if seen == nth:
                    return cell
    raise AssertionError(f"{value!r} not found")


@pytest.mark.filterwarnings("ignore:Workbook contains no default style")
def test_real_xlsx_with_renamed_header_cell_is_a_schema_error(tmp_path):
    src = shared_file("ubc-size")
    path = _edit_xlsx(src, tmp_path / src.name, lambda ws: setattr(_find(ws, "Area", nth=3), "value", "Areas"))
    with pytest.raises(SchemaError, match=r"nomis_2023_04_24_151111\.xlsx \[sheet 'Data'\].*'Area'.*block 3.*'Areas'"):
        nd.split_blocks(nd.read_rows(path), file=path)


@pytest.mark.filterwarnings("ignore:Workbook contains no default style")
def test_real_xlsx_with_renamed_sheet_is_a_schema_error(tmp_path):
    src = shared_file("ubc-size")

    def rename(ws):
        ws.title = "Sheet1"

    path = _edit_xlsx(src, tmp_path / src.name, rename)
    with pytest.raises(SchemaError, match=r"expected sheet\(s\) \['Data'\]"):
        nd.read_rows(path)


def test_truncated_xlsx_is_a_schema_error(tmp_path):
    src = shared_file("bres-itl3-section-2023")
    path = tmp_path / src.name
    path.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    with pytest.raises(SchemaError, match=r"nomis_2025_12_18_150358\.xlsx"):
        nd.read_rows(path)


def test_truncated_real_csv_is_a_schema_error(tmp_path):
    src = shared_file("bres-ca-2015-2024")
    path = tmp_path / src.name
    data = src.read_bytes()
    path.write_bytes(data[: data.index(b'"50 : Water transport"', len(data) // 2)])
    with pytest.raises(SchemaError, match="truncated"):
        nd.split_blocks(nd.read_rows(path), file=path, header="Industry", sheet=None)


def test_copy_of_real_csv_parses_identically(tmp_path):
    src = shared_file("bres-ca-2015-2024")
    shutil.copy(src, tmp_path / src.name)
    a = nd.split_blocks(nd.read_rows(src), file=src, header="Industry", sheet=None)
    b = nd.split_blocks(nd.read_rows(tmp_path / src.name), file=src, header="Industry", sheet=None)
    assert a == b
