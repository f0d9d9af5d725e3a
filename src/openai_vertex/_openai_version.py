"""Refuse an openai release older than the oldest one openai-vertex supports, with both versions named.

An older openai lacks hooks this package relies on (1.83.0 is the first 1.x with per-request
``follow_redirects``, which keeps a Google token from following a redirect), so it would fail late and
obscurely, or worse, quietly send a token where it should not. The floor is the one in pyproject.toml.
"""

from __future__ import annotations

import re

from .exceptions import ConfigurationError

__all__ = ["OLDEST_SUPPORTED_OPENAI", "require_supported_openai"]

# Keep in step with the `openai>=` floor of the dependencies in pyproject.toml (a test checks it).
OLDEST_SUPPORTED_OPENAI = (1, 83, 0)


def _release(version: str) -> tuple[int, ...] | None:
    """(major, minor, micro) of a version string such as "1.83.0" or "2.1.0rc1"; None if unreadable."""
    match = re.match(r"\s*(\d+)\.(\d+)(?:\.(\d+))?", version)
    if match is None:
        return None
    return tuple(int(part or 0) for part in match.groups())


def require_supported_openai(installed: object = None) -> None:
    """Raise ConfigurationError when the installed openai is older than the supported floor."""
    if installed is None:
        import openai

        installed = getattr(openai, "__version__", None)
    release = _release(installed) if isinstance(installed, str) else None
    if release is not None and release >= OLDEST_SUPPORTED_OPENAI:
        return
    required = ".".join(map(str, OLDEST_SUPPORTED_OPENAI))
    raise ConfigurationError(
        f"openai-vertex needs openai >= {required}, but openai {installed or '(version unknown)'} is "
        f"installed. Upgrade it: pip install --upgrade 'openai>={required}'."
    )
