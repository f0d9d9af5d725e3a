"""`openai-vertex demo` runs the README quickstart end to end on the bundled emulator."""

from __future__ import annotations

import os
import subprocess
import sys


def test_demo_runs_the_quickstart_on_the_emulator() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOOGLE_", "OPENAI_"))}
    result = subprocess.run(
        [sys.executable, "-m", "openai_vertex.cli", "demo"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    out = result.stdout
    assert "from openai_vertex import OpenAI" in out
    assert "bundled emulator" in out
    # One answer from the plain call, one assembled from the stream.
    assert out.count("Echo: Say hello to Vertex in five words.") == 2
    assert "openai-vertex demo --live" in out
    assert "fake-ya29." not in out + result.stderr
