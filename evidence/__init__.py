"""LIS Evidence: a reproducible economic evidence base for Local Industrial Strategies.

Importing this package reads no file and touches no network.
"""

import importlib as _importlib
import sys

from .errors import (
    AggregationError,
    ChecksumMismatchError,
    DownloadError,
    EvidenceError,
    GeographyError,
    SchemaError,
    SourceUnavailableError,
    UnknownAreaError,
    UnknownDatasetError,
)

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "AggregationError",
    "ChecksumMismatchError",
    "DownloadError",
    "EvidenceError",
    "GeographyError",
    "SchemaError",
    "SourceUnavailableError",
    "UnknownAreaError",
    "UnknownDatasetError",
]


# Deprecated import paths. The modules were regrouped into layers; an
# old path is an alias of the new module (the same object, so monkeypatching either patches both) and warns
# once per process. The aliases are removed in 0.3.0.
_MOVED = {
    "evidence.areatypes": "evidence.geography.areatypes",
    "evidence.catalogue": "evidence.sources.catalogue",
    "evidence.charts": "evidence.pack.charts",
    "evidence.cluster": "evidence.pack.cluster",
    "evidence.consistency": "evidence.pack.consistency",
    "evidence.fetch": "evidence.sources.fetch",
    "evidence.findings": "evidence.pack.findings",
    "evidence.formats": "evidence.pack.formats",
    "evidence.htmlreport": "evidence.pack.htmlreport",
    "evidence.memo": "evidence.indicators.memo",
    "evidence.notebook": "evidence.pack.notebook",
    "evidence.report": "evidence.pack.report",
    "evidence.sectors": "evidence.indicators.sector_definitions",
    "evidence.site": "evidence.pack.site",
    "evidence.snapshot": "evidence.sources.snapshot",
    "evidence.themes": "evidence.pack.themes",
}
_REMOVED_IN = "0.3.0"


def _warn_moved(old: str, new: str) -> None:
    import warnings

    # point the warning at the importing line; warnings already skips the import system's own frames
    level, frame = 1, sys._getframe(1)
    while frame is not None:
        name = frame.f_code.co_filename
        if not ("importlib" in name and "_bootstrap" in name):
            level += 1
            if name not in (__file__, _importlib.__file__):
                break
        frame = frame.f_back
    warnings.warn(f"{old} is deprecated: import {new} instead ({old} is removed in lis-evidence "
                  f"{_REMOVED_IN}).", DeprecationWarning, stacklevel=level)


class _MovedModules:
    """Finds the old module paths and loads each as the new module object."""

    _specs: dict = {}

    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        if fullname not in _MOVED:
            return None
        from importlib.machinery import ModuleSpec

        return ModuleSpec(fullname, cls())

    def create_module(self, spec):
        new = _MOVED[spec.name]
        _warn_moved(spec.name, new)
        module = _importlib.import_module(new)
        self._specs[spec.name] = module.__spec__
        return module

    def exec_module(self, module):
        # the import system gave the module the alias's spec: give it back its own
        module.__spec__ = self._specs[module.__spec__.name]


def __getattr__(name: str):
    if f"{__name__}.{name}" in _MOVED:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if not any(isinstance(f, type) and f.__name__ == "_MovedModules" for f in sys.meta_path):
    sys.meta_path.insert(0, _MovedModules)
