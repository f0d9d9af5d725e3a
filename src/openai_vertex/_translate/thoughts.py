"""Keep Gemini's thought summaries out of ``content``.

Asked for thoughts (``google.thinking_config.include_thoughts``) without a ``thought_tag_marker``,
Vertex mixes the summary into ``content`` with nothing to tell it apart (vertex_compat.md §1.4).
With a marker it wraps each thought in ``<marker>…</marker>`` inside ``content``; there is no
``reasoning_content`` field. So the request side asks for a marker, and the response side moves the
tagged spans into ``reasoning_content`` - the field name several OpenAI-compatible servers use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["DEFAULT_MARKER", "ThoughtSplitter", "split_thoughts", "thought_marker", "with_thought_marker"]

DEFAULT_MARKER = "thought"


def _google_dicts(body: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """The ``google`` extension dicts of a body, documented form (``extra_body.google``) first."""
    found: list[tuple[str, Mapping[str, Any]]] = []
    extra = body.get("extra_body")
    if isinstance(extra, Mapping) and isinstance(extra.get("google"), Mapping):
        found.append(("extra_body", extra["google"]))
    if isinstance(body.get("google"), Mapping):
        found.append(("google", body["google"]))
    return found


def thought_marker(body: Mapping[str, Any]) -> str | None:
    """The ``thought_tag_marker`` a request body sets, in either wire form."""
    for _, google in _google_dicts(body):
        marker = google.get("thought_tag_marker")
        if isinstance(marker, str) and marker:
            return marker
    return None


def with_thought_marker(body: Mapping[str, Any], marker: str = DEFAULT_MARKER) -> dict[str, Any] | None:
    """A new body that asks Vertex to tag thoughts with ``marker``, or None when nothing is to do.

    Only when some ``google.thinking_config.include_thoughts`` is true and no marker is set anywhere:
    a marker the user chose is theirs (the response side then splits on it).
    """
    dicts = _google_dicts(body)
    if thought_marker(body) is not None:
        return None
    for where, google in dicts:
        thinking = google.get("thinking_config")
        if isinstance(thinking, Mapping) and thinking.get("include_thoughts") is True:
            tagged = {**google, "thought_tag_marker": marker}
            if where == "google":
                return {**body, "google": tagged}
            return {**body, "extra_body": {**body["extra_body"], "google": tagged}}
    return None


class ThoughtSplitter:
    """Splits a text that arrives in pieces into (content, reasoning) as the pieces arrive.

    Text outside tags flows through at once; only a trailing piece that could be the start of a tag
    is held back (at most ``len("</marker>") - 1`` characters) until the next piece decides it.
    """

    __slots__ = ("_close", "_open", "_pending", "in_thought")

    def __init__(self, marker: str) -> None:
        self._open = f"<{marker}>"
        self._close = f"</{marker}>"
        self._pending = ""
        self.in_thought = False

    def feed(self, text: str) -> tuple[str, str]:
        content: list[str] = []
        reasoning: list[str] = []
        buf = self._pending + text
        while True:
            tag = self._close if self.in_thought else self._open
            out = reasoning if self.in_thought else content
            pos = buf.find(tag)
            if pos < 0:
                keep = _partial_tag_start(buf, tag)
                out.append(buf[:keep])
                self._pending = buf[keep:]
                return "".join(content), "".join(reasoning)
            out.append(buf[:pos])
            buf = buf[pos + len(tag) :]
            self.in_thought = not self.in_thought

    def flush(self) -> tuple[str, str]:
        """Whatever is held back: it was not a tag after all (the text ended)."""
        pending, self._pending = self._pending, ""
        return ("", pending) if self.in_thought else (pending, "")


def _partial_tag_start(buf: str, tag: str) -> int:
    """Where a suffix of ``buf`` that is a proper prefix of ``tag`` starts (``len(buf)`` if none)."""
    i = buf.find("<", max(0, len(buf) - len(tag) + 1))
    while i >= 0:
        if tag.startswith(buf[i:]):
            return i
        i = buf.find("<", i + 1)
    return len(buf)


def split_thoughts(text: str, marker: str) -> tuple[str, str]:
    """(content, reasoning) of a whole text; an unclosed thought runs to the end."""
    splitter = ThoughtSplitter(marker)
    content, reasoning = splitter.feed(text)
    more_content, more_reasoning = splitter.flush()
    return content + more_content, reasoning + more_reasoning
