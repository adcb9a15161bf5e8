"""Tests of evidence.geography and scripts/build_geography.py, on the shipped tables and the real lookups."""

from __future__ import annotations

import functools
import importlib.util
import io
import shutil

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from conftest import shared_file
from evidence import config, geography
from evidence.cli import main
from evidence.errors import AggregationError, AmbiguousAreaError, GeographyError, SchemaError, UnknownAreaError
from evidence.sources import catalogue

SEVEN = {"E07000192", "E07000193", "E07000194", "E07000199", "E07000234", "E07000236", "E07000239"}
ARC_LEPS = ("Oxfordshire", "Buckinghamshire Thames Valley", "South East Midlands",
            "Greater Cambridge and Greater Peterborough")


def _build_module():
    path = config.CHECKOUT_DIR / "scripts" / "build_geography.py"
    spec = importlib.util.spec_from_file_location("build_geography", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def build():
    return _build_module()


def _cli(capsys, *args):
    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


def _csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str)


@functools.cache
def _nomis_labels(name: str) -> list[str]:
    rows = CalamineWorkbook.from_path(shared_file(name)).get_sheet_by_index(0).to_python()
    return sorted({r[0] for r in rows if r and isinstance(r[0], str) and r[0].split(":")[0] in
                   ("lep", "ladu", "country", "nuts316")})


# --------------------------------------------------------------------------------------- the build
def test_shipped_tables_equal_a_fresh_build(build, shared_data, tmp_path):
    assert build.main(["--source", str(shared_data), "--out", str(tmp_path)]) == 0
    shipped = geography.DATA_DIR
    names = sorted(p.name for p in tmp_path.glob("*.csv"))
    assert names == sorted(p.name for p in shipped.glob("*.csv"))
    for name in names:
        assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes(), f"{name} is out of date"


def test_build_refuses_a_file_that_does_not_match_its_pin(build, shared_data, tmp_path):
    src = tmp_path / "mirror"
    for name in build.INPUTS.values():
        e = catalogue.entry(name)
        (src / e.path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shared_data / e.path, src / e.path)
    path = src / catalogue.entry("lookup-lad23-rgn23").path
    path.write_bytes(path.read_bytes().replace(b"Hartlepool", b"Hartlepoo1"))
    with pytest.raises(SystemExit, match="sha256"):
        build.input_paths(source=src)


def test_build_reads_data_raw_through_the_catalogue(build, shared_data, tmp_path, monkeypatch):
    monkeypatch.setenv("EVIDENCE_DATA_DIR", str(tmp_path))
    for name in build.INPUTS.values():
        e = catalogue.entry(name)
        e.local_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shared_data / e.path, e.local_path)
    paths = build.input_paths(from_raw=True)
    assert paths["dfe_lep20"] == tmp_path / "raw" / "lookup-dfe-lad20-lep20" / "2020 LEP.xlsx"
    e = catalogue.entry("codes-dfe-leps")
    e.local_path.unlink()
    with pytest.raises(SystemExit, match="evidence fetch codes-dfe-leps"):
        build.input_paths(from_raw=True)


def test_renamed_column_raises_schema_error(build, shared_data, tmp_path):
    paths = build.input_paths(source=shared_data)
    broken = tmp_path / "lsoa_lep17.csv"
    text = paths["lsoa_lep17"].read_text(encoding="utf-8")
    broken.write_text(text.replace("LEP17CD2", "LEP17CODE2", 1), encoding="utf-8")
    with pytest.raises(SchemaError, match=r"lsoa_lep17\.csv.*LEP17CD2"):
        build.build({**paths, "lsoa_lep17": broken})


def test_renamed_sheet_raises_schema_error(build, shared_data, tmp_path):
    import openpyxl

    paths = build.input_paths(source=shared_data)
    broken = tmp_path / "2020 LEP.xlsx"
    wb = openpyxl.load_workbook(paths["dfe_lep20"])
    wb["Sheet1"].title = "LEPs"
    wb.save(broken)
    with pytest.raises(SchemaError, match="Sheet1"):
        build.build({**paths, "dfe_lep20": broken})


def test_truncated_geojson_raises_schema_error(build, shared_data, tmp_path):
    paths = build.input_paths(source=shared_data)
    broken = tmp_path / "lep21.geojson"
    broken.write_bytes(paths["lep21_boundaries"].read_bytes()[:5000])
    with pytest.raises(SchemaError, match="lep21.geojson"):
        build.build({**paths, "lep21_boundaries": broken})


