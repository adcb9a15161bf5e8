"""Fetch from a local mirror server on 127.0.0.1: every failure leaves good files untouched."""

from __future__ import annotations

import time

import pytest
from http_fixtures import MirrorServer

from evidence.cli import main
from evidence.errors import ChecksumMismatchError, DownloadError, SourceUnavailableError
from evidence.sources import catalogue
from evidence.sources.fetch import fetch, fetch_one

SMALL = "lookup-lep20-names"  # 1,257 bytes
OTHER = "els-berd"  # 5,245 bytes


@pytest.fixture
def server(shared_data):
    with MirrorServer(shared_data, stall_seconds=3.0) as srv:
        yield srv


def _leftovers(e: catalogue.Entry) -> list:
    return [p for p in e.local_path.parent.glob("*") if p.name != e.filename] if e.local_path.parent.exists() else []


def _seed_good_copy(e: catalogue.Entry, shared_data) -> bytes:
    e.local_path.parent.mkdir(parents=True, exist_ok=True)
    good = (shared_data / e.path).read_bytes()
    e.local_path.write_bytes(good)
    return good


def test_normal_fetch_verifies_and_places_the_file(server, isolated_data_dir, shared_data):
    e = catalogue.entry(SMALL)
    path = fetch_one(e, mirror=server.url("ok"), progress=False)
    assert path == isolated_data_dir / "raw" / SMALL / e.filename
    assert catalogue.sha256_of(path) == e.sha256
    assert catalogue.status(e) == "ok"
    assert _leftovers(e) == []
    # A second fetch finds the verified copy and makes no request.
    fetch_one(e, mirror=server.url("ok"), progress=False)
    assert server.hits[f"ok/{e.path}"] == 1


@pytest.mark.parametrize("mode, error", [("truncate", DownloadError), ("missing", DownloadError),
                                         ("corrupt", ChecksumMismatchError)])
def test_failed_download_never_replaces_a_good_file(server, isolated_data_dir, shared_data, mode, error):
    e = catalogue.entry(SMALL)
    good = _seed_good_copy(e, shared_data)
    with pytest.raises(error) as info:
        fetch_one(e, mirror=server.url(mode), force=True, progress=False, retries=0)
    assert e.name in str(info.value)
    assert e.local_path.read_bytes() == good
    assert _leftovers(e) == []


@pytest.mark.parametrize("mode", ["truncate", "missing", "corrupt"])
def test_failed_first_download_leaves_nothing(server, isolated_data_dir, mode):
    e = catalogue.entry(SMALL)
    with pytest.raises(DownloadError):
        fetch_one(e, mirror=server.url(mode), progress=False, retries=0)
    assert not e.local_path.exists()
    assert _leftovers(e) == []


def test_404_message_says_what_happened(server, isolated_data_dir):
    with pytest.raises(DownloadError, match="HTTP 404"):
        fetch_one(catalogue.entry(SMALL), mirror=server.url("missing"), progress=False, retries=0)


def test_checksum_mismatch_says_what_to_do(server, isolated_data_dir):
    with pytest.raises(ChecksumMismatchError, match="not the pinned"):
        fetch_one(catalogue.entry(SMALL), mirror=server.url("corrupt"), progress=False, retries=0)


def test_server_error_then_success_is_retried(server, isolated_data_dir):
    e = catalogue.entry(SMALL)
    fetch_one(e, mirror=server.url("flaky"), progress=False, retries=2)
    assert server.hits[f"flaky/{e.path}"] == 2
    assert catalogue.status(e) == "ok"


def test_stalled_connection_times_out_and_keeps_the_good_file(server, isolated_data_dir, shared_data):
    e = catalogue.entry(OTHER)
    good = _seed_good_copy(e, shared_data)
    start = time.monotonic()
    with pytest.raises(DownloadError):
        fetch_one(e, mirror=server.url("stall"), force=True, progress=False, timeout=0.5, retries=0)
    assert time.monotonic() - start < 2.5
    assert e.local_path.read_bytes() == good
    assert _leftovers(e) == []


def test_folder_mirror_and_many_files(isolated_data_dir, shared_data):
    paths = fetch([SMALL, OTHER], mirror=str(shared_data), progress=False)
    assert [p.parent.name for p in paths] == [SMALL, OTHER]
    assert all(catalogue.status(catalogue.entry(n)) == "ok" for n in (SMALL, OTHER))


def test_one_failure_does_not_stop_the_others(server, isolated_data_dir):
    # OTHER is fetched even though SMALL fails; the error names SMALL.
    e = catalogue.entry(SMALL)
    with pytest.raises(DownloadError, match=SMALL):
        fetch([SMALL, OTHER], mirror=server.url("ok").replace("/ok", "/missing"), progress=False)
    assert catalogue.status(catalogue.entry(OTHER)) == "missing"
    assert not e.local_path.exists()


def test_no_direct_link_and_no_mirror_is_a_clear_error(isolated_data_dir, monkeypatch):
    monkeypatch.delenv("EVIDENCE_MIRROR", raising=False)
    with pytest.raises(SourceUnavailableError, match="--mirror"):
        fetch_one(catalogue.entry("aps-t01-economic-activity"), progress=False)


def test_cli_fetch_and_datasets_status(server, isolated_data_dir, shared_data, capsys):
    assert main(["fetch", SMALL, "--mirror", server.url("ok"), "--quiet"]) == 0
    e = catalogue.entry(OTHER)
    e.local_path.parent.mkdir(parents=True)
    e.local_path.write_bytes(b"not the pinned file")
    capsys.readouterr()
    assert main(["datasets", "--format", "csv"]) == 0
    rows = {line.split(",")[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert ",ok," in rows[SMALL]
    assert ",checksum mismatch," in rows[OTHER]
    assert ",missing," in rows["gva-itl1-cp"]


def test_cli_fetch_failure_exits_2_with_message(server, isolated_data_dir, capsys):
    assert main(["fetch", SMALL, "--mirror", server.url("corrupt"), "--quiet"]) == 2
    assert "not the pinned" in capsys.readouterr().err


def test_env_mirror_is_used(isolated_data_dir, shared_data, monkeypatch):
    monkeypatch.setenv("EVIDENCE_MIRROR", str(shared_data))
    fetch([SMALL], progress=False)
    assert catalogue.status(catalogue.entry(SMALL)) == "ok"
