"""Segment: clean blocks → document text, a section tree, paragraphs and sentences.

The document text is the blocks' clean text joined by blank lines (list items by single
newlines). Sections nest by heading level, a skipped level (2 → 4) nesting under the
nearest open section; every section, paragraph and sentence is a span of that text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.schema import Block, Document, Section, Sentence, Span
from pipeline.sentences import sentence_bounds

PARAGRAPH_KINDS = ("paragraph", "item")
# The fields `segment_document` sets (the stage's output keeps its input's other columns).
SEGMENT_WRITES = ("text", "sections", "sentences")


@dataclass
class _OpenSection:
    section: Section
    blocks: list[int] = field(default_factory=list)


def segment_document(doc: Document) -> Document:
    """Fill `text`, `sections` and `sentences` from the blocks (which it leaves as they are)."""
    doc.text, positions = assemble_text(doc.blocks)
    doc.sections, owner = build_sections(doc, positions)
    doc.sentences = split_into_sentences(doc, positions, owner)
    return doc


def assemble_text(blocks: list[Block]) -> tuple[str, list[Span]]:
    """Join block texts; return the text and each block's span in it."""
    parts: list[str] = []
    positions: list[Span] = []
    offset = 0
    prev_kind = None
    for block in blocks:
        if parts:
            sep = "\n" if block.kind == prev_kind == "item" else "\n\n"
            parts.append(sep)
            offset += len(sep)
        positions.append(Span(offset, offset + len(block.text)))
        parts.append(block.text)
        offset += len(block.text)
        prev_kind = block.kind
    return "".join(parts), positions


def build_sections(doc: Document, positions: list[Span]) -> tuple[list[Section], list[int]]:
    """The section tree, and for each block the index of the section that owns it."""
    sections: list[Section] = []
    stack: list[Section] = []
    owner: list[int] = []

    def open_section(heading: str, level: int, kind: str, start: int) -> Section:
        while stack and stack[-1].level >= level:
            stack.pop()
        parent = stack[-1] if stack else None
        path = ([*parent.path] if parent else []) + ([heading] if heading or not parent else [])
        section = Section(
            section_id=f"{doc.doc_id}-s{len(sections):04d}",
            doc_id=doc.doc_id,
            split=doc.split,
            heading=heading,
            level=level,
            path=path,
            parent_id=parent.section_id if parent else None,
            index=len(sections),
            start=start,
            end=start,
            kind=kind,
        )
        sections.append(section)
        stack.append(section)
        return section

    for block, span in zip(doc.blocks, positions, strict=True):
        if block.kind == "title" and not sections:
            open_section(block.text, 1, "lead", span.start)
        elif block.kind == "heading":
            open_section(block.text, max(block.level, 2), "section", span.start)
        else:
            if not sections:
                open_section(doc.title, 1, "lead", span.start)
            current = stack[-1]
            if block.kind == "item" and current.kind != "list":
                current = open_section("", current.level + 1, "list", span.start)
            elif block.kind != "item" and current.kind == "list":
                stack.pop()
                current = stack[-1]
            if block.kind in PARAGRAPH_KINDS:
                current.paragraphs.append(Span(span.start, span.end))
        owner.append(stack[-1].index)
        for section in stack:
            section.end = max(section.end, span.end)
    return sections, owner


def split_into_sentences(doc: Document, positions: list[Span], owner: list[int]) -> list[Sentence]:
    sentences: list[Sentence] = []
    paragraph_index = 0
    doc_id, split, text = doc.doc_id, doc.split, doc.text
    for block_index, (block, span) in enumerate(zip(doc.blocks, positions, strict=True)):
        if block.kind not in PARAGRAPH_KINDS:
            continue
        section_id = doc.sections[owner[block_index]].section_id
        base, line_start, line_end = span.start, block.line_start, block.line_end
        for sentence_index, (a, b) in enumerate(sentence_bounds(block.text)):
            start, end = base + a, base + b
            sentences.append(
                Sentence(  # positional: this runs for every sentence of the corpus
                    f"{doc_id}-{len(sentences):05d}",  # sentence_id
                    doc_id,
                    section_id,
                    split,
                    paragraph_index,
                    sentence_index,
                    start,
                    end,
                    text[start:end],
                    block_index,
                    line_start,
                    line_end,
                )
            )
        paragraph_index += 1
    return sentences
