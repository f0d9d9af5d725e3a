"""A response store in one SQLite file: several processes on one host share it (WAL mode)."""

from __future__ import annotations

import json
import sqlite3
import threading
from typing import Any

__all__ = ["SQLiteStore"]

_SCHEMA = "CREATE TABLE IF NOT EXISTS responses (id TEXT PRIMARY KEY, record TEXT NOT NULL, created REAL)"


class SQLiteStore:
    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()  # sqlite3 connections belong to one thread
        with self._connect() as db:
            db.execute(_SCHEMA)

    def __repr__(self) -> str:
        return f"<SQLiteStore {self.path!r}>"

    def _connect(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            self._local.db = db
        return db

    def get(self, response_id: str) -> dict[str, Any] | None:
        row = self._connect().execute("SELECT record FROM responses WHERE id = ?", (response_id,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, response_id: str, record: dict[str, Any]) -> None:
        text = json.dumps(record, separators=(",", ":"))
        created = record.get("response", {}).get("created_at")
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO responses VALUES (?, ?, ?)", (response_id, text, created))

    def delete(self, response_id: str) -> bool:
        with self._connect() as db:
            return db.execute("DELETE FROM responses WHERE id = ?", (response_id,)).rowcount > 0
