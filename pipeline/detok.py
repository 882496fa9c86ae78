"""Paragraph-level WikiText detokeniser: restore the text as its authors wrote it.

WikiText is Moses-tokenised Wikipedia text with hyphens, thousands separators and decimal
points inside numbers written ` @-@ `, ` @,@ ` and ` @.@ `. The original differs from it
only in whitespace and those markers, so detokenising is deciding, at every boundary
between two tokens, whether a space stays. Each decision that changes the raw text is
an `Edit` naming the rule that made it; `RULES` lists every rule with real examples.

How it runs: the paragraph is split into tokens once; the tokens that are not plain ASCII
words (found in one pass over the bytes) get a *kind* from one table (`KINDS`: punctuation,
quotes, markers, dashes...; plain words have none). Only the boundaries next to a token
with a kind are looked at, in order, by one pass that carries the quote state; between two
plain words the space always stays and costs nothing.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate, compress, count
from operator import not_

import regex

from pipeline.schema import Edit, Mark


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    examples: tuple[tuple[str, str], ...] = ()


def _rules(*rules: Rule) -> dict[str, Rule]:
    return {r.name: r for r in rules}


# Examples are (raw WikiText, original) pairs taken from real paragraphs of WikiText-2/103.
RULES: dict[str, Rule] = _rules(
    Rule("space.strip", "leading and trailing whitespace removed", ((" Du Fu ", "Du Fu"),)),
    Rule("space.collapse", "a run of whitespace between words becomes one space", (("a  b", "a b"),)),
    Rule("paragraph.join", "a paragraph split mid-sentence by a blank line is joined (stage level)"),
    Rule("marker.hyphen", "` @-@ ` is a hyphen inside a word", (("Sino @-@ Japanese", "Sino-Japanese"),)),
    Rule("marker.comma", "` @,@ ` is a thousands separator", (("160 @,@ 000", "160,000"),)),
    Rule(
        "marker.decimal",
        "` @.@ ` is a decimal point (a digit after it joins)",
        (("43 @.@ 08", "43.08"), ("( 1 @.@ hrvatski", "(1. hrvatski")),
    ),
    Rule(
        "marker.repair",
        "a marker with stray spaces inside (`@, @`) is read as the marker",
        (("1 @, @ 000", "1,000"), ("1 @. @ 2 miles", "1.2 miles")),
    ),
    Rule(
        "punct.close",
        "`, . ; : ! ?`, `...`, `%` and closing brackets attach to the word before",
        (("war .", "war."), ("Nanking ... By", "Nanking... By"), ("40 %", "40%")),
    ),
    Rule("punct.open", "opening brackets attach to the word after", (("( Nanjing )", "(Nanjing)"),)),
    Rule(
        "punct.prefix",
        "`$ £ € ¥ ₱ #` attach to the number after, a currency code before a currency sign joins it",
        (("$ 22", "$22"), ("Peak # 2", "Peak #2"), ("US $ 5", "US$5")),
    ),
    Rule(
        "punct.time",
        "a colon between numbers joins both (times, ratios, verses)",
        (("1 : 00 pm", "1:00 pm"), ("At 18 : 05 that", "At 18:05 that")),
    ),
    Rule(
        "punct.degree",
        "`°`, `′`, `″` attach to the number before and to a number, C/F or N/S/E/W after",
        (("32 ° 32 ′ E", "32°32′E"), ("20 ° C", "20 °C"), ("around 50 ° above", "around 50° above")),
    ),
    Rule(
        "punct.joiner",
        "a non-breaking hyphen `‑` or a fraction slash `⁄` joins both neighbours",
        (("I ‑ 75", "I‑75"), ("1 1 ⁄ 2 inches", "1 1⁄2 inches")),
    ),
    Rule(
        "clitic",
        "`'s`, `'t`, `n't`, `'re`, `'ve`, `'ll`, `'d`, `'m` and `'an` attach to the word before",
        (("Japan 's", "Japan's"), ("don 't", "don't"), ("Chang 'an", "Chang'an"), ("don ’ t", "don’t")),
    ),
    Rule(
        "quote.double",
        "double quotes pair up: an opening one attaches right, a closing one left",
        (('the " Poet @-@ Sage " by', 'the "Poet-Sage" by'), ('( " The Vent " )', '("The Vent")')),
    ),
    Rule(
        "quote.single",
        "single quotes pair up; after a plural a lone `'` is a possessive",
        (("Verginius ' forces", "Verginius' forces"), ("as ' a succession '", "as 'a succession'")),
    ),
    Rule(
        "quote.curly",
        "typographic quotes: `“ ‘` attach right, `” ’` attach left",
        (("into “ China Proper ”", "into “China Proper”"), ("Coaches ’ Award", "Coaches’ Award")),
    ),
    Rule("quote.decade", "`' 90s` is an abbreviated decade", (("the ' 90s", "the '90s"),)),
    Rule(
        "amp.acronym",
        "`&` between short capitalised parts joins (`AT&T`); otherwise it keeps spaces",
        (("AT & T", "AT&T"), ("Lewis & Clark", "Lewis & Clark")),
    ),
    Rule(
        "slash.join",
        "a slash joins its neighbours (`A/B`)",
        (("Burn / Chatroom / Citizenship", "Burn/Chatroom/Citizenship"), ("150 km / h", "150 km/h")),
    ),
    Rule(
        "slash.ipa",
        "slashes around an IPA transcription pair up like brackets",
        (("Bintulu / biːnˈtuːluː / (", "Bintulu /biːnˈtuːluː/ ("),),
    ),
    Rule(
        "dash.range",
        "an en dash between numbers (or a year and an era) is an unspaced range",
        (("2000 – 2005", "2000–2005"), ("December 12 – 13", "December 12–13"), ("4 BC – 65", "4 BC–65")),
    ),
    Rule(
        "dash.compound",
        "an en dash between two compass directions joins them",
        (("northwest – southeast", "northwest–southeast"),),
    ),
    Rule(
        "dash.em",
        "an em dash in prose is unspaced",
        (("the troop of tanks — came up", "the troop of tanks—came up"),),
    ),
    Rule("combining", "a token of combining marks belongs to the letter before it", (("Pe ̍ h", "Pe̍h"),)),
    Rule("repair.lost_dash", "a `?` standing between two numbers is a lost en dash", (("12 ? 13", "12–13"),)),
    Rule(
        "emphasis.markdown",
        "markdown `*emphasis*` keeps its words; the span is recorded as a mark",
        (("the *Ladybird* on", "the Ladybird on"),),
    ),
)

# ----------------------------------------------------------------------------- tables
# A token's kind says which rules may look at it; "" is a plain word (never looked at).
CLOSING = ",.;!)]}%…" + "”"  # single characters that attach to the word before
KIND_TABLE: dict[str, str] = {
    **{c: "C" for c in CLOSING},
    "...": "C",
    "?": "?",  # closes, or stands for a lost en dash between numbers
    ":": ":",  # closes, or joins a time (`9:00`)
    "(": "O",
    "[": "O",
    "{": "O",
    "“": "o",  # curly opening quotes
    "‘": "o",
    "’": "’",
    '"': '"',
    "'": "'",
    "@-@": "@",
    "@,@": "@",
    "@.@": "@",
    "–": "–",
    "—": "—",
    "/": "/",
    "&": "&",
    "‑": "J",  # non-breaking hyphen
    "⁄": "J",  # fraction slash
    "°": "°",
    "′": "°",
    "″": "°",
    "*": "*",  # a lone asterisk: `Grade II*`
    **{c: "$" for c in "$£€¥₱₹₩#"},
    "<unk>": "U",
    "<formula>": "U",
}
MARKER_RULE = {"@-@": "marker.hyphen", "@,@": "marker.comma", "@.@": "marker.decimal"}
CURRENCY = frozenset("$£€¥₱₹₩")
CLAUSE_END = frozenset({",", ".", ";", ":", "!", "?", ")", "]", "}"})  # a quote before these closes
# Rules that would glue a word to `<unk>`; it stays a token of its own.
WORD_JOINS = frozenset(
    {"marker.hyphen", "marker.repair", "clitic", "combining", "slash.join", "amp.acronym", "punct.joiner"}
)
# Words that make a lone `'` after them an opening quote, not a possessive.
NOT_POSSESSIVE = frozenset({"as", "is", "was", "has", "this", "his", "its", "us", "thus", "whereas", "yes"})
# Pairs joined by an unspaced en dash in running text (`north–south`, `northwest–southeast`);
# between other words a spaced en dash is a parenthetical dash and keeps its spaces.
COMPASS = frozenset(
    "north south east west northeast northwest southeast southwest "
    "north-east north-west south-east south-west".split()
)
CURLY_TAILS = frozenset({"s", "t", "m", "d", "re", "ve", "ll", "S", "T"})  # `don ’ t`, `SEPTA ’ s`
DEGREE_UNITS = frozenset({"C", "F"})  # `20 °C`: a space before the degree sign
COMPASS_LETTERS = frozenset({"N", "S", "E", "W"})  # `32°32′N`
ROMAN = regex.compile(r"[IVX]+$")

CLITIC = regex.compile(r"(?:'\p{L}+|n't)$")
COMBINING = regex.compile(r"\p{M}")
DECADE = regex.compile(r"\d0s$")
NUMBER = regex.compile(r"\d[\d,.]*(?:s|st|nd|rd|th)?$")
ERA = regex.compile(r"(?:BC|AD|BCE|CE)$")
ACRONYM = regex.compile(r"\p{Lu}{1,3}$")
IPA = regex.compile(r"[ːˈˌəɪʊɛɔæɑʃʒθðŋɲʎɐɒʌɜɡʔ]")
MARKER_LIKE = regex.compile(r"@ ?([-,.]) ?@$")
SLOW_TOKEN = regex.compile(r"@ ?[-,.] ?@|[^\s\x1c-\x1f]+")  # str.split()'s whitespace
ODD_TOKEN = regex.compile(r"^$|[\s\x1c-\x1f]|^(?:@[-,.]?|[-,.]@)$")  # empty, whitespace, a broken marker


def _classify(token: str) -> str:
    """The kind of a token outside `KIND_TABLE` (cached in `KINDS`)."""
    if MARKER_LIKE.match(token):
        return "@"
    if ODD_TOKEN.search(token):
        return "!"
    if CLITIC.match(token):
        return "K"
    if COMBINING.match(token):
        return "~"
    return ""


# token → kind for every token looked up so far (the table, then classified tokens); reset when large.
KINDS: dict[str, str] = dict(KIND_TABLE)
KINDS_LIMIT = 1 << 20
ASCII_ALNUM = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _kind(token: str) -> str:
    """The kind of any token ("" for a plain word)."""
    kind = KINDS.get(token)
    return _new_kind(token) if kind is None else kind


def _new_kind(token: str) -> str:
    """Classify a token not in `KINDS` yet and remember it."""
    if len(KINDS) > KINDS_LIMIT:
        KINDS.clear()
        KINDS.update(KIND_TABLE)
    kind = KINDS[token] = "" if token.isalnum() else _classify(token)
    return kind


def _candidates(s: str) -> Iterator[int]:
    """Indices of the tokens of `s.split(" ")` that are not plain ASCII words (nor empty).

    Deleting ASCII letters and digits from the UTF-8 bytes empties every plain ASCII word, so
    one pass in C over the bytes replaces a `str.isalnum` call per token. A word with other
    letters stays a candidate (its kind is ""); empty tokens (double spaces) are not found.
    """
    residues = s.encode("utf-8", "surrogatepass").translate(None, ASCII_ALNUM).split(b" ")
    return compress(count(), residues)


def _non_alnum(toks: list[str]) -> Iterator[int]:
    """Indices of the tokens that are not alphanumeric (the general case of `_candidates`)."""
    return compress(count(), map(not_, map(str.isalnum, toks)))


def _kinds_of(
    toks: list[str], candidates: Iterable[int], odd_ok: bool = False
) -> tuple[list[str] | None, list[int]]:
    """Every token's kind and the indices of those with one; (None, []) for odd tokens.

    Only `candidates` can have a kind: the other tokens are plain words. Odd tokens ("!":
    empty, holding whitespace, or a piece of a damaged marker) need the general tokeniser;
    with `odd_ok` they are read as plain words. (A paragraph has a dozen candidates or so:
    a plain loop is faster here than a chain of `map`s.)
    """
    kinds = [""] * len(toks)
    special = []
    for i in candidates:
        try:
            kind = KINDS[toks[i]]
        except KeyError:
            kind = _new_kind(toks[i])
        if kind:
            if kind == "!":
                if odd_ok:
                    continue
                return None, []
            kinds[i] = kind
            special.append(i)
    return kinds, special


# Boundaries decided by the two kinds alone (no quote state, no neighbours further away):
# (left kind, right kind) → rule, or None for a space. Others go through `_Paragraph.decide`.
# Kinds that carry state to the next boundary (quotes, slashes, `:`, `?`) are never on the left.
_STATELESS_LEFT = ("", "C", "O", "o", "K", "–", "—", "&", "$", "°", "~", "J", "U")
PAIR_TABLE: dict[tuple[str, str], str | None] = {
    **{(left, "C"): "punct.close" for left in _STATELESS_LEFT},
    **{("C", right): None for right in ("", "O", "o", "U")},
    **{(left, right): None for left in ("", "U") for right in ("O", "o", "U", "")},
    **{("O", right): "punct.open" for right in ("", "O", "o", "U")},
    ("", "K"): "clitic",
    ("K", ""): None,
    ("", "—"): "dash.em",
    ("—", ""): "dash.em",
    ("C", "C"): "punct.close",
}
_DEFER = "defer"
# Kinds with no rule of their own about the word after them: once no earlier decision glued
# that gap, `_Paragraph._decide` keeps its space at once.
_NOTHING_BEFORE_WORD = frozenset({'"', "'", ":", "?", "’", "*"})
# Kinds that always keep the space before a plain word after them (the table says so): the
# pass does not look at that gap.
_SPACE_BEFORE_WORD = frozenset(
    left for (left, right), rule in PAIR_TABLE.items() if right == "" and rule is None
)


@lru_cache(maxsize=64)
def _marker_rules(disabled: frozenset[str]) -> dict[str, str]:
    if not disabled:
        return MARKER_RULE
    return {tok: rule for tok, rule in MARKER_RULE.items() if rule not in disabled}


@lru_cache(maxsize=64)  # the tables for a set of disabled rules are built once, not per paragraph
def _pair_table(disabled: frozenset[str]) -> dict[tuple[str, str], str | None]:
    if not disabled:
        return PAIR_TABLE
    return {pair: (None if rule in disabled else rule) for pair, rule in PAIR_TABLE.items()}


# `Edit(...)` goes through the type's C-level init slot; allocating the object and calling
# the dataclass `__init__` directly builds the same object (same fields and slots) a
# good deal faster, which counts in the pass: a paragraph has a dozen edits or more.
_new_edit = object.__new__
_init_edit = Edit.__init__


@dataclass
class Detokenised:
    text: str
    edits: list[Edit] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- the pass
def detokenise(raw: str, disabled: frozenset[str] = frozenset()) -> Detokenised:
    """Detokenise one paragraph of WikiText; any whitespace run is a token boundary."""
    s = raw.strip()
    if not s:
        edits = [Edit("space.strip", "space", raw, "", 0, len(raw), 0, 0)] if raw else []
        return Detokenised("", edits)
    toks = s.split(" ")
    kinds, special = _kinds_of(toks, _candidates(s)) if all(toks) else (None, [])
    if kinds is None:  # a run of spaces (an empty token), other whitespace or a damaged marker
        return _detokenise_odd(raw, disabled)
    base = raw.index(s[0])  # only whitespace comes before it
    end = base + len(s)
    edits = [Edit("space.strip", "space", raw[:base], "", 0, base, 0, 0)] if base else []
    if special or "*" in s:
        result = _detokenise_tokens(raw, base, end, toks, kinds, special, disabled, edits)
    else:  # plain words only (a heading, say): every space stays
        result = Detokenised(s, edits, [], [])
    if end < len(raw):
        size = len(result.text)
        edits.append(Edit("space.strip", "space", raw[end:], "", end, len(raw), size, size))
    return result


def _detokenise_tokens(
    raw: str,
    base: int,
    end: int,
    toks: list[str],
    kinds: list[str],
    special: list[int],
    disabled: frozenset[str],
    edits: list[Edit],
    repaired: frozenset[int] = frozenset(),
    odd: bool = False,
) -> Detokenised:
    """The pass over `raw[base:end]`, whose tokens `toks` are one space apart; adds to `edits`."""
    n = len(toks)
    para = _Paragraph(toks, kinds, disabled, repaired)
    if "*" in raw and "emphasis.markdown" not in disabled:
        para.find_emphasis()
        if para.emphasis:
            special = sorted({*special, *para.emphasis})
    if special and special[0] == 0 and kinds[0] in ('"', "'"):
        para.open_at_start()
    pairs = _pair_table(disabled).get
    close_rule = None if "punct.close" in disabled else "punct.close"
    fused_markers = None if odd else _marker_rules(disabled)
    space = list(accumulate(map(len, toks), initial=base - 1))  # the space before token i: space[i] + i
    out: list[str] = []
    marks: list[Mark] = []
    pos = shift = base  # raw[:pos] is written; clean offset = raw offset - shift
    done = 0  # gaps 1..done are decided (gap g lies between tokens g-1 and g)
    emphasis, decide = para.emphasis, para.decide
    last = n - 1
    for i in special:
        kind = kinds[i]
        if i > done:  # the gap before token i (unless token i-1 decided it)
            left = kinds[i - 1]
            if kind == "C" and not left:  # the commonest case: `,` or `.` after a word
                rule = close_rule
            elif (
                kind == "@"
                and not left
                and fused_markers
                and i < last
                and not kinds[i + 1]
                and toks[i] in fused_markers
                and not (emphasis and i - 1 in emphasis)
            ):
                # the common marker between two plain words: one edit for ` @-@ ` → `-` (after
                # an emphasised word the gap and the marker stay two edits, as they always were)
                char = toks[i][1]
                a = space[i] + i
                b = a + 4 if char != "-" and not toks[i + 1][:1].isdigit() else a + 5
                out.append(raw[pos:a])
                out.append(char)
                clean = a - shift
                edit = _new_edit(Edit)
                _init_edit(edit, fused_markers[toks[i]], "marker", raw[a:b], char, a, b, clean, clean + 1)
                edits.append(edit)
                shift += b - a - 1
                pos = b
                done = i + 1
                continue
            else:
                rule = pairs((left, kind), _DEFER)
                if rule is _DEFER:
                    rule = decide(i)
            if rule is not None:
                a = space[i] + i
                out.append(raw[pos:a])
                pos = a + 1
                clean = a - shift
                edit = _new_edit(Edit)
                _init_edit(edit, rule, "space", " ", "", a, pos, clean, clean)
                edits.append(edit)
                shift += 1
        if kind in _SPACE_BEFORE_WORD and not emphasis:
            continue  # the space after it stays, or a special token next decides that gap
        if kind in _REWRITTEN or (emphasis and i in emphasis):
            pos, shift = _token_edits(para, i, raw, space[i] + i + 1, pos, shift, out, edits, marks)
        if i == last or kinds[i + 1]:
            continue  # the gap after token i is decided at token i + 1
        g = done = i + 1  # the gap after token i, before a plain word
        rule = pairs((kind, ""), _DEFER)
        if rule is _DEFER:
            rule = decide(g)
        if rule is not None:  # the same space edit as above, inlined: this loop is the hot path
            a = space[g] + g
            out.append(raw[pos:a])
            pos = a + 1
            clean = a - shift
            edit = _new_edit(Edit)
            _init_edit(edit, rule, "space", " ", "", a, pos, clean, clean)
            edits.append(edit)
            shift += 1
    out.append(raw[pos:end])
    flags = ["unbalanced_quotes"] if para.double_open or para.unpaired else []
    return Detokenised("".join(out), edits, marks, flags)


def _detokenise_odd(raw: str, disabled: frozenset[str]) -> Detokenised:
    """Input with other whitespace than single spaces, or damaged markers (`@, @`).

    The tokens are written one space apart (a damaged marker as the marker), the pass runs
    on that, and its edits are mapped back to `raw`; every other gap that is not one space
    gets a `space.collapse` edit.
    """
    spans = [m.span() for m in SLOW_TOKEN.finditer(raw)]
    toks = [raw[a:b] for a, b in spans]
    repaired = frozenset(i for i, tok in enumerate(toks) if " " in tok)
    for i in repaired:
        toks[i] = toks[i].replace(" ", "")
    kinds, special = _kinds_of(toks, _non_alnum(toks), odd_ok=True)
    normal = " ".join(toks)
    result = _detokenise_tokens(
        normal, 0, len(normal), toks, kinds, special, disabled, [], repaired, odd=True
    )
    starts = list(accumulate(map(len, toks), initial=0))  # token i starts at starts[i] + i in `normal`
    offsets = [starts[i] + i for i in range(len(toks))]  # ascending: searched by bisection
    edits: list[Edit] = []
    joined: set[int] = set()
    for e in result.edits:
        k = bisect_left(offsets, e.raw_start + 1)
        if e.before == " " and k < len(offsets) and offsets[k] == e.raw_start + 1:  # a gap, before token k
            joined.add(k)
            a, b = spans[k - 1][1], spans[k][0]
        else:
            k = bisect_right(offsets, e.raw_start) - 1  # the token the edit lies in
            offset = spans[k][0] - offsets[k]
            a, b = e.raw_start + offset, e.raw_end + offset
            if k in repaired:
                a, b = spans[k]
        edits.append(Edit(e.rule, e.kind, raw[a:b], e.after, a, b, 0, 0))
    if spans and spans[0][0]:
        edits.append(Edit("space.strip", "space", raw[: spans[0][0]], "", 0, spans[0][0], 0, 0))
    if spans and spans[-1][1] < len(raw):
        edits.append(Edit("space.strip", "space", raw[spans[-1][1] :], "", spans[-1][1], len(raw), 0, 0))
    for k in range(1, len(spans)):
        a, b = spans[k - 1][1], spans[k][0]
        if k not in joined and raw[a:b] != " ":
            edits.append(Edit("space.collapse", "space", raw[a:b], " ", a, b, 0, 0))
    edits.sort(key=lambda e: (e.raw_start, e.raw_end))
    text, edits = _rebuild(raw, edits)
    return Detokenised(text, edits, result.marks, result.flags)


_REWRITTEN = frozenset({"@", "?"})  # kinds whose token a rule may rewrite (markers, lost dash)


def _token_edits(para: _Paragraph, i: int, raw: str, start: int, pos, shift, out, edits, marks):
    """Edits inside token i (a marker's character, a repaired dash, emphasis asterisks)."""
    tok_len = len(para.raw_tokens[i])
    lead, trail = para.emphasis.get(i, (0, 0))
    if lead:
        out.append(raw[pos:start])
        edits.append(
            Edit("emphasis.markdown", "emphasis", "*", "", start, start + 1, start - shift, start - shift)
        )
        pos, shift = start + 1, shift + 1
        para.mark_start = start + 1 - shift
    rewrite = para.marker_rewrite(i) if para.kinds[i] == "@" else para.rewrites.get(i)
    if rewrite:
        rule, after = rewrite
        a, b = start + lead, start + tok_len - trail
        out.append(raw[pos:a])
        out.append(after)
        clean = a - shift
        kind = "marker" if rule.startswith("marker") else "repair"
        edits.append(Edit(rule, kind, raw[a:b], after, a, b, clean, clean + len(after)))
        shift += (b - a) - len(after)
        pos = b
    if trail:
        b = start + tok_len
        out.append(raw[pos : b - 1])
        clean = b - 1 - shift
        edits.append(Edit("emphasis.markdown", "emphasis", "*", "", b - 1, b, clean, clean))
        marks.append(Mark("emphasis", para.mark_start, clean))
        pos, shift = b, shift + 1
    return pos, shift


def _rebuild(raw: str, edits: list[Edit]) -> tuple[str, list[Edit]]:
    out, pos, shift = [], 0, 0
    for e in edits:
        out.append(raw[pos : e.raw_start])
        out.append(e.after)
        e.clean_start = e.raw_start - shift
        e.clean_end = e.clean_start + len(e.after)
        shift += (e.raw_end - e.raw_start) - len(e.after)
        pos = e.raw_end
    out.append(raw[pos:])
    return "".join(out), edits


class _Paragraph:
    """One paragraph's tokens, their kinds and the state the boundary rules carry along."""

    __slots__ = (
        "disabled",
        "double_open",
        "emphasis",
        "glue_at",
        "glue_rule",
        "ipa_close_at",
        "ipa_open",
        "kinds",
        "mark_start",
        "n",
        "raw_tokens",
        "repaired",
        "rewrites",
        "single_open",
        "toks",
        "unpaired",
    )

    def __init__(
        self, toks: list[str], kinds: list[str], disabled: frozenset[str], repaired: frozenset[int]
    ) -> None:
        self.raw_tokens = self.toks = toks
        self.repaired = repaired
        self.kinds, self.disabled, self.n = kinds, disabled, len(toks)
        self.double_open = self.single_open = self.unpaired = self.ipa_open = False
        self.glue_at = self.ipa_close_at = -1  # token after which the next one is glued
        self.glue_rule = ""
        self.rewrites: dict[int, tuple[str, str]] = {}  # token index → (rule, new text)
        self.emphasis: dict[int, tuple[int, int]] = {}  # token index → asterisks (lead, trail)
        self.mark_start = 0

    # ------------------------------------------------------------------ set-up
    def open_at_start(self) -> None:
        """A quote that starts the paragraph opens a quotation."""
        if self.kinds[0] == '"':
            self.double_open = True
            self._glue(0, "quote.double")
        elif self.n > 1 and DECADE.match(self.toks[1]):
            self._glue(0, "quote.decade")
        else:
            self.single_open = True
            self._glue(0, "quote.single")

    def find_emphasis(self) -> None:
        """Pair `*word ... word*` spans; the asterisks go, the rules see the bare words."""
        toks = list(self.toks)
        opened = -1
        for i, tok in enumerate(toks):
            if "*" not in tok or len(tok) < 2:
                continue
            if opened < 0 and tok[0] == "*" and tok[1] != "*":
                if tok[-1] == "*" and len(tok) > 2 and tok[-2] != "*":
                    self.emphasis[i] = (1, 1)
                else:
                    opened = i
            elif opened >= 0 and tok[-1] == "*" and tok[-2] != "*":
                self.emphasis[opened] = (1, 0)
                self.emphasis[i] = (0, 1)
                opened = -1
        if not self.emphasis:
            return
        for i, (lead, trail) in self.emphasis.items():
            bare = toks[i][lead : len(toks[i]) - trail]
            toks[i] = bare
            self.kinds[i] = _kind(bare)
        self.toks = toks

    def _glue(self, i: int, rule: str) -> None:
        self.glue_at, self.glue_rule = i, rule

    def _token(self, i: int) -> str:
        return self.toks[i] if 0 <= i < self.n else ""

    # ------------------------------------------------------------------ boundaries
    def decide(self, g: int) -> str | None:
        """The rule that joins token g to token g-1, or None for a space."""
        rule = self._decide(g)
        if rule is None or rule in self.disabled:
            return None
        if rule in WORD_JOINS and "U" in (self.kinds[g - 1], self.kinds[g]):
            return None
        return rule

    def _decide(self, g: int) -> str | None:
        left_kind, right_kind = self.kinds[g - 1], self.kinds[g]
        glued = self.glue_rule if self.glue_at == g - 1 else None
        if right_kind == '"':
            return self._double_quote(g, left_kind, glued)
        if right_kind == "'":
            return self._single_quote(g, self.toks[g - 1], left_kind, glued)
        if glued:
            return glued
        if not right_kind and left_kind in _NOTHING_BEFORE_WORD:
            return None  # e.g. a closing quote before a word: only left-hand rules could apply
        left, right = self.toks[g - 1], self.toks[g]
        if left_kind == "@":
            return self._after_marker(g - 1, right)
        if right_kind == "@":
            return self._marker(g)
        if right_kind == "C":
            return "punct.close"
        if left_kind == "O" or left_kind == "o":
            return "punct.open" if left_kind == "O" else "quote.curly"
        if right_kind == "?":
            lost = "repair.lost_dash" not in self.disabled
            if lost and _is_number(left) and _is_number(self._token(g + 1)):
                self.rewrites[g] = ("repair.lost_dash", "–")
                self._glue(g, "repair.lost_dash")
                return "repair.lost_dash"
            return "punct.close"
        if right_kind == ":":
            after = self._token(g + 1)
            if left.isdigit() and len(left) <= 2 and after.isdigit():
                self._glue(g, "punct.time")
                return "punct.time"
            return "punct.close"
        if right_kind == "K":
            return "clitic" if left_kind not in ("O", "o") else None
        if right_kind == "’":
            if self._token(g + 1) in CURLY_TAILS:
                self._glue(g, "clitic")
                return "clitic"
            return "quote.curly"
        if right_kind == "–" or left_kind == "–":
            return self._en_dash(g, left, right)
        if right_kind == "—" or left_kind == "—":
            return "dash.em"
        if right_kind == "J" or left_kind == "J":
            return "punct.joiner"
        if left_kind == "$":
            return "punct.prefix" if right[:1].isdigit() else None
        if right_kind == "$":
            return "punct.prefix" if right in CURRENCY and ACRONYM.match(left) else None
        if right_kind == "°":
            if _is_number(left) and (right != "°" or self._token(g + 1) not in DEGREE_UNITS):
                return "punct.degree"
            return None
        if left_kind == "°":
            joins = right in DEGREE_UNITS or right in COMPASS_LETTERS or right[:1].isdigit()
            return "punct.degree" if joins and _is_number(self._token(g - 2)) else None
        if right_kind == "*":
            return "punct.close" if ROMAN.match(left) else None
        if right_kind == "&" or left_kind == "&":
            before = left if right_kind == "&" else self._token(g - 2)
            after = self._token(g + 1) if right_kind == "&" else right
            return "amp.acronym" if ACRONYM.match(before) and ACRONYM.match(after) else None
        if right_kind == "/" or left_kind == "/":
            return self._slash(g, right_kind == "/")
        if right_kind == "~":
            return "combining"
        if left_kind == "~" and (right[:1] == "-" or right[:1].isalpha()):
            return "combining"
        return None

    def _double_quote(self, g: int, left_kind: str, glued: str | None) -> str | None:
        if self.double_open:
            self.double_open = False
            return "quote.double"
        following = self._token(g + 1)
        if not following or following in CLAUSE_END:
            self.unpaired = True  # a quote that ends the text or a clause closes one opened elsewhere
            return "quote.double"
        self.double_open = True
        self._glue(g, "quote.double")
        return self._opening_joins(left_kind, glued)

    def _single_quote(self, g: int, left: str, left_kind: str, glued: str | None) -> str | None:
        if self.single_open:
            self.single_open = False
            return "quote.single"
        following = self._token(g + 1)
        if DECADE.match(following):
            self._glue(g, "quote.decade")
            return self._opening_joins(left_kind, glued)
        if left.endswith("s") and left.lower() not in NOT_POSSESSIVE and left_kind != "O":
            return "quote.single"
        if not following or following in CLAUSE_END:
            return "quote.single"
        self.single_open = True
        self._glue(g, "quote.single")
        return self._opening_joins(left_kind, glued)

    @staticmethod
    def _opening_joins(left_kind: str, glued: str | None) -> str | None:
        """An opening quote joins an opening bracket, an em dash or another opening quote."""
        if glued:
            return glued
        if left_kind == "O":
            return "punct.open"
        if left_kind == "o":
            return "quote.curly"
        if left_kind == "—":
            return "dash.em"
        return None

    def marker_rewrite(self, i: int) -> tuple[str, str] | None:
        """(rule, character) for the marker token i, or None when its rule is disabled."""
        if i in self.rewrites:
            return self.rewrites[i]
        tok = self.raw_tokens[i]
        rule = "marker.repair" if i in self.repaired else MARKER_RULE.get(tok, "marker.repair")
        char = MARKER_LIKE.match(tok).group(1)
        if rule in self.disabled:
            return None
        self.rewrites[i] = (rule, char)
        return self.rewrites[i]

    def _marker(self, g: int) -> str | None:
        """A marker joins the word before it; its character replaces it."""
        rewrite = self.marker_rewrite(g)
        if rewrite and rewrite[1] == "-" and g + 1 < self.n and self.kinds[g + 1] == "U":
            return None  # `a - <unk>`
        return rewrite[0] if rewrite else None

    def _after_marker(self, i: int, right: str) -> str | None:
        """A hyphen joins the word after it; a comma or decimal point only a digit."""
        rewrite = self.marker_rewrite(i)
        if rewrite is None or (i > 0 and self.kinds[i - 1] == "U"):
            return None  # `<unk> - based`: the unknown word stays a token of its own
        rule, char = rewrite
        return rule if char == "-" or right[:1].isdigit() else None

    def _en_dash(self, g: int, left: str, right: str) -> str | None:
        if self.kinds[g] == "–":
            before, after = left, self._token(g + 1)
        else:
            before, after = self._token(g - 2), right
        if (_is_number(before) or ERA.match(before)) and _is_number(after):
            return "dash.range"
        if before.lower() in COMPASS and after.lower() in COMPASS:
            return "dash.compound"
        return None

    def _slash(self, g: int, slash_right: bool) -> str | None:
        if slash_right:
            if self.ipa_open:
                self.ipa_open = False
                self.ipa_close_at = g
                return "slash.ipa"
            if IPA.search(self._token(g + 1)) and "slash.ipa" not in self.disabled:
                self.ipa_open = True
                self._glue(g, "slash.ipa")
                return None
            return "slash.join"
        if self.ipa_close_at == g - 1:
            return None
        return "slash.join"


def _is_number(token: str) -> bool:
    return NUMBER.match(token) is not None


# ----------------------------------------------------------------------------- audits
# ----------------------------------------------------------------------------- back to WikiText
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
