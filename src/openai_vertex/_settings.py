"""Resolve a client's Vertex settings once: argument > environment > Application Default Credentials.

The result is a frozen :class:`Settings`; nothing here does I/O. When no project is given, the
base URL carries the placeholder segment ``projects/-`` and the project is filled in from ADC on
the first request (see ``_auth.py``), so constructing a client never triggers credential discovery.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal, cast
from urllib.parse import urlsplit

from ._locations import check_location, vertex_host
from .exceptions import ConfigurationError

__all__ = [
    "ADC_PROJECT_PLACEHOLDER",
    "Origin",
    "Settings",
    "parse_model_aliases",
    "resolve_settings",
    "setting_sources",
]

UnsupportedParams = Literal["warn", "drop", "error"]
ImageUrls = Literal["auto", "inline", "passthrough"]
Origin = tuple[str, str, int]

ADC_PROJECT_PLACEHOLDER = "-"

_API_VERSIONS = ("v1", "v1beta1")
_UNSUPPORTED_PARAMS = ("warn", "drop", "error")
_IMAGE_URLS = ("auto", "inline", "passthrough")
# Project ids (optionally domain-scoped, "example.com:my-project") and project numbers.
_PROJECT_RE = re.compile(r"^(?:[a-z][a-z0-9.-]{0,61}[a-z0-9]:)?(?:[a-z][a-z0-9-]{4,61}[a-z0-9]|\d{1,20})$")
_LOCATION_RE = re.compile(r"^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# The one table of the schemes this package speaks and their default ports (origins, URLs, fetches).
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Settings:
    """Everything a Vertex client needs to know, resolved once at construction."""

    base_url: str
    origin: Origin
    project: str | None  # None: taken from ADC on the first request
    location: str
    api_version: str
    model_aliases: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    unsupported_params: UnsupportedParams = "warn"
    image_urls: ImageUrls = "auto"

    @property
    def needs_adc_project(self) -> bool:
        return self.project is None and f"/projects/{ADC_PROJECT_PLACEHOLDER}/" in self.base_url

    def with_base_url(self, base_url: str) -> Settings:
        """The same settings aimed at another API root (``with_options(base_url=...)``)."""
        root, origin = _validate_base_url(str(base_url), source="base_url")
        if root == self.base_url:
            return self
        return replace(self, base_url=root, origin=origin)


def resolve_settings(
    *,
    vertex_project: str | None = None,
    vertex_location: str | None = None,
    api_version: str | None = None,
    base_url: str | None = None,
    model_aliases: Mapping[str, str] | None = None,
    unsupported_params: str | None = None,
    image_urls: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    env = os.environ if environ is None else environ
    version = _choose(api_version, env, "api_version", "OPENAI_VERTEX_API_VERSION", "v1", _API_VERSIONS)
    aliases = (
        dict(model_aliases)
        if model_aliases is not None
        else parse_model_aliases(env.get("OPENAI_VERTEX_MODEL_ALIASES", ""))
    )
    unsupported = _choose(
        unsupported_params,
        env,
        "unsupported_params",
        "OPENAI_VERTEX_UNSUPPORTED_PARAMS",
        "warn",
        _UNSUPPORTED_PARAMS,
    )
    images = _choose(image_urls, env, "image_urls", "OPENAI_VERTEX_IMAGE_URLS", "auto", _IMAGE_URLS)

    explicit_root = base_url if base_url is not None else env.get("OPENAI_VERTEX_BASE_URL") or None
    source = "base_url" if base_url is not None else "OPENAI_VERTEX_BASE_URL"
    redirected = _redirected_root(base_url, env)
    if redirected is not None:  # Google's samples build a googleapis.com URL; the environment wins
        explicit_root, source = redirected, "OPENAI_VERTEX_BASE_URL"
    project = _project(vertex_project, env)
    location = _location(vertex_location, env)
    if explicit_root is not None:
        root, origin = _validate_base_url(str(explicit_root), source=source)
    else:
        root = vertex_base_url(project or ADC_PROJECT_PLACEHOLDER, location, version)
        origin = ("https", _vertex_host(location), DEFAULT_PORTS["https"])
    return Settings(
        base_url=root,
        origin=origin,
        project=project,
        location=location,
        api_version=version,
        model_aliases=MappingProxyType(aliases),
        unsupported_params=cast(UnsupportedParams, unsupported),
        image_urls=cast(ImageUrls, images),
    )


def setting_sources(
    *,
    vertex_project: str | None = None,
    vertex_location: str | None = None,
    api_version: str | None = None,
    base_url: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Where :func:`resolve_settings` takes each setting from, with the same precedence.

    Each value is ``"argument"``, the environment variable's name, ``"default"``, or ``"ADC"``
    (project: filled in from Application Default Credentials). For ``openai-vertex doctor``.
    """
    env = os.environ if environ is None else environ

    def source(value: object, var: str, fallback: str) -> str:
        # Empty variables count as unset, as in resolve_settings.
        return "argument" if value is not None else var if env.get(var) else fallback

    # A googleapis.com base_url gives way to OPENAI_VERTEX_BASE_URL, as in resolve_settings.
    redirected = _redirected_root(base_url, env) is not None
    return {
        "project": source(vertex_project, "GOOGLE_CLOUD_PROJECT", "ADC"),
        "location": source(vertex_location, "GOOGLE_CLOUD_LOCATION", "default"),
        "api_version": source(api_version, "OPENAI_VERTEX_API_VERSION", "default"),
        "base_url": source(None if redirected else base_url, "OPENAI_VERTEX_BASE_URL", "default"),
        "model_aliases": source(None, "OPENAI_VERTEX_MODEL_ALIASES", "default"),
        "unsupported_params": source(None, "OPENAI_VERTEX_UNSUPPORTED_PARAMS", "default"),
        "image_urls": source(None, "OPENAI_VERTEX_IMAGE_URLS", "default"),
    }


