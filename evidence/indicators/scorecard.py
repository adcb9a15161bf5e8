"""The five-foundations scorecard for an area, and a monitoring baseline to compare later years against.

:func:`scorecard` gives one row per metric of the foundation map (:mod:`evidence.indicators.foundations`),
grouped by foundation:

``value``, ``period``, ``year``
    The area's latest value (or the latest at or before ``year``), computed by the metric's aggregation
    method, which ``aggregation`` and ``method`` name (``"population-weighted mean (approximation)"``,
    ``"containing area: South East (E12000008, region)"``, ``"published"``...).
``england_value``, ``uk_value``
    The comparators for the same year: the source's published England / UK figures where it has them,
    otherwise England's 296 LADs aggregated by the same method (UK: published only).
``rank``, ``of``, ``ranked_among``
    The rank among the areas of the area's comparison set with a value that year (:mod:`evidence.geography.areatypes`:
    the LEPs of the vintage for a LEP or a grouping, the combined authorities for a CA, England's districts
    for a district...), 1 = best given the polarity (1 = highest for neutral metrics); ties share the better
    rank. ``ranked_among`` names the set. An area that is not one of the set gets the rank it would take among
    them. Values of a containing area are not ranked.
``trend_5y``, ``trend_period``, ``trend_basis``
    The change over five years (``trend_period``, e.g. ``2018-2023``), or over the longest span the
    series allows within five years, as a % change (levels) or a difference (rates: percentage points).
``status``
    Compared with England, using the polarity: ``"better than England"``, ``"worse than England"``,
    ``"similar to England"`` (neutral metrics: ``"higher than England"`` / ``"lower than England"``).
    The rule (:func:`status`): *similar* when England lies inside the area's 95% confidence interval (survey
    estimates published with one), otherwise when the two differ by no more than 2% of England's value.
    Counts (``compare = "trend"`` in the map) are compared, and ranked, on their 5-year % change instead,
    *similar* meaning within 1 percentage point of England's growth.
``source``, ``note``
    Publisher, title and release of every file used (from the provenance), and why a value is missing, what
    was approximated or whose value was shown.

A foundation whose metrics all lack a value still has its rows, each saying why; a foundation with no
metric in the map has one row saying so.

:func:`with_targets` adds the user's ambitions (:func:`read_targets`, a TOML keyed by indicator id) and the
distance to each.

:func:`monitoring_baseline` freezes the scorecard to a year and writes it (CSV, plus a JSON sidecar with
the parameters and provenance); :func:`compare_to_baseline` recomputes it for a later year and shows the
change, polarity-aware.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__, geography, provenance
from ..errors import EvidenceError, NotApplicableError, SchemaError, TargetsError
from ..frames import csv_safe_frame, csv_unquote_frame
from ..geography import areatypes
from .foundations import ENGLAND_CODE, UK_CODES, Metric, _Context, compute, foundation_map, shared_context

SIMILAR_BAND = 0.02
TREND_BAND_PP = 1.0
TREND_YEARS = 5
STATUS_RULE = ("similar to England if England lies inside the area's 95% confidence interval (survey estimates "
               f"published with one), else if they differ by at most {SIMILAR_BAND:.0%} of England's value; "
               f"counts compare 5-year % growth, similar within {TREND_BAND_PP:g} percentage point")
COLUMNS = ["foundation", "indicator", "title", "unit", "polarity", "period", "year", "value", "lci_95", "uci_95",
           "england_value", "uk_value", "rank", "of", "trend_5y", "trend_period", "trend_basis",
           "england_trend_5y", "compare", "status", "aggregation", "method", "source", "note", "ranked_among"]
BASELINE_KIND = "LIS Evidence monitoring baseline"


def status(value: float, england: float, *, polarity: str, lci: float | None = None, uci: float | None = None,
           band: float = SIMILAR_BAND, absolute: float | None = None) -> str:
    """Compare a value with England's, knowing whether higher is better.

    *Similar* when England lies within ``[lci, uci]`` (if both are given), else when
    ``|value - england| <= band * |england|`` (or ``<= absolute`` when given, e.g. for growth rates).

    Examples
    --------
    >>> status(3.1, 4.0, polarity="lower")
    'better than England'
    >>> status(75.0, 75.8, polarity="higher")
    'similar to England'
    >>> status(72.0, 75.8, polarity="higher", lci=70.0, uci=76.0)
    'similar to England'
    >>> status(110.0, 100.0, polarity="neutral")
    'higher than England'
    """
    if value is None or england is None or np.isnan(value) or np.isnan(england):
        return "no comparison"
    if lci is not None and uci is not None and not (np.isnan(lci) or np.isnan(uci)):
        similar = lci <= england <= uci
    elif absolute is not None:
        similar = abs(value - england) <= absolute
    else:
        similar = abs(value - england) <= band * abs(england)
    if similar:
        return "similar to England"
    higher = value > england
    if polarity == "neutral":
        return "higher than England" if higher else "lower than England"
    return "better than England" if higher == (polarity == "higher") else "worse than England"


#: The status groups of :func:`status_summary`, in the order a sentence names them.
STATUS_GROUPS = ("better than England", "similar to England", "worse than England", "higher or lower (neutral)",
                 "no England comparison")


def status_group(status_text: str) -> str:
    """The group of :data:`STATUS_GROUPS` a status falls in: a neutral metric's "higher/lower than England"
    is neither better nor worse; anything else without a verdict has no England comparison.

    >>> status_group("lower than England"), status_group("no comparison"), status_group("worse than England")
    ('higher or lower (neutral)', 'no England comparison', 'worse than England')
    """
    if status_text in STATUS_GROUPS[:3]:
        return status_text
    if status_text in ("higher than England", "lower than England"):
        return STATUS_GROUPS[3]
    return STATUS_GROUPS[4]


def status_summary(card: pd.DataFrame) -> pd.DataFrame:
    """How many of a scorecard's indicators with a value fall in each status group (:data:`STATUS_GROUPS`),
    one row per group, always all five (zero where none), so the counts add up to the indicators with values.

    Every sentence or chart that counts statuses is computed from this one table.

    >>> card = pd.DataFrame({"value": [1.0, 2.0, 3.0, float("nan")],
    ...                      "status": ["better than England", "lower than England", "better than England",
    ...                                 "no comparison"]})
    >>> status_summary(card)["count"].tolist()
    [2, 0, 0, 1, 0]
    """
    valued = card[card["value"].notna()]
    groups = valued["status"].astype(str).map(status_group)
    counts = groups.value_counts().reindex(list(STATUS_GROUPS), fill_value=0)
    return pd.DataFrame({"status": list(STATUS_GROUPS), "count": counts.astype(int).tolist()})


def status_sentence(card: pd.DataFrame, area_name: str) -> str:
    """A sentence counting the scorecard's statuses that adds up: better + similar + worse + neutral + no
    comparison = the indicators with values, all from one table (:func:`status_summary`).

    >>> card = pd.DataFrame({"value": [1.0, 2.0, 3.0], "status": ["better than England", "lower than England",
    ...                                                       "worse than England"]})
    >>> status_sentence(card, "X")
    'Of the 3 indicators with values for X, 1 is better than England, 0 similar and 1 worse; 1 is higher or \
lower than England with no better or worse direction'
    """
    n = status_summary(card).set_index("status")["count"]
    total = int(n.sum())
    b = int(n["better than England"])
    text = (f"Of the {total} indicator{'s' if total != 1 else ''} with values for {area_name}, {b} "
            f"{'is' if b == 1 else 'are'} better than England, {n['similar to England']} similar and "
            f"{n['worse than England']} worse")
    rest = []
    if k := int(n[STATUS_GROUPS[3]]):
        rest.append(f"{k} {'is' if k == 1 else 'are'} higher or lower than England with no better or worse "
                    "direction")
    if k := int(n[STATUS_GROUPS[4]]):
        rest.append(f"{k} {'has' if k == 1 else 'have'} no England value to compare with")
    return text + ("; " + " and ".join(rest) if rest else "")


#: A rank is "too uncertain" when the ranks its confidence interval spans exceed this share of the set (or 3).
NOISY_RANK_SHARE = 0.2


def rank_interval(lci: float, uci: float, others: pd.Series | list[float], *,
                  polarity: str) -> tuple[int, int] | None:
    """The best and worst ranks an estimate could take within its confidence interval ``[lci, uci]`` among
    ``others`` (ranked as :func:`rank_among`); None without an interval.

    Examples
    --------
    >>> rank_interval(70.0, 76.0, [68.0, 71.0, 73.0, 75.0, 79.0], polarity="higher")
    (2, 5)
    >>> rank_interval(float("nan"), 76.0, [68.0], polarity="higher") is None
    True
    """
    if lci is None or uci is None or np.isnan(lci) or np.isnan(uci):
        return None
    best, worst = (lci, uci) if polarity == "lower" else (uci, lci)
    return rank_among(best, others, polarity=polarity)[0], rank_among(worst, others, polarity=polarity)[0]


def rank_among(value: float, others: pd.Series | list[float], *, polarity: str) -> tuple[int | None, int]:
    """The rank ``value`` takes among ``others`` (1 = best; ``polarity`` ``"lower"`` ranks ascending; ties
    share the better rank) and how many ``others`` have a value.

    ``others`` may include ``value`` itself (a LEP among the LEPs): a value is never better than itself.

    Examples
    --------
    >>> rank_among(3.0, [1.0, 3.0, 5.0, float("nan")], polarity="lower")
    (2, 3)
    >>> rank_among(3.0, [1.0, 3.0, 5.0], polarity="higher")
    (2, 3)
    >>> rank_among(4.0, [1.0, 3.0, 5.0], polarity="higher")
    (2, 3)
    """
    arr = np.asarray(others, dtype=float)
    arr = arr[~np.isnan(arr)]
    if value is None or np.isnan(value):
        return None, int(arr.size)
    better = arr < value if polarity == "lower" else arr > value
    return int(better.sum()) + 1, int(arr.size)


def trend(values: dict[int, float], year: int, *, kind: str, unit: str, span: int = TREND_YEARS
          ) -> tuple[float, str | None, str]:
    """Change to ``year`` from ``year - span``, or from the earliest year within ``span`` the series has.

    Returns ``(change, "2018-2023", basis)``; ``kind`` ``"percent"`` gives a % change, ``"difference"`` a
    difference (percentage points for ``%`` units).

    Examples
    --------
    >>> trend({2018: 100.0, 2023: 110.0}, 2023, kind="percent", unit="jobs")
    (10.000000000000009, '2018-2023', '% change')
    >>> trend({2020: 70.0, 2022: 72.5}, 2022, kind="difference", unit="%")
    (2.5, '2020-2022', 'change in percentage points (2 years: the series starts in 2020)')
    """
    if kind == "none":
        return np.nan, None, "not computed for this metric"
    end = values.get(year, np.nan)
    starts = [y for y in range(year - span, year) if not np.isnan(values.get(y, np.nan))]
    if np.isnan(end) or not starts:
        return np.nan, None, "no earlier year in the series"
    start = starts[0]
    basis = "% change" if kind == "percent" else ("change in percentage points" if unit == "%" else
                                                  f"change ({unit})")
    if start != year - span:
        basis += f" ({year - start} year{'s' if year - start > 1 else ''}: the series starts in {start})"
    base = values[start]
    if kind == "percent":
        change = 100.0 * (end / base - 1.0) if base else np.nan
    else:
        change = end - base
    return change, f"{start}-{year}", basis


# ------------------------------------------------------------------------------------------------ scorecard
def _source(df: pd.DataFrame) -> str:
    parts = []
    for r in provenance.records(df):
        rel = r.get("release_date") or r.get("release") or "release not recorded"
        parts.append(f"{r.get('publisher', '?')}, {r.get('title', '?')} ({rel})")
    return "; ".join(dict.fromkeys(parts))


def _series(df: pd.DataFrame) -> dict[str, dict[int, float]]:
    """area code -> {year: value}, read in one pass (a scorecard asks for ~40 areas of each metric)."""
    out: dict[str, dict[int, float]] = {}
    for code, year, value in zip(df["area_code"].astype(str), df["year"].astype(int), df["value"].astype(float),
                                 strict=True):
        out.setdefault(code, {})[year] = value
    return out


def _reason(rows: pd.DataFrame, year: int | None, metric: Metric) -> str:
    """Why an area has no value (at or before ``year``)."""
    if rows.empty:
        return "not computed for this area"
    cand = rows if year is None else rows[rows["year"] <= year]
    if cand.empty:
        return (f"no period at or before {year}: the series runs {rows['year'].min()}-{rows['year'].max()}")
    last = cand.iloc[-1]
    if isinstance(last.get("missing"), str) and last["missing"]:
        return f"no value for {last['period']}: member LAD(s) {last['missing']} have no value"
    if isinstance(last.get("note"), str) and last["note"]:
        return last["note"]
    return f"no value for {last['period']}"


def _blank_row(foundation: str, metric: Metric | None, note: str) -> dict:
    row = {c: None for c in COLUMNS}
    row.update({"foundation": foundation, "note": note})
    for c in ("value", "lci_95", "uci_95", "england_value", "uk_value", "trend_5y", "england_trend_5y"):
        row[c] = np.nan
    if metric is not None:
        row.update({"indicator": metric.id, "title": metric.title, "unit": metric.unit, "polarity": metric.polarity,
                    "aggregation": metric.aggregation, "compare": metric.compare, "status": "no comparison"})
    return row


def _metric_row(metric: Metric, df: pd.DataFrame, area: geography.Area, leps: list[str], year: int | None,
                band: float, among: str = "LEPs") -> dict:
    series = _series(df)
    rows = df[df["area_code"] == area.code].sort_values("year")
    have = rows[rows["value"].notna() & ((rows["year"] <= year) if year is not None else True)]
    row = _blank_row(metric.foundation, metric, "")
    row["source"] = _source(df)
    if have.empty:
        row["note"] = _reason(rows, year, metric)
        row["aggregation"] = rows["aggregation"].iloc[-1] if not rows.empty else metric.aggregation
        row["method"] = rows["method"].iloc[-1] if not rows.empty else None
        return row
    eng_years = {y for y, v in series.get(ENGLAND_CODE, {}).items() if pd.notna(v)}
    common = have[have["year"].isin(eng_years)]
    r = common.iloc[-1] if len(common) else have.iloc[-1]
    y = int(r["year"])
    notes = [r["note"]] if isinstance(r["note"], str) and r["note"] else []
    if len(common) and int(have.iloc[-1]["year"]) > y:
        notes.append(f"the latest period with an England value; the area also has {have.iloc[-1]['period']}")
    eng = [series[ENGLAND_CODE][y]] if y in series.get(ENGLAND_CODE, {}) else []
    uk = [series[c][y] for c in sorted(UK_CODES) if y in series.get(c, {})]
    row.update({"period": r["period"], "year": y, "value": r["value"], "lci_95": r["lci_95"], "uci_95": r["uci_95"],
                "england_value": eng[0] if eng else np.nan, "uk_value": uk[0] if uk else np.nan,
                "aggregation": r["aggregation"], "method": r["method"]})
    if isinstance(r["flag"], str) and r["flag"]:
        notes.append(f"flag {r['flag']}")
    ch, period, basis = trend(series.get(area.code, {}), y, kind=metric.trend, unit=metric.unit)
    row.update({"trend_5y": ch, "trend_period": period, "trend_basis": basis})
    eng_ch = np.nan
    if period:
        start = int(period.split("-")[0])
        eng_vals = series.get(ENGLAND_CODE, {})
        if start in eng_vals and y in eng_vals:
            eng_ch, _, _ = trend({start: eng_vals[start], y: eng_vals[y]}, y, kind=metric.trend, unit=metric.unit)
    row["england_trend_5y"] = eng_ch
    if metric.compare == "trend":
        row["status"] = status(ch, eng_ch, polarity=metric.polarity, absolute=TREND_BAND_PP)
        notes.append("status and rank on the change " + (period or "") + " (a count's level only says how big an "
                     "area is)")
    else:
        row["status"] = status(r["value"], row["england_value"], polarity=metric.polarity, lci=r["lci_95"],
                               uci=r["uci_95"], band=band)
    if r["aggregation"] == "containing_area":
        notes.append("not ranked: the value is that of a larger area")
    elif not leps:
        notes.append("not ranked: no comparison set for this kind of area")
    else:
        lep_rows = df[df["area_code"].isin(leps)]
        if metric.compare == "trend":
            start = int(period.split("-")[0]) if period else None
            others = []
            for code in leps:
                vals = series.get(code, {})
                if start is not None and start in vals and y in vals:
                    others.append(trend({start: vals[start], y: vals[y]}, y, kind=metric.trend, unit=metric.unit)[0])
            rk, of = rank_among(ch, others, polarity=metric.polarity)
        else:
            others = lep_rows[lep_rows["year"] == y]["value"]
            rk, of = rank_among(r["value"], others, polarity=metric.polarity)
            rest = lep_rows[(lep_rows["year"] == y) & (lep_rows["area_code"] != area.code)]["value"]
            spread = rank_interval(r["lci_95"], r["uci_95"], rest, polarity=metric.polarity)
            if spread is not None and spread[1] - spread[0] + 1 > max(3, of * NOISY_RANK_SHARE):
                notes.append(f"too uncertain to rank precisely: its 95% confidence interval spans ranks "
                             f"{spread[0]}-{spread[1]} of {of}")
        row["rank"], row["of"] = rk, of
        row["ranked_among"] = among
        if area.code not in leps and rk is not None:
            notes.append(f"rank it would take among the {len(leps)} {among}")
        if rk is not None and of < len(leps):
            missing = len(leps) - of
            notes.append(f"{missing} of the {len(leps)} {among} {'has' if missing == 1 else 'have'} no value for "
                         f"{r['period']}")
    if metric.note:
        notes.append(metric.note)
    row["note"] = "; ".join(dict.fromkeys(notes))
    return row


def scorecard(area: str | geography.Area, *, vintage: int = geography.DEFAULT_VINTAGE, year: int | None = None,
              partial: str = "exclude", band: float = SIMILAR_BAND,
              targets: dict[str, Target] | Path | str | None = None) -> pd.DataFrame:
    """The five-foundations scorecard of an area: one row per metric of the foundation map.

    Parameters
    ----------
    area
        A LEP (at ``vintage``), combined authority, region or grouping: any name or code
        :func:`~evidence.geography.resolve` accepts.
    vintage
        LEP vintage (2017, 2020, 2021): the area's membership and the LEPs ranked against.
    year
        Freeze the scorecard to a year: each metric's latest period starting in or before it. Default: the
        latest period of each metric.
    partial
        How partial members are treated (see :func:`~evidence.indicators.area.membership_table`).
    band
        The relative band within which a value is "similar to England" (default 2%).
    targets
        Optional ambitions (a targets TOML path or :func:`read_targets`' dict): adds :data:`TARGET_COLUMNS`
        (see :func:`with_targets`).

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`COLUMNS` (see the module docstring), foundations in the map's order. ``attrs``:
        ``area`` (code, name, type), ``vintage``, ``year``, ``provenance`` (every file used), ``caveats``,
        ``status_rule``.

    Raises
    ------
    UnknownAreaError
        If the area cannot be resolved.

    Examples
    --------
    >>> sc = scorecard("Lancashire")                                   # doctest: +SKIP
    >>> sc[["foundation", "indicator", "value", "england_value", "rank", "status"]]   # doctest: +SKIP
    """
    if targets is not None and not isinstance(targets, dict):
        targets = read_targets(targets)  # a bad file fails before the scorecard's work
    a = geography.resolve(area, vintage=vintage)
    return with_targets(scorecards([a], vintage=vintage, year=year, partial=partial, band=band)[a.code], targets)


def scorecards(areas: list[str | geography.Area], *, vintage: int = geography.DEFAULT_VINTAGE,
               year: int | None = None, partial: str = "exclude", band: float = SIMILAR_BAND
               ) -> dict[str, pd.DataFrame]:
    """The scorecards of several areas (keyed by area code), computing the LEPs' values once for all."""
    ctx = shared_context(vintage, partial)
    resolved = [x if isinstance(x, geography.Area) else geography.resolve(x, vintage=vintage) for x in areas]
    peers = {a.code: peer_set(a, vintage) for a in resolved}
    for a in resolved:
        if a.code == ENGLAND_CODE:
            raise NotApplicableError("England is the reference: the scorecard compares an area with England "
                                     "(give a LEP, combined authority, region, district or grouping).")
    fm = foundation_map()
    rows: dict[str, list[dict]] = {a.code: [] for a in resolved}
    frames: dict[str, list[pd.DataFrame]] = {a.code: [] for a in resolved}
    for foundation in fm.foundations:
        metrics = [m for m in fm.metrics.values() if m.foundation == foundation]
        if not metrics:
            for a in resolved:
                rows[a.code].append(_blank_row(foundation, None, "no indicator in the data for this foundation"))
            continue
        for m in metrics:
            for a in resolved:
                codes, among = peers[a.code]
                try:
                    df = _frame(ctx, m, a, codes)
                except EvidenceError as exc:
                    rows[a.code].append(_blank_row(foundation, m, f"cannot be computed: {exc}"))
                    continue
                frames[a.code].append(df)
                rows[a.code].append(_metric_row(m, df, a, codes, year, band, among))
    out = {}
    for a in resolved:
        sc = pd.DataFrame(rows[a.code], columns=COLUMNS)
        for c in ("rank", "of", "year"):
            sc[c] = sc[c].astype("Int64")
        res = provenance.combine(sc, *frames[a.code], geography.provenance(vintage=vintage))
        caveats = ctx.members((a.code,))[1] + list(dict.fromkeys(ctx.caveats))
        res.attrs.update({"area": {"code": a.code, "name": a.name, "type": a.type}, "vintage": vintage,
                          "year": year, "caveats": caveats, "status_rule": STATUS_RULE})
        out[a.code] = res
    return out


def peer_set(a: geography.Area, vintage: int) -> tuple[list[str], str]:
    """The codes an area is ranked among on the scorecard, and their name ("LEPs (2021 geography)"): its
    type's own comparison set (:mod:`evidence.geography.areatypes`); none for a country."""
    sets = areatypes.get(a.type).rank_among
    if not sets:
        return [], ""
    return geography.comparison_set(sets[0], vintage=vintage), geography.type_label(sets[0], vintage=vintage)


def _frame(ctx: _Context, metric: Metric, a: geography.Area, leps: list[str]) -> pd.DataFrame:
    """The metric for the comparison set, England and the UK (shared by every scorecard of the context), plus
    ``a``."""
    if not leps:
        return compute(metric.id, [a.code], vintage=ctx.vintage, comparators=("England", "UK"), partial=ctx.partial,
                       _ctx=ctx)
    base = compute(metric.id, leps, vintage=ctx.vintage, comparators=("England", "UK"), partial=ctx.partial,
                   _ctx=ctx)
    if a.code in leps:
        return base
    extra = compute(metric.id, [a.code], vintage=ctx.vintage, comparators=(), partial=ctx.partial, _ctx=ctx)
    return provenance.combine(pd.concat([base, extra], ignore_index=True), base, extra)


# ------------------------------------------------------------------------------------------------ targets
TARGET_COLUMNS = ["target", "target_year", "to_target", "to_target_basis", "target_status", "target_note"]


@dataclass(frozen=True)
class Target:
    """An ambition for one indicator: reach ``value`` (in the indicator's unit) by ``year``."""

    indicator: str
    value: float
    year: int
    note: str = ""


def parse_targets(text: str, *, file: str = "targets", known: set[str] | None = None) -> dict[str, Target]:
    """Parse a targets TOML (pure): one table per indicator id, with ``value`` (a number in the indicator's
    unit: % for rates, £ for money) and ``year`` (an integer), and an optional ``note``.

    Raises
    ------
    TargetsError
        Not TOML; an entry that is not a table, lacks ``value`` or ``year`` or gives them as other than a number
        and a whole year, has other keys; or (with ``known``) an indicator id not in ``known``.

    Examples
    --------
    >>> t = parse_targets('[employment-rate]\\nvalue = 78.0\\nyear = 2030\\n')
    >>> t["employment-rate"].value, t["employment-rate"].year
    (78.0, 2030)
    >>> parse_targets('[gva-per-hour]\\nvalue = "high"\\nyear = 2030\\n')
    Traceback (most recent call last):
    ...
    evidence.errors.TargetsError: targets: [gva-per-hour] value must be a number in the indicator's unit, not 'high'
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TargetsError(f"{file}: is not valid TOML ({exc}); write one table per indicator, e.g. "
                           "[employment-rate] / value = 78.0 / year = 2030.") from exc
    out = {}
    for ind, entry in raw.items():
        if not isinstance(entry, dict):
            raise TargetsError(f"{file}: {ind!r} must be a table ([{ind}] with value and year), not {entry!r}")
        extra = sorted(set(entry) - {"value", "year", "note"})
        if extra:
            raise TargetsError(f"{file}: [{ind}] has unknown key(s) {extra}; a target has value, year and note")
        if "value" not in entry or "year" not in entry:
            raise TargetsError(f"{file}: [{ind}] needs both value and year")
        v, y = entry["value"], entry["year"]
        if isinstance(v, bool) or not isinstance(v, int | float) or math.isnan(v):
            raise TargetsError(f"{file}: [{ind}] value must be a number in the indicator's unit, not {v!r}")
        if isinstance(y, bool) or not isinstance(y, int) or not 1990 <= y <= 2100:
            raise TargetsError(f"{file}: [{ind}] year must be a whole year such as 2030, not {y!r}")
        note = entry.get("note", "")
        if not isinstance(note, str):
            raise TargetsError(f"{file}: [{ind}] note must be text, not {note!r}")
        out[ind] = Target(ind, float(v), int(y), note)
    if known is not None:
        unknown = sorted(set(out) - known)
        if unknown:
            raise TargetsError(f"{file}: unknown indicator id(s) {unknown}; the ids are those of the scorecard's "
                               f"indicator column (`evidence scorecard AREA`), e.g. {sorted(known)[:4]}")
    return out


def read_targets(path: Path | str) -> dict[str, Target]:
    """Read a targets TOML (see :func:`parse_targets`), checking every id against the foundation map.

    Raises
    ------
    TargetsError
        The file is missing or unreadable, malformed, or names an indicator the scorecard does not have.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetsError(f"{p}: cannot be read ({exc.__class__.__name__}: {exc}).") from exc
    return parse_targets(text, file=str(p), known=set(foundation_map().metrics))


def to_target(value: float, target: float, *, polarity: str) -> tuple[float, str]:
    """The distance from ``value`` to ``target`` (``target - value``, in the indicator's unit) and whether it
    is met given the polarity.

    Examples
    --------
    >>> to_target(74.5, 78.0, polarity="higher")
    (3.5, 'not yet met')
    >>> to_target(3.1, 3.5, polarity="lower")
    (0.3999999999999999, 'met')
    >>> to_target(float("nan"), 3.5, polarity="lower")
    (nan, 'no value')
    """
    if value is None or np.isnan(value):
        return np.nan, "no value"
    gap = target - value
    if polarity == "neutral":
        return gap, "reached" if gap == 0 else ("below target" if gap > 0 else "above target")
    met = value >= target if polarity == "higher" else value <= target
    return gap, "met" if met else "not yet met"


def with_targets(card: pd.DataFrame, targets: dict[str, Target] | Path | str | None) -> pd.DataFrame:
    """The scorecard with :data:`TARGET_COLUMNS` added: ``target`` and ``target_year`` from ``targets`` (a dict
    from :func:`read_targets`, or the path of a targets TOML), ``to_target`` = ``target - value`` in the
    indicator's unit (percentage points for %), ``to_target_basis`` naming that unit, ``target_status``
    (``met`` / ``not yet met`` by the polarity, ``no value``, or ``no target``) and ``target_note``.
    ``None`` returns ``card`` unchanged.

    Raises
    ------
    TargetsError
        A target names an indicator that is not in ``card``.
    """
    if targets is None:
        return card
    if not isinstance(targets, dict):
        targets = read_targets(targets)
    have = set(card["indicator"].dropna())
    unknown = sorted(set(targets) - have)
    if unknown:
        raise TargetsError(f"unknown indicator id(s) {unknown} for this scorecard; its ids are "
                           f"{sorted(have)}")
    out = card.copy()
    rows = {c: [] for c in TARGET_COLUMNS}
    for ind, value, unit, pol in zip(out["indicator"], out["value"], out["unit"], out["polarity"], strict=True):
        t = targets.get(ind) if isinstance(ind, str) else None
        if t is None:
            for c, v in zip(TARGET_COLUMNS, (np.nan, None, np.nan, None, "no target", None), strict=True):
                rows[c].append(v)
            continue
        gap, state = to_target(float(value), t.value, polarity=pol)
        basis = "percentage points" if unit == "%" else unit
        for c, v in zip(TARGET_COLUMNS, (t.value, t.year, gap, basis, state, t.note or None), strict=True):
            rows[c].append(v)
    for c in TARGET_COLUMNS:
        out[c] = rows[c]
    out["target_year"] = out["target_year"].astype("Int64")
    res = provenance.combine(out, card)
    res.attrs.update({k: v for k, v in card.attrs.items() if k != "provenance"})
    res.attrs["targets"] = {k: {"value": t.value, "year": t.year, "note": t.note} for k, t in targets.items()}
    return res


# ------------------------------------------------------------------------------------------------ baseline
def _paths(path: Path | str) -> tuple[Path, Path]:
    p = Path(path)
    csv = p if p.suffix.lower() == ".csv" else p.with_name(p.name + ".csv")
    return csv, csv.with_suffix(".json")


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # not mkstemp, which makes the file 600 whatever the umask: the baseline gets the mode of every other file
    # of the pack (0666 less the umask), and "x" refuses to write through a file that is already there
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.part")
    try:
        with open(tmp, "x", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _clean(v):
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


def monitoring_baseline(area: str | geography.Area, *, vintage: int = geography.DEFAULT_VINTAGE, year: int,
                        path: Path | str, partial: str = "exclude",
                        targets: dict[str, Target] | Path | str | None = None) -> pd.DataFrame:
    """Freeze the scorecard of ``area`` to ``year`` and write it as a monitoring baseline.

    Writes ``<path>.csv`` (the scorecard; ``path`` may already end in ``.csv``) and a JSON sidecar beside it
    (same name, ``.json``) holding the kind, area, vintage, year, creation date, toolkit version, the status
    rule, the caveats, the targets (if any) and the provenance of every file used. Both are written atomically.
    With ``targets`` the CSV also has :data:`TARGET_COLUMNS` (:func:`with_targets`), and
    :func:`compare_to_baseline` shows the distance from each later value to its target.

    Returns
    -------
    pandas.DataFrame
        The frozen scorecard (as :func:`scorecard` with ``year``).
    """
    sc = scorecard(area, vintage=vintage, year=year, partial=partial, targets=targets)
    csv, side = _paths(path)
    _atomic_write(csv, csv_safe_frame(sc).to_csv(index=False, lineterminator="\n"))
    meta = {
        "kind": BASELINE_KIND,
        "area": sc.attrs["area"],
        "vintage": vintage,
        "year": year,
        "partial": partial,
        "created": date.today().isoformat(),
        "evidence_version": __version__,
        "status_rule": STATUS_RULE,
        "csv": csv.name,
        "caveats": sc.attrs.get("caveats", []),
        "targets": sc.attrs.get("targets", {}),
        "provenance": [{k: _clean(v) for k, v in r.items()} for r in provenance.records(sc)],
    }
    _atomic_write(side, json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    return sc


def read_baseline(path: Path | str) -> tuple[pd.DataFrame, dict]:
    """Read a baseline written by :func:`monitoring_baseline`: the frame and its sidecar's metadata.

    Raises
    ------
    SchemaError
        If the CSV or its JSON sidecar is missing, unreadable, or not a baseline (columns, kind).
    """
    csv, side = _paths(path)
    for p in (csv, side):
        if not p.exists():
            raise SchemaError(f"not found; a baseline is a CSV and a JSON sidecar written by monitoring_baseline "
                              f"(`evidence scorecard AREA --year Y --baseline {csv}`).", file=str(p))
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SchemaError(f"is not valid JSON ({exc}).", file=side.name) from exc
    if not isinstance(meta, dict) or meta.get("kind") != BASELINE_KIND:
        raise SchemaError(f"is not a monitoring baseline sidecar (expected kind {BASELINE_KIND!r}).", file=side.name)
    for key in ("area", "vintage", "year"):
        if key not in meta:
            raise SchemaError(f"has no {key!r}.", file=side.name)
    try:
        df = csv_unquote_frame(pd.read_csv(csv, dtype={"indicator": "str", "foundation": "str", "period": "str"}))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise SchemaError(f"could not be read as CSV ({exc}).", file=csv.name) from exc
    missing = [c for c in ("foundation", "indicator", "period", "value", "rank", "status") if c not in df.columns]
    if missing:
        raise SchemaError(f"is missing baseline column(s) {missing}.", file=csv.name)
    return df, meta


def compare_to_baseline(path: Path | str, *, year: int | None = None) -> pd.DataFrame:
    """Recompute a baseline's scorecard for a later ``year`` (default: the latest data) and show the change.

    Returns
    -------
    pandas.DataFrame
        One row per indicator: ``foundation, indicator, title, unit, polarity, baseline_period, baseline_value,
        period, value, change, change_basis, direction, baseline_rank, rank, rank_change, baseline_status,
        status, note``. ``change`` = ``value - baseline_value`` (in the metric's unit: percentage points for
        %); ``direction`` is ``improved`` / ``worsened`` (by the polarity), ``higher`` / ``lower`` (neutral
        metrics), ``unchanged``, or ``no newer data`` when the period is the baseline's own;
        ``rank_change`` is positive when the rank improved. ``attrs`` carry the baseline's metadata.

    Raises
    ------
    SchemaError
        If the baseline cannot be read (see :func:`read_baseline`).
    EvidenceError
        If ``year`` is earlier than the baseline's year.
    """
    base, meta = read_baseline(path)
    if year is not None and meta.get("year") is not None and year < int(meta["year"]):
        raise EvidenceError(f"year {year} is before the baseline's year {meta['year']}; compare with a later year.")
    now = scorecard(meta["area"]["code"], vintage=int(meta["vintage"]), year=year,
                    partial=meta.get("partial", "exclude"))
    b = base.set_index("indicator")
    rows = []
    for _, r in now.iterrows():
        ind = r["indicator"]
        if ind is None or (isinstance(ind, float) and np.isnan(ind)):
            continue
        old = b.loc[ind] if ind in b.index else None
        bv = float(old["value"]) if old is not None and pd.notna(old["value"]) else np.nan
        bp = old["period"] if old is not None and pd.notna(old["period"]) else None
        brank = int(old["rank"]) if old is not None and pd.notna(old["rank"]) else None
        value = float(r["value"]) if pd.notna(r["value"]) else np.nan
        change = value - bv
        same = bp is not None and r["period"] == bp
        note = []
        if old is None:
            note.append("not in the baseline (the foundation map has changed)")
        if np.isnan(change):
            direction = "not comparable"
        elif same:
            direction = "no newer data"
            note.append(f"the latest period is still the baseline's ({bp})")
        elif change == 0:
            direction = "unchanged"
        elif r["polarity"] == "neutral":
            direction = "higher" if change > 0 else "lower"
        else:
            direction = "improved" if (change > 0) == (r["polarity"] == "higher") else "worsened"
        rank = int(r["rank"]) if pd.notna(r["rank"]) else None
        target = float(old["target"]) if old is not None and "target" in old.index and pd.notna(old["target"]) \
            else np.nan
        gap, state = to_target(value, target, polarity=r["polarity"]) if not np.isnan(target) else \
            (np.nan, "no target")
        rows.append({
            "foundation": r["foundation"], "indicator": ind, "title": r["title"], "unit": r["unit"],
            "polarity": r["polarity"], "baseline_period": bp, "baseline_value": bv, "period": r["period"],
            "value": value, "change": change,
            "change_basis": "change in percentage points" if r["unit"] == "%" else f"change ({r['unit']})",
            "direction": direction, "baseline_rank": brank, "rank": rank,
            "rank_change": (brank - rank) if brank is not None and rank is not None else None,
            "baseline_status": old["status"] if old is not None else None, "status": r["status"],
            "target": target, "target_year": int(old["target_year"]) if not np.isnan(target) else None,
            "to_target": gap, "target_status": state,
            "note": "; ".join(note),
        })
    gone = [i for i in b.index if isinstance(i, str) and i not in set(now["indicator"].dropna())]
    for ind in gone:
        rows.append({"foundation": b.loc[ind, "foundation"], "indicator": ind,
                     "note": "in the baseline but no longer in the foundation map"})
    out = pd.DataFrame(rows)
    for c in ("baseline_rank", "rank", "rank_change", "target_year"):
        out[c] = out[c].astype("Int64")
    if not meta.get("targets") and "target" not in base.columns:
        out = out.drop(columns=["target", "target_year", "to_target", "target_status"])
    res = provenance.combine(out, now)
    res.attrs.update({"baseline": meta, "year": year, "area": meta["area"]})
    return res


__all__ = ["COLUMNS", "STATUS_GROUPS", "STATUS_RULE", "TARGET_COLUMNS", "Target", "compare_to_baseline",
           "monitoring_baseline", "parse_targets", "rank_among", "read_baseline", "read_targets", "scorecard", "status",
           "status_group", "status_sentence", "status_summary", "to_target", "trend", "with_targets"]
