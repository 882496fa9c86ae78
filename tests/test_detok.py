"""The paragraph detokeniser: every rule's golden cases, the verified gold set, invariants."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.detok import RULES, detokenise, retokenise
from pipeline.edits import apply_edits
from tests.conftest import SEEDS, WT2_RAW, shared_file

GOLD = [json.loads(line) for line in shared_file("data", "detok-gold", "gold.jsonl").read_text().splitlines()]

# Spellings from real WikiText-2 paragraphs (wiki.test.raw / wiki.valid.raw) and the seed.
REAL_CASES = [
    (" Chiang Kai @-@ shek ", "Chiang Kai-shek"),
    ("a crowd of 160 @,@ 000 people", "a crowd of 160,000 people"),
    ("a 43 @.@ 08 @-@ mile ( 69 @.@ 33 km ) state highway", "a 43.08-mile (69.33 km) state highway"),
    ("1 @, @ 000 men and 1 @. @ 2 km", "1,000 men and 1.2 km"),
    ("At around 9 : 00 am that morning", "At around 9:00 am that morning"),
    ("awarded $ 1 in damages", "awarded $1 in damages"),
    ("About 24 @.@ 6 % of families", "About 24.6% of families"),
    ("as his colleague at AT & T Co , Otto Zobel", "as his colleague at AT&T Co, Otto Zobel"),
    ("the Delaware & Raritan Canal", "the Delaware & Raritan Canal"),
    ('only becoming " lobster red " on cooking', 'only becoming "lobster red" on cooking'),
    ('" Sorry " was one of the first tracks', '"Sorry" was one of the first tracks'),
    ('tracks ( " The Vent " ) to fiery', 'tracks ("The Vent") to fiery'),
    ("Nanking 's fortified walls", "Nanking's fortified walls"),
    ("I don 't know , and I 'm sure you 're right", "I don't know, and I'm sure you're right"),
    ("the city of Chang 'an", "the city of Chang'an"),
    ("in the 1960s and ' 70s , most hotels", "in the 1960s and '70s, most hotels"),
    ("Verginius ' forces easily defeated", "Verginius' forces easily defeated"),
    ("designated ' A ' through to ' E ' .", "designated 'A' through to 'E'."),
    ("with a 17 – 7 record", "with a 17–7 record"),
    ("( August 21 , 1926 – December 5 , 1994 )", "(August 21, 1926 – December 5, 1994)"),
    ("( c. 4 BC – 65 )", "(c. 4 BC–65)"),
    ("the night of December 12 ? 13 when", "the night of December 12–13 when"),
    ("a natural east – west trade route", "a natural east–west trade route"),
    ("the troop of tanks — came up against", "the troop of tanks—came up against"),
    ("Burn / Chatroom / Citizenship", "Burn/Chatroom/Citizenship"),
    (
        "Bintulu / biːnˈtuːluː / ( Chinese : 民都魯 ; pinyin : Míndūlǔ )",
        "Bintulu /biːnˈtuːluː/ (Chinese: 民都魯; pinyin: Míndūlǔ)",
    ),
    ("Pe ̍ h @-@ ōe @-@ jī", "Pe̍h-ōe-jī"),
    (
        "the 1st Croatian Guards Brigade ( 1 @.@  hrvatski gardijski zdrug )",
        "the 1st Croatian Guards Brigade (1. hrvatski gardijski zdrug)",
    ),
    ("the British steamship *Ladybird* on the Yangtze", "the British steamship Ladybird on the Yangtze"),
    ("The <unk> was built in 1890 .", "The <unk> was built in 1890."),
    ('Rowin Foula doon ! " ', 'Rowin Foula doon!"'),  # a quote ending the text closes
    (
        'that it " ... wistfully evokes',
        'that it "... wistfully evokes',
    ),  # an ellipsis may follow an opening one
]


@pytest.mark.parametrize(("raw", "clean"), REAL_CASES)
def test_real_cases(raw: str, clean: str) -> None:
    assert detokenise(raw).text == clean


@pytest.mark.parametrize(
    ("rule", "raw", "clean"), [(r.name, raw, clean) for r in RULES.values() for raw, clean in r.examples]
)
def test_every_rule_example(rule: str, raw: str, clean: str) -> None:
    result = detokenise(raw)
    assert result.text == clean
    if raw.split() != clean.split():
        assert rule in {e.rule for e in result.edits} or rule == "space.collapse"


def test_gold_set_is_restored_exactly() -> None:
    exact = sum(detokenise(row["raw"]).text == row["gold"] for row in GOLD)
    assert exact / len(GOLD) >= 0.98


def test_disabled_rule_is_not_applied() -> None:
    assert detokenise("AT & T", frozenset({"amp.acronym"})).text == "AT & T"
    assert detokenise("Japan 's", frozenset({"clitic"})).text == "Japan 's"


def test_emphasis_is_kept_as_a_mark() -> None:
    result = detokenise("the British steamship *Ladybird* on the Yangtze")
    (mark,) = result.marks
    assert result.text[mark.start : mark.end] == "Ladybird"
    assert mark.kind == "emphasis"


def test_unbalanced_quote_is_flagged() -> None:
    assert "unbalanced_quotes" in detokenise('He said " yes and left .').flags


def test_trailing_space_does_not_matter() -> None:
    line = "He was convinced that the conquest of Nanking would provoke the fall ."
    assert detokenise(line).text == detokenise(" " + line + " ").text == detokenise(line + "\n").text


def test_seed_paragraphs_keep_their_words() -> None:
    for line in (SEEDS / "000_9effd60b1a05fa4f.txt").read_text().splitlines():
        result = detokenise(line)
        assert apply_edits(line, result.edits) == result.text


def real_paragraphs(limit: int = 1500) -> list[str]:
    lines = (WT2_RAW / "wiki.valid.raw").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.lstrip().startswith("= ")][:limit]


def test_round_trip_through_the_retokeniser() -> None:
    paragraphs = real_paragraphs()
    same = sum(retokenise(detokenise(p).text) == " ".join(p.split()) for p in paragraphs)
    assert same / len(paragraphs) >= 0.98


@given(st.sampled_from(real_paragraphs(400)))
def test_property_real_paragraphs_round_trip_content(raw: str) -> None:
    """Only whitespace and the markers change; the edits rebuild the text."""
    result = detokenise(raw)
    assert apply_edits(raw, result.edits) == result.text
    strip = "".join(raw.replace("@-@", "-").replace("@,@", ",").replace("@.@", ".").split())
    assert "".join(result.text.split()) == strip


@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_property_any_text_edits_rebuild_it(raw: str) -> None:
    result = detokenise(raw)
    assert apply_edits(raw, result.edits) == result.text
    for edit in result.edits:
        assert 0 <= edit.raw_start <= edit.raw_end <= len(raw)
        assert 0 <= edit.clean_start <= edit.clean_end <= len(result.text)
        assert result.text[edit.clean_start : edit.clean_end] == edit.after


@given(st.from_regex(r"[A-Za-z]+( [A-Za-z]+){0,12}", fullmatch=True))
def test_property_clean_words_are_unchanged(text: str) -> None:
    assert detokenise(text).text == text
