r"""Scenarios for jobs and GVA: published targets or growth rates, on a baseline of real ONS data.

A scenario is data, a TOML file. It names an area and its LEP vintage, a base year and a horizon, and says
how jobs and output move between them. The engine takes the area's real base-year values from ONS and
builds year-by-year trajectories. Between anchor points each series grows at a constant annual rate
(CAGR). From the trajectories it derives GVA per job, the gaps between scenarios, apportionment to LEPs or
LADs, a GVA waterfall, and a sensitivity grid. It can also fit a trend on an area's own history and
back-test that trend.

The baseline (never invented)
-----------------------------
- **jobs**: ONS subregional productivity *filled jobs* (June 2025 release, 2002-2023), summed over the
  area's LADs.
- **gva**: ONS balanced GVA, all industries, £ million (April 2025 release, 1998-2023): real, in base-year
  prices, chain-linked over the same LADs (:func:`evidence.indicators.aggregate.chain_link`), or, for a
  nominal scenario, current prices summed over them. In the base year the two are equal.
- **gva_per_job**: :math:`10^6 \times GVA / jobs`, in £ per job. It is computed from the two series above,
  so it is *not* the ONS published GVA per filled job, which uses smoothed GVA. For the Arc in 2023 it is
  £67,792, against £64,541 on the ONS basis.

Both series come from :func:`evidence.indicators.area.compute`, with its membership rules: partial LADs
are left out and the result says so. The base year must lie in 2002-2023, the years both series cover.

The scenario file
-----------------
Top-level keys (anything else raises :class:`~evidence.errors.ScenarioError`):

======================  ====================================================================================
``name``                short name, used in outputs (default: the file's stem)
``title``               one line (default: the name)
``description``         free text: what the scenario is, and every assumption behind it
``area`` *(required)*   anything :func:`evidence.geography.resolve` accepts: a LEP, CA, region, grouping, LAD
``prices``              ``"real"`` (GVA in base-year prices; the default) or ``"nominal"`` (current prices)
``vintage``             LEP vintage, 2017, 2020 or 2021 (default 2021)
``base_year`` *(req.)*  the year of the real baseline, 2002-2023
``horizon`` *(req.)*    the final year; after ``base_year``
``trend``               the scenario that figures measured "on top of the trend" are added to: a shipped
                        name, or a ``.toml`` path relative to this file. It must have the same area,
                        vintage, base year and horizon
``[jobs]`` *(req.)*     how jobs move (see below)
``[gva]``               how GVA moves, or ...
``[productivity]``      ... how GVA per job moves (give exactly one of ``[gva]`` and ``[productivity]``)
``[source]``            the citation: ``publisher``, ``title`` and ``date`` (required in the table), and
                        optionally ``url``, ``analysis``, ``quoted_by``, ``quote``, ``context``
======================  ====================================================================================

Each of ``[jobs]``, ``[gva]`` and ``[productivity]`` gives exactly one of:

- ``increment``: a published target change, either one number reached at the horizon or a table of
  ``{year = number}`` anchors whose last year is the horizon. It needs ``measured_from``, which says what
  the figure is measured from: ``"base"`` (relative to the base-year value) or ``"trend"`` (on top of the
  ``trend`` scenario in the same year). ``alternative`` (the other of the two) marks a figure whose
  published wording allows both readings. The engine then computes that *alternative* reading as well and
  shows it beside the *chosen* one. Jobs increments are in ``unit = "jobs"``. GVA increments need
  ``unit`` (``"£ million"`` or ``"£ billion"``) and ``price_basis``. ``[productivity]`` takes no increment.
- ``cagr``: a constant annual growth rate as a fraction (``0.015`` is 1.5% a year; the rate must lie
  between -0.5 and 0.5, so a percentage typed as ``1.5`` is refused).
- ``history = [start, end]``: the area's own CAGR over those years of real data, ending by ``base_year``.

``price_basis`` (for ``[gva]`` and ``[productivity]``) is ``"current"`` (nominal), ``"constant"`` (real; give
``price_year``) or ``"unstated"``. The top-level ``prices`` says how the scenario runs: ``"real"`` (the
default: GVA in ``base_year`` prices, chain-linked over the area's LADs, so growth rates are real) or
``"nominal"`` (current prices; the default when the output figure is ``"current"``). A GVA increment in
constant ``price_year`` prices is carried into base-year prices with the implied GVA deflator of the
scenario's own area (its current-price GVA over its chain-linked real GVA); an ``"unstated"`` one is added
at face value. The caveats say which. Optional text keys in each table: ``published`` (the published
wording) and ``note`` (why this reading).

A minimal file for any LEP::

    name = "lancashire-steady"
    area = "Lancashire"
    base_year = 2023
    horizon = 2040
    [jobs]
    cagr = 0.005
    [productivity]
    cagr = 0.02
    price_basis = "current"

Trajectories
------------
Each series runs from its base-year value to each anchor at a constant rate,

.. math:: V_t = V_a \left(V_c / V_a\right)^{(t-a)/(c-a)}, \qquad a \le t \le c,

where :math:`a` and :math:`c` are consecutive anchor years. With a productivity rate :math:`g_p` and jobs
:math:`J_t`, GVA is :math:`J_t P_b (1+g_p)^{t-b} / 10^6`. The output is tidy: one row for each scenario,
reading, area, year and measure (``jobs``, ``gva``, ``gva_per_job``). Each row gives ``value``, ``unit``,
``change_from_base``, ``growth`` (year on year) and ``vs_trend`` (the gap to the trend scenario in the same
year).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config, geography, provenance
from ..errors import EvidenceError, ScenarioError

SCENARIO_DIR = config.PACKAGE_DIR / "data" / "scenarios"

MEASURES = ("jobs", "gva", "gva_per_job")
UNITS = {"jobs": "jobs", "gva": "£ million", "gva_per_job": "£ per filled job (balanced GVA)"}
LABELS = {"jobs": "Filled jobs", "gva": "GVA", "gva_per_job": "GVA per filled job"}
#: ``"real"``: GVA chain-linked to a reference year's prices (the default); ``"nominal"``: current prices.
PRICES = ("real", "nominal")
#: The label of the nominal price basis.
NOMINAL = "current prices (nominal)"
READINGS = ("chosen", "alternative")
BASES = ("base", "trend")
PRICE_BASES = ("current", "constant", "unstated")
GVA_UNITS = {"£ million": 1.0, "£ billion": 1000.0}

#: The jobs and productivity growth rates of the default sensitivity grid (fractions a year).
SENSITIVITY_JOBS = (-0.005, 0.0, 0.005, 0.01, 0.015, 0.02)
SENSITIVITY_PRODUCTIVITY = (0.0, 0.01, 0.02, 0.03, 0.04)

_TOP_KEYS = {"name", "title", "description", "area", "vintage", "base_year", "horizon", "trend", "jobs", "gva",
             "productivity", "source", "prices", "label"}
_FIGURE_KEYS = {
    "jobs": {"increment", "cagr", "history", "measured_from", "alternative", "unit", "published", "note"},
    "gva": {"increment", "cagr", "history", "measured_from", "alternative", "unit", "price_basis", "price_year",
            "published", "note"},
    "productivity": {"cagr", "history", "price_basis", "price_year", "published", "note"},
}
_SOURCE_KEYS = {"publisher", "title", "date", "url", "analysis", "quoted_by", "quote", "context"}
_MAX_RATE = 0.5
_SOURCE_NOTE = "Source of the published figures: "


# ------------------------------------------------------------------------------------------ the definition
@dataclass(frozen=True)
class Figure:
    """How one series moves: ``kind`` is ``"increment"``, ``"cagr"`` or ``"history"``.

    ``increments`` maps anchor years to changes, in jobs or £ million, measured from ``measured_from``.
    """

    series: str
    kind: str
    increments: Mapping[int, float] = field(default_factory=dict)
    measured_from: str | None = None
    alternative: str | None = None
    cagr: float | None = None
    window: tuple[int, int] | None = None
    unit: str | None = None
    price_basis: str | None = None
    price_year: int | None = None
    published: str | None = None
    note: str | None = None

    def reading(self, reading: str) -> Figure:
        """This figure under ``reading``: the alternative swaps ``measured_from`` for ``alternative``."""
        if reading == "alternative" and self.alternative:
            return replace(self, measured_from=self.alternative, alternative=self.measured_from)
        return self


@dataclass(frozen=True)
class Scenario:
    """A validated scenario definition (see the module docstring for the file format)."""

    name: str
    title: str
    area: str
    vintage: int
    base_year: int
    horizon: int
    jobs: Figure
    output: Figure
    trend: str | None = None
    description: str = ""
    source: Mapping[str, str] = field(default_factory=dict)
    origin: str = "<dict>"
    base_dir: Path | None = None
    prices: str = "real"
    label: str = ""

    @property
    def price_label(self) -> str:
        """The price basis of the scenario's GVA: ``"2023 prices"`` (real, in base-year prices) or nominal."""
        return price_label(self.prices, self.base_year)

    @property
    def figures(self) -> tuple[Figure, Figure]:
        return self.jobs, self.output

    @property
    def readings(self) -> tuple[str, ...]:
        """``("chosen",)``, plus ``"alternative"`` when a figure's published wording allows two readings."""
        return READINGS if any(f.alternative for f in self.figures) else READINGS[:1]

    @property
    def has_increments(self) -> bool:
        return any(f.kind == "increment" for f in self.figures)

    def citation(self) -> str:
        """A one-line citation, or an empty string for a scenario without a source."""
        s = self.source
        if not s:
            return ""
        text = f"{s['publisher']} ({s['date']}), {s['title']}"
        if s.get("analysis"):
            text += f"; drawing on {s['analysis']}"
        return text + (f". {s['url']}" if s.get("url") else ".")


