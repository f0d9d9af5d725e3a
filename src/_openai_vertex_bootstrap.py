"""openai-vertex's start-up shim, imported by ``openai_vertex.pth`` only when ``OPENAI_VERTEX`` is set.

Installed at the top of site-packages (copied there by editable installs too), so it stays tiny and
stable: the hook itself is ``openai_vertex/_startup.py``, loaded from the package folder without
importing the package (whose ``__init__`` imports ``openai``), so edits to it apply to editable
installs at once.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not `from typing import ...`: typing costs milliseconds at start-up
if TYPE_CHECKING:
    from types import ModuleType

__all__ = ["install"]

_NAME = "openai_vertex._startup"


def install() -> bool:
    if "OPENAI_VERTEX" not in os.environ:  # Python 3.15+ calls this from openai_vertex.start every time
        return False
    try:
        startup = sys.modules.get(_NAME) or _load()
        return bool(startup.install())
    except Exception:
        import logging

        logging.getLogger("openai_vertex").error(
            "openai-vertex: could not load its start-up hook", exc_info=True
        )
        return False


def _load() -> ModuleType:
    # importlib.machinery, not importlib.util: the latter imports contextlib and functools.
    from importlib.machinery import ModuleSpec, PathFinder, SourceFileLoader

    package = PathFinder.find_spec("openai_vertex")
    if package is None:  # importable through another finder (an exact editable install, a zip...)
        import importlib.util

        package = importlib.util.find_spec("openai_vertex")
    if package is None or not package.submodule_search_locations:
        raise ImportError("openai_vertex is not importable from this interpreter")
    path = os.path.join(next(iter(package.submodule_search_locations)), "_startup.py")
    loader = SourceFileLoader(_NAME, path)
    module = type(sys)(_NAME)
    module.__spec__ = ModuleSpec(_NAME, loader, origin=path)
    module.__spec__.has_location = True
    module.__loader__ = loader
    module.__file__ = path
    sys.modules[_NAME] = module
    try:
        loader.exec_module(module)
    except BaseException:
        del sys.modules[_NAME]
        raise
    return module
