"""Key findings: what a pack's tables say, in a few sentences, each linked to the chart that shows it.

Pure: the pack's registered tables in (``[(key, frame, meta)]`` as :func:`evidence.pack.report._tables` reads them),
sentences out. Every number is read from a table, never typed, and printed to the precision the report uses
elsewhere (so :mod:`evidence.pack.consistency` can check it against the headline table and ``pack.json``).

The findings, in order, each left out when its table is missing or holds no value for the area:

1. the productivity level (GVA per hour worked) and its gap to England and the UK, with the area's rank;
2. its five-year trend against England's, and whether the gap widened or narrowed;
3. the main driver of the GVA-per-head gap (productivity, hours per job or jobs per resident);
4. how much of the gap in GVA per job is industry mix and how much productivity within industries;
5. the strongest and the weakest foundation of the scorecard;
6. the top three specialisations by GVA location quotient;
7. the Grand Challenge sectors' shares of GVA against England's;
8. the business birth and death rates;
9. for an area of the Oxford–Cambridge Arc, what the National Infrastructure Commission's scenarios imply;
10. what the area's own trend implies for 2050.

An area with no data for a topic (Scotland's TLM32, a section that does not apply) simply has fewer findings:
there is no minimum, and an area with no data at all gets an empty list. England's own pack compares with the
UK only, and has no gap to England to decompose, no scorecard verdicts and no specialisation against itself: it
names its largest sections and its Grand Challenge sectors' shares instead.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence

import pandas as pd

from ..geography import areatypes

ENGLAND = "E92000001"
ARC = "GRP-OXCAM"
#: A section must hold at least this share of the area's GVA to count among its top specialisations: a location
#: quotient of a tiny section (activities of households) is large and says little.
MIN_SPECIALISATION_SHARE = 0.01
#: A change in the gap to England smaller than this (half a percentage point) is not called a widening or a
#: narrowing: the ONS's own revisions to subregional productivity are of that order.
HARDLY_CHANGED = 0.005


# ----------------------------------------------------------------------------------------------- wording
def area_noun(area_type: str, name: str = "") -> str:
    """How running text names an area of the type after its first mention.

    Examples
    --------
    >>> area_noun("lep"), area_noun("ca"), area_noun("lad"), area_noun("itl3")
    ('the LEP', 'the combined authority', 'the district', 'the ITL3 area')
    >>> area_noun("group", "Oxford–Cambridge Arc"), area_noun("group", "Northern Powerhouse")
    ('the Arc', 'the grouping')
    >>> area_noun("country", "England")
    'England'
    """
    kind = areatypes.get(area_type)
    if kind.key == "country":
        return name
    if kind.key == "group" and name.rstrip().endswith("Arc"):
        return "the Arc"
    if kind.key in ("lep",) or kind.key.startswith("itl"):
        return "the " + kind.label
    return "the " + kind.label.lower()


#: Names that take "the" in running text: the compass regions (also as ITL1 "North East (England)"), and names
#: ending in a common noun such as the Arc or a city region.
_TAKES_THE = re.compile(r"(?:(?:North|South|East|West)(?: East| West)?(?: Midlands| of England)?|South East Midlands"
                        r"|.+ (?:Arc|Engine|Powerhouse|Corridor|City Region|Combined Authority|Partnership)"
                        r"|Isles? of (?:Scilly|Wight)|Highlands and Islands)(?: \(England\))?")


def running_name(name: str) -> str:
    """An area's name as it reads inside a sentence: "in the North East", "in the Oxford–Cambridge Arc", but
    "in Blackpool" and "in The Marches".

    Examples
    --------
    >>> [running_name(n) for n in ("North East", "East of England", "Oxford–Cambridge Arc", "Blackpool",
    ...                            "Liverpool City Region", "North Devon", "The Marches")]
    ['the North East', 'the East of England', 'the Oxford–Cambridge Arc', 'Blackpool', 'the Liverpool City Region', \
'North Devon', 'The Marches']
    """
    return "the " + name if _TAKES_THE.fullmatch(name.strip()) else name


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _possessive(noun: str) -> str:
    return noun + ("'" if noun.endswith("s") else "'s")


def _ordinal(n: int) -> str:
    """``14th``.

    >>> [_ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 102)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '102nd']
    """
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _pct_gap(value: float, reference: float, against: str, money: str) -> str:
    """``"5.5% below England (£42.51)"``: the gap as a percentage of the reference, one decimal."""
    gap = 100 * (value / reference - 1)
    if round(gap, 1) == 0:
        return f"level with {against} ({money.format(reference)})"
    side = "above" if gap > 0 else "below"
    return f"{abs(gap):.1f}% {side} {against} ({money.format(reference)})"


def _signed(x: float, fmt: str = "{:.1f}") -> str:
    """A signed number with a real minus sign: ``+5.1``, ``−7.9``."""
    return ("+" if x > 0 else "−" if x < 0 else "") + fmt.format(abs(x))


def _money(x: float) -> str:
    """``−£1,188``, ``£52,729``."""
    return ("−" if x < 0 else "") + f"£{abs(x):,.0f}"


def gbp_millions(x: float) -> str:
    """An amount given in £ million, in £bn from £1bn and in £m below, with a real minus sign.

    >>> gbp_millions(34_912.0), gbp_millions(48.26), gbp_millions(-3.04), gbp_millions(-1_500.0)
    ('£34.9bn', '£48m', '−£3.0m', '−£1.5bn')
    """
    sign, x = ("−" if x < 0 else ""), abs(x)
    if round(x, 1) >= 1000:
        return f"{sign}£{x / 1000:,.1f}bn"
    return f"{sign}£{x:,.0f}m" if x >= 10 else f"{sign}£{x:.1f}m"


def signed_pct(x: float) -> str:
    """A fraction as a percentage to 2 decimals with a real minus sign: ``1.28%``, ``−2.46%``."""
    return ("−" if x < 0 else "") + f"{abs(100 * x):.2f}%"


def _lower_first(text: str) -> str:
    """A name inside a sentence: its first letter lower-cased, unless it starts an acronym ("AI and data").

    >>> _lower_first("Construction"), _lower_first("AI and data economy")
    ('construction', 'AI and data economy')
    """
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def _ok(*values) -> bool:
    return all(v is not None and not (isinstance(v, float) and math.isnan(v)) and not pd.isna(v) for v in values)


# ----------------------------------------------------------------------------------------------- the findings
def _finding(text: str, table: str, chart: str | None, topic: str) -> dict:
    return {"text": text, "chart": chart, "table": table, "topic": topic}


def _card_row(card: pd.DataFrame | None, indicator: str) -> pd.Series | None:
    if card is None or "indicator" not in card:
        return None
    rows = card[card["indicator"] == indicator]
    return None if rows.empty else rows.iloc[0]


def _productivity(t: dict, name: str, code: str, noun: str) -> dict | None:
    head = t.get("headline")
    if head is None or name not in head.columns:
        return None
    rows = head[head["indicator"] == "gva-per-hour"]
    if rows.empty or not _ok(rows[name].iloc[0]):
        return None
    r = rows.iloc[0]
    value, year = float(r[name]), int(r["year"])
    gaps = []
    for col, label in (("England", "England"), ("UK", "the UK")):
        if col in head.columns and col != name and _ok(r[col]) and not (code == ENGLAND and col == "England"):
            gaps.append(_pct_gap(value, float(r[col]), label, "£{:,.2f}"))
    text = f"GVA per hour worked in {running_name(name)} was £{value:,.2f} in {year}"
    text += (": " + " and ".join(gaps) + ".") if gaps else "."
    card = _card_row(t.get("scorecard"), "gva-per-hour")
    if card is not None and _ok(card.get("rank"), card.get("of"), card.get("ranked_among")) \
            and int(card["year"]) == year and areatypes.get(t["_area_type"]).rank_among:
        among = str(card["ranked_among"])
        verb = "would rank" if t.get("_area_type") == "group" else "ranks"
        text += f" {_cap(noun)} {verb} {_ordinal(int(card['rank']))} of {int(card['of'])} {among} on this measure."
    return _finding(text, "headline", "gva-per-hour-trend", "productivity")


def _productivity_trend(t: dict, name: str, code: str, noun: str) -> dict | None:
    card = _card_row(t.get("scorecard"), "gva-per-hour")
    if card is None or not _ok(card.get("trend_5y"), card.get("trend_period")) \
            or not str(card.get("trend_basis", "")).startswith("% change"):
        return None
    grow, period = float(card["trend_5y"]), str(card["trend_period"]).replace("-", "–")
    verb = "rose" if grow >= 0 else "fell"
    text = f"Between {period.replace('–', ' and ')}, GVA per hour worked in {noun} {verb} {abs(grow):.1f}% in " \
           "current prices"
    eng = card.get("england_trend_5y")
    if code != ENGLAND and _ok(eng, card.get("value"), card.get("england_value")):
        eng = float(eng)
        text += f", against {eng:.1f}% in England"
        ratio_now = float(card["value"]) / float(card["england_value"])
        ratio_then = ratio_now * (1 + eng / 100) / (1 + grow / 100)
        now, then = ratio_now - 1, ratio_then - 1
        span = f" (from {abs(then):.1%} to {abs(now):.1%})"
        if abs(now - then) < HARDLY_CHANGED:
            side = lambda gap: f"{abs(gap):.1%} {'below' if gap < 0 else 'above'}"  # noqa: E731
            text += f", so its position against England hardly changed ({side(then)}, then {side(now)})"
        elif now < 0 and then < 0:
            text += f", so the gap to England {'widened' if now < then else 'narrowed'}{span}"
        elif now > 0 and then > 0:
            text += f", so its lead over England {'grew' if now > then else 'narrowed'}{span}"
        else:
            text += f", moving from {'below' if then < 0 else 'above'} England to {'above' if now > 0 else 'below'} it"
    return _finding(text + ".", "scorecard", "gva-per-hour-trend", "productivity trend")


def _decomposition(t: dict, name: str, code: str, noun: str) -> dict | None:
    dec = t.get("gva-per-head-decomposition")
    if dec is None or code == ENGLAND or dec.empty:
        return None
    total = dec[dec["part"].str.startswith("Total")]
    parts = dec[~dec["part"].str.startswith("Total")].dropna(subset=["log_points"])
    if total.empty or parts.empty or not _ok(total["log_points"].iloc[0]):
        return None
    lp, pct, year = float(total["log_points"].iloc[0]), float(total["percent"].iloc[0]), int(total["year"].iloc[0])
    if round(lp, 1) == 0:
        return None
    same = parts[parts["log_points"] * lp > 0]
    main = same.loc[same["log_points"].abs().idxmax()] if not same.empty else parts.loc[parts["log_points"].abs()
                                                                                            .idxmax()]
    others = [f"{_lower_first(p['part'])} ({_signed(p['log_points'])})"
              for _, p in parts.iterrows() if p["part"] != main["part"]]
    listed = others[0] if len(others) == 1 else ", ".join(others[:-1]) + " and " + others[-1] if others else ""
    text = (f"GVA per head in {noun} was {abs(pct):.1f}% {'below' if lp < 0 else 'above'} England's in {year} "
            f"({_signed(lp)} log points). The main driver is {_lower_first(main['part'])}, at "
            f"{_signed(main['log_points'])} log points" + (f"; the other parts are {listed}." if others else "."))
    return _finding(text, "gva-per-head-decomposition", "gva-per-head-decomposition", "GVA per head")


def _industry_mix(t: dict, name: str, code: str, noun: str) -> dict | None:
    mix = t.get("industry-mix")
    if mix is None or code == ENGLAND:
        return None
    total = mix[mix["industry_name"] == "All industries shown"]
    if total.empty:
        return None
    r = total.iloc[0]
    if not _ok(r["area_per_job"], r["england_per_job"], r["mix"], r["within"]):
        return None
    gap = float(r["area_per_job"]) - float(r["england_per_job"])
    bigger = "industry mix" if abs(r["mix"]) > abs(r["within"]) else "productivity within industries"
    text = (f"In {int(r['year'])}, GVA per job (balanced GVA over BRES jobs) was {_money(r['area_per_job'])} in "
            f"{noun} against {_money(r['england_per_job'])} in England: of the {_money(gap)} gap, industry mix "
            f"accounts for {_money(r['mix'])} and productivity within industries for {_money(r['within'])}, so "
            f"{bigger} is the larger part.")
    return _finding(text, "industry-mix", "industry-mix", "industry mix")


def _foundations(t: dict, name: str, code: str, noun: str) -> dict | None:
    card = t.get("scorecard")
    if card is None or code == ENGLAND or "status" not in card:
        return None
    valued = card[card["value"].notna()]
    status = valued["status"].astype(str)
    judged = valued[status.isin(["better than England", "similar to England", "worse than England"])]
    if judged.empty:
        return None
    rows = []
    order = list(dict.fromkeys(card["foundation"]))
    for f, g in judged.groupby("foundation", sort=False):
        s = g["status"].astype(str)
        n, better, worse = len(g), int((s == "better than England").sum()), int((s == "worse than England").sum())
        rows.append({"foundation": f, "n": n, "better": better, "worse": worse, "score": (better - worse) / n,
                     "better_share": better / n, "worse_share": worse / n, "order": order.index(f)})
    f = pd.DataFrame(rows)
    strong = f.sort_values(["score", "better_share", "order"], ascending=[False, False, True]).iloc[0]
    weak = f.sort_values(["score", "worse_share", "order"], ascending=[True, False, True]).iloc[0]
    if strong["foundation"] == weak["foundation"] or strong["score"] == weak["score"]:
        return None
    text = (f"Against England, {_possessive(noun)} strongest foundation is {strong['foundation']} (better on "
            f"{strong['better']} of its {strong['n']} compared indicators) and its weakest is {weak['foundation']} "
            f"(worse on {weak['worse']} of {weak['n']}).")
    return _finding(_cap(text), "scorecard", "scorecard-status", "foundations")


def _specialisations(t: dict, name: str, code: str, noun: str) -> dict | None:
    lq = t.get("gva-structure")
    if lq is None:
        return None
    if code == ENGLAND:
        return _largest_sections(lq, noun)
    ok = lq.dropna(subset=["lq", "share"])
    ok = ok[(ok["share"] >= MIN_SPECIALISATION_SHARE) & (ok["lq"] > 1)]
    if ok.empty:
        return None
    top = ok.sort_values("lq", ascending=False).head(3)
    year = int(top["year"].iloc[0])
    items = [f"{_lower_first(r['industry_name'])} ({'location quotient ' if i == 0 else ''}{r['lq']:.2f})"
             for i, (_, r) in enumerate(top.iterrows())]
    listed = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
    n = len(items)
    text = (f"By GVA in {year}, {noun} is most specialised relative to England in {listed}"
            f"{'' if n == 3 else f' (only {n} section' + ('s' if n > 1 else '') + ' with a location quotient above 1)'}"
            f"; sections under {MIN_SPECIALISATION_SHARE:.0%} of its GVA are left out.")
    return _finding(_cap(text), "gva-structure", "gva-lq-sections", "specialisation")


def _largest_sections(structure: pd.DataFrame, noun: str) -> dict | None:
    """England's own pack: every location quotient is 1, so its largest sections by share of GVA instead."""
    ok = structure.dropna(subset=["share"])
    if ok.empty:
        return None
    top = ok.sort_values("share", ascending=False).head(3)
    items = [f"{_lower_first(r['industry_name'])} ({100 * r['share']:.1f}%)" for _, r in top.iterrows()]
    listed = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
    text = f"By GVA in {int(top['year'].iloc[0])}, {_possessive(noun)} largest sections are {listed}."
    return _finding(text, "gva-structure", "gva-lq-sections", "specialisation")


