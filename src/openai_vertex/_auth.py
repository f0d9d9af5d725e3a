"""Put the Google token on requests to the Vertex origin, and nowhere else.

``prepare_request`` runs in the SDK's ``_prepare_request`` hook (every attempt, outside the SDK's
send/retry ``try`` block, so credential errors reach the caller unchanged). ``refresh_on_401`` is
returned from the SDK's custom-auth hooks: on a 401 it forces one refresh and re-sends once.
It derives from ``httpx.Auth`` and ``httpx2.Auth`` (whichever the application has imported) so the same class
works on openai 1.x and 2.x (httpx) and 3.x (httpx2, or a legacy httpx client).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncGenerator, Generator
from typing import Any

from ._deadline import Budget
from ._settings import ADC_PROJECT_PLACEHOLDER, DEFAULT_PORTS, Origin, Settings
from ._tokens import TokenSource
from ._usage_stream import follow_usage_contract, take_usage_wish
from .exceptions import ConfigurationError

__all__ = ["PLACEHOLDER_API_KEY", "aprepare_request", "prepare_request", "refresh_on_401"]

log = logging.getLogger("openai_vertex")

# Passed to the SDK as api_key so it never reads OPENAI_API_KEY; not a secret, and replaced
# by the Google token before anything is sent to Vertex.
PLACEHOLDER_API_KEY = "openai-vertex-uses-google-oauth"
_PLACEHOLDER_AUTHORIZATION = f"Bearer {PLACEHOLDER_API_KEY}"
# Ambient OpenAI headers (OPENAI_ORG_ID, OPENAI_PROJECT_ID, ...) mean nothing to Vertex.
_OPENAI_HEADERS = ("openai-organization", "openai-project", "api-key", "x-api-key")


def prepare_request(request: Any, settings: Settings, source: TokenSource) -> None:
    if not _claim(request, settings):
        return
    _authorize(request, settings, source, source.token(Budget.of_request(request)))


async def aprepare_request(request: Any, settings: Settings, source: TokenSource) -> None:
    if not _claim(request, settings):
        return
    _authorize(request, settings, source, await source.atoken(Budget.of_request(request)))


def _claim(request: Any, settings: Settings) -> bool:
    """Strip OpenAI credentials; True when the request goes to the Vertex origin and needs a token."""
    headers = request.headers
    for name in _OPENAI_HEADERS:
        headers.pop(name, None)
    authorization = headers.get("authorization")
    if authorization is not None and authorization != _PLACEHOLDER_AUTHORIZATION:
        raise ConfigurationError(
            "openai-vertex owns the Authorization header; remove it from extra_headers/default_headers "
            "and pass credentials= or token_provider= instead."
        )
    headers.pop("authorization", None)
    if origin_of(request.url) != settings.origin:
        log.debug("no Google token for %s: not the configured Vertex origin", request.url.host)
        return False
    return True


def _authorize(request: Any, settings: Settings, source: TokenSource, token: str) -> None:
    if settings.needs_adc_project:
        _fill_adc_project(request, source)
    request.headers["Authorization"] = f"Bearer {token}"
    quota_project = source.quota_project()
    if quota_project and "x-goog-user-project" not in request.headers:
        request.headers["x-goog-user-project"] = quota_project


def _fill_adc_project(request: Any, source: TokenSource) -> None:
    project = source.project()
    if not project:
        raise ConfigurationError(
            "No Google Cloud project: pass vertex_project= or set GOOGLE_CLOUD_PROJECT "
            "(the credentials found do not name a project)."
        )
    path = request.url.path.replace(f"/projects/{ADC_PROJECT_PLACEHOLDER}/", f"/projects/{project}/", 1)
    request.url = request.url.copy_with(path=path)


def origin_of(url: Any) -> Origin:
    scheme = url.scheme.lower()
    return (scheme, url.host.lower(), url.port or DEFAULT_PORTS.get(scheme, 80))


def _bearer(request: Any) -> str | None:
    value = request.headers.get("authorization", "")
    return value[7:] if value.startswith("Bearer ") else None


class _RefreshOn401Flow:
    """One forced refresh and one re-send after a 401; concurrent 401s share the refresh."""

    requires_request_body = False
    requires_response_body = False

    def __init__(self, settings: Settings, source: TokenSource) -> None:
        self._settings = settings
        self._source = source

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def _rejected_token(self, request: Any, response: Any) -> str | None:
        """The token Vertex just refused, when the request is ours and worth one retry."""
        if response.status_code != 401 or origin_of(request.url) != self._settings.origin:
            return None
        rejected = _bearer(request)
        if rejected is not None:
            log.debug("Vertex answered 401; refreshing the Google token once and retrying")
        return rejected

    # The two flows differ only in how they wait for the new token; all decisions live in the helpers.
    # They also hand each final chat stream to the usage rewriting (_usage_stream.py): the only hook
    # that sees a response before the SDK reads it.
    def sync_auth_flow(self, request: Any) -> Generator[Any, Any, None]:
        include_usage = take_usage_wish(request)
        response = yield request
        rejected = self._rejected_token(request, response)
        if rejected is not None:
            try:
                token = self._source.token_after_rejection(rejected, Budget.of_request(request))
            except Exception:
                _refresh_failed()
                return
            response = yield _with_token(request, token)
        follow_usage_contract(request, response, include_usage)

    async def async_auth_flow(self, request: Any) -> AsyncGenerator[Any, Any]:
        include_usage = take_usage_wish(request)
        response = yield request
        rejected = self._rejected_token(request, response)
        if rejected is not None:
            try:
                token = await self._source.atoken_after_rejection(rejected, Budget.of_request(request))
            except Exception:
                _refresh_failed()
                return
            response = yield _with_token(request, token)
        follow_usage_contract(request, response, include_usage)


def _refresh_failed() -> None:
    # The 401 then reaches the caller as it is; the refresh error itself may name the endpoint, not a secret.
    log.warning("could not refresh the Google token after a 401", exc_info=False)


def _with_token(request: Any, token: str) -> Any:
    request.headers["Authorization"] = f"Bearer {token}"
    return request


def refresh_on_401(settings: Settings, source: TokenSource) -> _RefreshOn401Flow:
    """An auth object accepted by whichever of httpx and httpx2 the application has imported."""
    bases = tuple(sys.modules[name].Auth for name in ("httpx2", "httpx") if name in sys.modules)
    cls = _auth_classes.get(bases)
    if cls is None:
        # Built on demand rather than at import so openai-vertex never imports an HTTP library
        # the application does not use.
        cls = _auth_classes.setdefault(bases, type("RefreshOn401", (_RefreshOn401Flow, *bases), {}))
    return cls(settings, source)


_auth_classes: dict[tuple[type, ...], type[_RefreshOn401Flow]] = {}