# --------------------------------------------------------------------------------------- acceptance (CLI)
def test_cli_btvlep_2017_is_the_four_districts(capsys):
    rc, out, _ = _cli(capsys, "members", "Buckinghamshire Thames Valley", "--vintage", "2017", "--format", "csv")
    assert rc == 0
    assert out.splitlines()[0] == "lad_code,lad_name,area_code,area_name,primary"
    df = _csv(out)
    assert list(df.lad_code) == ["E07000004", "E07000005", "E07000006", "E07000007"]
    assert list(df.lad_name) == ["Aylesbury Vale", "Chiltern", "South Bucks", "Wycombe"]
    assert set(df.area_code) == {"E37000002"}


def test_cli_btvlep_2021_is_buckinghamshire(capsys):
    rc, out, _ = _cli(capsys, "members", "BTVLEP", "--vintage", "2021", "--format", "csv")
    df = _csv(out)
    assert rc == 0 and list(df.lad_code) == ["E06000060"]
    assert df.area_code.iloc[0] == "E37000043" and df.area_name.iloc[0] == "Buckinghamshire"


def test_cli_semlep_2017_includes_the_shared_districts_as_non_primary(capsys):
    rc, out, _ = _cli(capsys, "members", "SEMLEP", "--vintage", "2017", "--format", "csv")
    df = _csv(out).set_index("lad_code")
    assert rc == 0
    assert df.loc["E07000004", "lad_name"] == "Aylesbury Vale" and df.loc["E07000004", "primary"] == "False"
    assert df.loc["E07000177", "lad_name"] == "Cherwell" and df.loc["E07000177", "primary"] == "False"
    assert (df.drop(index=["E07000004", "E07000177"]).primary == "True").all()
    assert len(df) == 13  # Bedford, C Beds, Luton, Milton Keynes, 7 Northamptonshire districts + the two


def _gva_la_codes() -> set[str]:
    codes = set()
    for name in [n for n in catalogue.entries() if n.startswith("gva-la-tl")]:
        rows = CalamineWorkbook.from_path(shared_file(name)).get_sheet_by_name("Table 3").to_python()
        i = rows[1].index("LA code")
        codes |= {r[i] for r in rows[2:] if r[i]}
    return codes


def test_2021_on_2023_codes_covers_every_gva_la(shared_data):
    las = _gva_la_codes()
    assert len(las) == 296
    region_lads = pd.read_csv(shared_data / catalogue.entry("lookup-lad23-rgn23").path, dtype=str,
                              encoding="utf-8-sig").LAD23CD
    assert las == set(region_lads)
    m = geography.membership(2021, on="2023")
    assert set(m.lad_code) == las
    assert m.lep_code.nunique() == 38
    assert (m.groupby("lad_code").primary.sum() == 1).all()
    n = m.groupby("lad_code").size()
    assert set(n[n > 1].index) == SEVEN and n.max() == 2
    assert not m.partial.any()


def test_cli_arc_2021_is_the_union_of_the_four_leps(capsys):
    rc, out, _ = _cli(capsys, "members", "Oxford-Cambridge Arc", "--vintage", "2021", "--format", "csv")
    arc = _csv(out)
    union = set()
    for lep in ARC_LEPS:
        union |= set(geography.members(lep, vintage=2021).lad_code)
    assert rc == 0 and set(arc.lad_code) == union and arc.lad_code.is_unique
    assert len(arc) == 18 and set(arc.area_code) == {"GRP-OXCAM"} and (arc.primary == "True").all()


def test_arc_2017_counts_shared_districts_once():
    arc = geography.members("GRP-OXCAM", vintage=2017)
    assert arc.lad_code.is_unique
    assert {"E07000004", "E07000177"} <= set(arc.lad_code)
    parts = [set(geography.members(lep, vintage=2017).lad_code) for lep in ARC_LEPS]
    assert set(arc.lad_code) == set().union(*parts)
    assert sum(map(len, parts)) == len(arc) + 2  # Aylesbury Vale and Cherwell are each in two Arc LEPs


def test_cli_areas_lep_2017(capsys):
    rc, out, _ = _cli(capsys, "areas", "--type", "lep", "--vintage", "2017", "--format", "csv")
    lines = out.splitlines()
    assert rc == 0 and lines[0].startswith("area_code,area_name,area_type")
    df = _csv(out)
    assert len(df) == 38 and set(df.area_type) == {"lep"}
    assert "E37000002" in set(df.area_code) and "E37000043" not in set(df.area_code)


