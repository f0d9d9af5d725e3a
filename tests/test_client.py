"""The drop-in clients: construction, settings resolution, copies, isolation from OpenAI's environment."""

from __future__ import annotations

import contextlib
import json
import re

import openai
import pytest

import openai_vertex
from openai_vertex import AsyncOpenAI, OpenAI
from openai_vertex.exceptions import ConfigurationError, TranslationError
from openai_vertex.testing import FakeGoogleAuth, FakeVertex

from .conftest import USER_HELLO
from .test_auth import chat, sa_credentials


def test_real_subclasses_and_aliases() -> None:
    client = OpenAI(vertex_project="my-project")
    assert isinstance(client, openai.OpenAI)
    assert isinstance(AsyncOpenAI(vertex_project="my-project"), openai.AsyncOpenAI)
    assert openai_vertex.VertexOpenAI is OpenAI
    assert openai_vertex.AsyncVertexOpenAI is AsyncOpenAI


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"vertex_project": "my-project"},
            "https://aiplatform.googleapis.com/v1/projects/my-project/locations/global/endpoints/openapi/",
        ),
        (
            {"vertex_project": "my-project", "vertex_location": "europe-west4", "api_version": "v1beta1"},
            "https://europe-west4-aiplatform.googleapis.com/v1beta1/projects/my-project/locations/europe-west4"
            "/endpoints/openapi/",
        ),
        (
            {"vertex_project": "123456789012", "vertex_location": "us-central1"},
            "https://us-central1-aiplatform.googleapis.com/v1/projects/123456789012/locations/us-central1"
            "/endpoints/openapi/",
        ),
    ],
)
def test_base_url_from_arguments(kwargs: dict[str, str], expected: str) -> None:
    assert str(OpenAI(**kwargs).base_url) == expected  # type: ignore[arg-type]


def test_environment_is_used_when_arguments_are_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "env-project")
    monkeypatch.setenv("GOOGLE_CLOUD_LOCATION", "us-east5")
    monkeypatch.setenv("OPENAI_VERTEX_API_VERSION", "v1beta1")
    assert str(OpenAI().base_url) == (
        "https://us-east5-aiplatform.googleapis.com/v1beta1/projects/env-project/locations/us-east5/endpoints/openapi/"
    )
    # An argument beats the environment.
    assert "/projects/arg-project/locations/global/" in str(
        OpenAI(vertex_project="arg-project", vertex_location="global").base_url
    )


def test_without_project_the_adc_project_is_filled_in_later() -> None:
    assert "/projects/-/" in str(OpenAI().base_url)


@pytest.mark.parametrize(
    ("kwargs", "env", "names"),
    [
        ({"vertex_project": "Not A Project"}, {}, ("vertex_project", "GOOGLE_CLOUD_PROJECT")),
        ({}, {"GOOGLE_CLOUD_PROJECT": "bad/project"}, ("GOOGLE_CLOUD_PROJECT",)),
        ({"vertex_location": "us central"}, {}, ("vertex_location", "GOOGLE_CLOUD_LOCATION")),
        ({}, {"GOOGLE_CLOUD_LOCATION": "../x"}, ("GOOGLE_CLOUD_LOCATION",)),
        ({"api_version": "v2"}, {}, ("api_version", "OPENAI_VERTEX_API_VERSION")),
        ({"unsupported_params": "ignore"}, {}, ("unsupported_params", "warn, drop, error")),
        ({"image_urls": "fetch"}, {}, ("image_urls", "auto, inline, passthrough")),
    ],
)
def test_malformed_settings_name_the_argument_and_variable(
    monkeypatch: pytest.MonkeyPatch, kwargs: dict[str, str], env: dict[str, str], names: tuple[str, ...]
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigurationError) as caught:
        OpenAI(**kwargs)  # type: ignore[arg-type]
    for name in names:
        assert name in str(caught.value)


@pytest.mark.parametrize(
    ("base_url", "problem"),
    [
        ("http://aiplatform.googleapis.com/v1/projects/p/locations/global/endpoints/openapi", "https"),
        ("https://user:pw@example.com/v1", "user:password@"),
        ("https://example.com/v1?key=secret", "query string"),
        ("example.com/v1", "absolute http(s) URL"),
    ],
)
def test_bad_base_url_is_refused_without_echoing_secrets(base_url: str, problem: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(problem)) as caught:
        OpenAI(base_url=base_url)
    assert "secret" not in str(caught.value)
    assert "pw" not in str(caught.value)


def test_http_is_allowed_for_a_local_emulator(vertex: FakeVertex) -> None:
    assert str(OpenAI(base_url=vertex.base_url).base_url) == vertex.base_url + "/"


