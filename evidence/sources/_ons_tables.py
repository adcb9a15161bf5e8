"""Helpers shared by the ONS spreadsheet loaders: raw sheet rows, cell markers, area types, getter filters.

Private to :mod:`evidence.sources` (the leading underscore keeps it out of the dataset registry).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from ..errors import InvalidArgumentError, SchemaError, UnknownAreaError
from .base import excel_engine

#: A GSS area code: a letter for the nation (K = UK/GB/E&W) and eight digits.
GSS_CODE = re.compile(r"^[EWSNK]\d{8}$")

#: The kind of area a GSS code names, by its three-character entity prefix.
AREA_TYPES = {
    "K02": "uk",
    "K03": "great_britain",
    "K04": "england_and_wales",
    "E92": "nation",
    "W92": "nation",
    "S92": "nation",
    "N92": "nation",
    "E12": "region",
    "E11": "metropolitan_county",
    "E13": "inner_outer_london",
    "E10": "county",
    "E06": "lad",
    "E07": "lad",
    "E08": "lad",
    "E09": "lad",
    "W06": "lad",
    "S12": "lad",
    "N09": "lad",
}


def open_workbook(path: Path):
    """Open a workbook with calamine (.xls and .xlsx); a missing or broken file raises ``SchemaError``.

    With ``EVIDENCE_EXCEL_ENGINE=openpyxl`` an .xlsx is opened with openpyxl behind the same interface
    (see :func:`evidence.sources.base.excel_engine`).
    """
    from python_calamine import CalamineWorkbook

    try:
        if excel_engine(path) == "openpyxl":
            return _OpenpyxlBook(path)
        return CalamineWorkbook.from_path(str(path))
    except InvalidArgumentError:
        raise
    except Exception as exc:  # calamine raises its own error types for corrupt or truncated files
        raise SchemaError(f"could not be opened as a workbook ({type(exc).__name__}: {exc}). Is it truncated "
                          "or not the expected file? Re-fetch it with `evidence fetch --force`.",
                          file=Path(path).name) from exc


class _OpenpyxlBook:
    """An openpyxl workbook with the part of calamine's interface the parsers use: ``sheet_names`` and
    ``get_sheet_by_name(name).to_python()``, whose rows are shaped as calamine shapes them."""

    def __init__(self, path: Path):
        import openpyxl

        self._book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        self.sheet_names = list(self._book.sheetnames)

    def get_sheet_by_name(self, name: str) -> _OpenpyxlSheet:
        return _OpenpyxlSheet(self._book[name])


class _OpenpyxlSheet:
    def __init__(self, sheet):
        self._sheet = sheet

    def to_python(self) -> list[list]:
        """Rows from the first to the last cell holding data (calamine skips the empty area around it), with
        empty cells as ``""`` and numbers as floats, as calamine gives them."""
        rows = [[_calamine_value(v) for v in r] for r in self._sheet.iter_rows(values_only=True)]
        filled = [[i for i, v in enumerate(r) if v != ""] for r in rows]
        used = [i for i, cols in enumerate(filled) if cols]
        if not used:
            return []
        first_col = min(cols[0] for cols in filled if cols)
        width = max(cols[-1] for cols in filled if cols) + 1 - first_col
        out = []
        for r in rows[used[0]:used[-1] + 1]:
            r = r[first_col:first_col + width]
            out.append(r + [""] * (width - len(r)))
        return out


def _calamine_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def sheet_rows(book, sheet: str, *, file: Path) -> list[list]:
    """The cells of one sheet as a list of rows; a missing sheet raises ``SchemaError`` listing those found."""
    names = list(book.sheet_names)
    if sheet not in names:
        raise SchemaError(f"expected a sheet named {sheet!r}, found {names}.", file=Path(file).name)
    try:
        return book.get_sheet_by_name(sheet).to_python()
    except Exception as exc:  # a sheet whose XML/BIFF stream is damaged
        raise SchemaError(f"the sheet could not be read ({type(exc).__name__}: {exc}).",
                          file=Path(file).name, sheet=sheet) from exc


def cell(row: Sequence, i: int) -> object:
    """Cell ``i`` of a row, or ``""`` when the row is shorter."""
    return row[i] if i < len(row) else ""


def text(value: object) -> str:
    """A cell as stripped text; whole floats print without ``.0`` (``2019.0`` -> ``"2019"``)."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value).strip()


def norm(value: object) -> str:
    """Lower-case text with runs of whitespace collapsed, for comparing header and title cells."""
    return re.sub(r"\s+", " ", text(value)).lower()


def is_blank(row: Sequence) -> bool:
    """True when every cell of a row is empty."""
    return all(text(v) == "" for v in row)