def _grand_challenges(t: dict, name: str, code: str, noun: str) -> dict | None:
    gc = t.get("grand-challenges")
    if gc is None:
        return None
    if code == ENGLAND:
        ok = gc.dropna(subset=["share"])
        if ok.empty:
            return None
        items = [f"{_lower_first(r['sector'])} {100 * r['share']:.1f}%" for _, r in ok.iterrows()]
        text = (f"The Grand Challenge sectors' shares of {_possessive(noun)} GVA in {int(ok['year'].iloc[0])} "
                "(apportioned by employment, so approximate) are: " + "; ".join(items) + ".")
        return _finding(text, "grand-challenges", "grand-challenges-lq", "Grand Challenges")
    ok = gc.dropna(subset=["share", "england_share"])
    if ok.empty:
        return None
    year = int(ok["year"].iloc[0])
    items = [f"{_lower_first(r['sector'])} {100 * r['share']:.1f}% (England "
             f"{100 * r['england_share']:.1f}%)" for _, r in ok.iterrows()]
    below = int((ok["share"] < ok["england_share"]).sum())
    verdict = (f"below England's in all {len(ok)}" if below == len(ok) else
               f"above England's in all {len(ok)}" if below == 0 else
               f"below England's in {below} of {len(ok)}")
    text = (f"The Grand Challenge sectors' shares of {_possessive(noun)} GVA in {year} (apportioned by employment, "
            f"so approximate) are {verdict}: " + "; ".join(items) + ".")
    return _finding(text, "grand-challenges", "grand-challenges-lq", "Grand Challenges")


