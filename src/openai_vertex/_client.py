"""``OpenAI`` and ``AsyncOpenAI``: real subclasses of the openai clients that talk to Vertex.

They hook the SDK at the points that exist unchanged in openai 1.x, 2.x and 3.x:
``_prepare_options`` (translate the body), ``_prepare_request`` (Google token, origin pin),
``custom_auth``/``_custom_auth`` (one refresh on 401) and ``_make_status_error`` (error shape).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import openai

from ._ambient import clear_ambient_secrets, without_ambient_secrets
from ._auth import PLACEHOLDER_API_KEY, aprepare_request, prepare_request, refresh_on_401
from ._dns import raise_naming_location
from ._fetch.fetcher import ImageFetcher
from ._fetch.inline import ImageInliner
from ._normalize import normalize_error, normalize_response
from ._openai_version import require_supported_openai
from ._responses import is_plan
from ._served.routes import prepare_served, serve_client
from ._settings import Settings, resolve_settings
from ._tokens import TokenProvider, TokenSource, token_source_for
from ._translate.chat import translate_chat_body
from ._usage_stream import mark_usage_wish
from ._warnings import warn_compatibility
from .exceptions import ConfigurationError

if TYPE_CHECKING:
    from google.auth.credentials import Credentials

__all__ = ["AsyncOpenAI", "AsyncVertexOpenAI", "OpenAI", "VertexOpenAI"]

_CHAT_PATH = "/chat/completions"


@dataclass
class _VertexState:
    """What a client and its copies share: settings, token source, image cache, warnings shown."""

    settings: Settings
    source: TokenSource
    warned: set[str] = field(default_factory=set)
    auth: Any = None
    image_fetcher: ImageFetcher | None = None
    _images: ImageInliner | None = None
    response_store: Any = None  # responses.*: a spec string or a store; None = environment/memory

    @property
    def images(self) -> ImageInliner:
        if self._images is None:
            self._images = ImageInliner(self.settings.image_urls, self.image_fetcher)
        return self._images

    def __repr__(self) -> str:
        return f"_VertexState(base_url={self.settings.base_url!r})"

    def for_base_url(self, base_url: object) -> _VertexState:
        if base_url is None:
            return self
        settings = self.settings.with_base_url(str(base_url))
        if settings is self.settings:
            return self
        return _VertexState(
            settings, self.source, self.warned, _images=self.images, response_store=self.response_store
        )

    def custom_auth(self) -> Any:
        if self.auth is None:
            self.auth = refresh_on_401(self.settings, self.source)
        return self.auth

    def prepare_options(self, options: Any, client_timeout: object = None) -> Any:
        """The sync hook: translate, then inline the images Vertex cannot fetch itself, all of them
        within the request's timeout (per call, else the client's). Chat completions and
        responses.create alike: here, above the SDK, an ImageFetchError reaches the caller as it is,
        before anything is sent (raised below it, the SDK would retry it as a connection error)."""
        kind = self._translate(options)
        if kind is not None:
            timeout = _request_timeout(options, client_timeout)
            body = options.json_data
            if kind == "responses":  # its chat body gets the stored history first
                from ._responses.prepare import continued_plan  # imported at the first responses call

                options.json_data = continued_plan(body, self, lambda chat: self.images.inline(chat, timeout))
            else:
                options.json_data = self.images.inline(body, timeout)
        return options

    async def aprepare_options(self, options: Any, client_timeout: object = None) -> Any:
        """The async hook: the same, with image fetches running concurrently off the event loop."""
        kind = self._translate(options)
        if kind is not None:
            timeout = _request_timeout(options, client_timeout)
            body = options.json_data
            if kind == "responses":
                from ._responses.prepare import acontinued_plan

                options.json_data = await acontinued_plan(
                    body, self, lambda chat: self.images.ainline(chat, timeout)
                )
            else:
                options.json_data = await self.images.ainline(body, timeout)
        return options

    def _translate(self, options: Any) -> Literal["chat", "responses"] | None:
        """Rewrite ``options`` for Vertex; say which kind of request it is when it may carry images:
        a chat completion, or a responses.create (already translated by its route's prepare step)."""
        # Never follow a redirect with a Google token attached (the 3xx surfaces as an APIStatusError).
        options.follow_redirects = False
        prepare_served(options, self)  # refuse unserved APIs; served ones (embeddings...) check input
        if is_plan(options.json_data):
            return "responses"
        if options.url == _CHAT_PATH and isinstance(options.json_data, Mapping):
            # extra_body is merged by the SDK after this hook, so it is translated here and consumed:
            # Vertex wants its `google` extension nested, and extra keys may need translating too.
            extra = options.extra_json if isinstance(options.extra_json, Mapping) else None
            mark_usage_wish(options)  # stream_options is translated away; the wish reaches the stream
            translation = translate_chat_body(options.json_data, self.settings, extra)
            options.json_data = translation.body  # a new dict: the SDK reuses the old one on retries
            if extra is not None:
                options.extra_json = None  # a copy per attempt: the caller's options keep theirs
            self.warn(translation.notes)
            return "chat"
        return None

    def warn(self, notes: tuple[str, ...]) -> None:
        for note in notes:
            if note not in self.warned:
                self.warned.add(note)
                warn_compatibility(note)


def _request_timeout(options: Any, client_timeout: object) -> object:
    """The timeout the SDK will give this request: the call's own, else the client's."""
    return client_timeout if isinstance(options.timeout, openai.NotGiven) else options.timeout


def _state(
    *,
    vertex_state: _VertexState | None,
    api_key: object,
    base_url: object,
    credentials: Credentials | None,
    token_provider: TokenProvider | None,
    image_fetcher: ImageFetcher | None,
    options: dict[str, Any],
) -> _VertexState:
    if api_key is not None and api_key != PLACEHOLDER_API_KEY:
        raise ConfigurationError(
            "Vertex authenticates with Google OAuth, not an API key: remove api_key= and let Application "
            "Default Credentials work, or pass credentials= or token_provider=."
        )
    if vertex_state is not None:
        return vertex_state.for_base_url(base_url)
    settings = resolve_settings(base_url=None if base_url is None else str(base_url), **options)
    return _VertexState(settings, token_source_for(credentials, token_provider), image_fetcher=image_fetcher)


class _VertexClient:
    """What the sync and async clients share: construction, copying, error shape, the 401 auth."""

    _vertex: _VertexState

    def __init__(
        self,
        *,
        vertex_project: str | None = None,
        vertex_location: str | None = None,
        credentials: Credentials | None = None,
        token_provider: TokenProvider | None = None,
        api_version: str | None = None,
        model_aliases: Mapping[str, str] | None = None,
        unsupported_params: str | None = None,
        image_urls: str | None = None,
        image_fetcher: ImageFetcher | None = None,
        response_store: Any = None,
        api_key: str | None = None,
        base_url: Any = None,
        default_headers: Mapping[str, str] | None = None,
        _vertex_state: _VertexState | None = None,
        **kwargs: Any,
    ) -> None:
        require_supported_openai()
        state = _state(
            vertex_state=_vertex_state,
            api_key=api_key,
            base_url=base_url,
            credentials=credentials,
            token_provider=token_provider,
            image_fetcher=image_fetcher,
            options=dict(
                vertex_project=vertex_project,
                vertex_location=vertex_location,
                api_version=api_version,
                model_aliases=model_aliases,
                unsupported_params=unsupported_params,
                image_urls=image_urls,
            ),
        )
        sdk_init: Any = super().__init__
        sdk_init(
            api_key=PLACEHOLDER_API_KEY,
            base_url=state.settings.base_url,
            **without_ambient_secrets(sdk_init, {"default_headers": default_headers, **kwargs}),
        )
        # Undo what the SDK read from OPENAI_ORG_ID, OPENAI_PROJECT_ID and OPENAI_CUSTOM_HEADERS.
        client: Any = self
        client.organization = None
        client.project = None
        client._custom_headers = dict(default_headers) if isinstance(default_headers, Mapping) else {}
        clear_ambient_secrets(client, kwargs)
        if response_store is not None:  # responses.*: where responses are kept (_responses/store.py)
            state.response_store = response_store
        self._vertex = state
        serve_client(self, state)  # embeddings, models: served in-process below the SDK (_served/)

    def copy(self, **kwargs: Any) -> Any:
        extra = {"_vertex_state": self._vertex, **(kwargs.pop("_extra_kwargs", None) or {})}
        return super().copy(_extra_kwargs=extra, **kwargs)  # type: ignore[misc]

    # The SDK defines `with_options = copy` in its class body; re-alias so it reaches our copy().
    with_options = copy

    @property
    def custom_auth(self) -> Any:  # openai 1.x, < 2.34, and every async client
        return self._vertex.custom_auth()

    def _custom_auth(self, security: Any) -> Any:  # openai >= 2.34, sync client
        return self._vertex.custom_auth()

    def _make_status_error(self, err_msg: str, *, body: object, response: Any) -> Any:
        message, normalized = normalize_error(err_msg, body, response.status_code)
        return super()._make_status_error(message, body=normalized, response=response)  # type: ignore[misc]

    def _process_response_data(self, *, data: object, cast_to: Any, response: Any) -> Any:
        # Every JSON body and every streamed chunk passes here before the SDK builds its models, so
        # create, stream=True, .stream(), .parse() and raw responses all get the repaired data.
        return super()._process_response_data(  # type: ignore[misc]
            data=normalize_response(data, response), cast_to=cast_to, response=response
        )


class OpenAI(_VertexClient, openai.OpenAI):
    """``openai.OpenAI`` for Gemini on Vertex AI; accepts every openai argument plus the Vertex ones."""

    def _prepare_options(self, options: Any) -> Any:
        return self._vertex.prepare_options(super()._prepare_options(options), self.timeout)

    def _prepare_request(self, request: Any) -> None:
        super()._prepare_request(request)
        prepare_request(request, self._vertex.settings, self._vertex.source)

    def request(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().request(*args, **kwargs)
        except openai.APIConnectionError as error:  # a DNS failure names the location (_dns.py)
            raise_naming_location(error, self._vertex.settings)


class AsyncOpenAI(_VertexClient, openai.AsyncOpenAI):
    """``openai.AsyncOpenAI`` for Gemini on Vertex AI; ``token_provider`` may be an async callable."""

    async def _prepare_options(self, options: Any) -> Any:
        return await self._vertex.aprepare_options(await super()._prepare_options(options), self.timeout)

    async def _prepare_request(self, request: Any) -> None:
        await super()._prepare_request(request)
        await aprepare_request(request, self._vertex.settings, self._vertex.source)

    async def request(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().request(*args, **kwargs)
        except openai.APIConnectionError as error:  # a DNS failure names the location (_dns.py)
            raise_naming_location(error, self._vertex.settings)


VertexOpenAI = OpenAI
AsyncVertexOpenAI = AsyncOpenAI
