"""What openai-vertex knows about Vertex's models without asking: embedding limits, the fallback listing.

Sources (read 2026-12): text embeddings
https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/embeddings/get-text-embeddings and
the model reference .../reference/models/text-embeddings-api; Gemini models
https://docs.cloud.google.com/vertex-ai/generative-ai/docs/models. `CATALOGUE_DATE` says when this table
was last checked; ``models.list()`` only uses it when Vertex's publisher-models listing does not answer.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CATALOGUE_DATE",
    "EMBEDDING_MODELS",
    "GEMINI_MODELS",
    "MAX_TOKENS_PER_REQUEST",
    "EmbeddingModel",
]

CATALOGUE_DATE = "2026-12-03"


@dataclass(frozen=True)
class EmbeddingModel:
    name: str
    max_dimensions: int
    max_inputs: int  # texts per :predict request
    max_input_tokens: int  # per text; longer texts are truncated when autoTruncate is on
    served_on_global: bool


# "Each request can only include a single input text" for gemini-embedding-001; "250 input texts for
# non-Gemini models"; 2,048 tokens per input; dimensions 3072 / 768 (get-text-embeddings page).
# Global: current gemini-embedding-001 samples set GOOGLE_CLOUD_LOCATION=global; the locations table
# lists "Embeddings for Text" in regional locations only, so the others are not sent to global.
EMBEDDING_MODELS: dict[str, EmbeddingModel] = {
    m.name: m
    for m in (
        EmbeddingModel("gemini-embedding-001", 3072, 1, 2048, served_on_global=True),
        EmbeddingModel("text-embedding-005", 768, 250, 2048, served_on_global=False),
        EmbeddingModel("text-multilingual-embedding-002", 768, 250, 2048, served_on_global=False),
    )
}
# "The maximum number of tokens per request is 20,000. Inputs exceeding this limit result in a 400 error."
MAX_TOKENS_PER_REQUEST = 20_000

# Gemini models Vertex serves through its OpenAI-compatible chat endpoint: "Supported models > Gemini
# models" of https://docs.cloud.google.com/vertex-ai/generative-ai/docs/migrate/openai/overview, each by
# its model id from https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/model-versions
# (same date). Ids the page no longer lists (gemini-2.0-*, gemini-3-pro-preview) are not offered.
GEMINI_MODELS: tuple[str, ...] = (
    "gemini-3.8-flash",
    "gemini-3.7-flash",
    "gemini-3.6-flash",
    "gemini-3.5-flash",
    "gemini-3.5-flash-lite",
    "gemini-3.1-pro-preview",
    "gemini-3.1-flash-lite",
    "gemini-3-flash-preview",
    "gemini-2.5-pro",
    "gemini-2.5-flash",
)
