"""Ingest: raw files → documents (one per article) and quarantine records.

Reads WikiText (raw or tokenised, LF/CRLF/CR, with or without blank lines, with or
without a BOM, optionally compressed), the Hugging Face `wikitext` Parquet layout (one
`text` row per line) and plain-text articles. Lines that cannot be read become
quarantine records with their line range and reason; nothing is dropped silently.

Bad input, and what becomes of it (tests/test_bad_input.py runs each case):

* empty, blank-only or binary file: one quarantine record for the whole file;
* a line of invalid UTF-8: that line is quarantined (a run of such lines is one record);
* a damaged or truncated compressed stream (or Parquet file): the documents before the
  damage are kept, the lines read after the last of them are quarantined;
* a file that changes while it is read: no document goes out once the change is seen,
  the lines from there on are quarantined, and the next run reads the file again;
* UTF-16 (with a byte order mark, or mostly-ASCII without one) is decoded as it streams;
* mojibake is repaired and control characters (NUL and the like) are removed, each
  change recorded as a repair on the document;
* a line of any length is read in about twice its size, never the file at once.
"""

from __future__ import annotations

import bz2
import codecs
import functools
import gzip
import hashlib
import itertools
import lzma
import re
import tomllib
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ftfy
import regex

from pipeline.schema import Document, Edit, Quarantine, Source

FORMATS = ("wikitext-raw", "wikitext-tokens", "hf-wikitext", "plain")
SIDECAR_NAME = "sources.toml"
COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
SKIPPED_NAMES = {SIDECAR_NAME, "README.md", ".gitkeep"}

# ` = Title = `, ` = = Heading = = `, and damaged forms such as `== = Heading == =`.
HEADING = regex.compile(r"^\s*(?P<left>=(?:\s*=)*)\s+(?P<text>\S.*?)\s+(?P<right>=(?:\s*=)*)\s*$")
LINE_END = regex.compile(rb"\r\n|\n|\r")
TEXT_LINE_END = regex.compile(r"\r\n|\n|\r")
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Control characters are never text (a NUL ends a C string; XML and PostgreSQL refuse them):
# removed, each run recorded as a repair. Tab stays; line endings never reach a line.
CONTROL_CHARS = regex.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")
CHUNK_SIZE = 1 << 20
COMPRESSED_CHUNK_SIZE = 1 << 16  # small, so a damaged stream keeps what came before the damage
FORMAT_SAMPLE_LINES = 400
INVALID_UTF8 = "invalid UTF-8"
BINARY_SHARE = 0.1  # of a file's first 8 KiB, in control bytes and bytes that are not UTF-8
CHANGED_WHILE_READ = (
    "file changed while it was read (size, time or inode differ): these lines were not used, "
    "as they may mix old and new text; run again to read it whole"
)
MAX_TITLE_CHARS = 300  # a longer first line of a plain-text file is text, not a title
WIKITEXT_MARKER = regex.compile(r" @[-,.]@ ")
SENTENCE_END = regex.compile(r"""[.!?](?:\s*["'”’)\]])*\s*$""")
STARTS_MID_SENTENCE = regex.compile(r"^[\W_]*[\p{Ll}\p{N}]")
SPLIT_FROM_NAME = regex.compile(r"(?:^|[._-])(train|valid|validation|test)(?:[._-]|$)")
SPLIT_NAMES = {"train": "train", "valid": "validation", "validation": "validation", "test": "test"}

# ftfy is used only to undo mojibake. Everything that would change correct text
# (quote uncurling, width folding, ligatures, normalisation) is off.
FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=True,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)


class InputError(ValueError):
    """An input path that cannot be used at all (missing, unreadable)."""


class UnreadableInput(InputError):
    """Reading a file failed part-way (a damaged compressed stream, an I/O error)."""


@dataclass
class SourceInfo:
    """Metadata a file cannot carry itself, from the `sources.toml` sidecar."""

    license: str | None = None
    url: str | None = None
    split: str | None = None
    language: str = "en"
    format: str | None = None
    title: str | None = None


