"""A fast OpenAI-compatible Chat Completions stub on 127.0.0.1, for benchmarks (standard library only).

Every ``POST .../chat/completions`` gets the same small completion; with ``"stream": true`` it gets a
pre-built stream of ``--chunks`` chunks: text deltas, then tool-call deltas shaped as Vertex sends
them (``id`` and ``name`` repeated in every delta, a call's first delta indexed k+1 and its later ones
k, ``finish_reason`` "stop" after tool calls), so openai-vertex's stream repair has work to do.
HTTP/1.1 keep-alive, asyncio, one process: prints its base URL, serves until stdin closes.

    python bench/compare/stub.py [--chunks 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

HEAD = {"id": "chatcmpl-bench", "created": 1700000000, "model": "google/gemini-2.5-flash"}
COMPLETION = {
    **HEAD,
    "object": "chat.completion",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "Hello there."}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
}
CALLS = 4  # tool calls in the stream, each split over many deltas


def stream_deltas(chunks: int) -> list[dict[str, object]]:
    """``chunks`` deltas: half text, half tool-call argument pieces in Vertex's shape."""
    text = chunks // 2
    deltas: list[dict[str, object]] = [{"content": f"word{i} "} for i in range(text)]
    per_call = (chunks - text) // CALLS
    for k in range(CALLS):
        for j in range(per_call):
            piece = '{"q": "' if j == 0 else ('x"}' if j == per_call - 1 else "x")
            call = {"index": k + 1 if j == 0 else k, "id": f"call_{k}", "type": "function"}
            call["function"] = {"name": f"tool_{k}", "arguments": piece}
            deltas.append({"tool_calls": [call]})
    deltas += [{"content": ""}] * (chunks - len(deltas))
    deltas[0] = {"role": "assistant", **deltas[0]}
    return deltas


def stream_body(chunks: int) -> bytes:
    """The whole chunked-encoded SSE body, one HTTP chunk per event."""
    out = []
    deltas = stream_deltas(chunks)
    for i, delta in enumerate(deltas):
        choice: dict[str, object] = {"index": 0, "delta": delta}
        if i == len(deltas) - 1:
            choice["finish_reason"] = "stop"
        chunk = {**HEAD, "object": "chat.completion.chunk", "choices": [choice]}
        out.append(b"data: " + json.dumps(chunk).encode())
    out.append(b"data: [DONE]")
    return b"".join(b"%x\r\n%s\n\n\r\n" % (len(e) + 2, e) for e in out) + b"0\r\n\r\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunks", type=int, default=2000)
    args = parser.parse_args()
    body = json.dumps(COMPLETION).encode()
    reply = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
        len(body),
        body,
    )
    streamed = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        + stream_body(args.chunks)
    )

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.lower().split(b"\r\n"):
                    if line.startswith(b"content-length:"):
                        length = int(line[15:])
                payload = await reader.readexactly(length) if length else b""
                wants_stream = b'"stream"' in payload and json.loads(payload).get("stream") is True
                writer.write(streamed if wants_stream else reply)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def run() -> None:
        server = await asyncio.start_server(serve, "127.0.0.1", 0, backlog=1024)
        port = server.sockets[0].getsockname()[1]
        print(f"http://127.0.0.1:{port}/v1", flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
        server.close()

    asyncio.run(run())


if __name__ == "__main__":
    main()
