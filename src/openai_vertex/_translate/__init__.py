"""Translation of OpenAI request bodies into what Vertex accepts (pure functions, plus the image fetcher)."""
