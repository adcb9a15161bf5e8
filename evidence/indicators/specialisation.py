"""Sector specialisation and concentration: location quotients, shift-share, Krugman and Herfindahl–Hirschman.

Every function takes a tidy frame (one row per area x category, plus a period column where it needs two
periods) and returns a tidy frame. Column names are keyword arguments with defaults. The reference economy
("the nation") defaults to the sum of every area in the frame; pass ``nation=`` to use published national
totals instead.

References: Isard (1960) and Flegg & Webber (2000) for location quotients; Dunn (1960) and Esteban-Marquillas
(1972) for shift-share; Krugman (1991) *Geography and Trade*; Hirschman (1964) for the HHI.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import provenance
from ._groups import group_ids


def _nation(df: pd.DataFrame, nation: pd.DataFrame | pd.Series | None, category: str, value: str) -> pd.Series:
    if nation is None:
        return df.groupby(category, observed=True)[value].sum(min_count=1)
    if isinstance(nation, pd.DataFrame):
        return nation.set_index(category)[value]
    return nation


def shares(df: pd.DataFrame, *, area: str = "area_code", category: str = "industry",
           value: str = "value") -> pd.Series:
    """Each category's share of its area's total: s_ij = x_ij / sum_j x_ij."""
    return df[value] / df.groupby(area, observed=True)[value].transform("sum")


def location_quotient(df: pd.DataFrame, *, area: str = "area_code", category: str = "industry",
                      value: str = "value", nation: pd.DataFrame | pd.Series | None = None,
                      by: Sequence[str] = ()) -> pd.DataFrame:
    r"""Location quotients of each area's categories against the nation.

    .. math:: LQ_{ij} = \frac{x_{ij} / \sum_j x_{ij}}{X_j / \sum_j X_j}

    where :math:`x_{ij}` is the area's value (employment or current-price GVA) in category *j* and
    :math:`X_j` the nation's. LQ > 1 means the area is relatively specialised in *j*. Missing values stay
    missing.

    Parameters
    ----------
    df : DataFrame
        One row per area x category (x each ``by`` combination).
    area, category, value : str
        Column names.
    nation : DataFrame or Series, optional
        National values by category (a frame with ``category``, the ``by`` columns and ``value``, or a
        Series indexed by category when ``by`` is empty); by default the sum of every area in ``df``.
    by : sequence of str, optional
        Columns such as ``("year",)``: the quotients are computed separately within each combination, so a
        panel of many years takes one call.

    Returns
    -------
    DataFrame
        ``df``'s area, ``by`` and category columns with ``share``, ``national_share`` and ``lq``.

    Examples
    --------
    >>> df = pd.DataFrame({"area_code": ["A", "A", "B", "B"], "industry": ["x", "y", "x", "y"],
    ...                    "value": [30.0, 10.0, 20.0, 40.0]})
    >>> location_quotient(df)["lq"].round(3).tolist()   # nation: x 50/100, y 50/100
    [1.5, 0.5, 0.667, 1.333]
    """
    by = list(by)
    keys = [*by, category]
    if nation is None:
        nat = df.groupby(keys, observed=True)[value].sum(min_count=1)
    elif isinstance(nation, pd.DataFrame):
        nat = nation.set_index(keys)[value]
    elif by:
        raise ValueError(f"with by={by}, nation must be a frame with the columns {keys + [value]}")
    else:
        nat = nation
    nat_share = nat / (nat.groupby(level=by, observed=True).transform("sum") if by else nat.sum())
    # Look the national shares up once per cell, not per row: a panel can have tens of millions of rows.
    ids, cells = group_ids(df, keys)
    cells = pd.MultiIndex.from_frame(cells) if by else pd.Index(cells[category])
    cell_share = nat_share.reindex(cells).to_numpy(dtype=float)
    out = df[[area, *by, category]].copy()
    out["share"] = df[value] / df.groupby([area, *by], observed=True)[value].transform("sum")
    out["national_share"] = cell_share[ids]
    out["lq"] = out["share"] / out["national_share"]
    return provenance.combine(out, df)


def shift_share(df: pd.DataFrame, *, start: int, end: int, area: str = "area_code", category: str = "industry",
                value: str = "value", period: str = "year", nation: pd.DataFrame | None = None,
                method: str = "classic") -> pd.DataFrame:
    r"""Shift-share decomposition of each area's change in each category between ``start`` and ``end``.

    With :math:`e_{ij}` the area's value in category *j*, :math:`G` the national growth rate of all
    categories, :math:`G_j` the national growth rate of *j* and :math:`g_{ij}` the area's growth rate in *j*:

    - national growth :math:`NS_{ij} = e_{ij,0}\,G`
    - industry mix :math:`IM_{ij} = e_{ij,0}\,(G_j - G)`
    - regional share (competitive) :math:`RS_{ij} = e_{ij,0}\,(g_{ij} - G_j)`

    and :math:`NS + IM + RS = e_{ij,1} - e_{ij,0}` exactly. With ``method="esteban-marquillas"`` the regional
    share is split, using homothetic employment :math:`e^*_{ij} = E_{i,0}\,X_{j,0}/X_0` (the area's total
    with the national structure), into a competitive effect :math:`C_{ij} = e^*_{ij}(g_{ij} - G_j)` and an
    allocation effect :math:`A_{ij} = (e_{ij,0} - e^*_{ij})(g_{ij} - G_j)`, with :math:`C + A = RS`.

    ``nation`` is a tidy frame of national values with ``category``, ``period`` and ``value``; by default it
    is the sum of all areas in ``df``.

    Examples
    --------
    >>> df = pd.DataFrame({"area_code": ["A"] * 4 + ["B"] * 4, "industry": ["x", "y"] * 4,
    ...                    "year": [2000, 2000, 2010, 2010] * 2,
    ...                    "value": [10.0, 10.0, 15.0, 10.0, 10.0, 30.0, 20.0, 30.0]})
    >>> s = shift_share(df, start=2000, end=2010)   # nation: x 20 -> 35, y 40 -> 40, all 60 -> 75 (G = 0.25)
    >>> s[s.area_code == "A"][["industry", "national_growth", "industry_mix", "regional_share", "change"]]
      industry  national_growth  industry_mix  regional_share  change
    0        x              2.5           5.0            -2.5     5.0
    1        y              2.5          -2.5             0.0     0.0
    """
    if method not in ("classic", "esteban-marquillas"):
        raise ValueError("method must be 'classic' or 'esteban-marquillas'")
    wide = df[df[period].isin([start, end])].pivot_table(index=[area, category], columns=period, values=value,
                                                         aggfunc="sum", observed=True)
    if start not in wide.columns or end not in wide.columns:
        raise ValueError(f"the frame needs {period} {start} and {end}")
    e0, e1 = wide[start], wide[end]
    if nation is None:
        nat = wide.groupby(level=category, observed=True).sum(min_count=1)
    else:
        nat = nation[nation[period].isin([start, end])].pivot_table(index=category, columns=period, values=value,
                                                                    aggfunc="sum", observed=True)
    big_g = nat[end].sum() / nat[start].sum() - 1
    g_j = (nat[end] / nat[start] - 1).reindex(wide.index.get_level_values(category)).to_numpy()
    g_ij = (e1 / e0 - 1).to_numpy()
    out = wide.index.to_frame(index=False)
    out["start_value"] = e0.to_numpy()
    out["end_value"] = e1.to_numpy()
    out["change"] = (e1 - e0).to_numpy()
    out["national_growth"] = e0.to_numpy() * big_g
    out["industry_mix"] = e0.to_numpy() * (g_j - big_g)
    # Written as the residual so that the three parts add to the change exactly, also when e0 is 0.
    out["regional_share"] = out["change"] - out["national_growth"] - out["industry_mix"]
    if method == "esteban-marquillas":
        total0 = e0.groupby(level=area, observed=True).transform("sum").to_numpy()
        nat_share = (nat[start] / nat[start].sum()).reindex(wide.index.get_level_values(category)).to_numpy()
        homothetic = total0 * nat_share
        diff = np.where(e0.to_numpy() == 0, 0.0, g_ij - g_j)
        out["homothetic"] = homothetic
        out["competitive"] = homothetic * diff
        out["allocation"] = out["regional_share"] - out["competitive"]
    return provenance.combine(out, df)


def krugman_index(df: pd.DataFrame, *, area: str = "area_code", category: str = "industry", value: str = "value",
                  reference: str = "rest") -> pd.DataFrame:
    r"""Krugman specialisation index of each area.

    .. math:: K_i = \sum_j \left| s_{ij} - \bar s_{j} \right|

    where :math:`s_{ij}` is category *j*'s share of area *i* and :math:`\bar s_j` its share of the reference
    economy: the rest of the nation (``reference="rest"``, Krugman's definition) or the whole nation
    (``"nation"``). K is 0 for identical structures and at most 2 (no category in common).

    Examples
    --------
    >>> df = pd.DataFrame({"area_code": ["A", "A", "B", "B"], "industry": ["x", "y", "x", "y"],
    ...                    "value": [30.0, 10.0, 20.0, 40.0]})
    >>> krugman_index(df)["krugman"].round(3).tolist()   # |0.75-1/3| + |0.25-2/3|
    [0.833, 0.833]
    """
    if reference not in ("rest", "nation"):
        raise ValueError("reference must be 'rest' or 'nation'")
    pivot = df.pivot_table(index=area, columns=category, values=value, aggfunc="sum", observed=True).fillna(0.0)
    s = pivot.div(pivot.sum(axis=1), axis=0)
    total = pivot.sum(axis=0)
    if reference == "nation":
        ref = pd.DataFrame(np.tile((total / total.sum()).to_numpy(), (len(pivot), 1)), index=pivot.index,
                           columns=pivot.columns)
    else:
        rest = total.to_numpy()[None, :] - pivot.to_numpy()
        ref = pd.DataFrame(rest / rest.sum(axis=1, keepdims=True), index=pivot.index, columns=pivot.columns)
    out = (s - ref).abs().sum(axis=1).rename("krugman").reset_index()
    return provenance.combine(out, df)


def herfindahl(df: pd.DataFrame, *, area: str = "area_code", category: str = "industry", value: str = "value",
               normalised: bool = False) -> pd.DataFrame:
    r"""Herfindahl–Hirschman concentration of each area's structure.

    .. math:: HHI_i = \sum_j s_{ij}^2, \qquad HHI^*_i = \frac{HHI_i - 1/N}{1 - 1/N}

    ranging from 1/N (even spread over N categories) to 1 (one category); ``normalised=True`` gives
    :math:`HHI^*` on [0, 1].

    Examples
    --------
    >>> df = pd.DataFrame({"area_code": ["A", "A"], "industry": ["x", "y"], "value": [30.0, 10.0]})
    >>> herfindahl(df)["hhi"].tolist()   # 0.75**2 + 0.25**2
    [0.625]
    """
    s = shares(df, area=area, category=category, value=value)
    tmp = df[[area]].assign(s2=s**2, n=1)
    out = tmp.groupby(area, observed=True).agg(hhi=("s2", "sum"), n=("n", "sum")).reset_index()
    if normalised:
        out["hhi"] = np.where(out["n"] > 1, (out["hhi"] - 1 / out["n"]) / (1 - 1 / out["n"]), np.nan)
    return provenance.combine(out.drop(columns="n"), df)


def growth_vs_specialisation(df: pd.DataFrame, *, area_code: str, start: int, end: int, area: str = "area_code",
                             category: str = "industry", value: str = "value", period: str = "year",
                             nation: pd.DataFrame | None = None) -> pd.DataFrame:
    r"""For one area: each category's LQ at ``end``, its growth (CAGR) over ``start``–``end`` locally and
    nationally, and its size at ``end`` — the table behind the usual growth-versus-specialisation bubble chart.

    .. math:: CAGR = (x_{end} / x_{start})^{1/(end-start)} - 1
    """
    last = df[df[period] == end]
    lq = location_quotient(last, area=area, category=category, value=value,
                           nation=None if nation is None else nation[nation[period] == end])
    lq = lq[lq[area] == area_code].set_index(category)
    mine = df[df[area] == area_code].pivot_table(index=category, columns=period, values=value, aggfunc="sum",
                                                 observed=True)
    nat = (df if nation is None else nation).pivot_table(index=category, columns=period, values=value,
                                                         aggfunc="sum", observed=True)
    years = end - start
    out = pd.DataFrame({
        "lq": lq["lq"],
        "size": mine[end],
        "share": lq["share"],
        "growth_cagr": (mine[end] / mine[start]) ** (1 / years) - 1,
        "national_growth_cagr": ((nat[end] / nat[start]) ** (1 / years) - 1).reindex(mine.index),
    }).reset_index()
    return provenance.combine(out, df)
