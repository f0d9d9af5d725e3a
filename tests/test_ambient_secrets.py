"""OpenAI secrets in the environment never get into a Vertex client (issue 11, item 4).

The variables are the ones the installed openai releases read in their constructors (grep for
``os.environ`` in openai/): OPENAI_ADMIN_KEY and OPENAI_WEBHOOK_SECRET (newer 1.x and later), the
lines of OPENAI_CUSTOM_HEADERS (2.x and later), and OPENAI_API_KEY / ORG / PROJECT. Each value holds a
marker; the whole object graph of the client, its copies, its repr, a failed pickle, an error report
and what the fake Vertex received are searched for it.
"""

from __future__ import annotations

import inspect
import pickle
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from openai_vertex import AsyncOpenAI, OpenAI, patch, unpatch
from openai_vertex.testing import FakeVertex

from .conftest import USER_HELLO

MARK = "AMBIENTLEAK"
SECRETS = {
    "OPENAI_ADMIN_KEY": f"sk-admin-{MARK}1",
    "OPENAI_WEBHOOK_SECRET": f"whsec_{MARK}2",
    "OPENAI_CUSTOM_HEADERS": f"Authorization: Bearer sk-custom-{MARK}3\nX-Api-Key: {MARK}4",
    "OPENAI_API_KEY": f"sk-proj-{MARK}5",
    "OPENAI_ORG_ID": f"org-{MARK}6",
    "OPENAI_PROJECT_ID": f"proj_{MARK}7",
}


@pytest.fixture
def ambient(monkeypatch: pytest.MonkeyPatch, adc: FakeVertex) -> FakeVertex:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return adc


def leaks(root: object) -> list[str]:
    """Paths in ``root``'s object graph (attributes, slots, containers) to a string with the marker."""
    found: list[str] = []
    seen: set[int] = set()
    todo: list[tuple[object, str, int]] = [(root, "client", 0)]
    while todo:
        obj, path, depth = todo.pop()
        if id(obj) in seen or depth > 15:
            continue
        seen.add(id(obj))
        if isinstance(obj, (str, bytes)):
            if (MARK if isinstance(obj, str) else MARK.encode()) in obj:
                found.append(path)
            continue
        if isinstance(obj, dict):
            todo += [(k, f"{path}<key>", depth + 1) for k in obj]
            todo += [(v, f"{path}[{k!r}]", depth + 1) for k, v in obj.items()]
        elif isinstance(obj, (list, tuple, set, frozenset)):
            todo += [(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(obj)]
        elif type(obj).__module__ != "builtins":
            attributes = getattr(obj, "__dict__", None)
            if isinstance(attributes, dict):
                todo.append((attributes, path + ".", depth + 1))
            for cls in type(obj).__mro__:
                for slot in getattr(cls, "__slots__", ()):
                    if isinstance(slot, str) and hasattr(obj, slot):
                        todo.append((getattr(obj, slot), f"{path}.{slot}", depth + 1))
    return found


def assert_clean(client: Any) -> None:
    assert leaks(client) == []
    assert leaks(client.with_options(timeout=5.0)) == []
    assert leaks(client.copy(max_retries=0)) == []
    assert MARK not in repr(client)
    try:
        data = pickle.dumps(client)
    except Exception as exc:  # clients hold locks and sockets: not picklable, but the error says nothing
        assert MARK not in str(exc)
    else:
        assert MARK.encode() not in data


@pytest.fixture
def patched() -> Iterator[None]:
    patch()
    try:
        yield
    finally:
        unpatch()
        openai._client = None


def test_the_marker_search_finds_a_secret_when_there_is_one(ambient: FakeVertex) -> None:
    # The search is what the other tests rely on: a plain OpenAI client does hold the variables.
    assert leaks(openai.OpenAI()) != []


@pytest.mark.parametrize("cls", [OpenAI, AsyncOpenAI])
def test_no_ambient_secret_in_a_vertex_client(ambient: FakeVertex, cls: type[Any]) -> None:
    assert_clean(cls())


@pytest.mark.parametrize("name", ["OpenAI", "AsyncOpenAI"])
def test_no_ambient_secret_in_a_patched_openai_client(ambient: FakeVertex, patched: None, name: str) -> None:
    assert_clean(getattr(openai, name)())


def test_no_ambient_secret_in_requests_or_error_reports(ambient: FakeVertex) -> None:
    client = OpenAI(max_retries=0, default_headers={"X-Mine": "kept"})
    reply = client.chat.completions.create(model="gemini-2.5-flash", messages=USER_HELLO)  # type: ignore[arg-type]
    assert reply.choices[0].message.content == "Echo: hello"
    ambient.reject_all_tokens = True
    with pytest.raises(openai.AuthenticationError) as caught:
        client.chat.completions.create(model="gemini-2.5-flash", messages=USER_HELLO)  # type: ignore[arg-type]
    error = caught.value
    assert MARK not in str(error) and MARK not in repr(error)
    assert leaks(error.response.request.headers) == [] and leaks(error.body) == []
    for request in ambient.requests:
        assert MARK not in repr(request.headers)
        assert request.headers.get("x-mine") == "kept"
        assert request.headers.get("authorization", "").startswith("Bearer ")
        assert "openai-vertex" not in request.headers.get("authorization", "")  # our token, not a placeholder


def test_secrets_the_caller_passes_are_the_callers(ambient: FakeVertex) -> None:
    if "webhook_secret" not in inspect.signature(openai.OpenAI.__init__).parameters:
        pytest.skip(f"openai {openai.__version__} has no webhook_secret")
    client = OpenAI(webhook_secret="whsec_given")
    assert client.webhook_secret == "whsec_given"  # type: ignore[attr-defined]
    assert client.copy().webhook_secret == "whsec_given"  # type: ignore[attr-defined]
