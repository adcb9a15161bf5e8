"""The scenario engine on real ONS data: published Arc arithmetic, growth rates, apportionment, back-test,
sensitivity, user files, validation, the CLI and charts."""

from __future__ import annotations

import io
import re
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence import geography, provenance, scenarios
from evidence.cli import main
from evidence.errors import ScenarioError
from evidence.indicators.area import compute
from evidence.pack import charts

DOCS = Path(__file__).resolve().parents[1] / "docs" / "scenarios.md"
ARC = "GRP-OXCAM"
ARC_LEPS = {"E37000053", "E37000043", "E37000057", "E37000059"}  # OxLEP, Bucks, SEMLEP, GCGP (2021)

# Base year 2023, the sum of the Arc's 18 LADs in the ONS tables (productivity jobs; balanced GVA, current prices).
ARC_JOBS_2023 = 2_110_860
ARC_GVA_2023 = 143_099

#: The implied annual growth rates 2023-2050 stated in docs/scenarios.md (per cent, 2 decimals; GVA real, in 2023
#: prices, with the published 2011-price figures carried into 2023 prices).
STATED_CAGRS = {
    ("arc-trend", "chosen"): {"jobs": 0.55, "gva": 2.25, "gva_per_job": 1.69},
    ("arc-transformational", "chosen"): {"jobs": 1.49, "gva": 3.57, "gva_per_job": 2.05},
    ("arc-transformational", "alternative"): {"jobs": 1.49, "gva": 4.64, "gva_per_job": 3.10},
}


@pytest.fixture(scope="module")
def arc_deflator_2011(raw_data_dir):
    """By hand, from the ONS balanced GVA by LA (April 2025, Tables 2 and 3): the Arc's implied GVA deflator,
    2023 over 2011, chain-linking its 18 districts with annual previous-year prices (measured: 1.3843)."""
    from evidence.sources import get

    lads = set(geography.lad_codes(ARC, vintage=2021, on="2023"))
    la = get("gva")
    la = la[(la["industry"].astype(str) == "Total") & la["area_code"].astype(str).isin(lads)]
    cp, cvm = ({(str(r.area_code), int(r.year)): float(r.value) for r in la[la["measure"].astype(str) == m]
                .itertuples()} for m in ("current_prices", "cvm"))
    assert len(lads) == 18
    real_2011_over_2023 = 1.0
    for t in range(2012, 2024):
        pyp = sum(cp[(lad, t - 1)] * cvm[(lad, t)] / cvm[(lad, t - 1)] for lad in lads)
        real_2011_over_2023 /= pyp / sum(cp[(lad, t - 1)] for lad in lads)
    cp_2011 = sum(cp[(lad, 2011)] for lad in lads)
    real_2011 = ARC_GVA_2023 * real_2011_over_2023  # in 2023 prices
    return real_2011 / cp_2011  # (CP_2023 / R_2023) / (CP_2011 / R_2011), with CP_2023 = R_2023


@pytest.fixture(scope="module")
def arc(raw_data_dir):
    """Both shipped Arc scenarios, run once on the real files."""
    return scenarios.run("arc-trend"), scenarios.run("arc-transformational")


def _at(traj, year, measure, reading="chosen", col="value"):
    row = traj[(traj.year == year) & (traj.measure == measure) & (traj.reading == reading)]
    assert len(row) == 1
    return float(row[col].iloc[0])


# ------------------------------------------------------------------------------------------ shipped files
def test_shipped_scenarios_state_their_bases_and_cite_their_source():
    assert {"arc-trend", "arc-transformational"} <= set(scenarios.list_scenarios())
    trend, tf = scenarios.load_scenario("arc-trend"), scenarios.load_scenario("arc-transformational")
    for sc in (trend, tf):
        assert sc.source["publisher"] == "National Infrastructure Commission"
        assert "Partnering for Prosperity" in sc.source["title"] and sc.source["date"] == "November 2017"
        assert (sc.base_year, sc.horizon, sc.vintage) == (2023, 2050, 2021)
        # Cambridge Econometrics' figures are in constant 2011 prices (£2011m); the scenarios run in 2023 prices.
        assert (sc.output.price_basis, sc.output.price_year, sc.output.unit) == ("constant", 2011, "£ billion")
        assert sc.prices == "real" and sc.price_label == "2023 prices"
    assert (trend.jobs.increments, trend.jobs.measured_from) == ({2050: 335_000}, "base")
    assert (trend.output.increments, trend.output.measured_from) == ({2050: 85_000}, "base")
    assert (tf.jobs.increments, tf.jobs.measured_from, tf.trend) == ({2050: 700_000}, "trend", "arc-trend")
    assert (tf.output.increments, tf.output.measured_from, tf.output.alternative) == ({2050: 163_000}, "base", "trend")
    assert tf.readings == ("chosen", "alternative") and trend.readings == ("chosen",)
    assert "£253bn" in tf.description and "£338bn" in tf.description