def list_scenarios() -> list[str]:
    """The names of the scenarios shipped with the package.

    Examples
    --------
    >>> "arc-trend" in list_scenarios()
    True
    """
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def scenario_label(name: str) -> str:
    """The human name of a scenario for a chart's legend: a shipped scenario's ``label`` (``"Arc: trend"``),
    else its name in words.

    Examples
    --------
    >>> scenario_label("arc-transformational"), scenario_label("own-trend")
    ('Arc: transformational', 'Own trend')
    """
    path = SCENARIO_DIR / f"{name}.toml"
    if path.is_file():
        label = tomllib.loads(path.read_text(encoding="utf-8")).get("label")
        if label:
            return str(label)
    return str(name).replace("-", " ").replace("_", " ").strip().capitalize()


def load_scenario(name_or_file: str | Path) -> Scenario:
    """A scenario by shipped name (``"arc-trend"``) or from a TOML file, validated.

    Raises
    ------
    ScenarioError
        The name is unknown, the file cannot be read or is not TOML, or the definition is invalid.
    """
    path = _scenario_path(name_or_file)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the scenario file ({exc.strerror or exc}).") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: not valid TOML ({exc}).") from None
    data.setdefault("name", path.stem)
    return parse_scenario(data, origin=str(path), base_dir=path.parent)


def _scenario_path(name_or_file: str | Path) -> Path:
    text = str(name_or_file)
    p = Path(text).expanduser()
    if isinstance(name_or_file, Path) or text.lower().endswith(".toml") or p.exists() or "/" in text:
        if not p.is_file():
            raise ScenarioError(f"scenario file {text!r} does not exist.")
        return p
    shipped = SCENARIO_DIR / f"{text}.toml"
    if not shipped.is_file():
        raise ScenarioError(f"no scenario named {text!r}. Shipped scenarios: {', '.join(list_scenarios())}; or "
                            "give the path of a .toml file (format: docs/scenarios.md).")
    return shipped


def parse_scenario(data: Mapping, *, origin: str = "<dict>", base_dir: Path | None = None) -> Scenario:
    """Validate a scenario definition (a parsed TOML document) and return it as a :class:`Scenario`.

    Examples
    --------
    >>> s = parse_scenario({"area": "Lancashire", "base_year": 2023, "horizon": 2040,
    ...                     "jobs": {"cagr": 0.005}, "productivity": {"cagr": 0.02}})
    >>> (s.name, s.horizon - s.base_year, s.jobs.kind, s.output.series)
    ('scenario', 17, 'cagr', 'productivity')
    """
    where = f"{origin}: "
    if not isinstance(data, Mapping):
        raise ScenarioError(where + "a scenario is a TOML table of keys.")
    _no_unknown(data, _TOP_KEYS, where, "top-level key")
    for key in ("area", "base_year", "horizon", "jobs"):
        if key not in data:
            raise ScenarioError(where + f"missing required key {key!r} (see docs/scenarios.md).")
    base_year = _int(data["base_year"], where + "base_year")
    horizon = _int(data["horizon"], where + "horizon")
    if horizon <= base_year:
        raise ScenarioError(where + f"the horizon ({horizon}) must come after the base year ({base_year}).")
    vintage = _int(data.get("vintage", geography.DEFAULT_VINTAGE), where + "vintage")
    if vintage not in geography.VINTAGES:
        raise ScenarioError(where + f"vintage must be one of {geography.VINTAGES}, not {vintage}.")
    area = data["area"]
    if not isinstance(area, str) or not area.strip():
        raise ScenarioError(where + "area must be a non-empty string (a name or code).")
    outputs = [k for k in ("gva", "productivity") if k in data]
    if len(outputs) != 1:
        raise ScenarioError(where + "give exactly one of [gva] (how GVA moves) and [productivity] (how GVA per "
                            f"job moves); found {outputs or 'neither'}.")
    trend = data.get("trend")
    if trend is not None and (not isinstance(trend, str) or not trend.strip()):
        raise ScenarioError(where + "trend must be a scenario name or a .toml path.")
    jobs = _figure("jobs", data["jobs"], where, base_year, horizon)
    output = _figure(outputs[0], data[outputs[0]], where, base_year, horizon)
    for f in (jobs, output):
        if "trend" in (f.measured_from, f.alternative) and trend is None:
            raise ScenarioError(where + f"[{f.series}] is measured on top of the trend, but no `trend` scenario "
                                "is named.")
    source = data.get("source", {})
    if source:
        if not isinstance(source, Mapping):
            raise ScenarioError(where + "[source] must be a table.")
        _no_unknown(source, _SOURCE_KEYS, where, "key in [source]")
        missing = [k for k in ("publisher", "title", "date") if not source.get(k)]
        if missing:
            raise ScenarioError(where + f"[source] needs {', '.join(missing)}.")
        source = {k: str(v) for k, v in source.items()}
    prices = data.get("prices", "nominal" if output.price_basis == "current" else "real")
    if prices not in PRICES:
        raise ScenarioError(where + f"prices must be \"real\" (GVA in {base_year} prices, chain-linked) or "
                            f"\"nominal\" (current prices), not {prices!r}.")
    if prices == "real" and output.price_basis == "current":
        raise ScenarioError(where + f"[{output.series}] is in current prices (nominal), which cannot be run in real "
                            "terms without an inflation forecast; set prices = \"nominal\" or give the figure in "
                            "constant prices.")
    name = str(data.get("name", "scenario"))
    return Scenario(name=name, title=str(data.get("title", name)), area=area.strip(), vintage=vintage,
                    base_year=base_year, horizon=horizon, jobs=jobs, output=output, trend=trend,
                    description=str(data.get("description", "")).strip(), source=source, origin=origin,
                    base_dir=base_dir, prices=prices, label=str(data.get("label") or scenario_label(name)))


def price_label(prices: str, year: int | None) -> str:
    """``"2023 prices"`` for real GVA in 2023 prices, or ``"current prices (nominal)"``.

    Examples
    --------
    >>> price_label("real", 2023), price_label("nominal", 2023)
    ('2023 prices', 'current prices (nominal)')
    """
    if prices not in PRICES:
        raise ScenarioError(f"prices must be one of {', '.join(PRICES)}, not {prices!r}.")
    return NOMINAL if prices == "nominal" else f"{year} prices"


def _no_unknown(table: Mapping, allowed: set[str], where: str, what: str) -> None:
    bad = sorted(set(table) - allowed)
    if bad:
        raise ScenarioError(where + f"unknown {what}{'s' if len(bad) > 1 else ''} {', '.join(map(repr, bad))}. "
                            f"Allowed: {', '.join(sorted(allowed))}.")


def _int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(f"{what} must be a whole number (a year), not {value!r}.")
    return value


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError(f"{what} must be a number, not {value!r}.")
    return float(value)


