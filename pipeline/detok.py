"""Paragraph-level WikiText detokeniser: restore the text as its authors wrote it.

WikiText is Moses-tokenised Wikipedia text with hyphens, thousands separators and decimal
points inside numbers written ` @-@ `, ` @,@ ` and ` @.@ `. The original differs from it
only in whitespace and those markers, so detokenising is deciding, at every boundary
between two tokens, whether a space stays. Each decision that changes the raw text is
an `Edit` naming the rule that made it; `RULES` lists every rule with real examples.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import regex

from pipeline.schema import Edit, Mark


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    examples: tuple[tuple[str, str], ...] = ()


def _rules(*rules: Rule) -> dict[str, Rule]:
    return {r.name: r for r in rules}


RULES: dict[str, Rule] = _rules(
    Rule("space.strip", "leading and trailing whitespace removed", ((" Du Fu ", "Du Fu"),)),
    Rule("space.collapse", "a run of whitespace between words becomes one space", (("a  b", "a b"),)),
    Rule("paragraph.join", "a paragraph split mid-sentence by a blank line is joined (stage level)"),
    Rule("marker.hyphen", "` @-@ ` is a hyphen inside a word", (("Sino @-@ Japanese", "Sino-Japanese"),)),
    Rule("marker.comma", "` @,@ ` is a thousands separator", (("160 @,@ 000", "160,000"),)),
    Rule("marker.decimal", "` @.@ ` is a decimal point", (("43 @.@ 08", "43.08"),)),
    Rule(
        "marker.repair",
        "a marker with stray spaces inside (`@, @`) is read as the marker",
        (("1 @, @ 000", "1,000"),),
    ),
    Rule(
        "punct.close",
        "`, . ; : ! ?`, `...` and closing brackets attach to the word before",
        (("war .", "war."),),
    ),
    Rule("punct.open", "opening brackets attach to the word after", (("( Nanjing )", "(Nanjing)"),)),
    Rule("punct.prefix", "`$ £ € #` attach to the number after", (("$ 22", "$22"), ("Peak # 2", "Peak #2"))),
    Rule("punct.time", "a colon between numbers joins both (`1 : 00`)", (("1 : 00 pm", "1:00 pm"),)),
    Rule(
        "clitic",
        "`'s`, `n't`, `'re`, `'ve`, `'ll`, `'d`, `'m` and `'an` attach to the word before",
        (("Japan 's", "Japan's"), ("don 't", "don't"), ("Chang 'an", "Chang'an")),
    ),
    Rule(
        "quote.double",
        "double quotes pair up: an opening one attaches right, a closing one left",
        (('the " Poet @-@ Sage " by', 'the "Poet-Sage" by'),),
    ),
    Rule(
        "quote.single",
        "single quotes pair up; after a plural a lone `'` is a possessive",
        (("Verginius ' forces", "Verginius' forces"), ("as ' a succession '", "as 'a succession'")),
    ),
    Rule("quote.decade", "`' 90s` is an abbreviated decade", (("the ' 90s", "the '90s"),)),
    Rule(
        "amp.acronym",
        "`&` between short capitalised parts joins (`AT&T`); otherwise it keeps spaces",
        (("AT & T", "AT&T"), ("Lewis & Clark", "Lewis & Clark")),
    ),
    Rule("slash.join", "a slash joins its neighbours (`A/B`)", (("Burn / Chatroom", "Burn/Chatroom"),)),
    Rule(
        "slash.ipa",
        "slashes around an IPA transcription pair up like brackets",
        (("Bintulu / biːnˈtuːluː / (", "Bintulu /biːnˈtuːluː/ ("),),
    ),
    Rule(
        "dash.range",
        "an en dash between numbers (or a year and an era) is an unspaced range",
        (("2000 – 2005", "2000–2005"), ("December 12 – 13", "December 12–13")),
    ),
    Rule(
        "dash.compound",
        "an en dash between two compass directions joins them",
        (("northwest – southeast", "northwest–southeast"),),
    ),
    Rule("dash.em", "an em dash in prose is unspaced", (("war — a", "war—a"),)),
    Rule(
        "combining", "a token of combining marks belongs to the letter before it", (("a \u0301", "a\u0301"),)
    ),
    Rule("repair.lost_dash", "a `?` standing between two numbers is a lost en dash", (("12 ? 13", "12–13"),)),
    Rule(
        "emphasis.markdown",
        "markdown `*emphasis*` keeps its words; the span is recorded as a mark",
        (("the *Ladybird* on", "the Ladybird on"),),
    ),
)

TOKEN = regex.compile(r"@ ?[-,.] ?@|\S+")
MARKERS = {"-": "marker.hyphen", ",": "marker.comma", ".": "marker.decimal"}
CLOSE = frozenset({",", ".", ";", ":", "!", "?", ")", "]", "}", "%", "...", "…"})
OPEN = frozenset({"(", "[", "{"})
# After these a quote closes: an opening quote is never followed by them (an ellipsis it may be).
CLAUSE_END = frozenset({",", ".", ";", ":", "!", "?", ")", "]", "}"})
PREFIX = frozenset({"$", "£", "€", "#"})
CLITIC = regex.compile(r"(?:'[\p{L}]+|n't)$")
DECADE = regex.compile(r"\d0s$")
NUMBER = regex.compile(r"\d[\d,.]*(?:s|st|nd|rd|th)?$")
ERA = regex.compile(r"(?:BC|AD|BCE|CE)$")
ACRONYM = regex.compile(r"\p{Lu}{1,3}$")
LOWER_WORD = regex.compile(r"\p{Ll}+$")
IPA = regex.compile(r"[ːˈˌəɪʊɛɔæɑʃʒθðŋɲʎɐɒʌɜɡʔ]")
COMBINING = regex.compile(r"\p{M}+$")
# Words that make a lone `'` after them an opening quote, not a possessive.
NOT_POSSESSIVE = frozenset({"as", "is", "was", "has", "this", "his", "its", "us", "thus", "whereas", "yes"})
# Pairs joined by an unspaced en dash in running text (`north–south`, `northwest–southeast`);
# between other words a spaced en dash is a parenthetical dash and keeps its spaces.
COMPASS = frozenset(
    "north south east west northeast northwest southeast southwest "
    "north-east north-west south-east south-west".split()
)


@dataclass
class Detokenised:
    text: str
    edits: list[Edit] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


@dataclass
class _State:
    double_open: bool = False
    single_open: bool = False
    ipa_open: bool = False
    ipa_closed: bool = False
    unpaired: bool = False  # a closing quote whose opening one is not in this paragraph
    glue_next: str | None = None  # rule that attaches the next token to this one


def detokenise(raw: str, disabled: frozenset[str] = frozenset()) -> Detokenised:
    """Detokenise one paragraph of WikiText; any whitespace run is a token boundary.

    Between two plain words nothing but the space can happen, so plain runs are joined
    in one go and the rules run only at boundaries that touch a special token.
    """
    spans = [m.span() for m in TOKEN.finditer(raw)]
    if not spans:
        edits = [Edit("space.strip", "space", raw, "", 0, len(raw), 0, 0)] if raw else []
        return Detokenised("", edits)
    texts = [raw[a:b] for a, b in spans]
    token_rules = _token_rules(texts, disabled)
    special = [i for i, t in enumerate(texts) if i in token_rules or not _is_plain(t)]
    boundaries = sorted({b for i in special for b in (i, i + 1) if 0 < b < len(texts)})
    state = _State()
    _open_at_start(texts[0], state, disabled)
    edits: list[Edit] = []
    if spans[0][0]:
        edits.append(Edit("space.strip", "space", raw[: spans[0][0]], "", 0, spans[0][0], 0, 0))
    out: list[str] = []
    marks: list[Mark] = []
    emphasis: list[int] = []  # clean offset where an open emphasis started
    size = 0
    current = 0
    special_set = set(special)
    for boundary in [*boundaries, len(texts)]:
        if boundary - current == 1 and current in special_set:
            size = _emit_special(
                raw,
                spans[current],
                texts[current],
                token_rules.get(current, ""),
                size,
                out,
                edits,
                marks,
                emphasis,
                disabled,
            )
        else:
            size = _emit_plain(raw, spans, texts, current, boundary, size, out, edits)
        if boundary == len(texts):
            break
        rule = _join_rule(texts, token_rules, boundary, state, disabled)
        sep = "" if rule else " "
        gap_start, gap_end = spans[boundary - 1][1], spans[boundary][0]
        if rule or gap_end - gap_start != 1 or raw[gap_start] != " ":
            gap = raw[gap_start:gap_end]
            if gap != sep:
                edits.append(
                    Edit(
                        rule or "space.collapse", "space", gap, sep, gap_start, gap_end, size, size + len(sep)
                    )
                )
        if sep:
            out.append(sep)
            size += 1
        current = boundary
    end = spans[-1][1]
    if end < len(raw):
        edits.append(Edit("space.strip", "space", raw[end:], "", end, len(raw), size, size))
    flags = ["unbalanced_quotes"] if state.double_open or state.unpaired else []
    return Detokenised("".join(out), edits, marks, flags)


def _emit_plain(raw, spans, texts, first: int, end: int, size: int, out: list[str], edits: list[Edit]) -> int:
    """Plain words first..end-1, one space apart; record any other whitespace between them."""
    piece = " ".join(texts[first:end])
    if end - first > 1 and ODD_SPACE.search(raw, spans[first][1], spans[end - 1][0]):
        offset = size
        for k in range(first + 1, end):
            offset += len(texts[k - 1])
            gap = raw[spans[k - 1][1] : spans[k][0]]
            if gap != " ":
                edits.append(
                    Edit(
                        "space.collapse", "space", gap, " ", spans[k - 1][1], spans[k][0], offset, offset + 1
                    )
                )
            offset += 1
    out.append(piece)
    return size + len(piece)


def _emit_special(
    raw, span, tok: str, token_rule: str, size: int, out, edits, marks, emphasis, disabled
) -> int:
    """One special token: marker or repaired characters, markdown emphasis asterisks."""
    start, end = span
    clean = MARKER_CHARS[token_rule](tok) if token_rule else tok
    lead = trail = 0
    if "*" in clean and "emphasis.markdown" not in disabled:
        clean, lead, trail = _strip_emphasis(clean, bool(emphasis))
    if lead:
        edits.append(Edit("emphasis.markdown", "emphasis", "*", "", start, start + 1, size, size))
        emphasis.append(size)
    if token_rule:
        kind = "marker" if token_rule.startswith("marker") else "repair"
        edits.append(
            Edit(
                token_rule,
                kind,
                tok[lead : len(tok) - trail],
                clean,
                start + lead,
                end - trail,
                size,
                size + len(clean),
            )
        )
    out.append(clean)
    size += len(clean)
    if trail and emphasis:
        edits.append(Edit("emphasis.markdown", "emphasis", "*", "", end - 1, end, size, size))
        marks.append(Mark("emphasis", emphasis.pop(), size))
    return size


def _token_rules(texts: list[str], disabled: frozenset[str]) -> dict[int, str]:
    """Tokens whose characters a rule changes: markers, and `?` standing for a lost dash."""
    rules: dict[int, str] = {}
    for i, tok in enumerate(texts):
        if tok[0] == "@" and tok[-1] == "@" and len(tok) >= 3:
            rule = MARKERS[tok.replace(" ", "")[1]] if len(tok) == 3 else "marker.repair"
            if rule not in disabled:
                rules[i] = rule
        elif tok == "?" and 0 < i < len(texts) - 1 and _lost_dash(texts[i - 1], texts[i + 1], disabled):
            rules[i] = "repair.lost_dash"
    return rules


def _lost_dash(before: str, after: str, disabled: frozenset[str]) -> bool:
    return "repair.lost_dash" not in disabled and bool(NUMBER.match(before) and NUMBER.match(after))


def _marker_char(tok: str) -> str:
    return tok.replace(" ", "")[1]


MARKER_CHARS = {
    "marker.hyphen": _marker_char,
    "marker.comma": _marker_char,
    "marker.decimal": _marker_char,
    "marker.repair": _marker_char,
    "repair.lost_dash": lambda tok: "–",
}
ODD_SPACE = regex.compile(r"\s{2,}|[^\S ]")
# A plain word starts and ends with a letter or digit (or a final period): between two plain
# words no rule applies, so the space stays without consulting the rules (the fast path).
PLAIN = regex.compile(r"[\p{L}\p{N}](?:.*[\p{L}\p{N}.])?$")


@functools.lru_cache(maxsize=65536)
def _is_plain(token: str) -> bool:
    return PLAIN.match(token) is not None and "*" not in token


def _open_at_start(token: str, state: _State, disabled: frozenset[str]) -> None:
    """A quote that starts the paragraph opens a quotation."""
    if token == '"' and "quote.double" not in disabled:
        state.double_open, state.glue_next = True, "quote.double"
    elif token == "'" and "quote.single" not in disabled:
        state.single_open, state.glue_next = True, "quote.single"


def _strip_emphasis(token: str, inside: bool) -> tuple[str, int, int]:
    """The token without markdown emphasis asterisks, and how many it lost at each end."""
    lead = 1 if len(token) > 1 and token[0] == "*" and token[1] != "*" and not inside else 0
    trail = 1 if len(token) > 1 + lead and token[-1] == "*" and token[-2] != "*" and (inside or lead) else 0
    return token[lead : len(token) - trail], lead, trail


def _join_rule(
    texts: list[str], token_rules: dict[int, str], i: int, state: _State, disabled: frozenset[str]
) -> str | None:
    """The rule that joins token i to token i-1, or None for a space."""
    fast = _fast_join(texts[i - 1], texts[i], token_rules, i, state, disabled)
    if fast is not _UNDECIDED:
        return fast
    left, left_rule = _clean(texts, token_rules, i - 1), token_rules.get(i - 1, "")
    right, right_rule = _clean(texts, token_rules, i), token_rules.get(i, "")
    cleaned = _Cleaned(texts, token_rules)
    tokens = texts
    glued, state.glue_next = state.glue_next, None
    decided = _quote_rule(left, right, state, disabled, tokens, cleaned, i)
    if decided is not None:
        return decided or None
    if glued and glued not in disabled:
        return glued
    for rule, joins in _PAIR_RULES:
        if rule not in disabled and joins(left, right, left_rule, right_rule, cleaned, i):
            return rule
    if (
        right == "/"
        and "slash.ipa" not in disabled
        and not state.ipa_open
        and i + 1 < len(cleaned)
        and IPA.search(cleaned[i + 1][0])
    ):
        state.ipa_open = True
        state.glue_next = "slash.ipa"
        return None
    if right == "/" and state.ipa_open:
        state.ipa_open, state.ipa_closed = False, True
        return "slash.ipa"
    if left == "/" and state.ipa_closed:
        state.ipa_closed = False
        return None
    if left == "/" and "slash.join" not in disabled:
        return "slash.join"
    if right == "/" and "slash.join" not in disabled:
        return "slash.join"
    return None


_UNDECIDED = object()
FAST_CLOSE = frozenset({",", ".", ";", "!", ")", "]", "%"})


def _fast_join(
    left: str, right: str, token_rules: dict[int, str], i: int, state: _State, disabled: frozenset[str]
):
    """The decision for the most common boundaries, or `_UNDECIDED` for the full rules.

    Gives the same answers as the full rules: a word before `,` or `.`, a word after them.
    """
    if state.glue_next is not None or i in token_rules or i - 1 in token_rules:
        return _UNDECIDED
    if right in FAST_CLOSE and left not in ('"', "'") and "punct.close" not in disabled:
        return "punct.close"
    if left in FAST_CLOSE and _is_plain(right):
        return None
    return _UNDECIDED


def _clean(texts: list[str], token_rules: dict[int, str], i: int) -> str:
    """Token i as the rules see it: marker characters, without emphasis asterisks."""
    rule = token_rules.get(i)
    tok = MARKER_CHARS[rule](texts[i]) if rule else texts[i]
    return tok.strip("*") or tok


class _Cleaned:
    """`cleaned[i][0]`: token i's clean form, computed on demand for the neighbour rules."""

    def __init__(self, texts: list[str], token_rules: dict[int, str]) -> None:
        self.texts, self.token_rules = texts, token_rules

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, i: int) -> tuple[str, str]:
        return _clean(self.texts, self.token_rules, i), self.token_rules.get(i, "")


