"""`evidence build` on a Dask cluster builds the same packs as the local path (a LocalCluster on 127.0.0.1)."""

from __future__ import annotations

import json
import re
import shutil
import socket
import sys
import time
import zipfile
from pathlib import Path

import pytest

from evidence import config
from evidence.cli import main
from evidence.errors import MissingDependencyError, SchedulerError
from evidence.pack.cluster import dask_client
from evidence.pack.report import build_many

distributed = pytest.importorskip("distributed")

COMMITTED = config.CHECKOUT_DIR / "data" / "processed" / "snapshot"
NOTEBOOKS = ["01-overview.ipynb", "03-people.ipynb"]  # a subset keeps the test short; the full set is no different

# Everything that legitimately differs between two builds of a pack: the times they were made, and nothing else.
_TIMESTAMPS = [
    # pack.json
    (re.compile(rb'"built": "[^"]+"'), b'"built": "T"'),
    # the HTML report's header
    (re.compile(rb"(Built with LIS Evidence \S+ on )\d{4}-\d{2}-\d{2}"), rb"\1T"),
    # executed notebooks: nbclient's timing of every cell
    (re.compile(rb'"(iopub\.execute_input|iopub\.status\.busy|iopub\.status\.idle|shell\.execute_reply)": "[^"]+"'),
     rb'"\1": "T"'),
    # the workbook's Summary sheet: the day it was built
    (re.compile(rb"(<t>Built</t></is></c><c [^>]*><is><t>)\d{4}-\d{2}-\d{2}"), rb"\1T"),
    # the PDF's document information, from Chromium
    (re.compile(rb"(/(CreationDate|ModDate) \(D:)[^)]+"), rb"\1T"),
    # the workbook's docProps/core.xml
    (re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]+"), rb"\1T"),
]


def _normalised(content: bytes) -> bytes:
    for pattern, replacement in _TIMESTAMPS:
        content = pattern.sub(replacement, content)
    return content


def _xlsx_entries(path: Path) -> list[tuple]:
    """Every zip entry of a workbook, its header fields but the time it was written, and its content."""
    with zipfile.ZipFile(path) as z:
        return [(i.filename, i.compress_type, i.external_attr, i.create_system, i.flag_bits, i.extra,
                 _normalised(z.read(i))) for i in z.infolist()]


def _pdf_pages(path: Path) -> list[str]:
    """The text of every page. Chromium printed the same HTML to different bytes once in several runs under load,
    so a PDF is compared by its pages and what they say (its charts are the pack's own files, compared as such)."""
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(path).pages]


def assert_same_packs(left: Path, right: Path) -> None:
    """Every file under ``left`` and ``right`` is byte-identical once its timestamps are normalised."""
    files = sorted(p.relative_to(left) for p in left.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(right) for p in right.rglob("*") if p.is_file())
    assert files
    for rel in files:
        a, b = left / rel, right / rel
        if rel.suffix == ".xlsx":
            assert _xlsx_entries(a) == _xlsx_entries(b), rel
        elif rel.suffix == ".pdf":
            assert _pdf_pages(a) == _pdf_pages(b), rel
        else:
            assert _normalised(a.read_bytes()) == _normalised(b.read_bytes()), rel


@pytest.fixture(scope="module")
def offline(tmp_path_factory):
    """A data folder holding only the committed snapshot, set before the cluster starts so that its workers
    (and the kernels they start) read the same data as this process."""
    root = tmp_path_factory.mktemp("offline")
    shutil.copytree(COMMITTED, root / "data" / "processed" / "snapshot")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EVIDENCE_DATA_DIR", str(root / "data"))
        mp.setenv("EVIDENCE_SHARED_DATA", str(root / "nowhere"))
        mp.delenv("EVIDENCE_MIRROR", raising=False)
        yield root


@pytest.fixture(scope="module")
def cluster(offline):
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as c:
        yield c


