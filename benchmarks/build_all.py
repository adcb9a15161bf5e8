"""Section "all": ``evidence build --all --vintage 2021`` with 1 and with 2 workers.

Each build is the command line (``python -m evidence build ...``) in its own process, writing to a fresh
folder. One pack is built first so that both builds start with warm parquet and result caches. ``--quick`` builds a
handful of areas instead of all 38 LEPs.
"""

from __future__ import annotations

import os
import sys

from common import GB, Result, Table, gb, ratio, run_logged, secs, section_args, status, write_result

VINTAGE = 2021
QUICK_AREAS = ("BTVLEP", "Lancashire", "OxLEP", "Greater Birmingham and Solihull")
#: ``BENCH_ALL_WORKERS=2`` measures only the 2-worker build (half the section's time), e.g. on a shared machine.
WORKERS = tuple(int(w) for w in os.environ.get("BENCH_ALL_WORKERS", "1,2").split(","))


def _build(areas: list[str], jobs: int, out) -> dict:
    cmd = [sys.executable, "-m", "evidence", "build", *(areas or ["--all"]), "--vintage", str(VINTAGE),
           "--jobs", str(jobs), "--out", str(out), "--quiet"]
    run = run_logged(cmd, out.with_suffix(".log"))
    del run["text"]
    return {"jobs": jobs, **run}


def main() -> int:
    args = section_args(__doc__.splitlines()[0])
    from evidence import geography

    areas = list(QUICK_AREAS) if args.quick else []
    n = len(areas) or len(geography.areas(type="lep", vintage=VINTAGE))
    work = args.json.parent
    status("one pack first, to warm the parquet and result caches")
    warm_up = _build(["BTVLEP"], 1, work / "all-warm-up")
    runs = []
    for jobs in WORKERS:
        status(f"{'--all' if not areas else ', '.join(areas)} with {jobs} worker(s)")
        runs.append(_build(areas, jobs, work / f"all-jobs{jobs}"))
    table = Table(f"{n} {'areas (--quick)' if areas else 'LEP packs'}, {VINTAGE} geography",
                  ["workers", "packs built", "failed", "exit code", "wall (s)", "wall (min)", "per pack (s)",
                   "peak RSS, process tree (GB)", "peak PSS, process tree (GB)"], align="rrrrrrrrr")
    for r in runs:
        table.rows.append([r["jobs"], r["built"], len(r["failures"]), r["exit"], secs(r["seconds"], 1),
                           secs(r["seconds"] / 60, 1), secs(r["seconds"] / n, 1), gb(r["peak_rss"]),
                           gb(r.get("peak_pss") or float("nan"))])
    speedup = (f"2 workers against 1: {ratio(runs[0]['seconds'], runs[1]['seconds'])} faster. "
               if len(runs) > 1 else f"Only {runs[0]['jobs']} worker(s) measured (BENCH_ALL_WORKERS). ")
    notes = [f"Each build runs `{' '.join(['python -m evidence build', '--all' if not areas else '<areas>'])} "
             f"--vintage {VINTAGE} --jobs N` in a fresh process, after one warm-up pack "
             f"({warm_up['seconds']:.0f} s) that filled the parquet cache and the result cache (the LEP-wide results "
             f"every pack shares). {speedup}"
             "Peak RSS sums the build process, its workers, their notebook kernels and Chromium's processes, sampled "
             "every 0.25 s; it counts a shared page once in every process that maps it. Peak PSS (proportional set "
             "size) shares each such page among them, so it is the memory the tree really uses."]
    if areas:
        notes.append(f"`--quick`: {n} areas ({', '.join(areas)}), not all 38 LEPs.")
    for r in runs:
        for f in r["failures"][:10]:
            notes.append(f"Failed with {r['jobs']} worker(s): {f}")
    best = min(runs, key=lambda r: r["seconds"])
    result = Result("all", f"All LEP packs with {' and '.join(map(str, WORKERS))} worker(s)", notes=notes,
                    tables=[table],
                    metrics={"areas": n, "quick": bool(areas), "runs": runs, "best_s": best["seconds"],
                             "best_jobs": best["jobs"], "failures": sum(len(r["failures"]) for r in runs),
                             "peak_rss_gb": max(r["peak_rss"] for r in runs) / GB})
    write_result(result, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
