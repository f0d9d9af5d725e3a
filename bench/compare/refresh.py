"""Token refresh under load: many threads, then many asyncio tasks, on one expired credential.

The fake Google token endpoint (`openai_vertex.testing.FakeGoogleAuth`, real google-auth code path:
a service-account key whose ``token_uri`` points at it) runs in a process of its own and answers
after ``--delay`` seconds. The chat requests go to the stub at BASE_URL. Reported: token requests
the endpoint received per phase (single-flight means 1), and the event loop's worst stall, seen by
a ticker task that sleeps 1 ms at a time: over the refresh itself (from the refresh's start to the
token's arrival), over the whole burst, and over the same burst with a valid token (the control:
what 1,000 tasks cost the loop without any refresh). A stall is counted without the time the
garbage collector spent inside it: with 1,000 requests in flight a full collection pauses the loop
for 100 ms or more whoever refreshes the token, so it is reported on its own (`gc.callbacks`).

    python bench/compare/refresh.py BASE_URL [--threads 100] [--tasks 1000] [--delay 0.3]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import gc
import json
import subprocess
import sys
import threading
import time
from typing import Any

SERVER = """
import pathlib, sys, tempfile
from openai_vertex.testing import FakeGoogleAuth
with tempfile.TemporaryDirectory() as tmp, FakeGoogleAuth(delay=float(sys.argv[1])) as auth:
    print(auth.write_service_account_file(pathlib.Path(tmp)), flush=True)
    for _ in sys.stdin:
        print(auth.token_requests, flush=True)
"""
BODY: dict[str, Any] = {"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "hello"}]}
TICK = 0.001


class TokenServer:
    def __init__(self, delay: float) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", SERVER, str(delay)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.key_file = self.process.stdout.readline().strip()

    def token_requests(self) -> int:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("count\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())

    def close(self) -> None:
        self.process.communicate("")


def expire(credentials: Any) -> None:
    credentials.expiry = credentials.expiry - datetime.timedelta(hours=2)


def threads_phase(client: Any, count: int) -> float:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def one() -> None:
        barrier.wait()
        try:
            client.chat.completions.create(**BODY)
        except BaseException as exc:
            errors.append(exc)

    start = time.perf_counter()
    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - start


async def tasks_phase(client: Any, count: int) -> tuple[list[tuple[float, float]], list[float]]:
    """Start ``count`` requests, one per loop iteration (a steady arrival, so that starting them is
    not itself one long stall); returns the ticker's (start, end) gaps and each task's start time."""
    gaps: list[tuple[float, float]] = []
    starts: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(TICK)
            now = time.perf_counter()
            gaps.append((last, now))
            last = now

    async def one() -> None:
        starts.append(time.perf_counter())
        await client.chat.completions.create(**BODY)

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0.05)  # the ticker settles
    tasks = []
    for _ in range(count):
        tasks.append(asyncio.create_task(one()))
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    done.set()
    await ticking
    return gaps, starts


class GcPauses:
    """The garbage collector's pauses, as (start, end) perf_counter pairs, while installed."""

    def __init__(self) -> None:
        self.pauses: list[tuple[float, float]] = []
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.pauses.append((self._start, time.perf_counter()))

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)

    def within(self, a: float, b: float) -> float:
        """Seconds of collection inside the interval (a, b)."""
        return sum(max(0.0, min(b, end) - max(a, start)) for start, end in self.pauses)


def worst_ms(gaps: list[tuple[float, float]], gc_pauses: GcPauses | None = None) -> float:
    """The longest gap beyond the tick, in ms; with ``gc_pauses``, less the collector's time in it."""

    def stall(a: float, b: float) -> float:
        return b - a - TICK - (gc_pauses.within(a, b) if gc_pauses is not None else 0.0)

    return round(max((stall(a, b) for a, b in gaps), default=0.0) * 1e3, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("base_url")
    parser.add_argument("--threads", type=int, default=100)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=0.3)
    args = parser.parse_args()

    from google.auth.transport.requests import Request
    from google.oauth2 import service_account

    import openai_vertex

    server = TokenServer(args.delay)
    try:
        credentials = service_account.Credentials.from_service_account_file(
            server.key_file, scopes=["https://www.googleapis.com/auth/cloud-platform"]
        )
        refreshes: list[tuple[float, float]] = []
        refresh = credentials.refresh

        def timed_refresh(request: Any) -> None:
            start = time.perf_counter()
            refresh(request)
            refreshes.append((start, time.perf_counter()))

        credentials.refresh = timed_refresh
        refresh(Request())  # a real token, then expired: what a long-running process holds
        result: dict[str, Any] = {"delay_s": args.delay, "threads": args.threads, "tasks": args.tasks}

        expire(credentials)
        client = openai_vertex.OpenAI(base_url=args.base_url, credentials=credentials)
        before = server.token_requests()
        result["threads_wall_s"] = round(threads_phase(client, args.threads), 3)
        result["threads_token_requests"] = server.token_requests() - before

        aclient = openai_vertex.AsyncOpenAI(base_url=args.base_url, credentials=credentials)
        loop = asyncio.new_event_loop()
        loop.run_until_complete(tasks_phase(aclient, 10))  # warm: connections, imports
        expire(credentials)
        before, refreshes[:] = server.token_requests(), []
        with GcPauses() as collected:
            gaps, starts = loop.run_until_complete(tasks_phase(aclient, args.tasks))
        result["tasks_token_requests"] = server.token_requests() - before
        begin, end = refreshes[0]
        result["tasks_waiting_on_refresh"] = sum(begin <= t < end for t in starts)
        # While the token is being fetched (the loop must stay free), then as the token arrives
        # (every waiting task resumes in the same loop iteration), then without any refresh.
        during = [g for g in gaps if begin <= g[1] <= end]
        result["tasks_worst_stall_ms_during_refresh"] = worst_ms(during, collected)
        result["tasks_worst_stall_ms_during_refresh_with_gc"] = worst_ms(during)
        result["tasks_worst_gc_pause_ms"] = round(
            max((b - a for a, b in collected.pauses), default=0) * 1e3, 2
        )
        result["tasks_worst_stall_ms_token_arrival"] = worst_ms(
            [g for g in gaps if g[0] < end < g[1]], collected
        )
        result["tasks_worst_stall_ms_overall"] = worst_ms(gaps, collected)
        with GcPauses() as control_collected:  # the token is valid now
            control, _ = loop.run_until_complete(tasks_phase(aclient, args.tasks))
        result["tasks_worst_stall_ms_no_refresh"] = worst_ms(control, control_collected)
        loop.close()
    finally:
        server.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
