"""The Responses API served in-process: translated to Vertex Chat Completions and back.

``request.py`` turns a Responses body into a Vertex-ready chat body (through the chat translation),
``items.py`` does the input items, ``reply.py`` builds a ``Response`` from a chat completion,
``events.py`` turns a chat stream into the Responses event stream, ``store.py`` keeps responses for
``previous_response_id``/``retrieve``, and ``routes.py`` plugs it all into the served transport.
"""
