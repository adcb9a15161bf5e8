"""A cache of computed results, on disk and in memory, so that LEP-wide work is done once per vintage.

Every pack ranks its area among the 38 LEPs and compares it with England, so building 38 packs used to
compute the same LEP-wide tables 38 times. :func:`cached` keeps such a result in
``data/processed/cache/results/`` (beside the parse cache; safe to delete) and in memory for the process.

A result is reused only while nothing it could depend on has changed. Its key combines:

- the caller's own key (metric, areas, vintage...);
- the toolkit's code and shipped tables (every file of the ``evidence`` package below the pack layer is
  hashed: the pack's presentation code and the command line compute no cached result, so a change to a chart
  or the report keeps the results), and the pandas, numpy and Python versions;
- the state of the data: which official files are in ``data/raw`` (path, size and mtime), the committed
  snapshot's manifest, and any extra grouping files (``EVIDENCE_GROUPS``).

``EVIDENCE_RESULT_CACHE=off`` turns the cache off (the test suite does, because tests substitute data).
Results are stored with :mod:`pickle`, which keeps dtypes and ``attrs`` exactly; the folder must only hold
files this toolkit wrote.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import platform
import tempfile
import time
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from .. import config, timing

ENV = "EVIDENCE_RESULT_CACHE"
T = TypeVar("T")

_MEMORY: dict[str, object] = {}


def enabled() -> bool:
    """Whether results are cached (``EVIDENCE_RESULT_CACHE`` is not ``off``, ``0`` or ``false``)."""
    return os.environ.get(ENV, "on").strip().lower() not in ("off", "0", "false", "no")


def results_dir() -> Path:
    """``data/processed/cache/results``."""
    return config.cache_dir() / "results"


#: What computes no cached result: the pack layer (notebook helpers, charts, the report) and the entry points.
#: A result must never be built by their code (``tests/test_memo.py`` checks that none of them calls
#: :func:`cached`), so their files are left out of :func:`code_fingerprint`.
PRESENTATION = frozenset({"pack", "cli.py", "__main__.py", "show.py"})


@functools.cache
def code_fingerprint() -> str:
    """A hash of every file of the installed ``evidence`` package that computes results (all but
    :data:`PRESENTATION`) and of the library versions pickles depend on."""
    h = hashlib.sha256(f"{platform.python_version()} {pd.__version__} {np.__version__}".encode())
    for p in sorted(config.PACKAGE_DIR.rglob("*")):
        rel = p.relative_to(config.PACKAGE_DIR)
        if p.is_file() and "__pycache__" not in p.parts and rel.parts[0] not in PRESENTATION:
            h.update(str(rel).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


_STATE: dict[tuple[str, str], tuple[float, str]] = {}
STATE_TTL = 2.0


def data_state() -> str:
    """A hash of what the loaders would read now: the raw files present, the snapshot, the grouping files.

    It takes a stat of every catalogue file, so it is recomputed at most every ``STATE_TTL`` seconds for a
    data folder (a pack asks for it hundreds of times).
    """
    from .. import geography

    key = (str(config.data_dir()), repr(geography._groups_key()))
    now = time.monotonic()
    hit = _STATE.get(key)
    if hit is None or now - hit[0] > STATE_TTL:
        hit = _STATE[key] = (now, _data_state(key))
    return hit[1]


def _data_state(key: tuple[str, str]) -> str:
    from ..sources import catalogue

    h = hashlib.sha256(repr(key).encode())
    for e in catalogue.entries().values():
        try:
            st = e.local_path.stat()
        except OSError:
            h.update(f"{e.name}:-".encode())
        else:
            h.update(f"{e.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    manifest = config.snapshot_dir() / "MANIFEST.json"
    h.update(manifest.read_bytes() if manifest.exists() else b"no snapshot")
    return h.hexdigest()


def _copy(value):
    if isinstance(value, pd.DataFrame):
        return value.copy(deep=False)
    if isinstance(value, tuple):
        return tuple(_copy(v) for v in value)
    return list(value) if isinstance(value, list) else value


def cached(kind: str, key: Hashable, build: Callable[[], T], *, disk: bool = True) -> T:
    """The result of ``build()`` for ``key``, computed once while the code and data stay the same.

    Parameters
    ----------
    kind
        A name for the kind of result (the file name's prefix), e.g. ``"foundation-metric"``.
    key
        Whatever identifies the result besides code and data; its ``repr`` is hashed, so it must be stable
        (strings, numbers, tuples).
    build
        Computes the result. DataFrames (also inside a tuple) are returned to each caller as their own
        copy-on-write copy, lists as a new list.
    disk
        Also keep the result on disk for other processes (default); ``False`` keeps it for this process only
        (for intermediate frames that are quick to rebuild but asked for many times).

    Examples
    --------
    >>> cached("example", ("doubled", 21), lambda: 42)
    42
    """
    if not enabled():
        return build()
    digest = hashlib.sha256(f"{kind}|{key!r}|{code_fingerprint()}|{data_state()}".encode()).hexdigest()[:32]
    if digest in _MEMORY:
        return _copy(_MEMORY[digest])
    path = results_dir() / f"{kind}-{digest}.pkl"
    value = None
    if disk and path.exists():
        try:
            with timing.phase("data_loading"), path.open("rb") as fh:
                value = pickle.load(fh)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            value = None  # a damaged or stale entry: compute it again
    if value is None:
        value = build()
        if disk:
            _write(path, value)
    _MEMORY[digest] = value
    return _copy(value)


def _write(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # atomic, so parallel pack builders never read half a file
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def clear(*, disk: bool = True) -> None:
    """Forget every cached result (in memory, and on disk unless ``disk=False``)."""
    _MEMORY.clear()
    _STATE.clear()
    if disk and results_dir().exists():
        for p in results_dir().glob("*.pkl"):
            p.unlink(missing_ok=True)
