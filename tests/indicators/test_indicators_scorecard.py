"""The five-foundations scorecard: acceptance for three LEPs, ranks and status by polarity, monitoring baselines."""

from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stdout

import numpy as np
import pandas as pd
import pytest

from evidence import geography
from evidence.cli import main
from evidence.errors import EvidenceError, SchemaError
from evidence.indicators import foundations as f
from evidence.indicators.area import lep_codes
from evidence.indicators.foundations import FOUNDATIONS, FoundationMap, compute, foundation_map
from evidence.indicators.scorecard import (
    COLUMNS,
    compare_to_baseline,
    monitoring_baseline,
    rank_among,
    read_baseline,
    scorecard,
    scorecards,
    status,
    trend,
)

ACCEPTANCE = {"E37000043": "Buckinghamshire Thames Valley", "E37000019": "Lancashire",
              "E37000021": "Leicester and Leicestershire"}
METHODS = {"sum", "ratio_of_sums", "weighted_mean", "containing_area", "difference", "published"}


@pytest.fixture(scope="module")
def cards(raw_data_dir):
    return scorecards(list(ACCEPTANCE.values()), vintage=2021)


@pytest.fixture
def small_map(monkeypatch):
    """Replace the foundation map by a few of its real metrics (for quick scorecards on real data)."""
    def use(*ids: str) -> FoundationMap:
        fm = foundation_map()
        small = FoundationMap(fm.foundations, fm.series, {i: fm.metrics[i] for i in ids})
        monkeypatch.setattr(f, "_MAP", small)
        return small
    return use


def _row(sc: pd.DataFrame, indicator: str) -> pd.Series:
    return sc[sc["indicator"] == indicator].iloc[0]


# ------------------------------------------------------------------------------------------- acceptance
@pytest.mark.parametrize("code", list(ACCEPTANCE))
def test_three_valued_indicators_per_foundation_with_england_rank_source_and_period(cards, code):
    sc = cards[code]
    assert list(sc.columns) == COLUMNS
    assert sc.attrs["area"]["code"] == code and sc.attrs["vintage"] == 2021
    assert list(dict.fromkeys(sc["foundation"])) == list(FOUNDATIONS)
    full = sc[sc["value"].notna() & sc["england_value"].notna() & sc["rank"].notna()
              & sc["source"].str.len().gt(0) & sc["period"].notna()]
    counts = full.groupby("foundation").size().reindex(list(FOUNDATIONS), fill_value=0)
    assert (counts >= 3).all(), counts.to_dict()
    assert (full["of"] <= 38).all() and (full["rank"] >= 1).all() and (full["rank"] <= full["of"]).all()


def test_every_aggregation_method_used_is_named(cards):
    for sc in cards.values():
        valued = sc[sc["value"].notna()]
        assert set(valued["aggregation"]) <= METHODS
        assert valued["method"].str.len().gt(0).all()
        weighted = valued[valued["aggregation"] == "weighted_mean"]
        assert weighted["method"].str.contains(r"-weighted mean \(approximation\)").all()
        contained = valued[valued["aggregation"] == "containing_area"]
        assert contained["method"].str.startswith("containing area: ").all() and contained["rank"].isna().all()
        assert contained["note"].str.contains("not ranked").all()


def test_values_read_off_the_files(cards):
    btv, lan = cards["E37000043"], cards["E37000019"]
    # APS T01 Jan-Dec 2022 (nomis_2023_04_24_143523.xlsx): lep:Buckinghamshire Thames Valley 269,100 of 329,600.
    emp = _row(btv, "employment-rate")
    assert emp["value"] == pytest.approx(100 * 269100 / 329600) and emp["period"] == "Jan 2022-Dec 2022"
    assert emp["method"] == "published" and emp["england_value"] == pytest.approx(100 * 26537400 / 34994700)
    # GDHI per head 2023, Buckinghamshire (E06000060) 32,856; England 25,425; UK 24,836.
    gdhi = _row(btv, "gdhi-per-head")
    assert (gdhi["value"], gdhi["england_value"], gdhi["uk_value"]) == (32856, 25425, 24836)
    # Claimant count 2025: England 4.0%, UK 3.9% (claimant-count.csv).
    cl = _row(lan, "claimant-rate")
    assert (cl["year"], cl["england_value"], cl["uk_value"]) == (2025, 4.0, 3.9)
    # BERD 2024: the North West's £4,678m.
    berd = _row(lan, "berd-per-head")
    assert berd["method"] == "containing area: North West (E12000002, region)"
    # Exports 2023: Lancashire LEP is exactly the ITL2 area TLD4.
    assert _row(lan, "exports-per-head")["method"] == "containing area: Lancashire (TLD4, ITL2; the same LADs as " \
                                                      "the area)"


