"""Sector definitions: named sets of SIC 2007 codes, and how they map onto the GVA rows and BRES divisions.

A *sector* is a list of UK SIC 2007 codes (sections, divisions, groups, classes or subclasses), optionally
less some codes inside them. Sectors come in *families*, one TOML file each, shipped in
``evidence/data/sectors/``:

``grand-challenges``
    The four Grand Challenges of the 2017 Industrial Strategy: AI and data economy, clean growth, future of
    mobility, ageing society.
``leicester-leicestershire``
    The five priority sectors of the Leicester and Leicestershire LIS: Advanced Logistics, Advanced
    Manufacturing and Engineering, Life Sciences, Space, Data and Digital Technology, Textiles.
``buckinghamshire``
    Buckinghamshire's "economic islands": creative and digital, intelligent mobility, medical technologies,
    high performance technology, space.

Only SIC codes and notes are stored. The mappings are derived in code:

- onto the 37 leaf industries of the ONS GVA-by-LA tables (:func:`gva_rows`, through
  :func:`evidence.sources.ons_gva.sic_divisions`), and
- onto the 88 SIC 2-digit divisions published by BRES (:func:`bres_divisions`).

A row or division is ``approximate`` when the sector covers only part of it. Coverage is counted in SIC codes
(``code_share``: the share of the row's classes, or subclasses where a class is split, that the sector
holds). That is a measure of definition, not of economic size. For example, Space (30.30, 51.22...) touches
``CI-CL (26-30)`` and ``49-51`` in GVA, and divisions 30 and 51 in BRES. The values in
:mod:`evidence.indicators.sectors` apportion such rows by employment rather than take them whole.

SIC 2007 codes are written the ONS way: section ``J``, division ``62``, group ``62.0``, class ``62.01``,
subclass ``62.01/1``. Undotted spellings (``6201``, ``62012``; the Companies House ``62020`` for a class
without subclasses) are accepted and normalised. Codes are checked against ``evidence/data/sic2007.csv``,
every code of UK SIC 2007 (built by ``scripts/build_sic2007.py``).

User definitions
----------------
Add your own families in TOML files, named by the ``EVIDENCE_SECTORS`` environment variable (several
separated by the OS path separator) or passed as ``path=``. They are loaded after the built-in families.
The format, with every key::

    [family]
    id = "my-lep"                       # unique; defaults to the file name without .toml
    title = "My LEP priority sectors"   # defaults to id
    source = "My LEP (2020), Local Industrial Strategy"   # citation, inherited by each sector
    url = "https://..."                 # optional
    note = "..."                        # optional

    [[sector]]
    id = "my-logistics"                 # unique across all families; defaults to a slug of the name
    name = "Logistics"                  # required; unique across all families (any case)
    description = "Freight transport and storage"
    sic = ["49.20", "49.4", "52", "53"] # required: SIC 2007 codes, as strings
    exclude = ["52.23"]                 # optional: codes inside the ones above to leave out
    note = "Why these codes; what is approximate."
    source = "..."                      # optional: overrides the family's

SIC codes must be TOML strings. A number such as ``26.10`` would lose its trailing zero. Errors are raised as
:class:`~evidence.errors.SectorDefinitionError`. They name the file and the sector. The causes are invalid
TOML, an unknown key, a missing name or ``sic``, an unknown or malformed SIC code, an ``exclude`` code that is
not inside the sector, or a duplicate id or name.

Examples
--------
>>> s = sector("Future of mobility")
>>> s.family, s.sic[:3]
('grand-challenges', ('29', '30', '49'))
>>> bres_divisions(s)[["division", "approximate"]].head(3).values.tolist()
[['29', False], ['30', True], ['49', False]]
"""

from __future__ import annotations

import difflib
import functools
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import config
from ..errors import SectorDefinitionError, UnknownSectorError

SECTORS_DIR = config.PACKAGE_DIR / "data" / "sectors"
SIC_FILE = config.PACKAGE_DIR / "data" / "sic2007.csv"
SECTORS_ENV = "EVIDENCE_SECTORS"
#: The built-in families, in the order they are listed.
BUILTIN_FAMILIES = ("grand-challenges", "leicester-leicestershire", "buckinghamshire")

