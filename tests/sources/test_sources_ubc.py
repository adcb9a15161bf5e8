"""UK Business Counts Nomis downloads: values read off the official files (Data sheet)."""

from __future__ import annotations

import openpyxl
import pytest

from evidence.errors import SchemaError
from evidence.sources import ubc
from tests.conftest import shared_file


@pytest.fixture(scope="module")
def size_cells():
    return ubc.read_ubc_cells(shared_file("ubc-size"))


def _value(df, label, year, size_band, industry="total"):
    rows = df[(df["area_label"] == label) & (df["year"] == year) & (df["size_band"] == size_band)
              & (df["industry"] == industry)]
    assert len(rows) == 1
    return rows["value"].item()


def test_size_cells(size_cells):
    # 5 years x (England + 38 LEPs + 374 UK LADs) x 5 bands; LSIP rows dropped
    assert len(size_cells) == 5 * 413 * 5
    assert sorted(size_cells["year"].unique()) == [2018, 2019, 2020, 2021, 2022]
    assert _value(size_cells, "lep:Black Country", 2022, "micro") == 33035
    assert _value(size_cells, "country:England", 2022, "total") == 2408040
    assert _value(size_cells, "country:England", 2018, "large") == 8985
    assert _value(size_cells, "ladu:Antrim and Newtownabbey", 2022, "small") == 425
    assert (size_cells["value"] % 5 == 0).all()  # rounded to 5


def test_size_bands_add_up_to_the_total(size_cells):
    wide = size_cells.pivot_table(index=["area_label", "year"], columns="size_band", values="value")
    parts = wide[["micro", "small", "medium", "large"]].sum(axis=1)
    # rounding to 5 makes the bands differ from the total by at most a few fives
    assert (parts - wide["total"]).abs().max() <= 20
    assert (parts == wide["total"]).mean() > 0.5


def test_industry_size_cells():
    cells = ubc.read_ubc_cells(shared_file("ubc-industry-size"))
    assert len(cells) == 90 * 413 * 5
    assert sorted(cells["industry"].unique(), key=int) == [str(i) for i in range(1, 19)]
    assert _value(cells, "lep:Black Country", 2022, "total", "3") == 3330
    assert _value(cells, "country:England", 2022, "medium", "3") == 5120
    name = cells.loc[cells["industry"] == "18", "industry_name"].iloc[0]
    assert name == "Arts, entertainment, recreation & other services (R,S,T and U)"


@pytest.mark.filterwarnings("ignore:Workbook contains no default style")
def test_renamed_size_band_is_a_schema_error(tmp_path):
    src = shared_file("ubc-size")
    wb = openpyxl.load_workbook(src)
    for row in wb["Data"].iter_rows():
        for cell in row:
            if cell.value == "Large (250+)":
                cell.value = "Large (250 or more)"
    wb.save(tmp_path / src.name)
    with pytest.raises(SchemaError, match=r"expected the size-band columns"):
        ubc.read_ubc_cells(tmp_path / src.name)


def test_get_business_counts(raw_data_dir):
    df = ubc.get_business_counts(area_codes="E37000001", years=2022)
    assert df.set_index("size_band")["value"].to_dict() == {"total": 37575, "micro": 33035, "small": 3755,
                                                            "medium": 625, "large": 160}
    assert set(df["unit"]) == {"enterprises"} and df["additive"].all() and df["flag"].isna().all()
    full = ubc.get_business_counts()
    assert full["area_type"].value_counts().to_dict() == {"lad": 5 * 374 * 5, "lep": 5 * 38 * 5, "country": 25}
    assert full.loc[full["area_type"] == "lep", "area_code"].nunique() == 38
    assert not full.duplicated(["area_code", "year", "size_band"]).any()
    ind = ubc.get_business_counts(by_industry=True, area_codes="E37000001", years=2022, industries="3",
                                  size_bands="total")
    assert ind["value"].tolist() == [3330]
    with pytest.raises(ValueError, match="unknown size band"):
        ubc.get_business_counts(size_bands="tiny")
