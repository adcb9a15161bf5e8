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
