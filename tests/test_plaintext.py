"""Plain-text article structure by layout: the seed and hand-written articles of the genre."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.detokenise import detokenise_document
from pipeline.edits import apply_edits
from pipeline.ingest import Sidecar, ingest_file
from pipeline.plaintext import classify_lines
from pipeline.segment import segment_document
from tests.conftest import SEEDS

FIXTURES = Path(__file__).parent / "data" / "plaintext"

# Roles of the non-blank lines, checked by hand against each file.
EXPECTED = {
    "key_points.txt": [
        "title",
        "paragraph",
        "heading",
        "item",
        "item",
        "item",
        "heading",
        "paragraph",
        "paragraph",
        "paragraph",
    ],
    "no_list.txt": ["title", "paragraph", "heading", "paragraph", "paragraph", "heading", "paragraph"],
    "wrapped.txt": [
        "title",
        "paragraph",
        "paragraph",
        "paragraph",
        "heading",
        "paragraph",
        "paragraph",
        "paragraph",
    ],
}


def roles(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").split("\n")
    return [r.kind for r in classify_lines(lines) if r.kind != "blank"]


def segmented(path: Path):
    (doc,) = ingest_file(path, Sidecar(), "plain").documents
    return segment_document(detokenise_document(doc))


def test_seed_roles() -> None:
    assert roles(SEEDS / "001_85fa657f670b8bbb.txt") == [
        "title",
        "paragraph",
        "item",
        "item",
        "item",
        "item",
        "heading",
        "paragraph",
        "paragraph",
        "paragraph",
        "heading",
        "paragraph",
    ]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_roles(name: str) -> None:
    assert roles(FIXTURES / name) == EXPECTED[name]


def test_headings_open_sections_and_lists_keep_their_items() -> None:
    doc = segmented(FIXTURES / "key_points.txt")
    kinds = [(s.kind, s.heading) for s in doc.sections]
    assert kinds[0] == ("lead", "Flooding Closes Rail Line Between Two Cities")
    assert ("section", "Key Points:") in kinds
    assert ("section", "What Caused the Collapse?") in kinds
    (facts,) = [s for s in doc.sections if s.kind == "list"]
    items = [doc.text[p.start : p.end] for p in facts.paragraphs]
    assert items == [
        "More than 120 millimetres of rain fell in 36 hours.",
        "About 40,000 passengers use the line each weekday.",
        "Replacement buses run every 15 minutes.",
    ]
    assert [s.text for s in doc.sentences if s.section_id == facts.section_id] == items


def test_a_short_sentence_paragraph_is_not_a_heading() -> None:
    doc = segmented(FIXTURES / "no_list.txt")
    headings = [s.heading for s in doc.sections]
    assert headings == ["The Old Harbour Lighthouse", "Background", "Why It Matters"]
    assert "The lamp was first lit in October 1872." in [s.text for s in doc.sentences]


def test_hard_wrapped_lines_become_one_paragraph() -> None:
    doc = segmented(FIXTURES / "wrapped.txt")
    paragraphs = [b for b in doc.blocks if b.kind == "paragraph"]
    assert len(paragraphs) == 2
    assert (
        "on the site of the former bus depot, ending a debate that had lasted nearly three years."
        in paragraphs[0].text
    )
    for block in doc.blocks:
        assert apply_edits(block.raw, block.edits) == block.text
    assert any(e.rule == "plain.unwrap" for e in paragraphs[0].edits)


def test_bullets_are_dropped_and_recorded() -> None:
    doc = segmented(FIXTURES / "key_points.txt")
    item = next(b for b in doc.blocks if b.kind == "item")
    assert item.text.startswith("More than")
    assert item.edits[0].rule == "plain.bullet"


line_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=120)


@given(st.lists(line_text, max_size=30))
def test_property_one_role_per_line_within_bounds(lines: list[str]) -> None:
    result = classify_lines(lines)
    assert len(result) == len(lines)
    for line, role in zip(lines, result, strict=True):
        assert 0 <= role.text_start <= role.text_end <= len(line)
        if role.kind != "blank":
            assert line[role.text_start : role.text_end].strip()