def _quote_rule(
    left: str, right: str, state: _State, disabled: frozenset[str], tokens, cleaned, i: int
) -> str | None:
    """Quotes: '' for a space decided by a quote, a rule name to join, None when no quote is involved."""
    if right == '"' and "quote.double" not in disabled:
        following = cleaned[i + 1][0] if i + 1 < len(cleaned) else ""
        if not state.double_open and (not following or following in CLAUSE_END):
            state.unpaired = True  # a quote that ends the text or a clause closes one opened elsewhere
            return "quote.double"
        state.double_open = not state.double_open
        if state.double_open:
            state.glue_next = "quote.double"
            return "punct.open" if left in OPEN else ""
        return "quote.double"
    if right == "'" and "quote.single" not in disabled:
        if state.single_open:
            state.single_open = False
            return "quote.single"
        following = cleaned[i + 1][0] if i + 1 < len(cleaned) else ""
        if "quote.decade" not in disabled and DECADE.match(following):
            state.glue_next = "quote.decade"
            return ""
        if left.endswith("s") and left.lower() not in NOT_POSSESSIVE:
            return "quote.single"
        if not following or following in CLAUSE_END:
            return "quote.single"
        state.single_open = True
        state.glue_next = "quote.single"
        return "punct.open" if left in OPEN else ""
    return None