def _figure(series: str, table, where: str, base_year: int, horizon: int) -> Figure:
    here = where + f"[{series}] "
    if not isinstance(table, Mapping):
        raise ScenarioError(here + "must be a table, e.g. `[jobs]` followed by `cagr = 0.01`.")
    _no_unknown(table, _FIGURE_KEYS[series], where, f"key in [{series}]")
    kinds = [k for k in ("increment", "cagr", "history") if k in table]
    if len(kinds) != 1:
        allowed = "cagr or history" if series == "productivity" else "increment, cagr or history"
        raise ScenarioError(here + f"give exactly one of {allowed}; found {kinds or 'none'}.")
    kind = kinds[0]
    text = {k: str(table[k]) for k in ("published", "note") if k in table}
    if kind != "increment":
        for key in ("measured_from", "alternative", "unit"):
            if key in table:
                raise ScenarioError(here + f"{key!r} goes with an increment, not with {kind}.")
    price_basis, price_year = None, None
    if series in ("gva", "productivity"):
        price_basis = table.get("price_basis")
        if price_basis is None and kind == "increment":
            raise ScenarioError(here + f"a GVA increment needs price_basis ({', '.join(PRICE_BASES)}).")
        if price_basis is not None and price_basis not in PRICE_BASES:
            raise ScenarioError(here + f"price_basis must be one of {', '.join(PRICE_BASES)}, not {price_basis!r}.")
        if "price_year" in table:
            if price_basis != "constant":
                raise ScenarioError(here + "price_year goes with price_basis = \"constant\".")
            price_year = _int(table["price_year"], here + "price_year")
    if kind == "cagr":
        rate = _number(table["cagr"], here + "cagr")
        if not -_MAX_RATE < rate < _MAX_RATE:
            raise ScenarioError(here + f"cagr is a fraction a year (0.015 is 1.5%); {rate} is outside "
                                f"(-{_MAX_RATE}, {_MAX_RATE}).")
        return Figure(series, kind, cagr=rate, price_basis=price_basis, price_year=price_year, **text)
    if kind == "history":
        w = table["history"]
        if not (isinstance(w, list) and len(w) == 2):
            raise ScenarioError(here + "history must be [start, end], e.g. [2013, 2023].")
        start, end = (_int(y, here + "history year") for y in w)
        if not start < end <= base_year:
            raise ScenarioError(here + f"history window {start}-{end} must run forwards and end by the base year "
                                f"({base_year}).")
        return Figure(series, kind, window=(start, end), price_basis=price_basis, price_year=price_year, **text)
    measured_from = table.get("measured_from")
    if measured_from not in BASES:
        raise ScenarioError(here + "an increment needs measured_from = \"base\" (relative to the base year) or "
                            f"\"trend\" (on top of the trend scenario); got {measured_from!r}.")
    alternative = table.get("alternative")
    if alternative is not None and (alternative not in BASES or alternative == measured_from):
        raise ScenarioError(here + f"alternative must be the other reading of the figure, i.e. "
                            f"{'trend' if measured_from == 'base' else 'base'!r}; got {alternative!r}.")
    unit = table.get("unit", "jobs" if series == "jobs" else None)
    scale = 1.0
    if series == "jobs" and unit != "jobs":
        raise ScenarioError(here + f"jobs increments are in unit = \"jobs\", not {unit!r}.")
    if series == "gva":
        if unit not in GVA_UNITS:
            raise ScenarioError(here + f"a GVA increment needs unit = {' or '.join(map(repr, GVA_UNITS))}; "
                                f"got {unit!r}.")
        scale = GVA_UNITS[unit]
    raw = table["increment"]
    if isinstance(raw, Mapping):
        increments = {}
        for k, v in raw.items():
            try:
                year = int(k)
            except ValueError:
                raise ScenarioError(here + f"increment anchor {k!r} is not a year.") from None
            increments[year] = _number(v, here + f"increment for {k}") * scale
    else:
        increments = {horizon: _number(raw, here + "increment") * scale}
    years = sorted(increments)
    if years[-1] != horizon or years[0] <= base_year:
        raise ScenarioError(here + f"increment anchors {years} must lie after the base year ({base_year}) and the "
                            f"last must be the horizon ({horizon}).")
    return Figure(series, kind, increments=dict(sorted(increments.items())), measured_from=measured_from,
                  alternative=alternative, unit=unit, price_basis=price_basis, price_year=price_year, **text)


# ------------------------------------------------------------------------------------------ real data
def history(measure: str, area: str | geography.Area, *, vintage: int = geography.DEFAULT_VINTAGE,
            years: tuple[int | None, int | None] = (None, None), prices: str = "real",
            price_year: int | None = None) -> pd.DataFrame:
    """An area's real series of ``jobs``, ``gva`` or ``gva_per_job``, tidy by year.

    ``jobs`` are ONS productivity filled jobs (a count). ``gva`` is balanced GVA, £ million: with
    ``prices="real"`` (the default) in constant ``price_year`` prices (default: the latest year, 2023),
    chain-linked over the area's districts by :func:`evidence.indicators.aggregate.chain_link` (annual
    previous-year prices, as ONS does; district CVMs are never summed); with ``prices="nominal"`` at current
    prices, summed. ``gva_per_job`` is :math:`10^6 \\times GVA / jobs` in £ per job, from these two series
    (not the ONS smoothed ratio). Columns: ``area_code, area_name, year, measure, value, unit, prices`` (the
    price basis, e.g. ``"2023 prices"``; NA for jobs), with provenance and ``attrs["caveats"]``.
    """
    return _history(measure, area, vintage, years, {}, prices=prices, price_year=price_year)


#: The latest year of the ONS balanced GVA by local authority (April 2025 release): the default price year.
LATEST_GVA_YEAR = 2023


def _history(measure: str, area, vintage: int, years: tuple[int | None, int | None], cache: dict, *,
             prices: str = "nominal", price_year: int | None = None) -> pd.DataFrame:
    """:func:`history`, sharing the whole series of one run through ``cache``."""
    from ..indicators.area import compute

    if measure not in MEASURES:
        raise ScenarioError(f"measure must be one of {', '.join(MEASURES)}, not {measure!r}.")
    label = price_label(prices, price_year or LATEST_GVA_YEAR)
    if measure == "gva_per_job":
        jobs = _history("jobs", area, vintage, years, cache)
        gva = _history("gva", area, vintage, years, cache, prices=prices, price_year=price_year)
        key = ["area_code", "area_name", "year"]
        j = gva[key + ["value"]].merge(jobs[key + ["value"]], on=key, suffixes=("_gva", "_jobs"))
        out = j[key].assign(measure=measure, value=1e6 * j["value_gva"] / j["value_jobs"], unit=UNITS[measure],
                            prices=label)
        out = provenance.combine(out, gva, jobs)
        out.attrs["caveats"] = list(dict.fromkeys(gva.attrs["caveats"] + jobs.attrs["caveats"]))
        return out
    code = area.code if isinstance(area, geography.Area) else str(area)
    if measure == "gva" and prices == "real":
        df = _real_gva(area, vintage, price_year or LATEST_GVA_YEAR, cache)
    else:
        ckey = (measure, code, vintage)
        if ckey not in cache:
            cache[ckey] = compute(measure, [area], vintage=vintage, comparators=())
        df = cache[ckey]
    lo, hi = years
    df = df[(df["year"] >= (lo if lo is not None else -1)) & (df["year"] <= (hi if hi is not None else 10**6))]
    out = df[["area_code", "area_name", "year"]].assign(measure=measure, value=df["value"].astype(float),
                                                        unit=UNITS[measure], prices=label if measure == "gva" else None)
    out = provenance.combine(out.reset_index(drop=True), df)
    out.attrs["caveats"] = list(df.attrs.get("caveats", []))
    return out


def _real_gva(area, vintage: int, price_year: int, cache: dict) -> pd.DataFrame:
    """The area's GVA chain-linked over its districts, in ``price_year`` prices (with ``current`` and
    ``deflator`` columns): :func:`evidence.indicators.aggregate.chain_link` on the ONS balanced GVA by LA."""
    from .. import frames
    from ..indicators.aggregate import chain_link
    from ..indicators.area import ENGLISH_LAD, membership_table
    from ..sources import get

    code = area.code if isinstance(area, geography.Area) else str(area)
    ckey = ("gva-real", code, vintage, price_year)
    if ckey in cache:
        return cache[ckey]
    members, caveats = membership_table([area], vintage=vintage)
    la = get("gva")
    la = la[frames.equals(la["industry"], "Total") & frames.matches(la["area_code"], ENGLISH_LAD)]
    la = la.assign(area_code=la["area_code"].astype(str))
    cp = la[frames.equals(la["measure"], "current_prices")]
    cvm = la[frames.equals(la["measure"], "cvm")]
    try:
        out = chain_link(cp, cvm, members, reference_year=price_year)
    except EvidenceError as exc:
        raise ScenarioError(f"no real GVA in {price_year} prices for {code}: {exc}") from None
    out.attrs["caveats"] = caveats + [
        f"Real GVA in {price_year} prices: the districts' balanced GVA (ONS, April 2025) chain-linked with annual "
        "previous-year prices (each district's volume growth from its chained volume measure, weighted by its "
        f"current-price GVA the year before), equal to current prices in {price_year}. District CVMs are never "
        "summed."]
    cache[ckey] = out
    return out


def baseline(area: str | geography.Area, *, year: int, vintage: int = geography.DEFAULT_VINTAGE,
             prices: str = "real") -> pd.DataFrame:
    """An area's real jobs, GVA and GVA per job in ``year`` (GVA in ``year`` prices, which are its current
    prices in that year, so the value is the same under either ``prices``; only the label differs).

    Raises
    ------
    ScenarioError
        The year is outside the data, or a value is missing (e.g. an incomplete aggregate).
    """
    return _baseline(area, year, vintage, {}, prices=prices)


