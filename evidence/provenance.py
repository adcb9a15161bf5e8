"""Provenance that travels with every frame.

One way, used everywhere: a frame's provenance is the list of source records in
``df.attrs["provenance"]`` (publisher, title, release, URL, licence, sha256, file). pandas carries
``attrs`` through ordinary operations (filtering, ``assign``, ``groupby().agg`` and most others); where an
operation drops them (``merge``, ``concat`` of differing frames), library code re-attaches them with
:func:`combine`. A chart's source note is built by :func:`source_note`, never typed by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

KEY = "provenance"


def records(obj: pd.DataFrame | pd.Series | Iterable[Mapping]) -> list[dict]:
    """The provenance records of a frame (or a list of records), de-duplicated by sha256, in order."""
    if isinstance(obj, pd.DataFrame | pd.Series):
        items = obj.attrs.get(KEY, [])
    else:
        items = list(obj)
    seen, out = set(), []
    for r in items:
        key = r.get("sha256") or r.get("title")
        if key not in seen:
            seen.add(key)
            out.append(dict(r))
    return out


class _Record(dict):
    """A source record as a frame's ``attrs`` hold it: a deep copy shares it.

    pandas deep-copies ``attrs`` into the result of nearly every operation (every column taken, every filter),
    which made copying the same records a large part of a pack's computing time. Records in ``attrs`` are never
    changed in place (:func:`records` hands out plain copies), so sharing them is safe.
    """

    __slots__ = ()

    def __deepcopy__(self, memo) -> _Record:
        return self


def attach(df: pd.DataFrame, recs: Iterable[Mapping]) -> pd.DataFrame:
    """Set ``df``'s provenance to ``recs`` (in place) and return ``df``."""
    df.attrs[KEY] = [_Record(r) for r in records(recs)]
    return df


def combine(result: pd.DataFrame, *sources: pd.DataFrame | Iterable[Mapping]) -> pd.DataFrame:
    """Give ``result`` the union of the provenance of ``sources``; returns ``result``."""
    recs: list[dict] = []
    for s in sources:
        recs.extend(records(s))
    return attach(result, recs)


def _release_text(r: Mapping) -> str:
    return r.get("release") or r.get("release_date") or "release not recorded"


def source_note(obj: pd.DataFrame | pd.Series | Iterable[Mapping], *, prefix: str = "Source") -> str:
    """A one-paragraph source note: publisher, title and release of every source, and the licence.

    Examples
    --------
    >>> rec = {"publisher": "ONS", "title": "Regional GVA", "release": "17 Apr 2025",
    ...        "licence": "Open Government Licence v3.0", "sha256": "ab"}
    >>> source_note([rec])[:40]
    'Source: ONS, Regional GVA (17 Apr 2025).'
    """
    recs = records(obj)
    if not recs:
        return f"{prefix}: not recorded."
    # Files of one release (e.g. nine regional workbooks) are named once.
    groups: dict[tuple[str, str], list[str]] = {}
    for r in recs:
        title = r.get("title", "").split(":")[0].strip()
        groups.setdefault((r.get("publisher", ""), _release_text(r)), [])
        if title not in groups[(r.get("publisher", ""), _release_text(r))]:
            groups[(r.get("publisher", ""), _release_text(r))].append(title)
    parts = [f"{pub}, {'; '.join(titles)} ({rel})" for (pub, rel), titles in groups.items()]
    licences = sorted({r.get("licence", "") for r in recs if r.get("licence")})
    note = f"{prefix}: " + ". ".join(parts) + "."
    if any("Open Government" in lic or "OGL" in lic for lic in licences):
        note += " Contains public sector information licensed under the Open Government Licence v3.0."
    if any("OS data" in lic for lic in licences):
        note += " Contains OS data © Crown copyright and database right."
    return note
