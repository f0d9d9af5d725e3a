"""Tests of openai_vertex.testing: the fakes must serve google-auth's real code paths and answer the
way Vertex does, or every test built on them proves nothing."""

from __future__ import annotations

import concurrent.futures
import datetime
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import google.auth
import google.auth.transport.requests
import jsonschema
import pytest
import requests
from google.auth import exceptions as gexc
from google.oauth2 import service_account

import openai_vertex.testing as testing
from openai_vertex.testing import CLOUD_PLATFORM_SCOPE, FakeGoogleAuth, FakeVertex, find_secrets, vcr_config
from openai_vertex.testing._vertex_replies import THOUGHT_TEXT, synthesize
from openai_vertex.testing._vertex_rules import VertexError

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1},
            },
            "required": ["city", "unit", "days"],
        },
    },
}


@pytest.fixture
def auth() -> Iterator[FakeGoogleAuth]:
    with FakeGoogleAuth() as fake:
        yield fake


@pytest.fixture
def vertex(auth: FakeGoogleAuth) -> Iterator[FakeVertex]:
    with FakeVertex(auth=auth) as fake:
        yield fake


def fresh_token(auth: FakeGoogleAuth) -> str:
    creds = auth.credentials()
    creds.refresh(google.auth.transport.requests.Request())
    return str(creds.token)


