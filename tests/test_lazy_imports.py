"""The Responses layer is imported at the first ``client.responses`` call, not by ``import openai_vertex``
nor by a chat call (it was a third of the package's import time; the import target is 50 ms over
``import openai``). Each probe is a fresh interpreter, aimed at the fake by ``adc``'s environment."""

from __future__ import annotations

import subprocess
import sys

from openai_vertex.testing import FakeVertex

LAYER = "openai_vertex._responses."  # any module of the layer (the package's own __init__ is tiny)
CHAT = "client.chat.completions.create(model='gemini-2.5-flash', messages=[{'role': 'user', 'content': '.'}])"


def loaded_after(*lines: str) -> bool:
    probe = "\n".join(["import sys, openai_vertex", "client = openai_vertex.OpenAI()", *lines])
    probe += f"\nprint(any(name.startswith({LAYER!r}) for name in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return out.stdout.strip() == "True"


def test_import_a_client_and_a_chat_call_leave_the_responses_layer_unloaded(adc: FakeVertex) -> None:
    assert not loaded_after(CHAT)
    assert len(adc.requests) == 1  # the chat call did reach the fake


def test_the_first_responses_call_loads_it(adc: FakeVertex) -> None:
    assert loaded_after("client.responses.create(model='gemini-2.5-flash', input='hello')")
    assert len(adc.requests) == 1
