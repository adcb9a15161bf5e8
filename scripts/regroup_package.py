#!/usr/bin/env python3
"""Regroup the flat ``evidence/`` package into layers: geography, sources, indicators, scenarios and the pack.

Run it ONCE, from a clean checkout of main, after the branches that touch the package are merged::

    .venv/bin/python scripts/regroup_package.py            # regroups the working tree (git mv + edits)
    .venv/bin/python scripts/regroup_package.py --dry-run  # says what it would do, changes nothing

then run the tests and commit the result. It takes a few seconds. What it does:

1. checks that every top-level entry of ``evidence/`` is in :data:`MOVES` or :data:`STAYS` (it stops, changing
   nothing, on any module it does not know: add it to one of the two tables);
2. ``git mv`` the modules and folders of :data:`MOVES` (``geography.py`` becomes the package
   ``geography/__init__.py``, ``scenarios.py`` the package ``scenarios/``, and so on);
3. rewrites the imports (absolute and relative, also inside functions) of every Python file in the repository
   and of the code cells of ``notebooks/*.ipynb``, from the moved file's old package to its new one, keeping
   the local names bound (``from .. import sectors`` becomes ``from ..indicators import sector_definitions as
   sectors``);
4. rewrites dotted names (``"evidence.report.build_many"`` in ``monkeypatch.setattr``, ``:mod:`evidence.memo```,
   code strings run in a kernel) and paths (``evidence/site_templates/``) in the Python files, notebooks,
   README, docs, Makefile, ``pyproject.toml`` (package-data globs) and ``.ci``;
5. applies the few edits a move needs beyond imports (:data:`PATCHES`: paths relative to ``__file__``) and
   the symbol moves of :data:`SYMBOL_MOVES` (so that no lower layer imports the pack);
6. writes ``evidence/pack/__init__.py`` and the deprecation shims in ``evidence/__init__.py`` (the old import
   paths alias the new modules and warn, for one release);
7. inserts ``scripts/regroup_README_section.md`` as the README's "Architecture" section;
8. sorts the rewritten imports with ``ruff check --select I --fix``.

Everything is computed in memory and checked before the first file is touched: if a check fails the tree is
left as it was.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import re
import shutil
import subprocess
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = "evidence"

#: The release that removes the deprecated import paths (the shims are there for one release).
REMOVED_IN = "0.3.0"

# ------------------------------------------------------------------------------------------------- the tables
#: Old path -> new path, relative to ``evidence/``. Modules (``.py``) and data folders. An entry whose old path
#: does not exist is skipped (it says so): the expected modules of other branches can be listed in advance.
MOVES: dict[str, str] = {
    # geography: which districts make up an area, and the area types
    "geography.py": "geography/__init__.py",
    "areatypes.py": "geography/areatypes.py",
    # sources: the catalogue of official files, fetching them, parsing (already here), the committed snapshot
    "catalogue.py": "sources/catalogue.py",
    "fetch.py": "sources/fetch.py",
    "snapshot.py": "sources/snapshot.py",
    # indicators: the sector definitions (renamed: they collided with indicators/sectors.py) and the result
    # cache the indicators use (memo is imported by indicators/area, sectors, comparators and foundations, so
    # in the pack layer it would make the indicators import the pack)
    "sectors.py": "indicators/sector_definitions.py",
    "memo.py": "indicators/memo.py",
    # scenarios
    "scenarios.py": "scenarios/__init__.py",
    # the pack: notebooks' helpers, charts, tables' formats, the report and its checks, the site, executors
    "report.py": "pack/report.py",
    "notebook.py": "pack/notebook.py",
    "themes.py": "pack/themes.py",
    "charts.py": "pack/charts.py",
    "cluster.py": "pack/cluster.py",
    "consistency.py": "pack/consistency.py",
    "formats.py": "pack/formats.py",
    "site.py": "pack/site.py",
    "site_templates": "pack/site_templates",
    # the designed report (key findings, the HTML template and its PDF)
    "findings.py": "pack/findings.py",
    "htmlreport.py": "pack/htmlreport.py",
    "report_templates": "pack/report_templates",
    # names the branches being merged might add (skipped when absent)
    "html.py": "pack/html.py",
    "pdf.py": "pack/pdf.py",
    "render.py": "pack/render.py",
    "accessibility.py": "pack/accessibility.py",
}

#: Top-level entries of ``evidence/`` that stay where they are.
STAYS: set[str] = {
    "__init__.py", "__main__.py", "cli.py", "config.py", "errors.py", "frames.py", "provenance.py", "timing.py",
    "show.py", "data", "sources", "indicators", "py.typed",
}

#: Docstrings of the new packages that are not a moved module.
NEW_PACKAGES: dict[str, str] = {
    "pack/__init__.py": '''"""The evidence pack: what turns the indicators into what a reader sees.

