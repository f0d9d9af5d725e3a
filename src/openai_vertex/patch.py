"""``patch()``: unmodified ``openai.OpenAI`` / ``AsyncOpenAI`` code talks to Gemini on Vertex.

The class methods of ``openai.OpenAI`` and ``openai.AsyncOpenAI`` are wrapped (wrapt), so the patch
reaches classes imported before it (``from openai import OpenAI``), instances created before it and
the module-level client. The wrappers call the same functions as the drop-in subclasses
(``_VertexState``, ``_auth.prepare_request``, ``normalize_error``, ``normalize_response``).

Which clients are redirected:

* constructed while patched without a ``base_url`` (or with OpenAI's own): to Vertex, with a placeholder
  API key, so ``OPENAI_API_KEY`` is neither needed nor read;
* constructed with a Vertex ``…/endpoints/openapi`` URL (Google's documented sample): to that URL,
  with refreshed Google tokens instead of the static one;
* created before the patch and aimed at ``api.openai.com``: adopted on their next request (their base
  URL becomes Vertex's; ``unpatch()`` puts it back). Their OpenAI key is never sent to Vertex, and the
  Google token never goes anywhere but the Vertex origin.

Clients with any other ``base_url`` (local servers, proxies), Azure, Bedrock, ``provider=`` clients and
``openai_vertex.OpenAI`` itself are left alone. ``unpatch()`` restores every class attribute it
replaced (by identity) unless another library wrapped it again on top, in which case our wrapper stays
but passes every call straight through.
"""

from __future__ import annotations

import inspect
import logging
import os
import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

import openai

from ._ambient import clear_ambient_secrets, without_ambient_secrets
from ._auth import PLACEHOLDER_API_KEY, aprepare_request, prepare_request
from ._bootstrap import OPENAI_HOST, FailedRouter, Router, host_of, unset
from ._client import _VertexClient, _VertexState
from ._dns import raise_naming_location
from ._normalize import normalize_error, normalize_response
from ._openai_version import require_supported_openai
from ._options import VertexOptions, given
from ._served.refused import allow_websockets
from ._served.routes import serve_client
from .exceptions import ConfigurationError, VertexOpenAIError

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["PatchContext", "is_patched", "patch", "patch_from_environment", "unpatch"]

log = logging.getLogger("openai_vertex")

_STATE = "_openai_vertex_state"  # instance attribute of a redirected client


@dataclass
class _Slot:
    """One class attribute replaced by the patch, and what to put back."""

    cls: type
    name: str
    had_own: bool
    original: Any
    replacement: Any


@dataclass(eq=False)
class _Installation:
    router: Router | FailedRouter
    known: dict[str, _VertexState]
    excluded: tuple[type, ...]
    slots: list[_Slot] = field(default_factory=list)
    adopted: weakref.WeakKeyDictionary[Any, Any] = field(default_factory=weakref.WeakKeyDictionary)
    module_client: Any = None
    module_api_key: Any = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def state_of(self, client: Any, *, adopt: bool = False) -> _VertexState | None:
        if _installed is not self:
            return None  # a wrapper left behind under someone else's: pass through
        state: _VertexState | None = getattr(client, "__dict__", {}).get(_STATE)
        if state is not None or not adopt or not self.eligible(client):
            return state
        return self._adopt(client)

    def eligible(self, client: Any) -> bool:
        return not isinstance(client, self.excluded) and getattr(client, "_provider_runtime", None) is None

    def _adopt(self, client: Any) -> _VertexState | None:
        original = client.base_url
        if host_of(original) != OPENAI_HOST or isinstance(client, getattr(openai, "_ModuleClient", ())):
            return None  # the module-level client is rebuilt instead (see _install)
        state = self.router.route(None)
        if state is None:
            return None
        with self.lock:
            if _STATE not in client.__dict__:
                self.adopted[client] = original
                client.base_url = state.settings.base_url
                client.__dict__[_STATE] = state
                serve_client(client, state)
                log.info("openai-vertex: a client created before patch() now talks to Vertex")
        return state


