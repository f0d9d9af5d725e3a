"""Make Vertex's responses read like OpenAI's.

Errors: Vertex answers ``[{"error": {"code", "message", "status"}}]`` (a list) where OpenAI answers
``{"error": {"message", "type", "code", "param"}}``; the SDK then leaves ``e.code``/``e.type`` empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["normalize_error"]

_OPENAI_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}

_HINTS = {
    401: (
        "openai-vertex: Vertex rejected the Google access token even after one refresh and retry. Check that "
        "the credentials are Google Cloud credentials (not an OpenAI or Gemini API key) and still valid: "
        "run 'gcloud auth application-default login', or check GOOGLE_APPLICATION_CREDENTIALS."
    ),
    403: (
        "openai-vertex: the credentials lack permission. Grant the principal roles/aiplatform.user on the "
        "project and enable the Vertex AI API (gcloud services enable aiplatform.googleapis.com)."
    ),
}


def normalize_error(err_msg: str, body: object, status_code: int) -> tuple[str, object]:
    """Return the (message, body) to build the SDK's status error from."""
    google = _google_error(body)
    if google is None:
        return err_msg, body
    status = google.get("status")
    error: dict[str, Any] = {
        "message": str(google.get("message", "")),
        "type": _OPENAI_TYPES.get(status_code, "server_error" if status_code >= 500 else "api_error"),
        "code": status if isinstance(status, str) else google.get("code"),
        "param": None,
    }
    if "details" in google:
        error["details"] = google["details"]
    normalized = {"error": error}
    message = f"Error code: {status_code} - {normalized}"
    hint = _HINTS.get(status_code)
    return (f"{message}\n{hint}" if hint else message), normalized


def _google_error(body: object) -> Mapping[str, Any] | None:
    if isinstance(body, list) and body and isinstance(body[0], Mapping):
        body = body[0]
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping) and ("status" in error or "type" not in error):
            return error
    return None
