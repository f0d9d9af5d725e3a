"""The checks behind ``openai-vertex doctor``; each returns a :class:`CheckResult`.

Checks run in order and share what they learn through a :class:`Context` (settings, credentials,
the ADC project), so a later check skips itself when an earlier one failed instead of failing again
for the same reason. Nothing here prints, and nothing a check returns holds a token or a key:
google-auth's messages are cut to their first line and its extra args (response bodies) left out.
"""

from __future__ import annotations

import importlib
import os
import re
import time
import warnings
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from .._settings import ADC_PROJECT_PLACEHOLDER, resolve_settings, setting_sources
from .._tokens import CLOUD_PLATFORM_SCOPE
from ..exceptions import ConfigurationError, VertexOpenAIError
from ._doctor_base import (
    FLAGS,
    LOGIN,
    NETWORK_FIX,
    CheckResult,
    Context,
    DoctorOptions,
    _fail,
    _line,
    _ok,
    _skip,
)
from ._doctor_live import check_chat, check_endpoint, check_mode
from ._errors import in_flags

__all__ = ["CheckResult", "DoctorOptions", "checks", "metadata_probe_expected", "run_checks"]

_PROBE_FIX = (
    "Off Google Cloud, export NO_GCE_CHECK=true: otherwise every new process waits up to ~12 s for the "
    "metadata server (169.254.169.254) before google-auth gives up."
)
# Class (or a base class) of what google.auth.default() returned -> the kind shown to the user.
_KINDS = {
    "google.oauth2.service_account.Credentials": "service account",
    "google.oauth2.credentials.Credentials": "user",
    "google.auth.compute_engine.credentials.Credentials": "metadata server",
    "google.auth.impersonated_credentials.Credentials": "impersonated",
    "google.auth.external_account_authorized_user.Credentials": "external account (authorized user)",
    "google.auth.external_account.Credentials": "external account",
    "google.oauth2.gdch_credentials.ServiceAccountCredentials": "GDCH service account",
}
# setting_sources' keys -> resolve_settings' keywords, to name a setting given as a flag by its flag.
_ARGUMENTS = {"project": "vertex_project", "location": "vertex_location"}


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _release(version: str | None) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", version or "")[:2])


def check_versions(ctx: Context) -> CheckResult:
    from .. import __version__

    openai_v, gauth_v = _version("openai"), _version("google-auth")
    # openai 3.x sends with httpx2, 1.x and 2.x with httpx: ask the SDK which one it imported.
    http = "httpx2" if hasattr(importlib.import_module("openai._base_client"), "httpx2") else "httpx"
    major = (_release(openai_v) or (0,))[0]
    detail = (
        f"openai-vertex {__version__}, openai {openai_v} (major {major}, HTTP library {http} "
        f"{_version(http)}), google-auth {gauth_v}"
    )
    if not (1, 83) <= _release(openai_v) < (4,) or _release(gauth_v) < (2, 30):
        return _fail("versions", detail, 'pip install "openai>=1.83,<4" "google-auth>=2.30,<3"')
    return _ok("versions", detail)


def check_settings(ctx: Context) -> CheckResult:
    o = ctx.options
    args: dict[str, Any] = dict(
        vertex_project=o.project, vertex_location=o.location, api_version=o.api_version
    )
    try:
        ctx.settings = s = resolve_settings(base_url=o.base_url, **args)
    except ConfigurationError as exc:
        message = in_flags(str(exc), FLAGS)  # the fix names --location, not vertex_location=
        problem, _, advice = message.partition("; ")  # "X is not Y; use Z": the part after is the fix
        return _fail("settings", problem, (advice[:1].upper() + advice[1:]) if advice else message)
    sources = setting_sources(base_url=o.base_url, **args)
    values = {
        "project": s.project or "(not set: taken from the credentials)",
        "location": s.location,
        "api_version": s.api_version,
        "base_url": s.base_url if sources["base_url"] != "default" else "(built from project and location)",
        "model_aliases": f"{len(s.model_aliases)} alias(es)" if s.model_aliases else "none",
        "unsupported_params": s.unsupported_params,
        "image_urls": s.image_urls,
    }
    lines = []
    for key, value in values.items():
        source = sources[key] if sources[key] != "argument" else FLAGS[_ARGUMENTS.get(key, key)]
        lines.append(f"{key:<19}{value}  ({source})")
    return _ok("settings", "\n".join(lines))


