"""The benchmark suite (issue #7): every section, a table each, the targets, and benchmarks/results.md.

Usage: python benchmarks/run.py [--only SECTION ...] [--skip SECTION ...] [--quick] [--out FILE]
                                [--mirror DIR] [--workdir DIR]

Sections, each run in a fresh Python process:

- ``parse``: cold parse of every official spreadsheet, calamine against openpyxl;
- ``load``: every dataset parsed cold with each engine, and loaded warm from the parquet cache;
- ``pack``: one warm pack for BTVLEP, split into kernel start, data loading, computing, charting and export;
- ``scale``: aggregation, LQs and shift-share on a synthetic 30M-row BRES-by-LSOA-shaped panel;
- ``all``: ``evidence build --all`` with 1 and 2 workers (about half an hour; ``--skip all`` leaves it out);
- ``every``: the site of every area of England with 2 workers, then again with no change (about 580
  packs: an hour or more; ``--skip every``).

The official files are copied once from the mirror (default ``../shared/data``) into a temporary data folder;
every section gets its own data folder over those files, with an empty parquet cache.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from common import GB, ROOT, Result, Table, load_average, markdown, read_result, secs

BENCH = Path(__file__).resolve().parent
#: Section name -> (script, phases). A section of several phases has a ``combine`` in its module.
SECTIONS = {
    "parse": ("parse.py", [[]]),
    "load": ("load.py", [["--phase", "cold"], ["--phase", "warm"]]),
    "pack": ("pack.py", [[]]),
    "scale": ("scale.py", [[]]),
    "all": ("build_all.py", [[]]),
    "every": ("every.py", [[]]),
}
NEEDS_DATA = {"parse", "load", "pack", "all", "every"}
PACKAGES = ("pandas", "numpy", "pyarrow", "python-calamine", "openpyxl", "matplotlib", "papermill", "nbclient",
            "jupyter_client", "ipykernel", "psutil")


# ------------------------------------------------------------------------------------------------ the machine
def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _virtual() -> bool:
    try:
        return " hypervisor" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def machine() -> list[tuple[str, str]]:
    """The machine and software the run measured, as (what, value) rows."""
    import psutil

    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pass
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    if _git("status", "--porcelain", "--untracked-files=no"):
        commit += " (with uncommitted changes)"
    branch = _git("rev-parse", "--abbrev-ref", "HEAD")
    rows = [
        ("date", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("git commit", f"{commit} on {branch}" if branch else commit),
        ("CPU", f"{_cpu_model()}{' (virtual machine)' if _virtual() else ''}"),
        ("cores", f"{os.cpu_count()} logical, {psutil.cpu_count(logical=False) or '?'} physical"),
        ("RAM", f"{psutil.virtual_memory().total / GB:.1f} GB ({psutil.virtual_memory().total / 1024**3:.1f} GiB)"),
        ("OS", platform.platform()),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("packages", ", ".join(versions)),
    ]
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        rows.append(("environment", "PYTHONDONTWRITEBYTECODE is set: every process compiles the toolkit's modules "
                                    "afresh (no .pyc is written)"))
    return rows


# ------------------------------------------------------------------------------------------------ the sections
def _prepare_data(workdir: Path, mirror: str) -> Path:
    """Copy every catalogue file from the mirror once; return the raw folder."""
    base = workdir / "base"
    os.environ["EVIDENCE_DATA_DIR"] = str(base)
    try:
        from evidence.sources.fetch import fetch

        fetch(mirror=mirror, progress=False)
    finally:
        del os.environ["EVIDENCE_DATA_DIR"]
    return base / "raw"


def run_section(name: str, workdir: Path, raw: Path | None, quick: bool) -> Result:
    """Run a section's phases, each in a fresh process over a fresh data folder; return its result."""
    script, phases = SECTIONS[name]
    folder = workdir / name
    shutil.rmtree(folder, ignore_errors=True)  # a --workdir used before: start this section afresh
    data = folder / "data"
    data.mkdir(parents=True)
    if raw is not None:
        (data / "raw").symlink_to(raw, target_is_directory=True)
    env = {**os.environ, "EVIDENCE_DATA_DIR": str(data),
           "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    results = []
    for phase in phases:
        out = folder / f"{name}{'.' + phase[-1] if phase else ''}.json"
        cmd = [sys.executable, str(BENCH / script), "--json", str(out), *phase, *(["--quick"] if quick else [])]
        subprocess.run(cmd, env=env, cwd=ROOT, check=True)
        results.append(read_result(out))
    if len(results) == 1:
        return results[0]
    return importlib.import_module(Path(script).stem).combine(*results)


# ------------------------------------------------------------------------------------------------ the targets
def _explain(hint: str) -> str:
    return f"*Explanation to be written.* {hint}"


def targets(results: dict[str, Result]) -> list[list[str]]:
    """One row per target of the issue: target, measured, met, note."""
    rows = []
    pack = results.get("pack")
    if pack:
        m = pack.metrics
        warm = m["warm_s"]
        if m["split"]:
            parts = sorted(((v, k) for k, v in m["timings"].items() if k != "total"), reverse=True)
            hint = "Largest stages: " + ", ".join(f"{k.replace('_', ' ')} {v:.1f} s ({v / warm:.0%})"
                                                  for v, k in parts[:3]) + "."
        else:
            hint = "No split: this build_pack has no `timings` keyword yet."
        builder = f"; {m['warm_builder_s']:.1f} s in a warm builder" if "warm_builder_s" in m else ""
        rows.append([WARM, f"{warm:.1f} s ({m['area']}, new process{builder})", _met(warm <= 6),
                     "" if warm <= 6 else _explain(hint)])
    else:
        rows.append([WARM, "not measured", "—", "section `pack` not run"])
    full = results.get("all")
    two = [r for r in full.metrics["runs"] if r["jobs"] == 2] if full else []
    if two and not full.metrics["quick"]:
        m, r = full.metrics, two[0]
        ok = r["seconds"] <= 60 and not r["failures"] and r["built"] == m["areas"]
        failed = f"; {len(r['failures'])} pack(s) failed" if r["failures"] else ""
        rows.append([BATCH, f"{r['seconds']:.0f} s for {m['areas']} packs{failed}", _met(ok),
                     "" if ok else _explain(f"{r['seconds'] / m['areas']:.1f} s per pack with 2 workers.")])
        if r.get("peak_pss"):
            per_worker = r["peak_pss"] / GB / 2
            measured = (f"{per_worker:.2f} GB (the 2-worker process tree's peak PSS, {r['peak_pss'] / GB:.2f} GB, "
                        f"halved; it includes the parent process. Its RSS sum, which counts shared pages in every "
                        f"process, peaked at {r['peak_rss'] / GB:.2f} GB)")
        else:
            per_worker = r["peak_rss"] / GB / 2
            measured = (f"{per_worker:.2f} GB (the 2-worker process tree's peak RSS, {r['peak_rss'] / GB:.2f} GB, "
                        "halved; it includes the parent process)")
        rows.append([MEMORY, measured, _met(per_worker <= 1.5),
                     "" if per_worker <= 1.5 else _explain("See the all section.")])
    elif two:
        r = two[0]
        rows.append([BATCH, "not measured", "—",
                     f"`--quick` built {full.metrics['areas']} areas with 2 workers in {r['seconds']:.0f} s"])
        rows.append([MEMORY, "not measured", "—", "`--quick`"])
    else:
        rows.append([BATCH, "not measured", "—", "section `all` not run"])
        rows.append([MEMORY, "not measured", "—", "section `all` not run"])
    every = results.get("every")
    if every and not every.metrics["quick"]:
        m = every.metrics
        ok = m["seconds"] <= 20 * 60 and not m["failures"]
        rows.append([EVERY, f"{m['seconds'] / 60:.1f} min for {m['built']} packs and {m['pages']:,} pages "
                     f"({m['failures']} failed)", _met(ok),
                     "" if ok else _explain(f"{m['seconds'] / max(m['built'], 1):.1f} s per pack with 2 workers.")])
        ok = m["again_s"] <= 60 and m["again_built"] == 0
        rows.append([AGAIN, f"{m['again_s']:.1f} s ({m['again_built']} packs rebuilt)", _met(ok),
                     "" if ok else _explain("See the every section.")])
    else:
        for t in (EVERY, AGAIN):
            rows.append([t, "not measured", "—", "section `every` not run (`--skip every`, or `--quick`)"])
    load = results.get("load")
    if load:
        m = load.metrics
        r = m["cold_openpyxl_s"] / m["warm_s"]
        quick = load.metrics.get("quick", False)
        partial = f" ({m['datasets']} datasets only, `--quick`)" if quick else ""
        rows.append(["a warm load of all datasets ≥ 20× faster than parsing them with openpyxl",
                     f"{r:.0f}× ({m['cold_openpyxl_s']:.1f} s against {m['warm_s']:.2f} s){partial}",
                     _met(r >= 20, quick),
                     "" if r >= 20 or quick else _explain("See the per-dataset ratios in the load section.")])
    else:
        rows.append(["a warm load of all datasets ≥ 20× faster than parsing them with openpyxl", "not measured",
                     "—", "section `load` not run"])
    scale = results.get("scale")
    if scale:
        m = scale.metrics
        size = f" ({m['rows'] / 1e6:.1f}M rows, `--quick`)" if m["quick"] else ""
        quick = m["quick"]
        rows.append(["the 30M-row panel in ≤ 60 s", f"{m['total_s']:.1f} s{size}", _met(m["total_s"] <= 60, quick),
                     "" if m["total_s"] <= 60 or quick else _explain("See the steps in the scale section.")])
        rows.append(["the 30M-row panel in ≤ 6 GB peak", f"{m['peak_rss_gb']:.2f} GB{size}",
                     _met(m["peak_rss_gb"] <= 6, quick),
                     "" if m["peak_rss_gb"] <= 6 or quick else _explain("See the scale section.")])
    else:
        for t in ("the 30M-row panel in ≤ 60 s", "the 30M-row panel in ≤ 6 GB peak"):
            rows.append([t, "not measured", "—", "section `scale` not run"])
    return rows


WARM = "a warm single pack (new process, an area not built before) ≤ 6 s"
BATCH = "all 37 LEP packs of 2021, 2 workers, ≤ 60 s"
MEMORY = "peak memory per worker ≤ 1.5 GB"
EVERY = "every area of England (about 600 packs), 2 workers, ≤ 20 min"
AGAIN = "no-change rebuild of every area ≤ 60 s"


def _met(ok: bool, partial: bool = False) -> str:
    if partial:
        return "n/a (`--quick`)"
    return "yes" if ok else "**no**"


# ------------------------------------------------------------------------------------------------ the report
def report(results: dict[str, Result], failures: dict[str, str], runs: dict[str, dict], machine_rows, args,
           loads: tuple[str, str]) -> str:
    chosen = [s for s in SECTIONS if s in runs or s in failures]
    lines = ["# Benchmarks", "",
             f"Made by `python benchmarks/run.py{' ' + ' '.join(sys.argv[1:]) if sys.argv[1:] else ''}` "
             f"(`make bench`). Sections run: {', '.join(chosen) or 'none'}"
             + (f"; not run: {', '.join(s for s in SECTIONS if s not in chosen)}" if len(chosen) < len(SECTIONS)
                else "") + (". **`--quick`: a smoke run on reduced inputs.**" if args.quick else "."), "",
             "Timings are wall-clock seconds from **one run on a shared machine**: other work may have been running "
             "(see the load averages). Compare the ratios, which one run measures reliably, rather than the absolute "
             "times; every ratio below is taken within this run.", "",
             "## Machine", ""]
    mt = Table("", ["", ""], [[k, v] for k, v in machine_rows])
    mt.rows.append(["load average (1, 5, 15 min)", f"{loads[0]} at the start, {loads[1]} at the end"])
    lines += [markdown(mt), "", "## Targets", "",
              markdown(Table("", ["target", "measured", "met?", "note"], targets(results), "llll")), ""]
    for name in chosen:
        if name in failures:
            lines += [f"## {name}", "", f"**The section failed:** {failures[name]}", ""]
            continue
        r = results[name]
        run = runs[name]
        lines += [f"## {r.title} (`{name}`)", ""]
        for t in r.tables:
            lines += [f"**{t.title}**", "", markdown(t), ""]
        lines += [*(n + "\n" for n in r.notes),
                  f"*Section wall time {run['seconds']:.0f} s; load average {run['load_before']} before, "
                  f"{run['load_after']} after.*", ""]
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.splitlines()[4:]))
    ap.add_argument("--only", nargs="+", choices=list(SECTIONS), metavar="SECTION", help="run only these sections")
    ap.add_argument("--skip", nargs="+", choices=list(SECTIONS), default=[], metavar="SECTION",
                    help="leave these sections out")
    ap.add_argument("--quick", action="store_true", help="a fast smoke run on reduced inputs (not for the record)")
    ap.add_argument("--out", type=Path, default=BENCH / "results.md", help="the report (default %(default)s)")
    ap.add_argument("--mirror", default=str(ROOT.parent / "shared" / "data"),
                    help="a folder or URL laid out like the official-data mirror (default %(default)s)")
    ap.add_argument("--workdir", type=Path, default=None,
                    help="keep the data folders, packs and logs here instead of a temporary folder")
    args = ap.parse_args()
    chosen = [s for s in SECTIONS if (not args.only or s in args.only) and s not in args.skip]
    machine_rows = machine()
    load_start = load_average()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="evidence-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Result] = {}
    failures: dict[str, str] = {}
    runs: dict[str, dict] = {}
    try:
        raw = None
        if NEEDS_DATA & set(chosen):
            print(f"copying the official files from {args.mirror}", file=sys.stderr, flush=True)
            raw = _prepare_data(workdir, args.mirror)
        for i, name in enumerate(chosen, 1):
            print(f"== {name} ({i}/{len(chosen)})", file=sys.stderr, flush=True)
            before, t0 = load_average(), time.perf_counter()
            try:
                results[name] = run_section(name, workdir, raw if name in NEEDS_DATA else None, args.quick)
            except subprocess.CalledProcessError as exc:
                failures[name] = (f"`{Path(exc.cmd[1]).name}` exited with code {exc.returncode} (its output went "
                                  "to the terminal).")
            runs[name] = {"seconds": time.perf_counter() - t0, "load_before": before, "load_after": load_average()}
            if name in results:
                r = results[name]
                print(f"\n## {r.title}\n", flush=True)
                for t in r.tables:
                    print(f"{t.title}\n\n{markdown(t)}\n", flush=True)
                print(f"({name}: {secs(runs[name]['seconds'], 0)} s)", file=sys.stderr, flush=True)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    text = report(results, failures, runs, machine_rows, args, (load_start, load_average()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print("\n## Targets\n\n" + markdown(Table("", ["target", "measured", "met?", "note"], targets(results), "llll")))
    print(f"\nwritten to {args.out}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
