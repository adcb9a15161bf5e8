"""Comparators: ranks among LEPs and nearest statistical neighbours (toy identities, then real data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evidence.errors import InvalidArgumentError, UnknownAreaError, UnknownDatasetError
from evidence.indicators import area as area_ind
from evidence.indicators import comparators as C

LLEP = "Leicester and Leicestershire"
LLEP_CODE = "E37000021"


# ----------------------------------------------------------------------------------------------- toy
@pytest.fixture
def toy() -> pd.DataFrame:
    # B is identical to A in every indicator; C and D differ.
    return pd.DataFrame({"x": [1.0, 1.0, 3.0, 5.0], "y": [10.0, 10.0, 30.0, 20.0], "pop": [1e5, 1e5, 1e6, 1e4]},
                        index=pd.Index(["A", "B", "C", "D"], name="area_code"))


def test_standardise_by_hand(toy):
    z = C.standardise(toy, log=["pop"])
    x = toy["x"]
    assert z["x"].tolist() == pytest.approx(((x - x.mean()) / x.std(ddof=0)).tolist())
    lp = np.log(toy["pop"])
    assert z["pop"].tolist() == pytest.approx(((lp - lp.mean()) / lp.std(ddof=0)).tolist())
    assert np.allclose(z.mean(), 0) and np.allclose(z.std(ddof=0), 1)
    flat = C.standardise(pd.DataFrame({"c": [2.0, 2.0]}, index=["A", "B"]))
    assert flat["c"].tolist() == [0.0, 0.0]
    with pytest.raises(InvalidArgumentError, match="logged"):
        C.standardise(pd.DataFrame({"p": [0.0, 1.0]}), log=["p"])


def test_identical_area_has_distance_zero_and_order(toy):
    z = C.standardise(toy)
    d = C.distances(z, "A")
    assert "A" not in d["area_code"].tolist()
    assert d.loc[0, "area_code"] == "B" and d.loc[0, "distance"] == 0.0
    assert d["distance"].is_monotonic_increasing
    by_hand = np.sqrt(((z.loc["C"] - z.loc["A"]) ** 2).sum())
    assert d.set_index("area_code").at["C", "distance"] == pytest.approx(by_hand)


def test_weights_and_missing_values(toy):
    z = C.standardise(toy)
    only_x = C.distances(z, "A", weights={"x": 1.0, "y": 0.0, "pop": 0.0}).set_index("area_code")
    # With the weight on x alone: sqrt(W/W_ab * (zx_C - zx_A)^2) with W = W_ab = 1.
    assert only_x.at["D", "distance"] == pytest.approx(abs(z.at["D", "x"] - z.at["A", "x"]))
    assert (only_x["indicators_used"] == 1).all()
    zm = z.copy()
    zm.loc["C", "y"] = np.nan
    d = C.distances(zm, "A").set_index("area_code")
    both = (zm.loc["C", ["x", "pop"]] - zm.loc["A", ["x", "pop"]]) ** 2
    assert d.at["C", "distance"] == pytest.approx(np.sqrt(both.sum() * 3 / 2))
    assert d.at["C", "indicators_used"] == 2
    with pytest.raises(InvalidArgumentError, match="not among the indicators"):
        C.distances(z, "A", weights={"q": 1.0})
    with pytest.raises(InvalidArgumentError, match="non-negative"):
        C.distances(z, "A", weights={"x": -1.0})
    with pytest.raises(InvalidArgumentError, match="not in the comparison"):
        C.distances(z, "Z")


# ----------------------------------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def neighbours(raw_data_dir) -> pd.DataFrame:
    return C.nearest_neighbours(LLEP, year=2022, k=5)


def test_nearest_neighbours_real(neighbours):
    nn = neighbours
    assert len(nn) == 5 and nn["rank"].tolist() == [1, 2, 3, 4, 5]
    assert LLEP_CODE not in nn["area_code"].tolist()
    assert nn["distance"].is_monotonic_increasing and (nn["distance"] > 0).all()
    assert list(nn.columns[5:]) == list(C.DEFAULT_NEIGHBOUR_INDICATORS)
    assert nn["area_code"].str.match(r"^E37\d{6}$").all()
    t = nn.attrs["target"]
    assert t["area_code"] == LLEP_CODE and t["year"] == 2022 and set(C.DEFAULT_NEIGHBOUR_INDICATORS) <= set(t)
    assert nn.attrs["provenance"] and "z-scores" in nn.attrs["caveats"][0]
    assert any("Cornwall and Isles of Scilly" in c for c in nn.attrs["caveats"])   # its shares are suppressed


# Leicester and Leicestershire's eight districts in 2022, read off the official tables:
# ONS subregional productivity (June 2025), sheets A3 (smoothed GVA per hour, £) and Productivity Hours;
# ONS regional GVA by local authority (April 2025), TLF East Midlands, Table 3 (current prices, £ million):
# Total, manufacturing (the six rows CA-CB .. CM) and KIBS (61-63, 69, 70, 71, 72-75).
LLEP_2022 = {  # code: (£ per hour, hours, GVA total 2022, GVA total 2017, manufacturing 2022, KIBS 2022)
    "E06000016": (35.05, 5295679, 9506, 8231, 1242, 1082),   # Leicester
    "E07000129": (39.63, 2074538, 4300, 3569, 291, 603),     # Blaby
    "E07000130": (34.42, 2501030, 4218, 3547, 774, 440),     # Charnwood
    "E07000131": (34.25, 1427374, 2467, 2014, 155, 209),     # Harborough
    "E07000132": (36.74, 1417977, 2776, 2288, 637, 299),     # Hinckley and Bosworth
    "E07000133": (34.40, 768507, 1416, 1140, 525, 62),       # Melton
    "E07000134": (35.66, 2349320, 4399, 3270, 586, 477),     # North West Leicestershire
    "E07000135": (27.00, 643856, 886, 745, 149, 33),         # Oadby and Wigston
}


def test_neighbour_target_values_computed_by_hand(neighbours):
    rows = LLEP_2022.values()
    hours = sum(r[1] for r in rows)
    gva22, gva17 = sum(r[2] for r in rows), sum(r[3] for r in rows)
    assert (hours, gva22, gva17) == (16478281, 29968, 24804)
    t = neighbours.attrs["target"]
    assert t["gva-per-hour"] == pytest.approx(sum(r[0] * r[1] for r in rows) / hours, rel=1e-9)
    assert t["gva-per-hour"] == pytest.approx(35.3492, abs=5e-5)
    assert t["manufacturing-share"] == pytest.approx(100 * 4359 / 29968, rel=1e-9)      # 14.55%
    assert t["kibs-share"] == pytest.approx(100 * 3205 / 29968, rel=1e-9)               # 10.69%
    assert t["gva-growth-5y"] == pytest.approx(100 * ((29968 / 24804) ** 0.2 - 1), rel=1e-9)  # 3.85% a year


def test_kibs_share_of_a_district_by_hand(raw_data_dir):
    # Blackpool, 2022, TLD North West Table 3: 61-63 = 44, 69 = 53, 70 = 7, 71 = 11, 72-75 = 21 (£ million);
    # all industries = 3147. The share is of the published total (the leaves add to 3148 through rounding).
    v = C.values(["kibs-share", "manufacturing-share"], year=2022, type="lad")
    assert v.at["E06000009", "kibs-share"] == pytest.approx(100 * (44 + 53 + 7 + 11 + 21) / 3147, rel=1e-9)
    # manufacturing: CA-CB 85 + CC 6 + CD-CG 34 + CH 33 + CI-CL 37 + CM 17 = 212 (the published C row says 214)
    assert v.at["E06000009", "manufacturing-share"] == pytest.approx(100 * 212 / 3147, rel=1e-9)


def test_rank_structure_indicator(raw_data_dir):
    r = C.rank("manufacturing-share", year=2022)
    assert len(r) == 38 and r["value"].notna().sum() == 37 == r["of"].iloc[0]
    assert r.loc[r["value"].isna(), "area_name"].tolist() == ["Cornwall and Isles of Scilly"]
    ranked = r.dropna(subset=["value"])
    assert ranked["rank"].tolist() == list(range(1, 38))
    assert ranked["value"].is_monotonic_decreasing
    llep = r.set_index("area_code").loc[LLEP_CODE]
    assert llep["value"] == pytest.approx(100 * 4359 / 29968, rel=1e-9)
    # by hand: the LEPs with a higher manufacturing share than 14.55% ...
    assert llep["rank"] == 1 + int((ranked["value"] > 100 * 4359 / 29968).sum())
    assert C.rank("gva-per-hour", year=2022).equals(area_ind.rank_among("gva-per-hour", year=2022))
    with pytest.raises(UnknownDatasetError, match="kibs-share"):
        C.rank("kibs", year=2022)


# GVA per hour in 2023 of the 11 combined authorities (May 2024 lookup), ΣGVA/Σhours over their districts in
# ONS subregional productivity (June 2025), sheets A3 and Productivity Hours, computed by hand from the file.
CA_GVA_PER_HOUR_2023 = {
    "E47000009": 41.902852,  # West of England
    "E47000008": 40.404747,  # Cambridgeshire and Peterborough
    "E47000001": 39.876455,  # Greater Manchester
    "E47000012": 38.161888,  # York and North Yorkshire
    "E47000004": 37.383986,  # Liverpool City Region
    "E47000003": 37.306468,  # West Yorkshire
    "E47000014": 36.012242,  # North East
    "E47000007": 35.732199,  # West Midlands
    "E47000013": 35.651859,  # East Midlands
    "E47000006": 35.392239,  # Tees Valley
    "E47000002": 33.863416,  # South Yorkshire
}


def test_ca_ranks_among_the_eleven_combined_authorities(raw_data_dir):
    r = C.rank("gva-per-hour", year=2023, type="ca")
    assert len(r) == 11 and (r["of"] == 11).all()
    assert r["area_code"].tolist() == list(CA_GVA_PER_HOUR_2023)   # the hand order, best first
    assert r["rank"].tolist() == list(range(1, 12))
    assert r["value"].tolist() == pytest.approx(list(CA_GVA_PER_HOUR_2023.values()), abs=5e-7)
    gm = r.set_index("area_code").loc["E47000001"]
    assert (gm["rank"], gm["area_name"]) == (3, "Greater Manchester")


def test_ca_neighbours_on_one_indicator_by_hand(raw_data_dir):
    """On GVA per hour alone, the distance is |x_a - x_b| / sigma over the 11 CAs (population s.d.)."""
    import statistics
    x = CA_GVA_PER_HOUR_2023
    sd = statistics.pstdev(x.values())
    nn = C.nearest_neighbours("ca:Greater Manchester", year=2023, k=5, indicators=["gva-per-hour"])
    assert nn["area_code"].tolist() == ["E47000008", "E47000012", "E47000009", "E47000004", "E47000003"]
    expected = [abs(x[c] - x["E47000001"]) / sd for c in nn["area_code"]]
    assert nn["distance"].tolist() == pytest.approx(expected, rel=1e-5)
    assert nn.attrs["among"] == "combined authorities"


def test_ca_neighbours_default_indicators_are_sensible(raw_data_dir):
    """Greater Manchester's nearest CAs on the seven default indicators are the other two large northern
    metropolitan city regions, West Yorkshire and Liverpool City Region: GVA per hour within 7% of Greater
    Manchester's (37.3 and 37.4 against 39.9), service economies with manufacturing at 10-11% of GVA (8% in
    GM), and nominal growth of 5.5-6.0% a year. Small, rural or high-KIBS authorities (Tees Valley,
    Cambridgeshire and Peterborough) are not the closest."""
    nn = C.nearest_neighbours("ca:Greater Manchester", k=10)
    assert nn["area_code"].iloc[:2].tolist() == ["E47000003", "E47000004"]
    assert "E47000006" not in nn["area_code"].iloc[:5].tolist()
    assert len(nn) == 10 and "E47000001" not in nn["area_code"].tolist()


def test_neighbours_bad_input(raw_data_dir):
    with pytest.raises(UnknownAreaError):
        C.nearest_neighbours("No Such Place", year=2022)
    with pytest.raises(InvalidArgumentError, match="k must"):
        C.nearest_neighbours(LLEP, year=2022, k=0)
    nn = C.nearest_neighbours("Cornwall and Isles of Scilly", year=2022, k=3,
                              indicators=["gva-per-head", "manufacturing-share"])
    assert (nn["indicators_used"] == 1).all() and len(nn) == 3
