"""Plain-text article structure by layout: the seed and hand-written articles of the genre."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.detokenise import detokenise_document
from pipeline.edits import apply_edits
from pipeline.ingest import Sidecar, ingest_file
from pipeline.plaintext import HEADING_MAX_WORDS, ITEM_MAX_CHARS, classify_lines
from pipeline.segment import segment_document
from tests.conftest import SEEDS

FIXTURES = Path(__file__).parent / "data" / "plaintext"
SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "001_85fa657f670b8bbb.txt"
# Fixtures whose expected roles (one per line, blank lines included) are in a sidecar .json.
SIDECARS = sorted(FIXTURES.glob("*.json"))

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


# ---------------------------------------------------------------- sidecar fixtures


def read_lines(path: Path) -> list[str]:
    """Lines as ingest splits them: any of CRLF, LF, CR; no newline characters kept."""
    return re.split(r"\r\n|\n|\r", path.read_bytes().decode("utf-8"))


def content(line: str, role) -> str:
    return line[role.text_start : role.text_end]


@pytest.mark.parametrize("path", SIDECARS, ids=lambda p: p.stem)
def test_sidecar_fixture_roles(path: Path) -> None:
    lines = read_lines(path.with_suffix(".txt"))
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert [r.kind for r in classify_lines(lines)] == expected


def test_there_are_enough_sidecar_fixtures() -> None:
    assert len(SIDECARS) >= 6
    for path in SIDECARS:
        assert path.with_suffix(".txt").exists()


def test_seed_from_shared_directory() -> None:
    lines = read_lines(SEED)
    result = classify_lines(lines)
    by_text = {content(line, r): r for line, r in zip(lines, result, strict=True)}
    assert result[0].kind == "title" and result[0].level == 1
    assert content(lines[0], result[0]) == "Assault on Nanking by Japanese Troops"
    assert result[1].kind == "paragraph" and result[1].level == 0
    for heading in ("What Happened?", "Why Does it Matter?"):
        assert by_text[heading].kind == "heading" and by_text[heading].level == 2
    assert [r.kind for r in result[2:6]] == ["item"] * 4
    assert content(lines[2], result[2]) == "Nanking was the capital of China at the time."
    assert [r.kind for r in result[6:]].count("item") == 0


def test_crlf_bullets_and_numbers_are_dropped_from_content() -> None:
    lines = read_lines(FIXTURES / "colon_headings_bullets_crlf.txt")
    result = classify_lines(lines)
    items = [content(line, r) for line, r in zip(lines, result, strict=True) if r.kind == "item"]
    assert items[0] == "The explosion occurred at 1:23 a.m. local time."
    assert items[-1] == "A concrete sarcophagus was built over the reactor within seven months."
    assert not any(i.startswith(("-", "1", "2", "3")) for i in items if not i.startswith("28"))
    assert all(not content(line, r).endswith("\r") for line, r in zip(lines, result, strict=True))


def test_markdown_markers_are_dropped_from_content() -> None:
    lines = read_lines(FIXTURES / "fragment_facts_markdown.txt")
    result = classify_lines(lines)
    assert content(lines[0], result[0]) == "The Treaty of Versailles"
    headings = [content(line, r) for line, r in zip(lines, result, strict=True) if r.kind == "heading"]
    assert headings == ["What Did the Treaty Require?", "Main Terms", "Why Was It Controversial?"]


def test_hard_wrapped_lines_are_marked_as_continuations() -> None:
    lines = read_lines(FIXTURES / "hard_wrapped.txt")
    result = classify_lines(lines)
    assert [r.continues for r in result[3:8]] == [False, True, True, True, True]
    # a wrapped bulleted item: the indented second line continues the item
    assert content(lines[18], result[18]).startswith("Black Sunday")
    assert result[19].kind == "item" and result[19].continues
    assert not result[20].continues


# ---------------------------------------------------------------- single rules

LONG = (
    "The treaty was negotiated over six months by the delegations of the victorious powers, "
    "and its terms were presented to the German delegation with little room for discussion. "
    "It was signed in the Hall of Mirrors."
)
assert len(LONG) > ITEM_MAX_CHARS


def kinds(lines: list[str]) -> list[str]:
    return [r.kind for r in classify_lines(lines)]


@pytest.mark.parametrize(
    "heading",
    [
        "What Happened?",
        "Why Does it Matter?",
        "Key Points:",
        "Why It Matters",
        "Why it matters",
        "Background",
        "The Road to War (1914–1918)",
        "How the City Fell and What Came Next",
        "## Aftermath",
        "**Aftermath**",
    ],
)
def test_short_unpunctuated_line_before_body_is_a_heading(heading: str) -> None:
    assert kinds(["Title", LONG, heading, LONG]) == ["title", "paragraph", "heading", "paragraph"]


@pytest.mark.parametrize(
    "line",
    [
        "The treaty was signed in June.",  # a sentence
        "It was never ratified by the United States!",
        "and the negotiations dragged on",  # lower-case start: a fragment of prose
        "- Signed in June",  # a bulleted line is an item, never a heading
        " ".join(["Word"] * (HEADING_MAX_WORDS + 1)),  # too long for a heading
    ],
)
def test_lines_that_are_not_headings(line: str) -> None:
    assert kinds(["Title", LONG, line, LONG])[2] != "heading"


def test_one_short_sentence_between_long_paragraphs_is_a_paragraph() -> None:
    assert kinds(["Title", LONG, "Few expected it to last.", LONG]) == ["title"] + ["paragraph"] * 3


def test_heading_like_line_at_the_end_without_body_is_a_paragraph() -> None:
    assert kinds(["Title", LONG, "Further Reading"]) == ["title", "paragraph", "paragraph"]
    assert kinds(["Title", LONG, "Further Reading", "", "  "]) == [
        "title",
        "paragraph",
        "paragraph",
        "blank",
        "blank",
    ]


def test_two_heading_like_lines_in_a_row_only_the_second_has_a_body() -> None:
    assert kinds(["Title", LONG, "Aftermath", "Why It Matters", LONG])[2:4] == ["paragraph", "heading"]


def test_fragment_facts_stay_items_before_a_heading() -> None:
    lines = ["Title", LONG, "Capital of China since 1928", "Site of a major massacre", "What Happened?", LONG]
    assert kinds(lines) == ["title", "paragraph", "item", "item", "heading", "paragraph"]


def test_label_value_fields_closing_a_run_before_a_paragraph_are_items() -> None:
    lines = ["Title", LONG, "Key Facts:", "Date: 1937", "Place: Nanking", LONG]
    assert kinds(lines) == ["title", "paragraph", "heading", "item", "item", "paragraph"]


def test_a_heading_followed_by_one_short_sentence() -> None:
    lines = ["Title", LONG, "Legacy", "The city was rebuilt after the war.", LONG]
    assert kinds(lines) == ["title", "paragraph", "heading", "paragraph", "paragraph"]


def test_two_short_sentences_are_a_list_not_one_sentence() -> None:
    lines = ["Title", LONG, "The city fell on 13 December.", "Tens of thousands were killed.", LONG]
    roles = classify_lines(lines)
    assert [r.kind for r in roles] == ["title", "paragraph", "item", "item", "paragraph"]
    assert [content(lines[i], roles[i]) for i in (2, 3)] == [lines[2], lines[3]]


def test_numbered_section_heading_but_numbered_list_items() -> None:
    assert kinds(["Title", LONG, "1. Background", LONG])[2] == "heading"
    assert kinds(["Title", LONG, "1. Capital of China", "2. Site of a massacre", LONG])[2:4] == [
        "item",
        "item",
    ]


def test_no_title_when_the_file_starts_with_a_paragraph() -> None:
    assert kinds([LONG, "Background", LONG]) == ["paragraph", "heading", "paragraph"]


def test_decoration_lines_are_blank_and_setext_underline_marks_a_heading() -> None:
    lines = ["Title", "=====", LONG, "***", "Aftermath", "---------", LONG]
    assert kinds(lines) == ["title", "blank", "paragraph", "blank", "heading", "blank", "paragraph"]


def test_invisible_characters_and_spaces_are_outside_the_content() -> None:
    lines = ["\ufeff  Title\t", "\u00a0" + LONG + " \r", "  •\tA fact about it.", "• Another fact."]
    roles = classify_lines(lines)
    assert [content(line, r) for line, r in zip(lines, roles, strict=True)] == [
        "Title",
        LONG,
        "A fact about it.",
        "Another fact.",
    ]
    assert [r.kind for r in roles] == ["title", "paragraph", "item", "item"]


def test_empty_input() -> None:
    assert classify_lines([]) == []
    assert kinds(["", "   ", "\t"]) == ["blank"] * 3


# ---------------------------------------------------------------- properties

LEVELS = {"title": 1, "heading": 2, "item": 0, "paragraph": 0, "blank": 0}


@given(st.lists(st.text(max_size=200), max_size=40))
def test_property_arbitrary_text_never_raises(lines: list[str]) -> None:
    result = classify_lines(lines)
    assert len(result) == len(lines)
    for line, role in zip(lines, result, strict=True):
        assert role.kind in LEVELS and role.level == LEVELS[role.kind]
        assert 0 <= role.text_start <= role.text_end <= len(line)
        if role.kind == "blank":
            assert role.text_start == role.text_end
        else:
            assert role.text_end > role.text_start


article_line = st.one_of(
    st.just(""),
    st.just(LONG),
    st.sampled_from(["What Happened?", "Key Points:", "Why It Matters", "Background", "## Legacy"]),
    st.sampled_from(["The city fell.", "Date: 1937", "Thousands fled the city", "It was over."]),
    st.sampled_from(["- ", "* ", "• ", "1. ", "  "]).map(lambda b: b + "A short fact about it."),
    st.sampled_from(["***", "-----", "=====", "   ", "\r"]),
)


@given(st.lists(article_line, max_size=40))
def test_property_article_shaped_input(lines: list[str]) -> None:
    result = classify_lines(lines)
    assert len(result) == len(lines)
    kinds_ = [r.kind for r in result]
    assert kinds_.count("title") <= 1
    non_blank = [i for i, k in enumerate(kinds_) if k != "blank"]
    if "title" in kinds_:
        assert kinds_.index("title") == non_blank[0]
    if non_blank:
        assert kinds_[non_blank[-1]] != "heading"  # a heading always has something after it
    for line, role in zip(lines, result, strict=True):
        text = line[role.text_start : role.text_end]
        if role.kind != "blank":
            assert text == text.strip() and text
            assert not text.startswith(("- ", "* ", "• ", "1. ", "#"))
        if role.kind == "heading":
            assert not text.endswith(".")


@given(st.lists(article_line, max_size=30))
def test_property_pure_and_deterministic(lines: list[str]) -> None:
    copy = list(lines)
    assert classify_lines(lines) == classify_lines(copy)
    assert lines == copy
