"""APS T01/T19/T13a/T09a Nomis downloads: values read off the official files (Data sheet)."""

from __future__ import annotations

import math

import openpyxl
import pytest

from evidence.errors import SchemaError, UnknownAreaError
from evidence.sources import aps
from evidence.sources import nomis_downloads as nd
from tests.conftest import shared_file


@pytest.fixture(scope="module")
def t01_cells():
    return aps.read_aps_cells(shared_file("aps-t01-economic-activity"), "t01")


def _cell(df, label, year, variable):
    rows = df[(df["area_label"] == label) & (df["year"] == year) & (df["variable"] == variable)]
    assert len(rows) == 1, (label, year, variable)
    return rows.iloc[0]


# --- the pure block step (no area resolution) ------------------------------------------------------------


def test_t01_cells_shape(t01_cells):
    # 5 periods x (England + 38 LEPs + 363 GB LADs) x 7 variables; the 48 LSIP rows per block are dropped
    assert len(t01_cells) == 5 * (1 + 38 + 363) * 7
    assert not t01_cells["area_label"].str.startswith("User Defined Geography").any()
    assert t01_cells["area_label"].str.startswith("lep:").sum() == 5 * 38 * 7
    assert sorted(t01_cells["year"].unique()) == [2018, 2019, 2020, 2021, 2022]
    assert set(t01_cells["variable"]) == {f"T01:{i}" for i in (22, 25, 28, 31, 34, 37, 40)}


def test_t01_england_2022_in_employment(t01_cells):
    c = _cell(t01_cells, "country:England", 2022, "T01:28")
    assert c["value"] == 26537400 and c["ci95"] == 198500 and c["flag"] is None
    assert c["period"] == "Jan 2022-Dec 2022"
    assert c["variable_label"] == "Aged 16-64 - In employment : All People"


def test_t01_lep_value(t01_cells):
    c = _cell(t01_cells, "lep:Black Country", 2022, "T01:28")
    assert (c["value"], c["ci95"]) == (512700, 29900)
    c = _cell(t01_cells, "lep:Black Country", 2018, "T01:22")
    assert (c["value"], c["ci95"]) == (729000, 23100)


def test_t01_markers(t01_cells):
    c = _cell(t01_cells, "ladu:Orkney Islands", 2022, "T01:34")  # "!" in estimate and CI
    assert math.isnan(c["value"]) and math.isnan(c["ci95"]) and c["flag"] == "!"
    c = _cell(t01_cells, "ladu:East Dunbartonshire", 2022, "T01:37")  # 1000 with "*" in the CI column
    assert c["value"] == 1000 and math.isnan(c["ci95"]) and c["flag"] == "*"
    c = _cell(t01_cells, "ladu:Vale of Glamorgan", 2022, "T01:37")  # "~" estimate, "*" CI
    assert math.isnan(c["value"]) and c["flag"] == "~"
    c = _cell(t01_cells, "ladu:Isles of Scilly", 2022, "T01:28")  # "-" missing
    assert math.isnan(c["value"]) and c["flag"] == "-"
    counts = t01_cells["flag"].value_counts().to_dict()
    assert counts == {"*": 899, "!": 402, "-": 35, "~": 7}
    # a marker never sits beside a value except "*" (unreliable, value kept)
    assert t01_cells.loc[t01_cells["value"].notna(), "flag"].dropna().unique().tolist() == ["*"]


def test_t19_cells_and_nvq4_inputs():
    cells = aps.read_aps_cells(shared_file("aps-t19-qualifications"), "t19")
    assert len(cells) == 5 * 402 * 63
    eng = cells[(cells["area_label"] == "country:England") & (cells["year"] == 2021)].set_index("variable")
    assert [eng.loc[f"T19:{i}", "value"] for i in range(1, 8)] == [2229300, 3323700, 5360700, 950800, 5840400,
                                                                   15038300, 2053200]
    assert eng.loc["T19:6", "variable_label"] == "Total - All people aged 16-64 : NVQ4+"


@pytest.mark.parametrize("table,entry,n_vars,years", [("t13a", "aps-t13a-industry", 9, range(2018, 2023)),
                                                      ("t09a", "aps-t09a-occupation", 25, range(2017, 2022))])
def test_t13a_t09a_cells(table, entry, n_vars, years):
    cells = aps.read_aps_cells(shared_file(entry), table)
    assert len(cells) == 5 * 402 * n_vars
    assert sorted(cells["year"].unique()) == list(years)
    assert cells["variable"].str.startswith(aps.TABLES[table][1] + ":").all()


def test_wrong_table_is_a_schema_error():
    with pytest.raises(SchemaError, match=r"is not an T19 variable"):
        aps.read_aps_cells(shared_file("aps-t01-economic-activity"), "t19")


