from __future__ import annotations

import io

import pandas as pd

from evidence.cli import main


def _csv(capsys) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(capsys.readouterr().out), dtype={"area_code": str, "industry": str})


def test_show_gva_milton_keynes_1998_acceptance(raw_data_dir, capsys):
    assert main(["show", "gva", "--area", "E06000042", "--year", "1998", "--format", "csv"]) == 0
    df = _csv(capsys)
    row = df[(df.industry == "Total") & (df.measure == "current_prices")]
    assert row["value"].tolist() == [5154.0]
    assert set(df["area_code"]) == {"E06000042"} and set(df["year"]) == {1998}


def test_show_filters_a_lep_to_its_member_lads(raw_data_dir, capsys):
    assert main(["show", "population", "--area", "OxLEP", "--years", "2020:2023", "--format", "csv"]) == 0
    df = _csv(capsys)
    assert set(df["area_code"]) == {"E07000177", "E07000178", "E07000179", "E07000180", "E07000181"}
    assert sorted(df["year"].unique()) == [2020, 2021, 2022, 2023]


def test_show_unknown_dataset_and_area(raw_data_dir, capsys):
    assert main(["show", "gvaa"]) == 2
    assert "gva" in capsys.readouterr().err
    assert main(["show", "gva", "--area", "Nowhereshire LEP"]) == 2
    assert "Unknown" in capsys.readouterr().err


def test_indicator_aliases_where_a_dataset_has_the_name(raw_data_dir, capsys):
    assert main(["show", "resident-population", "--area", "OxLEP", "--year", "2023", "--format", "csv"]) == 0
    df = _csv(capsys)
    assert set(df["area_code"]) == {"E37000053", "E92000001"}
    assert set(df["indicator"]) == {"population"}


def test_show_covers_the_foundation_metrics(raw_data_dir, capsys):
    assert main(["show", "employment-rate", "--area", "Lancashire", "--year", "2022", "--format", "csv"]) == 0
    df = _csv(capsys)
    lancs = df[df.area_code == "E37000019"]
    assert lancs["value"].round(4).tolist() == [round(100 * 651_200 / 892_800, 4)]
    assert set(df["method"]) >= {"published"}
