"""Evidence packs: everything a LEP board receives for one area, written to ``reports/<name>/``.

``build_pack`` runs every theme notebook in ``notebooks/`` with papermill for the area and assembles:

- ``notebooks/``: the executed notebooks;
- ``<name>.html``: one self-contained HTML report (:mod:`evidence.pack.htmlreport`): key findings, contents, the
  themes' outputs (no code), and an appendix with the parameters, data releases and caveats;
- ``<name>.pdf``: the report printed by headless Chromium, when one is installed;
- ``charts/``: every chart as PNG (200 dpi) and SVG;
- ``<name>-evidence.xlsx``: one formatted sheet per table (units in headers, frozen header row, number
  formats) plus a Sources sheet, written with openpyxl;
- ``pack.json``: the area, the parameters, the tables and charts, the caveats, every data release used and
  every file of the pack.

``<name>`` is unique to the area (:func:`pack_folder`). A pack is built in a temporary folder beside its own and
renamed into place when complete, under a lock per pack; a build never replaces another area's pack or a
folder that is not a pack (:class:`~evidence.errors.PackFolderError`).

Two builds of a pack are byte-identical apart from their timestamps. ``build_many`` builds many areas in local
processes or on any ``concurrent.futures`` executor, such as a Dask cluster's (:mod:`evidence.pack.cluster`).
"""

from __future__ import annotations

import atexit
import collections
import fcntl
import functools
import hashlib
import json
import logging
import multiprocessing.util
import os
import re
import secrets
import shutil
import signal
import socket
import tempfile
import threading
import time
import traceback
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path, PurePosixPath

import pandas as pd
from tqdm.auto import tqdm

from .. import __version__, config, geography, provenance
from ..errors import BuildInterrupted, EvidenceError, PackFolderError
from ..geography import areatypes
from ..sources.base import read_parquet
from . import consistency, findings, formats
from .notebook import CAVEATS_FILE, CHART_FORMATS_ENV, OMITTED_FILE, PACK_DIR_ENV

NOTEBOOKS_ENV = "EVIDENCE_NOTEBOOKS"


