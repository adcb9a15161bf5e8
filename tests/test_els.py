"""Explore Local Statistics series: values read off the official CSVs, the quirks, and bad input."""

from __future__ import annotations

import json
import math
import shutil

import pandas as pd
import pytest

from evidence.errors import SchemaError, UnknownAreaError, UnknownDatasetError
from evidence.sources import catalogue, els
from evidence.sources.base import load, validate
from tests.conftest import shared_file


@pytest.fixture(scope="module")
def frames(raw_data_dir) -> dict[str, pd.DataFrame]:
    """Every ELS dataset, parsed once (later loads in the session hit the parquet cache)."""
    return {ds.name: load(ds) for ds in els.DATASETS}


def cell(df, area, year, indicator=None):
    rows = df[(df["area_code"] == area) & (df["year"] == year)]
    if indicator is not None:
        rows = rows[rows["indicator"] == indicator]
    assert len(rows) == 1, (area, year, indicator, len(rows))
    return rows.iloc[0]


def is_na_with(row, flag):
    return pd.isna(row["value"]) and row["flag"] == flag


# ------------------------------------------------------------------------------------------- every series


def test_twelve_series_are_registered():
    assert len(els.DATASETS) == 12
    for ds in els.DATASETS:
        assert ds.files == (ds.name, ds.name + "-meta")


def test_every_series_is_tidy_unique_and_carries_its_sidecar(frames):
    for name, df in frames.items():
        ds = els._BY_NAME[name]
        validate(df, ds)
        assert not df.duplicated(["area_code", "indicator", "period"]).any(), name
        assert not df.duplicated(["area_code", "indicator", "year"]).any(), name
        assert df["area_code"].str.match(r"^(?:[EWSNK]\d{8}|TL[A-Z0-9]{1,3})$").all(), name
        # missing stays missing: every NA value has the publisher's marker, and markers only on NA values
        assert (df["value"].isna() == df["flag"].notna()).all(), name
        assert set(df["flag"].dropna().unique()) <= {"x", "u", "c"}, name
        rec = df.attrs["provenance"][0]
        assert rec["name"] == name and rec["sha256"] == catalogue.entry(name).sha256
        assert rec["indicator_label"] and rec["source_url"].startswith("https://")
        assert len(rec["source_date"]) == 10 and rec["source_date"][4] == "-", rec["source_date"]


def test_additivity_follows_the_measure(frames):
    additive = {n for n, df in frames.items() if df["additive"].all()}
    assert additive == {"els-berd", "els-public-rd", "els-exports", "els-fdi"}
    for n, df in frames.items():
        assert df["additive"].nunique() == 1, n


def test_cis_lose_float_noise_but_keep_published_digits(frames):
    uk = cell(frames["els-employment-rate"], "K02000001", 2015, "Employment rate")
    assert uk["value"] == 73.4 and uk["uci_95"] == 73.6  # published as 73.60000000000001
    mk = cell(frames["els-employment-rate"], "E06000042", 2023, "Economically inactive")
    assert mk["lci_95"] == 17.9  # published as 17.900000000000002
    pay = cell(frames["els-median-weekly-pay"], "K02000001", 2023)
    assert pay["lci_95"] == 573.773196 and pay["uci_95"] == 576.026804  # six decimals kept


# ------------------------------------------------------------------------------------------- one per file


def test_claimant_count(frames):
    df = frames["els-claimant-count"]
    assert len(df) == 10325
    assert cell(df, "K02000001", 2025)["value"] == 3.9
    mk = cell(df, "E06000042", 2024)
    assert mk["value"] == 4.0 and mk["unit"] == "%" and mk["period"] == "2024-01-01/P1Y"
    assert mk["period_type"] == "calendar year"
    assert is_na_with(cell(df, "N09000001", 2012), "x")  # NI LGDs start in 2013
    barnsley = cell(df, "E08000016", 2025)  # April 2023 code, noted obsolete since 2025
    assert barnsley["area_code_2023"] == "E08000016" and barnsley["code_vintage"] == "GSS 2023"
    assert "E08000038" in barnsley["notes"]
    assert "mid-year 2023" in df.attrs["provenance"][0]["caveats"]
    assert df.attrs["provenance"][0]["experimental_statistic"] is True


