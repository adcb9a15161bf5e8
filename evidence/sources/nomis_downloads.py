"""A shared reader for Nomis *download* files: stacked blocks of metadata, a header row and data rows.

Nomis (https://www.nomisweb.co.uk) writes the same layout whether a query is downloaded as Excel or as
CSV. A file holds one or more stacked **blocks**, one per date (and, for some queries, per industry or
employment status)::

    Business Register and Employment Survey : open access      <- title
    ONS Crown Copyright Reserved [from Nomis on 19 May 2022]   <- starts every block
                                                               <- blank
    date                 2015                                  <- metadata rows: key, value
    employment status    Employment                               (CSV: "Date       :","2015")
                                                               <- blank
    Area                 A : Agriculture ...  Flags  ...       <- header row (first cell named by the caller)
                         number               Flags  ...       <- optional units row: number / Flags / conf
    country:England      342000                      ...       <- data rows, up to the first blank row
                                                               <- blank
    * These figures exclude farm agriculture ...               <- footnotes (kept as ``Block.notes``)

Every value column may be followed by a ``Flags`` column and, for the Annual Population Survey, a
``conf`` column (the 95% confidence interval half-width). Nomis writes its markers (``!``, ``*``, ``~``,
``-``) either there or in place of the number; :func:`split_numbers` turns a column of raw cells into
numbers and markers.

This module is the pure, dataset-agnostic half of the Nomis download loaders (:mod:`.aps`,
:mod:`.ubc`, :mod:`.bres`, :mod:`.nomis_population`):

- :func:`read_rows` reads a file's cells (``.xlsx`` sheet ``Data``, or ``.csv``);
- :func:`split_blocks` splits them into :class:`Block` objects, checking the layout as it goes;
- :func:`block_cells` melts a block into one row per (row label, column label) cell;
- :func:`split_numbers` separates numbers from markers;
- :func:`resolve_labels` turns Nomis area labels (``lep:Black Country``) into GSS codes through
  :func:`evidence.geography.resolve_nomis_label` (an unresolvable label raises ``UnknownAreaError``).

A changed layout raises :class:`~evidence.errors.SchemaError` naming the file, the sheet and what was
expected; a file that ends inside a block's data (a truncated download) is a ``SchemaError`` too.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SchemaError, UnknownAreaError
from .base import read_excel, require_sheets, sheet_names

#: The sheet of a Nomis Excel download.
DATA_SHEET = "Data"
#: The first cell of the row that starts every block (the row above it is the block's title).
COPYRIGHT_PREFIX = "ONS Crown Copyright"
#: The prefix of the DfE "User Defined Geography" (LSIP) rows in the APS/UBC downloads; these are not
#: official areas and are dropped by the loaders.
USER_DEFINED_PREFIX = "User Defined Geography:"

#: Nomis markers and their meaning (the footnotes of the downloads).
MARKERS = {
    "!": "estimate and confidence interval not available: group sample size is zero or disclosive (0-2)",
    "*": "estimate and confidence interval unreliable: group sample size is small (3-9)",
    "~": "estimate is less than 500",
    "-": "these figures are missing",
}

Cell = str | int | float | None


@dataclass(frozen=True)
class ValueColumn:
    """One value column of a block and its companion columns (indices into a data row)."""

    label: str
    value: int
    flags: int | None = None
    conf: int | None = None


@dataclass(frozen=True)
class Block:
    """One stacked block of a Nomis download.

    ``meta`` maps the lower-cased metadata keys (``date``, ``employment status``, ``industry``...) to their
    values as text; ``header`` is the first cell of the header row; ``rows`` are the data rows (each
    padded to the header's width); ``line`` is the 1-based file row of the header, for messages.
    """

    index: int
    title: str
    meta: dict[str, str]
    header: str
    columns: tuple[ValueColumn, ...]
    rows: tuple[tuple[Cell, ...], ...]
    line: int
    notes: tuple[str, ...] = ()

    def describe(self) -> str:
        """A short description for error messages, e.g. ``block 2 (date 2016, row 228)``."""
        what = ", ".join(f"{k} {v}" for k, v in self.meta.items() if k in ("date", "industry", "employment status"))
        return f"block {self.index + 1} ({what + ', ' if what else ''}header at row {self.line})"


def _clean(cell) -> Cell:
    """A cell as ``None`` (empty), a stripped string or a number."""
    if cell is None:
        return None
    if isinstance(cell, str):
        cell = cell.strip()
        return cell or None
    if isinstance(cell, float) and np.isnan(cell):
        return None
    return cell


def cell_text(cell: Cell) -> str:
    """A cell as text: integral floats lose their ``.0`` (Excel stores 2015 as 2015.0)."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def read_rows(path: Path, *, sheet: str = DATA_SHEET) -> list[list[Cell]]:
    """Every row of a Nomis download as a list of cells (``None`` for empty cells).

    ``.csv`` files are read as UTF-8 (a BOM is allowed); other files as workbooks, from ``sheet``.
    A missing sheet or an unreadable file raises ``SchemaError``.
    """
    path = Path(path)
    if path.suffix.lower() == ".csv":
        try:
            with path.open(encoding="utf-8-sig", newline="") as fh:
                return [[_clean(c) for c in row] for row in csv.reader(fh)]
        except (UnicodeDecodeError, csv.Error) as exc:
            raise SchemaError(f"could not be read as a Nomis CSV download ({exc}). Is it truncated or not the "
                              "expected file? Re-fetch it with `evidence fetch --force`.", file=path.name) from exc
    require_sheets(sheet_names(path), [sheet], file=path)
    frame = read_excel(path, sheet_name=sheet, header=None)
    values = frame.astype(object).to_numpy()
    return [[_clean(c) for c in row] for row in values]


def _blank(row: Sequence[Cell]) -> bool:
    return all(c is None for c in row)


def _width(row: Sequence[Cell]) -> int:
    """The number of cells up to the last non-empty one."""
    n = len(row)
    while n > 0 and row[n - 1] is None:
        n -= 1
    return n


def _first(row: Sequence[Cell]) -> str:
    return cell_text(row[0]) if row else ""


def _meta_key(cell: Cell) -> str:
    """``"Date       :"`` -> ``"date"`` (CSV downloads pad the labels before the colon)."""
    return cell_text(cell).strip().rstrip(":").strip().lower()


def split_blocks(
    rows: Sequence[Sequence[Cell]],
    *,
    file: Path | str,
    header: str | Collection[str] = "Area",
    sheet: str | None = DATA_SHEET,
) -> list[Block]:
    """Split the rows of a Nomis download into its stacked blocks.

    Parameters
    ----------
    rows
        The file's rows, from :func:`read_rows`.
    file
        The file (for messages).
    header
        The text (or texts) the header row's first cell must have, e.g. ``"Area"`` or ``"Industry"``.
    sheet
        The sheet name, for messages (``None`` for CSV files).

    Returns
    -------
    list of Block
        In file order. Raises ``SchemaError`` if no block is found, if a block has no header row where
        one is expected, if a units row holds an unknown unit, or if the file ends inside a block's
        data (a truncated download).
    """
    name = Path(file).name
    headers = {header} if isinstance(header, str) else set(header)
    expected = " or ".join(repr(h) for h in sorted(headers))

    def fail(msg: str) -> SchemaError:
        return SchemaError(msg, file=name, sheet=sheet)

    starts = [i for i, r in enumerate(rows) if _first(r).startswith(COPYRIGHT_PREFIX)]
    if not starts:
        raise fail(f"no Nomis block found: expected a row beginning {COPYRIGHT_PREFIX!r}. Is this a Nomis download?")
    blocks = []
    for k, start in enumerate(starts):
        stop = starts[k + 1] - 1 if k + 1 < len(starts) else len(rows)
        title = _first(rows[start - 1]) if start > 0 else ""
        meta: dict[str, str] = {}
        i = start + 1
        while True:
            if i >= stop:
                raise fail(f"block {k + 1} (starting at row {start + 1}) has no header row beginning {expected}; "
                           f"metadata found: {meta}.")
            row = rows[i]
            if _blank(row):
                i += 1
                continue
            if _first(row) in headers:
                break
            filled = [c for c in row if c is not None]
            if len(filled) != 2 or row[0] is None:
                shown = [cell_text(c) for c in filled[:4]]
                raise fail(f"expected a header row beginning {expected} (or a 'key, value' metadata row) in "
                           f"block {k + 1}, found row {i + 1}: {shown}.")
            meta[_meta_key(row[0])] = cell_text(filled[1])
            i += 1
        head = rows[i]
        line = i + 1
        i += 1
        units = None
        if i < stop and rows[i] and rows[i][0] is None and any(cell_text(c).lower() == "number" for c in rows[i]):
            units = rows[i]
            i += 1
        width = max(_width(head), _width(units or [None]))
        if units is None and len(head) > width:
            width = len(head)  # CSV: the last value column's empty Flags column is still a column
        columns = _columns(head, units, width, fail=fail, where=f"block {k + 1} (header at row {line})")
        while i < stop and _blank(rows[i]):
            i += 1
        data = []
        while i < stop and not _blank(rows[i]):
            if any(c is not None for c in rows[i][width:]):
                raise fail(f"row {i + 1} of block {k + 1} has values beyond the {width} columns of its header "
                           f"(row {line}).")
            row = list(rows[i][:width]) + [None] * (width - len(rows[i]))
            data.append(tuple(row))
            i += 1
        if i >= len(rows):
            raise fail(f"the file ends inside the data of block {k + 1} (header at row {line}) without the "
                       "blank row and footnotes that close every Nomis block: the download looks truncated. "
                       "Re-fetch it with `evidence fetch --force`.")
        if not data:
            raise fail(f"block {k + 1} (header at row {line}) has no data rows.")
        notes = tuple(" ".join(cell_text(c) for c in r if c is not None) for r in rows[i:stop] if not _blank(r))
        blocks.append(Block(index=k, title=title, meta=meta, header=_first(head), columns=columns,
                            rows=tuple(data), line=line, notes=notes))
    return blocks


def _columns(head, units, width, *, fail, where) -> tuple[ValueColumn, ...]:
    """The value columns of a header row (and units row): each value column, then its Flags/conf columns."""
    cols: list[dict] = []
    for j in range(1, width):
        label = cell_text(head[j]) if j < len(head) else ""
        if units is not None:
            unit = cell_text(units[j]).lower() if j < len(units) else ""
            kind = {"number": "value", "flags": "flags", "conf": "conf", "": None}.get(unit, "?")
            if kind == "?":
                raise fail(f"unknown unit {units[j]!r} in the units row of {where} (column {j + 1}); "
                           "expected 'number', 'Flags' or 'conf'.")
            if kind is None and label:
                raise fail(f"column {j + 1} ({label!r}) of {where} has no unit in the units row.")
        else:
            kind = "flags" if (not label or label == "Flags") else "value"
            if kind == "flags" and not cols:
                raise fail(f"{where}: column {j + 1} has an empty header before any value column.")
        if kind == "value":
            if not label or label == "Flags":
                raise fail(f"{where}: value column {j + 1} has no label in the header row.")
            cols.append({"label": label, "value": j})
        elif kind in ("flags", "conf"):
            if not cols or kind in cols[-1]:
                raise fail(f"{where}: unexpected {kind!r} column {j + 1} (it must follow a value column).")
            cols[-1][kind] = j
    if not cols:
        raise fail(f"{where}: the header row has no value columns.")
    return tuple(ValueColumn(**c) for c in cols)


def block_cells(block: Block) -> pd.DataFrame:
    """One row per data cell of a block.

    Columns: ``row_label`` (the first cell of the data row), ``row_pos`` (0-based position of the data
    row within the block), ``column`` (the value column's header label), ``col_pos`` (its 0-based
    position), ``raw`` (the cell), ``raw_flags`` and ``raw_conf`` (its companion Flags and conf cells,
    ``None`` where the block has none).
    """
    arr = np.empty((len(block.rows), len(block.rows[0]) + 1), dtype=object)
    arr[:, :-1] = np.array(block.rows, dtype=object)
    arr[:, -1] = None  # a column of Nones for absent Flags/conf columns
    none = arr.shape[1] - 1
    n_rows, n_cols = len(block.rows), len(block.columns)
    labels = np.array([cell_text(r[0]) for r in block.rows], dtype=object)
    return pd.DataFrame({
        "row_label": np.tile(labels, n_cols),
        "row_pos": np.tile(np.arange(n_rows), n_cols),
        "column": np.repeat(np.array([c.label for c in block.columns], dtype=object), n_rows),
        "col_pos": np.repeat(np.arange(n_cols), n_rows),
        "raw": np.concatenate([arr[:, c.value] for c in block.columns]),
        "raw_flags": np.concatenate([arr[:, none if c.flags is None else c.flags] for c in block.columns]),
        "raw_conf": np.concatenate([arr[:, none if c.conf is None else c.conf] for c in block.columns]),
    })


def split_numbers(
    raw: pd.Series, *, allowed: Collection[str], file: Path | str, sheet: str | None = DATA_SHEET, what: str = "value"
) -> tuple[pd.Series, pd.Series]:
    """Split raw cells into numbers and markers.

    Parameters
    ----------
    raw
        Cells: numbers, numeric strings (CSV), marker strings or ``None``.
    allowed
        The markers that may stand in place of a number (e.g. ``{"!", "*", "~", "-"}``); any other text
        raises ``SchemaError``.

    Returns
    -------
    (numbers, markers)
        ``numbers`` is float64 with NaN where the cell is empty or a marker; ``markers`` is object with the
        marker text or ``None``.

    Examples
    --------
    >>> v, m = split_numbers(pd.Series([1200, "35", "!", None], dtype=object), allowed={"!"}, file="x.csv")
    >>> v.tolist()[:2], m.tolist()
    ([1200.0, 35.0], [None, None, '!', None])
    """
    values = pd.to_numeric(raw, errors="coerce").astype("float64")
    is_text = values.isna() & raw.notna()
    markers = raw.where(is_text, None).astype(object)
    bad = sorted({str(m) for m in markers[is_text]} - set(allowed))
    if bad:
        raise SchemaError(f"unexpected {what} cell(s) {bad[:5]}; expected numbers or the markers "
                          f"{sorted(allowed)}.", file=Path(file).name, sheet=sheet)
    return values.rename(raw.name), markers.rename(raw.name)


def split_prefix(label: str) -> tuple[str, str]:
    """Split a Nomis area label into its geography prefix and name.

    >>> split_prefix("lep:Black Country")
    ('lep', 'Black Country')
    >>> split_prefix("nuts316:UKC11 Hartlepool and Stockton-on-Tees")
    ('nuts316', 'UKC11 Hartlepool and Stockton-on-Tees')
    >>> split_prefix("Greater Manchester")
    ('', 'Greater Manchester')
    """
    m = re.fullmatch(r"\s*([A-Za-z][A-Za-z0-9 ]*?)\s*:(.*)", label, flags=re.S)
    if not m:
        return "", label.strip()
    return m[1], m[2].strip()


_CODED = re.compile(r"^(?P<code>[A-Z]{2}[A-Z0-9]{1,3})\s+(?P<name>\S.*)$")


def split_coded_label(label: str, *, file: Path | str, pattern: str, sheet: str | None = DATA_SHEET) -> tuple[str, str]:
    """Split a label holding a code and a name, e.g. ``TLC11 Hartlepool and Stockton-on-Tees``.

    ``pattern`` is the regular expression the code must match in full (e.g. ``r"TL[C-N]\\w\\d"``); a
    label that does not start with such a code raises ``SchemaError``.

    >>> split_coded_label("UKC11 Hartlepool and Stockton-on-Tees", file="x.xlsx", pattern=r"UK[C-N]\\w\\d")
    ('UKC11', 'Hartlepool and Stockton-on-Tees')
    """
    m = _CODED.match(label.strip())
    if not m or not re.fullmatch(pattern, m["code"]):
        raise SchemaError(f"area label {label!r} does not start with a code matching {pattern!r}.",
                          file=Path(file).name, sheet=sheet)
    return m["code"], m["name"].strip()


def _geography():
    """The geography module, imported lazily (its tables load on first use)."""
    from .. import geography

    return geography


def resolve_labels(
    labels: Iterable[str],
    *,
    file: Path | str,
    vintage: int = 2021,
    type: str | None = None,
    fallback: Mapping[str, tuple[str, str, str]] | None = None,
) -> dict[str, tuple[str, str, str]]:
    """Resolve Nomis area labels to ``(code, official name, area type)`` through the geography module.

    Each distinct label is passed to :func:`evidence.geography.resolve_nomis_label` (prefixed labels such
    as ``lep:Black Country``) or, when ``type`` is given, to :func:`evidence.geography.resolve` restricted
    to that area type (bare names, e.g. the combined authorities of a BRES CSV, ``type="ca"``). A label the
    geography module does not know is looked up in ``fallback`` (exact label; for areas newer than the
    geography tables, taken from another official file by the caller). Every label that still cannot be
    resolved is collected, and then one ``UnknownAreaError`` names them all (and the file), so that no area
    is ever dropped silently.
    """
    geography = _geography()
    out: dict[str, tuple[str, str, str]] = {}
    unknown: list[str] = []
    hints: list[str] = []
    for label in dict.fromkeys(labels):
        try:
            if type is None:
                code, name, kind = geography.resolve_nomis_label(label, vintage=vintage)
            else:
                code, name, kind = geography.resolve(label, vintage=vintage, type=type)
        except UnknownAreaError as exc:
            if fallback is not None and label in fallback:
                out[label] = fallback[label]
                continue
            unknown.append(label)
            hints.extend(exc.suggestions[:2])
            continue
        out[label] = (str(code), str(name), str(kind))
    if unknown:
        raise UnknownAreaError("; ".join(unknown), hints[:6], kind=f"Nomis area label(s) in {Path(file).name}:")
    return out


def attach_areas(df: pd.DataFrame, resolved: Mapping[str, tuple[str, str, str]], *, label: str = "row_label") -> None:
    """Add ``area_code``, ``area_name`` and ``area_type`` columns (in place) from resolved labels."""
    keys = df[label]
    df["area_code"] = keys.map({k: v[0] for k, v in resolved.items()})
    df["area_name"] = keys.map({k: v[1] for k, v in resolved.items()})
    df["area_type"] = keys.map({k: v[2] for k, v in resolved.items()})


def to_categories(df: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """Convert repeated string columns to categoricals (keeps parquet and memory compact)."""
    for c in columns:
        if c in df.columns:
            # via the string dtype, so that all-missing columns hold NaN (not None) and survive parquet unchanged
            df[c] = df[c].astype("str").astype("category")
    return df


def year_of(text: str, *, file: Path | str, sheet: str | None = DATA_SHEET) -> int:
    """The year of a Nomis date: ``2018`` -> 2018; ``Jan 2018-Dec 2018`` -> 2018 (the end year).

    >>> year_of("Jan 2017-Dec 2017", file="x"), year_of("2015", file="x"), year_of("Apr 2019-Mar 2020", file="x")
    (2017, 2015, 2020)
    """
    m = re.fullmatch(r"(\d{4})|[A-Z][a-z]{2} \d{4}-[A-Z][a-z]{2} (\d{4})", text.strip())
    if not m:
        raise SchemaError(f"unexpected date {text!r}; expected a year such as '2018' or a 12-month period "
                          "such as 'Jan 2018-Dec 2018'.", file=Path(file).name, sheet=sheet)
    return int(m[1] or m[2])


def require_meta(block: Block, key: str, *, file: Path | str, sheet: str | None = DATA_SHEET,
                 allowed: Collection[str] | None = None) -> str:
    """A block's metadata value, or ``SchemaError`` if it is missing (or not one of ``allowed``)."""
    if key not in block.meta:
        raise SchemaError(f"{block.describe()} has no {key!r} metadata row; found {sorted(block.meta)}.",
                          file=Path(file).name, sheet=sheet)
    value = block.meta[key]
    if allowed is not None and value not in allowed:
        raise SchemaError(f"{block.describe()}: {key} is {value!r}; expected one of {sorted(allowed)}.",
                          file=Path(file).name, sheet=sheet)
    return value


def _as_list(x: str | int | Iterable | None) -> list | None:
    if x is None:
        return None
    if isinstance(x, str | int):
        return [x]
    return list(x)


def filter_frame(df: pd.DataFrame, **wanted) -> pd.DataFrame:
    """Rows of ``df`` whose columns take the wanted values (``None`` = no filter); keeps ``attrs``."""
    mask = np.ones(len(df), dtype=bool)
    for col, values in wanted.items():
        values = _as_list(values)
        if values is not None:
            mask &= df[col].isin(values).to_numpy()
    out = df[mask].reset_index(drop=True)
    out.attrs = dict(df.attrs)
    for c in out.select_dtypes("category").columns:
        out[c] = out[c].cat.remove_unused_categories()
    return out
