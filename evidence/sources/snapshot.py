"""The committed snapshot: compact tidy tables that let a fresh clone run with no network and no raw files.

``evidence process`` rebuilds ``data/processed/snapshot/`` from the verified files in ``data/raw`` using the
toolkit's own parsers. Each dataset becomes one zstd-compressed parquet file carrying its provenance, and
``MANIFEST.json`` / ``MANIFEST.md`` record every source's release and sha256 with the Open Government Licence
attribution. Nothing in the snapshot is a byte copy of a raw file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from tqdm.auto import tqdm

from .. import config, provenance
from ..errors import ChecksumMismatchError, SourceUnavailableError
from . import catalogue, registry
from .base import load, mismatch_message, raw_paths, write_parquet

#: The snapshot must stay small enough to commit.
SIZE_LIMIT_BYTES = 15 * 1024 * 1024
OGL = ("Contains public sector information licensed under the Open Government Licence v3.0 "
       "(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/).")


def _extra_writers() -> list:
    """Snapshot writers for non-tabular data (boundaries), if their modules exist."""
    from .boundaries import snapshot_boundaries
    from .subnational import snapshot_subnational_metadata

    return [("boundaries", snapshot_boundaries), ("subnational-metadata", snapshot_subnational_metadata)]


def build_snapshot(names: Iterable[str] | None = None, *, dest: Path | None = None, progress: bool = True) -> dict:
    """Parse every registered dataset from ``data/raw`` and write the snapshot; return the manifest.

    Datasets whose raw files are missing are skipped with a note in the manifest (their previous snapshot,
    if any, is kept), so a partial ``data/raw`` never deletes good tables.
    """
    dest = dest or config.snapshot_dir()
    dest.mkdir(parents=True, exist_ok=True)
    manifest_path = dest / "MANIFEST.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"datasets": {}}
    chosen = [registry()[n] for n in names] if names else [d for d in registry().values() if d.snapshot]
    skipped, mismatched = [], {}
    for ds in tqdm(chosen, desc="process", unit="dataset", disable=not progress):
        if raw_paths(ds) is None:
            for e in ds.entries():
                if catalogue.status(e) == "checksum mismatch":
                    mismatched[e.name] = e
            skipped.append(ds.name)
            continue
        df = load(ds, source="raw")
        write_parquet(df, dest / f"{ds.name}.parquet",
                      {"dataset": ds.name, "version": ds.version, "provenance": provenance.records(df)},
                      compression_level=19)
        manifest["datasets"][ds.name] = {
            "title": ds.title,
            "parser_version": ds.version,
            "rows": int(len(df)),
            "bytes": (dest / f"{ds.name}.parquet").stat().st_size,
            "sources": [{k: r.get(k) for k in ("name", "title", "publisher", "release", "release_date", "url",
                                               "licence", "sha256", "file")} for r in provenance.records(df)],
        }
    if not names:
        for label, writer in _extra_writers():
            try:
                written = writer(dest)
                written = written if isinstance(written, list) else [written]
                manifest.setdefault("extras", {})[label] = sorted(Path(p).name for p in written)
            except SourceUnavailableError:
                skipped.append(label)
    manifest["built"] = datetime.now(UTC).strftime("%Y-%m-%d")
    manifest["licence"] = OGL
    manifest["skipped"] = sorted(skipped)
    total = sum(p.stat().st_size for p in dest.glob("*.parquet"))
    manifest["total_bytes"] = total
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    (dest / "MANIFEST.md").write_text(_manifest_markdown(manifest))
    if total > SIZE_LIMIT_BYTES:
        raise ValueError(f"the snapshot is {total / 1e6:.1f} MB, over the {SIZE_LIMIT_BYTES / 2**20:.0f} MB limit")
    if mismatched:
        # a file that is there but is not the pinned release is an error, never "missing"
        raise ChecksumMismatchError("; ".join(mismatch_message(e) for e in mismatched.values())
                                    + f". Its dataset(s) were not processed: {', '.join(sorted(skipped))}.")
    if skipped and progress:
        print(f"skipped (raw files missing; run `evidence fetch`): {', '.join(sorted(skipped))}")
    return manifest


def _manifest_markdown(manifest: dict) -> str:
    lines = ["# Snapshot of derived tables", "",
             "Tidy tables parsed by LIS Evidence from the pinned official files (`evidence process`). "
             "They are derived tables, not copies of the publishers' files.", "", OGL, "",
             "| dataset | rows | bytes | sources (release, sha256) |", "|---|---|---|---|"]
    for name, d in sorted(manifest["datasets"].items()):
        srcs = "<br>".join(f"{s['publisher']}: {s['title']} ({s['release']}; `{s['sha256'][:12]}…`)"
                           for s in d["sources"])
        lines.append(f"| {name} | {d['rows']:,} | {d['bytes']:,} | {srcs} |")
    lines += ["", f"Total: {manifest['total_bytes']:,} bytes. Built {manifest['built']}.", ""]
    return "\n".join(lines)