def test_an_api_key_is_refused_with_the_fix() -> None:
    with pytest.raises(ConfigurationError, match="credentials= or token_provider="):
        OpenAI(vertex_project="my-project", api_key="sk-something")


def test_credentials_and_token_provider_are_exclusive(google_auth: FakeGoogleAuth) -> None:
    with pytest.raises(ConfigurationError, match="not both"):
        OpenAI(
            vertex_project="my-project", credentials=sa_credentials(google_auth), token_provider=lambda: "t"
        )


@pytest.mark.parametrize(
    ("model", "sent"),
    [
        ("gemini-2.5-flash", "google/gemini-2.5-flash"),
        ("gemma-3-27b-it", "google/gemma-3-27b-it"),
        ("google/gemini-2.5-pro", "google/gemini-2.5-pro"),
        ("meta/llama-4-maverick-17b-128e-instruct-maas", "meta/llama-4-maverick-17b-128e-instruct-maas"),
        ("publishers/google/models/gemini-2.5-flash", "google/gemini-2.5-flash"),
    ],
)
def test_model_names_reach_vertex_with_a_publisher(model: str, sent: str) -> None:
    with FakeVertex(project="fake-project") as open_vertex:  # accepts any bearer token
        client = OpenAI(base_url=open_vertex.base_url, token_provider=lambda: "any-token")
        # The fake only knows Google models; what matters is what was sent.
        with contextlib.suppress(openai.NotFoundError):
            client.chat.completions.create(model=model, messages=USER_HELLO)
        body = open_vertex.requests[-1].body
        assert body is not None
        assert body["model"] == sent


def test_an_unknown_bare_model_fails_before_any_request(
    vertex: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    client = OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth))
    with pytest.raises(TranslationError, match="model_aliases"):
        client.chat.completions.create(model="gpt-4o", messages=USER_HELLO)
    assert vertex.requests == []


def test_copy_and_with_options_keep_every_vertex_setting(
    vertex: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    client = OpenAI(
        vertex_project="my-project",
        vertex_location="europe-west4",
        credentials=sa_credentials(google_auth),
        model_aliases={"gpt-4o": "gemini-2.5-pro"},
    )
    for copy in (client.copy(), client.with_options(timeout=5, max_retries=1)):
        assert isinstance(copy, OpenAI)
        assert copy.base_url == client.base_url
        assert copy._vertex.settings == client._vertex.settings
        assert copy._vertex.source is client._vertex.source
    moved = client.with_options(base_url=vertex.base_url)
    assert chat(moved) == "Echo: hello"  # same credentials, new root
    assert google_auth.token_requests == 1


async def test_async_copy_keeps_settings(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    client = AsyncOpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth))
    copy = client.with_options(timeout=5)
    assert isinstance(copy, AsyncOpenAI)
    reply = await copy.chat.completions.create(model="gemini-2.5-flash", messages=USER_HELLO)
    assert reply.choices[0].message.content == "Echo: hello"


def test_openai_environment_never_reaches_vertex(
    monkeypatch: pytest.MonkeyPatch, adc: FakeVertex, google_auth: FakeGoogleAuth
) -> None:
    with FakeVertex(project="fake-project") as elsewhere:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-canary-key")
        monkeypatch.setenv("OPENAI_ORG_ID", "org-canary")
        monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-canary")
        monkeypatch.setenv("OPENAI_BASE_URL", elsewhere.base_url)
        monkeypatch.setenv("OPENAI_CUSTOM_HEADERS", "X-Canary: canary-header")
        assert chat(OpenAI()) == "Echo: hello"
        assert elsewhere.requests == []
    (request,) = adc.requests
    sent = json.dumps([request.headers, request.body])
    assert "canary" not in sent
    assert "openai-organization" not in request.headers
    assert "openai-project" not in request.headers


def test_token_never_goes_to_another_origin(vertex: FakeVertex, google_auth: FakeGoogleAuth) -> None:
    client = OpenAI(base_url=vertex.base_url, credentials=sa_credentials(google_auth), max_retries=0)
    chat(client)
    with FakeVertex(project="fake-project") as other:
        # An absolute URL to another origin through the client: sent without any credential (so refused).
        with pytest.raises(openai.AuthenticationError):
            client.post(
                other.base_url + "/chat/completions",
                body={"model": "google/gemini-2.5-flash"},
                cast_to=object,
            )
        assert len(other.requests) == 1
        assert "authorization" not in other.requests[-1].headers
        # A redirect from Vertex is not followed with the token: it surfaces as an error instead.
        vertex.redirect_next(other.base_url + "/chat/completions", status=307)
        with pytest.raises(openai.APIStatusError) as caught:
            chat(client)
        assert caught.value.status_code == 307
        assert len(other.requests) == 1
