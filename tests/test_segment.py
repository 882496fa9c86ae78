"""Segment: section trees, paragraphs and sentences as spans of the document text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipeline.detokenise import detokenise_document
from pipeline.ingest import Sidecar, ingest_file
from pipeline.schema import Block, Document
from pipeline.segment import segment_document
from tests.conftest import SEEDS, WT2_RAW


def segmented(path, index: int = 0) -> Document:
    doc = ingest_file(path, Sidecar()).documents[index]
    return segment_document(detokenise_document(doc))


def blank_document(blocks: list[Block], fmt: str = "wikitext-raw") -> Document:
    return Document("d", "T", "f", fmt, "train", "x", None, "en", "0", 1, 1, blocks=blocks)


def test_seed_section_tree() -> None:
    doc = segmented(SEEDS / "000_9effd60b1a05fa4f.txt")
    by_heading = {s.heading: s for s in doc.sections}
    lead = doc.sections[0]
    assert (lead.kind, lead.heading, lead.path, lead.parent_id) == (
        "lead",
        "Battle of Nanking",
        ["Battle of Nanking"],
        None,
    )
    japan = by_heading["Japan's decision to capture Nanking"]
    prelude = by_heading["Prelude to the battle"]
    assert japan.parent_id == prelude.section_id
    assert prelude.start <= japan.start < japan.end <= prelude.end
    assert doc.text[prelude.start : prelude.start + len(prelude.heading)] == prelude.heading


def test_plain_text_sections_lead_list_and_headings() -> None:
    doc = segmented(SEEDS / "001_85fa657f670b8bbb.txt")
    kinds = [(s.kind, s.heading) for s in doc.sections]
    assert kinds[0] == ("lead", "Assault on Nanking by Japanese Troops")
    assert ("section", "What Happened?") in kinds
    assert ("section", "Why Does it Matter?") in kinds
    (facts,) = [s for s in doc.sections if s.kind == "list"]
    items = [doc.text[p.start : p.end] for p in facts.paragraphs]
    assert items[0] == "Nanking was the capital of China at the time."
    assert len(items) == 4
    item_sentences = [s for s in doc.sentences if s.section_id == facts.section_id]
    assert [s.text for s in item_sentences] == items


def test_heading_with_no_body_is_kept_and_skipped_levels_nest() -> None:
    blocks = [
        Block("title", 1, 1, 1, "", "Title"),
        Block("heading", 2, 2, 2, "", "Empty"),
        Block("heading", 2, 3, 3, "", "Two"),
        Block("heading", 4, 4, 4, "", "Four"),
        Block("paragraph", 0, 5, 5, "", "Body text."),
    ]
    doc = segment_document(blank_document(blocks))
    by_heading = {s.heading: s for s in doc.sections}
    assert by_heading["Empty"].paragraphs == []
    assert by_heading["Four"].parent_id == by_heading["Two"].section_id
    assert by_heading["Four"].path == ["Title", "Two", "Four"]


def test_sentences_are_spans_of_the_document_text() -> None:
    for doc in ingest_file(WT2_RAW / "wiki.valid.raw", Sidecar()).documents[:8]:
        doc = segment_document(detokenise_document(doc))
        for s in doc.sentences:
            assert doc.text[s.start : s.end] == s.text
            section = doc.sections[int(s.section_id.rsplit("s", 1)[1])]
            assert section.start <= s.start < s.end <= section.end


paragraph_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=80)


@given(st.lists(st.tuples(st.sampled_from(["paragraph", "heading", "item"]), paragraph_text), max_size=12))
def test_property_blocks_sections_and_sentences_stay_inside_the_text(parts) -> None:
    blocks = [Block("title", 1, 1, 1, "", "T")]
    blocks += [
        Block(kind, 2 if kind == "heading" else 0, i + 2, i + 2, text, text)
        for i, (kind, text) in enumerate(parts)
    ]
    doc = segment_document(blank_document(blocks))
    for s in doc.sentences:
        assert 0 <= s.start < s.end <= len(doc.text)
        assert doc.text[s.start : s.end] == s.text
    for section in doc.sections:
        assert 0 <= section.start <= section.end <= len(doc.text)
        for p in section.paragraphs:
            assert section.start <= p.start <= p.end <= section.end
    covered = "".join(s.text for s in doc.sentences)
    body = "".join(b.text for b in blocks if b.kind != "title" and b.kind != "heading")
    assert "".join(covered.split()) == "".join(body.split())