@pytest.fixture(scope="module")
def builds(offline, cluster):
    """BTVLEP built locally and on the cluster (with an unknown area beside it on the cluster)."""
    notebooks = [config.CHECKOUT_DIR / "notebooks" / n for n in NOTEBOOKS]
    local, remote = offline / "local", offline / "dask"
    assert build_many(["BTVLEP"], out=local, notebooks=notebooks, progress=False) == {"BTVLEP": None}
    with distributed.Client(cluster) as client:
        results = build_many(["BTVLEP", "No Such LEP"], out=remote, notebooks=notebooks, progress=False,
                             executor=client.get_executor(pure=False))
    return local, remote, results


def test_the_dask_path_builds_the_same_pack_as_the_local_path(builds):
    local, remote, results = builds
    assert results["BTVLEP"] is None
    assert_same_packs(local / "buckinghamshire", remote / "buckinghamshire")
    assert (remote / "buckinghamshire" / "charts" / "overview-map.svg").exists()


def test_a_failing_area_on_the_dask_path_is_logged_and_the_others_complete(builds):
    _, remote, results = builds
    assert "UnknownAreaError: Unknown area 'No Such LEP'" in results["No Such LEP"]
    log = remote / "logs" / "unresolved-no-such-lep-2021.log"
    assert str(log) in results["No Such LEP"]
    assert "Traceback" in log.read_text() and "UnknownAreaError" in log.read_text()
    assert json.loads((remote / "buckinghamshire" / "pack.json").read_text())["area"]["code"] == "E37000043"


def test_a_notebook_failing_on_a_worker_sends_back_its_executed_copy(offline, cluster, tmp_path):
    nb = {"cells": [
        {"cell_type": "code", "id": "params", "metadata": {"tags": ["parameters"]}, "execution_count": None,
         "outputs": [], "source": 'area = "E37000043"\nvintage = 2021\nyear = 2023\ncomparators = []'},
        {"cell_type": "code", "id": "fail", "metadata": {}, "execution_count": None, "outputs": [],
         "source": 'if area == "E37000053":\n    raise ValueError("no pack for " + area)'},
    ], "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "nbs").mkdir()
    (tmp_path / "nbs" / "01-fails.ipynb").write_text(json.dumps(nb))
    out = tmp_path / "reports"
    with distributed.Client(cluster) as client:
        results = build_many(["OxLEP", "BTVLEP"], out=out, notebooks=[tmp_path / "nbs" / "01-fails.ipynb"],
                             progress=False, executor=client.get_executor(pure=False))
    assert results["BTVLEP"] is None and (out / "buckinghamshire" / "pack.json").exists()
    error = results["OxLEP"]
    assert "EvidenceError: notebook 01-fails.ipynb failed" in error and "no pack for E37000053" in error
    # the worker's temporary folder is replaced by the client's output folder in the message; a failed pack
    # is not written, its executed notebook goes beside its log
    executed = out / "logs" / "oxfordshire-2021" / "01-fails.ipynb"
    assert f"(executed copy: {executed})" in error and executed.exists()
    assert not (out / "oxfordshire").exists()
    assert str(out) in (out / "logs" / "oxfordshire-2021.log").read_text()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_scheduler_is_a_clear_error_quickly(capsys):
    address = f"tcp://127.0.0.1:{_closed_port()}"
    start = time.monotonic()
    with pytest.raises(SchedulerError, match="could not reach the Dask scheduler"):
        with dask_client(address, timeout=1):
            pass
    assert time.monotonic() - start < 10
    assert main(["build", "BTVLEP", "--scheduler", address, "--connect-timeout", "1", "--quiet"]) == 2
    assert f"could not reach the Dask scheduler '{address}'" in capsys.readouterr().err


def test_a_malformed_scheduler_address_is_a_clear_error():
    with pytest.raises(SchedulerError, match="missing port"):
        with dask_client("scheduler-host", timeout=1):
            pass


def test_without_dask_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'lis-evidence\[dask\]'"):
        with dask_client("local"):
            pass


def test_scheduler_local_starts_a_cluster_and_reports_failures(offline, tmp_path, capsys):
    out = tmp_path / "reports"
    assert main(["build", "No Such LEP", "--scheduler", "local", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "Dask scheduler tcp://127.0.0.1:" in err and "1 worker(s)" in err
    assert "FAILED No Such LEP: UnknownAreaError" in err and (out / "logs" / "unresolved-no-such-lep-2021.log").exists()
