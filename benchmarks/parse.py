"""Section "parse": cold parse of every official spreadsheet in the catalogue, calamine against openpyxl.

Every sheet of each workbook is read with ``pandas.read_excel(sheet_name=None, header=None)``, once with
``engine="calamine"`` and once with ``engine="openpyxl"``. openpyxl cannot read .xls, so those rows show n/a
(xlrd, which could, is not a dependency). "Cold" means not parsed before: the files come from the data
folder that ``run.py`` filled, so the operating system's file cache is warm for both engines.
"""

from __future__ import annotations

import os
from pathlib import Path

from common import Result, Table, Timer, quiet_openpyxl, ratio, secs, section_args, status, write_result

SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")
OPENPYXL_READS = (".xlsx", ".xlsm")


def _parse(path: Path, engine: str) -> tuple[float, int, int]:
    """Seconds to read every sheet, the number of sheets and of cells."""
    import pandas as pd

    with Timer() as t:
        book = pd.read_excel(path, sheet_name=None, header=None, engine=engine)
    return t.seconds, len(book), sum(df.size for df in book.values())


def _warm_up(folder: Path) -> None:
    """Import both engines and read a tiny workbook with each, so that no file pays for the first import."""
    import openpyxl

    path = folder / "warm-up.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1
    wb.save(path)
    for engine in ("calamine", "openpyxl"):
        _parse(path, engine)
    path.unlink()


def main() -> int:
    args = section_args(__doc__.splitlines()[0])
    quiet_openpyxl()
    from evidence.sources import catalogue

    entries = [e for e in catalogue.entries().values() if Path(e.filename).suffix.lower() in SPREADSHEETS]
    if args.quick:
        entries = entries[:4]
    _warm_up(args.json.parent)
    table = Table("Cold parse of every sheet of each official spreadsheet",
                  ["file", "MB", "sheets", "cells", "calamine (s)", "openpyxl (s)", "openpyxl ÷ calamine"],
                  align="lrrrrrr")
    both_cal = both_opx = all_cal = 0.0
    n_both = 0
    for e in entries:
        path = e.local_path
        status(f"parse {e.filename}")
        cal, sheets, cells = _parse(path, "calamine")
        all_cal += cal
        opx = None
        if path.suffix.lower() in OPENPYXL_READS:
            opx = _parse(path, "openpyxl")[0]
            both_cal, both_opx, n_both = both_cal + cal, both_opx + opx, n_both + 1
        table.rows.append([e.filename, f"{os.path.getsize(path) / 1e6:.1f}", sheets, f"{cells:,}", secs(cal),
                           secs(opx) if opx is not None else "n/a (.xls)", ratio(opx, cal)])
    table.rows.append([f"**{n_both} files both engines read**", "", "", "", f"**{secs(both_cal)}**",
                       f"**{secs(both_opx)}**", f"**{ratio(both_opx, both_cal)}**"])
    table.rows.append([f"**all {len(entries)} spreadsheets**", "", "", "", f"**{secs(all_cal)}**", "", ""])
    size = sum(os.path.getsize(e.local_path) for e in entries) / 1e6
    result = Result("parse", "Cold parse: calamine against openpyxl", tables=[table], notes=[
        f"{len(entries)} spreadsheets ({size:.0f} MB) of the catalogue's official files, every sheet read with "
        "`pandas.read_excel(sheet_name=None, header=None)` and each engine in turn. openpyxl cannot read .xls "
        "(xlrd, which could, is not a dependency), so those files have no openpyxl time. The operating "
        "system's file cache is warm for both engines: cold means not parsed before.",
        "The loaders' own comparison (every dataset parsed with each engine, against the warm load) is in the "
        "load section, where it is measured in one process with the warm load it is compared to."],
        metrics={"files": len(entries), "files_both": n_both, "calamine_s": both_cal, "openpyxl_s": both_opx,
                 "calamine_all_s": all_cal})
    write_result(result, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