_lock = threading.RLock()
_installed: _Installation | None = None


class PatchContext:
    """What ``patch()`` returns; as a context manager it undoes that call on exit."""

    def __init__(self, undo: Callable[[], None] | None) -> None:
        self._undo = undo

    def __enter__(self) -> PatchContext:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        undo, self._undo = self._undo, None
        if undo is not None:
            undo()

    def __repr__(self) -> str:
        return f"<PatchContext patched={is_patched()}>"


def patch(**vertex_options: Unpack[VertexOptions]) -> PatchContext:
    """Send ``openai.OpenAI``/``AsyncOpenAI`` clients to Vertex; idempotent, undone by ``unpatch()``.

    Takes the Vertex options of ``openai_vertex.OpenAI`` (argument > environment > ADC), named once in
    ``_options.VertexOptions``. Calling it again while patched with other options reconfigures clients
    created afterwards.
    """
    require_supported_openai()  # before any patching: an older openai lacks hooks used here
    options = given(vertex_options, "patch")
    with _lock:
        current = _installed
        if current is not None and current.router.options == options:
            return PatchContext(None)
        router = Router(options, current.known if current is not None else {})
        if current is None:
            installation = _install(router)
            return PatchContext(lambda: _unpatch_if(installation))
        previous, current.router = current.router, router
        return PatchContext(lambda: _reconfigure_if(current, previous))


def patch_from_environment(switch_problem: str | None = None) -> None:
    """Environment-only mode: patch with settings from the environment; a bad setting fails closed.

    ``switch_problem``: why ``OPENAI_VERTEX`` is not a switch value, from the start-up hook that read
    it (passed in so that this module never imports ``_startup``, which imports this one).
    """
    try:
        if switch_problem is not None:  # an OPENAI_VERTEX typo: neither Vertex nor, silently, OpenAI
            raise ConfigurationError(switch_problem)
        patch()
        # Frameworks build no client without an OpenAI key (langchain-openai >= 1.x: "Sync client is
        # not available"); every default client now goes to Vertex, so a placeholder is never sent.
        if not os.environ.get("OPENAI_API_KEY"):
            os.environ["OPENAI_API_KEY"] = PLACEHOLDER_API_KEY
    except VertexOpenAIError as error:
        log.error("openai-vertex: %s OpenAI clients will refuse to start until this is fixed.", error)
        with _lock:
            if _installed is None:
                _install(FailedRouter(error))


def unpatch() -> bool:
    """Undo ``patch()``; True when something was patched."""
    with _lock:
        installation = _installed
        if installation is None:
            return False
        _uninstall(installation)
        return True


def is_patched() -> bool:
    return _installed is not None


def _unpatch_if(installation: _Installation) -> None:
    with _lock:
        if _installed is installation:
            _uninstall(installation)


def _reconfigure_if(installation: _Installation, router: Router | FailedRouter) -> None:
    with _lock:
        if _installed is installation:
            installation.router = router


# -- installing -------------------------------------------------------------------------------------
def _install(router: Router | FailedRouter) -> _Installation:
    global _installed
    import wrapt

    known = router.known if isinstance(router, Router) else {}
    inst = _Installation(router, known, _excluded_types())
    for cls, is_async in ((openai.OpenAI, False), (openai.AsyncOpenAI, True)):
        hooks = _async_hooks(inst) if is_async else _sync_hooks(inst)
        hooks.update(_common_hooks(inst))
        for name, wrapper in hooks.items():
            if inspect.getattr_static(cls, name, None) is None:
                continue  # e.g. _custom_auth before openai 2.34
            original = inspect.getattr_static(cls, name)
            if name == "custom_auth":
                replacement: Any = _custom_auth_property(inst, original)
            else:
                replacement = wrapt.FunctionWrapper(original, wrapper)
            inst.slots.append(_Slot(cls, name, name in cls.__dict__, original, replacement))
            setattr(cls, name, replacement)
    # The module-level client, if already built for OpenAI, is rebuilt (redirected) on next use.
    module_client = getattr(openai, "_client", None)
    if (
        module_client is not None
        and inst.eligible(module_client)
        and _STATE not in module_client.__dict__
        and host_of(module_client.base_url) == OPENAI_HOST
    ):
        inst.module_client, openai._client = module_client, None
    inst.module_api_key = getattr(openai, "api_key", None)
    _installed = inst
    log.debug("openai-vertex: openai patched")
    return inst