@pytest.mark.filterwarnings("ignore:Workbook contains no default style")
def test_moved_date_marker_is_a_schema_error(tmp_path):
    src = shared_file("aps-t01-economic-activity")
    wb = openpyxl.load_workbook(src)
    ws = wb["Data"]
    dates = [row[0] for row in ws.iter_rows() if row[0].value == "date"]
    dates[1].value = "period"  # the second block's date row no longer says "date"
    wb.save(tmp_path / src.name)
    with pytest.raises(SchemaError, match=r"\[sheet 'Data'\]: block 2 .*has no 'date' metadata row"):
        aps.read_aps_cells(tmp_path / src.name, "t01")


@pytest.mark.filterwarnings("ignore:Workbook contains no default style")
def test_missing_conf_column_is_a_schema_error(tmp_path):
    src = shared_file("aps-t13a-industry")
    wb = openpyxl.load_workbook(src)
    ws = wb["Data"]
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == "conf":
                cell.value = None
    wb.save(tmp_path / src.name)
    with pytest.raises(SchemaError, match=r"values beyond the 27 columns of its header|no 'conf'"):
        aps.read_aps_cells(tmp_path / src.name, "t13a")


def test_unknown_label_raises_unknown_area_error(t01_cells):
    cells = t01_cells[t01_cells["area_label"].isin(["country:England", "lep:Black Country"])].copy()
    cells.loc[cells["area_label"] == "lep:Black Country", "area_label"] = "lep:Atlantis"
    with pytest.raises(UnknownAreaError, match="lep:Atlantis"):
        nd.resolve_labels(cells["area_label"].unique(), file="nomis_2023_04_24_143523.xlsx")


# --- the tidy datasets (areas resolved through evidence.geography) ---------------------------------------


def test_get_aps_t01(raw_data_dir):
    df = aps.get_aps(table="t01")
    assert len(df) == 5 * 402 * 7
    assert df["area_type"].value_counts().to_dict() == {"lad": 5 * 363 * 7, "lep": 5 * 38 * 7, "country": 5 * 7}
    assert df["area_code"].astype(str).str.fullmatch(r"[EWSN]\d{8}").all()
    assert df.loc[df["area_type"] == "lep", "area_code"].nunique() == 38
    assert not df.duplicated(["area_code", "year", "variable"]).any()
    eng = df[(df["area_code"] == "E92000001") & (df["year"] == 2022) & (df["variable"] == "T01:28")].iloc[0]
    assert (eng["value"], eng["ci95"], eng["unit"], eng["measure"]) == (26537400, 198500, "persons", "count")
    assert eng["area_name"] == "England" and bool(eng["additive"]) is True
    bc = aps.get_aps(table="t01", area_codes="E37000001", years=2022, variables="T01:28")
    assert bc["value"].tolist() == [512700] and bc["area_name"].tolist() == ["Black Country"]
    orkney = aps.get_aps(table="t01", area_codes="S12000023", years=2022, variables="T01:34").iloc[0]
    assert math.isnan(orkney["value"]) and orkney["flag"] == "!"
    scilly = aps.get_aps(table="t01", area_codes="E06000053", years=2022)
    assert scilly["value"].isna().all() and set(scilly["flag"]) == {"-"}


def test_every_lep_label_resolves(raw_data_dir):
    df = aps.get_aps(table="t19", area_types="lep")
    assert df["area_code"].nunique() == 38
    assert df["area_code"].astype(str).str.startswith("E37").all()


def test_employment_rate(raw_data_dir):
    df = aps.get_employment_rate()
    assert set(df["unit"]) == {"%"} and not df["additive"].any() and set(df["measure"]) == {"rate"}
    eng = df[(df["area_code"] == "E92000001") & (df["year"] == 2022)]["value"].item()
    assert eng == pytest.approx(100 * 26537400 / 34994700)
    bc = aps.get_employment_rate(area_codes="E37000001", years=2022)["value"].item()
    assert bc == pytest.approx(100 * 512700 / 734800)  # the LEP's own published rows, not a sum of its LADs
    scilly = aps.get_employment_rate(area_codes="E06000053", years=2022).iloc[0]
    assert math.isnan(scilly["value"]) and scilly["flag"] == "-"
    assert df.attrs["provenance"][0]["name"] == "aps-t01-economic-activity"


def test_nvq4_share(raw_data_dir):
    df = aps.get_nvq4_share(years=2021)
    eng = df[df["area_code"] == "E92000001"]["value"].item()
    assert eng == pytest.approx(100 * 15038300 / 34796400)
    orkney = df[df["area_code"] == "S12000023"].iloc[0]  # T19:7 is "!"
    assert math.isnan(orkney["value"]) and orkney["flag"] == "!,*"
