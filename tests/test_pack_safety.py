"""Pack folders are safe: unique to an area, written atomically, locked, never over another area's files.

The packs here run one tiny notebook (``setup`` and one table), so that the tests exercise the builder, not the
themes; builds that must be interrupted or run at once run in subprocesses.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest

from evidence import config, geography
from evidence.cli import main
from evidence.errors import EvidenceError, PackFolderError
from evidence.pack.report import (
    VINTAGE_TYPES,
    ShippedPack,
    _pack_names,
    _receive,
    build_many,
    build_pack,
    build_shipped,
    pack_folder,
    pack_name,
)

GM_LEP, GM_CA = "E37000015", "E47000001"  # both named "Greater Manchester"
FAIL_YEAR = 1999  # the tiny notebook raises for this year

_BODY = """\
import os, pathlib, time
import pandas as pd
import evidence.pack.notebook
ctx = evidence.pack.notebook.setup(area=area, vintage=vintage)
ctx.table("t", "A table", pd.DataFrame({"x": [1, 2]}))
if year == 1999:
    raise ValueError("no pack for " + area)
trace = os.environ.get("PACK_TEST_TRACE")
if trace:
    with open(trace, "a") as fh:
        fh.write(f"start {time.time()}\\n")
    time.sleep(float(os.environ["PACK_TEST_SLEEP"]))
    with open(trace, "a") as fh:
        fh.write(f"end {time.time()}\\n")
marker = os.environ.get("PACK_TEST_MARKER")
if marker:
    pathlib.Path(marker).touch()
    time.sleep(300)
"""

GROUPS = """\
[[group]]
code = "GRP-HOKUBU"
name = "北部"
lads = ["E08000021", "E08000037"]
"""

# Names chosen to clash: with the LEP, the CA and the ITL2 of that name, and with the LAD's "-lad" folder.
CLASHING_GROUPS = """\
[[group]]
code = "GRP-GM"
name = "Greater Manchester"
lads = ["E08000003"]

