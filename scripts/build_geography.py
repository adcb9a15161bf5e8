"""Build the derived geography tables shipped in ``evidence/data/geography/`` from the official lookups.

Run from a checkout::

    PYTHONPATH=. python scripts/build_geography.py                     # reads ../shared/data
    PYTHONPATH=. python scripts/build_geography.py --source DIR        # a folder laid out like ../shared/data
    PYTHONPATH=. python scripts/build_geography.py --from-raw          # data/raw/<name>/<file> via the catalogue
    PYTHONPATH=. python scripts/build_geography.py --check             # exit 1 if the shipped tables differ

Every input is a pinned catalogue entry and is checked against its sha256 (``--no-verify`` skips that).
The runtime module :mod:`evidence.geography` reads only the tables written here. ``tests/test_geography.py``
re-runs this build into a temporary folder and checks that the output equals the shipped tables byte for byte.

How each LEP vintage is built (see also ``evidence/data/geography/README.md``)
-----------------------------------------------------------------------------
* **2017** (LEP17, 38 LEPs, on LAD19 codes): the ONS LSOA11 -> LEP17 lookup (``LEP17CD1`` and, in
  overlaps, ``LEP17CD2``) joined on ``LSOA11CD`` to the ONS LSOA11 -> LAD19 lookup of the IoD2019. A LAD is a
  member of a LEP when any of its LSOAs is in that LEP (first or second column). ``share`` is the fraction
  of the LAD's LSOAs in the LEP. The primary LEP is the one with the largest share; ties (whole-LAD
  overlaps such as Aylesbury Vale, in both Buckinghamshire Thames Valley and South East Midlands) go to
  the LEP that ONS lists first (``LEP17CD1``). Four Hampshire districts (East Hampshire, New Forest, Test
  Valley, Winchester) are split between Enterprise M3 and Solent even in ``LEP17CD1``; they were members
  of both partnerships, so they count as overlaps (member of both, primary Enterprise M3, the LSOA
  majority).
* **2020** (LEP20, on LAD20 codes): the DfE best-fit file ``2020 LEP.xlsx`` (``Sheet1``), one LEP per LAD;
  DfE removed the overlaps, so every member is primary and ``share`` is 1.
* **2021** (LEP21, on LAD23 codes): the LEP (May 2021) and LAD (December 2023) BUC boundaries. For each
  English LAD, ``share`` is the fraction of its area inside each LEP polygon, computed on a spherical
  Lambert azimuthal equal-area projection centred on England (areas in square metres; only ratios are
  used, and the projection preserves area exactly on the sphere). A LAD is a member of every LEP holding
  at least ``MEMBER_SHARE`` (10%) of its area. The boundaries are generalised to 500 m, so slivers of a
  neighbouring LEP reach about 0.5% of a LAD's area, while the real overlaps are ~100%: any threshold
  between 1% and 90% gives the same table; 10% is well clear of both. A share between 10% and 90% (a LAD
  only partly in a LEP) stops the build, since a LAD-based table cannot express it. The primary LEP has
  the largest share; shares within one percentage point are a tie (the seven Greater Birmingham and
  Solihull districts shared with Stoke-on-Trent and Staffordshire or Worcestershire) and are broken by
  the DfE 2020 allocation of the same LAD, which puts all seven in Greater Birmingham and Solihull, as does
  the ONS ``LEP17CD1`` order.

Each vintage is also carried onto April-2023 LAD codes. The council mergers of 2019-2023 joined whole
districts, so a current LAD is a member of a LEP when any of its predecessors was; ``partial`` is True when
some predecessor was not (e.g. Buckinghamshire E06000060 in South East Midlands 2017, through Aylesbury
Vale only). There ``share`` and the primary are measured on 2011 LSOAs (units of roughly equal population,
about 1,500 residents), with the same tie rule.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from evidence import config
from evidence.errors import SchemaError
from evidence.sources import catalogue

OUT_DIR = config.PACKAGE_DIR / "data" / "geography"

#: Catalogue entries read by the build.
INPUTS = {
    "lsoa_lep17": "lookup-lsoa11-lep17",
    "lsoa_lad19": "lookup-lsoa11-lad19-imd19",
    "dfe_lep20": "lookup-dfe-lad20-lep20",
    "lep20_names": "lookup-lep20-names",
    "dfe_leps": "codes-dfe-leps",
    "dfe_lads": "codes-dfe-lads",
    "lad11_lad21": "lookup-lad11-lad21",
    "lad23_rgn23": "lookup-lad23-rgn23",
    "lad24_cauth24": "lookup-lad24-cauth24",
    "lad25_itl25": "lookup-lad25-itl25",
    "lep21_boundaries": "boundaries-lep21",
    "lad23_boundaries": "boundaries-lad23",
    "nomis_population": "population-nomis-1991-2022",
}

VINTAGES = (2017, 2020, 2021)
N_LEPS = 38
MEMBER_SHARE = 0.10  # 2021: minimum share of a LAD's area for LEP membership
FULL_SHARE = 0.90  # 2021: a member share below this stops the build (a LAD only partly in a LEP)
TIE_MARGIN = 0.01  # 2021: shares closer than this are a tie for the primary LEP

#: LEPs renamed in the 2020-21 geography review (2020 name -> 2021 name). Every other LEP kept its name.
RENAMED_2021 = {
    "Buckinghamshire Thames Valley": "Buckinghamshire",
    "Humber": "Hull and East Yorkshire",
    "York, North Yorkshire and East Riding": "York and North Yorkshire",
}

#: April 2023 unitary authorities and the districts they replaced (whole districts; The Cumbria, The North
#: Yorkshire and The Somerset (Structural Changes) Orders 2022). Checked below against the DfE code list
#: (terminated 31/03/2023, introduced 01/04/2023) and against the LAD21 and LAD23 code sets.
CHANGES_2023 = {
    "E06000063": ("E07000026", "E07000028", "E07000029"),  # Cumberland: Allerdale, Carlisle, Copeland
    "E06000064": ("E07000027", "E07000030", "E07000031"),  # Westmorland and Furness: Barrow, Eden, S Lakeland
    "E06000065": ("E07000163", "E07000164", "E07000165", "E07000166", "E07000167", "E07000168", "E07000169"),
    "E06000066": ("E07000187", "E07000188", "E07000189", "E07000246"),  # Somerset
}

#: Abbreviations and other common names of the LEPs, keyed by the LEP's 2017 name. Abbreviations that
#: two LEPs share (CWLEP: Cheshire and Warrington / Coventry and Warwickshire; LCR: Leeds / Liverpool City
#: Region; TVLEP: Tees Valley / Thames Valley Berkshire) are listed under both, so that they resolve to an
#: error naming the two.
LEP_ALIASES = {
    "Black Country": ["BCLEP"],
    "Buckinghamshire Thames Valley": ["BTVLEP", "BTV", "Bucks LEP", "Buckinghamshire LEP"],
    "Cheshire and Warrington": ["CWLEP", "C&W LEP"],
    "Coast to Capital": ["C2C", "Coast2Capital"],
    "Cornwall and Isles of Scilly": ["CIOSLEP", "CIoS LEP"],
    "Coventry and Warwickshire": ["CWLEP", "CovWarks LEP"],
    "Cumbria": ["Cumbria LEP"],
    "Derby, Derbyshire, Nottingham and Nottinghamshire": ["D2N2", "D2N2 LEP"],
    "Dorset": ["Dorset LEP", "DLEP"],
    "Enterprise M3": ["EM3", "EM3LEP"],
    "Gloucestershire": ["GFirst", "GFirst LEP"],
    "Greater Birmingham and Solihull": ["GBSLEP", "GBS"],
    "Greater Cambridge and Greater Peterborough": ["GCGP", "GCGPLEP"],
    "Greater Lincolnshire": ["GLLEP"],
    "Greater Manchester": ["GMLEP"],
    "Heart of the South West": ["HotSW", "HOTSWLEP"],
    "Hertfordshire": ["Herts LEP", "HLEP"],
    "Humber": ["Humber LEP", "Hull and East Riding", "HEY LEP"],
    "Lancashire": ["LEP Lancashire", "Lancs LEP"],
    "Leeds City Region": ["LCR", "LCRLEP", "West Yorkshire LEP"],
    "Leicester and Leicestershire": ["LLEP"],
    "Liverpool City Region": ["LCR", "LCRLEP"],
    "London": ["LEAP", "London Economic Action Partnership", "London LEP"],
    "New Anglia": ["NALEP"],
    "North East": ["NELEP"],
    "Oxfordshire": ["OxLEP"],
    "Sheffield City Region": ["SCR", "SCRLEP", "South Yorkshire LEP"],
    "Solent": ["Solent LEP"],
    "South East": ["SELEP"],
    "South East Midlands": ["SEMLEP"],
    "Stoke-on-Trent and Staffordshire": ["SSLEP"],
    "Swindon and Wiltshire": ["SWLEP"],
    "Tees Valley": ["TVLEP", "TVU", "Tees Valley Unlimited"],
    "Thames Valley Berkshire": ["TVB", "TVBLEP", "TVLEP"],
    "The Marches": ["Marches", "Marches LEP"],
    "West of England": ["WoE", "WELEP"],
    "Worcestershire": ["WLEP"],
    "York, North Yorkshire and East Riding": ["YNYER", "YNYLEP", "York and North Yorkshire"],
}

#: Names Nomis uses for its ``lep:`` geography (LEP 2021 boundaries) where they differ from the ONS names.
NOMIS_LEP_NAMES = {
    "Buckinghamshire Thames Valley": "Buckinghamshire Thames Valley",
    "Humber": "Hull and East Riding",
    "York, North Yorkshire and East Riding": "York and North Yorkshire",
}

#: Common abbreviations of the combined authorities (May 2024), keyed by code.
CA_ALIASES = {
    "E47000001": ["GMCA"],
    "E47000002": ["SYMCA", "SYCA", "South Yorkshire Mayoral Combined Authority"],
    "E47000003": ["WYCA", "West Yorkshire Combined Authority"],
    "E47000004": ["LCRCA", "Liverpool City Region Combined Authority"],
    "E47000006": ["TVCA", "Tees Valley Combined Authority"],
    "E47000007": ["WMCA", "West Midlands Combined Authority"],
    "E47000008": ["CPCA", "Cambridgeshire and Peterborough Combined Authority"],
    "E47000009": ["WECA", "West of England Combined Authority"],
    "E47000012": ["YNYCA", "York and North Yorkshire Combined Authority"],
    "E47000013": ["EMCCA", "East Midlands Combined County Authority"],
    "E47000014": ["NECA", "NEMCA", "North East Mayoral Combined Authority"],
}

COUNTRIES = {
    "E": ("E92000001", "England"),
    "W": ("W92000004", "Wales"),
    "S": ("S92000003", "Scotland"),
    "N": ("N92000002", "Northern Ireland"),
}

LAD_RE = r"^[EWSN]\d{8}$"
ENGLISH_LAD_RE = r"^E0[6789]\d{6}$"


# ----------------------------------------------------------------------------------------------- reading
def _read_csv(path: Path, columns: list[str], **kw) -> pd.DataFrame:
    try:
        df = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False, **kw)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise SchemaError(f"cannot be read as CSV ({exc}).", file=path.name) from exc
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise SchemaError(f"expected columns {missing}; found {list(df.columns)}.", file=path.name)
    return df[columns].apply(lambda s: s.str.strip())


def _check(cond: bool, message: str, file: str) -> None:
    if not cond:
        raise SchemaError(message, file=file)


def _read_dfe_lep20(path: Path) -> pd.DataFrame:
    try:
        df = pd.read_excel(path, sheet_name="Sheet1", engine="calamine", dtype=str)
    except ValueError as exc:
        raise SchemaError(f"expected a sheet 'Sheet1' ({exc}).", file=path.name, sheet="Sheet1") from exc
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in ("LACD", "LANM", "ERCD", "ERNM") if c not in df.columns]
    if missing:
        raise SchemaError(f"expected columns {missing}; found {list(df.columns)}.", file=path.name, sheet="Sheet1")
    return df[["LACD", "LANM", "ERCD", "ERNM"]].apply(lambda s: s.str.strip())


def _read_geojson(path: Path, props: list[str]) -> list[tuple[dict, dict]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        feats = data["features"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SchemaError(f"is not a GeoJSON FeatureCollection ({exc}).", file=path.name) from exc
    out = []
    for f in feats:
        p = f.get("properties") or {}
        missing = [k for k in props if k not in p]
        if missing or not f.get("geometry"):
            raise SchemaError(f"a feature lacks properties {missing} or a geometry.", file=path.name)
        out.append((p, f["geometry"]))
    return out


# ------------------------------------------------------------------------------------------- geometry
_R = 6371007.2  # authalic radius of the GRS80 ellipsoid, metres
_LAT0, _LON0 = math.radians(52.5), math.radians(-1.5)


def _laea(coords: np.ndarray) -> np.ndarray:
    """Spherical Lambert azimuthal equal-area projection of lon/lat degrees, centred on England (metres)."""
    lon, lat = np.radians(coords[:, 0]), np.radians(coords[:, 1])
    k = np.sqrt(2 / (1 + math.sin(_LAT0) * np.sin(lat) + math.cos(_LAT0) * np.cos(lat) * np.cos(lon - _LON0)))
    x = _R * k * np.cos(lat) * np.sin(lon - _LON0)
    y = _R * k * (math.cos(_LAT0) * np.sin(lat) - math.sin(_LAT0) * np.cos(lat) * np.cos(lon - _LON0))
    return np.column_stack([x, y])


def _projected(geometry: dict):
    import shapely
    from shapely.geometry import shape

    return shapely.make_valid(shapely.transform(shape(geometry), _laea))


# ------------------------------------------------------------------------------------------- successors
def build_successors(lad11_21: pd.DataFrame, dfe_lads: pd.DataFrame, itl: pd.DataFrame,
                     lad21: set[str], lad23: set[str], names: dict[str, str]) -> pd.DataFrame:
    """Old LAD code -> new LAD code, one row per step, 2011-2025."""
    f_lads = "lads.csv"
    intro = {}
    term = {}
    for r in dfe_lads.itertuples(index=False):
        if re.match(LAD_RE, r.lad_code):
            if r.date_of_introduction:
                intro[r.lad_code] = r.date_of_introduction
            if r.date_of_termination:
                term[r.lad_code] = r.date_of_termination

    rows = []
    changed = lad11_21[lad11_21.LAD11CD != lad11_21.LAD21CD]
    n_old = changed.groupby("LAD21CD")["LAD11CD"].transform("size")
    for r, n in zip(changed.itertuples(index=False), n_old, strict=True):
        _check(r.LAD21CD in intro, f"no introduction date for {r.LAD21CD} ({r.LAD21NM}).", f_lads)
        year = int(intro[r.LAD21CD][-4:])
        if n > 1:
            kind, note = "merger", f"{r.LAD11NM} became part of {r.LAD21NM}"
        else:
            kind = "code change"
            note = (f"new code for {r.LAD21NM} after a minor boundary change (year as recorded in the DfE "
                    "code list)")
        rows.append((r.LAD11CD, r.LAD11NM, r.LAD21CD, r.LAD21NM, year, kind, note, "ONS LAD11->LAD21 lookup"))

    olds_2023 = {o for v in CHANGES_2023.values() for o in v}
    _check({c for c in lad21 if c.startswith("E")} - lad23 == olds_2023,
           "the LAD21 codes missing from LAD23 are not the 2023 predecessor districts.", "LADs_to_region.csv")
    _check(lad23 - lad21 == set(CHANGES_2023), "the LAD23 codes new since LAD21 are not E06000063-66.",
           "LADs_to_region.csv")
    for new, olds in CHANGES_2023.items():
        _check(intro.get(new) == "01/04/2023", f"{new} is not introduced on 01/04/2023.", f_lads)
        for old in olds:
            _check(term.get(old) == "31/03/2023", f"{old} is not terminated on 31/03/2023.", f_lads)
            rows.append((old, names[old], new, names[new], 2023, "merger",
                         f"{names[old]} became part of {names[new]}", "Structural Changes Orders 2022; DfE codes"))

    # 2025: Barnsley and Sheffield got new codes after a boundary change; the ITL lookup keeps the old ones
    # as LAU1 codes.
    later = itl[(itl.LAU125CD != itl.LAD25CD) & itl.LAU125CD.str.match(ENGLISH_LAD_RE)]
    for r in later.itertuples(index=False):
        _check(r.LAU125CD in lad23, f"LAU1 code {r.LAU125CD} is not an April-2023 LAD.", "ITL lookup")
        rows.append((r.LAU125CD, names[r.LAU125CD], r.LAD25CD, r.LAD25NM, int(intro[r.LAD25CD][-4:]),
                     "code change", f"new code for {r.LAD25NM} after a minor boundary change",
                     "ONS LAD25->ITL25 lookup (LAU1 code)"))
    out = pd.DataFrame(rows, columns=["old_code", "old_name", "new_code", "new_name", "year", "change", "note",
                                      "source"])
    return out.sort_values(["year", "new_code", "old_code"]).reset_index(drop=True)


def _forward(successors: pd.DataFrame, upto: int) -> dict[str, str]:
    step = dict(zip(successors.old_code, successors.new_code, strict=True))
    year = dict(zip(successors.old_code, successors.year, strict=True))

    def follow(code: str) -> str:
        while code in step and year[code] <= upto:
            code = step[code]
        return code

    return {c: follow(c) for c in step}


def _later_codes(successors: pd.DataFrame) -> dict[str, str]:
    """Codes introduced after April 2023 -> the April-2023 code they replaced (1:1 code changes only)."""
    later = successors[successors.year > 2023]
    return dict(zip(later.new_code, later.old_code, strict=True))


# ------------------------------------------------------------------------------------------- LEPs
def _lep_frame(codes_names: pd.DataFrame, vintage: int, key_of_name: dict[str, str]) -> pd.DataFrame:
    df = codes_names.drop_duplicates().copy()
    df.columns = ["lep_code", "lep_name"]
    _check(len(df) == N_LEPS and df.lep_code.is_unique, f"{vintage}: expected {N_LEPS} LEPs, got {len(df)}.",
           f"LEP {vintage}")
    df["lep_key"] = df.lep_name.map(key_of_name)
    _check(df.lep_key.notna().all() and df.lep_key.is_unique,
           f"{vintage}: LEP names do not match the 2017 ones: {sorted(df.lep_name[df.lep_key.isna()])}.",
           f"LEP {vintage}")
    df["vintage"] = vintage
    return df


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _aggregate(lsoa: pd.DataFrame, unit: str) -> pd.DataFrame:
    """LSOA-level LEP membership -> unit x LEP with share (any listing) and cd1 share (first listing)."""
    total = lsoa.groupby(unit)["LSOA11CD"].nunique().rename("n")
    g = lsoa.groupby([unit, "lep_code"]).agg(n_in=("LSOA11CD", "nunique"), n_cd1=("cd1", "sum")).reset_index()
    g = g.join(total, on=unit)
    g["share"] = g.n_in / g.n
    g["cd1_share"] = g.n_cd1 / g.n
    return g.rename(columns={unit: "lad_code"})


def _pick_primary(g: pd.DataFrame, keys: list[str], where: str) -> pd.Series:
    """True for each LAD's primary LEP: largest share, then largest first-listing share; a tie is an error."""
    g = g.sort_values(["lad_code", *keys, "lep_code"], ascending=[True] + [False] * len(keys) + [True])
    rank = g.groupby("lad_code").cumcount()
    first = g[rank == 0].set_index("lad_code")[keys]
    second = g[rank == 1].set_index("lad_code")[keys]
    both = first.merge(second, left_index=True, right_index=True, suffixes=("", "_2"))
    tied = np.all([np.isclose(both[k], both[k + "_2"]) for k in keys], axis=0)
    if tied.any():
        raise SchemaError(f"no unique primary LEP for {sorted(both.index[tied])}.", file=where)
    return rank == 0


