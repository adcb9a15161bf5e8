"""The pack's HTML report and its PDF: the executed notebooks' outputs laid out by a Jinja template.

Page order: a header (the area's name, its type and the build date), "Key findings", the contents (a side
column that stays in view on wide screens, a block above the themes on narrow ones), the themes, and an
appendix "Sources and method" (parameters, data releases with sha256 prefixes, caveats, sections left out).
The template is ``report_templates/report.html.j2``, its stylesheet ``report_templates/report.css`` (screen
and print).

Only the notebooks' outputs are shown: no code, no prompts, no stdout or stderr. Markdown is rendered by
nbconvert's Markdown filter; tables are the Styler HTML the notebooks displayed, each given a ``<caption>``
(its title) and put in a box that scrolls sideways; each chart is a ``<figure id="chart-<key>">``.

Accessibility checks that run (``tests/test_report_html.py`` on the page, ``tests/test_report_browser.py`` in
headless Chromium):

- ``lang`` on ``<html>``;
- headings in order: one ``h1`` (the area), themes at ``h2``, their sections at ``h3``, no level skipped;
- non-empty alt text on every image (the chart's title or finding; a chart without one gets its section's
  heading);
- a caption on every table;
- WCAG 2.1 contrast of every text colour of the stylesheet against its background, at least 4.5:1
  (:data:`TEXT_COLOURS`, :func:`contrast_ratio`);
- no horizontal overflow of the page at 1280 and 800 px (browser test).

The PDF (:func:`write_pdf`) is printed by headless Chromium from the local HTML file with the print
stylesheet: A4, page numbers in the bottom margin (CSS margin boxes), no chart or table split across pages,
headings kept with what follows.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from .. import __version__
from ..errors import EvidenceError

TEMPLATES = Path(__file__).parent / "report_templates"
#: An environment variable naming the Chromium (or Chrome) binary that prints the PDF (empty: none).
CHROMIUM_ENV = "EVIDENCE_CHROMIUM"
_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

#: The stylesheet's text colours and the backgrounds they are drawn on: ``(name, foreground, background)``.
TEXT_COLOURS = (
    ("body text", "#1b1f24", "#ffffff"),
    ("muted text (notes, sources, dates)", "#4f5863", "#ffffff"),
    ("links", "#0b57a4", "#ffffff"),
    ("header text", "#ffffff", "#123a5e"),
    ("header subtitle", "#d6e4f0", "#123a5e"),
    ("key findings text", "#1b1f24", "#eef4fa"),
    ("key findings links", "#0b57a4", "#eef4fa"),
    ("contents links", "#0b57a4", "#f6f8fa"),
    ("table header", "#1b1f24", "#eef1f4"),
)


class PdfError(EvidenceError):
    """Chromium was not found, or could not print the report to PDF."""


# ----------------------------------------------------------------------------------------------- contrast
def _luminance(colour: str) -> float:
    rgb = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.1 contrast ratio of two ``#rrggbb`` colours.

    .. math:: (L_1 + 0.05) / (L_2 + 0.05)

    where :math:`L_1 \\ge L_2` are the relative luminances (sRGB channels linearised, weighted
    0.2126 R + 0.7152 G + 0.0722 B). WCAG AA asks at least 4.5 for body text.

    Examples
    --------
    >>> round(contrast_ratio("#000000", "#ffffff"), 1)
    21.0
    >>> round(contrast_ratio("#777777", "#ffffff"), 2)
    4.48
    """
    a, b = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


# ----------------------------------------------------------------------------------------------- the blocks
def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "section"


class _Ids:
    """Unique ``id`` attributes for a page."""

    def __init__(self, taken=()):
        self.taken = set(taken)

    def __call__(self, text: str) -> str:
        base = _slug(text)
        found, n = base, 2
        while found in self.taken:
            found, n = f"{base}-{n}", n + 1
        self.taken.add(found)
        return found


