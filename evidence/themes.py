"""The theme notebooks' building blocks: indicators composed into presentation-ready tables and findings.

Each function takes the notebook's :class:`~evidence.notebook.Context` and returns a tidy frame (with
provenance) or a sentence computed from the data, so the notebooks hold no logic of their own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import geography, provenance
from .indicators.area import ENGLAND, compute, membership_table, rank_among
from .indicators.productivity import decompose_gva_per_head_gap

HEADLINE = ["population", "jobs", "gva", "gva-per-head", "gva-per-hour", "gva-per-job"]
#: Headline indicators that are totals: compared with England as a share, not an index.
TOTALS = frozenset({"population", "jobs", "gva", "hours"})


def _latest(df: pd.DataFrame, year: int) -> pd.DataFrame:
    have = df.dropna(subset=["value"])
    y = min(year, int(have["year"].max()))
    return df[df["year"] == y]


def headline(ctx, indicators: list[str] = HEADLINE) -> pd.DataFrame:
    """Headline indicators for the area in the latest year available (at most ``ctx.year``), against England
    and the UK: for a total (population, jobs, GVA) the area's share of England in %, for a ratio (GVA per
    head, hour or job) its index on England = 100."""
    from .indicators.area import get_indicator

    rows, frames = [], []
    for name in indicators:
        df = compute(name, [ctx.area], vintage=ctx.vintage, comparators=ctx.comparators)
        frames.append(df)
        latest = _latest(df, ctx.year).set_index("area_code")["value"]
        area = latest.get(ctx.area.code)
        eng = latest.get(ENGLAND.code)
        ratio = 100 * area / eng if area is not None and eng else None
        total = get_indicator(name).name in TOTALS
        rows.append({"indicator": df["indicator"].iloc[0], "unit": df["unit"].iloc[0],
                     "year": int(_latest(df, ctx.year)["year"].iloc[0]), ctx.area.name: area, "England": eng,
                     "UK": latest.get("UKX"),
                     "share of England (%)": ratio if total else None,
                     "index (England = 100)": None if total else ratio})
    out = pd.DataFrame(rows)
    return provenance.combine(out, *frames)


def trend(ctx, name: str, *, start: int | None = None) -> pd.DataFrame:
    """An indicator over time for the area and its comparators."""
    return compute(name, [ctx.area], vintage=ctx.vintage, comparators=ctx.comparators, years=(start, ctx.year))


def gap_sentence(df: pd.DataFrame, ctx, *, what: str, unit_fmt: str = "£{:,.2f}") -> str:
    """A finding such as "GVA per hour worked in X was £38.10 in 2023: 9.0% below the UK (£41.87) ..."."""
    latest = _latest(df, ctx.year).set_index("area_code")["value"]
    year = int(_latest(df, ctx.year)["year"].iloc[0])
    area = latest.get(ctx.area.code)
    parts = [f"{what} in {ctx.area.name} was {unit_fmt.format(area)} in {year}"]
    for code, label in (("UKX", "the UK"), (ENGLAND.code, "England")):
        ref = latest.get(code)
        if ref is not None and pd.notna(ref) and area is not None:
            pct = 100 * (area / ref - 1)
            side = "above" if pct >= 0 else "below"
            parts.append(f"{abs(pct):.1f}% {side} {label} ({unit_fmt.format(ref)})")
    return parts[0] + ": " + "; ".join(parts[1:]) + "." if len(parts) > 1 else parts[0] + "."


def gap_title(df: pd.DataFrame, ctx, *, what: str, against: str = "UKX") -> str:
    """A chart title that states the finding, e.g. "GVA per hour worked in X is 4% below the UK (2023)"."""
    latest = _latest(df, ctx.year).set_index("area_code")["value"]
    year = int(_latest(df, ctx.year)["year"].iloc[0])
    label = "the UK" if against == "UKX" else "England"
    if against not in latest or ctx.area.code not in latest or pd.isna(latest[ctx.area.code]):
        return f"{what} in {ctx.area.name}, {year}"
    pct = 100 * (latest[ctx.area.code] / latest[against] - 1)
    return f"{what} in {ctx.area.name} is {abs(pct):.0f}% {'above' if pct >= 0 else 'below'} {label} ({year})"


def map_title(ctx, regions: list[str]) -> str:
    names = " and ".join(geography.resolve(r).name for r in regions)
    n = len(geography.members(ctx.area, vintage=ctx.vintage))
    return f"{ctx.area.name} ({ctx.area.type.upper()}): {n} local authority district{'s' if n != 1 else ''} " \
           f"in the {names} region{'s' if len(regions) != 1 else ''}"


def decomposition_title(dec: pd.DataFrame, ctx) -> str:
    total = dec.set_index("component")["log_points"]
    pct = 100 * (float(np.exp(total["total"] / 100)) - 1)
    main = total.drop("total").abs().idxmax()
    labels = {"productivity": "productivity", "hours_per_job": "hours per job",
              "jobs_per_resident": "jobs per resident"}
    return (f"GVA per head in {ctx.area.name} is {abs(pct):.0f}% {'above' if pct >= 0 else 'below'} England; "
            f"{labels[main]} contributes most to the difference")


def growth_sentence(df: pd.DataFrame, ctx, *, what: str, years: int = 10) -> str:
    """Nominal compound annual growth of the area and its comparators over the last ``years`` years."""
    end = int(_latest(df, ctx.year)["year"].iloc[0])
    start = end - years
    w = df[df["year"].isin([start, end])].pivot_table(index="area_code", columns="year", values="value")
    if start not in w or end not in w:
        return f"{what}: no {start}–{end} growth can be computed."
    g = ((w[end] / w[start]) ** (1 / years) - 1) * 100
    bits = [f"{ctx.area.name} {g.get(ctx.area.code, float('nan')):.1f}% a year"]
    if "UKX" in g:
        bits.append(f"the UK {g['UKX']:.1f}%")
    if ENGLAND.code in g:
        bits.append(f"England {g[ENGLAND.code]:.1f}%")
    return f"Nominal growth in {what} {start}–{end} (current prices, not adjusted for inflation): " + \
        ", ".join(bits) + "."


def ranking(ctx, name: str) -> pd.DataFrame:
    """The indicator for every LEP of the vintage in the latest year, ranked, for the ranked-bar chart."""
    year = int(_latest(trend(ctx, name), ctx.year)["year"].iloc[0])
    return rank_among(name, year=year, vintage=ctx.vintage)


def rank_sentence(ranks: pd.DataFrame, ctx, *, what: str) -> str:
    row = ranks[ranks["area_code"] == ctx.area.code]
    if row.empty or pd.isna(row["rank"].iloc[0]):
        return f"{ctx.area.name} is not ranked among the LEPs on {what}."
    return (f"{ctx.area.name} ranks {int(row['rank'].iloc[0])} of {int(row['of'].iloc[0])} LEPs ({ctx.vintage} "
            f"geography) on {what} in {int(row['year'].iloc[0])}.")


def gap_decomposition(ctx) -> pd.DataFrame:
    """The area's GVA-per-head gap against England split into productivity, hours per job and jobs per
    resident (log points; the parts add up to the total). All four inputs come from ONS releases on the same
    April-2023 LADs: GVA (April 2025), hours and jobs (June 2025), population (April 2025)."""
    frames = {n: compute(n, [ctx.area], vintage=ctx.vintage, comparators=["England"])
              for n in ("gva", "hours", "jobs", "population")}
    year = min(int(f.dropna(subset=["value"])["year"].max()) for f in frames.values())
    year = min(year, ctx.year)
    wide = None
    for n, f in frames.items():
        part = f[f["year"] == year][["area_code", "year", "value"]].rename(columns={"value": n})
        wide = part if wide is None else wide.merge(part, on=["area_code", "year"])
    out = decompose_gva_per_head_gap(wide, reference=ENGLAND.code)
    out = out[out["area_code"] == ctx.area.code]
    labels = {"productivity": "Productivity (GVA per hour)", "hours_per_job": "Hours per job",
              "jobs_per_resident": "Jobs per resident", "total": "Total gap in GVA per head"}
    out = out.assign(part=out["component"].map(labels))
    return provenance.combine(out.reset_index(drop=True), *frames.values())


def members_table(ctx) -> pd.DataFrame:
    """The area's member LADs with their region."""
    m = geography.members(ctx.area, vintage=ctx.vintage)
    return m


