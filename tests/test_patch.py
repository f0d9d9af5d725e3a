"""``openai_vertex.patch()``: unmodified openai clients on Vertex, idempotent and fully reversible."""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Iterator
from typing import Any

import openai
import pytest
import wrapt
from openai import AsyncOpenAI, OpenAI  # imported before any patch, as legacy code does

import openai_vertex
from openai_vertex import patch, unpatch
from openai_vertex.exceptions import ConfigurationError, TranslationError
from openai_vertex.testing import FakeGoogleAuth, FakeVertex

from .conftest import USER_HELLO
from .test_env_mode import FakeOpenAI

HOOKED = (
    "__init__",
    "_prepare_options",
    "_prepare_request",
    "custom_auth",
    "_custom_auth",
    "_make_status_error",
    "_process_response_data",
)
CLASSES = (openai.OpenAI, openai.AsyncOpenAI)


def snapshot() -> dict[tuple[type, str], Any]:
    """Each hooked attribute as the class itself holds it (absent: inherited) and as looked up."""
    return {
        (cls, name): (cls.__dict__.get(name), inspect.getattr_static(cls, name, None))
        for cls in CLASSES
        for name in HOOKED
    }


@pytest.fixture(autouse=True)
def restore_openai() -> Iterator[None]:
    before = snapshot()
    yield
    unpatch()
    openai._client = None
    openai.api_key = None
    assert snapshot() == before


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def ask(client: Any, model: str = "gpt-4o-mini", text: str = "hello") -> str:
    reply = client.chat.completions.create(model=model, messages=[{"role": "user", "content": text}])
    return str(reply.choices[0].message.content)


async def aask(client: Any, model: str = "gpt-4o-mini") -> str:
    reply = await client.chat.completions.create(model=model, messages=USER_HELLO)
    return str(reply.choices[0].message.content)


def assert_vertex_got(vertex: FakeVertex, count: int, model: str = "google/gemini-2.5-flash") -> None:
    assert [(r.body or {}).get("model") for r in vertex.requests] == [model] * count
    assert all(r.authorized for r in vertex.requests)
    assert not any("sk-" in json.dumps(r.headers) for r in vertex.requests)


ALIASES = {"gpt-4o-mini": "gemini-2.5-flash"}


def test_new_clients_sync_and_async(adc: FakeVertex) -> None:
    patch(model_aliases=ALIASES)
    assert openai_vertex.is_patched()
    assert ask(OpenAI()) == "Echo: hello"
    assert ask(OpenAI(api_key="sk-not-for-google")) == "Echo: hello"
    streamed = OpenAI().chat.completions.create(model="gpt-4o-mini", messages=USER_HELLO, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in streamed if c.choices) == "Echo: hello"
    assert_vertex_got(adc, 3)


async def test_async_client(adc: FakeVertex) -> None:
    patch(model_aliases=ALIASES)
    client = AsyncOpenAI()
    assert await aask(client) == "Echo: hello"
    stream = await client.chat.completions.create(model="gpt-4o-mini", messages=USER_HELLO, stream=True)
    assert [c async for c in stream]
    assert_vertex_got(adc, 2)


