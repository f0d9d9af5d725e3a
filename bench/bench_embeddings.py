"""1,000 texts through ``embeddings.create`` (sync and async) vs the same batches sent by hand.

The fake Vertex and token server run in a separate process, so ``time.process_time()`` here counts
the client's work only. "By hand" is what a user without this package writes: ``requests`` posting
the same ``:predict`` bodies (the same batches) with a Google token, with the same 8-thread
concurrency (and, for batched models, sequentially), parsing the vectors out of the JSON. Rounds
alternate between contenders; medians are reported, per model (gemini-embedding-001: 1,000
requests; text-embedding-005: 4).

    python bench/bench_embeddings.py [--texts 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

SERVER = """
import sys, tempfile, pathlib
from openai_vertex.testing import FakeGoogleAuth, FakeVertex
with tempfile.TemporaryDirectory() as tmp, FakeGoogleAuth() as auth, FakeVertex(location="us-central1") as v:
    key = auth.write_service_account_file(pathlib.Path(tmp))
    print(v.base_url, key, flush=True)
    sys.stdin.read()
"""
DIMENSIONS = 768
MODELS = {"gemini-embedding-001": 1, "text-embedding-005": 250}  # texts per request (documented)


def measure(run: Callable[[], object]) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    run()
    return time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import google.auth.transport.requests
    import openai
    import requests
    from google.oauth2 import service_account

    import openai_vertex

    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        base_url, key_file = server.stdout.readline().split()
        scopes = ["https://www.googleapis.com/auth/cloud-platform"]
        credentials = service_account.Credentials.from_service_account_file(key_file, scopes=scopes)
        credentials.refresh(google.auth.transport.requests.Request())
        client = openai_vertex.OpenAI(
            base_url=base_url, credentials=credentials, vertex_location="us-central1"
        )
        loop = asyncio.new_event_loop()  # one loop for every async round, as in a server
        aclient = openai_vertex.AsyncOpenAI(
            base_url=base_url, credentials=credentials, vertex_location="us-central1"
        )
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {credentials.token}"
        texts = [f"document number {i} about embeddings" for i in range(args.texts)]
        root = base_url.removesuffix("/endpoints/openapi")

        contenders: dict[str, Callable[[], object]] = {}
        for model, per_request in MODELS.items():
            url = f"{root}/publishers/google/models/{model}:predict"
            bodies = [
                {
                    "instances": [{"content": t} for t in texts[i : i + per_request]],
                    "parameters": {"outputDimensionality": DIMENSIONS},
                }
                for i in range(0, len(texts), per_request)
            ]

            def post(body: dict[str, Any], url: str = url) -> list[list[float]]:
                reply = session.post(url, json=body, timeout=60)
                reply.raise_for_status()
                return [p["embeddings"]["values"] for p in reply.json()["predictions"]]

            def by_hand(bodies: list[dict[str, Any]] = bodies, post: Any = post) -> object:
                return [v for body in bodies for v in post(body)]

            def by_hand_threads(bodies: list[dict[str, Any]] = bodies, post: Any = post) -> object:
                with ThreadPoolExecutor(8) as pool:
                    return [v for vectors in pool.map(post, bodies) for v in vectors]

            def ours(model: str = model) -> object:
                return client.embeddings.create(model=model, input=texts, dimensions=DIMENSIONS)

            def ours_async(model: str = model) -> object:
                call = aclient.embeddings.create(model=model, input=texts, dimensions=DIMENSIONS)
                return loop.run_until_complete(call)

            if per_request > 1:  # one request after another: 1,000 of them would only measure latency
                contenders[f"{model}:requests"] = by_hand
            contenders[f"{model}:requests_8_threads"] = by_hand_threads
            contenders[f"{model}:openai_vertex_sync"] = ours
            contenders[f"{model}:openai_vertex_async"] = ours_async
        for run in contenders.values():  # warm up: connections, token, caches
            run()
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in contenders}
        for _ in range(args.rounds):
            for name, run in contenders.items():
                samples[name].append(measure(run))
    finally:
        server.communicate("")
        loop.run_until_complete(aclient.close())
        loop.close()

    result: dict[str, Any] = {"openai_version": openai.__version__, "texts": args.texts}
    for name, values in samples.items():
        cpu = statistics.median(v[0] for v in values)
        wall = statistics.median(v[1] for v in values)
        result[name] = {"cpu_us_per_text": round(cpu / args.texts * 1e6, 1), "wall_s": round(wall, 3)}
    for model in MODELS:
        base = result[f"{model}:requests_8_threads"]
        for kind in ("sync", "async"):
            ours_row = result[f"{model}:openai_vertex_{kind}"]
            ours_row["cpu_ratio_vs_requests_8_threads"] = round(
                ours_row["cpu_us_per_text"] / base["cpu_us_per_text"], 2
            )
            ours_row["wall_ratio_vs_requests_8_threads"] = round(ours_row["wall_s"] / base["wall_s"], 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
