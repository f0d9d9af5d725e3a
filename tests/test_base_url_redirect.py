"""Google's samples build their own googleapis.com base_url; OPENAI_VERTEX_BASE_URL redirects them."""

from __future__ import annotations

from urllib.parse import urlsplit

import openai
import pytest

import openai_vertex
from openai_vertex._settings import resolve_settings
from openai_vertex.testing import FakeVertex

from .conftest import PROJECT

MESSAGES = [{"role": "user", "content": "hi"}]


def sample_base_url(location: str = "global") -> str:
    """The URL Google's OpenAI-compatibility samples write by hand."""
    host = "aiplatform.googleapis.com" if location == "global" else f"{location}-aiplatform.googleapis.com"
    return f"https://{host}/v1/projects/{PROJECT}/locations/{location}/endpoints/openapi"


def test_the_variable_replaces_a_googleapis_base_url_and_pins_the_token_to_it(adc: FakeVertex) -> None:
    client = openai_vertex.OpenAI(base_url=sample_base_url())
    assert str(client.base_url).rstrip("/") == adc.base_url
    client.chat.completions.create(model="google/gemini-2.5-flash", messages=MESSAGES)  # type: ignore[arg-type]
    (request,) = adc.requests
    assert request.authorized  # the Google token went to the origin named by the variable


def test_an_origin_only_variable_keeps_the_samples_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_VERTEX_BASE_URL", "https://vertex-psc.example.internal")
    settings = resolve_settings(base_url=sample_base_url("us-central1"))
    assert settings.base_url == (
        f"https://vertex-psc.example.internal/v1/projects/{PROJECT}/locations/us-central1/endpoints/openapi"
    )
    assert settings.origin == ("https", "vertex-psc.example.internal", 443)


def test_a_non_google_base_url_is_the_callers_choice_and_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_VERTEX_BASE_URL", "https://vertex-psc.example.internal")
    settings = resolve_settings(
        base_url="http://127.0.0.1:9/v1/projects/p-12345/locations/global/endpoints/openapi"
    )
    assert urlsplit(settings.base_url).hostname == "127.0.0.1"


def test_without_the_variable_the_googleapis_url_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_VERTEX_BASE_URL", raising=False)
    assert resolve_settings(base_url=sample_base_url()).base_url == sample_base_url()


def test_patched_plain_openai_sample_is_redirected(adc: FakeVertex) -> None:
    with openai_vertex.patch():
        client = openai.OpenAI(base_url=sample_base_url(), api_key="PLACEHOLDER")
        reply = client.chat.completions.create(model="google/gemini-2.5-flash", messages=MESSAGES)  # type: ignore[arg-type]
    assert reply.choices[0].message.content
    (request,) = adc.requests
    assert request.authorized
