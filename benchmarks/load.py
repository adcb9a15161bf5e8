"""Cold parse against warm load, for every registered dataset.

Usage: python benchmarks/load.py [--mirror DIR] [--out benchmarks/load-results.md]

A temporary data folder is filled from the mirror (default ../shared/data); each dataset is then loaded
twice: cold (the official files are parsed and the parquet cache written) and warm (the cache is read). The
warm load is checked to read no spreadsheet or CSV. Times are wall-clock on this machine; compare the ratio,
which is what the run measures reliably on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mirror", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "load-results.md"))
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["EVIDENCE_DATA_DIR"] = tmp
        import pandas as pd

        from evidence.fetch import fetch
        from evidence.sources import registry
        from evidence.sources.base import load

        fetch(mirror=args.mirror, progress=False)
        rows = []
        for name, ds in registry().items():
            t0 = time.perf_counter()
            df = load(ds)
            cold = time.perf_counter() - t0
            def refuse(*a, **k):
                raise AssertionError("warm load read a source file")
            with mock.patch.object(pd, "read_excel", refuse), mock.patch.object(pd, "read_csv", refuse):
                t0 = time.perf_counter()
                warm_df = load(ds)
                warm = time.perf_counter() - t0
            assert warm_df.attrs["data_origin"] == "cache" and len(warm_df) == len(df)
            rows.append((name, len(df), cold, warm))
    total_cold = sum(r[2] for r in rows)
    total_warm = sum(r[3] for r in rows)
    lines = [
        "# Load benchmark: cold parse vs warm load", "",
        f"Machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} cores. "
        "Times are wall-clock seconds from one run; the ratio is the figure to quote.", "",
        "| dataset | rows | cold parse (s) | warm load (s) | ratio |", "|---|---:|---:|---:|---:|",
    ]
    for name, n, c, w in rows:
        lines.append(f"| {name} | {n:,} | {c:.3f} | {w:.3f} | {c / w:.0f}x |")
    lines.append(f"| **all {len(rows)} datasets** | | **{total_cold:.2f}** | **{total_warm:.2f}** | "
                 f"**{total_cold / total_warm:.0f}x** |")
    text = "\n".join(lines) + "\n"
    Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