# ------------------------------------------------------------------------------------------ published arithmetic
def test_the_baseline_is_real_ons_data(arc):
    trend, _ = arc
    assert _at(trend, 2023, "jobs") == ARC_JOBS_2023
    assert _at(trend, 2023, "gva") == ARC_GVA_2023
    j = compute("jobs", ["Oxford-Cambridge Arc"], comparators=(), years=(2023, 2023))
    g = compute("gva", ["Oxford-Cambridge Arc"], comparators=(), years=(2023, 2023))
    assert (j["value"].item(), g["value"].item()) == (ARC_JOBS_2023, ARC_GVA_2023)
    assert _at(trend, 2023, "gva_per_job") == pytest.approx(1e6 * ARC_GVA_2023 / ARC_JOBS_2023)
    assert set(trend.loc[trend.year == 2023, "status"]) == {"actual"}
    assert "ONS" in {r["publisher"] for r in trend.attrs["provenance"]}


def test_the_arc_deflator_is_plausible_and_stated(arc, arc_deflator_2011):
    # UK GVA prices rose by about a third from 2011 to 2023; the Arc's implied deflator by 38.4%.
    assert round(arc_deflator_2011, 4) == 1.3843
    text = " ".join(arc[0].attrs["caveats"])
    assert "constant 2011 prices" in text and "x1.3843" in text and "+£117,664 million by 2050 in 2023 prices" in text
    assert "no stated price basis" not in text


def test_reconciliation_of_the_published_arc_arithmetic(arc, arc_deflator_2011):
    trend, tf = arc
    f = arc_deflator_2011
    # Trend: +335,000 jobs and +£85bn (2011 prices) against the base year; GVA is carried into 2023 prices.
    assert _at(trend, 2050, "jobs", col="change_from_base") == 335_000
    assert _at(trend, 2050, "gva", col="change_from_base") == pytest.approx(85_000 * f, rel=1e-12)
    # Transformational: a further 700,000 jobs on top of the trend; 335,000 + 700,000 is about 1.0 million.
    assert _at(tf, 2050, "jobs", col="vs_trend") == 700_000
    total_new_jobs = _at(tf, 2050, "jobs", col="change_from_base")
    assert total_new_jobs == 335_000 + 700_000 == 1_035_000
    assert abs(total_new_jobs - 1_000_000) / 1_000_000 < 0.05
    assert _at(tf, 2050, "jobs") == ARC_JOBS_2023 + 1_035_000
    # GVA £163bn, chosen reading: from the base year (so it includes the trend's £85bn); all in 2011 prices,
    # carried into 2023 prices by the same factor.
    assert _at(tf, 2050, "gva", col="change_from_base") == pytest.approx(163_000 * f, rel=1e-12)
    assert _at(tf, 2050, "gva", col="vs_trend") == pytest.approx((163_000 - 85_000) * f, rel=1e-12)
    # The alternative reading, shown beside it: £163bn on top of the trend.
    assert _at(tf, 2050, "gva", "alternative", col="vs_trend") == pytest.approx(163_000 * f, rel=1e-12)
    assert _at(tf, 2050, "gva", "alternative", col="change_from_base") == pytest.approx(248_000 * f, rel=1e-12)
    # Why the chosen reading: the NIC's £90bn base + £163bn = £253bn, "over £250bn a year"; the other gives £338bn
    # (the publication's own arithmetic, in its own prices).
    nic_base = 90_000
    assert nic_base + _at(tf, 2050, "gva", col="change_from_base") / f == pytest.approx(253_000, rel=1e-12)
    assert nic_base + _at(tf, 2050, "gva", "alternative", col="change_from_base") / f == pytest.approx(338_000,
                                                                                                         rel=1e-12)
    # Extra GVA per extra job against the trend in 2050: £111k (chosen) or £233k (alternative).
    assert 1e6 * 78_000 / 700_000 == pytest.approx(111_428.57, abs=0.01)
    assert 1e6 * 163_000 / 700_000 == pytest.approx(232_857.14, abs=0.01)


def test_implied_annual_growth_rates_are_the_ones_stated_in_the_docs(arc, arc_deflator_2011):
    s = scenarios.summary(scenarios.compare(*arc)).set_index(["scenario", "reading", "measure"])
    n = 2050 - 2023
    f = arc_deflator_2011
    by_hand = {
        ("arc-trend", "chosen", "jobs"): ((ARC_JOBS_2023 + 335_000) / ARC_JOBS_2023) ** (1 / n) - 1,
        ("arc-trend", "chosen", "gva"): ((ARC_GVA_2023 + 85_000 * f) / ARC_GVA_2023) ** (1 / n) - 1,
        ("arc-transformational", "chosen", "jobs"): ((ARC_JOBS_2023 + 1_035_000) / ARC_JOBS_2023) ** (1 / n) - 1,
        ("arc-transformational", "chosen", "gva"): ((ARC_GVA_2023 + 163_000 * f) / ARC_GVA_2023) ** (1 / n) - 1,
        ("arc-transformational", "alternative", "gva"): ((ARC_GVA_2023 + 248_000 * f) / ARC_GVA_2023) ** (1 / n) - 1,
    }
    for key, rate in by_hand.items():
        assert s.loc[key, "cagr"] == pytest.approx(rate, rel=1e-12)
    # Productivity growth is implied: (1 + g_gva) / (1 + g_jobs) - 1.
    for sc, rd in STATED_CAGRS:
        g, j = s.loc[(sc, rd, "gva"), "cagr"], s.loc[(sc, rd, "jobs"), "cagr"]
        assert s.loc[(sc, rd, "gva_per_job"), "cagr"] == pytest.approx((1 + g) / (1 + j) - 1, rel=1e-9)
    docs = DOCS.read_text(encoding="utf-8")
    for (sc, rd), rates in STATED_CAGRS.items():
        for m, pct in rates.items():
            assert round(100 * s.loc[(sc, rd, m), "cagr"], 2) == pct, (sc, rd, m)
        line = next(ln for ln in docs.splitlines() if ln.startswith(f"| {sc} | {rd} |"))
        assert all(f"{rates[m]:.2f}%" in line for m in rates), line