def _finish(g: pd.DataFrame, vintage: int, basis: str, leps: pd.DataFrame, lad_names: dict[str, str],
            partial: pd.Series | None = None) -> pd.DataFrame:
    out = g.merge(leps[["lep_code", "lep_name"]], on="lep_code", how="left")
    out["lad_name"] = out.lad_code.map(lad_names)
    _check(out.lad_name.notna().all(), f"{vintage}: LADs without a name: {sorted(out.lad_code[out.lad_name.isna()])}",
           "LAD names")
    out["partial"] = False if partial is None else partial.reindex(out.index).fillna(False).astype(bool)
    out["vintage"] = vintage
    out["basis"] = basis
    return out[["vintage", "basis", "lad_code", "lad_name", "lep_code", "lep_name", "primary", "partial", "share"]]


def _partial(members: pd.DataFrame, to_current: dict[str, str]) -> pd.DataFrame:
    """Carry a native membership (lad_code, lep_code) onto current codes and flag partial members."""
    native = members[["lad_code", "lep_code"]].drop_duplicates()
    universe = pd.Series(sorted(set(native.lad_code)), name="lad_code").to_frame()
    universe["current"] = universe.lad_code.map(lambda c: to_current.get(c, c))
    n_pred = universe.groupby("current").size().rename("n_pred")
    native = native.assign(current=native.lad_code.map(lambda c: to_current.get(c, c)))
    n_mem = native.groupby(["current", "lep_code"]).size().rename("n_mem").reset_index()
    n_mem = n_mem.join(n_pred, on="current")
    n_mem["partial"] = n_mem.n_mem < n_mem.n_pred
    return n_mem.rename(columns={"current": "lad_code"})[["lad_code", "lep_code", "partial"]]