def slug(text: str) -> str:
    """A folder name for an area: ``"Buckinghamshire Thames Valley"`` -> ``buckinghamshire-thames-valley``.

    Only ASCII letters and digits survive, so the slug of a name written in another script is empty: use
    :func:`pack_folder` for a pack's folder, never this alone.
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def notebooks_dir() -> Path:
    """The theme notebooks (``notebooks/`` of the checkout, or ``$EVIDENCE_NOTEBOOKS``)."""
    env = os.environ.get(NOTEBOOKS_ENV)
    return Path(env) if env else config.CHECKOUT_DIR / "notebooks"


def theme_notebooks(folder: Path | None = None) -> list[Path]:
    """The theme notebooks in order (``01-...ipynb`` to ``07-...ipynb``)."""
    found = sorted(p for p in (folder or notebooks_dir()).glob("[0-9][0-9]-*.ipynb"))
    if not found:
        raise EvidenceError(f"no theme notebooks (NN-name.ipynb) in {folder or notebooks_dir()}")
    return found


# ----------------------------------------------------------------------------------------------- folder names
#: Area types whose member districts, and so whose packs, change with the LEP vintage.
VINTAGE_TYPES = frozenset(k for k, t in areatypes.AREA_TYPES.items() if t.by_vintage)
#: Names under the output folder that are not packs.
_RESERVED = frozenset({"logs"})
_MAX_SLUG = 80  # a long user group name must still make a valid file name with the suffixes added to it


def _code_slug(code: str) -> str:
    return slug(code)[:_MAX_SLUG].strip("-") or "area-" + hashlib.sha1(code.encode()).hexdigest()[:10]


def _base(name: str, code: str) -> str:
    return slug(name)[:_MAX_SLUG].strip("-") or _code_slug(code)


def _vintage_suffix(area_type: str, vintage: int | None) -> str:
    if vintage is None or vintage == geography.DEFAULT_VINTAGE or area_type not in VINTAGE_TYPES:
        return ""
    return f"-{vintage}"


def _registry_key() -> tuple:
    """What the set of known areas depends on besides the toolkit's own tables: the user's grouping files."""
    env = os.environ.get(geography.GROUPS_ENV, "")
    stamps = []
    for part in env.split(os.pathsep):
        try:
            stamps.append(Path(part.strip()).expanduser().stat().st_mtime_ns if part.strip() else None)
        except OSError:
            stamps.append(None)
    return env, tuple(stamps)


@functools.lru_cache(maxsize=8)
def _pack_names(_key: tuple) -> tuple[dict[tuple, str], dict[str, tuple]]:
    """The folder stem of every known area, and the area owning every folder name.

    Stems are keyed by ``(type, code, vintage)`` for LEPs (a LEP's code and name vary with the vintage) and
    ``(type, code, None)`` for other areas. A LEP keeps ``slug(name)``. Another area starts from its slug;
    one whose slug is a LEP's, another area's or a reserved name gets ``-<type>``, and if that still clashes,
    ``-<type>-<code>``. Every area is named from the full list at once, so the names do not depend on the
    order in which packs are built.
    """
    known = [geography.areas(vintage=v).assign(vintage=v) for v in geography.VINTAGES]
    known.append(geography.areas(type="lad").assign(vintage=None))
    leps: dict[tuple[str, int], str] = {}
    others: dict[tuple[str, str], str] = {}
    for df in known:
        for code, name, area_type, vintage in zip(df.area_code, df.area_name, df.area_type, df.vintage, strict=True):
            if area_type == "lep":
                leps[(code, vintage)] = _base(name, code)
            else:
                others.setdefault((area_type, code), _base(name, code))

    def stem(area: tuple[str, str]) -> str:
        base, (area_type, code) = others[area], area
        return (base, f"{base}-{area_type}", f"{base}-{area_type}-{_code_slug(code)}")[level[area]]

    lep_stems = set(leps.values())
    counts = collections.Counter(others.values())
    level = {a: int(b in lep_stems or b in _RESERVED or counts[b] > 1) for a, b in others.items()}
    while True:
        owners: dict[str, set[tuple]] = collections.defaultdict(set)
        for name in _RESERVED:
            owners[name].add(("reserved", name))
        for (code, vintage), s in leps.items():
            owners[s + _vintage_suffix("lep", vintage)].add(("lep", code))
        for area in others:
            vintages = geography.VINTAGES if area[0] in VINTAGE_TYPES else (None,)
            for v in vintages:
                owners[stem(area) + _vintage_suffix(area[0], v)].add(area)
        bump = {a for o in owners.values() if len(o) > 1 for a in o if a in others and level[a] < 2}
        if not bump:
            break
        for a in bump:
            level[a] += 1
    shared = {name: sorted(o) for name, o in owners.items() if len(o) > 1}
    if shared:  # two LEPs of one vintage with one slug: no rule here may rename a LEP's folder
        raise PackFolderError(f"areas share a pack folder name: {shared}; report this as a bug.")
    stems = {("lep", code, vintage): s for (code, vintage), s in leps.items()}
    stems.update({(t, code, None): stem((t, code)) for t, code in others})
    return stems, {name: next(iter(o)) for name, o in owners.items()}


def _pack_stem(area: geography.Area, vintage: int) -> str:
    """The name of an area's pack folder without its vintage suffix; also the stem of its HTML and workbook."""
    stems, owners = _pack_names(_registry_key())
    found = stems.get((area.type, area.code, vintage if area.type == "lep" else None))
    if found is not None:
        return found
    # not a listed area (a former district code, say): the code makes the name unique
    base = _base(area.name, area.code)
    found = base if area.type == "lep" else f"{base}-{area.type}-{_code_slug(area.code)}"
    owner = owners.get(found + _vintage_suffix(area.type, vintage))
    if owner is not None and owner != (area.type, area.code):
        raise PackFolderError(f"the pack folder name {found!r} of {area.name} ({area.code}, {area.type}) is "
                              f"already another area's ({owner[1]}, {owner[0]}); report this as a bug.")
    return found


def pack_name(area: geography.Area, vintage: int) -> str:
    """The name of an area's pack folder: never empty, and never another area's (see :func:`pack_folder`)."""
    return _pack_stem(area, vintage) + _vintage_suffix(area.type, vintage)


def pack_folder(area: geography.Area, vintage: int, out: Path) -> Path:
    """``out/<name>/``: the folder of an area's pack, unique to the area (and to the vintage for LEPs and groups).

    A LEP's folder is the slug of its name (``buckinghamshire-thames-valley``); any other area's is the slug of
    its name (of its code if the name has no ASCII letters or digits), with ``-<type>`` added when a LEP or
    another area has the same slug (``greater-manchester-ca``, ``buckinghamshire-lad``), and ``-<type>-<code>``
    if that still clashes. LEPs and groupings, whose members change with the vintage, get ``-2017`` or
    ``-2020`` at a vintage other than the default. Names are computed over every known area (all types, every
    vintage, the user's groupings included), so they do not depend on which packs were built before.

    Parameters
    ----------
    area : geography.Area
        The resolved area.
    vintage : int
        The LEP vintage of the pack.
    out : Path
        The output folder.

    Returns
    -------
    Path
        ``out / pack_name(area, vintage)``.

    Examples
    --------
    >>> pack_folder(geography.resolve("E47000001"), 2021, Path("reports")).as_posix()
    'reports/greater-manchester-ca'
    >>> pack_folder(geography.resolve("E37000015", vintage=2017), 2017, Path("reports")).as_posix()
    'reports/greater-manchester-2017'
    """
    return Path(out) / pack_name(area, vintage)


#: What every pack's notebooks import; a new kernel starts on it at once, and each area imports it again (free).
_TOOLKIT_IMPORTS = "import evidence.pack.notebook, evidence.pack.charts, evidence.pack.themes, evidence.timing"


class _Kernel:
    """A Python kernel kept warm between the packs one process builds (see :func:`_kernel`)."""

    def __init__(self, cwd: str, env: dict[str, str], timeout: int):
        from jupyter_client.manager import KernelManager

        self.key = _kernel_key(cwd, env)
        _sweep_kernel_folders()
        # Unix sockets in a private folder: no TCP port is opened, even on localhost. The name says which
        # process made it, so that a later build can remove it if that process was killed (SIGKILL).
        self.folder = tempfile.mkdtemp(prefix=f"{_KERNEL_PREFIX}{_host()}-{os.getpid()}-")
        self.km = KernelManager(kernel_name="python3", transport="ipc",
                                connection_file=os.path.join(self.folder, "kernel.json"),
                                ip=os.path.join(self.folder, "ipc"))
        self.kc = None
        try:
            self.km.start_kernel(env=env, cwd=cwd)
            self.kc = self.km.client()
            self.kc.start_channels()
            self.kc.wait_for_ready(timeout=120)
            # import the toolkit now, without waiting: the kernel does it while this process prepares the notebooks
            self.kc.execute(_TOOLKIT_IMPORTS, silent=True, store_history=False)
        except BaseException:
            self.close()
            raise

    def alive(self) -> bool:
        return self.km.is_alive()

    def close(self) -> None:
        """Stop the kernel (safe to call more than once)."""
        if self.kc is not None:
            self.kc.stop_channels()
            self.kc = None
        if self.km.has_kernel:
            self.km.shutdown_kernel(now=True)
        shutil.rmtree(self.folder, ignore_errors=True)


_KERNEL_PREFIX = "evidence-kernel-"
_KERNEL_FOLDER = re.compile(r"^evidence-kernel-(?P<host>[a-z0-9-]+)-(?P<pid>\d+)-[A-Za-z0-9_]+$")


def _sweep_kernel_folders(root: Path | None = None) -> list[Path]:
    """Remove the kernel folders (:class:`_Kernel`) that builds killed on this machine left in the temporary
    folder: only folders of ours (the name's pattern, this host, this user) whose process is gone. Return them.
    """
    root = Path(root or tempfile.gettempdir())
    removed = []
    try:
        candidates = list(root.glob(f"{_KERNEL_PREFIX}*"))
    except OSError:
        return removed
    for path in candidates:
        m = _KERNEL_FOLDER.match(path.name)
        if not m or m["host"] != _host() or int(m["pid"]) == os.getpid() or _alive(int(m["pid"])):
            continue
        try:
            st = path.lstat()
        except OSError:
            continue
        if path.is_symlink() or not path.is_dir() or st.st_uid != os.getuid():
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


_LOCAL = threading.local()  # one kernel per thread: a Dask worker may run several builds at once


def _kernel_key(cwd: str, env: dict[str, str]) -> tuple:
    return cwd, tuple(sorted(env.items()))


def _kernel(cwd: str, timeout: int) -> tuple[_Kernel, bool]:
    """This thread's warm kernel (a new one if the environment or folder changed); and whether it is new.

    Starting a kernel and importing pandas, matplotlib and the toolkit in it takes seconds, and the kernel's
    in-memory caches (datasets, LEP-wide results) serve every later area, so a process building many packs
    keeps one kernel. Each area starts from an empty namespace (``%reset``)."""
    env = {k: v for k, v in os.environ.items() if k != PACK_DIR_ENV}
    kernel = getattr(_LOCAL, "kernel", None)
    if kernel is not None and (kernel.key != _kernel_key(cwd, env) or not kernel.alive()):
        _close_kernel()
        kernel = None
    if kernel is None:
        kernel = _LOCAL.kernel = _Kernel(cwd, env, timeout)
        atexit.register(kernel.close)
        # pool workers leave through os._exit, which skips atexit but runs multiprocessing's finalizers
        multiprocessing.util.Finalize(kernel, kernel.close, exitpriority=10)
        return kernel, True
    return kernel, False


def _close_kernel() -> None:
    kernel = getattr(_LOCAL, "kernel", None)
    if kernel is not None:
        _LOCAL.kernel = None
        kernel.close()


def _renumber(nb) -> None:
    """Number a notebook's code cells 1, 2, ... (a shared kernel's counter runs on across notebooks and areas,
    which would make the same pack differ with the order areas were built in)."""
    n = 0
    for cell in nb.cells:
        if cell.cell_type != "code" or cell.get("execution_count") is None:
            continue
        n += 1
        cell.execution_count = n
        for out in cell.get("outputs", []):
            if "execution_count" in out:
                out["execution_count"] = n


def _parameterize(path: Path, params: dict):
    """The notebook at ``path`` with ``params`` injected by papermill.

    papermill gives the injected cell a random id; a fixed one keeps two builds of a pack byte-identical.
    """
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = parameterize_notebook(load_notebook_node(str(path)), params)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []) and "id" in cell:
            cell.id = "injected-parameters"
    return nb