def _baseline(area, year: int, vintage: int, cache: dict, *, prices: str = "nominal") -> pd.DataFrame:
    rows = [_history(m, area, vintage, (None, None), cache, prices=prices, price_year=year) for m in ("jobs", "gva")]
    for r, m in zip(rows, ("jobs", "gva"), strict=True):
        have = r[r["year"] == year]
        if have.empty or have["value"].isna().any():
            span = f"{r['year'].min()}-{r['year'].max()}" if not r.empty else "no years"
            raise ScenarioError(f"no {LABELS[m].lower()} for {r['area_name'].iloc[0] if not r.empty else area} in "
                                f"{year}: the data cover {span}.")
    pj = _history("gva_per_job", area, vintage, (year, year), cache, prices=prices, price_year=year)
    out = pd.concat([r[r["year"] == year] for r in rows] + [pj], ignore_index=True)
    out = provenance.combine(out, *rows)
    out.attrs["caveats"] = list(dict.fromkeys(rows[0].attrs["caveats"] + rows[1].attrs["caveats"]))
    return out


# ------------------------------------------------------------------------------------------ growth maths
def path(anchors: Mapping[int, float], years: Sequence[int]) -> np.ndarray:
    r"""Values in ``years`` growing at a constant annual rate between consecutive anchor points.

    .. math:: V_t = V_a \left(V_c / V_a\right)^{(t-a)/(c-a)}

    Anchor years return their anchor values exactly.

    Examples
    --------
    >>> path({2020: 100.0, 2022: 121.0, 2023: 121.0}, [2020, 2021, 2022, 2023]).round(6).tolist()
    [100.0, 110.0, 121.0, 121.0]
    """
    ys = sorted(anchors)
    vals = np.array([anchors[y] for y in ys], dtype=float)
    if (vals <= 0).any() or not np.isfinite(vals).all():
        bad = {y: anchors[y] for y in ys if not anchors[y] > 0}
        raise ScenarioError(f"a level must stay positive to grow at a constant rate; anchors {bad} are not.")
    t = np.asarray(years, dtype=float)
    if t.min() < ys[0] or t.max() > ys[-1]:
        raise ScenarioError(f"years {int(t.min())}-{int(t.max())} run outside the anchors {ys[0]}-{ys[-1]}.")
    out = np.empty(len(t))
    for i, y in enumerate(t):
        k = min(int(np.searchsorted(ys, y, side="right")) - 1, len(ys) - 2) if len(ys) > 1 else 0
        if len(ys) == 1 or y == ys[k]:
            out[i] = vals[k]
        elif y == ys[k + 1]:
            out[i] = vals[k + 1]
        else:
            out[i] = vals[k] * (vals[k + 1] / vals[k]) ** ((y - ys[k]) / (ys[k + 1] - ys[k]))
    return out


def implied_cagr(start: float, end: float, years: int) -> float:
    r"""The constant annual rate that takes ``start`` to ``end`` in ``years``: :math:`(E/S)^{1/n} - 1`.

    Examples
    --------
    >>> round(implied_cagr(100.0, 200.0, 10), 5)
    0.07177
    """
    if years <= 0:
        raise ScenarioError("the period must be at least one year.")
    return (end / start) ** (1 / years) - 1


def fit_cagr(series: pd.DataFrame, *, window: tuple[int, int], method: str = "endpoint",
             by: Sequence[str] = ("area_code",), value: str = "value") -> pd.DataFrame:
    r"""Each group's own growth rate over ``window`` (inclusive years).

    ``method="endpoint"`` is the CAGR between the window's first and last values,
    :math:`(x_{end}/x_{start})^{1/(end-start)} - 1`. ``"log-linear"`` is :math:`e^{\beta} - 1`, where
    :math:`\beta` is the least-squares slope of :math:`\ln x_t` on :math:`t` over every year of the window.
    A missing year in the window gives NA.

    Examples
    --------
    >>> s = pd.DataFrame({"area_code": "A", "year": [2010, 2011, 2012], "value": [100.0, 150.0, 121.0]})
    >>> round(float(fit_cagr(s, window=(2010, 2012))["cagr"].iloc[0]), 6)
    0.1
    """
    start, end = window
    if end <= start:
        raise ScenarioError(f"the window {start}-{end} must run forwards.")
    if method not in ("endpoint", "log-linear"):
        raise ScenarioError(f"method must be 'endpoint' or 'log-linear', not {method!r}.")
    w = series[(series["year"] >= start) & (series["year"] <= end)]
    rows = []
    for key, g in w.groupby(list(by), observed=True, sort=True):
        g = g.set_index("year")[value].reindex(range(start, end + 1))
        if g.isna().any() or (g <= 0).any():
            rate = np.nan
        elif method == "endpoint":
            rate = implied_cagr(g.iloc[0], g.iloc[-1], end - start)
        else:
            slope = np.polyfit(np.asarray(g.index, dtype=float), np.log(g.to_numpy()), 1)[0]
            rate = math.expm1(slope)
        rows.append((*(key if isinstance(key, tuple) else (key,)), start, end, method, rate))
    out = pd.DataFrame(rows, columns=[*by, "start", "end", "method", "cagr"])
    return provenance.combine(out, series)


def project_trend(series: pd.DataFrame, *, window: tuple[int, int], years: Sequence[int],
                  method: str = "endpoint") -> pd.DataFrame:
    r"""Project each area's series on its own growth rate over ``window``, from the window's last actual value.

    .. math:: \hat x_t = x_{end} (1 + g)^{t - end}

    Returns ``area_code, year, cagr, projected`` for every year in ``years``.
    """
    rates = fit_cagr(series, window=window, method=method)
    last = series[series["year"] == window[1]].set_index("area_code")["value"]
    rows = []
    for _, r in rates.iterrows():
        for t in years:
            rows.append((r["area_code"], int(t), r["cagr"], last.get(r["area_code"], np.nan) *
                         (1 + r["cagr"]) ** (t - window[1])))
    out = pd.DataFrame(rows, columns=["area_code", "year", "cagr", "projected"])
    return provenance.combine(out, series)


def backtest(series: pd.DataFrame, *, fit: tuple[int, int] = (2004, 2013), test: tuple[int, int] = (2014, 2023),
             method: str = "endpoint") -> pd.DataFrame:
    r"""Back-test a trend: fit each area's growth rate on ``fit`` and compare its projection with ``test``.

    For each test year the result gives ``actual``, ``projected`` (see :func:`project_trend`),
    ``error = projected - actual`` and ``pct_error = 100 * error / actual``. :func:`backtest_summary`
    reports the mean absolute percentage error (MAPE) and the final-year error.

    Examples
    --------
    >>> s = pd.DataFrame({"area_code": "A", "year": [2000, 2001, 2002, 2003], "value": [100., 110., 121., 130.]})
    >>> backtest(s, fit=(2000, 2002), test=(2003, 2003))[["projected", "pct_error"]].round(3).values.tolist()
    [[133.1, 2.385]]
    """
    if test[0] <= fit[1]:
        raise ScenarioError(f"the test years {test[0]}-{test[1]} must come after the fit window {fit[0]}-{fit[1]}.")
    years = list(range(test[0], test[1] + 1))
    proj = project_trend(series, window=fit, years=years, method=method)
    actual = series[["area_code", "year", "value"]].rename(columns={"value": "actual"})
    names = series.drop_duplicates("area_code").set_index("area_code")["area_name"] \
        if "area_name" in series else pd.Series(dtype=object)
    out = proj.merge(actual, on=["area_code", "year"], how="left")
    out.insert(1, "area_name", out["area_code"].map(names))
    out["fit_start"], out["fit_end"] = fit
    out["error"] = out["projected"] - out["actual"]
    out["pct_error"] = 100 * out["error"] / out["actual"]
    cols = ["area_code", "area_name", "fit_start", "fit_end", "cagr", "year", "actual", "projected", "error",
            "pct_error"]
    for col in ("unit", "prices"):  # what the levels are: a count of jobs, or £ million in stated prices
        if col in series:
            out[col] = out["area_code"].map(series.drop_duplicates("area_code").set_index("area_code")[col])
            cols.append(col)
    return provenance.combine(out[cols], series)


def backtest_summary(bt: pd.DataFrame) -> pd.DataFrame:
    r"""One row per area of a :func:`backtest`: the fitted rate, the mean absolute percentage error,
    :math:`MAPE = \frac{100}{n}\sum_t |\hat x_t - x_t| / x_t`, the mean percentage error (bias), and the
    final test year's percentage error."""
    rows = []
    for code, g in bt.sort_values("year").groupby("area_code", sort=True, observed=True):
        rows.append({"area_code": code, "area_name": g["area_name"].iloc[0], "fit_start": g["fit_start"].iloc[0],
                     "fit_end": g["fit_end"].iloc[0], "cagr": g["cagr"].iloc[0], "test_start": g["year"].min(),
                     "test_end": g["year"].max(), "mape": g["pct_error"].abs().mean(),
                     "mean_pct_error": g["pct_error"].mean(), "final_year_pct_error": g["pct_error"].iloc[-1],
                     **{c: g[c].iloc[0] for c in ("unit", "prices") if c in g}})
    return provenance.combine(pd.DataFrame(rows), bt)


