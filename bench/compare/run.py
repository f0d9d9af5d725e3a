"""openai-vertex vs the plain openai client vs LiteLLM, side by side on one loopback stub.

Run by ``scripts/bench``, which sets up the venvs: this file runs in the bench venv (openai,
openai-vertex, matplotlib) and drives LiteLLM's venv through ``--litellm-python``. The stub
(`stub.py`) and every contender (`worker.py`) are separate processes, so a contender's
``process_time()`` is its own work only; contenders take turns cell by cell, round by round (the order
rotated each round), so a slow phase of the machine hits them alike. Medians, min and max are over
rounds. Writes RESULTS.md, results.png and results.json to ``--out``. ``--smoke`` (CI) takes tiny
counts, measures memory in the request workers and skips the import warm-up, to stay fast.

    python bench/compare/run.py --litellm-python .venvs/bench-litellm/bin/python [--smoke]
"""

from __future__ import annotations

import argparse
import base64
import datetime
import functools
import json
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from bench_translate import with_tools  # noqa: E402

CONTENDERS = ("openai", "openai_vertex", "litellm")
CASES = ("text", "schema_tools", "images")
MODES = ("sync", "async")
# Child processes write bytecode (this sandbox may set PYTHONDONTWRITEBYTECODE, which would make every
# import recompile) and LiteLLM reads its bundled model-cost map instead of fetching one at import.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
Sample = dict[str, float]


def request_bodies() -> dict[str, dict[str, Any]]:
    """By contender, by case. openai-vertex gets the OpenAI-style body; the plain client (and LiteLLM,
    whose openai/ route passes the body through) the body Vertex accepts, written by hand."""
    from openai_vertex._settings import resolve_settings
    from openai_vertex._translate.chat import translate_chat_body

    rng = random.Random(13)
    images = [
        {
            "type": "image_url",
            "image_url": {"url": "data:image/png;base64," + base64.b64encode(data).decode()},
        }
        for data in (b"\x89PNG\r\n\x1a\n" + rng.randbytes(32 * 1024) for _ in range(4))
    ]
    ours = {
        "text": {"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "hello"}]},
        "schema_tools": {**with_tools(), "model": "gemini-2.5-flash"},
        "images": {
            "model": "gemini-2.5-flash",
            "messages": [{"role": "user", "content": [{"type": "text", "text": "Compare these."}, *images]}],
        },
    }
    settings = resolve_settings(vertex_project="bench-project", environ={})
    by_hand = {case: translate_chat_body(body, settings).body for case, body in ours.items()}
    litellm = {case: {**body, "model": "openai/" + body["model"]} for case, body in by_hand.items()}
    return {"openai": by_hand, "openai_vertex": ours, "litellm": litellm}


class Process:
    """A child that answers one JSON line per JSON line."""

    def __init__(self, argv: list[str]) -> None:
        self.popen = subprocess.Popen(  # noqa: S603
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=ENV
        )
        self.first_line = self._read()

    def _read(self) -> str:
        assert self.popen.stdout is not None
        line = self.popen.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.popen.args!r} exited with {self.popen.wait()}")
        return line.strip()

    def send(self, op: str, **args: Any) -> None:
        assert self.popen.stdin is not None
        self.popen.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self.popen.stdin.flush()

    def receive(self) -> Any:
        return json.loads(self._read())

    def ask(self, op: str, **args: Any) -> Any:
        self.send(op, **args)
        return self.receive()

    def close(self) -> None:
        self.popen.communicate("")


def start_workers(pythons: dict[str, str], url: str, bodies: dict[str, Any]) -> dict[str, Process]:
    workers = {}
    for name in CONTENDERS:
        workers[name] = Process([pythons[name], str(HERE / "worker.py"), name, url])
        workers[name].ask("setup", bodies=bodies[name])
    return workers


def in_turn(round_: int) -> list[str]:
    k = round_ % len(CONTENDERS)
    return list(CONTENDERS[k:] + CONTENDERS[:k])


