"""Soak: many sync threads and async tasks through one client while tokens keep expiring (issue 11).

Tokens "expire" on the fake token server's side every ``--expire-every`` seconds (revoked), so each
expiry costs exactly one forced 401 round: Vertex refuses the old token, one refresh is shared by
everyone who saw the 401, each of them re-sends once. Pass criteria: zero failed requests, token
requests within one of 1 + the number of expiries, and no thread or task left behind.

    python bench/soak.py                      # the full run: 8 threads x 500 sync + 1,000 async tasks
    python bench/soak.py --threads 4 --per-thread 25 --tasks 100 --expire-every 0.3   # the CI size
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from openai_vertex import AsyncOpenAI, OpenAI
from openai_vertex.testing import FakeGoogleAuth, FakeVertex

MESSAGES: Any = [{"role": "user", "content": "hello"}]
MODEL = "gemini-2.5-flash"


@dataclass
class SoakResult:
    requests: int
    failures: int
    expiries: int
    token_requests: int
    seconds: float
    leftover_threads: list[str]
    leftover_tasks: int
    first_errors: list[str]

    @property
    def passed(self) -> bool:
        # Each expiry costs one refresh; a refresh may land just before or after the last expiry.
        return (
            self.failures == 0
            and abs(self.token_requests - (1 + self.expiries)) <= 1
            and not self.leftover_threads
            and self.leftover_tasks == 0
        )


def soak(threads: int, per_thread: int, tasks: int, expire_every: float, concurrency: int = 64) -> SoakResult:
    before = set(threading.enumerate())
    failures = 0
    expiries = 0
    errors: list[str] = []
    stop = threading.Event()
    start = time.monotonic()
    with FakeGoogleAuth() as google_auth, FakeVertex(auth=google_auth, project="fake-project") as vertex:
        credentials = google_auth.credentials()

        def expire() -> None:
            # Each token lives `expire_every` seconds from its issue (as a real lifetime would), so a
            # token is never revoked between a refresh and the retry that uses it.
            nonlocal expiries
            issued = google_auth.tokens_issued
            while not stop.wait(expire_every):
                google_auth.revoke_all()
                expiries += 1
                while not stop.wait(0.01) and google_auth.tokens_issued == issued:
                    pass  # the next token is only fetched when a request meets the expiry
                issued = google_auth.tokens_issued

        expirer = threading.Thread(target=expire, name="soak-expirer", daemon=True)
        sync_client = OpenAI(base_url=vertex.base_url, credentials=credentials, max_retries=0, timeout=30)
        # One warm-up request so the first refresh is not counted against an expiry.
        sync_client.chat.completions.create(model=MODEL, messages=MESSAGES)
        expirer.start()

        def worker(_: int) -> int:
            failed = 0
            for _ in range(per_thread):
                try:
                    reply = sync_client.chat.completions.create(model=MODEL, messages=MESSAGES)
                    failed += reply.choices[0].message.content != "Echo: hello"
                except Exception as exc:
                    errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
                    failed += 1
            return failed

        with ThreadPoolExecutor(threads) as pool:
            failures += sum(pool.map(worker, range(threads)))

        async def run_tasks() -> tuple[int, int]:
            client = AsyncOpenAI(base_url=vertex.base_url, credentials=credentials, max_retries=0, timeout=30)
            gate = asyncio.Semaphore(concurrency)

            async def one() -> int:
                async with gate:
                    try:
                        reply = await client.chat.completions.create(model=MODEL, messages=MESSAGES)
                        return int(reply.choices[0].message.content != "Echo: hello")
                    except Exception as exc:
                        errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
                        return 1

            failed = sum(await asyncio.gather(*(one() for _ in range(tasks))))
            await client.close()
            leftover = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            return failed, len(leftover)

        failed, leftover_tasks = asyncio.run(run_tasks())
        failures += failed
        stop.set()
        expirer.join(5)
        sync_client.close()
        token_requests = google_auth.token_requests
    seconds = time.monotonic() - start
    left = _leftover_threads(before)
    return SoakResult(
        requests=1 + threads * per_thread + tasks,
        failures=failures,
        expiries=expiries,
        token_requests=token_requests,
        seconds=round(seconds, 2),
        leftover_threads=left,
        leftover_tasks=leftover_tasks,
        first_errors=sorted(set(errors))[:5],
    )


def _leftover_threads(before: set[threading.Thread], grace: float = 2.0) -> list[str]:
    """Threads started since ``before`` still alive after ``grace`` s (the fakes' handlers end on close)."""
    deadline = time.monotonic() + grace
    while True:
        left = [t for t in set(threading.enumerate()) - before if t.is_alive()]
        if not left or time.monotonic() > deadline:
            return sorted(t.name for t in left)
        time.sleep(0.05)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--per-thread", type=int, default=500)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--expire-every", type=float, default=2.0, help="seconds between token expiries")
    args = parser.parse_args()
    result = soak(args.threads, args.per_thread, args.tasks, args.expire_every)
    print(json.dumps({**asdict(result), "passed": result.passed}, indent=2))
    return 0 if result.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
