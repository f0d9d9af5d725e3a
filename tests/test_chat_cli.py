"""`openai-vertex chat`: streaming to a real terminal (a pty), Ctrl-C, and the request it sends.

Every test runs the command as a subprocess against the fakes started here; `adc` puts the fake
service-account key and the fake endpoint in the environment the subprocess inherits.
"""

from __future__ import annotations

import base64
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from openai_vertex.testing import TOKEN_PREFIX, FakeGoogleAuth, FakeVertex

from .conftest import PROJECT, sigint_default
from .test_doctor import SRC, run_cli

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty and process groups")

# A 1x1 PNG; saved under a .jpg name to show the bytes, not the extension, decide the MIME type.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture
def slow_vertex(
    google_auth: FakeGoogleAuth, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeVertex]:
    with FakeVertex(auth=google_auth, project=PROJECT, chunk_delay=0.3) as fake:
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
        monkeypatch.setenv("OPENAI_VERTEX_BASE_URL", fake.base_url)
        yield fake


class Terminal:
    """The command on a pty, in its own process group (a terminal's foreground job)."""

    def __init__(self, *args: str) -> None:
        master, slave = os.openpty()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
        # A user's shell has Python's default line-buffered stdout on a terminal: only the command's
        # own flush can put a word on screen before the newline at the end of the answer.
        env.pop("PYTHONUNBUFFERED", None)
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "openai_vertex.cli", "chat", *args],
            stdin=subprocess.DEVNULL,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            preexec_fn=sigint_default,
        )
        os.close(slave)  # the child holds the only slave fd: reading the master ends with EIO at exit
        self.master = master
        self.output = b""
        self.arrivals: list[tuple[float, bytes]] = []  # (seconds since start, bytes read)

    def read_until(self, marker: bytes, timeout: float = 30.0) -> float:
        """Read until ``marker`` has appeared; returns when (seconds since start) it did."""
        deadline = time.monotonic() + timeout
        while marker not in self.output:
            assert time.monotonic() < deadline and self._read_once(deadline - time.monotonic()), self.output
        return self.arrivals[-1][0]

    def finish(self, timeout: float = 30.0) -> tuple[int, float]:
        """Read to the end; returns (exit status, seconds when the output ended)."""
        deadline = time.monotonic() + timeout
        while self._read_once(deadline - time.monotonic()):
            assert time.monotonic() < deadline, self.output
        status = self.proc.wait(timeout=max(deadline - time.monotonic(), 1))
        os.close(self.master)
        return status, time.monotonic() - self.started

    def _read_once(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], max(timeout, 0))
        if not ready:
            return True
        try:
            data = os.read(self.master, 4096)
        except OSError:  # EIO: the child closed the terminal
            return False
        if not data:
            return False
        self.output += data
        self.arrivals.append((time.monotonic() - self.started, data))
        return True

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def test_answer_appears_word_by_word_on_a_terminal(slow_vertex: FakeVertex) -> None:
    prompt = "one two three four five six seven eight"
    term = Terminal(prompt)
    try:
        first = term.read_until(b"Echo:")
        last = term.read_until(b"eight")
        status, ended = term.finish()
    finally:
        term.kill()
    assert status == 0, term.output
    text = term.output.decode().replace("\r\n", "\n")
    assert f"Echo: {prompt}\n" in text
    # 9 words 0.3 s apart: the first is on screen ~2.4 s before the last and before the process
    # ends, in separate reads, rather than all at once at the end.
    assert last - first > 1.8 and ended - first > 1.8, term.arrivals
    assert len([t for t, _ in term.arrivals if first <= t <= last]) >= 5, term.arrivals
    assert "prompt +" in text and "tokens]" in text  # the usage line, after the answer
    assert TOKEN_PREFIX not in text


def test_ctrl_c_exits_130_without_a_traceback(
    google_auth: FakeGoogleAuth, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeVertex(auth=google_auth, project=PROJECT, chunk_delay=0.5) as fake:
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
        monkeypatch.setenv("OPENAI_VERTEX_BASE_URL", fake.base_url)
        term = Terminal(" ".join(f"word{i}" for i in range(40)))  # ~20 s of answer
        try:
            term.read_until(b"Echo:")
            interrupted = time.monotonic()
            os.killpg(term.proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
            status, _ = term.finish(timeout=15)
        finally:
            term.kill()
    assert status == 130, term.output
    assert time.monotonic() - interrupted < 10
    text = term.output.decode(errors="replace")
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text
    assert "word39" not in text  # it stopped instead of finishing the answer


# -- without a terminal -------------------------------------------------------------------------------


def test_usage_goes_to_stderr_and_quiet_drops_it(adc: FakeVertex) -> None:
    proc = run_cli("chat", "hello there")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Echo: hello there\n"
    assert proc.stderr.startswith("[google/gemini-2.5-flash, ") and "completion =" in proc.stderr
    quiet = run_cli("chat", "--quiet", "hello there")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "Echo: hello there\n", "")


def test_prompt_from_stdin(adc: FakeVertex) -> None:
    env = dict(os.environ, PYTHONPATH=str(SRC))
    proc = subprocess.run(
        [sys.executable, "-m", "openai_vertex.cli", "chat", "--quiet", "-"],
        input="from standard input\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert (proc.returncode, proc.stdout) == (0, "Echo: from standard input\n"), proc.stderr


def test_request_carries_every_option(adc: FakeVertex, tmp_path: Path) -> None:
    image = tmp_path / "photo.jpg"
    image.write_bytes(PNG)
    schema = tmp_path / "city.json"
    schema.write_text(
        json.dumps({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})
    )
    proc = run_cli(
        "chat", "Name a city", "--quiet", "--system", "Be brief.", "--temperature", "0.2",
        "--max-tokens", "64", "--image", str(image), "--image", "gs://bucket/cat.jpg",
        "--json-schema", str(schema), "--model", "gemini-2.5-pro",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"city": "a"}
    body = adc.requests[-1].body
    assert body is not None
    assert body["model"] == "google/gemini-2.5-pro"
    assert body["stream"] is True and body["temperature"] == 0.2 and body["max_tokens"] == 64
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    parts = body["messages"][1]["content"]
    assert parts[0] == {"type": "text", "text": "Name a city"}
    assert parts[1]["image_url"]["url"] == "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert parts[2]["image_url"]["url"] == "gs://bucket/cat.jpg"
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "city"


def test_vertex_403_prints_the_fix_and_exits_1(adc: FakeVertex) -> None:
    adc.fail_next(403)
    proc = run_cli("chat", "hi")
    assert proc.returncode == 1
    assert "Vertex answered HTTP 403: PERMISSION_DENIED" in proc.stderr
    assert "--role=roles/aiplatform.user" in proc.stderr
    assert "openai-vertex doctor --live" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--image", "/no/such/file.png"], "cannot read image /no/such/file.png"),
        (["--json-schema", "/no/such/schema.json"], "cannot read --json-schema"),
        (["--max-tokens", "0"], "must be a positive integer"),
    ],
)
def test_bad_input_exits_2(adc: FakeVertex, args: list[str], message: str) -> None:
    proc = run_cli("chat", "hi", *args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert adc.requests == []


def test_emulator_needs_no_credentials() -> None:
    proc = run_cli("chat", "--emulator", "--quiet", "hi there")
    assert (proc.returncode, proc.stdout) == (0, "Echo: hi there\n"), proc.stderr
