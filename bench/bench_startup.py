"""Interpreter start-up cost of openai-vertex's ``.pth`` hook, with ``OPENAI_VERTEX`` unset (and set).

Two throwaway venvs of the same base interpreter, identical except that one has the installed
package's start-up files (``openai_vertex.pth`` and the ``_openai_vertex_bootstrap`` shim) in its
site-packages. Both see this environment's site-packages through the same path-only ``.pth`` line,
so wrapt and openai-vertex are importable in both. ``python -c pass`` runs alternate between them
(site processing on, no ``-S``), and the medians are compared.

    python bench/bench_startup.py [--runs 61]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import site
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import venv
from pathlib import Path

STARTUP_FILES = ("openai_vertex.pth", "_openai_vertex_bootstrap.py")


def installed_startup_files() -> list[Path]:
    """The start-up files of the installed package (a wheel or an editable install puts them here)."""
    for directory in site.getsitepackages():
        found = [Path(directory) / name for name in STARTUP_FILES]
        if all(path.is_file() for path in found):
            return found
    src = Path(__file__).resolve().parents[1] / "src"  # a checkout used without installing
    return [src / name for name in STARTUP_FILES]


def make_venv(root: Path, with_hook: bool) -> str:
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(root)
    python = root / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = subprocess.run(  # noqa: S603
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    packages = Path(purelib)
    # This environment's packages (wrapt, openai, ...) and openai-vertex itself, even if editable.
    spec = importlib.util.find_spec("openai_vertex")
    assert spec is not None and spec.origin is not None
    paths = [sysconfig.get_paths()["purelib"], str(Path(spec.origin).parents[1])]
    (packages / "_here.pth").write_text("\n".join(paths) + "\n")
    if with_hook:
        for path in installed_startup_files():
            shutil.copy(path, packages / path.name)
    return str(python)


def time_once(python: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([python, "-c", "pass"], check=True, env=env)  # noqa: S603
    return time.perf_counter() - start


def medians(cases: dict[str, tuple[str, dict[str, str]]], runs: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in cases}
    order = list(cases)
    for python, env in cases.values():  # warm the file and bytecode caches
        time_once(python, env)
    for _ in range(runs):
        for name in order:  # interleaved, order reversed each round, so drift hits all alike
            samples[name].append(time_once(*cases[name]))
        order.reverse()
    return {name: statistics.median(values) * 1e3 for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=61)
    args = parser.parse_args()

    unset = {k: v for k, v in os.environ.items() if k not in ("OPENAI_VERTEX", "PYTHONPATH", "PYTHONSTARTUP")}
    opted_in = {**unset, "OPENAI_VERTEX": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        without = make_venv(Path(tmp) / "without", with_hook=False)
        with_hook = make_venv(Path(tmp) / "with", with_hook=True)
        control = make_venv(Path(tmp) / "control", with_hook=False)  # the same as `without`: the noise
        ms = medians(
            {
                "without": (without, unset),
                "with": (with_hook, unset),
                "control": (control, unset),
                "opted_in": (with_hook, opted_in),
            },
            args.runs,
        )
    result = {
        "python": sys.version.split()[0],
        "runs": args.runs,
        "startup_ms_without_hook": round(ms["without"], 2),
        "startup_ms_with_hook_unset": round(ms["with"], 2),
        "startup_ms_added_unset": round(ms["with"] - ms["without"], 2),
        "startup_ms_added_unset_target": 2.0,
        "noise_ms_between_identical_venvs": round(ms["control"] - ms["without"], 2),
        "startup_ms_with_hook_opted_in": round(ms["opted_in"], 2),
        "startup_ms_added_opted_in": round(ms["opted_in"] - ms["without"], 2),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