def _gcloud_adc_file() -> Path:
    default = (
        Path(os.environ.get("APPDATA", "")) / "gcloud" if os.name == "nt" else Path.home() / ".config/gcloud"
    )
    return Path(os.environ.get("CLOUDSDK_CONFIG") or default) / "application_default_credentials.json"


def _kind(credentials: object) -> str:
    for cls in type(credentials).__mro__:
        kind = _KINDS.get(f"{cls.__module__}.{cls.__qualname__}")
        if kind is not None:
            return kind
    return type(credentials).__name__


def metadata_probe_expected() -> bool:
    """Whether google.auth.default() will wait for a metadata server (up to ~12 s off Google Cloud).

    It asks only when neither a key file nor gcloud's ADC file exists, and skips the ask only for
    exactly NO_GCE_CHECK=true (read once, at import of google.auth.compute_engine._metadata).
    """
    no_file = not os.environ.get("GOOGLE_APPLICATION_CREDENTIALS") and not _gcloud_adc_file().is_file()
    return no_file and os.environ.get("NO_GCE_CHECK") != "true"


def check_credentials(ctx: Context) -> CheckResult:
    import google.auth
    from google.auth import exceptions as gexc

    key_file, gcloud_file = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS"), _gcloud_adc_file()
    ctx.probe_expected = metadata_probe_expected()
    started = time.monotonic()
    try:
        with warnings.catch_warnings():  # the "no quota project" warning is reported below instead
            warnings.simplefilter("ignore")
            credentials, project = google.auth.default(scopes=[CLOUD_PLATFORM_SCOPE])
    except gexc.DefaultCredentialsError as exc:
        ctx.probe_seconds = time.monotonic() - started
        # The cause says which field is missing or where the JSON breaks; it never quotes the key.
        cause = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], ValueError) else None
        detail = _line(exc) + (f" ({_line(cause, 200)})" if cause is not None else "")
        if key_file:
            fix = (
                f"GOOGLE_APPLICATION_CREDENTIALS={key_file} is not a usable credentials file: download a "
                "new service-account key (gcloud iam service-accounts keys create key.json "
                f"--iam-account=SA_EMAIL), or unset GOOGLE_APPLICATION_CREDENTIALS and {LOGIN}."
            )
        elif gcloud_file.is_file():
            fix = f"gcloud's ADC file {gcloud_file} is unusable: {LOGIN} again."
        else:
            fix = (
                f"{LOGIN[0].upper()}{LOGIN[1:]}, or set GOOGLE_APPLICATION_CREDENTIALS to a "
                "service-account key file; on Google Cloud, attach a service account to the VM or service."
            )
        return _fail("credentials", detail, fix)
    ctx.probe_seconds = time.monotonic() - started
    ctx.credentials, ctx.adc_project, ctx.kind = credentials, project, _kind(credentials)
    ctx.account = getattr(credentials, "service_account_email", None) or getattr(credentials, "account", None)
    where = "the metadata server"
    if key_file or gcloud_file.is_file():
        where = (
            f"GOOGLE_APPLICATION_CREDENTIALS={key_file}" if key_file else f"gcloud's ADC file {gcloud_file}"
        )
    detail = f"{ctx.kind}: {ctx.account or '(account not recorded)'} from {where}; ADC project: {project}"
    if ctx.kind == "user":
        quota = getattr(credentials, "quota_project_id", None)
        detail += f"; quota project: {quota or 'none (gcloud auth application-default set-quota-project P)'}"
    return _ok("credentials", detail)


def check_gce_probe(ctx: Context) -> CheckResult:
    value = os.environ.get("NO_GCE_CHECK")
    if ctx.kind == "metadata server":
        return _ok("gce_probe", f"on Google Cloud: the metadata server answered ({ctx.probe_seconds:.1f} s)")
    if ctx.probe_expected:
        ignored = f"NO_GCE_CHECK={value!r} is ignored (google-auth honours only 'true'); " if value else ""
        detail = f"{ignored}no metadata server answered; google-auth spent {ctx.probe_seconds:.1f} s on it"
        return _fail("gce_probe", detail, _PROBE_FIX)
    if value == "true":
        return _ok("gce_probe", "NO_GCE_CHECK=true: google-auth never waits for a metadata server")
    return _skip("gce_probe", "not reached: credentials come from a file, found before the metadata probe")


