"""Paragraph-level WikiText detokeniser (baseline; being replaced by the full rule set)."""

from __future__ import annotations

from dataclasses import dataclass, field

import regex

from pipeline.schema import Edit, Mark

_TOKEN = regex.compile(r"\S+")
_MARKERS = {"@-@": "-", "@,@": ",", "@.@": "."}
_ATTACH_LEFT = {",", ".", ";", ":", "!", "?", ")", "]", "}", "%", "'s", "n't", "'re", "'ve", "'ll", "'d", "'m"}
_ATTACH_RIGHT = {"(", "[", "{", "$", "#"}


@dataclass
class Detokenised:
    text: str
    edits: list[Edit] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


def detokenise(raw: str, disabled: frozenset[str] = frozenset()) -> Detokenised:
    """Detokenise one paragraph of WikiText; any whitespace run is a token boundary."""
    out: list[str] = []
    edits: list[Edit] = []
    prev_end = None
    glue_next = False
    first = _TOKEN.search(raw)
    if first and first.start():
        edits.append(Edit("space.strip", "space", raw[: first.start()], "", 0, first.start(), 0, 0))
    for m in _TOKEN.finditer(raw):
        tok = m.group()
        clean_tok = _MARKERS.get(tok, tok)
        joined = prev_end is not None and (glue_next or tok in _MARKERS or clean_tok in _ATTACH_LEFT)
        if prev_end is not None:
            gap = raw[prev_end : m.start()]
            sep = "" if joined else " "
            if gap != sep:
                pos = sum(map(len, out))
                edits.append(Edit("space.join" if joined else "space.collapse", "space", gap, sep, prev_end, m.start(), pos, pos + len(sep)))
            out.append(sep)
        pos = sum(map(len, out))
        if clean_tok != tok:
            edits.append(Edit("marker", "replace", tok, clean_tok, m.start(), m.end(), pos, pos + len(clean_tok)))
        out.append(clean_tok)
        glue_next = tok in _MARKERS or clean_tok in _ATTACH_RIGHT
        prev_end = m.end()
    text = "".join(out)
    if prev_end is not None and prev_end < len(raw):
        edits.append(Edit("space.strip", "space", raw[prev_end:], "", prev_end, len(raw), len(text), len(text)))
    return Detokenised(text, edits)