# ------------------------------------------------------------------------------------------ running
def run(scenario: Scenario | str | Path, *, area: str | None = None, vintage: int | None = None,
        prices: str | None = None) -> pd.DataFrame:
    """Year-by-year trajectories of a scenario, for its own area or for a part of it.

    Parameters
    ----------
    scenario
        A :class:`Scenario`, a shipped name or a TOML path.
    area
        ``None`` (the scenario's area). An area inside the scenario's area (one of the Arc's LEPs or LADs)
        gets its share of the scenario, apportioned by base-year share (see :func:`apportion`). An area
        outside it runs the same growth rates on its own baseline. That works only for a scenario of rates
        or history, because published increments belong to their own area.
    vintage
        Run at this LEP vintage instead of the file's (and so its trend scenario too), e.g. to follow a
        pack's vintage.
    prices
        ``"real"`` (GVA in base-year prices, chain-linked) or ``"nominal"`` (current prices), instead of the
        file's ``prices``.

    Returns
    -------
    DataFrame
        ``scenario, reading, area_code, area_name, vintage, year, measure, value, unit, prices,
        change_from_base, growth, vs_trend, status`` (``prices`` is the price basis of GVA, e.g.
        ``"2023 prices"``, NA for jobs; ``status`` is ``"actual"`` for the base year and ``"scenario"`` after
        it).
        ``attrs["caveats"]`` lists every assumption. ``attrs["provenance"]`` holds the ONS sources and the
        scenario's citation.
    """
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    overrides = {k: v for k, v in (("vintage", vintage), ("prices", prices)) if v is not None}
    changed = [f"{k} {v} (the file says {getattr(sc, k)})" for k, v in overrides.items() if getattr(sc, k) != v]
    if overrides:
        if overrides.get("vintage", sc.vintage) not in geography.VINTAGES:
            raise ScenarioError(f"vintage must be one of {geography.VINTAGES}, not {vintage}.")
        if overrides.get("prices", sc.prices) not in PRICES:
            raise ScenarioError(f"prices must be one of {', '.join(PRICES)}, not {prices!r}.")
        if overrides.get("prices") == "real" and sc.output.price_basis == "current":
            raise ScenarioError(f"{sc.name}: its {sc.output.series} figure is nominal, so it cannot run in real terms.")
        sc = replace(sc, **overrides)
    out = _run_in(sc, area, overrides)
    if changed:
        out.attrs["caveats"] = [f"{sc.name} is run at {', '.join(changed)}."] + out.attrs["caveats"]
    return out


def _run_in(sc: Scenario, area: str | None, overrides: Mapping) -> pd.DataFrame:
    if area is None:
        return _run(sc, overrides=overrides)
    home = geography.resolve(sc.area, vintage=sc.vintage)
    target = geography.resolve(area, vintage=sc.vintage)
    if target.code == home.code:
        return _run(sc, overrides=overrides)
    home_lads, target_lads = set(_lads(home, sc.vintage)), set(_lads(target, sc.vintage))
    if target_lads and target_lads <= home_lads:
        whole = _run(sc, overrides=overrides)
        parts = apportion(whole, parts=[target.code])
        return parts[parts["area_code"] == target.code].reset_index(drop=True)
    if sc.has_increments:
        raise ScenarioError(f"{sc.name} gives published increments for {home.name}; {target.name} is not part of "
                            f"it, so they cannot be applied there. Use a scenario of growth rates (cagr or history) "
                            f"for {target.name}: see docs/scenarios.md.")
    moved = replace(sc, area=target.code, trend=None)  # no figure uses the trend here; it belongs to `home`
    out = _run(moved, overrides=overrides)
    out.attrs["caveats"] = [f"{sc.name} was written for {home.name}; its growth rates are applied to "
                            f"{target.name}'s own baseline."] + out.attrs["caveats"]
    return out


def _lads(a: geography.Area, vintage: int) -> list[str]:
    from ..indicators.area import membership_table

    return list(membership_table([a], vintage=vintage)[0]["lad_code"])


def _run(sc: Scenario, _stack: tuple[str, ...] = (), cache: dict | None = None,
         overrides: Mapping | None = None) -> pd.DataFrame:
    if sc.origin in _stack:
        raise ScenarioError(f"{sc.origin}: the trend references form a loop ({' -> '.join(_stack + (sc.origin,))}).")
    cache = {} if cache is None else cache
    base = _baseline(sc.area, sc.base_year, sc.vintage, cache, prices=sc.prices)
    b = base.set_index("measure")["value"]
    years = list(range(sc.base_year, sc.horizon + 1))
    trend_levels, trend_df = None, None
    if sc.trend is not None:
        trend_sc = _trend_scenario(sc, overrides or {})
        trend_df = _run(trend_sc, _stack + (sc.origin,), cache, overrides)
        chosen = trend_df[trend_df["reading"] == "chosen"]
        trend_levels = {m: chosen[chosen["measure"] == m].set_index("year")["value"] for m in ("jobs", "gva")}
    pieces = []
    for reading in sc.readings:
        jobs = _series(sc.jobs.reading(reading), b["jobs"], years, sc, trend_levels, cache)
        if sc.output.series == "productivity":
            prod = _series(sc.output, b["gva_per_job"], years, sc, trend_levels, cache)
            gva = jobs * prod / 1e6
            gva[0] = b["gva"]  # the real base value, not a product that may differ in the last digit
        else:
            gva = _series(sc.output.reading(reading), b["gva"], years, sc, trend_levels, cache)
        pieces.append(_levels_frame(sc.name, reading, base, years, jobs, gva))
    levels = pd.concat(pieces, ignore_index=True)
    if trend_levels is not None:
        levels["trend_jobs"] = levels["year"].map(trend_levels["jobs"])
        levels["trend_gva"] = levels["year"].map(trend_levels["gva"])
    out = _finish(levels, vintage=sc.vintage, prices=sc.price_label)
    recs = provenance.records(base) + ([_citation_record(sc)] if sc.source else [])
    caveats = _caveats(sc, base, _price_factor(sc, cache) if _converts(sc.output) else None)
    if trend_df is not None:
        recs += provenance.records(trend_df)
        same_source = trend_sc.source.get("title") == sc.source.get("title")
        caveats += ["Trend s" + c[1:] if c.startswith("Scenario ") else c for c in trend_df.attrs["caveats"]
                    if c not in caveats and not (same_source and c.startswith(_SOURCE_NOTE))]
    provenance.attach(out, recs)
    out.attrs["caveats"] = caveats
    out.attrs["scenario"] = sc.name
    return out


def _trend_scenario(sc: Scenario, overrides: Mapping) -> Scenario:
    ref = sc.trend
    if ref.lower().endswith(".toml") and sc.base_dir is not None and not Path(ref).is_absolute():
        ref = str(sc.base_dir / ref)
    t = load_scenario(ref)
    if overrides:
        t = replace(t, **overrides)
    home = geography.resolve(sc.area, vintage=sc.vintage).code
    diffs = [k for k, a, b in (("area", geography.resolve(t.area, vintage=t.vintage).code, home),
                               ("vintage", t.vintage, sc.vintage), ("base_year", t.base_year, sc.base_year),
                               ("horizon", t.horizon, sc.horizon)) if a != b]
    if diffs:
        raise ScenarioError(f"{sc.origin}: the trend scenario {t.name!r} differs in {', '.join(diffs)}; a figure "
                            "measured on top of a trend needs the same area, vintage, base year and horizon.")
    if t.prices != sc.prices:
        raise ScenarioError(f"{sc.origin}: the trend scenario {t.name!r} runs in {t.price_label}, this one in "
                            f"{sc.price_label}; a figure measured on top of a trend needs the same price basis.")
    return t


def _series(f: Figure, base_value: float, years: list[int], sc: Scenario, trend: Mapping[str, pd.Series] | None,
            cache: dict) -> np.ndarray:
    n = np.arange(len(years), dtype=float)
    if f.kind == "cagr":
        out = base_value * (1 + f.cagr) ** n
    elif f.kind == "history":
        measure = "gva_per_job" if f.series == "productivity" else f.series
        hist = _history(measure, sc.area, sc.vintage, (None, None), cache, prices=sc.prices, price_year=sc.base_year)
        rate = fit_cagr(hist, window=f.window)["cagr"].iloc[0]
        if not np.isfinite(rate):
            raise ScenarioError(f"{sc.origin}: [{f.series}] history {f.window[0]}-{f.window[1]} has missing years "
                                f"for {sc.area}, so no growth rate can be fitted.")
        out = base_value * (1 + rate) ** n
    else:
        anchors = {years[0]: base_value}
        factor = _price_factor(sc, cache) if _converts(f) else 1.0
        for y, inc in f.increments.items():
            ref = base_value if f.measured_from == "base" else float(trend[f.series].loc[y])
            anchors[y] = ref + inc * factor
        out = path(anchors, years)
    out[0] = base_value
    return out


