"""`openai-vertex doctor`: every check failing and passing, run as a real subprocess.

The fakes run in this process; the doctor subprocess reaches them through the environment
(GOOGLE_APPLICATION_CREDENTIALS with a token_uri pointing at FakeGoogleAuth, GCE_METADATA_HOST)
and --base-url. conftest's clean_env gives every subprocess an empty HOME and NO_GCE_CHECK=true.
"""

from __future__ import annotations

import json
import os
import site
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import openai_vertex
from openai_vertex.cli import _doctor, _doctor_live, main
from openai_vertex.cli._doctor_base import Context, DoctorOptions
from openai_vertex.cli._doctor_live import Where, fix_for_api_error
from openai_vertex.testing import TOKEN_PREFIX, FakeGoogleAuth, FakeVertex
from openai_vertex.testing._vertex_rules import google_error

from .conftest import PROJECT

SRC = Path(openai_vertex.__file__).resolve().parents[1]
CHECK_NAMES = [
    "versions",
    "settings",
    "credentials",
    "gce_probe",
    "token",
    "base_url",
    "endpoint",
    "chat",
    "model_aliases",
    "mode",
]


def run_cli(*args: str, env: dict[str, str | None] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m openai_vertex.cli ARGS`` with this checkout's sources and the test's environment."""
    environ = dict(os.environ)
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), environ.get("PYTHONPATH")]))
    for name, value in (env or {}).items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    return subprocess.run(
        [sys.executable, "-m", "openai_vertex.cli", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def doctor_json(*args: str, env: dict[str, str | None] | None = None) -> tuple[int, dict[str, Any]]:
    proc = run_cli("doctor", "--json", *args, env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert TOKEN_PREFIX not in proc.stdout + proc.stderr  # a fake token never reaches the output
    assert "PRIVATE KEY" not in proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert [c["name"] for c in report["checks"]] == CHECK_NAMES
    assert report["ok"] is (proc.returncode == 0)
    return proc.returncode, {c["name"]: c for c in report["checks"]}


def doctor_in_process(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str, **env: str
) -> tuple[int, dict[str, Any]]:
    """The same doctor run in this process: for checks that do not depend on google-auth's
    import-time environment (GCE_METADATA_HOST, NO_GCE_CHECK), and quicker than a subprocess."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    status = main(["doctor", "--json", *args])
    report = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in report["checks"]] == CHECK_NAMES
    return status, {c["name"]: c for c in report["checks"]}


def assert_status(checks: dict[str, Any], **expected: str) -> None:
    assert {name: checks[name]["status"] for name in expected} == expected, checks


# -- credentials ----------------------------------------------------------------------------------


def test_no_credentials_fails_with_login_fix() -> None:
    status, checks = doctor_json()
    assert status == 1
    assert_status(checks, versions="pass", settings="pass", credentials="fail", gce_probe="pass")
    assert_status(checks, token="skip", base_url="skip", endpoint="skip", chat="skip")
    assert "credentials were not found" in checks["credentials"]["detail"]
    assert "gcloud auth application-default login" in checks["credentials"]["fix"]
    assert checks["gce_probe"]["detail"].startswith("NO_GCE_CHECK=true")


def test_human_output_prints_one_line_per_check_and_the_fix(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    status_lines = [line for line in lines if line[:4] in ("PASS", "FAIL", "SKIP")]
    assert [line.split()[1] for line in status_lines] == CHECK_NAMES
    failed = lines.index(next(line for line in lines if line.startswith("FAIL  credentials")))
    assert lines[failed + 1].strip().startswith("fix: Run 'gcloud auth application-default login'")
    assert "add --live" in out
    assert out.rstrip().endswith("1 check failed (5 passed, 1 failed, 4 skipped).")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "is not a valid json file"),
        (json.dumps({"type": "service_account", "client_email": "sa@p.iam.gserviceaccount.com"}), "missing"),
        (json.dumps({"type": "weird"}), "does not have a valid type"),
    ],
    ids=["malformed-json", "missing-fields", "unknown-type"],
)
def test_bad_key_file_fails_with_new_key_fix(tmp_path: Path, content: str, reason: str) -> None:
    key = tmp_path / "key.json"
    key.write_text(content)
    status, checks = doctor_json(env={"GOOGLE_APPLICATION_CREDENTIALS": str(key)})
    assert status == 1
    assert_status(checks, credentials="fail", gce_probe="pass", token="skip")
    assert reason in checks["credentials"]["detail"]
    fix = checks["credentials"]["fix"]
    assert f"GOOGLE_APPLICATION_CREDENTIALS={key} is not a usable credentials file" in fix
    assert "gcloud iam service-accounts keys create" in fix


