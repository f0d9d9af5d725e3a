"""The checks of ``openai-vertex doctor`` that reach outside this process: the endpoint and a chat
request (only with ``--live``), and environment-only mode (probed in a new interpreter); plus the
translation of Vertex's error answers into the one fix (shared with ``openai-vertex chat``).
"""

from __future__ import annotations

import importlib
import os
import re
import site
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._settings import Settings, setting_sources
from .._startup import switch, switch_problem
from ..exceptions import VertexOpenAIError
from ._doctor_base import FLAGS, LOGIN, NETWORK_FIX, CheckResult, Context, _fail, _line, _ok, _skip
from ._errors import in_flags

__all__ = [
    "Where",
    "api_error_summary",
    "check_chat",
    "check_endpoint",
    "check_mode",
    "fix_for_api_error",
    "where_set",
]

_LIVE_HINT = "not checked: add --live to call the endpoint (one tiny chat request, a few tokens)"


def check_endpoint(ctx: Context) -> CheckResult:
    if not ctx.options.live:
        return _skip("endpoint", _LIVE_HINT)
    if ctx.settings is None or ctx.base_url is None:
        return _skip("endpoint", "skipped: no base URL")
    scheme, host, port = ctx.settings.origin
    if scheme in urllib.request.getproxies() and not urllib.request.proxy_bypass(host):
        return _skip("endpoint", f"{host} is reached through a proxy ({scheme}_proxy): see chat")
    started = time.monotonic()
    try:
        socket.create_connection((host, port), timeout=5).close()
    except OSError as exc:
        reason = "cannot resolve the host name" if isinstance(exc, socket.gaierror) else type(exc).__name__
        return _fail("endpoint", f"{host}:{port} unreachable: {reason}", NETWORK_FIX)
    return _ok("endpoint", f"{host}:{port} accepts connections ({time.monotonic() - started:.2f} s)")


@dataclass(frozen=True)
class Where:
    """Where the user sets the project and location their requests went to, in their words."""

    project: str = "GOOGLE_CLOUD_PROJECT"  # a flag, an environment variable, or the base URL
    location: str = "GOOGLE_CLOUD_LOCATION"
    location_value: str | None = None  # the location the requests went to, when known


def where_set(settings: Settings, flags: Mapping[str, str], **arguments: str | None) -> Where:
    """The knobs for ``settings`` resolved from ``arguments`` (``resolve_settings``' keywords) here.

    A value named where it came from: the flag (``flags``: argument -> flag) or the environment
    variable; a default by the flag when the command has one. Behind an explicit base URL the
    project and location are whatever that URL holds, so the base URL is the knob for both.
    """
    sources = setting_sources(**arguments)  # type: ignore[arg-type]
    if sources["base_url"] != "default":
        given = sources["base_url"]
        knob = f"the base URL from {flags.get('base_url', 'base_url=') if given == 'argument' else given}"
        found = re.search(r"/locations/([^/]+)/", settings.base_url)
        return Where(knob, knob, found[1] if found else None)

    def name(argument: str, source: str, var: str) -> str:
        return var if source == var else flags.get(argument, f"{argument}=" if source == "argument" else var)

    project = name("vertex_project", sources["project"], "GOOGLE_CLOUD_PROJECT")
    location = name("vertex_location", sources["location"], "GOOGLE_CLOUD_LOCATION")
    return Where(project, location, settings.location)


def fix_for_api_error(
    status: int,
    text: str,
    *,
    project: str | None,
    model: str,
    where: Where = Where(),  # frozen, so one shared default is safe
    member: str = "PRINCIPAL",
) -> str:
    """The one fix for an error Vertex answered with; ``text`` is its message and details."""
    project, lowered = project or "YOUR_PROJECT", text.lower()
    if "service_disabled" in lowered or "has not been used in project" in lowered:
        return (
            f"Enable the Vertex AI API: gcloud services enable aiplatform.googleapis.com --project {project}"
        )
    if status == 403 and ("quota project" in lowered or "end user credentials" in lowered):
        return f"Set a quota project: gcloud auth application-default set-quota-project {project}"
    if status == 403:
        return (
            f"Grant the Vertex AI User role: gcloud projects add-iam-policy-binding {project} "
            f"--member={member} --role=roles/aiplatform.user"
        )
    if status == 401:
        return f"Vertex rejected the token: {LOGIN} again, or check GOOGLE_APPLICATION_CREDENTIALS."
    if (status == 404 and "model" in lowered) or (status == 400 and "publisher model" in lowered):
        served = f"in location {where.location_value!r}" if where.location_value else "at this endpoint"
        return (
            f"Model {model!r} is not served {served}: check the model id "
            "(e.g. gemini-2.5-flash; preview ids must be exact) or the location "
            f"({where.location}; 'global' serves most Gemini models)."
        )
    if status == 404:
        knobs = where.project if where.project == where.location else f"{where.project}, {where.location}"
        return f"Check the project id and location ({knobs})."
    if status == 429:
        return (
            f"Quota exhausted: retry later, try another location ({where.location}), or request more quota."
        )
    if status >= 500:
        return "Vertex failed on its side: retry; if it persists see https://status.cloud.google.com"
    return "See Vertex's message above."