def test_cli_unknown_name_exits_2_with_suggestions(capsys):
    rc, out, err = _cli(capsys, "members", "Buckinghamshire Thames Vally", "--vintage", "2017")
    assert rc == 2 and out == ""
    assert "Unknown area 'Buckinghamshire Thames Vally'" in err
    assert "Closest matches: Buckinghamshire Thames Valley (E37000002, lep)" in err


# --------------------------------------------------------------------------------------- vintages
@pytest.mark.parametrize("vintage", geography.VINTAGES)
@pytest.mark.parametrize("on", ["native", "2023"])
def test_38_leps_and_one_primary_per_lad(vintage, on):
    m = geography.membership(vintage, on=on)
    assert m.lep_code.nunique() == 38
    assert len(geography.areas(type="lep", vintage=vintage)) == 38
    assert (m.groupby("lad_code").primary.sum() == 1).all()
    assert list(m.columns) == ["lad_code", "lad_name", "lep_code", "lep_name", "primary", "partial", "share"]
    if on == "2023":
        assert m.lad_code.nunique() == 296


def test_lad_code_vintages():
    assert geography.membership(2017).lad_code.nunique() == 317
    assert geography.membership(2020).lad_code.nunique() == 314
    m17 = set(geography.membership(2017).lad_code)
    # LAD19: BCP, Dorset, East/West Suffolk and Somerset West and Taunton exist; Buckinghamshire does not yet
    assert {"E06000058", "E06000059", "E07000244", "E07000245", "E07000246", "E07000004"} <= m17
    assert "E06000060" not in m17 and "E07000048" not in m17
    m20 = set(geography.membership(2020).lad_code)
    assert "E06000060" in m20 and "E07000004" not in m20 and "E07000150" in m20 and "E06000061" not in m20


def test_2017_hampshire_split_districts_are_overlaps_with_enterprise_m3_primary():
    m = geography.membership(2017)
    for code in ("E07000085", "E07000091", "E07000093", "E07000094"):
        rows = m[m.lad_code == code].set_index("lep_code")
        assert set(rows.index) == {"E37000010", "E37000029"}
        assert rows.loc["E37000010", "primary"] and not rows.loc["E37000029", "primary"]
        assert rows.loc["E37000010", "share"] > 0.5
    nf = m[(m.lad_code == "E07000091") & (m.lep_code == "E37000029")].share.iloc[0]
    assert nf == pytest.approx(46 / 114, abs=1e-4)  # 46 of New Forest's 114 LSOAs are in Solent


def test_2017_overlaps_follow_the_ons_first_listing():
    m = geography.membership(2017)
    shared = m.groupby("lad_code").size()
    assert (shared > 1).sum() == 34
    york = m[m.lad_code == "E06000014"].set_index("lep_code").primary
    assert york["E37000020"] and not york["E37000039"]  # York: Leeds City Region first


def test_2020_has_no_overlaps():
    m = geography.membership(2020)
    assert m.lad_code.is_unique and m.primary.all() and (m.share == 1).all()
    assert m.set_index("lad_code").loc["E06000060", "lep_name"] == "Buckinghamshire Thames Valley"


def test_2021_overlaps_and_their_primary():
    m = geography.membership(2021)
    shared = m[m.lad_code.isin(SEVEN)]
    assert set(shared[shared.primary].lep_code) == {"E37000012"}
    others = shared[~shared.primary].groupby("lep_code").lad_code.apply(set).to_dict()
    assert others == {"E37000032": {"E07000192", "E07000193", "E07000194", "E07000199"},
                      "E37000038": {"E07000234", "E07000236", "E07000239"}}
    assert (m.share >= 0.96).all()