def _refresh_fix(exc: BaseException, ctx: Context) -> str:
    from google.auth import exceptions as gexc

    if isinstance(exc, gexc.TransportError):
        return f"Google's token endpoint is unreachable. {NETWORK_FIX}"
    if ctx.kind == "user" or "Reauthentication" in _line(exc):
        return f"Your gcloud login expired or was revoked: {LOGIN}."
    if ctx.kind == "metadata server":
        return "Give the VM or service a service account with the cloud-platform scope."
    if ctx.kind == "service account":
        return (
            "Google rejected the service-account key: it was deleted or disabled, the account no longer "
            "exists, or this machine's clock is off. Check the clock, or create a new key: "
            f"gcloud iam service-accounts keys create key.json --iam-account={ctx.account}"
        )
    return f"Renew the credentials: {LOGIN}, or use a new service-account key."


def check_token(ctx: Context) -> CheckResult:
    if ctx.credentials is None:
        return _skip("token", "skipped: no credentials")
    from google.auth.transport.requests import Request

    from .._tokens import validate_token

    try:
        ctx.credentials.refresh(Request())
        validate_token(ctx.credentials.token)
    except Exception as exc:  # google-auth's errors and ours; neither message holds the token
        return _fail("token", f"no access token: {type(exc).__name__}: {_line(exc)}", _refresh_fix(exc, ctx))
    ctx.token_ok = True
    if ctx.kind == "metadata server":  # "default" until the first refresh asks the server
        ctx.account = getattr(ctx.credentials, "service_account_email", ctx.account)
    expiry = ctx.credentials.expiry  # naive UTC, google-auth's convention
    if expiry is None:
        return _ok("token", "access token obtained (not shown); no expiry given")
    minutes = (expiry.replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)).total_seconds() / 60
    return _ok(
        "token",
        f"access token obtained (not shown); expires {expiry:%Y-%m-%d %H:%M} UTC, in {minutes:.0f} min",
    )


def check_base_url(ctx: Context) -> CheckResult:
    s = ctx.settings
    if s is None:
        return _skip("base_url", "skipped: the settings are invalid")
    url = s.base_url
    if s.needs_adc_project:
        if ctx.credentials is None:  # the credentials check has already failed for this
            return _skip("base_url", "skipped: the project comes from the credentials, which were not found")
        if not ctx.adc_project:
            detail = "no Google Cloud project: none is configured and the credentials name none"
            fix = "export GOOGLE_CLOUD_PROJECT=your-project-id (or pass --project)"
            if ctx.options.base_url is not None or os.environ.get("OPENAI_VERTEX_BASE_URL"):
                # An explicit base URL keeps its own path: --project cannot fill in its "projects/-".
                fix = f"Put your project id in the base URL in place of projects/{ADC_PROJECT_PLACEHOLDER}."
            return _fail("base_url", detail, fix)
        url = url.replace(f"/projects/{ADC_PROJECT_PLACEHOLDER}/", f"/projects/{ctx.adc_project}/", 1)
    ctx.base_url = url
    scheme, host, port = s.origin
    return _ok("base_url", f"{url}\n(the token is sent to {scheme}://{host}:{port} only)")


def check_model_aliases(ctx: Context) -> CheckResult:
    if ctx.settings is None:
        return _skip("model_aliases", "skipped: the settings are invalid")
    from .._translate.model import vertex_model

    aliases, model = dict(ctx.settings.model_aliases), ctx.options.model
    lines = [] if aliases else ["no aliases (OPENAI_VERTEX_MODEL_ALIASES is unset)"]
    problem = None
    for label, name in [*((name, name) for name in aliases), (f"--model {model}", model)]:
        try:
            lines.append(f"{label} -> {vertex_model(name, aliases)}")
        except VertexOpenAIError as exc:
            problem = problem or str(exc)
            lines.append(f"{label} -> not a Vertex model")
    if problem is not None:
        return _fail("model_aliases", "\n".join(lines), problem)
    return _ok("model_aliases", "\n".join(lines))


def checks() -> tuple[Callable[[Context], CheckResult], ...]:
    """Every check, in the order they run (and print)."""
    # The checks that reach outside this process live in _doctor_live.py (size).
    # fmt: off
    return (
        check_versions, check_settings, check_credentials, check_gce_probe, check_token, check_base_url,
        check_endpoint, check_chat, check_model_aliases, check_mode,
    )
    # fmt: on


def run_checks(options: DoctorOptions) -> Iterator[CheckResult]:
    """Run every check in order, yielding each result as soon as it is known."""
    ctx = Context(options)
    for check in checks():
        try:
            yield check(ctx)
        except Exception as exc:  # a doctor reports; it must not die of the problem it diagnoses
            detail = f"the check crashed: {type(exc).__name__}: {_line(exc, 200)}"
            yield _fail(check.__name__.removeprefix("check_"), detail, "Please report this as a bug.")
