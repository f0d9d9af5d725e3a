"""``embeddings.create`` end to end: the SDK's own call paths against FakeVertex's ``:predict`` route,
which enforces the documented body shapes and per-request limits."""

from __future__ import annotations

import base64
import importlib.util
import struct
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

import openai_vertex
from openai_vertex import AsyncOpenAI, OpenAI, VertexCompatibilityWarning
from openai_vertex.exceptions import TranslationError
from openai_vertex.testing import FakeGoogleAuth, FakeVertex

from .conftest import PROJECT
from .test_auth import sa_credentials
from .test_env_mode import needs_pth, report, run_python, vertex_env
from .tiktoken_data import tiktoken_cache  # noqa: F401 - a fixture

GEMINI = "gemini-embedding-001"
TEXT = "text-embedding-005"
HAS_TIKTOKEN = importlib.util.find_spec("tiktoken") is not None


@pytest.fixture
def regional(google_auth: FakeGoogleAuth) -> Iterator[FakeVertex]:
    """text-embedding-005 and text-multilingual-embedding-002 are served in regions, not global."""
    with FakeVertex(auth=google_auth, project=PROJECT, location="us-central1") as fake:
        yield fake


def make(fake: FakeVertex, auth: FakeGoogleAuth, cls: Any = OpenAI, **kwargs: Any) -> Any:
    location = kwargs.pop("vertex_location", fake.location)
    return cls(base_url=fake.base_url, credentials=sa_credentials(auth), max_retries=0,
               vertex_location=location, **kwargs)  # fmt: skip


def predicts(fake: FakeVertex) -> list[Any]:
    return [r for r in fake.requests if r.path.endswith(":predict")]


