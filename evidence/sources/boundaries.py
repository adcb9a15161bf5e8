"""Boundaries for maps: Local Authority Districts (Dec 2023), LEPs (May 2021) and ITL3 (Jan 2021).

The three ONS Open Geography Portal files are BUC (ultra-generalised, clipped to the coastline, 500 m)
GeoJSON and arrive in different coordinate reference systems:

========================  =====================  ==================================
kind                      catalogue entry        CRS as published
========================  =====================  ==================================
``"lad"``                 ``boundaries-lad23``   EPSG:4326 (lon/lat)
``"lep"``                 ``boundaries-lep21``   OGC:CRS84 (lon/lat, GeoJSON default)
``"itl3"``                ``boundaries-itl321``  EPSG:27700 (British National Grid)
========================  =====================  ==================================

:func:`get_boundaries` returns every kind in ONE CRS (British National Grid by default) with the columns
``area_code``, ``area_name`` and ``geometry``, so layers can be overlaid and areas measured in m².

These are not tidy value tables, so they are not in the ``DATASETS`` registry. Instead, the parsed and
reprojected frame is cached as GeoParquet in ``data/processed/cache`` (keyed by the file's sha256 and
:data:`VERSION`), and :func:`snapshot_boundaries` writes compact GeoParquet copies for the committed
snapshot (``data/processed/snapshot/boundaries-<kind>.parquet``), which :func:`get_boundaries` falls back
to when the raw file has not been fetched.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .. import config, provenance
from ..errors import SchemaError, SourceUnavailableError
from . import catalogue
from .base import write_table

#: Bump when the parsed output changes, so stale caches are not reused.
VERSION = "1"
#: British National Grid: metres, suitable for areas, distances and overlays in Great Britain.
BNG = "EPSG:27700"
_META_KEY = b"evidence"


@dataclass(frozen=True)
class _Kind:
    entry: str
    code: str
    name: str
    title: str


KINDS: dict[str, _Kind] = {
    "lad": _Kind("boundaries-lad23", "LAD23CD", "LAD23NM", "Local Authority Districts (December 2023), UK BUC"),
    "lep": _Kind("boundaries-lep21", "LEP21CD", "LEP21NM", "Local Enterprise Partnerships (May 2021), EN BUC"),
    "itl3": _Kind("boundaries-itl321", "ITL321CD", "ITL321NM", "ITL3 (January 2021), UK BUC"),
}


def _kind(kind: str) -> _Kind:
    if kind not in KINDS:
        raise ValueError(f"unknown boundary kind {kind!r}; choose one of {', '.join(KINDS)}.")
    return KINDS[kind]


def parse_boundaries(path: Path, kind: str):
    """Read one boundary GeoJSON into ``area_code, area_name, geometry`` in British National Grid.

    Pure: file in, GeoDataFrame out. A file without a ``crs`` member is read as OGC:CRS84, the GeoJSON
    default (RFC 7946). Geometries are made valid (two published polygons are not: Argyll and Bute has
    nested shells and ITL3 Central Hampshire a self-intersecting ring) keeping only their polygonal parts.

    Raises
    ------
    SchemaError
        If the file cannot be read as GeoJSON, lacks the expected code/name properties, has no features,
        or holds duplicate or empty codes.
    """
    import geopandas as gpd
    import shapely

    spec = _kind(kind)
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises its own DataSourceError / DataLayerError types
        raise SchemaError(f"could not be read as GeoJSON ({type(exc).__name__}: {exc}). Is it truncated? "
                          f"Re-fetch it with `evidence fetch --force {spec.entry}`.", file=path.name) from exc
    missing = [c for c in (spec.code, spec.name) if c not in gdf.columns]
    if missing:
        props = [c for c in gdf.columns if c != "geometry"]
        raise SchemaError(f"expected feature properties {missing}, found {props}.", file=path.name)
    if gdf.empty:
        raise SchemaError("has no features.", file=path.name)
    codes = gdf[spec.code].astype("str").str.strip()
    if codes.eq("").any() or codes.duplicated().any():
        raise SchemaError(f"{spec.code} has empty or duplicate codes: "
                          f"{sorted(set(codes[codes.eq('') | codes.duplicated()]))[:5]}.", file=path.name)
    if gdf.crs is None:
        gdf = gdf.set_crs("OGC:CRS84")
    gdf = gdf.to_crs(BNG)
    geoms = shapely.make_valid(gdf.geometry.values, method="structure", keep_collapsed=False)
    out = gpd.GeoDataFrame({"area_code": codes.to_numpy(dtype=object).astype(str),
                            "area_name": gdf[spec.name].astype("str").str.strip().to_numpy()},
                           geometry=gpd.GeoSeries(geoms, crs=BNG).to_numpy(), crs=BNG)
    out["area_code"] = out["area_code"].astype("str")
    out["area_name"] = out["area_name"].astype("str")
    return out.sort_values("area_code", ignore_index=True)


def _record(kind: str) -> dict:
    return catalogue.entry(_kind(kind).entry).provenance()


def _write_geoparquet(gdf, path: Path, meta: dict) -> None:
    """Write ``gdf`` atomically as GeoParquet with ``meta`` (JSON) added to the schema metadata."""
    import pyarrow.parquet as pq

    # geopandas writes the GeoParquet "geo" metadata; the table is then re-written with ours added.
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        staged = Path(tmp) / path.name
        gdf.to_parquet(staged, index=False, compression="zstd")
        write_table(pq.read_table(staged), path, meta)


def _read_geoparquet(path: Path):
    import geopandas as gpd
    import pyarrow.parquet as pq

    gdf = gpd.read_parquet(path)
    meta = json.loads((pq.read_schema(path).metadata or {}).get(_META_KEY, b"{}"))
    gdf.attrs = {}
    return gdf, meta


def _cache_path(kind: str) -> Path:
    e = catalogue.entry(_kind(kind).entry)
    return config.cache_dir() / f"boundaries-{kind}-{e.sha256[:16]}-v{VERSION}.parquet"


def snapshot_path(kind: str) -> Path:
    """Where the committed snapshot of a boundary kind lives."""
    _kind(kind)
    return config.snapshot_dir() / f"boundaries-{kind}.parquet"


def get_boundaries(kind: str = "lad", *, crs: str = BNG, source: str = "auto"):
    """Boundary polygons of one geography, reprojected to one CRS.

    Sources: ONS Open Geography Portal, *Local Authority Districts (December 2023) Boundaries UK BUC*
    (361 LADs: 296 England, 22 Wales, 32 Scotland, 11 Northern Ireland), *Local Enterprise Partnerships
    (May 2021) Boundaries EN BUC* (38 LEPs; overlapping LEPs overlap) and *International Territorial
    Level 3 (January 2021) Boundaries UK BUC V3* (179 ITL3 areas). BUC = ultra-generalised (500 m) and
    clipped to the coastline: fit for choropleths and approximate areas, not for precise GIS work.

    Parameters
    ----------
    kind : {"lad", "lep", "itl3"}
        Which geography.
    crs : str, default "EPSG:27700"
        Target CRS (anything pyproj understands). British National Grid (metres) is the default because
        areas, distances and overlays are only meaningful in a projected CRS.
    source : {"auto", "raw", "snapshot"}
        ``"auto"`` uses the verified raw file (through the GeoParquet cache) and falls back to the
        committed snapshot; ``"raw"`` never uses the snapshot; ``"snapshot"`` only uses it.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``area_code`` (GSS or ITL code, str), ``area_name`` and ``geometry`` (valid Polygon /
        MultiPolygon), sorted by code; ``attrs["provenance"]`` holds the source record and
        ``attrs["data_origin"]`` is ``raw``, ``cache`` or ``snapshot``.

    Raises
    ------
    SourceUnavailableError
        If the raw file is missing (or fails its checksum) and there is no snapshot.
    """
    spec = _kind(kind)
    if source not in ("auto", "raw", "snapshot"):
        raise ValueError(f"source must be 'auto', 'raw' or 'snapshot', not {source!r}.")
    gdf = None
    recs = [_record(kind)]
    raw = catalogue.verified_path(catalogue.entry(spec.entry)) if source in ("auto", "raw") else None
    if raw is not None:
        cache = _cache_path(kind)
        if cache.exists():
            gdf, meta = _read_geoparquet(cache)
            origin = "cache"
        else:
            gdf = parse_boundaries(raw, kind)
            _write_geoparquet(gdf, cache, {"kind": kind, "version": VERSION, "provenance": recs})
            origin = "raw"
    elif source in ("auto", "snapshot") and snapshot_path(kind).exists():
        gdf, meta = _read_geoparquet(snapshot_path(kind))
        recs = meta.get("provenance") or recs
        origin = "snapshot"
    if gdf is None:
        raise SourceUnavailableError(
            f"Boundaries {kind!r} need the official file {spec.entry} in {config.raw_dir()}, and no snapshot is "
            f"at {snapshot_path(kind)}. Run `evidence fetch {spec.entry}` (with --mirror DIR_OR_URL when offline)."
        )
    if gdf.crs is None or not gdf.crs.equals(crs):
        gdf = gdf.to_crs(crs)
    provenance.attach(gdf, recs)
    gdf.attrs["data_origin"] = origin
    return gdf


def snapshot_boundaries(dest_dir: Path | str | None = None, *, kinds: Iterable[str] = tuple(KINDS),
                        grid_size: float = 1.0) -> list[Path]:
    """Write compact GeoParquet snapshots ``boundaries-<kind>.parquet`` from the verified raw files.

    The published files are already generalised to 500 m, so no further simplification is needed to
    keep them small: coordinates are snapped to a ``grid_size`` metre grid in British National Grid
    (``shapely.set_precision``, which keeps geometries valid), which roughly halves the files (the LAD
    layer goes from ~370 kB to ~170 kB) while moving no vertex by more than ``grid_size`` metres.

    Parameters
    ----------
    dest_dir : path, optional
        Folder to write into (default ``config.snapshot_dir()``).
    kinds : iterable of str
        Which kinds (default all three).
    grid_size : float, default 1.0
        Precision grid in metres (0 keeps full precision).

    Returns
    -------
    list of Path
        The files written.
    """
    import shapely

    dest = Path(dest_dir) if dest_dir is not None else config.snapshot_dir()
    written = []
    for kind in kinds:
        gdf = get_boundaries(kind, crs=BNG, source="raw")
        if grid_size:
            gdf = gdf.copy()
            gdf["geometry"] = shapely.set_precision(gdf.geometry.values, grid_size)
        path = dest / f"boundaries-{kind}.parquet"
        _write_geoparquet(gdf, path, {"kind": kind, "version": VERSION, "grid_size_m": grid_size,
                                      "provenance": provenance.records(gdf)})
        written.append(path)
    return written


__all__ = ["KINDS", "BNG", "get_boundaries", "parse_boundaries", "snapshot_boundaries", "snapshot_path"]