def test_a_metric_that_cannot_be_computed_for_the_area_says_why(cards):
    tt = _row(cards["E37000043"], "travel-time-public-transport")
    assert np.isnan(tt["value"]) and tt["status"] == "no comparison"
    assert "E06000060" in tt["note"]  # Buckinghamshire was four districts in the 2011-boundary DfT data


# ---------------------------------------------------------------------------------------- rank and status
def test_a_lower_is_better_metric_ranks_ascending(cards, raw_data_dir):
    lep = compute("claimant-rate", lep_codes(2021), comparators=())
    latest = lep[lep["year"] == 2025].set_index("area_code")["value"]
    for code, sc in cards.items():
        row = _row(sc, "claimant-rate")
        assert row["polarity"] == "lower"
        assert row["rank"] == 1 + int((latest < latest[code]).sum())
        assert row["of"] == latest.notna().sum()
    best = latest.idxmin()
    assert rank_among(latest[best], latest, polarity="lower") == (1, latest.notna().sum())
    higher = _row(cards["E37000043"], "gva-per-hour")
    gva = compute("gva-per-hour", lep_codes(2021), comparators=())
    g23 = gva[gva["year"] == 2023].set_index("area_code")["value"]
    assert higher["rank"] == 1 + int((g23 > g23["E37000043"]).sum())


def test_status_knows_the_polarity_and_the_rule():
    assert status(3.0, 4.0, polarity="lower") == "better than England"
    assert status(3.0, 4.0, polarity="higher") == "worse than England"
    assert status(3.95, 4.0, polarity="lower") == "similar to England"  # within 2%
    assert status(69.0, 75.8, polarity="higher", lci=65.0, uci=76.0) == "similar to England"  # England in the CI
    assert status(69.0, 75.8, polarity="higher", lci=67.0, uci=71.0) == "worse than England"
    assert status(5.0, 4.0, polarity="neutral") == "higher than England"
    assert status(np.nan, 4.0, polarity="lower") == "no comparison"
    assert status(4.5, 3.0, polarity="higher", absolute=1.0) == "better than England"


# Rows of the scorecards with the status decided by hand from the numbers and the rule (England inside the
# 95% CI, or within 2% of England, is "similar"; otherwise better or worse by polarity):
# - L&L GVA per hour 2023: 36.0867 (ΣGVA/Σhours of its eight districts, ONS productivity June 2025) < 42.5087
#   (England), more than 2% below, higher is better -> worse;
# - L&L employment rate 2022: APS T01 LEP row 505,100 / 661,900 = 76.31% against England 26,537,400 /
#   34,994,700 = 75.83%: 0.63% apart -> similar;
# - L&L claimant rate 2025: 3.46% against England 4.0% (ONS claimant count), lower is better -> better;
# - Buckinghamshire business death rate 2024: 10.67% against 9.90%, lower is better -> worse.
@pytest.mark.parametrize(("code", "indicator", "value", "england", "expected"), [
    ("E37000021", "gva-per-hour", 36.0867, 42.5087, "worse than England"),
    ("E37000021", "employment-rate", 100 * 505100 / 661900, 100 * 26537400 / 34994700, "similar to England"),
    ("E37000021", "claimant-rate", 3.4584, 4.0, "better than England"),
    ("E37000043", "business-death-rate", 10.6736, 9.9047, "worse than England"),
])
def test_status_in_the_scorecard_by_hand(cards, code, indicator, value, england, expected):
    r = _row(cards[code], indicator)
    assert r["value"] == pytest.approx(value, abs=5e-4)
    assert r["england_value"] == pytest.approx(england, abs=5e-4)
    assert r["status"] == expected


