"""The Responses API served in-process: translated to Vertex Chat Completions and back.

``request.py`` turns a Responses body into a Vertex-ready chat body (through the chat translation),
``items.py`` does the input items, ``reply.py`` builds a ``Response`` from a chat completion,
``events.py`` turns a chat stream into the Responses event stream, ``store.py`` keeps responses for
``previous_response_id``/``retrieve``, and ``routes.py`` plugs it all into the served transport.

Only this file is imported with the package: the client asks `is_plan` of every request, and the rest
of the layer is imported at the first ``client.responses`` call (it is a third of the import time).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["PLAN_KEY", "is_plan"]

PLAN_KEY = "openai_vertex_responses"  # marks the body ``prepare_create`` made of a responses.create


def is_plan(body: object) -> bool:
    """Whether ``body`` is what ``prepare.prepare_create`` made of a ``responses.create``."""
    return isinstance(body, Mapping) and body.get(PLAN_KEY) == 1