def vertex_base_url(project: str, location: str, api_version: str) -> str:
    host = _vertex_host(location)
    return f"https://{host}/{api_version}/projects/{project}/locations/{location}/endpoints/openapi"


def parse_model_aliases(text: str, source: str = "OPENAI_VERTEX_MODEL_ALIASES") -> dict[str, str]:
    """Parse ``gpt-4o=gemini-2.5-pro,gpt-4o-mini=gemini-2.5-flash,*=gemini-2.5-flash``.

    ``source`` names where the text came from in the error (the variable, or a command-line option).
    """
    aliases: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, target = (s.strip() for s in item.partition("="))
        if not sep or not name or not target:
            raise ConfigurationError(
                f"{source} entry {item!r} is not NAME=MODEL; "
                "write e.g. 'gpt-4o=gemini-2.5-pro,*=gemini-2.5-flash'."
            )
        aliases[name] = target
    return aliases


def _redirected_root(base_url: str | None, env: Mapping[str, str]) -> str | None:
    """``OPENAI_VERTEX_BASE_URL`` in place of a ``*.googleapis.com`` ``base_url``, or None.

    Clients that build their own Vertex URL (as Google's samples do) can then be pointed at an
    emulator, a Private Service Connect endpoint or a proxy from the environment alone. A variable
    with no path (``https://proxy.example``) keeps the given URL's path; a full root replaces it.
    Any other ``base_url`` (not googleapis.com) is the caller's own choice and is kept.
    """
    override = (env.get("OPENAI_VERTEX_BASE_URL") or "").strip()
    if base_url is None or not override:
        return None
    given = urlsplit(str(base_url))
    host = (given.hostname or "").lower()
    if host != "googleapis.com" and not host.endswith(".googleapis.com"):
        return None
    if urlsplit(override).path.strip("/"):
        return override
    return override.rstrip("/") + given.path


def _vertex_host(location: str) -> str:
    return vertex_host(location)  # global, multi-region (us, eu: *.rep.googleapis.com) or regional


def _choose(
    value: str | None, env: Mapping[str, str], arg: str, var: str, default: str, allowed: tuple[str, ...]
) -> str:
    chosen = value if value is not None else env.get(var) or default
    if chosen not in allowed:
        where = f"{arg}={chosen!r}" if value is not None else f"{var}={chosen!r}"
        raise ConfigurationError(
            f"{where} is not supported; use one of {', '.join(allowed)} ({arg}= or {var})."
        )
    return chosen


def _project(value: str | None, env: Mapping[str, str]) -> str | None:
    project = value if value is not None else env.get("GOOGLE_CLOUD_PROJECT") or None
    if project is not None and not _PROJECT_RE.match(project):
        where = "vertex_project" if value is not None else "GOOGLE_CLOUD_PROJECT"
        raise ConfigurationError(
            f"{where}={project!r} is not a Google Cloud project id; use the id shown by "
            "'gcloud projects list' (lowercase letters, digits, hyphens), "
            "via vertex_project= or GOOGLE_CLOUD_PROJECT."
        )
    return project


def _location(value: str | None, env: Mapping[str, str]) -> str:
    location = value if value is not None else env.get("GOOGLE_CLOUD_LOCATION") or "global"
    if not _LOCATION_RE.match(location):
        where = "vertex_location" if value is not None else "GOOGLE_CLOUD_LOCATION"
        raise ConfigurationError(
            f"{where}={location!r} is not a Vertex location; use e.g. 'global' or 'us-central1' "
            "via vertex_location= or GOOGLE_CLOUD_LOCATION."
        )
    check_location(location, "vertex_location" if value is not None else "GOOGLE_CLOUD_LOCATION", env)
    return location


def _validate_base_url(url: str, *, source: str) -> tuple[str, Origin]:
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    problem = None
    if scheme not in DEFAULT_PORTS or not host:
        problem = "must be an absolute http(s) URL"
    elif parts.username is not None or parts.password is not None:
        problem = "must not contain user:password@"
    elif parts.query or parts.fragment:
        problem = "must not contain a query string or fragment"
    elif scheme != "https" and (host == "googleapis.com" or host.endswith(".googleapis.com")):
        problem = "must use https for googleapis.com hosts"
    if problem is not None:
        raise ConfigurationError(f"{source} {problem}; got {_safe_url(url)!r}.")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise ConfigurationError(f"{source} has an invalid port; got {_safe_url(url)!r}.") from None
    return url.rstrip("/"), (scheme, host, port)


def _safe_url(url: str) -> str:
    """The URL without userinfo, query or fragment, for error messages."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{netloc}{parts.path}" if parts.scheme else netloc + parts.path
