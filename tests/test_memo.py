"""The result cache gives the same answers as computing afresh, and only while code and data are unchanged."""

from __future__ import annotations

import pandas as pd
import pytest

from evidence.indicators import foundations, memo
from evidence.indicators.scorecard import scorecard

LEPS = ["Lancashire", "BTVLEP", "Greater Lincolnshire"]
METRICS = ["employment-rate", "business-birth-rate", "gva-per-hour", "survival-3y", "commuting-pay-gap"]


@pytest.fixture
def cache_on(raw_data_dir, monkeypatch):
    monkeypatch.setenv(memo.ENV, "on")
    memo.clear()
    foundations._SHARED.clear()
    yield memo.results_dir()
    memo.clear()
    foundations._SHARED.clear()


def _fresh(fn):
    """``fn()`` with the cache off (a new context, nothing reused)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(memo.ENV, "off")
        return fn()


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs == b.attrs


@pytest.mark.parametrize("metric", METRICS)
def test_lep_rows_cut_from_all_leps_equal_a_direct_computation(cache_on, metric):
    for area in LEPS:
        for comparators in (["England"], ["England", "UK"]):
            cached = foundations.compute(metric, [area], comparators=comparators)
            direct = _fresh(lambda a=area, c=comparators: foundations.compute(metric, [a], comparators=c))
            _same(cached, direct)


def test_scorecard_from_disk_equals_a_fresh_scorecard(cache_on):
    first = scorecard("Lancashire")
    assert list(cache_on.glob("foundation-metric-*.pkl"))
    memo.clear(disk=False)  # the second answer comes from the files
    foundations._SHARED.clear()
    again = scorecard("Lancashire")
    fresh = _fresh(lambda: scorecard("Lancashire"))
    _same(first, fresh)
    _same(again, fresh)


def test_a_change_in_the_data_is_a_new_key(cache_on, monkeypatch):
    calls = []
    build = lambda: calls.append(1) or pd.DataFrame({"x": [1]})  # noqa: E731
    memo.cached("probe", ("k",), build)
    memo.cached("probe", ("k",), build)
    assert len(calls) == 1
    monkeypatch.setattr(memo, "data_state", lambda: "other data")
    memo.cached("probe", ("k",), build)
    assert len(calls) == 2


def test_callers_cannot_change_a_cached_frame(cache_on):
    a = memo.cached("probe", ("frame",), lambda: pd.DataFrame({"x": [1.0]}, ).assign(y=2))
    a.loc[0, "x"] = 99.0
    a.attrs["note"] = "mine"
    b = memo.cached("probe", ("frame",), lambda: pd.DataFrame())
    assert b.loc[0, "x"] == 1.0 and "note" not in b.attrs


def test_a_damaged_file_is_recomputed(cache_on):
    memo.cached("probe", ("damaged",), lambda: 1)
    for p in cache_on.glob("probe-*.pkl"):
        p.write_bytes(b"not a pickle")
    memo.clear(disk=False)
    assert memo.cached("probe", ("damaged",), lambda: 2) == 2


def test_off_computes_every_time(monkeypatch):
    monkeypatch.setenv(memo.ENV, "off")
    calls = []
    for _ in range(2):
        memo.cached("probe", ("off",), lambda: calls.append(1))
    assert len(calls) == 2


@pytest.mark.parametrize("name", ["gva", "gva-per-hour", "gva-per-head", "jobs", "population"])
def test_area_indicators_and_ranks_with_the_cache_equal_a_direct_computation(cache_on, name):
    from evidence.indicators import area

    for _ in range(2):  # the second round reads the cache
        cached = area.compute(name, ["Lancashire"], comparators=["England", "UK"])
        _same(cached, _fresh(lambda: area.compute(name, ["Lancashire"], comparators=["England", "UK"])))
        ranks = area.rank_among(name, year=2022)
        _same(ranks, _fresh(lambda: area.rank_among(name, year=2022)))


def test_sector_tables_with_the_cache_equal_a_direct_computation(cache_on):
    from evidence.indicators import comparators, sectors

    for _ in range(2):
        lq = sectors.location_quotients("Lancashire", year=2022, level="section")
        _same(lq, _fresh(lambda: sectors.location_quotients("Lancashire", year=2022, level="section")))
        ss = sectors.shift_share_for("BTVLEP", start=2013, end=2023, level="section")
        _same(ss, _fresh(lambda: sectors.shift_share_for("BTVLEP", start=2013, end=2023, level="section")))
        nn = comparators.nearest_neighbours("Lancashire")
        _same(nn, _fresh(lambda: comparators.nearest_neighbours("Lancashire")))


def test_sector_gva_apportioned_with_the_cache_equals_a_direct_computation(cache_on):
    from evidence.indicators import sectors

    for area in ("Lancashire", "E47000001"):  # a sum of districts; Greater Manchester CA's own BRES rows
        for _ in range(2):
            lq = sectors.location_quotients(area, year=2022, family="grand-challenges")
            _same(lq, _fresh(lambda a=area: sectors.location_quotients(a, year=2022, family="grand-challenges")))
    # England's division employment is kept once, for every area, and only for this code and data
    for kind in ("bres-lad-divisions", "bres-england-divisions", "bres-ca-divisions"):
        assert len(list(cache_on.glob(f"{kind}-*.pkl"))) == 1, kind


@pytest.mark.parametrize("change", ["data_state", "code_fingerprint"])
def test_england_division_employment_is_recomputed_when_data_or_code_change(cache_on, monkeypatch, change):
    from evidence.indicators import sectors

    calls = []
    real = sectors._england_divisions
    monkeypatch.setattr(sectors, "_england_divisions", lambda: calls.append(1) or real())
    first = sectors._division_source(sectors.ENGLAND, 2021, "exclude")
    sectors._division_source(sectors.ENGLAND, 2021, "exclude")
    assert len(calls) == 1
    monkeypatch.setattr(memo, change, lambda: "changed")
    again = sectors._division_source(sectors.ENGLAND, 2021, "exclude")
    assert len(calls) == 2
    _same(first[0], again[0])
    assert len(list(cache_on.glob("bres-england-divisions-*.pkl"))) == 2


def _fingerprint_of(package, monkeypatch) -> str:
    monkeypatch.setattr(memo.config, "PACKAGE_DIR", package)
    memo.code_fingerprint.cache_clear()
    try:
        return memo.code_fingerprint()
    finally:
        memo.code_fingerprint.cache_clear()


def test_the_code_key_changes_with_the_computing_code_not_with_the_pack(tmp_path, monkeypatch):
    """Cached results are kept when a chart or the report changes, and recomputed when the code that computes
    them (indicators, sources, geography, scenarios, the core) or a shipped table changes."""
    import shutil

    package = tmp_path / "evidence"
    shutil.copytree(memo.config.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    before = _fingerprint_of(package, monkeypatch)
    assert _fingerprint_of(package, monkeypatch) == before
    for presentation in ("pack/charts.py", "pack/report_templates", "cli.py"):
        target = package / presentation
        if target.is_dir():
            (target / "new.css").write_text("body {}")
        else:
            target.write_text(target.read_text() + "\n# a change to the presentation\n")
        assert _fingerprint_of(package, monkeypatch) == before, presentation
    for computing in ("indicators/area.py", "sources/base.py", "geography/__init__.py", "frames.py"):
        changed = package / computing
        original = changed.read_text()
        changed.write_text(original + "\n# a change to the computation\n")
        assert _fingerprint_of(package, monkeypatch) != before, computing
        changed.write_text(original)
    assert _fingerprint_of(package, monkeypatch) == before
    shipped = next(p for p in sorted((package / "data").rglob("*")) if p.is_file())
    shipped.write_bytes(shipped.read_bytes() + b"\n")
    assert _fingerprint_of(package, monkeypatch) != before


def test_no_presentation_code_caches_a_result():
    """The fingerprint leaves out the pack layer and the entry points, so none of them may call the cache."""
    import ast

    root = memo.config.PACKAGE_DIR
    files = [p for name in memo.PRESENTATION for p in ([root / name] if name.endswith(".py")
                                                       else sorted((root / name).rglob("*.py")))]
    assert len(files) > 5
    for path in files:
        tree = ast.parse(path.read_text(), filename=str(path))
        names = {n.attr if isinstance(n, ast.Attribute) else n.id for n in ast.walk(tree)
                 if isinstance(n, (ast.Attribute, ast.Name))}
        imported = {a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
        assert "memo" not in imported and "cached" not in names, path
