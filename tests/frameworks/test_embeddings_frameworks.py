"""langchain-openai ``OpenAIEmbeddings`` and LlamaIndex ``OpenAIEmbedding`` on Vertex embeddings,
with an injected openai-vertex client and unmodified under ``OPENAI_VERTEX=1``.

langchain's default sends token ids (tiktoken, cl100k_base), which openai-vertex decodes back to text.
tiktoken downloads encodings at run time; the tests ship cl100k_base (``tests/tiktoken_data.py``)
and point ``TIKTOKEN_CACHE_DIR`` at it, so nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

import openai_vertex
from openai_vertex.testing import FakeVertex

from ..test_env_mode import report, run_python, vertex_env
from ..tiktoken_data import tiktoken_cache  # noqa: F401 - a fixture
from .conftest import needs_pth

pytest.importorskip("tiktoken")

ALIASES = "text-embedding-3-small=gemini-embedding-001"


pytestmark = pytest.mark.usefixtures("tiktoken_cache")  # cl100k_base from tests/data for every test


def assert_embedded(vertex: FakeVertex, texts: list[str]) -> None:
    predicts = [r for r in vertex.requests if r.path.endswith(":predict")]
    assert predicts and all(r.status == 200 and r.authorized for r in predicts)
    assert all("sk-" not in json.dumps(r.headers) for r in predicts)
    sent = sorted(i["content"] for r in predicts for i in (r.body or {})["instances"])
    assert sent == sorted(texts)


@pytest.mark.parametrize("check_ctx", [True, False], ids=["token-ids", "text"])
def test_langchain_with_an_injected_client(vertex: FakeVertex, credentials: object, check_ctx: bool) -> None:
    langchain_openai = pytest.importorskip("langchain_openai")
    aliases = {"text-embedding-3-small": "gemini-embedding-001"}
    client = openai_vertex.OpenAI(base_url=vertex.base_url, credentials=credentials, model_aliases=aliases)
    inputs: list[object] = []  # what langchain passes to embeddings.create (recorded, passed on)
    create = client.embeddings.create

    def recording_create(**kwargs: Any) -> Any:
        inputs.append(kwargs["input"])
        return create(**kwargs)

    client.embeddings.create = recording_create  # type: ignore[method-assign]
    async_client = openai_vertex.AsyncOpenAI(base_url=vertex.base_url, credentials=credentials)
    embeddings = langchain_openai.OpenAIEmbeddings(
        model="text-embedding-3-small",
        client=client.embeddings,
        async_client=async_client.embeddings,
        check_embedding_ctx_length=check_ctx,
    )
    vectors = embeddings.embed_documents(["hello world", "a second text"])
    query = embeddings.embed_query("what is said?")
    assert len(vectors) == 2 and len(vectors[0]) == len(query) == 3072
    assert_embedded(vertex, ["hello world", "a second text", "what is said?"])
    # By default langchain sends cl100k_base token ids (decoded back to text above), else text.
    kinds = {type(item).__name__ for batch in inputs for item in batch}  # type: ignore[attr-defined]
    assert kinds == ({"list"} if check_ctx else {"str"})


async def test_langchain_async(vertex: FakeVertex, credentials: object) -> None:
    langchain_openai = pytest.importorskip("langchain_openai")
    client = openai_vertex.AsyncOpenAI(base_url=vertex.base_url, credentials=credentials)
    embeddings = langchain_openai.OpenAIEmbeddings(
        model="gemini-embedding-001", async_client=client.embeddings, client=object()
    )
    vectors = await embeddings.aembed_documents(["one", "two", "three"])
    assert [len(v) for v in vectors] == [3072] * 3
    assert_embedded(vertex, ["one", "two", "three"])


def test_llama_index_with_an_injected_client(vertex: FakeVertex, credentials: object) -> None:
    llama_openai = pytest.importorskip("llama_index.embeddings.openai")
    aliases = {"text-embedding-3-small": "gemini-embedding-001"}
    model = llama_openai.OpenAIEmbedding(model="text-embedding-3-small", api_key="unused-placeholder")
    # LlamaIndex builds its own client and has no client= argument; its reused client is replaced.
    model._client = openai_vertex.OpenAI(
        base_url=vertex.base_url, credentials=credentials, model_aliases=aliases
    )
    vectors = model.get_text_embedding_batch(["alpha", "beta"])
    assert [len(v) for v in vectors] == [3072, 3072]
    assert len(model.get_query_embedding("gamma")) == 3072
    assert_embedded(vertex, ["alpha", "beta", "gamma"])


UNMODIFIED = {  # framework module -> a script written for OpenAI, printing the vector lengths
    "langchain_openai": """
import json
from langchain_openai import OpenAIEmbeddings

lc = OpenAIEmbeddings(model="text-embedding-3-small", api_key="sk-test-never-sent")
docs = lc.embed_documents(["hello world", "second"])
more = lc.embed_documents(["third"])
print(json.dumps([len(docs), len(docs[0]), len(more[0])]))
""",
    "llama_index.embeddings.openai": """
import json
from llama_index.embeddings.openai import OpenAIEmbedding

li = OpenAIEmbedding(model="text-embedding-3-small", api_key="sk-test-never-sent")
docs = li.get_text_embedding_batch(["hello world", "second"])
more = li.get_text_embedding_batch(["third"])
print(json.dumps([len(docs), len(docs[0]), len(more[0])]))
""",
}


@needs_pth
@pytest.mark.parametrize("module", list(UNMODIFIED))
def test_unmodified_under_openai_vertex_1(vertex: FakeVertex, key_file: Path, module: str) -> None:
    pytest.importorskip(module)
    cache = os.environ["TIKTOKEN_CACHE_DIR"]  # set by the tiktoken_cache fixture
    env = vertex_env(vertex, key_file, OPENAI_VERTEX="1", TIKTOKEN_CACHE_DIR=cache)
    env["OPENAI_VERTEX_MODEL_ALIASES"] = ALIASES
    assert report(run_python([sys.executable, "-c", UNMODIFIED[module]], env)) == [2, 3072, 3072]
    assert_embedded(vertex, ["hello world", "second", "third"])