def map_frames(ctx):
    """(all LAD boundaries, the LADs to highlight, the surrounding LADs of the area's region(s))."""
    from .sources.boundaries import get_boundaries

    lads = get_boundaries("lad")
    members, _ = membership_table([ctx.area], vintage=ctx.vintage, partial="include")
    codes = list(members["lad_code"])
    regions = {geography.region_of(c).code for c in codes if c.startswith("E")}
    around = set()
    for r in regions:
        around |= set(geography.lad_codes(r))
    context = lads[lads["area_code"].isin(around | set(codes))]
    return lads, codes, context, sorted(regions)


# ------------------------------------------------------------------------------------------------ sectors
#: The LIS priority-sector families shipped with the toolkit, and the LEPs whose strategies define them.
LIS_FAMILIES = {"buckinghamshire": "Buckinghamshire Thames Valley",
                "leicester-leicestershire": "Leicester and Leicestershire"}


def lis_family(ctx) -> str | None:
    """The area's own LIS priority-sector family, where one is defined."""
    for family, lep in LIS_FAMILIES.items():
        try:
            if geography.resolve(lep, vintage=ctx.vintage).code == ctx.area.code:
                return family
        except geography.UnknownAreaError:
            continue
    return None


def specialisation_title(lq: pd.DataFrame, ctx, *, what: str) -> str:
    top = lq.dropna(subset=["lq"]).nlargest(3, "lq")
    label = "industry_name" if "industry_name" in lq else "sector"
    names = ", ".join(f"{str(r[label])[:40]} ({r['lq']:.1f})" for _, r in top.iterrows())
    return f"{ctx.area.name} is most specialised, by {what}, in {names}"


