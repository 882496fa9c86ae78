"""Ingest on real WikiText files, their layout variants, plain text and bad input."""

from __future__ import annotations

import gzip
import itertools
import re
from pathlib import Path

import ftfy
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ingest import (
    BADNESS_WIDTH,
    MAYBE_MOJIBAKE,
    Sidecar,
    context_free_width,
    detect_format,
    discover_inputs,
    document_id,
    ingest_file,
    is_article_title,
    load_sidecar,
    looks_broken,
    repair_mojibake,
)
from tests.conftest import RAW, SEEDS, WT2_RAW, shared_file

TEST_RAW = WT2_RAW / "wiki.test.raw"


def titles(path: Path, **kwargs) -> list[str]:
    return [d.title for d in ingest_file(path, Sidecar(), **kwargs).documents]


@pytest.mark.parametrize(
    ("name", "split"),
    [("wiki.test.raw", "test"), ("wiki.valid.raw", "validation"), ("wiki.test.lf-blanklines.raw", "test")],
)
def test_wikitext2_raw_has_sixty_articles(name: str, split: str) -> None:
    result = ingest_file(shared_file("data", "wikitext-2-raw", name), Sidecar())
    assert len(result.documents) == 60
    assert {d.split for d in result.documents} == {split}
    assert result.source.source_format == "wikitext-raw"
    assert not result.quarantine


def test_formula_lines_that_look_like_titles_stay_inside_their_article() -> None:
    for path in (TEST_RAW, WT2_RAW / "wiki.test.lf-blanklines.raw"):
        found = titles(path)
        assert not any(t.startswith(("1 rad", "1 henry")) for t in found)
        filter_doc = next(d for d in ingest_file(path, Sidecar()).documents if d.title == "Constant k filter")
        assert any("= 1 rad / s and a nominal impedance k =" in line for line in filter_doc.lines)


def test_title_rule_in_both_layouts() -> None:
    title = " = Robert Boulter = "
    assert is_article_title(None, title, " Robert Boulter is an actor .", blank_layout=False)
    assert is_article_title(" ", title, " ", blank_layout=True)
    assert not is_article_title(" text before", title, " ", blank_layout=True)
    assert not is_article_title(
        " a low @-@ pass filter ", " = 1 rad / s = ", " 1 Ω . This", blank_layout=False
    )
    assert not is_article_title(None, " = = Career = = ", " ", blank_layout=False)


def test_crlf_bom_and_blank_line_layouts_give_the_same_articles(tmp_path: Path) -> None:
    lf = (WT2_RAW / "wiki.valid.raw").read_bytes()
    variants = {
        "lf": lf,
        "crlf_bom": b"\xef\xbb\xbf" + lf.replace(b"\n", b"\r\n"),
        "no_blank_lines": b"".join(line + b"\n" for line in lf.split(b"\n") if line.strip()),
        "cr_only": lf.replace(b"\n", b"\r"),
    }
    results = {}
    for name, data in variants.items():
        path = tmp_path / f"wiki.valid.{name}.raw"
        path.write_bytes(data)
        results[name] = [(d.title, d.doc_id) for d in ingest_file(path, Sidecar()).documents]
    assert len(results["lf"]) == 60
    titles_only = {name: [t for t, _ in r] for name, r in results.items()}
    assert all(t == titles_only["lf"] for t in titles_only.values())


def test_tokenised_files_are_detected_by_name_and_unk() -> None:
    result = ingest_file(shared_file("data", "wikitext-103", "wiki.test.tokens"), Sidecar())
    assert result.source.source_format == "wikitext-tokens"
    assert len(result.documents) == 60
    assert detect_format("x.txt", [" The <unk> was here . "]) == "wikitext-tokens"


def test_hf_parquet_layout_one_text_row_per_line(tmp_path: Path) -> None:
    rows = [
        line + "\n" if line.strip() else ""
        for line in (WT2_RAW / "wiki.valid.raw").read_text().split("\n")[:-1]
    ]
    path = tmp_path / "validation-00000-of-00001.parquet"
    pq.write_table(pa.table({"text": rows}), path)
    result = ingest_file(path, Sidecar())
    assert result.source.source_format == "hf-wikitext"
    assert result.source.split == "validation"
    assert [d.title for d in result.documents] == titles(WT2_RAW / "wiki.valid.raw")


def test_compressed_input_reads_like_the_plain_file(tmp_path: Path) -> None:
    path = tmp_path / "wiki.valid.raw.gz"
    path.write_bytes(gzip.compress((WT2_RAW / "wiki.valid.raw").read_bytes()))
    result = ingest_file(path, Sidecar())
    assert result.source.name == "wiki.valid.raw"
    assert len(result.documents) == 60


def test_plain_text_article_is_one_document_titled_by_its_first_line() -> None:
    result = ingest_file(RAW / "001_85fa657f670b8bbb.txt", load_sidecar(RAW / "sources.toml"))
    (doc,) = result.documents
    assert doc.source_format == "plain"
    assert doc.title == "Assault on Nanking by Japanese Troops"
    assert doc.license == "unknown"
    assert doc.url is None


def test_sidecar_supplies_metadata_and_defaults() -> None:
    sidecar = load_sidecar(RAW / "sources.toml")
    (doc,) = ingest_file(RAW / "000_9effd60b1a05fa4f.txt", sidecar).documents
    assert doc.license == "CC BY-SA 3.0"
    assert doc.url == "https://en.wikipedia.org/wiki/Battle_of_Nanking"
    assert doc.split == "train"
    (doc,) = ingest_file(SEEDS / "000_9effd60b1a05fa4f.txt", Sidecar()).documents
    assert doc.license == "CC BY-SA 3.0"  # WikiText's licence when no sidecar says otherwise