def build_leps(t: dict[str, pd.DataFrame], successors: pd.DataFrame, names23: dict[str, str],
               lad_geoms: list, lep_geoms: list) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    lsoa = t["lsoa_lep17"].merge(t["lsoa_lad19"], on="LSOA11CD", how="outer", indicator=True)
    _check((lsoa._merge == "both").all(), "LSOA11 codes do not match between the LEP17 and LAD19 lookups.",
           "LSOA11 lookups")
    lsoa = lsoa.drop(columns="_merge")

    # ---- the LEP code lists of each vintage, linked to one another by name
    l17 = lsoa[["LEP17CD1", "LEP17NM1"]].drop_duplicates()
    key_of = {n: _slug(n) for n in l17.LEP17NM1}
    leps17 = _lep_frame(l17, 2017, key_of)
    l20 = t["lep20_names"][["LEP20CD", "LEP20NM"]]
    leps20 = _lep_frame(l20, 2020, key_of)
    key_of_21 = {RENAMED_2021.get(n, n): k for n, k in key_of.items()}
    l21 = pd.DataFrame([(p["LEP21CD"], p["LEP21NM"]) for p, _ in lep_geoms], columns=["c", "n"])
    leps21 = _lep_frame(l21, 2021, key_of_21)
    leps = pd.concat([leps17, leps20, leps21])[["lep_key", "vintage", "lep_code", "lep_name"]]
    leps = leps.sort_values(["vintage", "lep_code"])

    to_2023 = _forward(successors, 2023)
    to_2020 = _forward(successors, 2020)
    tables = []

    # ---- 2017: LSOA11 -> LEP17 (first and second listing) + LSOA11 -> LAD19
    lsoa["LAD23CD"] = lsoa.LAD19CD.map(lambda c: to_2023.get(c, c))
    long17 = pd.concat([
        lsoa[["LSOA11CD", "LAD19CD", "LAD23CD"]].assign(lep_code=lsoa.LEP17CD1, cd1=1),
        lsoa[lsoa.LEP17CD2 != ""][["LSOA11CD", "LAD19CD", "LAD23CD"]].assign(
            lep_code=lsoa.LEP17CD2[lsoa.LEP17CD2 != ""], cd1=0),
    ])
    names19 = dict(zip(lsoa.LAD19CD, lsoa.LAD19NM, strict=False))
    g = _aggregate(long17, "LAD19CD")
    g["primary"] = _pick_primary(g, ["share", "cd1_share"], "LSOA11->LEP17 lookup")
    native17 = _finish(g, 2017, "native", leps17, names19)
    g = _aggregate(long17, "LAD23CD")
    g["primary"] = _pick_primary(g, ["share", "cd1_share"], "LSOA11->LEP17 lookup")
    part = g.merge(_partial(native17, to_2023), on=["lad_code", "lep_code"], how="left").partial
    tables += [native17, _finish(g, 2017, "2023", leps17, names23, part)]

    # ---- 2020: DfE LAD20 -> LEP20 (one LEP per LAD); carried onto 2023 codes with LSOA11 weights
    dfe = t["dfe_lep20"]
    _check(dfe.LACD.is_unique and len(dfe) == 314, f"expected 314 unique LAD20 codes, got {len(dfe)}.",
           "2020 LEP.xlsx")
    _check(set(dfe.ERCD) == set(leps20.lep_code), "the DfE LEP codes are not the 38 LEP20 codes.", "2020 LEP.xlsx")
    name20 = dict(zip(leps20.lep_code, leps20.lep_name, strict=True))
    _check((dfe.ERNM == dfe.ERCD.map(name20)).all(), "the DfE LEP names differ from the ONS LEP20 names.",
           "2020 LEP.xlsx")
    lsoa["LAD20CD"] = lsoa.LAD19CD.map(lambda c: to_2020.get(c, c))
    _check(set(lsoa.LAD20CD) == set(dfe.LACD), "the DfE LAD20 codes do not match the LSOA11 -> LAD19 lookup "
           "carried to 2020.", "2020 LEP.xlsx")
    lep20_of = dict(zip(dfe.LACD, dfe.ERCD, strict=True))
    long20 = lsoa[["LSOA11CD", "LAD20CD", "LAD23CD"]].assign(lep_code=lsoa.LAD20CD.map(lep20_of), cd1=1)
    g = _aggregate(long20, "LAD20CD")
    g["primary"] = True
    native20 = _finish(g, 2020, "native", leps20, dict(zip(dfe.LACD, dfe.LANM, strict=True)))
    g = _aggregate(long20, "LAD23CD")
    g["primary"] = _pick_primary(g, ["share", "cd1_share"], "2020 LEP.xlsx")
    part = g.merge(_partial(native20, to_2023), on=["lad_code", "lep_code"], how="left").partial
    tables += [native20, _finish(g, 2020, "2023", leps20, names23, part)]
    primary20 = {r.lad_code: r.lep_code for r in tables[-1].itertuples() if r.primary}

    # ---- 2021: LAD23 boundaries overlaid on LEP21 boundaries
    import shapely

    lep_shapes = [(p["LEP21CD"], _projected(geom)) for p, geom in lep_geoms]
    tree = shapely.STRtree([s for _, s in lep_shapes])
    key21 = dict(zip(leps21.lep_code, leps21.lep_key, strict=True))
    key20 = dict(zip(leps20.lep_code, leps20.lep_key, strict=True))
    rows, slivers = [], []
    for p, geom in lad_geoms:
        code = p["LAD23CD"]
        if not re.match(ENGLISH_LAD_RE, code):
            continue
        shp = _projected(geom)
        area = shp.area
        shares = sorted(((shp.intersection(lep_shapes[i][1]).area / area, lep_shapes[i][0])
                         for i in tree.query(shp, predicate="intersects")), reverse=True)
        members = [(s, c) for s, c in shares if s >= MEMBER_SHARE]
        slivers += [s for s, c in shares if 0 < s < MEMBER_SHARE]
        if not members:
            raise SchemaError(f"LAD {code} lies in no LEP21 polygon.", file="LEP21 boundaries")
        for s, c in members:
            if s < FULL_SHARE:
                raise SchemaError(f"LAD {code} is only {s:.1%} inside LEP {c}; a LAD-based table cannot express "
                                  "that.", file="LEP21 boundaries")
        tied = [c for s, c in members if members[0][0] - s < TIE_MARGIN]
        if len(tied) == 1:
            primary = tied[0]
        else:
            fallback = [c for c in tied if key21[c] == key20.get(primary20.get(code))]
            if len(fallback) != 1:
                raise SchemaError(f"LAD {code}: tied LEPs {tied} and no DfE 2020 allocation to break the tie.",
                                  file="LEP21 boundaries")
            primary = fallback[0]
        for s, c in members:
            rows.append((code, c, c == primary, s))
    g = pd.DataFrame(rows, columns=["lad_code", "lep_code", "primary", "share"])
    native21 = _finish(g, 2021, "native", leps21, names23)
    tables += [native21, native21.assign(basis="2023")]

    membership = pd.concat(tables, ignore_index=True)
    membership["share"] = membership.share.map(lambda x: f"{x:.4f}")
    membership = membership.sort_values(["vintage", "basis", "lad_code", "primary", "lep_code"],
                                        ascending=[True, False, True, False, True]).reset_index(drop=True)
    for (v, b), m in membership.groupby(["vintage", "basis"]):
        _check(m.lep_code.nunique() == N_LEPS, f"{v}/{b}: {m.lep_code.nunique()} LEPs with members.", "build")
        n_primary = m.groupby("lad_code").primary.sum()
        _check((n_primary == 1).all(), f"{v}/{b}: LADs without exactly one primary LEP: "
               f"{sorted(n_primary.index[n_primary != 1])}", "build")
    stats = {"max_sliver_share_2021": max(slivers, default=0.0),
             "min_member_share_2021": float(native21.share.min())}
    return leps.reset_index(drop=True), membership, stats