def test_status_in_the_scorecard_follows_polarity(cards):
    compared = 0
    for sc in cards.values():
        for _, r in sc[sc["value"].notna() & sc["england_value"].notna() & (sc["compare"] == "value")].iterrows():
            compared += 1
            assert r["status"] == status(r["value"], r["england_value"], polarity=r["polarity"], lci=r["lci_95"],
                                         uci=r["uci_95"])
    assert compared >= 3 * 25  # every card compares most of its indicators on their values


def test_trend_over_five_years_or_what_the_series_allows():
    assert trend({2018: 50.0, 2023: 55.0}, 2023, kind="percent", unit="£")[:2] == (pytest.approx(10.0), "2018-2023")
    ch, period, basis = trend({2021: 60.0, 2022: 61.5}, 2022, kind="difference", unit="%")
    assert (ch, period) == (pytest.approx(1.5), "2021-2022") and basis.startswith("change in percentage points")
    assert np.isnan(trend({2023: 1.0}, 2023, kind="percent", unit="£")[0])
    assert trend({2018: 1.0, 2023: 2.0}, 2023, kind="none", unit="£")[1] is None


def test_counts_are_compared_on_growth(cards):
    jobs = _row(cards["E37000021"], "jobs")
    assert jobs["compare"] == "trend" and jobs["trend_period"] == "2018-2023"
    assert jobs["status"] == status(jobs["trend_5y"], jobs["england_trend_5y"], polarity="higher", absolute=1.0)


# ------------------------------------------------------------------------------------------------ baseline
def test_baseline_round_trip_shows_the_change(raw_data_dir, small_map, tmp_path):
    small_map("claimant-rate", "gva-per-hour", "business-birth-rate", "imd-average-score")
    path = tmp_path / "btv-2020"
    frozen = monitoring_baseline("BTVLEP", vintage=2021, year=2020, path=path)
    csv, side = tmp_path / "btv-2020.csv", tmp_path / "btv-2020.json"
    assert csv.exists() and side.exists()
    assert {csv.stat().st_mode & 0o777, side.stat().st_mode & 0o777} == {0o644}
    meta = json.loads(side.read_text())
    assert meta["area"] == {"code": "E37000043", "name": "Buckinghamshire", "type": "lep"}
    assert (meta["vintage"], meta["year"]) == (2021, 2020)
    assert {r["name"] for r in meta["provenance"]} >= {"els-claimant-count", "productivity-lad-2025"}
    assert (frozen["year"].dropna() <= 2020).all()
    assert np.isnan(_row(frozen, "imd-average-score")["value"])  # IoD 2025 did not exist in 2020
    base, _ = read_baseline(path)
    assert base["value"].tolist() == pytest.approx(frozen["value"].tolist(), nan_ok=True)

    cmp = compare_to_baseline(csv, year=2023).set_index("indicator")
    later = scorecard("BTVLEP", vintage=2021, year=2023).set_index("indicator")
    for ind in ("claimant-rate", "gva-per-hour", "business-birth-rate"):
        assert cmp.loc[ind, "change"] == pytest.approx(later.loc[ind, "value"] - frozen.set_index("indicator")
                                                       .loc[ind, "value"])
        assert cmp.loc[ind, "baseline_period"] == "2020" and cmp.loc[ind, "period"] == "2023"
    # BTV claimant rate 3.6% (2020) -> 2.5% (2023): lower is better, so it improved.
    assert cmp.loc["claimant-rate", "baseline_value"] == pytest.approx(3.6)
    assert cmp.loc["claimant-rate", "value"] == pytest.approx(2.5)
    assert cmp.loc["claimant-rate", "direction"] == "improved"
    assert cmp.loc["imd-average-score", "direction"] == "not comparable"
    same = compare_to_baseline(csv, year=2020).set_index("indicator")
    assert (same.loc[["claimant-rate", "gva-per-hour"], "direction"] == "no newer data").all()