def test_lep_codes_by_vintage():
    codes = {v: geography.resolve("Buckinghamshire Thames Valley", vintage=v) for v in geography.VINTAGES}
    assert codes[2017] == ("E37000002", "Buckinghamshire Thames Valley", "lep")
    assert codes[2020] == ("E37000043", "Buckinghamshire Thames Valley", "lep")
    assert codes[2021] == ("E37000043", "Buckinghamshire", "lep")
    assert geography.resolve("E37000002", vintage=2021).code == "E37000043"
    assert geography.resolve("E37000061", vintage=2017) == ("E37000018", "Humber", "lep")
    assert geography.resolve("E37000013", vintage=2021).code == "E37000059"  # a 2014 GCGP code
    assert geography.resolve("York, North Yorkshire and East Riding").code == "E37000058"
    assert geography.resolve("Sheffield City Region", vintage=2017).code == "E37000040"
    area_2017 = geography.resolve("SEMLEP", vintage=2017)
    assert geography.resolve(area_2017, vintage=2021) == ("E37000057", "South East Midlands", "lep")
    assert geography.resolve(geography.Area("E06000060", "Buckinghamshire", "lad")).type == "lad"


# --------------------------------------------------------------------------------------- on April-2023 codes
def test_partial_members_on_2023_codes():
    m = geography.membership(2017, on="2023").set_index(["lad_code", "lep_code"])
    assert m.loc[("E06000060", "E37000041"), "partial"]
    assert not m.loc[("E06000060", "E37000002"), "partial"] and m.loc[("E06000060", "E37000002"), "primary"]
    assert m.loc[("E06000065", "E37000020"), "partial"]
    assert not m.loc[("E06000065", "E37000039"), "partial"] and m.loc[("E06000065", "E37000039"), "primary"]
    assert not m.loc[("E07000177", "E37000041"), "partial"]  # Cherwell is unchanged
    assert set(m.index[m.partial]) == {("E06000060", "E37000041"), ("E06000065", "E37000020")}
    m20 = geography.membership(2020, on="2023")
    assert set(m20[m20.partial].lad_code) == {"E06000065"}


def test_lad_codes_refuses_partial_members():
    with pytest.raises(GeographyError, match=r"Buckinghamshire \(E06000060\).*only Aylesbury Vale"):
        geography.lad_codes("SEMLEP", vintage=2017)
    codes = geography.lad_codes("SEMLEP", vintage=2017, allow_partial=True)
    assert codes == ["E06000032", "E06000042", "E06000055", "E06000056", "E06000060", "E06000061", "E06000062",
                     "E07000177"]
    assert geography.lad_codes("BTVLEP", vintage=2017) == ["E06000060"]
    assert geography.lad_codes("SEMLEP", vintage=2017, on="native")[:2] == ["E06000032", "E06000042"]
    # Buckinghamshire is partly in SEMLEP but wholly in BTVLEP, so wholly in the 2017 Arc
    arc = geography.lad_codes("Arc", vintage=2017)
    union = set()
    for lep in ARC_LEPS:
        union |= set(geography.lad_codes(lep, vintage=2017, allow_partial=True))
    assert "E06000060" in arc and set(arc) == union


def test_members_on_2023_codes_carry_caveats():
    df = geography.members("SEMLEP", vintage=2017, lad_codes="2023")
    assert list(df.columns) == ["lad_code", "lad_name", "area_code", "area_name", "primary"]
    assert "E06000060" in set(df.lad_code)
    assert len(df.attrs["caveats"]) == 1 and "Aylesbury Vale" in df.attrs["caveats"][0]
    texts = geography.caveats("SEMLEP", vintage=2017)
    assert any("Cherwell (E07000177) is also in Oxfordshire" in t for t in texts)
    assert geography.caveats("BTVLEP", vintage=2021) == []


# --------------------------------------------------------------------------------------- other areas
def test_other_areas():
    a = geography.areas()
    counts = a.area_type.value_counts().to_dict()
    assert counts == {"itl3": 182, "itl2": 46, "lep": 38, "itl1": 12, "ca": 11, "region": 9, "country": 4,
                      "group": 3}
    assert list(a.columns[:3]) == ["area_code", "area_name", "area_type"]
    assert len(geography.members("GMCA")) == 10
    wmca = geography.members("WMCA")
    assert wmca.area_code.iloc[0] == "E47000007" and len(wmca) == 7
    assert len(geography.members("England")) == 296
    # ITL 2025 on April-2023 codes: Barnsley's 2025 code E08000038 is mapped back
    assert list(geography.members("TLE33").lad_code) == ["E08000016"]
    assert geography.members("region:Yorkshire and The Humber").lad_code.nunique() == 15
    with pytest.raises(GeographyError, match="North Ayrshire"):
        geography.lad_codes("TLM20")


