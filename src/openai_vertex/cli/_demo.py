"""``openai-vertex demo``: the README quickstart, run for real.

With Google credentials on the machine it talks to Vertex; without them it starts the bundled
emulator (FakeVertex + FakeGoogleAuth) and points the *same* code at it through the environment,
so the quickstart runs unchanged, through google-auth's real service-account refresh path.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

QUICKSTART = """\
from openai_vertex import OpenAI

client = OpenAI()  # project: GOOGLE_CLOUD_PROJECT, credentials: Application Default Credentials
reply = client.chat.completions.create(
    model="gemini-2.5-flash",
    messages=[{"role": "user", "content": "Say hello to Vertex in five words."}],
)
print(reply.choices[0].message.content)

stream = client.chat.completions.create(
    model="gemini-2.5-flash",
    messages=[{"role": "user", "content": "Say hello to Vertex in five words."}],
    stream=True,
)
for chunk in stream:
    if chunk.choices:
        print(chunk.choices[0].delta.content or "", end="", flush=True)
print()
"""

REAL_VERTEX_HELP = """\
To run the same code on real Vertex AI:
  gcloud auth application-default login        # or GOOGLE_APPLICATION_CREDENTIALS=key.json
  export GOOGLE_CLOUD_PROJECT=your-project      # GOOGLE_CLOUD_LOCATION defaults to global
  openai-vertex demo --live
"""


def has_google_credentials() -> bool:
    """Credentials that need no network probe to find: a key file or gcloud's ADC file."""
    if os.environ.get("GOOGLE_APPLICATION_CREDENTIALS"):
        return True
    config = os.environ.get("CLOUDSDK_CONFIG") or str(Path.home() / ".config" / "gcloud")
    return (Path(config) / "application_default_credentials.json").is_file()


def run_demo(*, live: bool | None, out: TextIO) -> int:
    use_live = has_google_credentials() if live is None else live
    out.write("The README quickstart:\n\n" + QUICKSTART + "\n")
    if use_live:
        out.write("Running it on Vertex AI with your Application Default Credentials:\n\n")
        out.flush()
        return _run_live()
    with emulator_environment() as where:
        out.write(f"No Google credentials here, so it runs on the bundled emulator at {where}:\n\n")
        out.flush()
        _run_quickstart()
    out.write("\n" + REAL_VERTEX_HELP)
    return 0


def _run_live() -> int:
    """The quickstart on Vertex; a failure is one line with its fix, never a traceback.

    Exit status (``_errors.py``): 2 for a bad setting, 1 for missing credentials or a failed call.
    """
    import openai

    from ..exceptions import CredentialsError, VertexOpenAIError
    from ._errors import status_of

    try:
        _run_quickstart()
    except CredentialsError:
        print(
            "openai-vertex demo --live: no Google credentials; run 'gcloud auth application-default "
            "login' (or set GOOGLE_APPLICATION_CREDENTIALS to a key file), or drop --live to use the "
            "bundled emulator.",
            file=sys.stderr,
        )
        return 1
    except (VertexOpenAIError, openai.APIError) as exc:
        print(f"openai-vertex demo --live: {exc}", file=sys.stderr)
        return status_of(exc)
    return 0


def _run_quickstart() -> None:
    exec(compile(QUICKSTART, "<quickstart>", "exec"), {"__name__": "__quickstart__"})  # noqa: S102


@contextmanager
def emulator_environment(*, project: str | None = None, location: str | None = None) -> Iterator[str]:
    """Start the fakes and set the environment the quickstart reads; restore it afterwards.

    The fake serves ``project`` and ``location`` (a command's --project/--location), so the settings
    a command reports are the ones its requests go to.
    """
    from ..testing import FakeGoogleAuth, FakeVertex

    project, location = project or "demo-project", location or "global"
    names = (
        "GOOGLE_APPLICATION_CREDENTIALS",
        "GOOGLE_CLOUD_PROJECT",
        "GOOGLE_CLOUD_LOCATION",
        "OPENAI_VERTEX_BASE_URL",
    )
    saved = {name: os.environ.get(name) for name in names}
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeGoogleAuth(project_id=project) as auth,
        FakeVertex(auth=auth, project=project, location=location, chunk_delay=0.05) as vertex,
    ):
        os.environ["GOOGLE_APPLICATION_CREDENTIALS"] = str(auth.write_service_account_file(Path(tmp)))
        os.environ["GOOGLE_CLOUD_PROJECT"] = project
        os.environ["GOOGLE_CLOUD_LOCATION"] = location
        os.environ["OPENAI_VERTEX_BASE_URL"] = vertex.base_url
        try:
            yield vertex.base_url
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
