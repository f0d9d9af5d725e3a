"""A running emulator: the fake Vertex endpoint and the fake Google token server, plus the
environment that points an unmodified program at them.

Used by ``openai-vertex emulator`` (foreground), ``openai-vertex run --emulator`` (for one program's
lifetime) and the pytest fixture ``openai_vertex_emulator`` (``pytest_plugin.py``). The environment
uses only documented knobs: ``OPENAI_VERTEX=1`` (patch openai at start-up), ``OPENAI_VERTEX_BASE_URL``
(the fake's API root), ``GOOGLE_APPLICATION_CREDENTIALS`` (a service-account key whose token URI is
the fake token server, so google-auth's real code refreshes tokens) and a ``*=`` model alias, so a
script written for OpenAI with a hard-coded ``gpt-…`` model reaches a Gemini model.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

from ._fake_google_auth import FakeGoogleAuth
from ._fake_vertex import FakeVertex, RecordedRequest
from ._vertex_limits import check_location
from ._vertex_rules import VertexError, check_model

__all__ = ["DEFAULT_MODEL", "Emulator", "describe", "unserved_reason"]

DEFAULT_MODEL = "gemini-2.5-flash"
# A script written for OpenAI names OpenAI's embedding models; the chat `*` alias does not cover
# embeddings (a chat model cannot embed), so the emulator's environment aliases these three too.
OPENAI_EMBEDDING_MODELS = ("text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002")
EMBEDDING_MODEL = "gemini-embedding-001"  # served on global and in regions alike (_served/catalogue.py)


def unserved_reason(model: str, location: str, extra_models: Iterable[str] = ()) -> str | None:
    """Why the fake would answer every request for ``model`` at ``location`` with a 404, in its own
    words (None when it serves it): the CLI says so before it starts, not at the program's first call."""
    try:
        check_model(f"google/{model}", f"projects/-/locations/{location}", frozenset(extra_models))
        check_location(model, location)
    except VertexError as exc:
        return exc.message
    return None


class Emulator:
    """Fake Vertex + fake token server on 127.0.0.1; ``environment()`` says how to reach them."""

    def __init__(
        self,
        *,
        project: str = "fake-project",
        location: str = "global",
        model: str = DEFAULT_MODEL,
        extra_models: Iterable[str] = (),
    ):
        self.project, self.location, self.model = project, location, model
        self.auth = FakeGoogleAuth(project_id=project)
        self.vertex = FakeVertex(
            auth=self.auth, project=project, location=location, extra_models=extra_models
        )
        self._folder: Path | None = None
        self.key_file: Path | None = None

    def start(self) -> Emulator:
        self.auth.start()
        try:
            self.vertex.start()
            self._folder = Path(tempfile.mkdtemp(prefix="openai-vertex-emulator-"))
            self.key_file = self.auth.write_service_account_file(self._folder)
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        self.vertex.close()
        self.auth.close()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def requests(self) -> list[RecordedRequest]:
        """The request log: every request the fake Vertex received, oldest first."""
        return self.vertex.requests

    def environment(self) -> dict[str, str]:
        """The variables an unmodified program needs to talk to this emulator."""
        if self.key_file is None:
            raise RuntimeError("the emulator is not started")
        return {
            "OPENAI_VERTEX": "1",
            "OPENAI_VERTEX_BASE_URL": self.vertex.base_url,
            "GOOGLE_APPLICATION_CREDENTIALS": str(self.key_file),
            "GOOGLE_CLOUD_PROJECT": self.project,
            "GOOGLE_CLOUD_LOCATION": self.location,
            "OPENAI_VERTEX_MODEL_ALIASES": ",".join(
                [f"*={self.model}", *(f"{name}={EMBEDDING_MODEL}" for name in OPENAI_EMBEDDING_MODELS)]
            ),
            "NO_GCE_CHECK": "true",  # google-auth would otherwise probe the metadata server first
        }


def describe(request: RecordedRequest) -> str:
    """One JSON line for the request log (no headers: they hold the bearer token)."""
    entry: dict[str, Any] = {"method": request.method, "path": request.path, "status": request.status}
    if request.body is not None:
        entry["model"] = request.body.get("model")
        entry["stream"] = bool(request.body.get("stream"))
    return json.dumps(entry)
