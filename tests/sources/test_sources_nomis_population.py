"""Nomis all-ages population CSV (1991-2022): values read off the official file."""

from __future__ import annotations

import math

import pytest

from evidence.errors import SchemaError
from evidence.sources import nomis_population as pop
from tests.conftest import shared_file


@pytest.fixture(scope="module")
def frame():
    return pop.parse_population_nomis({pop.ENTRY: shared_file(pop.ENTRY)})


def _value(df, code, year):
    return df[(df["area_code"] == code) & (df["year"] == year)].iloc[0]


def test_shape_and_known_values(frame):
    assert frame["area_code"].nunique() == 374
    assert len(frame) == 374 * 32
    assert _value(frame, "E06000005", 2022)["value"] == 109469  # Darlington
    assert _value(frame, "E06000005", 1991)["value"] == 99342
    assert _value(frame, "E06000005", 1991)["area_name"] == "Darlington"
    assert _value(frame, "N09000003", 2001)["value"] == 328695  # Belfast, first NI year
    assert set(frame["unit"]) == {"persons"} and frame["additive"].all()


def test_missing_cells_are_na_with_flag(frame):
    belfast_1991 = _value(frame, "N09000003", 1991)
    assert math.isnan(belfast_1991["value"]) and belfast_1991["flag"] == "-"
    w_lothian_2022 = _value(frame, "S12000040", 2022)
    assert math.isnan(w_lothian_2022["value"]) and w_lothian_2022["flag"] == "-"
    # NI 1991-2000 (11 x 10) + Scotland 2022 (32) + NI 2022 (11)
    assert frame["flag"].eq("-").sum() == 153
    assert frame["value"].isna().sum() == 153
    eng_wales = frame[frame["area_code"].astype(str).str[0].isin(["E", "W"])]
    assert eng_wales["value"].notna().all()


def test_renamed_header_is_a_schema_error(tmp_path):
    src = shared_file(pop.ENTRY)
    path = tmp_path / src.name
    path.write_text(src.read_text(encoding="utf-8").replace('"mnemonic"', '"code"'), encoding="utf-8")
    with pytest.raises(SchemaError, match=r"expected the columns 'mnemonic'"):
        pop.parse_population_nomis({pop.ENTRY: path})


def test_truncated_file_is_a_schema_error(tmp_path):
    src = shared_file(pop.ENTRY)
    path = tmp_path / src.name
    data = src.read_bytes()
    path.write_bytes(data[: data.index(b'"Belfast"')])
    with pytest.raises(SchemaError, match="truncated"):
        pop.parse_population_nomis({pop.ENTRY: path})


def test_getter(raw_data_dir):
    df = pop.get_population_nomis(area_codes=["E06000005", "E06000001"], years=[2021, 2022])
    assert df.set_index(["area_code", "year"])["value"].to_dict() == {
        ("E06000001", 2021): 92575, ("E06000001", 2022): 93861,
        ("E06000005", 2021): 108210, ("E06000005", 2022): 109469}
    assert df.attrs["provenance"][0]["name"] == pop.ENTRY