def test_bad_baselines_raise(raw_data_dir, small_map, tmp_path):
    small_map("claimant-rate")
    with pytest.raises(SchemaError, match="not found"):
        compare_to_baseline(tmp_path / "nothing.csv")
    monitoring_baseline("Lancashire", year=2022, path=tmp_path / "lan.csv")
    with pytest.raises(EvidenceError, match="before the baseline"):
        compare_to_baseline(tmp_path / "lan.csv", year=2021)
    side = tmp_path / "lan.json"
    side.write_text(json.dumps({"kind": "something else"}))
    with pytest.raises(SchemaError, match="not a monitoring baseline"):
        read_baseline(tmp_path / "lan.csv")
    side.write_text("{not json")
    with pytest.raises(SchemaError, match="not valid JSON"):
        read_baseline(tmp_path / "lan.csv")


# ---------------------------------------------------------------------------- foundations that say why
def test_foundations_without_an_indicator_or_whose_indicator_fails_say_so(raw_data_dir, small_map, monkeypatch):
    small = small_map("claimant-rate")
    broken = f.Metric(id="broken", foundation="Ideas", title="From a dataset not in the registry", unit="%",
                      polarity="higher", geography="LAD", aggregation="weighted_mean", series="nowhere",
                      weight="population")
    series = {**small.series, "nowhere": f.Series("nowhere", dataset="no-such-dataset")}
    monkeypatch.setattr(f, "_MAP", FoundationMap(small.foundations, series, {**small.metrics, "broken": broken}))
    sc = scorecard("Lancashire")
    assert sc["foundation"].tolist() == ["Ideas", "People", "Infrastructure", "Business Environment", "Places"]
    ideas = _row(sc, "broken")
    assert np.isnan(ideas["value"]) and ideas["note"].startswith("cannot be computed: No dataset named")
    for foundation in ("Infrastructure", "Business Environment", "Places"):
        row = sc[sc["foundation"] == foundation].iloc[0]
        assert pd.isna(row["indicator"]) and row["note"] == "no indicator in the data for this foundation"


def test_a_combined_authority_is_ranked_among_the_combined_authorities(raw_data_dir, small_map):
    small_map("claimant-rate")
    sc = scorecard("ca:Greater Manchester")
    row = _row(sc, "claimant-rate")
    assert row["method"] == "published" and row["ranked_among"] == "combined authorities"
    assert "rank it would take" not in row["note"]
    cas = compute("claimant-rate", geography.comparison_set("ca"), comparators=())
    latest = cas[cas["year"] == 2025]["value"]
    assert row["rank"] == 1 + int((latest < row["value"]).sum()) and row["of"] == latest.notna().sum()
    with pytest.raises(EvidenceError, match="compares an area with England"):
        scorecard("England")


# ------------------------------------------------------------------------------------------------------ CLI
def _run(argv) -> tuple[int, str]:
    buf = io.StringIO()
    with redirect_stdout(buf):
        rc = main(argv)
    return rc, buf.getvalue()


def test_cli_scorecard_table_csv_baseline_and_compare(raw_data_dir, small_map, tmp_path):
    small_map("claimant-rate", "business-birth-rate")
    rc, out = _run(["scorecard", "Lancashire", "--format", "csv"])
    assert rc == 0
    df = pd.read_csv(io.StringIO(out))
    assert list(df.columns) == COLUMNS and set(df["indicator"].dropna()) == {"claimant-rate", "business-birth-rate"}
    rc, out = _run(["scorecard", "LLEP"])
    assert rc == 0 and out.startswith("Leicester and Leicestershire (E37000021)") and "claimant-rate" in out
    assert _run(["scorecard", "LLEP", "--baseline", str(tmp_path / "b")])[0] == 2  # a baseline needs --year
    rc, _ = _run(["scorecard", "LLEP", "--year", "2021", "--baseline", str(tmp_path / "b")])
    assert rc == 0 and (tmp_path / "b.csv").exists() and (tmp_path / "b.json").exists()
    rc, out = _run(["scorecard", "LLEP", "--compare", str(tmp_path / "b.csv"), "--format", "csv"])
    cmp = pd.read_csv(io.StringIO(out))
    assert rc == 0 and {"baseline_value", "value", "change", "direction"} <= set(cmp.columns)
    assert geography.resolve("LLEP").code == "E37000021"