def _business(t: dict, name: str, code: str, noun: str) -> dict | None:
    bus = t.get("business")
    if bus is None or name not in bus.columns:
        return None
    rows = {m: bus[bus["metric"] == m] for m in ("business-birth-rate", "business-death-rate")}
    if any(r.empty or not _ok(r[name].iloc[0]) for r in rows.values()):
        return None
    birth, death = (rows[m].iloc[0] for m in ("business-birth-rate", "business-death-rate"))
    period = str(birth["period"])
    if str(death["period"]) != period:
        return None
    b, d = float(birth[name]), float(death[name])
    text = (f"In {period}, {b:.1f} enterprises were born and {d:.1f} died per 100 active enterprises in {noun}")
    if code != ENGLAND and "England" in bus.columns and _ok(birth["England"], death["England"]):
        text += f" (England: {float(birth['England']):.1f} and {float(death['England']):.1f})"
    net = ("more closed than opened" if round(d, 1) > round(b, 1) else
           "more opened than closed" if round(b, 1) > round(d, 1) else "as many closed as opened")
    return _finding(f"{text}: {net}.", "business", "business-birth-rate", "business dynamics")


def _scenario(t: dict, name: str, code: str, noun: str) -> dict | None:
    sc = t.get("trend-scenario")
    if sc is None:
        return None
    sc = sc[sc["area_code"] == code]
    if "reading" in sc:
        sc = sc[sc["reading"] == "chosen"]
    by = {m: sc[sc["measure"] == m].iloc[0] for m in ("jobs", "gva", "gva_per_job") if (sc["measure"] == m).any()}
    if "jobs" not in by or "gva" not in by or not _ok(by["jobs"]["horizon_value"], by["gva"]["horizon_value"]):
        return None
    j, g = by["jobs"], by["gva"]
    prices = str(g.get("prices") or "") if _ok(g.get("prices")) else ""
    gva_what = f"GVA in {prices}" if prices else "GVA"
    text = (f"Carried forward at its own past growth rates, {noun} would have {j['horizon_value']:,.0f} filled jobs "
            f"in {int(j['horizon'])} ({_signed(j['change'], '{:,.0f}')} on {int(j['base_year'])}, "
            f"{signed_pct(j['cagr'])} a year) and {gbp_millions(g['horizon_value'])} of {gva_what} "
            f"({_signed(100 * g['cagr'], '{:.2f}')}% a year)")
    pj = by.get("gva_per_job")
    if pj is not None and _ok(pj["cagr"]):
        text += (f", so real GVA per filled job would {'rise' if pj['cagr'] > 0 else 'fall'} "
                 f"{abs(100 * pj['cagr']):.2f}% a year" if prices else "")
    text += ". This is a projection of the past, not a forecast."
    return _finding(_cap(text), "trend-scenario", "trend-gva", "scenario")


