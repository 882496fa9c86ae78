"""Bad input never stops a run and is never lost: each case gives a clean result or a quarantine record.

One `corpus run` (the real CLI) goes over the whole corpus of bad inputs: the small files in
tests/data/bad/ plus the large, compressed and damaged ones made here. CASES states each
one's documented outcome: how many documents it gives, and its quarantine records (line
range and reason), each of which the console reports with the file's name.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import shutil
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pipeline import ingest
from pipeline.cli import main
from pipeline.ingest import FileIngest, Sidecar
from tests.conftest import WT2_RAW

BAD = Path(__file__).parent / "data" / "bad"
VALID = WT2_RAW / "wiki.valid.raw"
LONG_LINE_BYTES = 50_000_000
GROWING = "wiki.growing.raw"
APPENDED = b" = Late Article = \n\n Appended while the file was read . \n"


def make_inputs(folder: Path) -> None:
    """The committed bad files, plus the large, compressed and damaged ones made here."""
    shutil.copytree(BAD, folder)
    data = VALID.read_bytes()
    lines = data.split(b"\n")
    lines[20] = lines[20][:30] + b"\xff\xfe" + lines[20][30:]
    (folder / "wiki.invalid_utf8.raw").write_bytes(b"\n".join(lines))
    (folder / "oneline.txt").write_text(("lorem ipsum dolor sit amet " * 1_900_000)[:LONG_LINE_BYTES])
    (folder / "wiki.gz.raw.gz").write_bytes(gzip.compress(data))
    (folder / "wiki.bz2.raw.bz2").write_bytes(bz2.compress(data))
    (folder / "wiki.xz.raw.xz").write_bytes(lzma.compress(data))
    (folder / "wiki.truncated.raw.gz").write_bytes(gzip.compress(data)[:200_000])
    corrupt = bytearray(gzip.compress(data))
    corrupt[len(corrupt) // 2 : len(corrupt) // 2 + 64] = bytes(64)
    (folder / "wiki.corrupt.raw.gz").write_bytes(bytes(corrupt))
    (folder / "wiki.notgzip.raw.gz").write_bytes(b" = Plain text = \n\n named as if compressed . \n")
    (folder / "wiki.broken.parquet").write_bytes(b"PAR1 this is not really Parquet PAR1")
    shutil.copy(VALID, folder / GROWING)


class GrowingFile:
    """A reader of GROWING that appends to the file after its first read: the file changes while read."""

    def __init__(self, f: Any, path: Path) -> None:
        self._f, self._path, self._grown = f, path, False

    def read(self, size: int = -1) -> bytes:
        chunk = self._f.read(size)
        if not self._grown:
            self._grown = True
            with self._path.open("ab") as out:
                out.write(APPENDED)
        return chunk

    def __enter__(self) -> GrowingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._f.close()


@dataclass
class Outcome:
    output: str
    docs: list[dict]
    sources: dict[str, dict]
    quarantine: list[dict]
    processed: Path
    release: Path
    raw: Path


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    work = tmp_path_factory.mktemp("bad")
    raw, processed = work / "raw", work / "processed"
    make_inputs(raw)
    real_open = ingest.open_bytes

    def open_bytes(path: Path):
        f = real_open(path)
        return GrowingFile(f, path) if path.name == GROWING else f

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ingest, "open_bytes", open_bytes)
        result = CliRunner().invoke(main, ["--processed", str(processed), "run", str(raw)])
    assert result.exit_code == 0, result.output
    release = (processed / "dataset").resolve()
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    return Outcome(
        result.output,
        pq.read_table(release / "data" / "documents").to_pylist(),
        {s["name"]: s for s in manifest["sources"]},
        manifest["quarantine"],
        processed,
        release,
        raw,
    )


# ----------------------------------------------------------------- the cases


def titled(*titles: str) -> Callable[[list[dict], Outcome], None]:
    def check(docs: list[dict], _: Outcome) -> None:
        assert [d["title"] for d in docs] == list(titles)

    return check


def mojibake(docs: list[dict], _: Outcome) -> None:
    (doc,) = docs
    assert doc["title"] == "Café Society" and "René" in doc["text"]
    assert any(rc["rule"] == "unicode.mojibake" for rc in doc["rule_counts"])


def mixed_endings(docs: list[dict], o: Outcome) -> None:
    assert docs[0]["n_sentences"] == 3 and o.sources["wiki.mixed_endings.raw"]["n_lines"] == 5


def long_line(docs: list[dict], _: Outcome) -> None:
    (doc,) = docs
    assert doc["title"] == "oneline"  # too long to be a title: named after the file
    assert doc["n_chars"] > 49_000_000


def unbalanced(docs: list[dict], o: Outcome) -> None:
    (doc,) = docs
    assert "unbalanced_quotes" in doc["flags"]
    assert "(" in doc["text"] and '"' in doc["text"]  # kept as written, flagged
    sections = pq.read_table(o.release / "data" / "sections").to_pylist()
    empty = [s for s in sections if s["doc_id"] == doc["doc_id"] and s["heading"] in ("No body", "Also none")]
    assert len(empty) == 2 and all(not s["paragraphs"] for s in empty)


def duplicates(docs: list[dict], _: Outcome) -> None:
    assert [d["title"] for d in docs] == ["Twin", "Twin"]
    assert len({d["doc_id"] for d in docs}) == 2


def hostile(docs: list[dict], _: Outcome) -> None:
    titles = [d["title"] for d in docs]
    assert titles[:3] == ["../../etc/passwd", "CON", "AB"]  # the NUL is removed, and recorded
    assert "/etc/shadow" in titles and ".." in titles
    nul = docs[2]
    assert "\x00" not in nul["text"] and "a NUL in its text" in nul["text"]
    assert {rc["rule"]: rc["count"] for rc in nul["rule_counts"]}["unicode.control"] == 2
    assert [(e["line"], e["before"]) for e in nul["repairs"]] == [(9, "\x00"), (11, "\x00")]


def long_title(docs: list[dict], _: Outcome) -> None:
    (doc,) = docs
    assert len(doc["title"]) >= 300 and doc["title"].endswith("end")


def whole_wikitext2_file(docs: list[dict], _: Outcome) -> None:
    assert len(docs) == 60 and docs[0]["title"] == "Homarus gammarus"


def part_of_file(docs: list[dict], _: Outcome) -> None:
    assert 0 < len(docs) < 60 and docs[0]["title"] == "Homarus gammarus"  # what came before the damage


@dataclass(frozen=True)
class Case:
    name: str  # the source's name (without a compression suffix)
    docs: int | None  # documents it gives (None: see `check`)
    quarantine: tuple[
        tuple[int | None, int | None, str], ...
    ] = ()  # first, last (None: the file's last line), reason
    check: Callable[[list[dict], Outcome], None] | None = None


DAMAGED = "damaged or truncated compressed file"
BEFORE_TITLE = "text before the first article title"
CASES = [
    Case("empty.txt", 0, ((0, 0, "empty file"),)),
    Case("binary.bin", 0, ((1, None, "binary file (NUL bytes), not text"),)),
    Case("wiki.invalid_utf8.raw", 60, ((21, 21, "invalid UTF-8 (first bad byte: 22 of line 21)"),)),
    Case("mojibake.txt", 1, check=mojibake),
    Case("utf16.txt", 1, check=titled("Tōkyō Tower")),
    Case("utf16le-nobom.txt", 1, check=titled("Osaka Castle")),
    Case("wiki.mixed_endings.raw", 1, check=mixed_endings),
    Case("oneline.txt", 1, check=long_line),
    Case("wiki.unbalanced.raw", 1, check=unbalanced),
    Case("wiki.headings_only.raw", 0, ((1, 3, BEFORE_TITLE),)),
    Case("wiki.no_title.raw", 0, ((1, 2, BEFORE_TITLE),)),
    Case("wiki.titleonly.raw", 1, check=titled("Only A Title")),
    Case("wiki.duplicates.raw", 2, check=duplicates),
    Case("wiki.hostile.raw", 9, check=hostile),
    Case("wiki.longtitle.raw", 1, check=long_title),
    Case("wiki.gz.raw", 60, check=whole_wikitext2_file),
    Case("wiki.bz2.raw", 60, check=whole_wikitext2_file),
    Case("wiki.xz.raw", 60, check=whole_wikitext2_file),
    Case("wiki.truncated.raw", None, ((None, None, DAMAGED),), check=part_of_file),
    Case("wiki.corrupt.raw", None, ((None, None, DAMAGED),), check=part_of_file),
    Case("wiki.notgzip.raw", 0, ((0, 0, "cannot be read as a .gz file (BadGzipFile: Not a gzipped file"),)),
    Case("wiki.broken.parquet", 0, ((0, 0, "not a Parquet file"),)),
    Case(GROWING, 0, ((1, None, "file changed while it was read"),)),
]


def docs_of(outcome: Outcome, name: str) -> list[dict]:
    return [d for d in outcome.docs if d["source_file"] == name]


def test_every_input_is_a_case(outcome: Outcome) -> None:
    assert sorted(outcome.sources) == sorted(c.name for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_documented_outcome(outcome: Outcome, case: Case) -> None:
    docs = docs_of(outcome, case.name)
    source = outcome.sources[case.name]
    records = [q for q in outcome.quarantine if q["source_file"] == case.name]
    assert len(records) == len(case.quarantine), records
    for record, (first, last, reason) in zip(records, case.quarantine, strict=True):
        if first is not None:
            assert record["line_start"] == first, record
        else:  # the lines after the last document that went out
            ends = [d["line_end"] for d in docs]
            assert record["line_start"] == max(ends, default=0) + 1, record
        assert record["line_end"] == (source["n_lines"] if last is None else last), record
        assert record["reason"].startswith(reason), record
        message = f"lines {record['line_start']}-{record['line_end']} quarantined: {reason}"
        assert any(case.name in line and message in line for line in outcome.output.splitlines()), message
    if case.docs is not None:
        assert len(docs) == case.docs
    if case.check is not None:
        case.check(docs, outcome)


def test_every_line_is_accounted_for_with_counts(outcome: Outcome, tmp_path: Path) -> None:
    json_path = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["validate", str(outcome.release), "--json", str(json_path)])
    assert result.exit_code == 0, result.output
    assert "ok   no content lost" in result.output and "lines: {'raw': " in result.output
    counts = json.loads(json_path.read_text(encoding="utf-8"))["counts"]
    lines = counts["lines"]
    assert lines["raw"] == sum(s["n_lines"] for s in outcome.sources.values())
    assert lines["in documents"] + lines["quarantined"] == lines["raw"] and lines["in neither"] == 0
    assert lines["quarantined"] > 0 and counts["quarantined"] == len(outcome.quarantine)


def test_hostile_titles_never_become_paths(outcome: Outcome) -> None:
    """Ids are hex hashes, and every file the run wrote lies inside the output folder."""
    assert all(len(d["doc_id"]) == 16 and int(d["doc_id"], 16) >= 0 for d in outcome.docs)
    processed = outcome.processed.resolve()
    for path in outcome.processed.rglob("*"):
        assert path.resolve().is_relative_to(processed), path
        assert not any(t in path.name for t in ("passwd", "shadow", "CON", "\x00", "authorized_keys")), path
    outside = {p.name for p in outcome.processed.parent.iterdir()}
    assert outside == {"raw", "processed"}


def test_a_50_mb_line_is_read_in_a_few_times_its_size(outcome: Outcome) -> None:
    tracemalloc.start()
    try:
        (doc,) = FileIngest(outcome.raw / "oneline.txt", Sidecar()).documents()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(doc.lines[0]) == LONG_LINE_BYTES
    assert peak < 3 * LONG_LINE_BYTES, f"{peak / 1e6:.0f} MB to read a 50 MB line"


def test_a_file_changing_after_some_documents_keeps_those(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The documents read before the change go out; the rest is quarantined; a re-run reads it whole."""
    path = tmp_path / "wiki.valid.raw"
    shutil.copy(VALID, path)
    monkeypatch.setattr(ingest, "CHUNK_SIZE", 64 << 10)
    reader = FileIngest(path, Sidecar())
    real_chunks = reader._chunks

    def chunks_then_append():
        for i, chunk in enumerate(real_chunks()):
            if i == 8:
                with path.open("ab") as f:
                    f.write(APPENDED)
                os.utime(path, ns=(0, 0))  # even with its time set back, the change is seen
            yield chunk

    monkeypatch.setattr(reader, "_chunks", chunks_then_append)
    docs = list(reader.documents())
    (record,) = reader.quarantine
    assert 0 < len(docs) < 60 and record.reason.startswith("file changed while it was read")
    assert (record.line_start, record.line_end) == (docs[-1].line_end + 1, reader.source.n_lines)
    again = FileIngest(path, Sidecar())
    assert [d.title for d in again.documents()][-1] == "Late Article" and not again.quarantine


@pytest.mark.parametrize(
    ("sidecar", "message"),
    [
        ('[defaults]\nsplit = "../../../../pwned"\n', "is not a split name"),
        ('[files."wiki.duplicates.raw"]\nsplit = "/tmp/pwned"\n', "is not a split name"),
        ("[defaults]\nsplit = 3\n", "split must be a string"),
        ('[defaults]\nformat = "exe"\n', "is not one of"),
    ],
)
def test_a_sidecar_cannot_make_a_split_a_path(tmp_path: Path, sidecar: str, message: str) -> None:
    """The split names release files; a sidecar's split that could be a path is refused, cleanly."""
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(BAD / "wiki.duplicates.raw", raw)
    (raw / "sources.toml").write_text(sidecar, encoding="utf-8")
    result = CliRunner().invoke(main, ["--processed", str(tmp_path / "processed"), "run", str(raw)])
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
    assert not any("pwned" in p.name for p in tmp_path.parent.rglob("*"))
