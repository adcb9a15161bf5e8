"""Faults and hostile input (issue #19): what an unlucky or hostile user can do must end in a clear, typed error
or be healed, and lose nothing.

Items 3 (escaping in HTML and Markdown) and 4 (formulas in the workbook and CSVs) are fixed and tested on
another branch, with the escaping. The atomic, locked builds of item 2 are tested end to end, with real
signals, in ``test_pack_safety.py``; here only the sweep. The Nomis tests run against servers on 127.0.0.1, with
small timeouts and deadlines so that no test takes more than a few seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nomis_fake import FakeDataset, FakeNomis

from evidence import config, geography
from evidence.cli import main
from evidence.errors import ChecksumMismatchError, CorruptFileError, NomisError, PackFolderError, SchemaError
from evidence.pack.report import (
    VINTAGE_TYPES,
    _host,
    _log_failure,
    _pack_names,
    _registry_key,
    _sweep,
    _sweep_kernel_folders,
    _vintage_suffix,
    build_many,
)
from evidence.sources import catalogue, nomis, registry
from evidence.sources.base import CacheRebuiltWarning, RawFileMismatchWarning, load, parse_raw
from evidence.sources.fetch import fetch

SHARED = config.shared_data_dir()
needs_shared = pytest.mark.skipif(SHARED is None, reason="../shared/data (the official files) is not available")


def _dead_pid() -> int:
    """The id of a process that has just ended."""
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


# ---------------------------------------------------------------------------------- 1. pack folder names
_KNOWN = None


def _known_areas() -> list[tuple[str, str, int | None]]:
    """Every area the toolkit knows: each type, each LEP vintage, and England's districts."""
    global _KNOWN
    if _KNOWN is None:
        rows = []
        for v in geography.VINTAGES:
            df = geography.areas(vintage=v)
            rows += [(t, c, v if t == "lep" else None) for t, c in zip(df.area_type, df.area_code, strict=True)]
        lads = geography.areas(type="lad")
        rows += [("lad", c, None) for c in lads.area_code]
        _KNOWN = sorted(set(rows), key=str)
    return _KNOWN


def _assert_good_names(stems: dict) -> None:
    """Every folder name (stem and vintage suffix) is non-empty, one path component, not hidden, and one area's."""
    owners: dict[str, set] = {}
    for (area_type, code, vintage), stem in stems.items():
        vintages = [vintage] if area_type == "lep" else geography.VINTAGES if area_type in VINTAGE_TYPES else [None]
        for v in vintages:
            owners.setdefault(stem + _vintage_suffix(area_type, v), set()).add((area_type, code))
    for name, owner in owners.items():
        assert name and name.strip() == name, f"an empty folder name for {owner}"
        assert "/" not in name and "\\" not in name and os.sep not in name and not name.startswith("."), name
        assert len(name.encode()) < 200, name
        assert len(owner) == 1, f"{name!r} is shared by {sorted(owner)}"


def test_every_known_area_has_its_own_folder_name():
    stems, _ = _pack_names(_registry_key())
    assert {(t, c, v) for t, c, v in _known_areas()} <= set(stems)
    _assert_good_names(stems)


_NAMES = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=300).filter(str.strip)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(_NAMES, min_size=1, max_size=8))
def test_folder_names_are_never_empty_never_a_path_and_unique_with_any_group_names(names, tmp_path_factory,
                                                                                   monkeypatch):
    """Hypothesis: user groups named anything (any script, any length, the name of an existing area, a path)
    still give every known area and every group a folder name of its own. (Few examples, each with several
    names: each one names every known area again, about a second.)"""
    folder = tmp_path_factory.mktemp("groups")
    known = geography.areas(vintage=2021)
    names = names + [known.area_name.iloc[len(names)], "../" + names[0], "北部"]  # a real area's name, a path
    groups = "".join(f'[[group]]\ncode = "GRP-H{i}"\nname = {json.dumps(n, ensure_ascii=False)}\n'
                     f'lads = ["E08000021"]\n\n' for i, n in enumerate(names))
    path = folder / "groups.toml"
    path.write_text(groups, encoding="utf-8")
    monkeypatch.setenv(geography.GROUPS_ENV, str(path))
    stems, _ = _pack_names(_registry_key())
    assert {("group", f"GRP-H{i}", None) for i in range(len(names))} <= set(stems)
    _assert_good_names(stems)


