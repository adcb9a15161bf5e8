"""BRES extracts (Nomis CSV/Excel/API): values read off the official files."""

from __future__ import annotations

import pytest

from evidence.errors import SchemaError, UnknownAreaError
from evidence.sources import bres
from tests.conftest import shared_file


def _paths(name):
    return {name: shared_file(name)}


def _one(df, **where):
    mask = True
    for k, v in where.items():
        mask = mask & (df[k] == v)
    rows = df[mask]
    assert len(rows) == 1, where
    return rows.iloc[0]


# --- LAD x division, 2015-2017 ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lad_division():
    return bres.parse_bres_lad_division(_paths("bres-lad-division-2015-2017"))


def test_lad_division_values(lad_division):
    df = lad_division
    assert len(df) == 1140 * 87 and df["area_code"].nunique() == 380
    assert _one(df, area_code="E06000005", year=2017, industry="01")["value"] == 450  # Darlington
    assert _one(df, area_code="E08000035", year=2017, industry="10")["value"] == 4000  # Leeds, food manufacture
    assert _one(df, area_code="E08000035", year=2015, industry="01")["area_name"] == "Leeds"
    codes = sorted(df["industry"].unique())
    assert codes[:4] == ["01", "02", "03", "05"] and codes[-1] == "98" and all(len(c) == 2 for c in codes)
    assert set(df["classification"]) == {"division"} and set(df["unit"]) == {"persons"}
    assert df["flag"].isna().all() and df["additive"].all()


def test_lad_division_renamed_header(tmp_path):
    src = shared_file("bres-lad-division-2015-2017")
    path = tmp_path / src.name
    path.write_text(src.read_text(encoding="utf-8").replace("timestep,lad16nm,lad16cd", "timestep,lad16nm,ladcd"),
                    encoding="utf-8")
    with pytest.raises(SchemaError, match=r"expected column\(s\) \['lad16cd'\]"):
        bres.parse_bres_lad_division({"bres-lad-division-2015-2017": path})


def test_lad_division_truncated(tmp_path):
    src = shared_file("bres-lad-division-2015-2017")
    path = tmp_path / src.name
    data = src.read_bytes()
    path.write_bytes(data[: len(data) - 300])
    with pytest.raises(SchemaError, match="truncated"):
        bres.parse_bres_lad_division({"bres-lad-division-2015-2017": path})


# --- ITL3 x section, 2023 --------------------------------------------------------------------------------


def test_itl3_section_values():
    df = bres.parse_bres_itl3_section(_paths("bres-itl3-section-2023"))
    assert len(df) == 168 * 21 and df["area_code"].nunique() == 168
    row = _one(df, area_code="TLC11", industry="C")
    assert row["value"] == 13000 and row["area_name"] == "Hartlepool and Stockton-on-Tees"
    assert _one(df, area_code="TLE42", industry="M")["value"] == 56000  # Leeds
    assert _one(df, area_code="TLE42", industry="G")["value"] == 57000
    assert set(df["employment_status"]) == {"Employees"} and set(df["unit"]) == {"employees"}
    assert set(df["area_type"]) == {"itl3"} and set(df["year"]) == {2023} and df["flag"].isna().all()


# --- England, LEPs and NUTS3 x sections and broad groups, 2015-2020 --------------------------------------


@pytest.fixture(scope="module")
def lep_cells():
    return bres.read_bres_lep_nuts3_cells(shared_file("bres-lep-nuts3-2015-2020"))


def test_lep_nuts3_cells(lep_cells):
    df = lep_cells
    assert len(df) == 6 * 207 * 39
    assert df["row_label"].str.startswith("lep:").sum() == 6 * 38 * 39
    assert df["row_label"].str.startswith("nuts316:").sum() == 6 * 168 * 39
    eng = df[(df["row_label"] == "country:England") & (df["year"] == 2015)]
    assert _one(eng, classification="section", industry="A")["value"] == 342000
    assert _one(eng, classification="broad_group", industry="1")["value"] == 342000
    assert _one(eng, classification="broad_group", industry="10")["industry_name"] == "Information & communication (J)"
    bc = df[(df["row_label"] == "lep:Black Country") & (df["year"] == 2015)]
    assert _one(bc, classification="section", industry="A")["value"] == 400