def test_region_of():
    assert geography.region_of("E06000060") == ("E12000008", "South East", "region")
    assert geography.region_of("E07000190").code == "E12000009"  # Taunton Deane -> Somerset -> South West
    assert geography.region_of("E08000038").code == "E12000003"
    assert geography.region_of("S12000036") == ("S92000003", "Scotland", "country")
    with pytest.raises(UnknownAreaError):
        geography.region_of("E07999999")


# --------------------------------------------------------------------------------------- names
@pytest.mark.parametrize(("query", "vintage", "code"), [
    ("BTVLEP", 2021, "E37000043"), ("BTVLEP", 2017, "E37000002"), ("SEMLEP", 2021, "E37000057"),
    ("SEMLEP", 2017, "E37000041"), ("OxLEP", 2021, "E37000053"), ("oxlep", 2017, "E37000027"),
    ("GCGP", 2021, "E37000059"), ("GCGP", 2020, "E37000047"), ("LLEP", 2021, "E37000021"),
    ("GMCA", 2021, "E47000001"), ("WMCA", 2021, "E47000007"), ("D2N2", 2021, "E37000045"),
    ("EM3", 2017, "E37000010"), ("GBSLEP", 2021, "E37000012"), ("HotSW", 2021, "E37000016"),
    ("LEAP", 2021, "E37000051"), ("NELEP", 2021, "E37000025"), ("SELEP", 2021, "E37000056"),
    ("YNYER", 2017, "E37000039"), ("SCR", 2021, "E37000054"), ("WYCA", 2021, "E47000003"),
    ("CPCA", 2021, "E47000008"), ("E37000057", 2021, "E37000057"), ("Solent LEP", 2021, "E37000055"),
    ("the marches", 2021, "E37000036"), ("Marches", 2021, "E37000036"),
    ("Hull and East Riding", 2021, "E37000061"), ("Buckinghamshire Thames Valley", 2021, "E37000043"),
    ("lep:York and North Yorkshire", 2021, "E37000058"),
    ("ca:York and North Yorkshire", 2021, "E47000012"), ("Oxford-Cambridge Arc", 2021, "GRP-OXCAM"),
    ("Oxford–Cambridge Arc", 2021, "GRP-OXCAM"), ("OXFORD CAMBRIDGE ARC", 2017, "GRP-OXCAM"),
    ("ca:West Midlands", 2021, "E47000007"), ("region:West Midlands", 2021, "E12000005"),
    ("Greater Manchester Combined Authority", 2021, "E47000001"), ("lep:Greater Manchester", 2021, "E37000015"),
    ("Greater Manchester LEP", 2021, "E37000015"), ("Blackpool", 2021, "E06000009"), ("itl3:Blackpool", 2021, "TLD42"),
    ("Lancashire", 2021, "E37000019"), ("Northern Powerhouse", 2021, "GRP-NPH"),
    ("Midlands Engine", 2021, "GRP-MIDENG"),
    ("lad:Buckinghamshire", 2021, "E06000060"), ("Cherwell", 2021, "E07000177"), ("Gateshead", 2021, "E08000037"),
    ("Shepway", 2021, "E07000112"), ("E07000004", 2021, "E07000004"), ("TLJ1", 2021, "TLJ1"),
    ("Kingston upon Hull, City of", 2021, "E06000010"), ("st. albans", 2021, "E07000240"),
])
def test_resolve(query, vintage, code):
    assert geography.resolve(query, vintage=vintage).code == code


@pytest.mark.parametrize("name, codes", [
    ("Greater Manchester", {"E37000015", "E47000001", "TLD3"}),
    ("West Midlands", {"E12000005", "E47000007", "TLG3"}),
    ("North East", {"E37000025", "E12000001", "E47000014"}),
    ("Dorset", {"E37000009", "E06000059", "TLK64"}),
])
def test_a_name_shared_by_types_is_ambiguous(name, codes):
    with pytest.raises(AmbiguousAreaError) as exc:
        geography.resolve(name)
    listed = " ".join(exc.value.suggestions)
    assert {c for c in codes if c in listed} == codes
    assert "--type" in str(exc.value)
    first = sorted(codes)[0]
    typ = next(s for s in exc.value.suggestions if first in s).rsplit(", ", 1)[1].rstrip(")")
    assert geography.resolve(name, type=typ).code == first


