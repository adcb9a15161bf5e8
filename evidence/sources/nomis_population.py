"""Mid-year population estimates by local authority, 1991-2022, as a Nomis CSV download.

ONS "Population estimates - local authority based by single year of age", Gender = Total, Age = All
Ages, downloaded from Nomis on 5 June 2024. One block: five metadata lines, a header
``"local authority: district / unitary (as of April 2021)","mnemonic","1991",...,"2022"``, then 374 UK
local authorities (April 2021 boundaries, so pre-2023 Cumbria, North Yorkshire and Somerset districts)
with one column per year. ``-`` marks missing figures: Northern Ireland before 2001, and Scotland and
Northern Ireland in 2022 (not yet published when downloaded).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..errors import SchemaError
from . import nomis_downloads as nd
from .base import Dataset, load

ENTRY = "population-nomis-1991-2022"
HEADER = "local authority: district / unitary (as of April 2021)"
_CODE = re.compile(r"^[EWSN]\d{8}$")


def parse_population_nomis(paths: dict[str, Path]) -> pd.DataFrame:
    """Parse the Nomis all-ages population CSV (``population-nomis-1991-2022``) into a tidy frame.

    Rows whose ``mnemonic`` is not a GSS code (``^[EWSN]\\d{8}$``) are dropped; ``-`` becomes NA with
    flag ``-``. Codes and names are the file's own (GSS codes of April 2021 LADs).
    """
    path = Path(paths[ENTRY])
    blocks = nd.split_blocks(nd.read_rows(path), file=path, header=HEADER, sheet=None)
    if len(blocks) != 1:
        raise SchemaError(f"expected one block, found {len(blocks)}.", file=path.name)
    b = blocks[0]
    nd.require_meta(b, "gender", file=path.name, sheet=None, allowed={"Total"})
    nd.require_meta(b, "age", file=path.name, sheet=None, allowed={"All Ages"})
    labels = [c.label for c in b.columns]
    if not labels or labels[0] != "mnemonic" or not all(re.fullmatch(r"\d{4}", y) for y in labels[1:]):
        raise SchemaError(f"expected the columns 'mnemonic', '1991', ... after {HEADER!r}, found {labels[:5]}.",
                          file=path.name)
    if any(c.flags is not None or c.conf is not None for c in b.columns):
        raise SchemaError("unexpected Flags/conf columns in the header.", file=path.name)
    cells = nd.block_cells(b)
    codes = cells[cells["col_pos"] == 0].set_index("row_pos")["raw"].map(nd.cell_text)
    keep = codes[codes.str.fullmatch(_CODE.pattern)]
    if keep.empty:
        raise SchemaError("no rows with a GSS code in the 'mnemonic' column.", file=path.name)
    cells = cells[(cells["col_pos"] > 0) & cells["row_pos"].isin(keep.index)].reset_index(drop=True)
    value, flag = nd.split_numbers(cells["raw"], allowed={"-"}, file=path, sheet=None)
    if (value.isna() & flag.isna()).any():
        row = cells[value.isna() & flag.isna()].iloc[0]
        raise SchemaError(f"empty cell for {row['row_label']!r} {row['column']}; is the file truncated?",
                          file=path.name)
    df = pd.DataFrame({
        "area_code": cells["row_pos"].map(keep),
        "area_name": cells["row_label"],
        "area_type": "lad",
        "year": cells["column"].astype("int64"),
        "value": value,
        "unit": "persons",
        "flag": flag,
        "additive": True,
    })
    if df.duplicated(["area_code", "year"]).any():
        raise SchemaError("an area code appears twice.", file=path.name)
    df = df.sort_values(["area_code", "year"]).reset_index(drop=True)
    return nd.to_categories(df, ("area_code", "area_name", "area_type", "unit", "flag"))


POPULATION_NOMIS = Dataset(
    name=ENTRY, title="Population estimates - local authority based, all ages (Nomis), 1991-2022",
    files=(ENTRY,), parse=parse_population_nomis, version="1", dims=(), period="year",
    description="ONS mid-year population estimates, all ages, UK LADs as of April 2021, via Nomis.",
)
DATASETS = [POPULATION_NOMIS]


def get_population_nomis(
    *,
    area_codes: str | Sequence[str] | None = None,
    years: int | Sequence[int] | None = None,
) -> pd.DataFrame:
    """Mid-year population estimates, all ages, by local authority (ONS, via Nomis, downloaded 5 June 2024).

    Persons, mid-year (30 June) estimates for 1991-2022; 374 UK local authority districts as of April 2021
    (GSS codes; pre-2023 Cumbria, North Yorkshire and Somerset districts). England and Wales are complete;
    Northern Ireland starts in 2001; Scotland and Northern Ireland 2022 are missing (``value`` NA, ``flag``
    ``-``). Population counts are additive.

    Parameters
    ----------
    area_codes, years
        Optional filters (a value or a list).

    Returns
    -------
    DataFrame
        ``area_code, area_name, area_type`` (``lad``), ``year, value, unit`` (``persons``), ``flag``,
        ``additive``.
    """
    return nd.filter_frame(load(POPULATION_NOMIS), area_code=area_codes, year=years)