def employment_year(ctx) -> int:
    """The latest year of BRES employment by section the shipped files give for this kind of area."""
    return 2020 if (ctx.area.type == "lep" and ctx.vintage == 2021) or ctx.area.type == "ca" else 2017


def shift_share_title(ss: pd.DataFrame, ctx) -> str:
    total = ss[["national_growth", "industry_mix", "regional_share", "change"]].sum()
    start, end = int(ss["start"].iloc[0]), int(ss["end"].iloc[0])
    side = "outgrew" if total["regional_share"] >= 0 else "grew more slowly than"
    return (f"{ctx.area.name}'s GVA {side} its industry mix implied, {start}–{end}: regional share "
            f"£{total['regional_share']:,.0f}m of a £{total['change']:,.0f}m change (nominal)")


# ---------------------------------------------------------------------------------------------- scenarios
ARC = "GRP-OXCAM"


def arc_scenarios(ctx) -> pd.DataFrame | None:
    """The shipped Arc scenarios (trend and transformational) for the Arc itself or for its share of them when
    the area lies inside the Arc; ``None`` for other areas."""
    from . import scenarios

    arc_lads = set(geography.lad_codes(ARC, vintage=ctx.vintage, allow_partial=True))
    mine = set(geography.lad_codes(ctx.area, vintage=ctx.vintage, allow_partial=True))
    if ctx.area.code != ARC and not (mine and mine <= arc_lads):
        return None
    runs = [scenarios.run(name, area=ctx.area.code) for name in ("arc-trend", "arc-transformational")]
    out = pd.concat(runs, ignore_index=True)
    out.attrs["caveats"] = list(dict.fromkeys(c for r in runs for c in r.attrs.get("caveats", [])))
    return provenance.combine(out, *runs)


def own_trend(ctx, *, window: tuple[int, int] = (2013, 2023), horizon: int = 2050) -> pd.DataFrame:
    """A trend scenario for any area: its own jobs and nominal GVA growth over ``window`` carried to
    ``horizon`` from the latest real year."""
    from . import scenarios

    sc = scenarios.parse_scenario({
        "name": "own-trend",
        "title": f"{ctx.area.name}: its own {window[0]}–{window[1]} growth carried to {horizon}",
        "description": "Jobs and current-price GVA each grow at the area's own compound annual rate over the "
                       f"window {window[0]}–{window[1]} (real ONS data).",
        "area": ctx.area.code, "vintage": ctx.vintage, "base_year": window[1], "horizon": horizon,
        "jobs": {"history": list(window)},
        "gva": {"history": list(window), "price_basis": "current"},
        "source": {"publisher": "LIS Evidence", "title": "Trend projection on the area's own history",
                   "date": str(window[1])},
    }, origin="own-trend")
    return scenarios.run(sc)