def test_resolve_ambiguous_and_unknown():
    with pytest.raises(UnknownAreaError, match="Cheshire and Warrington.*Coventry and Warwickshire") as exc:
        geography.resolve("CWLEP")
    assert len(exc.value.suggestions) == 2
    with pytest.raises(UnknownAreaError) as exc:
        geography.resolve("Greater Manchster")
    assert exc.value.suggestions[0].startswith("Greater Manchester (E37000015, lep)")
    with pytest.raises(UnknownAreaError):
        geography.resolve("")
    with pytest.raises(GeographyError):
        geography.resolve("BTVLEP", vintage=2019)


@pytest.mark.parametrize("catalogue_name", ["aps-t01-economic-activity", "bres-lep-nuts3-2015-2020"])
def test_every_nomis_lep_label_resolves(catalogue_name):
    labels = [x for x in _nomis_labels(catalogue_name) if x.startswith("lep:")]
    assert len(labels) == 38
    codes = {geography.resolve_nomis_label(x).code for x in labels}
    assert codes == set(geography.areas(type="lep", vintage=2021).area_code)
    for label in labels:
        assert geography.resolve(label[4:], type="lep").code in codes
    assert geography.resolve_nomis_label("lep:Hull and East Riding") == ("E37000061", "Hull and East Yorkshire",
                                                                         "lep")
    assert geography.resolve_nomis_label("lep:Buckinghamshire Thames Valley").code == "E37000043"
    assert geography.resolve_nomis_label("lep:York and North Yorkshire").code == "E37000058"
    assert geography.resolve_nomis_label("lep:Humber", vintage=2017).code == "E37000018"


def test_every_nomis_ladu_and_nuts_label_resolves():
    labels = _nomis_labels("aps-t01-economic-activity")
    ladu = [x for x in labels if x.startswith("ladu:")]
    codes = {geography.resolve_nomis_label(x).code for x in ladu}
    assert len(ladu) == 363 and len(codes) == 363
    assert geography.resolve_nomis_label("ladu:Craven") == ("E07000163", "Craven", "lad")
    assert geography.resolve_nomis_label("ladu:Buckinghamshire").code == "E06000060"
    assert geography.resolve_nomis_label("ladu:The Vale of Glamorgan").code == "W06000014"
    assert geography.resolve_nomis_label("country:England") == ("E92000001", "England", "country")
    nuts = [x for x in _nomis_labels("bres-lep-nuts3-2015-2020") if x.startswith("nuts316:")]
    assert len(nuts) == 168
    assert {geography.resolve_nomis_label(x).type for x in nuts} == {"nuts3"}
    assert geography.resolve_nomis_label("nuts316:UKJ13 Buckinghamshire CC") == ("UKJ13", "Buckinghamshire CC",
                                                                                "nuts3")
    for bad in ("User Defined Geography:Kent and Medway", "ladu:Atlantis", "nuts316:Hartlepool", "England"):
        with pytest.raises(UnknownAreaError):
            geography.resolve_nomis_label(bad)


# --------------------------------------------------------------------------------------- groups
def test_user_groups_from_env(tmp_path, monkeypatch):
    f = tmp_path / "groups.toml"
    f.write_text('[[group]]\ncode = "GRP-TEST"\nname = "Test group"\naliases = ["Testy"]\n'
                 'areas = ["Cherwell", "TVB"]\nlads = ["E06000060"]\n', encoding="utf-8")
    monkeypatch.setenv(geography.GROUPS_ENV, str(f))
    assert geography.resolve("testy") == ("GRP-TEST", "Test group", "group")
    df = geography.members("GRP-TEST")
    assert set(df.lad_code) == {"E07000177", "E06000060", *geography.members("TVB").lad_code}
    assert "GRP-TEST" in set(geography.areas(type="group").area_code)
    f.write_text('[[group]]\ncode = "GRP-OXCAM"\nname = "Clash"\nlads = ["E06000060"]\n', encoding="utf-8")
    with pytest.raises(GeographyError, match="already used"):
        geography.resolve("Clash")
    f.write_text('[[group]]\ncode = "GRP-X"\nname = "X"\nlads = ["E07000004"]\n', encoding="utf-8")
    with pytest.raises(GeographyError, match="E07000004 -> E06000060"):
        geography.members("GRP-X")
    f.write_text("[[group]\n", encoding="utf-8")
    with pytest.raises(GeographyError, match="not valid TOML"):
        geography.areas()
    monkeypatch.setenv(geography.GROUPS_ENV, str(tmp_path / "missing.toml"))
    with pytest.raises(GeographyError, match="not a file"):
        geography.areas()


