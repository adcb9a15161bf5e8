"""A static website of evidence packs: find any area, compare areas, league tables and maps.

``build_site`` builds the packs a site needs with :func:`evidence.pack.report.build_many` into ``<out>/packs/`` and
writes the pages around them with Jinja2 (autoescaped):

- ``index.html``: search (typo-tolerant, in the browser), every area by type and a choropleth map of England;
- ``maps/<type>-<indicator>.html``: the map for one area type and headline indicator (static inline SVG);
- ``areas/<pack>.html``: an area's headline indicators against England, its rank among its type in the site,
  links to its pack's files and the areas it overlaps or contains;
- ``league/<indicator>-<type>.html`` and ``.csv``: a league table per headline indicator and area type;
- ``compare.html``: 2–4 areas side by side with England (the choice is in the URL: ``compare.html?a=X,Y``);
- ``about.html``: every data release used (date and sha256) and how to reproduce the site.

Every link is relative, so the site works from ``file://``, from :func:`serve` (127.0.0.1 only) and from any
static host; the JavaScript (``assets/site.js``) is small, written for the site and needed only for search,
sorting and compare.

LEPs at two vintages
--------------------
A site holds every LEP at each of :data:`LEP_VINTAGES` (2017 and 2021) and at ``vintage`` (``--vintage``, the
geography of everything else). A LEP at another vintage than ``vintage`` is its own kind of area in the site
(``lep-2017``): its own league tables, map, search entries and compare key (``lep-2017:E37000017``), and its
name carries the year ("Buckinghamshire Thames Valley (2017)").

Incremental builds
------------------
A pack is rebuilt only when its key changes: the sha256 of

- the data it used: every data release its ``pack.json`` lists under ``sources``, each by its content hash
  (:func:`source_hashes`: the sha256 of the snapshot parquet files made from it, by the snapshot's
  ``MANIFEST.json``, and the names and sizes of its raw files present), and the Nomis pins;
- the toolkit's code (every file of ``evidence/`` except this module and its templates, and the source of the
  theme notebooks);
- its parameters (area, type, vintage).

The key's code part also covers :func:`slim_pack`, so a change in it slims every pack again. The sources of each
pack are kept with its key in ``<out>/site.json``, so touching one dataset rebuilds exactly the packs that used
it. Packs are built in chunks and ``site.json`` is updated after each, so an interrupted
build keeps the packs it finished. The pages are rendered again only when a pack's key or the site's own code
(this module and its templates) changes, and a page is written only when its text changes.

Size
----
A site pack is an ordinary pack (``evidence build``) with its report linking its charts' SVG files rather than
embedding them, so the PDF printed from it has vector charts; :func:`slim_pack` then takes out what the site
duplicates: the notebooks' chart images (each becomes a line naming its chart file), the PNGs nothing links, and
the PDF's uncompressed object structure.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import inspect
import io
import json
import math
import os
import re
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import __version__, config, geography
from ..errors import EvidenceError
from ..geography import areatypes
from . import report

#: Site format version: bump when the pages or the manifest change shape.
SITE_VERSION = "2"
#: Area types a site may hold, in the order the home page lists them.
SITE_TYPES = ("lep", "ca", "region", "group", "itl3", "lad")
#: Types that can be drawn on the home page's map (from the district boundaries).
MAP_TYPES = ("lep", "ca", "lad")
#: LEP vintages every site holds (besides its ``vintage``).
LEP_VINTAGES = (2017, 2021)

TEMPLATES = Path(__file__).with_name("site_templates")
_SELF = {Path(__file__).name}


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    unit: str
    decimals: int
    prefix: str = ""


#: The headline indicators of ``pack.json``, in the order the site shows them.
INDICATORS = (
    Indicator("gva-per-hour", "GVA per hour worked", "£ per hour", 2, "£"),
    Indicator("gva-per-job", "GVA per filled job", "£ per job", 0, "£"),
    Indicator("gva-per-head", "GVA per head", "£ per head", 0, "£"),
    Indicator("gva", "GVA", "£ million", 0, "£"),
    Indicator("jobs", "Jobs", "jobs", 0),
    Indicator("population", "Population", "persons", 0),
)
_IND = {i.key: i for i in INDICATORS}
#: The source of each headline indicator, as the packs compute it.
SOURCES = {
    "gva-per-hour": "ONS, Subregional productivity (GVA per hour worked)",
    "gva-per-job": "ONS, Subregional productivity (GVA per filled job)",
    "gva-per-head": "ONS, Regional GVA (balanced) by local authority; ONS population estimates",
    "gva": "ONS, Regional GVA (balanced) by local authority",
    "jobs": "ONS, Subregional productivity (filled jobs)",
    "population": "ONS, population estimates by local authority",
}

#: The chart files of a site pack: the SVGs its report links (vector, and a small PDF), no 200-dpi PNGs.
SITE_CHART_FORMATS = ("svg",)


def fmt(value: float | None, indicator: str) -> str:
    """A headline value as the site prints it; missing values are "n/a", never 0.

    >>> fmt(37.428, "gva-per-hour"), fmt(43074.0, "gva"), fmt(None, "jobs")
    ('£37.43', '£43,074m', 'n/a')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    ind = _IND[indicator]
    text = f"{ind.prefix}{value:,.{ind.decimals}f}"
    return text + "m" if ind.unit == "£ million" else text


