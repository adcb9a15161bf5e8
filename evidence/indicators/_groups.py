"""Group numbering shared by the indicator functions that must scale to panels of tens of millions of rows."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def group_ids(df: pd.DataFrame, by: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Number each row's combination of the ``by`` columns, in the order ``groupby(by, dropna=False)`` sorts.

    Cheaper than a ``groupby`` on large frames: one ``factorize`` per column, then one on the combined codes.

    Parameters
    ----------
    df : DataFrame
        The rows to number.
    by : sequence of str
        The columns whose combinations are numbered. A missing value is a combination of its own, sorted last.

    Returns
    -------
    ids : ndarray of int64
        Each row's combination, 0 to K-1.
    keys : DataFrame
        The K combinations in order, one row each, with the columns' own dtypes.

    Examples
    --------
    >>> ids, keys = group_ids(pd.DataFrame({"year": [2021, 2020, 2021], "x": ["b", "a", "a"]}), ["year", "x"])
    >>> ids.tolist(), keys.values.tolist()
    ([2, 0, 1], [[2020, 'a'], [2021, 'a'], [2021, 'b']])
    """
    by = list(by)
    n = len(df)
    if not by:
        return np.zeros(n, dtype=np.int64), pd.DataFrame(index=range(1 if n else 0))
    combined = np.zeros(n, dtype=np.int64)
    span = 1
    for col in by:
        codes, uniques = pd.factorize(df[col], sort=True)
        width = len(uniques) + 1  # the extra code is NA, which sorts last as in groupby(dropna=False)
        if span * width >= 2**62:  # renumber densely (order kept) before the combined number overflows
            combined = pd.factorize(combined, sort=True)[0].astype(np.int64)
            span = int(combined.max(initial=0)) + 1
        combined *= width
        combined += np.where(codes < 0, width - 1, codes)
        span *= width
    ids, combos = pd.factorize(combined, sort=True)
    first = np.full(len(combos), n, dtype=np.int64)
    np.minimum.at(first, ids, np.arange(n))  # each combination's first row, whose values describe it
    return ids.astype(np.int64, copy=False), df[by].iloc[first].reset_index(drop=True)