def test_a_district_keeps_its_published_interval_and_says_when_it_is_too_uncertain_to_rank(raw_data_dir):
    sc = scorecard("E06000009")                                                        # Blackpool
    row = _row(sc, "unemployment-rate")
    assert row["ranked_among"] == "districts" and row["lci_95"] < row["value"] < row["uci_95"]
    unemp = compute("unemployment-rate", ["E06000009"], comparators=())
    own = unemp[unemp["year"] == row["year"]].iloc[0]
    assert (own["lci_95"], own["uci_95"]) == (row["lci_95"], row["uci_95"])
    lo, hi = map(int, re.search(r"spans ranks (\d+)-(\d+) of", row["note"]).groups())
    assert 1 <= lo <= row["rank"] <= hi <= row["of"] and hi - lo + 1 > 0.2 * row["of"]
    assert row["status"] == "similar to England" or row["lci_95"] > row["england_value"] \
        or row["uci_95"] < row["england_value"]


# ---------------------------------------------------------------------------------------------- deprivation
@pytest.mark.parametrize(("area", "expected"), [
    # LLEP 2017: 7.3% of LSOAs (10% in England), extent 18.8% (England 20.2%) -> both better; issue 15 had
    # "34% in the most-deprived decile, worse" (whole districts) beside "extent 18.8%, better".
    ("Leicester and Leicestershire", "better than England"),
    # Lancashire 2017: 19.1% of LSOAs, extent 31.1% -> both worse
    ("Lancashire", "worse than England"),
])
def test_the_two_deprivation_measures_agree_with_each_other_and_with_england(raw_data_dir, small_map, area,
                                                                           expected):
    small_map("imd-lsoas-most-deprived-decile", "imd-extent")
    sc = scorecard(area, vintage=2017)
    decile, extent = _row(sc, "imd-lsoas-most-deprived-decile"), _row(sc, "imd-extent")
    assert decile["england_value"] == 10.0 and decile["polarity"] == extent["polarity"] == "lower"
    assert decile["status"] == extent["status"] == expected
    assert ("10% by construction" in decile["note"]) and ("about 20%" in extent["note"])


# ------------------------------------------------------------------------------------------------- targets
def test_targets_parse_and_bad_files_raise_typed_errors(tmp_path):
    from evidence.errors import TargetsError
    from evidence.indicators.scorecard import parse_targets, read_targets

    t = parse_targets('[claimant-rate]\nvalue = 3\nyear = 2030\nnote = "Plan for growth"\n')
    c = t["claimant-rate"]
    assert (c.value, c.year, c.note) == (3.0, 2030, "Plan for growth")
    for body, message in [("[claimant-rate\nvalue = 3", "not valid TOML"),
                          ("claimant-rate = 3", "must be a table"),
                          ("[claimant-rate]\nvalue = 3", "needs both value and year"),
                          ("[claimant-rate]\nvalue = 3\nyear = 2030.5", "whole year"),
                          ("[claimant-rate]\nvalue = true\nyear = 2030", "must be a number"),
                          ("[claimant-rate]\nvalue = 3\nyear = 2030\nby = 2", "unknown key")]:
        with pytest.raises(TargetsError, match=message):
            parse_targets(body)
    bad = tmp_path / "t.toml"
    bad.write_text("[no-such-indicator]\nvalue = 1\nyear = 2030\n")
    with pytest.raises(TargetsError, match=r"unknown indicator id\(s\) \['no-such-indicator'\]"):
        read_targets(bad)
    with pytest.raises(TargetsError, match="cannot be read"):
        read_targets(tmp_path / "missing.toml")
    assert _run(["scorecard", "LLEP", "--targets", str(bad)])[0] == 2  # a typed error, said once


