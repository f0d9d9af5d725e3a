"""Every OpenAI API the installed SDK exposes is either served or refused before any request."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import openai
import pytest

from openai_vertex import AsyncOpenAI, OpenAI
from openai_vertex._served.refused import REFUSED, WEBSOCKETS
from openai_vertex.exceptions import TranslationError
from openai_vertex.testing import FakeGoogleAuth, FakeVertex

from .test_auth import sa_credentials

SERVED = {"chat", "embeddings", "models", "responses"}  # responses: translated by the _responses package
# A request path as the SDK's resources write it: self._post("/images/generations", ...) or
# self._get(path_template("/files/{file_id}", ...)).
_CALL = re.compile(
    r"self\._(?:get|post|put|patch|delete|get_api_list)\(\s*(?:path_template\(\s*)?f?\"/([a-z_]+)"
)


def sdk_api_segments() -> set[str]:
    resources = Path(openai.__file__).parent / "resources"
    found: set[str] = set()
    for source in resources.rglob("*.py"):
        found.update(_CALL.findall(source.read_text(encoding="utf-8")))
    return found


def test_every_sdk_resource_path_is_served_or_refused() -> None:
    segments = sdk_api_segments()
    assert {"chat", "embeddings", "images", "files"} <= segments  # the scan finds paths at all
    assert sorted(segments - SERVED - set(REFUSED)) == []


def sdk_websocket_resources() -> set[str]:
    """The client path of every SDK resource with a websocket ``connect`` (``realtime/realtime.py``
    -> ``realtime``, ``live/sideband.py`` -> ``live.sideband``)."""
    resources = Path(openai.__file__).parent / "resources"
    found: set[str] = set()
    for source in resources.rglob("*.py"):
        if re.search(r"^    def connect\(", source.read_text(encoding="utf-8"), re.MULTILINE):
            parts = source.relative_to(resources).with_suffix("").parts
            found.add(".".join(parts[:-1] if len(parts) > 1 and parts[-1] == parts[-2] else parts))
    return found


def test_every_sdk_websocket_connect_is_refused(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    # Websockets bypass every HTTP hook, so the request-path scan above cannot see them.
    found = sdk_websocket_resources()
    assert "beta.realtime" in found  # the scan works: every supported openai line has it
    assert sorted(found - set(WEBSOCKETS)) == []
    client = OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth))
    for path in found:
        with pytest.raises(TranslationError, match=r"does not serve OpenAI's .* On Google Cloud use"):
            resolve(client, path).connect()
    assert vertex.requests == [] and google_auth.token_requests == 0


# (resource path on the client, method, arguments): one call per refused API.
CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("completions", "create", {"model": "gpt-3.5-turbo-instruct", "prompt": "x"}),
    ("moderations", "create", {"input": "x"}),
    ("images", "generate", {"prompt": "x"}),
    ("audio.speech", "create", {"model": "tts-1", "voice": "alloy", "input": "x"}),
    ("audio.transcriptions", "create", {"model": "whisper-1", "file": b"x"}),
    ("files", "list", {}),
    ("uploads", "create", {"bytes": 1, "filename": "x", "mime_type": "text/plain", "purpose": "batch"}),
    ("batches", "list", {}),
    ("fine_tuning.jobs", "list", {}),
    ("vector_stores", "list", {}),
    ("beta.vector_stores", "list", {}),
    ("beta.assistants", "list", {}),
    ("beta.threads", "create", {}),
    ("evals", "list", {}),
    ("containers", "list", {}),
    ("conversations", "create", {}),
    ("videos", "list", {}),
    ("realtime.client_secrets", "create", {}),
]


def resolve(client: Any, path: str) -> Any:
    target = client
    for name in path.split("."):
        target = getattr(target, name, None)
        if target is None:
            pytest.skip(f"this openai release has no client.{path}")
    return target


@pytest.mark.parametrize(("path", "method", "kwargs"), CALLS, ids=[c[0] for c in CALLS])
def test_refused_before_any_request(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, path: str, method: str, kwargs: dict[str, Any]
) -> None:
    client = OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth), max_retries=0)
    with pytest.raises(TranslationError, match=r"does not serve OpenAI's .* On Google Cloud use"):
        getattr(resolve(client, path), method)(**kwargs)
    assert vertex.requests == [] and google_auth.token_requests == 0  # nothing left the process


async def test_async_refusal(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    client = AsyncOpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth), max_retries=0)
    with pytest.raises(TranslationError, match="Moderations"):
        await client.moderations.create(input="x")
    assert vertex.requests == []