@dataclass
class Sidecar:
    defaults: SourceInfo = field(default_factory=SourceInfo)
    files: dict[str, SourceInfo] = field(default_factory=dict)

    def info_for(self, name: str) -> SourceInfo:
        return self.files.get(name, self.defaults)


@dataclass
class IngestResult:
    documents: list[Document]
    quarantine: list[Quarantine]
    source: Source


# ----------------------------------------------------------------- inputs


def discover_inputs(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, and the files below named folders (sorted, hidden skipped)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and p.name not in SKIPPED_NAMES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.is_file():
            found.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    return found


def load_sidecar(path: Path | None) -> Sidecar:
    """Parse a `sources.toml`: `[defaults]` and `[files."NAME"]` tables (data only, checked)."""
    if path is None or not path.exists():
        return Sidecar()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a valid TOML sidecar: {exc}") from exc
    defaults = SourceInfo(**_source_fields(path, "[defaults]", data.get("defaults", {})))
    files = data.get("files", {})
    if not isinstance(files, dict):
        raise InputError(f"{path}: [files] must be a table of file names")
    return Sidecar(
        defaults,
        {
            name: SourceInfo(**{**defaults.__dict__, **_source_fields(path, f'[files."{name}"]', info)})
            for name, info in files.items()
        },
    )


# A split names release files (`data/<config>/<split>-….parquet`): a Hugging Face split name,
# never a path.
SPLIT_NAME = regex.compile(r"[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*")


def _source_fields(path: Path, table: str, info: object) -> dict[str, str]:
    """The known keys of one sidecar table, each a string; a split that could be a path is refused."""
    if not isinstance(info, dict):
        raise InputError(f"{path}: {table} must be a table")
    fields = {k: v for k, v in info.items() if k in SourceInfo.__dataclass_fields__}
    for key, value in fields.items():
        if not isinstance(value, str):
            raise InputError(f"{path}: {table} {key} must be a string, not {value!r}")
    if "split" in fields and not SPLIT_NAME.fullmatch(fields["split"]):
        split = fields["split"]
        raise InputError(f"{path}: {table} split {split!r} is not a split name (letters, digits, _ and .)")
    if "format" in fields and fields["format"] not in FORMATS:
        raise InputError(f"{path}: {table} format {fields['format']!r} is not one of {', '.join(FORMATS)}")
    return fields


def find_sidecar(paths: Iterable[Path]) -> Path | None:
    for path in paths:
        candidate = (path if path.is_dir() else path.parent) / SIDECAR_NAME
        if candidate.exists():
            return candidate
    return None


# ----------------------------------------------------------------- decoding


def open_bytes(path: Path):
    opener = COMPRESSED.get(path.suffix.lower())
    return opener(path, "rb") if opener else path.open("rb")


def logical_name(path: Path) -> str:
    """The file's name without a compression suffix (`wiki.test.raw.gz` → `wiki.test.raw`)."""
    return path.stem if path.suffix.lower() in COMPRESSED else path.name


def iter_raw_lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Stream lines (without endings) out of byte chunks; LF, CRLF and CR all end a line."""
    return _split_lines(chunks, LINE_END, b"")


def iter_text_lines(chunks: Iterable[str]) -> Iterator[str]:
    """`iter_raw_lines` for decoded text."""
    return _split_lines(chunks, TEXT_LINE_END, "")


def _split_lines(chunks: Iterable, line_end: regex.Pattern, empty: bytes | str) -> Iterator:
    """Linear in the input however long a line is: the pieces of an unfinished line are kept
    as they came and joined once, when the line ends (a 50 MB line costs about twice its size).
    """
    lf, cr = (b"\n", b"\r") if isinstance(empty, bytes) else ("\n", "\r")
    pending: list = []  # pieces of the line not yet ended
    after_cr = False  # the previous chunk ended in CR: a LF opening this one completes a CRLF
    for chunk in chunks:
        if not after_cr and cr not in chunk:  # LF endings only (the usual case): split in C
            *ended, rest = chunk.split(lf)
            if ended:
                pending.append(ended[0])
                ended[0], pending = empty.join(pending), []
                yield from ended
            if rest:
                pending.append(rest)
            continue
        start = 1 if after_cr and chunk.startswith(lf) else 0
        after_cr = False
        for match in line_end.finditer(chunk, start):
            pending.append(chunk[start : match.start()])
            line, pending = empty.join(pending), []  # the pieces go before the line is used
            yield line
            start = match.end()
            after_cr = start == len(chunk) and match.group() == cr
        if start < len(chunk):
            pending.append(chunk[start:])
    if pending:
        line, pending = empty.join(pending), []
        yield line


def remove_controls(number: int, line: str) -> tuple[str, list[Edit]]:
    """Remove control characters (NUL and the like); record each run removed."""
    if line.isprintable() or CONTROL_CHARS.search(line) is None:  # control characters are not printable
        return line, []
    edits: list[Edit] = []
    removed = 0
    for match in CONTROL_CHARS.finditer(line):
        start, end = match.span()
        at = start - removed
        edits.append(Edit("unicode.control", "delete", match.group(), "", start, end, at, at, number))
        removed += end - start
    return CONTROL_CHARS.sub("", line), edits


def repair_line(number: int, line: str) -> tuple[str, list[Edit]]:
    """A decoded line with control characters removed and mojibake repaired.

    The repairs apply in order: each one's raw offsets index the text the one before wrote. Most
    lines need neither; their checks are asked here first, without a call for each repair.
    """
    if line.isprintable() and (line.isascii() or not looks_broken(line)):
        return line, []
    line, controls = remove_controls(number, line)
    fixed, mojibake = repair_mojibake(number, line)
    return fixed, controls + mojibake


@functools.cache
def parse_pattern(pattern: re.Pattern[str]) -> tuple[Any, Any, Any] | None:
    """`pattern` parsed by the parser `re` itself uses, with that parser's constants and module;
    None where they are not there (they are private)."""
    try:
        from re import _constants, _parser

        return _parser.parse(pattern.pattern, pattern.flags), _constants, _parser
    except (ImportError, AttributeError, ValueError, TypeError):
        return None


def required_characters(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """A character class every match of `pattern` must contain, or None if none can be derived.

    `pattern` must be an alternation; from each alternative, its smallest top-level literal or
    class of non-ASCII characters only is taken (it is required for that alternative to match).
    A line with none of those characters cannot match, which a one-class search tells far
    sooner than ftfy's long alternation does.
    """
    parsed = parse_pattern(pattern)
    if parsed is None:
        return None
    tree, _constants, _ = parsed
    try:
        (op, (_, alternatives)), *rest = tree.data
    except (ValueError, TypeError):
        return None
    if rest or op is not _constants.BRANCH:
        return None
    required: set[str] = set()
    for alternative in alternatives:
        sets = (_finite_characters(item, _constants) for item in alternative.data)
        chars = min((s for s in sets if s and not any(c.isascii() for c in s)), key=len, default=None)
        if chars is None:
            return None
        required |= chars
    return re.compile("[" + "".join(map(re.escape, sorted(required))) + "]")


def _finite_characters(item: tuple[Any, Any], constants: Any) -> set[str] | None:
    """The characters one parsed item matches, if it is a plain literal or class (else None)."""
    op, arg = item
    if op is constants.LITERAL:
        return {chr(arg)}
    if op is not constants.IN:
        return None
    chars: set[str] = set()
    for member, value in arg:
        if member is constants.LITERAL:
            chars.add(chr(value))
        elif member is constants.RANGE:
            chars.update(map(chr, range(value[0], value[1] + 1)))
        else:  # a category (\w), a negation: not a finite set
            return None
    return chars


def context_free_width(pattern: re.Pattern[str]) -> int | None:
    """The longest match of `pattern`, if bounded and if a match depends on nothing outside it
    (no lookarounds, back references, word boundaries or anchors but `^` for the start of the
    text, which a search from a later `pos` keeps); else None."""
    parsed = parse_pattern(pattern)
    if parsed is None:
        return None
    tree, _constants, _parser = parsed
    try:
        width = tree.getwidth()[1]
    except (AttributeError, ValueError, TypeError, OverflowError):
        return None
    forbidden = {_constants.ASSERT, _constants.ASSERT_NOT, _constants.GROUPREF}
    forbidden |= {getattr(_constants, "GROUPREF_EXISTS", _constants.GROUPREF)}
    text_start = {_constants.AT_BEGINNING, _constants.AT_BEGINNING_STRING}

    def free(node: Any) -> bool:
        if isinstance(node, _parser.SubPattern):
            return all(item_free(op, arg) for op, arg in node.data)
        if isinstance(node, tuple | list):
            return all(free(item) for item in node)
        return True

    def item_free(op: Any, arg: Any) -> bool:
        if op is _constants.AT:
            return arg in text_start and not pattern.flags & re.MULTILINE
        return op not in forbidden and free(arg)

    return width if width < _constants.MAXREPEAT and free(tree) else None


MAYBE_MOJIBAKE = required_characters(ftfy.badness.BADNESS_RE)
BADNESS_WIDTH = context_free_width(ftfy.badness.BADNESS_RE)


def looks_broken(line: str) -> bool:
    """ftfy's test for mojibake (`is_bad`), searched only around the characters its matches hold.

    A match of ftfy's pattern is at most `BADNESS_WIDTH` characters long, depends on nothing
    around it and holds one of `MAYBE_MOJIBAKE`, so it lies in a window of that reach around
    one of them: on long lines with a few accents the search is a fraction of the line.
    """
    if line.isascii():
        return False
    if MAYBE_MOJIBAKE is None or BADNESS_WIDTH is None:
        return ftfy.badness.is_bad(line)
    search, reach = ftfy.badness.BADNESS_RE.search, BADNESS_WIDTH - 1
    start = end = 0  # the window being gathered (overlapping windows merge)
    for match in MAYBE_MOJIBAKE.finditer(line):
        if match.start() - reach > end:
            if end and search(line, start, end):
                return True
            start = match.start() - reach
        end = match.end() + reach
    return end > 0 and search(line, start, end) is not None


def repair_mojibake(number: int, line: str) -> tuple[str, list[Edit]]:
    """Fix a line only where ftfy judges it broken; record the changed middle."""
    if not looks_broken(line):
        return line, []
    fixed = ftfy.fix_text(line, FTFY_CONFIG)
    if fixed == line:
        return line, []
    prefix = len(_common_prefix(line, fixed))
    suffix = len(_common_prefix(line[prefix:][::-1], fixed[prefix:][::-1]))
    before, after = line[prefix : len(line) - suffix], fixed[prefix : len(fixed) - suffix]
    edit = Edit(
        "unicode.mojibake",
        "repair",
        before,
        after,
        prefix,
        prefix + len(before),
        prefix,
        prefix + len(after),
        number,
    )
    return fixed, [edit]


def _common_prefix(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return a[:n]


# ----------------------------------------------------------------- formats


def detect_format(name: str, lines: list[str]) -> str:
    """Guess a file's format from its name and first lines."""
    if name.endswith(".parquet"):
        return "hf-wikitext"
    sample = lines[:400]
    if name.endswith(".tokens") or any("<unk>" in line for line in sample):
        return "wikitext-tokens"
    markers = sum(1 for line in sample if WIKITEXT_MARKER.search(line))
    spaced = sum(line.count(" , ") + line.count(" . ") for line in sample)
    headings = sum(1 for line in sample if HEADING.match(line))
    if markers or (headings and (spaced or name.endswith(".raw"))) or spaced > 3:
        return "wikitext-raw"
    return "plain"


def split_for(name: str, info: SourceInfo) -> str:
    if info.split:
        return info.split
    match = SPLIT_FROM_NAME.search(name.lower())
    return SPLIT_NAMES[match.group(1)] if match else "train"


def heading_level(line: str) -> tuple[int, str] | None:
    """Level and inner text of a WikiText heading line, or None."""
    match = HEADING.match(line) if "=" in line else None  # most lines: no call into the pattern
    if not match:
        return None
    left, right = match.group("left").count("="), match.group("right").count("=")
    return min(left, right), match.group("text")


def is_article_title(prev: str | None, line: str, nxt: str | None, blank_layout: bool) -> bool:
    """Whether a level-1 heading line starts a new article.

    Lines such as ` = 1 rad / s and a nominal impedance k = ` are formulas that happen
    to look like titles. A real title stands apart: in files with blank lines it has a
    blank line before it; in files without, it does not continue an unfinished
    sentence into a line that starts in lower case or with a digit.
    """
    level = heading_level(line)
    if level is None or level[0] != 1 or HEADING.match(line).group("left") != "=":
        return False
    if prev is None or not prev.strip():
        return True
    if blank_layout:
        return False
    continues = not SENTENCE_END.search(prev) and not heading_level(prev)
    return not (continues and nxt is not None and STARTS_MID_SENTENCE.match(nxt))


# ----------------------------------------------------------------- documents


def document_id(source_name: str, title: str, occurrence: int) -> str:
    """Stable id from source and title (and which of equal titles), never row order."""
    key = f"{source_name}\x00{title}\x00{occurrence}".encode()
    return hashlib.blake2b(key, digest_size=8).hexdigest()


def wikipedia_url(title: str) -> str:
    return "https://en.wikipedia.org/wiki/" + title.replace(" ", "_")


def make_document(
    source: Source,
    info: SourceInfo,
    title: str,
    occurrence: int,
    lines: list[tuple[int, str]],
    raw_bytes: list[bytes],
    repairs: list[Edit],
) -> Document:
    wikitext = source.source_format != "plain"
    license_ = info.license or ("CC BY-SA 3.0" if wikitext else "unknown")
    url = info.url or (wikipedia_url(title) if wikitext else None)
    return Document(
        doc_id=document_id(source.name, title, occurrence),
        title=title,
        source_file=source.name,
        source_format=source.source_format,
        split=source.split,
        license=license_,
        url=url,
        language=info.language,
        raw_sha256=lines_sha256(raw_bytes),
        line_start=lines[0][0],
        line_end=lines[-1][0],
        lines=[text for _, text in lines],
        repairs=repairs,
    )


def lines_sha256(raw_lines: Iterable[bytes]) -> str:
    """sha256 of the lines joined by LF, joined a few hundred at a time (a bounded copy; one
    `update` a line took as long as the article's other ingest work)."""
    digest = hashlib.sha256()
    lines = iter(raw_lines)
    separator = b""
    while group := list(itertools.islice(lines, 256)):
        digest.update(separator)
        digest.update(b"\n".join(group))
        separator = b"\n"
    return digest.hexdigest()


@dataclass
class Line:
    number: int
    text: str
    raw: bytes
    repairs: list[Edit]


def with_next(items: Iterable[Line]) -> Iterator[tuple[Line, Line | None]]:
    iterator = iter(items)
    current = next(iterator, None)
    for following in iterator:
        yield current, following
        current = following
    if current is not None:
        yield current, None


def wikitext_articles(lines: Iterable[Line]) -> Iterator[tuple[str | None, list[Line]]]:
    """Group lines into (title, lines) articles as they stream; title None for a preamble.

    Blank lines before the first title belong to the first article, so articles tile the file.
    """
    blank_layout = False
    title: str | None = None
    buffer: list[Line] = []
    prev: str | None = None
    for line, following in with_next(lines):
        text = line.text
        nxt = following.text if following is not None else None
        if "=" in text and is_article_title(prev, text, nxt, blank_layout):  # a title holds "="
            if buffer and (title is not None or any(x.text.strip() for x in buffer)):
                yield title, buffer
                buffer = []
            title = heading_level(text)[1]
        buffer.append(line)
        if not blank_layout and (not text or text.isspace()):  # `not text.strip()`, without the copy
            blank_layout = True
        prev = text
    if buffer:
        yield title, buffer


class FileIngest:
    """Stream one file into documents; `source` and `quarantine` are complete once iterated."""

    def __init__(self, path: Path, sidecar: Sidecar, override_format: str | None = None) -> None:
        self.path = path
        self.name = logical_name(path)
        self.info = sidecar.info_for(self.name)
        self.override_format = override_format
        self.source = Source(str(path), self.name, "", 0, 0, "", split_for(self.name, self.info))
        self.quarantine: list[Quarantine] = []
        self._digest = hashlib.sha256()

    def reject(self, first: int, last: int, reason: str, excerpt: str = "") -> None:
        """Record lines `first`-`last` as quarantined; a run of undecodable lines is one record."""
        prev = self.quarantine[-1] if self.quarantine else None
        if (
            prev is not None
            and reason.startswith(INVALID_UTF8)
            and prev.reason.startswith(INVALID_UTF8)
            and prev.line_end + 1 == first
        ):
            prev.line_end = last
            return
        self.quarantine.append(Quarantine(self.name, first, last, reason, excerpt[:200]))

    def documents(self) -> Iterator[Document]:
        """The file's documents; a read error ends them, the unread rest becomes a quarantine record.

        The file must not change while it is read: before a document goes out, the file's size,
        times and inode are compared with those it had at the start (once for the documents that
        came from the same bytes read: a document is made of bytes read before it goes out, so a
        change can reach only those read after it). Once they differ, no more documents go out
        (they could mix old and new text): the lines from there to the end are read, counted and
        quarantined, and the next run reads the file again (the ingest stage's fingerprint holds
        the old size and time).
        """
        before = self._file_state()
        last_line = 0  # the last line of the documents that went out
        changed = False
        compared_at = -1  # bytes read when the file was last compared
        try:
            for doc in self._documents():
                if not changed and compared_at != self.source.n_bytes:
                    compared_at = self.source.n_bytes
                    changed = self._file_state() != before
                if not changed:
                    last_line = doc.line_end
                    yield doc
        except UnreadableInput as exc:
            self._reject_rest(last_line, str(exc))
        if changed or (last_line < self.source.n_lines and self._file_state() != before):
            self._reject_rest(last_line, CHANGED_WHILE_READ)

    def _reject_rest(self, last_line: int, reason: str) -> None:
        """Quarantine the lines read after `last_line` (a record with no lines if there are none).

        The one record replaces those already made for lines in that range (such as garbage
        a damaged stream decoded to before its checksum failed).
        """
        first, last = last_line + 1, self.source.n_lines
        if last < first:
            self.reject(0, 0, reason)
            return
        self.quarantine = [q for q in self.quarantine if not first <= q.line_start <= q.line_end <= last]
        self.reject(first, last, reason)

    def _documents(self) -> Iterator[Document]:
        chunks = self._counted(self._chunks())
        first = next(chunks, b"")
        if looks_binary(first):
            self._count_rest(first, chunks)
            self.reject(min(1, self.source.n_lines), self.source.n_lines, "binary file (NUL bytes), not text")
            return
        lines = self._lines(first, chunks)
        sample = list(itertools.islice(lines, FORMAT_SAMPLE_LINES))
        fmt = self.override_format or self.info.format or detect_format(self.name, [x.text for x in sample])
        self.source.source_format = fmt
        lines = itertools.chain(sample, lines)
        if fmt == "plain":
            everything = list(lines)
            pieces: Iterable[tuple[str | None, list[Line]]] = [
                (self.info.title or plain_title(everything, self.path), everything)
            ]
        else:
            pieces = wikitext_articles(lines)
        seen: Counter[str] = Counter()
        produced = False
        for title, chunk in pieces:
            if not any(x.text.strip() for x in chunk):
                continue
            if title is None:
                self.reject(
                    chunk[0].number, chunk[-1].number, "text before the first article title", chunk[0].text
                )
                continue
            title = title.strip()
            seen[title] += 1
            produced = True
            yield self._document(title, seen[title], chunk)
        if not produced:
            self._reject_blank_lines()

    def _reject_blank_lines(self) -> None:
        """In a file with no document, quarantine the (blank) lines no record holds yet."""
        n = self.source.n_lines
        if not n:
            self.reject(0, 0, "empty file" if not self.source.n_bytes else "file holds only whitespace")
            return
        reason = "blank lines in a file with no article" if self.quarantine else "file holds only whitespace"
        reached = 0
        for q in sorted(self.quarantine, key=lambda q: q.line_start):
            if q.line_start > reached + 1:
                self.reject(reached + 1, q.line_start - 1, reason)
            reached = max(reached, q.line_end)
        if reached < n:
            self.reject(reached + 1, n, reason)

    def _file_state(self) -> tuple[int, ...] | None:
        """What changes when the file is written, replaced or removed (None: it is gone)."""
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns

    def _document(self, title: str, occurrence: int, lines: list[Line]) -> Document:
        return make_document(
            self.source,
            self.info,
            title,
            occurrence,
            [(x.number, x.text) for x in lines],
            [x.raw for x in lines],
            [e for x in lines for e in x.repairs],
        )

    def _chunks(self) -> Iterator[bytes]:
        if self.name.endswith(".parquet"):
            yield from hf_parquet_chunks(self.path)
            return
        compressed = self.path.suffix.lower() in COMPRESSED
        try:
            with open_bytes(self.path) as f:
                size = COMPRESSED_CHUNK_SIZE if compressed else CHUNK_SIZE
                while chunk := f.read(size):
                    yield chunk
        except (OSError, EOFError, lzma.LZMAError, zlib.error) as exc:
            error = f"{type(exc).__name__}: {exc}"
            if not self.source.n_bytes:
                kind = f"a {self.path.suffix} file" if compressed else "it"
                raise UnreadableInput(f"cannot be read as {kind} ({error})") from exc
            what = "damaged or truncated compressed file" if compressed else "read error"
            raise UnreadableInput(
                f"{what}: reading stopped after {self.source.n_bytes} bytes of content ({error}); "
                "the lines before were kept, the rest cannot be read"
            ) from exc

    def _counted(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self._digest.update(chunk)
            self.source.n_bytes += len(chunk)
            yield chunk
        self.source.sha256 = self._digest.hexdigest()

    def _count_rest(self, first: bytes, chunks: Iterator[bytes]) -> None:
        self.source.n_lines = sum(1 for _ in iter_raw_lines(itertools.chain([first], chunks)))

    def _lines(self, first: bytes, chunks: Iterator[bytes]) -> Iterator[Line]:
        """Decoded, repaired lines; undecodable ones are quarantined one by one."""
        utf16 = utf16_codec(first)
        if utf16 is not None:
            raw_lines: Iterable[bytes] = (
                line.encode("utf-8")
                for line in iter_text_lines(self._decoded(itertools.chain([first], chunks), utf16))
            )
        else:
            if first.startswith(b"\xef\xbb\xbf"):
                first = first[3:]
            raw_lines = iter_raw_lines(itertools.chain([first], chunks))
        for number, raw in enumerate(raw_lines, 1):
            self.source.n_lines = number
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                self.reject(
                    number,
                    number,
                    f"{INVALID_UTF8} (first bad byte: {exc.start} of line {number})",
                    raw[:200].decode("utf-8", "replace"),
                )
                continue
            fixed, repairs = repair_line(number, text)
            yield Line(number, fixed, raw, repairs)

    def _decoded(self, chunks: Iterable[bytes], codec: str) -> Iterator[str]:
        """Text from a UTF-16 byte stream, decoded as it comes; bad UTF-16 ends it (UnreadableInput)."""
        decoder = codecs.getincrementaldecoder(codec)("strict")
        done = 0
        for chunk in itertools.chain(chunks, [b""]):
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                raise UnreadableInput(
                    f"invalid {codec.upper()} within bytes {done}-{done + len(chunk)} ({exc.reason}); "
                    "the rest of the file cannot be read"
                ) from exc
            done += len(chunk)
            yield text


def ingest_file(path: Path, sidecar: Sidecar, override_format: str | None = None) -> IngestResult:
    """Read one whole file into documents and quarantine records (for small inputs and tests)."""
    reader = FileIngest(path, sidecar, override_format)
    documents = list(reader.documents())
    return IngestResult(documents, reader.quarantine, reader.source)


# What `str.strip()` strips (regex's \s lacks the four information separators \x1c-\x1f).
FIRST_NON_SPACE = regex.compile(r"[^\s\x1c-\x1f]")
LAST_NON_SPACE = regex.compile(r"(?r)[^\s\x1c-\x1f]")


def plain_title(lines: list[Line], path: Path) -> str:
    """A plain-text article's title: its first line, unless that is too long to be one.

    Measured without stripping a copy of the line, which may be tens of megabytes long.
    """
    for x in lines:
        first = FIRST_NON_SPACE.search(x.text)
        if first is None:
            continue
        start, end = first.start(), LAST_NON_SPACE.search(x.text).end()
        return x.text[start:end] if end - start <= MAX_TITLE_CHARS else logical_name(path).rsplit(".", 1)[0]
    return ""


def utf16_codec(sample: bytes) -> str | None:
    """ "utf-16" for a file with a UTF-16 byte order mark; "utf-16-le"/"-be" for one without
    whose first 8 KiB look like mostly-ASCII UTF-16 (a NUL byte in every other place); else None."""
    if sample.startswith(UTF16_BOMS):
        return "utf-16"
    head = sample[:8192]
    half = len(head) // 2
    if half < 4:
        return None
    even, odd = head[0 : 2 * half : 2], head[1 : 2 * half : 2]
    if odd.count(0) >= 0.9 * half and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= 0.9 * half and odd.count(0) == 0:
        return "utf-16-be"
    return None


def looks_binary(sample: bytes) -> bool:
    """Binary, not text: NUL bytes, and much of the first 8 KiB is control bytes or not UTF-8.

    A NUL alone does not make a file binary: a text file may hold a few (they are removed
    and recorded as repairs), while in binary data undecodable bytes and controls abound.
    """
    head = sample[:8192]
    if b"\x00" not in head or utf16_codec(sample) is not None:
        return False
    text = head.decode("utf-8", "replace")
    junk = sum(1 for c in text if c == "\ufffd" or (c < " " and c not in "\t\n\r"))
    return junk > BINARY_SHARE * len(text)


def hf_parquet_chunks(path: Path) -> Iterator[bytes]:
    """The Hugging Face `wikitext` layout (one `text` row per line) as file-like bytes."""
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (OSError, ValueError) as exc:
        raise UnreadableInput(f"not a Parquet file: {exc}") from exc
    if "text" not in parquet.schema_arrow.names:
        raise UnreadableInput("a Parquet file without a 'text' column")
    try:
        for batch in parquet.iter_batches(columns=["text"], batch_size=4096):
            rows = batch.column(0).to_pylist()
            yield "".join((row or "").rstrip("\n") + "\n" for row in rows).encode("utf-8")
    except (OSError, ValueError) as exc:
        reason = f"{type(exc).__name__}: {exc}"
        raise UnreadableInput(f"damaged Parquet file ({reason}); the rest cannot be read") from exc
