"""Areas and their local authority districts: LEPs by vintage, combined authorities, regions, ITLs, groupings.

The module reads only the small derived tables shipped in ``evidence/data/geography/`` (built from the
official lookups by ``scripts/build_geography.py``; see that script and the folder's README for how), plus
the groupings in ``evidence/data/groups.toml`` and, if set, the user file named by ``EVIDENCE_GROUPS``.
Nothing is read until a function is called.

LEP vintages
------------
``2017``
    38 LEPs (LEP17 codes) on LAD19 codes, from the ONS LSOA11 -> LEP (April 2017) lookup joined to the
    LSOA11 -> LAD19 lookup. Overlaps are kept: a LAD is a member of every LEP holding any of its LSOAs.
    Primary LEP: the largest share of the LAD's LSOAs, ties going to the LEP ONS lists first
    (``LEP17CD1``). The four Hampshire districts split between Enterprise M3 and Solent (East Hampshire,
    New Forest, Test Valley, Winchester) were members of both and count as overlaps (primary: Enterprise M3,
    the LSOA majority).
``2020``
    38 LEPs (LEP20 codes) on LAD20 codes, from the DfE best-fit allocation (``2020 LEP.xlsx``). DfE removed
    the overlaps, so every LAD is in exactly one LEP (its primary).
``2021``
    38 LEPs (LEP21 codes) on April-2023 LAD codes, from the LEP (May 2021) and LAD (December 2023)
    boundaries: a LAD is a member of every LEP covering at least 10% of its area. Exactly seven districts
    remain in two LEPs (Cannock Chase, East Staffordshire, Lichfield, Tamworth: Greater Birmingham and
    Solihull and Stoke-on-Trent and Staffordshire; Bromsgrove, Redditch, Wyre Forest: Greater Birmingham
    and Solihull and Worcestershire). Primary LEP: the largest area share; the seven ties go to Greater
    Birmingham and Solihull, as in the DfE 2020 allocation and the ONS ``LEP17CD1`` order.

Every vintage is also available on April-2023 LAD codes (the codes of the current ONS tables, 296 English
LADs). A current LAD that merged districts of which only some were members is a *partial* member (e.g.
Buckinghamshire E06000060 in South East Midlands 2017, through Aylesbury Vale only). Functions that
return LAD codes to filter data on refuse partial members unless told otherwise, and :func:`caveats` gives
the text to show users; nothing is ever apportioned.

Names
-----
:func:`resolve` accepts a GSS or ITL code, a name (any case, any punctuation: "Oxford–Cambridge Arc" and
"oxford-cambridge arc" are the same), an abbreviation (BTVLEP, SEMLEP, OxLEP, GCGP, LLEP, GMCA, WMCA, ...),
a Nomis spelling ("Hull and East Riding") or a LEP code from another vintage. A name shared by areas of
different types ("Greater Manchester": the LEP and the combined authority; "Dorset": the LEP and the district)
is ambiguous: :class:`~evidence.errors.AmbiguousAreaError` lists the candidates with their codes and types, and
the code, ``type=`` or a type prefix (``"ca:West Midlands"``, ``"region:North East"``,
``"lad:Buckinghamshire"``) picks one. ITL areas, whose names are mostly those of districts or counties, are
matched by name only when no other type has it (``"itl3:Blackpool"``, or the code ``TLD42``).

User groupings
--------------
``EVIDENCE_GROUPS`` may name a TOML file (or several, separated by the OS path separator) of extra
groupings, in the format of ``evidence/data/groups.toml``::

    [[group]]
    code = "GRP-MYAREA"                 # unique; must not clash with another area's code
    name = "My area"
    aliases = ["My region"]             # optional extra names
    description = "..."                 # optional
    comparator = true                   # optional: packs of areas inside it compare them with it too
    areas = ["OxLEP", "ca:West Midlands"]  # optional: any names or codes resolve() accepts
    lads = ["E07000177", "E06000060"]   # optional: April-2023 LAD codes

A grouping is the union of its areas' member LADs (LEPs at the vintage asked for) and its LADs; a LAD in
two of its areas counts once.
"""

from __future__ import annotations

import copy
import difflib
import functools
import os
import re
import tomllib
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from .. import config
from ..errors import AggregationError, AmbiguousAreaError, GeographyError, UnknownAreaError
from . import areatypes

VINTAGES = (2017, 2020, 2021)
DEFAULT_VINTAGE = 2021
#: Area types (see :mod:`evidence.geography.areatypes`), in the order a name shared by several types lists them.
AREA_TYPES = tuple(areatypes.AREA_TYPES)
#: The order of types in :func:`areas`.
LIST_ORDER = ("lep", "ca", "region", "itl1", "itl2", "itl3", "group", "country")
DATA_DIR = config.PACKAGE_DIR / "data" / "geography"
GROUPS_FILE = config.PACKAGE_DIR / "data" / "groups.toml"
GROUPS_ENV = "EVIDENCE_GROUPS"
CURRENT = "2023"  # the April-2023 LAD codes of the current ONS tables

#: The catalogue entries behind each LEP vintage (for provenance).
_SOURCES = {
    2017: ("lookup-lsoa11-lep17", "lookup-lsoa11-lad19-imd19"),
    2020: ("lookup-dfe-lad20-lep20", "lookup-lep20-names"),
    2021: ("boundaries-lep21", "boundaries-lad23"),
    None: ("codes-dfe-lads", "lookup-lad11-lad21", "lookup-lad23-rgn23", "lookup-lad24-cauth24", "lookup-lad25-itl25",
           "population-nomis-1991-2022"),
}
_NOMIS_PREFIXES = {t.nomis_prefix: t.key for t in areatypes.AREA_TYPES.values() if t.nomis_prefix}
_NOMIS_PREFIXES["nuts316"] = "nuts3"


class Area(NamedTuple):
    """An area: its GSS/ITL code (or grouping code), official name and type (``lep``, ``ca``, ``lad``...)."""

    code: str
    name: str
    type: str