def _arc_scenarios(t: dict, name: str, code: str, noun: str) -> dict | None:
    arc = t.get("arc-scenarios")
    if arc is None:
        return None
    arc = arc[(arc["area_code"] == code) & (arc["reading"] == "chosen")]
    row = {(r["scenario"], r["measure"]): r for _, r in arc.iterrows()}
    need = [("arc-trend", "jobs"), ("arc-trend", "gva"), ("arc-transformational", "jobs"),
            ("arc-transformational", "gva")]
    if any(k not in row for k in need) or not _ok(*(row[k]["horizon_value"] for k in need),
                                                   row[need[2]]["vs_trend"], row[need[3]]["vs_trend"]):
        return None
    tj, tg, xj, xg = (row[k] for k in need)
    prices = f" in {tg['prices']}" if _ok(tg.get("prices")) else ""
    whose = "the" if code == ARC else "its share of the"  # an area inside the Arc gets a share of the Arc's figures
    text = (f"On {whose} National Infrastructure Commission's Arc scenarios, {noun} would have "
            f"{tj['horizon_value']:,.0f} filled jobs in {int(tj['horizon'])} on trend "
            f"({_signed(tj['change'], '{:,.0f}')} on {int(tj['base_year'])}) and {gbp_millions(tg['horizon_value'])} "
            f"of GVA{prices}; the transformational scenario adds a further {xj['vs_trend']:,.0f} jobs and "
            f"{gbp_millions(xg['vs_trend'])} of GVA to the trend.")
    return _finding(_cap(text), "arc-scenarios", "arc-jobs", "Arc scenarios")