def rank(values: dict[str, float | None], *, descending: bool = True) -> dict[str, int | None]:
    """Competition ranks (1 = highest); a missing value gets no rank (None), never the rank of zero.

    >>> rank({"a": 3.0, "b": None, "c": 5.0, "d": 3.0})
    {'a': 2, 'b': None, 'c': 1, 'd': 2}
    """
    present = sorted((v for v in values.values() if v is not None and not math.isnan(v)), reverse=descending)
    return {k: (None if v is None or math.isnan(v) else 1 + sum(1 for p in present if (p > v if descending else
                                                                                        p < v)))
            for k, v in values.items()}


# ------------------------------------------------------------------------------------------------------- keys
def _sha(*parts: bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(hashlib.sha256(p).digest())
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def code_hash() -> str:
    """sha256 of the toolkit's code as the packs use it: ``evidence/`` (without the site) and the notebooks'
    source cells (their outputs are the reference area's and change with every re-execution)."""
    pkg = config.PACKAGE_DIR
    parts = [__version__.encode()]
    for p in sorted(pkg.rglob("*")):
        if p.is_file() and p.suffix not in (".pyc",) and "__pycache__" not in p.parts and p.name not in _SELF \
                and TEMPLATES not in p.parents:
            parts += [p.relative_to(pkg).as_posix().encode(), p.read_bytes()]
    for nb in report.theme_notebooks():
        cells = json.loads(nb.read_text(encoding="utf-8")).get("cells", [])
        parts += [nb.name.encode(), json.dumps([(c.get("cell_type"), "".join(c.get("source", ""))) for c in cells])
                  .encode()]
    return _sha(*parts)


def data_hash() -> str:
    """sha256 of the data packs are built from: the snapshot manifest, the raw files present (names and
    sizes; each is verified against its catalogue sha256 when read) and the Nomis pins."""
    parts = []
    manifest = config.snapshot_dir() / "MANIFEST.json"
    parts.append(manifest.read_bytes() if manifest.exists() else b"")
    raw = config.raw_dir()
    if raw.is_dir():
        for p in sorted(raw.rglob("*")):
            if p.is_file() and "nomis" not in p.relative_to(raw).parts[:1]:
                parts.append(f"{p.relative_to(raw).as_posix()}:{p.stat().st_size}".encode())
    pins = raw / "nomis" / "pins.json"
    parts.append(pins.read_bytes() if pins.exists() else b"")
    return _sha(*parts)


def pack_key(area: geography.Area, vintage: int, *, data: str | None = None, code: str | None = None) -> str:
    """The key of an area's pack: the sha256 of its data, the code and its parameters (see the module
    docstring); ``data`` and ``code`` default to :func:`data_hash` and :func:`code_hash`."""
    params = json.dumps({"area": area.code, "type": area.type, "vintage": vintage, "year": None}, sort_keys=True)
    return _sha((data or data_hash()).encode(), (code or code_hash()).encode(), params.encode())


_FILE_SHA: dict[tuple[str, int, int], str] = {}


def _file_sha(path: Path) -> str:
    st = path.stat()
    stamp = (str(path), st.st_size, st.st_mtime_ns)
    if stamp not in _FILE_SHA:
        _FILE_SHA[stamp] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _FILE_SHA[stamp]


def source_hashes() -> dict[str, str]:
    """The content hash of every data release a pack may list in its ``sources``, by the release's name.

    A release's hash is the sha256 of the sha256 of every snapshot parquet file made from it (the datasets of
    the snapshot's ``MANIFEST.json`` listing it among their sources, and the snapshot's extra files, such as the
    boundaries, whose metadata names it) and of the names and sizes of its raw files present in ``data/raw``
    (each is checked against its catalogue sha256 when read). A release with neither has the hash of nothing.
    """
    import pyarrow.parquet as pq

    snap = config.snapshot_dir()
    try:
        manifest = json.loads((snap / "MANIFEST.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    parts: dict[str, list[str]] = {}
    for name, d in sorted(manifest.get("datasets", {}).items()):
        path = snap / f"{name}.parquet"
        digest = _file_sha(path) if path.is_file() else "missing"
        for src in d.get("sources", []):
            parts.setdefault(str(src.get("name")), []).append(f"{name}.parquet:{digest}")
    for files in manifest.get("extras", {}).values():
        for f in files:
            path = snap / f
            if not path.is_file():
                continue
            meta = json.loads((pq.read_schema(path).metadata or {}).get(b"evidence", b"{}") or b"{}")
            for rec in meta.get("provenance", []):
                parts.setdefault(str(rec.get("name")), []).append(f"{f}:{_file_sha(path)}")
    raw = config.raw_dir()
    if raw.is_dir():
        for folder in sorted(raw.iterdir()):
            if folder.is_dir() and folder.name != "nomis":
                parts.setdefault(folder.name, []).extend(
                    f"raw/{p.relative_to(raw).as_posix()}:{p.stat().st_size}" for p in sorted(folder.rglob("*"))
                    if p.is_file())
    return {name: _sha(*(x.encode() for x in sorted(v))) for name, v in parts.items()}


def pins_hash() -> str:
    """sha256 of the Nomis pins (``data/raw/nomis/pins.json``), which every pack's Nomis queries follow."""
    pins = config.raw_dir() / "nomis" / "pins.json"
    return _sha(pins.read_bytes() if pins.exists() else b"")


def sources_key(sources: Iterable[str], hashes: dict[str, str], *, pins: str = "") -> str:
    """The data part of a pack's key: the content hash of each release it used (by name, from
    :func:`source_hashes`; a release without one counts by its name only) and of the Nomis pins.

    >>> sources_key(["a", "b"], {"a": "1", "b": "2"}) == sources_key(["b", "a"], {"a": "1", "b": "2", "c": "3"})
    True
    >>> sources_key(["a"], {"a": "1"}) == sources_key(["a"], {"a": "2"})
    False
    """
    return _sha(pins.encode(), *(f"{n}:{hashes.get(n, '')}".encode() for n in sorted(set(sources))))


def _source_names(manifest: dict) -> list[str]:
    return sorted({str(s.get("name")) for s in manifest.get("sources", [])})


# ------------------------------------------------------------------------------------------------------- size
def _chart_output(key: str) -> dict:
    """The notebook output that stands for a chart's image in a site pack: a line naming its file."""
    return {"output_type": "display_data", "metadata": {},
            "data": {"text/markdown": f"Chart: [charts/{key}.svg](../charts/{key}.svg)",
                     "text/plain": f"Chart: charts/{key}.svg"}}


def slim_pack(folder: Path) -> dict[str, int]:
    """Take out of a built pack what a site does not need, and return the bytes each step saved.

    - ``notebooks``: every chart image output (a PNG) becomes a short text output naming the chart's file
      (``Chart: charts/<key>.svg``, a link in Markdown), so a reader still finds it;
    - ``charts``: the PNGs that neither the report nor a notebook links are deleted (the report links the SVGs);
    - ``pdf``: the PDF is rewritten losslessly with compressed object streams (Chromium writes its tagged
      structure, some ten thousand objects, uncompressed);
    - ``pack.json``'s ``files`` then lists the files left.

    Idempotent: a slim pack is left as it is, and nothing is written.

    Examples
    --------
    >>> import json, tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> (d / "charts").mkdir(); (d / "notebooks").mkdir()
    >>> for f in ("charts/a.png", "charts/a.svg", "x.html"):
    ...     _ = (d / f).write_text('<img src="charts/a.svg">' if f == "x.html" else "img")
    >>> nb = {"cells": [{"cell_type": "code", "source": "", "metadata": {}, "execution_count": 1, "outputs": [
    ...     {"output_type": "display_data", "data": {"image/png": "iVBO" * 99, "text/plain": "<Image>"},
    ...      "metadata": {"image/png": {"key": "a"}}}]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    >>> _ = (d / "notebooks" / "01-x.ipynb").write_text(json.dumps(nb))
    >>> _ = (d / "pack.json").write_text(json.dumps({"files": ["charts/a.png", "charts/a.svg", "x.html",
    ...                                                         "notebooks/01-x.ipynb"]}))
    >>> sorted(k for k, v in slim_pack(d).items() if v > 0)
    ['charts', 'notebooks']
    >>> json.loads((d / "pack.json").read_text())["files"]
    ['charts/a.svg', 'notebooks/01-x.ipynb', 'x.html']
    >>> json.loads((d / "notebooks" / "01-x.ipynb").read_text())["cells"][0]["outputs"][0]["data"]["text/plain"]
    'Chart: charts/a.svg'
    >>> slim_pack(d)
    {'notebooks': 0, 'charts': 0, 'pdf': 0}
    """
    saved = {"notebooks": 0, "charts": 0, "pdf": 0}
    for nb in sorted((folder / "notebooks").glob("*.ipynb")):
        text = nb.read_text(encoding="utf-8")
        if '"image/' not in text:
            continue
        doc = json.loads(text)
        for cell in doc.get("cells", []):
            outs = []
            for o in cell.get("outputs", []):
                if not any(k.startswith("image/") for k in o.get("data", {})):
                    outs.append(o)
                elif key := ((o.get("metadata") or {}).get("image/png") or {}).get("key"):
                    outs.append(_chart_output(key))  # an image without a chart file (never so far) is dropped
            if "outputs" in cell:
                cell["outputs"] = outs
        new = json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
        saved["notebooks"] += len(text.encode()) - len(new.encode())
        _write(nb, new, [])

    linked = set()
    for page in [*folder.glob("*.html"), *(folder / "notebooks").glob("*.ipynb")]:
        linked.update(re.findall(r"charts/([^\"'()\s\\]+\.png)", page.read_text(encoding="utf-8")))
    for png in sorted((folder / "charts").glob("*.png")):
        if png.name not in linked:
            saved["charts"] += png.stat().st_size
            png.unlink()

    for pdf in sorted(folder.glob("*.pdf")):
        data = pdf.read_bytes()
        if b"/ObjStm" in data:  # compressed already
            continue
        import pikepdf

        tmp = pdf.with_name(f".{pdf.name}.tmp")
        try:
            with pikepdf.open(pdf) as doc:
                doc.save(tmp, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
        except pikepdf.PdfError as exc:
            tmp.unlink(missing_ok=True)
            raise EvidenceError(f"{pdf} could not be read to be compressed ({exc}); build the pack again") from exc
        if tmp.stat().st_size < len(data):
            saved["pdf"] += len(data) - tmp.stat().st_size
            os.replace(tmp, pdf)
        else:
            tmp.unlink()

    manifest_path = folder / "pack.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()
                   and not p.name.startswith(".") and p.name != "pack.json")
    if "files" in manifest and manifest["files"] != files:
        manifest["files"] = files
        _write(manifest_path, json.dumps(manifest, indent=1, default=str) + "\n", [])
    return saved


# ------------------------------------------------------------------------------------------------------ areas
def site_areas(types: Sequence[str], *, vintage: int = geography.DEFAULT_VINTAGE) -> list[geography.Area]:
    """Every area of ``types`` (districts: England's, as ``evidence build --all --type lad``)."""
    out = []
    for t in types:
        if t not in SITE_TYPES:
            raise EvidenceError(f"a site holds areas of the types {', '.join(SITE_TYPES)}, not {t!r}")
        if t == "lad":
            codes = geography.comparison_set("lad", vintage=vintage)
            names = geography.areas(type="lad").set_index("area_code")["area_name"]
            out += [geography.Area(c, names.get(c, c), "lad") for c in codes]
        else:
            df = geography.areas(type=t, vintage=vintage)
            out += [geography.Area(c, n, t) for c, n in zip(df.area_code, df.area_name, strict=True)]
    return out


@dataclass
class SiteArea:
    area: geography.Area
    pack: str  # the pack folder's name, also the stem of the area page
    manifest: dict = field(default_factory=dict)
    england: dict = field(default_factory=dict)  # indicator -> England's value in the pack's headline table
    vintage: int | None = None  # the pack's vintage (None: the site's)
    kind: str = ""  # the area's kind in the site (see :func:`kind_key`), set by :func:`write_pages`
    name: str = ""  # the name the site shows (a LEP at another vintage than the site's carries the year)

    @property
    def headline(self) -> dict:
        return self.manifest.get("headline", {})

    def value(self, indicator: str) -> float | None:
        v = self.headline.get(indicator, {}).get("value")
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def kind_key(area_type: str, vintage: int | None, site_vintage: int) -> str:
    """The kind of an area in a site: its type, and for a LEP at another vintage than the site's, the vintage.

    >>> kind_key("lep", 2017, 2021), kind_key("lep", 2021, 2021), kind_key("ca", None, 2021)
    ('lep-2017', 'lep', 'ca')
    """
    return f"lep-{vintage}" if area_type == "lep" and vintage not in (None, site_vintage) else area_type


@dataclass(frozen=True)
class Kind:
    """A kind of area in the site, as the pages name it (an area type, or LEPs at one vintage)."""

    key: str
    type: str
    vintage: int | None
    label: str
    plural: str
    by_vintage: bool


def _kinds(keys: Iterable[str], vintage: int) -> dict[str, Kind]:
    """The kinds in ``keys`` in the order the pages list them (:data:`SITE_TYPES`, LEPs newest vintage first);
    with LEPs at several vintages their plural names the vintage ("LEPs (2017 geography)")."""
    keys = set(keys)
    lep_vs = {vintage if k == "lep" else int(k.split("-")[1]) for k in keys if k == "lep" or k.startswith("lep-")}
    out = {}
    for t in SITE_TYPES:
        info = areatypes.get(t)
        if t != "lep":
            if t in keys:
                out[t] = Kind(t, t, None, info.label, info.plural, info.by_vintage)
            continue
        for v in sorted(lep_vs, reverse=True):
            k = kind_key("lep", v, vintage)
            plural = f"{info.plural} ({v} geography)" if len(lep_vs) > 1 else info.plural
            out[k] = Kind(k, "lep", v, info.label, plural, info.by_vintage)
    return out


def _england(folder: Path) -> dict:
    path = folder / "tables" / "headline.parquet"
    if not path.exists():
        return {}
    df = pd.read_parquet(path)
    if "England" not in df.columns:
        return {}
    return {r["indicator"]: (None if pd.isna(r["England"]) else float(r["England"])) for _, r in df.iterrows()}


# --------------------------------------------------------------------------------------------------- overlaps
@functools.lru_cache(maxsize=4)
def _lads_of_all(vintage: int) -> dict[tuple[str, str, int | None], frozenset[str]]:
    """The April-2023 member districts of every listed area (LEPs at 2017 and 2021 and at ``vintage``)."""
    out = {}
    for v in sorted({2017, 2021, vintage}):
        for c in geography.areas(type="lep", vintage=v).area_code:
            out[("lep", c, v)] = frozenset(geography.lad_codes(c, vintage=v, allow_partial=True))
    for t in ("ca", "region", "itl3", "group"):
        for c in geography.areas(type=t, vintage=vintage).area_code:
            out[(t, c, None)] = frozenset(geography.lad_codes(c, vintage=vintage, allow_partial=True))
    return out


def related(area: geography.Area, vintage: int) -> list[dict]:
    """The areas ``area`` lies in, overlaps or contains, as ``{"relation", "type", "code", "name", "vintage"}``.

    A district lists its LEPs (2017 and 2021), its combined authority, region, ITL3 area and groupings; any
    other area lists the districts it contains and the areas of other types sharing a district with it.
    """
    allsets = _lads_of_all(vintage)
    names = {}
    for v in sorted({2017, 2021, vintage}):
        names.update({("lep", c, v): n for c, n in geography.areas(type="lep", vintage=v)[["area_code", "area_name"]]
                      .itertuples(index=False)})
    for t in ("ca", "region", "itl3", "group"):
        names.update({(t, c, None): n for c, n in geography.areas(type=t, vintage=vintage)[["area_code", "area_name"]]
                      .itertuples(index=False)})
    rows = []
    if area.type == "lad":
        mine = {geography.current_code(area.code)}
        for key, lads in allsets.items():
            if mine & lads and (key[0] != "lep" or key[2] in (2017, 2021)):
                rows.append({"relation": "in", "type": key[0], "code": key[1], "name": names[key], "vintage": key[2]})
        order = {t: i for i, t in enumerate(("lep", "ca", "region", "itl3", "group"))}
        rows.sort(key=lambda r: (order[r["type"]], r["vintage"] or 0, r["name"]))
        return rows
    mine = frozenset(geography.lad_codes(area, vintage=vintage, allow_partial=True))
    lad_names = geography.areas(type="lad").set_index("area_code")["area_name"]
    for c in sorted(mine, key=lambda c: lad_names.get(c, c)):
        rows.append({"relation": "contains", "type": "lad", "code": c, "name": lad_names.get(c, c), "vintage": None})
    for key, lads in allsets.items():
        if key[0] == area.type or (key[0] == "lep" and key[2] != vintage) or not (mine & lads):
            continue
        relation = "contains" if lads <= mine else ("in" if mine <= lads else "overlaps")
        rows.append({"relation": relation, "type": key[0], "code": key[1], "name": names[key], "vintage": key[2]})
    return rows


# -------------------------------------------------------------------------------------------------------- map
_PALETTE = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
_MISSING, _ABSENT = "#d9d9d9", "#f4f4f4"


@functools.lru_cache(maxsize=8)
def _map_shapes(kind: str, vintage: int) -> tuple[tuple[tuple[str, str, str], ...], str, tuple[float, float]]:
    """``((code, name, svg path), ...)``, England's outline as a path and the (width, height) of the drawing,
    for the areas of ``kind`` drawn from the district boundaries (dissolved for LEPs and CAs)."""
    import shapely

    from ..sources.boundaries import get_boundaries

    lads = get_boundaries("lad")
    lads = lads[lads["area_code"].str.startswith("E")]
    minx, miny, maxx, maxy = lads.total_bounds
    scale = (maxx - minx) / 560.0
    tolerance = 600.0 if kind == "lad" else 1500.0

    def path(geom) -> str:
        geom = shapely.simplify(geom, tolerance, preserve_topology=True)
        polys = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
        out = []
        for poly in polys:
            if poly.is_empty or poly.geom_type != "Polygon":
                continue
            for ring in (poly.exterior, *poly.interiors):
                pts = [f"{(x - minx) / scale:.1f},{(maxy - y) / scale:.1f}" for x, y in ring.coords[:-1]]
                if len(pts) >= 3:
                    out.append("M" + "L".join(pts) + "Z")
        return "".join(out)

    geoms = dict(zip(lads["area_code"], lads.geometry, strict=True))
    shapes = []
    if kind == "lad":
        for code, name, geom in zip(lads.area_code, lads.area_name, lads.geometry, strict=True):
            shapes.append((code, name, path(geom)))
    else:
        df = geography.areas(type=kind, vintage=vintage)
        for code, name in zip(df.area_code, df.area_name, strict=True):
            members = [geoms[c] for c in geography.lad_codes(code, vintage=vintage, allow_partial=True) if c in geoms]
            if members:
                shapes.append((code, name, path(shapely.union_all(members))))
    outline = path(shapely.union_all(list(lads.geometry)))
    return tuple(shapes), outline, (560.0, round((maxy - miny) / scale, 1))


def choropleth(kind: str, indicator: str, areas: dict[str, SiteArea], *, vintage: int, href) -> dict:
    """The data of a map: shapes with their fill, link and tooltip, and the legend (quintiles of the values
    present; missing values are grey and say so)."""
    shapes, outline, (w, h) = _map_shapes(kind, vintage)
    values = {code: areas[code].value(indicator) for code, _, _ in shapes if code in areas}
    present = sorted(v for v in values.values() if v is not None)
    breaks = [present[min(len(present) - 1, int(len(present) * q / 5))] for q in range(1, 5)] if present else []
    items = []
    for code, name, d in shapes:
        if code not in areas:
            items.append({"d": d, "fill": _ABSENT, "title": f"{name} ({code}): not in this site", "href": None})
            continue
        v = values[code]
        fill = _MISSING if v is None else _PALETTE[sum(1 for b in breaks if v > b)] if len(present) > 1 else _PALETTE[3]
        items.append({"d": d, "fill": fill, "href": href(areas[code]), "code": code,
                      "title": f"{name}: {_IND[indicator].label} {fmt(v, indicator)}"
                               + (f" ({areas[code].headline.get(indicator, {}).get('year')})" if v is not None
                                  else " (no data)")})
    lo = [present[0], *breaks] if present else []
    hi = [*breaks, present[-1]] if present else []
    legend = [{"fill": _PALETTE[i], "text": f"{fmt(lo[i], indicator)} – {fmt(hi[i], indicator)}"}
              for i in range(len(lo))] if len(present) > 1 else \
        ([{"fill": _PALETTE[3], "text": fmt(present[0], indicator)}] if present else [])
    legend += [{"fill": _MISSING, "text": "no data"}, {"fill": _ABSENT, "text": "not in this site"}]
    return {"shapes": items, "outline": outline, "width": w, "height": h, "legend": legend}


# ------------------------------------------------------------------------------------------------------ pages
def _env():
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters["fmt"] = fmt
    env.filters["cap"] = lambda text: text[:1].upper() + text[1:]
    return env


def _write(path: Path, text: str | bytes, written: list[Path]) -> None:
    """Write a page only when it changes (an unchanged site keeps its files, times and all)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    written.append(path)
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _full_rank(folder: Path, area: geography.Area) -> str | None:
    """The area's rank on GVA per hour worked among every area of its comparison set, from the pack's
    ``gva-per-hour-rank`` table (a group's is the rank it would take among the LEPs)."""
    path = folder / "tables" / "gva-per-hour-rank.parquet"
    if not path.exists():
        return None
    df = pd.read_parquet(path)
    row = df[df["area_code"] == area.code]
    if row.empty or pd.isna(row["rank"].iloc[0]):
        return None
    r = row.iloc[0]
    member = bool(r.get("member", True))
    among = areatypes.get(area.type).rank_among[0] if areatypes.get(area.type).rank_among else area.type
    return (f"On GVA per hour worked ({int(r['year'])}), {_in_text(area)} "
            f"{'ranks' if member else 'would rank'} {_ordinal(int(r['rank']))} of the {int(r['of'])} "
            f"{areatypes.get(among).plural} of England.")


def _in_text(area: geography.Area) -> str:
    """The area's name in running text: regions other than London take "the" ("in the North West").

    >>> [_in_text(geography.Area(c, n, "region")) for c, n in (("E12000002", "North West"), ("E12000007", "London"))]
    ['the North West', 'London']
    """
    return f"the {area.name}" if area.type == "region" and area.name != "London" else area.name


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _csv(rows: Iterable[Sequence]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for r in rows:
        w.writerow(r)
    return buf.getvalue()


def write_pages(out: Path, sites: list[SiteArea], *, vintage: int) -> list[Path]:
    """Write every page of the site for the packs in ``out/packs`` and delete pages no longer part of it;
    return the pages written."""
    env = _env()
    written: list[Path] = []
    for s in sites:
        s.kind = s.kind or kind_key(s.area.type, s.vintage, vintage)
        s.name = s.name or (f"{s.area.name} ({s.vintage})" if s.kind != s.area.type else s.area.name)
    by_type: dict[str, list[SiteArea]] = {}
    for s in sorted(sites, key=lambda s: s.name.lower()):
        by_type.setdefault(s.kind, []).append(s)
    type_info = _kinds(by_type, vintage)
    types = list(type_info)
    by_code = {(s.kind, s.area.code): s for s in sites}
    england = next((s.england for s in sites if s.england), {})

    ranks = {(t, i.key): rank({s.area.code: s.value(i.key) for s in by_type[t]}) for t in types for i in INDICATORS}
    counts = {(t, i.key): sum(1 for s in by_type[t] if s.value(i.key) is not None) for t in types for i in INDICATORS}

    def page(name: str, template: str, depth: int, **ctx) -> None:
        root = "../" * depth
        html = env.get_template(template).render(root=root, types=types, type_info=type_info, indicators=INDICATORS,
                                                 vintage=vintage, version=__version__, **ctx)
        _write(out / name, html, written)

    # search index and compare data: one script, readable from file:// (no fetch)
    index = [{"n": s.name, "c": s.area.code, "t": s.kind, "l": type_info[s.kind].label,
              "u": f"areas/{s.pack}.html",
              "v": {i.key: s.value(i.key) for i in INDICATORS},
              "y": {i.key: s.headline.get(i.key, {}).get("year") for i in INDICATORS}} for s in sites]
    data = {"areas": index, "england": {i.key: england.get(i.key) for i in INDICATORS},
            "indicators": [{"k": i.key, "l": i.label, "d": i.decimals, "p": i.prefix,
                            "m": i.unit == "£ million"} for i in INDICATORS]}
    _write(out / "assets" / "data.js", "window.SITE = " + json.dumps(data, ensure_ascii=False,
                                                                     sort_keys=True) + ";\n", written)
    for asset in ("site.js", "site.css"):
        _write(out / "assets" / asset, (TEMPLATES / asset).read_bytes(), written)

    map_types = [t for t in types if type_info[t].type in MAP_TYPES]
    maps = {}
    for t in map_types:
        codes = {s.area.code: s for s in by_type[t]}
        kind, v = type_info[t].type, type_info[t].vintage or vintage
        for i in INDICATORS:
            maps[(t, i.key)] = choropleth(kind, i.key, codes, vintage=v, href=lambda s: f"../areas/{s.pack}.html")
            page(f"maps/{t}-{i.key}.html", "map.html", 1, kind=t, indicator=i, map=maps[(t, i.key)],
                 map_types=map_types)
    home_map = None
    if map_types:
        t = map_types[0]
        home_map = choropleth(type_info[t].type, INDICATORS[0].key, {s.area.code: s for s in by_type[t]},
                              vintage=type_info[t].vintage or vintage, href=lambda s: f"areas/{s.pack}.html")
    page("index.html", "index.html", 0, by_type=by_type, home_map=home_map, map_types=map_types,
         home_kind=map_types[0] if map_types else None)

    def link(kind: str, code: str) -> str | None:
        s = by_code.get((kind, code))
        return f"{s.pack}.html" if s else None

    for s in sites:
        folder = out / "packs" / s.pack
        t = s.kind
        rows = []
        for i in INDICATORS:
            v, e = s.value(i.key), s.england.get(i.key)
            r = ranks[(t, i.key)].get(s.area.code)
            rows.append({"ind": i, "value": v, "year": s.headline.get(i.key, {}).get("year"), "england": e,
                         "index": None if v is None or not e or i.key in ("gva", "jobs", "population")
                         else 100 * v / e,
                         "share": None if v is None or not e or i.key not in ("gva", "jobs", "population")
                         else 100 * v / e,
                         "rank": f"{_ordinal(r)} of {counts[(t, i.key)]}" if r else "not ranked (no value)"})
        findings = []
        name = _in_text(geography.Area(s.area.code, s.name, s.area.type))
        for r in rows:
            key, v = r["ind"].key, fmt(r["value"], r["ind"].key)
            if r["index"] is not None:
                gap = r["index"] - 100
                findings.append(f"{r['ind'].label} in {name} was {v} in {r['year']}, {abs(gap):.1f}% "
                                f"{'above' if gap >= 0 else 'below'} England ({fmt(r['england'], key)}).")
            elif r["share"] is not None:
                share = f"{r['share']:.1f}" if r["share"] >= 1 else f"{r['share']:.2f}"
                what = {"gva": f"GVA in {name} was {v}", "jobs": f"{name[:1].upper() + name[1:]} had {v} filled jobs",
                        "population": f"The population of {name} was {v}"}[key]
                findings.append(f"{what} in {r['year']}, {share}% of England's.")
        full_rank = _full_rank(folder, s.area)
        if full_rank:
            findings.append(full_rank)
        stem = next((f[:-5] for f in s.manifest.get("files", []) if f.endswith(".html") and "/" not in f), s.pack)
        files = set(s.manifest.get("files", []))
        pack_links = [("HTML report", f"{stem}.html"), ("Workbook (Excel)", f"{stem}-evidence.xlsx")]
        pack_links += [("PDF", f) for f in sorted(files) if f.endswith(".pdf")]
        pack_links += [("pack.json", "pack.json")]
        pack_links = [(label, f) for label, f in pack_links if f == "pack.json" or f in files]
        tables = []
        for t_ in s.manifest.get("tables", []):
            pq = f"tables/{t_['key']}.parquet"
            if pq in files:
                df = pd.read_parquet(folder / pq)
                _write(out / "csv" / s.pack / f"{t_['key']}.csv", df.to_csv(index=False, lineterminator="\n"),
                       written)
                tables.append({"title": t_.get("title") or t_["key"], "csv": f"../csv/{s.pack}/{t_['key']}.csv",
                               "parquet": f"../packs/{s.pack}/{pq}"})
        notebooks = [f for f in sorted(files) if f.startswith("notebooks/")]
        rel = []
        for r in related(s.area, s.vintage or vintage):
            rel.append({**r, "label": areatypes.get(r["type"]).label,
                        "href": link(kind_key(r["type"], r["vintage"], vintage), r["code"])})
        page(f"areas/{s.pack}.html", "area.html", 1, s=s, rows=rows, findings=findings, pack_links=pack_links,
             tables=tables, notebooks=notebooks, related=rel, england_available=bool(s.england),
             caveats=s.manifest.get("caveats", []), type_label=type_info[t].label, area_vintage=s.vintage or vintage)

    for t in types:
        for i in INDICATORS:
            rk = ranks[(t, i.key)]
            rows = sorted(by_type[t], key=lambda s: (rk[s.area.code] is None, rk[s.area.code] or 0, s.name))
            table = [{"s": s, "value": s.value(i.key), "rank": rk[s.area.code],
                      "year": s.headline.get(i.key, {}).get("year")} for s in rows]
            name = f"league/{i.key}-{t}"
            lep_v = type_info[t].vintage if type_info[t].type == "lep" else ""
            _write(out / f"{name}.csv", _csv([["rank", "area_code", "area_name", "area_type", "lep_vintage", "year",
                                               "value", "unit", "source"]] +
                                             [[r["rank"] or "", r["s"].area.code, r["s"].area.name, type_info[t].type,
                                               lep_v, r["year"] or "",
                                               "" if r["value"] is None else repr(r["value"]), i.unit, SOURCES[i.key]]
                                              for r in table]), written)
            page(f"{name}.html", "league.html", 1, kind=t, indicator=i, table=table, source=SOURCES[i.key],
                 csv=f"{i.key}-{t}.csv", england=england.get(i.key))
    page("league/index.html", "league_index.html", 1, counts=counts, by_type=by_type)
    page("compare.html", "compare.html", 0, by_type=by_type)

    releases = {}
    for s in sites:
        for src in s.manifest.get("sources", []):
            key = (src.get("sha256") or "", src.get("title") or "")
            releases.setdefault(key, {**src, "areas": 0})["areas"] += 1
    page("about.html", "about.html", 0, releases=sorted(releases.values(), key=lambda r: (r.get("publisher") or "",
                                                                                        r.get("title") or "")),
         n_areas=len(sites), site_types=list(dict.fromkeys(k.type for k in type_info.values())),
         lep_vintages=sorted({k.vintage for k in type_info.values() if k.type == "lep"}))

    # pages of areas no longer in the site
    keep = {p.resolve() for p in written}
    for sub in ("areas", "league", "maps", "csv"):
        for p in (out / sub).rglob("*") if (out / sub).is_dir() else ():
            if p.is_file() and p.resolve() not in keep:
                p.unlink()
    return [p for p in written if p.suffix == ".html"]


# ------------------------------------------------------------------------------------------------------ build
def build_site(out: Path | str = "site", *, types: Sequence[str] | None = None, areas: Sequence[str] = (),
               vintage: int = geography.DEFAULT_VINTAGE, lep_vintages: Sequence[int] = LEP_VINTAGES, jobs: int = 1,
               progress: bool = True) -> dict:
    """Build the packs a site needs (reusing current ones) and write its pages.

    Parameters
    ----------
    out : Path
        The site's folder; packs go in ``out/packs/``.
    types : sequence of str, optional
        Every area of these types (default: all of :data:`SITE_TYPES` unless ``areas`` is given).
    areas : sequence of str
        Areas to include as well (names, codes, or ``type:name``).
    vintage : int
        The geography of the site: LEPs at this vintage are the site's "LEPs", and groupings use it.
    lep_vintages : sequence of int
        Every LEP of the site is also built at these vintages (default 2017 and 2021), where it exists.
    jobs : int
        Parallel pack builds.

    Returns
    -------
    dict
        ``{"built": [...], "reused": [...], "failed": {...}, "pages": n, "seconds": s}``; built and reused
        packs are named by their folder.
    """
    start = time.perf_counter()
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise EvidenceError(f"--out {out} is a file, not a folder")
    lep_vs = sorted({vintage, *lep_vintages}, reverse=True)
    if not types and not areas:
        types = SITE_TYPES
    chosen: list[tuple[geography.Area, int]] = []
    for t in types or ():
        for v in (lep_vs if t == "lep" else [vintage]):
            chosen += [(a, v) for a in site_areas([t], vintage=v)]
    for q in areas:
        a = geography.resolve(q, vintage=vintage)
        if a.type != "lep":
            chosen.append((a, vintage))
            continue
        for v in lep_vs:
            try:
                chosen.append((geography.resolve(a.code, vintage=v, type="lep") if v != vintage else a, v))
            except EvidenceError:  # no such LEP at that vintage (mergers): the site has it at the others
                pass
    chosen = list({(a.type, a.code, v if a.type in report.VINTAGE_TYPES else None): (a, v)
                   for a, v in chosen}.values())
    packs_dir = out / "packs"
    manifest_path = out / "site.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    if manifest.get("site_version") != SITE_VERSION:
        manifest = {}
    keys = manifest.get("packs", {})
    code, pins, hashes = _sha(code_hash().encode(), inspect.getsource(slim_pack).encode()), pins_hash(), \
        source_hashes()

    def key_of(a: geography.Area, v: int, sources: Iterable[str]) -> str:
        return pack_key(a, v, data=sources_key(sources, hashes, pins=pins), code=code)

    todo, reused, names = [], [], {}
    for a, v in chosen:
        name = report.pack_name(a, v)
        names[(a, v)] = name
        old = keys.get(name, {})
        if "sources" in old and old.get("key") == key_of(a, v, old["sources"]) \
                and (packs_dir / name / "pack.json").exists():
            reused.append((a, v))
        else:
            todo.append((a, v))
    def entry(a: geography.Area, v: int, pack: dict) -> dict:
        sources = _source_names(pack)
        return {"key": key_of(a, v, sources), "code": a.code, "type": a.type, "vintage": v, "sources": sources}

    def manifest_of(packs: dict) -> dict:
        return {"site_version": SITE_VERSION, "toolkit_version": __version__, "vintage": vintage,
                "lep_vintages": lep_vs, "code": code, "pins": pins, "sources": dict(sorted(hashes.items())),
                "packs": dict(sorted(packs.items()))}

    failed = {}
    checkpoint = dict(keys)
    # in chunks, recording the keys of the packs built after each, so that an interrupted run keeps its work
    chunk = max(20 * jobs, 20)
    for v in sorted({v for _, v in todo}, key=lambda v: (v == vintage, v)):  # the few LEPs of other vintages first
        batch = [a for a, v_ in todo if v_ == v]
        for i in range(0, len(batch), chunk):
            part = batch[i:i + chunk]
            results = report.build_many([f"{a.type}:{a.code}" for a in part], vintage=v, out=packs_dir, jobs=jobs,
                                        progress=progress, embed_charts=False, chart_formats=SITE_CHART_FORMATS)
            failed.update({(q, v): e for q, e in results.items() if e})
            for a in part:
                pack_json = packs_dir / names[(a, v)] / "pack.json"
                if not results.get(f"{a.type}:{a.code}") and pack_json.exists():
                    try:
                        slim_pack(pack_json.parent)
                    except EvidenceError as exc:  # that pack failed; the others go on
                        failed[(f"{a.type}:{a.code}", v)] = f"{type(exc).__name__}: {exc}"
                        continue
                    checkpoint[names[(a, v)]] = entry(a, v, json.loads(pack_json.read_text(encoding="utf-8")))
            _write(manifest_path, json.dumps(manifest_of(checkpoint), indent=1) + "\n", [])
    built = [(a, v) for a, v in todo if not failed.get((f"{a.type}:{a.code}", v))]
    new_keys, sites = {}, []
    for a, v in built + reused:
        folder = packs_dir / names[(a, v)]
        pack = json.loads((folder / "pack.json").read_text(encoding="utf-8"))
        new_keys[folder.name] = entry(a, v, pack)
        sites.append(SiteArea(a, folder.name, pack, _england(folder), vintage=v if a.type == "lep" else None))
    # packs of areas no longer in the site
    if packs_dir.is_dir():
        for p in packs_dir.iterdir():
            if p.is_dir() and not p.name.startswith(".") and p.name != "logs" and p.name not in new_keys \
                    and (p / "pack.json").exists():
                shutil.rmtree(p)
    # the pages depend only on the packs (their keys) and on this module and its templates
    site_code = [Path(__file__).read_bytes()] + [t.read_bytes() for t in sorted(TEMPLATES.iterdir()) if t.is_file()]
    pages_key = _sha(*site_code, json.dumps({"vintage": vintage, "packs": {k: v["key"] for k, v in new_keys.items()}},
                                            sort_keys=True).encode())
    if manifest.get("pages_key") == pages_key and (out / "index.html").exists():
        n_pages = manifest.get("pages", 0)  # nothing changed: no page is rendered or written
    else:
        n_pages = len(write_pages(out, sites, vintage=vintage))
    _write(manifest_path, json.dumps({**manifest_of(new_keys), "pages_key": pages_key, "pages": n_pages},
                                     indent=1) + "\n", [])
    return {"built": [names[x] for x in built], "reused": [names[x] for x in reused],
            "failed": {f"{q} ({v})" if q.startswith("lep:") else q: e for (q, v), e in failed.items()},
            "pages": n_pages, "seconds": time.perf_counter() - start}


def serve(folder: Path | str, *, port: int = 8000) -> None:
    """Serve ``folder`` on http://127.0.0.1:PORT/ (never on other interfaces) until interrupted."""
    import http.server

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as httpd:
        print(f"serving {folder} on http://127.0.0.1:{httpd.server_address[1]}/ (Ctrl-C to stop)")
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass


__all__ = ["INDICATORS", "LEP_VINTAGES", "SITE_TYPES", "build_site", "choropleth", "code_hash", "data_hash", "fmt",
           "kind_key", "pack_key", "pins_hash", "rank", "related", "serve", "site_areas", "slim_pack",
           "source_hashes", "sources_key", "write_pages"]
