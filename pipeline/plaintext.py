"""Recognise the structure of plain-text articles by layout.

A plain-text article looks like this: the first non-empty line is the title, then a
summary paragraph (the lead), often a run of short key-fact lines (a list), then short
heading lines (``What Happened?``, ``Key Points:``, ``Why It Matters``) that open
sections of body paragraphs. Paragraphs are one per line or separated by blank lines.

`classify_lines` gives every line one `LineRole`. The rules look only at layout — line
length, final punctuation, capitalisation, bullets, blank lines and what follows a line —
never at a list of known heading words:

* **blank**: empty or whitespace-only lines, and decoration lines with no text
  (``***``, ``-----``, ``=====``, a bare bullet).
* **title**: the first non-blank line, unless it is long enough to be a paragraph or it
  is a bulleted item.
* **heading**: a short single line (`HEADING_MAX_WORDS`, `HEADING_MAX_CHARS`) that does
  not end like a sentence (no final ``.``, ``!``, ``,``, ``;``, ``…``; a final ``?`` or
  ``:`` is fine), does not start in lower case, and is *followed by body text*:

  - followed by a long paragraph: a heading;
  - followed by a bulleted item: a heading (it labels the list);
  - ending with ``:`` and followed by any short line: a heading (``Key Points:``);
  - followed by a short sentence line: a heading only if it is title-like (Title Case,
    at most `HEADING_SHORT_WORDS` words, or a question);
  - followed by another heading, by another heading-like fragment, or by nothing (end
    of file): not a heading — it is classified like any other short line below.

  Markdown-style ``## Heading``, a whole-line ``**bold**`` line, and a line underlined by
  ``===``/``---`` are explicit headings (they still need something after them).
  A numbered line (``1. Background``) is a heading only when it is followed by a long
  paragraph and neither neighbour is a list item.
* **item**: any bulleted line (``-``, ``*``, ``+``, ``•``, ``1.``, ``1)``, ``(a)``…), and
  every line of a run of 2 or more consecutive short unbulleted lines (each at most
  `ITEM_MAX_CHARS`) that are not headings — `SPACED_LIST_MIN_ITEMS` or more when blank
  lines separate them. A run is broken by a long paragraph, a heading, a bulleted item,
  a decoration line, or a blank gap wider than the document's usual gap between
  paragraphs (so blank-line-separated articles still have lists).
* **paragraph**: everything else — long lines, a single short line standing alone
  between paragraphs/headings, a heading-like line with no body after it. The first
  line after the title is the lead: a paragraph even when it is short, as long as it
  ends like a sentence (a short fragment there, like ``Date: 1937``, starts the list).

Hard-wrapped prose (lines that run on: a line not ending in ``.?!:`` followed by a
line starting in lower case, or ending in ``,``/``;``/a hyphen; and the rest of such a
wrapped block) is one logical paragraph: all its lines are ``paragraph`` (or ``item``
for a wrapped bulleted item) and `LineRole.continues` is set on every line after the
first, so a later stage can join them.

Known limits (layout cannot tell these apart): a colon-ended lead-in sentence before a
list ("The worst storms included:") is taken as the list's heading; a short unpunctuated
sentence alone before a long paragraph is taken as a heading; an article with no lead
whose first fact line ends with a period gets that line as a (lead) paragraph; two
short lines separated by blank lines stay two paragraphs, not a list.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass

import regex

# ---------------------------------------------------------------- thresholds

# Longest first line still taken as a title: real titles are well under this, while a
# file that starts straight with a paragraph usually has a longer first line.
TITLE_MAX_CHARS = 200

# Headings are short labels or questions ("What Happened?", "Why Does it Matter?",
# "How the City Fell and What Came Next"); a dozen words covers long question headings
# while keeping most one-sentence paragraphs out.
HEADING_MAX_WORDS = 12
HEADING_MAX_CHARS = 100

# A heading-like fragment this short ("Background", "Key facts", "Why it matters") is
# title-like even when written in sentence case.
HEADING_SHORT_WORDS = 4

# Longest line counted as "short" (a fact line / list item candidate). Key-fact lines
# are one short sentence (typically 30–120 characters); body and lead paragraphs are
# several sentences and far longer.
ITEM_MAX_CHARS = 160

# Short lines separated by blank lines, as paragraphs are, form a list only from this many
# on: two such lines are as likely two short paragraphs (adjacent lines need only two).
SPACED_LIST_MIN_ITEMS = 3

# Hard-wrapped text: a block is wrapped if its widest line is within these bounds
# (editors wrap at 60–100 columns) and a line at least this fraction of that width is
# "full" (the wrapper broke it, rather than the author ending a paragraph).
WRAP_MIN_WIDTH = 40
WRAP_MAX_WIDTH = 120
WRAP_FULL_FRACTION = 0.6

# Characters stripped around a line's content besides whitespace (BOM, zero-width).
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"

# Short function words that stay lower case in Title Case headings ("Why Does it Matter").
_SMALL_WORDS = frozenset(
    "a an the and or nor but so yet of in on at to for by with from into onto as per via vs "
    "off out up is are was were be been it its than that this".split()
)


@dataclass
class LineRole:
    """The role of one input line.

    kind: "title" | "heading" | "item" | "paragraph" | "blank"; level: 1 for the title,
    2 for headings, 0 otherwise. ``line[text_start:text_end]`` is the content without
    surrounding whitespace, list bullet or Markdown marker (empty for blank lines).
    continues: the line continues the previous non-blank line's paragraph or item
    (hard-wrapped text).
    """

    kind: str
    level: int
    text_start: int
    text_end: int
    continues: bool = False


# ---------------------------------------------------------------- line scanning

_MD_HEADING = regex.compile(r"#{1,6}[ \t]+")
_MD_CLOSING = regex.compile(r"[ \t]+#+$")
_BULLET = regex.compile(
    r"""
    (?: (?P<sym> [-*+–—](?=\s) | [•●○◦▪▫■□‣⁃►▸▶➤➢→✓✔✗∙·] )
      | (?P<num> \(?(?:\d{1,2}|[a-z])\) (?=\s) | \d{1,2}\.(?=\s) )
    )\s*
    """,
    regex.VERBOSE,
)
_DECORATION = regex.compile(r"[-=_*~#+.·•—–<>|/\\\s]*")
_UNDERLINE = regex.compile(r"(?:=+|-+)")
_WORD = regex.compile(r"[\p{L}\p{N}][\p{L}\p{N}'’\-]*")
_CLOSERS = "\"')]}’”»*_"
_FIELD = regex.compile(r"[^:]{1,40}:\s+\S")
# Sentence boundary inside a line: terminal punctuation, optional closers, space, then
# an upper-case letter or digit (optionally after opening quotes).
_SENTENCE_BREAK = regex.compile(r"(?<=(\S*)([.!?]))[\"')\]’”]*\s+(?=[\"'(\[‘“]*[\p{Lu}\p{N}])")
# Words before a period that do not end a sentence: initials, "U.S.", titles, "approx.".
_ABBREV = regex.compile(
    r"\p{Lu}\p{Ll}?|(?:\p{L}\.)+\p{L}|Gen|Col|Maj|Sgt|Capt|Mrs|Rev|Sen|Gov|Rep|Inc|Ltd|Corp|Jr|Sr|"
    r"St|Mt|Ft|No|approx|est|etc|vs|ca|cf|incl|e\.g|i\.e"
)


@dataclass
class _Line:
    start: int = 0
    end: int = 0
    bullet: str = ""  # "", "sym" or "num"
    marked: bool = False  # Markdown heading or whole-line bold
    underline: bool = False  # a setext underline (=== or ---)
    decoration: bool = False  # a line with characters but no text (***, ----)
    indent: int = 0

    @property
    def blank(self) -> bool:
        return self.end <= self.start


def _strip_span(line: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (line[start].isspace() or line[start] in _INVISIBLE):
        start += 1
    while end > start and (line[end - 1].isspace() or line[end - 1] in _INVISIBLE):
        end -= 1
    return start, end


def _scan(line: str) -> _Line:
    start, end = _strip_span(line, 0, len(line))
    info = _Line(indent=start)
    if start == end:
        return info
    body = line[start:end]
    if _DECORATION.fullmatch(body):
        info.decoration = True
        info.underline = _UNDERLINE.fullmatch(body) is not None and len(body) >= 3
        return info  # no text: blank
    m = _MD_HEADING.match(line, start, end)
    if m:
        info.marked = True
        start = m.end()
        closing = _MD_CLOSING.search(line, start, end)
        if closing:
            end = closing.start()
    else:
        m = _BULLET.match(line, start, end)
        if m:
            info.bullet = "num" if m.group("num") else "sym"
            start = m.end()
    start, end = _strip_span(line, start, end)
    for marker in ("**", "__"):
        if end - start > 2 * len(marker) and line.startswith(marker, start) and line.endswith(marker, 0, end):
            inner = line[start + len(marker) : end - len(marker)]
            if marker not in inner:
                start, end = _strip_span(line, start + len(marker), end - len(marker))
                info.marked = info.marked or not info.bullet
                break
    if start < end and _DECORATION.fullmatch(line, start, end):
        start = end  # a bullet or marker with nothing after it
    if start >= end:
        return _Line(indent=info.indent, decoration=True)
    info.start, info.end = start, end
    return info


# ---------------------------------------------------------------- text features


def _terminal(text: str) -> str:
    """The last character that matters for how a line ends ('' if a letter or digit)."""
    t = text.rstrip(_CLOSERS + " ")
    if not t:
        return ""
    if t.endswith(("...", "…")):
        return "…"
    ch = t[-1]
    return "" if ch.isalnum() else ch


def _sentence_count(text: str) -> int:
    n = 1
    for m in _SENTENCE_BREAK.finditer(text):
        if m.group(2) == "." and _ABBREV.fullmatch(m.group(1)):
            continue
        n += 1
    return n


def _title_case(words: list[str]) -> bool:
    significant = [w for w in words[1:] if w.lower() not in _SMALL_WORDS and w[0].isalpha()]
    return bool(significant) and all(w[0].isupper() for w in significant)


@dataclass
class _Unit:
    """One logical block: a single line, or several hard-wrapped lines."""

    lines: list[int]
    text: str
    bullet: str
    marked: bool
    kind: str = ""

    def __post_init__(self) -> None:
        self.words = _WORD.findall(self.text)
        self.term = _terminal(self.text)

    @property
    def first(self) -> int:
        return self.lines[0]

    @property
    def last(self) -> int:
        return self.lines[-1]

    @property
    def long(self) -> bool:
        """Paragraph-like: too long for a list item, or wrapped prose."""
        return len(self.text) > ITEM_MAX_CHARS or (len(self.lines) > 1 and not self.bullet)


def _heading_like(u: _Unit) -> bool:
    if len(u.lines) != 1 or not u.words or u.bullet == "sym":
        return False
    if u.marked:
        return len(u.text) <= 2 * HEADING_MAX_CHARS
    if len(u.words) > HEADING_MAX_WORDS or len(u.text) > HEADING_MAX_CHARS:
        return False
    if u.term in (".", "!", ",", ";", "…"):
        return False
    first = u.words[0]
    return not (first[0].islower() and not any(c.isupper() for c in first))


def _title_like(u: _Unit) -> bool:
    return (
        u.marked
        or u.term in (":", "?")
        or len(u.words) <= HEADING_SHORT_WORDS
        or (u.words[0][0].isupper() and _title_case(u.words))
    )


# ---------------------------------------------------------------- wrapped text


def _runs_on(a: str, b: str) -> bool:
    """Whether line b obviously continues the sentence of line a."""
    end = _terminal(a)
    if end in (",", ";", "-", "–", "(", "&", "/"):
        return True
    return end not in (".", "!", "?", ":", "…") and b[:1].islower()


def _links(lines: list[str], info: list[_Line], skip: int) -> list[bool]:
    """links[i]: line i+1 continues line i (same paragraph or item)."""
    n = len(lines)
    links = [False] * n

    def text(i: int) -> str:
        return lines[i][info[i].start : info[i].end]

    def joinable(i: int) -> bool:
        a, b = info[i], info[i + 1]
        return not (a.blank or b.blank or b.bullet or b.marked or a.marked or i == skip or i + 1 == skip)

    item_indent = -1  # indent of the bullet of the item being continued, if any
    for i in range(n - 1):
        if info[i].bullet:
            item_indent = info[i].indent
        elif not (i > 0 and links[i - 1]):
            item_indent = -1
        if not joinable(i):
            continue
        if _runs_on(text(i), text(i + 1)) or 0 <= item_indent < info[i + 1].indent:
            links[i] = True  # a run-on sentence, or an indented continuation of an item
    # Extend to whole wrapped blocks: a sentence may end exactly at a line break.
    i = 0
    while i < n:
        if info[i].blank:
            i += 1
            continue
        j = i
        while j + 1 < n and not info[j + 1].blank:
            j += 1
        block = range(i, j + 1)
        width = max(len(text(k)) for k in block)
        if any(links[k] for k in range(i, j)) and WRAP_MIN_WIDTH <= width <= WRAP_MAX_WIDTH:
            full = WRAP_FULL_FRACTION * width
            for k in range(i, j):
                nxt = text(k + 1)
                if links[k] or not joinable(k) or len(text(k)) < full:
                    continue
                if len(nxt) >= full or _terminal(nxt) in (".", "!", "?", "…") or nxt[:1].islower():
                    links[k] = True
        i = j + 1
    return links


# ---------------------------------------------------------------- classification


def classify_lines(lines: list[str]) -> list[LineRole]:
    """One `LineRole` per input line (lines carry no newline characters)."""
    n = len(lines)
    info = [_scan(line) for line in lines]
    # A setext underline marks the line above as a heading, if that line could be one;
    # under a sentence it is only a rule between paragraphs.
    for i in range(1, n):
        above = info[i - 1]
        if info[i].underline and not above.blank and not above.bullet:
            text = lines[i - 1][above.start : above.end]
            if len(text) <= HEADING_MAX_CHARS and _terminal(text) not in (".", "!", ",", ";", "…"):
                above.marked = True

    first = next((i for i in range(n) if not info[i].blank), None)
    title = None
    if first is not None:
        first_text = lines[first][info[first].start : info[first].end]
        if not info[first].bullet and len(first_text) <= TITLE_MAX_CHARS:
            title = first
    links = _links(lines, info, -1 if title is None else title)

    # Logical units.
    units: list[_Unit] = []
    i = 0
    while i < n:
        if info[i].blank:
            i += 1
            continue
        group = [i]
        while links[group[-1]] and group[-1] + 1 < n:
            group.append(group[-1] + 1)
        text = " ".join(lines[k][info[k].start : info[k].end] for k in group)
        units.append(_Unit(group, text, info[i].bullet, info[i].marked))
        i = group[-1] + 1

    roles = [LineRole("blank", 0, 0, 0) for _ in range(n)]
    if not units:
        return roles
    start_k = 0
    if title is not None:
        units[0].kind = "title"
        start_k = 1

    def gap(a: _Unit, b: _Unit) -> int:
        """Blank lines between two units; a decoration line counts as a wide gap."""
        between = range(a.last + 1, b.first)
        if any(info[k].decoration for k in between):
            return n + 1
        return len(between)

    gaps = [gap(units[k], units[k + 1]) for k in range(start_k, len(units) - 1)]
    usual_gap = min(1, int(statistics.median(gaps))) if gaps else 0

    # Headings, deciding from the end since a heading must be followed by body text.
    for k in range(len(units) - 1, start_k - 1, -1):
        u = units[k]
        if k + 1 >= len(units) or not _heading_like(u):
            continue
        nxt = units[k + 1]
        prev = units[k - 1] if k > 0 else None
        if u.bullet == "num":
            ok = nxt.long and not nxt.bullet and not (prev is not None and prev.bullet)
        elif u.marked:
            ok = True
        elif nxt.kind == "heading":
            ok = False
        elif nxt.long:
            # A "Label: value" field closing a run of such fields is a list item.
            ok = not (
                _FIELD.match(u.text)
                and prev is not None
                and prev.kind == ""
                and not prev.long
                and _FIELD.match(prev.text)
                and gap(prev, u) <= usual_gap
            )
        elif nxt.bullet or u.term == ":":
            ok = True
        elif _heading_like(nxt):
            ok = False  # a fragment followed by a fragment: list items
        else:
            ok = _title_like(u) or u.term == "?"
        if ok:
            u.kind = "heading"

    # Items and paragraphs.
    k = start_k
    while k < len(units):
        u = units[k]
        if u.kind:
            k += 1
        elif u.bullet:
            u.kind = "item"
            k += 1
        elif u.long:
            u.kind = "paragraph"
            k += 1
        else:
            run = [u]
            while k + len(run) < len(units):
                v = units[k + len(run)]
                if v.kind or v.bullet or v.long or gap(run[-1], v) > usual_gap:
                    break
                run.append(v)
            lead = title is not None and k == start_k and len(run) >= 2
            if lead and (u.term in (".", "!", "?") or _sentence_count(u.text) > 1):
                u.kind = "paragraph"  # a short lead; the lines after it form their own run
                k += 1
                continue
            spaced = any(gap(a, b) for a, b in itertools.pairwise(run))
            kind = "item" if len(run) >= (SPACED_LIST_MIN_ITEMS if spaced else 2) else "paragraph"
            for v in run:
                v.kind = kind
            k += len(run)

    for u in units:
        level = {"title": 1, "heading": 2}.get(u.kind, 0)
        for pos, i in enumerate(u.lines):
            roles[i] = LineRole(u.kind, level, info[i].start, info[i].end, continues=pos > 0)
    return roles