The notebooks' helpers (:mod:`~evidence.pack.notebook`, :mod:`~evidence.pack.themes`), the charts and the
tables' formats, the report builder that runs the notebooks and exports the pack (:mod:`~evidence.pack.report`),
its consistency checks, the executors (local processes or Dask) and the static site.

This is the top layer: it may import geography, sources, indicators and scenarios; none of them imports it.
"""
''',
}

#: Edits a move needs beyond imports: (new path, old text, new text); each old text must occur exactly once.
PATCHES: list[tuple[str, str, str]] = [
    # the site's code hash covers the whole package, which is no longer the folder of site.py
    ("evidence/pack/site.py", "    pkg = Path(__file__).parent\n", "    pkg = config.PACKAGE_DIR\n"),
    # the registry imports every module of sources/ looking for DATASETS; these three define none
    ("evidence/sources/__init__.py", 'if mod.name.startswith("_") or mod.name == "base":',
     'if mod.name.startswith("_") or mod.name in ("base", "catalogue", "fetch", "snapshot"):'),
]

#: Top-level definitions moved between modules so that no lower layer imports a higher one:
#: (from module, to module, names, why). The old module re-imports the names, so its public API is unchanged.
SYMBOL_MOVES: list[tuple[str, str, list[str], str]] = [
    ("evidence.pack.formats", "evidence.frames",
     ["FORMULA_START", "csv_safe", "csv_safe_frame", "csv_unquote", "csv_unquote_frame"],
     "CSV-injection safety, here rather than in evidence.pack.formats because the indicators (the scorecard's\n"
     "# monitoring baseline) write and read CSV files too."),
]

#: Files (besides ``*.py`` and ``*.ipynb``) whose text mentions modules or paths of the package.
TEXT_SUFFIXES = {".md", ".toml", ".cfg", ".txt", ".yml", ".yaml", ".sh", ".html", ".ini", ".rst"}
TEXT_NAMES = {"Makefile", "run"}
#: Files this script must not rewrite (it and its README section name the old paths on purpose).
SKIP = {"scripts/regroup_package.py", "scripts/regroup_README_section.md", "tests/test_layers.py"}
README_SECTION = ROOT / "scripts" / "regroup_README_section.md"


class RegroupError(SystemExit):
    def __init__(self, msg: str):
        super().__init__(f"regroup_package: {msg}")


# ------------------------------------------------------------------------------------------------- modules
def module_of(rel: str) -> str | None:
    """``evidence/pack/report.py`` -> ``evidence.pack.report``; ``.../__init__.py`` -> the package."""
    if not rel.endswith(".py"):
        return None
    parts = rel[:-3].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def package_of(rel: str) -> str:
    """The package a file's relative imports start from."""
    mod = module_of(rel)
    return mod if rel.endswith("__init__.py") else mod.rsplit(".", 1)[0]


@dataclass
class Plan:
    file_moves: dict[str, str]      # old repo path -> new repo path (files and folders, for git mv)
    modules: dict[str, str]         # old dotted module -> new dotted module (only those that change)
    paths: dict[str, str]           # old repo path text -> new (for prose and globs), longest first
    skipped: list[str]