_FINDINGS = (_productivity, _productivity_trend, _decomposition, _industry_mix, _foundations, _specialisations,
             _grand_challenges, _business, _arc_scenarios, _scenario)


def key_findings(tables: Sequence[tuple[str, pd.DataFrame, dict]], area, vintage: int, *,
                 kind: str | areatypes.AreaType, charts: Collection[str] | None = None) -> list[dict]:
    """The pack's key findings: up to ten sentences computed from its tables, each with the chart that shows it.

    Parameters
    ----------
    tables : sequence of (key, DataFrame, meta)
        The pack's registered tables (:func:`evidence.pack.report._tables`).
    area : geography.Area
        The pack's area (``code``, ``name``).
    vintage : int
        The LEP vintage of the pack (the tables already hold it; kept for the record).
    kind : str or AreaType
        The area's type: it decides how the text names the area after its first mention ("the district", "the
        combined authority", "the Arc") and what is compared (England's own pack: the UK only).
    charts : collection of str, optional
        The chart keys the pack has; a finding whose chart is not among them links to none (``chart`` None).

    Returns
    -------
    list of dict
        ``{"text", "chart", "table", "topic"}`` per finding, in the order of the module docstring. A topic whose
        table is missing or holds no value for the area is left out, so the list may be short, or empty for an
        area without data (an area outside England).

    Examples
    --------
    >>> from evidence.geography import Area
    >>> business = pd.DataFrame({"metric": ["business-birth-rate", "business-death-rate"], "period": ["2024"] * 2,
    ...                          "Fylde": [9.0, 10.04], "England": [11.2, 9.9]})
    >>> found = key_findings([("business", business, {})], Area("E07000119", "Fylde", "lad"), 2021, kind="lad")
    >>> found[0]["text"][:70], found[0]["chart"]
    ('In 2024, 9.0 enterprises were born and 10.0 died per 100 active enterp', 'business-birth-rate')
    """
    key = kind if isinstance(kind, str) else kind.key
    noun = area_noun(key, area.name)
    t = {k: df for k, df, _ in tables}
    t["_area_type"] = key
    out = []
    for fn in _FINDINGS:
        found = fn(t, area.name, area.code, noun)
        if found is None:
            continue
        if charts is not None and found["chart"] not in charts:
            found["chart"] = None
        out.append(found)
    return out


def markdown(findings: Sequence[dict]) -> list[str]:
    """The findings as Markdown list items, each linked to its chart's anchor (``#chart-<key>``) where it has one.

    >>> markdown([{"text": "A *b*.", "chart": "c", "table": "t", "topic": "x"},
    ...           {"text": "D.", "chart": None, "table": "t", "topic": "x"}])
    ['- [A \\\\*b\\\\*.](#chart-c)', '- D.']
    """
    from .formats import escape_markdown

    return [f"- [{escape_markdown(f['text'])}](#chart-{f['chart']})" if f.get("chart") else
            f"- {escape_markdown(f['text'])}" for f in findings]


__all__ = ["MIN_SPECIALISATION_SHARE", "area_noun", "key_findings", "markdown"]
