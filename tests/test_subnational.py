"""Subnational indicators explorer workbook: values read off the sheets, the dictionary, and bad input."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from evidence.errors import SchemaError, SourceUnavailableError, UnknownAreaError, UnknownDatasetError
from evidence.sources import subnational as sn
from evidence.sources.base import load, validate
from tests.conftest import shared_file


@pytest.fixture(scope="module")
def df(raw_data_dir) -> pd.DataFrame:
    return load(sn.SUBNATIONAL)


def row(df, area, metric):
    rows = df[(df["area_code"] == area) & (df["metric"] == metric)]
    assert len(rows) == 1, (area, metric, len(rows))
    return rows.iloc[0]


def test_shape_and_contract(df):
    validate(df, sn.SUBNATIONAL)
    assert len(df) == 14411
    assert df["metric"].nunique() == 50
    assert not df.duplicated(["area_code", "metric"]).any()
    assert (df["value"].isna() == df["flag"].eq("na")).all()
    assert df["area_code"].str.match(r"^(?:[EWSNK]\d{8}|TL[A-Z0-9]{1,3})$").all()
    assert df.attrs["provenance"][0]["name"] == "subnational-indicators"


def test_milton_keynes_cells(df):
    gva = row(df, "E06000042", "gva_per_hour_worked")
    assert gva["value"] == 45.87 and gva["unit"] == "£ per hour" and gva["period"] == "2021" and gva["year"] == 2021
    assert gva["geography_level"] == "County or Unitary Authority" and not gva["additive"]
    pay = row(df, "E06000042", "median_weekly_pay")
    assert (pay["value"], pay["lci_95"], pay["uci_95"]) == (613.1, 561.427932, 664.772068)
    assert row(df, "E06000042", "active_enterprises")["value"] == 13980
    assert row(df, "E06000042", "active_enterprises")["additive"]
    homes = row(df, "E06000042", "net_housing_additions")
    assert homes["value"] == 24 and homes["period"] == "Financial year ending 2023" and homes["year"] == 2022
    ls = row(df, "E06000042", "life_satisfaction")
    assert (ls["value"], ls["lci_95"], ls["uci_95"]) == (7.51, 7.2, 7.82)
    assert ls["data_accuracy"].startswith("coefficient of variation is less than or equal to 5%")


def test_uk_rows_and_periods(df):
    uk = row(df, "K02000001", "median_weekly_pay")
    assert (uk["value"], uk["lci_95"]) == (574.9, 573.773196) and uk["geography_level"] == "Country"
    assert row(df, "K02000001", "exports")["value"] == 654014
    emp = row(df, "K02000001", "employment_rate_16_64")
    assert emp["period"] == "10/2022 - 09/2023" and emp["year"] == 2022 and emp["value"] == 75.7
    assert row(df, "E92000001", "ks2_expected_standard")["period"] == "2022/23"
    assert row(df, "K02000001", "public_rd")["year"] == 2020  # financial year ending 2021


def test_suppressed_cells_are_na_with_flag(df):
    burnley = row(df, "E07000117", "life_satisfaction")
    assert pd.isna(burnley["value"]) and burnley["flag"] == "na" and pd.isna(burnley["lci_95"])
    assert burnley["observation_status"] == "Value suppressed with due to low reliability of estimate"
    col = row(df, "E09000001", "median_weekly_pay")
    assert pd.isna(col["value"]) and col["flag"] == "na"
    ni = row(df, "N09000001", "median_weekly_pay")  # value published, CIs not
    assert ni["value"] == 529.7 and pd.isna(ni["flag"]) and pd.isna(ni["lci_95"])


def test_uncoded_city_regions_dropped_and_old_itl_kept(df):
    ex = df[df["metric"] == "exports"]
    assert len(ex) == 247  # 250 rows less Aberdeen, Edinburgh and Glasgow city regions (code 'na')
    assert row(df, "TLC11", "exports")["value"] == 4529  # 2021 on ITL 2021 codes
    assert len(df[df["metric"] == "fdi_inward"]) == 66


def test_dictionary(raw_data_dir):
    meta = sn.subnational_metadata()
    assert len(meta) == 50
    assert list(meta["sheet"]) == [m.sheet for m in sn.METRICS]
    assert meta.attrs["provenance"][0]["name"] == "subnational-indicators"
    first = meta.iloc[0]
    assert first["metric"] == "gva_per_hour_worked" and first["measure"] == "Pounds"
    assert first["district_boundary_date"] == "2022" and first["subject_matter_date"] == "2021"
    anxiety = meta.set_index("metric").loc["anxiety"]
    assert anxiety["polarity"] == "Worse" and anxiety["nations_covered"] == "UK"


def test_dictionary_snapshot_fallback(raw_data_dir, tmp_path, monkeypatch):
    path = sn.snapshot_subnational_metadata(tmp_path / "processed" / "snapshot")
    monkeypatch.setenv("EVIDENCE_DATA_DIR", str(tmp_path))
    meta = sn.subnational_metadata()
    assert path.exists() and len(meta) == 50 and meta.attrs["provenance"][0]["name"] == "subnational-indicators"
    path.unlink()
    with pytest.raises(SourceUnavailableError, match="evidence fetch subnational-indicators"):
        sn.subnational_metadata()


def test_getter(raw_data_dir):
    out = sn.get_subnational_indicators(metrics=["gva_per_hour_worked", "gdhi_per_head"], areas="E06000042")
    assert out.set_index("metric")["value"].to_dict() == {"gva_per_hour_worked": 45.87, "gdhi_per_head": 21409.0}
    with pytest.raises(UnknownDatasetError, match="gva_per_hour_worked"):
        sn.get_subnational_indicators(metrics="gva_per_hour")
    with pytest.raises(UnknownAreaError):
        sn.get_subnational_indicators(areas="E99999999")


def test_year_rule():
    assert sn._year("2022/23") == 2022
    assert sn._year("Financial year ending 2021") == 2020
    assert sn._year("16/11/2021 - 15/11/2022") == 2021
    assert sn._year("As at 31 January 2024") == 2024
    assert sn._year("2019 revised") == 2019
    assert sn._year("latest") is None


# --------------------------------------------------------------------------------------------- bad input


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> dict[str, object]:
    """Broken copies of the workbook, each with ONE change (openpyxl load/save is slow: load once)."""
    src = shared_file("subnational-indicators")
    out = tmp_path_factory.mktemp("subnat")
    wb = openpyxl.load_workbook(src)

    def save(name, edit, undo):
        path = out / name / src.name
        path.parent.mkdir()
        edit()
        wb.save(path)
        undo()
        return path

    ws = wb["Weekly pay"]
    header = next(r for r in range(1, 20) if ws.cell(r, 1).value == "Area Code")
    paths = {
        "sheet": save("sheet", lambda: setattr(wb["Weekly pay"], "title", "Weekly earnings"),
                      lambda: setattr(wb["Weekly earnings"], "title", "Weekly pay")),
        "area_code": save("area_code", lambda: setattr(ws.cell(header, 1), "value", "Code"),
                          lambda: setattr(ws.cell(header, 1), "value", "Area Code")),
        "level": save("level", lambda: setattr(ws.cell(header, 6), "value", "LAD"),
                      lambda: setattr(ws.cell(header, 6), "value", "Local Authority District")),
    }
    truncated = out / "truncated" / src.name
    truncated.parent.mkdir()
    truncated.write_bytes(src.read_bytes()[:200_000])
    paths["truncated"] = truncated
    return paths


def test_renamed_sheet(broken):
    with pytest.raises(SchemaError, match=r"subnatindicators\.xlsx: expected sheet\(s\) \['Weekly pay'\]"):
        sn.parse_subnational_indicators({sn.ENTRY: broken["sheet"]})


def test_renamed_area_code_header(broken):
    with pytest.raises(SchemaError, match=r"subnatindicators\.xlsx \[sheet 'Weekly pay'\].*Area Code"):
        sn.parse_subnational_indicators({sn.ENTRY: broken["area_code"]})


def test_renamed_geography_column(broken):
    with pytest.raises(SchemaError, match=r"\[sheet 'Weekly pay'\].*'LAD'"):
        sn.parse_subnational_indicators({sn.ENTRY: broken["level"]})


def test_truncated_workbook(broken):
    with pytest.raises(SchemaError, match=r"subnatindicators\.xlsx: could not be opened as a workbook"):
        sn.parse_subnational_indicators({sn.ENTRY: broken["truncated"]})