# ------------------------------------------------------------------------------------------- other areas
def build_areas(t: dict[str, pd.DataFrame], successors: pd.DataFrame, lad23_uk: set[str]):
    areas, members = [], []
    rgn = t["lad23_rgn23"]
    for r in rgn[["RGN23CD", "RGN23NM"]].drop_duplicates().itertuples(index=False):
        areas.append((r.RGN23CD, r.RGN23NM, "region"))
    members += [(r.RGN23CD, r.LAD23CD) for r in rgn.itertuples(index=False)]

    ca = t["lad24_cauth24"]
    _check(set(ca.LAD24CD) <= lad23_uk, f"LAD24 codes not in LAD23: {sorted(set(ca.LAD24CD) - lad23_uk)}",
           "LAD->CA lookup")
    for r in ca[["CAUTH24CD", "CAUTH24NM"]].drop_duplicates().itertuples(index=False):
        areas.append((r.CAUTH24CD, r.CAUTH24NM, "ca"))
    members += [(r.CAUTH24CD, r.LAD24CD) for r in ca.itertuples(index=False)]

    itl = t["lad25_itl25"].copy()
    back = _later_codes(successors)
    itl["LAD23CD"] = itl.LAD25CD.map(lambda c: back.get(c, c))
    _check(set(itl.LAD23CD) == lad23_uk, "the ITL lookup's LADs (with 2025 codes mapped back) are not the LAD23 "
           "set.", "ITL lookup")
    for level in ("1", "2", "3"):
        cd, nm = f"ITL{level}25CD", f"ITL{level}25NM"
        for r in itl[[cd, nm]].drop_duplicates().itertuples(index=False):
            areas.append((r[0], r[1], f"itl{level}"))
        members += [(a, b) for a, b in itl[[cd, "LAD23CD"]].drop_duplicates().itertuples(index=False, name=None)]

    for prefix, (code, name) in COUNTRIES.items():
        areas.append((code, name, "country"))
        members += [(code, c) for c in sorted(lad23_uk) if c.startswith(prefix)]

    areas = pd.DataFrame(areas, columns=["area_code", "area_name", "area_type"])
    _check(areas.area_code.is_unique, "duplicate area codes.", "build")
    members = pd.DataFrame(members, columns=["area_code", "lad_code"]).drop_duplicates()
    members = members.merge(areas[["area_code", "area_type"]], on="area_code")
    # A LAD listed in two areas of one type (North Ayrshire: Arran lies in another ITL2/ITL3) is partial in both.
    members["partial"] = members.duplicated(["area_type", "lad_code"], keep=False)
    order = {t: i for i, t in enumerate(["region", "ca", "itl1", "itl2", "itl3", "country"])}
    areas = areas.sort_values(["area_type", "area_code"], key=lambda s: s.map(order) if s.name == "area_type"
                              else s).reset_index(drop=True)
    members = members.sort_values(["area_code", "lad_code"])[["area_code", "lad_code", "partial"]]
    return areas, members.reset_index(drop=True)


