"""Keep the OpenAI secrets of the environment out of a client that talks to Vertex.

The SDK's constructor reads ``OPENAI_ADMIN_KEY`` and ``OPENAI_WEBHOOK_SECRET`` (newer releases) when
the argument is None, and the ``Authorization`` line of ``OPENAI_CUSTOM_HEADERS`` unless the caller
gives an Authorization header. A Vertex client needs none of them, and whatever it holds can surface
in ``vars()``, copies, debuggers and error reports. So the constructor is given values that stop the
reads (empty strings, a placeholder Authorization), and what remains is cleared after it ran.
Values the caller passes explicitly are the caller's and are kept.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any

from ._auth import PLACEHOLDER_API_KEY

__all__ = ["clear_ambient_secrets", "without_ambient_secrets"]

# Constructor arguments the SDK fills from the environment when they are None.
_SECRET_ARGUMENTS = ("admin_api_key", "webhook_secret")
# OPENAI_ORG_ID and OPENAI_PROJECT_ID: not secrets, but OpenAI account details that mean nothing to
# Vertex (an empty string would become an empty header, so these are only cleared afterwards).
_ENVIRONMENT_IDS = ("organization", "project")


@functools.lru_cache(maxsize=8)
def _parameters(init: Callable[..., Any]) -> frozenset[str]:
    try:
        return frozenset(inspect.signature(init).parameters)
    except (TypeError, ValueError):
        return frozenset()


def without_ambient_secrets(init: Callable[..., Any], kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """``kwargs`` for the SDK's ``__init__`` that make it read no OpenAI secret from the environment."""
    accepted = _parameters(getattr(init, "__func__", init))  # the function: a bound method pins its client
    out = dict(kwargs)
    for name in _SECRET_ARGUMENTS:
        if name in accepted and out.get(name) is None:
            out[name] = ""  # not None: the SDK reads the variable only for None
    if "default_headers" in accepted:
        headers = out.get("default_headers")
        given = dict(headers) if isinstance(headers, Mapping) else {}
        if not any(name.lower() == "authorization" for name in given):
            # With an explicit Authorization the SDK drops the one of OPENAI_CUSTOM_HEADERS unread;
            # the caller's own headers are put back by the caller once the constructor returns.
            out["default_headers"] = {**given, "Authorization": f"Bearer {PLACEHOLDER_API_KEY}"}
    return out


def clear_ambient_secrets(client: Any, given: Mapping[str, Any]) -> None:
    """Clear what the constructor may still have kept from the environment (older or newer SDKs)."""
    attributes = vars(client)
    for name in _SECRET_ARGUMENTS:
        if name in attributes and given.get(name) is None:
            attributes[name] = None
    for name in _ENVIRONMENT_IDS:
        if name in attributes and given.get(name) is None:
            attributes[name] = None
    if "_ambient_authorizations" in attributes:  # openai >= 3: Authorization values from the environment
        attributes["_ambient_authorizations"] = frozenset()
