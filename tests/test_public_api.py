"""The public surface: names, types, and what importing the package costs."""

from __future__ import annotations

import subprocess
import sys
import warnings

import openai_vertex
from openai_vertex import exceptions


def test_all_names_exist_and_nothing_public_is_missing() -> None:
    for name in openai_vertex.__all__:
        assert hasattr(openai_vertex, name), name
    public = {name for name in vars(openai_vertex) if not name.startswith("_")}
    modules = {"exceptions", "testing", "cli", "patch", "annotations"}
    assert public - modules <= set(openai_vertex.__all__)


def test_exceptions_subclass_the_fitting_builtins() -> None:
    assert issubclass(exceptions.ConfigurationError, ValueError)
    assert issubclass(exceptions.TranslationError, ValueError)
    assert issubclass(exceptions.CredentialsError, PermissionError)
    assert issubclass(exceptions.ImageFetchError, OSError)
    for name in ("ConfigurationError", "CredentialsError", "TranslationError", "ImageFetchError"):
        assert issubclass(getattr(exceptions, name), exceptions.VertexOpenAIError)
    assert issubclass(openai_vertex.VertexCompatibilityWarning, UserWarning)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("error", openai_vertex.VertexCompatibilityWarning)


def test_import_does_no_credential_work() -> None:
    code = (
        "import sys, openai_vertex; "
        "bad = [m for m in ('google.auth.transport.requests', 'google.auth._default', 'requests', "
        "'openai_vertex.testing') if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