def make_plan() -> Plan:
    tracked = git("ls-files", "-z", PKG).split("\0")
    untracked = [p for p in git("ls-files", "-z", "--others", "--exclude-standard", PKG).split("\0") if p]
    if untracked:
        raise RegroupError(f"untracked files in {PKG}/ (commit or remove them first): {untracked[:5]}")
    top = sorted({p.split("/")[1] for p in tracked if p.count("/") >= 1})
    unknown = [t for t in top if t not in MOVES and t not in STAYS]
    if unknown:
        raise RegroupError(f"top-level entries of {PKG}/ that the script does not know: {unknown}. Add each to "
                           f"MOVES (with its new place) or STAYS at the top of {Path(__file__).name}.")
    if any((ROOT / PKG / "pack").glob("*.py")):
        raise RegroupError(f"{PKG}/pack already exists: the package looks regrouped already.")
    file_moves, modules, paths, skipped = {}, {}, {}, []
    for old, new in MOVES.items():
        src = ROOT / PKG / old
        if not src.exists():
            skipped.append(old)
            continue
        if (ROOT / PKG / new).exists():
            raise RegroupError(f"{PKG}/{new} exists already; it would be overwritten by {PKG}/{old}.")
        file_moves[f"{PKG}/{old}"] = f"{PKG}/{new}"
        if old.endswith(".py"):
            o, n = module_of(f"{PKG}/{old}"), module_of(f"{PKG}/{new}")
            if o != n:
                modules[o] = n
            paths[f"{PKG}/{old}"] = f"{PKG}/{new}"
        else:
            paths[f"{PKG}/{old}/"] = f"{PKG}/{new}/"
    return Plan(file_moves, modules, dict(sorted(paths.items(), key=lambda kv: -len(kv[0]))), skipped)


def new_module(name: str, modules: dict[str, str]) -> str:
    """The new dotted name of ``name`` (a module or an attribute path below one)."""
    for old, new in modules.items():
        if name == old or name.startswith(old + "."):
            return new + name[len(old):]
    return name


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout


# ------------------------------------------------------------------------------------------------- imports
def _offsets(src: str) -> tuple[list[int], list[str]]:
    lines = src.splitlines(keepends=True)
    starts, pos = [], 0
    for line in lines:
        starts.append(pos)
        pos += len(line)
    starts.append(pos)
    return starts, lines


def _char(starts: list[int], lines: list[str], lineno: int, col: int) -> int:
    """ast's (1-based line, UTF-8 byte column) -> index into the str."""
    line = lines[lineno - 1] if lineno - 1 < len(lines) else ""
    return starts[lineno - 1] + len(line.encode("utf-8")[:col].decode("utf-8", errors="ignore"))


def _relative(from_pkg: str, target: str) -> str:
    """The relative module text (``..geography``) for ``target`` seen from package ``from_pkg``."""
    a, b = from_pkg.split("."), target.split(".")
    common = 0
    while common < min(len(a), len(b)) and a[common] == b[common]:
        common += 1
    if common == 0:
        return target
    return "." * (len(a) - common + 1) + ".".join(b[common:])


def _resolve(pkg: str, level: int, module: str | None) -> str:
    base = pkg.split(".")
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def _alias(name: str, asname: str | None) -> str:
    return f"{name} as {asname}" if asname else name


