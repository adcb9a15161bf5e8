"""One module per publisher or dataset, and the registry of every dataset they define.

Each module in this package that defines ``DATASETS`` (a list of :class:`~evidence.sources.base.Dataset`)
is picked up by :func:`registry`. Nothing is read until a dataset is loaded.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from ..errors import UnknownDatasetError
from .base import Dataset, load


@functools.cache
def registry() -> dict[str, Dataset]:
    """Every dataset the toolkit can load, by name (the ``SOURCES`` registry)."""
    out: dict[str, Dataset] = {}
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if mod.name.startswith("_") or mod.name in ("base", "catalogue", "fetch", "snapshot"):
            continue
        module = importlib.import_module(f"{__name__}.{mod.name}")
        for ds in getattr(module, "DATASETS", ()):
            if ds.name in out:
                raise ValueError(f"dataset {ds.name!r} is defined twice")
            out[ds.name] = ds
    return out


def dataset(name: str) -> Dataset:
    """A registered dataset by name; unknown names raise ``UnknownDatasetError`` with suggestions."""
    reg = registry()
    if name in reg:
        return reg[name]
    raise UnknownDatasetError.for_name("dataset", name, reg)


def get(name: str, **kwargs):
    """Load a registered dataset by name (see :func:`evidence.sources.base.load`)."""
    return load(dataset(name), **kwargs)


__all__ = ["Dataset", "registry", "dataset", "get", "load"]
