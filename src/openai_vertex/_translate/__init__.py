"""Translation of OpenAI request bodies into what Vertex accepts: pure functions, no I/O.

Fetching images (network) lives in ``_fetch/``; ``tests/test_layout.py`` keeps this package pure.
"""
