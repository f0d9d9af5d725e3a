"""One benchmark contender in its own process, driven by `run.py` through JSON lines on stdin/stdout.

    python bench/compare/worker.py {openai|openai_vertex|litellm} BASE_URL

Runs in whichever venv has the contender (LiteLLM has one of its own). Each command is one JSON
object per line; each answer too. Commands: ``setup`` (the request bodies by case), ``run`` (case,
mode, concurrency, requests -> client CPU and wall seconds), ``stream`` (mode -> time to first chunk,
chunks and chunks per second), ``memory`` (counts -> RSS after each), ``versions``.
CPU is ``time.process_time()``: this process's every thread, and nothing of the stub's.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import platform
import sys
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

Body = dict[str, Any]


def clients(contender: str, base_url: str) -> tuple[Callable[..., Any], Callable[..., Awaitable[Any]]]:
    """(sync create, async create) for the contender; both take the request body as keywords."""
    if contender == "openai":
        import openai

        plain, aplain = (
            openai.OpenAI(api_key="bench-key", base_url=base_url),
            openai.AsyncOpenAI(api_key="bench-key", base_url=base_url),
        )
        return plain.chat.completions.create, aplain.chat.completions.create
    if contender == "openai_vertex":
        import openai_vertex

        async def atoken() -> str:
            return "bench-token"

        ours = openai_vertex.OpenAI(base_url=base_url, token_provider=lambda: "bench-token")
        aours = openai_vertex.AsyncOpenAI(base_url=base_url, token_provider=atoken)
        return ours.chat.completions.create, aours.chat.completions.create
    if contender == "litellm":
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no fetch at import
        import litellm

        litellm.telemetry = False
        litellm.suppress_debug_info = True
        route = {"api_base": base_url, "api_key": "bench-key"}
        return (
            lambda **body: litellm.completion(**route, **body),
            lambda **body: litellm.acompletion(**route, **body),
        )
    raise SystemExit(f"unknown contender {contender!r}")


class Worker:
    def __init__(self, contender: str, base_url: str) -> None:
        self.contender = contender
        self.loop = asyncio.new_event_loop()
        self.create, self.acreate = clients(contender, base_url)
        self.bodies: dict[str, Body] = {}

    def setup(self, bodies: dict[str, Body]) -> dict[str, Any]:
        self.bodies = bodies
        return {}

    def run(self, case: str, mode: str, concurrency: int, requests: int) -> dict[str, Any]:
        body = self.bodies[case]
        cpu, wall = time.process_time(), time.perf_counter()
        if mode == "async":
            self.loop.run_until_complete(self._arun(body, concurrency, requests))
        elif concurrency == 1:
            for _ in range(requests):
                self.create(**body)
        else:
            with ThreadPoolExecutor(concurrency) as pool:
                for future in [pool.submit(lambda: self.create(**body)) for _ in range(requests)]:
                    future.result()
        return {"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall}

    async def _arun(self, body: Body, concurrency: int, requests: int) -> None:
        left = [requests]

        async def one_lane() -> None:
            while left[0] > 0:
                left[0] -= 1
                await self.acreate(**body)

        await asyncio.gather(*(one_lane() for _ in range(concurrency)))

    def stream(self, mode: str) -> dict[str, Any]:
        body = {**self.bodies["text"], "stream": True}
        cpu = time.process_time()
        start = time.perf_counter()
        if mode == "async":
            first, end, chunks = self.loop.run_until_complete(self._astream(body))
        else:
            first, chunks = 0.0, 0
            for _ in self.create(**body):
                chunks += 1
                if chunks == 1:
                    first = time.perf_counter()
            end = time.perf_counter()
        cpu = time.process_time() - cpu
        return {
            "first_chunk": first - start,
            "chunks": chunks,
            "chunks_per_s": (chunks - 1) / (end - first),
            "cpu_per_chunk": cpu / chunks,
        }

    async def _astream(self, body: Body) -> tuple[float, float, int]:
        first, chunks = 0.0, 0
        async for _ in await self.acreate(**body):
            chunks += 1
            if chunks == 1:
                first = time.perf_counter()
        return first, time.perf_counter(), chunks

    def memory(self, counts: list[int]) -> dict[str, Any]:
        """RSS after each cumulative count of sync requests, the cases taken in turn."""
        cases = list(self.bodies)
        done, rss = 0, []
        for count in counts:
            while done < count:
                self.create(**self.bodies[cases[done % len(cases)]])
                done += 1
            gc.collect()
            rss.append(rss_bytes())
        return {"rss": rss}

    def versions(self) -> dict[str, Any]:
        from importlib.metadata import PackageNotFoundError, version

        found = {"python": platform.python_version()}
        package = "litellm" if self.contender == "litellm" else "openai-vertex"
        for name in ("openai", "httpx", "httpx2", package):
            with contextlib.suppress(PackageNotFoundError):
                found[name] = version(name)
        return found


def rss_bytes() -> int:
    """Resident set size now (Linux /proc; elsewhere the peak, which can only grow)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main() -> None:
    contender, base_url = sys.argv[1:3]
    worker = Worker(contender, base_url)
    out = sys.stdout
    sys.stdout = sys.stderr  # anything a library prints stays off the answer channel
    out.write('{"ready": true}\n')
    out.flush()
    for line in sys.stdin:
        command = json.loads(line)
        answer = getattr(worker, command.pop("op"))(**command)
        out.write(json.dumps(answer) + "\n")
        out.flush()
    worker.loop.run_until_complete(worker.loop.shutdown_asyncgens())


if __name__ == "__main__":
    main()
