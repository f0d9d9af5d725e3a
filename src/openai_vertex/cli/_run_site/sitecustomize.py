"""Start-up module of ``openai-vertex run``: its folder is put first on ``PYTHONPATH``.

It turns on environment-only mode for this interpreter (the same hook as ``openai_vertex.pth``),
takes its folder back off ``sys.path`` and ``PYTHONPATH`` (descendant processes keep
``OPENAI_VERTEX=1``, so those with openai-vertex installed are patched by its ``.pth``), then runs the
program's own ``sitecustomize``, if any, as Python would have.
"""

from __future__ import annotations

import importlib
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))


def _start() -> None:
    try:
        import _openai_vertex_bootstrap
    except ImportError:
        import logging

        logging.getLogger("openai_vertex").warning(
            "openai-vertex run: openai-vertex is not installed for %s; the program runs unpatched",
            sys.executable,
        )
        return
    _openai_vertex_bootstrap.install()


def _forget_this_folder() -> None:
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
    entries = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    kept = [p for p in entries if p and os.path.abspath(p) != _HERE]
    if kept:
        os.environ["PYTHONPATH"] = os.pathsep.join(kept)
    else:
        os.environ.pop("PYTHONPATH", None)


def _chain() -> None:
    """Import the next ``sitecustomize`` on the path, as ``site`` would have without us."""
    this = sys.modules.pop("sitecustomize", None)
    try:
        importlib.import_module("sitecustomize")
    except ImportError as exc:
        if exc.name != "sitecustomize":
            raise
        if this is not None:
            sys.modules["sitecustomize"] = this


_start()
_forget_this_folder()
_chain()
