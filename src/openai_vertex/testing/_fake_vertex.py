"""A fake of Vertex AI's OpenAI-compatible Chat Completions endpoint on 127.0.0.1.

It checks the bearer token against a `FakeGoogleAuth`, judges the body with Vertex's known rules
(`_vertex_rules`), answers with deterministic replies in Vertex's shapes (`_vertex_replies`), and
always reports errors in Google's list shape ``[{"error": {...}}]``. Besides ``endpoints/openapi`` it
serves self-deployed models on ``endpoints/{ENDPOINT_ID}/chat/completions``: "replace `openapi` with the
endpoint ID" (https://docs.cloud.google.com/vertex-ai/generative-ai/docs/migrate/openai/auth-and-credentials,
"Call a self-deployed model" in .../migrate/openai/examples).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._fake_predict import publisher_route
from ._server import JSON_TYPE, Exchange, LoopbackServer
from ._vertex_limits import check_generation
from ._vertex_replies import IdSource, Reply, completion, plan_reply, scripted_reply, stream_events
from ._vertex_rules import (
    VertexError,
    check_deployed_model,
    google_error,
    ignored_keys,
    model_id,
    validate_body,
)

if TYPE_CHECKING:
    from ._fake_google_auth import FakeGoogleAuth

__all__ = ["FakeVertex", "RecordedRequest"]

_CHAT_PATH = re.compile(
    r"^/(?P<version>v1|v1beta1)/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"
    r"/endpoints/(?P<endpoint>[^/]+)/chat/completions$"
)
_UNAUTHENTICATED_DETAILS = [
    {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "ACCESS_TOKEN_TYPE_UNSUPPORTED",
        "domain": "googleapis.com",
        "metadata": {
            "service": "aiplatform.googleapis.com",
            "method": "google.cloud.aiplatform.v1.PredictionService.ChatCompletions",
        },
    }
]
_WWW_AUTHENTICATE = {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'}


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received.

    ``headers`` has lower-cased names; a bearer token issued by the attached `FakeGoogleAuth` (or any
    ``ya29.`` token) is shown as ``Bearer REDACTED`` - use ``token_ordinal`` to tell tokens apart.
    """

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    authorized: bool
    token_ordinal: int | None
    query: str = ""
    ignored_keys: tuple[str, ...] = ()  # top-level keys Vertex ignores silently
    status: int = 0  # the status the fake answered with


@dataclass(frozen=True)
class _Scripted:
    reply: Reply | None
    raw: Any


