"""patch() stacks with OpenTelemetry's openai instrumentation (wrapt on ``Completions.create``)."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from openai_vertex import patch, unpatch
from openai_vertex.testing import FakeVertex

from ..test_patch import ALIASES, ask
from .conftest import assert_vertex_only

openai_v2 = pytest.importorskip("opentelemetry.instrumentation.openai_v2")
sdk_trace = pytest.importorskip("opentelemetry.sdk.trace")
in_memory = pytest.importorskip("opentelemetry.sdk.trace.export.in_memory_span_exporter")
export = pytest.importorskip("opentelemetry.sdk.trace.export")
wrapt = pytest.importorskip("wrapt")  # the instrumentation's own dependency


@pytest.fixture
def spans() -> Iterator[Any]:
    exporter = in_memory.InMemorySpanExporter()
    provider = sdk_trace.TracerProvider()
    provider.add_span_processor(export.SimpleSpanProcessor(exporter))
    instrumentor = openai_v2.OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    try:
        yield exporter
    finally:
        instrumentor.uninstrument()
        unpatch()


def create_is_instrumented() -> bool:
    from openai.resources.chat.completions import Completions

    return isinstance(inspect.getattr_static(Completions, "create"), wrapt.FunctionWrapper)


def test_instrumented_then_patched_and_undone_in_either_order(adc: FakeVertex, spans: Any) -> None:
    before = inspect.getattr_static(openai.OpenAI, "_prepare_request")
    patch(model_aliases=ALIASES)
    assert ask(openai.OpenAI()) == "Echo: hello"
    (span,) = spans.get_finished_spans()
    assert span.attributes["gen_ai.request.model"] == "gpt-4o-mini"  # what the application asked for
    assert span.attributes["gen_ai.response.model"] == "google/gemini-2.5-flash"
    unpatch()
    assert create_is_instrumented()  # OpenTelemetry's wrapper survives our unpatch
    assert inspect.getattr_static(openai.OpenAI, "_prepare_request") is before
    patch(model_aliases=ALIASES)
    openai_v2.OpenAIInstrumentor().uninstrument()
    assert not create_is_instrumented()
    assert ask(openai.OpenAI()) == "Echo: hello"  # and ours survives theirs
    assert len(spans.get_finished_spans()) == 1
    assert_vertex_only(adc, at_least=2)
