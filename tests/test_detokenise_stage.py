"""The detokenise stage on whole documents: headings, joins of split paragraphs, flags."""

from __future__ import annotations

import regex
from hypothesis import given
from hypothesis import strategies as st

from pipeline.detokenise import DEFAULT_SETTINGS, DetokeniseSettings, detokenise_document, ends_closed
from pipeline.edits import apply_edits
from pipeline.ingest import Sidecar, ingest_file
from pipeline.schema import Document
from tests.conftest import SEEDS, WT2_RAW


def seed_document(settings: DetokeniseSettings = DEFAULT_SETTINGS) -> Document:
    (doc,) = ingest_file(SEEDS / "000_9effd60b1a05fa4f.txt", Sidecar()).documents
    return detokenise_document(doc, settings)


def test_headings_are_levelled_and_cleaned() -> None:
    doc = seed_document()
    headings = [(b.level, b.text) for b in doc.blocks if b.kind in ("title", "heading")]
    assert headings[0] == (1, "Battle of Nanking")
    assert (2, "Prelude to the battle") in headings
    assert (3, "Japan's decision to capture Nanking") in headings


def test_malformed_heading_is_repaired_and_recorded() -> None:
    doc = seed_document()
    block = next(b for b in doc.blocks if b.text == "Collapse of the Nanking Garrison Force")
    assert block.level == 3
    assert any(e.rule == "heading.repair" and e.before == "== = " for e in block.edits)
    assert any(f.startswith("malformed_heading") for f in block.flags)


def test_paragraph_split_mid_sentence_is_joined() -> None:
    doc = seed_document()
    block = next(
        b for b in doc.blocks if "He was convinced that the conquest of the Chinese capital" in b.text
    )
    assert block.line_start < block.line_end
    assert "joined_paragraphs" in block.flags
    assert any(e.rule == "paragraph.join" for e in block.edits)


def test_joining_can_be_switched_off() -> None:
    doc = seed_document(DetokeniseSettings(join_split_paragraphs=False))
    assert not any("joined_paragraphs" in b.flags for b in doc.blocks)
    cut = next(b for b in doc.blocks if b.text.endswith("He was convinced that the"))
    assert "ends_without_punctuation" in cut.flags


def test_adjacent_lines_are_never_joined_in_files_without_blank_lines() -> None:
    doc = next(
        d
        for d in ingest_file(WT2_RAW / "wiki.test.raw", Sidecar()).documents
        if d.title == "Chad at the 2008 Summer Olympics"
    )
    doc = detokenise_document(doc)
    assert not any("joined_paragraphs" in b.flags for b in doc.blocks)


def test_every_block_is_explained_by_its_edits() -> None:
    for doc in [
        seed_document(),
        *map(detokenise_document, ingest_file(WT2_RAW / "wiki.valid.raw", Sidecar()).documents[:10]),
    ]:
        for block in doc.blocks:
            assert apply_edits(block.raw, block.edits) == block.text, (doc.title, block.line_start)


def test_plain_text_is_not_detokenised_only_given_its_roles() -> None:
    (doc,) = ingest_file(SEEDS / "001_85fa657f670b8bbb.txt", Sidecar()).documents
    doc = detokenise_document(doc)
    assert {b.kind for b in doc.blocks} == {"title", "heading", "paragraph", "item"}
    assert all(e.rule.startswith("plain.") for b in doc.blocks for e in b.edits)
    assert all(apply_edits(b.raw, b.edits) == b.text for b in doc.blocks)


# What a finished paragraph's end is, as a regex: `ends_closed` must agree with it on any text.
CLOSED_END = regex.compile(r"""[.!?:;]["'”’)\]]*$|["”’)\]]$""")


@given(st.text(alphabet=".!?:;\"'”’)]a \n", max_size=8))
def test_property_ends_closed_is_the_closed_end_pattern(text: str) -> None:
    assert ends_closed(text) == bool(CLOSED_END.search(text))


def test_ends_closed_on_real_paragraphs() -> None:
    doc = detokenise_document(ingest_file(WT2_RAW / "wiki.valid.raw", Sidecar()).documents[0])
    texts = [b.text for b in doc.blocks]
    assert [ends_closed(t) for t in texts] == [bool(CLOSED_END.search(t)) for t in texts]
    assert any(map(ends_closed, texts)) and not all(map(ends_closed, texts))
