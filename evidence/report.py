"""Evidence packs: everything a LEP board receives for one area, written to ``reports/<area-slug>/``.

A pack holds the area's membership, the tables built for it, an Excel workbook (one formatted sheet per
table plus a Sources sheet) and ``pack.json`` recording the parameters and the data releases used.
"""

from __future__ import annotations

import json
import re
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from . import __version__, config, geography, provenance
from .errors import EvidenceError, SourceUnavailableError
from .show import area_codes


def slug(text: str) -> str:
    """A folder name for an area: ``"Buckinghamshire Thames Valley"`` -> ``buckinghamshire-thames-valley``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass
class Table:
    """One table of a pack: a title, a tidy frame with provenance, and an optional caveat."""

    key: str
    title: str
    frame: pd.DataFrame
    caveats: list[str] = field(default_factory=list)


def _dataset_table(name: str, title: str, codes: set[str], *, keep: Callable[[pd.DataFrame], pd.Series] | None = None,
                   index: Sequence[str] = ("area_code", "area_name"), columns: str = "year") -> pd.DataFrame:
    from .sources import get

    df = get(name)
    df = df[df["area_code"].astype(str).isin(codes)]
    if keep is not None:
        df = df[keep(df)]
    if df.empty:
        raise SourceUnavailableError(f"{name} has no rows for this area")
    unit = df["unit"].astype(str).iloc[0]
    wide = df.pivot_table(index=list(index), columns=columns, values="value", aggfunc="first", observed=True)
    wide.columns = [str(c) for c in wide.columns]
    wide = wide.reset_index()
    wide.attrs["unit"] = unit
    return provenance.combine(wide, df)


#: The pack's tables: (key, title, dataset, row filter). Indicator-based tables replace these as they land.
TABLE_SPECS: list[tuple[str, str, str, Callable[[pd.DataFrame], pd.Series] | None]] = [
    ("gva_total_cp", "GVA, all industries, current prices, by member LAD", "gva",
     lambda d: (d["industry"].astype(str) == "Total") & (d["measure"].astype(str) == "current_prices")),
    ("gva_per_hour", "GVA per hour worked, by member LAD", "productivity",
     lambda d: d["measure"].astype(str) == "gva_per_hour"),
    ("population", "Resident population, by member LAD", "population", None),
]


def build_tables(area: geography.Area, vintage: int) -> tuple[list[Table], list[str]]:
    """Every table that the available data allows for ``area``; the notes say what could not be built."""
    from .sources import registry

    _, codes = area_codes(area.code, vintage=vintage)
    tables, notes = [], []
    members = geography.members(area.code, vintage=vintage)
    tables.append(Table("members", f"Member local authority districts ({vintage} vintage)",
                        provenance.attach(members.copy(), geography.provenance())))
    for key, title, name, keep in TABLE_SPECS:
        if name not in registry():
            notes.append(f"{title}: dataset {name!r} is not available in this version.")
            continue
        try:
            tables.append(Table(key, title, _dataset_table(name, title, codes, keep=keep)))
        except EvidenceError as exc:
            notes.append(f"{title}: {exc}")
    return tables, notes


def _write_excel(tables: list[Table], path: Path) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for t in tables:
            sheet = t.key[:31]
            frame = t.frame.copy()
            unit = t.frame.attrs.get("unit")
            if unit:
                frame.columns = [f"{c} ({unit})" if re.fullmatch(r"\d{4}", str(c)) else c for c in frame.columns]
            frame.to_excel(xl, sheet_name=sheet, index=False, startrow=1)
            ws = xl.sheets[sheet]
            ws["A1"] = t.title
            ws["A1"].font = Font(bold=True)
            ws.freeze_panes = "A3"
            for i, col in enumerate(frame.columns, start=1):
                ws.column_dimensions[get_column_letter(i)].width = max(12, min(45, len(str(col)) + 2))
                if pd.api.types.is_float_dtype(frame[col]):
                    for cell in ws.iter_rows(min_row=3, min_col=i, max_col=i):
                        cell[0].number_format = "#,##0.0"
            ws.cell(row=len(frame) + 4, column=1, value=provenance.source_note(t.frame))
        rows = []
        for t in tables:
            for r in provenance.records(t.frame):
                rows.append({"table": t.key, "publisher": r.get("publisher"), "title": r.get("title"),
                             "release": r.get("release"), "url": r.get("url"), "licence": r.get("licence"),
                             "sha256": r.get("sha256")})
        pd.DataFrame(rows).to_excel(xl, sheet_name="Sources", index=False)
        xl.sheets["Sources"].freeze_panes = "A2"


def build_pack(area: str, *, vintage: int = geography.DEFAULT_VINTAGE, out: Path | None = None) -> Path:
    """Build one area's pack and return its folder."""
    a = geography.resolve(area, vintage=vintage)
    folder = (out or config.reports_dir()) / slug(a.name)
    folder.mkdir(parents=True, exist_ok=True)
    tables, notes = build_tables(a, vintage)
    caveats = geography.caveats(a.code, vintage=vintage) if hasattr(geography, "caveats") else []
    for t in tables:
        t.frame.to_csv(folder / f"{t.key}.csv", index=False)
    _write_excel(tables, folder / f"{slug(a.name)}-evidence.xlsx")
    sources = []
    for t in tables:
        sources.extend(provenance.records(t.frame))
    manifest = {
        "area": {"code": a.code, "name": a.name, "type": a.type},
        "parameters": {"area": area, "vintage": vintage},
        "toolkit_version": __version__,
        "built": datetime.now(UTC).isoformat(timespec="seconds"),
        "tables": [{"key": t.key, "title": t.title, "rows": len(t.frame)} for t in tables],
        "caveats": caveats,
        "notes": notes,
        "sources": provenance.records(sources),
    }
    (folder / "pack.json").write_text(json.dumps(manifest, indent=1, default=str) + "\n")
    return folder


def _build_one(area: str, vintage: int, out: Path) -> tuple[str, Path | None, str | None]:
    try:
        return area, build_pack(area, vintage=vintage, out=out), None
    except Exception as exc:  # one failing area must not stop the others; its traceback goes to its log
        log = out / "logs" / f"{slug(area)}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(traceback.format_exc())
        return area, None, f"{type(exc).__name__}: {exc} (log: {log})"


def build_many(areas: Sequence[str], *, vintage: int = geography.DEFAULT_VINTAGE, out: Path | None = None,
               jobs: int = 1, progress: bool = True) -> dict[str, str | None]:
    """Build packs for many areas in parallel; return {area: error or None}. Failures do not stop the others."""
    out = out or config.reports_dir()
    results: dict[str, str | None] = {}
    if jobs <= 1:
        for a in tqdm(areas, desc="packs", unit="area", disable=not progress):
            _, _, err = _build_one(a, vintage, out)
            results[a] = err
        return results
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futs = {pool.submit(_build_one, a, vintage, out): a for a in areas}
        for fut in tqdm(as_completed(futs), total=len(futs), desc="packs", unit="area", disable=not progress):
            a, _, err = fut.result()
            results[a] = err
    return results
