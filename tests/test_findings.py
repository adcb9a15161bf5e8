"""Key findings (evidence.pack.findings): wording by area type, links to charts, missing data, and the reference
pack."""

from __future__ import annotations

import json
import re

import openpyxl
import pandas as pd
import pytest

from evidence.geography import Area
from evidence.pack import consistency, findings
from evidence.pack.report import build_pack, drop_sections, notebooks_dir

# ----------------------------------------------------------------------------------------------- small tables
HEADLINE = pd.DataFrame({"indicator": ["gva-per-hour"], "unit": ["£ per hour"], "year": [2023],
                         "Fylde": [40.0], "England": [50.0], "UK": [40.0]})
BUSINESS = pd.DataFrame({"metric": ["business-birth-rate", "business-death-rate"], "period": ["2024", "2024"],
                         "Fylde": [12.04, 9.96], "England": [11.2, 9.9]})
CARD = pd.DataFrame({
    "foundation": ["Ideas", "Ideas", "People", "People", "Places", "Places"],
    "indicator": ["gva-per-hour", "x1", "x2", "x3", "x4", "x5"],
    "value": [40.0, 1.0, 1.0, 1.0, 1.0, None],
    "year": [2023] * 6,
    "status": ["worse than England", "worse than England", "better than England", "similar to England",
               "better than England", "no comparison"],
    "rank": [30, None, None, None, None, None], "of": [296, None, None, None, None, None],
    "ranked_among": ["districts", None, None, None, None, None],
    "trend_5y": [10.0, None, None, None, None, None], "trend_period": ["2018-2023", None, None, None, None, None],
    "trend_basis": ["% change"] + [None] * 5, "england_trend_5y": [20.0] + [None] * 5,
    "england_value": [50.0] + [None] * 5,
})
LQ = pd.DataFrame({"industry_name": ["Manufacturing", "Construction", "Real estate activities", "Education",
                                     "Activities of households"],
                   "year": [2023] * 5, "share": [0.2, 0.1, 0.05, 0.3, 0.005], "lq": [2.0, 1.5, 1.2, 0.9, 3.0]})


def _tables(**frames):
    return [(k.replace("_", "-"), v, {}) for k, v in frames.items()]


def _texts(tables, area, kind, **kw):
    return [f["text"] for f in findings.key_findings(tables, area, 2021, kind=kind, **kw)]


def test_productivity_gap_and_rank_are_computed_and_worded_for_a_district():
    out = findings.key_findings(_tables(headline=HEADLINE, scorecard=CARD), Area("E07000119", "Fylde", "lad"),
                                2021, kind="lad")
    # 40 / 50 - 1 = -20.0% against England; 40 / 40 = the UK's level exactly
    assert out[0]["text"] == ("GVA per hour worked in Fylde was £40.00 in 2023: 20.0% below England (£50.00) and "
                              "level with the UK (£40.00). The district ranks 30th of 296 districts on this measure.")
    assert out[0]["chart"] == "gva-per-hour-trend" and out[0]["table"] == "headline"
    # 5 years: the district +10%, England +20%: the ratio was 0.8 * 1.2 / 1.1 = 0.873, now 0.8: the gap widened
    assert out[1]["text"] == ("Between 2018 and 2023, GVA per hour worked in the district rose 10.0% in current "
                              "prices, against 20.0% in England, so the gap to England widened (from 12.7% to 20.0%).")


@pytest.mark.parametrize(("area", "noun"), [
    (Area("E47000001", "Greater Manchester", "ca"), "the combined authority"),
    (Area("E12000002", "North West", "region"), "the region"),
    (Area("GRP-OXCAM", "Oxford–Cambridge Arc", "group"), "the Arc"),
    (Area("TLJ14", "Bucks", "itl3"), "the ITL3 area"),
    (Area("E37000043", "Bucks", "lep"), "the LEP"),
])
def test_wording_follows_the_area_type(area, noun):
    business = BUSINESS.rename(columns={"Fylde": area.name})
    (text,) = _texts(_tables(business=business), area, area.type)
    # 12.04 and 9.96 per 100 printed to one decimal; births above deaths
    assert text == (f"In 2024, 12.0 enterprises were born and 10.0 died per 100 active enterprises in {noun} "
                    "(England: 11.2 and 9.9): more opened than closed.")


def test_englands_own_pack_compares_with_the_uk_only():
    head = HEADLINE.rename(columns={"Fylde": "England_x"}).drop(columns="England").rename(
        columns={"England_x": "England"})
    out = _texts(_tables(headline=head, scorecard=CARD, gva_structure=LQ), Area("E92000001", "England", "country"),
                 "country")
    assert out[0] == "GVA per hour worked in England was £40.00 in 2023: level with the UK (£40.00)."
    # no gap, verdict or LQ against itself
    assert not any("England's in" in t or "relative to England" in t or "strongest" in t for t in out)


