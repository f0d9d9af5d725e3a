"""A too-old openai is refused with both versions named (issue 11, item 7).

Each case runs in a subprocess that makes an older openai visible (``openai.__version__`` set before
openai-vertex looks at it), so the interpreter under test starts clean.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from openai_vertex._openai_version import OLDEST_SUPPORTED_OPENAI

pytestmark = pytest.mark.timeout(60)
ROOT = Path(__file__).resolve().parents[1]

CONSTRUCT = """
import openai
openai.__version__ = {version!r}
import openai_vertex
try:
    openai_vertex.{cls}(vertex_project="fake-project", vertex_location="global")
except openai_vertex.exceptions.ConfigurationError as exc:
    print("refused:", exc)
else:
    print("accepted")
"""

# What openai_vertex.pth does at start-up when OPENAI_VERTEX is set, once the older openai is in place
# (the variable is set only here: at interpreter start the .pth would patch the real openai first).
ENVIRONMENT_MODE = """
import os
import openai
openai.__version__ = {version!r}
os.environ["OPENAI_VERTEX"] = "1"
import openai_vertex._startup as startup
startup.install()
try:
    openai.OpenAI(api_key="sk-test")
except Exception as exc:
    print("refused:", type(exc).__name__, exc)
else:
    print("accepted")
"""


def run(script: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["GOOGLE_CLOUD_PROJECT"] = "fake-project"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


@pytest.mark.parametrize("cls", ["OpenAI", "AsyncOpenAI"])
def test_constructing_a_client_with_a_too_old_openai_names_both_versions(cls: str) -> None:
    out = run(CONSTRUCT.format(version="1.82.0", cls=cls))
    assert out.startswith("refused:"), out
    assert "openai 1.82.0 is installed" in out and "openai >= 1.83.0" in out


def test_environment_mode_with_a_too_old_openai_refuses_clients_naming_both_versions() -> None:
    out = run(ENVIRONMENT_MODE.format(version="1.60.2"))
    assert out.startswith("refused: ConfigurationError"), out
    assert "openai 1.60.2 is installed" in out and "openai >= 1.83.0" in out


@pytest.mark.parametrize("version", ["1.83.0", "2.0.0rc1"])
def test_the_oldest_supported_and_newer_releases_are_accepted(version: str) -> None:
    assert run(CONSTRUCT.format(version=version, cls="OpenAI")) == "accepted"


def test_the_floor_is_the_one_in_pyproject() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    floor = re.search(r'"openai>=([\d.]+)', text)
    assert floor is not None
    assert tuple(int(p) for p in floor.group(1).split(".")) == OLDEST_SUPPORTED_OPENAI
