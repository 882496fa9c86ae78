"""Detokenise: a document's lines → clean blocks (title, headings, paragraphs, list items).

WikiText lines become heading and paragraph blocks; malformed headings are repaired and
paragraphs split mid-sentence by a blank line are joined, each change recorded as an
`Edit`. The text of every block goes through the paragraph detokeniser in
`pipeline.detok`. Plain-text articles are not tokenised: their lines are given their roles
by layout (`pipeline.plaintext`), list bullets and hard wraps removed and recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from pipeline.detok import detokenise as detokenise_text
from pipeline.edits import shifted
from pipeline.ingest import HEADING, heading_level
from pipeline.plaintext import LineRole, classify_lines
from pipeline.schema import Block, Document, Edit

# A paragraph that ends like this is finished; one that does not may have been cut: sentence
# punctuation, then only closing quotes or brackets; or a closing quote or bracket that is not
# an apostrophe. `ends_closed` tells it from the end of the text, not by a search that tries
# every position (a tenth of the time).
SENTENCE_END = (".", "!", "?", ":", ";")
CLOSING = ('"', "”", "’", ")", "]")
# The next paragraph continues a cut one when it starts like the middle of a sentence.
CONTINUES = regex.compile(r"^\s*\p{Ll}")


@dataclass(frozen=True)
class DetokeniseSettings:
    disabled_rules: frozenset[str] = frozenset()
    join_split_paragraphs: bool = True


DEFAULT_SETTINGS = DetokeniseSettings()
# The fields `detokenise_document` sets (the stage's output keeps its input's other columns).
DETOKENISE_WRITES = ("title", "lines", "blocks")


def detokenise_document(doc: Document, settings: DetokeniseSettings = DEFAULT_SETTINGS) -> Document:
    """Fill `doc.blocks` (and the clean title) from `doc.lines`.

    The lines are then dropped: every non-blank line lives on as a block's `raw` text, and
    later stages need not read and write them again.
    """
    if doc.source_format == "plain":
        doc.blocks = plain_text_blocks(doc)
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


def plain_text_blocks(doc: Document) -> list[Block]:
    """Blocks of a plain-text article: its lines given their roles (title, heading, item,
    paragraph) by layout.

    The classifier sees the article's lines from its first non-blank one to its last, blank
    lines included (blank gaps are part of the layout) and whitespace-only ones emptied; a
    hard-wrapped line is joined to the paragraph it continues.
    """
    filled = [i for i, line in enumerate(doc.lines) if line.strip()]
    if not filled:
        return []
    first = filled[0]
    roles = classify_lines([line if line.strip() else "" for line in doc.lines[first : filled[-1] + 1]])
    blocks: list[Block] = []
    for i in filled:
        role = roles[i - first]
        if role.kind == "blank":
            continue
        block = plain_line_block(doc.line_start + i, doc.lines[i], role)
        if role.continues and blocks:
            blocks[-1] = unwrap(blocks[-1], block)
        else:
            blocks.append(block)
    return blocks


def plain_line_block(number: int, raw: str, role: LineRole) -> Block:
    """Line `number`'s block: its content without surrounding space or a list bullet (recorded)."""
    start, end = role.text_start, role.text_end
    content = raw[start:end]
    edits = []
    if start:
        dropped = "bullet" if raw[:start].strip() else "space"
        edits.append(Edit(f"plain.{dropped}", "delete", raw[:start], "", 0, start, 0, 0))
    if end < len(raw):
        n = len(content)
        edits.append(Edit("plain.space", "delete", raw[end:], "", end, len(raw), n, n))
    return Block(role.kind, role.level, number, number, raw, content, edits)


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
            and not ends_closed(prev.text)
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


def ends_closed(text: str) -> bool:
    """`text` ends like a finished paragraph (see `SENTENCE_END`, `CLOSING`); as a regex `$`, a
    final newline is allowed."""
    text = text.removesuffix("\n")
    return text.endswith(CLOSING) or text.rstrip("".join(CLOSING) + "'").endswith(SENTENCE_END)


def flag_cut_off(blocks: list[Block]) -> None:
    """Flag paragraphs that end without closing punctuation (cut off, list or table row)."""
    for block in blocks:
        if block.kind == "paragraph" and block.text and not ends_closed(block.text):
            block.flags.append("ends_without_punctuation")