def test_a_string_and_a_list(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    client = make(vertex, google_auth)
    one = client.embeddings.create(model=GEMINI, input="hello world")
    assert isinstance(one, openai.types.CreateEmbeddingResponse)
    assert [d.index for d in one.data] == [0] and len(one.data[0].embedding) == 3072
    assert one.model == GEMINI and one.usage.prompt_tokens == one.usage.total_tokens == 2
    many = client.embeddings.create(model=GEMINI, input=["a", "b c", "d e f"])
    assert [d.index for d in many.data] == [0, 1, 2] and many.usage.prompt_tokens == 6
    # gemini-embedding-001 takes one text per request (docs): one :predict each, all authorized.
    sent = predicts(vertex)
    assert [len(r.body["instances"]) for r in sent] == [1, 1, 1, 1] and all(r.authorized for r in sent)
    assert (
        sent[0].path == f"/v1/projects/{PROJECT}/locations/global/publishers/google/models/{GEMINI}:predict"
    )
    assert sent[0].body == {"instances": [{"content": "hello world"}]}


@pytest.mark.parametrize(("count", "requests"), [(250, 1), (251, 2), (1000, 4)])
def test_batches_follow_the_instance_limit(
    regional: FakeVertex, google_auth: FakeGoogleAuth, count: int, requests: int
) -> None:
    texts = [f"text number {i}" for i in range(count)]
    result = make(regional, google_auth).embeddings.create(model=TEXT, input=texts, dimensions=8)
    assert [d.index for d in result.data] == list(range(count))
    sizes = [len(r.body["instances"]) for r in predicts(regional)]
    assert len(sizes) == requests and sum(sizes) == count and max(sizes) <= 250
    # Order: every vector is the one the text gets on its own.
    regional.clear_requests()
    alone = make(regional, google_auth).embeddings.create(model=TEXT, input=texts[-1], dimensions=8)
    assert result.data[-1].embedding == alone.data[0].embedding


def test_batches_stay_under_the_request_token_limit(
    regional: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    texts = ["a " * 500] * 21  # 1,000 bytes each: at most 20 per 20,000-token request
    make(regional, google_auth).embeddings.create(model=TEXT, input=texts)
    assert sorted(len(r.body["instances"]) for r in predicts(regional)) == [1, 20]


def test_sync_requests_run_concurrently(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    vertex.predict_delay = 0.15
    start = time.monotonic()
    make(vertex, google_auth).embeddings.create(model=GEMINI, input=[f"t{i}" for i in range(8)])
    assert time.monotonic() - start < 0.8  # one after another: >= 1.2 s


async def test_async_requests_run_concurrently(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    vertex.predict_delay = 0.15
    client = make(vertex, google_auth, AsyncOpenAI)
    start = time.monotonic()
    result = await client.embeddings.create(model=GEMINI, input=[f"t{i}" for i in range(8)])
    assert time.monotonic() - start < 0.8
    assert [d.index for d in result.data] == list(range(8)) and len(predicts(vertex)) == 8


def test_dimensions_become_output_dimensionality(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    client = make(vertex, google_auth)
    result = client.embeddings.create(model=GEMINI, input="x", dimensions=256)
    assert len(result.data[0].embedding) == 256
    assert predicts(vertex)[-1].body["parameters"] == {"outputDimensionality": 256}
    with pytest.raises(TranslationError, match="at most 3072"):
        client.embeddings.create(model=GEMINI, input="x", dimensions=4096)
    assert len(predicts(vertex)) == 1


def test_base64_is_little_endian_float32(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    client = make(vertex, google_auth)
    floats = client.embeddings.create(model=GEMINI, input="same", encoding_format="float").data[0].embedding
    encoded = client.embeddings.create(model=GEMINI, input="same", encoding_format="base64").data[0].embedding
    assert isinstance(encoded, str)
    raw = base64.b64decode(encoded)
    decoded = struct.unpack(f"<{len(raw) // 4}f", raw)
    assert list(decoded) == [struct.unpack("<f", struct.pack("<f", v))[0] for v in floats]
    # Without encoding_format the SDK asks for base64 and decodes it itself: the same float32 values.
    default = client.embeddings.create(model=GEMINI, input="same").data[0].embedding
    assert default == list(decoded)


def test_task_type_and_title_through_extra_body(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    client = make(vertex, google_auth)
    google = {"task_type": "RETRIEVAL_DOCUMENT", "title": "Doc"}
    client.embeddings.create(model=GEMINI, input="body", extra_body={"google": google})
    assert predicts(vertex)[-1].body["instances"] == [
        {"content": "body", "task_type": "RETRIEVAL_DOCUMENT", "title": "Doc"}
    ]
    with pytest.raises(TranslationError, match="RETRIEVAL_DOCUMENT"):
        client.embeddings.create(model=GEMINI, input="x", extra_body={"google": {"title": "T"}})
    with pytest.raises(TranslationError, match="task_type"):
        client.embeddings.create(model=GEMINI, input="x", extra_body={"google": {"task_type": "NOPE"}})
    with pytest.raises(TranslationError, match="extra_body"):
        client.embeddings.create(model=GEMINI, input="x", extra_body={"taskType": "CLUSTERING"})
    assert len(predicts(vertex)) == 1


def test_truncation_warns_and_can_be_refused(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    client = make(vertex, google_auth)
    long_text = "word " * 2100  # over the 2,048-token input limit (the fake counts words)
    with pytest.warns(VertexCompatibilityWarning, match="truncated input 0"):
        result = client.embeddings.create(model=GEMINI, input=long_text)
    assert result.usage.prompt_tokens == 2048
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        client.embeddings.create(model=GEMINI, input="short")
    with pytest.raises(openai.BadRequestError) as caught:
        client.embeddings.create(
            model=GEMINI, input=long_text, extra_body={"google": {"auto_truncate": False}}
        )
    assert caught.value.code == "INVALID_ARGUMENT" and predicts(vertex)[-1].body["parameters"] == {
        "autoTruncate": False
    }


def test_errors_are_mapped_like_chat_errors(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    client = make(vertex, google_auth)
    vertex.fail_next(429)
    with pytest.raises(openai.RateLimitError) as caught:
        client.embeddings.create(model=GEMINI, input="x")
    assert caught.value.code == "RESOURCE_EXHAUSTED" and caught.value.type == "rate_limit_error"
    vertex.fail_next(503)
    retried = client.with_options(max_retries=1)
    assert len(retried.embeddings.create(model=GEMINI, input="x").data) == 1  # the SDK retried


def test_a_rejected_token_is_refreshed_once(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    client = make(vertex, google_auth)
    client.embeddings.create(model=GEMINI, input="x")
    google_auth.revoke_all()
    assert len(client.embeddings.create(model=GEMINI, input=["x"]).data) == 1
    assert [r.status for r in predicts(vertex)] == [200, 401, 200]
    assert google_auth.token_requests == 2


def test_models_and_locations_are_checked_before_any_request(
    vertex: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    client = make(vertex, google_auth)
    with pytest.raises(TranslationError, match=r"model_aliases=.*gemini-embedding-001"):
        client.embeddings.create(model="text-embedding-3-small", input="x")
    with pytest.raises(TranslationError, match=r"regional locations.*us-central1"):
        client.embeddings.create(model=TEXT, input="x")
    with pytest.raises(TranslationError, match="non-empty list"):
        client.embeddings.create(model=GEMINI, input=[])
    assert vertex.requests == [] and google_auth.token_requests == 0


def test_aliases_apply(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, monkeypatch: pytest.MonkeyPatch
) -> None:
    aliased = make(
        vertex, google_auth, model_aliases={"text-embedding-3-small": GEMINI, "*": "gemini-2.5-flash"}
    )
    assert aliased.embeddings.create(model="text-embedding-3-small", input="x").model == GEMINI
    monkeypatch.setenv("OPENAI_VERTEX_MODEL_ALIASES", f"text-embedding-3-large={GEMINI}")
    from_env = make(vertex, google_auth)
    assert from_env.embeddings.create(model="text-embedding-3-large", input="x").model == GEMINI
    assert len(predicts(vertex)) == 2
    with pytest.raises(TranslationError):  # the chat default "*" does not make any name an embedding model
        aliased.embeddings.create(model="text-embedding-ada-002", input="x")


def test_token_arrays_without_tiktoken_name_the_fix(
    vertex: FakeVertex, google_auth: FakeGoogleAuth, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "tiktoken", None)  # Python's own "not importable" marker
    with pytest.raises(TranslationError, match="check_embedding_ctx_length=False"):
        make(vertex, google_auth).embeddings.create(model=GEMINI, input=[[9906, 1917]])
    assert vertex.requests == []


@pytest.mark.skipif(not HAS_TIKTOKEN, reason="needs tiktoken (the test extra installs it)")
@pytest.mark.usefixtures("tiktoken_cache")
def test_token_arrays_are_decoded_with_their_encoding(
    vertex: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    import tiktoken

    tokens = tiktoken.get_encoding("cl100k_base").encode("hello world")
    client = make(vertex, google_auth, model_aliases={"text-embedding-3-small": GEMINI})
    decoded = client.embeddings.create(model="text-embedding-3-small", input=[tokens, tokens[:1]])
    # gemini-embedding-001 takes one text per request and they go concurrently: arrival order varies.
    assert sorted(r.body["instances"][0]["content"] for r in predicts(vertex)) == ["hello", "hello world"]
    as_text = client.embeddings.create(model="text-embedding-3-small", input=["hello world", "hello"])
    assert [d.embedding for d in decoded.data] == [d.embedding for d in as_text.data]  # in input order


async def test_async_errors_and_base64(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    client = make(vertex, google_auth, AsyncOpenAI)
    result = await client.embeddings.create(model=GEMINI, input=["a", "b"], encoding_format="base64")
    assert all(isinstance(d.embedding, str) for d in result.data)
    vertex.fail_next(403)
    with pytest.raises(openai.PermissionDeniedError):
        await client.embeddings.create(model=GEMINI, input="x")


def test_patch_serves_unmodified_openai_clients(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    with openai_vertex.patch(base_url=vertex.base_url, credentials=sa_credentials(google_auth)):
        client = openai.OpenAI(max_retries=0)
        result = client.embeddings.create(model=GEMINI, input=["a", "b"])
    assert [d.index for d in result.data] == [0, 1] and all(r.authorized for r in predicts(vertex))


def test_a_user_supplied_http_client_is_served(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    http = openai.DefaultHttpxClient()
    client = make(vertex, google_auth, http_client=http)
    assert len(client.embeddings.create(model=GEMINI, input=["a"]).data) == 1
    # The same HTTP client still reaches other hosts untouched (only the Vertex root is routed).
    assert http is client._client


MODULE_LEVEL = """
import json, openai
result = openai.embeddings.create(model="text-embedding-3-small", input=["one", "two"])
listed = [m.id for m in openai.models.list().data]
print(json.dumps([len(result.data), len(result.data[0].embedding), "gemini-embedding-001" in listed]))
"""


@needs_pth
def test_environment_only_mode_serves_the_module_level_client(vertex: FakeVertex, key_file: Path) -> None:
    env = vertex_env(vertex, key_file, OPENAI_VERTEX="1", OPENAI_API_KEY="sk-never-sent")
    env["OPENAI_VERTEX_MODEL_ALIASES"] = f"text-embedding-3-small={GEMINI}"
    assert report(run_python([sys.executable, "-c", MODULE_LEVEL], env)) == [2, 3072, True]
    assert len(predicts(vertex)) == 2 and all(r.authorized for r in vertex.requests)