def ends_data(rows: list[list], i: int, *, code_col: int, first_value_col: int, pattern: re.Pattern,
              file: Path, sheet: str) -> bool:
    """Whether row ``i`` (0-based) ends a block of area rows: it has no area code, or is a note with no figures.

    Footnotes follow the data, usually after a blank row ("Note 1: ...", "Source: ...", "Footnotes:"). When
    a row ends the block, no later row may hold an area code: that would mean the layout has changed.
    """
    row = rows[i]
    code = text(cell(row, code_col))
    if code != "" and (pattern.match(code) or not is_blank(row[first_value_col:])):
        return False
    later = next((text(cell(r, code_col)) for r in rows[i + 1:] if pattern.match(text(cell(r, code_col)))), None)
    if later:
        raise SchemaError(f"row {i + 1} ends the table, but area {later!r} follows it; the layout has changed.",
                          file=Path(file).name, sheet=sheet)
    return True


def area_type(code: str) -> str:
    """The kind of area a GSS code names (``lad``, ``county``, ``region``, ``nation``, ``uk``...).

    >>> area_type("E06000042"), area_type("E12000008"), area_type("K02000001")
    ('lad', 'region', 'uk')
    """
    try:
        return AREA_TYPES[code[:3]]
    except KeyError:
        raise KeyError(f"no area type for code {code!r}") from None


def value_and_flag(value: object, markers: dict[str, str], *, file: Path, sheet: str, where: str
                   ) -> tuple[float, str | None]:
    """A numeric cell as ``(value, None)``; a publisher's marker as ``(nan, flag)``; a blank as ``(nan, None)``.

    ``markers`` maps each marker the file may use (e.g. ``"x"``) to the flag to record. Any other text
    raises ``SchemaError``: an unknown marker means the layout or the conventions changed.
    """
    if isinstance(value, bool):
        raise SchemaError(f"unexpected boolean {value!r} at {where}.", file=Path(file).name, sheet=sheet)
    if isinstance(value, int | float):
        return (float("nan"), None) if isinstance(value, float) and math.isnan(value) else (float(value), None)
    t = text(value)
    if t == "":
        return float("nan"), None
    if t in markers:
        return float("nan"), markers[t]
    try:
        return float(t.replace(",", "")), None
    except ValueError:
        raise SchemaError(f"unexpected text {t!r} at {where}; expected a number or one of the markers "
                          f"{sorted(markers)}.", file=Path(file).name, sheet=sheet) from None


def finish(df: pd.DataFrame, *, categorical: Iterable[str], order: Sequence[str]) -> pd.DataFrame:
    """Order the columns, make repeated strings categorical and fix the tidy dtypes."""
    df = df.loc[:, list(order)].copy()
    df["value"] = pd.to_numeric(df["value"], errors="raise").astype("float64")
    df["additive"] = df["additive"].astype(bool)
    flags = df["flag"].astype(object).where(df["flag"].notna(), None)
    df["flag"] = pd.Categorical(flags, categories=pd.Index(sorted(set(flags.dropna())), dtype="str"))
    for col in categorical:
        df[col] = pd.Categorical(df[col].astype(str))
    return df.reset_index(drop=True)


def _as_list(values) -> list:
    if isinstance(values, str | int):
        return [values]
    return list(values)


def select(df: pd.DataFrame, column: str, wanted, *, what: str, dataset: str) -> pd.DataFrame:
    """Rows whose ``column`` is in ``wanted`` (``None`` keeps all); unknown values raise ``InvalidArgumentError``."""
    if wanted is None:
        return df
    wanted = _as_list(wanted)
    have = pd.unique(df[column].astype(object))
    have_set = set(have)
    unknown = [w for w in wanted if w not in have_set]
    if unknown:
        shown = sorted(have, key=str)
        raise InvalidArgumentError(f"{what} {unknown[0]!r} is not in dataset {dataset!r}. Available: "
                                   f"{', '.join(map(str, shown[:40]))}{' …' if len(shown) > 40 else ''}.")
    return _subset(df, df[column].isin(wanted))


def select_areas(df: pd.DataFrame, areas, *, dataset: str) -> pd.DataFrame:
    """Rows for the GSS/ITL codes in ``areas`` (``None`` keeps all); an unknown code raises ``UnknownAreaError``."""
    if areas is None:
        return df
    wanted = [str(a).strip() for a in _as_list(areas)]
    names = (df[["area_code", "area_name"]].astype(str).drop_duplicates("area_code")
             .set_index("area_code")["area_name"])
    for code in wanted:
        if code not in names.index:
            by_name = [f"{c} ({n})" for c, n in names.items() if n.lower() == code.lower()]
            close = difflib.get_close_matches(code, list(names.index), n=3, cutoff=0.8)
            raise UnknownAreaError(code, by_name + [f"{c} ({names[c]})" for c in close],
                                   kind=f"area code in dataset {dataset!r}")
    return _subset(df, df["area_code"].isin(wanted))


def _subset(df: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    out = df.loc[mask].reset_index(drop=True)
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].cat.remove_unused_categories()
    out.attrs = dict(df.attrs)
    return out