def chat(vertex: FakeVertex, token: str | None, body: dict[str, Any], **kw: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = vertex.base_url + "/chat/completions"
    return requests.post(url, json=body, headers=headers, timeout=10, **kw)


def user(text: str = "hello world", model: str = "google/gemini-2.5-flash", **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": text}], **extra}


def sse_chunks(resp: requests.Response) -> list[dict[str, Any]]:
    events = [e for e in resp.text.split("\n\n") if e.strip()]
    assert events[-1] == "data: [DONE]"
    return [json.loads(e.removeprefix("data: ")) for e in events[:-1]]


def assert_google_error(resp: requests.Response, code: int, status: str, text: str = "") -> None:
    assert resp.status_code == code
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert isinstance(body, list) and len(body) == 1
    assert body[0]["error"]["code"] == code
    assert body[0]["error"]["status"] == status
    assert text in body[0]["error"]["message"]


# -- FakeGoogleAuth: service-account path ------------------------------------------------------


def test_service_account_file_refresh(auth: FakeGoogleAuth, tmp_path: Path) -> None:
    path = auth.write_service_account_file(tmp_path)
    info = json.loads(path.read_text())
    assert info == auth.service_account_info()
    assert info["type"] == "service_account" and info["token_uri"] == auth.token_uri
    assert info["client_email"] == "fake-sa@fake-project.iam.gserviceaccount.com"
    assert info["private_key"].startswith("-----BEGIN PRIVATE KEY-----")
    assert path.stat().st_mode & 0o777 == 0o600
    creds = service_account.Credentials.from_service_account_file(str(path), scopes=[CLOUD_PLATFORM_SCOPE])
    creds.refresh(google.auth.transport.requests.Request())
    assert creds.token.startswith("fake-ya29.")
    assert auth.is_valid(creds.token) and auth.token_ordinal(creds.token) == 1
    assert auth.token_scopes(creds.token) == (CLOUD_PLATFORM_SCOPE,)
    assert auth.token_requests == 1 and auth.tokens_issued == 1
    assert not auth.is_valid("fake-ya29.made-up") and auth.token_ordinal("nope") is None
    assert auth.url in repr(auth) and creds.token not in repr(auth)


def test_google_auth_default_with_credentials_file(
    auth: FakeGoogleAuth, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(auth.write_service_account_file(tmp_path)))
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
    creds, project = google.auth.default(scopes=[CLOUD_PLATFORM_SCOPE])
    assert project == "fake-project"
    creds.refresh(google.auth.transport.requests.Request())
    assert auth.is_valid(creds.token)


def test_fail_next_invalid_grant_then_recovers(auth: FakeGoogleAuth) -> None:
    creds = auth.credentials()
    auth.fail_next(times=1)
    with pytest.raises(gexc.RefreshError) as info:
        creds.refresh(google.auth.transport.requests.Request())
    assert "invalid_grant" in str(info.value.args[0]) and not info.value.retryable
    creds.refresh(google.auth.transport.requests.Request())
    assert auth.is_valid(creds.token)
    assert auth.token_requests == 2 and auth.tokens_issued == 1


def test_bad_assertions_are_refused(auth: FakeGoogleAuth) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from google.auth import crypt, jwt

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    now = int(time.time())
    claims = {"iss": auth.client_email, "aud": auth.token_uri, "iat": now, "exp": now + 600, "scope": "x"}
    forged = jwt.encode(crypt.RSASigner.from_string(pem), claims).decode()
    grant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    for assertion in (forged, "not-a-jwt", ""):
        resp = requests.post(auth.token_uri, data={"grant_type": grant, "assertion": assertion}, timeout=5)
        assert resp.status_code == 400
        assert resp.json() == {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
    resp = requests.post(auth.token_uri, data={"grant_type": "password"}, timeout=5)
    assert resp.json()["error"] == "unsupported_grant_type"
    assert auth.tokens_issued == 0


def test_expiry_revocation_and_delay(auth: FakeGoogleAuth) -> None:
    auth.expires_in = 5
    creds = auth.credentials()
    creds.refresh(google.auth.transport.requests.Request())
    remaining = creds.expiry - datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    assert 3 < remaining.total_seconds() <= 5
    assert not creds.valid  # inside google-auth's refresh margin, so the client must refresh
    assert auth.is_valid(creds.token)
    auth.advance_clock(6)
    assert not auth.is_valid(creds.token)
    auth.expires_in = 3600
    first = fresh_token(auth)
    auth.revoke_all()
    assert not auth.is_valid(first) and auth.token_ordinal(first) == 2
    auth.delay = 0.3
    started = time.monotonic()
    second = fresh_token(auth)
    assert time.monotonic() - started >= 0.3
    assert auth.is_valid(second) and auth.token_ordinal(second) == 3


# -- FakeGoogleAuth: metadata-server path ------------------------------------------------------


def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    for name in ("GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT", "NO_GCE_CHECK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(home / "gcloud"))


def test_metadata_server_via_google_auth_default(
    auth: FakeGoogleAuth, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from google.auth import compute_engine
    from google.auth.compute_engine import _metadata

    _no_ambient_credentials(monkeypatch, tmp_path)
    for name, value in auth.metadata_env().items():
        monkeypatch.setenv(name, value)
    # google-auth caches these two at import; the subprocess test below covers the env-only route.
    monkeypatch.setattr(_metadata, "_GCE_METADATA_HOST", auth.metadata_host)
    monkeypatch.setattr(_metadata, "_NO_GCE_CHECK", False)
    creds, project = google.auth.default(scopes=["https://www.googleapis.com/auth/userinfo.email"])
    assert isinstance(creds, compute_engine.Credentials) and project == "fake-project"
    request = google.auth.transport.requests.Request()
    creds.refresh(request)
    assert auth.is_valid(creds.token) and creds.service_account_email == auth.client_email
    assert auth.token_scopes(creds.token) == ("https://www.googleapis.com/auth/userinfo.email",)
    assert creds.universe_domain == "googleapis.com"
    assert auth.token_requests == 1
    auth.fail_next(status=403, error="access_denied", description="no")
    with pytest.raises(gexc.RefreshError):
        creds.refresh(request)


def test_metadata_server_env_only_in_subprocess(auth: FakeGoogleAuth, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOOGLE_", "GCLOUD", "GCE_", "NO_GCE"))}
    env.update(auth.metadata_env(), HOME=str(tmp_path), CLOUDSDK_CONFIG=str(tmp_path / "gcloud"))
    script = (
        "import google.auth, google.auth.transport.requests as r\n"
        "c, p = google.auth.default(scopes=['https://www.googleapis.com/auth/cloud-platform'])\n"
        "c.refresh(r.Request())\n"
        "print(p, type(c).__module__, c.token.startswith('fake-ya29.'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.split() == ["fake-project", "google.auth.compute_engine.credentials", "True"]
    assert auth.tokens_issued == 1


def test_metadata_server_requires_flavor_header(auth: FakeGoogleAuth) -> None:
    url = auth.url + "/computeMetadata/v1/project/project-id"
    assert requests.get(url, timeout=5).status_code == 403
    assert (
        requests.get(
            url, headers={"Metadata-Flavor": "Google", "X-Forwarded-For": "1.2.3.4"}, timeout=5
        ).status_code
        == 403
    )
    resp = requests.get(url, headers={"Metadata-Flavor": "Google"}, timeout=5)
    assert (resp.status_code, resp.text, resp.headers["Metadata-Flavor"]) == (200, "fake-project", "Google")


# -- FakeVertex ----------------------------------------------------------------------------------


def test_non_streamed_echo(auth: FakeGoogleAuth, vertex: FakeVertex) -> None:
    assert vertex.base_url == (f"{vertex.url}/v1/projects/fake-project/locations/global/endpoints/openapi")
    token = fresh_token(auth)
    resp = chat(vertex, token, user("hello world", logprobs=True, parallel_tool_calls=False))
    assert resp.status_code == 200
    body = resp.json()
    assert body["object"] == "chat.completion" and body["model"] == "google/gemini-2.5-flash"
    assert body["system_fingerprint"] == "" and isinstance(body["created"], int)
    assert body["choices"] == [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Echo: hello world"},
            "finish_reason": "stop",
        }
    ]
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
    (rec,) = vertex.requests
    assert rec.authorized and rec.token_ordinal == 1 and rec.status == 200 and rec.method == "POST"
    assert rec.headers["authorization"] == "Bearer REDACTED" and token not in repr(rec)
    assert rec.ignored_keys == ("logprobs", "parallel_tool_calls")
    assert rec.body == user("hello world", logprobs=True, parallel_tool_calls=False)
    assert repr(vertex) == f"<FakeVertex {vertex.url}>"


def test_auth_failures_are_list_shaped_401(auth: FakeGoogleAuth, vertex: FakeVertex) -> None:
    for token in (None, "fake-ya29.unknown"):
        resp = chat(vertex, token, user())
        assert_google_error(resp, 401, "UNAUTHENTICATED", "Request had invalid authentication credentials")
        assert "ACCESS_TOKEN_TYPE_UNSUPPORTED" in resp.text
        assert resp.headers["www-authenticate"].startswith("Bearer")
    first = fresh_token(auth)
    assert chat(vertex, first, user()).status_code == 200
    auth.revoke_all()
    assert chat(vertex, first, user()).status_code == 401
    second = fresh_token(auth)
    assert chat(vertex, second, user()).status_code == 200
    vertex.reject_all_tokens = True
    assert chat(vertex, second, user()).status_code == 401
    assert [(r.authorized, r.token_ordinal) for r in vertex.requests] == [
        (False, None), (False, None), (True, 1), (False, 1), (True, 2), (True, 2)
    ]  # fmt: skip


def test_without_auth_any_bearer_or_token_check() -> None:
    with FakeVertex() as vertex:
        assert chat(vertex, "anything", user()).status_code == 200
        assert chat(vertex, None, user()).status_code == 401
        assert vertex.requests[0].headers["authorization"] == "Bearer anything"
    with FakeVertex(token_check=lambda t: t == "good") as vertex:
        assert chat(vertex, "good", user()).status_code == 200
        assert chat(vertex, "bad", user()).status_code == 401


def tool(name: str, parameters: Any = None) -> dict[str, Any]:
    fn: dict[str, Any] = {"name": name}
    if parameters is not None:
        fn["parameters"] = parameters
    return {"type": "function", "function": fn}


def obj(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props}


FN0 = "tools[0].function_declarations[0].parameters"
NESTED_TYPE_LIST = obj(a={"type": "array", "items": {"type": ["string", "null"]}})
SCHEMA_FORMAT = {"type": "json_schema", "json_schema": {"name": "x", "schema": {**obj(), "$defs": {}}}}
CASES = [
    ({"model": "gemini-2.5-flash"}, 400, "INVALID_ARGUMENT", "Malformed publisher model"),
    ({"model": "google/gpt-4o"}, 404, "NOT_FOUND",
     "Publisher Model `projects/fake-project/locations/global/publishers/google/models/gpt-4o` not found"),
    ({"messages": []}, 400, "INVALID_ARGUMENT", "messages"),
    ({"messages": [{"role": "developer", "content": "x"}, {"role": "user", "content": "y"}]},
     400, "INVALID_ARGUMENT", "Please use a valid role: user, model."),
    ({"tools": [WEATHER_TOOL], "tool_choice": {"type": "function", "function": {"name": "get_weather"}}},
     400, "INVALID_ARGUMENT", "Invalid value at 'tool_choice'"),
    ({"tools": [WEATHER_TOOL], "tool_choice": "any"}, 400, "INVALID_ARGUMENT",
     "Invalid value at 'tool_choice'"),
    ({"tools": [tool("f", {**obj(), "additionalProperties": False})]}, 400, "INVALID_ARGUMENT",
     f"Unknown name \"additionalProperties\" at '{FN0}': Cannot find field."),
    ({"tools": [WEATHER_TOOL, tool("g", obj(a={"type": "string"}, b={"$ref": "#/$defs/B"}))]},
     400, "INVALID_ARGUMENT",
     "Unknown name \"$ref\" at 'tools[0].function_declarations[1].parameters.properties[1].value'"),
    ({"tools": [tool("f", NESTED_TYPE_LIST)]}, 400, "INVALID_ARGUMENT",
     f"Invalid value at '{FN0}.properties[0].value.items.type'"),
    ({"tools": [tool("1bad")]}, 400, "INVALID_ARGUMENT", "Invalid function name"),
    ({"response_format": SCHEMA_FORMAT}, 400, "INVALID_ARGUMENT",
     "Unknown name \"$defs\" at 'generation_config.response_schema'"),
    ({"reasoning_effort": "low", "extra_body": {"google": {"thinking_config": {"thinking_budget": 10}}}},
     400, "INVALID_ARGUMENT", "Only one of reasoning_effort or extra_body.google.thinking_config"),
]  # fmt: skip


@pytest.mark.parametrize(("patch", "code", "status", "text"), CASES)
def test_validation_rules(
    auth: FakeGoogleAuth, vertex: FakeVertex, patch: dict[str, Any], code: int, status: str, text: str
) -> None:
    resp = chat(vertex, fresh_token(auth), {**user(), **patch})
    assert_google_error(resp, code, status, text)
    assert vertex.requests[-1].status == code


def _history(model: str, call_extra: dict[str, Any] | None, content: Any = None) -> dict[str, Any]:
    call = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
    return {
        "model": model,
        "tools": [WEATHER_TOOL],
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Weather?"},
            {"role": "assistant", "content": content, "tool_calls": [{**call, **(call_extra or {})}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
        ],
    }


def test_assistant_tool_call_history_rules(auth: FakeGoogleAuth, vertex: FakeVertex) -> None:
    token = fresh_token(auth)
    signed = {"extra_content": {"google": {"thought_signature": "skip_thought_signature_validator"}}}
    resp = chat(vertex, token, _history("google/gemini-3.1-pro-preview", None))
    assert_google_error(
        resp, 400, "INVALID_ARGUMENT",
        "Unable to submit request because function call `get_weather` in the 2. content block is missing a "
        "thought_signature.",
    )  # fmt: skip
    assert (
        chat(vertex, token, _history("google/gemini-3.1-pro-preview", signed)).json()["choices"][0][
            "message"
        ]["content"]
        == "Tool said: sunny"
    )
    assert chat(vertex, token, _history("google/gemini-2.5-flash", None)).status_code == 200
    resp = chat(vertex, token, _history("google/gemini-2.5-flash", None, content=""))
    assert_google_error(resp, 400, "INVALID_ARGUMENT", "empty text parameter")


def test_path_project_and_body_errors(auth: FakeGoogleAuth, vertex: FakeVertex) -> None:
    token = fresh_token(auth)
    headers = {"Authorization": f"Bearer {token}"}
    wrong = vertex.base_url.replace("fake-project", "other-project") + "/chat/completions"
    assert_google_error(requests.post(wrong, json=user(), headers=headers, timeout=5), 404, "NOT_FOUND")
    for url in (vertex.url + "/v1/models", vertex.base_url + "/embeddings"):
        assert_google_error(requests.post(url, json=user(), headers=headers, timeout=5), 404, "NOT_FOUND")
    url = vertex.base_url + "/chat/completions"
    assert_google_error(requests.get(url, headers=headers, timeout=5), 404, "NOT_FOUND")
    resp = requests.post(url, data=b"{not json", headers=headers, timeout=5)
    assert_google_error(resp, 400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
    v1beta1 = url.replace("/v1/", "/v1beta1/")
    assert requests.post(v1beta1, json=user(), headers=headers, timeout=5).status_code == 200


def test_fail_next_and_redirect_next(auth: FakeGoogleAuth, vertex: FakeVertex) -> None:
    token = fresh_token(auth)
    vertex.fail_next(429, times=2, headers={"Retry-After": "1"})
    for _ in range(2):
        resp = chat(vertex, token, user())
        assert_google_error(resp, 429, "RESOURCE_EXHAUSTED", "Resource exhausted")
        assert resp.headers["retry-after"] == "1"
    assert chat(vertex, token, user()).status_code == 200
    vertex.fail_next(503, body={"custom": True})
    assert chat(vertex, token, user()).json() == {"custom": True}
    vertex.redirect_next("https://elsewhere.example/x")
    resp = chat(vertex, token, user(), allow_redirects=False)
    assert (resp.status_code, resp.headers["location"]) == (307, "https://elsewhere.example/x")
    assert [r.status for r in vertex.requests] == [429, 429, 200, 503, 307]


@pytest.mark.parametrize("model", ["google/gemini-2.5-flash", "google/gemini-3-flash-preview"])
def test_tool_call_reply_and_round_trip(auth: FakeGoogleAuth, vertex: FakeVertex, model: str) -> None:
    token = fresh_token(auth)
    choice = chat(vertex, token, user("Weather in Paris?", model, tools=[WEATHER_TOOL])).json()["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    (call,) = choice["message"]["tool_calls"]
    assert call["id"].startswith("call_") and call["function"]["name"] == "get_weather"
    args = json.loads(call["function"]["arguments"])
    assert args == {"city": "a", "unit": "celsius", "days": 1}
    jsonschema.validate(args, WEATHER_TOOL["function"]["parameters"])
    assert ("extra_content" in call) == ("gemini-3" in model)
    history = user("Weather in Paris?", model, tools=[WEATHER_TOOL])
    history["messages"] += [
        choice["message"],
        {"role": "tool", "tool_call_id": call["id"], "content": "rain"},
    ]
    assert chat(vertex, token, history).json()["choices"][0]["message"]["content"] == "Tool said: rain"
    none = chat(vertex, token, user("hi", model, tools=[WEATHER_TOOL], tool_choice="none")).json()
    assert none["choices"][0]["message"]["content"] == "Echo: hi"


def test_stream_arrives_incrementally(auth: FakeGoogleAuth, vertex: FakeVertex) -> None:
    vertex.chunk_delay = 0.2
    started = time.monotonic()
    resp = chat(vertex, fresh_token(auth), user("one two three four", stream=True), stream=True)
    assert resp.headers["content-type"] == "text/event-stream" and "content-length" not in resp.headers
    arrivals, data = [], b""
    for piece in resp.iter_content(chunk_size=None):
        arrivals.append(time.monotonic() - started)
        data += piece
    # 5 content events + [DONE], 0.2 s apart: the first must not wait for the last.
    assert len(arrivals) >= 5 and arrivals[0] < 0.5 and arrivals[-1] - arrivals[0] >= 0.8
    events = [e for e in data.decode().split("\n\n") if e]
    chunks = [json.loads(e.removeprefix("data: ")) for e in events[:-1]]
    assert events[-1] == "data: [DONE]"
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == "Echo: one two three four"
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["usage"]["total_tokens"] > 0
    assert all("usage" not in c for c in chunks[:-1])


def test_streamed_tool_call_quirks(auth: FakeGoogleAuth, vertex: FakeVertex) -> None:
    body = user("Weather?", "google/gemini-3-flash-preview", tools=[WEATHER_TOOL], stream=True)
    chunks = sse_chunks(chat(vertex, fresh_token(auth), body))
    deltas = [d for c in chunks for d in c["choices"][0]["delta"].get("tool_calls", [])]
    assert len(deltas) >= 2
    assert len({d["id"] for d in deltas}) == 1
    assert all(d["function"]["name"] == "get_weather" for d in deltas)  # repeated, not once
    assert [d["index"] for d in deltas] == [1] + [0] * (len(deltas) - 1)
    assert "thought_signature" in deltas[0]["extra_content"]["google"]
    assert all("extra_content" not in d for d in deltas[1:])
    args = "".join(d["function"]["arguments"] for d in deltas)
    assert json.loads(args) == {"city": "a", "unit": "celsius", "days": 1}
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and "usage" in chunks[-1]
    vertex.stream_quirks = False
    deltas = [
        d
        for c in sse_chunks(chat(vertex, fresh_token(auth), body))
        for d in c["choices"][0]["delta"].get("tool_calls", [])
    ]
    assert {d["index"] for d in deltas} == {0} and "name" not in deltas[1]["function"]


def test_response_format_and_thoughts(auth: FakeGoogleAuth, vertex: FakeVertex) -> None:
    token = fresh_token(auth)
    schema = {
        "type": "object",
        "properties": {"tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
                       "meta": {"type": "object", "additionalProperties": {"type": "string"}}},
        "required": ["tags", "meta"],
        "additionalProperties": False,
    }  # fmt: skip
    fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}
    content = chat(vertex, token, user(response_format=fmt)).json()["choices"][0]["message"]["content"]
    jsonschema.validate(json.loads(content), schema)
    fmt = {"type": "json_object"}
    content = chat(vertex, token, user(response_format=fmt)).json()["choices"][0]["message"]["content"]
    assert isinstance(json.loads(content), dict)
    google = {"thinking_config": {"include_thoughts": True}, "thought_tag_marker": "think"}
    reply = chat(vertex, token, user("hi", extra_body={"google": google})).json()
    assert reply["choices"][0]["message"]["content"] == f"<think>{THOUGHT_TEXT}</think>Echo: hi"
    assert reply["usage"]["completion_tokens_details"]["reasoning_tokens"] > 0
    google = {"thinking_config": {"include_thoughts": True}}
    reply = chat(vertex, token, user("hi", extra_body={"google": google})).json()
    assert reply["choices"][0]["message"]["content"] == f"{THOUGHT_TEXT}\n\nEcho: hi"  # untagged, mixed in


def test_queue_reply(auth: FakeGoogleAuth, vertex: FakeVertex) -> None:
    token = fresh_token(auth)
    vertex.queue_reply(content="scripted")
    vertex.queue_reply(tool_calls=[{"function": {"name": "f", "arguments": '{"a": 1}'}}])
    vertex.queue_reply(raw={"choices": [], "weird": True})
    vertex.queue_reply(raw='data: {"choices": []}\n\nevent: error\ndata: {"error": {"code": 500}}\n\n')
    assert chat(vertex, token, user()).json()["choices"][0]["message"]["content"] == "scripted"
    choice = chat(vertex, token, user()).json()["choices"][0]
    assert choice["finish_reason"] == "tool_calls" and choice["message"]["tool_calls"][0]["id"].startswith(
        "call_"
    )
    assert chat(vertex, token, user()).json() == {"choices": [], "weird": True}
    text = chat(vertex, token, user(stream=True)).text
    assert text.endswith('event: error\ndata: {"error": {"code": 500}}\n\n')
    assert chat(vertex, token, user()).json()["choices"][0]["message"]["content"] == "Echo: hello world"


def test_handler_failure_is_quiet(
    auth: FakeGoogleAuth, vertex: FakeVertex, capfd: pytest.CaptureFixture[str]
) -> None:
    token = fresh_token(auth)
    vertex.queue_reply(raw={"not": object()})  # cannot be serialised: the handler raises
    assert_google_error(chat(vertex, token, user()), 500, "INTERNAL")
    assert chat(vertex, token, user()).status_code == 200  # the server survives
    err = capfd.readouterr().err
    assert "Traceback" not in err and token not in err


def test_concurrent_requests_and_close(auth: FakeGoogleAuth) -> None:
    token = fresh_token(auth)
    with FakeVertex(auth=auth) as vertex, concurrent.futures.ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(lambda i: chat(vertex, token, user(f"n{i}")).status_code, range(32)))
        assert codes == [200] * 32 and len(vertex.requests) == 32
        url = vertex.base_url
    with pytest.raises(requests.ConnectionError):
        requests.post(url + "/chat/completions", json=user(), timeout=2)
    assert repr(vertex) == "<FakeVertex closed>"
    vertex.close()  # idempotent


def test_synthesize_minimal_instances() -> None:
    assert synthesize(None) is None and synthesize({}) is None
    assert synthesize({"type": ["null", "integer"], "minimum": 2.5}) == 3
    assert synthesize({"anyOf": [{"type": "boolean"}, {"type": "string"}]}) is False
    assert synthesize({"type": "string", "format": "date-time"}) == "1970-01-01T00:00:00Z"
    assert synthesize({"type": "string", "minLength": 3, "maxLength": 4}) == "aaa"
    ref = {"$defs": {"P": {"type": "object", "properties": {"x": {"const": 7}}, "required": ["x"]}},
           "type": "array", "items": {"$ref": "#/$defs/P"}, "minItems": 1}  # fmt: skip
    assert synthesize(ref) == [{"x": 7}]
    assert synthesize({"type": "object", "properties": {"a": {"type": "boolean"}}, "minProperties": 1}) == {
        "a": False
    }
    both = {"allOf": [obj(a={"type": "integer"}), obj(b={"type": "string"})]}
    both["allOf"][0]["required"], both["allOf"][1]["required"] = ["a"], ["b"]
    assert synthesize(both) == {"a": 0, "b": "a"}
    assert synthesize({"type": "integer", "exclusiveMinimum": 4}) == 5
    assert synthesize({"type": "string", "pattern": "^[0-9]{3}$"}) == "000"
    with pytest.raises(VertexError, match="Invalid regular expression"):
        synthesize({"type": "string", "pattern": "(unclosed"})
    assert synthesize({"type": "INTEGER", "format": "enum", "enum": ["7", "8"]}) == 7


# -- vcr config ----------------------------------------------------------------------------------


def test_vcr_config_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    cfg = vcr_config()
    assert cfg["record_mode"] == "once" and cfg["decode_compressed_response"] is True
    assert "oauth2.googleapis.com" in cfg["ignore_hosts"] and "169.254.169.254" in cfg["ignore_hosts"]
    monkeypatch.setenv("CI", "true")
    assert vcr_config()["record_mode"] == "none"


def test_vcr_cassette_is_scrubbed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import vcr

    monkeypatch.delenv("CI", raising=False)
    api_key = "AIza" + "Sy" + "A" * 33
    planted = {"access_token": "ya29.planted", "refresh_token": "1//0planted", "id_token": "eyJplanted"}
    with (
        FakeGoogleAuth(project_id="secret-proj-123") as auth,
        FakeVertex(auth=auth, project="secret-proj-123") as vertex,
    ):
        recorder = vcr.VCR(**vcr_config(project_ids=["secret-proj-123"]), cassette_library_dir=str(tmp_path))

        def session() -> list[Any]:
            creds = auth.credentials()
            creds.refresh(google.auth.transport.requests.Request())
            headers = {
                "Authorization": f"Bearer {creds.token}",
                "x-goog-api-key": api_key,
                "x-goog-user-project": "secret-proj-123",
                "Cookie": "SID=secret-cookie",
            }
            url = vertex.base_url + "/chat/completions?key=" + api_key
            out = [requests.post(url, json=user(), headers=headers, timeout=5).json()]
            vertex.queue_reply(raw=planted)
            out.append(requests.post(url, json=user(), headers=headers, timeout=5).json())
            vertex.fail_next(404, headers={"Set-Cookie": "SID=secret-cookie"})
            out.append(requests.post(url, json=user(), headers=headers, timeout=5).json())
            # Vertex's 404 text quotes the resource name, project id included.
            out.append(requests.post(url, json=user(model="google/nope"), headers=headers, timeout=5).json())
            return out

        with recorder.use_cassette("scrub.yaml"):
            recorded = session()
        text = (tmp_path / "scrub.yaml").read_text()
        assert find_secrets(text) == []
        for secret in ("secret-proj-123", "secret-cookie", "planted", api_key, "eyJ"):  # eyJ: any JWT
            assert secret not in text, secret
        assert "projects/PROJECT/locations" in text and "assertion=REDACTED" in text
        assert recorded[1] == planted  # the live response was not altered
        # The scrubbed cassette replays (Content-Length was fixed up) without touching the fakes.
        seen = len(vertex.requests)
        with recorder.use_cassette("scrub.yaml", record_mode="none"):
            replayed = session()
        assert len(vertex.requests) == seen
        assert replayed[0] == recorded[0] and replayed[1]["access_token"] == "REDACTED"


def test_find_secrets_patterns() -> None:
    samples = {
        "google_access_token": "tok ya29.abc",
        "fake_access_token": "fake-ya29.abc",
        "google_api_key": "AIza" + "x" * 35,
        "google_refresh_token": "1//0abc",
        "private_key": "-----BEGIN RSA PRIVATE KEY-----",
        "access_token_json": '{"access_token": "abc"}',
        "bearer_token": "Bearer abc",
        "refresh_token_form": "a=1&refresh_token=abc",
        "x_goog_api_key": "    x-goog-api-key:\n    - abc",
    }
    assert set(samples) == set(testing.SECRET_PATTERNS)
    for name, text in samples.items():
        assert name in find_secrets(text), name
    clean = '{"access_token": "REDACTED"} Bearer REDACTED\n    x-goog-api-key:\n    - REDACTED\n'
    assert find_secrets(clean) == []
    assert find_secrets('x-goog-api-key: "REDACTED"') == []


# -- package surface -----------------------------------------------------------------------------


def test_public_names() -> None:
    assert sorted(testing.__all__) == sorted(
        ["CLOUD_PLATFORM_SCOPE", "SECRET_PATTERNS", "TOKEN_PREFIX", "FakeGoogleAuth", "FakeVertex",
         "RecordedRequest", "find_secrets", "vcr_config"]
    )  # fmt: skip
    for name in testing.__all__:
        assert getattr(testing, name) is not None


def test_import_is_light_and_separate() -> None:
    script = (
        "import sys\n"
        "import openai_vertex\n"
        "assert 'openai_vertex.testing' not in sys.modules\n"
        "before = set(sys.modules)\n"
        "import openai_vertex.testing\n"
        "heavy = ('cryptography', 'google', 'vcr', 'requests', 'httpx', 'yaml')\n"
        "print(sorted({m.split('.')[0] for m in set(sys.modules) - before} & set(heavy)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"
