"""`openai-vertex demo --live` without credentials: the one-line fix and status 1, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_live_demo_without_credentials_prints_the_fix(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOOGLE_", "OPENAI_", "GCE_"))}
    env.update(HOME=str(tmp_path), CLOUDSDK_CONFIG=str(tmp_path / "gcloud"), NO_GCE_CHECK="true")
    done = subprocess.run(
        [sys.executable, "-m", "openai_vertex.cli", "demo", "--live"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 1  # a failed call, not bad input
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "no Google credentials" in line and "gcloud auth application-default login" in line
    assert "drop --live" in line