@functools.cache
def _client_class():
    """nbclient's ``NotebookClient`` for a kernel and client that the builder owns (see :func:`_kernel`).

    nbclient's own setup would add asyncio handlers for SIGINT and SIGTERM while a notebook runs, which only
    clean up its kernel, and restore the default handlers when the notebook ends: the signals that stop a build
    would be lost, and :class:`_Interruptible` removed.
    """
    from contextlib import asynccontextmanager

    from nbclient import NotebookClient

    class Client(NotebookClient):
        @asynccontextmanager
        async def async_setup_kernel(self, **kwargs):
            yield

    return Client


def _run_notebooks(folder: Path, params: dict, notebooks: list[Path], *, timeout: int = 900,
                   timings: dict | None = None, failed_dir: Path | None = None,
                   chart_formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Inject ``params`` with papermill and execute every notebook in this process's kernel (kept warm across
    areas, see :func:`_kernel`); write each executed notebook to ``folder/notebooks`` (the kernel writes the
    tables and charts to ``folder`` too), and the executed copy of a notebook that fails to ``failed_dir``
    (default: beside the others).

    With ``timings``, add the seconds spent starting the kernel (0 when it was warm), preparing it for the area
    (importing the toolkit in a new kernel), and (from :mod:`evidence.timing` in the kernel) loading data,
    computing and charting."""
    t0 = time.perf_counter()
    kernel, new = _kernel(str(notebooks[0].parent), timeout)
    t1 = time.perf_counter()
    import nbformat
    from nbclient.exceptions import CellExecutionError

    out_dir = folder / "notebooks"
    out_dir.mkdir(parents=True, exist_ok=True)
    executed = []
    try:
        reply = kernel.kc.execute_interactive(
            f"%reset -f\nimport os\nos.environ[{PACK_DIR_ENV!r}] = {str(folder)!r}\n"
            f"os.environ[{CHART_FORMATS_ENV!r}] = {','.join(chart_formats)!r}\n{_TOOLKIT_IMPORTS}\n"
            "evidence.timing.reset()", silent=True, store_history=False, timeout=timeout,
            output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            raise EvidenceError(f"the notebook kernel could not be prepared for {params.get('area')}: "
                                f"{reply['content'].get('ename')}: {reply['content'].get('evalue')}")
        t2 = time.perf_counter()
        for path in notebooks:
            nb = _parameterize(path, params)
            client = _client_class()(nb, km=kernel.km, timeout=timeout, kernel_name="python3", allow_errors=False,
                                    record_timing=False)
            client.kc = kernel.kc
            target = out_dir / path.name
            try:
                client.execute()
            except CellExecutionError as exc:
                if failed_dir is not None:
                    failed_dir.mkdir(parents=True, exist_ok=True)
                    target = failed_dir / path.name
                nbformat.write(nb, target)
                last = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip().splitlines()[-1]
                raise EvidenceError(f"notebook {path.name} failed for {params.get('area')}: {last} "
                                    f"(executed copy: {target})") from exc
            _renumber(nb)
            nbformat.write(nb, target)
            executed.append(target)
        if timings is not None:
            run = time.perf_counter() - t2
            split = _kernel_value(kernel.kc, "__import__('evidence.timing').timing.totals()", timeout)
            timings.update(kernel_start=t1 - t0 if new else 0.0, imports=t2 - t1,
                           data_loading=split.get("data_loading", 0.0), charting=split.get("charting", 0.0))
            timings["computing"] = run - timings["data_loading"] - timings["charting"]
    except BaseException:
        _close_kernel()  # a failed area may leave the kernel in any state: the next area gets a new one
        raise
    return executed


def _kernel_value(kc, expression: str, timeout: int):
    """Evaluate a Python expression in the kernel and return its value (a literal)."""
    import ast

    reply = kc.execute_interactive("", user_expressions={"v": expression}, timeout=timeout, store_history=False,
                                   output_hook=lambda msg: None)
    value = reply["content"]["user_expressions"]["v"]
    if value.get("status") != "ok":
        raise EvidenceError(f"the kernel could not evaluate {expression}: {value.get('evalue')}")
    return ast.literal_eval(value["data"]["text/plain"])


def _tables(folder: Path) -> list[tuple[str, pd.DataFrame, dict]]:
    out = []
    for p in sorted((folder / "tables").glob("*.parquet")):
        df, meta = read_parquet(p)
        provenance.attach(df, meta.get("provenance", []))
        if meta.get("unit"):
            df.attrs["unit"] = meta["unit"]
        out.append((meta.get("key", p.stem), df, meta))
    return out


def _strings_as_text(ws) -> None:
    """Make every string cell of a sheet a string: openpyxl reads a value starting with "=" as a formula, and
    a user-supplied name (``=HYPERLINK(...)``) must never become one."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def write_excel(tables: list[tuple[str, pd.DataFrame, dict]], path: Path, *, summary: dict | None = None) -> None:
    """One formatted sheet per table (title, readable headers, frozen header, number formats by unit from
    :mod:`evidence.pack.formats`, source note) and a Sources sheet listing every release used. Every string is
    written as a string, never a formula.

    With ``summary`` (``{"area", "code", "type", "vintage", "built", "key_findings": [{"text", ...}]}``), a first
    sheet "Summary" lists the area, its type, the vintage, the build date and the key findings, one per row."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    used: set[str] = set()
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        if summary is not None:
            _summary_sheet(xl, summary)
            used.add("Summary")
        for key, df, meta in tables:
            sheet = key[:31]
            n = 2
            while sheet in used:
                sheet, n = f"{key[:28]}~{n}", n + 1
            used.add(sheet)
            shown, fmts = formats.present(df)
            shown.to_excel(xl, sheet_name=sheet, index=False, startrow=1)
            ws = xl.sheets[sheet]
            ws["A1"] = meta.get("title", key)
            ws["A1"].font = Font(bold=True)
            ws.freeze_panes = "A3"
            for i, col in enumerate(shown.columns, start=1):
                ws.column_dimensions[get_column_letter(i)].width = max(11, min(48, len(str(col)) + 3))
                if not pd.api.types.is_numeric_dtype(shown[col]) or pd.api.types.is_bool_dtype(shown[col]):
                    continue
                for (cell,), fmt in zip(ws.iter_rows(min_row=3, max_row=len(shown) + 2, min_col=i, max_col=i),
                                        fmts[col], strict=True):
                    cell.number_format = fmt.excel
            ws.cell(row=len(df) + 4, column=1, value=meta.get("note") or provenance.source_note(df))
            _strings_as_text(ws)
        rows = []
        for key, df, _ in tables:
            for r in provenance.records(df):
                rows.append({"table": key, "publisher": r.get("publisher"), "title": r.get("title"),
                             "release": r.get("release"), "release_date": r.get("release_date"),
                             "url": r.get("url"), "licence": r.get("licence"), "sha256": r.get("sha256")})
        src = pd.DataFrame(rows, columns=["table", "publisher", "title", "release", "release_date", "url", "licence",
                                          "sha256"])
        src.to_excel(xl, sheet_name="Sources", index=False)
        xl.sheets["Sources"].freeze_panes = "A2"
        _strings_as_text(xl.sheets["Sources"])


def _summary_sheet(xl, summary: dict) -> None:
    """The workbook's first sheet: what the pack is about, then its key findings, one per row."""
    from openpyxl.styles import Alignment, Font

    ws = xl.book.create_sheet("Summary", 0)
    xl.sheets["Summary"] = ws
    rows = [("Area", summary.get("area")), ("Code", summary.get("code")), ("Type", summary.get("type")),
            ("Vintage", summary.get("vintage")), ("Built", str(summary.get("built") or "")[:10])]
    ws["A1"] = "Local Industrial Strategy evidence: summary"
    ws["A1"].font = Font(bold=True)
    for i, (label, value) in enumerate(rows, start=3):
        ws.cell(row=i, column=1, value=label).font = Font(bold=True)
        ws.cell(row=i, column=2, value=value if isinstance(value, int) else str(value or ""))
    start = len(rows) + 4
    ws.cell(row=start, column=1, value="Key findings").font = Font(bold=True)
    for i, f in enumerate(summary.get("key_findings") or [], start=start + 1):
        ws.cell(row=i, column=1, value=i - start)
        cell = ws.cell(row=i, column=2, value=str(f["text"]))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["B"].width = 110
    _strings_as_text(ws)


