"""The industry-mix / within-industry split of a productivity gap: identities and a hand-computed case."""

import numpy as np
import pandas as pd
import pytest

from evidence.indicators.productivity import decompose_productivity_gap
from evidence.pack import notebook, themes


def test_hand_computed_two_industries():
    # A: 2 jobs in x (GVA 30) and 2 in y (GVA 10); R: 1 job in x (GVA 60), 3 in y (GVA 60).
    # s_A = (.5, .5), p_A = (15, 5), P_A = 10; s_R = (.25, .75), p_R = (60, 20), P_R = 30.
    # mix = (.25)(60) + (-.25)(20) = 10; within = .5(15-60) + .5(5-20) = -30; gap = -20.
    df = pd.DataFrame({"area_code": ["A", "A", "R", "R"], "industry": ["x", "y", "x", "y"],
                       "gva": [30.0, 10.0, 60.0, 60.0], "jobs": [2.0, 2.0, 1.0, 3.0]})
    t = decompose_productivity_gap(df, area="A", reference="R").set_index("industry").loc["Total"]
    assert t["area_per_job"] == pytest.approx(10.0)
    assert t["reference_per_job"] == pytest.approx(30.0)
    assert t["mix"] == pytest.approx(10.0)
    assert t["within"] == pytest.approx(-30.0)


def test_same_structure_has_no_mix_effect():
    df = pd.DataFrame({"area_code": ["A", "A", "R", "R"], "industry": ["x", "y", "x", "y"],
                       "gva": [10.0, 40.0, 100.0, 200.0], "jobs": [1.0, 2.0, 10.0, 20.0]})
    t = decompose_productivity_gap(df, area="A", reference="R").set_index("industry").loc["Total"]
    assert t["mix"] == pytest.approx(0.0)


def test_industry_missing_in_either_area_is_dropped_from_both():
    df = pd.DataFrame({"area_code": ["A", "A", "R", "R"], "industry": ["x", "y", "x", "y"],
                       "gva": [10.0, np.nan, 100.0, 200.0], "jobs": [1.0, 2.0, 10.0, 20.0]})
    out = decompose_productivity_gap(df, area="A", reference="R")
    assert list(out["industry"]) == ["x", "Total"]
    assert out.iloc[-1]["reference_per_job"] == pytest.approx(10.0)


@pytest.mark.parametrize("area", ["Lancashire", "Blackpool", "ca:Greater Manchester"])
def test_real_areas_parts_sum_to_the_gap(area):
    ctx = notebook.setup(area=area)
    mix = themes.industry_mix(ctx)
    t = mix.set_index("industry").loc["Total"]
    assert t["mix"] + t["within"] == pytest.approx(t["area_per_job"] - t["reference_per_job"], rel=1e-9)
    body = mix[mix["industry"] != "Total"]
    assert body["mix"].sum() == pytest.approx(t["mix"])
    assert not body["industry"].str.startswith(("L ", "T ")).any()
    assert mix.attrs["year"] in (2017, 2019)


def test_lancashire_total_read_off_the_official_tables():
    # Lancashire LEP, 2019. BRES employment, LEP row E37000019 (sections A-U): all sections less L (9,000),
    # T and U (0) = 11,000 + 400 + 84,000 + 2,250 + 5,000 + 38,000 + 113,000 + 30,000 + 47,000 + 14,000 + 9,000
    # + 40,000 + 45,000 + 32,000 + 56,000 + 104,000 + 16,000 + 13,000 = 659,650.
    # Balanced GVA 2019, its 14 districts: total £34,265m less L £4,099m and T £108m = £30,058m (the published
    # sections sum to within £2m of the total).
    ctx = notebook.setup(area="Lancashire")
    mix = themes.industry_mix(ctx)
    t = mix.set_index("industry").loc["Total"]
    assert mix.attrs["year"] == 2019
    assert t["area_per_job"] == pytest.approx(30_058e6 / 659_650, rel=1e-4)
    assert t["mix"] + t["within"] == pytest.approx(t["area_per_job"] - t["reference_per_job"])
