"""What the benchmark sections share: the result record, wall-clock timing, peak-memory sampling, tables.

Each section is a script in ``benchmarks/`` that ``run.py`` starts in a fresh Python process. It writes one
JSON result (tables, notes and the figures the targets are checked against) with :func:`write_result`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as `python benchmarks/<section>.py`: import evidence from this checkout
    sys.path.insert(0, str(ROOT))

GB = 1e9  # memory is reported in decimal gigabytes, as the targets are written


@dataclass
class Table:
    """A table of the report: ``align`` has one character per column, ``l`` or ``r``."""

    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    align: str = ""


@dataclass
class Result:
    """What one section reports: its tables, notes (Markdown paragraphs) and figures for the targets."""

    section: str
    title: str
    notes: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)


def section_args(description: str, extra: Callable[[argparse.ArgumentParser], None] | None = None
                 ) -> argparse.Namespace:
    """The options every section takes from ``run.py``: where to write its JSON, and ``--quick``."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--json", type=Path, required=True, help="where to write the section's result")
    ap.add_argument("--quick", action="store_true", help="a small smoke run")
    if extra:
        extra(ap)
    return ap.parse_args()


def write_result(result: Result, path: Path) -> None:
    path.write_text(json.dumps(asdict(result), indent=1, default=str) + "\n")


def read_result(path: Path) -> Result:
    raw = json.loads(path.read_text())
    raw["tables"] = [Table(**t) for t in raw["tables"]]
    return Result(**raw)


def status(text: str) -> None:
    """A progress line on stderr (stdout carries the tables)."""
    print(f"  {time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds`` (wall clock, ``time.perf_counter``)."""

    def __enter__(self) -> Timer:
        self._t0 = time.perf_counter()
        self.seconds = float("nan")
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self._t0


class PeakRSS:
    """Sample the resident set size of a process and, with ``tree=True``, all its descendants (summed),
    every ``interval`` seconds in a background thread; ``peak`` is the largest sample, in bytes.

    Sampling can miss a spike shorter than the interval; :func:`max_rss` (the kernel's high-water mark for
    this process) cannot, but covers the whole life of the process and no children.

    With ``tree=True``, ``peak_pss`` is also the largest sum of proportional set sizes (Linux): a page shared by
    several processes (Chromium's renderers, a forked worker's copy of its parent) counts once in total, where
    the RSS sum counts it in every process. It is 0 where PSS cannot be read.
    """

    def __init__(self, pid: int | None = None, *, tree: bool = False, interval: float = 0.01):
        import psutil

        self._proc = psutil.Process(pid)
        self._tree = tree
        self._interval = interval
        self._stop = threading.Event()
        self.peak = 0
        self.peak_pss = 0

    def _pss(self) -> int:
        import psutil

        try:
            procs = [self._proc, *self._proc.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0
        total = 0
        for p in procs:
            try:
                total += getattr(p.memory_full_info(), "pss", 0)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        return total

    def _rss(self) -> int:
        import psutil

        try:
            procs = [self._proc, *self._proc.children(recursive=True)] if self._tree else [self._proc]
        except psutil.NoSuchProcess:  # the process has ended
            return 0
        total = 0
        for p in procs:
            try:
                total += p.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass  # a child that ended between listing and reading
        return total

    def _run(self) -> None:
        n = 0
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            if self._tree and (self._interval >= 0.1 or n % 10 == 0):  # reading smaps is slower
                self.peak_pss = max(self.peak_pss, self._pss())
            n += 1
            self._stop.wait(self._interval)

    def __enter__(self) -> PeakRSS:
        self.peak = self._rss()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())


def run_logged(cmd: list[str], log: Path) -> dict:
    """Run ``cmd`` in a new process with its output in ``log``, sampling the process tree's memory every 0.25 s.

    Returns ``seconds`` (wall), ``exit``, ``text`` (the log), ``built`` (from the CLI's "N pack(s) built"),
    ``failures`` (its ``FAILED`` lines), ``peak_rss`` and ``peak_pss`` (bytes; see :class:`PeakRSS`).
    """
    import re
    import subprocess

    with open(log, "w") as fh, Timer() as t:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT)
        with PeakRSS(proc.pid, tree=True, interval=0.25) as mem:
            code = proc.wait()
    text = log.read_text()
    built = re.search(r"(\d+) pack\(s\) built", text)
    return {"seconds": t.seconds, "exit": code, "text": text, "built": int(built.group(1)) if built else 0,
            "failures": re.findall(r"^FAILED (.*)$", text, flags=re.M), "peak_rss": mem.peak,
            "peak_pss": mem.peak_pss, "log": str(log)}


def max_rss() -> int:
    """This process's peak resident set size so far (``getrusage``; Linux reports KiB), in bytes."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages, e.g. ``"1.02 0.80 0.55"``."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def secs(x: float | None, digits: int = 2) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def gb(n: float | None) -> str:
    return "n/a" if n is None else f"{n / GB:.2f}"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b <= 0:
        return "n/a"
    r = a / b
    return f"{r:.0f}×" if r >= 10 else f"{r:.1f}×"


def markdown(table: Table) -> str:
    """A table as GitHub Markdown."""
    align = table.align or "l" * len(table.columns)
    lines = ["| " + " | ".join(table.columns) + " |",
             "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in table.rows]
    return "\n".join(lines)


def quiet_openpyxl() -> None:
    """openpyxl warns about every workbook without a default style (most ONS and Nomis files)."""
    import warnings

    warnings.filterwarnings("ignore", message="Workbook contains no default style", category=UserWarning)