def test_employment_rate_two_indicators_and_low_reliability(frames):
    df = frames["els-employment-rate"]
    assert len(df) == 16080
    assert set(df["indicator"].unique()) == {"Employment rate", "Economically inactive"}
    labels = dict(zip(df["indicator"], df["metric"], strict=False))
    assert labels["Employment rate"] == "Employment rate (Great Britain)"
    assert labels["Economically inactive"] == "Economic inactivity rate (Great Britain)"
    mk = cell(df, "E06000042", 2023, "Employment rate")
    assert (mk["value"], mk["lci_95"], mk["uci_95"]) == (76.0, 72.2, 79.8)
    assert is_na_with(cell(df, "E09000001", 2022, "Employment rate"), "u")
    assert is_na_with(cell(df, "E09000001", 2014, "Employment rate"), "x")
    rec = df.attrs["provenance"][0]
    assert set(rec["indicators"]) == {"Employment rate", "Economically inactive"}
    assert rec["source_date"] == "2024-04-16"


def test_modelled_unemployment(frames):
    df = frames["els-modelled-unemployment"]
    assert len(df) == 7580
    gb = cell(df, "K03000001", 2023)
    assert (gb["value"], gb["lci_95"], gb["uci_95"]) == (3.7, 3.5, 3.9)
    assert cell(df, "E06000042", 2023)["value"] == 3.6
    assert is_na_with(cell(df, "E06000063", 2017), "x")


def test_median_weekly_pay_on_ashe_reference_dates(frames):
    df = frames["els-median-weekly-pay"]
    assert len(df) == 7109
    uk = cell(df, "K02000001", 2025)
    assert uk["value"] == 642.5 and uk["period"] == "2025-04-30" and uk["period_type"] == "reference date"
    assert uk["unit"] == "£" and not uk["additive"]
    mk = cell(df, "E06000042", 2025)
    assert (mk["value"], mk["lci_95"], mk["uci_95"]) == (703.6, 638.784368, 768.415632)
    assert is_na_with(cell(df, "E06000063", 2013), "x")
    assert df["flag"].value_counts().to_dict() == {"x": 94, "u": 35}


def test_gdhi_per_head(frames):
    df = frames["els-gdhi-per-head"]
    assert len(df) == 17442
    assert cell(df, "K02000001", 2023)["value"] == 24836
    assert cell(df, "K02000001", 1997)["value"] == 10596
    hi = cell(df, "TLM2", 2023)
    assert is_na_with(hi, "u") and hi["code_vintage"] == "ITL 2025"


def test_housing_affordability_unit_is_fixed_and_2025_codes_map_to_2023(frames):
    df = frames["els-housing-affordability"]
    assert len(df) == 8424
    ew = cell(df, "K04000001", 2025)
    assert ew["value"] == 7.56 and ew["period"] == "2025-04-01" and ew["period_type"] == "reference date"
    assert set(df["unit"].unique()) == {"ratio (house price / annual earnings)"}
    assert set(df["measure"].unique()) == {"Ratio"}
    assert "unit corrected" in ew["notes"]
    assert "ratio" in df.attrs["provenance"][0]["loader_notes"]
    barnsley = cell(df, "E08000038", 2025)
    assert barnsley["value"] == 4.91 and barnsley["area_code_2023"] == "E08000016"
    assert barnsley["code_vintage"] == "GSS 2025"
    assert cell(df, "E06000042", 2025)["value"] == 8.46
    assert is_na_with(cell(df, "E06000047", 2002), "x")
    assert "E08000016" not in set(df["area_code"])


