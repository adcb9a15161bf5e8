"""The kinds of area the toolkit knows, in one place: labels, names, comparison sets and data coverage.

Every other module asks this registry what an area type is instead of testing ``type == "lep"``: geography
(name resolution, listing), the command line (``--type`` choices), ranks and statistical neighbours, the
scorecard and the notebooks' wording. Adding a type is one entry in :data:`AREA_TYPES` (plus its lookup
table in ``evidence/data/geography/``).

Comparison sets
---------------
``rank_among`` lists the sets an area is ranked in, the first being its own kind: a combined authority is
ranked among the combined authorities and also placed among the LEPs; a grouping (the Oxford–Cambridge Arc,
the Northern Powerhouse) is placed among the LEPs and the combined authorities. An area that is not a member
of a set gets the rank it *would* take in it, and the text says so. ``neighbours_among`` is the set its
statistical neighbours are drawn from. Countries have none: England is the comparator of every pack.

Examples
--------
>>> get("ca").label, get("ca").plural
('combined authority', 'combined authorities')
>>> get("lad").rank_among
('lad',)
>>> [t.key for t in AREA_TYPES.values() if t.by_vintage]
['lep', 'group']
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import GeographyError


@dataclass(frozen=True)
class AreaType:
    """What one kind of area is.

    Attributes
    ----------
    key
        The short name used in codes and options (``lep``, ``ca``, ``lad``...).
    label, plural
        How the text names one area of the type and several ("combined authority", "combined authorities").
    abbreviation
        The short label shown beside codes ("LEP", "CA", "LAD", "ITL3").
    suffixes
        Words a name may end with that imply the type ("combined authority" -> ``ca``).
    nomis_prefix
        The prefix of the type's rows in Nomis downloads (``lep:``, ``ladu:``), if any.
    by_vintage
        Whether membership depends on the LEP vintage (2017, 2020, 2021).
    by_name
        Whether a bare name resolves to this type. ITL areas share most of their names with districts and
        counties ("Blackpool" is a district and an ITL3 area), so they are reached by code or by a prefix
        (``itl3:Blackpool``) unless no other type has the name.
    rank_among
        The types whose areas it is ranked among, its own kind first (empty: not ranked).
    neighbours_among
        The type its statistical neighbours are drawn from (None: none).
    datasets
        Published datasets with rows for the type itself (``aps-lep``: the APS LEP rows; ``bres-lep``: the
        BRES LEP rows of the 2021 boundaries; ``bres-ca``: BRES by combined authority). Other data is built up
        from the member districts.
    england_only_data
        Always True today: the district sources the packs sum are England's (Wales, Scotland and Northern
        Ireland have no rows), so an area outside England is built with every theme saying so.
    """

    key: str
    label: str
    plural: str
    abbreviation: str
    suffixes: tuple[str, ...] = ()
    nomis_prefix: str | None = None
    by_vintage: bool = False
    by_name: bool = True
    rank_among: tuple[str, ...] = ()
    neighbours_among: str | None = None
    datasets: tuple[str, ...] = ()

    @property
    def the(self) -> str:
        """The area referred to in running text: "the LEP", "the combined authority", "the district"."""
        return "the " + (self.label if self.key == "lep" else self.label.lower())


#: Every area type, in the order a name shared by several types is listed.
AREA_TYPES: dict[str, AreaType] = {t.key: t for t in (
    AreaType("lep", "LEP", "LEPs", "LEP", ("local enterprise partnership", "lep"), "lep", by_vintage=True,
             rank_among=("lep",), neighbours_among="lep", datasets=("aps-lep", "bres-lep", "ubc-lep")),
    AreaType("group", "grouping", "groupings", "group", by_vintage=True, rank_among=("lep", "ca"),
             neighbours_among="lep"),
    AreaType("region", "region", "regions", "region", rank_among=("region",), neighbours_among="region"),
    AreaType("ca", "combined authority", "combined authorities", "CA",
             ("mayoral combined authority", "combined county authority", "combined authority"),
             rank_among=("ca", "lep"), neighbours_among="ca", datasets=("bres-ca",)),
    AreaType("country", "country", "countries", "country", nomis_prefix="country"),
    AreaType("lad", "district", "districts", "LAD", nomis_prefix="ladu", rank_among=("lad",),
             neighbours_among="lad", datasets=("aps-lad", "ubc-lad")),
    AreaType("itl1", "ITL1 area", "ITL1 areas", "ITL1", by_name=False, rank_among=("itl1",), neighbours_among="itl1"),
    AreaType("itl2", "ITL2 area", "ITL2 areas", "ITL2", by_name=False, rank_among=("itl2",), neighbours_among="itl2"),
    AreaType("itl3", "ITL3 area", "ITL3 areas", "ITL3", by_name=False, rank_among=("itl3",), neighbours_among="itl3"),
)}

#: The types a pack can be built for with ``evidence build --all --type``.
BUILDABLE = tuple(k for k in AREA_TYPES if k != "country")
#: The types ``evidence areas --type`` lists.
LISTED = tuple(AREA_TYPES)


def get(key: str) -> AreaType:
    """The area type ``key``; an unknown key raises ``GeographyError`` listing the known ones."""
    try:
        return AREA_TYPES[key]
    except KeyError:
        raise GeographyError(f"area type {key!r} is not known; use one of {tuple(AREA_TYPES)}.") from None


def article(key: str, *, plural: bool = False) -> str:
    """ "the LEPs", "the combined authorities": a comparison set in running text.

    >>> article("ca", plural=True)
    'the combined authorities'
    """
    t = get(key)
    return "the " + (t.plural if plural else t.label)


__all__ = ["AREA_TYPES", "AreaType", "BUILDABLE", "LISTED", "article", "get"]
