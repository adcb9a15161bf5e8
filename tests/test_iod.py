"""IoD2025 LAD summaries: values read off File 10, identities, and bad input."""

from __future__ import annotations

import shutil

import openpyxl
import pandas as pd
import pytest

from evidence.errors import SchemaError, UnknownAreaError
from evidence.sources import iod
from evidence.sources.base import load, validate
from tests.conftest import shared_file


@pytest.fixture(scope="module")
def df(raw_data_dir) -> pd.DataFrame:
    return load(iod.DEPRIVATION)


def value(df, area, domain, measure):
    rows = df[(df["area_code"] == area) & (df["domain"] == domain) & (df["measure"] == measure)]
    assert len(rows) == 1
    return rows.iloc[0]["value"]


def test_shape_and_contract(df):
    validate(df, iod.DEPRIVATION)
    # 296 LADs x (10 domains x 6 measures + 4 IMD extent/concentration + 2 x 2 income/employment scale)
    assert len(df) == 296 * (10 * 6 + 4 + 4) == 20128
    assert df.groupby("domain", observed=True)["area_code"].nunique().eq(296).all()
    assert set(df["year"]) == {2025}
    assert df["flag"].isna().all()
    assert set(df.loc[df["additive"], "measure"]) == {"scale"}
    assert df.attrs["provenance"][0]["name"] == "iod2025-lad"


def test_known_cells(df):
    # Milton Keynes, IMD sheet: 15478.75 | 157 | 18.503 | 156 | 0.0482 | 125 | 0.1202 | 143 | 30250.04 | 126
    assert value(df, "E06000042", "IMD", "average_rank") == 15478.75
    assert value(df, "E06000042", "IMD", "rank_of_average_rank") == 157
    assert value(df, "E06000042", "IMD", "average_score") == 18.503
    assert value(df, "E06000042", "IMD", "proportion_lsoas_most_deprived_10pct") == 0.0482
    assert value(df, "E06000042", "IMD", "extent") == 0.1202
    assert value(df, "E06000042", "IMD", "rank_of_local_concentration") == 126
    # Hartlepool: 42.11% of LSOAs in England's most deprived decile (a fraction in the file)
    assert value(df, "E06000001", "IMD", "proportion_lsoas_most_deprived_10pct") == 0.4211
    assert value(df, "E06000001", "Income", "scale") == 33507
    assert value(df, "E06000001", "Employment", "scale") == 14155.42
    assert value(df, "E06000001", "Employment", "rank_of_scale") == 119
    # LAD 2024 codes: Barnsley keeps E08000016
    assert value(df, "E08000016", "IMD", "average_rank") == 22428.44


def test_units_and_domains(df):
    units = df.drop_duplicates("measure").set_index("measure")["unit"].astype(str).to_dict()
    assert units["average_rank"] == "rank" and units["average_score"] == "score"
    assert units["proportion_lsoas_most_deprived_10pct"] == "proportion" and units["extent"] == "proportion"
    assert units["scale"] == "persons"
    assert set(df["domain"].astype(str)) == set(iod.DOMAINS)


def test_identities(df):
    props = df[df["unit"] == "proportion"]["value"]
    assert props.between(0, 1).all()
    imd_rank = df[(df["domain"] == "IMD") & (df["measure"] == "rank_of_average_rank")]["value"]
    assert sorted(imd_rank.astype(int)) == list(range(1, 297))  # rank 1 = most deprived, no ties
    # the most deprived LAD on average score is ranked 1
    imd = df[df["domain"] == "IMD"].pivot(index="area_code", columns="measure", values="value")
    assert imd["rank_of_average_score"][imd["average_score"].idxmax()] == 1


def test_getter(raw_data_dir):
    out = iod.get_deprivation(domains="IMD", measures=["average_rank", "rank_of_average_rank"], areas="E06000042")
    assert out.set_index("measure")["value"].to_dict() == {"average_rank": 15478.75, "rank_of_average_rank": 157}
    with pytest.raises(ValueError, match="unknown domain"):
        iod.get_deprivation(domains="Housing")
    with pytest.raises(UnknownAreaError):
        iod.get_deprivation(areas="E07000005")  # abolished before 2024


# --------------------------------------------------------------------------------------------- bad input


@pytest.fixture
def workbook(tmp_path):
    src = shared_file("iod2025-lad")
    dst = tmp_path / src.name
    shutil.copy(src, dst)
    return dst


def test_renamed_sheet(workbook):
    wb = openpyxl.load_workbook(workbook)
    wb["Crime"].title = "Crimes"
    wb.save(workbook)
    with pytest.raises(SchemaError, match=r"IoD2025.*\['Crime'\]"):
        iod.parse_deprivation({"iod2025-lad": workbook})


def test_renamed_header_cell(workbook):
    wb = openpyxl.load_workbook(workbook)
    assert wb["IMD"]["C1"].value.strip() == "IMD - Average rank"
    wb["IMD"]["C1"] = "IMD - Mean rank"
    wb.save(workbook)
    with pytest.raises(SchemaError, match=r"sheet 'IMD'.*IMD - Average rank"):
        iod.parse_deprivation({"iod2025-lad": workbook})


def test_moved_header_row(workbook):
    wb = openpyxl.load_workbook(workbook)
    wb["Health"].insert_rows(1)
    wb.save(workbook)
    with pytest.raises(SchemaError, match=r"sheet 'Health'"):
        iod.parse_deprivation({"iod2025-lad": workbook})


def test_truncated_file(workbook):
    data = workbook.read_bytes()
    workbook.write_bytes(data[: len(data) // 2])
    with pytest.raises(SchemaError, match=r"IoD2025.*could not be opened as a workbook"):
        iod.parse_deprivation({"iod2025-lad": workbook})
