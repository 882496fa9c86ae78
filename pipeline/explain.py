"""Explain: why a paragraph or sentence reads as it does (raw, clean, and each rule's change)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.ingest import logical_name
from pipeline.schema import Block, Document


@dataclass
class Explanation:
    doc: Document
    block: Block
    sentence_text: str | None = None


class NotFound(LookupError):
    pass


def find_by_line(documents: Iterable[Document], file_name: str, line: int) -> Explanation:
    name = logical_name_of(file_name)
    for doc in documents:
        if doc.source_file == name and doc.line_start <= line <= doc.line_end:
            for block in doc.blocks:
                if block.line_start <= line <= block.line_end:
                    return Explanation(doc, block)
            raise NotFound(f"{file_name}:{line} is a blank line of {doc.title!r}")
    raise NotFound(f"{file_name}:{line} is in no document (see the quarantine in the validate report)")


def find_by_sentence(documents: Iterable[Document], doc_id: str, sentence_index: int) -> Explanation:
    for doc in documents:
        if doc.doc_id == doc_id:
            if not 0 <= sentence_index < len(doc.sentences):
                raise NotFound(f"document {doc_id} has {len(doc.sentences)} sentences")
            sentence = doc.sentences[sentence_index]
            return Explanation(doc, doc.blocks[sentence.block_index], sentence.text)
    raise NotFound(f"no document {doc_id}")


def logical_name_of(file_name: str) -> str:
    from pathlib import Path

    return logical_name(Path(file_name))


def render(ex: Explanation) -> str:
    b = ex.block
    out = [
        f"document  {ex.doc.doc_id}  {ex.doc.title!r}  "
        f"({ex.doc.source_file}, lines {b.line_start}-{b.line_end})",
        f"block     {b.kind}"
        + (f" level {b.level}" if b.level else "")
        + (f"  flags: {', '.join(b.flags)}" if b.flags else ""),
        "",
        "raw:   " + b.raw.replace("\n", "⏎"),
        "clean: " + b.text,
    ]
    if ex.sentence_text is not None:
        out.append("sentence: " + ex.sentence_text)
    out += ["", f"{'rule':<24} {'raw':>11}  {'before':<14} → after"]
    for e in b.edits:
        before, after = e.before.replace("\n", "⏎"), e.after.replace("\n", "⏎")
        out.append(f"{e.rule:<24} {e.raw_start:>5}-{e.raw_end:<5}  {before!r:<14} → {after!r}")
    for m in b.marks:
        out.append(f"{'mark ' + m.kind:<24} {m.start:>5}-{m.end:<5}  {b.text[m.start : m.end]!r}")
    return "\n".join(out)