def collect_omitted(folder: Path) -> list[dict]:
    """The sections the notebooks left out because they do not apply to the area (``ctx.not_applicable``,
    gathered in the pack's omitted file, which is then removed): ``[{"section", "reason"}]``, once each."""
    path = folder / OMITTED_FILE
    if not path.exists():
        return []
    found = json.loads(path.read_text())
    path.unlink()
    seen, out = set(), []
    for rec in found:
        if rec.get("section") not in seen:
            seen.add(rec.get("section"))
            out.append({"section": str(rec["section"]), "reason": str(rec.get("reason") or "")})
    return out


def drop_sections(executed: list[Path], sections: Sequence[str]) -> None:
    """Remove from the executed notebooks each section in ``sections``: its ``## heading`` Markdown cell and
    every cell after it up to the next heading, so a section that does not apply leaves no empty heading."""
    import nbformat

    wanted = {s.strip() for s in sections}
    if not wanted:
        return
    for p in executed:
        nb = nbformat.read(p, as_version=4)
        keep, dropping = [], False
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                m = re.match(r"^#{1,6}\s+(.*)", cell.source.lstrip())
                if m:
                    dropping = m.group(1).strip() in wanted
            if not dropping:
                keep.append(cell)
        if len(keep) != len(nb.cells):
            nb.cells = keep
            nbformat.write(nb, p)


def omitted_lines(omitted: Sequence[dict]) -> list[str]:
    """One line per section left out: ``"A family of strategies: <reason>"``."""
    return [f"{o['section']}: {o['reason']}" if o.get("reason") else str(o["section"]) for o in omitted]


def collect_caveats(folder: Path, area: geography.Area, vintage: int,
                    tables: list[tuple[str, pd.DataFrame, dict]]) -> list[str]:
    """Every caveat of a pack, once each, in order: the geography's (overlaps, mergers, boundary changes of
    the vintage), those the notebooks registered (``ctx.caveats``, gathered in the pack's caveats file, which
    is then removed), and those the tables carry (``attrs["caveats"]``: sector, scenario and comparator notes)."""
    found = list(geography.caveats(area, vintage=vintage))
    path = folder / CAVEATS_FILE
    if path.exists():
        found += json.loads(path.read_text())
        path.unlink()
    for _, df, meta in tables:
        found += list(meta.get("caveats") or []) + list(df.attrs.get("caveats") or [])
    return list(dict.fromkeys(str(c).strip() for c in found if c and str(c).strip()))


def write_html(executed: list[Path], path: Path, *, title: str, params: dict, sources: list[dict],
               caveats: list[str], key_findings: Sequence[dict] = (), omitted: Sequence[str] = (),
               embed_charts: bool = True, area_name: str | None = None, subtitle: str | None = None,
               no_findings: str | None = None) -> None:
    """Write the pack's HTML report (:func:`evidence.pack.htmlreport.render_report`): a header with the area and the
    build date, the key findings, the contents, the themes (outputs only: no code, prompts or stdout), and the
    appendix "Sources and method" (parameters, data releases, caveats, the ``omitted`` sections and why).

    ``key_findings`` items are ``{"text": str, "chart": str | None, "table": str, "topic": str}``, each linked
    to its chart (``#chart-<key>``). With ``embed_charts=False`` the charts are linked as ``charts/<key>.svg``
    (the static site; ``.png`` for a chart saved without an SVG) instead of embedded as data URIs.
    """
    from .htmlreport import render_report

    html = render_report(executed, title=title, params=params, sources=sources, caveats=caveats,
                         key_findings=key_findings, omitted=omitted, embed_charts=embed_charts,
                         area_name=area_name, subtitle=subtitle, folder=path.parent, no_findings=no_findings)
    path.write_text(html, encoding="utf-8")


