"""The districts inside an area: gap shares, concentration, chain-linked growth, and the table for each area type."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evidence import geography
from evidence.errors import AggregationError, NoDataError
from evidence.indicators.districts import chained_volume_growth, concentration, gap_contributions
from evidence.pack import themes
from evidence.sources import get

# Subregional productivity, June 2025 release (labourproductivitylad1.xls), 2023: GVA per hour (£) and hours
# worked (a week) of Leicester and Leicestershire's eight districts.
LLEP_2023 = {
    "E06000016": (35.47, 5432422.0), "E07000129": (41.17, 2124655.0), "E07000130": (35.18, 2451704.0),
    "E07000131": (34.79, 1391682.0), "E07000132": (37.47, 1452287.0), "E07000133": (34.45, 828959.0),
    "E07000134": (36.55, 2469895.0), "E07000135": (27.9, 637523.0),
}


def test_gap_shares_add_to_100_and_the_contributions_to_the_areas_own_gap():
    df = pd.DataFrame({"area_code": list("abc"), "value": [30.0, 38.0, 45.0], "weight": [2.0, 3.0, 1.0]})
    out = gap_contributions(df, benchmark=40.0)
    area_rate = (30 * 2 + 38 * 3 + 45) / 6
    assert out["contribution"].sum() == pytest.approx(6 * (40.0 - area_rate))  # H (r_B - r_A)
    assert out["share"].sum() == pytest.approx(100.0)
    assert out["contribution"].tolist() == [20.0, 6.0, -5.0]
    assert concentration(out) == ["a"]  # 20 / 21 = 95%
    above = gap_contributions(df.assign(value=[50.0, 50.0, 50.0]), benchmark=40.0)
    assert above["share"].isna().all() and concentration(above) == []
    with pytest.raises(NoDataError):
        gap_contributions(df.assign(value=[np.nan, 1.0, 2.0]), benchmark=40.0)


def test_chained_volume_growth_chains_previous_year_prices_and_never_sums_volumes():
    df = pd.DataFrame({"area_code": ["a"] * 3 + ["b"] * 3, "year": [2020, 2021, 2022] * 2,
                       "current_prices": [100.0, 120.0, 130.0, 100.0, 100.0, 100.0],
                       "cvm": [100.0, 110.0, 110.0, 100.0, 100.0, 90.0]})
    # 2021: (100 x 1.1 + 100 x 1.0) / 200 = 1.05; 2022: (120 x 1.0 + 100 x 0.9) / 220 = 0.954545...
    expected = 100 * ((1.05 * 210 / 220) ** 0.5 - 1)
    assert chained_volume_growth(df, start=2020, end=2022) == pytest.approx(expected)
    assert chained_volume_growth(df[df["area_code"] == "a"], start=2020, end=2022) == pytest.approx(
        100 * ((110 / 100) ** 0.5 - 1))
    with pytest.raises(AggregationError):
        chained_volume_growth(df[df["year"] != 2021], start=2020, end=2022)


class _Ctx:
    def __init__(self, area: str, vintage: int = 2021, type_: str | None = None):
        self.area = geography.resolve(f"{type_}:{area}" if type_ else area, vintage=vintage)
        self.vintage = vintage
        self.name = self.area.name


def test_llep_districts_gap_is_concentrated_in_leicester_and_charnwood(raw_data_dir):
    ctx = _Ctx("Leicester and Leicestershire", 2017)
    table = themes.districts_table(ctx)
    prod = get("productivity")
    eng = prod[(prod["year"] == 2023) & prod["area_code"].isin(geography.lad_codes("E92000001"))]
    eng = eng.pivot_table(index="area_code", columns="measure", values="value", observed=True)
    england = (eng["gva_per_hour"] * eng["hours"]).sum() / eng["hours"].sum()  # England: ratio of sums
    gap = {c: h * (england - v) for c, (v, h) in LLEP_2023.items()}
    total = sum(gap.values())
    rows = table.set_index("code")
    assert rows.loc["E92000001", "gva_per_hour"] == pytest.approx(england)
    assert rows.loc["E06000016", "share_of_gap"] == pytest.approx(100 * gap["E06000016"] / total)
    assert rows.loc["E06000016", "share_of_gap"] == pytest.approx(35.46, abs=0.01)
    assert rows.loc["E07000130", "share_of_gap"] == pytest.approx(16.66, abs=0.01)
    assert rows.loc[rows["row"] == "district", "share_of_gap"].sum() == pytest.approx(100.0)
    # ONS Regional GVA by LA, Table 2 (chained volume, 2022 money): Leicester 8,633 (2013) -> 9,434 (2023)
    assert rows.loc["E06000016", "gva_growth_pa"] == pytest.approx(100 * ((9434 / 8633) ** 0.1 - 1))
    # APS (Explore Local Statistics), 2023: Leicester 65.1% (60.6-69.6) is below England's 76.0% (75.6-76.4)
    assert rows.loc["E06000016", ["employment_rate", "employment_lci_95", "employment_uci_95"]].tolist() == \
        [65.1, 60.6, 69.6]
    assert rows.loc["E06000016", "employment_vs_england"] == "below England"
    assert rows.loc["E07000131", "employment_vs_england"] == "not significantly different from England"
    text = themes.districts_sentence(table, ctx)
    assert "Leicester and Charnwood account for 52% of the gap" in text
    shown = themes.districts_display(table)
    assert "GVA per hour worked (£, 2023, current prices)" in shown.columns and "Row" not in shown.columns


@pytest.mark.parametrize(("area", "type_"), [("Blackpool", None), ("Greater Manchester", "ca"),
                                             ("Oxford-Cambridge Arc", None)])
def test_every_area_type_gets_a_table_and_a_map(raw_data_dir, area, type_):
    ctx = _Ctx(area, 2021, type_)
    table = themes.districts_table(ctx)
    text = themes.districts_sentence(table, ctx)
    lads, codes, around, shade, title = themes.districts_map(ctx, table)
    assert set(codes) <= set(shade.index) and "GVA per hour" in title
    if ctx.area.type == "lad":
        assert text.startswith("Blackpool is a single district") and len(table) == 2  # itself and England
    else:
        assert (table["row"] == "district").sum() == len(set(codes)) > 1 and "account" in text
