"""Boundaries: counts, one CRS, valid geometries, plausible areas, GeoParquet cache and snapshot fallback."""

from __future__ import annotations

import json
import shutil

import pytest

from evidence.errors import SchemaError, SourceUnavailableError
from evidence.sources import boundaries as bnd
from tests.conftest import shared_file

MK = "E06000042"  # Milton Keynes: 308.6 km² (ONS Standard Area Measurement, extent of the realm ~309)


@pytest.fixture(scope="module")
def layers(raw_data_dir):
    return {kind: bnd.get_boundaries(kind) for kind in bnd.KINDS}


def test_counts_columns_and_crs(layers):
    lad, lep, itl3 = layers["lad"], layers["lep"], layers["itl3"]
    assert lad["area_code"].str[0].value_counts().to_dict() == {"E": 296, "S": 32, "W": 22, "N": 11}
    assert len(lep) == 38 and lep["area_code"].str.match(r"^E37\d{6}$").all()
    assert len(itl3) == 179 and itl3["area_code"].str.match(r"^TL[C-N]\d[0-9A-G]$").all()
    for kind, gdf in layers.items():
        assert list(gdf.columns) == ["area_code", "area_name", "geometry"], kind
        assert gdf.crs.to_epsg() == 27700, kind
        assert gdf["area_code"].is_unique, kind
        assert gdf.is_valid.all(), kind  # Argyll and Bute and Central Hampshire are invalid as published
        assert set(gdf.geom_type) <= {"Polygon", "MultiPolygon"}, kind
        rec = gdf.attrs["provenance"][0]
        assert rec["name"] == bnd.KINDS[kind].entry and len(rec["sha256"]) == 64


def test_areas_are_plausible_in_british_national_grid(layers):
    lad = layers["lad"].set_index("area_code")
    assert lad.loc[MK, "area_name"] == "Milton Keynes"
    assert lad.loc[MK].geometry.area / 1e6 == pytest.approx(309.3, abs=1.0)
    england = lad[lad.index.str.startswith("E")].area.sum() / 1e6
    assert england == pytest.approx(130_300, rel=0.02)  # England is ~130,300 km² (land, clipped to coast)
    # every LEP lies inside England, and the LEPs (some overlap) cover most of it
    lep = layers["lep"]
    assert lep.total_bounds[0] > 80_000 and lep.total_bounds[2] < 660_000
    assert lep.union_all().area / 1e6 == pytest.approx(england, rel=0.02)


def test_layers_overlay_in_one_crs(layers):
    mk_point = layers["lad"].set_index("area_code").loc[MK].geometry.representative_point()
    lep = layers["lep"]
    assert lep[lep.contains(mk_point)]["area_name"].tolist() == ["South East Midlands"]
    itl3 = layers["itl3"]
    assert itl3[itl3.contains(mk_point)]["area_code"].tolist() == ["TLJ12"]  # Milton Keynes ITL3


def test_other_crs_on_request(raw_data_dir):
    gdf = bnd.get_boundaries("itl3", crs="EPSG:4326")
    assert gdf.crs.to_epsg() == 4326
    minx, miny, maxx, maxy = gdf.total_bounds
    assert -9 < minx < maxx < 2 and 49 < miny < maxy < 61


def test_second_load_reads_the_geoparquet_cache(layers):
    again = bnd.get_boundaries("lad")
    assert again.attrs["data_origin"] == "cache"
    assert bnd._cache_path("lad").exists()
    assert again.geometry.geom_equals_exact(layers["lad"].geometry, tolerance=0).all()


def test_snapshot_is_small_and_used_when_raw_is_absent(raw_data_dir, tmp_path, monkeypatch):
    written = bnd.snapshot_boundaries(tmp_path / "processed" / "snapshot")
    assert [p.name for p in written] == ["boundaries-lad.parquet", "boundaries-lep.parquet", "boundaries-itl3.parquet"]
    assert all(p.stat().st_size < 300_000 for p in written)
    monkeypatch.setenv("EVIDENCE_DATA_DIR", str(tmp_path))  # no raw/ here
    lad = bnd.get_boundaries("lad")
    assert lad.attrs["data_origin"] == "snapshot" and lad.crs.to_epsg() == 27700
    assert len(lad) == 361 and lad.is_valid.all()
    assert lad.set_index("area_code").loc[MK].geometry.area / 1e6 == pytest.approx(309.3, abs=1.0)
    assert lad.attrs["provenance"][0]["name"] == "boundaries-lad23"
    assert len(bnd.get_boundaries("lep", crs="EPSG:4326")) == 38


def test_missing_everything_says_what_to_fetch(isolated_data_dir):
    with pytest.raises(SourceUnavailableError, match="evidence fetch boundaries-itl321"):
        bnd.get_boundaries("itl3")


def test_unknown_kind():
    with pytest.raises(ValueError, match="lad, lep, itl3"):
        bnd.get_boundaries("msoa")


def test_truncated_geojson(tmp_path):
    src = shared_file("boundaries-lep21")
    dst = tmp_path / src.name
    dst.write_bytes(src.read_bytes()[:100_000])
    with pytest.raises(SchemaError, match=r"Local_Enterprise_Partnerships.*GeoJSON"):
        bnd.parse_boundaries(dst, "lep")


def test_renamed_property(tmp_path):
    src = shared_file("boundaries-itl321")
    dst = tmp_path / src.name
    data = json.loads(src.read_text())
    for f in data["features"]:
        f["properties"]["ITL3CD"] = f["properties"].pop("ITL321CD")
    dst.write_text(json.dumps(data))
    with pytest.raises(SchemaError, match=r"ITL3_January_2021.*\['ITL321CD'\]"):
        bnd.parse_boundaries(dst, "itl3")


def test_lep_file_without_crs_member_is_read_as_crs84(tmp_path):
    src = shared_file("boundaries-lep21")
    dst = tmp_path / "lep.geojson"
    data = json.loads(src.read_text())
    data.pop("crs")
    dst.write_text(json.dumps(data))
    gdf = bnd.parse_boundaries(dst, "lep")
    ref = bnd.parse_boundaries(shutil.copy(src, tmp_path / src.name), "lep")
    assert gdf.geometry.geom_equals_exact(ref.geometry, tolerance=1e-6).all()