# ----------------------------------------------------------------------------------------------- safe writing
_LOG = logging.getLogger(__name__)
_TEMP = re.compile(r"^\.(?P<name>[a-z0-9-]+)\.(?P<kind>building|old)-(?P<host>[a-z0-9-]+)-(?P<pid>\d+)-[0-9a-f]+$")


def _host() -> str:
    return slug(socket.gethostname())[:40] or "host"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _temp_path(out: Path, name: str, kind: str) -> Path:
    """``out/.<name>.<kind>-<host>-<pid>-<random>``: hidden, so never taken for a pack, and naming the process
    that made it, so that a later build can tell when it was left behind."""
    return out / f".{name}.{kind}-{_host()}-{os.getpid()}-{secrets.token_hex(6)}"


def _lock(out: Path, name: str, *, wait: bool = True):
    """Hold ``out/.<name>.lock`` (``flock``); return the open file, or None if ``wait`` is false and it is held.

    The lock file stays after the build: deleting it would let two builds hold different files of one name.
    """
    fh = open(out / f".{name}.lock", "a")  # noqa: SIM115 (held open until the build ends)
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                fh.close()
                return None
            _LOG.info("waiting for another build of %s to finish (lock: %s)", out / name, fh.name)
            fcntl.flock(fh, fcntl.LOCK_EX)
    except BaseException:
        fh.close()
        raise
    return fh


def _sweep(out: Path, held: str) -> None:
    """Clear what builds killed on this machine (SIGKILL, power cut) left in ``out``: their temporary folders.

    A folder is cleared only if its name is a builder's temporary name, its process is gone, and no build of
    that pack is running (``held`` is the pack whose lock the caller holds). An earlier pack set aside by a
    build killed between its two renames is put back if nothing replaced it.
    """
    host = _host()
    for path in sorted(out.iterdir()):
        m = _TEMP.match(path.name)
        if not m or m["host"] != host or _alive(int(m["pid"])) or path.is_symlink() or not path.is_dir():
            continue
        fh = None if m["name"] == held else _lock(out, m["name"], wait=False)
        if fh is None and m["name"] != held:
            continue
        try:
            target = out / m["name"]
            if m["kind"] == "old" and not target.exists() and not target.is_symlink():
                os.rename(path, target)
            else:
                shutil.rmtree(path)
        finally:
            if fh is not None:
                fh.close()


def _manifest(folder: Path) -> dict | None:
    try:
        manifest = json.loads((folder / "pack.json").read_text(encoding="utf-8"))
        area = manifest["area"]
        return {"code": area["code"], "name": area.get("name", area["code"]), "type": area["type"],
                "vintage": int(area.get("vintage", manifest["parameters"]["vintage"])),
                "files": manifest.get("files")}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _check_target(folder: Path, area: geography.Area, vintage: int) -> None:
    """Refuse to replace ``folder`` unless it is missing, empty, or this area's own pack and nothing else."""
    what = f"{area.name} ({area.code}, {area.type}, {vintage} geography)"
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise PackFolderError(f"{folder} is {'a symbolic link' if folder.is_symlink() else 'a file'}, not a pack "
                              f"folder; the pack of {what} cannot be written there. Move it away or build into "
                              "another folder (--out).")
    if not folder.exists() or not any(folder.iterdir()):
        return
    owner = _manifest(folder)
    if owner is None:
        raise PackFolderError(f"{folder} is not empty and is not an evidence pack (it has no readable pack.json), "
                              f"so the pack of {what} will not replace it. Move or delete that folder, or build "
                              "into another folder (--out).")
    same = owner["code"] == area.code and owner["type"] == area.type and (
        owner["vintage"] == vintage or area.type not in VINTAGE_TYPES)
    if not same:
        raise PackFolderError(f"{folder} holds the pack of {owner['name']} ({owner['code']}, {owner['type']}, "
                              f"{owner['vintage']} geography), so the pack of {what} will not replace it (it was "
                              "probably built by an earlier version that named folders differently). Move or "
                              "delete that folder, or build into another folder (--out).")
    if owner["files"] is not None:
        extra = sorted({p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir()}
                       - set(owner["files"]) - {"pack.json"})
        if extra:
            listed = ", ".join(extra[:5]) + (f" and {len(extra) - 5} more" if len(extra) > 5 else "")
            raise PackFolderError(f"{folder}, the pack of {what}, also holds files that no build wrote ({listed}); "
                                  "a new build would delete them. Move them out of the folder and build again.")


class _PackSlot:
    """Where a build writes: a temporary folder beside the pack's, swapped in by :meth:`commit`.

    Entering takes the pack's lock (waiting for another build of the same pack to finish), clears what killed
    builds left behind, checks that the pack's folder may be replaced and makes the temporary folder. Leaving
    without a commit deletes the temporary folder, so a failed or interrupted build changes nothing else.
    """

    def __init__(self, folder: Path, area: geography.Area, vintage: int):
        self.folder, self.area, self.vintage = folder, area, vintage
        self.tmp: Path | None = None
        self._lock = None

    def __enter__(self) -> _PackSlot:
        out, name = self.folder.parent, self.folder.name
        out.mkdir(parents=True, exist_ok=True)
        self._lock = _lock(out, name)
        try:
            _sweep(out, held=name)
            _check_target(self.folder, self.area, self.vintage)
            tmp = _temp_path(out, name, "building")
            tmp.mkdir()
            self.tmp = tmp
        except BaseException:
            self._lock.close()
            raise
        return self

    def commit(self) -> None:
        """Put the finished pack in place: set the earlier pack aside, rename the new one in, delete the earlier."""
        _check_target(self.folder, self.area, self.vintage)  # anything may have been put there during the build
        old = _temp_path(self.folder.parent, self.folder.name, "old")
        try:
            if self.folder.exists() and any(self.folder.iterdir()):
                os.rename(self.folder, old)
            os.rename(self.tmp, self.folder)  # also replaces an empty folder
        except BaseException:
            if old.exists() and not self.folder.exists():
                os.rename(old, self.folder)
            raise
        self.tmp = None
        if old.exists():
            shutil.rmtree(old)

    def __exit__(self, *exc) -> bool:
        try:
            if self.tmp is not None:
                shutil.rmtree(self.tmp, ignore_errors=True)
                self.tmp = None
        finally:
            self._lock.close()
        return False