def test_lep_nuts3_scottish_agriculture_flag(lep_cells):
    df = lep_cells
    aberdeen = df[df["row_label"] == "nuts316:UKM50 Aberdeen City and Aberdeenshire"]
    a15 = _one(aberdeen, year=2015, classification="section", industry="A")
    assert (a15["value"], a15["flag"]) == (2000, "*")  # kept, flagged: excludes farm agriculture
    assert _one(aberdeen, year=2015, classification="broad_group", industry="1")["flag"] == "*"
    a18 = _one(aberdeen, year=2018, classification="section", industry="A")
    assert a18["value"] == 12000 and a18["flag"] is None
    flagged = df[df["flag"].notna()]
    assert len(flagged) == 23 * 2 * 3 and set(flagged["year"]) == {2015, 2016, 2017}
    assert flagged["row_label"].str.startswith("nuts316:UKM").all()


def test_lep_nuts3_sections_and_groups_are_alternative_totals(lep_cells):
    eng = lep_cells[lep_cells["row_label"] == "country:England"]
    totals = eng.groupby(["year", "classification"])["value"].sum().unstack()
    # the same total, up to rounding of the individual cells
    assert ((totals["section"] - totals["broad_group"]).abs() / totals["section"]).max() < 0.002


def test_lep_nuts3_tidy(raw_data_dir):
    df = bres.get_bres(source="lep-nuts3")
    assert df["area_type"].value_counts().to_dict() == {"nuts3": 6 * 168 * 39, "lep": 6 * 38 * 39,
                                                        "country": 6 * 39}
    assert df.loc[df["area_type"] == "lep", "area_code"].nunique() == 38
    bc = bres.get_bres(source="lep-nuts3", area_codes="E37000001", years=2015, classification="section",
                       industries="A")
    assert bc["value"].tolist() == [400] and set(bc["unit"]) == {"persons"}
    hartlepool = bres.get_bres(source="lep-nuts3", area_codes="UKC11", years=2018, classification="broad_group",
                               industries="1").iloc[0]
    assert hartlepool["value"] == 450 and hartlepool["area_name"] == "Hartlepool and Stockton-on-Tees"


# --- combined authorities, 2015-2024 ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca_cells():
    return bres.read_bres_ca_cells(shared_file("bres-ca-2015-2024"))


def test_ca_cells(ca_cells):
    df = ca_cells
    assert len(df) == 40 * 127 * 15
    assert df["area_label"].nunique() == 15
    assert df.groupby("classification")["industry"].nunique().to_dict() == {"broad_group": 18, "section": 21,
                                                                           "division": 88}
    wy = df[(df["area_label"] == "West Yorkshire") & (df["year"] == 2024) & (df["employment_status"] == "Employment")]
    group10 = _one(wy, classification="broad_group", industry="10")
    div10 = _one(wy, classification="division", industry="10")
    assert (group10["value"], group10["industry_name"]) == (35000, "Information & communication (J)")
    assert (div10["value"], div10["industry_name"]) == (18000, "Manufacture of food products")
    assert _one(wy, classification="section", industry="C")["value"] == 106000
    assert _one(wy, classification="division", industry="01")["value"] == 4000
    wy15 = df[(df["area_label"] == "West Yorkshire") & (df["year"] == 2015) & (df["employment_status"] == "Employees")]
    assert _one(wy15, classification="broad_group", industry="10")["value"] == 27000
    assert _one(wy15, classification="division", industry="10")["value"] == 16000
    assert set(df["employment_status"]) == set(bres.STATUSES)
    assert df["flag"].isna().all()
    assert (df["value"] == 0).sum() > 0  # real (rounded) zeros stay zeros