def bench_requests(
    workers: dict[str, Process], rounds: int, requests: int, concurrencies: list[int]
) -> dict[str, dict[str, list[Sample]]]:
    """Per cell ("case mode concurrency"), per contender: per-request CPU and wall, one per round."""
    cells = [(case, mode, c) for case in CASES for mode in MODES for c in concurrencies]
    samples: dict[str, dict[str, list[Sample]]] = {}
    for case, mode, concurrency in cells:  # warm-up: connections, caches, lazy imports
        for name in CONTENDERS:
            workers[name].ask("run", case=case, mode=mode, concurrency=concurrency, requests=concurrency * 2)
    for round_ in range(rounds):
        for case, mode, concurrency in cells:
            count = max(requests, 2 * concurrency)
            cell = samples.setdefault(f"{case} {mode} {concurrency}", {name: [] for name in CONTENDERS})
            for name in in_turn(round_):
                got = workers[name].ask("run", case=case, mode=mode, concurrency=concurrency, requests=count)
                cell[name].append({"cpu": got["cpu"] / count, "wall": got["wall"] / count})
    return samples


def bench_streams(workers: dict[str, Process], rounds: int) -> dict[str, dict[str, list[Sample]]]:
    samples = {mode: {name: [] for name in CONTENDERS} for mode in MODES}
    for mode in MODES:
        for name in CONTENDERS:
            workers[name].ask("stream", mode=mode)  # warm-up
    for round_ in range(rounds):
        for mode in MODES:
            for name in in_turn(round_):
                samples[mode][name].append(workers[name].ask("stream", mode=mode))
    return samples


def bench_memory(workers: dict[str, Process], counts: list[int]) -> dict[str, Any]:
    """RSS after each count of requests, the workers side by side (RSS does not mind)."""
    for worker in workers.values():
        worker.send("memory", counts=counts)
    return {name: worker.receive()["rss"] for name, worker in workers.items()}


def close_all(workers: dict[str, Process]) -> None:
    for worker in workers.values():
        worker.close()


def top_level_imports(python: str, source: str) -> dict[str, int]:
    """Cumulative µs of each top-level import ``-X importtime`` reports for ``python -c source``, in
    the order they finished."""
    err = subprocess.run(  # noqa: S603
        [python, "-X", "importtime", "-c", source], env=ENV, capture_output=True, text=True, check=True
    ).stderr
    found = {}
    for line in err.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line.split("|")
            if name.strip() and not name.startswith("  ") and cumulative.strip().isdigit():
                found[name.strip()] = int(cumulative)
    return found


def added_import_ms(python: str, first: str, then: str) -> float:
    """What ``import then`` adds in a process that has already imported ``first``: the top-level
    imports that finish after ``first`` does. One process, so machine load shifts both alike."""
    imports = list(top_level_imports(python, f"import {first}; import {then}").items())
    done = next(i for i, (name, _) in enumerate(imports) if name == first)
    return sum(us for _, us in imports[done + 1 :]) / 1e3


@functools.cache
def startup_imports(python: str) -> frozenset[str]:
    """What the interpreter imports before running anything (the same every run: asked once)."""
    return frozenset(top_level_imports(python, "pass"))


def import_ms(python: str, statement: str) -> float:
    """Import time of ``statement``: its top-level imports that start-up does not make."""
    startup = startup_imports(python)
    return sum(us for name, us in top_level_imports(python, statement).items() if name not in startup) / 1e3


def bench_imports(pythons: dict[str, str], runs: int, warm: bool) -> dict[str, list[float]]:
    statements = {
        "import openai": (pythons["openai"], "import openai"),
        "import openai_vertex": (pythons["openai"], "import openai_vertex"),
        "from openai import OpenAI": (pythons["openai"], "from openai import OpenAI"),
        "from openai_vertex import OpenAI": (pythons["openai"], "from openai_vertex import OpenAI"),
        "import litellm": (pythons["litellm"], "import litellm"),
    }
    if warm:  # writes the bytecode caches (the workers' imports have written most already)
        for python, statement in statements.values():
            import_ms(python, statement)
    added = "import openai_vertex after import openai"
    times: dict[str, list[float]] = {label: [] for label in [*statements, added]}
    for _ in range(runs):
        for label, (python, statement) in statements.items():
            times[label].append(import_ms(python, statement))
        times[added].append(added_import_ms(pythons["openai"], "openai", "openai_vertex"))
    return times