def _is_number(token: str) -> bool:
    return bool(NUMBER.match(token))


def _dash_range(left: str, right: str, _lr: str, _rr: str, cleaned, i: int) -> bool:
    if right == "–" and i + 1 < len(cleaned):
        after = cleaned[i + 1][0]
        return (_is_number(left) or ERA.match(left) is not None) and _is_number(after)
    if left == "–" and i >= 2:
        before = cleaned[i - 2][0]
        return (_is_number(before) or ERA.match(before) is not None) and _is_number(right)
    return False


def _dash_compound(left: str, right: str, _lr: str, _rr: str, cleaned, i: int) -> bool:
    def content(word: str) -> bool:
        return word.lower() in COMPASS

    if right == "–" and i + 1 < len(cleaned):
        return content(left) and content(cleaned[i + 1][0])
    if left == "–" and i >= 2:
        return content(cleaned[i - 2][0]) and content(right)
    return False


def _amp_acronym(left: str, right: str, _lr: str, _rr: str, cleaned, i: int) -> bool:
    if right == "&" and i + 1 < len(cleaned):
        return bool(ACRONYM.match(left) and ACRONYM.match(cleaned[i + 1][0]))
    if left == "&" and i >= 2:
        return bool(ACRONYM.match(cleaned[i - 2][0]) and ACRONYM.match(right))
    return False


