"""What every ``openai-vertex doctor`` check shares: its result, its options and the :class:`Context`.

Both check modules build on this one (``_doctor.py``, the checks inside this process, and
``_doctor_live.py``, those that reach outside it); it imports neither, so the arrows point one way:
_doctor_base <- _doctor_live <- _doctor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._settings import Settings

__all__ = ["FLAGS", "LOGIN", "NETWORK_FIX", "CheckResult", "Context", "DoctorOptions"]

# doctor's flags for the library's arguments: its messages and fixes name these (cli/_errors.py).
FLAGS = {
    "vertex_project": "--project",
    "vertex_location": "--location",
    "api_version": "--api-version",
    "base_url": "--base-url",
}

LOGIN = "run 'gcloud auth application-default login'"
NETWORK_FIX = "Check network access, DNS, firewall or proxy (HTTPS_PROXY), or the base URL."


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool | None  # None: skipped, which never fails the run
    detail: str
    fix: str | None = None

    @property
    def status(self) -> str:
        return "skip" if self.ok is None else "pass" if self.ok else "fail"


def _ok(name: str, detail: str) -> CheckResult:
    return CheckResult(name, True, detail)


def _skip(name: str, detail: str) -> CheckResult:
    return CheckResult(name, None, detail)


def _fail(name: str, detail: str, fix: str) -> CheckResult:
    return CheckResult(name, False, detail, fix)


@dataclass(frozen=True)
class DoctorOptions:
    project: str | None = None
    location: str | None = None
    api_version: str | None = None
    base_url: str | None = None
    model: str = "gemini-2.5-flash"
    live: bool = False


@dataclass
class Context:
    options: DoctorOptions
    settings: Settings | None = None
    credentials: Any = None
    kind: str = ""
    account: str | None = None
    adc_project: str | None = None
    probe_expected: bool = False
    probe_seconds: float = 0.0
    token_ok: bool = False
    base_url: str | None = None

    @property
    def project(self) -> str | None:
        return (self.settings.project if self.settings else None) or self.adc_project

    @property
    def member(self) -> str:
        """The IAM member for the credentials found, for the fix commands."""
        if self.kind == "user":
            return f"user:{self.account or 'YOUR_EMAIL'}"
        return f"serviceAccount:{self.account}" if self.account and "@" in self.account else "PRINCIPAL"


def _line(exc: BaseException, limit: int = 300) -> str:
    """An exception's own message, first line only: google-auth puts response bodies in later args."""
    text = str(exc.args[0]) if exc.args else ""
    return (text.splitlines()[0][:limit] if text.strip() else "") or type(exc).__name__
