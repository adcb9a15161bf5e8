"""ONS population estimates by local authority: values read off the official workbook, counts, bad input."""

from __future__ import annotations

import shutil

import openpyxl
import pandas as pd
import pytest

from conftest import shared_file
from evidence.errors import InvalidArgumentError, SchemaError, UnknownAreaError
from evidence.sources import load
from evidence.sources.ons_population import POPULATION, get_population, parse_population

NAME = "population-la-1998-2023"


@pytest.fixture(scope="module")
def pop(raw_data_dir) -> pd.DataFrame:
    return load(POPULATION)


def value(df, code, year):
    row = df[(df.area_code == code) & (df.year == year)]
    assert len(row) == 1
    return row.iloc[0]


# Read off sheet "Population data" with openpyxl.
@pytest.mark.parametrize(("code", "year", "expected"), [
    ("E06000042", 2023, 298270.0),   # Milton Keynes
    ("E06000042", 1998, 202861.0),
    ("E06000001", 2023, 95366.0),    # Hartlepool (first data row)
    ("N09000003", 2022, 348005.0),   # Belfast: NI is published up to 2022
    ("W06000015", 2023, 383536.0),   # Cardiff
    ("S12000036", 2023, 523250.0),   # City of Edinburgh
])
def test_known_cells(pop, code, year, expected):
    row = value(pop, code, year)
    assert row.value == expected and pd.isna(row.flag)
    assert row.unit == "persons" and bool(row.additive) is True


def test_milton_keynes_names_and_region(pop):
    row = value(pop, "E06000042", 2023)
    assert row.area_name == "Milton Keynes"
    assert row.itl1_region == "South East"  # published with a trailing space


def test_counts(pop):
    assert pop.area_code.nunique() == 361
    assert sorted(pop.year.unique()) == list(range(1998, 2024))
    assert len(pop) == 361 * 26
    prefixes = pop.drop_duplicates("area_code").area_code.str[:3].value_counts().to_dict()
    assert prefixes == {"E07": 164, "E06": 63, "E08": 36, "E09": 33, "S12": 32, "W06": 22, "N09": 11}
    assert pop.itl1_region.nunique() == 12
    assert not pop.duplicated(["area_code", "year"]).any()
    assert pop.attrs["provenance"][0]["name"] == NAME


def test_northern_ireland_2023_is_unavailable_not_zero(pop):
    ni = pop[pop.area_code.str.startswith("N09") & (pop.year == 2023)]
    assert len(ni) == 11 and ni.value.isna().all() and (ni.flag == "[u]").all()
    assert pop.value.isna().sum() == 11
    assert (pop.value.dropna() > 0).all()


# The workbook has no England row. The Nomis download (April 2021 districts, downloaded June 2024) is an
# independent official file of the same estimates: its English districts add up to the same England totals
# for mid-2019 to mid-2021 (the mid-2021 figure is ONS's published 56,554,891). Mid-2022 differs because this
# workbook carries the revised mid-2022 estimate published with mid-2023 (57,112,540 against 57,106,398).
@pytest.mark.parametrize(("year", "england"), [(2019, 56230056.0), (2020, 56325961.0), (2021, 56554891.0),
                                               (2022, 57112540.0), (2023, 57690324.0)])
def test_english_lads_sum_to_england(pop, year, england):
    e = pop[pop.area_code.str.startswith("E") & (pop.year == year)]
    assert len(e) == 296 and e.value.sum() == england


@pytest.mark.parametrize(("year", "england"), [(2019, 56230056.0), (2020, 56325961.0), (2021, 56554891.0),
                                               (2022, 57106398.0)])
def test_the_nomis_download_gives_the_same_england_before_the_revision(raw_data_dir, year, england):
    from evidence.sources.nomis_population import get_population_nomis
    n = get_population_nomis(years=year)
    assert n[n.area_code.str.startswith("E")].value.sum() == england


def test_getter(raw_data_dir):
    df = get_population(areas=["E06000042", "E06000001"], years=2023)
    assert df.set_index("area_code").value.to_dict() == {"E06000001": 95366.0, "E06000042": 298270.0}
    assert df.attrs["provenance"][0]["name"] == NAME
    with pytest.raises(InvalidArgumentError, match="1998"):
        get_population(years=1997)
    with pytest.raises(UnknownAreaError, match=r"E06000042 \(Milton Keynes\)"):
        get_population(areas="milton keynes")


# --- bad input -------------------------------------------------------------------------------------------------

@pytest.fixture
def copy(tmp_path):
    src = shared_file(NAME)
    dst = tmp_path / src.name
    shutil.copy(src, dst)
    return dst


def test_copy_parses(copy):
    assert len(parse_population({NAME: copy})) == 361 * 26


def test_renamed_sheet(copy):
    wb = openpyxl.load_workbook(copy)
    wb["Population data"].title = "Population"
    wb.save(copy)
    with pytest.raises(SchemaError, match=r"populationestimatesbylocalauthority.xlsx.*'Population data'"):
        parse_population({NAME: copy})


def test_renamed_header_cell(copy):
    wb = openpyxl.load_workbook(copy)
    wb["Population data"]["B1"] = "LA Code"
    wb.save(copy)
    with pytest.raises(SchemaError, match=r"sheet 'Population data'.*LA code"):
        parse_population({NAME: copy})


def test_moved_header(copy):
    wb = openpyxl.load_workbook(copy)
    ws = wb["Population data"]
    ws.insert_rows(1)
    ws["A1"] = "Mid-year population estimates"
    wb.save(copy)
    with pytest.raises(SchemaError, match="header"):
        parse_population({NAME: copy})


def test_footnote_inside_the_data(copy):
    wb = openpyxl.load_workbook(copy)
    wb["Population data"]["B100"] = "see note"
    wb.save(copy)
    with pytest.raises(SchemaError, match="row 100"):
        parse_population({NAME: copy})


def test_truncated_file(copy):
    copy.write_bytes(copy.read_bytes()[:20_000])
    with pytest.raises(SchemaError, match="populationestimatesbylocalauthority.xlsx"):
        parse_population({NAME: copy})
