"""I/O the translation needs, kept out of ``_translate/``: fetching the image URLs Vertex cannot fetch.

``targets.py`` vets where a fetch may go, ``fetcher.py`` fetches (SSRF-safe, bounded), ``inline.py``
rewrites a request's image URLs to ``data:`` URLs once per URL per client.
"""
