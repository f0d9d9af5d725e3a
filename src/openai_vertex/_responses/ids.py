"""Ids in OpenAI's formats: a prefix and 48 hex digits (``resp_…``, ``msg_…``, ``fc_…``, ``rs_…``).

Nothing in the SDKs parses them, but frameworks and logs recognise the prefixes; random, so two
processes sharing a store never collide.
"""

from __future__ import annotations

import secrets

__all__ = ["new_id"]


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(24)}"