def test_token_server_invalid_grant_fails_with_key_fix(google_auth: FakeGoogleAuth, key_file: Path) -> None:
    google_auth.fail_next(status=400, error="invalid_grant", description="Invalid JWT Signature.")
    status, checks = doctor_json(
        env={"GOOGLE_APPLICATION_CREDENTIALS": str(key_file), "GOOGLE_CLOUD_PROJECT": PROJECT}
    )
    assert status == 1
    assert_status(checks, credentials="pass", token="fail", base_url="pass", chat="skip")
    assert "invalid_grant" in checks["token"]["detail"]
    fix = checks["token"]["fix"]
    assert "rejected the service-account key" in fix
    assert f"--iam-account={google_auth.client_email}" in fix
    assert google_auth.token_requests == 1


# -- the endpoint (--live) ------------------------------------------------------------------------


def live(vertex: FakeVertex, key_file: Path, *args: str) -> tuple[int, dict[str, Any]]:
    env: dict[str, str | None] = {"GOOGLE_APPLICATION_CREDENTIALS": str(key_file)}
    return doctor_json("--live", "--base-url", vertex.base_url, *args, env=env)


def test_all_good_exits_zero(vertex: FakeVertex, key_file: Path, google_auth: FakeGoogleAuth) -> None:
    status, checks = live(vertex, key_file)
    assert status == 0
    assert all(c["status"] in ("pass", "skip") for c in checks.values())
    assert_status(checks, credentials="pass", token="pass", base_url="pass", endpoint="pass", chat="pass")
    assert checks["credentials"]["detail"].startswith(f"service account: {google_auth.client_email}")
    assert "expires" in checks["token"]["detail"] and "in 60 min" in checks["token"]["detail"]
    assert "--base-url" in checks["settings"]["detail"]
    assert checks["base_url"]["detail"].startswith(vertex.base_url)
    assert "google/gemini-2.5-flash answered" in checks["chat"]["detail"]
    assert [r.status for r in vertex.requests] == [200]  # one tiny chat request, nothing more