def test_strongest_and_weakest_foundation_and_top_specialisations():
    texts = _texts(_tables(scorecard=CARD, gva_structure=LQ), Area("E07000119", "Fylde", "lad"), "lad")
    # People: 1 better, 1 similar -> +0.5; Places: 1 better of 1 -> +1; Ideas: 2 worse of 2 -> -1
    assert ("Against England, the district's strongest foundation is Places (better on 1 of its 1 compared "
            "indicators) and its weakest is Ideas (worse on 2 of 2).") in texts
    # households (LQ 3.0) is under 1% of GVA and education's LQ is below 1: the top three are 2.0, 1.5, 1.2
    spec = next(t for t in texts if "specialised" in t)
    assert "manufacturing (location quotient 2.00), construction (1.50) and real estate activities (1.20)" in spec
    assert "households" not in spec


def test_missing_tables_and_values_leave_findings_out():
    area = Area("S12000036", "Edinburgh", "lad")
    assert findings.key_findings([], area, 2021, kind="lad") == []
    empty = HEADLINE.rename(columns={"Fylde": "Edinburgh"}).assign(Edinburgh=float("nan"))
    nan_business = BUSINESS.rename(columns={"Fylde": "Edinburgh"}).assign(Edinburgh=[float("nan"), 9.9])
    assert findings.key_findings(_tables(headline=empty, business=nan_business), area, 2021, kind="lad") == []


def test_links_only_to_charts_the_pack_has():
    area = Area("E07000119", "Fylde", "lad")
    out = findings.key_findings(_tables(headline=HEADLINE, business=BUSINESS), area, 2021, kind="lad",
                                charts={"business-birth-rate"})
    assert [f["chart"] for f in out] == [None, "business-birth-rate"]
    md = findings.markdown(out)
    assert md[0].startswith("- GVA per hour") and md[1].startswith("- [In 2024") and \
        md[1].endswith("](#chart-business-birth-rate)")


def test_drop_sections_removes_heading_and_body(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 06"), nbformat.v4.new_markdown_cell("## Keep\n\ntext"),
        nbformat.v4.new_code_cell("1"), nbformat.v4.new_markdown_cell("## A family of strategies\n\nabout"),
        nbformat.v4.new_code_cell("2"), nbformat.v4.new_markdown_cell("## After"), nbformat.v4.new_code_cell("3")])
    path = tmp_path / "06.ipynb"
    nbformat.write(nb, path)
    drop_sections([path], ["A family of strategies"])
    assert [c.source for c in nbformat.read(path, as_version=4).cells] == ["# 06", "## Keep\n\ntext", "1", "## After",
                                                                           "3"]


def test_every_not_applicable_section_names_a_heading():
    for path in sorted(notebooks_dir().glob("0*.ipynb")):
        nb = json.loads(path.read_text())
        headings = {m.group(1).strip() for c in nb["cells"] if c["cell_type"] == "markdown"
                    for m in re.finditer(r"^##\s+(.*)$", "".join(c["source"]), re.M)}
        for c in nb["cells"]:
            for name in re.findall(r'ctx\.not_applicable\("([^"]+)"', "".join(c["source"])):
                assert name in headings, (path.name, name)


# ----------------------------------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def reference_pack(tmp_path_factory, shared_data):
    nbs = [notebooks_dir() / n for n in ("01-overview.ipynb", "05-business.ipynb", "06-scorecard.ipynb")]
    return build_pack("Buckinghamshire Thames Valley", out=tmp_path_factory.mktemp("packs"), notebooks=nbs)


