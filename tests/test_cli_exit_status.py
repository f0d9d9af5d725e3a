"""One exit-status rule for every command (2 bad input, 1 a failed check or call; ``run`` passes its
program's status through), and hints that name the knob the user has: the flag in the CLI, the
environment variable, or the base URL when the value came from it.

The commands run for real: ``main([...])`` in this process, or ``python -m openai_vertex.cli`` where
the command execs or google-auth reads its environment at import; Vertex is the fake on loopback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from openai_vertex._settings import resolve_settings
from openai_vertex.cli import EXIT_STATUS, build_parser, main
from openai_vertex.cli._errors import in_flags
from openai_vertex.exceptions import ConfigurationError
from openai_vertex.testing import FakeGoogleAuth, FakeVertex

from .conftest import PROJECT, USER_HELLO
from .test_doctor import run_cli

README = Path(__file__).resolve().parents[1] / "README.md"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``openai-vertex ARGS`` in this process: (status, stdout, stderr); argparse's exit included."""
    try:
        status = main(list(args))
    except SystemExit as exc:  # argparse: a bad command line
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return status, out, err


# -- (a) the rule, command by command --------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["chat", "hi", "--max-tokens", "zero"],
        ["demo", "--live", "--emulator"],
        ["doctor", "--api-version", "v9"],
        ["emulator", "--no-such-flag"],
        ["run", "--no-such-flag", "--", "true"],
        ["translate", "x.json", "--unsupported-params", "never"],
    ],
    ids=lambda a: a[0],
)
def test_a_bad_command_line_exits_2(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    status, _, err = cli(capsys, *args)
    assert status == 2
    assert "error:" in err


def test_chat_bad_setting_and_untranslatable_request_exit_2(
    adc: FakeVertex, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_LOCATION", "us-centrall")
    status, _, err = cli(capsys, "chat", "hi")
    assert status == 2 and "GOOGLE_CLOUD_LOCATION='us-centrall'" in err and "'us-central1'" in err
    monkeypatch.delenv("GOOGLE_CLOUD_LOCATION")
    status, _, err = cli(capsys, "chat", "hi", "--model", "gpt-4o")  # no alias: Vertex has no gpt-4o
    assert status == 2 and "Model 'gpt-4o' is not available on Vertex" in err
    schema = tmp_path / "schema.json"
    schema.write_text("[1, 2]")
    status, _, err = cli(capsys, "chat", "hi", "--json-schema", str(schema))
    assert status == 2 and "must hold a JSON object" in err
    assert adc.requests == []  # bad input never reaches Vertex


def test_chat_failed_call_exits_1(adc: FakeVertex, capsys: pytest.CaptureFixture[str]) -> None:
    adc.fail_next(403)  # not retried by the SDK, unlike 5xx
    status, _, err = cli(capsys, "chat", "hi")
    assert status == 1 and "HTTP 403" in err


def test_chat_without_credentials_exits_1(vertex: FakeVertex) -> None:
    proc = run_cli("chat", "hi", env={"OPENAI_VERTEX_BASE_URL": vertex.base_url})
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "CredentialsError" in proc.stderr


def test_demo_live_bad_setting_exits_2_and_failed_call_exits_1(
    adc: FakeVertex, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_VERTEX_API_VERSION", "v9")
    status, _, err = cli(capsys, "demo", "--live")
    assert status == 2 and "OPENAI_VERTEX_API_VERSION='v9' is not supported" in err
    monkeypatch.delenv("OPENAI_VERTEX_API_VERSION")
    adc.fail_next(403)
    status, _, err = cli(capsys, "demo", "--live")
    assert status == 1 and "403" in err


def test_demo_on_the_emulator_ignores_the_users_location(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_LOCATION", "europe-west4")  # the emulator serves its own location
    status, out, _ = cli(capsys, "demo", "--emulator")
    assert status == 0 and out.count("Echo:") == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--location", "US x"], "--location 'US x' is not a Vertex location"),
        (["--project", "Bad_Project"], "--project Bad_Project is not a Google Cloud project id"),
        (["--base-url", "ftp://example.com"], "--base-url must be an absolute http(s) URL"),
        (["--emulator", "--base-url", "http://127.0.0.1:1"], "--emulator and --base-url cannot be used"),
    ],
)
def test_doctor_bad_flag_exits_2_before_any_check(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    status, out, err = cli(capsys, "doctor", *args)
    assert status == 2 and out == ""
    assert err.startswith(f"openai-vertex doctor: error: {message}"), err
    assert "vertex_" not in err and "base_url" not in err  # the flag, not the Python argument


def test_doctor_bad_environment_is_a_failed_check_exit_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_LOCATION", "us-centrall")
    status, out, _ = cli(capsys, "doctor", "--json")
    settings = {c["name"]: c for c in json.loads(out)["checks"]}["settings"]
    assert status == 1 and settings["status"] == "fail"
    assert settings["detail"] == "GOOGLE_CLOUD_LOCATION='us-centrall' is not a Vertex location"
    assert "vertex_location" not in settings["fix"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--location", "us-centrall"], "--location us-centrall is not a Vertex location"),
        (["--project", "x"], "--project x is not a Google Cloud project id"),
    ],
)
def test_emulator_bad_flag_exits_2(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    status, out, err = cli(capsys, "emulator", *args)
    assert (status, out) == (2, "")
    assert err.startswith(f"openai-vertex emulator: error: {message}")


def test_emulator_unwritable_log_exits_2_before_serving(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, err = cli(capsys, "emulator", "--log", str(tmp_path / "no" / "such" / "log.jsonl"))
    assert (status, out) == (2, "")
    assert "cannot write --log" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "no command given"),
        (["--location", "us-centrall", "--", "true"], "--location us-centrall is not a Vertex location"),
        (["--model-alias", "gpt-4o", "--", "true"], "--model-alias entry 'gpt-4o' is not NAME=MODEL"),
    ],
)
def test_run_bad_input_exits_2_without_starting_the_program(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    status, _, err = cli(capsys, "run", *args)  # in this process: an exec would replace the test
    assert status == 2
    assert err.startswith(f"openai-vertex run: error: {message}"), err


def test_run_passes_the_programs_status_through() -> None:
    assert run_cli("run", "--", sys.executable, "-c", "raise SystemExit(3)").returncode == 3
    missing = run_cli("run", "--", "no-such-program-here")
    assert missing.returncode == 127 and "command not found" in missing.stderr


def test_translate_bad_files_exit_2_naming_the_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "request.json"
    bad.write_text('{"model": "gemini-2.5-flash",\n  "messages": [1,]}')
    status, out, err = cli(capsys, "translate", str(bad))
    assert (status, out) == (2, "")
    assert err == f"openai-vertex translate: error: {bad}:2:18: not valid JSON: Expecting value\n"
    status, _, err = cli(capsys, "translate", str(tmp_path / "missing.json"))
    assert status == 2 and f"cannot read {tmp_path / 'missing.json'}: No such file" in err
    bad.write_text("[]")
    status, _, err = cli(capsys, "translate", str(bad))
    assert status == 2 and f"{bad}: expected a JSON object" in err
    bad.write_bytes(b'{"model": "\xff"}')
    status, _, err = cli(capsys, "translate", str(bad))
    assert status == 2 and f"{bad} is not UTF-8 text" in err


def test_translate_json_error_on_stdin_names_stdin() -> None:
    proc = run_cli_stdin("translate", "-", stdin='{\n"model": }')
    assert proc.returncode == 2
    assert "openai-vertex translate: error: <stdin>:2:10: not valid JSON: Expecting value" in proc.stderr


def run_cli_stdin(*args: str, stdin: str) -> Any:
    import os
    import subprocess

    from .test_doctor import SRC

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])))
    return subprocess.run(
        [sys.executable, "-m", "openai_vertex.cli", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# -- (b) hints name the knob where the user is -------------------------------------------------------


def _error(**arguments: Any) -> str:
    with pytest.raises(ConfigurationError) as info:
        resolve_settings(**arguments)
    return str(info.value)


def test_library_messages_name_the_flag_when_mapped() -> None:
    flags = {"vertex_location": "--location", "base_url": "--base-url", "model_aliases": "--model-alias"}
    message = in_flags(_error(vertex_location="US x", environ={}), flags)
    assert message == (
        "--location 'US x' is not a Vertex location; use e.g. 'global' or 'us-central1' "
        "via --location or GOOGLE_CLOUD_LOCATION."
    )
    assert in_flags(_error(base_url="ftp://x", environ={}), flags).startswith("--base-url must be")
    alias = "alias it: model_aliases={'gpt-4o': 'gemini-2.5-flash'} or OPENAI_VERTEX_MODEL_ALIASES=x"
    assert (
        in_flags(alias, flags)
        == "alias it: --model-alias gpt-4o=gemini-2.5-flash or OPENAI_VERTEX_MODEL_ALIASES=x"
    )
    # The environment variable is the knob when the value came from it, and stays as it is.
    from_env = _error(environ={"GOOGLE_CLOUD_LOCATION": "US x"})
    assert in_flags(from_env, flags).startswith("GOOGLE_CLOUD_LOCATION='US x' is not")
    assert in_flags(from_env, {}) == from_env  # a command without the flag changes nothing


def test_translate_errors_name_its_flags(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"model": "gpt-4o", "messages": USER_HELLO}))
    status, _, err = cli(capsys, "translate", str(request))
    assert status == 2 and "--model-alias gpt-4o=gemini-2.5-flash" in err and "model_aliases=" not in err
    request.write_text(
        json.dumps({"model": "gemini-2.5-flash", "messages": USER_HELLO, "logit_bias": {"1": 1}})
    )
    status, _, err = cli(capsys, "translate", str(request), "--unsupported-params", "error")
    assert status == 2 and "--unsupported-params drop" in err and "unsupported_params=" not in err


