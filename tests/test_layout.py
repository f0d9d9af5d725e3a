"""The package layout keeps the architecture visible (docs/architecture.md), checked from the source.

Every module under ``src/openai_vertex`` is parsed (``ast``, nothing is imported), and every import
counts: top-level, inside functions, under ``TYPE_CHECKING``, and ``importlib.import_module("...")``
with a literal name. From that graph:

- no import cycles among the package's modules: every arrow points one way;
- ``_translate/`` stays pure (no network, files, processes or credentials): it imports only pure
  standard-library modules, our settings and exceptions, and itself;
- no module is over 400 lines;
- the command line lives in ``cli/`` (argparse nowhere else), and nothing in the library imports
  ``cli/``: it is reached only through the console script.

The checks are functions of a source folder, so they can be run on another checkout too.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

import openai_vertex

PACKAGE_DIR = Path(openai_vertex.__file__).resolve().parent
PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
MAX_LINES = 400

# What _translate/ may import besides itself. Standard-library modules that compute in memory only
# (io and pickle: the schema memo's key is pickled into a BytesIO; threading: the memo's lock).
PURE_STDLIB = frozenset(
    {
        "__future__", "abc", "base64", "binascii", "collections", "collections.abc", "copy",
        "dataclasses", "decimal", "enum", "fractions", "functools", "hashlib", "io", "itertools",
        "json", "keyword", "math", "numbers", "operator", "pickle", "re", "string", "threading",
        "types", "typing", "unicodedata", "urllib.parse", "warnings",
    }
)  # fmt: skip
TRANSLATE_MAY_IMPORT = frozenset({"openai_vertex._settings", "openai_vertex.exceptions"})


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module, as precise as the source allows
    line: int

    def __str__(self) -> str:
        return f"{self.source} -> {self.target} (line {self.line})"


def module_files(package_dir: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file under the package folder."""
    modules = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = [package_dir.name, *path.relative_to(package_dir).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _parse(path: Path) -> ast.Module:
    """``ast.parse`` in a thread of its own: CPython 3.11.7 can fail a parse made deep in a long-running
    thread with "SystemError: AST constructor recursion depth mismatch" (a regression fixed in 3.11.8),
    which a fresh thread's recursion counters never meet."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(ast.parse, path.read_text(encoding="utf-8"), str(path)).result()


def _imports(name: str, path: Path, modules: dict[str, Path]) -> Iterator[Import]:
    """Every import in one module, wherever it is in the file; relative names resolved."""
    package = name if _is_package(path) else name.rpartition(".")[0]
    for node in ast.walk(_parse(path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*base_parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            for alias in node.names:
                # `from package import submodule` imports the submodule; `from module import name` the module.
                candidate = f"{base}.{alias.name}"
                yield Import(name, candidate if candidate in modules else base, node.lineno)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            first = node.args[0]
            literal = first.value if isinstance(first, ast.Constant) else None
            # A relative name needs its package= argument: not resolved here (none in the package).
            if called in ("import_module", "__import__") and isinstance(literal, str) and literal[:1] != ".":
                yield Import(name, literal, node.lineno)


def _internal(target: str, modules: dict[str, Path]) -> str | None:
    """The package module an import names (the longest known prefix), None for other packages."""
    parts = target.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def import_graph(package_dir: Path) -> dict[str, list[Import]]:
    """Module -> its imports of other modules of the package."""
    modules = module_files(package_dir)
    graph: dict[str, list[Import]] = {name: [] for name in modules}
    for name, path in modules.items():
        for imp in _imports(name, path, modules):
            target = _internal(imp.target, modules)
            if target is not None and target != name:
                graph[name].append(Import(name, target, imp.line))
    return graph


def import_cycles(graph: dict[str, list[Import]]) -> list[list[Import]]:
    """One cycle (as its import statements) per group of modules that import each other."""
    # Tarjan's strongly connected components, iterative: a group of two or more modules is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            edges = graph[node]
            if i < len(edges):
                work.append((node, i + 1))
                nxt = edges[i].target
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(group)
    return [_cycle_in(group, graph) for group in groups]


def _cycle_in(group: set[str], graph: dict[str, list[Import]]) -> list[Import]:
    """A path from the group's first module back to itself, through the group only."""
    start = min(group)
    paths: dict[str, list[Import]] = {start: []}
    frontier = [start]
    while frontier:
        node = frontier.pop(0)
        for imp in graph[node]:
            if imp.target == start:
                return [*paths[node], imp]
            if imp.target in group and imp.target not in paths:
                paths[imp.target] = [*paths[node], imp]
                frontier.append(imp.target)
    raise AssertionError(f"no cycle through {start}")  # unreachable for a strongly connected group


def impure_translate_imports(package_dir: Path) -> list[Import]:
    """Imports in ``_translate/`` of anything but pure standard library, settings, exceptions, itself."""
    modules = module_files(package_dir)
    translate = f"{package_dir.name}._translate"
    bad = []
    for name, path in modules.items():
        if name != translate and not name.startswith(translate + "."):
            continue
        for imp in _imports(name, path, modules):
            internal = _internal(imp.target, modules)
            if internal is not None:
                ok = internal in TRANSLATE_MAY_IMPORT or internal.startswith(translate)
            else:
                parts = imp.target.split(".")
                ok = any(".".join(parts[:end]) in PURE_STDLIB for end in range(1, len(parts) + 1))
            if not ok:
                bad.append(imp)
    return bad


def long_modules(package_dir: Path) -> dict[str, int]:
    files = module_files(package_dir)
    counts = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in files.items()}
    return {name: n for name, n in counts.items() if n > MAX_LINES}