def rewrite_imports(src: str, old_pkg: str | None, new_pkg: str | None, modules: dict[str, str],
                    symbols: dict[tuple[str, str], str] | None = None) -> str:
    """``src`` with every import of a moved module pointing at its new place.

    ``old_pkg``/``new_pkg``: the package relative imports start from before and after the move (``None``
    outside the package). ``symbols``: (module, name) -> module that now defines the name.
    """
    parse_src = "\n".join(("#" + line[1:]) if line[:1] in "%!" else line for line in src.split("\n"))
    try:
        tree = ast.parse(parse_src)
    except SyntaxError as exc:
        raise RegroupError(f"cannot parse: {exc}") from exc
    starts, lines = _offsets(src)
    edits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [(new_module(a.name, modules), a.asname) for a in node.names]
            if any(n != a.name for (n, _), a in zip(names, node.names, strict=True)):
                text = "import " + ", ".join(_alias(n, a) for n, a in names)
                edits.append((node, text))
        elif isinstance(node, ast.ImportFrom):
            if node.level and old_pkg is None:
                continue
            base_old = _resolve(old_pkg, node.level, node.module) if node.level else node.module
            if not (base_old == PKG or base_old.startswith(PKG + ".")):
                continue
            groups: dict[str, list[tuple[str, str | None]]] = {}
            for a in node.names:
                sub = f"{base_old}.{a.name}"
                if a.name != "*" and sub in modules:
                    target, _, name = modules[sub].rpartition(".")
                    asname = a.asname or (a.name if name != a.name else None)
                else:
                    target, name, asname = new_module(base_old, modules), a.name, a.asname
                    if symbols and (target, name) in symbols:
                        target = symbols[(target, name)]
                groups.setdefault(target, []).append((name, asname))
            render_pkg = new_pkg if node.level else None
            out = []
            for target, names in sorted(groups.items()):
                mod = _relative(render_pkg, target) if render_pkg else target
                out.append(f"from {mod} import " + ", ".join(_alias(n, a) for n, a in names))
            original = ("." * node.level + (node.module or ""), [(a.name, a.asname) for a in node.names])
            if len(out) == 1 and original == (out[0][5:out[0].index(" import ")], next(iter(groups.values()))):
                continue
            edits.append((node, out))
    if not edits:
        return src
    chunks, pos = [], 0
    for node, text in sorted(edits, key=lambda e: (e[0].lineno, e[0].col_offset)):
        a = _char(starts, lines, node.lineno, node.col_offset)
        b = _char(starts, lines, node.end_lineno, node.end_col_offset)
        indent = lines[node.lineno - 1][: len(lines[node.lineno - 1]) - len(lines[node.lineno - 1].lstrip())]
        if isinstance(text, list):
            text = ("\n" + indent).join(text)
        chunks += [src[pos:a], text]
        pos = b
    chunks.append(src[pos:])
    return "".join(chunks)


# ------------------------------------------------------------------------------------------------- prose
def rewrite_names(text: str, plan: Plan) -> str:
    """Dotted module names and repository paths of moved modules, wherever they occur in ``text``."""
    if plan.modules:
        alts = "|".join(re.escape(m) for m in sorted(plan.modules, key=len, reverse=True))
        text = re.sub(rf"(?<![\w.]){'(' + alts + ')'}(?![\w])", lambda m: plan.modules[m.group(1)], text)
    if plan.paths:
        alts = "|".join(re.escape(p) for p in plan.paths)
        text = re.sub(rf"(?<![\w./-])({alts})(?![\w])", lambda m: plan.paths[m.group(1)], text)
    return text


LINE_LENGTH = 120


def _backticks_open(text: str) -> bool:
    return text.count("`") % 2 == 1


def wrap_prose(src: str) -> str:
    """Lines of docstrings and comments that a longer module name pushed past the line length, wrapped at a
    space (never inside backticks), continuing with the line's own indentation (the docstring's own for its
    first line)."""
    if not any(len(line) > LINE_LENGTH for line in src.splitlines()):
        return src
    prose: set[int] = set()
    comments: set[int] = set()
    try:
        for node in ast.walk(ast.parse(src)):
            body = getattr(node, "body", None)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and body \
                    and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                prose.update(range(body[0].lineno, body[0].end_lineno + 1))
        for tok in tokenize.generate_tokens(io.StringIO(src).readline):
            if tok.type == tokenize.COMMENT and tok.line.lstrip().startswith("#"):
                comments.add(tok.start[0])
    except (tokenize.TokenError, SyntaxError):
        return src
    out = []
    for i, line in enumerate(src.split("\n"), start=1):
        if len(line) <= LINE_LENGTH or "noqa" in line or "http" in line or (i not in prose and i not in comments):
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        lead = indent + ("# " if i in comments else "")
        while len(line) > LINE_LENGTH:
            cut = next((j for j in range(LINE_LENGTH, len(lead), -1)
                        if line[j] == " " and not _backticks_open(line[:j])), None)
            if cut is None:
                break
            out.append(line[:cut].rstrip())
            line = lead + line[cut + 1:]
        out.append(line)
    return "\n".join(out)