def jobs_backtest(ctx, *, fit: tuple[int, int] = (2004, 2013), test: tuple[int, int] = (2014, 2023)) -> pd.DataFrame:
    """Back-test of a trend on the area's own jobs: fit the growth rate on ``fit``, project ``test``, compare."""
    from . import scenarios

    series = scenarios.history("jobs", ctx.area, vintage=ctx.vintage)
    return scenarios.backtest_summary(scenarios.backtest(series, fit=fit, test=test))


def scenario_sentence(summary: pd.DataFrame, ctx) -> str:
    """What each scenario means for jobs and GVA at the horizon."""
    bits = []
    s = summary[(summary["reading"] == "chosen") & (summary["area_code"] == ctx.area.code)]
    for name, g in s.groupby("scenario", sort=False):
        g = g.set_index("measure")
        if "jobs" in g.index and "gva" in g.index:
            j, v = g.loc["jobs"], g.loc["gva"]
            sign = "+" if v["change"] >= 0 else "-"
            bits.append(f"{name}: {j['change']:+,.0f} jobs ({100 * j['cagr']:.2f}% a year) and "
                        f"{sign}£{abs(v['change']) / 1000:,.1f}bn GVA ({100 * v['cagr']:.2f}% a year, nominal) "
                        f"from {int(j['base_year'])} to {int(j['horizon'])}")
    return f"For {ctx.area.name}: " + "; ".join(bits) + "." if bits else f"No scenario covers {ctx.area.name}."


# ------------------------------------------------------------------------------------- foundation metrics
def metric_trend(ctx, name: str) -> pd.DataFrame:
    """A foundation metric over time for the area and its comparators, in the shape of the chart functions."""
    from .indicators import foundations

    df = foundations.compute(name, [ctx.area], vintage=ctx.vintage, comparators=ctx.comparators)
    return df.dropna(subset=["value"])


def metric_table(ctx, names: list[str]) -> pd.DataFrame:
    """The latest value of each metric for the area beside England, with the survey's confidence interval
    where it has one, the aggregation method and any note."""
    from .indicators import foundations

    rows, frames = [], []
    for name in names:
        df = foundations.compute(name, [ctx.area], vintage=ctx.vintage, comparators=["England"])
        frames.append(df)
        mine = df[(df["area_code"] == ctx.area.code) & df["value"].notna()]
        if mine.empty:
            note = next((n for n in df["note"].dropna()), "no value for this area")
            rows.append({"metric": name, "title": foundations.get_metric(name).title, "note": note})
            continue
        last = mine.sort_values("year").iloc[-1]
        eng = df[(df["area_code"] == ENGLAND.code) & (df["year"] == last["year"])]["value"]
        rows.append({"metric": name, "title": foundations.get_metric(name).title, "period": last["period"],
                     "unit": last["unit"], ctx.area.name: last["value"], "lower 95%": last["lci_95"],
                     "upper 95%": last["uci_95"], "England": eng.iloc[0] if len(eng) else None,
                     "method": last["method"], "note": last["note"]})
    return provenance.combine(pd.DataFrame(rows), *frames)


# -------------------------------------------------------------------------------------------- scorecard
STATUSES = ("better than England", "similar to England", "worse than England")


def status_counts(card: pd.DataFrame) -> pd.DataFrame:
    """How many indicators of each foundation are better than, similar to or worse than England."""
    c = card[card["status"].isin(STATUSES)].groupby(["foundation", "status"], sort=False).size()
    out = c.rename("count").reset_index()
    out["label"] = out["foundation"] + ": " + out["status"].str.replace(" England", "", regex=False)
    return provenance.combine(out, card)


def scorecard_sentence(card: pd.DataFrame, ctx) -> str:
    n = card["status"].value_counts()
    valued = int(card["value"].notna().sum())
    return (f"{ctx.area.name} is better than England on {n.get('better than England', 0)}, similar on "
            f"{n.get('similar to England', 0)} and worse on {n.get('worse than England', 0)} of the {valued} "
            f"indicators with values")


def monitoring_baseline(ctx, card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard frozen to its latest year; in a pack it is also written as ``monitoring-baseline.csv``."""
    from .indicators import scorecard

    year = int(pd.to_numeric(card["year"], errors="coerce").max())
    if ctx.pack_dir is not None:
        return scorecard.monitoring_baseline(ctx.area, vintage=ctx.vintage, year=year,
                                             path=ctx.pack_dir / "monitoring-baseline.csv")
    return scorecard.scorecard(ctx.area, vintage=ctx.vintage, year=year)