_FAMILY_KEYS = {"id", "title", "source", "url", "note"}
_SECTOR_KEYS = {"id", "name", "description", "sic", "exclude", "note", "source", "url"}
_DOTTED = re.compile(r"^(\d{2})(?:\.(\d)(\d)?(?:/(\d))?)?$")


@dataclass(frozen=True)
class Family:
    """A family of sector definitions (one TOML file)."""

    id: str
    title: str
    source: str
    url: str
    note: str
    file: str


@dataclass(frozen=True)
class Sector:
    """A sector: SIC 2007 codes (normalised, in file order) less ``exclude``, with its citation and notes."""

    id: str
    name: str
    family: str
    description: str
    sic: tuple[str, ...]
    exclude: tuple[str, ...]
    note: str
    source: str
    url: str
    file: str


# ----------------------------------------------------------------------------------------------- SIC 2007
@functools.cache
def _sic() -> pd.DataFrame:
    df = pd.read_csv(SIC_FILE, dtype=str, keep_default_na=False)
    return df.set_index("code", drop=False)


def sic_codes(level: str | None = None) -> pd.DataFrame:
    """Every UK SIC 2007 code (``code, level, parent, name``), optionally of one ``level``
    (``section``, ``division``, ``group``, ``class``, ``subclass``).

    >>> len(sic_codes("division")), len(sic_codes("class"))
    (88, 615)
    """
    df = _sic().reset_index(drop=True)
    return df if level is None else df[df["level"] == level].reset_index(drop=True)


def normalise_sic(code: object) -> str:
    """A SIC 2007 code in ONS form (``62``, ``62.0``, ``62.01``, ``62.01/1``, or a section letter).

    Raises :class:`~evidence.errors.SectorDefinitionError` for a malformed or unknown code.

    >>> normalise_sic("6201"), normalise_sic("62012"), normalise_sic("62020"), normalise_sic(" j ")
    ('62.01', '62.01/2', '62.02', 'J')
    """
    if not isinstance(code, str):
        raise SectorDefinitionError(f"SIC code {code!r} must be a string: write \"{code}\" in quotes (TOML numbers "
                                    "lose leading and trailing zeros, e.g. 26.10 would become 26.1).")
    raw = code.strip()
    text = raw.upper()
    if re.fullmatch(r"[A-U]", text):
        out = text
    elif re.fullmatch(r"\d{2,5}", text):
        if len(text) == 2:
            out = text
        elif len(text) == 3:
            out = f"{text[:2]}.{text[2]}"
        elif len(text) == 4 or text.endswith("0"):
            out = f"{text[:2]}.{text[2:4]}"
        else:
            out = f"{text[:2]}.{text[2:4]}/{text[4]}"
    elif _DOTTED.fullmatch(text):
        out = text
    else:
        raise SectorDefinitionError(f"SIC code {raw!r} is malformed: write a section (\"J\"), division (\"62\"), "
                                    "group (\"62.0\"), class (\"62.01\") or subclass (\"62.01/1\").")
    if out not in _sic().index:
        close = difflib.get_close_matches(out, _sic().index.tolist(), n=3, cutoff=0.6)
        hint = f" Closest: {', '.join(close)}." if close else ""
        raise SectorDefinitionError(f"SIC code {raw!r} is not a UK SIC 2007 code.{hint}")
    return out


def sic_name(code: str) -> str:
    """The official name of a SIC 2007 code.

    >>> sic_name("30.30")
    'Manufacture of air and spacecraft and related machinery'
    """
    return str(_sic().at[normalise_sic(code), "name"])


@functools.cache
def _atoms() -> dict[str, frozenset[str]]:
    """Each code's finest parts: its classes, with a class that has subclasses split into them."""
    sic = _sic()
    children: dict[str, list[str]] = {}
    for code, parent in zip(sic["code"], sic["parent"], strict=True):
        if parent:
            children.setdefault(parent, []).append(code)
    out: dict[str, frozenset[str]] = {}

    def atoms(code: str) -> frozenset[str]:
        if code not in out:
            kids = children.get(code, [])
            out[code] = frozenset().union(*(atoms(k) for k in kids)) if kids else frozenset({code})
        return out[code]

    for code in sic["code"]:
        atoms(code)
    return out


def _division_of(atom: str) -> str:
    return atom[:2]


