"""Evidence packs: everything a LEP board receives for one area, written to ``reports/<area-slug>/``.

``build_pack`` runs every theme notebook in ``notebooks/`` with papermill for the area and assembles:

- ``notebooks/``: the executed notebooks;
- ``<slug>.html``: one self-contained HTML report (code hidden, a table of contents, the parameters and data
  releases listed at the top), made with nbconvert;
- ``charts/``: every chart as PNG (200 dpi) and SVG;
- ``<slug>-evidence.xlsx``: one formatted sheet per table (units in headers, frozen header row, number
  formats) plus a Sources sheet, written with openpyxl;
- ``pack.json``: the parameters, the tables and charts, the caveats and every data release used.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import traceback
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from . import __version__, config, geography, provenance
from .errors import EvidenceError
from .notebook import PACK_DIR_ENV
from .sources.base import read_parquet

NOTEBOOKS_ENV = "EVIDENCE_NOTEBOOKS"


def slug(text: str) -> str:
    """A folder name for an area: ``"Buckinghamshire Thames Valley"`` -> ``buckinghamshire-thames-valley``."""
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


def pack_folder(area: geography.Area, vintage: int, out: Path) -> Path:
    """``reports/<area-slug>/``; packs of a non-default vintage get the vintage as a suffix."""
    name = slug(area.name) + ("" if vintage == geography.DEFAULT_VINTAGE else f"-{vintage}")
    return out / name


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


def _run_notebooks(folder: Path, params: dict, notebooks: list[Path], *, timeout: int = 900) -> list[Path]:
    """Inject ``params`` with papermill and execute every notebook in ONE kernel (started once per area, which
    is most of the cost of a notebook run); write each executed notebook to ``folder/notebooks``."""
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    out_dir = folder / "notebooks"
    out_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, PACK_DIR_ENV: str(folder)}
    km = KernelManager(kernel_name="python3")
    km.start_kernel(env=env, cwd=str(notebooks[0].parent))
    kc = km.client()
    kc.start_channels()
    executed = []
    try:
        kc.wait_for_ready(timeout=120)
        for path in notebooks:
            nb = _parameterize(path, params)
            client = NotebookClient(nb, km=km, timeout=timeout, kernel_name="python3", allow_errors=False)
            client.kc = kc
            target = out_dir / path.name
            try:
                client.execute()
            except CellExecutionError as exc:
                nbformat.write(nb, target)
                last = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip().splitlines()[-1]
                raise EvidenceError(f"notebook {path.name} failed for {params.get('area')}: {last} "
                                    f"(executed copy: {target})") from exc
            nbformat.write(nb, target)
            executed.append(target)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return executed


def _tables(folder: Path) -> list[tuple[str, pd.DataFrame, dict]]:
    out = []
    for p in sorted((folder / "tables").glob("*.parquet")):
        df, meta = read_parquet(p)
        provenance.attach(df, meta.get("provenance", []))
        out.append((meta.get("key", p.stem), df, meta))
    return out


def write_excel(tables: list[tuple[str, pd.DataFrame, dict]], path: Path) -> None:
    """One formatted sheet per table (title, units in headers, frozen header, number formats, source note)
    and a Sources sheet listing every release used."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    used: set[str] = set()
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for key, df, meta in tables:
            sheet = key[:31]
            n = 2
            while sheet in used:
                sheet, n = f"{key[:28]}~{n}", n + 1
            used.add(sheet)
            df.to_excel(xl, sheet_name=sheet, index=False, startrow=1)
            ws = xl.sheets[sheet]
            ws["A1"] = meta.get("title", key)
            ws["A1"].font = Font(bold=True)
            ws.freeze_panes = "A3"
            for i, col in enumerate(df.columns, start=1):
                ws.column_dimensions[get_column_letter(i)].width = max(11, min(48, len(str(col)) + 3))
                fmt = None
                if pd.api.types.is_float_dtype(df[col]):
                    fmt = "0.0%" if "share" in str(col).lower() and df[col].abs().max() <= 1 else "#,##0.0"
                elif pd.api.types.is_integer_dtype(df[col]) and "year" not in str(col).lower():
                    fmt = "#,##0"
                if fmt:
                    for (cell,) in ws.iter_rows(min_row=3, max_row=len(df) + 2, min_col=i, max_col=i):
                        cell.number_format = fmt
            ws.cell(row=len(df) + 4, column=1, value=meta.get("note") or provenance.source_note(df))
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


def _anchor(text: str) -> str:
    return re.sub(r"\s+", "-", re.sub(r"[^\w\s-]", "", text).strip())


