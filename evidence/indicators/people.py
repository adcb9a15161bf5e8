r"""People beyond the rates: occupation structure and age structure (pure functions on tidy frames).

Occupation
----------
APS table T09a counts people in employment (aged 16+) in each of the 25 SOC2010 sub-major groups.
:func:`major_groups` adds them up into the nine SOC2010 major groups, and :func:`occupation_shares` divides
each major group by the sum of all nine (every person in employment with a coded occupation):

.. math:: s_{g} = 100 \times \frac{n_g}{\sum_{h=1}^{9} n_h}, \qquad n_g = \sum_{k \in g} n_k

A group with a suppressed sub-major count (Nomis ``!``, ``~``, ``-``) is NA, and so is every share of an area
whose total is incomplete: missing stays missing. Nomis publishes a 95% confidence interval half-width for each
sub-major count only. For a major group the half-width is approximated as :math:`\sqrt{\sum_k c_k^2}`, which
treats the sub-major estimates as independent; as the counts of one sample are negatively correlated this is
conservative (too wide, never too narrow). A share's interval is the count's over the total, the total being
treated as fixed (APS totals are weighted to population estimates), as in
:mod:`evidence.indicators.foundations`.

Age
---
:func:`old_age_dependency_ratio` is the number of people aged 65 and over per 100 aged 16 to 64,

.. math:: \mathrm{OADR} = 100 \times \frac{P_{65+}}{P_{16-64}},

from population counts by single year of age (counts may be summed over districts). :func:`age_bands` groups
single years of age into bands.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import InvalidArgumentError

#: SOC2010 major groups: number -> (name, T09a sub-major variables).
SOC2010_MAJOR_GROUPS: dict[int, tuple[str, tuple[str, ...]]] = {
    1: ("Managers, directors and senior officials", ("T09a:1", "T09a:4")),
    2: ("Professional occupations", ("T09a:7", "T09a:10", "T09a:13", "T09a:16")),
    3: ("Associate professional and technical occupations", ("T09a:19", "T09a:22", "T09a:25", "T09a:28", "T09a:31")),
    4: ("Administrative and secretarial occupations", ("T09a:34", "T09a:37")),
    5: ("Skilled trades occupations", ("T09a:40", "T09a:43", "T09a:46", "T09a:49")),
    6: ("Caring, leisure and other service occupations", ("T09a:52", "T09a:55")),
    7: ("Sales and customer service occupations", ("T09a:58", "T09a:61")),
    8: ("Process, plant and machine operatives", ("T09a:64", "T09a:67")),
    9: ("Elementary occupations", ("T09a:70", "T09a:73")),
}
SUB_MAJOR_VARIABLES = tuple(v for _, vs in SOC2010_MAJOR_GROUPS.values() for v in vs)


def major_groups(counts: pd.DataFrame, *, keys: Sequence[str] = ("area_code", "year"), variable: str = "variable",
                 value: str = "value", ci: str = "ci95") -> pd.DataFrame:
    """Sum T09a sub-major group counts into the nine SOC2010 major groups.

    .. math:: n_g = \\sum_{k \\in g} n_k, \\qquad c_g \\approx \\sqrt{\\sum_{k \\in g} c_k^2}

    ``n_g`` is NA if any sub-major count of the group is NA (or absent); ``c_g`` (the 95% half-width) is NA if
    any ``c_k`` is. Returns ``*keys, soc_major, occupation, value, ci95, published_total, suppressed_cells``:
    the last two (per key) are the sum of the sub-major counts that have a value and how many have none.

    >>> df = pd.DataFrame({"area_code": "A", "year": 2021, "variable": ["T09a:1", "T09a:4"],
    ...                    "value": [300.0, 100.0], "ci95": [30.0, 40.0]})
    >>> major_groups(df).query("soc_major == 1")[["value", "ci95"]].values.tolist()
    [[400.0, 50.0]]
    """
    keys = list(keys)
    rows = counts[counts[variable].astype(str).isin(SUB_MAJOR_VARIABLES)]
    wide = rows.pivot_table(index=keys, columns=variable, values=value, aggfunc="first", dropna=False,
                            observed=True).reindex(columns=list(SUB_MAJOR_VARIABLES))
    has_ci = ci in rows.columns
    wci = (rows.pivot_table(index=keys, columns=variable, values=ci, aggfunc="first", dropna=False, observed=True)
           .reindex(index=wide.index, columns=list(SUB_MAJOR_VARIABLES)) if has_ci else None)
    out = []
    for g, (name, subs) in SOC2010_MAJOR_GROUPS.items():
        part = wide[list(subs)]
        n = part.sum(axis=1, min_count=len(subs), skipna=False)
        c = (np.sqrt((wci[list(subs)] ** 2).sum(axis=1, min_count=len(subs), skipna=False)) if has_ci
             else pd.Series(np.nan, index=wide.index))
        out.append(pd.DataFrame({"soc_major": g, "occupation": name, "value": n, "ci95": c}).reset_index())
    res = pd.concat(out, ignore_index=True)
    published = wide.sum(axis=1, min_count=1).rename("published_total")
    suppressed = wide.isna().sum(axis=1).rename("suppressed_cells")
    res = res.merge(pd.concat([published, suppressed], axis=1).reset_index(), on=keys, how="left")
    cols = [*keys, "soc_major", "occupation", "value", "ci95", "published_total", "suppressed_cells"]
    return res[cols].sort_values([*keys, "soc_major"]).reset_index(drop=True)


def occupation_shares(groups: pd.DataFrame, *, keys: Sequence[str] = ("area_code", "year"), value: str = "value",
                      ci: str = "ci95", total: str | None = None) -> pd.DataFrame:
    """Each major group's share of employment, % (see the module docstring), with a 95% interval.

    .. math:: s_g = 100 \\, n_g / N, \\qquad [s_g \\mp 100 \\, c_g / N]

    By default :math:`N = \\sum_h n_h`, and every share of an area with a group NA is NA. ``total`` names a
    column holding :math:`N` instead (``published_total`` of :func:`major_groups`: the sum of the sub-major
    counts that are published, the suppressed ones left out of the total as well as their groups). Adds
    ``total, share, share_lci, share_uci`` to ``groups``.

    >>> g = pd.DataFrame({"area_code": "A", "year": 2021, "soc_major": [1, 2], "value": [250.0, 750.0],
    ...                   "ci95": [50.0, np.nan]})
    >>> occupation_shares(g)[["share", "share_lci", "share_uci"]].values.tolist()
    [[25.0, 20.0, 30.0], [75.0, nan, nan]]
    """
    keys = list(keys)
    out = groups.copy()
    if total is None:
        n = out.groupby(keys, observed=True)[value].transform(lambda v: v.sum(min_count=len(v), skipna=False))
    else:
        n = out[total]
    out["total"] = n
    total = n
    out["share"] = 100 * out[value] / total
    half = 100 * out[ci] / total if ci in out else np.nan
    out["share_lci"] = out["share"] - half
    out["share_uci"] = out["share"] + half
    return out


def old_age_dependency_ratio(pop: pd.DataFrame, *, keys: Sequence[str] = ("area_code", "year"), age: str = "age",
                             value: str = "value") -> pd.DataFrame:
    """People aged 65 and over per 100 people aged 16 to 64, from counts by single year of age.

    .. math:: \\mathrm{OADR} = 100 \\times \\sum_{a \\geq 65} P_a \\Big/ \\sum_{a=16}^{64} P_a

    ``age`` is an integer (the top age group, e.g. 90 for "90+", counts as its lower bound). NA where a count
    in either range is NA. Returns ``*keys, aged_16_64, aged_65_plus, value``.

    >>> p = pd.DataFrame({"area_code": "A", "year": 2022, "age": [10, 16, 40, 64, 65, 90],
    ...                   "value": [5.0, 10.0, 20.0, 10.0, 8.0, 2.0]})
    >>> old_age_dependency_ratio(p)["value"].tolist()
    [25.0]
    """
    keys = list(keys)
    a = pd.to_numeric(pop[age], errors="raise")
    work = pop[(a >= 16) & (a <= 64)].groupby(keys, observed=True)[value].sum(min_count=1)
    old = pop[a >= 65].groupby(keys, observed=True)[value].sum(min_count=1)
    nas = pop[pop[value].isna() & (a >= 16)].groupby(keys, observed=True).size()
    out = pd.DataFrame({"aged_16_64": work, "aged_65_plus": old})
    out.loc[out.index.isin(nas.index), ["aged_16_64", "aged_65_plus"]] = np.nan
    out["value"] = 100 * out["aged_65_plus"] / out["aged_16_64"]
    return out.reset_index()


def age_bands(pop: pd.DataFrame, *, edges: Sequence[int] = (0, 16, 25, 35, 45, 55, 65, 75, 85),
              keys: Sequence[str] = ("area_code", "year"), age: str = "age", value: str = "value") -> pd.DataFrame:
    """Counts by single year of age grouped into bands ``[edges[i], edges[i+1])``, the last open-ended, with each
    band's share of the total (%).

    >>> p = pd.DataFrame({"area_code": "A", "year": 2022, "age": [0, 15, 16, 70], "value": [1.0, 1.0, 4.0, 4.0]})
    >>> age_bands(p, edges=(0, 16, 65))[["band", "value", "share"]].values.tolist()
    [['0-15', 2.0, 20.0], ['16-64', 4.0, 40.0], ['65+', 4.0, 40.0]]
    """
    edges = list(edges)
    if edges != sorted(set(edges)) or not edges or edges[0] != 0:
        raise InvalidArgumentError(f"edges must start at 0 and increase, not {edges}.")
    labels = [f"{lo}-{hi - 1}" for lo, hi in zip(edges[:-1], edges[1:], strict=True)] + [f"{edges[-1]}+"]
    a = pd.to_numeric(pop[age], errors="raise")
    band = pd.cut(a, bins=[*edges, np.inf], right=False, labels=labels)
    keys = list(keys)
    out = (pop.assign(band=band).groupby([*keys, "band"], observed=False)[value]
           .sum(min_count=1).reset_index())
    out["share"] = 100 * out[value] / out.groupby(keys, observed=True)[value].transform("sum")
    out["band"] = out["band"].astype(str)
    return out


__all__ = ["SOC2010_MAJOR_GROUPS", "SUB_MAJOR_VARIABLES", "age_bands", "major_groups", "occupation_shares",
           "old_age_dependency_ratio"]
