"""Enrich: counts and metadata at document and section level."""

from __future__ import annotations

import re
from collections import Counter

from pipeline.schema import Document, RuleCount

# Letters and digits (`[^\W_]`: `\p{L}\p{N}` by Python's Unicode tables), joined by apostrophes,
# hyphens or points. The standard `re` finds them twice as fast as `regex` with `\p{...}` classes.
WORD = re.compile(r"[^\W_]+(?:['’\-.][^\W_]+)*")
# The same words in ASCII text (four paragraphs in five) are counted without finding them: each
# byte is mapped to its class (W: letter or digit, J: a joiner of the pattern, space: any other),
# and a word starts at every W that does not continue one: after a space, or after a joiner that
# does not follow a W (" W", " JW", "JJW"; the three never overlap, so `bytes.count` finds them).
ASCII_CLASSES = bytes(
    ord("W") if chr(b).isascii() and chr(b).isalnum() else ord("J") if chr(b) in "'-." else ord(" ")
    for b in range(256)
)
WORD_STARTS = (b" W", b" JW", b"JJW")
UNK = "<unk>"
# The fields `enrich_document` sets (the stage's output keeps its input's other columns).
ENRICH_WRITES = (
    "n_chars",
    "n_words",
    "n_sentences",
    "n_sections",
    "unk_count",
    "sections",
    "rule_counts",
    "flags",
)


def enrich_document(doc: Document) -> Document:
    doc.n_chars = len(doc.text)
    doc.n_words = count_words(doc.text)
    doc.n_sentences = len(doc.sentences)
    doc.n_sections = len(doc.sections)
    doc.unk_count = doc.text.count(UNK)
    per_section = Counter(s.section_id for s in doc.sentences)
    for section in doc.sections:
        section.n_sentences = per_section[section.section_id]
    doc.rule_counts = count_rules(doc)
    doc.flags = sorted({flag.split(":", 1)[0] for block in doc.blocks for flag in block.flags})
    return doc


def count_words(text: str) -> int:
    """How many matches of `WORD` `text` holds; other text a paragraph at a time (no list of every
    word of a huge text at once)."""
    if text.isascii():
        return count_ascii_words(text)
    paragraphs = text.split("\n\n")
    return sum(count_ascii_words(p) if p.isascii() else len(WORD.findall(p)) for p in paragraphs)


def count_ascii_words(text: str) -> int:
    """`len(WORD.findall(text))` for ASCII `text`, counted in C on its bytes' classes."""
    classes = b" " + text.encode("ascii").translate(ASCII_CLASSES)
    return sum(map(classes.count, WORD_STARTS))


def count_rules(doc: Document) -> list[RuleCount]:
    counts = Counter(e.rule for e in doc.repairs)
    counts.update(e.rule for block in doc.blocks for e in block.edits)
    counts.update(m.kind for block in doc.blocks for m in block.marks)
    return [RuleCount(rule, n) for rule, n in sorted(counts.items())]