def _uninstall(inst: _Installation) -> None:
    global _installed
    _installed = None
    for slot in reversed(inst.slots):
        if slot.cls.__dict__.get(slot.name) is not slot.replacement:
            log.warning("openai-vertex: %s.%s was wrapped again by another library; our wrapper stays, "
                        "inert", slot.cls.__name__, slot.name)  # fmt: skip
        elif slot.had_own:
            setattr(slot.cls, slot.name, slot.original)
        else:
            delattr(slot.cls, slot.name)
    for client, original in list(inst.adopted.items()):
        client.__dict__.pop(_STATE, None)
        client.base_url = original
        allow_websockets(client)  # back on OpenAI: its realtime.connect() works again
    module_client = getattr(openai, "_client", None)
    if module_client is not None and _STATE in getattr(module_client, "__dict__", {}):
        openai._client = inst.module_client
        if getattr(openai, "api_key", None) == PLACEHOLDER_API_KEY:
            openai.api_key = inst.module_api_key
    log.debug("openai-vertex: openai unpatched")


def _excluded_types() -> tuple[type, ...]:
    excluded: list[type] = [_VertexClient]
    azure = getattr(getattr(openai, "lib", None), "azure", None)
    for candidate in (
        getattr(azure, "BaseAzureClient", None),
        getattr(openai, "BedrockOpenAI", None),
        getattr(openai, "AsyncBedrockOpenAI", None),
    ):
        if isinstance(candidate, type):
            excluded.append(candidate)
    return tuple(excluded)


# -- the wrappers ------------------------------------------------------------------------------------
Fn = Callable[..., Any]
Args = tuple[Any, ...]
Kwargs = dict[str, Any]
Wrapper = Callable[[Fn, Any, Args, Kwargs], Any]


def _common_hooks(inst: _Installation) -> dict[str, Wrapper]:
    def init(wrapped: Fn, client: Any, args: Args, kwargs: Kwargs) -> Any:
        if _installed is not inst or not inst.eligible(client) or not unset(kwargs.get("provider")):
            return wrapped(*args, **kwargs)
        state = inst.router.route(kwargs.get("base_url"))
        if state is None:
            return wrapped(*args, **kwargs)
        module_client = isinstance(client, getattr(openai, "_ModuleClient", ()))
        kwargs = {**kwargs, "base_url": state.settings.base_url}
        if not module_client or not kwargs.get("api_key"):
            kwargs["api_key"] = PLACEHOLDER_API_KEY  # the OpenAI key is not needed, read, or kept
        passed = kwargs
        if not module_client:  # no OpenAI secret of the environment is read (module globals stay)
            kwargs = without_ambient_secrets(wrapped, kwargs)
        result = wrapped(*args, **kwargs)
        if not module_client:  # OPENAI_CUSTOM_HEADERS means nothing to Vertex
            headers = passed.get("default_headers")
            client._custom_headers = dict(headers) if isinstance(headers, Mapping) else {}
            clear_ambient_secrets(client, passed)
        client.__dict__[_STATE] = state
        serve_client(client, state)  # embeddings, models: served in-process (_served/)
        return result

    def custom_auth(wrapped: Fn, client: Any, args: Args, kwargs: Kwargs) -> Any:
        state = inst.state_of(client)
        return wrapped(*args, **kwargs) if state is None else state.custom_auth()

    def status_error(wrapped: Fn, client: Any, args: Args, kwargs: Kwargs) -> Any:
        state = inst.state_of(client)
        if state is None:
            return wrapped(*args, **kwargs)

        def normalized(err_msg: str, *, body: object, response: Any) -> Any:
            message, body = normalize_error(err_msg, body, response.status_code)
            return wrapped(message, body=body, response=response)

        return normalized(*args, **kwargs)

    def response_data(wrapped: Fn, client: Any, args: Args, kwargs: Kwargs) -> Any:
        state = inst.state_of(client)
        if state is None:
            return wrapped(*args, **kwargs)

        def normalized(*, data: object, cast_to: Any, response: Any) -> Any:
            return wrapped(data=normalize_response(data, response), cast_to=cast_to, response=response)

        return normalized(*args, **kwargs)

    return {
        "__init__": init,
        "custom_auth": custom_auth,
        "_custom_auth": custom_auth,
        "_make_status_error": status_error,
        "_process_response_data": response_data,
    }