def test_growth_is_constant_between_anchors_and_anchors_are_exact(arc):
    trend, _ = arc
    g = trend[(trend.measure == "jobs")]["growth"].dropna()
    assert g.max() - g.min() < 1e-12
    p = scenarios.path({2020: 100.0, 2025: 150.0, 2030: 120.0}, range(2020, 2031))
    assert p[0] == 100.0 and p[5] == 150.0 and p[10] == 120.0
    assert p[3] == pytest.approx(100 * 1.5 ** (3 / 5))
    assert p[7] == pytest.approx(150 * 0.8 ** (2 / 5))


def test_anchors_between_base_and_horizon(raw_data_dir):
    sc = scenarios.parse_scenario({"area": "OxLEP", "base_year": 2023, "horizon": 2040,
                                   "jobs": {"increment": {"2030": 20_000, "2040": 50_000}, "measured_from": "base"},
                                   "productivity": {"cagr": 0.01}})
    t = scenarios.run(sc)
    assert _at(t, 2030, "jobs", col="change_from_base") == 20_000
    assert _at(t, 2040, "jobs", col="change_from_base") == 50_000
    growth = t[t.measure == "jobs"].set_index("year")["growth"]
    assert growth[2024] == pytest.approx(growth[2030]) and growth[2031] == pytest.approx(growth[2040])
    assert growth[2024] != pytest.approx(growth[2031])


def test_gap_between_scenarios_equals_vs_trend(arc):
    both = scenarios.compare(*arc)
    g = scenarios.gap(both, scenario="arc-transformational", against="arc-trend")
    tf = arc[1][arc[1].reading == "chosen"]
    m = g.merge(tf[["year", "measure", "vs_trend"]], on=["year", "measure"])
    assert np.allclose(m["gap"], m["vs_trend"], rtol=1e-12, atol=1e-6)
    assert len(m) == 28 * 3


# ------------------------------------------------------------------------------------------ apportionment
def _sums_back(whole: pd.DataFrame, parts: pd.DataFrame) -> None:
    for (sc, rd, m), g in parts[parts.measure != "gva_per_job"].groupby(["scenario", "reading", "measure"]):
        total = g.groupby("year")["value"].sum()
        w = whole[(whole.scenario == sc) & (whole.reading == rd) & (whole.measure == m)].set_index("year")["value"]
        assert (total == np.rint(w)).all(), (sc, rd, m)
        # The base is whole; the horizon is the whole's rounded value (a deflated GVA increment is not whole £m).
        assert total.iloc[0] == w.iloc[0] and total.iloc[-1] == np.rint(w.iloc[-1])


def test_apportionment_to_the_arc_leps_sums_back_exactly(arc):
    _, tf = arc
    parts = scenarios.apportion(tf, parts="lep")
    assert set(parts.area_code) == ARC_LEPS
    _sums_back(tf, parts)
    base = parts[(parts.year == 2023) & (parts.measure == "jobs") & (parts.reading == "chosen")]
    real = compute("jobs", sorted(ARC_LEPS), comparators=(), years=(2023, 2023))
    assert dict(zip(base.area_code, base.value, strict=True)) == dict(zip(real.area_code, real.value, strict=True))
    # Base shares give every part the area's growth (up to the rounding to whole jobs).
    s = scenarios.summary(parts)
    assert np.allclose(s[s.measure == "jobs"]["cagr"], 0.014887, atol=2e-6)
    # vs_trend splits too: the parts' gaps to the trend add up to 700,000.
    jobs50 = parts[(parts.year == 2050) & (parts.measure == "jobs") & (parts.reading == "chosen")]
    assert jobs50["vs_trend"].sum() == 700_000


def test_apportionment_to_the_arc_lads_sums_back_exactly(arc):
    trend, _ = arc
    parts = scenarios.apportion(trend, parts="lad")
    assert parts.area_code.nunique() == 18
    _sums_back(trend, parts)
    base = parts[parts.year == 2023].set_index(["area_code", "measure"])["value"]
    # Read off the ONS files: Productivity Jobs 2023, Oxford 135,903 and Cambridge 113,246; Oxford GVA (current
    # prices, Table 3 of the South East workbook) £8,600 million.
    assert base[("E07000178", "jobs")] == 135_903 and base[("E07000008", "jobs")] == 113_246
    assert base[("E07000178", "gva")] == 8_600
    inc = parts[(parts.year == 2050) & (parts.measure == "jobs")]["change_from_base"]
    assert inc.sum() == 335_000 and (inc == inc.round()).all()


