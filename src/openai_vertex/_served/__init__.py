"""OpenAI APIs served in-process below the SDK (embeddings, models), and the table of refused ones.

`ROUTES` (in ``routes.py``) is the one table of served APIs; ``_client.py`` and ``patch.py`` call
`serve_client` after the SDK built its HTTP client, and `prepare_served` from ``_prepare_options``.
"""