# ------------------------------------------------------------------------------------------- LAD names
def build_lad_codes(t: dict[str, pd.DataFrame], lad23_uk: dict[str, str], successors: pd.DataFrame,
                    to_2023: dict[str, str]) -> tuple[pd.DataFrame, list[tuple]]:
    """Every LAD code seen in any vintage, with its latest name, its April-2023 code and the code sets it is in."""
    sets: dict[str, list[tuple[str, str]]] = {}

    def add(label: str, codes, names):
        for c, n in zip(codes, names, strict=True):
            sets.setdefault(c, []).append((label, n))

    l11 = t["lad11_lad21"]
    add("LAD11", l11.LAD11CD, l11.LAD11NM)
    add("LAD19", t["lsoa_lad19"].LAD19CD, t["lsoa_lad19"].LAD19NM)
    add("LAD20", t["dfe_lep20"].LACD, t["dfe_lep20"].LANM)
    pop = t["nomis_population"]
    add("LAD21", pop["code"], pop["name"])
    add("LAD23", list(lad23_uk), list(lad23_uk.values()))
    itl = t["lad25_itl25"].drop_duplicates("LAD25CD")
    add("LAD25", itl.LAD25CD, itl.LAD25NM)
    rows, aliases = [], []
    order = ["LAD11", "LAD19", "LAD20", "LAD21", "LAD23", "LAD25"]
    back = _later_codes(successors)
    for code, seen in sets.items():
        labels = sorted({s for s, _ in seen}, key=order.index)
        latest = max(seen, key=lambda x: order.index(x[0]))[1]
        current = back.get(code) or to_2023.get(code, code)
        if current not in lad23_uk:
            raise SchemaError(f"LAD {code} ({latest}) has no April-2023 successor.", file="build")
        rows.append((code, latest, current, ";".join(labels)))
        for n in sorted({n for _, n in seen} - {latest}):
            aliases.append((n, "lad", code, "former name"))
    out = pd.DataFrame(rows, columns=["lad_code", "lad_name", "current_code", "code_sets"])
    return out.sort_values("lad_code").drop_duplicates().reset_index(drop=True), aliases