def rewrite_package_dir_paths(text: str, plan: Plan) -> str:
    """``config.PACKAGE_DIR / "site_templates"`` -> ``config.PACKAGE_DIR / "pack" / "site_templates"``."""
    for old, new in plan.file_moves.items():
        if not old.endswith(".py"):
            o, n = old[len(PKG) + 1:], new[len(PKG) + 1:]
            parts = " / ".join(f'"{x}"' for x in n.split("/"))
            text = re.sub(rf'(PACKAGE_DIR\s*/\s*)["\']{re.escape(o)}["\']', lambda m, p=parts: m.group(1) + p, text)
    return text


def file_uses(contents: dict[str, str], plan: Plan) -> list[str]:
    """Lines of moved modules that use ``__file__``: a path relative to it may need another ``.parent``."""
    out = []
    for new in plan.file_moves.values():
        if new.endswith(".py") and new in contents:
            out += [f"  {new}:{i}: {line.strip()}" for i, line in enumerate(contents[new].splitlines(), start=1)
                    if "__file__" in line]
    return out


def rewrite_package_data(text: str, plan: Plan) -> str:
    """``pyproject.toml``: the package-data globs of moved folders (``"site_templates/*"``)."""
    m = re.search(r"^\[tool\.setuptools\.package-data\]\n(.*?)(?=^\[|\Z)", text, flags=re.M | re.S)
    if not m:
        return text
    body = m.group(1)
    for old, new in plan.file_moves.items():
        if not old.endswith(".py"):
            o, n = old[len(PKG) + 1:], new[len(PKG) + 1:]
            body = re.sub(rf'(["\'])({re.escape(o)})/', rf"\g<1>{n}/", body)
    return text[: m.start(1)] + body + text[m.end(1):]


def rewrite_notebook(raw: str, plan: Plan, symbols) -> str:
    nb = json.loads(raw)
    for cell in nb.get("cells", []):
        src = cell.get("source", "")
        text = "".join(src) if isinstance(src, list) else src
        new = rewrite_imports(text, None, None, plan.modules, symbols) if cell.get("cell_type") == "code" else text
        new = rewrite_names(new, plan)
        if new != text:
            cell["source"] = new.splitlines(keepends=True) if isinstance(src, list) else new
    out = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    return out if out != json.dumps(json.loads(raw), indent=1, ensure_ascii=False) + "\n" else raw


# ------------------------------------------------------------------------------------------------- symbols
def _span(src: str, node: ast.stmt) -> tuple[int, int]:
    """Character span of a top-level statement, with the ``#:``/comment lines just above it."""
    starts, lines = _offsets(src)
    first = node.lineno - 1
    if getattr(node, "decorator_list", None):
        first = node.decorator_list[0].lineno - 1
    while first > 0 and lines[first - 1].lstrip().startswith("#"):
        first -= 1
    return starts[first], starts[node.end_lineno]


