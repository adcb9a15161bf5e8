"""Fast row filters on the loaders' categorical columns.

The loaders store codes and labels as categoricals (a 1.5M-row GVA table has a few thousand distinct codes).
Turning such a column into strings to compare it costs far more than the comparison, so these filters test
the categories once and map the answer through the codes. Other columns are compared as strings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd


def _through_categories(s: pd.Series, test: Callable[[pd.Index], np.ndarray]) -> pd.Series:
    if isinstance(s.dtype, pd.CategoricalDtype):
        ok = np.append(np.asarray(test(s.cat.categories.astype(str)), dtype=bool), False)  # code -1 (NA) -> False
        return pd.Series(ok[s.cat.codes.to_numpy()], index=s.index)
    strings = s.astype(str)
    return pd.Series(np.asarray(test(pd.Index(strings)), dtype=bool) & s.notna().to_numpy(), index=s.index)


def isin(s: pd.Series, values: Iterable) -> pd.Series:
    """Rows whose value, as text, is one of ``values`` (compared as text; missing values never match).

    Examples
    --------
    >>> s = pd.Series(["E06000060", "E07000004", None], dtype="category")
    >>> isin(s, ["E06000060"]).tolist()
    [True, False, False]
    >>> isin(pd.Series([2021, 2022]), [2022]).tolist()
    [False, True]
    """
    wanted = [str(v) for v in values]
    return _through_categories(s, lambda idx: idx.isin(wanted))


def equals(s: pd.Series, value) -> pd.Series:
    """Rows whose value, as text, equals ``value``.

    >>> equals(pd.Series(["Total", "A"], dtype="category"), "Total").tolist()
    [True, False]
    """
    return isin(s, [value])


def matches(s: pd.Series, pattern: str) -> pd.Series:
    """Rows whose value, as text, matches the regular expression ``pattern`` from its start.

    >>> matches(pd.Series(["E06000060", "W06000001"], dtype="category"), r"^E0[6789]").tolist()
    [True, False]
    """
    return _through_categories(s, lambda idx: idx.str.match(pattern))


#: Column names that hold calendar years (shown as 2023, never 2,023).
YEAR_NAMES = frozenset({"year", "base_year", "horizon", "start", "end", "start_year", "end_year", "first_year",
                        "last_year"})


def is_year_column(name, s: pd.Series) -> bool:
    """Whether a column holds calendar years: integers under a year-like name.

    >>> is_year_column("horizon", pd.Series([2050])), is_year_column("start_value", pd.Series([2050]))
    (True, False)
    """
    text = str(name).lower()
    return pd.api.types.is_integer_dtype(s) and (text in YEAR_NAMES or text.endswith("_year"))


# CSV-injection safety, here rather than in evidence.pack.formats because the indicators (the scorecard's
# monitoring baseline) write and read CSV files too.
#: The first characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """A cell for a CSV file: a string starting with ``= + - @``, tab or CR gets a leading single quote
    (OWASP's CSV-injection guidance) so a spreadsheet shows it as text; numbers pass unchanged.

    >>> csv_safe('=HYPERLINK("http://x","y")'), csv_safe("-3"), csv_safe(-3.5), csv_safe("Leeds")
    ('\\'=HYPERLINK("http://x","y")', "'-3", -3.5, 'Leeds')
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every string cell and header made safe by :func:`csv_safe` (numeric columns untouched)."""
    out = df.copy()
    for c in out.columns:
        if not pd.api.types.is_numeric_dtype(out[c]) or pd.api.types.is_bool_dtype(out[c]):
            out[c] = out[c].map(csv_safe)
    out.columns = [csv_safe(c) if isinstance(c, str) else c for c in out.columns]
    return out


def csv_unquote(value):
    """Undo :func:`csv_safe` when the toolkit reads back its own CSV.

    >>> csv_unquote("'=SUM(A1)"), csv_unquote("'quoted"), csv_unquote(3)
    ('=SUM(A1)', "'quoted", 3)
    """
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def csv_unquote_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` read from a CSV written through :func:`csv_safe_frame`, with its strings as they were."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(csv_unquote)
    out.columns = [csv_unquote(c) for c in out.columns]
    return out