class _Interruptible:
    """While a build runs in the main thread, SIGTERM and SIGINT raise :class:`BuildInterrupted`, so that the
    build removes its temporary folders and its kernel; then the signal gets what it would have had (the
    default action ends the process; Python's SIGINT handler raises KeyboardInterrupt).

    Nested uses and other threads (a Dask worker's) change nothing: signals are only for the main thread.
    """

    _active = False

    def __init__(self):
        self.previous: dict[int, object] = {}
        self.caught: int | None = None
        self.installed = False

    def _handle(self, signum, frame) -> None:
        if self.caught is not None:  # a second signal while cleaning up: let the cleanup finish
            return
        self.caught = signum
        raise BuildInterrupted(f"pack build interrupted by {signal.Signals(signum).name}")

    def __enter__(self) -> _Interruptible:
        if _Interruptible._active or threading.current_thread() is not threading.main_thread():
            return self
        for signum in (signal.SIGTERM, signal.SIGINT):
            handler = signal.getsignal(signum)
            if handler not in (signal.SIG_IGN, None):
                self.previous[signum] = handler
                signal.signal(signum, self._handle)
        self.installed = _Interruptible._active = True
        return self

    def __exit__(self, *exc) -> bool:
        if not self.installed:
            return False
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)
        _Interruptible._active = False
        if self.caught is None:
            return False
        _close_kernel()
        handler = self.previous[self.caught]
        if handler is signal.SIG_DFL:
            os.kill(os.getpid(), self.caught)
        elif callable(handler):
            handler(self.caught, None)
        return False


def _reset_signals() -> None:
    """A pool worker's initializer: the signal handling of a new process, not the forked builder's."""
    _Interruptible._active = False
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _out_folder(out: Path | str | None) -> Path:
    """The output folder (default ``reports/``); a clear error, before any work, when it is not a folder."""
    out = Path(out) if out is not None else config.reports_dir()
    if out.exists() and not out.is_dir():
        raise PackFolderError(f"--out {out} is a file, not a folder: give a folder for the packs (it is created if "
                              "it does not exist).")
    return out


#: The files of each chart by default: PNG (200 dpi) and SVG.
CHART_FORMATS = ("png", "svg")


def _chart_formats(formats: Sequence[str]) -> tuple[str, ...]:
    """``formats`` checked: PNG (200 dpi), SVG or both, nothing else."""
    chosen = tuple(dict.fromkeys(str(f).lower() for f in formats))
    if not chosen or not set(chosen) <= set(CHART_FORMATS):
        raise EvidenceError(f"chart formats {list(formats)} are not possible: give ('png', 'svg'), ('png',) or "
                            "('svg',).")
    return chosen


def _has_english_district(area: geography.Area, vintage: int) -> bool:
    return any(c.startswith("E") for c in geography.lad_codes(area, vintage=vintage, allow_partial=True))


def _chart_keys(folder: Path) -> set[str]:
    """The keys of the charts a pack saved, in whichever of the formats it wrote them."""
    return {p.stem for p in (folder / "charts").glob("*") if p.suffix in (".png", ".svg")}


def build_pack(area: str, *, vintage: int = geography.DEFAULT_VINTAGE, year: int | None = None,
               comparators: Sequence[str] = ("England", "UK"), out: Path | None = None,
               notebooks: Sequence[Path] | None = None, timings: dict | None = None,
               targets: Path | str | None = None, embed_charts: bool = True, pdf: bool = True,
               chart_formats: Sequence[str] = CHART_FORMATS) -> Path:
    """Build one area's pack and return its folder (:func:`pack_folder`).

    The HTML report embeds its charts (one self-contained file), or with ``embed_charts=False`` links them as
    ``charts/<key>.svg`` (the static site). With ``pdf`` (the default) the report is also printed to
    ``<name>.pdf`` by headless Chromium (:func:`evidence.pack.htmlreport.write_pdf`); without a Chromium the build
    still succeeds, and ``pack.json``'s ``"pdf"`` says why there is no PDF and how to make it.

    ``chart_formats`` are the files written for each chart: PNG (200 dpi) and SVG by default; ``("png",)``
    leaves out the SVGs (each one a second full draw of its chart); ``("svg",)`` leaves out the 200-dpi PNGs
    (the static site, whose reports link the SVGs).

    ``targets``, the path of a targets TOML (:func:`evidence.indicators.scorecard.read_targets`), is passed to
    the notebooks as the ``targets`` parameter: the scorecard and monitoring baseline show the distance to each.

    The pack is built in a temporary folder beside its own (``out/.<name>.building-...``) and renamed into
    place only when it is complete, so a build that fails or is killed leaves an earlier pack as it was. A build
    holds the pack's lock (``out/.<name>.lock``) from start to end: a second build of the same pack waits for
    the first to finish, then replaces its pack. On SIGTERM or SIGINT the build removes its temporary folder
    and its kernel before the signal takes effect.

    With ``timings`` (a dict), fill it with the seconds spent on each part of the build: ``kernel_start``,
    ``imports``, ``data_loading``, ``computing``, ``charting``, ``export`` (workbook, HTML and pack.json) and
    ``total``. ``benchmarks/run.py`` uses it.

    Raises
    ------
    PackFolderError
        The pack's folder holds another area's pack, files no build wrote, or is not a pack at all; nothing is
        written.
    """
    start = time.perf_counter()
    chart_formats = _chart_formats(chart_formats)
    a = geography.resolve(area, vintage=vintage)
    out = _out_folder(out)
    folder = pack_folder(a, vintage, out)
    stem = _pack_stem(a, vintage)
    with _Interruptible(), _PackSlot(folder, a, vintage) as slot:
        tmp = slot.tmp
        params = {"area": a.code, "vintage": vintage, "year": year or 2023, "comparators": list(comparators)}
        if targets:
            params["targets"] = str(Path(targets).resolve())
        executed = _run_notebooks(tmp, params, list(notebooks) if notebooks else theme_notebooks(), timings=timings,
                                  failed_dir=out / "logs" / f"{stem}-{vintage}", chart_formats=chart_formats)
        export_start = time.perf_counter()
        tables = _tables(tmp)
        sources = provenance.records([r for _, df, _ in tables for r in provenance.records(df)])
        caveats = collect_caveats(tmp, a, vintage, tables)
        omitted = collect_omitted(tmp)
        drop_sections(executed, [o["section"] for o in omitted])
        kind = areatypes.get(a.type)
        charts = _chart_keys(tmp)
        key_findings = findings.key_findings(tables, a, vintage, kind=kind, charts=charts)
        built = datetime.now(UTC).isoformat(timespec="seconds")
        title = f"Local Industrial Strategy evidence: {a.name} (" + \
            (f"{kind.label}, {vintage} geography)" if kind.by_vintage else f"{kind.label})")
        subtitle = f"{kind.label}, {vintage} geography" if kind.by_vintage else kind.label
        subtitle = subtitle[:1].upper() + subtitle[1:]
        write_html(executed, tmp / f"{stem}.html", title=title, params=params, sources=sources, caveats=caveats,
                   key_findings=key_findings, omitted=omitted_lines(omitted),
                   embed_charts=embed_charts, area_name=a.name, subtitle=f"{subtitle} ({a.code})",
                   no_findings=None if key_findings or _has_english_district(a, vintage) else
                   "They are computed from district figures that cover England only, and this area has no English "
                   "district; the themes below say, section by section, what is missing.")
        # Chromium prints the report (seconds, mostly its own processes) while this thread writes the workbook
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="evidence-pdf") as printer:
            printing = printer.submit(_print_pdf, tmp / f"{stem}.html", tmp / f"{stem}.pdf", pdf, timings)
            write_excel(tables, tmp / f"{stem}-evidence.xlsx",
                        summary={"area": a.name, "code": a.code, "type": kind.label, "vintage": vintage,
                                 "built": built, "key_findings": key_findings})
            pdf_state = printing.result()
        manifest = {
            "area": {"code": a.code, "name": a.name, "type": a.type, "vintage": vintage},
            "parameters": params,
            "toolkit_version": __version__,
            "built": built,
            "notebooks": [p.name for p in executed],
            "key_findings": key_findings,
            "omitted": omitted,
            "tables": [{"key": k, "title": m.get("title"), "rows": len(df)} for k, df, m in tables],
            "charts": sorted(_chart_keys(tmp)),
            "caveats": caveats,
            "sources": sources,
            # what a later build may delete when it replaces this pack
            "files": sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file()),
        }
        manifest["pdf"] = pdf_state
        manifest["headline"] = consistency.headline(tables, a.name)
        (tmp / "pack.json").write_text(json.dumps(manifest, indent=1, default=str) + "\n")
        consistency.check(tmp)
        slot.commit()
    if timings is not None:
        end = time.perf_counter()
        timings.update(export=end - export_start, total=end - start)
    return folder


