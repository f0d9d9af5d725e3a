"""Locations: multi-region hosts, unknown names before any request, the escape hatch, DNS errors."""

from __future__ import annotations

import socket

import openai
import pytest

import openai_vertex
from openai_vertex._settings import resolve_settings
from openai_vertex.exceptions import ConfigurationError

# Google's "Multi-region endpoints" table: us and eu have their own *.rep.googleapis.com hosts.
MULTI_REGION_URLS = {
    "us": "https://aiplatform.us.rep.googleapis.com/v1/projects/p-12345/locations/us/endpoints/openapi",
    "eu": "https://aiplatform.eu.rep.googleapis.com/v1/projects/p-12345/locations/eu/endpoints/openapi",
}


@pytest.mark.parametrize("location", ["us", "eu"])
def test_multi_regions_use_their_own_hosts(location: str) -> None:
    settings = resolve_settings(vertex_project="p-12345", vertex_location=location, environ={})
    assert settings.base_url == MULTI_REGION_URLS[location]
    assert settings.origin == ("https", f"aiplatform.{location}.rep.googleapis.com", 443)


def test_regional_and_global_hosts_are_unchanged() -> None:
    regional = resolve_settings(vertex_project="p-12345", vertex_location="europe-west4", environ={})
    assert regional.origin[1] == "europe-west4-aiplatform.googleapis.com"
    assert resolve_settings(vertex_location="global", environ={}).origin[1] == "aiplatform.googleapis.com"


def test_googles_multi_region_url_is_recognised_under_a_patch() -> None:
    from openai_vertex._bootstrap import vertex_url_options

    assert vertex_url_options(MULTI_REGION_URLS["eu"]) == {
        "base_url": MULTI_REGION_URLS["eu"],
        "vertex_project": "p-12345",
        "vertex_location": "eu",
        "api_version": "v1",
    }


def test_a_misspelled_location_fails_at_construction_with_the_closest_names() -> None:
    with pytest.raises(ConfigurationError) as caught:
        openai_vertex.OpenAI(vertex_location="us-centrall", token_provider=lambda: "t")
    message = str(caught.value)
    assert "vertex_location='us-centrall' is not a Vertex location" in message
    assert "did you mean 'us-central1'" in message
    assert "OPENAI_VERTEX_EXTRA_LOCATIONS" in message


def test_the_error_names_the_variable_when_the_location_came_from_it() -> None:
    with pytest.raises(ConfigurationError, match=r"GOOGLE_CLOUD_LOCATION='eu-west4'.*'europe-west4'"):
        resolve_settings(environ={"GOOGLE_CLOUD_LOCATION": "eu-west4"})


def test_a_region_newer_than_the_list_is_accepted_through_the_escape_hatch() -> None:
    env = {"OPENAI_VERTEX_EXTRA_LOCATIONS": "europe-west5, asia-south9"}
    settings = resolve_settings(vertex_location="asia-south9", environ=env)
    assert settings.origin[1] == "asia-south9-aiplatform.googleapis.com"
    with pytest.raises(ConfigurationError):
        resolve_settings(vertex_location="asia-south9", environ={})


def _resolves(host: str) -> bool:
    try:
        socket.getaddrinfo(host, 443)
    except OSError:
        return False
    return True


UNRESOLVABLE = "zz-nowhere9"


@pytest.mark.skipif(_resolves(f"{UNRESOLVABLE}-aiplatform.googleapis.com"), reason="host resolves here")
def test_a_dns_failure_names_the_host_and_location(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_VERTEX_EXTRA_LOCATIONS", UNRESOLVABLE)
    client = openai_vertex.OpenAI(
        vertex_project="p-12345", vertex_location=UNRESOLVABLE, token_provider=lambda: "t", max_retries=0
    )
    with pytest.raises(openai.APIConnectionError) as caught:
        client.chat.completions.create(model="gemini-2.5-flash", messages=[{"role": "user", "content": "x"}])
    assert f"'{UNRESOLVABLE}-aiplatform.googleapis.com' (location '{UNRESOLVABLE}') does not resolve" in str(
        caught.value
    )


@pytest.mark.skipif(_resolves(f"{UNRESOLVABLE}-aiplatform.googleapis.com"), reason="host resolves here")
def test_a_dns_failure_names_the_location_for_patched_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_VERTEX_EXTRA_LOCATIONS", UNRESOLVABLE)
    with openai_vertex.patch(
        vertex_project="p-12345", vertex_location=UNRESOLVABLE, token_provider=lambda: "t"
    ):
        client = openai.OpenAI(max_retries=0)
        with pytest.raises(openai.APIConnectionError, match=f"location '{UNRESOLVABLE}'"):
            client.chat.completions.create(
                model="gemini-2.5-flash", messages=[{"role": "user", "content": "x"}]
            )


async def test_a_dns_failure_names_the_location_for_async_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    if _resolves(f"{UNRESOLVABLE}-aiplatform.googleapis.com"):
        pytest.skip("host resolves here")
    monkeypatch.setenv("OPENAI_VERTEX_EXTRA_LOCATIONS", UNRESOLVABLE)
    client = openai_vertex.AsyncOpenAI(
        vertex_project="p-12345", vertex_location=UNRESOLVABLE, token_provider=lambda: "t", max_retries=0
    )
    with pytest.raises(openai.APIConnectionError, match="does not resolve"):
        await client.chat.completions.create(
            model="gemini-2.5-flash", messages=[{"role": "user", "content": "x"}]
        )