def test_ca_tidy(raw_data_dir):
    df = bres.get_bres(source="ca")
    assert df["area_code"].nunique() == 15 and df["area_code"].astype(str).str.startswith("E47").all()
    names = df.drop_duplicates("area_code").set_index("area_code")["area_name"].astype(str).to_dict()
    assert names["E47000001"] == "Greater Manchester" and names["E47000018"] == "Lancashire"
    assert names["E47000014"] == "North East" and names["E47000012"] == "York and North Yorkshire"
    assert set(df["area_type"]) == {"ca"}
    assert df.loc[df["provisional"], "year"].unique().tolist() == [2024]
    gm = bres.get_bres(source="ca", area_codes="E47000001", years=2024, employment_status="Employment",
                       classification="broad_group", industries="10")
    assert gm["value"].tolist() == [61000] and gm["unit"].tolist() == ["persons"]
    ft = bres.get_bres(source="ca", years=2024, employment_status="Full-time employees")
    assert set(ft["unit"]) == {"employees"}


def test_ca_unknown_name_raises(tmp_path, raw_data_dir):
    src = shared_file("bres-ca-2015-2024")
    path = tmp_path / src.name
    path.write_text(src.read_text(encoding="utf-8").replace('"Tees Valley"', '"Tees Vale"'), encoding="utf-8")
    with pytest.raises(UnknownAreaError, match="Tees Vale"):
        bres.parse_bres_ca({"bres-ca-2015-2024": path, bres.CA_CODES_ENTRY: shared_file(bres.CA_CODES_ENTRY)})


def test_ca_codes_come_from_geography_and_ons():
    ons = bres.ons_ca_codes(shared_file(bres.CA_CODES_ENTRY))
    assert {n: ons[n][0] for n in ("Devon and Torbay", "Hull and East Yorkshire", "Greater Lincolnshire",
                                   "Lancashire")} == {"Devon and Torbay": "E47000015",
                                                      "Hull and East Yorkshire": "E47000016",
                                                      "Greater Lincolnshire": "E47000017", "Lancashire": "E47000018"}
    assert ons["Greater Manchester"][0] == "E47000001"


def test_ca_block_out_of_order_is_a_schema_error(tmp_path):
    src = shared_file("bres-ca-2015-2024")
    path = tmp_path / src.name
    text = src.read_text(encoding="utf-8")
    path.write_text(text.replace('"C : Manufacturing"', '"3 : Manufacturing"', 1), encoding="utf-8")
    with pytest.raises(SchemaError, match="expected sections A..U|expected order"):
        bres.read_bres_ca_cells(path)


# --- West and North Yorkshire LADs x section, 2015-2021 --------------------------------------------------


def test_yorkshire_values():
    df = bres.parse_bres_lad_section_yorkshire(_paths("bres-lad-section-yorkshire-2015-2021"))
    assert len(df) == 13 * 21 * 7 and df["area_code"].nunique() == 13
    assert _one(df, area_code="E08000035", year=2019, industry="C")["value"] == 28000
    assert _one(df, area_code="E08000035", year=2019, industry="M")["value"] == 50000
    craven = _one(df, area_code="E07000163", year=2021, industry="A")
    assert craven["value"] == 2250 and craven["area_name"] == "Craven"
    assert _one(df, area_code="E08000035", year=2019, industry="A")["industry_name"] == \
        "Agriculture, forestry and fishing"


def test_yorkshire_truncated(tmp_path):
    src = shared_file("bres-lad-section-yorkshire-2015-2021")
    path = tmp_path / src.name
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-5]), encoding="utf-8")
    with pytest.raises(SchemaError, match="truncated"):
        bres.parse_bres_lad_section_yorkshire({"bres-lad-section-yorkshire-2015-2021": path})


def test_get_bres_sources(raw_data_dir):
    with pytest.raises(ValueError, match="source must be one of"):
        bres.get_bres(source="nuts3")
    df = bres.get_bres(source="lad-division", area_codes="E06000005", years=2017, industries="01")
    assert df["value"].tolist() == [450]
    assert bres.get_bres(source="bres-itl3-section-2023", area_codes="TLC11", industries="C")["value"].tolist() == [
        13000]