def _time(left: str, right: str, _lr: str, _rr: str, cleaned, i: int) -> bool:
    if right == ":" and i + 1 < len(cleaned):
        return left.isdigit() and cleaned[i + 1][0][:2].isdigit() and len(cleaned[i + 1][0]) == 2
    if left == ":" and i >= 2:
        return cleaned[i - 2][0].isdigit() and right[:2].isdigit() and len(right) == 2
    return False


def _marker_joins(marker: str):
    """A marker always joins the word before it; a comma or decimal point joins a digit after it."""

    def joins(_left: str, right: str, left_rule: str, right_rule: str, _cleaned, _i: int) -> bool:
        if right_rule == marker:
            return True
        return left_rule == marker and (marker in ("marker.hyphen", "marker.repair") or right[:1].isdigit())

    return joins


def _token_rule_joins(rule: str):
    def joins(_left: str, _right: str, left_rule: str, right_rule: str, _cleaned, _i: int) -> bool:
        return rule in (left_rule, right_rule)

    return joins


def _pair(test):
    """A rule that looks only at the two tokens of the boundary."""

    def joins(left: str, right: str, _lr: str, _rr: str, _cleaned, _i: int) -> bool:
        return test(left, right)

    return joins


def _combining(left: str, right: str) -> bool:
    if COMBINING.match(right):
        return True
    return COMBINING.match(left) is not None and (right[:1] == "-" or right[:1].isalpha())