def test_apportionment_by_user_weights(arc):
    trend, _ = arc
    w = {"OxLEP": 1, "BTVLEP": 1, "SEMLEP": 1, "GCGP": 1}
    parts = scenarios.apportion(trend, parts="lep", weights=w)
    _sums_back(trend, parts)
    inc = parts[(parts.year == 2050) & (parts.measure == "jobs")]["change_from_base"]
    assert sorted(inc) == [83_750] * 4  # 335,000 / 4
    gva = parts[(parts.year == 2050) & (parts.measure == "gva")]["change_from_base"]
    assert sorted(gva) == [29_416] * 4  # 85,000 (2011 prices) x 1.3843 = 117,664 (2023 prices), / 4
    uneven = scenarios.apportion(trend, parts="lep", weights={"OxLEP": 2, "BTVLEP": 1, "SEMLEP": 0, "GCGP": 0})
    inc = uneven[(uneven.year == 2050) & (uneven.measure == "jobs")].set_index("area_code")["change_from_base"]
    # Quotas 223,333.33 and 111,666.67: the spare job goes to the larger remainder (.67).
    assert inc["E37000053"] == 223_333 and inc["E37000043"] == 111_667 and inc["E37000057"] == 0
    with pytest.raises(ScenarioError, match="missing"):
        scenarios.apportion(trend, parts="lep", weights={"OxLEP": 1})
    with pytest.raises(ScenarioError, match="non-negative"):
        scenarios.apportion(trend, parts="lep", weights={"OxLEP": -1, "BTVLEP": 1, "SEMLEP": 1, "GCGP": 1})


def test_a_part_gets_its_share_and_the_rest_takes_the_remainder(arc):
    trend, _ = arc
    ox = scenarios.run("arc-trend", area="OxLEP")
    assert set(ox.area_code) == {"E37000053"}
    parts = scenarios.apportion(trend, parts=["OxLEP"])
    assert set(parts.area_name) == {"Oxfordshire", "Rest of Oxford–Cambridge Arc"}
    _sums_back(trend, parts)
    pd.testing.assert_frame_equal(ox, parts[parts.area_code == "E37000053"].reset_index(drop=True))


def test_overlapping_parts_and_increments_outside_the_area_raise(raw_data_dir):
    sc = scenarios.parse_scenario({"area": "Oxford-Cambridge Arc", "vintage": 2017, "base_year": 2023,
                                   "horizon": 2030, "jobs": {"cagr": 0.01}, "productivity": {"cagr": 0.01}})
    with pytest.raises(ScenarioError, match="overlap: E07000177"):  # Cherwell: OxLEP and SEMLEP in 2017
        scenarios.apportion(scenarios.run(sc), parts="lep")
    with pytest.raises(ScenarioError, match="Lancashire is not part of it"):
        scenarios.run("arc-trend", area="Lancashire")


@settings(max_examples=200, deadline=None)
@given(total=st.integers(-10**7, 10**7), raw=st.lists(st.floats(0.0, 1e6), min_size=1, max_size=25))
def test_largest_remainder_always_sums_back(total, raw):
    w = np.array(raw)
    if w.sum() <= 0:
        w = np.ones(len(raw))
    w = w / w.sum()
    parts = scenarios.largest_remainder(total, w)
    assert int(parts.sum()) == total
    assert np.all(np.abs(parts - total * w) < 1 + 1e-6)


# ------------------------------------------------------------------------------------------ trend and back-test
@pytest.mark.parametrize("area", ["Oxford-Cambridge Arc", "OxLEP"])
def test_backtest_on_real_jobs_matches_a_hand_computation(raw_data_dir, area):
    jobs = scenarios.history("jobs", area)
    bt = scenarios.backtest(jobs, fit=(2004, 2013), test=(2014, 2023))
    summary = scenarios.backtest_summary(bt).iloc[0]
    v = jobs.set_index("year")["value"]
    g = (v[2013] / v[2004]) ** (1 / 9) - 1
    proj = {t: v[2013] * (1 + g) ** (t - 2013) for t in range(2014, 2024)}
    ape = [abs(proj[t] - v[t]) / v[t] * 100 for t in proj]
    assert summary["cagr"] == pytest.approx(g, rel=1e-12)
    assert summary["mape"] == pytest.approx(sum(ape) / 10, rel=1e-12)
    assert summary["final_year_pct_error"] == pytest.approx((proj[2023] - v[2023]) / v[2023] * 100, rel=1e-12)
    assert len(bt) == 10 and bt["actual"].notna().all()


