"""Every chart the packs draw keeps all its text inside the figure, at any area name's length.

Each chart function is drawn with the longest LEP (2017 and 2021), combined authority and district names, and
a 120-character synthetic name, on small hand-written frames shaped like the ones the theme notebooks pass.
After ``fig.canvas.draw()`` every visible text artist's window extent must lie inside the figure's bbox
(1 px allowed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from evidence import geography, provenance
from evidence.pack import charts

SYNTHETIC = ("The Very Long Combined Authority of Northshire, Southshire, Eastshire, Westshire and the "
             "Middle Marches Upon Thames Vale")[:120]
#: The same length in the widest capitals, which a count of characters underestimates.
WIDE = ("WOMBWELL, WEYMOUTH AND MALMESBURY MOORLANDS WITH WHITWORTH, WOMBOURNE AND "
        "MIDDLEHAM MARSHES OF WESTWARD HO! NORTHUMBERLAND")[:120]
assert len(SYNTHETIC) == len(WIDE) == 120


def _longest(type_: str, vintage: int) -> str:
    names = geography.areas(type=type_, vintage=vintage)["area_name"]
    return max(names, key=len)


NAMES = {
    "lep-2017": _longest("lep", 2017),
    "lep-2021": _longest("lep", 2021),
    "ca": _longest("ca", 2021),
    "lad": _longest("lad", 2021),
    "synthetic": SYNTHETIC,
    "synthetic-wide": WIDE,
}

SOURCE = {"publisher": "ONS", "title": "Subregional productivity: labour productivity indices by local authority "
          "district and enterprise region", "release": "June 2025 release", "url": "https://www.ons.gov.uk/x",
          "licence": "Open Government Licence v3.0", "sha256": "0" * 64, "date": "2025-06-26"}


def _with_source(df: pd.DataFrame) -> pd.DataFrame:
    provenance.attach(df, [dict(SOURCE), dict(SOURCE, title="Regional gross value added (balanced) by industry: "
                                              "local authorities by ITL1 region", release="April 2025")])
    return df


def outside(fig) -> list[str]:
    """The text artists (as ``'text' @ extent``) that lie outside the figure by more than 1 px."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    # matplotlib keeps tick artists for locations outside the view limits but does not draw them
    undrawn = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if not ax.axison:  # set_axis_off(): no ticks, tick labels or axis labels are drawn
                undrawn.update(id(t) for t in axis.findobj(lambda a: hasattr(a, "get_text")))
                continue
            lo, hi = sorted(axis.get_view_interval())
            span = (hi - lo) or 1.0
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                if not lo - 1e-9 * span <= tick.get_loc() <= hi + 1e-9 * span:
                    undrawn.update({id(tick.label1), id(tick.label2)})
    bad = []
    for t in fig.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_window_extent")):
        if not t.get_visible() or not t.get_text().strip() or id(t) in undrawn:
            continue
        e = t.get_window_extent(renderer)
        if e.x0 < box.x0 - 1 or e.y0 < box.y0 - 1 or e.x1 > box.x1 + 1 or e.y1 > box.y1 + 1:
            bad.append(f"{t.get_text()[:40]!r} @ {tuple(round(v) for v in e.extents)} in {tuple(box.extents)}")
    return bad


def _trend_frame(name: str) -> pd.DataFrame:
    years = list(range(2004, 2024))
    rows = [{"area_code": c, "area_name": n, "year": y, "value": v + 0.5 * i, "unit": "£"}
            for c, n, v in (("E37000099", name, 30.0), ("E92000001", "England", 32.0), ("UKX", "UK", 31.0))
            for i, y in enumerate(years)]
    return _with_source(pd.DataFrame(rows))


def _lq_frame(label: str, n: int = 18) -> pd.DataFrame:
    names = ["Professional, scientific and technical activities; administrative and support service activities",
             "Wholesale and retail trade; repair of motor vehicles and motorcycles", "Manufacturing",
             "Electricity, gas, steam and air conditioning supply"] * 5
    return _with_source(pd.DataFrame({label: names[:n], "lq": np.linspace(0.3, 2.4, n),
                                      "industry": list("ABCDEFGHIJKLMNOPQRS")[:n]}))


def _scenario_frame(name: str) -> pd.DataFrame:
    years = list(range(2023, 2051))
    rows = []
    for sc, growth in (("arc-trend", 0.005), ("arc-transformational", 0.012)):
        for m, base in (("jobs", 280_000.0), ("gva", 21_000.0)):
            for y in years:
                rows.append({"scenario": sc, "reading": "chosen", "area_code": "E37000099", "area_name": name,
                             "year": y, "measure": m, "value": base * (1 + growth) ** (y - 2023),
                             "prices": "2023 prices" if m == "gva" else None})
    return _with_source(pd.DataFrame(rows))


