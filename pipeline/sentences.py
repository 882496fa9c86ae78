"""Sentence splitter for clean encyclopedic English (baseline; being replaced)."""

from __future__ import annotations

import regex

from pipeline.schema import Span

_BOUNDARY = regex.compile(r"(?<=[.!?][\"')\]]*)\s+(?=[\"'(\[]*\p{Lu})")


def split_sentences(text: str) -> list[Span]:
    """Spans of the sentences of one paragraph; they cover all its non-space text."""
    spans: list[Span] = []
    start = len(text) - len(text.lstrip())
    for m in _BOUNDARY.finditer(text):
        if m.start() > start:
            spans.append(Span(start, m.start()))
        start = m.end()
    end = len(text.rstrip())
    if end > start:
        spans.append(Span(start, end))
    return spans


def split_text(text: str) -> list[str]:
    """Sentences of a text whose paragraphs are separated by blank lines."""
    sentences: list[str] = []
    for paragraph in regex.split(r"\n\s*\n", text):
        sentences.extend(paragraph[s.start : s.end] for s in split_sentences(paragraph))
    return sentences