def _converts(f: Figure) -> bool:
    """Whether a figure is a GVA increment in another year's constant prices, to be carried into base-year
    prices."""
    return f.series == "gva" and f.kind == "increment" and f.price_basis == "constant" and f.price_year is not None


def _price_factor(sc: Scenario, cache: dict) -> float:
    r"""The factor that carries a GVA figure in constant ``price_year`` prices into the scenario's base-year
    prices: the ratio of the implied GVA deflators of the scenario's own area (chain-linked over its
    districts, :func:`evidence.indicators.aggregate.chain_link`), :math:`D_{base} / D_{price\_year}`."""
    f = sc.output
    real = _real_gva(sc.area, sc.vintage, sc.base_year, cache).set_index("year")
    if f.price_year not in real.index or not np.isfinite(real.loc[f.price_year, "deflator"]):
        raise ScenarioError(f"{sc.origin}: no implied GVA deflator for {sc.area} in {f.price_year} (the ONS data cover "
                            f"{real.index.min()}-{real.index.max()}), so the figure in {f.price_year} prices cannot "
                            f"be carried into {sc.base_year} prices.")
    return float(real.loc[sc.base_year, "deflator"] / real.loc[f.price_year, "deflator"])


def _levels_frame(name: str, reading: str, base: pd.DataFrame, years: list[int], jobs: np.ndarray,
                  gva: np.ndarray) -> pd.DataFrame:
    first = base.iloc[0]
    return pd.DataFrame({"scenario": name, "reading": reading, "area_code": first["area_code"],
                         "area_name": first["area_name"], "year": years, "jobs": jobs, "gva": gva})


def _finish(levels: pd.DataFrame, *, vintage: int, prices: str | None) -> pd.DataFrame:
    """Wide levels (``jobs``, ``gva`` and optionally ``trend_jobs``, ``trend_gva``) -> tidy trajectories;
    ``prices`` labels the price basis of the money measures (jobs are a count and get none)."""
    lv = levels.sort_values(["scenario", "reading", "area_code", "year"]).copy()
    lv["gva_per_job"] = 1e6 * lv["gva"] / lv["jobs"]
    has_trend = "trend_jobs" in lv
    if has_trend:
        lv["trend_gva_per_job"] = 1e6 * lv["trend_gva"] / lv["trend_jobs"]
    key = ["scenario", "reading", "area_code", "area_name", "year"]
    frames = []
    for m in MEASURES:
        f = lv[key].copy()
        f["vintage"] = vintage
        f["measure"] = m
        f["value"] = lv[m].to_numpy(dtype=float)
        f["unit"] = UNITS[m]
        f["prices"] = None if m == "jobs" else prices
        grp = f.groupby(["scenario", "reading", "area_code"], sort=False)["value"]
        f["change_from_base"] = f["value"] - grp.transform("first")
        f["growth"] = f["value"] / grp.shift(1) - 1
        f["vs_trend"] = (lv[m] - lv[f"trend_{m}"]).to_numpy(dtype=float) if has_trend else np.nan
        f["status"] = np.where(f["year"] == f.groupby(["scenario", "reading", "area_code"])["year"].transform("min"),
                               "actual", "scenario")
        frames.append(f)
    cols = ["scenario", "reading", "area_code", "area_name", "vintage", "year", "measure", "value", "unit",
            "prices", "change_from_base", "growth", "vs_trend", "status"]
    out = pd.concat(frames, ignore_index=True)[cols]
    out["measure"] = pd.Categorical(out["measure"], categories=MEASURES)
    out["reading"] = pd.Categorical(out["reading"], categories=READINGS)
    out = out.sort_values(["scenario", "reading", "area_code", "measure", "year"], kind="stable")
    out = out.reset_index(drop=True).astype({"measure": str, "reading": str})
    return out


def _prices_of(traj: pd.DataFrame) -> str | None:
    """The price basis of a trajectories frame's GVA (``"2023 prices"``), or ``None`` if it does not say."""
    if "prices" not in traj:
        return None
    p = traj.loc[traj["measure"] != "jobs", "prices"].dropna().unique()
    return str(p[0]) if len(p) == 1 else None


def _citation_record(sc: Scenario) -> dict:
    s = sc.source
    return {"publisher": s["publisher"], "title": s["title"], "release": s["date"], "url": s.get("url", ""),
            "scenario": sc.name}


def _fmt_figure(f: Figure) -> str:
    if f.kind == "cagr":
        return f"{f.series} grows {100 * f.cagr:.2f}% a year"
    if f.kind == "history":
        return f"{f.series} grows at its own {f.window[0]}-{f.window[1]} CAGR"
    sign = {True: "+", False: "-"}
    if f.series == "jobs":
        incs = ", ".join(f"{sign[v >= 0]}{abs(v):,.0f} jobs by {y}" for y, v in f.increments.items())
    else:
        incs = ", ".join(f"{sign[v >= 0]}£{abs(v):,.0f} million by {y}" for y, v in f.increments.items())
        if f.price_basis == "constant" and f.price_year:
            incs += f" (in {f.price_year} prices)"
    frm = "the base year" if f.measured_from == "base" else "the trend"
    return f"{f.series} {incs}, measured from {frm}"


def _gbp(values: Mapping[int, float], factor: float = 1.0) -> str:
    return ", ".join(f"{'+' if v >= 0 else '-'}£{abs(v * factor):,.0f} million by {y}" for y, v in values.items())


def _caveats(sc: Scenario, base: pd.DataFrame, factor: float | None = None) -> list[str]:
    area = base["area_name"].iloc[0]
    real = sc.prices == "real"
    by = sc.base_year
    basis = (f"in {by} prices (real terms: GVA chain-linked over the districts with annual previous-year prices, so "
             "its growth is real)") if real else "at current prices (nominal: growth includes inflation)"
    notes = [f"Scenario {sc.name}: {_fmt_figure(sc.jobs)}; {_fmt_figure(sc.output)}.",
             f"Baseline {by} for {area} ({sc.vintage} LEP vintage): ONS productivity filled jobs (a count) and "
             f"balanced GVA, £ million, {basis}. GVA per job is GVA / jobs here, not the ONS smoothed GVA per filled "
             "job."]
    if sc.has_increments:
        notes.append(f"Published increments are applied to the {by} ONS values and reached in {sc.horizon}, "
                     "with a constant annual growth rate in between; the publication measured them from its own base "
                     "year and geography (see the scenario's description).")
    out = sc.output
    if out.series in ("gva", "productivity"):
        if out.kind == "increment":
            if factor is not None:
                text = (f"The published GVA figure is in constant {out.price_year} prices. It is carried into {by} "
                        f"prices with the implied GVA deflator of {area} (ONS balanced GVA by local authority, April "
                        f"2025: current prices over GVA chain-linked over its districts), {by} over {out.price_year} "
                        f"= x{factor:.4f}: {_gbp(out.increments)} in {out.price_year} prices is "
                        f"{_gbp(out.increments, factor)} in {by} prices.")
                if not real:
                    text += " It is added to current-price GVA, so the nominal path mixes bases after the base year."
            elif out.price_basis == "constant" and out.price_year in (None, by):
                year = out.price_year or "unstated-year"
                text = f"The GVA figure is in constant {year} prices, added as {by} prices."
            elif out.price_basis == "current":
                text = "The GVA figure is in current prices (nominal); it is added at face value to current-price GVA."
            else:
                text = (f"The GVA figure has no stated price basis; it is added at face value and read as "
                        f"{sc.price_label}.")
            notes.append(text)
        elif real:
            notes.append(f"The {out.series} growth rate is a real rate: it applies to GVA in {by} prices"
                         + (", fitted on the area's chain-linked real GVA." if out.kind == "history" else "."))
        else:
            notes.append(f"The {out.series} growth rate is applied to current-price GVA, so it acts as a nominal rate "
                         "(it includes inflation).")
    for f in sc.figures:
        if f.alternative:
            other = "the trend" if f.alternative == "trend" else "the base year"
            notes.append(f"Reading: the published {f.series} figure is read as measured from "
                         f"{'the base year' if f.measured_from == 'base' else 'the trend'} (rows reading=chosen); "
                         f"rows reading=alternative measure it from {other}." + (f" {f.note}" if f.note else ""))
    if sc.source:
        notes.append(_SOURCE_NOTE + sc.citation())
    return notes + [c for c in base.attrs.get("caveats", []) if c]


