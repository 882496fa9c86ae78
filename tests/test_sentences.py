"""Golden and property tests for the sentence splitter (pipeline/sentences.py).

Real sentences come from the SBD development set (GUM documents), the seeds and WikiText-2
(detokenised by hand); the 48 Golden Rules are read from where they are in the shared data.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.sentences import sentence_bounds, split_text

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
GOLDEN = SHARED / "sbd" / "golden_rules_en.jsonl"
DOCS = SHARED / "sbd" / "docs.jsonl"
SCORER = SHARED / "sbd" / "score.py"


def _rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# ------------------------------------------------------------------ the 48 Golden Rules
GOLDEN_ROWS = _rows(GOLDEN)


@pytest.mark.skipif(not GOLDEN_ROWS, reason="shared SBD data not available")
@pytest.mark.parametrize("rule", GOLDEN_ROWS, ids=lambda r: f"{r['id']:02d}-{r['name']}")
def test_golden_rule(rule):
    got = [s.strip() for s in split_text(rule["text"]) if s.strip()]
    assert got == [s.strip() for s in rule["sentences"]]


# ------------------------------------------------------------------ hard cases, real text
CASES = {
    # abbreviations, titles and initials
    "title before name": (
        "Japanese troops, commanded by Lt. Gen. Yasuhiko Asaka, launched an overwhelming assault on "
        "the Chinese city of Nanking in December 1937. This military action was part of the broader "
        "conflict of the Second Sino-Japanese War.",
        2,
    ),
    "initial before name": (
        "The American journalist F. Tillman Durdin, who was reporting on site during the battle, saw "
        "one small group of Chinese soldiers set up a barricade. They promised to die together.",
        2,
    ),
    "two initials": (
        'Daniel Bernoulli was described by W. W. Rouse Ball as "by far the ablest of the younger '
        'Bernoullis". He is said to have had a bad relationship with his father.',
        2,
    ),
    "initial then starter": ("He finished second behind R. A. Dickey. He won the next year.", 2),
    "letter label": (
        "The ships served in the Imperial Japanese Navy during World War I. Originally intended to be "
        "repeats of the Fusō class, they were redesigned.",
        2,
    ),
    "list after colon": (
        "He would account for it within three basic factors: 1. The nature of the message.",
        1,
    ),
    "No. before number": (
        "No. 20 Squadron is a Royal Australian Air Force (RAAF) support squadron. No. 20 Squadron was "
        "formed at Port Moresby, New Guinea, on 1 August 1941 for a general reconnaissance role, under "
        "the command of Squadron Leader W.N. Gibson.",
        2,
    ),
    "St. place name": (
        "He was a contemporary and close friend of Leonhard Euler. He went to St. Petersburg in 1724 "
        "as professor of mathematics, but was very unhappy there.",
        2,
    ),
    "U.S. before noun": (
        "Fillmore spent three years in the U.S. Army stationed in Japan, where he intercepted coded "
        "Russian conversations. Following his discharge, he taught English.",
        2,
    ),
    "U.S. at sentence end": ("I have lived in the U.S. How about you?", 2),
    "Mr. inside quotes": (
        'The name "Marbles" comes from her dog "Mr. Marbles". As of January 2019, Marbles\'s YouTube '
        "channel had about 19 million subscribers.",
        2,
    ),
    "c. before number": (
        "From the Airport you can take cab for c. IRR200,000 to the city centre. Since most people "
        "are going there anyway, you can always ask people to share taxi.",
        2,
    ),
    "c. before year": ("He was born c. 1900 in St. Louis, Missouri. He died in 1960.", 2),
    "approx. and ca.": (
        "We applied it to a corpus of approx. 3750 sonnets by ca. 1000 authors, from the 15th to the "
        "19th century. What is the interest of such large-scale analysis?",
        2,
    ),
    "b. before month": (
        "They have two daughters, Matilda Eve Goode (b. March 2009) and Teddie Eleanor Rose Goode "
        "(b. September 2013). Career highlights followed.",
        2,
    ),
    "Jr. before noun": (
        "Richard L. Jones, Jr. Airport (IATA: RVS) is south of downtown and is a general aviation airport.",
        1,
    ),
    "lit.": ('Nanjing (lit. "Southern Capital") was the capital. Beijing lies to the north.', 2),
    "et al.": ("Smith et al. (2005) agree with this view. Others do not.", 2),
    "Vol. roman": ("See Vol. II. The end.", 2),
    # times and decimals
    "p.m. at end": (
        "At 1:00 p.m. on December 10 General Matsui ordered all units to launch a full-scale attack "
        "on Nanking. That day the SEA assaulted the peaks of Zijinshan.",
        2,
    ),
    "p.m. before capital": ("The attack began at 1:00 p.m. The defenders fell back.", 2),
    "decimal": (
        "It caused enormous disruption to Chinese society: the census of 754 recorded 52.9 million "
        "people, but ten years later, the census counted just 16.9 million. Many had died.",
        2,
    ),
    "money": ("She has $100.00. It is in her bag.", 2),
    # quotations, brackets, ellipses
    "quote ends sentence": (
        'Tang complained that "we are fighting against metal with merely flesh and blood." He did '
        "not retreat.",
        2,
    ),
    "quote inside sentence": ('She turned to him, "This is great." she said.', 1),
    "exclamation in name": ("She works at Yahoo! in the accounting department.", 1),
    "question then bracket": (
        "She gave impressive performances in the Fernandel vehicle Meurtres? (Three Sinners, 1950) "
        "and alongside Jean Gabin.",
        1,
    ),
    "citation markers": (
        "He died in 2014. [4] He was buried in Berkeley. [5][6] His legacy continues.",
        3,
    ),
    "ellipsis inside": ("I wasn't really ... well, what I mean . . . I didn't mean it.", 1),
    "ellipsis in title": (
        "She won the award for Seven Days ... Seven Nights (1960), the BAFTA Award for Best Foreign Actress.",
        1,
    ),
    "four-dot ellipsis": ("I never meant that.... She left the store.", 2),
    "number in brackets": (
        'Israel " (Ez. 25,14). Nero became terrified.',
        2,
    ),
    # lists, headings, captions
    "inline list": ("1. The first item 2. The second item", 2),
    "numbered heading": ("2.1. New Institutional Economics, Property Rights, and Credibility", 1),
    "figure caption": ("Figure 1. Original and mutant application.", 1),
    # non-Latin text
    "Cyrillic": ("Он пришёл домой. Она ушла.", 2),
    "Greek": ("Ἐν ἀρχῇ ἦν ὁ λόγος. Καὶ ὁ λόγος ἦν πρὸς τὸν θεόν.", 2),
    "Chinese": ("南京是中国的城市。它位于长江边。", 2),
    "Hindi": ("वह घर आया। वह चला गया।", 2),
    "Chinese inside English": ("Nanjing (Chinese: 南京; pinyin: Nánjīng) is a city. It is old.", 2),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hard_case(name):
    text, n = CASES[name]
    got = split_text(text)
    assert len(got) == n, got
    assert "".join("".join(s.split()) for s in got) == "".join(text.split())


def test_footnote_number_stays_with_its_sentence():
    text = "authors are expected to pay a publication fee. 8 Yet some journals appear to have lapsed."
    assert split_text(text) == [
        "authors are expected to pay a publication fee. 8",
        "Yet some journals appear to have lapsed.",
    ]


def test_spaced_ellipsis_after_period_starts_next_sentence():
    text = "words into compounds. . . . The practice was not abandoned. . . ."
    assert split_text(text) == ["words into compounds.", ". . . The practice was not abandoned. . . ."]


def test_spaced_closing_quote_from_detokeniser():
    text = 'He said, " We will get to the bottom of this. " On July 19, the UFC announced it.'
    assert split_text(text) == [
        'He said, " We will get to the bottom of this. "',
        "On July 19, the UFC announced it.",
    ]


# ------------------------------------------------------------------ paragraphs, headings, lines
def test_paragraph_break_ends_sentence():
    text = "The city was founded in 1900 by Mr\n\nSmith and others. It grew."
    assert split_text(text) == ["The city was founded in 1900 by Mr", "Smith and others.", "It grew."]


def test_heading_lines_of_plain_text_article():
    seed = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    files = sorted(seed.glob("001_*.txt"))
    text = (
        files[0].read_text(encoding="utf-8")
        if files
        else (
            "Assault on Nanking by Japanese Troops\nJapanese troops, commanded by Lt. Gen. Yasuhiko Asaka, "
            "launched an overwhelming assault on the Chinese city of Nanking in December 1937.\n"
            "What Happened?\nThe assault on Nanking occurred during the Second Sino-Japanese War."
        )
    )
    got = split_text(text)
    assert got[0] == "Assault on Nanking by Japanese Troops"
    assert got[1].startswith("Japanese troops, commanded by Lt. Gen. Yasuhiko Asaka, launched")
    assert "What Happened?" in got


def test_headings_and_list_lines():
    text = "History\nThe city was founded in 1900. It grew.\n\nIngredients:\n- flour\n- sugar\nMix well."
    assert split_text(text) == [
        "History",
        "The city was founded in 1900.",
        "It grew.",
        "Ingredients:",
        "- flour",
        "- sugar",
        "Mix well.",
    ]


def test_wrapped_lines_are_whitespace():
    text = (
        "This is a hard-wrapped paragraph of text that continues on\n"
        "the next line and the line before ended with no\n"
        "punctuation at all because it was wrapped at a fixed Width\n"
        "Number of columns. It should be two sentences."
    )
    assert len(split_text(text)) == 2


def test_sentence_bounds():
    text = "  Hello World. My name is Jonas.  "
    assert sentence_bounds(text) == [(2, 14), (15, 32)]
    assert [text[a:b] for a, b in sentence_bounds(text)] == ["Hello World.", "My name is Jonas."]
    assert sentence_bounds("") == [] and sentence_bounds(" \n\t ") == []


# ------------------------------------------------------------------ development set (GUM)
def _scorer():
    spec = importlib.util.spec_from_file_location("sbd_score", SCORER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.skipif(not DOCS.exists(), reason="shared SBD data not available")
def test_docs_cite_f1():
    score = _scorer()
    tp = fp = fn = 0
    for doc in _rows(DOCS):
        ref = score.nows(doc["text"])
        ends, damaged, _ = score.align(ref, split_text(doc["text"]))
        assert damaged == 0
        gold = score.cite_canon(ref, set(score.gold_boundaries(doc)))
        hyp = score.cite_canon(ref, {e for e in ends if 0 < e < len(ref)})
        tp, fp, fn = tp + len(gold & hyp), fp + len(hyp - gold), fn + len(gold - hyp)
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert f1 >= 0.98


# ------------------------------------------------------------------ properties
ALPHABET = st.sampled_from(
    [*"aAbBzZ019 .  ..!?\n\n\t\"'“”‘’()[]•⁃-–:;,…。」「", "Mr.", "U.S.", " [12]", "1.", "St.", "p.m."]
)
TEXTS = st.one_of(st.text(max_size=200), st.lists(ALPHABET, max_size=80).map("".join))


def _check_tiling(text: str, spans: list[tuple[int, int]]) -> None:
    pos = 0
    for start, end in spans:
        assert pos <= start < end <= len(text)
        assert text[pos:start].strip() == ""  # only whitespace between spans
        assert not text[start].isspace() and not text[end - 1].isspace()
        pos = end
    assert text[pos:].strip() == ""


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_spans_tile_non_space_text(text):
    spans = sentence_bounds(text)
    _check_tiling(text, spans)
    assert split_text(text) == [text[a:b] for a, b in spans]


@settings(max_examples=150, deadline=None)
@given(TEXTS)
def test_deterministic(text):
    assert sentence_bounds(text) == sentence_bounds(text)
    assert split_text(text) == split_text(text)