def test_aliases_from_the_environment_and_the_catch_all(
    adc: FakeVertex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_VERTEX_MODEL_ALIASES", "gpt-4o=gemini-2.5-pro,*=gemini-2.5-flash")
    patch()
    assert ask(OpenAI(), model="gpt-4o") == "Echo: hello"
    assert ask(OpenAI(), model="o3-mini") == "Echo: hello"
    assert [(r.body or {}).get("model") for r in adc.requests] == [
        "google/gemini-2.5-pro",
        "google/gemini-2.5-flash",
    ]


def test_unaliased_openai_model_names_fail_before_sending(adc: FakeVertex) -> None:
    patch()
    with pytest.raises(TranslationError, match="OPENAI_VERTEX_MODEL_ALIASES"):
        ask(OpenAI())
    assert adc.requests == []


def test_instances_created_before_the_patch_are_adopted_then_given_back(adc: FakeVertex) -> None:
    early = OpenAI(api_key="sk-early-key")
    early_async = AsyncOpenAI(api_key="sk-early-key")
    patch(model_aliases=ALIASES)
    assert ask(early) == "Echo: hello"
    assert str(early.base_url) == adc.base_url + "/"
    unpatch()
    assert str(early.base_url) == "https://api.openai.com/v1/"
    assert str(early_async.base_url) == "https://api.openai.com/v1/"  # never used: never adopted
    assert early.api_key == "sk-early-key"
    assert_vertex_got(adc, 1)


def test_module_level_client(adc: FakeVertex) -> None:
    openai.api_key = "sk-legacy-module-key"  # what legacy code does; never sent to Vertex
    built_for_openai = openai._load_client()  # legacy code already used openai.chat... before the patch
    api_key_before = openai.api_key
    patch(model_aliases=ALIASES)
    assert openai._client is None
    assert ask(openai) == "Echo: hello"
    assert openai._client is not None and openai._client is not built_for_openai
    unpatch()
    assert openai._client is built_for_openai
    assert openai.api_key == api_key_before
    assert_vertex_got(adc, 1)


def test_copies_stay_on_vertex(adc: FakeVertex) -> None:
    patch(model_aliases=ALIASES)
    client = OpenAI()
    assert ask(client.with_options(timeout=30, max_retries=0)) == "Echo: hello"
    assert ask(client.copy()) == "Echo: hello"
    assert_vertex_got(adc, 2)


def test_other_servers_azure_and_our_own_client_are_left_alone(
    adc: FakeVertex, fake_openai: FakeOpenAI, google_auth: FakeGoogleAuth
) -> None:
    patch(model_aliases=ALIASES)
    local = OpenAI(base_url=fake_openai.base_url, api_key="sk-local")
    assert ask(local) == "from OpenAI"
    assert fake_openai.requests[0]["authorization"] == "Bearer sk-local"  # its own key, no Google token
    azure = openai.AzureOpenAI(api_key="k", api_version="2024-10-21", azure_endpoint=fake_openai.url)
    assert "_openai_vertex_state" not in azure.__dict__
    assert str(azure.base_url).startswith(fake_openai.url)
    ours = openai_vertex.OpenAI(model_aliases=ALIASES)
    assert ask(ours) == "Echo: hello"
    assert google_auth.token_requests == 1  # our client and the patch share one token
    assert_vertex_got(adc, 1)


def test_patch_is_idempotent_and_unpatch_restores_by_identity(adc: FakeVertex) -> None:
    originals = {(cls, name): inspect.getattr_static(cls, name, None) for cls in CLASSES for name in HOOKED}
    assert openai_vertex.is_patched() is False
    patch()
    wrapped = {(cls, name): inspect.getattr_static(cls, name, None) for cls in CLASSES for name in HOOKED}
    for key, wrapper in wrapped.items():
        if originals[key] is None:
            assert wrapper is None  # e.g. _custom_auth before openai 2.34
        elif key[1] == "custom_auth":
            assert isinstance(wrapper, property) and wrapper is not originals[key]
        else:
            assert isinstance(wrapper, wrapt.FunctionWrapper)
            assert wrapper.__wrapped__ is originals[key]
    patch()
    assert {k: inspect.getattr_static(k[0], k[1], None) for k in wrapped} == wrapped
    assert unpatch() is True
    assert unpatch() is False
    assert {k: inspect.getattr_static(k[0], k[1], None) for k in originals} == originals
    assert openai.OpenAI.__init__ is originals[(openai.OpenAI, "__init__")]


def test_context_manager_undoes_its_own_call(adc: FakeVertex) -> None:
    before = snapshot()
    with patch(model_aliases=ALIASES):
        assert openai_vertex.is_patched()
        assert ask(OpenAI()) == "Echo: hello"
    assert not openai_vertex.is_patched()
    assert snapshot() == before
    # Nested in an existing patch: the inner options apply inside, the outer ones again after.
    patch(model_aliases={"gpt-4o-mini": "gemini-2.5-pro"})
    with patch(model_aliases=ALIASES):
        assert ask(OpenAI().with_options(timeout=30)) == "Echo: hello"
    assert ask(OpenAI().with_options(timeout=30)) == "Echo: hello"
    assert openai_vertex.is_patched()
    models = [(r.body or {}).get("model") for r in adc.requests]
    assert models == ["google/gemini-2.5-flash", "google/gemini-2.5-flash", "google/gemini-2.5-pro"]


def test_a_wrapper_added_on_top_survives_unpatch(adc: FakeVertex) -> None:
    calls: list[str] = []

    def other(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
        calls.append("other")
        return wrapped(*args, **kwargs)

    own = "_prepare_request" in openai.OpenAI.__dict__
    original = inspect.getattr_static(openai.OpenAI, "_prepare_request")
    patch(model_aliases=ALIASES)
    wrapt.wrap_function_wrapper(openai.OpenAI, "_prepare_request", other)
    try:
        assert ask(OpenAI()) == "Echo: hello"
        unpatch()  # ours is under theirs: it stays, inert
        assert isinstance(inspect.getattr_static(openai.OpenAI, "_prepare_request"), wrapt.FunctionWrapper)
        patch(model_aliases=ALIASES)
        assert ask(OpenAI()) == "Echo: hello"  # the inert layer does not apply Vertex twice
        unpatch()
        assert calls == ["other", "other"]
    finally:
        if own:
            openai.OpenAI._prepare_request = original  # type: ignore[method-assign]
        else:
            del openai.OpenAI._prepare_request
    assert_vertex_got(adc, 2)


def test_googles_documented_base_url_route(
    monkeypatch: pytest.MonkeyPatch, google_auth: FakeGoogleAuth, key_file: Any
) -> None:
    url = "https://europe-west4-aiplatform.googleapis.com/v1beta1/projects/route-project/locations/europe-west4/endpoints/openapi"
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    monkeypatch.setenv("OPENAI_API_KEY", "static-token")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    seen: list[tuple[str, str]] = []

    def handler(request: Any) -> Any:
        seen.append((str(request.url), request.headers["authorization"]))
        message = {"role": "assistant", "content": "ok"}
        choice = {"index": 0, "message": message, "finish_reason": "stop"}
        body = {"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": [choice]}
        return _response(request, body)

    patch()
    client = OpenAI(http_client=_mock_http_client(handler))
    assert ask(client, model="gemini-2.5-flash") == "ok"
    assert seen[0][0] == url + "/chat/completions"
    assert seen[0][1].startswith("Bearer fake-ya29.")  # refreshed from ADC, not the static token
    # Google's sample, unmodified: explicit Vertex base_url and a static token as api_key.
    sample = OpenAI(base_url=url, api_key="static-token", http_client=_mock_http_client(handler))
    assert ask(sample, model="gemini-2.5-flash") == "ok"
    assert seen[1][1].startswith("Bearer fake-ya29.")


def _httpx_module() -> Any:
    import importlib

    return importlib.import_module("httpx2" if int(openai.__version__.split(".")[0]) >= 3 else "httpx")


def _mock_http_client(handler: Any) -> Any:
    return openai.DefaultHttpxClient(transport=_httpx_module().MockTransport(handler))


def _response(request: Any, body: dict[str, Any]) -> Any:
    return _httpx_module().Response(200, json=body, request=request)


def test_other_openai_base_url_is_ignored_with_a_warning(
    adc: FakeVertex,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    fake_openai: FakeOpenAI,
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    with caplog.at_level(logging.WARNING, logger="openai_vertex"):
        patch(model_aliases=ALIASES)
    assert "OPENAI_BASE_URL is ignored" in caplog.text
    assert ask(OpenAI()) == "Echo: hello"
    assert fake_openai.requests == []


def test_errors_401_refresh_and_embeddings(adc: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    patch(model_aliases=ALIASES)
    client = OpenAI(max_retries=0)
    adc.fail_next(400)
    with pytest.raises(openai.BadRequestError) as caught:
        ask(client)
    assert caught.value.code == "INVALID_ARGUMENT"  # Google's list-shaped error, normalized
    assert ask(client) == "Echo: hello"
    google_auth.revoke_all()  # the cached token is now rejected: one refresh, one retry
    assert ask(client) == "Echo: hello"
    assert google_auth.token_requests == 2
    # Embeddings are served (tests/test_embeddings.py); an OpenAI model name needs an alias first.
    with pytest.raises(TranslationError, match="not a Vertex text embedding model; use one of"):
        client.embeddings.create(model="text-embedding-3-small", input="hi")


async def test_async_401_refresh(adc: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    patch(model_aliases=ALIASES)
    client = AsyncOpenAI()
    assert await aask(client) == "Echo: hello"
    google_auth.revoke_all()
    assert await aask(client) == "Echo: hello"
    assert google_auth.token_requests == 2


def test_bad_environment_fails_closed_in_environment_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    from openai_vertex.patch import patch_from_environment

    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "Not A Project")
    patch_from_environment()
    assert openai_vertex.is_patched()
    with pytest.raises(ConfigurationError, match="GOOGLE_CLOUD_PROJECT"):
        OpenAI()
    with pytest.raises(ConfigurationError):  # an explicit patch() reports it too
        patch()


def test_the_startup_hook_logs_failures_and_fails_closed(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import importlib

    from openai_vertex import _startup as startup

    # The module, not the function: the package's `patch` attribute is the function patch().
    patch_module = importlib.import_module("openai_vertex.patch")

    def broken(switch_problem: str | None = None) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(patch_module, "patch_from_environment", broken)
    originals = {cls: cls.__dict__["__init__"] for cls in CLASSES}
    try:
        with caplog.at_level(logging.ERROR, logger="openai_vertex"):
            startup._on_openai_import(openai)  # what wrapt calls after `import openai`: must not raise
        assert "environment-only mode failed to patch openai" in caplog.text
        with pytest.raises(RuntimeError, match="unset OPENAI_VERTEX to use OpenAI"):
            OpenAI(api_key="sk-would-go-to-openai")
        with pytest.raises(RuntimeError, match="could not patch openai"):
            AsyncOpenAI(api_key="sk-would-go-to-openai")
        openai.AzureOpenAI(api_key="k", api_version="2024-10-21", azure_endpoint="https://example.invalid")
    finally:
        for cls, init in originals.items():
            cls.__init__ = init  # type: ignore[misc]
    monkeypatch.delenv("OPENAI_VERTEX", raising=False)
    assert startup.enabled() is False
    monkeypatch.setenv("OPENAI_VERTEX", "1")
    assert startup.enabled() is True


def test_patch_takes_exactly_the_vertex_options_of_the_client() -> None:
    from openai_vertex._options import VertexOptions

    ours = inspect.signature(openai_vertex.OpenAI.__init__).parameters
    sdk = inspect.signature(openai.OpenAI.__init__).parameters
    vertex = {name for name, p in ours.items() if name not in sdk and p.kind is p.KEYWORD_ONLY}
    vertex -= {"_vertex_state"}  # how copies share state, not an option
    assert vertex | {"base_url"} == set(VertexOptions.__annotations__)
    with pytest.raises(TypeError, match="unexpected keyword argument 'vertex_projct'"):
        patch(vertex_projct="p")  # type: ignore[call-arg]
    assert not openai_vertex.is_patched()
