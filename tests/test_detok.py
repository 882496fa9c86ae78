"""The paragraph detokeniser: every rule's golden cases, the verified gold set, invariants."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.detok import RULES, detokenise, retokenise
from pipeline.edits import apply_edits

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SEEDS = DATA.parent / "seeds"
GOLD = [json.loads(line) for line in (DATA / "detok-gold" / "gold.jsonl").read_text().splitlines() if line]

# Spellings from real WikiText paragraphs (wiki.test.raw / wiki.valid.raw / wikitext-103 and
# the seed), each with the original Wikipedia spelling, grouped by the rule they exercise.
REAL_CASES = {
    "marker": [
        (" Chiang Kai @-@ shek ", "Chiang Kai-shek"),
        ("a crowd of 160 @,@ 000 people", "a crowd of 160,000 people"),
        ("a 43 @.@ 08 @-@ mile ( 69 @.@ 33 km ) state highway", "a 43.08-mile (69.33 km) state highway"),
        ("1 @, @ 000 men and 1 @. @ 2 km", "1,000 men and 1.2 km"),
        ("kilometers ( 1 @. @ 2 miles ) of the city", "kilometers (1.2 miles) of the city"),
        ("1 @ ,@ 000 and 2 @ . @ 5", "1,000 and 2.5"),
        (
            "the 1st Croatian Guards Brigade ( 1 @.@  hrvatski gardijski zdrug )",
            "the 1st Croatian Guards Brigade (1. hrvatski gardijski zdrug)",
        ),
    ],
    "punct": [
        ("At around 9 : 00 am that morning", "At around 9:00 am that morning"),
        ("At 18 : 05 that day , Chiang", "At 18:05 that day, Chiang"),
        ("awarded $ 1 in damages", "awarded $1 in damages"),
        ("caused US $ 230 @,@ 000 ( ¥ 27 @.@ 8 million )", "caused US$230,000 (¥27.8 million)"),
        ("reached No. 2 on Peak # 2", "reached No. 2 on Peak #2"),
        ("About 24 @.@ 6 % of families", "About 24.6% of families"),
        ("conquer Nanking ... By staying", "conquer Nanking... By staying"),
        ("Fort Riley ( Kansas ) [ 1 ] ; it", "Fort Riley (Kansas) [1]; it"),
        ("Why ? Because !", "Why? Because!"),
        ("a Grade II * listed tower", "a Grade II* listed tower"),
    ],
    "amp": [
        ("as his colleague at AT & T Co , Otto Zobel", "as his colleague at AT&T Co, Otto Zobel"),
        ("Alabama A & M and", "Alabama A&M and"),
        ("the Delaware & Raritan Canal", "the Delaware & Raritan Canal"),
        ("Lewis & Clark", "Lewis & Clark"),
    ],
    "quote": [
        ('only becoming " lobster red " on cooking', 'only becoming "lobster red" on cooking'),
        ('" Sorry " was one of the first tracks', '"Sorry" was one of the first tracks'),
        ('tracks ( " The Vent " ) to fiery', 'tracks ("The Vent") to fiery'),
        ('an " operation restriction line " preventing', 'an "operation restriction line" preventing'),
        ('Rowin Foula doon ! " ', 'Rowin Foula doon!"'),  # a quote ending the text closes
        ('that it " ... wistfully evokes', 'that it "... wistfully evokes'),
        ('and " \'65 Love Affair " was', 'and "\'65 Love Affair" was'),
        ("designated ' A ' through to ' E ' .", "designated 'A' through to 'E'."),
        ("infantry companies — ' C ' Company", "infantry companies—'C' Company"),
        ("into “ China Proper ” and", "into “China Proper” and"),
        ("the Coaches ’ Award .", "the Coaches’ Award."),
    ],
    "clitic": [
        ("Nanking 's fortified walls", "Nanking's fortified walls"),
        ("I don 't know , and I 'm sure you 're right", "I don't know, and I'm sure you're right"),
        ("we can 't say I 've seen it", "we can't say I've seen it"),
        ("it does n't matter", "it doesn't matter"),
        ("you don ’ t wanna", "you don’t wanna"),
        ("at Applebee ’ s to", "at Applebee’s to"),
        ("the city of Chang 'an", "the city of Chang'an"),
        ("in the 1960s and ' 70s , most hotels", "in the 1960s and '70s, most hotels"),
        ("Verginius ' forces easily defeated", "Verginius' forces easily defeated"),
        ("would cut off the defenders ' retreat .", "would cut off the defenders' retreat."),
    ],
    "dash": [
        ("with a 17 – 7 record", "with a 17–7 record"),
        ("the night of December 12 – 13", "the night of December 12–13"),
        ("from 2000 – 2005 .", "from 2000–2005."),
        ("( August 21 , 1926 – December 5 , 1994 )", "(August 21, 1926 – December 5, 1994)"),
        ("( c. 4 BC – 65 )", "(c. 4 BC–65)"),
        ("Hrvatska vojska – HV )", "Hrvatska vojska – HV)"),
        ("a natural east – west trade route", "a natural east–west trade route"),
        ("the troop of tanks — came up against", "the troop of tanks—came up against"),
        ("naval escorts — HMAS Sydney — engaged", "naval escorts—HMAS Sydney—engaged"),
        ("the former M ‑ 54 in", "the former M‑54 in"),
    ],
    "slash": [
        ("Burn / Chatroom / Citizenship", "Burn/Chatroom/Citizenship"),
        ("winds ( 150 km / h ) and / or", "winds (150 km/h) and/or"),
        ("went 6 2 ⁄ 3 innings", "went 6 2⁄3 innings"),
        (
            "Bintulu / biːnˈtuːluː / ( Chinese : 民都魯 ; pinyin : Míndūlǔ )",
            "Bintulu /biːnˈtuːluː/ (Chinese: 民都魯; pinyin: Míndūlǔ)",
        ),
    ],
    "degree": [
        ("Point ( 9 ° 25 ′ 45 ″ S 160 ° 3 ′ 4 ″ E ) on", "Point (9°25′45″S 160°3′4″E) on"),
        ("of 90 ° F ( 32 ° C ) .", "of 90 °F (32 °C)."),
        ("around 25 ° and", "around 25° and"),
    ],
    "unicode": [
        ("Pe ̍ h @-@ ōe @-@ jī", "Pe̍h-ōe-jī"),
        ('Selurong " षेलुरोन ् ग ् " which', 'Selurong "षेलुरोन्ग्" which'),
        ("( Chinese : 南京 ; pinyin : Nánjīng )", "(Chinese: 南京; pinyin: Nánjīng)"),
        ("Sigurður Þórðarson , Æthelred and Œuvres", "Sigurður Þórðarson, Æthelred and Œuvres"),
    ],
    "unk": [
        ("The <unk> was built in 1890 .", "The <unk> was built in 1890."),
        ("deal with <unk> 's partner", "deal with <unk> 's partner"),
        ("School ( <unk> ) , and the <unk> @-@ based", "School (<unk>), and the <unk> - based"),
        ('preferred " <unk> " ( a', 'preferred "<unk>" (a'),
    ],
    "repair": [
        ("the night of December 12 ? 13 when", "the night of December 12–13 when"),
        ("Is it 12 ? No .", "Is it 12? No."),
        ("the British steamship *Ladybird* on the Yangtze", "the British steamship Ladybird on the Yangtze"),
        ("the *Panay incident* followed", "the Panay incident followed"),
        ("a 5 * 3 grid and *unclosed", "a 5 * 3 grid and *unclosed"),
    ],
}
CASES = [(group, raw, clean) for group, pairs in REAL_CASES.items() for raw, clean in pairs]


def normalised(raw: str) -> str:
    return " ".join(raw.split())


def unmark(raw: str) -> str:
    return raw.replace("@-@", "-").replace("@,@", ",").replace("@.@", ".")


def check_edits(raw: str, result) -> None:
    """Edits are sorted, inside bounds, name a rule and rebuild the clean text."""
    assert apply_edits(raw, result.edits) == result.text
    end = 0
    for edit in result.edits:
        assert edit.rule in RULES
        assert end <= edit.raw_start <= edit.raw_end <= len(raw)
        assert 0 <= edit.clean_start <= edit.clean_end <= len(result.text)
        assert raw[edit.raw_start : edit.raw_end] == edit.before
        assert result.text[edit.clean_start : edit.clean_end] == edit.after
        end = edit.raw_end
    assert result.text == result.text.strip()


def check_only_allowed_changes(result) -> None:
    """Apart from whitespace, only markers, repaired dashes and emphasis asterisks change."""
    for edit in result.edits:
        before, after = edit.before, edit.after
        if edit.kind == "space":
            assert not before.strip() and after in ("", " ")
        elif edit.kind == "marker":
            assert "".join(before.split()) in ("@-@", "@,@", "@.@") and after in "-,."
        elif edit.kind == "repair":
            assert (before, after) == ("?", "–")
        else:
            assert (edit.kind, before, after) == ("emphasis", "*", "")


# ----------------------------------------------------------------------------- golden cases
@pytest.mark.parametrize(("group", "raw", "clean"), CASES)
def test_real_cases(group: str, raw: str, clean: str) -> None:
    result = detokenise(raw)
    assert result.text == clean
    check_edits(raw, result)
    check_only_allowed_changes(result)


@pytest.mark.parametrize(
    ("rule", "raw", "clean"), [(r.name, raw, clean) for r in RULES.values() for raw, clean in r.examples]
)
def test_every_rule_example(rule: str, raw: str, clean: str) -> None:
    result = detokenise(raw)
    assert result.text == clean
    check_edits(raw, result)
    if raw.split() != clean.split():
        assert rule in {e.rule for e in result.edits} or rule == "space.collapse"


def test_rules_are_described_and_most_have_examples() -> None:
    assert all(rule.description for rule in RULES.values())
    assert sum(bool(rule.examples) for rule in RULES.values()) >= len(RULES) - 1


@pytest.mark.parametrize(
    "rule", [r for r in RULES if r not in ("space.strip", "space.collapse", "paragraph.join")]
)
def test_disabled_rule_is_not_applied(rule: str) -> None:
    for raw, _clean in RULES[rule].examples:
        result = detokenise(raw, frozenset({rule}))
        assert rule not in {e.rule for e in result.edits}
        check_edits(raw, result)


def test_disabled_rules_keep_spaces() -> None:
    assert detokenise("AT & T", frozenset({"amp.acronym"})).text == "AT & T"
    assert detokenise("Japan 's", frozenset({"clitic"})).text == "Japan 's"
    assert detokenise("Sino @-@ Japanese", frozenset({"marker.hyphen"})).text == "Sino @-@ Japanese"
    assert detokenise("war , and", frozenset({"punct.close"})).text == "war , and"


def test_gold_set_is_restored_exactly() -> None:
    exact = sum(detokenise(row["raw"]).text == row["gold"] for row in GOLD)
    assert exact / len(GOLD) >= 0.98
    for row in GOLD:
        result = detokenise(row["raw"])
        check_edits(row["raw"], result)
        assert "".join(result.text.split()) == "".join(row["gold"].split())


# ----------------------------------------------------------------------------- edits, marks, flags
def test_marker_between_words_is_one_edit() -> None:
    (edit,) = detokenise("Sino @-@ Japanese").edits
    assert (edit.rule, edit.kind, edit.before, edit.after) == ("marker.hyphen", "marker", " @-@ ", "-")


def test_damaged_marker_is_a_repair() -> None:
    raw = "estimates 100 @, @ 000 and 1 @. @ 2 miles"
    result = detokenise(raw)
    assert result.text == "estimates 100,000 and 1.2 miles"
    assert {e.rule for e in result.edits if e.kind == "marker"} == {"marker.repair"}
    check_edits(raw, result)


def test_lost_dash_is_recorded_as_a_repair() -> None:
    result = detokenise("December 12 ? 13")
    (repair,) = [e for e in result.edits if e.kind == "repair"]
    assert (repair.rule, repair.before, repair.after) == ("repair.lost_dash", "?", "–")


def test_emphasis_is_kept_as_a_mark() -> None:
    result = detokenise("the British steamship *Ladybird* on the Yangtze")
    (mark,) = result.marks
    assert result.text[mark.start : mark.end] == "Ladybird"
    assert mark.kind == "emphasis"
    result = detokenise("the *Panay incident* , then")
    (mark,) = result.marks
    assert result.text[mark.start : mark.end] == "Panay incident"
    assert result.text == "the Panay incident, then"


def test_unbalanced_quote_is_flagged() -> None:
    assert "unbalanced_quotes" in detokenise('He said " yes and left .').flags
    assert detokenise('He said " yes " and left .').flags == []


@pytest.mark.parametrize(
    "variant",
    [
        "{}",
        " {} ",
        "{}\n",
        " {} \r\n",
        "\t{}  ",
    ],
)
def test_surrounding_whitespace_does_not_matter(variant: str) -> None:
    line = "He was convinced that the conquest of Nanking 's walls would provoke the fall ."
    raw = variant.format(line)
    result = detokenise(raw)
    assert result.text == "He was convinced that the conquest of Nanking's walls would provoke the fall."
    check_edits(raw, result)


def test_runs_of_whitespace_and_newlines_are_one_boundary() -> None:
    raw = 'the  capital\nof China ,\t\tand  " Craig "\n'
    result = detokenise(raw)
    assert result.text == 'the capital of China, and "Craig"'
    check_edits(raw, result)
    assert {e.rule for e in result.edits} >= {"space.collapse", "punct.close", "quote.double"}


def test_seed_paragraphs_keep_their_words() -> None:
    for line in (SEEDS / "000_9effd60b1a05fa4f.txt").read_text().splitlines():
        result = detokenise(line)
        check_edits(line, result)
        check_only_allowed_changes(result)


# ----------------------------------------------------------------------------- real paragraphs
def real_paragraphs(name: str, limit: int, seed: int = 7) -> list[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    paragraphs = [line for line in lines if line.strip() and not line.lstrip().startswith("= ")]
    return random.Random(seed).sample(paragraphs, min(limit, len(paragraphs)))


VALID = real_paragraphs("wikitext-2-raw/wiki.valid.raw", 1200)
WT103 = real_paragraphs("wikitext-103/wiki.valid.tokens", 300)


def test_round_trip_through_the_retokeniser() -> None:
    """Measured: 0.995 of the paragraphs of wiki.valid.raw + wiki.test.raw come back unchanged."""
    paragraphs = [row["raw"] for row in GOLD] + VALID
    same = sum(retokenise(detokenise(p).text) == normalised(p) for p in paragraphs)
    assert same / len(paragraphs) >= 0.985


def test_real_paragraphs_change_only_spaces_and_markers() -> None:
    for raw in VALID + WT103:
        result = detokenise(raw)
        check_edits(raw, result)
        check_only_allowed_changes(result)
        assert "".join(result.text.split()) == "".join(unmark(raw).split())
        assert result.text.count("<unk>") == raw.count("<unk>")


def test_unk_is_never_glued_to_a_word() -> None:
    for raw in WT103:
        text = detokenise(raw).text
        for piece in text.split("<unk>")[1:]:
            assert not piece[:1].isalnum() and piece[:1] not in ("-", "'")


# ----------------------------------------------------------------------------- properties
TOKENS = st.sampled_from(
    [
        "the", "war", "Japan", "1937", "12", "000", "s", "AT", "T", "Lewis", "民都魯", "Míndūlǔ", "<unk>",
        ",", ".", ";", ":", "!", "?", "(", ")", "[", "]", '"', "'", "'s", "n't", "'t", "'an", "' 90s",
        "@-@", "@,@", "@.@", "@, @", "@. @", "@", "–", "—", "/", "&", "$", "#", "%", "...", "*", "*word*",
        "*a", "b*", "“", "”", "’", "‑", "⁄", "°", "′", "\u0301", "ि", "\n", "\t", "  ", "\xa0",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(TOKENS, max_size=40), st.sampled_from([" ", "  ", "\n", " \t "]))
def test_property_token_soup(tokens: list[str], sep: str) -> None:
    raw = sep + " ".join(tokens) + sep
    result = detokenise(raw)
    check_edits(raw, result)
    check_only_allowed_changes(result)


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_property_any_text(raw: str) -> None:
    result = detokenise(raw)  # never raises
    check_edits(raw, result)
    check_only_allowed_changes(result)


@given(st.from_regex(r"[A-Za-z]+( [A-Za-z]+){0,12}", fullmatch=True))
def test_property_clean_words_are_unchanged(text: str) -> None:
    result = detokenise(text)
    assert result.text == text and result.edits == []


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(VALID))
def test_property_detokenising_is_stable_under_respacing(raw: str) -> None:
    """Extra whitespace between tokens changes nothing but the edits."""
    respaced = "  " + raw.replace(" ", " \n ") + "\t"
    assert detokenise(respaced).text == detokenise(raw).text