_PAIR_RULES = (
    ("marker.hyphen", _marker_joins("marker.hyphen")),
    ("marker.comma", _marker_joins("marker.comma")),
    ("marker.decimal", _marker_joins("marker.decimal")),
    ("marker.repair", _marker_joins("marker.repair")),
    ("repair.lost_dash", _token_rule_joins("repair.lost_dash")),
    ("punct.time", _time),
    ("punct.close", _pair(lambda left, right: right in CLOSE)),
    ("punct.open", _pair(lambda left, right: left in OPEN)),
    ("punct.prefix", _pair(lambda left, right: left in PREFIX and right[:1].isdigit())),
    ("clitic", _pair(lambda left, right: CLITIC.match(right) is not None and left not in OPEN)),
    ("dash.range", _dash_range),
    ("dash.compound", _dash_compound),
    ("dash.em", _pair(lambda left, right: "—" in (left, right))),
    ("amp.acronym", _amp_acronym),
    ("combining", _pair(_combining)),
)


def apply_edits(raw: str, edits: list[Edit]) -> str:
    from pipeline.edits import apply_edits as apply

    return apply(raw, edits)


def retokenise(text: str) -> str:
    """Write clean text back in WikiText's conventions (Moses tokenisation plus the markers)."""
    for pattern, replacement in RETOKENISE:
        text = pattern.sub(replacement, text)
    words = text.split()
    return " ".join(_split_final_period(words, i) for i in range(len(words)))


