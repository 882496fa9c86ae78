"""Enrich: word counts by their definition, whichever path (ASCII or not) a paragraph takes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.enrich import WORD, count_words


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Chiang Kai-shek's 160,000 men", 5),  # Chiang | Kai-shek's | 160 | 000 | men
        ("U.S. forces landed.", 3),  # a point joins letters, ends nothing
        ("naïve café – 2005", 3),  # the dash is not a word
        ("snake_case and l’amour", 4),  # an underscore separates; a curly apostrophe joins
        ("First paragraph.\n\nSecond — with ½ and Ⅻ.", 7),  # numbers of any script count
        ("", 0),
    ],
)
def test_count_words(text: str, words: int) -> None:
    assert count_words(text) == words


@given(st.text(st.one_of(st.sampled_from("ab9 _'’-.\n,éⅫ½–²\u0301٣中\ud800"), st.characters()), max_size=40))
def test_property_count_words_is_the_word_pattern_over_the_whole_text(text: str) -> None:
    assert count_words(text) == len(WORD.findall(text))