def sector_atoms(s: Sector | str) -> frozenset[str]:
    """The SIC classes (subclasses where a class is split) that make up a sector."""
    s = _as_sector(s)
    a = _atoms()
    inc = frozenset().union(*(a[c] for c in s.sic))
    exc = frozenset().union(*(a[c] for c in s.exclude)) if s.exclude else frozenset()
    return inc - exc


# -------------------------------------------------------------------------------------------- loading
def _user_files(path: str | Path | None) -> tuple[Path, ...]:
    if path is not None:
        items = [Path(path)]
    else:
        env = os.environ.get(SECTORS_ENV, "")
        items = [Path(p) for p in env.split(os.pathsep) if p.strip()]
    out = []
    for p in items:
        p = p.expanduser()
        if p.is_dir():
            out.extend(sorted(p.glob("*.toml")))
        elif p.is_file():
            out.append(p)
        else:
            raise SectorDefinitionError(f"{p}: no such sector definitions file (from "
                                        f"{'path=' if path is not None else SECTORS_ENV}).")
    return tuple(out)


def _files(path: str | Path | None) -> tuple[tuple[str, float], ...]:
    files = [SECTORS_DIR / f"{f}.toml" for f in BUILTIN_FAMILIES] + list(_user_files(path))
    return tuple((str(f.resolve()), f.stat().st_mtime) for f in files)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _text(d: dict, key: str, where: str, *, default: str = "") -> str:
    v = d.get(key, default)
    if not isinstance(v, str):
        raise SectorDefinitionError(f"{where}: {key!r} must be a string, not {type(v).__name__}.")
    return " ".join(v.split())