def test_backtest_results_for_the_arc_and_oxfordshire(raw_data_dir):
    arc = scenarios.backtest_summary(scenarios.backtest(scenarios.history("jobs", "Oxford-Cambridge Arc"))).iloc[0]
    ox = scenarios.backtest_summary(scenarios.backtest(scenarios.history("jobs", "OxLEP"))).iloc[0]
    # The 2004-2013 trend under-projects 2014-2023 jobs in both (stated in docs/scenarios.md).
    assert (round(100 * arc["cagr"], 2), round(arc["mape"], 1), round(arc["final_year_pct_error"], 1)) == \
        (0.76, 4.5, -5.0)
    assert (round(100 * ox["cagr"], 2), round(ox["mape"], 1), round(ox["final_year_pct_error"], 1)) == \
        (0.87, 2.2, -1.6)
    # The Arc's own 2013-2023 growth and its 2015/2016 GVA, as stated in docs/scenarios.md.
    jobs, gva = (scenarios.history(m, "Oxford-Cambridge Arc", prices="nominal") for m in ("jobs", "gva"))
    assert round(100 * scenarios.fit_cagr(jobs, window=(2013, 2023))["cagr"].item(), 2) == 1.28
    assert round(100 * scenarios.fit_cagr(gva, window=(2013, 2023))["cagr"].item(), 2) == 4.60
    assert gva.set_index("year")["value"][[2015, 2016]].tolist() == [100_227, 102_432]
    assert set(gva["prices"]) == {"current prices (nominal)"} and jobs["prices"].isna().all()
    # Real GVA (chain-linked, 2023 prices) grew 1.55% a year, as docs/scenarios.md states.
    real = scenarios.history("gva", "Oxford-Cambridge Arc")
    assert set(real["prices"]) == {"2023 prices"}
    assert round(100 * scenarios.fit_cagr(real, window=(2013, 2023))["cagr"].item(), 2) == 1.55
    assert real.set_index("year")["value"][2023] == ARC_GVA_2023


def test_fit_and_project_trend_methods():
    s = pd.DataFrame({"area_code": "A", "year": range(2010, 2015), "value": [100.0, 104.0, 108.0, 113.0, 117.0]})
    end = scenarios.fit_cagr(s, window=(2010, 2014))["cagr"].item()
    assert end == pytest.approx((117 / 100) ** 0.25 - 1)
    ll = scenarios.fit_cagr(s, window=(2010, 2014), method="log-linear")["cagr"].item()
    slope = np.polyfit(np.arange(2010, 2015), np.log(s["value"]), 1)[0]
    assert ll == pytest.approx(np.exp(slope) - 1)
    proj = scenarios.project_trend(s, window=(2010, 2014), years=[2016])
    assert proj["projected"].item() == pytest.approx(117 * (1 + end) ** 2)
    gap = s[s.year != 2012]
    assert np.isnan(scenarios.fit_cagr(gap, window=(2010, 2014))["cagr"].item())


def test_a_history_scenario_grows_at_the_areas_own_rate(raw_data_dir):
    sc = scenarios.parse_scenario({"area": "Lancashire", "base_year": 2023, "horizon": 2030,
                                   "jobs": {"history": [2013, 2023]}, "gva": {"history": [2013, 2023]}})
    t = scenarios.run(sc)
    for m in ("jobs", "gva"):
        h = scenarios.history(m, "Lancashire").set_index("year")["value"]
        rate = (h[2023] / h[2013]) ** 0.1 - 1
        assert _at(t, 2030, m) == pytest.approx(h[2023] * (1 + rate) ** 7, rel=1e-12)


# ------------------------------------------------------------------------------------------ sensitivity, waterfall
def test_sensitivity_grid_shape_and_a_hand_checked_cell(arc):
    trend, _ = arc
    grid = scenarios.sensitivity(trend)
    assert grid.shape[0] == len(scenarios.SENSITIVITY_JOBS) * len(scenarios.SENSITIVITY_PRODUCTIVITY) == 30
    cell = grid[(grid.jobs_cagr == 0.01) & (grid.productivity_cagr == 0.02)].iloc[0]
    assert cell["gva"] == pytest.approx(ARC_GVA_2023 * 1.01 ** 27 * 1.02 ** 27, rel=1e-12)
    assert cell["jobs"] == pytest.approx(ARC_JOBS_2023 * 1.01 ** 27, rel=1e-12)
    assert cell["gva_cagr"] == pytest.approx(1.01 * 1.02 - 1)
    small = scenarios.sensitivity(trend, jobs_cagr=[0.0], productivity_cagr=[0.0, 0.01], horizon=2030)
    assert small["gva"].tolist() == pytest.approx([ARC_GVA_2023, ARC_GVA_2023 * 1.01 ** 7])