def move_symbols(contents: dict[str, str], module_paths: dict[str, str]) -> dict[tuple[str, str], str]:
    """Apply :data:`SYMBOL_MOVES` to ``contents`` (new repo path -> text); return (old module, name) -> new."""
    moved: dict[tuple[str, str], str] = {}
    for src_mod, dst_mod, names, why in SYMBOL_MOVES:
        sp, dp = module_paths.get(src_mod), module_paths.get(dst_mod)
        if sp not in contents or dp not in contents:
            raise RegroupError(f"SYMBOL_MOVES: {src_mod} or {dst_mod} not found")
        src = contents[sp]
        tree = ast.parse(src)
        found = {}
        for node in tree.body:
            targets = [node.name] if isinstance(node, ast.FunctionDef | ast.ClassDef) else \
                [t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)]
            for t in targets:
                if t in names:
                    found[t] = node
        missing = [n for n in names if n not in found]
        if missing:
            raise RegroupError(f"SYMBOL_MOVES: {missing} not defined at the top of {sp}")
        spans = sorted({_span(src, n) for n in found.values()})
        block = "\n\n\n".join(src[a:b].strip("\n") for a, b in spans)
        for a, b in reversed(spans):
            src = src[:a] + src[b:]
        src = re.sub(r"\n{4,}", "\n\n\n", src)
        # the old module keeps the names importable (its __all__ or callers may list them)
        last_import = max(n.end_lineno for n in ast.parse(src).body if isinstance(n, ast.Import | ast.ImportFrom))
        starts, _ = _offsets(src)
        rel = _relative(package_of(sp), dst_mod)
        line = f"from {rel} import {', '.join(sorted(names))}  # noqa: F401 (re-exported)\n"
        src = src[: starts[last_import]] + line + src[starts[last_import]:]
        contents[sp] = src
        dst = contents[dp].rstrip("\n")
        all_match = re.search(r"\n__all__ = ", dst)
        block = f"# {why}\n{block}"
        if all_match:
            dst = dst[: all_match.start()] + "\n\n" + block + "\n\n" + dst[all_match.start():]
        else:
            dst = dst + "\n\n\n" + block
        contents[dp] = dst + "\n"
        for n in names:
            moved[(src_mod, n)] = dst_mod
    return moved


# ------------------------------------------------------------------------------------------------- shims
def shim_block(modules: dict[str, str]) -> str:
    entries = "\n".join(f'    "{o}": "{n}",' for o, n in sorted(modules.items()))
    return f'''

# Deprecated import paths (written by scripts/regroup_package.py). The modules were regrouped into layers; an
# old path is an alias of the new module (the same object, so monkeypatching either patches both) and warns
# once per process. The aliases are removed in {REMOVED_IN}.
_MOVED = {{
{entries}
}}
_REMOVED_IN = "{REMOVED_IN}"


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
    warnings.warn(f"{{old}} is deprecated: import {{new}} instead ({{old}} is removed in lis-evidence "
                  f"{{_REMOVED_IN}}).", DeprecationWarning, stacklevel=level)


class _MovedModules:
    """Finds the old module paths and loads each as the new module object."""

    _specs: dict = {{}}

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
    if f"{{__name__}}.{{name}}" in _MOVED:
        return _importlib.import_module(f"{{__name__}}.{{name}}")
    raise AttributeError(f"module {{__name__!r}} has no attribute {{name!r}}")


if not any(isinstance(f, type) and f.__name__ == "_MovedModules" for f in sys.meta_path):
    sys.meta_path.insert(0, _MovedModules)
'''


def add_shims(init: str, modules: dict[str, str]) -> str:
    if "_MovedModules" in init:
        raise RegroupError("evidence/__init__.py has the shims already")
    tree = ast.parse(init)
    first_import = min(n.lineno for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom))
    starts, _ = _offsets(init)
    head = "import importlib as _importlib\nimport sys\n\n"
    return init[: starts[first_import - 1]] + head + init[starts[first_import - 1]:].rstrip("\n") + "\n" \
        + shim_block(modules)


# ------------------------------------------------------------------------------------------------- README
def add_readme_section(readme: str) -> str:
    section = README_SECTION.read_text(encoding="utf-8").strip("\n") + "\n\n"
    m = re.search(r"^## Architecture\n.*?(?=^## )", readme, flags=re.M | re.S)
    if m:
        return readme[: m.start()] + section + readme[m.end():]
    m = re.search(r"^## Development\n", readme, flags=re.M)
    if not m:
        raise RegroupError("README.md has no '## Development' section to put 'Architecture' before")
    return readme[: m.start()] + section + readme[m.start():]


# ------------------------------------------------------------------------------------------------- main
def text_files() -> list[str]:
    out = []
    for p in git("ls-files", "-z").split("\0"):
        if not p or p in SKIP or p.startswith(f"{PKG}/data/"):
            continue
        path = Path(p)
        if path.suffix in (".py", ".ipynb") or path.suffix in TEXT_SUFFIXES or path.name in TEXT_NAMES:
            out.append(p)
    return out