# ---------------------------------------------------------------------------------- 2. atomic, locked
def test_a_killed_builds_temporary_folder_is_swept_and_a_live_ones_is_not(tmp_path):
    dead, live = _dead_pid(), os.getppid()
    left = tmp_path / f".some-pack.building-{_host()}-{dead}-0123456789ab"
    running = tmp_path / f".other-pack.building-{_host()}-{live}-0123456789ab"
    for d in (left, running):
        d.mkdir()
        (d / "pack.json").write_text("{}")
    _sweep(tmp_path, held="some-pack")
    assert not left.exists() and running.exists()


# ---------------------------------------------------------------------------------- 5. long area names
def test_a_300_character_area_name_fails_alone_and_the_batch_ends_with_its_summary(tmp_path, capsys):
    long_ascii, long_cjk = "B" * 300, "北" * 300
    out = tmp_path / "out"
    results = build_many([long_ascii, long_cjk], out=out, progress=False)
    assert set(results) == {long_ascii, long_cjk}
    for error in results.values():
        assert error.startswith("UnknownAreaError: Unknown area")
        log = Path(error.rsplit("(log: ", 1)[1].rstrip(")"))
        assert log.is_file() and len(log.name.encode()) < 255
    assert main(["build", long_ascii, "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "0 pack(s) built" in err and "FAILED BBBB" in err


def test_a_failure_log_that_cannot_be_written_does_not_stop_the_batch(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "logs").write_text("a file where the logs folder would be")
    summary = _log_failure(out, "X" * 300, 2021, "Traceback...", "UnknownAreaError: Unknown area")
    assert summary.startswith("UnknownAreaError: Unknown area (no log:")
    results = build_many(["Y" * 300, "Z" * 300], out=out, progress=False)
    assert all("no log" in e for e in results.values())


def test_a_300_character_group_name_gets_a_short_log_name(tmp_path, monkeypatch):
    groups = tmp_path / "groups.toml"
    groups.write_text('[[group]]\ncode = "GRP-LONG"\nname = "' + "A" * 300 + '"\nlads = ["E08000021"]\n')
    monkeypatch.setenv(geography.GROUPS_ENV, str(groups))
    summary = _log_failure(tmp_path, "GRP-LONG", 2021, "trace", "EvidenceError: boom")
    log = Path(summary.rsplit("(log: ", 1)[1].rstrip(")"))
    assert log.read_text() == "trace" and len(log.name) < 100


# ---------------------------------------------------------------------------------- 6, 7, 8: data files
@pytest.fixture
def data(tmp_path, monkeypatch):
    """A data folder with a copy of the snapshot, and raw/ holding the files fetched by ``get(*names)``."""
    if SHARED is None:
        pytest.skip("../shared/data is not available")
    root = tmp_path / "data"
    shutil.copytree(config.CHECKOUT_DIR / "data" / "processed" / "snapshot", root / "processed" / "snapshot")
    monkeypatch.setenv("EVIDENCE_DATA_DIR", str(root))
    monkeypatch.delenv("EVIDENCE_MIRROR", raising=False)

    def get(*names):
        if names:  # no names would fetch every file
            fetch(list(names), mirror=str(SHARED), progress=False)
        return root

    return get


def _truncate(path: Path, size: int = 1000) -> None:
    with open(path, "r+b") as fh:
        fh.truncate(size)


def test_a_truncated_cached_parse_is_rebuilt_from_raw_with_a_warning(data):
    root = data("population-la-1998-2023")
    ds = registry()["population"]
    first = load(ds)
    assert first.attrs["data_origin"] == "raw"
    cache = next((root / "processed" / "cache").glob("population-*.parquet"))
    _truncate(cache)
    with pytest.warns(CacheRebuiltWarning, match=r"corrupt or truncated.*rebuilding it from data/raw"):
        healed = load(ds)
    pd.testing.assert_frame_equal(healed, first)
    assert load(ds).attrs["data_origin"] == "cache"  # and the cache is whole again


def test_a_truncated_snapshot_file_is_a_typed_error_saying_what_to_run(data, capsys):
    root = data()
    snap = root / "processed" / "snapshot" / "population.parquet"
    _truncate(snap, 500)
    with pytest.raises(CorruptFileError, match=r"evidence fetch population-la-1998-2023` then `evidence process "
                                               r"population`"):
        load(registry()["population"])
    assert main(["show", "population", "--area", "E06000060", "--year", "2020"]) == 2
    assert "is corrupt or truncated" in capsys.readouterr().err
    data("population-la-1998-2023")  # with the raw file, `evidence process` rebuilds it
    assert main(["process", "population", "--quiet"]) == 0
    df = load(registry()["population"], source="snapshot")
    # Buckinghamshire's mid-2020 population in the ONS table: 549,066
    assert df[(df.area_code == "E06000060") & (df.year == 2020)]["value"].item() == 549066


def test_a_truncated_official_workbook_is_a_checksum_mismatch(data, capsys):
    root = data("productivity-lad-2025")
    entry = catalogue.entry("productivity-lad-2025")
    _truncate(entry.local_path, 100_000)
    expected = f"checksum mismatch in {entry.local_path}; run `evidence fetch --force productivity-lad-2025`"
    assert main(["process", "productivity", "--quiet"]) == 2
    assert expected in capsys.readouterr().err
    with pytest.raises(ChecksumMismatchError, match="checksum mismatch in"):
        load(registry()["productivity"], source="raw")
    with pytest.warns(RawFileMismatchWarning, match="checksum mismatch in"):
        assert load(registry()["productivity"]).attrs["data_origin"] == "snapshot"
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        assert main(["show", "productivity", "--area", "E06000060", "--year", "2022", "--format", "csv"]) == 0
    err = capsys.readouterr().err
    assert f"evidence: warning: {expected}" in err and "committed snapshot meanwhile" in err
    assert (root / "processed" / "snapshot" / "productivity.parquet").exists()


@needs_shared
def test_a_year_header_shifted_by_one_is_a_schema_error(tmp_path):
    entry = catalogue.entry("population-nomis-1991-2022")
    text = (SHARED / entry.path).read_text(encoding="utf-8")
    header = ",".join(f'"{y}"' for y in range(1991, 2023))
    assert header in text
    shifted = tmp_path / entry.filename
    shifted.write_text(text.replace(header, ",".join(f'"{y}"' for y in range(1990, 2022))), encoding="utf-8")
    ds = registry()["population-nomis-1991-2022"]
    df = ds.parse({entry.name: shifted})  # the parser alone takes the shifted header at its word...
    assert df["year"].min() == 1990
    with pytest.raises(SchemaError, match=r"the years parsed run 1990-2021, but the catalogue pins 1991-2022"):
        parse_raw(ds, {entry.name: shifted})  # ...the pinned years do not
    good = parse_raw(ds, {entry.name: SHARED / entry.path})
    assert (good["year"].min(), good["year"].max()) == (1991, 2022)


def test_every_dated_catalogue_file_pins_its_years_and_the_snapshot_agrees():
    for ds in registry().values():
        spans = [e.years_for(ds.name) for e in ds.entries()]
        spans = [s for s in spans if s]
        assert spans, f"{ds.name}: no catalogue file pins its years"
        # The committed snapshot itself: a session fixture may point EVIDENCE_DATA_DIR at a folder of raw files.
        df = pd.read_parquet(config.CHECKOUT_DIR / "data" / "processed" / "snapshot" / f"{ds.name}.parquet",
                             columns=[ds.period])
        years = pd.to_numeric(df[ds.period].astype(str).str[:4])
        assert (years.min(), years.max()) == (min(s[0] for s in spans), max(s[1] for s in spans)), ds.name


# ---------------------------------------------------------------------------------- 9-12: the Nomis client
def _rows(value: str, *, count: int = 1) -> FakeDataset:
    records = [{"DATE": "2023-12", "DATE_NAME": "Jan 2023-Dec 2023", "DATE_CODE": "2023-12", "GEOGRAPHY": "1",
                "GEOGRAPHY_NAME": "Leeds", "GEOGRAPHY_CODE": "E08000035", "GEOGRAPHY_TYPE": "lad",
                "GEOGRAPHY_TYPECODE": "424", "VARIABLE": "45", "VARIABLE_NAME": "Employment rate - aged 16-64",
                "MEASURES": "20599", "MEASURES_NAME": "Variable", "OBS_VALUE": value, "OBS_STATUS": "A",
                "OBS_STATUS_NAME": "Normal Value", "OBS_CONF": "F", "OBS_CONF_NAME": "Free", "URN": f"u{i}",
                "RECORD_OFFSET": str(i), "RECORD_COUNT": str(count)} for i in range(count)]
    return FakeDataset.from_records(records, id="NM_17_5", name="annual population survey",
                                    last_updated="2024-04-16 09:30:00")


@pytest.fixture
def nomis_env(tmp_path, monkeypatch):
    monkeypatch.setenv("EVIDENCE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NOMIS_API_BASE", "http://127.0.0.1:9/api/v01")  # nothing listens there
    for name in ("NOMIS_API_KEY", "NOMIS_DEADLINE", "NOMIS_RETRY_AFTER_CAP", "NOMIS_MAX_ROWS", "NOMIS_MAX_BYTES"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_9_an_answer_from_one_server_is_never_served_for_another(nomis_env):
    with FakeNomis([_rows("75.4")]) as a, FakeNomis([_rows("61.0")]) as b:
        got_a = nomis.get("NM_17_5", geography="E08000035", base=a.base)
        got_b = nomis.get("NM_17_5", geography="E08000035", base=b.base)
        assert got_a["value"].tolist() == [75.4] and got_b["value"].tolist() == [61.0]
        assert got_b.attrs["data_origin"] == "live" and b.data_requests()
        again = nomis.get("NM_17_5", geography="E08000035", base=a.base)  # each server's answer is cached apart
        assert again.attrs["data_origin"] == "cache" and again["value"].tolist() == [75.4]
    q = nomis.build_query("NM_17_5", geography="E08000035")
    keys = {q.cache_key("https://www.nomisweb.co.uk/api/v01"), q.cache_key("https://www.nomisweb.co.uk/api/v02"),
            q.cache_key("https://mirror.example/api/v01"),
            nomis.build_query("NM_17_5", geography="E08000035", date="2022").cache_key()}
    assert len(keys) == 4
    meta = json.loads(next((nomis.nomis_dir()).glob("NM_17_5-*.json")).read_text())
    assert meta["api"].startswith("http://127.0.0.1:") and meta["api_version"] == "v01"


def test_10_a_long_retry_after_is_refused_at_once(nomis_env):
    with FakeNomis([_rows("75.4")]) as srv:
        srv.inject(".data.csv", 429, b"Too many requests", headers={"Retry-After": "3600"})
        start = time.monotonic()
        with pytest.raises(NomisError, match=r"asked to wait 3600 s before retrying \(Retry-After\), longer than the "
                                             r"60 s this client waits"):
            nomis.get("NM_17_5", geography="E08000035", base=srv.base, timeout=5)
        assert time.monotonic() - start < 3
        srv.inject(".data.csv", 503, b"busy", headers={"Retry-After": "2"})
        limits = nomis.NomisLimits(retry_after_cap=1)
        with pytest.raises(NomisError, match="longer than the 1 s this client waits"):
            nomis.get("NM_17_5", geography="E08000035", base=srv.base, limits=limits, refresh=True)
        srv.inject(".data.csv", 429, b"Too many requests", headers={"Retry-After": "0.2"})  # a short wait is waited
        assert nomis.get("NM_17_5", geography="E08000035", base=srv.base, refresh=True)["value"].tolist() == [75.4]


def test_10_a_gzipped_answer_is_decoded_while_read_against_the_deadline(nomis_env):
    import gzip

    with FakeNomis([_rows("75.4", count=3)]) as srv:
        d = srv.datasets["NM_17_5"]
        page = srv._data(d, {"geography": "E08000035"})[1]
        srv.inject(".data.csv", 200, gzip.compress(page), headers={"Content-Type": "text/csv",
                                                                  "Content-Encoding": "gzip"})
        df = nomis.get("NM_17_5", geography="E08000035", base=srv.base)
    assert df["value"].tolist() == [75.4, 75.4, 75.4]


class _Drip:
    """A server on 127.0.0.1 that sends its answer one byte every ``gap`` seconds."""

    def __init__(self, gap: float = 0.2):
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                body = b'{"structure": {"keyfamilies": null}}' * 20
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    for i in range(len(body)):
                        self.wfile.write(body[i:i + 1])
                        self.wfile.flush()
                        time.sleep(gap)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/v01"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_10_a_trickling_server_meets_the_deadline(nomis_env):
    drip = _Drip()
    try:
        start = time.monotonic()
        with pytest.raises(NomisError, match=r"did not finish within the 1.5 s deadline \(\d+ bytes of the answer "
                                             r"received so far\)"):
            nomis.get("NM_17_5", geography="E08000035", base=drip.base, timeout=1,
                      limits=nomis.NomisLimits(deadline=1.5))
        assert time.monotonic() - start < 4
    finally:
        drip.close()


def test_10_the_default_deadline_follows_the_timeout(nomis_env, monkeypatch):
    client = nomis._Client(None, None, timeout=2, retries=0)
    assert client.deadline == 6
    monkeypatch.setenv("NOMIS_DEADLINE", "4.5")
    assert nomis._Client(None, None, timeout=2, retries=0).deadline == 4.5
    monkeypatch.setenv("NOMIS_RETRY_AFTER_CAP", "soon")
    with pytest.raises(NomisError, match="NOMIS_RETRY_AFTER_CAP='soon' is not a number"):
        nomis._Client(None, None, timeout=2, retries=0)


def test_11_a_query_claiming_a_billion_rows_is_refused_after_one_page(nomis_env):
    with FakeNomis([_rows("75.4", count=3)]) as srv:
        srv.datasets["NM_17_5"].rows[0][srv.datasets["NM_17_5"].col("RECORD_COUNT")] = "1000000000"
        page = ("\n".join([",".join(srv.datasets["NM_17_5"].header)]
                          + [",".join(r[:-1] + ["1000000000"]) for r in srv.datasets["NM_17_5"].rows]) + "\n")
        srv.inject(".data.csv", 200, page.encode(), headers={"Content-Type": "text/csv"}, times=100)
        with pytest.raises(NomisError, match=r"the query has 1,000,000,000 rows \(RECORD_COUNT\), more than the "
                                             r"ceiling of 5,000,000 rows per query"):
            nomis.get("NM_17_5", geography="E08000035", base=srv.base)
        assert len(srv.data_requests()) == 1
        assert not list(nomis.nomis_dir().glob("*"))  # nothing kept, no temporary file left


def test_11_row_and_byte_ceilings_are_configurable(nomis_env, monkeypatch):
    with FakeNomis([_rows("75.4", count=30)], guest_cap=10) as srv:
        with pytest.raises(NomisError, match="more than the ceiling of 20 rows"):
            nomis.get("NM_17_5", geography="E08000035", base=srv.base, limits=nomis.NomisLimits(max_rows=20))
        monkeypatch.setenv("NOMIS_MAX_BYTES", "3000")
        with pytest.raises(NomisError, match="exceed the ceiling of 3,000 bytes"):
            nomis.get("NM_17_5", geography="E08000035", base=srv.base)
        monkeypatch.delenv("NOMIS_MAX_BYTES")
        df = nomis.get("NM_17_5", geography="E08000035", base=srv.base)
        assert len(df) == 30 and df["value"].eq(75.4).all()
        leftovers = [p.name for p in nomis.nomis_dir().iterdir() if p.suffix == ".part"]
        assert not leftovers


def test_11_pages_are_streamed_to_the_cache(nomis_env, monkeypatch):
    """Each page is appended to the cache's temporary file as it arrives: at most one page is in memory."""
    seen = []
    real = nomis._Client.get

    def spy(self, path, params=None, *, what):
        if path.endswith(".data.csv"):
            seen.append(sorted(p.name for p in nomis.nomis_dir().glob(".*.part")))
        return real(self, path, params, what=what)

    monkeypatch.setattr(nomis._Client, "get", spy)
    with FakeNomis([_rows("75.4", count=25)], guest_cap=10) as srv:
        nomis.get("NM_17_5", geography="E08000035", base=srv.base)
    assert len(seen) == 3 and len(seen[0]) == 1 and seen[0] == seen[1] == seen[2]  # one file, open throughout
    assert not list(nomis.nomis_dir().glob(".*.part"))


def test_12_an_api_key_is_never_sent_over_plain_http(nomis_env, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("a request was sent")

    monkeypatch.setattr(requests.Session, "send", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    with pytest.raises(NomisError, match=r"refusing to send the Nomis API key over plain http:// to "
                                         r"nomis\.example\.org: the key would travel in clear"):
        nomis.get("NM_17_5", geography="E08000035", base="http://nomis.example.org/api/v01", api_key="0xSECRET")
    monkeypatch.setenv("NOMIS_API_KEY", "0xSECRET")
    with pytest.raises(NomisError, match="refusing to send") as err:
        nomis.search("jobs", base="http://nomis.example.org/api/v01")
    assert "0xSECRET" not in str(err.value)
    monkeypatch.delenv("NOMIS_API_KEY")
    with pytest.raises(AssertionError, match="a request was sent"):  # without a key, http is allowed
        nomis.search("jobs", base="http://nomis.example.org/api/v01", retries=0)


# ---------------------------------------------------------------------------------- also: kernel folders
def test_kernel_folders_left_by_a_killed_build_are_swept(tmp_path):
    dead, live = _dead_pid(), os.getppid()
    stale = tmp_path / f"evidence-kernel-{_host()}-{dead}-abc_123"
    running = tmp_path / f"evidence-kernel-{_host()}-{live}-abc_123"
    elsewhere = tmp_path / f"evidence-kernel-another-host-{dead}-abc_123"
    unknown = tmp_path / "evidence-kernel-x1y2z3"  # not named by this version: whose it is cannot be told
    for d in (stale, running, elsewhere, unknown):
        d.mkdir()
        (d / "kernel.json").write_text("{}")
    assert _sweep_kernel_folders(tmp_path) == [stale]
    assert not stale.exists() and running.exists() and elsewhere.exists() and unknown.exists()


def test_an_out_that_is_a_file_is_refused(tmp_path):
    afile = tmp_path / "reports"
    afile.write_text("keep me")
    with pytest.raises(PackFolderError, match="is a file, not a folder"):
        build_many(["BTVLEP"], out=afile, progress=False)
    assert afile.read_text() == "keep me"
