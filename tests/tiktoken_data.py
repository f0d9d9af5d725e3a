"""tiktoken's cl100k_base, shipped with the tests: tiktoken downloads encodings at run time, and no
test may. ``data/cl100k_base.tiktoken.gz`` is the file tiktoken's own ``expected_hash`` names
(sha256 223921b7..., gzipped to ~760 KB); `tiktoken_cache` unpacks it where ``TIKTOKEN_CACHE_DIR``
points, under the name tiktoken looks for (the SHA-1 of the URL it would download from)."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest

__all__ = ["tiktoken_cache"]

DATA = Path(__file__).parent / "data" / "cl100k_base.tiktoken.gz"
_BLOB = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"


@pytest.fixture
def tiktoken_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path_factory.getbasetemp() / "tiktoken"
    target = cache / hashlib.sha1(_BLOB.encode()).hexdigest()  # noqa: S324 - tiktoken's cache key
    if not target.exists():
        cache.mkdir(exist_ok=True)
        target.write_bytes(gzip.decompress(DATA.read_bytes()))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    return cache