def write_html(executed: list[Path], path: Path, *, title: str, params: dict, sources: list[dict],
               caveats: list[str]) -> None:
    """Merge the executed notebooks into one self-contained HTML report: code hidden, a table of contents,
    the parameters and data releases at the top."""
    import nbformat
    from nbconvert import HTMLExporter

    cells, toc = [], []
    for p in executed:
        nb = nbformat.read(p, as_version=4)
        for cell in nb.cells:
            if "parameters" in cell.metadata.get("tags", []) or "injected-parameters" in cell.metadata.get("tags", []):
                continue
            if cell.cell_type == "markdown":
                for line in cell.source.splitlines():
                    m = re.match(r"^(#{1,2})\s+(.*)", line)
                    if m:
                        toc.append((len(m.group(1)), m.group(2).strip()))
            cells.append(cell)
    head = [f"# {title}", "", "**Parameters:** " + "; ".join(f"{k} = `{v}`" for k, v in params.items()), "",
            f"Built with LIS Evidence {__version__} on {datetime.now(UTC).date().isoformat()}.", "",
            "## Contents", ""]
    head += [f"{'  ' * (lvl - 1)}- [{t}](#{_anchor(t)})" for lvl, t in toc]
    head += ["", "## Data releases used", ""]
    head += [f"- {s.get('publisher')}: {s.get('title')} — {s.get('release')}"
             + (f" (sha256 `{s['sha256'][:12]}…`)" if s.get("sha256") else "") for s in sources]
    if caveats:
        head += ["", "## Caveats", ""] + [f"- {c}" for c in caveats]
    header = nbformat.v4.new_markdown_cell("\n".join(head), id="pack-header")  # not a random id: reproducible
    report = nbformat.v4.new_notebook(cells=[header, *cells])
    report.metadata["title"] = title
    exporter = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(report)
    path.write_text(body, encoding="utf-8")


def build_pack(area: str, *, vintage: int = geography.DEFAULT_VINTAGE, year: int | None = None,
               comparators: Sequence[str] = ("England", "UK"), out: Path | None = None,
               notebooks: Sequence[Path] | None = None) -> Path:
    """Build one area's pack and return its folder."""
    a = geography.resolve(area, vintage=vintage)
    folder = pack_folder(a, vintage, out or config.reports_dir())
    for sub in ("charts", "tables", "notebooks"):
        shutil.rmtree(folder / sub, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    params = {"area": a.code, "vintage": vintage, "year": year or 2023, "comparators": list(comparators)}
    executed = _run_notebooks(folder, params, list(notebooks) if notebooks else theme_notebooks())
    tables = _tables(folder)
    sources = provenance.records([r for _, df, _ in tables for r in provenance.records(df)])
    caveats = geography.caveats(a, vintage=vintage)
    name = slug(a.name)
    write_excel(tables, folder / f"{name}-evidence.xlsx")
    title = f"Local Industrial Strategy evidence: {a.name} ({vintage} geography)"
    write_html(executed, folder / f"{name}.html", title=title, params=params, sources=sources, caveats=caveats)
    manifest = {
        "area": {"code": a.code, "name": a.name, "type": a.type},
        "parameters": params,
        "toolkit_version": __version__,
        "built": datetime.now(UTC).isoformat(timespec="seconds"),
        "notebooks": [p.name for p in executed],
        "tables": [{"key": k, "title": m.get("title"), "rows": len(df)} for k, df, m in tables],
        "charts": sorted(p.stem for p in (folder / "charts").glob("*.png")),
        "caveats": caveats,
        "sources": sources,
    }
    (folder / "pack.json").write_text(json.dumps(manifest, indent=1, default=str) + "\n")
    return folder


def _build_one(area: str, vintage: int, out: Path, year: int | None) -> tuple[str, Path | None, str | None]:
    try:
        return area, build_pack(area, vintage=vintage, out=out, year=year), None
    except Exception as exc:  # one failing area must not stop the others; its traceback goes to its log
        log = out / "logs" / f"{slug(area)}-{vintage}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(traceback.format_exc())
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return area, None, f"{type(exc).__name__}: {first} (log: {log})"


def build_many(areas: Sequence[str], *, vintage: int = geography.DEFAULT_VINTAGE, out: Path | None = None,
               jobs: int = 1, year: int | None = None, progress: bool = True) -> dict[str, str | None]:
    """Build packs for many areas in parallel; return {area: error or None}. Failures do not stop the others."""
    out = out or config.reports_dir()
    results: dict[str, str | None] = {}
    if jobs <= 1:
        for a in tqdm(areas, desc="packs", unit="area", disable=not progress):
            results[a] = _build_one(a, vintage, out, year)[2]
        return results
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futs = {pool.submit(_build_one, a, vintage, out, year): a for a in areas}
        for fut in tqdm(as_completed(futs), total=len(futs), desc="packs", unit="area", disable=not progress):
            a, _, err = fut.result()
            results[a] = err
    return results
