"""Detokenise: a document's lines → clean blocks (title, headings, paragraphs).

WikiText lines become heading and paragraph blocks; malformed headings are repaired and
paragraphs split mid-sentence by a blank line are joined, each change recorded as an
`Edit`. The text of every block goes through the paragraph detokeniser in
`pipeline.detok`. Plain-text articles are not tokenised: each line becomes a `line`
block that the segment stage classifies.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from pipeline.detok import detokenise as detokenise_text
from pipeline.edits import shifted
from pipeline.ingest import HEADING, heading_level
from pipeline.schema import Block, Document, Edit

# A paragraph that ends like this is finished; one that does not may have been cut.
CLOSED_END = regex.compile(r"""[.!?:;]["'”’)\]]*$|["”’)\]]$""")
# The next paragraph continues a cut one when it starts like the middle of a sentence.
CONTINUES = regex.compile(r"^\s*\p{Ll}")


@dataclass(frozen=True)
class DetokeniseSettings:
    disabled_rules: frozenset[str] = frozenset()
    join_split_paragraphs: bool = True


DEFAULT_SETTINGS = DetokeniseSettings()


def detokenise_document(doc: Document, settings: DetokeniseSettings = DEFAULT_SETTINGS) -> Document:
    """Fill `doc.blocks` (and the clean title) from `doc.lines`.

    The lines are then dropped: every non-blank line lives on as a block's `raw` text, and
    later stages need not read and write them again.
    """
    if doc.source_format == "plain":
        doc.blocks = plain_blocks(doc)
        doc.lines = []
        return doc
    blocks = [clean_block(b, settings.disabled_rules) for b in wikitext_blocks(doc)]
    if settings.join_split_paragraphs:
        blocks = join_split_paragraphs(doc, blocks, settings.disabled_rules)
    flag_cut_off(blocks)
    doc.blocks = blocks
    doc.lines = []
    if blocks and blocks[0].kind == "title":
        doc.title = blocks[0].text
    return doc


def plain_blocks(doc: Document) -> list[Block]:
    return [
        Block("line", 0, doc.line_start + i, doc.line_start + i, line, line)
        for i, line in enumerate(doc.lines)
        if line.strip()
    ]


def wikitext_blocks(doc: Document) -> list[Block]:
    """One block per non-blank line: headings by their `=` markup, the rest paragraphs."""
    blocks: list[Block] = []
    for i, line in enumerate(doc.lines):
        if not line.strip():
            continue
        number = doc.line_start + i
        heading = heading_level(line)
        if heading is not None:
            kind = "title" if not blocks and heading[0] == 1 else "heading"
            blocks.append(Block(kind, heading[0], number, number, line))
        else:
            blocks.append(Block("paragraph", 0, number, number, line))
    return blocks


def clean_block(block: Block, disabled: frozenset[str]) -> Block:
    """Detokenise a block; for headings, only the text inside the `=` markup."""
    if block.kind == "paragraph":
        result = detokenise_text(block.raw, disabled)
        block.text, block.edits, block.marks, block.flags = (
            result.text,
            result.edits,
            result.marks,
            result.flags,
        )
        return block
    match = HEADING.match(block.raw)
    inner_start, inner_end = match.span("text")
    result = detokenise_text(match.group("text"), disabled)
    edits = [heading_markup_edit(block, match, inner_start)]
    edits += [shifted(e, inner_start) for e in result.edits]
    edits.append(
        Edit(
            "heading.markup",
            "delete",
            block.raw[inner_end:],
            "",
            inner_end,
            len(block.raw),
            len(result.text),
            len(result.text),
        )
    )
    block.text, block.edits, block.marks = result.text, edits, result.marks
    block.flags = block.flags + result.flags
    return block


def heading_markup_edit(block: Block, match: regex.Match, inner_start: int) -> Edit:
    """The `=` markup before a heading's text; malformed markup gets its own rule name."""
    left, right = match.group("left"), match.group("right")
    well_formed = left == " ".join("=" * block.level) and right == left
    rule = "heading.markup" if well_formed else "heading.repair"
    if not well_formed:
        block.flags.append(f"malformed_heading:{left.strip()}|{right.strip()}")
    return Edit(rule, "delete", block.raw[:inner_start], "", 0, inner_start, 0, 0)


def join_split_paragraphs(doc: Document, blocks: list[Block], disabled: frozenset[str]) -> list[Block]:
    """Join a paragraph that ends mid-sentence with the next one when that one continues it.

    Only across blank lines: in WikiText every line is a paragraph, so a blank line inside
    a sentence is damage, while adjacent lines are separate paragraphs (lists, tables).
    """
    joined: list[Block] = []
    for block in blocks:
        prev = joined[-1] if joined else None
        if (
            prev is not None
            and prev.kind == block.kind == "paragraph"
            and block.line_start > prev.line_end + 1
            and not CLOSED_END.search(prev.text)
            and CONTINUES.match(block.text)
        ):
            raw = "\n".join(doc.lines[prev.line_start - doc.line_start : block.line_end - doc.line_start + 1])
            merged = Block("paragraph", 0, prev.line_start, block.line_end, raw)
            merged = clean_block(merged, disabled)
            for edit in merged.edits:
                if "\n" in edit.before:
                    edit.rule = "paragraph.join"
            merged.flags = sorted(set(prev.flags + block.flags + ["joined_paragraphs"]))
            joined[-1] = merged
        else:
            joined.append(block)
    return joined


def flag_cut_off(blocks: list[Block]) -> None:
    """Flag paragraphs that end without closing punctuation (cut off, list or table row)."""
    for block in blocks:
        if block.kind == "paragraph" and block.text and not CLOSED_END.search(block.text):
            block.flags.append("ends_without_punctuation")
