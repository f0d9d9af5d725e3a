"""Zero-code adoption, end to end in fresh interpreters: ``OPENAI_VERTEX=1``, ``openai-vertex run`` and
``patch()`` after ``from openai import OpenAI``; and, without any of them, openai left untouched."""

from __future__ import annotations

import json
import os
import signal
import site
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openai_vertex.testing import FakeGoogleAuth, FakeVertex
from openai_vertex.testing._server import Exchange, LoopbackServer

SRC = Path(__file__).resolve().parents[1] / "src"

# An unmodified script written for OpenAI: a client, the module-level client, and a report.
SCRIPT = """
import json, sys
import openai
reply = openai.OpenAI().chat.completions.create(
    model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}]
)
module_reply = openai.chat.completions.create(
    model="gpt-4o-mini", messages=[{"role": "user", "content": "module"}]
)
print(json.dumps({
    "replies": [reply.choices[0].message.content, module_reply.choices[0].message.content],
    "openai_vertex_loaded": "openai_vertex" in sys.modules,
    "sitecustomize": getattr(sys.modules.get("sitecustomize"), "__file__", None),
}))
"""


class FakeOpenAI(LoopbackServer):
    """A stand-in for api.openai.com on 127.0.0.1: records each request and answers a plain completion."""

    _thread_name = "fake-openai"

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def handle(self, ex: Exchange) -> None:
        body = ex.json_body()
        with self._lock:
            self.requests.append(
                {"path": ex.path, "authorization": ex.headers.get("authorization"), "body": body}
            )
        model = body.get("model") if isinstance(body, dict) else None
        ex.send_json(
            200,
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": 0,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "from OpenAI"},
                        "finish_reason": "stop",
                    }
                ],
            },
        )


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def base_env(**extra: str) -> dict[str, str]:
    """The parent's environment without OpenAI/Google settings, plus ``extra``; src importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "GOOGLE_", "GCE_"))}
    env.pop("PYTHONPATH", None)
    env["NO_GCE_CHECK"] = "true"
    env["PYTHONPATH"] = str(SRC)  # the checkout under test, also where the .pth is not installed
    env.update(extra)
    return env


def vertex_env(vertex: FakeVertex, key_file: Path, **extra: str) -> dict[str, str]:
    return base_env(
        OPENAI_VERTEX_MODEL_ALIASES="gpt-4o-mini=gemini-2.5-flash",
        OPENAI_VERTEX_BASE_URL=vertex.base_url,
        GOOGLE_APPLICATION_CREDENTIALS=str(key_file),
        **extra,
    )


def run_python(
    args: list[str], env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=60, cwd=cwd)


def report(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def assert_reached_vertex(vertex: FakeVertex, count: int = 2) -> None:
    requests = vertex.requests
    assert len(requests) == count
    assert all(r.body is not None and r.body["model"] == "google/gemini-2.5-flash" for r in requests)
    assert all(r.authorized for r in requests)


def pth_installed() -> bool:
    dirs = [*site.getsitepackages(), site.getusersitepackages()]
    return any((Path(d) / "openai_vertex.pth").is_file() for d in dirs)


needs_pth = pytest.mark.skipif(
    not pth_installed(), reason="openai_vertex.pth is installed by `pip install -e .`, not by PYTHONPATH=src"
)


@needs_pth
def test_environment_only_mode(vertex: FakeVertex, key_file: Path) -> None:
    done = run_python([sys.executable, "-c", SCRIPT], vertex_env(vertex, key_file, OPENAI_VERTEX="1"))
    assert report(done)["replies"] == ["Echo: hello", "Echo: module"]
    assert_reached_vertex(vertex)


@needs_pth
def test_environment_only_mode_when_openai_vertex_is_imported_first(
    vertex: FakeVertex, key_file: Path
) -> None:
    # The console script, or an application that imports openai_vertex before openai: the package
    # itself imports openai, and patching must wait until the package has finished loading.
    script = "import openai_vertex\n" + SCRIPT
    done = run_python([sys.executable, "-c", script], vertex_env(vertex, key_file, OPENAI_VERTEX="1"))
    assert report(done)["replies"] == ["Echo: hello", "Echo: module"]
    assert_reached_vertex(vertex)


def test_without_opt_in_openai_is_untouched(
    vertex: FakeVertex, key_file: Path, fake_openai: FakeOpenAI
) -> None:
    env = vertex_env(vertex, key_file, OPENAI_BASE_URL=fake_openai.base_url, OPENAI_API_KEY="sk-script-key")
    result = report(run_python([sys.executable, "-c", SCRIPT], env))
    assert result["replies"] == ["from OpenAI", "from OpenAI"]
    assert result["openai_vertex_loaded"] is False
    assert [r["authorization"] for r in fake_openai.requests] == ["Bearer sk-script-key"] * 2
    assert [r["body"]["model"] for r in fake_openai.requests] == ["gpt-4o-mini"] * 2
    assert vertex.requests == []


@needs_pth
def test_startup_hook_imports_nothing_unless_opted_in() -> None:
    code = (
        "import sys, json; print(json.dumps(sorted(m for m in ('_openai_vertex_bootstrap', 'wrapt', "
        "'openai_vertex._startup', 'openai_vertex', 'openai') if m in sys.modules)))"
    )
    assert report(run_python([sys.executable, "-c", code], base_env())) == []
    # Opted in: the tiny start-up hook only (not even wrapt); the rest waits for `import openai`.
    opted_in = report(run_python([sys.executable, "-c", code], base_env(OPENAI_VERTEX="1")))
    assert opted_in == ["_openai_vertex_bootstrap", "openai_vertex._startup"]


@needs_pth
def test_startup_hook_stacks_with_wrapt_post_import_hooks() -> None:
    code = (
        "import importlib.util, json, sys, wrapt\n"
        "assert importlib.util.find_spec('openai') is not None  # looking is not loading\n"
        "fired = []\n"
        "wrapt.register_post_import_hook(lambda module: fired.append(module.__name__), 'openai')\n"
        "import openai, openai_vertex\n"
        "print(json.dumps([fired, openai_vertex.is_patched(), type(openai.__loader__).__name__]))\n"
    )
    fired, patched, loader = report(run_python([sys.executable, "-c", code], base_env(OPENAI_VERTEX="1")))
    assert fired == ["openai"]
    assert patched is True
    assert loader == "SourceFileLoader"  # the real loader is put back


@needs_pth
@pytest.mark.parametrize("value", ["true", "YES", " On "])
def test_usual_spellings_of_on_turn_the_mode_on(value: str) -> None:
    code = "import json, openai; print(json.dumps(str(openai.OpenAI().base_url)))"
    done = run_python([sys.executable, "-c", code], base_env(OPENAI_VERTEX=value))
    assert "aiplatform.googleapis.com" in report(done)
    assert done.stderr == ""


@pytest.mark.parametrize("value", ["0", "False", "no", "OFF"])
def test_usual_spellings_of_off_leave_openai_alone(value: str) -> None:
    code = "import json, sys, openai; print(json.dumps('openai_vertex' in sys.modules))"
    done = run_python([sys.executable, "-c", code], base_env(OPENAI_VERTEX=value))
    assert report(done) is False
    assert done.stderr == ""


def test_an_unknown_spelling_fails_closed_and_is_logged_once() -> None:
    code = (
        "import json, openai\n"
        "try:\n    openai.OpenAI(api_key='sk-ignored')\n    outcome = 'constructed'\n"
        "except Exception as exc:\n    outcome = [type(exc).__name__, str(exc)]\n"
        "print(json.dumps(outcome))"
    )
    done = run_python([sys.executable, "-c", code], base_env(OPENAI_VERTEX="ture"))
    name, message = report(done)
    assert name == "ConfigurationError"  # neither Vertex nor, silently, OpenAI
    assert "OPENAI_VERTEX='ture'" in message and "1, true, yes, on" in message
    assert "0, false, no, off" in message
    assert done.stderr.count("OPENAI_VERTEX='ture'") == 1  # logged once, not twice


@needs_pth
def test_a_bad_setting_never_breaks_import_openai_and_fails_closed() -> None:
    code = (
        "import json, openai\n"
        "try:\n    openai.OpenAI(api_key='sk-ignored')\n    outcome = 'constructed'\n"
        "except Exception as exc:\n    outcome = type(exc).__name__\n"
        "print(json.dumps(outcome))"
    )
    done = run_python(
        [sys.executable, "-c", code], base_env(OPENAI_VERTEX="1", GOOGLE_CLOUD_LOCATION="us central")
    )
    assert report(done) == "ConfigurationError"  # never silently to OpenAI
    assert "GOOGLE_CLOUD_LOCATION" in done.stderr


@needs_pth
def test_googles_openai_base_url_route(google_auth: FakeGoogleAuth, key_file: Path) -> None:
    url = "https://us-central1-aiplatform.googleapis.com/v1beta1/projects/route-project/locations/us-central1/endpoints/openapi"
    code = "import json, openai; c = openai.OpenAI(); print(json.dumps([str(c.base_url), c.api_key]))"
    env = base_env(
        OPENAI_VERTEX="1",
        OPENAI_BASE_URL=url,
        OPENAI_API_KEY="static-access-token",
        GOOGLE_APPLICATION_CREDENTIALS=str(key_file),
    )
    base_url, api_key = report(run_python([sys.executable, "-c", code], env))
    assert base_url == url + "/"
    assert api_key != "static-access-token"


@needs_pth
def test_other_openai_base_url_is_ignored_with_a_warning(
    vertex: FakeVertex, key_file: Path, fake_openai: FakeOpenAI
) -> None:
    env = vertex_env(vertex, key_file, OPENAI_VERTEX="1", OPENAI_BASE_URL=fake_openai.base_url)
    done = run_python([sys.executable, "-c", SCRIPT], env)
    assert report(done)["replies"] == ["Echo: hello", "Echo: module"]
    assert "OPENAI_BASE_URL is ignored" in done.stderr
    assert fake_openai.requests == []
    assert_reached_vertex(vertex)


# -- openai-vertex run ---------------------------------------------------------------------------
def cli_run(*args: str) -> list[str]:
    return [sys.executable, "-m", "openai_vertex.cli", "run", *args]


def test_run_patches_an_unmodified_program(vertex: FakeVertex, key_file: Path, tmp_path: Path) -> None:
    app = tmp_path / "app.py"
    app.write_text(SCRIPT)
    result = report(run_python(cli_run("--", sys.executable, str(app)), vertex_env(vertex, key_file)))
    assert result["replies"] == ["Echo: hello", "Echo: module"]
    assert_reached_vertex(vertex)


def test_run_takes_aliases_as_options(vertex: FakeVertex, key_file: Path) -> None:
    env = vertex_env(vertex, key_file)
    del env["OPENAI_VERTEX_MODEL_ALIASES"]
    args = cli_run("--model-alias", "*=gemini-2.5-flash", "--", sys.executable, "-c", SCRIPT)
    assert report(run_python(args, env))["replies"] == ["Echo: hello", "Echo: module"]
    assert_reached_vertex(vertex)


def test_run_chains_to_the_programs_own_sitecustomize(
    vertex: FakeVertex, key_file: Path, tmp_path: Path
) -> None:
    own = tmp_path / "own"
    own.mkdir()
    (own / "sitecustomize.py").write_text("import os\nos.environ['OWN_SITECUSTOMIZE'] = 'ran'\n")
    env = vertex_env(vertex, key_file)
    env["PYTHONPATH"] = os.pathsep.join([str(own), env["PYTHONPATH"]])
    code = (
        SCRIPT
        + "import os; print(json.dumps([os.environ.get('OWN_SITECUSTOMIZE'), os.environ['PYTHONPATH']]))"
    )
    done = run_python(cli_run("--", sys.executable, "-c", code), env)
    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line) for line in done.stdout.strip().splitlines()[-2:])
    assert first["sitecustomize"] == str(own / "sitecustomize.py")
    assert second[0] == "ran"
    assert "_run_site" not in second[1]  # the bootstrap folder is not passed on to child processes
    assert_reached_vertex(vertex)


def test_run_passes_exit_status_and_signals_through(tmp_path: Path) -> None:
    done = run_python(cli_run("--", sys.executable, "-c", "raise SystemExit(7)"), base_env())
    assert done.returncode == 7
    # exec: the program is the same process, so a signal sent to `openai-vertex run` reaches it.
    code = (
        "import os, signal, sys, time\n"
        "signal.signal(signal.SIGTERM, lambda *a: sys.exit(42))\n"
        "print(os.getpid(), flush=True)\n"
        "time.sleep(30)\n"
    )
    proc = subprocess.Popen(
        cli_run("--", sys.executable, "-c", code), env=base_env(), stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert int(proc.stdout.readline()) == proc.pid
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 42
    done = run_python(
        cli_run("--", sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"),
        base_env(),
    )
    assert done.returncode == -signal.SIGKILL


def test_run_reports_usage_errors() -> None:
    assert run_python(cli_run(), base_env()).returncode == 2
    missing = run_python(cli_run("--", "openai-vertex-no-such-command"), base_env())
    assert missing.returncode == 127
    assert "command not found" in missing.stderr
    bad_alias = run_python(cli_run("--model-alias", "gpt-4o", "--", sys.executable, "-c", "pass"), base_env())
    assert bad_alias.returncode == 2
    assert "NAME=MODEL" in bad_alias.stderr


# -- patch() in code, after `from openai import OpenAI` ----------------------------------------
def test_patch_after_from_import(vertex: FakeVertex, key_file: Path) -> None:
    code = (
        "import json\n"
        "from openai import OpenAI\n"
        "early = OpenAI(api_key='sk-early')\n"
        "import openai, openai_vertex\n"
        "openai_vertex.patch()\n"
        "replies = [c.chat.completions.create(model='gpt-4o-mini', messages=[{'role': 'user', 'content': w}])"
        ".choices[0].message.content for c, w in ((OpenAI(), 'new'), (early, 'early'), (openai, 'module'))]\n"
        "print(json.dumps(replies))\n"
    )
    assert report(run_python([sys.executable, "-c", code], vertex_env(vertex, key_file))) == [
        "Echo: new",
        "Echo: early",
        "Echo: module",
    ]
    assert_reached_vertex(vertex, count=3)
    assert not any("sk-early" in json.dumps(r.headers) for r in vertex.requests)