def _unknown_keys(d: dict, allowed: set[str], where: str) -> None:
    bad = sorted(set(d) - allowed)
    if bad:
        hints = []
        for k in bad:
            close = difflib.get_close_matches(k, sorted(allowed), n=1)
            hints.append(f"{k!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise SectorDefinitionError(f"{where}: unknown key {', '.join(hints)}; allowed: {', '.join(sorted(allowed))}.")


def _codes(values: object, where: str, key: str) -> tuple[str, ...]:
    if not isinstance(values, list):
        raise SectorDefinitionError(f"{where}: {key!r} must be a list of SIC code strings.")
    out = []
    for v in values:
        try:
            code = normalise_sic(v)
        except SectorDefinitionError as exc:
            raise SectorDefinitionError(f"{where}: {exc}") from None
        if code in out:
            raise SectorDefinitionError(f"{where}: SIC code {code} is listed twice in {key!r}.")
        out.append(code)
    return tuple(out)


def _parse_file(path: Path) -> tuple[Family, list[Sector]]:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SectorDefinitionError(f"{path}: invalid TOML ({exc}).") from None
    _unknown_keys(data, {"family", "sector"}, str(path))
    fam = data.get("family", {})
    if not isinstance(fam, dict):
        raise SectorDefinitionError(f"{path}: [family] must be a table.")
    _unknown_keys(fam, _FAMILY_KEYS, f"{path} [family]")
    fid = _text(fam, "id", f"{path} [family]", default=path.stem)
    family = Family(id=fid, title=_text(fam, "title", str(path), default=fid),
                    source=_text(fam, "source", str(path)), url=_text(fam, "url", str(path)),
                    note=_text(fam, "note", str(path)), file=str(path))
    items = data.get("sector")
    if not isinstance(items, list) or not items:
        raise SectorDefinitionError(f"{path}: no sectors; add at least one [[sector]] table with a name and sic list.")
    sectors = []
    a = _atoms()
    for i, item in enumerate(items, start=1):
        where = f"{path} [[sector]] #{i}"
        if not isinstance(item, dict):
            raise SectorDefinitionError(f"{where}: must be a table.")
        name = _text(item, "name", where)
        if not name:
            raise SectorDefinitionError(f"{where}: every sector needs a name.")
        where = f"{path} sector {name!r}"
        _unknown_keys(item, _SECTOR_KEYS, where)
        if "sic" not in item or not item["sic"]:
            raise SectorDefinitionError(f"{where}: 'sic' (a non-empty list of SIC 2007 codes) is required.")
        sic = _codes(item["sic"], where, "sic")
        exclude = _codes(item.get("exclude", []), where, "exclude")
        inc = frozenset().union(*(a[c] for c in sic))
        for c in exclude:
            if c in sic or not a[c] < inc:
                raise SectorDefinitionError(f"{where}: exclude code {c} is not strictly inside the sector's sic codes.")
        for c in sic:
            others = frozenset().union(*(a[o] for o in sic if o != c))
            if a[c] <= others:
                raise SectorDefinitionError(f"{where}: SIC code {c} is already covered by another code in 'sic'.")
        sectors.append(Sector(
            id=_text(item, "id", where, default=_slug(name)) or _slug(name), name=name, family=family.id,
            description=_text(item, "description", where), sic=sic, exclude=exclude,
            note=_text(item, "note", where), source=_text(item, "source", where, default=family.source),
            url=_text(item, "url", where, default=family.url), file=str(path)))
    return family, sectors


@functools.cache
def _load(files: tuple[tuple[str, float], ...]) -> tuple[tuple[Family, ...], tuple[Sector, ...]]:
    fams: list[Family] = []
    secs: list[Sector] = []
    for f, _ in files:
        family, sectors = _parse_file(Path(f))
        dup = next((x for x in fams if x.id == family.id), None)
        if dup:
            raise SectorDefinitionError(f"{f}: family id {family.id!r} is already defined in {dup.file}.")
        fams.append(family)
        for s in sectors:
            for other in secs:
                if other.name.casefold() == s.name.casefold():
                    raise SectorDefinitionError(f"{f}: sector name {s.name!r} is already defined in {other.file} "
                                                f"(family {other.family!r}); sector names must be unique.")
                if other.id == s.id:
                    raise SectorDefinitionError(f"{f}: sector id {s.id!r} is already defined in {other.file}.")
            secs.append(s)
    return tuple(fams), tuple(secs)


def families(*, path: str | Path | None = None) -> list[Family]:
    """The loaded families: the built-in ones, then the user's (``path`` or ``EVIDENCE_SECTORS``)."""
    return list(_load(_files(path))[0])


def _family_id(family: str, fams: list[Family]) -> str:
    for f in fams:
        if family.casefold() in (f.id.casefold(), f.title.casefold()):
            return f.id
    raise UnknownSectorError(f"Unknown sector family {family!r}. Families: {', '.join(f.id for f in fams)}.")


def load_sectors(family: str | None = None, *, path: str | Path | None = None) -> list[Sector]:
    """Every sector definition (or those of one ``family``, by id or title), in file order.

    ``path`` names a user TOML file or folder of them (default: ``EVIDENCE_SECTORS``), loaded after the
    built-in families.

    >>> [s.name for s in load_sectors("grand-challenges")]
    ['AI and data economy', 'Clean growth', 'Future of mobility', 'Ageing society']
    """
    fams, secs = _load(_files(path))
    if family is None:
        return list(secs)
    fid = _family_id(family, list(fams))
    return [s for s in secs if s.family == fid]


def sector(name: str, *, path: str | Path | None = None) -> Sector:
    """One sector by name or id (any case), or ``"family/id"``.

    >>> sector("llep-textiles").name
    'Textiles'
    """
    secs = load_sectors(path=path)
    key = name.strip().casefold()
    for s in secs:
        if key in (s.name.casefold(), s.id.casefold(), f"{s.family}/{s.id}".casefold()):
            return s
    close = difflib.get_close_matches(name, [s.name for s in secs] + [s.id for s in secs], n=4, cutoff=0.5)
    hint = f" Closest: {'; '.join(close)}." if close else ""
    raise UnknownSectorError(f"Unknown sector {name!r}.{hint} See load_sectors() for all of them.")


def _as_sector(s: Sector | str) -> Sector:
    return s if isinstance(s, Sector) else sector(s)


# -------------------------------------------------------------------------------------------- mappings
def _coverage_rows(s: Sector, units: list[tuple[str, str, list[str]]]) -> list[dict]:
    """For each (code, name, divisions) unit the sector touches: coverage of its SIC atoms."""
    a = _atoms()
    mine = sector_atoms(s)
    rows = []
    for code, name, divs in units:
        unit_atoms = frozenset().union(*(a[d] for d in divs))
        covered = mine & unit_atoms
        if not covered:
            continue
        listed = [c for c in s.sic if a[c] & unit_atoms]
        listed_ex = [c for c in s.exclude if a[c] & unit_atoms]
        approximate = covered != unit_atoms
        share = len(covered) / len(unit_atoms)
        text = ", ".join(listed) + (f" less {', '.join(listed_ex)}" if listed_ex else "")
        span = divs[0] if len(divs) == 1 else f"{divs[0]}-{divs[-1]}"
        note = (f"partial: the sector holds {len(covered)} of the {len(unit_atoms)} SIC classes in {span} "
                f"({text}); the row is apportioned, so the sector's value is approximate" if approximate
                else f"exact: all of {span}")
        rows.append({"code": code, "name": name, "divisions": span, "approximate": approximate,
                     "code_share": share, "sic": text, "note": note})
    return rows


def gva_rows(s: Sector | str) -> pd.DataFrame:
    """The leaf industries of the ONS GVA-by-LA tables that a sector maps onto.

    Returns
    -------
    DataFrame
        ``industry`` (as published, e.g. ``"CI-CL (26-30)"``), ``industry_name``, ``divisions`` (the row's
        SIC span), ``approximate`` (the sector covers only part of the row), ``code_share`` (the share of the
        row's SIC classes the sector holds), ``sic`` (the sector's codes inside the row) and ``note``.
        Only leaves are used, so a sector's GVA is the sum of its rows with nothing counted twice. Division 68
        appears as its two published parts, ``68IMP`` and ``68``.

    Examples
    --------
    >>> gva_rows("Textiles")[["industry", "approximate"]].values.tolist()
    [['CA-CB (10-15)', True]]
    """
    from ..sources import ons_gva

    s = _as_sector(s)
    h = ons_gva.industry_hierarchy().set_index("code")
    units = [(leaf, h.at[leaf, "name"], ons_gva.sic_divisions(leaf)) for leaf in ons_gva.leaves()]
    rows = _coverage_rows(s, units)
    out = pd.DataFrame(rows, columns=["code", "name", "divisions", "approximate", "code_share", "sic", "note"])
    return out.rename(columns={"code": "industry", "name": "industry_name"})


def bres_divisions(s: Sector | str) -> pd.DataFrame:
    """The SIC 2-digit divisions (as published by BRES, with leading zeros) that a sector maps onto.

    Returns ``division``, ``division_name``, ``approximate`` (the sector holds only some of the division's
    classes), ``code_share``, ``sic`` and ``note``, in division order.

    >>> bres_divisions("Advanced Logistics")["division"].tolist()
    ['49', '50', '51', '52', '53']
    """
    s = _as_sector(s)
    divs = sic_codes("division")
    units = [(d, n, [d]) for d, n in zip(divs["code"], divs["name"], strict=True)]
    rows = _coverage_rows(s, units)
    out = pd.DataFrame(rows, columns=["code", "name", "divisions", "approximate", "code_share", "sic", "note"])
    return out.drop(columns="divisions").rename(columns={"code": "division", "name": "division_name"})


def mapping_table(family: str | None = None, *, path: str | Path | None = None) -> pd.DataFrame:
    """Every sector's GVA rows and BRES divisions in one long table (``family, sector_id, sector, basis,
    code, approximate, code_share, sic, note``), for documentation and review."""
    frames = []
    for s in load_sectors(family, path=path):
        g = gva_rows(s).rename(columns={"industry": "code", "industry_name": "code_name"}).assign(basis="gva")
        b = bres_divisions(s).rename(columns={"division": "code", "division_name": "code_name"})
        frames += [g.drop(columns="divisions"), b.assign(basis="employment")]
        for f in frames[-2:]:
            f.insert(0, "sector", s.name)
            f.insert(0, "sector_id", s.id)
            f.insert(0, "family", s.family)
    cols = ["family", "sector_id", "sector", "basis", "code", "code_name", "approximate", "code_share", "sic", "note"]
    return pd.concat(frames, ignore_index=True)[cols]


__all__ = ["Family", "Sector", "load_sectors", "families", "sector", "gva_rows", "bres_divisions", "mapping_table",
           "sic_codes", "normalise_sic", "sic_name", "sector_atoms", "SECTORS_ENV"]