def test_waterfall_effects_add_up_to_the_gva_change(arc, arc_deflator_2011):
    _, tf = arc
    for reading, change in (("chosen", 163_000 * arc_deflator_2011), ("alternative", 248_000 * arc_deflator_2011)):
        d = scenarios.decompose(tf, reading=reading).set_index("step")
        assert d.loc["jobs effect", "value"] + d.loc["productivity effect", "value"] == pytest.approx(change,
                                                                                                      rel=1e-12)
        assert d.loc["horizon", "value"] - d.loc["base", "value"] == pytest.approx(change, rel=1e-12)
        assert d.loc["jobs effect", "share"] + d.loc["productivity effect", "share"] == pytest.approx(1)
    # The waterfall table in docs/scenarios.md (£bn to 1 decimal, shares to whole per cent).
    stated = {("arc-trend", "chosen"): (29.2, 25, 88.5, 75),
              ("arc-transformational", "chosen"): (95.7, 42, 129.9, 58),
              ("arc-transformational", "alternative"): (115.1, 34, 228.2, 66)}
    for (sc, rd), expected in stated.items():
        d = scenarios.decompose(scenarios.compare(*arc), scenario=sc, reading=rd).set_index("step")
        je, pe = d.loc["jobs effect"], d.loc["productivity effect"]
        assert (round(je["value"] / 1e3, 1), round(100 * je["share"]), round(pe["value"] / 1e3, 1),
                round(100 * pe["share"])) == expected


# ------------------------------------------------------------------------------------------ user files and CLI
LANCS = """
name = "lancashire-steady"
title = "Lancashire: steady jobs growth, 2% nominal productivity growth"
area = "Lancashire"
base_year = 2023
horizon = 2040
[jobs]
cagr = 0.005
[productivity]
cagr = 0.02
price_basis = "current"
"""