def test_berd_regions_only(frames):
    df = frames["els-berd"]
    assert len(df) == 42
    assert set(df["geography_level"].unique()) == {"Country", "Nation", "Region"}
    assert cell(df, "K02000001", 2022)["value"] == 50841.0
    se = cell(df, "E12000008", 2024)
    assert se["value"] == 9228.0 and se["unit"] == "£ million" and se["additive"]


def test_public_rd_financial_years(frames):
    df = frames["els-public-rd"]
    assert len(df) == 28
    uk = cell(df, "K02000001", 2020)
    assert uk["value"] == 13447 and uk["period"] == "2020-04-01/P1Y" and uk["period_type"] == "financial year"
    assert cell(df, "E12000008", 2021)["value"] == 2881  # FY 2021-22 (FYE 2022)
    assert set(df["year"].unique()) == {2020, 2021}


def test_exports_keep_each_year_on_one_itl_vintage_without_duplicates(frames):
    df = frames["els-exports"]
    assert len(df) == 1241
    assert not df.duplicated(["area_code", "period"]).any()
    assert cell(df, "K02000001", 2019)["value"] == 689023.0
    assert cell(df, "TLC31", 2023)["value"] == 2640.0
    old = cell(df, "TLC11", 2019)  # Hartlepool and Stockton-on-Tees, ITL 2021 code, only source for 2019-22
    assert old["value"] == 4503.0 and old["code_vintage"] == "ITL 2021"
    itl3 = df[df["geography_level"] == "ITL Level 3"].groupby("year")["area_code"].nunique()
    assert itl3.to_dict() == {2019: 179, 2020: 179, 2021: 179, 2022: 179, 2023: 182}
    itl2 = df[df["geography_level"] == "ITL Level 2"].groupby("year")["area_code"].nunique()
    assert itl2.to_dict() == {2019: 40, 2020: 40, 2021: 40, 2022: 40, 2023: 45}
    assert (df["code_vintage"] == "ITL 2021").sum() == 268
    assert (df.loc[df["code_vintage"] == "ITL 2021", "year"] < 2023).all()
    assert is_na_with(cell(df, "E47000006", 2021), "c")
    assert (df["flag"] == "c").sum() == 120


def test_fdi_drops_uncoded_scottish_city_regions(frames):
    df = frames["els-fdi"]
    assert len(df) == 1580 - 60
    assert not df["area_code"].str.lower().eq("na").any()
    assert not df.duplicated(["area_code", "indicator", "period"]).any()
    assert not df["area_name"].astype(str).str.contains("Glasgow City Region").any()
    assert cell(df, "E47000001", 2015, "Inward foreign direct investment")["value"] == 28770
    assert cell(df, "TLJ1", 2024, "Outward foreign direct investment")["value"] == 87602
    assert is_na_with(cell(df, "E47000012", 2024, "Outward foreign direct investment"), "c")
    assert "Inward foreign direct investment" in df.attrs["provenance"][0]["indicators"]


def test_level3_qualifications(frames):
    df = frames["els-level3-qualifications"]
    assert len(df) == 803
    assert cell(df, "K02000001", 2022)["value"] == 66.7
    mk = cell(df, "E06000042", 2023)
    assert (mk["value"], mk["lci_95"], mk["uci_95"]) == (64.0, 59.7, 68.3)
    assert is_na_with(cell(df, "E06000053", 2023), "x")


def test_gigabit_single_snapshot(frames):
    df = frames["els-gigabit-broadband"]
    assert len(df) == 413 and set(df["period"].unique()) == {"2026-01-01"}
    uk = cell(df, "K02000001", 2026)
    assert uk["value"] == 87.8 and uk["period_type"] == "reference date"
    sheffield = cell(df, "E08000039", 2026)
    assert sheffield["value"] == 94.1 and sheffield["area_code_2023"] == "E08000019"
    english_lads = df[df["area_code"].str.match(r"^E0[6-9]")]["area_code_2023"]
    assert english_lads.nunique() == 296


# ------------------------------------------------------------------------------------------- getter


