"""Start-up hook of environment-only mode (``OPENAI_VERTEX=1``): standard library only.

Loaded at interpreter start-up by the top-level ``_openai_vertex_bootstrap`` shim (which
``openai_vertex.pth`` imports only when ``OPENAI_VERTEX`` is set) straight from this file, without
importing the ``openai_vertex`` package, whose ``__init__`` imports ``openai``. It must therefore not
use relative imports. Python 3.15+ runs the shim from ``openai_vertex.start`` instead (PEP 829), which
is why :func:`install` checks the variable again.

Nothing is imported until ``openai`` itself is: then a post-import hook (a small ``sys.meta_path``
finder, see :class:`_OpenAIImportHook`) loads openai-vertex and patches the SDK. Whatever goes wrong
is logged on the ``openai_vertex`` logger and never breaks ``import openai``; and because
``OPENAI_VERTEX=1`` means "send nothing to OpenAI", a failure to patch makes ``openai.OpenAI()``
raise instead of silently talking to OpenAI.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not `from typing import ...`: typing costs milliseconds at start-up
if TYPE_CHECKING:
    import logging
    from types import ModuleType
    from typing import Any

__all__ = ["OFF_VALUES", "ON_VALUES", "enabled", "finish_pending", "install", "switch", "switch_problem"]

_ENV = "OPENAI_VERTEX"
_installed = False
_pending: ModuleType | None = None


# The spellings of the switch, compared case-insensitively; empty (or unset) means off. Anything else
# is a typo of unknown intent, so it fails closed: openai clients refuse to start (see patch.py).
ON_VALUES = ("1", "true", "yes", "on")
OFF_VALUES = ("0", "false", "no", "off")


def switch(value: str | None = None) -> bool | None:
    """``OPENAI_VERTEX`` (or ``value``) read as a switch: True, False, or None for an unknown spelling."""
    text = (os.environ.get(_ENV, "") if value is None else value).strip().lower()
    if text in ON_VALUES:
        return True
    if text in OFF_VALUES or not text:
        return False
    return None


def switch_problem(value: str | None = None) -> str | None:
    """Why ``OPENAI_VERTEX`` is not a switch value, or None when it is one."""
    if switch(value) is not None:
        return None
    shown = os.environ.get(_ENV, "") if value is None else value
    return (
        f"{_ENV}={shown!r} is not a switch value; set {_ENV} to one of {', '.join(ON_VALUES)} to send "
        f"openai to Vertex, or to one of {', '.join(OFF_VALUES)} (or unset it) to leave openai alone "
        "(case-insensitive)."
    )


def enabled() -> bool:
    """True when ``OPENAI_VERTEX`` is on, and also for an unknown spelling: that one fails closed later."""
    return switch() is not False


def install() -> bool:
    """Arrange for ``openai`` to be patched when it is imported (at once if it already is)."""
    global _installed
    if _installed or not enabled():
        return _installed
    _installed = True
    if "openai" in sys.modules:
        _on_openai_import(sys.modules["openai"])
    else:
        sys.meta_path.insert(0, _OpenAIImportHook())
    return True


class _OpenAIImportHook:
    """A post-import hook on ``openai``, standard library only.

    wrapt's ``register_post_import_hook`` does the same, but importing wrapt 2 pulls in asyncio,
    typing and importlib.metadata: tens of milliseconds at the start of every interpreter in an
    environment with ``OPENAI_VERTEX=1``, most of which never import openai. This finder asks the
    finders after it for ``openai``'s spec, runs the real loader, then the hook; it stacks with wrapt's
    own finder (whichever comes first wraps the other's loader) and removes itself once openai loads.
    """

    def __init__(self) -> None:
        self._busy = False

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != "openai" or self._busy:
            return None
        self._busy = True
        try:
            spec = None
            for finder in list(sys.meta_path):
                find = getattr(finder, "find_spec", None)
                if finder is self or find is None:
                    continue
                spec = find(fullname, path, target)
                if spec is not None:
                    break
        finally:
            self._busy = False
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        # find_spec alone (importlib.util.find_spec("openai") to test for it) loads nothing: the
        # finder stays until a hooked loader actually runs.
        spec.loader = _HookedLoader(spec.loader, self)
        return spec


class _HookedLoader:
    def __init__(self, loader: Any, finder: _OpenAIImportHook) -> None:
        self._loader = loader
        self._finder = finder

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        # Put the real loader back first, so nothing later sees this wrapper.
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        if self._finder in sys.meta_path:
            sys.meta_path.remove(self._finder)
        try:
            self._loader.exec_module(module)
        except BaseException:
            sys.meta_path.insert(0, self._finder)  # a later `import openai` must be hooked too
            raise
        _on_openai_import(module)


def _on_openai_import(module: ModuleType) -> None:
    global _pending
    package = sys.modules.get("openai_vertex")
    if package is not None and getattr(getattr(package, "__spec__", None), "_initializing", False):
        # `import openai_vertex` is what imported openai (its client module needs it): patching now
        # would import that half-built module again. The package's __init__ calls finish_pending().
        _pending = module
        return
    _activate(module)


def finish_pending() -> None:
    """Called at the end of ``openai_vertex/__init__``: the activation deferred above, if any."""
    global _pending
    module, _pending = _pending, None
    if module is not None:
        _activate(module)


def _activate(module: ModuleType) -> None:
    try:
        from openai_vertex.patch import patch_from_environment

        patch_from_environment(switch_problem())
    except Exception as exc:
        _log().error("openai-vertex: environment-only mode failed to patch openai", exc_info=True)
        _refuse_openai_clients(module, type(exc).__name__)


def _refuse_openai_clients(module: ModuleType, error: str) -> None:
    """Fail closed: with OPENAI_VERTEX=1, nothing may silently go to OpenAI instead of Vertex."""
    message = (
        f"OPENAI_VERTEX=1 is set but openai-vertex could not patch openai ({error}; see the "
        "'openai_vertex' log above), so no OpenAI client may be created. Fix that error, or unset "
        "OPENAI_VERTEX to use OpenAI."
    )
    azure = getattr(getattr(module, "lib", None), "azure", None)
    leave_alone = getattr(azure, "BaseAzureClient", ())

    def refuse(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
        if isinstance(instance, leave_alone):
            return wrapped(*args, **kwargs)
        raise RuntimeError(message)

    try:
        import wrapt

        for name in ("OpenAI", "AsyncOpenAI"):
            wrapt.wrap_function_wrapper(module, f"{name}.__init__", refuse)
    except Exception:
        _log().error("openai-vertex: could not stop openai clients from being created", exc_info=True)


def _log() -> logging.Logger:
    import logging  # only on the paths that report something

    return logging.getLogger("openai_vertex")
