"""Section "every": a pack for every area of England with 2 workers (about 600 packs; hours on a loaded machine).

Each area type is one ``python -m evidence build --all --type T --jobs 2`` in its own process, writing to a fresh
folder, after one warm-up pack that fills the parquet and result caches. ``--quick`` builds two areas per type.
``run.py --skip every`` leaves the section out.
"""

from __future__ import annotations

import re
import subprocess
import sys

from common import GB, PeakRSS, Result, Table, Timer, gb, secs, section_args, status, write_result

JOBS = 2
#: (area type, LEP vintage): LEPs at 2021 and 2017, then every other type of the registry.
RUNS = (("lep", 2021), ("lep", 2017), ("ca", 2021), ("region", 2021), ("lad", 2021), ("itl2", 2021),
        ("itl3", 2021), ("group", 2021))


def _build(area_type: str, vintage: int, out, quick: bool) -> dict:
    if quick:
        from evidence import geography

        codes = list(geography.areas(type=area_type, vintage=vintage).area_code[:2])
        what = [*codes, "--type", area_type]
    else:
        what = ["--all", "--type", area_type]
    cmd = [sys.executable, "-m", "evidence", "build", *what, "--vintage", str(vintage), "--jobs", str(JOBS),
           "--out", str(out), "--quiet"]
    log = out.with_suffix(".log")
    with open(log, "w") as fh, Timer() as t:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT)
        with PeakRSS(proc.pid, tree=True, interval=0.25) as mem:
            code = proc.wait()
    text = log.read_text()
    built = re.search(r"(\d+) pack\(s\) built", text)
    return {"type": area_type, "vintage": vintage, "seconds": t.seconds, "exit": code,
            "built": int(built.group(1)) if built else 0,
            "failures": re.findall(r"^FAILED (.*)$", text, flags=re.M), "peak_rss": mem.peak}


def main() -> int:
    args = section_args(__doc__.splitlines()[0])
    work = args.json.parent
    status("warm-up pack")
    subprocess.run([sys.executable, "-m", "evidence", "build", "BTVLEP", "--out", str(work / "warm-up"), "--quiet"],
                   check=False, capture_output=True)
    runs = []
    for area_type, vintage in RUNS:
        status(f"every {area_type} ({vintage}) with {JOBS} workers")
        runs.append(_build(area_type, vintage, work / f"every-{area_type}-{vintage}", args.quick))
    table = Table(f"Every area, {JOBS} workers", ["area type", "vintage", "packs built", "failed", "wall (s)",
                                                  "per pack (s)", "peak RSS, process tree (GB)"], align="llrrrrr")
    for r in runs:
        table.rows.append([r["type"], r["vintage"], r["built"], len(r["failures"]), secs(r["seconds"], 1),
                           secs(r["seconds"] / max(r["built"], 1), 1), gb(r["peak_rss"])])
    total = sum(r["seconds"] for r in runs)
    built = sum(r["built"] for r in runs)
    table.rows.append(["**total**", "", built, sum(len(r["failures"]) for r in runs), secs(total, 1), "", ""])
    notes = [f"One `python -m evidence build --all --type T --jobs {JOBS}` per row, each in a fresh process."]
    if args.quick:
        notes.append("`--quick`: two areas of each type only.")
    for r in runs:
        notes += [f"Failed ({r['type']}): {f}" for f in r["failures"][:5]]
    write_result(Result("every", "Every area of England", notes=notes, tables=[table],
                        metrics={"quick": args.quick, "seconds": total, "built": built,
                                 "failures": sum(len(r["failures"]) for r in runs),
                                 "peak_rss_gb": max(r["peak_rss"] for r in runs) / GB}), args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
