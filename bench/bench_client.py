"""Client CPU per chat request, openai-vertex vs the plain openai client, side by side in one run.

The fake endpoint and token server run in a separate process, so `time.process_time()` in this
process counts the client's work only. Both clients send the same request to the same server;
rounds alternate between them and the median per-request CPU of each is compared.
Two requests: a plain text one, and one with a 30-property response schema and 10 tools
(`bench_translate.with_tools`), warm (its schemas memoized, as every call after a process's first).
Also measures what `from openai_vertex import OpenAI` adds over `from openai import OpenAI`
(fresh interpreters; the fair pair, since `import openai` alone defers loading the client class).

    python bench/bench_client.py [--requests 300] [--rounds 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from bench_translate import with_tools

SERVER = """
import sys, tempfile, pathlib
from openai_vertex.testing import FakeGoogleAuth, FakeVertex
with tempfile.TemporaryDirectory() as tmp, FakeGoogleAuth() as auth, FakeVertex() as vertex:
    key = auth.write_service_account_file(pathlib.Path(tmp))
    print(vertex.base_url, key, flush=True)
    sys.stdin.read()
"""

MESSAGES = [{"role": "user", "content": "hello"}]
SCHEMA_AND_TOOLS = {k: v for k, v in with_tools().items() if k != "model"}


def vertex_shaped(body: dict[str, Any]) -> dict[str, Any]:
    """What the plain client must send for Vertex to accept the request: the body already translated
    (as a user without this package would write it by hand)."""
    from openai_vertex._settings import resolve_settings
    from openai_vertex._translate.chat import translate_chat_body

    settings = resolve_settings(vertex_project="bench-project", environ={})
    translated = translate_chat_body({"model": "gemini-2.5-flash", **body}, settings)
    return {k: v for k, v in translated.body.items() if k != "model"}


def per_request_cpu(send: Callable[[], object], requests: int) -> float:
    start = time.process_time()
    for _ in range(requests):
        send()
    return (time.process_time() - start) / requests


def bench_requests(requests: int, rounds: int) -> dict[str, float]:
    import openai
    from google.oauth2 import service_account

    import openai_vertex

    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        base_url, key_file = server.stdout.readline().split()
        credentials = service_account.Credentials.from_service_account_file(key_file)
        plain = openai.OpenAI(api_key="bench-key", base_url=base_url)
        vertex = openai_vertex.OpenAI(base_url=base_url, credentials=credentials)
        plain_text: dict[str, Any] = {"messages": MESSAGES}
        clients: dict[str, Callable[[], object]] = {}
        for case, body in (("text", plain_text), ("schema_tools", SCHEMA_AND_TOOLS)):
            by_hand = vertex_shaped(body)
            clients[f"{case}:openai"] = lambda by_hand=by_hand: plain.chat.completions.create(
                model="google/gemini-2.5-flash", **by_hand
            )
            clients[f"{case}:openai_vertex"] = lambda body=body: vertex.chat.completions.create(
                model="gemini-2.5-flash", **body
            )
        for send in clients.values():  # warm up: connections, token, caches
            per_request_cpu(send, 20)
        samples: dict[str, list[float]] = {name: [] for name in clients}
        for _ in range(rounds):
            for name, send in clients.items():
                samples[name].append(per_request_cpu(send, requests))
        return {name: statistics.median(values) for name, values in samples.items()}
    finally:
        server.communicate("")


def import_times(runs: int) -> dict[str, float]:
    """Median wall time of a fresh interpreter importing each client class; runs alternate."""
    statements = {"openai": "from openai import OpenAI", "openai_vertex": "from openai_vertex import OpenAI"}
    # As installed packages run: with their bytecode cached (some sandboxes set PYTHONDONTWRITEBYTECODE,
    # which would make every run recompile openai-vertex's sources and measure the compiler).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for statement in statements.values():
        subprocess.run([sys.executable, "-c", statement], check=True, env=env)  # noqa: S603
    times: dict[str, list[float]] = {name: [] for name in statements}
    for _ in range(runs):
        for name, statement in statements.items():
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", statement], check=True, env=env)  # noqa: S603
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--import-runs", type=int, default=15)
    args = parser.parse_args()

    import openai

    cpu = bench_requests(args.requests, args.rounds)
    imports = import_times(args.import_runs)
    import_openai, import_vertex = imports["openai"], imports["openai_vertex"]
    result: dict[str, object] = {"openai_version": openai.__version__}
    for case in ("text", "schema_tools"):
        plain_cpu, vertex_cpu = cpu[f"{case}:openai"], cpu[f"{case}:openai_vertex"]
        result[f"{case}_cpu_us_per_request_openai"] = round(plain_cpu * 1e6, 1)
        result[f"{case}_cpu_us_per_request_openai_vertex"] = round(vertex_cpu * 1e6, 1)
        result[f"{case}_cpu_ratio"] = round(vertex_cpu / plain_cpu, 3)
    result.update(
        cpu_ratio_target=1.10,
        import_ms_openai=round(import_openai * 1e3, 1),
        import_ms_openai_vertex=round(import_vertex * 1e3, 1),
        import_ms_added=round((import_vertex - import_openai) * 1e3, 1),
        import_ms_added_target=50,
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