[[group]]
code = "GRP-BUCKS"
name = "Buckinghamshire LAD"
lads = ["E06000060"]
"""


def _notebook(path: Path) -> Path:
    cells = [
        {"cell_type": "markdown", "id": "title", "metadata": {}, "source": "# A tiny pack"},
        {"cell_type": "code", "id": "params", "metadata": {"tags": ["parameters"]}, "execution_count": None,
         "outputs": [], "source": f'area = "{GM_LEP}"\nvintage = 2021\nyear = 2023\ncomparators = []'},
        {"cell_type": "code", "id": "body", "metadata": {}, "execution_count": None, "outputs": [], "source": _BODY},
    ]
    nb = {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb))
    return path


@pytest.fixture(scope="module")
def nb(tmp_path_factory) -> Path:
    """One notebook folder for the module: every in-process build reuses one warm kernel."""
    return _notebook(tmp_path_factory.mktemp("notebooks") / "01-tiny.ipynb")


@pytest.fixture
def groups(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "groups.toml"
    path.write_text(GROUPS, encoding="utf-8")
    monkeypatch.setenv(geography.GROUPS_ENV, str(path))
    return path


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` and its content, but the lock files that builds leave (empty, hidden)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not re.fullmatch(r"\..+\.lock", p.name)}


def _assert_only_complete_packs(out: Path, *, hidden_ok: bool = False) -> None:
    """Every visible folder under ``out`` (but logs/) is a complete pack; no temporary folder is left."""
    for d in out.iterdir():
        if d.name.startswith("."):
            assert d.suffix == ".lock" or hidden_ok, f"left behind: {d}"
            continue
        if d.name == "logs":
            continue
        manifest = json.loads((d / "pack.json").read_text())
        assert set(_files(d)) == set(manifest["files"]) | {"pack.json"}, d


# --------------------------------------------------------------------------------------------- folder names
def test_folder_names_follow_the_rule():
    gm_ca, gm_lep = geography.resolve(GM_CA), geography.resolve(GM_LEP)
    assert pack_name(gm_lep, 2021) == "greater-manchester" and pack_name(gm_lep, 2017) == "greater-manchester-2017"
    assert pack_name(gm_ca, 2021) == pack_name(gm_ca, 2017) == "greater-manchester-ca"
    assert pack_name(geography.resolve("TLD3"), 2021) == "greater-manchester-itl2"
    assert pack_name(geography.resolve("E06000060"), 2021) == "buckinghamshire-lad"
    assert pack_name(geography.resolve("BTVLEP", vintage=2020), 2020) == "buckinghamshire-thames-valley-2020"
    assert pack_name(geography.resolve("E12000007"), 2021) == "london-region"
    assert pack_name(geography.resolve("GRP-OXCAM", vintage=2017), 2017) == "oxford-cambridge-arc-2017"
    # a former district code is not listed with the areas: its code keeps it apart from the current district
    assert pack_name(geography.resolve("E08000020"), 2021) == "gateshead-lad-e08000020"
    assert pack_folder(gm_ca, 2021, Path("out")) == Path("out") / "greater-manchester-ca"


def test_no_two_known_areas_share_a_folder(tmp_path, monkeypatch):
    files = [tmp_path / "a.toml", tmp_path / "b.toml"]
    files[0].write_text(GROUPS, encoding="utf-8")
    files[1].write_text(CLASHING_GROUPS, encoding="utf-8")
    monkeypatch.setenv(geography.GROUPS_ENV, os.pathsep.join(map(str, files)))
    owner: dict[str, tuple] = {}
    named: dict[tuple, str] = {}
    for vintage in geography.VINTAGES:
        listed = [geography.areas(vintage=vintage), geography.areas(type="lad")]
        for df in listed:
            for code, name, area_type in zip(df.area_code, df.area_name, df.area_type, strict=True):
                folder = pack_name(geography.Area(code, name, area_type), vintage)
                key = (area_type, code, vintage if area_type in VINTAGE_TYPES else None)
                assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", folder) and folder != "logs", (key, folder)
                assert owner.setdefault(folder, key) == key, f"{folder}: {owner[folder]} and {key}"
                assert named.setdefault(key, folder) == folder, key
    assert len(owner) == len(named) > 700
    assert owner["grp-hokubu"] == ("group", "GRP-HOKUBU", 2021)
    assert owner["greater-manchester-group-2017"] == ("group", "GRP-GM", 2017)
    # the district's "-lad" name is a group's slug, so both go one step further
    assert owner["buckinghamshire-lad-e06000060"] == ("lad", "E06000060", None)
    assert owner["buckinghamshire-lad-group"] == ("group", "GRP-BUCKS", 2021)
    # names come from the whole list, not from what was built first: one area alone gets the same name
    _pack_names.cache_clear()
    assert pack_name(geography.resolve("E06000060"), 2021) == "buckinghamshire-lad-e06000060"


# --------------------------------------------------------------------------------------------- building
def test_a_name_without_ascii_letters_gets_its_own_folder(groups, nb, tmp_path):
    out = tmp_path / "checkout"  # like `--out .` in a checkout: folders a pack also has, with files
    for rel in ("notebooks/01-overview.ipynb", "charts/keep.png", "tables/keep.parquet"):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(rel)
    before = _files(out)
    folder = build_pack("GRP-HOKUBU", out=out, notebooks=[nb])
    assert folder == out / "grp-hokubu"
    manifest = json.loads((folder / "pack.json").read_text())
    assert manifest["area"] == {"code": "GRP-HOKUBU", "name": "北部", "type": "group", "vintage": 2021}
    assert (folder / "grp-hokubu.html").exists() and (folder / "grp-hokubu-evidence.xlsx").exists()
    assert {k: v for k, v in _files(out).items() if not k.startswith("grp-hokubu/")} == before
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == [".grp-hokubu.lock"]


def test_a_failing_build_of_the_ca_leaves_the_leps_pack_alone(nb, tmp_path):
    out = tmp_path / "reports"
    lep = build_pack(GM_LEP, out=out, notebooks=[nb])
    before = _files(lep)
    with pytest.raises(EvidenceError, match=f"notebook 01-tiny.ipynb failed for {GM_CA}"):
        build_pack(GM_CA, out=out, notebooks=[nb], year=FAIL_YEAR)
    assert _files(lep) == before
    assert not (out / "greater-manchester-ca").exists()
    assert (out / "logs" / "greater-manchester-ca-2021" / "01-tiny.ipynb").exists()  # the failed executed copy
    _assert_only_complete_packs(out)
    ca = build_pack(GM_CA, out=out, notebooks=[nb])
    assert ca == out / "greater-manchester-ca" and _files(lep) == before
    assert json.loads((ca / "pack.json").read_text())["area"]["type"] == "ca"
    # failures of areas sharing a name are logged apart
    results = build_many([GM_LEP, GM_CA, "No Such Area"], out=out, notebooks=[nb], year=FAIL_YEAR, progress=False)
    logs = sorted(p.name for p in (out / "logs").glob("*.log"))
    assert logs == ["greater-manchester-2021.log", "greater-manchester-ca-2021.log",
                    "unresolved-no-such-area-2021.log"]
    assert all(results.values()) and _files(lep) == before


def _build_in_subprocess(area: str, out: Path, nb: Path, **env: str) -> subprocess.Popen:
    code = ("import sys; from pathlib import Path; from evidence.pack.report import build_pack; "
            "build_pack(sys.argv[1], out=Path(sys.argv[2]), notebooks=[Path(sys.argv[3])])")
    path = os.pathsep.join(filter(None, [str(config.CHECKOUT_DIR), os.environ.get("PYTHONPATH")]))
    return subprocess.Popen([sys.executable, "-c", code, area, str(out), str(nb)],
                            env={**os.environ, "PYTHONPATH": path, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(marker: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while not marker.exists():
        if proc.poll() is not None:
            pytest.fail(f"the build ended before its notebook ran: {proc.communicate()[1]}")
        assert time.monotonic() < end, "the build's notebook did not start"
        time.sleep(0.1)


def test_an_interrupted_build_leaves_the_earlier_pack_and_is_swept(nb, tmp_path):
    out = tmp_path / "reports"
    folder = build_pack(GM_LEP, out=out, notebooks=[nb])
    earlier = _files(folder)

    marker = tmp_path / "started"
    proc = _build_in_subprocess(GM_LEP, out, nb, PACK_TEST_MARKER=str(marker))
    _wait_for(marker, proc)
    kernels = psutil.Process(proc.pid).children()
    assert list(out.glob(".greater-manchester.building-*"))
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == -signal.SIGTERM, proc.communicate()[1]
    _, alive = psutil.wait_procs(kernels, timeout=30)
    assert not alive, "the build's kernel outlived it"
    assert _files(folder) == earlier
    _assert_only_complete_packs(out)

    marker.unlink()
    proc = _build_in_subprocess(GM_LEP, out, nb, PACK_TEST_MARKER=str(marker))
    _wait_for(marker, proc)
    kernels = psutil.Process(proc.pid).children()
    proc.kill()
    proc.wait(timeout=60)
    for k in kernels:  # a SIGKILL gives no chance to clean up: stop its kernel here
        k.kill()
    stale = list(out.glob(f".greater-manchester.building-*-{proc.pid}-*"))
    assert len(stale) == 1 and _files(folder) == earlier
    _assert_only_complete_packs(out, hidden_ok=True)

    # a build of another area into the same folder clears what the killed build left
    build_pack(GM_CA, out=out, notebooks=[nb])
    assert not stale[0].exists() and _files(folder) == earlier
    _assert_only_complete_packs(out)


def test_two_builds_of_one_area_at_once_end_with_one_complete_pack(nb, tmp_path):
    out, trace = tmp_path / "reports", tmp_path / "trace"
    env = {"PACK_TEST_TRACE": str(trace), "PACK_TEST_SLEEP": "2"}
    procs = [_build_in_subprocess(GM_LEP, out, nb, **env) for _ in range(2)]
    for proc in procs:
        assert proc.wait(timeout=180) == 0, proc.communicate()[1]
    # the second build waited for the first: their notebooks ran one after the other
    lines = trace.read_text().split()
    assert lines[0::2] == ["start", "end", "start", "end"]
    _assert_only_complete_packs(out)
    assert [p.name for p in out.iterdir() if not p.name.startswith(".")] == ["greater-manchester"]


# --------------------------------------------------------------------------------------------- refusals
def _fake_pack(folder: Path, code: str, area_type: str, vintage: int, files: list[str] | None = None) -> None:
    folder.mkdir(parents=True)
    manifest = {"area": {"code": code, "name": "Greater Manchester", "type": area_type},
                "parameters": {"area": code, "vintage": vintage}}
    if files is not None:
        manifest["files"] = files
    (folder / "pack.json").write_text(json.dumps(manifest))
    (folder / "notebooks").mkdir()
    (folder / "notebooks" / "01-overview.ipynb").write_text("{}")


@pytest.mark.parametrize(("code", "area_type", "vintage", "says"), [
    (GM_CA, "ca", 2021, r"holds the pack of Greater Manchester \(E47000001, ca, 2021 geography\)"),
    (GM_LEP, "lep", 2017, r"holds the pack of Greater Manchester \(E37000015, lep, 2017 geography\)"),
])
def test_a_build_refuses_another_areas_pack(nb, tmp_path, code, area_type, vintage, says):
    out = tmp_path / "reports"
    _fake_pack(out / "greater-manchester", code, area_type, vintage)  # e.g. the CA's pack by an earlier version
    before = _files(out)
    with pytest.raises(PackFolderError, match=says) as err:
        build_pack(GM_LEP, out=out, notebooks=[nb])
    assert str(out / "greater-manchester") in str(err.value) and "Move or delete that folder" in str(err.value)
    assert _files(out) == before


def test_a_build_refuses_a_folder_that_is_not_a_pack_or_holds_other_files(nb, tmp_path):
    out = tmp_path / "reports"
    (out / "greater-manchester" / "notebooks").mkdir(parents=True)
    (out / "greater-manchester" / "notebooks" / "mine.ipynb").write_text("{}")
    before = _files(out)
    with pytest.raises(PackFolderError, match="is not empty and is not an evidence pack"):
        build_pack(GM_LEP, out=out, notebooks=[nb])
    assert _files(out) == before

    (out / "greater-manchester" / "notebooks" / "mine.ipynb").unlink()
    (out / "greater-manchester" / "notebooks").rmdir()  # an empty folder is taken over
    folder = build_pack(GM_LEP, out=out, notebooks=[nb])
    (folder / "notes.txt").write_text("my notes")
    before = _files(out)
    with pytest.raises(PackFolderError, match=r"also holds files that no build wrote \(notes.txt\)"):
        build_pack(GM_LEP, out=out, notebooks=[nb])
    assert _files(out) == before

    (folder / "notes.txt").unlink()
    (out / "elsewhere").mkdir()
    (out / "greater-manchester-ca").symlink_to(out / "elsewhere")
    with pytest.raises(PackFolderError, match="is a symbolic link"):
        build_pack(GM_CA, out=out, notebooks=[nb])
    assert (out / "greater-manchester-ca").is_symlink() and not any((out / "elsewhere").iterdir())


def test_the_executor_path_follows_the_same_rules(nb, tmp_path):
    out = tmp_path / "reports"
    _fake_pack(out / "greater-manchester", GM_CA, "ca", 2021)
    before = _files(out)
    with ThreadPoolExecutor(1) as pool:  # any concurrent.futures executor takes the path a Dask cluster takes
        results = build_many([GM_LEP], out=out, notebooks=[nb], executor=pool, progress=False)
    assert "PackFolderError" in results[GM_LEP] and (out / "logs" / "greater-manchester-2021.log").exists()
    assert {k: v for k, v in _files(out).items() if not k.startswith("logs/")} == before

    shipped = build_shipped(GM_CA, 2021, None, {"01-tiny.ipynb": nb.read_bytes()})
    assert shipped.error is None
    assert _receive(shipped, out, 2021) is None
    assert json.loads((out / "greater-manchester-ca" / "pack.json").read_text())["area"]["code"] == GM_CA
    assert not [p for p in out.iterdir() if p.name.startswith(".") and p.suffix != ".lock"]
    with pytest.raises(EvidenceError, match="outside its pack folder"):
        _receive(ShippedPack(area=GM_CA, files={"../evil": b""}), out, 2021)


def test_an_out_that_is_a_file_is_a_clear_error_before_any_work(tmp_path, capsys):
    afile = tmp_path / "reports"
    afile.write_text("not a folder")
    with pytest.raises(PackFolderError, match="is a file, not a folder"):
        build_many(["BTVLEP"], out=afile, progress=False)
    assert main(["build", "BTVLEP", "--out", str(afile), "--quiet"]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert afile.read_text() == "not a folder"