def test_reference_pack_findings_read_off_the_official_tables(reference_pack, shared_data):
    manifest = json.loads((reference_pack / "pack.json").read_text())
    texts = [f["text"] for f in manifest["key_findings"]]
    # ONS Subregional Productivity (June 2025), sheet A3 (smoothed £ per hour): Buckinghamshire E06000060 and the UK
    a3 = pd.read_excel(shared_data / "productivity" / "labourproductivitylad1.xls", sheet_name="A3", header=4)
    bucks = a3.loc[a3["LAD_Code"] == "E06000060", "Pounds_2023"].item()
    uk = a3.loc[a3["LAD_Code"] == "UKX", "Pounds_2023"].item()
    assert (bucks, uk) == (40.15, 41.87)
    assert texts[0].startswith(f"GVA per hour worked in Buckinghamshire was £{bucks:.2f} in 2023: ")
    assert f"{100 * (1 - bucks / uk):.1f}% below the UK (£{uk:.2f})" in texts[0]  # 4.1%
    assert "The LEP ranks 14th of 38 LEPs (2021 geography)" in texts[0]
    assert any(t.startswith("Against England, the LEP's strongest foundation is People") for t in texts)
    assert any(t.startswith("In 2024, 9.4 enterprises were born and 10.7 died per 100 active enterprises in the "
                            "LEP") for t in texts)
    assert manifest["headline"]["gva-per-hour"]["value"] == bucks
    consistency.check(reference_pack)  # the findings agree with the headline table and pack.json
    assert any(q == "key findings" for q in consistency.collect(reference_pack)["where"])
    # the family of strategies and the distance to ambitions do not apply to a LEP without targets
    assert [o["section"] for o in manifest["omitted"]] == ["Distance to the ambitions", "A family of strategies"]
    html = next(reference_pack.glob("*.html")).read_text()
    assert html.index('id="key-findings"') < html.index('id="contents"')
    assert "## A family of strategies" not in html and 'id="A-family-of-strategies"' not in html
    wb = openpyxl.load_workbook(next(reference_pack.glob("*.xlsx")), read_only=True)
    assert wb.sheetnames[0] == "Summary"
    rows = [r for r in wb["Summary"].iter_rows(values_only=True)]
    assert ("Area", "Buckinghamshire") in rows and any(r[1] == texts[0] for r in rows)


def test_arc_section_only_in_arc_packs(tmp_path, shared_data):
    nbs = [notebooks_dir() / "07-scenarios.ipynb"]
    blackpool = build_pack("E06000009", out=tmp_path, notebooks=nbs)
    manifest = json.loads((blackpool / "pack.json").read_text())
    assert manifest["omitted"] == [{"section": "The Oxford–Cambridge Arc scenarios",
                                    "reason": "Blackpool is not part of the Oxford–Cambridge Arc, so the Arc "
                                              "scenarios do not apply."}]
    assert not any(c.startswith("arc-") for c in manifest["charts"])
    html = (blackpool / f"{blackpool.name}.html").read_text()
    # only the appendix line names it: no heading, no entry in the contents
    assert not re.search(r"<h[2-4][^>]*>The Oxford–Cambridge Arc scenarios", html)
    assert html.count("The Oxford–Cambridge Arc scenarios") == 1 and "Sections left out" in html
    executed = (blackpool / "notebooks" / "07-scenarios.ipynb").read_text()
    assert "## The Oxford–Cambridge Arc scenarios" not in executed and "## A trend on the area" in executed
    arc = build_pack("GRP-OXCAM", out=tmp_path, notebooks=nbs)
    manifest = json.loads((arc / "pack.json").read_text())
    assert manifest["omitted"] == [] and {"arc-jobs", "arc-gva"} <= set(manifest["charts"])
    html = (arc / f"{arc.name}.html").read_text()
    assert re.search(r"<h[2-4][^>]*>The Oxford–Cambridge Arc scenarios", html)
    assert "Sections left out" not in html


def test_a_gap_that_moved_by_less_than_half_a_point_hardly_changed():
    # the district +19.5%, England +20%: the ratio was 0.8 * 1.2 / 1.195 = 0.8033, now 0.8: 19.7% → 20.0% below
    card = CARD.assign(trend_5y=[19.5] + [None] * 5)
    out = findings.key_findings(_tables(headline=HEADLINE, scorecard=card), Area("E07000119", "Fylde", "lad"),
                                2021, kind="lad")
    assert out[1]["text"] == ("Between 2018 and 2023, GVA per hour worked in the district rose 19.5% in current "
                              "prices, against 20.0% in England, so its position against England hardly changed "
                              "(19.7% below, then 20.0% below).")


@pytest.mark.parametrize(("name", "kind", "expected"), [
    ("North West", "region", "GVA per hour worked in the North West was"),
    ("Oxford–Cambridge Arc", "group", "GVA per hour worked in the Oxford–Cambridge Arc was"),
    ("Liverpool City Region", "lep", "GVA per hour worked in the Liverpool City Region was"),
    ("Yorkshire and The Humber", "region", "GVA per hour worked in Yorkshire and The Humber was"),
    ("North Devon", "lad", "GVA per hour worked in North Devon was"),
])
def test_names_read_with_their_article_in_a_sentence(name, kind, expected):
    head = HEADLINE.rename(columns={"Fylde": name})
    out = findings.key_findings(_tables(headline=head), Area("E00000000", name, kind), 2021, kind=kind)
    assert out[0]["text"].startswith(expected)