# --------------------------------------------------------------------------------------- code changes
def test_successors_cover_the_2019_to_2023_changes():
    s = geography.successors()
    step = dict(zip(s.old_code, s.new_code, strict=True))
    year = dict(zip(s.old_code, s.year, strict=True))
    expect = {
        "E06000028": ("E06000058", 2019), "E07000048": ("E06000058", 2019), "E07000049": ("E06000059", 2019),
        "E07000205": ("E07000244", 2019), "E07000201": ("E07000245", 2019), "E07000190": ("E07000246", 2019),
        "E07000004": ("E06000060", 2020), "E07000150": ("E06000061", 2021), "E07000151": ("E06000062", 2021),
        "E07000026": ("E06000063", 2023), "E07000031": ("E06000064", 2023), "E07000163": ("E06000065", 2023),
        "E07000246": ("E06000066", 2023), "E08000016": ("E08000038", 2025),
    }
    for old, (new, y) in expect.items():
        assert (step[old], year[old]) == (new, y), old
    for new, n in {"E06000058": 3, "E06000059": 5, "E06000060": 4, "E06000061": 4, "E06000062": 3, "E06000063": 3,
                   "E06000064": 3, "E06000065": 7, "E06000066": 4}.items():
        assert (s.new_code == new).sum() == n, new
    assert geography.current_code("E07000190") == "E06000066"
    assert geography.current_code("e08000039") == "E08000019"
    assert geography.current_code("E06000001") == "E06000001"


def _toy(codes, values, additive=True, **extra):
    return pd.DataFrame({"area_code": codes, "area_name": "x", "year": 2020, "measure": "jobs", "value": values,
                         "unit": "jobs", "flag": None, "additive": additive, **extra})


def test_to_current_codes_sums_mergers():
    toy = _toy(["E07000150", "E07000152", "E07000153", "E07000156", "E07000151", "E07000154", "E07000155",
                "E06000001"], [1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0, 7.0])
    out = geography.to_current_codes(toy).set_index("area_code")
    assert out.loc["E06000061", "value"] == 10.0 and out.loc["E06000062", "value"] == 60.0
    assert out.loc["E06000001", "value"] == 7.0 and len(out) == 3
    assert out.loc["E06000061", "area_name"] == "North Northamptonshire"
    assert out.value.sum() == toy.value.sum()
    # a two-step chain: Taunton Deane + West Somerset (2019) + three districts (2023) -> Somerset
    som = _toy(["E07000187", "E07000188", "E07000189", "E07000190", "E07000191"], [1.0, 2.0, 3.0, 4.0, 5.0])
    assert geography.to_current_codes(som).value.tolist() == [15.0]
    mixed = _toy(["E07000187", "E07000188", "E07000189", "E07000246"], [1.0, 2.0, 3.0, 9.0])
    assert geography.to_current_codes(mixed).value.tolist() == [15.0]


def test_to_current_codes_keeps_missing_missing_and_flags():
    toy = _toy(["E07000004", "E07000005", "E07000006", "E07000007"], [1.0, None, 3.0, 4.0])
    toy.loc[1, "flag"] = "[c]"
    out = geography.to_current_codes(toy)
    assert len(out) == 1 and pd.isna(out.value.iloc[0]) and out.flag.iloc[0] == "[c]"


def test_to_current_codes_groups_by_the_other_columns():
    toy = pd.concat([_toy(["E07000004", "E07000005", "E07000006", "E07000007"], [1.0, 2.0, 3.0, 4.0]),
                     _toy(["E07000004", "E07000005", "E07000006", "E07000007"], [10.0, 20.0, 30.0, 40.0])
                     .assign(year=2021)])
    toy["measure"] = toy["measure"].astype("category")
    toy["area_code"] = toy["area_code"].astype("category")
    out = geography.to_current_codes(toy).sort_values("year")
    assert out.value.tolist() == [10.0, 100.0] and out.year.tolist() == [2020, 2021]
    assert isinstance(out.measure.dtype, pd.CategoricalDtype)
    assert isinstance(out.area_code.dtype, pd.CategoricalDtype) and set(out.area_code) == {"E06000060"}