def run_json(argv: list[str]) -> Any:
    out = subprocess.run(argv, env=ENV, capture_output=True, text=True, check=True).stdout  # noqa: S603
    return json.loads(out)


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {
        "os": platform.platform(),
        "cpu": f"{cpu}, {os.cpu_count()} logical CPUs",
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--litellm-python", required=True)
    parser.add_argument("--smoke", action="store_true", help="tiny counts, to check that it all runs")
    parser.add_argument("--out", type=Path, default=HERE.parent)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200, help="per cell and round (>= 2x concurrency)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 256])
    parser.add_argument("--stream-rounds", type=int, default=7)
    parser.add_argument("--chunks", type=int, default=2000)
    parser.add_argument("--memory", type=int, nargs=2, default=[1000, 20000], metavar=("FIRST", "THEN"))
    parser.add_argument("--import-runs", type=int, default=11)
    parser.add_argument("--startup-runs", type=int, default=61)
    parser.add_argument(
        "--refresh", nargs=3, default=["100", "1000", "0.3"], metavar=("THREADS", "TASKS", "DELAY")
    )
    args = parser.parse_args()
    if args.smoke:
        args.rounds, args.requests, args.concurrency, args.stream_rounds, args.chunks = 1, 8, [1, 4], 1, 200
        args.memory, args.import_runs, args.startup_runs, args.refresh = [20, 40], 1, 1, ["10", "50", "0.05"]
    command = os.environ.get("BENCH_COMMAND") or " ".join(["python", *sys.argv])
    pythons = {"openai": sys.executable, "openai_vertex": sys.executable, "litellm": args.litellm_python}
    bodies = request_bodies()
    started = time.perf_counter()
    stub = Process([sys.executable, str(HERE / "stub.py"), "--chunks", str(args.chunks)])
    url = stub.first_line
    results: dict[str, Any] = {"machine": machine(), "command": command, "memory_counts": args.memory}

    def phase(name: str) -> None:
        print(f"== {name} (at {time.perf_counter() - started:.0f} s)", flush=True)

    try:
        workers = start_workers(pythons, url, bodies)
        try:
            results["versions"] = {name: w.ask("versions") for name, w in workers.items()}
            phase("requests")
            results["requests"] = bench_requests(workers, args.rounds, args.requests, args.concurrency)
            phase("streams")
            results["streams"] = bench_streams(workers, args.stream_rounds)
            if args.smoke:  # the same workers: one LiteLLM start-up fewer in CI's time budget
                phase("memory")
                results["memory"] = bench_memory(workers, args.memory)
        finally:
            close_all(workers)
        phase("refresh under load")
        threads, tasks, delay = args.refresh
        refresh = [str(HERE / "refresh.py"), url, "--threads", threads, "--tasks", tasks, "--delay", delay]
        results["refresh"] = run_json([sys.executable, *refresh])
        if not args.smoke:
            phase("memory, in fresh workers")
            workers = start_workers(pythons, url, bodies)
            try:
                results["memory"] = bench_memory(workers, args.memory)
            finally:
                close_all(workers)
    finally:
        stub.close()
    phase("imports and start-up")
    results["imports"] = bench_imports(pythons, args.import_runs, warm=not args.smoke)
    startup = [sys.executable, str(HERE.parent / "bench_startup.py"), "--runs", str(args.startup_runs)]
    results["startup"] = run_json(startup)
    results["seconds"] = round(time.perf_counter() - started)
    results["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    from report import plot, write_results

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    text = write_results(results, args.out / "RESULTS.md")
    plot(results, args.out / "results.png")
    print(text)


if __name__ == "__main__":
    main()
