"""Productivity: levels against a reference, gaps, growth, and the decomposition of the GVA-per-head gap.

All functions are pure: tidy frames in, tidy frames out. ONS guidance: GVA per hour worked is the preferred
measure of labour productivity, GVA per filled job the second; **GVA per head is not a productivity measure**
(it is affected by commuting and by the share of residents of working age), which is why the decomposition
below exists.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import frames, provenance

#: Reference codes: the UK less Extra-Regio (as in the ONS productivity tables), the UK, and England.
UK_CODES = ("UKX", "K02000001", "UK")
ENGLAND_CODES = ("E92000001", "England")

GVA_PER_HEAD_CAVEAT = ("GVA per head is not a measure of productivity: it divides workplace output by resident "
                       "population, so it is inflated where people commute in and deflated where they commute out "
                       "(ONS guidance).")


def _ref_values(df: pd.DataFrame, reference: str | Sequence[str], area: str, value: str,
                by: Sequence[str]) -> pd.Series:
    refs = [reference] if isinstance(reference, str) else list(reference)
    rows = df[frames.isin(df[area], refs)]
    if rows.empty:
        raise ValueError(f"no reference rows ({', '.join(refs)}) in the frame")
    return rows.groupby(list(by), observed=True)[value].first()


def relative_to(df: pd.DataFrame, *, reference: str | Sequence[str] = UK_CODES, area: str = "area_code",
                value: str = "value", by: Sequence[str] = ("year",)) -> pd.DataFrame:
    r"""Each row's value against the reference area's value for the same ``by`` keys.

    .. math:: \text{index} = 100\,x_a / x_r, \quad \text{gap} = x_a - x_r, \quad
              \text{gap\_pct} = 100\,(x_a / x_r - 1)

    Examples
    --------
    >>> df = pd.DataFrame({"area_code": ["UKX", "A"], "year": [2023, 2023], "value": [40.0, 36.0]})
    >>> relative_to(df)[["area_code", "index", "gap", "gap_pct"]].round(1).values.tolist()
    [['UKX', 100.0, 0.0, 0.0], ['A', 90.0, -4.0, -10.0]]
    """
    ref = _ref_values(df, reference, area, value, by)
    key = pd.MultiIndex.from_frame(df[list(by)]) if len(by) > 1 else df[by[0]]
    r = pd.Series(ref.reindex(key).to_numpy(), index=df.index)
    out = df.copy()
    out["reference_value"] = r
    out["index"] = 100 * df[value] / r
    out["gap"] = df[value] - r
    out["gap_pct"] = 100 * (df[value] / r - 1)
    return provenance.combine(out, df)


def cagr(df: pd.DataFrame, *, start: int, end: int, by: Sequence[str] = ("area_code",), period: str = "year",
         value: str = "value") -> pd.DataFrame:
    r"""Compound annual growth rate between two periods, for each group.

    .. math:: CAGR = \left(x_{end} / x_{start}\right)^{1/(end - start)} - 1

    Missing endpoints give NA. On current-price series this is *nominal* growth.

    Examples
    --------
    >>> df = pd.DataFrame({"area_code": ["A", "A"], "year": [2010, 2020], "value": [100.0, 200.0]})
    >>> round(float(cagr(df, start=2010, end=2020)["cagr"].iloc[0]), 5)
    0.07177
    """
    if end <= start:
        raise ValueError("end must be after start")
    w = df[df[period].isin([start, end])].pivot_table(index=list(by), columns=period, values=value,
                                                      aggfunc="first", observed=True)
    s = w[start] if start in w else pd.Series(np.nan, index=w.index)
    e = w[end] if end in w else pd.Series(np.nan, index=w.index)
    out = pd.DataFrame({"start": start, "end": end, "start_value": s, "end_value": e,
                        "cagr": (e / s) ** (1 / (end - start)) - 1}).reset_index()
    return provenance.combine(out, df)


def growth(df: pd.DataFrame, *, by: Sequence[str] = ("area_code",), period: str = "year",
           value: str = "value") -> pd.DataFrame:
    r"""Year-on-year growth, :math:`g_t = x_t / x_{t-1} - 1`, within each group (NA for the first year or a gap)."""
    out = df.sort_values([*by, period]).copy()
    prev = out.groupby(list(by), observed=True)[value].shift(1)
    prev_period = out.groupby(list(by), observed=True)[period].shift(1)
    out["growth"] = np.where(out[period] - prev_period == 1, out[value] / prev - 1, np.nan)
    return provenance.combine(out, df)


def decompose_gva_per_head_gap(df: pd.DataFrame, *, reference: str | Sequence[str] = UK_CODES,
                               area: str = "area_code", period: str = "year", gva: str = "gva",
                               hours: str = "hours", jobs: str = "jobs", population: str = "population",
                               working_age: str | None = None) -> pd.DataFrame:
    r"""Log-additive decomposition of an area's gap in GVA per head against a reference area.

    GVA per head factorises as

    .. math:: \frac{GVA}{Pop} = \underbrace{\frac{GVA}{Hours}}_{\text{productivity}}
              \times \underbrace{\frac{Hours}{Jobs}}_{\text{hours per job}}
              \times \underbrace{\frac{Jobs}{Pop}}_{\text{jobs per resident}}

    so the log gap :math:`\ln(y_a / y_r)` is the exact sum of the log ratios of the three parts. Resident
    population enters as the denominator of jobs per resident. When ``working_age`` names a column of
    working-age residents, jobs per resident becomes jobs per working-age resident and a fourth part,
    ``demography`` (working-age share of residents, :math:`Pop_{16-64}/Pop`), is added.

    ``df`` is wide: one row per area and period with the component columns (all current-price £ or
    counts). Returns one row per area, period and component with ``log_points`` (100 x the log ratio, which
    sum exactly to ``total``) and ``share_of_gap``. The total gap in per cent is ``100 (exp(total/100) - 1)``.

    Examples
    --------
    >>> df = pd.DataFrame({"area_code": ["UK", "A"], "year": [2022, 2022], "gva": [2000.0, 90.0],
    ...                    "hours": [50.0, 2.0], "jobs": [32.0, 1.6], "population": [67.0, 3.0]})
    >>> d = decompose_gva_per_head_gap(df, reference="UK")
    >>> d.pivot_table(index="component", values="log_points").round(2)["log_points"].to_dict()
    {'hours_per_job': -22.31, 'jobs_per_resident': 11.03, 'productivity': 11.78, 'total': 0.5}
    """
    parts = {
        "productivity": df[gva] / df[hours],
        "hours_per_job": df[hours] / df[jobs],
    }
    if working_age:
        parts["jobs_per_resident"] = df[jobs] / df[working_age]
        parts["demography"] = df[working_age] / df[population]
    else:
        parts["jobs_per_resident"] = df[jobs] / df[population]
    parts["total"] = df[gva] / df[population]
    wide = df[[area, period]].copy()
    for k, v in parts.items():
        wide[k] = v
    refs = [reference] if isinstance(reference, str) else list(reference)
    ref = wide[frames.isin(wide[area], refs)].groupby(period).first()
    if ref.empty:
        raise ValueError(f"no reference rows ({', '.join(refs)}) in the frame")
    rows = []
    for comp in parts:
        r = wide[period].map(ref[comp])
        lp = 100 * np.log(wide[comp] / r)
        rows.append(pd.DataFrame({area: wide[area], period: wide[period], "component": comp, "log_points": lp}))
    out = pd.concat(rows, ignore_index=True)
    out = out[~frames.isin(out[area], refs)].reset_index(drop=True)
    total = out[out.component == "total"].set_index([area, period])["log_points"]
    key = pd.MultiIndex.from_frame(out[[area, period]])
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share_of_gap"] = out["log_points"].to_numpy() / total.reindex(key).to_numpy()
    return provenance.combine(out, df)


def decompose_productivity_gap(df: pd.DataFrame, *, area: str, reference: str, area_col: str = "area_code",
                               industry: str = "industry", gva: str = "gva", jobs: str = "jobs") -> pd.DataFrame:
    r"""Split an area's gap in GVA per job against a reference into an industry-mix and a within-industry effect.

    With :math:`s_i = J_i / J` the share of jobs in industry *i* and :math:`p_i = GVA_i / J_i` GVA per job in
    it, aggregate GVA per job is :math:`P = \sum_i s_i p_i`, and the gap between area *a* and reference *r* is

    .. math:: P_a - P_r = \underbrace{\sum_i (s_{a,i} - s_{r,i})\, p_{r,i}}_{\text{industry mix}}
              + \underbrace{\sum_i s_{a,i}\,(p_{a,i} - p_{r,i})}_{\text{within industry}}

    exactly. The mix effect is what the area's industry shares would give at the reference's productivity in
    each industry; the within effect is the area's own productivity difference in the industries it has.
    This is the shift-share split of a productivity gap used, e.g., by the Greater Manchester Independent
    Prosperity Review.

    ``df`` is tidy: one row per area and industry with ``gva`` and ``jobs`` (both for one year, same prices).
    Industries where either area lacks a value are dropped from both, so the two totals cover the same
    industries. Returns one row per industry with ``area_share, reference_share, area_per_job,
    reference_per_job, mix, within`` and a last row ``industry == "Total"`` whose ``mix + within`` equals
    ``area_per_job - reference_per_job``.

    Examples
    --------
    >>> df = pd.DataFrame({"area_code": ["A", "A", "R", "R"], "industry": ["x", "y", "x", "y"],
    ...                    "gva": [30.0, 10.0, 60.0, 60.0], "jobs": [1.0, 1.0, 1.0, 3.0]})
    >>> d = decompose_productivity_gap(df, area="A", reference="R")
    >>> d.set_index("industry")[["mix", "within"]].round(2).to_dict("index")
    {'x': {'mix': 15.0, 'within': -15.0}, 'y': {'mix': -5.0, 'within': -5.0}, 'Total': {'mix': 10.0, 'within': -20.0}}
    >>> t = d.set_index("industry").loc["Total"]
    >>> float(t["area_per_job"] - t["reference_per_job"]), float(t["mix"] + t["within"])
    (-10.0, -10.0)
    """
    a = df[frames.equals(df[area_col], area)].set_index(industry)[[gva, jobs]]
    r = df[frames.equals(df[area_col], reference)].set_index(industry)[[gva, jobs]]
    if a.empty or r.empty:
        raise ValueError(f"need rows for both {area} and {reference}")
    both = a.add_suffix("_a").join(r.add_suffix("_r"), how="inner").dropna()
    both = both[(both[f"{jobs}_a"] > 0) & (both[f"{jobs}_r"] > 0)]
    s_a = both[f"{jobs}_a"] / both[f"{jobs}_a"].sum()
    s_r = both[f"{jobs}_r"] / both[f"{jobs}_r"].sum()
    p_a = both[f"{gva}_a"] / both[f"{jobs}_a"]
    p_r = both[f"{gva}_r"] / both[f"{jobs}_r"]
    out = pd.DataFrame({"area_share": s_a, "reference_share": s_r, "area_per_job": p_a, "reference_per_job": p_r,
                        "mix": (s_a - s_r) * p_r, "within": s_a * (p_a - p_r)})
    total = pd.DataFrame({"area_share": [s_a.sum()], "reference_share": [s_r.sum()],
                          "area_per_job": [both[f"{gva}_a"].sum() / both[f"{jobs}_a"].sum()],
                          "reference_per_job": [both[f"{gva}_r"].sum() / both[f"{jobs}_r"].sum()],
                          "mix": [out["mix"].sum()], "within": [out["within"].sum()]}, index=["Total"])
    out = pd.concat([out, total]).rename_axis(industry).reset_index()
    return provenance.combine(out, df)