def test_scorecard_shows_the_distance_to_each_target(raw_data_dir, small_map, tmp_path):
    small_map("claimant-rate", "gva-per-hour", "imd-average-score")
    path = tmp_path / "targets.toml"
    # BTV claimant rate 2.5% (2023, lower is better): a 2.0% target is 0.5 pp away, not yet met;
    # a 3.0% target would already be met.
    path.write_text("[claimant-rate]\nvalue = 2.0\nyear = 2030\n\n[gva-per-hour]\nvalue = 1.0\nyear = 2030\n")
    sc = scorecard("BTVLEP", vintage=2021, year=2023, targets=path)
    cl, gva, imd = _row(sc, "claimant-rate"), _row(sc, "gva-per-hour"), _row(sc, "imd-average-score")
    assert cl["value"] == pytest.approx(2.5)
    assert cl["to_target"] == pytest.approx(-0.5) and cl["to_target_basis"] == "percentage points"
    assert cl["target_status"] == "not yet met" and cl["target_year"] == 2030
    assert gva["target_status"] == "met" and gva["to_target"] == pytest.approx(1.0 - gva["value"])
    assert imd["target_status"] == "no target" and np.isnan(imd["target"])
    assert list(scorecard("BTVLEP", vintage=2021, year=2023).columns) == COLUMNS  # unchanged without targets

    # the baseline keeps the targets; a later comparison measures the new value against them
    monitoring_baseline("BTVLEP", vintage=2021, year=2020, path=tmp_path / "b", targets=path)
    meta = json.loads((tmp_path / "b.json").read_text())
    assert meta["targets"]["claimant-rate"] == {"value": 2.0, "year": 2030, "note": ""}
    cmp = compare_to_baseline(tmp_path / "b.csv", year=2023).set_index("indicator")
    assert cmp.loc["claimant-rate", "to_target"] == pytest.approx(-0.5)
    assert cmp.loc["claimant-rate", "target_status"] == "not yet met"

    rc, out = _run(["scorecard", "BTVLEP", "--year", "2023", "--targets", str(path), "--format", "csv"])
    df = pd.read_csv(io.StringIO(out))
    assert rc == 0 and df.set_index("indicator").loc["claimant-rate", "to_target"] == pytest.approx(-0.5)


def test_targets_sentence_counts_from_the_table():
    from evidence.errors import NoDataError
    from evidence.pack import themes

    card = pd.DataFrame({"foundation": ["People", "People", "Places"], "indicator": ["a", "b", "c"],
                         "title": ["Employment rate", "Claimant rate", "GVA per head"], "unit": ["%", "%", "£"],
                         "period": ["2023"] * 3, "value": [74.5, 2.5, 30000.0], "target": [78.0, 3.0, np.nan],
                         "target_year": pd.array([2030, 2030, None], dtype="Int64"), "to_target": [3.5, 0.5, np.nan],
                         "to_target_basis": ["percentage points", "percentage points", None],
                         "target_status": ["not yet met", "met", "no target"], "target_note": [None] * 3})
    dist = themes.distance_to_targets(card)
    assert dist["indicator"].tolist() == ["a", "b"]
    assert themes.targets_sentence(dist) == ("1 of the 2 targets is met; the furthest, relative to its target, is "
                                             "Employment rate (3.5 percentage points to go by 2030).")
    with pytest.raises(NoDataError, match="no targets were given"):
        themes.distance_to_targets(card.drop(columns=["target"]))


def test_build_refuses_a_bad_targets_file_before_any_work(tmp_path, monkeypatch):
    from evidence.pack import report

    bad = tmp_path / "targets.toml"
    bad.write_text("[gva-per-hour]\nvalue = 40\n")  # no year
    monkeypatch.setattr(report, "build_many", lambda *a, **k: pytest.fail("a pack was started"))
    buf = io.StringIO()
    from contextlib import redirect_stderr
    with redirect_stderr(buf):
        rc = main(["build", "LLEP", "--out", str(tmp_path / "out"), "--targets", str(bad)])
    assert rc == 2 and "needs both value and year" in buf.getvalue()
    assert not (tmp_path / "out").exists()
