"""The package's layers (README, Architecture): the tree, which layer may import which, and the one release of
deprecation shims for the modules' old paths.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
import subprocess
import sys
import tomllib
import warnings
from importlib.metadata import entry_points
from pathlib import Path

import pytest

import evidence

PKG_DIR = Path(evidence.__file__).resolve().parent
ROOT = PKG_DIR.parent

#: Layers from the bottom up; a module may import its own layer and those below it.
ORDER = ("core", "geography", "sources", "indicators", "scenarios", "pack", "entry")
CORE = {"config", "errors", "frames", "provenance", "timing"}
ENTRY = {"cli", "__main__", "show"}
#: The only imports against the order, each with its reason.
EXCEPTIONS = {
    # the geography's lookup tables are official files pinned in the catalogue, which gives their provenance
    ("evidence.geography", "evidence.sources.catalogue"),
}


def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in CORE:
        return "core"
    if parts[1] in ENTRY:
        return "entry"
    if parts[1] in ORDER:
        return parts[1]
    raise AssertionError(f"{module} belongs to no layer")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PKG_DIR.rglob("*.py")) if "data" not in p.relative_to(PKG_DIR).parts}


def imports_of(module: str, source: str, *, is_package: bool) -> list[tuple[str, int]]:
    """``(imported evidence module, line)`` for every import in ``source`` (also inside functions)."""
    pkg = module if is_package else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names if a.name.split(".")[0] == "evidence"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
                base = ".".join(base + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base.split(".")[0] != "evidence":
                continue
            for a in node.names:
                sub = f"{base}.{a.name}"
                out.append((sub if sub in MODULES or sub in evidence._MOVED else base, node.lineno))
    return out


def code_cells(nb: Path) -> str:
    cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
    src = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    return "\n".join(re.sub(r"(?m)^[%!]", "#", s) for s in src)


# ------------------------------------------------------------------------------------------------- the tree
def test_the_tree_shows_the_layers():
    for layer in ("geography", "sources", "indicators", "scenarios", "pack"):
        assert (PKG_DIR / layer / "__init__.py").is_file(), layer
    top = {p.stem for p in PKG_DIR.glob("*.py")}
    assert top <= CORE | ENTRY | {"__init__"}, "a top-level module in no layer: add it to CORE or ENTRY"
    for rel in ("geography/areatypes.py", "sources/catalogue.py", "sources/fetch.py", "sources/snapshot.py",
                "indicators/sector_definitions.py", "indicators/memo.py", "pack/report.py", "pack/notebook.py",
                "pack/themes.py", "pack/charts.py", "pack/cluster.py", "pack/consistency.py", "pack/formats.py",
                "pack/site.py", "pack/site_templates/base.html"):
        assert (PKG_DIR / rel).is_file(), rel
    # the sector definitions no longer share a name with the sector indicators
    assert not (PKG_DIR / "sectors.py").exists()


def test_every_module_is_in_a_layer():
    assert {m: layer_of(m) for m in MODULES}


# ------------------------------------------------------------------------------------------------- imports
def test_no_lower_layer_imports_the_pack():
    bad = []
    for module, path in MODULES.items():
        if layer_of(module) in ("geography", "sources", "indicators", "scenarios"):
            for target, line in imports_of(module, path.read_text(encoding="utf-8"),
                                           is_package=path.name == "__init__.py"):
                if target == "evidence.pack" or target.startswith("evidence.pack."):
                    bad.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert not bad, "\n".join(bad)


def test_each_layer_imports_only_itself_and_the_layers_below():
    bad = []
    for module, path in MODULES.items():
        rank = ORDER.index(layer_of(module))
        for target, line in imports_of(module, path.read_text(encoding="utf-8"),
                                       is_package=path.name == "__init__.py"):
            if ORDER.index(layer_of(target)) > rank and (module, target) not in EXCEPTIONS:
                bad.append(f"{path.relative_to(ROOT)}:{line}: {layer_of(module)} imports {target} "
                           f"({layer_of(target)})")
    assert not bad, "\n".join(bad)


def test_the_layer_check_finds_an_upward_import():
    src = "from ..pack import charts\nfrom .. import geography\n"
    found = imports_of("evidence.indicators.area", src, is_package=False)
    assert ("evidence.pack.charts", 1) in found and ("evidence.geography", 2) in found
    assert layer_of("evidence.pack.charts") == "pack"


def _files_to_scan():
    skip = {ROOT / "tests" / "test_layers.py"}
    for folder in ("evidence", "tests", "scripts", "benchmarks"):
        yield from (p for p in sorted((ROOT / folder).rglob("*.py")) if p not in skip)
    yield from sorted((ROOT / "notebooks").glob("*.ipynb"))
    yield from (p for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))] if p not in skip)


def test_our_code_tests_notebooks_and_docs_use_the_new_paths():
    old = "|".join(re.escape(m) for m in sorted(evidence._MOVED, key=len, reverse=True))
    dotted = re.compile(rf"(?<![\w.])(?:{old})(?!\w)")
    pathlike = re.compile(r"(?<![\w./-])evidence/(?:" + "|".join(m.split(".")[1] for m in evidence._MOVED)
                          + r")(?:\.py|/)")
    bad = []
    for path in _files_to_scan():
        text = path.read_text(encoding="utf-8")
        if path == PKG_DIR / "__init__.py":
            text = text[: text.index("_MOVED = {")]  # the shims name the old paths
        elif path.name == "README.md":
            text = re.sub(r"(?ms)^## Architecture\n.*?(?=^## )", "", text)  # so does its deprecation note
        bad += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in dotted.finditer(text)]
        bad += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in pathlike.finditer(text)]
        if path.suffix == ".ipynb" or path.suffix == ".py":
            src = code_cells(path) if path.suffix == ".ipynb" else text
            is_pkg = path.name == "__init__.py"
            mod = module_name(path) if path.is_relative_to(PKG_DIR) else "tests.x"
            bad += [f"{path.relative_to(ROOT)}:{line} imports {t}"
                    for t, line in imports_of(mod, src, is_package=is_pkg) if t in evidence._MOVED]
    assert not bad, "\n".join(bad)


def test_our_package_raises_no_deprecation_warning():
    code = ("import importlib, pkgutil, warnings\n"
            "warnings.filterwarnings('error', category=DeprecationWarning, module='evidence')\n"
            "warnings.filterwarnings('error', message=r'evidence\\.\\S+ is deprecated', category=DeprecationWarning)\n"
            "import evidence\n"
            "for m in pkgutil.walk_packages(evidence.__path__, 'evidence.'):\n"
            "    if m.name != 'evidence.__main__':\n"
            "        importlib.import_module(m.name)\n"
            "from evidence.cli import build_parser\n"
            "build_parser()\n")
    done = subprocess.run([sys.executable, "-W", "error::DeprecationWarning:evidence", "-c", code], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


# ------------------------------------------------------------------------------------------------- shims
def _forget(old: str) -> None:
    sys.modules.pop(old, None)
    parent, _, child = old.rpartition(".")
    vars(sys.modules[parent]).pop(child, None)


@pytest.fixture
def forget_aliases():
    for old in evidence._MOVED:
        _forget(old)
    yield
    for old in evidence._MOVED:
        _forget(old)


@pytest.mark.parametrize("old", sorted(evidence._MOVED))
def test_an_old_path_is_the_new_module_and_warns(old, forget_aliases):
    new = evidence._MOVED[old]
    with pytest.warns(DeprecationWarning) as record:
        module = importlib.import_module(old)
    assert module is importlib.import_module(new)
    assert module.__name__ == new and module.__spec__.name == new
    (w,) = [w for w in record if old in str(w.message)]
    assert str(w.message) == (f"{old} is deprecated: import {new} instead ({old} is removed in lis-evidence "
                              f"{evidence._REMOVED_IN}).")


def test_the_old_import_forms_warn_at_the_importing_line(forget_aliases):
    with pytest.warns(DeprecationWarning, match="evidence.pack.report") as record:
        from evidence import report  # noqa: F401 - the deprecated form under test
    assert record[0].filename == __file__
    with pytest.warns(DeprecationWarning, match="evidence.indicators.sector_definitions") as record:
        import evidence.sectors as sectors
    assert record[0].filename == __file__
    assert sectors is importlib.import_module("evidence.indicators.sector_definitions")
    with pytest.warns(DeprecationWarning, match="evidence.pack.charts"):
        assert evidence.charts is importlib.import_module("evidence.pack.charts")
    with pytest.raises(AttributeError):
        evidence.no_such_module  # noqa: B018


def test_patching_the_old_path_patches_the_new_module(monkeypatch, forget_aliases):
    import evidence.pack.report as new

    def fake(*args, **kwargs):
        return "patched"

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        monkeypatch.setattr("evidence.report.build_many", fake)
    assert new.build_many is fake


# ------------------------------------------------------------------------------------------------- install
def test_the_command_and_the_package_data_are_where_pyproject_says():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["scripts"]["evidence"] == "evidence.cli:main"
    (ep,) = [e for e in entry_points(group="console_scripts") if e.name == "evidence"]
    assert ep.load() is importlib.import_module("evidence.cli").main
    for glob in meta["tool"]["setuptools"]["package-data"]["evidence"]:
        assert list(PKG_DIR.glob(glob)), f"package-data glob {glob!r} matches no file"