def test_england_names_its_largest_sections_and_its_grand_challenge_shares():
    gc = pd.DataFrame({"sector": ["AI and data economy", "Clean growth"], "year": [2023, 2023],
                       "share": [0.0516, 0.0237], "england_share": [0.0516, 0.0237]})
    texts = _texts(_tables(gva_structure=LQ.assign(lq=1.0), grand_challenges=gc),
                   Area("E92000001", "England", "country"), "country")
    # shares 0.3, 0.2, 0.1 are the three largest of LQ's five sections
    assert texts == ["By GVA in 2023, England's largest sections are education (30.0%), manufacturing (20.0%) and "
                     "construction (10.0%).",
                     "The Grand Challenge sectors' shares of England's GVA in 2023 (apportioned by employment, so "
                     "approximate) are: AI and data economy 5.2%; clean growth 2.4%."]


def test_a_section_built_on_one_that_does_not_apply_is_left_out_too(tmp_path):
    from evidence.errors import NotApplicableError
    from evidence.pack.notebook import OMITTED_FILE, Context

    ctx = Context(area=Area("E92000001", "England", "country"), vintage=2021, year=2023, comparators=[],
                  pack_dir=tmp_path)
    with ctx.covered("The scorecard"):
        raise NotApplicableError("England is the reference.")
    with ctx.covered("Monitoring baseline"):
        card  # noqa: B018, F821 - never assigned: the scorecard above did not apply
    assert json.loads((tmp_path / OMITTED_FILE).read_text()) == [
        {"section": "The scorecard", "reason": "England is the reference."},
        {"section": "Monitoring baseline",
         "reason": "It is built on “The scorecard”, which does not apply to England."}]
    with pytest.raises(NameError), ctx.covered("Unrelated"):
        ctx.unavailable.clear(), ctx.left_out.clear(), undefined_name  # noqa: B018, F821


def test_the_arc_scenarios_are_a_finding_for_an_area_of_the_arc():
    rows = [("arc-trend", "jobs", None, 2_110_860, 2_445_860, 335_000, None),
            ("arc-trend", "gva", "2023 prices", 143_099.0, 260_763.1, 117_664.1, None),
            ("arc-transformational", "jobs", None, 2_110_860, 3_145_860, 1_035_000, 700_000),
            ("arc-transformational", "gva", "2023 prices", 143_099.0, 368_737.2, 225_638.2, 107_974.1)]
    arc = pd.DataFrame(rows, columns=["scenario", "measure", "prices", "base_value", "horizon_value", "change",
                                      "vs_trend"]).assign(reading="chosen", area_code="GRP-OXCAM", base_year=2023,
                                                          horizon=2050)
    texts = _texts(_tables(arc_scenarios=arc), Area("GRP-OXCAM", "Oxford–Cambridge Arc", "group"), "group")
    assert texts == ["On the National Infrastructure Commission's Arc scenarios, the Arc would have 2,445,860 filled "
                     "jobs in 2050 on trend (+335,000 on 2023) and £260.8bn of GVA in 2023 prices; the "
                     "transformational scenario adds a further 700,000 jobs and £108.0bn of GVA to the trend."]
    assert _texts(_tables(arc_scenarios=arc), Area("E06000009", "Blackpool", "lad"), "lad") == []
    bucks = _texts(_tables(arc_scenarios=arc.assign(area_code="E37000043")), Area("E37000043", "Buckinghamshire",
                                                                                   "lep"), "lep")
    assert bucks[0].startswith("On its share of the National Infrastructure Commission's Arc scenarios, the LEP "
                               "would have 2,445,860 filled jobs")


def test_a_small_declining_area_s_own_trend_is_in_millions_with_real_minus_signs():
    # The Isles of Scilly's own trend, as its pack computed it: GVA under £1bn read "£0.0bn" before
    rows = [("jobs", None, 889, 454, -435, -0.0246), ("gva", "2023 prices", 96.4, 48.26, -48.14, -0.0252),
            ("gva_per_job", "2023 prices", 108.4, 106.3, -2.1, -0.0006)]
    sc = pd.DataFrame(rows, columns=["measure", "prices", "base_value", "horizon_value", "change", "cagr"]).assign(
        reading="chosen", area_code="E06000053", base_year=2023, horizon=2050)
    texts = _texts(_tables(trend_scenario=sc), Area("E06000053", "Isles of Scilly", "lad"), "lad")
    assert texts == ["Carried forward at its own past growth rates, the district would have 454 filled jobs in 2050 "
                     "(−435 on 2023, −2.46% a year) and £48m of GVA in 2023 prices (−2.52% a year), so real GVA per "
                     "filled job would fall 0.06% a year. This is a projection of the past, not a forecast."]