def _print_pdf(html: Path, pdf: Path, wanted: bool, timings: dict | None) -> dict:
    """Print the report to PDF if asked and a Chromium is there; what ``pack.json`` records about it."""
    from .htmlreport import NO_PDF_HINT, PdfError, find_chromium, write_pdf

    if not wanted:
        return {"file": None, "reason": "not asked for (build_pack(pdf=False))"}
    if find_chromium() is None:
        return {"file": None, "reason": NO_PDF_HINT}
    try:
        seconds = write_pdf(html, pdf)
    except PdfError as exc:  # the rest of the pack is good: say why there is no PDF rather than fail the build
        _LOG.warning("%s", exc)
        return {"file": None, "reason": str(exc)}
    if timings is not None:
        timings["pdf"] = seconds
    return {"file": pdf.name}


def _summary(exc: BaseException) -> str:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}"


def _log_stem(area: str, vintage: int) -> str:
    """``<pack stem>-<vintage>``, unique to an area, its type and the vintage; ``unresolved-<query>-<vintage>``
    for a name or code that does not resolve."""
    try:
        return f"{_pack_stem(geography.resolve(area, vintage=vintage), vintage)}-{vintage}"
    except EvidenceError:
        text = str(area)
        return f"unresolved-{slug(text)[:_MAX_SLUG].strip('-') or hashlib.sha1(text.encode()).hexdigest()[:10]}" \
               f"-{vintage}"


def _log_failure(out: Path, area: str, vintage: int, trace: str, summary: str) -> str:
    """Write a failed area's traceback to ``out/logs/<area>-<vintage>.log`` (see :func:`_log_stem`); return the
    summary naming the log."""
    stem = _log_stem(area, vintage)
    short = f"area-{hashlib.sha1(str(area).encode()).hexdigest()[:10]}-{vintage}"
    error = None
    for name in dict.fromkeys((stem, short)):  # the short name if the file system refuses the long one
        log = out / "logs" / f"{name}.log"
        try:
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text(trace, encoding="utf-8")
            return f"{summary} (log: {log})"
        except OSError as exc:  # a failure log must never stop the batch or hide the failure it reports
            error = exc
    _LOG.warning("could not write the failure log of %s in %s: %s", area, out / "logs", error)
    return f"{summary} (no log: {out / 'logs'} could not be written: {error.strerror or error})"


def _build_one(area: str, vintage: int, out: Path, year: int | None,
               notebooks: Sequence[Path] | None = None, targets: str | None = None, embed_charts: bool = True,
               chart_formats: Sequence[str] = CHART_FORMATS) -> tuple[str, Path | None, str | None]:
    try:
        return area, build_pack(area, vintage=vintage, out=out, year=year, notebooks=notebooks,
                                targets=targets, embed_charts=embed_charts, chart_formats=chart_formats), None
    except Exception as exc:  # one failing area must not stop the others; its traceback goes to its log
        return area, None, _log_failure(out, area, vintage, traceback.format_exc(), _summary(exc))


@dataclass(frozen=True)
class ShippedPack:
    """A pack built on another machine, sent back to the client as file contents.

    Attributes
    ----------
    area : str
        The area as it was asked for.
    files : dict of str to bytes
        Every file written, by its path relative to the output folder: the pack's (``<name>/pack.json``, ...)
        if it was built, and what the build wrote to ``logs/`` (the executed copy of a failing notebook).
    error : str or None
        ``"ErrorType: first line of the message"`` if the build failed.
    trace : str or None
        The failure's traceback.
    root : str
        The worker's temporary output folder, which the client replaces by its own in ``error`` and ``trace``.
    """

    area: str
    files: dict[str, bytes]
    error: str | None = None
    trace: str | None = None
    root: str = ""