def _read_population_names(path: Path) -> pd.DataFrame:
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    header = next((i for i, line in enumerate(lines) if line.startswith('"local authority')), None)
    if header is None:
        raise SchemaError("no header row starting 'local authority: district / unitary'.", file=path.name)
    df = pd.read_csv(path, skiprows=header, dtype=str, encoding="utf-8-sig", keep_default_na=False,
                     usecols=[0, 1])
    df.columns = ["name", "code"]
    if not str(lines[header]).startswith('"local authority: district / unitary (as of April 2021)"'):
        raise SchemaError("expected LADs 'as of April 2021'.", file=path.name)
    return df[df.code.str.match(LAD_RE)].reset_index(drop=True)


# ------------------------------------------------------------------------------------------- main
def read_inputs(paths: dict[str, Path]) -> tuple[dict[str, pd.DataFrame], list, list]:
    p = paths
    t = {
        "lsoa_lep17": _read_csv(p["lsoa_lep17"], ["LSOA11CD", "LEP17CD1", "LEP17NM1", "LEP17CD2", "LEP17NM2"]),
        "lsoa_lad19": _read_csv(p["lsoa_lad19"], ["LSOA11CD", "LAD19CD", "LAD19NM"]),
        "dfe_lep20": _read_dfe_lep20(p["dfe_lep20"]),
        "lep20_names": _read_csv(p["lep20_names"], ["LEP20CD", "LEP20NM"]),
        "dfe_leps": _read_csv(p["dfe_leps"], ["local_enterprise_partnership_code", "local_enterprise_partnership_name",
                                              "date_of_introduction", "date_of_termination", "status"]),
        "dfe_lads": _read_csv(p["dfe_lads"], ["lad_code", "lad_name", "date_of_introduction", "date_of_termination",
                                              "status"]),
        "lad11_lad21": _read_csv(p["lad11_lad21"], ["LAD11CD", "LAD11NM", "LAD21CD", "LAD21NM"]),
        "lad23_rgn23": _read_csv(p["lad23_rgn23"], ["LAD23CD", "LAD23NM", "RGN23CD", "RGN23NM"]),
        "lad24_cauth24": _read_csv(p["lad24_cauth24"], ["LAD24CD", "LAD24NM", "CAUTH24CD", "CAUTH24NM"]),
        "lad25_itl25": _read_csv(p["lad25_itl25"], ["ITL125CD", "ITL125NM", "ITL225CD", "ITL225NM", "ITL325CD",
                                                    "ITL325NM", "LAU125CD", "LAU125NM", "LAD25CD", "LAD25NM"]),
        "nomis_population": _read_population_names(p["nomis_population"]),
    }
    lep_geoms = _read_geojson(p["lep21_boundaries"], ["LEP21CD", "LEP21NM"])
    lad_geoms = _read_geojson(p["lad23_boundaries"], ["LAD23CD", "LAD23NM"])
    return t, lep_geoms, lad_geoms