def test_without_live_the_endpoint_is_never_called(
    vertex: FakeVertex, key_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {"GOOGLE_APPLICATION_CREDENTIALS": str(key_file)}
    status, checks = doctor_in_process(capsys, monkeypatch, "--base-url", vertex.base_url, **env)
    assert status == 0
    assert_status(checks, token="pass", endpoint="skip", chat="skip")
    assert vertex.requests == []


def test_endpoint_403_fix_is_the_role(
    vertex: FakeVertex, key_file: Path, google_auth: FakeGoogleAuth
) -> None:
    vertex.fail_next(403)
    status, checks = live(vertex, key_file)
    assert status == 1
    assert_status(checks, token="pass", endpoint="pass", chat="fail")
    assert "HTTP 403 PERMISSION_DENIED" in checks["chat"]["detail"]
    assert checks["chat"]["fix"] == (
        f"Grant the Vertex AI User role: gcloud projects add-iam-policy-binding {PROJECT} "
        f"--member=serviceAccount:{google_auth.client_email} --role=roles/aiplatform.user"
    )


def test_endpoint_api_disabled_fix_is_services_enable(vertex: FakeVertex, key_file: Path) -> None:
    message = (
        "Vertex AI API has not been used in project 123456 before or it is disabled. Enable it by visiting "
        "https://console.developers.google.com/apis/api/aiplatform.googleapis.com/overview?project=123456"
    )
    details = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED"}]
    vertex.fail_next(403, body=google_error(403, message, details))
    status, checks = live(vertex, key_file)
    assert status == 1
    assert checks["chat"]["fix"] == (
        f"Enable the Vertex AI API: gcloud services enable aiplatform.googleapis.com --project {PROJECT}"
    )


def test_endpoint_404_model_fix_names_model_and_location(vertex: FakeVertex, key_file: Path) -> None:
    status, checks = live(vertex, key_file, "--model", "google/no-such-model")
    assert status == 1
    assert_status(checks, chat="fail", model_aliases="pass")
    assert "HTTP 404 NOT_FOUND Publisher Model" in checks["chat"]["detail"]
    fix = checks["chat"]["fix"]
    assert "Model 'google/no-such-model' is not served in location 'global'" in fix
    assert "check the model id" in fix


def test_endpoint_401_fix_is_login(vertex: FakeVertex, key_file: Path) -> None:
    vertex.reject_all_tokens = True
    status, checks = live(vertex, key_file)
    assert status == 1
    assert "HTTP 401" in checks["chat"]["detail"]
    assert "gcloud auth application-default login" in checks["chat"]["fix"]


def test_unreachable_endpoint_fails_both_live_checks(
    key_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again at once: nothing listens there
    base_url = f"http://127.0.0.1:{port}/v1/projects/{PROJECT}/locations/global/endpoints/openapi"
    env = {"GOOGLE_APPLICATION_CREDENTIALS": str(key_file)}
    status, checks = doctor_in_process(capsys, monkeypatch, "--live", "--base-url", base_url, **env)
    assert status == 1
    assert_status(checks, endpoint="fail", chat="fail")
    assert "unreachable: ConnectionRefusedError" in checks["endpoint"]["detail"]
    assert "firewall or proxy" in checks["endpoint"]["fix"]


def test_emulator_passes_every_check() -> None:
    status, checks = doctor_json("--emulator")
    assert status == 0
    assert_status(checks, credentials="pass", token="pass", endpoint="pass", chat="pass")


# -- settings, aliases, mode ----------------------------------------------------------------------


def test_invalid_location_fails_settings_with_fix(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, checks = doctor_in_process(capsys, monkeypatch, GOOGLE_CLOUD_LOCATION="US Central")
    assert status == 1
    assert_status(checks, settings="fail", base_url="skip", model_aliases="skip")
    assert checks["settings"]["detail"] == "GOOGLE_CLOUD_LOCATION='US Central' is not a Vertex location"
    assert checks["settings"]["fix"] == (  # doctor's flag, not the Python argument
        "Use e.g. 'global' or 'us-central1' via --location or GOOGLE_CLOUD_LOCATION."
    )


def test_settings_report_their_sources(
    key_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {
        "GOOGLE_APPLICATION_CREDENTIALS": str(key_file),
        "GOOGLE_CLOUD_LOCATION": "europe-west4",
        "OPENAI_VERTEX_MODEL_ALIASES": "gpt-4o=gemini-2.5-pro,*=gemini-2.5-flash",
    }
    status, checks = doctor_in_process(
        capsys, monkeypatch, "--project", "other-project", "--model", "gpt-4o", **env
    )
    assert status == 0
    lines = checks["settings"]["detail"].splitlines()
    assert "other-project  (--project)" in lines[0]
    assert "europe-west4  (GOOGLE_CLOUD_LOCATION)" in lines[1]
    assert "v1  (default)" in lines[2]
    assert "2 alias(es)  (OPENAI_VERTEX_MODEL_ALIASES)" in lines[4]
    assert (
        "https://europe-west4-aiplatform.googleapis.com/v1/projects/other-project/"
        in checks["base_url"]["detail"]
    )
    assert checks["model_aliases"]["detail"].splitlines() == [
        "gpt-4o -> google/gemini-2.5-pro",
        "* -> google/gemini-2.5-flash",
        "--model gpt-4o -> google/gemini-2.5-pro",
    ]


def test_alias_to_a_non_vertex_model_fails(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, checks = doctor_in_process(capsys, monkeypatch, OPENAI_VERTEX_MODEL_ALIASES="gpt-4o=llama-3")
    assert status == 1
    assert_status(checks, model_aliases="fail")
    assert "gpt-4o -> not a Vertex model" in checks["model_aliases"]["detail"]
    assert "alias it to a Gemini model" in checks["model_aliases"]["fix"]


def test_openai_vertex_typo_fails_mode_with_the_accepted_spellings(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, checks = doctor_in_process(capsys, monkeypatch, OPENAI_VERTEX="ture")
    assert status == 1
    assert_status(checks, mode="fail")
    assert "OPENAI_VERTEX='ture' is not a switch value" in checks["mode"]["fix"]
    assert "1, true, yes, on" in checks["mode"]["fix"]


# -- the metadata server ---------------------------------------------------------------------------


def test_metadata_server_credentials(google_auth: FakeGoogleAuth) -> None:
    env: dict[str, str | None] = {**google_auth.metadata_env(), "NO_GCE_CHECK": None}
    status, checks = doctor_json(env=env)
    assert status == 0
    assert_status(checks, credentials="pass", gce_probe="pass", token="pass", base_url="pass")
    assert checks["credentials"]["detail"].startswith("metadata server: default from the metadata server")
    assert f"/projects/{google_auth.project_id}/" in checks["base_url"]["detail"]


def _on_gce() -> bool:
    try:
        return Path("/sys/class/dmi/id/product_name").read_text().startswith("Google")
    except OSError:
        return False


@pytest.mark.skipif(_on_gce(), reason="google-auth detects this machine as GCE from its DMI product name")
@pytest.mark.parametrize("no_gce_check", [None, "1"])
def test_off_gce_without_no_gce_check_warns_about_the_probe(no_gce_check: str | None) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"127.0.0.1:{sock.getsockname()[1]}"
    env: dict[str, str | None] = {
        "NO_GCE_CHECK": no_gce_check,
        "GCE_METADATA_HOST": dead,
        "GCE_METADATA_IP": dead,
        "GCE_METADATA_DETECT_RETRIES": "1",  # one refused connection instead of ~3 s of retries
    }
    status, checks = doctor_json(env=env)
    assert status == 1
    assert_status(checks, credentials="fail", gce_probe="fail")
    assert "no metadata server answered" in checks["gce_probe"]["detail"]
    assert checks["gce_probe"]["fix"].startswith("Off Google Cloud, export NO_GCE_CHECK=true")
    if no_gce_check:
        assert "NO_GCE_CHECK='1' is ignored" in checks["gce_probe"]["detail"]


# -- in-process: the pieces the subprocess tests cannot reach ----------------------------------------


def test_unsupported_openai_version_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    real = _doctor._version
    monkeypatch.setattr(_doctor, "_version", lambda dist: "1.2.0" if dist == "openai" else real(dist))
    result = _doctor.check_versions(Context(DoctorOptions()))
    assert result.ok is False
    assert "openai 1.2.0 (major 1" in result.detail
    assert result.fix == 'pip install "openai>=1.83,<4" "google-auth>=2.30,<3"'


@pytest.mark.parametrize(
    ("status", "text", "expected"),
    [
        (403, "Your application has authenticated using end user credentials", "set-quota-project my-proj"),
        (403, "Permission 'aiplatform.endpoints.predict' denied", "--role=roles/aiplatform.user"),
        (404, "Resource `projects/x/locations/y/endpoints/openapi` was not found.", "Check the project id"),
        (400, "Malformed publisher model: `gpt`", "is not served in location"),
        (429, "Resource exhausted.", "Quota exhausted"),
        (503, "The service is currently unavailable.", "status.cloud.google.com"),
    ],
)
def test_fix_for_api_error(status: int, text: str, expected: str) -> None:
    where = Where(location_value="us-central1")
    fix = fix_for_api_error(status, text, project="my-proj", model="gemini-x", where=where)
    assert expected in fix


@pytest.mark.parametrize(
    ("probe", "pth_installed", "status", "expected"),
    [
        ((True, ""), False, True, "environment-only mode works"),
        ((False, "ImportError: boom"), False, False, "pip install --force-reinstall openai-vertex"),
        ((False, "ImportError: boom"), True, False, "The start-up hook is installed but failed"),
    ],
    ids=["patched", "no-pth", "hook-failed"],
)
def test_environment_only_mode_is_probed_in_a_new_interpreter(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    probe: tuple[bool, str],
    pth_installed: bool,
    status: bool,
    expected: str,
) -> None:
    monkeypatch.setenv("OPENAI_VERTEX", "1")
    monkeypatch.setattr(_doctor_live, "_patched_in_new_interpreter", lambda: probe)
    monkeypatch.setattr(site, "getsitepackages", lambda: [str(tmp_path)])
    monkeypatch.setattr(site, "getusersitepackages", lambda: str(tmp_path / "user"))
    if pth_installed:
        (tmp_path / "openai_vertex.pth").write_text("")
    result = _doctor_live.check_mode(Context(DoctorOptions()))
    assert result.ok is status
    assert expected in (result.fix or result.detail)
    if not status:
        assert result.detail.endswith("not patched: ImportError: boom")


def test_new_interpreter_probe_without_openai_vertex_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])))
    assert _doctor_live._patched_in_new_interpreter() == (False, "")  # nothing patches openai unasked