def _markdown(text: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(text)


_TITLE = re.compile(r"^\*\*(?!\*)(.+)\*\*$", re.S)  # a table's title: one bold line
_NOTE = re.compile(r"^\*(?!\*)(.+)\*$", re.S)       # a source note or method note: one italic line


def _text(out, kind: str) -> str:
    value = out.get("data", {}).get(kind, "")
    return "".join(value) if isinstance(value, list) else str(value)


def _blocks(executed: Sequence[Path], *, embed_charts: bool, chart_dir: str = "charts",
            folder: Path | None = None) -> list[dict]:
    """Every shown output of the notebooks, in order, as blocks: markdown cells, markdown outputs, tables and
    charts. Streams and errors are dropped; the same markdown output repeated (each notebook's paragraph on
    the area) is shown once."""
    import nbformat

    blocks: list[dict] = []
    seen_md: set[str] = set()
    for path in executed:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            tags = cell.metadata.get("tags", [])
            if "parameters" in tags or "injected-parameters" in tags:
                continue
            if cell.cell_type == "markdown":
                blocks.append({"kind": "markdown", "source": cell.source})
                continue
            if cell.cell_type != "code":
                continue
            for out in cell.get("outputs", []):
                if out.get("output_type") not in ("display_data", "execute_result"):
                    continue  # stdout, stderr and errors are never part of the report
                data = out.get("data", {})
                if "image/png" in data:
                    meta = (out.get("metadata", {}) or {}).get("image/png") or {}
                    key = meta.get("key")
                    # linked only where the file is beside the report: a chart never saved stays embedded; the
                    # SVG where there is one (vector: sharp at any zoom, and a far smaller PDF than the PNG's)
                    linked = key and not embed_charts and (
                        folder is None or (folder / chart_dir / f"{key}.png").is_file()
                        or (folder / chart_dir / f"{key}.svg").is_file())
                    ext = "svg" if folder is not None and (folder / chart_dir / f"{key}.svg").is_file() else "png"
                    src = f"{chart_dir}/{key}.{ext}" if linked else \
                        "data:image/png;base64," + _text(out, "image/png").replace("\n", "")
                    blocks.append({"kind": "chart", "key": key, "alt": str(meta.get("alt") or "").strip(),
                                   "src": src})
                elif "text/html" in data:
                    blocks.append({"kind": "table", "html": _text(out, "text/html")})
                elif "text/markdown" in data:
                    md = _text(out, "text/markdown").strip()
                    if md and md not in seen_md:
                        seen_md.add(md)
                        blocks.append({"kind": "output", "source": md})
    return blocks


def _render(blocks: list[dict], ids: _Ids) -> tuple[list[dict], list[tuple[int, str, str]]]:
    """The HTML of each block, and the contents as ``(level, text, id)``. Headings move one level down (a
    notebook's ``#`` becomes ``h2``, under the page's ``h1``) and never skip a level; a table's bold title
    becomes its caption and the italic note after it its figure caption."""
    from bs4 import BeautifulSoup

    toc: list[tuple[int, str, str]] = []
    html: list[dict] = []
    last_level, section, i = 1, "", 0
    while i < len(blocks):
        b = blocks[i]
        if b["kind"] == "markdown":
            soup = BeautifulSoup(_markdown(b["source"]), "html.parser")
            for a in soup.select("a.anchor-link"):
                a.decompose()
            for h in soup.find_all(re.compile(r"^h[1-6]$")):
                level = min(6, int(h.name[1]) + 1, last_level + 1)
                h.name = f"h{level}"
                section = h.get_text(" ", strip=True)
                h["id"] = ids(section)
                last_level = level
                if level <= 3:
                    toc.append((level, section, h["id"]))
            html.append({"kind": "markdown", "html": str(soup)})
        elif b["kind"] == "output":
            title = _TITLE.match(b["source"])
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            if title and nxt is not None and nxt["kind"] == "table":
                after = blocks[i + 2] if i + 2 < len(blocks) else None
                note = _markdown(after["source"]) if after is not None and after["kind"] == "output" and \
                    _NOTE.match(after["source"]) else None
                html.append(_table(nxt["html"], caption=_markdown(title.group(1)), note=note, ids=ids))
                i += 3 if note is not None else 2
                continue
            css = "note" if _NOTE.match(b["source"]) else "prose"
            html.append({"kind": "output", "html": _markdown(b["source"]), "css": css})
        elif b["kind"] == "table":
            html.append(_table(b["html"], caption=None, note=None, ids=ids, fallback=section))
        elif b["kind"] == "chart":
            anchor = f"chart-{_slug(b['key'])}" if b.get("key") else ids("chart")
            if anchor in ids.taken and b.get("key"):
                anchor = ids(anchor)
            ids.taken.add(anchor)
            alt = b["alt"] or (f"Chart: {section}" if section else "Chart")
            html.append({"kind": "chart", "id": anchor, "src": b["src"], "alt": alt})
        i += 1
    return html, toc


def _table(table_html: str, *, caption: str | None, note: str | None, ids: _Ids, fallback: str = "") -> dict:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(table_html, "html.parser")
    table = soup.find("table")
    label = ""
    anchor = None
    if table is not None:
        # A table the notebook captioned (``ctx.table``'s title, naming the area) keeps its own caption: a table
        # may have only one.
        cap = table.find("caption")
        if cap is None:
            cap = soup.new_tag("caption")
            if caption:
                cap.append(BeautifulSoup(re.sub(r"^\s*<p>|</p>\s*$", "", caption), "html.parser"))
            else:
                cap.string = fallback or "Table"
            table.insert(0, cap)
        label = cap.get_text(" ", strip=True)
        tid = str(table.get("id", ""))
        if tid.startswith("T_"):
            anchor = ids(f"table-{tid[2:]}")
    return {"kind": "table", "html": str(soup), "note": note, "id": anchor or ids("table"), "label": label}


def _finding_items(key_findings: Sequence[dict], anchors: set[str]) -> list[dict]:
    items = []
    for f in key_findings:
        chart, table = f.get("chart"), f.get("table")
        href = what = None
        if chart and f"chart-{_slug(chart)}" in anchors:
            href, what = f"#chart-{_slug(chart)}", "the chart"
        elif table and f"table-{_slug(table)}" in anchors:
            href, what = f"#table-{_slug(table)}", "the table"
        topic = str(f.get("topic") or "")
        items.append({"text": str(f.get("text", "")), "topic": topic[:1].upper() + topic[1:], "href": href,
                      "what": what})
    return items


def _release(s: dict) -> dict:
    sha = s.get("sha256")
    return {"publisher": s.get("publisher") or "", "title": s.get("title") or "", "release": s.get("release") or "",
            "sha": sha[:12] if sha else ""}


def render_report(executed: Sequence[Path], *, title: str, params: dict, sources: Sequence[dict],
                  caveats: Sequence[str], key_findings: Sequence[dict] = (), omitted: Sequence[str] = (),
                  embed_charts: bool = True, area_name: str | None = None, subtitle: str | None = None,
                  built: str | None = None, folder: Path | None = None, no_findings: str | None = None) -> str:
    """The report's HTML (the module's docstring gives its layout and the checks that run on it).

    Parameters
    ----------
    executed : sequence of Path
        The executed theme notebooks, in order.
    title : str
        The document's ``<title>``; also the header's heading when ``area_name`` is not given.
    params : dict
        The pack's parameters, listed in the appendix.
    sources : sequence of dict
        Provenance records of every data release used (publisher, title, release, sha256).
    caveats : sequence of str
        The pack's caveats.
    key_findings : sequence of dict
        ``{"text": str, "chart": str | None, "table": str, "topic": str}``: one list item each, linked to
        ``#chart-<chart>`` (else to the table) when that is in the report.
    omitted : sequence of str or dict
        Sections left out of this area's pack and why (``"section: reason"``, or ``{"section", "reason"}``): one
        line each in the appendix.
    embed_charts : bool
        Charts as base64 data URIs (one self-contained file); with False, ``<img src="charts/<key>.svg">``
        where that file is in ``folder`` (the report's folder), else ``charts/<key>.png`` where that one is (not
        checked when ``folder`` is None: the PNG).
    area_name, subtitle : str, optional
        The header's heading (the area) and the line under it (its type and geography).
    built : str, optional
        The build date (default: today, UTC).
    no_findings : str, optional
        Why there are no key findings, said in their place when ``key_findings`` is empty.
    """
    import jinja2

    ids = _Ids({"top", "key-findings", "key-findings-h", "contents", "contents-h", "sources-and-method",
                "sources-and-method-h", "parameters", "data-releases-used", "caveats", "sections-left-out"})
    blocks, toc = _render(_blocks(executed, embed_charts=embed_charts, folder=folder), ids)
    anchors = {b["id"] for b in blocks if b["kind"] in ("chart", "table")}
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True,
                             lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    return env.get_template("report.html.j2").render(
        title=title, area_name=area_name or title, subtitle=subtitle,
        built=built or datetime.now(UTC).date().isoformat(), version=__version__,
        css=(TEMPLATES / "report.css").read_text(encoding="utf-8"),
        findings=_finding_items(key_findings, anchors), no_findings=no_findings or "", toc=toc, blocks=blocks,
        params=[(str(k), v if isinstance(v, str) else ", ".join(map(str, v)) if isinstance(v, list | tuple)
                 else str(v)) for k, v in params.items()],
        sources=[_release(s) for s in sources], caveats=[str(c) for c in caveats],
        omitted=[_omitted(o) for o in omitted])


def _omitted(item) -> str:
    """One line of the appendix's "Sections left out": a string, or ``{"section": ..., "reason": ...}``."""
    if isinstance(item, dict):
        section, reason = str(item.get("section") or "").strip(), str(item.get("reason") or "").strip()
        return f"{section}: {reason}" if section and reason else section or reason
    return str(item)


# ----------------------------------------------------------------------------------------------- the PDF
def find_chromium() -> str | None:
    """The Chromium or Chrome binary: ``$EVIDENCE_CHROMIUM`` if set (an empty value means none), else the
    first of chromium, chromium-browser, google-chrome on the PATH; None if there is none."""
    if CHROMIUM_ENV in os.environ:
        value = os.environ[CHROMIUM_ENV].strip()
        return (shutil.which(value) or (value if Path(value).is_file() else None)) if value else None
    return next((found for name in _BROWSERS if (found := shutil.which(name))), None)


NO_PDF_HINT = ("no PDF of the report was made (no Chromium found): install chromium (Debian: apt-get install "
               "chromium) or set EVIDENCE_CHROMIUM, then run `evidence pdf PACK_FOLDER`")


def write_pdf(html: Path, pdf: Path, *, chromium: str | None = None, timeout: float = 180) -> float:
    """Print the local file ``html`` to ``pdf`` with headless Chromium (A4, page numbers, the report's print
    stylesheet); return the seconds it took. The browser runs with a throwaway profile and no network:
    background networking, sync, updates and extensions off, and every host name resolving to nothing.

    Raises
    ------
    PdfError
        No Chromium was found, or it failed or wrote no PDF.
    """
    chromium = chromium or find_chromium()
    if not chromium:
        raise PdfError(NO_PDF_HINT)
    start = time.perf_counter()
    part = pdf.with_name(f".{pdf.name}.part")
    with tempfile.TemporaryDirectory(prefix="evidence-chromium-") as profile:
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-default-apps", "--disable-extensions", "--disable-quic", "--no-default-browser-check",
               "--host-resolver-rules=MAP * ~NOTFOUND", "--no-pdf-header-footer",
               "--run-all-compositor-stages-before-draw", f"--user-data-dir={profile}", f"--print-to-pdf={part}",
               Path(html).resolve().as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False,
                                  env={**os.environ, "HOME": profile})
        except (OSError, subprocess.TimeoutExpired) as exc:
            part.unlink(missing_ok=True)
            raise PdfError(f"Chromium ({chromium}) could not print {html} to PDF: {exc}") from exc
    if done.returncode != 0 or not part.exists() or part.stat().st_size == 0:
        part.unlink(missing_ok=True)
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise PdfError(f"Chromium ({chromium}) did not print {html} to PDF (exit {done.returncode}): {last}")
    part.replace(pdf)
    return time.perf_counter() - start