def _sync_hooks(inst: _Installation) -> dict[str, Wrapper]:
    def prepare_options(wrapped: Fn, client: Any, args: Args, kwargs: Kwargs) -> Any:
        state = inst.state_of(client, adopt=True)
        options = wrapped(*args, **kwargs)
        return options if state is None else state.prepare_options(options, client.timeout)

    def prepare(wrapped: Fn, client: Any, args: Args, kwargs: Kwargs) -> Any:
        result = wrapped(*args, **kwargs)
        state = inst.state_of(client)
        if state is not None:
            request = _request_arg(args, kwargs)
            prepare_request(request, state.settings, state.source)
        return result

    def request(wrapped: Fn, client: Any, args: Args, kwargs: Kwargs) -> Any:
        try:
            return wrapped(*args, **kwargs)
        except openai.APIConnectionError as error:  # a DNS failure names the location (_dns.py)
            state = inst.state_of(client)
            raise_naming_location(error, None if state is None else state.settings)

    return {"_prepare_options": prepare_options, "_prepare_request": prepare, "request": request}


def _async_hooks(inst: _Installation) -> dict[str, Wrapper]:
    async def prepare_options(wrapped: Fn, client: Any, args: Args, kwargs: Kwargs) -> Any:
        state = inst.state_of(client, adopt=True)
        options = await wrapped(*args, **kwargs)
        return options if state is None else await state.aprepare_options(options, client.timeout)

    async def prepare(wrapped: Fn, client: Any, args: Args, kwargs: Kwargs) -> Any:
        result = await wrapped(*args, **kwargs)
        state = inst.state_of(client)
        if state is not None:
            request = _request_arg(args, kwargs)
            await aprepare_request(request, state.settings, state.source)
        return result

    async def request(wrapped: Fn, client: Any, args: Args, kwargs: Kwargs) -> Any:
        try:
            return await wrapped(*args, **kwargs)
        except openai.APIConnectionError as error:  # a DNS failure names the location (_dns.py)
            state = inst.state_of(client)
            raise_naming_location(error, None if state is None else state.settings)

    return {"_prepare_options": prepare_options, "_prepare_request": prepare, "request": request}


def _custom_auth_property(inst: _Installation, original: Any) -> property:
    def get(client: Any) -> Any:
        state = inst.state_of(client)
        return original.__get__(client, type(client)) if state is None else state.custom_auth()

    return property(get, doc=getattr(original, "__doc__", None))


def _request_arg(args: Args, kwargs: Kwargs) -> Any:
    request = args[0] if args else kwargs["request"]
    # Code written for OpenAI put an OpenAI key (or the placeholder) here: never forward it to Google.
    request.headers.pop("authorization", None)
    return request
