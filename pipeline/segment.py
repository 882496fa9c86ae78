"""Segment: clean blocks → document text, a section tree, paragraphs and sentences.

The document text is the blocks' clean text joined by blank lines (list items by single
newlines). Sections nest by heading level, a skipped level (2 → 4) nesting under the
nearest open section; every section, paragraph and sentence is a span of that text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.edits import shifted
from pipeline.plaintext import classify_lines
from pipeline.schema import Block, Document, Edit, Section, Sentence, Span
from pipeline.sentences import split_sentences

PARAGRAPH_KINDS = ("paragraph", "item")


@dataclass
class _OpenSection:
    section: Section
    blocks: list[int] = field(default_factory=list)


def segment_document(doc: Document) -> Document:
    if doc.source_format == "plain":
        doc.blocks = classify_plain_blocks(doc.blocks)
    doc.text, positions = assemble_text(doc.blocks)
    doc.sections, owner = build_sections(doc, positions)
    doc.sentences = split_into_sentences(doc, positions, owner)
    return doc


def classify_plain_blocks(blocks: list[Block]) -> list[Block]:
    """Give plain-text lines their roles (title, heading, item, paragraph) by layout.

    The classifier sees the article's lines as they were, blank lines included (blank gaps
    are part of the layout); a hard-wrapped line is joined to the paragraph it continues.
    """
    if not blocks:
        return []
    first = blocks[0].line_start
    lines = [""] * (blocks[-1].line_end - first + 1)
    for block in blocks:
        lines[block.line_start - first] = block.raw
    roles = classify_lines(lines)
    classified: list[Block] = []
    for block in blocks:
        role = roles[block.line_start - first]
        if role.kind == "blank":
            continue
        line = plain_line_block(block, role.kind, role.level, role.text_start, role.text_end)
        if role.continues and classified:
            classified[-1] = unwrap(classified[-1], line)
        else:
            classified.append(line)
    return classified


def plain_line_block(block: Block, kind: str, level: int, start: int, end: int) -> Block:
    """One line's block: its content without surrounding space or a list bullet (recorded)."""
    content = block.raw[start:end]
    edits = []
    if start:
        dropped = "bullet" if block.raw[:start].strip() else "space"
        edits.append(Edit(f"plain.{dropped}", "delete", block.raw[:start], "", 0, start, 0, 0))
    if end < len(block.raw):
        n = len(content)
        edits.append(Edit("plain.space", "delete", block.raw[end:], "", end, len(block.raw), n, n))
    return Block(
        kind, level, block.line_start, block.line_end, block.raw, content, edits, block.marks, block.flags
    )


def unwrap(first: Block, following: Block) -> Block:
    """Join a hard-wrapped line to the paragraph or item it continues; the break becomes a space."""
    raw = first.raw + "\n" + following.raw
    shift_raw, shift_clean = len(first.raw) + 1, len(first.text) + 1
    tail = next((e for e in first.edits if e.raw_end == len(first.raw) and e.raw_start > 0), None)
    lead = next((e for e in following.edits if e.raw_start == 0), None)
    gap_start = tail.raw_start if tail else len(first.raw)
    gap_end = shift_raw + (lead.raw_end if lead else 0)
    edits = [e for e in first.edits if e is not tail]
    edits.append(
        Edit(
            "plain.unwrap",
            "space",
            raw[gap_start:gap_end],
            " ",
            gap_start,
            gap_end,
            len(first.text),
            shift_clean,
        )
    )
    edits += [shifted(e, shift_raw, shift_clean) for e in following.edits if e is not lead]
    text = first.text + " " + following.text
    return Block(
        first.kind,
        first.level,
        first.line_start,
        following.line_end,
        raw,
        text,
        edits,
        first.marks,
        first.flags,
    )


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
    for block_index, (block, span) in enumerate(zip(doc.blocks, positions, strict=True)):
        if block.kind not in PARAGRAPH_KINDS:
            continue
        for sentence_index, s in enumerate(split_sentences(block.text)):
            start, end = span.start + s.start, span.start + s.end
            sentences.append(
                Sentence(
                    sentence_id=f"{doc.doc_id}-{len(sentences):05d}",
                    doc_id=doc.doc_id,
                    section_id=doc.sections[owner[block_index]].section_id,
                    split=doc.split,
                    paragraph_index=paragraph_index,
                    sentence_index=sentence_index,
                    start=start,
                    end=end,
                    text=doc.text[start:end],
                    block_index=block_index,
                    line_start=block.line_start,
                    line_end=block.line_end,
                )
            )
        paragraph_index += 1
    return sentences