def _split_final_period(words: list[str], i: int) -> str:
    """Moses keeps a word's final period for abbreviations; otherwise it becomes a token."""
    word = words[i]
    if len(word) < 2 or not word.endswith(".") or word.endswith(".."):
        return word
    stem = word[:-1]
    following = words[i + 1] if i + 1 < len(words) else ""
    keep = (
        ("." in stem and regex.search(r"\p{L}", stem) is not None)
        or stem in NONBREAKING
        or (following[:1].islower())
        or (stem in NONBREAKING_NUMERIC and following[:1].isdigit())
    )
    return word if keep else f"{stem} ."


# Moses' English non-breaking prefixes: a period after these stays with the word.
NONBREAKING = frozenset(
    [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    + [
        "Adj",
        "Adm",
        "Adv",
        "Asst",
        "Bart",
        "Bldg",
        "Brig",
        "Bros",
        "Capt",
        "Cmdr",
        "Col",
        "Comdr",
        "Con",
        "Corp",
        "Cpl",
        "DR",
        "Dr",
        "Drs",
        "Ens",
        "Gen",
        "Gov",
        "Hon",
        "Hr",
        "Hosp",
        "Insp",
        "Lt",
        "MM",
        "MR",
        "MRS",
        "MS",
        "Maj",
        "Messrs",
        "Mlle",
        "Mme",
        "Mr",
        "Mrs",
        "Ms",
        "Msgr",
        "Op",
        "Ord",
        "Pfc",
        "Ph",
        "Prof",
        "Pvt",
        "Rep",
        "Reps",
        "Res",
        "Rev",
        "Rt",
        "Sen",
        "Sens",
        "Sfc",
        "Sgt",
        "Sr",
        "St",
        "Supt",
        "Surg",
        "v",
        "vs",
        "i.e",
        "rev",
        "e.g",
    ]
)
NONBREAKING_NUMERIC = frozenset(
    [
        "No",
        "Nos",
        "Art",
        "Nr",
        "pp",
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Oct",
        "Nov",
        "Dec",
    ]
)
RETOKENISE = [
    (regex.compile(r"([^\p{L}\p{N}\p{M}\s.'`,\-@<>])"), r" \1 "),  # most punctuation stands alone
    (regex.compile(r"(?<=\s|^)(<unk>)"), r"\1"),
    (regex.compile(r"\.(\.+)"), r" .\1 "),  # ellipsis
    (regex.compile(r"(?<=(?:^|[^\p{L}\p{N}.,])[\d.,]*\d),(?=\d[\d.,]*(?:[^\p{L}\p{N}]|$))"), " @,@ "),
    (regex.compile(r"(?<!@),(?!@)"), " , "),
    (regex.compile(r"(?<=(?:^|[^\p{L}\p{N}.,])[\d.,]*\d)\.(?=\d[\d.,]*(?:[^\p{L}\p{N}]|$))"), " @.@ "),
    (regex.compile(r"(?<=[\p{L}\p{N}\p{M}])-(?=[\p{L}\p{N}\p{M}])"), " @-@ "),
    (regex.compile(r"(?<=[^\p{L}]|^)'(?=[^\p{L}]|$)"), " ' "),
    (regex.compile(r"(?<=[^\p{L}\p{N}]|^)'(?=\p{L})"), " ' "),
    (regex.compile(r"(?<=\p{L})'(?=[^\p{L}]|$)"), " ' "),
    (regex.compile(r"(?<=\p{L})'(?=\p{L})"), " '"),
    (regex.compile(r"(?<=\p{N})'(?=s)"), " '"),
]
