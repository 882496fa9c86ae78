"""Bad input never stops a run and is never lost: each case gives a clean result or a quarantine record."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.ingest import FileIngest, Sidecar
from tests.conftest import WT2_RAW

BAD = Path(__file__).parent / "data" / "bad"
VALID = WT2_RAW / "wiki.valid.raw"


def make_inputs(folder: Path) -> None:
    """The committed bad files, plus the large and compressed ones made here."""
    shutil.copytree(BAD, folder)
    lines = VALID.read_bytes().split(b"\n")
    lines[20] = lines[20][:30] + b"\xff\xfe" + lines[20][30:]
    (folder / "wiki.invalid_utf8.raw").write_bytes(b"\n".join(lines))
    (folder / "oneline.txt").write_text(("lorem ipsum dolor sit amet " * 1_900_000)[:50_000_000])
    data = VALID.read_bytes()
    (folder / "wiki.gz.raw.gz").write_bytes(gzip.compress(data))
    (folder / "wiki.bz2.raw.bz2").write_bytes(bz2.compress(data))
    (folder / "wiki.xz.raw.xz").write_bytes(lzma.compress(data))
    (folder / "wiki.truncated.raw.gz").write_bytes(gzip.compress(data)[:200_000])


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("bad")
    make_inputs(work / "raw")
    processed = work / "processed"
    result = CliRunner().invoke(main, ["--processed", str(processed), "run", str(work / "raw")])
    assert result.exit_code == 0, result.output
    release = (processed / "dataset").resolve()
    docs = pq.read_table(release / "data" / "documents").to_pylist()
    return result.output, docs, processed, release


def docs_of(outcome, name: str) -> list[dict]:
    return [d for d in outcome[1] if d["source_file"] == name]


# (file, expected words in the console message) for the quarantined cases.
QUARANTINED = [
    ("empty.txt", "lines 0-0 quarantined: empty file"),
    ("binary.bin", "quarantined: binary file (NUL bytes), not text"),
    ("wiki.invalid_utf8.raw", "lines 21-21 quarantined: invalid UTF-8"),
    ("wiki.headings_only.raw", "lines 1-3 quarantined: text before the first article title"),
    ("wiki.no_title.raw", "lines 1-2 quarantined: text before the first article title"),
    ("wiki.truncated.raw.gz", "cannot be read"),
]


@pytest.mark.parametrize(("name", "message"), QUARANTINED)
def test_quarantined_with_a_message_naming_the_file(outcome, name: str, message: str) -> None:
    lines = [line for line in outcome[0].splitlines() if name in line]
    assert any(message in line for line in lines), lines


def test_every_line_is_accounted_for(outcome) -> None:
    result = CliRunner().invoke(main, ["validate", str(outcome[3])])
    assert result.exit_code == 0, result.output
    assert "ok   no content lost" in result.output


def test_the_rest_of_a_damaged_file_goes_through(outcome) -> None:
    assert len(docs_of(outcome, "wiki.invalid_utf8.raw")) == 60
    assert 0 < len(docs_of(outcome, "wiki.truncated.raw")) < 60  # what was read before the damage


@pytest.mark.parametrize("name", ["wiki.gz.raw", "wiki.bz2.raw", "wiki.xz.raw"])
def test_compressed_inputs_read_like_plain_ones(outcome, name: str) -> None:
    assert len(docs_of(outcome, name)) == 60


def test_mojibake_is_repaired_and_recorded(outcome) -> None:
    (doc,) = docs_of(outcome, "mojibake.txt")
    assert doc["title"] == "Café Society"
    assert "René" in doc["text"]
    assert any(rc["rule"] == "unicode.mojibake" for rc in doc["rule_counts"])


def test_utf16_and_mixed_line_endings_read_cleanly(outcome) -> None:
    (doc,) = docs_of(outcome, "utf16.txt")
    assert doc["title"] == "Tōkyō Tower"
    (mixed,) = docs_of(outcome, "wiki.mixed_endings.raw")
    assert mixed["n_sentences"] == 3


def test_a_50_mb_line_is_one_document(outcome) -> None:
    (doc,) = docs_of(outcome, "oneline.txt")
    assert doc["title"] == "oneline"  # too long to be a title: named after the file
    assert doc["n_chars"] > 49_000_000


def test_unbalanced_quotes_and_empty_headings(outcome) -> None:
    (doc,) = docs_of(outcome, "wiki.unbalanced.raw")
    assert "unbalanced_quotes" in doc["flags"]
    sections = pq.read_table(outcome[3] / "data" / "sections").to_pylist()
    empty = [s for s in sections if s["doc_id"] == doc["doc_id"] and s["heading"] in ("No body", "Also none")]
    assert len(empty) == 2 and all(not s["paragraphs"] for s in empty)


def test_duplicate_titles_get_distinct_ids(outcome) -> None:
    twins = docs_of(outcome, "wiki.duplicates.raw")
    assert [d["title"] for d in twins] == ["Twin", "Twin"]
    assert len({d["doc_id"] for d in twins}) == 2


def test_hostile_titles_never_become_paths(outcome) -> None:
    titles = {d["title"] for d in docs_of(outcome, "wiki.hostile.raw")}
    assert titles == {"../../etc/passwd", "CON", "A\x00B"}
    assert all(len(d["doc_id"]) == 16 and d["doc_id"].isalnum() for d in outcome[1])
    processed = outcome[2]
    for path in processed.rglob("*"):
        assert path.resolve().is_relative_to(processed.resolve())
        assert "passwd" not in path.name and "\x00" not in path.name


def test_a_file_that_changes_while_read_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "wiki.valid.raw"
    shutil.copy(VALID, path)
    reader = FileIngest(path, Sidecar())
    real_chunks = reader._chunks

    def chunks_then_append():
        for i, chunk in enumerate(real_chunks()):
            if i == 0:
                with path.open("ab") as f:
                    f.write(b" = Late Article = \n\n Appended while the file was read . \n")
                os.utime(path, ns=(0, 0))
            yield chunk

    monkeypatch.setattr(reader, "_chunks", chunks_then_append)
    list(reader.documents())
    assert any("changed while it was read" in q.reason for q in reader.quarantine)
