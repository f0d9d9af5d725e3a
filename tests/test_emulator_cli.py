"""The emulator users run: ``openai-vertex emulator``, ``run --emulator`` and the pytest fixture,
each driving an unmodified plain-openai script in a fresh interpreter."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import sigint_default

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "openai_vertex.cli"]

# Written for OpenAI: a hard-coded OpenAI model, no Vertex anything.
APP = """
import openai
reply = openai.OpenAI().chat.completions.create(
    model="gpt-4o-mini", messages=[{"role": "user", "content": "hello emulator"}]
)
print("REPLY", reply.choices[0].message.content)
"""
RAG_APP = """
import openai
client = openai.OpenAI()
vectors = client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
print("VECTORS", len(vectors.data), len(vectors.data[0].embedding))
"""


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "GOOGLE_", "GCE_"))}
    env["PYTHONPATH"] = str(ROOT / "src")
    env.update(extra)
    return env


def pth_installed() -> bool:
    import site

    dirs = [*site.getsitepackages(), site.getusersitepackages()]
    return any((Path(d) / "openai_vertex.pth").is_file() for d in dirs)


needs_pth = pytest.mark.skipif(not pth_installed(), reason="OPENAI_VERTEX=1 needs the installed .pth hook")


@needs_pth
def test_foreground_emulator_serves_a_script_run_with_only_the_exported_variables(tmp_path: Path) -> None:
    app = tmp_path / "app.py"
    app.write_text(APP)
    log_file = tmp_path / "requests.jsonl"
    server = subprocess.Popen(
        [*CLI, "emulator", "--log", str(log_file)],
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_default,
    )
    try:
        assert server.stdout is not None
        exported: dict[str, str] = {}
        for line in server.stdout:
            if line.startswith("# request log"):
                break
            if line.startswith("export "):
                name, _, value = line[len("export ") :].strip().partition("=")
                exported[name] = value.strip("'")
        assert {"OPENAI_VERTEX", "OPENAI_VERTEX_BASE_URL", "GOOGLE_APPLICATION_CREDENTIALS"} <= set(exported)
        done = subprocess.run(
            [sys.executable, str(app)], env=clean_env(**exported), capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert "REPLY Echo: hello emulator" in done.stdout
        logged = json.loads(server.stdout.readline())
        assert logged["model"] == "google/gemini-2.5-flash"
        assert logged["path"].endswith("/endpoints/openapi/chat/completions")
        assert logged["status"] == 200
    finally:
        server.send_signal(signal.SIGINT)
        status = server.wait(timeout=30)
    assert status == 130  # Ctrl-C, no traceback
    assert "Traceback" not in (server.stderr.read() if server.stderr else "")
    assert json.loads(log_file.read_text().splitlines()[0])["status"] == 200


@needs_pth
def test_run_with_emulator_serves_the_program_for_its_lifetime(tmp_path: Path) -> None:
    app = tmp_path / "app.py"
    app.write_text(APP + "raise SystemExit(3)\n")
    done = subprocess.run(
        [*CLI, "run", "--emulator", "--location", "europe-west4", "--", sys.executable, str(app)],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3, done.stderr  # the program's own status
    assert "REPLY Echo: hello emulator" in done.stdout
    (line,) = [x for x in done.stderr.splitlines() if x.startswith("openai-vertex emulator: ")]
    logged = json.loads(line.split(": ", 1)[1])
    assert "/locations/europe-west4/" in logged["path"]  # --location is honoured
    assert logged["model"] == "google/gemini-2.5-flash"


SAMPLE_TEST = """
import openai

def test_app_reaches_the_emulator(openai_vertex_emulator):
    reply = openai.OpenAI().chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "from a user's test"}]
    )
    assert reply.choices[0].message.content == "Echo: from a user's test"
    (request,) = openai_vertex_emulator.requests
    assert request.body["model"] == "google/gemini-2.5-flash"
    assert request.authorized
"""


def plugin_installed() -> bool:
    from importlib.metadata import entry_points

    return any(ep.value == "openai_vertex.testing.pytest_plugin" for ep in entry_points(group="pytest11"))


def test_pytest_fixture_gives_a_users_tests_a_running_emulator(tmp_path: Path) -> None:
    (tmp_path / "test_sample.py").write_text(SAMPLE_TEST)
    # Installed, pytest loads the plugin by its entry point; from a bare checkout, name it with -p.
    load = [] if plugin_installed() else ["-p", "openai_vertex.testing.pytest_plugin"]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *load, "test_sample.py"],
        cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_the_fixture_is_registered_as_a_pytest_plugin() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    section = text.split("[project.entry-points.pytest11]", 1)[1].split("\n[", 1)[0]
    assert 'openai_vertex = "openai_vertex.testing.pytest_plugin"' in section


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--model", "gemini-9-flash"], "closest: google/gemini-"),  # not a documented id
        (["--model", "gemini-3.8-flash", "--location", "us-central1"], "global only"),  # [GLOBAL] rule
    ],
)
def test_emulator_refuses_a_model_it_would_answer_404_before_starting(
    flags: list[str], expected: str
) -> None:
    done = subprocess.run(
        [*CLI, "emulator", *flags], env=clean_env(), capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2, done.stderr
    assert f"--model {flags[1]}:" in done.stderr and expected in done.stderr
    assert "export" not in done.stdout  # nothing was started


@needs_pth
@pytest.mark.parametrize("extra", [True, False], ids=["with-extra-model", "without"])
def test_run_with_emulator_serves_an_extra_model(tmp_path: Path, extra: bool) -> None:
    """A model id newer than the emulator's list: served with --extra-model, else Vertex's 404."""
    app = tmp_path / "app.py"
    app.write_text(APP)
    flags = ["--extra-model", "gemini-9-flash"] if extra else []
    done = subprocess.run(
        [
            *CLI,
            "run",
            "--emulator",
            *flags,
            "--model-alias",
            "*=gemini-9-flash",
            "--",
            sys.executable,
            str(app),
        ],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    if extra:
        assert done.returncode == 0, done.stderr
        assert "REPLY Echo: hello emulator" in done.stdout
    else:
        assert done.returncode == 1 and "NotFoundError" in done.stderr
        assert "--extra-model ID for the openai-vertex emulator" in done.stderr
    (line,) = [x for x in done.stderr.splitlines() if x.startswith("openai-vertex emulator: ")]
    assert json.loads(line.split(": ", 1)[1])["model"] == "google/gemini-9-flash"


def test_extra_model_without_the_emulator_is_bad_input() -> None:
    done = subprocess.run(
        [*CLI, "run", "--extra-model", "gemini-9-flash", "--", sys.executable, "-c", "pass"],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and "add --emulator" in done.stderr


@needs_pth
def test_run_with_emulator_serves_openai_embedding_model_names(tmp_path: Path) -> None:
    """A RAG script's hard-coded OpenAI embedding model reaches gemini-embedding-001 on the emulator."""
    app = tmp_path / "rag.py"
    app.write_text(RAG_APP)
    done = subprocess.run(
        [*CLI, "run", "--emulator", "--", sys.executable, str(app)],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "VECTORS 2 3072" in done.stdout  # gemini-embedding-001's full dimensionality
    logged = [x for x in done.stderr.splitlines() if x.startswith("openai-vertex emulator: ")]
    paths = [json.loads(line.split(": ", 1)[1])["path"] for line in logged]
    assert paths and all(p.endswith("/publishers/google/models/gemini-embedding-001:predict") for p in paths)