def _notebook_for_shipping(path: Path) -> bytes:
    """The notebook without the outputs that executing it replaces (every non-empty code cell's), which are
    most of its size."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "".join(cell.get("source", "")).strip():
            cell["outputs"] = []
    return json.dumps(nb).encode()


def build_shipped(area: str, vintage: int, year: int | None, notebooks: dict[str, bytes],
                  targets: str | None = None, embed_charts: bool = True,
                  chart_formats: Sequence[str] = CHART_FORMATS) -> ShippedPack:
    """Build one area's pack in a temporary folder and return its files: the task that runs on an executor's
    workers, which need not share a filesystem with the client.

    Parameters
    ----------
    area : str
        A name, code or abbreviation.
    vintage, year : int
        As for :func:`build_pack`.
    notebooks : dict of str to bytes
        The theme notebooks by file name, sent by the client so that every worker runs the same ones.
    targets : str, optional
        The text of a targets TOML, sent by the client (the worker may not see the client's files).
    embed_charts, chart_formats
        As for :func:`build_pack`.

    Returns
    -------
    ShippedPack
        The files, or the error and traceback (a failure is returned, never raised).
    """
    with tempfile.TemporaryDirectory(prefix="evidence-pack-") as tmp:
        source, out = Path(tmp) / "notebooks", Path(tmp) / "out"
        source.mkdir()
        paths = []
        for name, content in sorted(notebooks.items()):
            (source / name).write_bytes(content)
            paths.append(source / name)
        targets_path = None
        if targets is not None:
            targets_path = Path(tmp) / "targets.toml"
            targets_path.write_text(targets, encoding="utf-8")
        error = trace = folder = None
        try:
            folder = build_pack(area, vintage=vintage, out=out, year=year, notebooks=paths, targets=targets_path,
                                embed_charts=embed_charts, chart_formats=chart_formats)
        except Exception as exc:  # sent back to the client, which logs it like a local failure
            error, trace = _summary(exc), traceback.format_exc()
        files = {p.relative_to(out).as_posix(): p.read_bytes()
                 for root in [out / "logs", *([folder] if folder else [])] for p in sorted(root.rglob("*"))
                 if p.is_file()}
        return ShippedPack(area=area, files=files, error=error, trace=trace, root=str(out))


def _receive(pack: ShippedPack, out: Path, vintage: int) -> str | None:
    """Write a shipped pack under ``out`` as a local build would: its ``logs/`` files, and its pack through a
    temporary folder swapped in under the pack's lock, only if no other area's pack is there (the folder is
    named here, by :func:`pack_folder`, whatever the worker called it). Log its failure as a local build would.
    Return the error summary or None.

    Raises
    ------
    EvidenceError
        The worker sent back files outside one pack folder and ``logs/``.
    PackFolderError
        The pack's folder here holds another area's pack or is not a pack.
    """
    logs, files, folders = {}, {}, set()
    for rel, content in pack.files.items():
        parts = PurePosixPath(rel).parts
        if PurePosixPath(rel).is_absolute() or ".." in parts or len(parts) < 2:
            raise EvidenceError(f"a worker sent back a file outside its pack folder: {rel!r}")
        if parts[0] == "logs":
            logs[parts] = content
        else:
            files[parts[1:]] = content
            folders.add(parts[0])
    if len(folders) > 1:
        raise EvidenceError(f"a worker sent back the files of several pack folders for {pack.area}: {sorted(folders)}")
    for parts, content in logs.items():
        path = out.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    if pack.error is None:
        try:
            area = json.loads(files[("pack.json",)])["area"]
            a = geography.Area(area["code"], area["name"], area["type"])
        except (KeyError, ValueError, TypeError) as exc:
            raise EvidenceError(f"a worker sent back a pack for {pack.area} without a valid pack.json") from exc
        with _PackSlot(pack_folder(a, vintage, out), a, vintage) as slot:
            for parts, content in files.items():
                path = slot.tmp.joinpath(*parts)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
            slot.commit()
        return None
    here = str(out)
    return _log_failure(out, pack.area, vintage, (pack.trace or "").replace(pack.root, here),
                        pack.error.replace(pack.root, here))


def build_many(areas: Sequence[str], *, vintage: int = geography.DEFAULT_VINTAGE, out: Path | None = None,
               jobs: int = 1, year: int | None = None, progress: bool = True, executor: Executor | None = None,
               notebooks: Sequence[Path] | None = None, targets: Path | str | None = None,
               embed_charts: bool = True, chart_formats: Sequence[str] = CHART_FORMATS) -> dict[str, str | None]:
    """Build packs for many areas in parallel; a failing area is logged and does not stop the others.

    Every pack is written as :func:`build_pack` writes it (a temporary folder swapped in, under the pack's
    lock, never over another area's pack). On SIGTERM or SIGINT the builds in progress remove their temporary
    folders and kernels (local worker processes are stopped), then the signal takes effect.

    Parameters
    ----------
    areas : sequence of str
        Names, codes or abbreviations.
    vintage, year : int
        As for :func:`build_pack`.
    out : Path, optional
        The output folder (default ``reports/``); failures are logged in ``out/logs/``.
    jobs : int
        Local processes when no executor is given (1: build in this process).
    progress : bool
        Show a progress bar.
    executor : concurrent.futures.Executor, optional
        Runs the builds instead of local processes, e.g. a Dask cluster's (:func:`evidence.pack.cluster.dask_executor`).
        Its workers may be other machines: each builds in a temporary folder and sends the files back, and they
        are written under ``out`` here. The notebooks are sent too; the data and the toolkit must be there.
    notebooks : sequence of Path, optional
        The theme notebooks to run (default: all of :func:`theme_notebooks`).
    targets : Path or str, optional
        A targets TOML for every pack's scorecard (see :func:`build_pack`).
    embed_charts : bool
        As for :func:`build_pack` (a site passes False: its reports link their chart files).
    chart_formats : sequence of str
        As for :func:`build_pack` (the static site passes ``("svg",)``).

    Returns
    -------
    dict of str to str or None
        For each area, None if its pack was built, else the error with the path of its log.
    """
    out = _out_folder(out)
    chart_formats = _chart_formats(chart_formats)
    targets = str(Path(targets).resolve()) if targets else None
    bar = partial(tqdm, desc="packs", unit="area", disable=not progress)
    results: dict[str, str | None] = {}
    with _Interruptible():
        if executor is not None:
            shipped = {p.name: _notebook_for_shipping(p) for p in (notebooks or theme_notebooks())}
            text = Path(targets).read_text(encoding="utf-8") if targets else None
            futs = {executor.submit(build_shipped, a, vintage, year, shipped, text, embed_charts,
                                    chart_formats): a for a in areas}
            try:
                for fut in bar(as_completed(futs), total=len(futs)):
                    a = futs.pop(fut)  # drop the future as soon as its files are written: packs are megabytes each
                    try:
                        results[a] = _receive(fut.result(), out, vintage)
                    except Exception as exc:  # the executor lost the task (a worker died), or the files were refused
                        results[a] = _log_failure(out, a, vintage, traceback.format_exc(), _summary(exc))
            except BaseException:
                for fut in futs:
                    fut.cancel()
                raise
            return results
        if jobs <= 1:
            for a in bar(areas):
                results[a] = _build_one(a, vintage, out, year, notebooks, targets, embed_charts, chart_formats)[2]
            return results
        pool = ProcessPoolExecutor(max_workers=jobs, initializer=_reset_signals)
        try:
            futs = {pool.submit(_build_one, a, vintage, out, year, notebooks, targets, embed_charts,
                                chart_formats): a
                    for a in areas}
            for fut in bar(as_completed(futs), total=len(futs)):
                a, _, err = fut.result()
                results[a] = err
        except BaseException:
            # each worker's build removes its temporary folder and kernel on SIGTERM (pool._processes: no public way)
            for process in list((pool._processes or {}).values()):
                process.terminate()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown()
    return results