def test_ids_are_stable_and_do_not_depend_on_row_order() -> None:
    a = [d.doc_id for d in ingest_file(TEST_RAW, Sidecar()).documents]
    assert a == [d.doc_id for d in ingest_file(TEST_RAW, Sidecar()).documents]
    assert len(set(a)) == len(a)
    assert document_id("wiki.test.raw", "Robert Boulter", 1) in a
    assert document_id("a", "T", 1) != document_id("a", "T", 2)


def test_articles_tile_the_file_lines() -> None:
    result = ingest_file(WT2_RAW / "wiki.valid.raw", Sidecar())
    covered = [(d.line_start, d.line_end) for d in result.documents]
    assert covered[0][0] == 1
    assert covered[-1][1] == result.source.n_lines
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(covered))


# ----------------------------------------------------------------- bad input


def test_empty_file_is_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    result = ingest_file(path, Sidecar())
    assert not result.documents
    assert [q.reason for q in result.quarantine] == ["empty file"]


def test_binary_file_is_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "image.bin"
    path.write_bytes(bytes(range(256)) * 40)
    result = ingest_file(path, Sidecar())
    assert not result.documents
    assert "binary" in result.quarantine[0].reason


def test_invalid_utf8_costs_only_its_line(tmp_path: Path) -> None:
    lines = (WT2_RAW / "wiki.valid.raw").read_bytes().split(b"\n")
    lines[10] = lines[10][:20] + b"\xff\xfe\xc3" + lines[10][20:]
    path = tmp_path / "wiki.valid.raw"
    path.write_bytes(b"\n".join(lines))
    result = ingest_file(path, Sidecar())
    assert len(result.documents) == 60
    (q,) = result.quarantine
    assert (q.line_start, q.line_end) == (11, 11)
    assert "invalid UTF-8" in q.reason


def test_mojibake_is_repaired_and_recorded_but_correct_text_is_untouched() -> None:
    good = "“Quoted” text, Béranger, 朝日 、ﬁ and ｆｕｌｌ width"
    assert repair_mojibake(1, good) == (good, [])
    broken = "Béranger".encode().decode("latin-1")
    fixed, (edit,) = repair_mojibake(7, f"poets such as {broken} wrote")
    assert fixed == "poets such as Béranger wrote"
    assert (edit.rule, edit.line, edit.before, edit.after) == ("unicode.mojibake", 7, "Ã©", "é")


def test_text_before_the_first_title_is_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "wiki.test.raw"
    path.write_text(
        " stray text , with no @-@ article . \n = Title = \n Body text , here . \n", encoding="utf-8"
    )
    result = ingest_file(path, Sidecar())
    assert [d.title for d in result.documents] == ["Title"]
    assert result.quarantine[0].reason == "text before the first article title"


def test_discover_skips_sidecar_and_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "sources.toml").write_text("")
    (tmp_path / ".hidden").write_text("x")
    assert [p.name for p in discover_inputs([tmp_path])] == ["a.txt"]


# ----------------------------------------------------------------- mojibake pre-check

MOJIBAKE_ALPHABET = "".join(sorted(set(ftfy.badness.BADNESS_RE.pattern) - set("()[]|\\\n"))) + "aé–"


def test_mojibake_precheck_is_derived_from_ftfys_pattern() -> None:
    assert MAYBE_MOJIBAKE is not None
    assert not MAYBE_MOJIBAKE.search("東京 – 2005 ʃ")  # most lines with non-ASCII pass unchecked
    for broken in ("cafÃ©", "â€œquotedâ€\x9d", "Ã¼ber", "Ð¿Ñ€Ð¸Ð²ÐµÑ‚", "вЂ”"):
        assert looks_broken(broken), broken


@settings(max_examples=500)
@given(st.text(st.sampled_from(MOJIBAKE_ALPHABET), max_size=12))
def test_property_mojibake_precheck_never_hides_mojibake(text: str) -> None:
    """Skipping ftfy's test for lines without a required character never changes its answer."""
    assert looks_broken(text) == ftfy.badness.is_bad(text)


MOJIBAKE_PIECES = st.text(st.sampled_from(MOJIBAKE_ALPHABET), max_size=4) | st.just(" plain words ")


@settings(max_examples=500)
@given(st.lists(MOJIBAKE_PIECES, max_size=12))
def test_property_mojibake_windows_find_what_the_whole_line_search_finds(pieces: list[str]) -> None:
    """Searching only the windows around required characters gives ftfy's answer on long lines."""
    text = "".join(pieces)
    assert looks_broken(text) == ftfy.badness.is_bad(text)


PADDING = st.text("ab .\n", max_size=20)


@settings(max_examples=500)
@given(PADDING, st.from_regex(ftfy.badness.BADNESS_RE, fullmatch=True), PADDING)
def test_property_a_mojibake_match_anywhere_in_a_line_is_judged_as_ftfy_does(
    before: str, match: str, after: str
) -> None:
    text = before + match + after
    assert looks_broken(text) == ftfy.badness.is_bad(text)


def test_context_free_width() -> None:
    assert BADNESS_WIDTH == 7  # ftfy's pattern: matches of 1 to 7 characters, `^` its only anchor
    assert context_free_width(re.compile("^a[bc]d?")) == 3
    for pattern in (r"a\b", r"a$", r"(?m)^a", r"(?<=x)a", r"a(?!x)", r"(a)\1", r"a+"):
        assert context_free_width(re.compile(pattern)) is None, pattern


def test_mojibake_precheck_agrees_with_ftfy_on_real_lines() -> None:
    lines = [line for line in TEST_RAW.read_text(encoding="utf-8").splitlines() if not line.isascii()]
    assert [looks_broken(line) for line in lines] == [ftfy.badness.is_bad(line) for line in lines]
