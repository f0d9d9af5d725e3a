"""Real frameworks against FakeVertex: once with an injected openai-vertex client, once unmodified
under ``OPENAI_VERTEX=1`` in a fresh interpreter. Each test skips when its framework is absent;
scripts/test runs this directory once per framework venv and names that venv's framework in
``OPENAI_VERTEX_FRAMEWORK_UNDER_TEST``, which must import, so a broken install fails instead of skipping."""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.oauth2 import service_account

import openai_vertex
from openai_vertex.testing import FakeGoogleAuth, FakeVertex

from ..test_env_mode import needs_pth, report, run_python, vertex_env

__all__ = ["assert_vertex_only", "needs_pth", "run_unmodified"]

if os.environ.get("OPENAI_VERTEX_FRAMEWORK_UNDER_TEST"):
    importlib.import_module(os.environ["OPENAI_VERTEX_FRAMEWORK_UNDER_TEST"])


@pytest.fixture
def credentials(google_auth: FakeGoogleAuth) -> service_account.Credentials:
    return google_auth.credentials()


@pytest.fixture
def client(vertex: FakeVertex, credentials: service_account.Credentials) -> Iterator[openai_vertex.OpenAI]:
    with openai_vertex.OpenAI(base_url=vertex.base_url, credentials=credentials) as sync_client:
        yield sync_client


@pytest.fixture
def async_client(vertex: FakeVertex, credentials: service_account.Credentials) -> openai_vertex.AsyncOpenAI:
    return openai_vertex.AsyncOpenAI(base_url=vertex.base_url, credentials=credentials)


def run_unmodified(code: str, vertex: FakeVertex, key_file: Path, **env: str) -> Any:
    """Run ``code`` (written for OpenAI, model names hard-coded) with ``OPENAI_VERTEX=1``; its last line
    of output, parsed as JSON."""
    environ = vertex_env(vertex, key_file, OPENAI_VERTEX="1", OPENAI_AGENTS_DISABLE_TRACING="1", **env)
    return report(run_python([sys.executable, "-c", code], environ))


def assert_vertex_only(vertex: FakeVertex, *, at_least: int = 1) -> None:
    """Every request reached Vertex as a Gemini model with a Google token, and no OpenAI key."""
    requests = vertex.requests
    assert len(requests) >= at_least
    for request in requests:
        assert request.status == 200, (request.status, request.body)
        assert request.authorized
        assert (request.body or {}).get("model") == "google/gemini-2.5-flash"
        assert "sk-" not in json.dumps(request.headers)
