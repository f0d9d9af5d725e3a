"""Test helpers: local fakes of Google's token endpoint, the GCE metadata server and Vertex's
OpenAI-compatible endpoint, plus a vcrpy configuration that keeps secrets out of cassettes.

Everything runs on 127.0.0.1 in daemon threads and uses google-auth's real code paths, so no test
needs the internet or real Google credentials::

    from openai_vertex.testing import FakeGoogleAuth, FakeVertex

    with FakeGoogleAuth() as auth, FakeVertex(auth=auth) as vertex:
        creds = auth.credentials()          # refreshes against the fake token endpoint
        ...                                 # point a client at vertex.base_url

Importing this package is cheap (standard library only); ``cryptography`` and google-auth are
imported when a key or credentials are first needed. ``import openai_vertex`` never imports it.
"""

from __future__ import annotations

from ._fake_google_auth import CLOUD_PLATFORM_SCOPE, TOKEN_PREFIX, FakeGoogleAuth
from ._fake_vertex import FakeVertex, RecordedRequest
from ._vcr import SECRET_PATTERNS, find_secrets, vcr_config

__all__ = [
    "CLOUD_PLATFORM_SCOPE",
    "SECRET_PATTERNS",
    "TOKEN_PREFIX",
    "FakeGoogleAuth",
    "FakeVertex",
    "RecordedRequest",
    "find_secrets",
    "vcr_config",
]