def _draw(kind: str, name: str):
    if kind == "line_trend":
        df = _trend_frame(name)
        return charts.line_trend(df, title=f"GVA per hour worked in {name} is 12% above the UK (2023)",
                                 ylabel="£ per hour worked (current prices)", highlight=name)
    if kind == "ranked_bars":
        labels = [f"{i}. Cornwall and Isles of Scilly" for i in range(1, 38)] + [f"38. {name}"]
        df = _with_source(pd.DataFrame({"area_code": [f"E370000{i:02d}" for i in range(38)], "label": labels,
                                        "value": np.linspace(30, 55, 38)}))
        return charts.ranked_bars(df, title=f"{name} ranks 38 of 38 LEPs (2017 geography) on GVA per hour worked "
                                  "in 2023.", xlabel="£ per hour worked", label="label", highlight_code="E37000037")
    if kind == "bars":
        df = _with_source(pd.DataFrame({"part": ["Productivity (GVA per hour worked)", "Hours per job",
                                                 "Jobs per resident", "Total"], "log_points": [8.0, -2.0, 5.0, 11.0]}))
        return charts.bars(df, title=f"GVA per head in {name} is 12% above England; productivity contributes most "
                           "to the difference", ylabel="Log points against England", label="part", value="log_points")
    if kind == "bars-scorecard":
        labels = [f"{f}: {s}" for f in ("Ideas", "People", "Infrastructure", "Business environment", "Places")
                  for s in ("better", "similar", "worse", "no comparison")]
        df = _with_source(pd.DataFrame({"label": labels, "count": np.arange(len(labels)) % 5 + 1}))
        return charts.bars(df, title=f"{name}: 12 of 30 indicators with values are better than England, 8 similar, "
                           "10 worse", ylabel="Indicators", label="label", value="count")
    if kind == "mix_bars":
        df = _lq_frame("industry_name", 12).assign(mix=np.linspace(-900, 1200, 12), within=np.linspace(700, -300, 12))
        df.attrs["caveats"] = ["Industry mix: the gap if each industry had England's GVA per job, at the area's "
                               "shares of jobs; within: the rest."]
        return charts.mix_bars(df, title=f"{name}'s gap in GVA per job to England, 2023: mostly productivity "
                               "within industries")
    if kind == "bubble":
        df = _with_source(pd.DataFrame({"industry": list("ABCDEFGHIJKLMNOPQRS"), "lq": np.linspace(0.1, 3.5, 19),
                                        "growth_cagr": np.linspace(-0.06, 0.09, 19), "size": np.linspace(50, 900, 19),
                                        "national_growth_cagr": 0.03}))
        return charts.bubble(df, title=f"Growth against specialisation in {name}, 2013–2023 (nominal GVA)")
    if kind == "lq_bars":
        return charts.lq_bars(_lq_frame("industry_name"), title=f"{name} is most specialised, by GVA, in "
                              "Information and communication, Real estate activities and Manufacturing")
    if kind == "category_comparison":
        occ = ["Managers, directors and senior officials", "Professional occupations",
               "Associate professional and technical occupations", "Administrative and secretarial occupations",
               "Skilled trades occupations", "Caring, leisure and other service occupations",
               "Sales and customer service occupations", "Process, plant and machine operatives",
               "Elementary occupations"]
        df = _with_source(pd.DataFrame({"occupation": occ, name: np.linspace(5, 25, 9),
                                        "lower 95%": np.linspace(4, 23, 9), "upper 95%": np.linspace(6, 27, 9),
                                        "England": np.linspace(6, 20, 9)}))
        df.loc[3, name] = np.nan
        return charts.category_comparison(df, title=f"55.0% of employed residents of {name} work in the top three "
                                          "occupation groups, 5.1 points above England (2023)",
                                          xlabel="% of employed residents (aged 16+)", category="occupation", area=name)
    if kind in ("scenario_lines-jobs", "scenario_lines-gva"):
        return charts.scenario_lines(_scenario_frame(name), measure=kind.split("-")[1])
    if kind == "waterfall":
        from evidence import scenarios

        traj = _scenario_frame(name)
        traj = pd.concat([traj, traj[traj["measure"] == "jobs"].assign(
            measure="gva_per_job", value=lambda d: 75_000.0)], ignore_index=True)
        return charts.waterfall(scenarios.decompose(_with_source(traj), scenario="arc-transformational"))
    if kind in ("area_map", "area_map-shaded"):
        gpd = pytest.importorskip("geopandas")
        from shapely.geometry import box

        cells = [(f"E0600{i:04d}", box(i % 6, i // 6, i % 6 + 1, i // 6 + 1)) for i in range(36)]
        lads = gpd.GeoDataFrame({"area_code": [c for c, _ in cells]}, geometry=[g for _, g in cells], crs="EPSG:27700")
        lads = _with_source(lads)
        shade = pd.Series(np.linspace(28, 84, 36), index=lads["area_code"]) if kind == "area_map-shaded" else None
        return charts.area_map(lads, highlight=list(lads["area_code"][:4]), context=lads, shade=shade,
                               shade_label="GVA per hour worked (£)",
                               title=f"GVA per hour worked by district, 2023: {name} (outlined) and the districts "
                               "of Yorkshire and The Humber")
    raise AssertionError(kind)


KINDS = ["line_trend", "ranked_bars", "bars", "bars-scorecard", "mix_bars", "bubble", "lq_bars",
         "category_comparison", "scenario_lines-jobs", "scenario_lines-gva", "waterfall", "area_map",
         "area_map-shaded"]


@pytest.mark.parametrize("which", list(NAMES))
@pytest.mark.parametrize("kind", KINDS)
def test_every_text_lies_inside_the_figure(kind, which):
    fig = _draw(kind, NAMES[which])
    assert outside(fig) == []


def test_the_longest_names_are_the_ones_tested():
    # read off the shipped geography: the longest names an evidence pack can carry in its titles
    assert NAMES["lep-2017"] == "Derby, Derbyshire, Nottingham and Nottinghamshire"
    assert len(NAMES["lad"]) >= 36


# ------------------------------------------------------------------- titles and legends name things as people do
def test_scenario_legends_use_the_scenarios_labels_not_their_keys():
    fig = charts.scenario_lines(_scenario_frame("Lancashire"), measure="jobs")
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["Arc: trend", "Arc: transformational"]
    wf_title = _draw("waterfall", "Lancashire").axes[0].get_title(loc="left").replace("\n", " ")
    assert "(Arc: transformational)" in wf_title and "arc-" not in wf_title


def test_the_arc_charts_of_a_2017_pack_are_titled_with_the_2017_name(raw_data_dir):
    from evidence.pack import themes
    from evidence.pack.notebook import Context

    area = geography.resolve("BTVLEP", vintage=2017)
    ctx = Context(area=area, vintage=2017, year=2023, comparators=["England", "UK"])
    assert ctx.name == "Buckinghamshire Thames Valley"  # the E37000003 of 2017; "Buckinghamshire" at 2021
    arc = themes.arc_scenarios(ctx)
    for measure in ("jobs", "gva"):
        title = charts.scenario_lines(arc, measure=measure).axes[0].get_title(loc="left").replace("\n", " ")
        assert title.startswith("Buckinghamshire Thames Valley: ")
    trend = themes.own_trend(ctx)
    assert set(trend.loc[trend["area_code"] == area.code, "area_name"]) == {"Buckinghamshire Thames Valley"}


# ------------------------------------------------------------------------- tables: a caption and units
def test_a_shown_table_has_its_title_as_caption_and_its_unit_in_the_headers():
    from evidence.pack.notebook import _text_table

    df = pd.DataFrame({"industry": ["C"], "start_value": [1200.0], "change": [-35.5], "lq": [1.25]})
    df.attrs["unit"] = "£ million"
    styler, plain = _text_table("t", df, "Shift-share <of> GVA, 2013–2023")
    html = styler.to_html()
    assert "<caption>Shift-share &lt;of&gt; GVA, 2013–2023</caption>" in html
    head = plain.splitlines()[1].split("\t")
    assert head == ["Industry code", "Start value (£ million)", "Change (£ million)", "LQ"]


def test_a_figure_s_alt_text_is_the_finding_passed_and_defaults_to_its_title(monkeypatch):
    import IPython.display

    from evidence.pack.notebook import Context

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, metadata=None: shown.append(metadata))
    ctx = Context(area=geography.resolve("Lancashire"), vintage=2021, year=2023, comparators=["England"])
    ctx.figure("scenario", charts.scenario_lines(_scenario_frame("Lancashire"), measure="jobs"))
    ctx.figure("t", _draw("line_trend", "Lancashire"), alt="GVA per hour worked in Lancashire was\n£37.00 in 2023.")
    assert shown[0]["image/png"]["alt"].startswith("Lancashire: filled jobs rise from 0.28m in 2023")
    assert shown[1]["image/png"] == {"alt": "GVA per hour worked in Lancashire was £37.00 in 2023.", "key": "t"}