def cli_outside_cli(package_dir: Path) -> list[Import]:
    """Imports of ``cli/`` from the library, and of argparse outside ``cli/``."""
    modules = module_files(package_dir)
    cli = f"{package_dir.name}.cli"
    bad = []
    for name, path in modules.items():
        if name == cli or name.startswith(cli + "."):
            continue
        for imp in _imports(name, path, modules):
            target = _internal(imp.target, modules) or imp.target
            if target == cli or target.startswith(cli + ".") or target == "argparse":
                bad.append(imp)
    return bad


# --------------------------------------------------------------------------- the checks


def test_the_package_has_no_import_cycles() -> None:
    cycles = import_cycles(import_graph(PACKAGE_DIR))
    shown = ["\n  ".join(str(imp) for imp in cycle) for cycle in cycles]
    assert not cycles, "import cycles (make the arrow point one way):\n  " + "\n\n  ".join(shown)


def test_translate_imports_nothing_that_does_io() -> None:
    bad = impure_translate_imports(PACKAGE_DIR)
    assert not bad, "_translate/ must stay pure; move the I/O to _fetch/ or the client:\n  " + "\n  ".join(
        map(str, bad)
    )


def test_no_module_is_over_400_lines() -> None:
    assert long_modules(PACKAGE_DIR) == {}


def test_the_cli_is_reached_only_through_the_console_script() -> None:
    bad = cli_outside_cli(PACKAGE_DIR)
    assert not bad, "the library must not import cli/ (nor argparse):\n  " + "\n  ".join(map(str, bad))
    pyproject = PYPROJECT.read_text(encoding="utf-8")
    scripts = re.search(r"^\[project\.scripts\]\n((?:[^\[\n].*\n)*)", pyproject, re.M)
    assert scripts is not None
    assert re.search(r'^openai-vertex = "openai_vertex\.cli:main"$', scripts.group(1), re.M)
    from openai_vertex.cli import main

    assert callable(main)


# --------------------------------------------------------------------------- the checks can fail


def _write(root: Path, files: dict[str, str]) -> Path:
    package = root / "openai_vertex"
    for rel, text in files.items():
        (package / rel).parent.mkdir(parents=True, exist_ok=True)
        (package / rel).write_text(text, encoding="utf-8")
    return package


def test_a_function_level_import_cycle_is_found(tmp_path: Path) -> None:
    package = _write(
        tmp_path,
        {
            "__init__.py": "",
            "patch.py": "from ._bootstrap import Router\n",
            "_bootstrap.py": "class Router: ...\n\ndef activate():\n    from .patch import patch\n",
            "cli/__init__.py": "",
            "cli/_doctor.py": "def checks():\n    from ._doctor_live import check_chat\n",
            "cli/_doctor_live.py": "from openai_vertex.cli._doctor import CheckResult\n",
            "a.py": "import importlib\nimportlib.import_module('openai_vertex.b')\n",
            "b.py": "from . import a\n",
        },
    )
    cycles = import_cycles(import_graph(package))
    found = sorted(tuple(sorted({imp.source for imp in cycle})) for cycle in cycles)
    assert found == [
        ("openai_vertex._bootstrap", "openai_vertex.patch"),
        ("openai_vertex.a", "openai_vertex.b"),
        ("openai_vertex.cli._doctor", "openai_vertex.cli._doctor_live"),
    ]
    assert str(cycles[0][0]).startswith("openai_vertex.")


@pytest.mark.parametrize(
    "source",
    [
        "import socket\n",
        "import httpx\n",
        "import requests\n",
        "from google.auth.transport.requests import Request\n",
        "from urllib.request import urlopen\n",
        "def f():\n    import subprocess\n",
        "from .._fetch.fetcher import ImageFetcher\n",
        "from .._auth import prepare_request\n",
        "from .._client import OpenAI\n",
        "from .. import patch\n",
    ],
)
def test_io_in_translate_is_found(tmp_path: Path, source: str) -> None:
    package = _write(
        tmp_path,
        {
            "__init__.py": "",
            "patch.py": "",
            "_fetch/__init__.py": "",
            "_fetch/fetcher.py": "",
            "_auth.py": "",
            "_client.py": "",
            "_settings.py": "",
            "exceptions.py": "",
            "_translate/__init__.py": "",
            "_translate/ok.py": "import re\nfrom urllib.parse import urlsplit\nfrom ..exceptions import E\n"
            "from .._settings import Settings\nfrom . import images\n",
            "_translate/images.py": source,
        },
    )
    assert [imp.source for imp in impure_translate_imports(package)] == ["openai_vertex._translate.images"]


def test_a_long_module_and_the_cli_in_the_library_are_found(tmp_path: Path) -> None:
    package = _write(
        tmp_path,
        {
            "__init__.py": "x = 1\n" * (MAX_LINES + 1),
            "cli/__init__.py": "import argparse\n",
            "_cmd_run.py": "import argparse\n",
            "_doctor_live.py": "def f():\n    from .cli import main\n",
        },
    )
    assert long_modules(package) == {"openai_vertex": MAX_LINES + 1}
    assert sorted(str(imp) for imp in cli_outside_cli(package)) == [
        "openai_vertex._cmd_run -> argparse (line 1)",
        "openai_vertex._doctor_live -> openai_vertex.cli (line 2)",
    ]