def test_getter_filters_on_either_code_vintage(raw_data_dir):
    df = els.get_local_indicator("housing-affordability", areas=["E08000016", "E06000042"], years=[2024, 2025])
    assert sorted(df["area_code"].unique()) == ["E06000042", "E08000038"]
    assert set(df["year"]) == {2024, 2025} and len(df) == 4
    assert df.attrs["provenance"][0]["name"] == "els-housing-affordability"
    assert len(els.get_local_indicator("els-berd", years=2023)) == 14


def test_getter_errors(raw_data_dir):
    with pytest.raises(UnknownDatasetError, match="els-claimant-count"):
        els.get_local_indicator("claimant-cont")
    with pytest.raises(UnknownAreaError, match="E06000042"):
        els.get_local_indicator("berd", areas="E06000042")


def test_sidecar_shared_block():
    side = els.read_sidecar(shared_file("els-fdi-meta"))
    assert set(side["indicators"]) == {"Inward foreign direct investment", "Outward foreign direct investment"}
    assert side["source_date"] == "2026-05-12" and side["experimental_statistic"] is True
    assert "lasting interest" in side["indicators"]["Inward foreign direct investment"]["caveats"]


# ------------------------------------------------------------------------------------------- bad input


@pytest.fixture
def claimant_copy(tmp_path):
    paths = {}
    for name in ("els-claimant-count", "els-claimant-count-meta"):
        src = shared_file(name)
        paths[name] = tmp_path / src.name
        shutil.copy(src, paths[name])
    return paths


def test_renamed_column_raises_schema_error(claimant_copy):
    p = claimant_copy["els-claimant-count"]
    text = p.read_bytes().decode("utf-8-sig")
    p.write_text(text.replace(",observation,", ",obs_value,", 1), encoding="utf-8")
    with pytest.raises(SchemaError, match=r"claimant-count\.csv.*'observation'"):
        els.parse_local_indicator(claimant_copy)


def test_truncated_csv_raises_schema_error(claimant_copy):
    p = claimant_copy["els-claimant-count"]
    data = p.read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 25  # part-way through a row
    p.write_bytes(data[:cut])
    with pytest.raises(SchemaError, match=r"claimant-count\.csv.*truncated"):
        els.parse_local_indicator(claimant_copy)


def test_truncated_sidecar_raises_schema_error(claimant_copy):
    p = claimant_copy["els-claimant-count-meta"]
    p.write_bytes(p.read_bytes()[:300])
    with pytest.raises(SchemaError, match=r"claimant-count\.json.*JSON"):
        els.parse_local_indicator(claimant_copy)


def test_unknown_period_form_raises_schema_error(claimant_copy):
    p = claimant_copy["els-claimant-count"]
    text = p.read_bytes().decode("utf-8-sig")
    p.write_text(text.replace("2024-01-01/P1Y", "2024", 1), encoding="utf-8")
    with pytest.raises(SchemaError, match="period"):
        els.parse_local_indicator(claimant_copy)


def test_empty_observation_without_marker_raises_schema_error(claimant_copy):
    p = claimant_copy["els-claimant-count"]
    lines = p.read_bytes().decode("utf-8-sig").splitlines()
    fields = lines[1].split(",")
    fields[5] = ""  # observation
    lines[1] = ",".join(fields)
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="no status marker"):
        els.parse_local_indicator(claimant_copy)


def test_sidecar_without_metadata_raises_schema_error(claimant_copy):
    claimant_copy["els-claimant-count-meta"].write_text(json.dumps({"_note": "x"}))
    with pytest.raises(SchemaError, match="ess-beta-metadata"):
        els.parse_local_indicator(claimant_copy)


def test_round_sig():
    s = pd.Series([73.60000000000001, 531.6078960000001, 0.0, float("nan"), -17.900000000000002])
    out = els._round_sig(s, 10)
    assert out[0] == 73.6 and out[1] == 531.607896 and out[2] == 0.0 and math.isnan(out[3]) and out[4] == -17.9
