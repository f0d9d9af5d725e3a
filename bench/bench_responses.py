"""``client.responses.create`` through openai-vertex (translated to chat) vs the plain openai client's
``responses.create``, both against one local stub: the plain client gets Responses bodies from it, and
openai-vertex gets the Vertex chat bodies those were made from (its ``/chat/completions``).

The stub runs in a separate process, so ``time.process_time()`` here counts the client's work only;
both contenders read from the same server, with the same pacing (one HTTP chunk per SSE event), so
streamed events per second compare the clients, not the servers. The bodies come from FakeVertex's
reply generator, and the Responses ones from the package's own reply/event translation of them, so
both clients parse the same ``Response`` and the same number of stream events. Rounds alternate
between contenders; medians are reported with ratios vs the plain client (targets: CPU per call at
most 1.25x, streamed events per second at least 0.9x). ``stream:chat_chunks`` is the same stream as
chat chunks through openai-vertex's chat client, for scale.

    python bench/bench_responses.py [--calls 200] [--words 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

SERVER = """
import json, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from openai_vertex._responses.events import EventStream
from openai_vertex._responses.reply import response_from_completion
from openai_vertex._responses.request import _echo
from openai_vertex.testing._vertex_replies import IdSource, completion, plan_reply, stream_events

WORDS = int(sys.argv[1])
# What a Response repeats of the request, as openai-vertex builds it for the call measured: OpenAI's own
# responses carry all of these fields too, so both clients parse the same, full Response.
ECHO = _echo({"model": "gemini-2.5-flash", "input": "hello there", "store": False})
def body(text):
    return {"model": "google/gemini-2.5-flash", "messages": [{"role": "user", "content": text}]}
ids = IdSource()
short = body("hello there")
CHAT = completion(short, plan_reply(short, ids), ids)
long = body(" ".join(["word"] * WORDS))
CHUNKS = stream_events(long, plan_reply(long, ids), ids, quirks=False)  # ends with data: [DONE]
events = EventStream(ECHO)
out = events.start()
for raw in CHUNKS[:-1]:
    out += events.chunk(json.loads(raw[len(b"data: "):]))
out += events.finish()

def compact(value):  # as openai-vertex writes its bodies
    return json.dumps(value, separators=(",", ":")).encode()

RESPONSE_SSE = [b"event: %s\\ndata: %s\\n\\n" % (e["type"].encode(), compact(e)) for e in out]
CHAT_SSE = [c if c.endswith(b"\\n\\n") else c + b"\\n\\n" for c in CHUNKS]
ANSWERS = {  # path suffix -> (JSON body, SSE events)
    "/responses": (compact(response_from_completion(CHAT, ECHO)), RESPONSE_SSE),
    "/chat/completions": (json.dumps(CHAT).encode(), CHAT_SSE),
}

class Stub(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else headers and body go as two segments, and each call waits ~40 ms
    def log_message(self, *args):
        pass
    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["content-length"])))
        answer, sse = next(v for k, v in ANSWERS.items() if self.path.endswith(k))
        self.send_response(200)
        if not request.get("stream"):
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
            return
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        for event in sse:  # one HTTP chunk per event, flushed, for both contenders
            self.wfile.write(b"%X\\r\\n%s\\r\\n" % (len(event), event))
            self.wfile.flush()
        self.wfile.write(b"0\\r\\n\\r\\n")

stub = ThreadingHTTPServer(("127.0.0.1", 0), Stub)
threading.Thread(target=stub.serve_forever, daemon=True).start()
root = f"http://127.0.0.1:{stub.server_address[1]}"
print(f"{root}/v1/projects/bench/locations/global/endpoints/openapi", f"{root}/v1", len(out), flush=True)
sys.stdin.read()
"""


def measure(run: Callable[[], object]) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    run()
    return time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--words", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import openai

    import openai_vertex

    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", SERVER, str(args.words)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        base_url, stub_url, stream_events = server.stdout.readline().split()
        # The stub checks no token: a fixed one keeps google-auth's refresh out of the numbers.
        ours = openai_vertex.OpenAI(base_url=base_url, token_provider=lambda: "bench-token")
        plain = openai.OpenAI(base_url=stub_url, api_key="sk-bench-not-a-key")
        long_input = " ".join(["word"] * args.words)

        def calls(client: Any) -> Callable[[], object]:
            def run() -> object:
                for _ in range(args.calls):
                    client.responses.create(model="gemini-2.5-flash", input="hello there", store=False)
                return None

            return run

        def stream(client: Any) -> Callable[[], object]:
            def run() -> object:
                events = client.responses.create(
                    model="gemini-2.5-flash", input=long_input, stream=True, store=False
                )
                count = sum(1 for _ in events)
                assert count == int(stream_events), (count, stream_events)
                return None

            return run

        def chat_stream() -> object:
            # The same stream as chat chunks through openai-vertex's chat client, for scale.
            messages: Any = [{"role": "user", "content": long_input}]
            for _ in ours.chat.completions.create(model="gemini-2.5-flash", messages=messages, stream=True):
                pass
            return None

        contenders = {
            "create:plain_openai": calls(plain),
            "create:openai_vertex": calls(ours),
            "stream:plain_openai": stream(plain),
            "stream:openai_vertex": stream(ours),
            "stream:chat_chunks": chat_stream,
        }
        for run in contenders.values():  # warm up: connections, token, caches
            run()
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in contenders}
        for _ in range(args.rounds):
            for name, run in contenders.items():
                samples[name].append(measure(run))
    finally:
        server.communicate("")

    events = int(stream_events)
    result: dict[str, Any] = {"openai_version": openai.__version__, "calls": args.calls, "events": events}
    for name, values in samples.items():
        cpu = statistics.median(v[0] for v in values)
        wall = statistics.median(v[1] for v in values)
        if name.startswith("create:"):
            result[name] = {"cpu_us_per_call": round(cpu / args.calls * 1e6, 1), "wall_s": round(wall, 3)}
        else:
            result[name] = {"events_per_s": round(events / wall), "cpu_s": round(cpu, 4)}
    ours_cpu = result["create:openai_vertex"]["cpu_us_per_call"]
    result["create:openai_vertex"]["cpu_ratio_vs_plain"] = round(
        ours_cpu / result["create:plain_openai"]["cpu_us_per_call"], 2
    )
    result["stream:openai_vertex"]["events_per_s_ratio_vs_plain"] = round(
        result["stream:openai_vertex"]["events_per_s"] / result["stream:plain_openai"]["events_per_s"], 2
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
