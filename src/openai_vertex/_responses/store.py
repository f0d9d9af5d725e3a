"""Where responses are kept for ``previous_response_id``, ``retrieve``, ``delete``, ``input_items.list``.

OpenAI keeps responses on its server; Vertex keeps nothing, so openai-vertex keeps them locally:

- ``memory`` (default): per process, bounded (oldest dropped first), shared by the clients of a process;
- ``sqlite:///path/to/file.db``: one file, for several processes on one host;
- ``redis://host:6379/0``: for many processes or hosts (the optional ``redis`` extra).

Chosen by the client's ``response_store=`` (a spec string or a `ResponseStore`) or the
``OPENAI_VERTEX_RESPONSE_STORE`` environment variable. A record is JSON: the ``Response``, the
request's input items and the conversation as Vertex chat messages. Never a token or header.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections import OrderedDict
from typing import Any, Protocol, runtime_checkable

from ..exceptions import ConfigurationError

__all__ = ["ENV_VAR", "MemoryStore", "ResponseStore", "in_thread", "open_store", "store_of"]

ENV_VAR = "OPENAI_VERTEX_RESPONSE_STORE"
Record = dict[str, Any]


@runtime_checkable
class ResponseStore(Protocol):
    """What a backend implements; records are JSON-ready dicts, looked up by response id."""

    def get(self, response_id: str) -> Record | None: ...

    def put(self, response_id: str, record: Record) -> None: ...

    def delete(self, response_id: str) -> bool: ...


class MemoryStore:
    """A bounded in-process store: at most ``max_records`` records and about ``max_bytes`` of JSON."""

    def __init__(self, max_records: int = 1000, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_records = max_records
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._records: OrderedDict[str, tuple[str, int]] = OrderedDict()
        self._bytes = 0

    def __repr__(self) -> str:
        return f"<MemoryStore records={len(self._records)}>"

    def get(self, response_id: str) -> Record | None:
        with self._lock:
            found = self._records.get(response_id)
        # Kept as JSON text: a caller can never change a stored record through what it got back.
        return None if found is None else json.loads(found[0])

    def put(self, response_id: str, record: Record) -> None:
        text = json.dumps(record, separators=(",", ":"))
        with self._lock:
            old = self._records.pop(response_id, None)
            if old is not None:
                self._bytes -= old[1]
            self._records[response_id] = (text, len(text))
            self._bytes += len(text)
            while len(self._records) > 1 and (
                len(self._records) > self.max_records or self._bytes > self.max_bytes
            ):
                _, (_, size) = self._records.popitem(last=False)
                self._bytes -= size

    def delete(self, response_id: str) -> bool:
        with self._lock:
            old = self._records.pop(response_id, None)
            if old is not None:
                self._bytes -= old[1]
        return old is not None


_opened: dict[str, ResponseStore] = {}
_opened_lock = threading.Lock()


def open_store(spec: str) -> ResponseStore:
    """The store a spec names; one per distinct spec per process (the memory store is shared)."""
    spec = spec.strip() or "memory"
    with _opened_lock:
        store = _opened.get(spec)
        if store is None:
            store = _opened[spec] = _new_store(spec)
        return store


def _new_store(spec: str) -> ResponseStore:
    if spec == "memory":
        return MemoryStore()
    if spec.startswith("sqlite:"):
        from .store_sqlite import SQLiteStore

        path = spec.removeprefix("sqlite:").removeprefix("//")
        if not path or path == "/":
            raise ConfigurationError("a sqlite response store needs a file: sqlite:///path/to/responses.db")
        return SQLiteStore(path)
    if spec.startswith(("redis://", "rediss://", "unix://")):
        from .store_redis import RedisStore

        return RedisStore(spec)
    raise ConfigurationError(
        f"unknown response store {spec!r}: use 'memory', 'sqlite:///path/to/file.db' or "
        f"'redis://host:6379/0' (response_store= on the client, or {ENV_VAR})"
    )


def store_of(choice: Any) -> ResponseStore:
    """The store for a client's ``response_store=`` value (None: the environment, else memory)."""
    if choice is None:
        return open_store(os.environ.get(ENV_VAR, "memory"))
    if isinstance(choice, str):
        return open_store(choice)
    if isinstance(choice, ResponseStore):
        return choice
    raise ConfigurationError(
        "response_store must be a spec string ('memory', 'sqlite:///file.db', 'redis://...') or an object "
        "with get/put/delete"
    )


async def in_thread(store: ResponseStore, fn: Any, *args: Any) -> Any:
    """A store call off the event loop (SQLite and Redis block); the memory store is instant."""
    if isinstance(store, MemoryStore):
        return fn(*args)
    return await asyncio.to_thread(fn, *args)