def test_chat_fix_names_the_base_url_when_the_location_came_from_it(
    google_auth: FakeGoogleAuth,
    key_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with FakeVertex(auth=google_auth, project=PROJECT, location="us-central1") as fake:
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
        monkeypatch.setenv("OPENAI_VERTEX_BASE_URL", fake.base_url)
        status, _, err = cli(capsys, "chat", "hi", "--model", "google/no-such-model")
    assert status == 1
    # The location in the base URL, not GOOGLE_CLOUD_LOCATION's default ('global').
    assert "Model 'google/no-such-model' is not served in location 'us-central1'" in err
    assert "(the base URL from OPENAI_VERTEX_BASE_URL;" in err and "GOOGLE_CLOUD_LOCATION" not in err


def test_doctor_fix_names_its_flags_or_the_base_url(
    google_auth: FakeGoogleAuth,
    key_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    with FakeVertex(auth=google_auth, project=PROJECT, location="europe-west4") as fake:
        fake.fail_next(429)
        status, out, _ = cli(capsys, "doctor", "--json", "--live", "--base-url", fake.base_url)
    chat = {c["name"]: c for c in json.loads(out)["checks"]}["chat"]
    assert status == 1 and chat["status"] == "fail"
    assert chat["fix"] == (
        "Quota exhausted: retry later, try another location (the base URL from --base-url), "
        "or request more quota."
    )


# -- (c) doctor: its checks agree with its advice ----------------------------------------------------


def test_doctor_reports_the_environment_redirecting_a_googleapis_base_url(
    vertex: FakeVertex, key_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    monkeypatch.setenv("OPENAI_VERTEX_BASE_URL", vertex.base_url)
    google = f"https://aiplatform.googleapis.com/v1/projects/{PROJECT}/locations/global/endpoints/openapi"
    status, out, _ = cli(capsys, "doctor", "--json", "--live", "--base-url", google)
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert status == 0, checks
    base_url_line = checks["settings"]["detail"].splitlines()[3]
    assert base_url_line.endswith(f"{vertex.base_url}  (OPENAI_VERTEX_BASE_URL)")  # not "(--base-url)"
    assert checks["base_url"]["detail"].startswith(vertex.base_url)
    assert [r.status for r in vertex.requests] == [200]  # the chat check went where the settings say


def test_doctor_emulator_serves_the_location_and_project_given(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = cli(
        capsys, "doctor", "--json", "--emulator", "--location", "us-central1", "--project", "p-123456"
    )
    report = json.loads(out)
    checks = {c["name"]: c for c in report["checks"]}
    assert status == 0, checks
    assert "/projects/p-123456/locations/us-central1/" in report["emulator"]
    lines = checks["settings"]["detail"].splitlines()
    assert "us-central1  (--location)" in lines[1] and "p-123456  (--project)" in lines[0]
    assert "/locations/us-central1/" in checks["base_url"]["detail"]
    assert checks["chat"]["status"] == "pass"


@pytest.mark.parametrize("explicit_base_url", [False, True])
def test_doctor_missing_project_advice_fits_where_the_url_comes_from(
    vertex: FakeVertex,
    key_file: Path,
    explicit_base_url: bool,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = json.loads(key_file.read_text())
    del key["project_id"]  # credentials that name no project, and none configured
    key_file.write_text(json.dumps(key))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    args = ["--base-url", vertex.base_url.replace(f"/projects/{PROJECT}/", "/projects/-/")]
    status, out, _ = cli(capsys, "doctor", "--json", *(args if explicit_base_url else []))
    check = {c["name"]: c for c in json.loads(out)["checks"]}["base_url"]
    assert status == 1 and check["status"] == "fail"
    if explicit_base_url:  # --project cannot fill in an explicit URL's "projects/-": do not advise it
        assert check["fix"] == "Put your project id in the base URL in place of projects/-."
    else:
        assert check["fix"] == "export GOOGLE_CLOUD_PROJECT=your-project-id (or pass --project)"


# -- (d) translate: image URLs, unknown keys ---------------------------------------------------------


def _image(url: str) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": url}}


def user_request(tmp_path: Path, content: list[dict[str, object]]) -> Path:
    """A request file with one user message of ``content`` parts."""
    request = tmp_path / "request.json"
    request.write_text(
        json.dumps({"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": content}]})
    )
    return request


def test_translate_shows_what_the_client_would_do_with_each_image(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = [
        {"type": "text", "text": "what is this?"},
        _image("https://images.invalid/cat.png"),  # Vertex fetches media URLs itself
        _image("https://images.invalid/cat?sig=SECRET"),  # no extension: the client fetches it
        _image("gs://bucket/cat.png"),
        _image("data:image/png;base64,iVBORw0KGgo="),
    ]
    request = user_request(tmp_path, content)
    status, out, err = cli(capsys, "translate", str(request))
    assert status == 0, err
    assert json.loads(out)["messages"][0]["content"] == content  # nothing fetched: .invalid never resolves
    assert err.splitlines() == [
        "image https://images.invalid/cat.png: pass through "
        "(Vertex fetches https URLs of media files itself)",
        "image https://images.invalid/cat?...: fetch (the client downloads it from images.invalid and sends "
        "it inline as a data: URL; the host must resolve to public addresses)",
        "image gs://bucket/cat.png: pass through (Vertex reads gs:// URLs itself)",
        "image data:image/png;base64,...: pass through (a data: URL is already inline)",
    ]
    assert "SECRET" not in err  # a signed URL's query is never printed
    monkeypatch.setenv("OPENAI_VERTEX_IMAGE_URLS", "passthrough")
    status, _, err = cli(capsys, "translate", str(request))
    assert status == 0 and "cat?...: pass through (image_urls is 'passthrough')" in err


def test_translate_refused_images_exit_2_with_the_reason(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    content = [
        _image("http://10.0.0.1/cat.png"),
        _image("ftp://example.com/cat.png"),
        _image("https://localhost/x"),
    ]
    request = user_request(tmp_path, content)
    status, out, err = cli(capsys, "translate", str(request))
    assert (status, out) == (2, "")
    assert err.splitlines() == [
        "image http://10.0.0.1/cat.png: refuse "
        "(image_url from host '10.0.0.1' resolves to a non-public address)",
        "image ftp://example.com/cat.png: refuse "
        "(image_url scheme 'ftp' is not supported; use https, http, gs or data)",
        "image https://localhost/x: refuse "
        "(image_url from host 'localhost' resolves to a non-public address)",
        "openai-vertex translate: error: the client would refuse 3 image URL(s): image_url from host "
        "'10.0.0.1' resolves to a non-public address",
    ]


def test_translate_warns_on_unknown_top_level_keys(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    request = tmp_path / "request.json"
    body = {
        "model": "gemini-2.5-flash",
        "mesages": USER_HELLO,
        "temprature": 0.2,
        "zzz": 1,
        "messages": USER_HELLO,
    }
    request.write_text(json.dumps(body))
    status, _, err = cli(capsys, "translate", str(request))
    assert status == 0
    assert err.splitlines()[:3] == [
        "warning: unknown key 'mesages' (did you mean 'messages'?)",
        "warning: unknown key 'temprature' (did you mean 'temperature'?)",
        "warning: unknown key 'zzz' (not an argument of chat.completions.create)",
    ]


# -- the rule is written down -------------------------------------------------------------------------


def test_the_rule_is_in_the_help_and_the_readme() -> None:
    assert EXIT_STATUS.replace("\n", " ") in " ".join(build_parser().format_help().split("\n"))
    section = README.read_text(encoding="utf-8").split("## Command line", 1)[1].split("\n## ", 1)[0]
    assert "Exit status" in section and "passes its program's status through" in section
