"""openai-vertex."""