# ----------------------------------------------------------------------------------------------- tables
def _read(name: str, *, bools: Iterable[str] = (), ints: Iterable[str] = ()) -> pd.DataFrame:
    path = DATA_DIR / name
    if not path.is_file():
        raise GeographyError(f"the geography table {path} is missing; rebuild it with scripts/build_geography.py.")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for c in bools:
        df[c] = df[c].map({"True": True, "False": False}).astype(bool)
    for c in ints:
        df[c] = df[c].astype(int)
    return df


@functools.cache
def _leps() -> pd.DataFrame:
    return _read("leps.csv", ints=["vintage"])


@functools.cache
def _membership() -> pd.DataFrame:
    df = _read("lep_membership.csv", bools=["primary", "partial"], ints=["vintage"])
    df["share"] = df.share.astype(float)
    return df


@functools.cache
def _areas() -> pd.DataFrame:
    return _read("areas.csv")


@functools.cache
def _area_members() -> pd.DataFrame:
    return _read("area_members.csv", bools=["partial"])


@functools.cache
def _lads() -> pd.DataFrame:
    return _read("lad_codes.csv")


@functools.cache
def _lad_name() -> dict[str, str]:
    return dict(zip(_lads().lad_code, _lads().lad_name, strict=True))


@functools.cache
def _current() -> dict[str, str]:
    return dict(zip(_lads().lad_code, _lads().current_code, strict=True))


@functools.cache
def _successors() -> pd.DataFrame:
    return _read("successors.csv", ints=["year"])


@functools.cache
def _aliases() -> pd.DataFrame:
    return _read("aliases.csv")


def _check_vintage(vintage: int) -> int:
    if vintage not in VINTAGES:
        raise GeographyError(f"LEP vintage {vintage!r} is not known; use one of {VINTAGES}.")
    return int(vintage)


def _check_basis(on: str) -> str:
    if on not in ("native", CURRENT):
        raise GeographyError(f"LAD codes must be 'native' (the vintage's own) or {CURRENT!r} (April 2023), not {on!r}.")
    return on


# ----------------------------------------------------------------------------------------------- groups
def _group_files() -> tuple[Path, ...]:
    files = [GROUPS_FILE]
    env = os.environ.get(GROUPS_ENV)
    if env:
        for part in env.split(os.pathsep):
            if part.strip():
                path = Path(part.strip()).expanduser()
                if not path.is_file():
                    raise GeographyError(f"{GROUPS_ENV} names {str(path)!r}, which is not a file.")
                files.append(path)
    return tuple(files)


def _groups_key() -> tuple[tuple[Path, int], ...]:
    return tuple((f, f.stat().st_mtime_ns) for f in _group_files())


def _groups() -> dict[str, dict]:
    return _load_groups(_groups_key())


def _memo(fn):
    """Memoise a lookup on its arguments and the grouping files' state; callers get their own copy.

    Packs resolve the same areas and memberships thousands of times (every indicator of every LEP), and
    the answers only change when a grouping file does.
    """
    cache: dict = {}

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            key = (_groups_key(), args, tuple(sorted(kwargs.items())))
            hit = cache.get(key)
        except TypeError:  # an unhashable argument: nothing to reuse
            return fn(*args, **kwargs)
        if hit is None:
            hit = cache[key] = fn(*args, **kwargs)
        if isinstance(hit, pd.DataFrame):
            return hit.copy()
        return hit if isinstance(hit, Area) else copy.deepcopy(hit)

    wrapper.cache_clear = cache.clear
    return wrapper


@functools.cache
def _load_groups(files: tuple[tuple[Path, int], ...]) -> dict[str, dict]:
    allowed = {"code", "name", "aliases", "description", "areas", "lads", "comparator"}
    groups: dict[str, dict] = {}
    taken = set(_areas().area_code) | set(_leps().lep_code) | set(_lads().lad_code)
    for path, _ in files:
        try:
            with open(path, "rb") as fh:
                raw = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise GeographyError(f"{path}: not valid TOML ({exc}).") from exc
        for i, g in enumerate(raw.get("group", []), start=1):
            where = f"{path}: group {i}"
            if not isinstance(g, dict):
                raise GeographyError(f"{where}: each [[group]] must be a table.")
            unknown = set(g) - allowed
            if unknown:
                raise GeographyError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}.")
            code, name = g.get("code"), g.get("name")
            if not isinstance(code, str) or not code.strip() or not isinstance(name, str) or not name.strip():
                raise GeographyError(f"{where}: 'code' and 'name' are required strings.")
            code = code.strip()
            if code.upper() in {c.upper() for c in groups} or code in taken:
                raise GeographyError(f"{where}: code {code!r} is already used by another area or grouping.")
            lists = {}
            for key in ("aliases", "areas", "lads"):
                value = g.get(key, [])
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise GeographyError(f"{where} ({code}): {key!r} must be a list of strings.")
                lists[key] = [v.strip() for v in value]
            if not lists["areas"] and not lists["lads"]:
                raise GeographyError(f"{where} ({code}): give 'areas' or 'lads' (or both).")
            current = set(_current().values())
            bad = [c for c in lists["lads"] if c not in current]
            if bad:
                hint = "; ".join(f"{c} -> {_current()[c]}" for c in bad if c in _current())
                raise GeographyError(f"{where} ({code}): {bad} are not April-2023 LAD codes."
                                     + (f" Current codes: {hint}." if hint else ""))
            if not isinstance(g.get("comparator", False), bool):
                raise GeographyError(f"{where} ({code}): 'comparator' must be true or false.")
            groups[code] = {"code": code, "name": name.strip(), "description": g.get("description", ""),
                            "comparator": g.get("comparator", False), "file": str(path), **lists}
    return groups


