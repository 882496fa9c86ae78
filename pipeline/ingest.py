"""Ingest: raw files → documents (one per article) and quarantine records.

Reads WikiText (raw or tokenised, LF/CRLF/CR, with or without blank lines, with or
without a BOM, optionally compressed), the Hugging Face `wikitext` Parquet layout (one
`text` row per line) and plain-text articles. Lines that cannot be read become
quarantine records with their line range and reason; nothing is dropped silently.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import tomllib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import ftfy
import regex

from pipeline.schema import Document, Edit, Quarantine, Source

FORMATS = ("wikitext-raw", "wikitext-tokens", "hf-wikitext", "plain")
SIDECAR_NAME = "sources.toml"
COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
SKIPPED_NAMES = {SIDECAR_NAME, "README.md", ".gitkeep"}

# ` = Title = `, ` = = Heading = = `, and damaged forms such as `== = Heading == =`.
HEADING = regex.compile(r"^\s*(?P<left>=(?:\s*=)*)\s+(?P<text>\S.*?)\s+(?P<right>=(?:\s*=)*)\s*$")
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
    """Parse a `sources.toml`: `[defaults]` and `[files."NAME"]` tables."""
    if path is None or not path.exists():
        return Sidecar()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a valid TOML sidecar: {exc}") from exc
    known = set(SourceInfo.__dataclass_fields__)
    defaults = SourceInfo(**{k: v for k, v in data.get("defaults", {}).items() if k in known})
    files = {
        name: SourceInfo(**{**defaults.__dict__, **{k: v for k, v in info.items() if k in known}})
        for name, info in data.get("files", {}).items()
    }
    return Sidecar(defaults, files)


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


def split_lines(data: bytes) -> list[bytes]:
    """Lines without their ending; LF, CRLF and CR all end a line."""
    lines = regex.split(rb"\r\n|\n|\r", data)
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def decode_file(data: bytes) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Decode a file's bytes into numbered lines, and the numbers of lines that failed with why.

    UTF-8 (with or without BOM) line by line, so one bad line costs only that line;
    UTF-16 when the file starts with its BOM.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
        return [(n, line) for n, line in enumerate(regex.split(r"\r\n|\n|\r", text.rstrip("\r\n")), 1)], []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    good: list[tuple[int, str]] = []
    bad: list[tuple[int, str]] = []
    for number, raw in enumerate(split_lines(data), 1):
        try:
            good.append((number, raw.decode("utf-8")))
        except UnicodeDecodeError as exc:
            bad.append((number, f"invalid UTF-8 at byte {exc.start} of the line"))
    return good, bad


def repair_mojibake(number: int, line: str) -> tuple[str, list[Edit]]:
    """Fix a line only where ftfy judges it broken; record the changed middle."""
    if line.isascii() or not ftfy.badness.is_bad(line):
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
    if markers or (headings and spaced) or spaced > 3:
        return "wikitext-raw"
    return "plain"


def split_for(name: str, info: SourceInfo) -> str:
    if info.split:
        return info.split
    match = SPLIT_FROM_NAME.search(name.lower())
    return SPLIT_NAMES[match.group(1)] if match else "train"


def heading_level(line: str) -> tuple[int, str] | None:
    """Level and inner text of a WikiText heading line, or None."""
    match = HEADING.match(line)
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
        raw_sha256=hashlib.sha256(b"\n".join(raw_bytes)).hexdigest(),
        line_start=lines[0][0],
        line_end=lines[-1][0],
        lines=[text for _, text in lines],
        repairs=repairs,
    )


def wikitext_articles(lines: list[tuple[int, str]]) -> Iterator[tuple[str | None, int, int]]:
    """(title, first index, end index) of each article in numbered lines; title None for a preamble."""
    blank_layout = False
    start = 0
    title: str | None = None
    for i, (_, line) in enumerate(lines):
        prev = lines[i - 1][1] if i else None
        nxt = lines[i + 1][1] if i + 1 < len(lines) else None
        if is_article_title(prev, line, nxt, blank_layout):
            if i > start:
                yield title, start, i
            title, start = heading_level(line)[1], i
        if not line.strip():
            blank_layout = True
    if start < len(lines):
        yield title, start, len(lines)


def ingest_file(path: Path, sidecar: Sidecar, override_format: str | None = None) -> IngestResult:
    """Read one file into documents and quarantine records."""
    name = logical_name(path)
    info = sidecar.info_for(name)
    data = read_hf_parquet_lines(path) if name.endswith(".parquet") else _read_bytes(path)
    source = Source(str(path), name, hashlib.sha256(data).hexdigest(), len(data), 0, "", "")
    quarantine: list[Quarantine] = []

    def reject(first: int, last: int, reason: str, excerpt: str = "") -> None:
        quarantine.append(Quarantine(name, first, last, reason, excerpt[:200]))

    if not data.strip():
        source.n_lines = len(split_lines(data))
        reject(
            min(1, source.n_lines), source.n_lines, "empty file" if not data else "file holds only whitespace"
        )
        return IngestResult([], quarantine, source)
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        source.n_lines = len(split_lines(data))
        reject(1, max(1, source.n_lines), "binary file (NUL bytes), not text")
        return IngestResult([], quarantine, source)

    decoded, undecodable = decode_file(data)
    for number, reason in undecodable:
        reject(number, number, reason)
    source.n_lines = len(decoded) + len(undecodable)
    raw_by_number = dict(enumerate(split_lines(data), 1))

    repaired: list[tuple[int, str]] = []
    repairs_by_line: dict[int, list[Edit]] = {}
    for number, line in decoded:
        fixed, edits = repair_mojibake(number, line)
        repaired.append((number, fixed))
        if edits:
            repairs_by_line[number] = edits
    source.source_format = override_format or info.format or detect_format(name, [t for _, t in repaired])
    source.split = split_for(name, info)

    documents: list[Document] = []
    if source.source_format == "plain":
        pieces = [(info.title or _first_text_line(repaired), 0, len(repaired))]
    else:
        pieces = list(wikitext_articles(repaired))
    pieces = attach_blank_preamble(pieces, repaired)
    seen: Counter[str] = Counter()
    for title, first, end in pieces:
        chunk = repaired[first:end]
        if title is None:
            reject(chunk[0][0], chunk[-1][0], "text before the first article title", chunk[0][1])
            continue
        seen[title] += 1
        repairs = [e for number, _ in chunk for e in repairs_by_line.get(number, [])]
        raw_bytes = [raw_by_number.get(number, b"") for number, _ in chunk]
        documents.append(make_document(source, info, title.strip(), seen[title], chunk, raw_bytes, repairs))
    return IngestResult(documents, quarantine, source)


def attach_blank_preamble(
    pieces: list[tuple[str | None, int, int]], lines: list[tuple[int, str]]
) -> list[tuple[str | None, int, int]]:
    """Give blank lines before the first title to the first article, so articles tile the file."""
    if len(pieces) > 1 and pieces[0][0] is None and not any(t.strip() for _, t in lines[: pieces[0][2]]):
        title, _, end = pieces[1]
        return [(title, 0, end), *pieces[2:]]
    return pieces


def _first_text_line(lines: list[tuple[int, str]]) -> str:
    return next((text.strip() for _, text in lines if text.strip()), "")


def _read_bytes(path: Path) -> bytes:
    try:
        with open_bytes(path) as f:
            return f.read()
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise InputError(f"{path}: cannot be read: {exc}") from exc


def read_hf_parquet_lines(path: Path) -> bytes:
    """The Hugging Face `wikitext` layout: one `text` row per line, as file bytes."""
    import pyarrow.parquet as pq

    try:
        column = pq.read_table(path, columns=["text"]).column("text").to_pylist()
    except Exception as exc:
        raise InputError(f"{path}: not a Parquet file with a 'text' column: {exc}") from exc
    return "".join((row or "").rstrip("\n") + "\n" for row in column).encode("utf-8")
