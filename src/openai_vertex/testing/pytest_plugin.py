"""pytest plugin (entry point ``pytest11``): the ``openai_vertex_emulator`` fixture.

Installed with openai-vertex, so users' own tests can ask for a running emulator::

    def test_my_app(openai_vertex_emulator):
        my_app.main()                       # its openai.OpenAI() goes to the emulator
        assert openai_vertex_emulator.requests[0].body["model"] == "google/gemini-2.5-flash"

The fixture starts a fresh emulator, exports its environment for the test (restored afterwards)
and patches openai in this process, so clients created during the test reach it. Only the fixture
is defined here: loading the plugin imports nothing heavy.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .emulator import Emulator


@pytest.fixture
def openai_vertex_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """A running fake Vertex + token server; ``.requests`` is its request log."""
    from .emulator import Emulator

    with Emulator() as emulator:
        for name, value in emulator.environment().items():
            monkeypatch.setenv(name, value)
        import openai_vertex

        with openai_vertex.patch():
            yield emulator
