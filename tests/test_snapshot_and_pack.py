"""The committed snapshot reproduces the parsers' output and lets a fresh clone build a pack offline."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from evidence import config, provenance
from evidence.cli import main
from evidence.errors import SourceUnavailableError
from evidence.pack.report import build_many, build_pack
from evidence.sources import registry
from evidence.sources.base import load, read_parquet
from evidence.sources.snapshot import SIZE_LIMIT_BYTES

COMMITTED = config.CHECKOUT_DIR / "data" / "processed" / "snapshot"


def test_committed_snapshot_is_small_and_has_a_manifest():
    files = list(COMMITTED.glob("*.parquet"))
    assert files, "data/processed/snapshot is empty: run `evidence process`"
    assert sum(p.stat().st_size for p in files) < SIZE_LIMIT_BYTES
    manifest = json.loads((COMMITTED / "MANIFEST.json").read_text())
    assert "Open Government Licence" in manifest["licence"]
    for name, d in manifest["datasets"].items():
        assert (COMMITTED / f"{name}.parquet").exists()
        assert all(len(s["sha256"]) == 64 for s in d["sources"])


@pytest.mark.parametrize("name", ["gva", "productivity", "population", "earnings"])
def test_snapshot_equals_a_fresh_parse_of_the_pinned_files(raw_data_dir, name):
    ds = registry()[name]
    fresh = load(ds, source="raw")
    snap, meta = read_parquet(COMMITTED / f"{name}.parquet")
    assert len(snap) == len(fresh) and list(snap.columns) == list(fresh.columns)
    assert np.array_equal(snap["value"].to_numpy(), fresh["value"].to_numpy(), equal_nan=True)
    assert [r["sha256"] for r in meta["provenance"]] == [r["sha256"] for r in provenance.records(fresh)]


def test_loads_fall_back_to_the_snapshot_offline(offline):
    df = load(registry()["gva"])
    assert df.attrs["data_origin"] == "snapshot"
    mk = df[(df.area_code == "E06000042") & (df.year == 1998) & (df.industry == "Total")
            & (df.measure == "current_prices")]
    assert mk["value"].tolist() == [5154.0]
    assert provenance.records(df)[0]["release"].startswith("ONS, Regional economic activity by GDP")


def test_reference_pack_builds_offline(offline, tmp_path):
    folder = build_pack("Buckinghamshire Thames Valley", out=tmp_path / "reports")
    manifest = json.loads((folder / "pack.json").read_text())
    assert manifest["area"]["code"] == "E37000043"
    assert {t["key"] for t in manifest["tables"]} >= {"headline", "gva-per-hour-rank"}
    for chart in manifest["charts"]:
        assert (folder / "charts" / f"{chart}.png").stat().st_size > 5_000
        assert (folder / "charts" / f"{chart}.svg").exists()
    assert len(manifest["notebooks"]) == len(list((config.CHECKOUT_DIR / "notebooks").glob("[0-9][0-9]-*.ipynb")))
    xl = pd.ExcelFile(folder / f"{folder.name}-evidence.xlsx", engine="openpyxl")
    assert "Sources" in xl.sheet_names and "headline" in xl.sheet_names
    sources = pd.read_excel(xl, "Sources")
    files = sources["sha256"].notna()
    assert sources.loc[files, "sha256"].str.len().eq(64).all()
    # The only sources without a file are citations of published scenario figures (not data files).
    assert set(sources.loc[~files, "publisher"]) <= {"National Infrastructure Commission", "LIS Evidence"}
    headline = pd.read_excel(xl, "headline", skiprows=1).set_index("Indicator")  # names, not slugs (issue 15)
    assert headline.loc["GVA per hour worked", "UK"] == pytest.approx(41.87)
    html = (folder / f"{folder.name}.html").read_text()
    assert "Data releases used" in html and "data:image/png;base64" in html


def test_missing_data_everywhere_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("EVIDENCE_DATA_DIR", str(tmp_path / "empty"))
    with pytest.raises(SourceUnavailableError, match="evidence fetch"):
        load(registry()["population"])


def test_a_failing_area_does_not_stop_the_others(offline, tmp_path, capsys):
    out = tmp_path / "reports"
    results = build_many(["BTVLEP", "No Such LEP", "OxLEP"], out=out, progress=False)
    assert results["BTVLEP"] is None and results["OxLEP"] is None
    assert "Unknown area" in results["No Such LEP"] and (out / "logs" / "unresolved-no-such-lep-2021.log").exists()
    assert main(["build", "BTVLEP", "No Such LEP", "--out", str(out), "--quiet"]) == 1
    assert "FAILED No Such LEP" in capsys.readouterr().err
