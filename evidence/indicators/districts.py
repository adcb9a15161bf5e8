"""The districts inside an area: where its productivity gap is concentrated, and real growth of a group of districts.

:func:`gap_contributions` splits an area's shortfall against a benchmark rate (England's GVA per hour) into
its districts' parts, which add up to the area's own shortfall; :func:`concentration` names the fewest
districts that account for most of it. :func:`chained_volume_growth` carries districts' chained-volume GVA to
their sum the way ONS chain-links (annual previous-year prices), since chained-volume series are never summed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import AggregationError, NoDataError
from .aggregate import chain_link


def gap_contributions(df: pd.DataFrame, *, benchmark: float, value: str = "value", weight: str = "weight"
                      ) -> pd.DataFrame:
    r"""Each district's part of the area's shortfall against a benchmark rate.

    With a rate :math:`r_d` (GVA per hour) and its denominator :math:`w_d` (hours) in district :math:`d`, the
    area's rate is :math:`r_A = \sum_d w_d r_d / \sum_d w_d`, and its shortfall in totals (GVA the area would
    have at the benchmark rate :math:`r_B` on its own hours, less its GVA) is

    .. math:: G = \sum_d w_d (r_B - r_A) = \sum_d c_d, \qquad c_d = w_d (r_B - r_d).

    ``contribution`` is :math:`c_d` (in the units of rate x weight: £ a week for GVA per hour x weekly hours)
    and ``share`` is :math:`100\, c_d / G` (%; the shares add to 100; a district above the benchmark has a
    negative share, which offsets the others). ``share`` is NA when the area is not below the benchmark.

    Examples
    --------
    >>> df = pd.DataFrame({"area_code": ["a", "b", "c"], "value": [30.0, 40.0, 45.0], "weight": [2.0, 1.0, 1.0]})
    >>> out = gap_contributions(df, benchmark=40.0)
    >>> out["contribution"].tolist(), out["share"].round(2).tolist()
    ([20.0, 0.0, -5.0], [133.33, 0.0, -33.33])
    """
    missing = df[value].isna() | df[weight].isna()
    if missing.any():
        raise NoDataError(f"{int(missing.sum())} district(s) have no {value} or {weight}; the gap cannot be split.")
    out = df.copy()
    out["contribution"] = out[weight] * (benchmark - out[value])
    total = out["contribution"].sum()
    out["share"] = 100.0 * out["contribution"] / total if total > 0 else np.nan
    return out


def concentration(df: pd.DataFrame, *, threshold: float = 50.0, key: str = "area_code",
                  share: str = "share") -> list[str]:
    """The fewest districts whose shares of the gap (largest first) add up to at least ``threshold`` %.

    Empty when the shares are NA (the area is not below the benchmark).

    Examples
    --------
    >>> df = pd.DataFrame({"area_code": ["a", "b", "c"], "share": [30.0, 55.0, 15.0]})
    >>> concentration(df)
    ['b']
    >>> concentration(df, threshold=80.0)
    ['b', 'a']
    """
    ranked = df[df[share].notna()].sort_values(share, ascending=False, kind="stable")
    out, total = [], 0.0
    for code, s in zip(ranked[key], ranked[share], strict=True):
        if total >= threshold or s <= 0:
            break
        out.append(code)
        total += s
    return out if total >= threshold else []


def chained_volume_growth(df: pd.DataFrame, *, start: int, end: int, area: str = "area_code", year: str = "year",
                          cp: str = "current_prices", cvm: str = "cvm") -> float:
    r"""Real growth of the sum of some districts from ``start`` to ``end``, as % a year, chain-linked.

    For each year :math:`t` in ``start+1..end``, the districts' output at the previous year's prices is
    :math:`PYP_{d,t} = CP_{d,t-1}\, CVM_{d,t} / CVM_{d,t-1}` and the group's volume growth is
    :math:`g_t = \sum_d PYP_{d,t} / \sum_d CP_{d,t-1}`; the growth rates are chained,
    :math:`G = \prod_t g_t`, and annualised: :math:`100\,(G^{1/(end-start)} - 1)`. For one district it is
    its own chained-volume growth. Chained-volume values themselves are never added.

    Raises
    ------
    AggregationError
        A district lacks a current-price or chained-volume value in a year of the span.

    Examples
    --------
    >>> df = pd.DataFrame({"area_code": ["a", "a", "b", "b"], "year": [2020, 2021, 2020, 2021],
    ...                    "current_prices": [100.0, 110.0, 300.0, 300.0], "cvm": [50.0, 55.0, 80.0, 80.0]})
    >>> round(chained_volume_growth(df, start=2020, end=2021), 6)   # (100 x 1.1 + 300 x 1) / 400 = 1.025
    2.5
    """
    if end <= start:
        raise AggregationError(f"growth needs an end year after the start ({start}-{end}).")
    span = df[(df[year] >= start) & (df[year] <= end)]
    cpw = span.pivot_table(index=area, columns=year, values=cp, aggfunc="first")
    cvw = span.pivot_table(index=area, columns=year, values=cvm, aggfunc="first")
    years = list(range(start, end + 1))
    if cpw.reindex(columns=years).isna().any().any() or cvw.reindex(columns=years).isna().any().any() or \
            cpw.empty:
        raise AggregationError(f"chained-volume growth {start}-{end} needs current-price and chained-volume GVA "
                               "for every district in every year of the span.")
    tidy = span[[area, year]].rename(columns={area: "area_code", year: "year"})
    current, volume = tidy.assign(value=span[cp].to_numpy()), tidy.assign(value=span[cvm].to_numpy())
    members = pd.DataFrame({"lad_code": cpw.index.astype(str), "area_code": "group"})
    real = chain_link(current, volume, members, reference_year=start).set_index("year")["value"]
    chained = float(real[end] / real[start])
    return float(100.0 * (chained ** (1.0 / (end - start)) - 1.0))


__all__ = ["chained_volume_growth", "concentration", "gap_contributions"]