def new_path(p: str, plan: Plan) -> str:
    for old, new in plan.file_moves.items():
        if p == old or p.startswith(old + "/"):
            return new + p[len(old):]
    return p


def run(dry_run: bool) -> int:
    plan = make_plan()
    files = text_files()
    contents: dict[str, str] = {}
    # (old module, name) -> new module, known only after the symbol moves; imports are rewritten twice
    for p in files:
        raw = (ROOT / p).read_text(encoding="utf-8")
        np_ = new_path(p, plan)
        try:
            if p.endswith(".py"):
                inside = p.startswith(PKG + "/")
                new = rewrite_imports(raw, package_of(p) if inside else None, package_of(np_) if inside else None,
                                      plan.modules)
                new = wrap_prose(rewrite_package_dir_paths(rewrite_names(new, plan), plan))
            elif p.endswith(".ipynb"):
                new = rewrite_notebook(raw, plan, None)
            else:
                new = rewrite_names(raw, plan)
                if p == "pyproject.toml":
                    new = rewrite_package_data(new, plan)
        except RegroupError as exc:
            raise RegroupError(f"{p}: {exc.code}") from None
        contents[np_] = new
    module_paths = {module_of(p): p for p in contents if p.endswith(".py")}
    symbols = move_symbols(contents, module_paths)
    if symbols:
        for p, text in list(contents.items()):
            if p.endswith(".py"):
                pkg = package_of(p) if p.startswith(PKG + "/") else None
                contents[p] = rewrite_imports(text, pkg, pkg, {}, symbols)
            elif p.endswith(".ipynb"):
                nb_plan = Plan({}, {}, {}, [])
                contents[p] = rewrite_notebook(text, nb_plan, symbols)
    for rel, old, new in PATCHES:
        if rel not in contents:
            raise RegroupError(f"PATCHES: {rel} not found")
        n = contents[rel].count(old)
        if n != 1:
            raise RegroupError(f"PATCHES: {old.strip()!r} occurs {n} times in {rel} (expected once)")
        contents[rel] = contents[rel].replace(old, new)
    contents[f"{PKG}/__init__.py"] = add_shims(contents[f"{PKG}/__init__.py"], plan.modules)
    for rel, text in NEW_PACKAGES.items():
        contents.setdefault(f"{PKG}/{rel}", text)
    contents["README.md"] = add_readme_section(contents["README.md"])
    changed = [p for p in contents if not (ROOT / p).exists() or p in plan.file_moves.values()
               or (ROOT / p).read_text(encoding="utf-8") != contents[p]]

    print(f"moves ({len(plan.file_moves)}):")
    for o, n in plan.file_moves.items():
        print(f"  {o} -> {n}")
    if plan.skipped:
        print(f"not present, skipped: {', '.join(plan.skipped)}")
    print(f"files rewritten: {len(changed)}")
    uses = file_uses(contents, plan)
    if uses:
        print("moved modules using __file__ (check each still finds what it means; PATCHES fixes the known ones):")
        print("\n".join(uses))
    if dry_run:
        for p in sorted(changed):
            print(f"  {p}")
        return 0

    for old, new in plan.file_moves.items():
        (ROOT / new).parent.mkdir(parents=True, exist_ok=True)
        git("mv", old, new)
    for p in changed:
        path = ROOT / p
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(contents[p], encoding="utf-8")
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    dirs = [d for d in (PKG, "tests", "scripts", "benchmarks") if (ROOT / d).is_dir()]
    subprocess.run([ruff, "check", "--quiet", "--select", "I", "--fix", *dirs], cwd=ROOT, check=False)
    lint = subprocess.run([ruff, "check", "--quiet", *dirs], cwd=ROOT, capture_output=True, text=True)
    print("ruff:", "clean" if lint.returncode == 0 else "\n" + lint.stdout)
    print("Done. Now: .venv/bin/python -m pytest -q -n 2, the nbval command of `make test`, then commit.")
    return 0 if lint.returncode == 0 else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dry-run", action="store_true", help="say what would change; touch nothing")
    return run(ap.parse_args(argv).dry_run)


if __name__ == "__main__":
    sys.exit(main())
