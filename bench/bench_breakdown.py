"""Where openai-vertex's per-request client CPU goes, stage by stage, in one process.

`scripts/bench` compares whole processes; this splits one call into the parts the README names:

- ``call``: client CPU per sync ``chat.completions.create`` on the bench stub (``compare/stub.py``, its
  own process), in alternating rounds: the plain openai client with the Vertex body written by hand
  (what `scripts/bench` compares against), the plain client with the OpenAI-shaped body (the same SDK
  work as ours, so the difference is our hooks alone), and openai-vertex with the OpenAI-shaped body;
- ``sdk transform``: the SDK's own ``maybe_transform`` of each body, which runs in the resource method
  before any hook of ours;
- ``ours``: each hook on its own: request translation (warm), the token and origin pin on a built
  request, and the reply repair of a completion.

Each figure is the best of ``--rounds`` alternating rounds (calls: ``--calls`` per round; stages: 300
repeats per round): as ``timeit`` advises, on a shared machine the slower rounds measure other jobs.

    python bench/bench_breakdown.py [--calls 300] [--rounds 9]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_translate import with_tools  # noqa: E402

REPEATS = 300


def per_call_us(run: Callable[[], object], repeats: int) -> float:
    cpu = time.process_time()
    for _ in range(repeats):
        run()
    return (time.process_time() - cpu) / repeats * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()

    import openai
    from openai._utils import maybe_transform
    from openai.types.chat import completion_create_params

    import openai_vertex
    from openai_vertex._auth import prepare_request
    from openai_vertex._normalize import normalize_completion
    from openai_vertex._translate.chat import translate_chat_body

    stub = subprocess.Popen(  # noqa: S603
        [sys.executable, str(HERE / "compare" / "stub.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # it reports the connections cut when it stops
        text=True,
    )
    try:
        assert stub.stdout is not None
        base_url = stub.stdout.readline().strip()
        plain = openai.OpenAI(api_key="bench-key", base_url=base_url)
        ours = openai_vertex.OpenAI(base_url=base_url, token_provider=lambda: "bench-token")
        settings, source = ours._vertex.settings, ours._vertex.source  # the client's own
        cases = {
            "text": {"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "hello"}]},
            "schema_tools": {**with_tools(), "model": "gemini-2.5-flash"},
        }
        vertex_bodies = {case: translate_chat_body(body, settings).body for case, body in cases.items()}
        params = completion_create_params.CompletionCreateParamsNonStreaming
        request = ours._client.build_request("POST", f"{base_url}/chat/completions", json={})
        completion = json.loads(b'{"id":"x","object":"chat.completion","created":1,"model":"m","choices":'
                                b'[{"index":0,"message":{"role":"assistant","content":"Hello there."},'
                                b'"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2,'
                                b'"total_tokens":3}}')  # fmt: skip

        def pin() -> None:
            request.headers.pop("authorization", None)  # as the SDK built it: no token yet (~1 µs)
            prepare_request(request, settings, source)

        def stages(case: str) -> dict[str, Callable[[], object]]:
            body, vertex_body = cases[case], vertex_bodies[case]
            return {
                "call: plain, Vertex body": lambda: plain.chat.completions.create(**vertex_body),
                "call: plain, OpenAI body": lambda: plain.chat.completions.create(**body),
                "call: openai-vertex": lambda: ours.chat.completions.create(**body),
                "sdk transform: Vertex body": lambda: maybe_transform(vertex_body, params),
                "sdk transform: OpenAI body": lambda: maybe_transform(body, params),
                "ours: translation (warm)": lambda: translate_chat_body(body, settings),
                "ours: token and origin pin": pin,
                "ours: reply repair": lambda: normalize_completion(completion),
            }

        results: dict[str, dict[str, float]] = {}
        for case in cases:
            runs = stages(case)
            for run in runs.values():  # warm: connections, schema memo, the SDK's type caches
                run()
            samples: dict[str, list[float]] = {name: [] for name in runs}
            for _ in range(args.rounds):
                for name, run in runs.items():
                    samples[name].append(per_call_us(run, args.calls if name.startswith("call") else REPEATS))
            results[case] = {name: round(min(values), 1) for name, values in samples.items()}
            calls = results[case]
            calls["ratio vs plain, Vertex body"] = round(
                calls["call: openai-vertex"] / calls["call: plain, Vertex body"], 3
            )
            calls["ratio vs plain, OpenAI body"] = round(
                calls["call: openai-vertex"] / calls["call: plain, OpenAI body"], 3
            )
    finally:
        stub.communicate("")
    print(
        json.dumps(
            {"openai": openai.__version__, "calls": args.calls, "rounds": args.rounds, **results}, indent=2
        )
    )


if __name__ == "__main__":
    main()
