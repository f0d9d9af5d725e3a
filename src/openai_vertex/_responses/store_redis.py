"""A response store in Redis, for many processes or hosts (``pip install 'openai-vertex[redis]'``)."""

from __future__ import annotations

import json
from typing import Any

from ..exceptions import ConfigurationError

__all__ = ["RedisStore"]

_PREFIX = "openai-vertex:response:"
# OpenAI keeps stored responses for 30 days ("stored ≥30 days", research A.1); so does this store.
TTL_SECONDS = 30 * 24 * 3600


class RedisStore:
    def __init__(self, url: str, ttl_seconds: int = TTL_SECONDS) -> None:
        try:
            import redis
        except ImportError:
            raise ConfigurationError(
                "a redis:// response store needs the redis package: pip install 'openai-vertex[redis]'"
            ) from None
        self.ttl_seconds = ttl_seconds
        self._client: Any = redis.Redis.from_url(url)
        self._where = url.split("@")[-1]  # never the password of redis://user:pass@host in a repr

    def __repr__(self) -> str:
        return f"<RedisStore {self._where!r}>"

    def get(self, response_id: str) -> dict[str, Any] | None:
        text = self._client.get(_PREFIX + response_id)
        return None if text is None else json.loads(text)

    def put(self, response_id: str, record: dict[str, Any]) -> None:
        text = json.dumps(record, separators=(",", ":"))
        self._client.set(_PREFIX + response_id, text, ex=self.ttl_seconds)

    def delete(self, response_id: str) -> bool:
        return bool(self._client.delete(_PREFIX + response_id))
