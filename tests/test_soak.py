"""The short soak (issue 11): sync threads and async tasks through one client while tokens expire.

The full run is ``scripts/soak`` (8 threads x 500 sync requests + 1,000 async tasks); this is the
CI size. Every expiry forces one 401 round (refresh shared, one re-send each).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from soak import soak

pytestmark = pytest.mark.timeout(120)


def test_short_soak_has_no_failures_no_extra_refreshes_and_nothing_left_behind() -> None:
    # Token lifetime (expire_every) well above the worst request latency here: a token that expires
    # before the retry reaches Vertex would be a second 401, which no client absorbs.
    result = soak(threads=4, per_thread=100, tasks=300, expire_every=0.5, concurrency=8)
    assert result.failures == 0, result.first_errors
    assert result.expiries >= 1  # the run met at least one expiry (a forced 401 round)
    assert abs(result.token_requests - (1 + result.expiries)) <= 1, result
    assert result.leftover_threads == [] and result.leftover_tasks == 0