# ------------------------------------------------------------------------------------------ views
def summary(traj: pd.DataFrame) -> pd.DataFrame:
    """Base and horizon values, change, implied CAGR and gap to the trend, for each scenario, reading, area and
    measure of a trajectories frame, with the price basis of each money measure (``prices``; NA for jobs)."""
    rows = []
    for (sc, rd, code, m), g in traj.groupby(["scenario", "reading", "area_code", "measure"], sort=False):
        g = g.sort_values("year")
        first, last = g.iloc[0], g.iloc[-1]
        n = int(last["year"] - first["year"])
        rows.append({"scenario": sc, "reading": rd, "area_code": code, "area_name": first["area_name"],
                     "measure": m, "unit": first["unit"], "prices": first.get("prices"),
                     "base_year": int(first["year"]),
                     "base_value": first["value"], "horizon": int(last["year"]), "horizon_value": last["value"],
                     "change": last["value"] - first["value"], "cagr": implied_cagr(first["value"], last["value"], n),
                     "vs_trend": last["vs_trend"]})
    return provenance.combine(pd.DataFrame(rows), traj)


def compare(*trajs: pd.DataFrame) -> pd.DataFrame:
    """Several scenarios' trajectories in one frame, with every source."""
    out = pd.concat(trajs, ignore_index=True)
    out = provenance.combine(out, *trajs)
    out.attrs["caveats"] = list(dict.fromkeys(c for t in trajs for c in t.attrs.get("caveats", [])))
    return out


def gap(traj: pd.DataFrame, *, scenario: str, against: str, reading: str = "chosen",
        against_reading: str = "chosen") -> pd.DataFrame:
    """The gap between two scenarios of one frame (e.g. from :func:`compare`), by area, year and measure:
    ``gap = value(scenario) - value(against)``."""
    key = ["area_code", "area_name", "year", "measure", "unit"]
    a = traj[(traj["scenario"] == scenario) & (traj["reading"] == reading)]
    b = traj[(traj["scenario"] == against) & (traj["reading"] == against_reading)]
    if a.empty or b.empty:
        raise ScenarioError(f"the frame has no rows for {scenario!r} ({reading}) or {against!r} ({against_reading}).")
    j = a[key + ["value"]].merge(b[key + ["value"]], on=key, suffixes=("", "_against"))
    j.insert(0, "scenario", scenario)
    j.insert(1, "against", against)
    j["gap"] = j["value"] - j["value_against"]
    return provenance.combine(j.reset_index(drop=True), traj)


def _one(traj: pd.DataFrame, scenario: str | None, reading: str, area: str | None) -> pd.DataFrame:
    t = traj[traj["reading"] == reading]
    if scenario is not None:
        t = t[t["scenario"] == scenario]
    if area is not None:
        t = t[t["area_code"] == area]
    if t.empty:
        raise ScenarioError(f"no trajectory for scenario={scenario!r}, reading={reading!r}, area={area!r}.")
    keys = t[["scenario", "area_code"]].drop_duplicates()
    if len(keys) > 1:
        raise ScenarioError("the frame holds several scenarios or areas; choose one with scenario= and area=.")
    return t


def decompose(traj: pd.DataFrame, *, scenario: str | None = None, reading: str = "chosen",
              area: str | None = None) -> pd.DataFrame:
    r"""GVA growth from the base year to the horizon, split into a jobs effect and a productivity effect.

    With jobs :math:`J`, GVA per job :math:`P` and :math:`GVA = JP/10^6`, the midpoint (Shapley) split

    .. math:: \Delta GVA = \underbrace{\Delta J \,\bar P / 10^6}_{\text{jobs effect}}
              + \underbrace{\Delta P \,\bar J / 10^6}_{\text{productivity effect}},
              \qquad \bar P = (P_b + P_h)/2,\ \bar J = (J_b + J_h)/2

    is exact, with no interaction term. Returns the waterfall's steps, ``base``, ``jobs effect``,
    ``productivity effect`` and ``horizon``, in £ million. Each step has ``start`` and ``end`` (where its bar
    runs) and ``share`` (its part of the change).

    Examples
    --------
    >>> t = pd.DataFrame({"scenario": "s", "reading": "chosen", "area_code": "A", "area_name": "A",
    ...                   "year": [2020, 2030] * 3, "measure": ["jobs"] * 2 + ["gva"] * 2 + ["gva_per_job"] * 2,
    ...                   "value": [100.0, 120.0, 5.0, 7.2, 50000.0, 60000.0]})
    >>> decompose(t)[["step", "value"]].round(3).values.tolist()
    [['base', 5.0], ['jobs effect', 1.1], ['productivity effect', 1.1], ['horizon', 7.2]]
    """
    t = _one(traj, scenario, reading, area)
    w = t.pivot_table(index="year", columns="measure", values="value", aggfunc="first")
    b, h = w.index.min(), w.index.max()
    jb, jh, pb, ph = w.loc[b, "jobs"], w.loc[h, "jobs"], w.loc[b, "gva_per_job"], w.loc[h, "gva_per_job"]
    gb, gh = w.loc[b, "gva"], w.loc[h, "gva"]
    jobs_effect = (jh - jb) * (pb + ph) / 2 / 1e6
    prod_effect = (ph - pb) * (jb + jh) / 2 / 1e6
    change = gh - gb
    steps = [("base", gb, 0.0, gb, b), ("jobs effect", jobs_effect, gb, gb + jobs_effect, h),
             ("productivity effect", prod_effect, gb + jobs_effect, gb + jobs_effect + prod_effect, h),
             ("horizon", gh, 0.0, gh, h)]
    out = pd.DataFrame(steps, columns=["step", "value", "start", "end", "year"])
    out["share"] = [np.nan, jobs_effect / change if change else np.nan, prod_effect / change if change else np.nan,
                    np.nan]
    first = t.iloc[0]
    out = out.assign(scenario=first["scenario"], reading=first["reading"], area_code=first["area_code"],
                     area_name=first["area_name"], base_year=int(b), horizon=int(h), unit=UNITS["gva"],
                     prices=_prices_of(t))
    out = out[["scenario", "reading", "area_code", "area_name", "step", "value", "start", "end", "share", "year",
               "base_year", "horizon", "unit", "prices"]]
    out = provenance.combine(out, traj)
    out.attrs["caveats"] = list(traj.attrs.get("caveats", []))
    return out


def sensitivity(traj: pd.DataFrame, *, jobs_cagr: Sequence[float] = SENSITIVITY_JOBS,
                productivity_cagr: Sequence[float] = SENSITIVITY_PRODUCTIVITY, scenario: str | None = None,
                reading: str = "chosen", area: str | None = None, horizon: int | None = None) -> pd.DataFrame:
    r"""GVA at the horizon over a grid of jobs growth x productivity growth, from a trajectory's base year.

    .. math:: GVA_h = GVA_b\,(1+g_J)^{n}(1+g_P)^{n}, \quad n = h - b

    Returns one row per pair: ``jobs_cagr, productivity_cagr, gva_cagr`` (:math:`(1+g_J)(1+g_P)-1`), the
    horizon's ``jobs`` (a count) and ``gva`` (£ million, in the trajectory's price basis, column ``prices``:
    real rates on GVA in base-year prices for a real trajectory) and ``gva_change`` from the base.

    Examples
    --------
    >>> t = pd.DataFrame({"scenario": "s", "reading": "chosen", "area_code": "A", "area_name": "A",
    ...                   "year": [2020, 2030] * 2, "measure": ["jobs"] * 2 + ["gva"] * 2,
    ...                   "value": [100.0, 110.0, 10.0, 12.0]})
    >>> round(float(sensitivity(t, jobs_cagr=[0.01], productivity_cagr=[0.02])["gva"].iloc[0]), 4)
    13.4653
    """
    t = _one(traj, scenario, reading, area)
    b = int(t["year"].min())
    h = int(horizon if horizon is not None else t["year"].max())
    if h <= b:
        raise ScenarioError(f"the horizon ({h}) must come after the base year ({b}).")
    base = t[t["year"] == b].set_index("measure")["value"]
    n = h - b
    rows = []
    for gj in jobs_cagr:
        for gp in productivity_cagr:
            gva = base["gva"] * (1 + gj) ** n * (1 + gp) ** n
            rows.append({"jobs_cagr": gj, "productivity_cagr": gp, "gva_cagr": (1 + gj) * (1 + gp) - 1,
                         "jobs": base["jobs"] * (1 + gj) ** n, "gva": gva, "gva_change": gva - base["gva"]})
    out = pd.DataFrame(rows)
    first = t.iloc[0]
    for i, col in enumerate(("area_code", "area_name")):
        out.insert(i, col, first[col])
    out.insert(2, "base_year", b)
    out.insert(3, "horizon", h)
    out["unit"] = UNITS["gva"]
    out["prices"] = _prices_of(t)
    return provenance.combine(out, traj)