def api_error_summary(body: object, fallback: str) -> tuple[str, str]:
    """(one-line summary, searchable text with details) from an SDK error's ``body``.

    The SDK keeps the inner ``error`` object as ``body``; _normalize has given it Google's status name
    as ``code`` and kept Google's ``details`` (where SERVICE_DISABLED and friends are).
    """
    error = body.get("error", body) if isinstance(body, Mapping) else None
    if not isinstance(error, Mapping) or "message" not in error:
        return fallback.splitlines()[0][:300], fallback
    summary = f"{error.get('code') or ''} {str(error.get('message', ''))[:300]}".strip()
    return summary, f"{summary} {error.get('details', '')}"


def check_chat(ctx: Context) -> CheckResult:
    o = ctx.options
    if not o.live:
        return _skip("chat", _LIVE_HINT)
    if not ctx.token_ok or ctx.base_url is None or ctx.settings is None:
        return _skip("chat", "skipped: " + ("no access token" if not ctx.token_ok else "no base URL"))
    import openai

    from .._client import OpenAI

    client = OpenAI(
        credentials=ctx.credentials,  # the ones just checked: no second discovery, no second token
        vertex_project=ctx.project,
        vertex_location=o.location,
        api_version=o.api_version,
        base_url=o.base_url,
        max_retries=0,  # report the first answer: retries would hide a 429 or 5xx
        timeout=30.0,
    )
    started = time.monotonic()
    messages: Any = [{"role": "user", "content": "Reply with the single word OK."}]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reply = client.chat.completions.create(model=o.model, messages=messages, max_tokens=32)
    except openai.APIStatusError as exc:
        summary, text = api_error_summary(exc.body, str(exc))
        where = where_set(
            ctx.settings, FLAGS, vertex_project=o.project, vertex_location=o.location, base_url=o.base_url
        )
        fix = fix_for_api_error(
            exc.status_code, text, project=ctx.project, model=o.model, where=where, member=ctx.member
        )
        return _fail("chat", f"{o.model}: HTTP {exc.status_code} {summary}", fix)
    except openai.APIConnectionError as exc:
        return _fail("chat", f"{o.model}: {type(exc).__name__}: {in_flags(_line(exc), FLAGS)}", NETWORK_FIX)
    except VertexOpenAIError as exc:
        return _fail("chat", f"{o.model}: {in_flags(_line(exc), FLAGS)}", in_flags(str(exc), FLAGS))
    finally:
        client.close()
    text = (reply.choices[0].message.content or "").strip()[:60] if reply.choices else ""
    tokens = reply.usage.total_tokens if reply.usage else "?"
    took = time.monotonic() - started
    return _ok("chat", f"{reply.model or o.model} answered in {took:.1f} s: {text!r} ({tokens} tokens)")


def _is_patched() -> bool | None:
    """``is_patched()`` from ``openai_vertex.patch`` (or the package), None when there is none."""
    try:
        module: Any = importlib.import_module("openai_vertex.patch")
    except ImportError:
        module = importlib.import_module("openai_vertex")
    probe = getattr(module, "is_patched", None)
    try:
        return bool(probe()) if callable(probe) else None
    except Exception:
        return None


_PROBE = "import openai, openai_vertex as v; f = getattr(v, 'is_patched', None); print(f() if f else None)"


def _patched_in_new_interpreter() -> tuple[bool | None, str]:
    """(patched?, last stderr line) in a new interpreter that imports openai first, as unmodified code
    does; this process cannot tell, having imported openai_vertex before openai."""
    try:
        done = subprocess.run(  # noqa: S603 - this interpreter, fixed code
            [sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, type(exc).__name__
    answer = (done.stdout.split() or [""])[-1]
    errors = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    return {"True": True, "False": False}.get(answer), errors[-1][:200] if errors else ""


def check_mode(ctx: Context) -> CheckResult:
    value = os.environ.get("OPENAI_VERTEX", "").strip()
    shown = f"OPENAI_VERTEX={value}" if value else "OPENAI_VERTEX unset"
    state = switch(value)  # the start-up hook's own reading of the switch
    if state is None:
        problem = switch_problem(value) or ""
        return _fail("mode", f"{shown}: openai clients refuse to start", problem)
    if not state:
        patched = _is_patched()
        if patched is None:
            return _skip("mode", f"{shown}; this version has no patch support (openai_vertex.patch)")
        how = "patched in this process" if patched else "not patched: only code importing openai_vertex"
        return _ok("mode", f"{shown}; environment-only mode off; {how} goes to Vertex")
    patched, error = _patched_in_new_interpreter()
    if patched:
        return _ok("mode", f"{shown}; environment-only mode works: a new interpreter's openai is patched")
    if patched is None and not error:
        return _skip("mode", f"{shown}; this version has no patch support (openai_vertex.patch)")
    detail = f"{shown}, but a new interpreter's openai is not patched" + (f": {error}" if error else "")
    # Python reads .pth files only in site directories (not PYTHONPATH), so look for it there.
    site_dirs = [*site.getsitepackages(), site.getusersitepackages()]
    if not any(Path(folder, "openai_vertex.pth").is_file() for folder in site_dirs):
        fix = (
            "Reinstall openai-vertex so its start-up hook (openai_vertex.pth) is in this Python's "
            "site-packages (pip install --force-reinstall openai-vertex), or call openai_vertex.patch()."
        )
    else:
        fix = (
            "The start-up hook is installed but failed with the error shown; please report it, and "
            "meanwhile call openai_vertex.patch() at start-up."
        )
    return _fail("mode", detail, fix)
