"""vcrpy settings that keep Google credentials and project ids out of cassettes, and a scanner.

vcrpy's ``filter_*`` options act on requests only; a token endpoint's *response* carries the access
token, so ``before_record_response`` scrubs bodies too (reliability.md §3.4). Nothing here imports
vcrpy: `vcr_config` returns plain keyword arguments for ``vcr.VCR(**cfg)`` or pytest-recording's
``vcr_config`` fixture.
"""

from __future__ import annotations

import copy
import os
import re
import types
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["SECRET_PATTERNS", "find_secrets", "vcr_config"]

REDACTED = "REDACTED"

# Name -> pattern. Backslash-tolerant where a JSON serializer may have escaped the quotes, and the
# header pattern skips YAML list syntax (``x-goog-api-key:\n- value``) before looking at the value.
SECRET_PATTERNS: Mapping[str, re.Pattern[str]] = types.MappingProxyType(
    {
        "google_access_token": re.compile(r"ya29\."),
        "fake_access_token": re.compile(r"fake-ya29\."),
        "google_api_key": re.compile(r"AIza[0-9A-Za-z_-]{35}"),
        "google_refresh_token": re.compile(r"1//0"),
        "private_key": re.compile(r"-----BEGIN (RSA )?PRIVATE KEY"),
        "access_token_json": re.compile(r"\\?\"access_token\\?\"\s*:\s*\\?\"(?!REDACTED)"),
        "bearer_token": re.compile(r"Bearer (?!REDACTED)"),
        "refresh_token_form": re.compile(r"refresh_token="),
        "x_goog_api_key": re.compile(
            r"x-goog-api-key:[\s\-\[\]'\"]*(?![\s\-\[\]'\"]|REDACTED)", re.IGNORECASE
        ),
    }
)

_TOKEN_FIELDS = ("access_token", "id_token", "refresh_token")
# "key": "value" in JSON (optionally backslash-escaped) and key=value in form bodies.
_FIELDS = "|".join(_TOKEN_FIELDS)
_JSON_TOKEN = re.compile(r'(\\?"(?:' + _FIELDS + r')\\?"\s*:\s*\\?")(?:[^"\\]|\\.)*?(\\?")')
_FORM_TOKEN = re.compile(r"(\b(?:" + _FIELDS + r")=)[^&\s\"']+")
_ANY_PROJECT = re.compile(r"(projects/)(?!PROJECT/)[^/?#\s\"']+(/)")
_IGNORED_HOSTS = (
    "oauth2.googleapis.com",
    "sts.googleapis.com",
    "iamcredentials.googleapis.com",
    "metadata.google.internal",
    "169.254.169.254",
)


def find_secrets(text: str) -> list[str]:
    """Names of the `SECRET_PATTERNS` that occur in ``text`` (never the matched text itself)."""
    return [name for name, pattern in SECRET_PATTERNS.items() if pattern.search(text)]


def vcr_config(*, project_ids: Sequence[str] = ()) -> dict[str, Any]:
    """Keyword arguments for ``vcr.VCR`` that scrub secrets and project ids.

    ``project_ids``: ids replaced by ``PROJECT`` (in ``projects/<id>/`` paths and anywhere in
    bodies); when empty, any ``projects/<id>/`` path segment is replaced. Recording is off
    (``record_mode="none"``) when the ``CI`` environment variable is set.
    """
    scrub_uri, scrub = _project_scrubbers(tuple(project_ids))
    in_ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")

    def before_record_request(request: Any) -> Any:
        request.uri = scrub_uri(request.uri)
        body = request.body
        if isinstance(body, (bytes, str)) and body:
            text = body.decode("utf-8", "surrogateescape") if isinstance(body, bytes) else body
            new = scrub(text)
            if new != text:
                request.body = new.encode("utf-8", "surrogateescape") if isinstance(body, bytes) else new
        return request

    def before_record_response(response: dict[str, Any]) -> dict[str, Any]:
        response = copy.deepcopy(response)  # vcrpy may hand us the live response
        headers = response.get("headers") or {}
        for name in [n for n in headers if n.lower() in ("set-cookie", "set-cookie2")]:
            del headers[name]
        body = response.get("body") or {}
        raw = body.get("string")
        if isinstance(raw, (bytes, str)) and raw:
            text = raw.decode("utf-8", "surrogateescape") if isinstance(raw, bytes) else raw
            new = scrub(_FORM_TOKEN.sub(r"\1" + REDACTED, _JSON_TOKEN.sub(r"\1" + REDACTED + r"\2", text)))
            if new != text:
                data = new.encode("utf-8", "surrogateescape") if isinstance(raw, bytes) else new
                body["string"] = data
                # A stale Content-Length makes urllib3 reject the replayed body.
                for name in [n for n in headers if n.lower() == "content-length"]:
                    headers[name] = [str(len(data if isinstance(data, bytes) else data.encode()))]
        return response

    return {
        "filter_headers": [
            ("authorization", REDACTED),
            ("x-goog-api-key", REDACTED),
            ("x-goog-user-project", REDACTED),
            ("cookie", None),
        ],
        "filter_query_parameters": [("key", REDACTED), ("access_token", REDACTED)],
        "filter_post_data_parameters": [
            ("assertion", REDACTED),
            ("refresh_token", REDACTED),
            ("client_secret", REDACTED),
            ("client_id", REDACTED),
        ],
        "before_record_request": before_record_request,
        "before_record_response": before_record_response,
        "ignore_hosts": list(_IGNORED_HOSTS),
        "record_mode": "none" if in_ci else "once",
        "decode_compressed_response": True,
    }


def _project_scrubbers(project_ids: tuple[str, ...]) -> tuple[Callable[[str], str], Callable[[str], str]]:
    """(URI scrubber, body scrubber). URIs lose ``projects/<id>/`` segments; bodies also lose the
    given ids wherever they stand alone (error messages quote resource names)."""
    if not project_ids:
        scrub_any: Callable[[str], str] = lambda text: _ANY_PROJECT.sub(r"\1PROJECT\2", text)  # noqa: E731
        return scrub_any, scrub_any
    # Longest first so an id that contains another is replaced whole.
    alternatives = "|".join(re.escape(i) for i in sorted(project_ids, key=len, reverse=True))
    in_path = re.compile(r"(projects/)(?:" + alternatives + r")(/|$|[?#])")
    anywhere = re.compile(r"(?<![\w-])(?:" + alternatives + r")(?![\w-])")
    return (lambda text: in_path.sub(r"\1PROJECT\2", text)), (lambda text: anywhere.sub("PROJECT", text))