def test_to_current_codes_refuses_non_additive_merges():
    rate = _toy(["E07000004", "E07000005", "E07000006", "E07000007"], [70.0, 72.0, 75.0, 74.0], additive=False)
    with pytest.raises(AggregationError, match="non-additive"):
        geography.to_current_codes(rate)
    # a 1:1 code change only recodes, so a rate may pass
    gates = geography.to_current_codes(_toy(["E08000020"], [71.5], additive=False))
    assert gates.area_code.tolist() == ["E08000037"] and gates.value.tolist() == [71.5]
    unchanged = _toy(["E06000001"], [3.0], additive=False)
    pd.testing.assert_frame_equal(geography.to_current_codes(unchanged), unchanged)


def test_to_current_codes_refuses_incomplete_and_double_counted_mergers():
    part = _toy(["E07000004", "E06000001"], [1.0, 2.0])
    with pytest.raises(GeographyError, match="missing Chiltern"):
        geography.to_current_codes(part)
    dropped = geography.to_current_codes(part, incomplete="drop")
    assert dropped.area_code.tolist() == ["E06000001"] and "Aylesbury" not in str(dropped.area_name.tolist())
    assert "Buckinghamshire" in dropped.attrs["caveats"][0]
    double = _toy(["E07000004", "E07000005", "E07000006", "E07000007", "E06000060"], [1.0] * 5)
    with pytest.raises(GeographyError, match="double count"):
        geography.to_current_codes(double)


def test_population_on_april_2021_lads_carried_onto_2023_codes_matches_ons():
    """Nomis mid-year estimates on April-2021 LADs, summed onto April-2023 codes, equal the ONS estimates
    published on April-2023 LADs (2011-2021; the later vintage revised 2022)."""
    nomis = pd.read_csv(shared_file("population-nomis-1991-2022"), skiprows=6, dtype=str)
    nomis = nomis[nomis.mnemonic.fillna("").str.match(r"^E0[6-9]\d{6}$")]
    years = [str(y) for y in range(2011, 2022)]
    tidy = nomis.melt(id_vars=["mnemonic"], value_vars=years, var_name="year", value_name="value")
    tidy = tidy.rename(columns={"mnemonic": "area_code"}).assign(
        year=lambda d: d.year.astype(int), value=lambda d: d.value.astype(float), unit="persons", additive=True)
    out = geography.to_current_codes(tidy)
    assert out.area_code.nunique() == 296
    ons = pd.read_excel(shared_file("population-la-1998-2023"), sheet_name="Population data", engine="calamine",
                        dtype={"LA code": str})
    ons.columns = [str(c).removesuffix(".0") for c in ons.columns]
    ons = ons[ons["LA code"].str.match(r"^E0[6-9]", na=False)].melt(id_vars=["LA code"], value_vars=years,
                                                                     var_name="year", value_name="ons")
    ons = ons.assign(year=ons.year.astype(int)).rename(columns={"LA code": "area_code"})
    both = out.merge(ons, on=["area_code", "year"], how="outer", indicator=True)
    assert (both._merge == "both").all()
    assert (both.value == both.ons.astype(float)).all()
    cumberland = both[(both.area_code == "E06000063") & (both.year == 2021)].value.iloc[0]
    assert cumberland == 273788.0


@functools.cache
def _merged_targets() -> dict[str, list[str]]:
    """Current LADs formed by mergers -> their 2011 districts."""
    s = geography.successors()
    targets = {geography.current_code(c) for c in s[s.change == "merger"].new_code}
    lads = pd.read_csv(geography.DATA_DIR / "lad_codes.csv", dtype=str)
    return {t: sorted(lads[(lads.current_code == t) & lads.code_sets.str.contains("LAD11")].lad_code)
            for t in sorted(targets)}


@given(data=st.data())
@settings(max_examples=30, deadline=None)
def test_to_current_codes_preserves_totals(data):
    targets = _merged_targets()
    chosen = data.draw(st.lists(st.sampled_from(sorted(targets)), min_size=1, max_size=5, unique=True))
    codes = [c for t in chosen for c in targets[t]] + ["E06000001", "E09000001"]
    values = data.draw(st.lists(st.integers(0, 10**6), min_size=len(codes), max_size=len(codes)))
    toy = _toy(codes, [float(v) for v in values])
    out = geography.to_current_codes(toy).set_index("area_code").value
    assert out.sum() == toy.value.sum()
    assert set(out.index) == set(chosen) | {"E06000001", "E09000001"}
    by_code = dict(zip(codes, values, strict=True))
    for t in chosen:
        assert out[t] == sum(by_code[c] for c in targets[t])