def _cli(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_user_toml_for_lancashire_runs_via_the_cli(raw_data_dir, tmp_path, capsys):
    f = tmp_path / "lancs.toml"
    f.write_text(LANCS, encoding="utf-8")
    code, out, err = _cli(["scenario", str(f), "--format", "csv"], capsys)
    assert code == 0
    df = pd.read_csv(io.StringIO(out), dtype={"area_code": str})
    assert set(df.area_code) == {"E37000019"} and df.year.min() == 2023 and df.year.max() == 2040
    assert len(df) == 18 * 3
    base = compute("jobs", ["Lancashire"], comparators=(), years=(2023, 2023))["value"].item()
    jobs = df[df.measure == "jobs"].set_index("year")["value"]
    assert jobs[2023] == base and jobs[2040] == pytest.approx(base * 1.005 ** 17, rel=1e-12)
    pj = df[df.measure == "gva_per_job"].set_index("year")["value"]
    assert pj[2040] / pj[2023] == pytest.approx(1.02 ** 17, rel=1e-12)
    assert "note: Scenario lancashire-steady" in err and "nominal" in err


def test_cli_arc_scenarios_show_the_published_increments(raw_data_dir, capsys, arc_deflator_2011):
    code, out, err = _cli(["scenario", "arc-trend", "--format", "csv"], capsys)
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    row = df[(df.year == 2050) & (df.measure == "jobs")].iloc[0]
    assert row["change_from_base"] == 335_000 and row["status"] == "scenario"
    assert "National Infrastructure Commission" in err
    # The GVA figure has a price basis now: 2011 prices carried into 2023 prices; jobs are a count.
    assert "no stated price basis" not in err and "constant 2011 prices" in err and "2023 prices" in err
    assert set(df[df.measure == "gva"]["prices"]) == {"2023 prices"} and df[df.measure == "jobs"]["prices"].isna().all()
    code, out, _ = _cli(["scenario", "arc-transformational", "--format", "csv"], capsys)
    df = pd.read_csv(io.StringIO(out))
    jobs = df[(df.year == 2050) & (df.measure == "jobs")]
    assert set(jobs["vs_trend"]) == {700_000} and set(jobs["reading"]) == {"chosen", "alternative"}
    code, out, _ = _cli(["scenario", "arc-transformational", "--view", "summary", "--format", "csv"], capsys)
    s = pd.read_csv(io.StringIO(out))
    assert sorted(s[s.measure == "gva"]["change"]) == pytest.approx([163_000 * arc_deflator_2011,
                                                                     248_000 * arc_deflator_2011], rel=1e-9)
    code, out, _ = _cli(["scenario", "arc-trend", "--apportion", "lep", "--view", "summary", "--format", "csv"],
                        capsys)
    s = pd.read_csv(io.StringIO(out))
    assert s[s.measure == "jobs"]["change"].sum() == 335_000
    code, out, _ = _cli(["scenario", "--list"], capsys)
    assert code == 0 and "arc-transformational" in out


def test_a_user_trend_reference_is_relative_to_the_file(raw_data_dir, tmp_path):
    (tmp_path / "base.toml").write_text(LANCS, encoding="utf-8")
    (tmp_path / "high.toml").write_text(
        'area = "Lancashire"\nbase_year = 2023\nhorizon = 2040\ntrend = "base.toml"\n'
        '[jobs]\nincrement = 10000\nmeasured_from = "trend"\n'
        '[gva]\nincrement = 1.5\nunit = "£ billion"\nmeasured_from = "base"\nalternative = "trend"\n'
        'price_basis = "current"\n', encoding="utf-8")
    t = scenarios.run(tmp_path / "high.toml")
    assert _at(t, 2040, "jobs", col="vs_trend") == pytest.approx(10_000)
    assert _at(t, 2040, "gva", col="change_from_base") == pytest.approx(1_500)
    assert _at(t, 2040, "gva", "alternative", col="vs_trend") == pytest.approx(1_500)
    (tmp_path / "bad.toml").write_text(
        'area = "Lancashire"\nbase_year = 2023\nhorizon = 2045\ntrend = "base.toml"\n'
        '[jobs]\nincrement = 10000\nmeasured_from = "trend"\n[productivity]\ncagr = 0.01\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="differs in horizon"):
        scenarios.run(tmp_path / "bad.toml")


GOOD = {"area": "Lancashire", "base_year": 2023, "horizon": 2040, "jobs": {"cagr": 0.005},
        "productivity": {"cagr": 0.02}}


@pytest.mark.parametrize("change, message", [
    ({"colour": "red"}, "unknown top-level key 'colour'"),
    ({"base_year": None}, "missing required key 'base_year'"),
    ({"horizon": 2020}, r"horizon \(2020\) must come after the base year \(2023\)"),
    ({"base_year": "2023"}, "base_year must be a whole number"),
    ({"vintage": 2019}, "vintage must be one of"),
    ({"jobs": {"cagr": 1.5}}, "cagr is a fraction"),
    ({"jobs": {"cagr": 0.01, "increment": 5}}, "exactly one of increment, cagr or history"),
    ({"jobs": {"increment": 5000}}, "needs measured_from"),
    ({"jobs": {"increment": 5000, "measured_from": "trend"}}, "no `trend` scenario"),
    ({"jobs": {"increment": 5000, "measured_from": "base", "alternative": "base"}}, "alternative must be the other"),
    ({"jobs": {"increment": {"2030": 5000}, "measured_from": "base"}}, "last must be the horizon"),
    ({"jobs": {"cagr": 0.01, "speed": 2}}, r"unknown key in \[jobs\] 'speed'"),
    ({"jobs": {"history": [2013, 2030]}}, "must run forwards and end by the base year"),
    ({"gva": {"cagr": 0.02}}, "exactly one of \\[gva\\]"),
    ({"productivity": None, "gva": {"increment": 5, "measured_from": "base", "price_basis": "current"}},
     "needs unit"),
    ({"productivity": None, "gva": {"increment": 5, "measured_from": "base", "unit": "£ billion"}},
     "needs price_basis"),
    ({"productivity": {"cagr": 0.02, "price_basis": "real"}}, "price_basis must be one of"),
    ({"source": {"publisher": "Me"}}, r"\[source\] needs title, date"),
])
def test_bad_scenarios_raise_scenario_errors(change, message):
    data = {**GOOD, **change}
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(ScenarioError, match=message):
        scenarios.parse_scenario(data, origin="test.toml")


def test_bad_files_and_names_raise_scenario_errors(tmp_path, capsys):
    broken = tmp_path / "broken.toml"
    broken.write_text('area = "Lancashire"\nbase_year = 2023\nhorizon = [\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        scenarios.load_scenario(broken)
    with pytest.raises(ScenarioError, match="no scenario named 'arc-tren'.*arc-trend"):
        scenarios.load_scenario("arc-tren")
    with pytest.raises(ScenarioError, match="does not exist"):
        scenarios.load_scenario(tmp_path / "missing.toml")
    code, out, err = _cli(["scenario", str(broken)], capsys)
    assert code == 2 and out == "" and "not valid TOML" in err


def test_a_base_year_outside_the_data_raises(raw_data_dir):
    sc = scenarios.parse_scenario({**GOOD, "base_year": 2001})
    with pytest.raises(ScenarioError, match="no filled jobs for Lancashire in 2001: the data cover 2002-2023"):
        scenarios.run(sc)


# ------------------------------------------------------------------------------------------ charts
def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_charts_build_and_save_png_and_svg_with_the_source_note(arc, tmp_path):
    both = scenarios.compare(*arc)
    note = provenance.source_note(both)
    assert note.startswith("Source: ONS") and "National Infrastructure Commission" in note
    fig = charts.scenario_lines(both, measure="gva")
    title = fig.axes[0].get_title(loc="left").replace("\n", " ")
    assert "£143.1bn in 2023" in title and "£260.8bn–£486.4bn by 2050" in title and title.endswith("2023 prices")
    png, svg = charts.save(fig, tmp_path / "out" / "arc-gva")
    assert _png_size(png) == (1600, 1000)  # 8 x 5 inches at 200 dpi
    text = re.sub(r"\s+", " ", svg.read_text(encoding="utf-8"))
    assert "Source: ONS, Subregional productivity" in text and "National Infrastructure Commission" in text
    assert "GVA, £ billion (2023 prices)" in text
    labels = {t.get_text() for t in fig.axes[0].texts}
    assert {"£143.1bn (2023)", "£260.8bn", "£368.7bn", "£486.4bn"} <= labels
    wf = charts.waterfall(scenarios.decompose(arc[1]))
    wf_title = wf.axes[0].get_title(loc="left").replace("\n", " ")
    assert "GVA (2023 prices) rises by £225.6bn from 2023 to 2050" in wf_title
    png, svg = charts.save(wf, tmp_path / "arc-waterfall")
    assert png.stat().st_size > 10_000 and "Source: ONS" in svg.read_text(encoding="utf-8")


def test_cli_writes_charts(raw_data_dir, tmp_path, capsys):
    code, _, err = _cli(["scenario", "arc-trend", "--chart", str(tmp_path / "c"), "--view", "summary"], capsys)
    assert code == 0 and "6 chart file(s) written" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"c-{k}.{e}" for k in ("jobs", "gva", "waterfall") for e in ("png", "svg"))


# ------------------------------------------------------------------------------------------ real terms
def _chained_by_hand(lads: set[str], start: int, end: int) -> tuple[float, float, float]:
    """(real GVA growth factor start -> end, CP_start, CP_end) for ``lads``, by annual previous-year prices,
    computed with plain loops over the ONS balanced GVA by LA (Tables 2 and 3, April 2025)."""
    from evidence.sources import get

    la = get("gva")
    la = la[(la["industry"].astype(str) == "Total") & la["area_code"].astype(str).isin(lads)]
    cp, cvm = ({(str(r.area_code), int(r.year)): float(r.value) for r in la[la["measure"].astype(str) == m]
                .itertuples()} for m in ("current_prices", "cvm"))
    factor = 1.0
    for t in range(start + 1, end + 1):
        factor *= sum(cp[(lad, t - 1)] * cvm[(lad, t)] / cvm[(lad, t - 1)] for lad in lads) / \
            sum(cp[(lad, t - 1)] for lad in lads)
    return factor, sum(cp[(lad, start)] for lad in lads), sum(cp[(lad, end)] for lad in lads)


def _own_trend(area, vintage=2021, prices="real"):
    data = {"name": "own-trend", "area": area, "vintage": vintage, "base_year": 2023, "horizon": 2050,
            "prices": prices, "jobs": {"history": [2013, 2023]}, "gva": {"history": [2013, 2023]}}
    if prices == "nominal":
        data["gva"]["price_basis"] = "current"
    return scenarios.run(scenarios.parse_scenario(data))


@pytest.mark.parametrize(("area", "vintage", "n_lads", "real_cagr", "nominal_cagr"), [
    ("Lancashire", 2021, 14, 1.59, 4.47),
    ("Leicester and Leicestershire", 2017, 8, 1.38, 4.53),
])
def test_the_own_trend_runs_in_real_terms_by_default(raw_data_dir, area, vintage, n_lads, real_cagr, nominal_cagr):
    lads = set(geography.lad_codes(area, vintage=vintage, on="2023"))
    assert len(lads) == n_lads
    growth, _, cp_2023 = _chained_by_hand(lads, 2013, 2023)
    g = growth ** 0.1 - 1
    assert round(100 * g, 2) == real_cagr
    real = _own_trend(area, vintage)
    assert _at(real, 2023, "gva") == cp_2023  # 2023 prices: real = current in the base year
    assert _at(real, 2050, "gva") == pytest.approx(cp_2023 * (1 + g) ** 27, rel=1e-9)
    rows = real[real.measure != "jobs"]
    assert set(rows["prices"]) == {"2023 prices"} and real[real.measure == "jobs"]["prices"].isna().all()
    assert any("2023 prices (real terms" in c for c in real.attrs["caveats"])
    # The nominal option exists and says so; it compounds current-price growth, as the trend did before.
    nominal = _own_trend(area, vintage, prices="nominal")
    s = scenarios.summary(nominal).set_index("measure")
    assert round(100 * s.loc["gva", "cagr"], 2) == nominal_cagr and s.loc["gva", "prices"] == "current prices (nominal)"
    assert any("nominal" in c for c in nominal.attrs["caveats"])
    # Jobs are the same count either way.
    assert _at(real, 2050, "jobs") == _at(nominal, 2050, "jobs")


def test_price_options_are_checked():
    base = {"area": "Lancashire", "base_year": 2023, "horizon": 2040, "jobs": {"cagr": 0.005}}
    assert scenarios.parse_scenario({**base, "productivity": {"cagr": 0.02}}).prices == "real"
    assert scenarios.parse_scenario({**base, "productivity": {"cagr": 0.02, "price_basis": "current"}}).prices == \
        "nominal"
    with pytest.raises(ScenarioError, match="cannot be run in real terms"):
        scenarios.parse_scenario({**base, "prices": "real", "productivity": {"cagr": 0.02, "price_basis": "current"}})
    with pytest.raises(ScenarioError, match="prices must be"):
        scenarios.parse_scenario({**base, "prices": "constant", "productivity": {"cagr": 0.02}})


def test_the_arc_scenarios_follow_the_packs_vintage(raw_data_dir):
    t = scenarios.run("arc-transformational", vintage=2017)
    assert set(t["vintage"]) == {2017}
    jobs = compute("jobs", ["Oxford-Cambridge Arc"], vintage=2017, comparators=(), years=(2023, 2023))
    assert _at(t, 2023, "jobs") == jobs["value"].item() != ARC_JOBS_2023
    assert _at(t, 2050, "jobs", col="vs_trend") == 700_000
    assert any("run at vintage 2017 (the file says 2021)" in c for c in t.attrs["caveats"])