def build(paths: dict[str, Path]) -> tuple[dict[str, pd.DataFrame], dict]:
    """Read the official lookups (keys of ``INPUTS``) and return the derived tables by file name."""
    t, lep_geoms, lad_geoms = read_inputs(paths)
    lad23_uk = {p["LAD23CD"]: p["LAD23NM"] for p, _ in lad_geoms}
    eng23 = {c for c in lad23_uk if re.match(ENGLISH_LAD_RE, c)}
    _check(eng23 == set(t["lad23_rgn23"].LAD23CD), "the English LAD23 boundaries are not the 296 LADs of the "
           "LAD23 -> RGN23 lookup.", "LAD23 boundaries")
    lad21 = set(t["lad11_lad21"].LAD21CD) | set(t["nomis_population"]["code"])
    names = {}
    for c, n in zip(t["lad11_lad21"].LAD11CD, t["lad11_lad21"].LAD11NM, strict=True):
        names[c] = n
    for c, n in zip(t["nomis_population"]["code"], t["nomis_population"]["name"], strict=True):
        names[c] = n
    names.update(lad23_uk)
    successors = build_successors(t["lad11_lad21"], t["dfe_lads"], t["lad25_itl25"], lad21, set(lad23_uk), names)
    to_2023 = _forward(successors, 2023)

    leps, membership, stats = build_leps(t, successors, lad23_uk, lad_geoms, lep_geoms)
    areas, area_members = build_areas(t, successors, set(lad23_uk))
    lad_codes, lad_aliases = build_lad_codes(t, lad23_uk, successors, to_2023)

    # ---- aliases: abbreviations, Nomis names, former codes of the LEPs; CA abbreviations; former LAD names
    key_of = {r.lep_name: r.lep_key for r in leps.itertuples() if r.vintage == 2017}
    aliases = []
    for name, abbrs in LEP_ALIASES.items():
        aliases += [(a, "lep", key_of[name], "abbreviation") for a in abbrs]
    for name, nomis in NOMIS_LEP_NAMES.items():
        aliases.append((nomis, "lep", key_of[name], "Nomis name"))
    key_any = {r.lep_name: r.lep_key for r in leps.itertuples()}
    known = set(leps.lep_code)
    dl = t["dfe_leps"]
    for r in dl.itertuples(index=False):
        code, name = r.local_enterprise_partnership_code, r.local_enterprise_partnership_name
        if code not in known and name in key_any:
            aliases.append((code, "lep", key_any[name], "former code"))
    for code, abbrs in CA_ALIASES.items():
        _check(code in set(areas.area_code), f"combined authority {code} is not in the May 2024 lookup.", "build")
        aliases += [(a, "ca", code, "abbreviation") for a in abbrs]
    aliases += lad_aliases
    aliases = pd.DataFrame(aliases, columns=["alias", "area_type", "target", "kind"]).drop_duplicates()
    aliases = aliases.sort_values(["area_type", "target", "kind", "alias"]).reset_index(drop=True)

    tables = {
        "leps.csv": leps,
        "lep_membership.csv": membership,
        "areas.csv": areas,
        "area_members.csv": area_members,
        "lad_codes.csv": lad_codes,
        "successors.csv": successors,
        "aliases.csv": aliases,
    }
    return tables, stats


