"""The OpenAI APIs openai-vertex does not serve, and what to use on Google Cloud instead.

Checked in ``_prepare_options``, so a refused call raises before any request is built: nothing is sent
to Vertex with a Google token for an API Vertex does not serve. Keys are the first path segment the
SDK requests (``/images/generations`` -> ``images``); a test checks every path of the installed SDK is
either served (chat completions, embeddings, models, responses) or listed here.

The websocket APIs (``client.realtime.connect()``, ...) are dialled by the SDK itself, outside every
HTTP hook, so `refuse_websockets` puts the same refusal on the client's resources instead.
"""

from __future__ import annotations

from typing import Any, NoReturn

from ..exceptions import TranslationError

__all__ = ["REFUSED", "WEBSOCKETS", "allow_websockets", "refuse_unserved", "refuse_websockets"]

_GENAI = "the google-genai SDK (vertexai=True)"
# first path segment -> (the OpenAI API, the Google Cloud alternative)
REFUSED: dict[str, tuple[str, str]] = {
    "completions": ("legacy Completions", "client.chat.completions.create"),
    "moderations": ("Moderations", "Gemini's safety settings, or a Gemini prompt that classifies the text"),
    "images": ("Images", f"Imagen / Gemini image models through {_GENAI}"),
    "videos": ("Videos", f"Veo through {_GENAI}"),
    "audio": ("Audio", "Cloud Speech-to-Text and Text-to-Speech, or Gemini audio input via chat completions"),
    "files": ("Files", "Cloud Storage (gs:// URIs) with Vertex AI"),
    "uploads": ("Uploads", "Cloud Storage (gs:// URIs) with Vertex AI"),
    "batches": ("Batch", "Vertex AI batch prediction (google-genai client.batches)"),
    "fine_tuning": ("Fine-tuning", "Vertex AI supervised tuning (google-genai client.tunings)"),
    "vector_stores": ("Vector stores", "Vertex AI Vector Search or the Vertex AI RAG Engine"),
    "assistants": ("Assistants (beta)", "Vertex AI Agent Engine, or chat completions with tools"),
    "threads": ("Threads (beta)", "Vertex AI Agent Engine sessions, or chat completions with your history"),
    "agents": ("Agents (beta)", "Vertex AI Agent Engine"),
    "chatkit": ("ChatKit (beta)", "Vertex AI Agent Engine"),
    "realtime": ("Realtime", "the Gemini Live API through google-genai (client.aio.live)"),
    "live": ("Live", "the Gemini Live API through google-genai (client.aio.live)"),
    "evals": ("Evals", "the Vertex AI Gen AI evaluation service"),
    "containers": ("Containers", "Gemini code execution (a tool in google-genai)"),
    "conversations": ("Conversations", "chat completions with the history kept by your application"),
    "skills": ("Skills", "Vertex AI Agent Engine"),
    "vaults": ("Vaults", "Secret Manager"),
    "safety": ("Safety", "Gemini's safety settings and Model Armor"),
    "decisions": ("Decisions", "chat completions with a structured output schema"),
    "content_provenance_checks": (
        "Content provenance checks",
        "SynthID detection for Google-generated media",
    ),
    "webhook_endpoints": ("Webhooks", "Pub/Sub or Eventarc notifications"),
    "webhook_event_types": ("Webhooks", "Pub/Sub or Eventarc notifications"),
    "organization": ("Admin", "Cloud IAM and Cloud Billing"),
    "projects": ("Admin", "Cloud IAM and Cloud Billing"),
}


# Each websocket `connect()` of the SDK, by its resource's path on the client -> (API, alternative).
# A test checks every `connect` of the installed SDK is listed.
_RESPONSES_WS = (
    "Responses WebSocket",
    "client.responses.create(stream=True), which openai-vertex serves",
)
WEBSOCKETS: dict[str, tuple[str, str]] = {
    "realtime": REFUSED["realtime"],
    "beta.realtime": REFUSED["realtime"],
    "realtime.translations": REFUSED["realtime"],
    "live": REFUSED["live"],
    "live.sideband": REFUSED["live"],
    "live.forks": REFUSED["live"],
    "responses": _RESPONSES_WS,
    "beta.responses": _RESPONSES_WS,
}


def _refusal(api: str, alternative: str) -> TranslationError:
    return TranslationError(
        f"openai-vertex does not serve OpenAI's {api} API (Vertex AI has no equivalent endpoint); "
        f"nothing was sent. On Google Cloud use {alternative} instead."
    )


def refuse_unserved(segment: str) -> None:
    """Raise the refusal for an API (the first segment of the SDK's request path) if it is listed."""
    entry = REFUSED.get(segment)
    if entry is not None:
        raise _refusal(*entry)


class _RefusedConnect:
    """Stands in for a resource's ``connect``: raises before the SDK builds any connection."""

    def __init__(self, api: str, alternative: str) -> None:
        self.entry = (api, alternative)

    def __call__(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise _refusal(*self.entry)


def _websocket_resources(client: Any) -> list[tuple[Any, tuple[str, str]]]:
    """The client's resources that have a websocket ``connect`` (those this openai release has)."""
    found = []
    for path, entry in WEBSOCKETS.items():
        resource = client
        for name in path.split("."):
            resource = getattr(resource, name, None)  # the SDK's cached_property: built once, kept
        if resource is not None and callable(getattr(resource, "connect", None)):
            found.append((resource, entry))
    return found


def refuse_websockets(client: Any) -> None:
    """Make each websocket ``connect()`` of ``client`` raise its refusal (an instance attribute
    shadows the SDK's method): the SDK would otherwise dial a websocket on the Vertex host."""
    for resource, entry in _websocket_resources(client):
        vars(resource)["connect"] = _RefusedConnect(*entry)


def allow_websockets(client: Any) -> None:
    """Undo `refuse_websockets` (``unpatch()`` hands an adopted client back to OpenAI)."""
    for resource, _ in _websocket_resources(client):
        if isinstance(vars(resource).get("connect"), _RefusedConnect):
            del vars(resource)["connect"]
