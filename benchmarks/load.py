"""Section "load": every registered dataset parsed cold (calamine, then openpyxl) and loaded warm.

Two processes, run one after the other by ``run.py`` on one data folder whose parquet cache starts empty:

``--phase cold``
    for each dataset, ``load()`` with calamine (the files are parsed, validated and the parquet cache
    written), then the same parse with ``EVIDENCE_EXCEL_ENGINE=openpyxl`` (``load(use_cache=False)``: parse
    and validate, no cache written), checked to give the identical frame;
``--phase warm``
    a fresh process loads each dataset again from the cache (checking every raw file's sha256, as a new
    session does) and is checked to read no spreadsheet or CSV.
"""

from __future__ import annotations

import os
from pathlib import Path
from unittest import mock

from common import Result, Table, Timer, quiet_openpyxl, ratio, secs, section_args, status, write_result

SPREADSHEETS = (".xlsx", ".xlsm", ".xls")
QUICK = 5  # datasets in a --quick run


def _datasets(args) -> list:
    from evidence.sources import registry

    found = list(registry().items())
    return found[:QUICK] if args.quick else found


def _engine_label(paths: list[Path]) -> str:
    kinds = {p.suffix.lower() for p in paths}
    if kinds & {".xlsx", ".xlsm"}:
        return "openpyxl" + (" + calamine (.xls)" if ".xls" in kinds else "")
    return "calamine (.xls)" if ".xls" in kinds else "no spreadsheet"


def cold(args) -> Result:
    import pandas as pd

    from evidence.sources.base import EXCEL_ENGINE_ENV, load, raw_paths

    rows = []
    for name, ds in _datasets(args):
        status(f"cold {name}")
        os.environ[EXCEL_ENGINE_ENV] = "calamine"
        with Timer() as t_cal:
            df = load(ds)
        if df.attrs.get("data_origin") != "raw":
            raise RuntimeError(f"{name}: the cold load did not parse the raw files ({df.attrs.get('data_origin')})")
        os.environ[EXCEL_ENGINE_ENV] = "openpyxl"
        with Timer() as t_opx:
            other = load(ds, use_cache=False)
        os.environ[EXCEL_ENGINE_ENV] = "calamine"
        try:
            pd.testing.assert_frame_equal(df, other, check_exact=True)
            same = "yes"
        except AssertionError:
            same = "**no**"
        paths = list(raw_paths(ds).values())
        rows.append({"dataset": name, "rows": len(df), "calamine": t_cal.seconds, "openpyxl": t_opx.seconds,
                     "engine": _engine_label(paths), "same": same,
                     "spreadsheet": any(p.suffix.lower() in SPREADSHEETS for p in paths)})
    return Result("load", "Warm load against cold parse", metrics={"cold": rows, "quick": args.quick})


def warm(args) -> Result:
    import pandas as pd

    from evidence.sources.base import load

    def refuse(*a, **k):
        raise AssertionError("a warm load read a source file")

    rows = {}
    with mock.patch.object(pd, "read_excel", refuse), mock.patch.object(pd, "read_csv", refuse):
        for name, ds in _datasets(args):
            with Timer() as t:
                df = load(ds)
            if df.attrs.get("data_origin") != "cache":
                raise RuntimeError(f"{name}: the warm load came from {df.attrs.get('data_origin')}, not the cache")
            rows[name] = {"seconds": t.seconds, "rows": len(df)}
    return Result("load", "Warm load", metrics={"warm": rows})


PHASES = ("cold", "warm")


def combine(cold_result: Result, warm_result: Result) -> Result:
    """The section's table from its two phases."""
    table = Table("Per dataset: cold parse with each spreadsheet engine, and the warm load",
                  ["dataset", "rows", "cold, calamine (s)", "cold, openpyxl (s)", "openpyxl engine", "same frame",
                   "warm (s)", "calamine ÷ warm", "openpyxl ÷ warm"], align="lrrrllrrr")
    warm = warm_result.metrics["warm"]
    tot = {"calamine": 0.0, "openpyxl": 0.0, "warm": 0.0}
    for r in cold_result.metrics["cold"]:
        w = warm[r["dataset"]]["seconds"]
        tot["calamine"] += r["calamine"]
        tot["openpyxl"] += r["openpyxl"]
        tot["warm"] += w
        table.rows.append([r["dataset"], f"{r['rows']:,}", secs(r["calamine"], 3), secs(r["openpyxl"], 3),
                           r["engine"], r["same"], secs(w, 3), ratio(r["calamine"], w), ratio(r["openpyxl"], w)])
    n = len(cold_result.metrics["cold"])
    table.rows.append([f"**all {n} datasets**", "", f"**{secs(tot['calamine'])}**", f"**{secs(tot['openpyxl'])}**",
                       "", "", f"**{secs(tot['warm'])}**", f"**{ratio(tot['calamine'], tot['warm'])}**",
                       f"**{ratio(tot['openpyxl'], tot['warm'])}**"])
    all_same = all(r["same"] == "yes" for r in cold_result.metrics["cold"])
    notes = [
        "Cold, calamine: the first `load()` of each dataset in a process whose parquet cache is empty (the "
        "files are parsed with calamine, validated, and the cache written). Cold, openpyxl: the same parse "
        "with `EVIDENCE_EXCEL_ENGINE=openpyxl`, which makes every .xlsx read in the library go through openpyxl "
        "(`read_excel`, `sheet_names`, and the ONS parsers' row reader behind calamine's interface); CSV "
        "files are parsed the same way in both columns, and .xls workbooks stay with calamine because openpyxl "
        "cannot read them. That column writes no cache, so if anything it favours openpyxl.",
        "Warm: a fresh process loads each dataset from the parquet cache, after checking every raw file's "
        "sha256 as a new session does; it is checked to read no spreadsheet or CSV.",
        f"Same frame: the openpyxl parse gave the identical frame to the calamine parse "
        f"({'every dataset' if all_same else 'NOT every dataset: see the table'}).",
    ]
    return Result("load", "Warm load against cold parse", notes=notes, tables=[table],
                  metrics={"datasets": n, "quick": cold_result.metrics["quick"], "cold_calamine_s": tot["calamine"],
                           "cold_openpyxl_s": tot["openpyxl"], "warm_s": tot["warm"], "all_same": all_same})


def main() -> int:
    args = section_args(__doc__.splitlines()[0], lambda ap: ap.add_argument("--phase", choices=PHASES, required=True))
    quiet_openpyxl()
    import openpyxl  # noqa: F401  imported here so that the first dataset does not pay for it
    import python_calamine  # noqa: F401

    write_result(cold(args) if args.phase == "cold" else warm(args), args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