# ------------------------------------------------------------------------------------------ apportionment
def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Split the whole number ``total`` into whole parts proportional to ``weights`` (summing to 1), so that
    they add up to ``total`` exactly (Hamilton's largest-remainder method; ties go to the earlier part).

    Examples
    --------
    >>> largest_remainder(10, np.array([1/3, 1/3, 1/3])).tolist()
    [4, 3, 3]
    >>> largest_remainder(-10, np.array([0.5, 0.25, 0.25])).tolist()
    [-5, -2, -3]
    """
    quotas = total * np.asarray(weights, dtype=float)
    floors = np.floor(quotas)
    short = int(total - floors.sum())
    if not 0 <= short <= len(weights):
        raise ScenarioError("weights must be non-negative and sum to 1.")
    order = np.argsort(-(quotas - floors), kind="stable")
    floors[order[:short]] += 1
    return floors.astype(np.int64)


def apportion(traj: pd.DataFrame, *, parts: str | Sequence[str] = "lep",
              weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    r"""Split an area's scenario across its LEPs, its LADs or a list of areas within it, so the parts sum back
    exactly.

    Each part :math:`i` keeps its real base-year values and takes a share :math:`w_i` of the area's change
    from the base year:

    .. math:: X_{i,t} = X_{i,b} + w_i\,(X_t - X_b), \qquad \sum_i w_i = 1

    By default :math:`w_i = X_{i,b} / X_b`, each part's base-year share (separately for jobs and GVA), which
    gives every part the area's own growth rates. ``weights`` (relative, divided by their sum) split both
    jobs and GVA changes instead. The change is first rounded to whole jobs and whole £ million, then split
    into whole parts by the largest-remainder method. So for every year the parts add up **exactly** to the
    area's value rounded to a whole number, and in the base year to the real values. GVA per job and the
    other columns are then recomputed for each part.

    Parameters
    ----------
    traj
        Trajectories of one area (from :func:`run`).
    parts
        ``"lep"``: the LEPs of the vintage that lie wholly inside the area. ``"lad"``: its LADs (April 2023
        codes). Or a list of areas inside it. Parts must not overlap. Where they do not cover the area, a
        last part ``"Rest of <area>"`` takes the remainder (not allowed with ``weights``).
    weights
        Optional ``{part: weight}`` for every part (names or codes).
    """
    from ..indicators.area import compute

    areas = traj[["area_code", "area_name", "vintage"]].drop_duplicates()
    if len(areas) != 1:
        raise ScenarioError("apportion one area's trajectories at a time.")
    code, name, vintage = areas.iloc[0]
    vintage = int(vintage)
    whole = geography.resolve(code, vintage=vintage)
    lads = _lads(whole, vintage)
    members, has_rest = _parts(whole, lads, parts, vintage)
    if weights is not None and has_rest:
        raise ScenarioError(f"with weights, the parts must cover all of {whole.name}; add the missing LADs or use "
                            "parts='lep' or parts='lad'.")
    order = list(dict.fromkeys(members["part_code"]))
    part_names = dict(zip(members["part_code"], members["part_name"], strict=False))
    w_user = _weights(weights, order, part_names, vintage) if weights is not None else None
    pieces, recs, bases = [], [], {}
    for (sc, rd), t in traj.groupby(["scenario", "reading"], sort=False):
        b = int(t["year"].min())
        wide = t.pivot(index="year", columns="measure", values=["value", "vs_trend"])
        if b not in bases:
            bases[b] = {}
            for m in ("jobs", "gva"):
                lad = compute(m, lads, vintage=vintage, comparators=(), years=(b, b))
                recs += provenance.records(lad)
                v = members.merge(lad[["area_code", "value"]].rename(columns={"area_code": "lad_code"}),
                                  on="lad_code", how="left")
                if v["value"].isna().any():
                    raise ScenarioError(f"a LAD of {whole.name} has no {m} in {b}, so the parts cannot sum back.")
                bases[b][m] = v.groupby("part_code", sort=False)["value"].sum().reindex(order)
        base_parts = bases[b]
        rows = {"year": wide.index.to_numpy()}
        out = pd.DataFrame({"year": np.repeat(rows["year"], len(order)), "area_code": order * len(rows["year"])})
        has_trend = wide["vs_trend"].notna().any().any()
        for m in ("jobs", "gva"):
            bp = base_parts[m].to_numpy(dtype=float)
            w = w_user if w_user is not None else bp / bp.sum()
            levels = wide[("value", m)].to_numpy(dtype=float)
            out[m] = _split(levels, bp, w)
            if has_trend:
                out[f"trend_{m}"] = _split(levels - wide[("vs_trend", m)].to_numpy(dtype=float), bp, w)
        out["area_name"] = out["area_code"].map(part_names)
        out["scenario"], out["reading"] = sc, rd
        pieces.append(out)
    res = _finish(pd.concat(pieces, ignore_index=True), vintage=vintage, prices=_prices_of(traj))
    res = provenance.combine(res, traj, recs)
    res.attrs["caveats"] = [
        f"{whole.name} apportioned to {', '.join(part_names[p] for p in order)}: each part keeps its real base-year "
        "values and takes " + ("the user's weights" if weights is not None else "its base-year share") +
        " of the area's change, in whole jobs and whole £ million."] + list(traj.attrs.get("caveats", []))
    return res


def _split(levels: np.ndarray, base_parts: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Parts by year (year-major): base part + whole-number share of the rounded change from the base."""
    change = np.rint(levels - levels[0]).astype(np.int64)
    return np.concatenate([base_parts + largest_remainder(int(c), w) for c in change]).astype(float)


def _parts(whole: geography.Area, lads: list[str], parts, vintage: int) -> tuple[pd.DataFrame, bool]:
    from ..indicators.area import membership_table

    inside = set(lads)
    if parts == "lad":
        names = geography.members(whole, vintage=vintage, lad_codes="2023")
        name_of = dict(zip(names["lad_code"], names["lad_name"], strict=False))
        return pd.DataFrame({"lad_code": lads, "part_code": lads,
                             "part_name": [name_of.get(c, c) for c in lads]}), False
    if parts == "lep":
        # Whole current LADs only, as membership_table counts them (partial members are left out).
        m = geography.membership(vintage, on="2023")
        sets = m[~m["partial"]].groupby("lep_code")["lad_code"].apply(set)
        chosen = [c for c in sorted(sets.index) if sets[c] and sets[c] <= inside]
        if not chosen:
            raise ScenarioError(f"no LEP of the {vintage} vintage lies wholly inside {whole.name}; use parts='lad'.")
    elif isinstance(parts, str):
        raise ScenarioError(f"parts must be 'lep', 'lad' or a list of areas, not {parts!r}.")
    else:
        chosen = [geography.resolve(p, vintage=vintage).code for p in parts]
    m, _ = membership_table(chosen, vintage=vintage)
    outside = sorted(set(m["lad_code"]) - inside)
    if outside:
        raise ScenarioError(f"parts must lie inside {whole.name}; {', '.join(outside)} do not.")
    dup = m[m.duplicated("lad_code", keep=False)]
    if not dup.empty:
        shared = sorted(set(dup["lad_code"]))
        raise ScenarioError(f"the parts overlap: {', '.join(shared)} {'is' if len(shared) == 1 else 'are'} in more "
                            "than one, so they cannot sum back. Choose parts that do not overlap, parts='lad', or "
                            "another vintage.")
    out = m.rename(columns={"area_code": "part_code", "area_name": "part_name"})[["lad_code", "part_code",
                                                                                    "part_name"]]
    rest = sorted(inside - set(m["lad_code"]))
    if rest:
        out = pd.concat([out, pd.DataFrame({"lad_code": rest, "part_code": f"{whole.code}-REST",
                                            "part_name": f"Rest of {whole.name}"})], ignore_index=True)
    return out, bool(rest)


def _weights(weights: Mapping[str, float], order: list[str], names: Mapping[str, str], vintage: int) -> np.ndarray:
    given = {}
    for k, v in weights.items():
        code = k if k in names else geography.resolve(k, vintage=vintage).code
        if code not in names:
            raise ScenarioError(f"weight for {k!r}: not one of the parts ({', '.join(names.values())}).")
        given[code] = _number(v, f"weight for {k!r}")
    missing = [names[c] for c in order if c not in given]
    if missing:
        raise ScenarioError(f"weights are missing for {', '.join(missing)}.")
    w = np.array([given[c] for c in order])
    if (w < 0).any() or w.sum() <= 0:
        raise ScenarioError("weights must be non-negative with a positive sum.")
    return w / w.sum()


__all__ = ["Scenario", "Figure", "list_scenarios", "load_scenario", "parse_scenario", "history", "baseline", "path",
           "implied_cagr", "fit_cagr", "project_trend", "backtest", "backtest_summary", "run", "summary", "compare",
           "gap", "decompose", "sensitivity", "apportion", "largest_remainder", "MEASURES", "UNITS"]