class FakeVertex(LoopbackServer):
    """Vertex's ``…/endpoints/openapi/chat/completions`` on 127.0.0.1; use as a context manager.

    With ``auth``, each request needs ``Authorization: Bearer <token>`` that ``auth.is_valid``
    accepts; otherwise any bearer token passes, or ``token_check(token)`` decides.

    ``model`` must be ``google/`` and one of the Gemini ids Vertex documents for this endpoint
    (`CHAT_MODELS` in ``_vertex_rules``); ``extra_models=["gemini-9-flash"]`` accepts ids newer than
    that list (served on every location, with the limits of their family).
    ``endpoints={"1234567890": "gemma-2-9b-it"}`` deploys models: ``endpoint_base_url("1234567890")``
    is then the SDK ``base_url`` for it, where ``model`` is omitted or the deployed model's id.
    """

    _thread_name = "fake-vertex"

    def __init__(
        self,
        auth: FakeGoogleAuth | None = None,
        *,
        project: str = "fake-project",
        location: str = "global",
        api_version: str = "v1",
        token_check: Callable[[str], bool] | None = None,
        chunk_delay: float = 0.0,
        extra_models: Iterable[str] = (),
        endpoints: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.auth = auth
        self.project = project
        self.location = location
        self.api_version = api_version
        self.token_check = token_check
        self.chunk_delay = chunk_delay  # seconds between streamed SSE events
        self.extra_models = frozenset(extra_models)  # model ids accepted beyond the documented ones
        self.endpoints = dict(endpoints or {})  # self-deployed endpoint id -> deployed model id
        self.reject_all_tokens = False  # every request answers 401
        self.stream_quirks = True  # reproduce Vertex's streamed tool-call quirks
        self.predict_delay = 0.0  # seconds before each :predict answer (see _fake_predict)
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._failures: list[tuple[int, Any, dict[str, str]]] = []
        self._redirects: list[tuple[str, int]] = []
        self._scripted: list[_Scripted] = []
        self._ids = IdSource()

    @property
    def base_url(self) -> str:
        """The OpenAI SDK ``base_url`` (the ``…/endpoints/openapi`` root)."""
        return (
            f"{self.url}/{self.api_version}/projects/{self.project}"
            f"/locations/{self.location}/endpoints/openapi"
        )

    def endpoint_base_url(self, endpoint_id: str) -> str:
        """The SDK ``base_url`` of a self-deployed endpoint (``…/endpoints/{endpoint_id}``)."""
        return self.base_url.rpartition("/")[0] + f"/{endpoint_id}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the requests received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def fail_next(
        self,
        status: int = 429,
        times: int = 1,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``times`` authorized chat requests with ``status``.

        ``body`` defaults to Google's list-shaped error for the status; a str/bytes body is sent as is.
        """
        with self._lock:
            self._failures.extend([(status, body, dict(headers or {}))] * times)

    def redirect_next(self, location: str, status: int = 307) -> None:
        """Answer the next request (any path, before the auth check) with a redirect."""
        with self._lock:
            self._redirects.append((location, status))

    def queue_reply(
        self,
        message: dict[str, Any] | None = None,
        *,
        content: str | None = None,
        tool_calls: list[dict[str, Any]] | None = None,
        finish_reason: str | None = None,
        raw: Any = None,
    ) -> None:
        """Script the answer to the next valid chat request (replies are used in order).

        ``raw``: the exact JSON body to return; for a streamed request a list of chunk objects (each
        sent as one ``data:`` event, then ``[DONE]``) or a str/bytes written verbatim.
        """
        reply = (
            None
            if raw is not None
            else scripted_reply(message, content, tool_calls, finish_reason, self._ids)
        )
        with self._lock:
            self._scripted.append(_Scripted(reply, raw))

    # -- serving -----------------------------------------------------------------------------
    def handle(self, ex: Exchange) -> None:
        parsed = ex.json_body()
        body = parsed if isinstance(parsed, dict) else None
        token = _bearer(ex.headers.get("authorization", ""))
        ordinal = self.auth.token_ordinal(token) if self.auth is not None and token else None
        authorized = token is not None and self._accepts(token)

        def record(status: int) -> None:
            headers = dict(ex.headers)
            if token is not None and (ordinal is not None or token.startswith("ya29.")):
                headers["authorization"] = "Bearer REDACTED"
            keys = ignored_keys(body) if body is not None else ()
            entry = RecordedRequest(
                ex.method, ex.path, headers, body, authorized, ordinal, ex.query_string, keys, status
            )
            with self._lock:
                self._requests.append(entry)

        def fail(error: VertexError, headers: dict[str, str] | None = None) -> None:
            record(error.code)
            ex.send_json(error.code, google_error(error.code, error.message, error.details), headers)

        with self._lock:
            redirect = self._redirects.pop(0) if self._redirects else None
        if redirect is not None:
            record(redirect[1])
            ex.send(redirect[1], b"", None, {"Location": redirect[0]})
            return
        match = _CHAT_PATH.match(ex.path)
        publisher = None if match is not None else publisher_route(ex.method, ex.path)  # _fake_predict
        if publisher is None and (match is None or ex.method != "POST"):
            fail(VertexError(404, f"The requested URL {ex.path} was not found on this server."))
            return
        if self.reject_all_tokens or not authorized:
            fail(VertexError(401, None, _UNAUTHENTICATED_DETAILS), _WWW_AUTHENTICATE)
            return
        resource = "" if match is None else f"projects/{match['project']}/locations/{match['location']}"
        endpoint = "openapi" if match is None else match["endpoint"]
        if match is not None and (match["project"], match["location"]) != (self.project, self.location):
            fail(VertexError(404, f"Resource `{resource}/endpoints/{endpoint}` was not found."))
            return
        deployed = self.endpoints.get(endpoint)
        if endpoint != "openapi" and deployed is None:
            fail(VertexError(404, f"Endpoint `{resource}/endpoints/{endpoint}` not found."))
            return
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            status, payload, headers = failure
            record(status)
            if isinstance(payload, (str, bytes)):
                data = payload.encode() if isinstance(payload, str) else payload
                ex.send(status, data, JSON_TYPE, headers)
            else:
                ex.send_json(status, payload if payload is not None else google_error(status), headers)
            return
        if publisher is not None:
            try:
                status, payload = publisher(self, ex, parsed)
            except VertexError as error:
                fail(error)
                return
            record(status)
            ex.send_json(status, payload)
            return
        if body is None:
            fail(VertexError(400, "Invalid JSON payload received. Expected an object."))
            return
        with self._lock:
            scripted = self._scripted.pop(0) if self._scripted else None
        served = body if deployed is None else {**body, "model": deployed}  # answered under this id
        try:
            if deployed is None:
                validate_body(body, resource=resource, extra_models=self.extra_models)
                check_generation(body, model_id(body), self.location)
            else:  # a self-deployed model runs in its own container: no Gemini rules
                check_deployed_model(body, deployed, f"{resource}/endpoints/{endpoint}")
            raw_reply = scripted is not None and scripted.reply is None
            reply = None if raw_reply else (scripted and scripted.reply) or plan_reply(served, self._ids)
        except VertexError as error:
            fail(error)
            return
        except (TypeError, AttributeError, KeyError, IndexError, ValueError):
            # Vertex reads the body into its typed request and answers a value of the wrong type with
            # 400 INVALID_ARGUMENT "Invalid JSON payload received..." (Google's API error model,
            # https://cloud.google.com/apis/design/errors); never a 500 or a traceback.
            fail(VertexError(400, "Invalid JSON payload received. A value has the wrong type for its field."))
            return
        record(200)
        if body.get("stream") is True:
            self._stream(ex, served, scripted, reply)
        elif reply is not None:
            ex.send_json(200, completion(served, reply, self._ids))
        elif scripted is not None:  # a scripted raw answer, sent as it is
            raw = scripted.raw
            if isinstance(raw, (str, bytes)):
                ex.send(200, raw.encode() if isinstance(raw, str) else raw, JSON_TYPE)
            else:
                ex.send_json(200, raw)

    def _accepts(self, token: str) -> bool:
        if self.auth is not None:
            return self.auth.is_valid(token)
        if self.token_check is not None:
            return self.token_check(token)
        return bool(token)

    def _stream(self, ex: Exchange, body: dict[str, Any], scripted: _Scripted | None, reply: Any) -> None:
        events: list[bytes]
        if scripted is not None and scripted.reply is None:
            raw = scripted.raw
            if isinstance(raw, list):
                events = [b"data: " + json.dumps(c).encode() + b"\n\n" for c in raw] + [b"data: [DONE]\n\n"]
            else:
                data = raw if isinstance(raw, bytes) else str(raw).encode()
                # One write per SSE event so chunk_delay applies between them.
                events = [part + b"\n\n" for part in data.split(b"\n\n") if part]
        else:
            events = stream_events(body, reply, self._ids, quirks=self.stream_quirks)
        ex.start_stream(200, "text/event-stream")
        for i, event in enumerate(events):
            if i and self.chunk_delay > 0:
                time.sleep(self.chunk_delay)
            ex.write_chunk(event)
        ex.end_stream()


def _bearer(header: str) -> str | None:
    scheme, _, credentials = header.strip().partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None
