"""Sentence splitter for clean English encyclopedic text (detokenised WikiText, plain articles).

The splitter never changes a character: it returns spans (or substrings) of its input.

How it works
  1. A text is cut into paragraphs at blank lines; inside a paragraph, a single newline is
     ordinary whitespace unless it ends a heading or list line (see `_line_breaks`).
  2. A paragraph (or line group) that starts with an enumerator ("1.", "2.)", "a.", "•") is
     cut before the next enumerator of the same series ("2.", "3.)", "b.", "•") - inline lists.
  3. Inside each piece, one regular expression finds every candidate boundary: a cluster
     of terminal punctuation (". ! ? …", spaced ". . .", CJK "。"), closing quotes or
     brackets, optional citation markers "[12]", then whitespace.  Each candidate is
     decided by looking at the word before it (abbreviation tables below) and the word
     after it (lower case, digit, capitalised, closed-class sentence starter).

All language knowledge lives in the tables (`TITLES`, `NUMERIC`, `FINAL`, `NEVER`,
`STARTERS`, ...); the code only combines their answers.  Import is cheap (stdlib `re` only).
"""

from __future__ import annotations

import itertools
import re

__all__ = ["sentence_bounds", "split_text"]

# ---------------------------------------------------------------------------- tables


def _words(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Abbreviations are written lower-case without their final period.

#: Never end a sentence, whatever follows ("e.g. The Beatles", "Roe v. Wade", "ca. 1900").
NEVER = _words("""e.g i.e vs v cf viz ca approx circa fl incl esp resp cca""")

#: Stand before a name or a number: a boundary only if a sentence starter follows
#: ("Lt. Gen. Yasuhiko Asaka", "St. Louis", "Mt. Fuji"; but "... on Main St. The ...").
TITLES = _words(
    """mr mrs ms mssrs messrs mme mmes mlle mlles mgr msgr dr prof profs st ste sts mt ft pt
    lt lieut gen col capt cpt cmdr cdr comdr adm brig maj sgt cpl pvt gov sen rep reps
    pres supt insp det atty hon rt rev revd fr br sr sra srta dir amb lit"""
)

#: Stand before a number ("No. 20 Squadron", "p. 55", "Vol. 3", "Jan. 5"); otherwise words.
NUMERIC = _words(
    """no nos n° nº num vol vols p pp pg pgs fig figs art arts sec secs ch chap chaps op eq eqs
    ex tab para paras pl pls nr div ref refs ed eds edn rev est pop alt elev ht wt tel ph fax
    jan feb mar apr jun jul aug sep sept oct nov dec
    ft in yd yds mi sq lb lbs oz hr hrs min mins sec km cm mm kg"""
)

#: Can end a sentence but usually do not when a capitalised word follows
#: ("U.S. Army", "Richard L. Jones, Jr. Airport", "Pitt, Briggs & Co. It closed").
FINAL = _words(
    """inc co corp ltd llc plc bros jr jnr snr esq al dept depts univ assn assoc intl natl
    govt mfg"""
)

#: Clock abbreviations: "at 1:00 p.m. Japanese troops ..." ends a sentence unless the
#: sentence so far is a short introductory phrase ("At 5 a.m. Mr. Smith went ...").
TIME = _words("a.m p.m am pm")

#: Closed-class words (and auxiliaries) that start sentences but are never names; they make
#: a boundary after an initial or abbreviation ("you and I. Did", "the E.U. How about").
STARTERS = _words(
    """The A An This That These Those There Here It Its It's He She His Her Hers Him They Their
    Them We Our Us You Your I I'm I've My Me In On At By For From With Without Within After
    Before During Since Until Till When Whenever While Where Whereas Although Though Because
    If Unless As Once However But And Or Nor So Yet Also Still Thus Therefore Hence Moreover
    Furthermore Meanwhile Nevertheless Nonetheless Instead Otherwise Then Today Now Later
    Some Many Most Several Few Both Each Every All Any Such Other Another Despite According
    Among Between Under Over Through Throughout Following Including What How Why Who Whom
    Whose Which Did Does Do Is Are Was Were Has Have Had Could Would Should Shall Must Might
    Not Only Even Just Upon Unlike Like Of To Into Against Along Around Near Beyond
    Additionally Finally First Second Third Consequently Subsequently Similarly Indeed
    Overall Altogether Eventually"""
)

#: Nouns after which a single capital letter is a label, not an initial ("World War I").
LETTER_LABELS = _words(
    "war part book act phase type class group vitamin plan appendix exhibit section chapter "
    "volume category grade level stage series model hepatitis division row column annex "
    "schedule option team block wing zone area unit"
)

#: Prepositions that open an introductory phrase ("At 5 a.m. Mr. Smith went ...").
INTRO = _words("at on by around about before after until till from in since early late")

#: Words that label a figure or table caption: "Figure 1. Original and mutant application."
CAPTION = _words(
    "figure figures fig figs table tables plate map chart listing scheme box exhibit diagram "
    "graph photo image illustration"
)

#: A line (or heading) ending in one of these words continues on the next line.
CONTINUING = _words(
    "a an the and or nor but of to in on at by for from with as that which who whose than "
    "into onto via per its their his her our your my"
)

_TERMINAL = ".!?…‼⁇⁈⁉。！？｡।॥؟۔"  # characters that can end a sentence
_CJK_TERMINAL = "。！？｡"  # end a sentence even without a following space
_CLOSERS = "\"'”’)]»›」』）】〕〉》"  # may follow the terminal punctuation
_OPENERS = "\"'“‘([{«‹„‚¿¡「『（【〔〈《"  # may precede the first letter of a sentence
_BULLETS = "•‣⁃◦▪●■□➢►"  # list bullets (a hyphen bullet only at a line start)
_SENTENCE_SYMBOLS = _BULLETS + "$£€¥#@"  # may start a sentence (besides letters and digits)

# One candidate boundary: punctuation cluster, closers, citation markers, whitespace.
_T = re.escape(_TERMINAL)
_C = re.escape(_CLOSERS)
_CAND = re.compile(
    rf"(?P<p>[{_T}](?:[{_T}]|[ \u00a0][.…](?=[\s.…{_C}]|$))*)"
    rf"(?P<c>[{_C}]*)"
    r"(?P<r>(?:[ \t\u00a0]*\[(?:[0-9]{1,4}|[a-z][a-z0-9 .,:;'-]{0,30}|"
    r"(?:note|nb|n|Note|NB) ?[0-9a-z]{1,3})\])*)"
    r"(?P<w>\s*)"
)
_MULTI_PERIOD = re.compile(r"(?:[^\W\d_]{1,2}\.)+[^\W\d_]{1,2}")  # U.S, a.m, Ph.D, K.C
_ENUM_ONLY = re.compile(
    rf"(?:[{_BULLETS}*\-–]\s*)?\(?(?:\d{{1,3}}(?:\.\d{{1,3}})*|[A-Za-z]|[IVXLivxl]{{1,5}})[.)]"
)
_ROMAN = re.compile(r"[IVXLC]+")
_FOOTNOTE = re.compile(r"(\d{1,3})\s+([^\W\d_][\w'’]*)")
_LIST_START = re.compile(rf"(?:(?P<b>[{_BULLETS}])|(?P<n>\d{{1,3}}|[a-z])(?P<s>\.\)|\)|\.))\s*\S")
_LINE_ITEM = re.compile(rf"(?:[{_BULLETS}*\-–]|\(?(?:\d{{1,3}}|[a-zA-Z])[.)])\s")
_MIN_WRAP = 50  # hard-wrapped text has lines at least this long
_PARA_BREAK = re.compile(r"\n[^\S\n]*\n\s*")

# ---------------------------------------------------------------------------- core


def _word_after(text: str, j: int, end: int) -> str:
    """The word starting at j, without trailing punctuation."""
    k = j
    while k < end and not text[k].isspace():
        k += 1
    return text[j:k].rstrip(".,;:!?\"'”’)]")


def _next_word(text: str, j: int, end: int, upper: bool) -> tuple[str, bool]:
    """The capitalised word at j ("" if it is not capitalised), and whether it is a sentence
    starter; not when it is itself an initial ("R. A. Dickey")."""
    word = _word_after(text, j, end) if upper else ""
    return word, word in STARTERS and not (len(word) == 1 and text[j + 1 : j + 2] == ".")


def _previous_word(text: str, sent_start: int, ws: int) -> str:
    """The word that ends just before position ws (a space), within the sentence."""
    k = ws
    while k > sent_start and text[k - 1].isspace():
        k -= 1
    a = k
    while a > sent_start and not text[a - 1].isspace():
        a -= 1
    return text[a:k]


def _short_intro(text: str, start: int, pos: int) -> bool:
    """True if text[start:pos] is a short introductory phrase ("At 5 a.m.")."""
    words = text[start:pos].split()
    return len(words) <= 6 and words[0].lower().strip(_OPENERS) in INTRO


def _decide(text: str, m: re.Match, sent_start: int, s: int, end: int) -> tuple[int, int] | None:
    """(end of this sentence, start of the next) if candidate m is a boundary, else None.

    text[s:end] is the piece being split; text[sent_start:m.start()] the sentence so far.
    """
    nxt = m.end()
    p, closers, refs, space = m.groups()  # one call for the four groups
    if not space and (p[-1] not in _CJK_TERMINAL or closers or refs):
        return None  # no space: only CJK full stops end a sentence here ("他来了。她走了。")
    if nxt >= end:
        return None
    sent_end = m.end("r") if refs else m.end("c")
    if text[nxt] == '"' and nxt + 1 < end and text[nxt + 1].isspace() and text.count('"', s, nxt) % 2:
        # A closing quote left spaced by a detokeniser: 'know what you're doing. " Boulter'.
        sent_end = nxt + 1
        closers = '"'
        nxt += 2
        while nxt < end and text[nxt].isspace():
            nxt += 1
    j = nxt
    while j < end and (text[j] in _OPENERS or (j > nxt and text[j].isspace())):
        j += 1  # openers, also spaced ones left by a detokeniser ('" Kiss You " is ...')
    if j >= end:
        return None
    f = text[j]
    if f.islower():
        return None  # "Yahoo! in", "co. at the party", "... well"
    if not f.isalnum() and f not in _SENTENCE_SYMBOLS:
        return None  # "'Huh?' – used as ...", '"... a long game." - Matthew Ingram'
    opener = text[nxt] if j > nxt else ""
    start = m.start()

    if len(p) > 1 or p == "…":
        ndots = p.count(".") + 3 * p.count("…")
        if "?" in p or "!" in p or "‼" in p:
            pass  # "Hello!?", "Really?!.."
        elif ndots == 2 and p == "..":
            pass  # "Jr.." - an abbreviation's period and the sentence's
        elif ndots == 3 and text[start - 1 : start] == "[" and closers[:1] == "]":
            pass  # an omission mark between quoted sentences: "crop yields [...] Ozone is"
        elif ndots <= 3:
            return None  # an ellipsis inside a sentence ("is . . . I didn't")
        elif p[0] == "." and p[1] in " \u00a0" and start > 0 and not text[start - 1].isspace():
            # "compounds. . . . The practice": the period ends it, the ellipsis starts the next.
            k = start + 1
            while text[k] in " \u00a0":
                k += 1
            return start + 1, k
        if opener in "([" and opener:
            return None
        return sent_end, nxt
    if p in "!?‼⁇⁈⁉！？؟":
        if opener in "([" and opener:
            return None  # "Meurtres? (Three Sinners, 1950)", "Viva Maria! (1965)"
        return sent_end, nxt
    if p != ".":
        return sent_end, nxt  # 。 । ؟ ۔ ...

    # A single period: look at the word before it.
    if start - sent_start < 24 and _enum_or_caption(text, sent_start, start):
        return None  # "2.1. New Institutional Economics", "1.) The first item", "Figure 1. ..."
    if refs:
        return sent_end, nxt  # citation markers follow sentences: "in the U.S.[3] The"
    ws = start - 1
    while ws >= sent_start and not text[ws].isspace():
        ws -= 1
    token = text[ws + 1 : start].lstrip(_OPENERS)
    if not token or token[-1] in _CLOSERS:
        return sent_end, nxt  # '"Marbles".', "(1950).", " . " left by a detokeniser
    if (
        len(token) <= 2
        and token.isdigit()
        and text[ws - 1 : ws] in (":", ";")
        and text[ws - 2 : ws - 1].isalpha()
    ):
        return None  # a list number after a colon: "three factors: 1. The nature of ..."
    key = token.lower()
    if "-" in key:
        key = key.rsplit("-", 1)[1]  # "6-ft. 4 in."
    upper = f.isupper() or (f.isalpha() and not f.islower())  # caseless scripts count as upper
    digit = f.isdigit()
    opener = opener or closers[:1]  # "(H.H.) Waechter" reads like "H.H. (Waechter"
    # The word after it and whether it starts sentences are asked for by the abbreviation rules
    # below only (`_next_word`): an ordinary word before the period needs neither.

    if key in NEVER:
        return None
    if len(token) == 1 and token.isalpha():
        if token.islower():
            return None  # "p. 55", "c. 1900", "(b. March 2009)"
        # An initial ("F. Tillman Durdin", "W. W. Rouse Ball"), unless a starter follows,
        # or a label after its noun ("World War I. Originally", "Plan B. Smith").
        if _next_word(text, j, end, upper)[1]:
            return sent_end, nxt
        return (sent_end, nxt) if _previous_word(text, sent_start, ws).lower() in LETTER_LABELS else None
    if key in TIME:
        if digit or opener:
            return None
        word = _next_word(text, j, end, upper)[0]
        if word.isupper() and word.rstrip(".").lower() not in TITLES:
            return None  # "5 p.m. EST"
        return None if _short_intro(text, sent_start, start) else (sent_end, nxt)
    if key in FINAL or ("." in token and _MULTI_PERIOD.fullmatch(token)):
        word, starter = _next_word(text, j, end, upper)
        if starter:
            return sent_end, nxt
        if word.rstrip(".").lower() in TITLES and not opener:
            return None if _short_intro(text, sent_start, start) else (sent_end, nxt)
        return None  # "U.S. Army", "Jr. Airport", "U.S. (Playhouse Square Center)"
    if key in TITLES:
        return (sent_end, nxt) if _next_word(text, j, end, upper)[1] else None
    if key in NUMERIC and (digit or _ROMAN.fullmatch(_next_word(text, j, end, upper)[0])):
        return None  # "No. 20", "pp. 12", "Jan. 5", "Vol. II"
    if closers:
        return sent_end, nxt  # closed quote/bracket: '"This is great." She'

    # An ordinary word, number, address...
    if opener in "([" and opener and not upper:
        return None  # "et al. (2005)", "Washington, D.C. (capital city ...)"
    if digit:
        opened = text.count("(", sent_start, start) - text.count(")", sent_start, start)
        if opened > 0:
            return None  # no sentence starts with a number inside brackets: "(Ez. 25,14)"
        fm = _FOOTNOTE.match(text, j, end)
        if fm and fm.group(2) in STARTERS:
            return fm.end(1), fm.start(2)  # "... a publication fee. 8 Yet some journals"
    return sent_end, nxt


def _enum_or_caption(text: str, sent_start: int, start: int) -> bool:
    """True if text[sent_start:start+1] is only a list number or a caption label."""
    head = text[sent_start : start + 1]
    if _ENUM_ONLY.fullmatch(head):
        return True
    parts = head.split()
    if len(parts) != 2 or parts[0].rstrip(".").lower() not in CAPTION:
        return False
    label = parts[1][:-1]
    return 0 < len(label) <= 4 and (label.isupper() or any(ch.isdigit() for ch in label))


def _split_piece(text: str, s: int, e: int, out: list[tuple[int, int]]) -> None:
    """Sentences of text[s:e] (s, e on non-space characters) appended to out."""
    sent_start = s
    for m in _CAND.finditer(text, s, e):
        if m.start() < sent_start:
            continue
        b = _decide(text, m, sent_start, s, e)
        if b is not None and b[0] > sent_start:
            out.append((sent_start, b[0]))
            sent_start = b[1]
    out.append((sent_start, e))


def _split_segment(text: str, s: int, e: int, out: list[tuple[int, int]]) -> None:
    """Sentences of a run of text without forced breaks, with inline lists cut first."""
    lm = _LIST_START.match(text, s, e)
    if lm is None:
        _split_piece(text, s, e, out)
        return
    cuts = []
    if lm.group("b"):
        bullet = lm.group("b")
        k = text.find(bullet, s + 1, e)
        while k > 0:
            if text[k - 1].isspace():
                cuts.append(k)
            k = text.find(bullet, k + 1, e)
    else:
        n, style = lm.group("n"), lm.group("s")
        pos = lm.end()
        while True:
            n = str(int(n) + 1) if n.isdigit() else chr(ord(n) + 1)
            mm = re.compile(rf"(?<=\s){re.escape(n)}{re.escape(style)}\s+(?=[^\s{_C}])").search(text, pos, e)
            if mm is None or not (text[mm.end()].isupper() or text[mm.end()].isdigit()):
                break
            cuts.append(mm.start())
            pos = mm.end()
    a = s
    for k in cuts:
        b = k
        while text[b - 1].isspace():
            b -= 1
        _split_piece(text, a, b, out)
        a = k
    _split_piece(text, a, e, out)


def _line_breaks(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """Runs of lines of one paragraph that are split by a forced break (heading/list line)."""
    lines = []
    pos = s
    while pos < e:
        k = text.find("\n", pos, e)
        if k < 0:
            k = e
        a, b = pos, k
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            lines.append((a, b))
        pos = k + 1
    if len(lines) <= 1:
        return lines
    width = max(b - a for a, b in lines)
    runs = []
    run_start = lines[0][0]
    for (a, b), (na, nb) in itertools.pairwise(lines):
        if _LINE_ITEM.match(text, na, nb) or _is_heading(text, a, b, na, nb, width):
            runs.append((run_start, b))
            run_start = na
    runs.append((run_start, lines[-1][1]))
    return runs


def _is_heading(text: str, a: int, b: int, na: int, nb: int, width: int) -> bool:
    """True if line text[a:b] stands alone (heading, caption, list line) before text[na:nb]."""
    last, first, nfirst = text[b - 1], text[a], text[na]
    if last in _TERMINAL or (last in _CLOSERS and text[b - 2 : b - 1] in tuple(_TERMINAL)):
        return False  # ends like a sentence: the ordinary rules decide
    if last in ",;:-–—&/(+" or first.islower():
        return False
    if not (nfirst.isupper() or nfirst.isdigit() or nfirst in _OPENERS or nfirst in _BULLETS):
        return False
    k = b
    while k > a and not text[k - 1].isspace():
        k -= 1
    if text[k:b].lower() in CONTINUING:
        return False
    if width < _MIN_WRAP or _LINE_ITEM.match(text, a, b):
        return True  # short lines are not wrapped text; a list item ends at its line end
    # A wrapped line breaks because the next word did not fit; a heading ends early.
    nk = na
    while nk < nb and not text[nk].isspace():
        nk += 1
    return (b - a) + 1 + (nk - na) <= width


# ---------------------------------------------------------------------------- API


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of one paragraph; they cover all its non-space text."""
    out: list[tuple[int, int]] = []
    e = len(text.rstrip())
    s = len(text) - len(text.lstrip())
    if s >= e:
        return out
    if "\n" not in text:
        _split_segment(text, s, e, out)
        return out
    pos = s
    bounds = []
    for m in _PARA_BREAK.finditer(text, s, e):
        bounds.append((pos, m.start()))
        pos = m.end()
    bounds.append((pos, e))
    for a, b in bounds:
        while b > a and text[b - 1].isspace():
            b -= 1
        if b <= a:
            continue
        if "\n" in text[a:b]:
            for ra, rb in _line_breaks(text, a, b):
                _split_segment(text, ra, rb, out)
        else:
            _split_segment(text, a, b, out)
    return out


def split_text(text: str) -> list[str]:
    """Sentences of a text whose paragraphs are separated by blank lines."""
    return [text[a:b] for a, b in sentence_bounds(text)]
