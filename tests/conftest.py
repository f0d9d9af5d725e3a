"""Shared fixtures: a clean environment, the fake token server and the fake Vertex endpoint."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from openai_vertex.testing import FakeGoogleAuth, FakeVertex

PROJECT = "fake-project"

_AMBIENT = (
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GOOGLE_CLOUD_PROJECT",
    "GCLOUD_PROJECT",
    "GOOGLE_CLOUD_LOCATION",
    "GCE_METADATA_HOST",
    "GCE_METADATA_IP",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "OPENAI_CUSTOM_HEADERS",
    "OPENAI_VERTEX",
    "OPENAI_VERTEX_BASE_URL",
    "OPENAI_VERTEX_API_VERSION",
    "OPENAI_VERTEX_MODEL_ALIASES",
    "OPENAI_VERTEX_UNSUPPORTED_PARAMS",
    "OPENAI_VERTEX_IMAGE_URLS",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ambient Google or OpenAI configuration, no gcloud files, no metadata-server probe."""
    for name in _AMBIENT:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(home / "gcloud"))
    monkeypatch.setenv("NO_GCE_CHECK", "true")


@pytest.fixture
def google_auth() -> Iterator[FakeGoogleAuth]:
    with FakeGoogleAuth(project_id=PROJECT) as auth:
        yield auth


@pytest.fixture
def vertex(google_auth: FakeGoogleAuth) -> Iterator[FakeVertex]:
    with FakeVertex(auth=google_auth, project=PROJECT, location="global") as fake:
        yield fake


@pytest.fixture
def key_file(google_auth: FakeGoogleAuth, tmp_path: Path) -> Path:
    return google_auth.write_service_account_file(tmp_path)


@pytest.fixture
def adc(monkeypatch: pytest.MonkeyPatch, key_file: Path, vertex: FakeVertex) -> FakeVertex:
    """Application Default Credentials from a service-account key file, aimed at the fake endpoint."""
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    monkeypatch.setenv("OPENAI_VERTEX_BASE_URL", vertex.base_url)
    return vertex


USER_HELLO = [{"role": "user", "content": "hello"}]


def sigint_default() -> None:
    """``preexec_fn`` for a child a test stops with SIGINT, as Ctrl-C does: a shell starts background jobs
    with SIGINT ignored and children inherit that, so without this the child would never see it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