def input_paths(*, source: Path | None = None, from_raw: bool = False, verify: bool = True) -> dict[str, Path]:
    """The input files, from a folder laid out like ``../shared/data`` or from ``data/raw`` (catalogue)."""
    if source is None and not from_raw:
        source = config.shared_data_dir()
        if source is None:
            raise SystemExit("no ../shared/data found: pass --source DIR or --from-raw")
    paths = {}
    for key, name in INPUTS.items():
        e = catalogue.entry(name)
        path = e.local_path if from_raw else Path(source) / e.path
        if not path.exists():
            raise SystemExit(f"missing input {name}: {path} (run `evidence fetch {name}`)")
        if verify and catalogue.file_sha256(path) != e.sha256:
            raise SystemExit(f"{path}: sha256 does not match the catalogue pin for {name}")
        paths[key] = path
    return paths


def write(tables: dict[str, pd.DataFrame], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for fname, df in tables.items():
        df.to_csv(out / fname, index=False, lineterminator="\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", type=Path, default=None, help="a folder laid out like ../shared/data")
    ap.add_argument("--from-raw", action="store_true", help="read data/raw/<name>/<file> (see `evidence fetch`)")
    ap.add_argument("--out", type=Path, default=OUT_DIR, help=f"output folder (default {OUT_DIR})")
    ap.add_argument("--no-verify", action="store_true", help="do not check the inputs' sha256 pins")
    ap.add_argument("--check", action="store_true", help="compare with the tables in --out instead of writing")
    args = ap.parse_args(argv)
    paths = input_paths(source=args.source, from_raw=args.from_raw, verify=not args.no_verify)
    tables, stats = build(paths)
    print(f"2021 overlay: largest sliver below the threshold {stats['max_sliver_share_2021']:.4f}; "
          f"smallest member share {stats['min_member_share_2021']:.4f}", file=sys.stderr)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            write(tables, Path(tmp))
            stale = [f for f in tables if not (args.out / f).exists()
                     or (args.out / f).read_bytes() != (Path(tmp) / f).read_bytes()]
        if stale:
            print(f"out of date: {', '.join(stale)}", file=sys.stderr)
            return 1
        return 0
    write(tables, args.out)
    print(f"wrote {len(tables)} tables to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
