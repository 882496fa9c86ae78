"""Enrich: counts and metadata at document and section level."""

from __future__ import annotations

import re
from collections import Counter

from pipeline.schema import Document, RuleCount

# Letters and digits (`[^\W_]`: what `str.isalnum` accepts), joined by apostrophes, hyphens or
# points. `count_words` counts its matches without finding them (see there).
WORD = re.compile(r"[^\W_]+(?:['’\-.][^\W_]+)*")
JOINERS = "'’-."
# Each byte of UTF-8 text mapped to its class: W a letter or digit, J a joiner, space any other.
# Bytes of other characters are W: letters and digits; `count_words` first replaces the others.
BYTE_CLASSES = bytes(
    ord("W") if b >= 0x80 or chr(b).isalnum() else ord("J") if chr(b) in JOINERS else ord(" ")
    for b in range(256)
)
# A word starts at every W that does not continue one: after a space, or after a joiner that does
# not follow a W. The three never overlap, so `bytes.count` finds every start.
WORD_STARTS = (b" W", b" JW", b"JJW")
ASCII_BYTES = bytes(range(128))
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
    """How many matches of `WORD` `text` holds, counted in C on a class byte per UTF-8 byte.

    Other characters than letters and digits outside ASCII (a handful of distinct ones in a
    document: dashes, quotes) are first replaced by ASCII ones of their class; `BYTE_CLASSES`
    maps every byte to its class; the word starts are counted. A letter of several bytes is a run
    of W, which starts no more words than one. No list of every word, and several times faster
    than `findall`.
    """
    data = text.encode("utf-8", "surrogatepass")
    if len(data) != len(text):
        others = data.translate(None, ASCII_BYTES).decode("utf-8", "surrogatepass")  # whole characters
        for char in set(others):
            if not char.isalnum():
                data = data.replace(char.encode("utf-8", "surrogatepass"), b"'" if char in JOINERS else b" ")
    classes = b" " + data.translate(BYTE_CLASSES)
    return sum(map(classes.count, WORD_STARTS))


def count_rules(doc: Document) -> list[RuleCount]:
    counts = Counter(e.rule for e in doc.repairs)
    counts.update(e.rule for block in doc.blocks for e in block.edits)
    counts.update(m.kind for block in doc.blocks for m in block.marks)
    return [RuleCount(rule, n) for rule, n in sorted(counts.items())]
