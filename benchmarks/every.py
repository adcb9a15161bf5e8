"""Section "every": the site of every area of England with 2 workers (about 580 packs; an hour or more).

``python -m evidence site --jobs 2`` builds every area's pack (LEPs at 2021 and 2017, CAs, regions, groups, ITL3
and districts) and the site's pages, in a fresh process with an empty parquet and result cache, as a new user's
first build would. The same command is then run again on the unchanged site: the no-change rebuild. The site's
size is summed by kind of file. ``--quick`` builds a site of two areas.
``run.py --skip every`` leaves the section out.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from common import GB, Result, Table, gb, run_logged, secs, section_args, status, write_result

JOBS = 2
QUICK_AREAS = ("E06000009", "E47000001")  # Blackpool and the Greater Manchester CA
#: File kinds of the size table, by suffix.
KINDS = {".pdf": "PDF reports", ".ipynb": "executed notebooks", ".svg": "charts (SVG)", ".png": "images (PNG)",
         ".csv": "tables (CSV)", ".parquet": "tables (parquet)", ".xlsx": "workbooks", ".html": "HTML pages",
         ".json": "JSON"}


def _site(out: Path, quick: bool, log: Path) -> dict:
    what = list(QUICK_AREAS) if quick else []
    cmd = [sys.executable, "-m", "evidence", "site", *what, "--out", str(out), "--jobs", str(JOBS), "--quiet"]
    run = run_logged(cmd, log)
    written = re.search(r"(\d+) pages, (\d+) pack\(s\) built, (\d+) reused", run.pop("text"))
    run["pages"], run["built"], run["reused"] = (int(x) for x in written.groups()) if written else (0, 0, 0)
    return run


def sizes(folder: Path) -> tuple[Counter, Counter]:
    """Bytes and file counts of ``folder``, by kind of file (:data:`KINDS`, else "other")."""
    size, count = Counter(), Counter()
    for f in folder.rglob("*"):
        if f.is_file():
            kind = KINDS.get(f.suffix, "other")
            size[kind] += f.stat().st_size
            count[kind] += 1
    return size, count


def main() -> int:
    args = section_args(__doc__.splitlines()[0])
    work = args.json.parent
    out = work / "site"
    status(f"every area's site with {JOBS} workers (first build)")
    first = _site(out, args.quick, work / "every-first.log")
    status("the same site again, nothing changed")
    again = _site(out, args.quick, work / "every-again.log")
    packs = len([p for p in (out / "packs").iterdir() if p.is_dir()]) if (out / "packs").is_dir() else 0
    size, count = sizes(out)
    total = sum(size.values())

    runs = Table(f"The site of every area, {JOBS} workers", [
        "build", "packs built", "reused", "failed", "pages", "wall (s)", "wall (min)", "per pack built (s)",
        "peak RSS, process tree (GB)", "peak PSS, process tree (GB)"], align="lrrrrrrrrr")
    for name, r in (("first (empty caches)", first), ("again, no change", again)):
        runs.rows.append([name, r["built"], r["reused"], len(r["failures"]), r["pages"], secs(r["seconds"], 1),
                          secs(r["seconds"] / 60, 1), secs(r["seconds"] / r["built"], 1) if r["built"] else "—",
                          gb(r["peak_rss"]), gb(r["peak_pss"])])
    by_kind = Table(f"The site's size: {total / GB:.2f} GB in {sum(count.values()):,} files, {packs} packs",
                    ["kind of file", "files", "size (MB)", "per pack (MB)", "share"], align="lrrrr")
    for kind, n in size.most_common():
        by_kind.rows.append([kind, f"{count[kind]:,}", f"{n / 1e6:,.1f}", f"{n / 1e6 / max(packs, 1):.2f}",
                             f"{n / total:.0%}"])
    notes = [f"`python -m evidence site{' <2 areas>' if args.quick else ''} --out site --jobs {JOBS}` in a fresh "
             "process with an empty parquet and result cache, then the same command again with nothing changed. "
             "Peak RSS and PSS are those of the whole process tree (the builder, its workers, their notebook "
             "kernels and Chromium), sampled every 0.25 s."]
    if args.quick:
        notes.append(f"`--quick`: {len(QUICK_AREAS)} areas ({', '.join(QUICK_AREAS)}), not every area.")
    for name, r in (("first", first), ("again", again)):
        notes += [f"Failed ({name}): {f}" for f in r["failures"][:10]]
    write_result(Result("every", "Every area of England: the site", notes=notes, tables=[runs, by_kind],
                        metrics={"quick": args.quick, "seconds": first["seconds"], "built": first["built"],
                                 "failures": len(first["failures"]), "pages": first["pages"],
                                 "again_s": again["seconds"], "again_built": again["built"],
                                 "size_gb": total / GB, "packs": packs,
                                 "peak_rss_gb": first["peak_rss"] / GB, "peak_pss_gb": first["peak_pss"] / GB}),
                 args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
