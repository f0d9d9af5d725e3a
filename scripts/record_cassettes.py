"""Record the cassettes under cassettes/ from the bundled fake endpoint.

The fake speaks the documented Vertex shapes (a completion, a stream, a list-shaped error); the
recording is made through openai_vertex.testing.vcr_config, so tokens and project ids are scrubbed,
and the loopback address is rewritten to Vertex's real global host so replays look like Vertex.
Token-server traffic is not recorded at all.

    .venv/bin/python scripts/record_cassettes.py
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import openai
import vcr

from openai_vertex import OpenAI
from openai_vertex.testing import FakeGoogleAuth, FakeVertex, find_secrets, vcr_config

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes"
VERTEX_ROOT = "https://aiplatform.googleapis.com"
PROJECT = "recording-project-123"
MESSAGES = [{"role": "user", "content": "Say hello to Vertex in five words."}]


def recorder(auth: FakeGoogleAuth, vertex: FakeVertex) -> vcr.VCR:
    config = vcr_config(project_ids=[PROJECT])
    scrub_request = config["before_record_request"]

    def before_record_request(request: Any) -> Any:
        if request.uri.startswith(auth.url):
            return None  # token traffic stays out of cassettes
        request.uri = request.uri.replace(vertex.url, VERTEX_ROOT)
        request.headers["host"] = VERTEX_ROOT.removeprefix("https://")
        return scrub_request(request)

    config.update(before_record_request=before_record_request, record_mode="all")
    return vcr.VCR(**config)


def main() -> None:
    CASSETTES.mkdir(exist_ok=True)
    with (
        FakeGoogleAuth(project_id=PROJECT) as auth,
        FakeVertex(auth=auth, project=PROJECT) as vertex,
    ):
        client = OpenAI(base_url=vertex.base_url, credentials=auth.credentials(), max_retries=0)
        recording = recorder(auth, vertex)
        with recording.use_cassette(str(CASSETTES / "chat_completion.yaml")):
            client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
        with recording.use_cassette(str(CASSETTES / "chat_completion_stream.yaml")):
            for _ in client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES, stream=True):
                pass
        vertex.fail_next(status=400)
        with (
            recording.use_cassette(str(CASSETTES / "error_list_shaped.yaml")),
            contextlib.suppress(openai.BadRequestError),
        ):
            client.chat.completions.create(model="gemini-2.5-flash", messages=MESSAGES)
    for path in sorted(CASSETTES.glob("*.yaml")):
        found = find_secrets(path.read_text())
        print(f"{path.name}: {'secrets: ' + ', '.join(found) if found else 'clean'}")


if __name__ == "__main__":
    main()