# ----------------------------------------------------------------------------------------------- names
def _norm(text: str) -> str:
    """Lower case, ``&`` as "and", accents, apostrophes and punctuation (any dash) dropped, spaces collapsed."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower().replace("&", " and ")
    text = re.sub(r"['’`]", "", text)
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


#: Words a name may end with, and the area type they imply.
_SUFFIXES = tuple((suffix, t.key) for t in areatypes.AREA_TYPES.values() for suffix in t.suffixes)


def _variants(q: str) -> list[tuple[str, str | None]]:
    """A normalised name and its variants without a leading "the" or a trailing "LEP"/"combined authority",
    each with the area type the dropped words imply."""
    out: list[tuple[str, str | None]] = [(q, None)]
    if q.startswith("the "):
        out.append((q[4:], None))
    for suffix, typ in _SUFFIXES:
        for v, _ in list(out):
            if v.endswith(" " + suffix):
                out.append((v[: -len(suffix) - 1].strip(), typ))
    return list(dict.fromkeys(out))


def _entries() -> list[tuple[str, str, str, str]]:
    """(display name, type, target, kind) for every name and alias; LEP targets are LEP keys."""
    out = []
    for r in _leps().itertuples():
        out.append((r.lep_name, "lep", r.lep_key, f"name {r.vintage}"))
    for r in _aliases().itertuples():
        out.append((r.alias, r.area_type, r.target, r.kind))
    for r in _areas().itertuples():
        out.append((r.area_name, r.area_type, r.area_code, "name"))
    lads = _lads()
    # Current codes first, so that a name shared by an old and a new code (Gateshead) means the current one.
    lads = lads.assign(_old=lads.lad_code != lads.current_code).sort_values(["_old", "lad_code"])
    for r in lads.itertuples():
        out.append((r.lad_name, "lad", r.lad_code, "name"))
    for g in _groups().values():
        out.append((g["name"], "group", g["code"], "name"))
        out += [(a, "group", g["code"], "alias") for a in g["aliases"]]
    return out


def _index() -> tuple[dict[str, dict[str, list[str]]], ...]:
    return _build_index(_groups_key())


@functools.cache
def _build_index(_key: tuple) -> tuple[dict[str, dict[str, list[str]]], ...]:
    """Two indexes of normalised name -> type -> targets: exact names, then names with "the"/"LEP" dropped."""
    exact: dict[str, dict[str, list[str]]] = {}
    loose: dict[str, dict[str, list[str]]] = {}
    for display, typ, target, _ in _entries():
        variants = [v for v, _ in _variants(_norm(display))]
        for index, keys in ((exact, variants[:1]), (loose, variants[1:])):
            for key in keys:
                targets = index.setdefault(key, {}).setdefault(typ, [])
                if target not in targets:
                    targets.append(target)
    return exact, loose


@functools.cache
def _lep_by_key() -> dict[tuple[str, int], Area]:
    return {(r.lep_key, r.vintage): Area(r.lep_code, r.lep_name, "lep") for r in _leps().itertuples()}


def _lep_area(key: str, vintage: int) -> Area:
    return _lep_by_key()[(key, vintage)]


def _area_of(typ: str, target: str, vintage: int) -> Area:
    if typ == "lep":
        return _lep_area(target, vintage)
    if typ == "group":
        g = _groups()[target]
        return Area(g["code"], g["name"], "group")
    if typ == "lad":
        return Area(target, _lad_name()[target], "lad")
    row = _areas()[_areas().area_code == target].iloc[0]
    return Area(row.area_code, row.area_name, row.area_type)


def _by_code(code: str, vintage: int, types: tuple[str, ...]) -> Area | None:
    up = code.upper()
    if "lep" in types:
        hit = _leps()[_leps().lep_code == up]
        keys = set(hit.lep_key)
        aliases = _aliases()
        former = aliases[(aliases.kind == "former code") & (aliases.alias.str.upper() == up)]
        keys |= set(former.target)
        if len(keys) == 1:
            return _lep_area(keys.pop(), vintage)
        if len(keys) > 1:
            raise UnknownAreaError(code, [_label(_lep_area(k, vintage)) for k in sorted(keys)],
                                   kind="area: ambiguous LEP code")
    if "group" in types:
        for g in _groups().values():
            if g["code"].upper() == up:
                return Area(g["code"], g["name"], "group")
    hit = _areas()[_areas().area_code.str.upper() == up]
    if len(hit) and hit.area_type.iloc[0] in types:
        return Area(hit.area_code.iloc[0], hit.area_name.iloc[0], hit.area_type.iloc[0])
    if "lad" in types and up in _lad_name():
        return Area(up, _lad_name()[up], "lad")
    return None


def _label(a: Area) -> str:
    return f"{a.name} ({a.code}, {a.type})"


def _suggest(query: str, vintage: int, types: tuple[str, ...]) -> list[str]:
    q = _norm(query)
    labels: dict[str, str] = {}
    for display, typ, target, _ in _entries():
        if typ not in types:
            continue
        a = _area_of(typ, target, vintage)
        labels.setdefault(_norm(display), _label(a))
    keys = list(labels)
    close = difflib.get_close_matches(q, keys, n=5, cutoff=0.6)
    if len(close) < 5 and q:
        close += [k for k in keys if k.startswith(q) or f" {q}" in f" {k}"][: 5 - len(close)]
    return list(dict.fromkeys(labels[k] for k in close))[:5]


@_memo
def resolve(query: str | Area, *, vintage: int = DEFAULT_VINTAGE, type: str | None = None) -> Area:
    """The area a code, name or abbreviation refers to.

    Parameters
    ----------
    query
        A GSS/ITL code (``E37000057``, ``E47000001``, ``TLJ1``), a grouping code (``GRP-OXCAM``), a name in any
        case and punctuation, an abbreviation (``BTVLEP``, ``SEMLEP``, ``GMCA``...), a Nomis LEP name, or
        any of these prefixed by a type (``"ca:West Midlands"``, ``"lad:Buckinghamshire"``).
    vintage
        The LEP vintage (2017, 2020 or 2021): a LEP is returned with that vintage's code and name, whatever
        vintage the query's name or code comes from (``E37000002`` at 2021 is ``E37000043`` Buckinghamshire).
    type
        Only consider this area type (one of ``AREA_TYPES``).

    Returns
    -------
    Area
        ``(code, name, type)``.

    Raises
    ------
    UnknownAreaError
        Nothing matches, or a name is shared by two areas of one type; the error lists the closest matches.
    AmbiguousAreaError
        The name is shared by areas of different types (a subclass of ``UnknownAreaError``).

    Examples
    --------
    >>> resolve("BTVLEP", vintage=2017)
    Area(code='E37000002', name='Buckinghamshire Thames Valley', type='lep')
    >>> resolve("Hull and East Riding").code
    'E37000061'
    >>> resolve("oxford–cambridge arc")
    Area(code='GRP-OXCAM', name='Oxford–Cambridge Arc', type='group')
    """
    vintage = _check_vintage(vintage)
    types = AREA_TYPES
    if isinstance(query, Area):
        types = (query.type,) if query.type in AREA_TYPES else types
        query = query.code
    text = str(query).strip()
    m = re.match(r"^\s*([A-Za-z0-9 ]+?)\s*:\s*(.+)$", text)
    if m and m.group(1).lower() in set(AREA_TYPES) | {"ladu"}:
        prefix = m.group(1).lower()
        types, text = (("lad",) if prefix == "ladu" else (prefix,)), m.group(2).strip()
    if type is not None:
        if type not in AREA_TYPES:
            raise GeographyError(f"area type {type!r} is not known; use one of {AREA_TYPES}.")
        types = tuple(t for t in types if t == type)
    if not text:
        raise UnknownAreaError(str(query), [])
    if re.fullmatch(r"[A-Za-z0-9-]+", text):
        hit = _by_code(text, vintage, types)
        if hit is not None:
            return hit
    found = _name_matches(text, types)
    if not found:
        raise UnknownAreaError(str(query), _suggest(text, vintage, types))
    named = {t: v for t, v in found.items() if areatypes.get(t).by_name} or found
    if len(named) == 1 and len(next(iter(named.values()))) == 1:
        typ, targets = next(iter(named.items()))
        return _area_of(typ, targets[0], vintage)
    if len(named) == 1:
        kind = "area: ambiguous name"
        typ, targets = next(iter(named.items()))
        raise UnknownAreaError(str(query), [_label(_area_of(typ, t, vintage)) for t in targets], kind=kind)
    raise AmbiguousAreaError(text, [_label(_area_of(t, x, vintage)) for t, xs in found.items() for x in xs],
                             list(found))


def _name_matches(text: str, types: tuple[str, ...]) -> dict[str, list[str]]:
    """Type -> targets of the areas a name refers to: the first variant of the name (the name itself, then
    without "the", "LEP", "combined authority"...) that matches anything, in the exact and loose indexes
    together, so that "Greater Manchester" finds both the LEP and the combined authority."""
    indexes = _index()
    for key, hint in _variants(_norm(text)):
        found: dict[str, list[str]] = {}
        for index in indexes:
            for typ, targets in index.get(key, {}).items():
                if typ in types and (hint is None or typ == hint):
                    found.setdefault(typ, [])
                    found[typ] += [t for t in targets if t not in found[typ]]
        if "lad" in found and len(found["lad"]) > 1:
            current = [t for t in found["lad"] if _current().get(t) == t]
            found["lad"] = current[:1] or found["lad"]
        if found:
            return {t: found[t] for t in types if t in found}
    return {}




def resolve_nomis_label(label: str, *, vintage: int = DEFAULT_VINTAGE) -> Area:
    """The area of a Nomis area label (first column of a Nomis Excel/CSV download).

    ``lep:<name>`` (the Nomis LEP geography, on the LEPs' 2021 boundaries; returned with the code of
    ``vintage``), ``ladu:<name>`` (local authority districts as of April 2021, GB), ``country:England``
    and ``nuts316:<NUTS 2016 code> <name>`` are understood.

    Returns
    -------
    Area
        ``(code, name, type)``; type is ``lep``, ``lad``, ``country`` or ``nuts3``.

    Raises
    ------
    UnknownAreaError
        An unknown prefix (e.g. ``User Defined Geography:``) or name.

    Examples
    --------
    >>> resolve_nomis_label("lep:Hull and East Riding")
    Area(code='E37000061', name='Hull and East Yorkshire', type='lep')
    >>> resolve_nomis_label("ladu:Kingston upon Hull, City of")
    Area(code='E06000010', name='Kingston upon Hull, City of', type='lad')
    >>> resolve_nomis_label("nuts316:UKC11 Hartlepool and Stockton-on-Tees")
    Area(code='UKC11', name='Hartlepool and Stockton-on-Tees', type='nuts3')
    """
    prefix, sep, rest = str(label).partition(":")
    kind = _NOMIS_PREFIXES.get(prefix.strip().lower()) if sep else None
    rest = rest.strip()
    if kind is None or not rest:
        raise UnknownAreaError(str(label), [f"{p}:<name>" for p in _NOMIS_PREFIXES], kind="Nomis area label")
    if kind == "nuts3":
        m = re.fullmatch(r"(UK[A-Z0-9]{3})\s+(.+)", rest)
        if not m:
            raise UnknownAreaError(str(label), ["nuts316:UKC11 Hartlepool and Stockton-on-Tees"],
                                   kind="Nomis area label")
        return Area(m.group(1), m.group(2).strip(), "nuts3")
    if kind == "lad":
        names = _ladu_names()
        code = names.get(_norm(rest))
        if code is None:
            close = difflib.get_close_matches(_norm(rest), list(names), n=5, cutoff=0.6)
            raise UnknownAreaError(str(label), [f"ladu:{_lad_name()[names[k]]}" for k in close],
                                   kind="Nomis area label")
        return Area(code, _lad_name()[code], "lad")
    return resolve(rest, vintage=vintage, type=kind)


@functools.cache
def _ladu_names() -> dict[str, str]:
    """Normalised names of the April-2021 LADs (Nomis ``ladu:``), current and former spellings -> code."""
    lads = _lads()
    in21 = lads[lads.code_sets.str.contains("LAD21")]
    names = {_norm(n): c for c, n in zip(in21.lad_code, in21.lad_name, strict=True)}
    former = _aliases()[(_aliases().area_type == "lad") & _aliases().target.isin(set(in21.lad_code))]
    for alias, code in zip(former.alias, former.target, strict=True):
        names.setdefault(_norm(alias), code)
    return names


def _as_area(area: str | Area, vintage: int) -> Area:
    return resolve(area, vintage=vintage)


# ----------------------------------------------------------------------------------------------- listings
def provenance(*, vintage: int | None = None) -> list[dict]:
    """Provenance records (see :mod:`evidence.provenance`) of the official files behind the geography tables.

    With ``vintage``, the LEP lookups of that vintage and the code/area lookups; without, all of them.
    """
    from ..sources import catalogue

    names = list(_SOURCES[None])
    for v in VINTAGES if vintage is None else (_check_vintage(vintage),):
        names = list(_SOURCES[v]) + names
    return [catalogue.entry(n).provenance() for n in dict.fromkeys(names)]


@_memo
def areas(*, type: str | None = None, vintage: int = DEFAULT_VINTAGE) -> pd.DataFrame:
    """Every area of a type (or of all types), with its number of member LADs.

    Parameters
    ----------
    type
        ``lep``, ``ca`` (combined authorities, May 2024), ``region`` (2023), ``itl1``/``itl2``/``itl3``
        (January 2025), ``group``, ``country``, ``lad`` (April-2023 LADs, UK); ``None`` lists every type but
        ``lad``.
    vintage
        The LEP vintage (2017, 2020, 2021); it changes the LEPs and the groupings built from LEPs.

    Returns
    -------
    DataFrame
        ``area_code, area_name, area_type, n_lads`` (``n_lads``: member LADs on the vintage's own codes for
        LEPs and groupings, on April-2023 codes otherwise).
    """
    vintage = _check_vintage(vintage)
    valid = LIST_ORDER + ("lad",)
    if type is not None and type not in valid:
        raise GeographyError(f"area type {type!r} is not known; use one of {valid}.")
    types = LIST_ORDER if type is None else (type,)
    frames = []
    for t in types:
        if t == "lep":
            leps = _leps()[_leps().vintage == vintage]
            n = _membership()[(_membership().vintage == vintage) & (_membership().basis == "native")]
            n = n.groupby("lep_code").size()
            frames.append(pd.DataFrame({"area_code": leps.lep_code, "area_name": leps.lep_name, "area_type": "lep",
                                        "n_lads": leps.lep_code.map(n).astype(int)}))
        elif t == "group":
            rows = [(g["code"], g["name"], "group", len(_group_lads(g["code"], vintage, "native")[0]))
                    for g in _groups().values()]
            frames.append(pd.DataFrame(rows, columns=["area_code", "area_name", "area_type", "n_lads"]))
        elif t == "lad":
            lads = _lads()[_lads().lad_code == _lads().current_code]
            frames.append(pd.DataFrame({"area_code": lads.lad_code, "area_name": lads.lad_name, "area_type": "lad",
                                        "n_lads": 1}))
        else:
            a = _areas()[_areas().area_type == t]
            n = _area_members().groupby("area_code").size()
            frames.append(a.assign(n_lads=a.area_code.map(n).astype(int)))
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["area_type", "area_code"], key=lambda s: s.map(valid.index) if s.name == "area_type"
                           else s).reset_index(drop=True)


@_memo
def comparison_set(type: str, *, vintage: int = DEFAULT_VINTAGE) -> list[str]:
    """The codes of the areas an area of kind ``type`` is ranked among or compared with: every area of the
    type (LEPs of ``vintage``), districts restricted to England's 296, whose data the packs use.

    Examples
    --------
    >>> len(comparison_set("lad")), len(comparison_set("ca")), len(comparison_set("lep", vintage=2017))
    (296, 11, 38)
    """
    codes = list(areas(type=type, vintage=vintage)["area_code"])
    return [c for c in codes if c.startswith("E")] if type == "lad" else codes


def type_label(type: str, *, vintage: int = DEFAULT_VINTAGE, plural: bool = True) -> str:
    """A comparison set in words: "LEPs (2021 geography)", "combined authorities", "districts"."""
    t = areatypes.get(type)
    text = t.plural if plural else t.label
    return f"{text} ({vintage} geography)" if t.by_vintage else text


@_memo
def partnerships(area: str | Area, *, vintage: int = DEFAULT_VINTAGE) -> list[Area]:
    """The groupings marked ``comparator = true`` (the Northern Powerhouse, the Midlands Engine) that wholly
    contain an area: packs compare the area with them as well as with England.

    Examples
    --------
    >>> [a.name for a in partnerships("E47000001")]
    ['Northern Powerhouse']
    >>> partnerships("Oxford-Cambridge Arc")
    []
    """
    a = _as_area(area, vintage)
    mine = set(lad_codes(a, vintage=vintage, allow_partial=True))
    out = []
    for g in _groups().values():
        if g["comparator"] and g["code"] != a.code and mine:
            theirs = set(lad_codes(g["code"], vintage=vintage, allow_partial=True))
            if mine <= theirs:
                out.append(Area(g["code"], g["name"], "group"))
    return out


def group_parts(area: str | Area, *, vintage: int = DEFAULT_VINTAGE) -> list[Area]:
    """The areas a grouping is defined by (its ``areas``, at ``vintage``), in the order given; empty for an
    area that is not a grouping or a grouping of districts only.

    Examples
    --------
    >>> [a.code for a in group_parts("GRP-OXCAM", vintage=2017)]
    ['E37000027', 'E37000002', 'E37000041', 'E37000042']
    """
    a = _as_area(area, vintage)
    if a.type != "group":
        return []
    return [resolve(ref, vintage=vintage) for ref in _groups()[a.code]["areas"]]


@_memo
def membership(vintage: int = DEFAULT_VINTAGE, *, on: str = "native") -> pd.DataFrame:
    """The LAD -> LEP table of a vintage.

    Parameters
    ----------
    vintage
        2017 (LEP17 on LAD19 codes), 2020 (LEP20 on LAD20 codes, DfE best fit, no overlaps) or 2021 (LEP21
        on April-2023 codes).
    on
        ``"native"``: the vintage's own LAD codes; ``"2023"``: April-2023 codes (296 English LADs).

    Returns
    -------
    DataFrame
        ``lad_code, lad_name, lep_code, lep_name, primary, partial, share``: one row per LAD and LEP.
        ``primary`` marks each LAD's one primary LEP. ``partial`` (only ever True on ``"2023"``) marks a
        current LAD of which only some predecessor districts were members. ``share`` is the fraction of the
        LAD in the LEP: of its 2011 LSOAs for 2017 and 2020 (1 for the 2020 native table), of its area for
        2021.
    """
    vintage, on = _check_vintage(vintage), _check_basis(on)
    m = _membership()
    out = m[(m.vintage == vintage) & (m.basis == on)].drop(columns=["vintage", "basis"]).reset_index(drop=True)
    out.attrs["provenance"] = provenance(vintage=vintage)
    return out


@_memo
def _native_predecessors(vintage: int) -> dict[str, set[str]]:
    native = set(_membership()[(_membership().vintage == vintage) & (_membership().basis == "native")].lad_code)
    out: dict[str, set[str]] = {}
    for code in native:
        out.setdefault(_current().get(code, code), set()).add(code)
    return out


@_memo
def _group_lads(code: str, vintage: int, on: str, _stack: tuple[str, ...] = ()) -> tuple[dict[str, bool], list[str]]:
    """A grouping's LADs -> partial flag, and caveats. ``on="native"`` keeps LEP members on the vintage's codes."""
    g = _groups()[code]
    if code in _stack:
        raise GeographyError(f"grouping {code} ({g['file']}) includes itself.")
    native: set[str] = set()  # LEP members on the vintage's own codes
    whole: dict[str, bool] = {}  # members already on April-2023 codes -> partial
    for ref in g["areas"]:
        try:
            a = resolve(ref, vintage=vintage)
        except UnknownAreaError as exc:
            raise GeographyError(f"grouping {code} ({g['file']}): {exc}") from exc
        if a.type == "lep":
            m = _membership()
            native |= set(m[(m.vintage == vintage) & (m.basis == "native") & (m.lep_code == a.code)].lad_code)
        elif a.type == "group":
            sub, _ = _group_lads(a.code, vintage, CURRENT, _stack + (code,))
            for c, p in sub.items():
                whole[c] = whole.get(c, True) and p
        elif a.type == "lad":
            cur = _current()[a.code]
            whole[cur] = whole.get(cur, True) and _atoms(a.code) != _atoms(cur)
        else:
            am = _area_members()[_area_members().area_code == a.code]
            for c, p in zip(am.lad_code, am.partial, strict=True):
                whole[c] = whole.get(c, True) and p
    for c in g["lads"]:
        whole[c] = False
    if on == "native":
        out = {c: False for c in native}
        for c, p in whole.items():
            if c not in out:
                out[c] = p
        return out, []
    preds = _native_predecessors(vintage)
    out = dict(whole)
    for cur in {_current().get(c, c) for c in native}:
        p = not preds.get(cur, {cur}) <= native
        out[cur] = out.get(cur, True) and p
    caveats = [_partial_text(Area(g["code"], g["name"], "group"), c, vintage,
                             sorted(native & preds.get(c, set()))) for c, p in sorted(out.items()) if p]
    return out, caveats


def _partial_text(area: Area, lad: str, vintage: int, members_in: list[str]) -> str:
    name = _lad_name()[lad]
    if area.type in ("lep", "group"):
        label = f"{area.name} ({area.code}, {vintage} vintage)"
        advice = f"use data on the vintage's own LAD codes, or leave {lad} out"
    else:
        label, advice = f"{area.name} ({area.code})", f"use data published for {area.code} itself, or leave {lad} out"
    if members_in:
        was = ", ".join(f"{_lad_name()[c]} ({c})" for c in members_in)
        others = sorted(_native_predecessors(vintage).get(lad, set()) - set(members_in))
        not_ = ", ".join(f"{_lad_name()[c]} ({c})" for c in others)
        detail = f"only {was} {'was' if len(members_in) == 1 else 'were'} in it" + (f", not {not_}" if not_ else "")
    else:
        detail = "only part of it lies in the area"
    return (f"{label} covers only part of {name} ({lad}) on April-2023 codes: {detail}. Figures for the whole "
            f"of {name} would overstate the area; {advice}.")


@_memo
def _lep_lads(a: Area, vintage: int, on: str) -> pd.DataFrame:
    m = _membership()
    return m[(m.vintage == vintage) & (m.basis == on) & (m.lep_code == a.code)]


@_memo
def caveats(area: str | Area, *, vintage: int = DEFAULT_VINTAGE) -> list[str]:
    """Texts to show users about an area's membership at a vintage: partial LADs on April-2023 codes, and
    LADs shared with another LEP (counted in both)."""
    vintage = _check_vintage(vintage)
    a = _as_area(area, vintage)
    out = []
    if a.type == "lep":
        m = _lep_lads(a, vintage, CURRENT)
        native = set(_lep_lads(a, vintage, "native").lad_code)
        preds = _native_predecessors(vintage)
        for r in m[m.partial].itertuples():
            out.append(_partial_text(a, r.lad_code, vintage, sorted(native & preds.get(r.lad_code, set()))))
        full = _membership()[(_membership().vintage == vintage) & (_membership().basis == "native")]
        shared = full[full.lad_code.isin(native) & (full.lep_code != a.code)]
        for r in shared.itertuples():
            out.append(f"{r.lad_name} ({r.lad_code}) is also in {r.lep_name} ({r.lep_code}) in the {vintage} vintage; "
                       f"its figures count in both LEPs (primary: {'this LEP' if not r.primary else r.lep_name}).")
    elif a.type == "group":
        out += _group_lads(a.code, vintage, CURRENT)[1]
    elif a.type != "lad":
        am = _area_members()[(_area_members().area_code == a.code) & _area_members().partial]
        out += [_partial_text(a, c, vintage, []) for c in am.lad_code]
    return out


@_memo
def members(area: str | Area, *, vintage: int = DEFAULT_VINTAGE, lad_codes: str = "native") -> pd.DataFrame:
    """The local authority districts of an area.

    Parameters
    ----------
    area
        Anything :func:`resolve` accepts.
    vintage
        The LEP vintage (2017, 2020 or 2021).
    lad_codes
        ``"native"`` (default): LEPs on the vintage's own LAD codes (LAD19 for 2017, LAD20 for 2020, April
        2023 for 2021); ``"2023"``: on April-2023 codes, where a current LAD that is only partly in the area
        is listed and described in ``df.attrs["caveats"]``. Other areas are always on April-2023 codes
        (combined authorities May 2024 and ITLs January 2025 use the same codes, Barnsley and Sheffield's
        2025 codes mapped back).

    Returns
    -------
    DataFrame
        Exactly ``lad_code, lad_name, area_code, area_name, primary``, one row per member LAD, sorted by
        code. ``primary`` is True when this LEP is the LAD's primary LEP; always True for other areas.

    Examples
    --------
    >>> list(members("BTVLEP", vintage=2021).lad_code)
    ['E06000060']
    """
    vintage, on = _check_vintage(vintage), _check_basis(lad_codes)
    a = _as_area(area, vintage)
    notes: list[str] = []
    if a.type == "lep":
        m = _lep_lads(a, vintage, on)
        rows = pd.DataFrame({"lad_code": m.lad_code, "lad_name": m.lad_name, "primary": m.primary})
        if on == CURRENT:
            notes = [c for c in caveats(a, vintage=vintage) if "covers only part" in c]
    elif a.type == "group":
        lads, notes = _group_lads(a.code, vintage, on)
        names = {**_lad_name(), **dict(zip(_membership().lad_code, _membership().lad_name, strict=True))}
        rows = pd.DataFrame({"lad_code": sorted(lads), "primary": True})
        rows["lad_name"] = rows.lad_code.map(names)
    elif a.type == "lad":
        code = a.code if on == "native" else _current()[a.code]
        rows = pd.DataFrame({"lad_code": [code], "lad_name": [_lad_name()[code]], "primary": [True]})
    else:
        am = _area_members()[_area_members().area_code == a.code]
        rows = pd.DataFrame({"lad_code": am.lad_code, "lad_name": am.lad_code.map(_lad_name()), "primary": True})
        notes = caveats(a, vintage=vintage)
    out = rows.assign(area_code=a.code, area_name=a.name)[["lad_code", "lad_name", "area_code", "area_name", "primary"]]
    out = out.sort_values("lad_code").reset_index(drop=True)
    out["primary"] = out["primary"].astype(bool)
    out.attrs["provenance"] = provenance(vintage=vintage if a.type in ("lep", "group") else None)
    out.attrs["caveats"] = notes
    return out


@_memo
def lad_codes(area: str | Area, *, vintage: int = DEFAULT_VINTAGE, on: str = CURRENT,
              allow_partial: bool = False) -> list[str]:
    """The member LAD codes of an area, to filter data on.

    Parameters
    ----------
    area
        Anything :func:`resolve` accepts.
    vintage
        The LEP vintage.
    on
        ``"2023"`` (default): April-2023 codes, the codes of the current ONS tables; ``"native"``: the
        vintage's own codes (see :func:`members`).
    allow_partial
        On ``"2023"`` codes, a current LAD only partly in the area (e.g. Buckinghamshire for South East
        Midlands 2017) raises ``GeographyError`` unless this is True, in which case the whole LAD is
        included; :func:`caveats` gives the text to show.

    Returns
    -------
    list of str
        Sorted LAD codes.
    """
    vintage, on = _check_vintage(vintage), _check_basis(on)
    a = _as_area(area, vintage)
    if a.type == "lep":
        m = _lep_lads(a, vintage, on)
        partial = dict(zip(m.lad_code, m.partial, strict=True))
    elif a.type == "group":
        partial = _group_lads(a.code, vintage, on)[0]
    elif a.type == "lad":
        code = a.code if on == "native" else _current()[a.code]
        partial = {code: _atoms(a.code) != _atoms(code)}
    else:
        am = _area_members()[_area_members().area_code == a.code]
        partial = dict(zip(am.lad_code, am.partial, strict=True))
    bad = sorted(c for c, p in partial.items() if p)
    if bad and not allow_partial:
        texts = caveats(a, vintage=vintage) if a.type != "lad" else []
        detail = " ".join(t for t in texts if "covers only part" in t) or (
            f"{a.name} ({a.code}) is only part of {', '.join(bad)}.")
        raise GeographyError(f"{detail} Pass allow_partial=True to include the whole LAD(s) {', '.join(bad)} "
                             "knowingly, or use on='native'.")
    return sorted(partial)


# ----------------------------------------------------------------------------------------------- codes
def successors() -> pd.DataFrame:
    """LAD code changes 2011-2025: ``old_code, old_name, new_code, new_name, year, change, note, source``.

    One row per step (Taunton Deane -> Somerset West and Taunton 2019 -> Somerset 2023). Mergers join whole
    districts; ``code change`` rows are new codes after minor boundary changes (Gateshead/Northumberland,
    four Hertfordshire districts, Barnsley/Sheffield 2025). The 2009 unitary reorganisations predate the
    GSS codes and do not appear.
    """
    return _successors().copy()


def current_code(code: str) -> str:
    """The April-2023 code of a LAD code of any vintage 2011-2025 (E07000004 Aylesbury Vale -> E06000060).

    Codes introduced after April 2023 by a 1:1 code change are mapped back (E08000038 Barnsley ->
    E08000016). Raises ``UnknownAreaError`` for a code that is not a known LAD code.
    """
    c = str(code).strip().upper()
    if c not in _current():
        raise UnknownAreaError(str(code), difflib.get_close_matches(c, list(_current()), n=5, cutoff=0.8),
                               kind="LAD code")
    return _current()[c]


@functools.cache
def _atoms(code: str) -> frozenset[str]:
    """The earliest (2011) districts a code is made of; a 1:1 code change keeps its atoms."""
    s = _successors()
    olds = s[(s.new_code == code) & (s.year <= 2023)].old_code
    if code in set(s[s.year > 2023].new_code):
        return _atoms(s[s.new_code == code].old_code.iloc[0])
    if olds.empty:
        return frozenset({code})
    return frozenset().union(*(_atoms(o) for o in olds))


def to_current_codes(df: pd.DataFrame, *, code: str = "area_code", value: str = "value",
                     incomplete: str = "raise") -> pd.DataFrame:
    """Carry a tidy frame on older LAD codes onto April-2023 codes, summing merged districts.

    Every LAD code is replaced by its April-2023 code (:func:`current_code`); other codes (LEPs, regions,
    ITLs...) are left alone. Rows that fall on one current LAD and agree on every other column except
    ``area_name``, ``value`` and ``flag`` are merged: ``value`` is their sum (NA if any is NA: missing stays
    missing), ``flag`` the distinct flags joined by ``;``. A 1:1 code change (Gateshead E08000020 ->
    E08000037) only recodes.

    Parameters
    ----------
    df
        A tidy frame with ``code``, ``value`` and the boolean ``additive`` column.
    code, value
        Column names.
    incomplete
        A merger some of whose districts are missing from a group (e.g. Aylesbury Vale without the other
        three Buckinghamshire districts) would understate the current LAD: ``"raise"`` (default) raises
        ``GeographyError``; ``"drop"`` drops those rows and lists them in ``df.attrs["caveats"]``.

    Raises
    ------
    AggregationError
        A merger involves a non-additive row (rate, index, median, chained-volume measure...), which cannot
        be summed, or a row whose code is only part of its current LAD.
    GeographyError
        A merger is incomplete (see ``incomplete``), or a current LAD appears both under its own code and a
        predecessor's (double counting).

    Examples
    --------
    >>> toy = pd.DataFrame({"area_code": ["E07000150", "E07000152", "E07000153", "E07000156", "E06000001"],
    ...                     "year": 2020, "value": [1.0, 2.0, 3.0, 4.0, 5.0], "additive": True})
    >>> to_current_codes(toy)[["area_code", "value"]].values.tolist()
    [['E06000001', 5.0], ['E06000061', 10.0]]
    """
    if incomplete not in ("raise", "drop"):
        raise GeographyError(f"incomplete must be 'raise' or 'drop', not {incomplete!r}.")
    missing = [c for c in (code, value, "additive") if c not in df.columns]
    if missing:
        raise GeographyError(f"to_current_codes needs columns {missing}; the frame has {list(df.columns)}.")
    codes = df[code].astype(str)
    cur = codes.map(lambda c: _current().get(c, c))
    changed = codes != cur
    if not changed.any():
        out = df.copy()
        out.attrs = dict(df.attrs)
        return out
    affected = cur.isin(set(cur[changed]))
    keys = [c for c in df.columns if c not in (code, value, "area_name", "flag", "additive")]
    rest = df[~affected]
    work = df[affected].copy()
    work["_cur"] = cur[affected]
    work["_code"] = codes[affected]
    work["_g"] = work.groupby(keys + ["_cur"], dropna=False, observed=True, sort=False).ngroup()
    by = work.groupby("_g", sort=True)
    groups = pd.DataFrame({
        "target": by["_cur"].first(),
        "codes": work.sort_values("_code").groupby("_g", sort=True)["_code"].agg(tuple),
        "additive": work["additive"].astype(bool).groupby(work["_g"]).all(),
        "has_na": work[value].isna().groupby(work["_g"]).any(),
        "total": by[value].sum(min_count=1),
    })
    dropped, bad_groups = [], set()
    for (target, present), idx in groups.groupby(["target", "codes"]).groups.items():
        atoms = [_atoms(c) for c in present]
        pure_recode = len(present) == 1 and atoms[0] == _atoms(target)
        if not pure_recode and not groups.loc[idx, "additive"].all():
            g0 = work[work["_g"] == idx[~groups.loc[idx, "additive"].to_numpy()][0]].iloc[0]
            measure = ", ".join(f"{k}={g0[k]}" for k in keys)
            raise AggregationError(
                f"cannot carry non-additive values ({measure}) for {', '.join(present)} onto {target} "
                f"({_lad_name().get(target, target)}): a merged district's rate, index or median cannot be "
                "summed. Use the publisher's figures on April-2023 codes instead.")
        union = frozenset().union(*atoms)
        if sum(len(a) for a in atoms) != len(union):
            raise GeographyError(f"{target}: rows for {list(present)} overlap (a current code and its predecessor "
                                 "together); summing them would double count.")
        if union != _atoms(target):
            gone = sorted(_atoms(target) - union)
            msg = (f"{_lad_name().get(target, target)} ({target}) would be built from {', '.join(present)} only; "
                   f"missing {', '.join(f'{_lad_name().get(c, c)} ({c})' for c in gone)}")
            if incomplete == "raise":
                raise GeographyError(msg + ". Pass incomplete='drop' to drop such rows.")
            dropped.append(f"{msg} ({len(idx)} row group(s) dropped)")
            bad_groups |= set(idx)
    groups = groups.drop(index=sorted(bad_groups))
    merged = by.head(1).set_index("_g").loc[groups.index].copy()
    merged[value] = groups["total"].where(~groups["has_na"])
    if "flag" in df.columns:
        flagged = work[work["flag"].notna() & (work["flag"].astype(str) != "")]
        flags = flagged.groupby("_g")["flag"].agg(lambda f: ";".join(dict.fromkeys(f.astype(str))))
        merged["flag"] = flags.reindex(merged.index)
    merged[code] = merged["_cur"]
    if "area_name" in df.columns:
        merged["area_name"] = merged["_cur"].map(_lad_name()).fillna(merged["area_name"])
    merged = merged.reset_index(drop=True)[list(df.columns)]
    out = pd.concat([rest, merged], ignore_index=True)
    for c in df.columns:
        dtype = df[c].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            values = out[c].astype(object)
            extra = sorted(set(values.dropna()) - set(dtype.categories))
            out[c] = pd.Categorical(values, categories=list(dtype.categories) + extra, ordered=dtype.ordered)
        elif c == value:
            out[c] = pd.to_numeric(out[c]).astype(dtype if pd.api.types.is_float_dtype(dtype) else "Float64")
        else:
            try:
                out[c] = out[c].astype(dtype)
            except (TypeError, ValueError):
                pass
    out.attrs = dict(df.attrs)
    if dropped:
        out.attrs["caveats"] = list(out.attrs.get("caveats", [])) + dropped
    return out


def region_of(lad_code: str) -> Area:
    """The English region (2023) of a LAD code of any vintage; for Welsh, Scottish and Northern Irish LADs, the
    country.

    Examples
    --------
    >>> region_of("E07000004")
    Area(code='E12000008', name='South East', type='region')
    """
    cur = current_code(lad_code)
    am = _area_members().merge(_areas(), on="area_code")
    for typ in ("region", "country"):
        hit = am[(am.lad_code == cur) & (am.area_type == typ)]
        if len(hit):
            return Area(hit.area_code.iloc[0], hit.area_name.iloc[0], typ)
    raise UnknownAreaError(str(lad_code), [], kind="LAD code")  # pragma: no cover - every current LAD has one
