"""The validator catches each kind of damage and names where it is."""

from __future__ import annotations

import copy
import tracemalloc

import pyarrow as pa
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from pipeline.cli import main
from pipeline.schema import Document, Source
from pipeline.tables import Rows, bundles_from_documents
from pipeline.validate import (
    ARTEFACTS,
    DocumentChecks,
    DocumentsFound,
    bundles_from_rows,
    check_documents,
    document_report,
    validate_rows,
)
from tests.conftest import RAW, config_rows, seed_articles


@pytest.fixture(scope="module")
def seeded():
    return seed_articles()


@pytest.fixture(scope="module")
def documents(seeded) -> list[Document]:
    return seeded[0]


@pytest.fixture(scope="module")
def good(seeded):
    documents, sources, quarantine = seeded
    return config_rows(documents), sources, quarantine


def failing(rows: Rows, good) -> dict[str, list[str]]:
    report = validate_rows("t", rows, good[1], good[2])
    return {c.name: c.problems for c in report.checks if not c.ok}


def test_clean_output_passes(good) -> None:
    report = validate_rows("t", *good)
    assert report.ok, report.render()


def test_shifted_sentence_offsets_fail(good) -> None:
    rows = copy.deepcopy(good[0])
    rows["sentences"]["train"][3]["start"] += 1
    assert "offsets" in failing(rows, good)


def test_duplicate_ids_fail(good) -> None:
    rows = copy.deepcopy(good[0])
    rows["sentences"]["train"][1]["sentence_id"] = rows["sentences"]["train"][0]["sentence_id"]
    assert "unique ids" in failing(rows, good)


@pytest.mark.parametrize(
    ("damage", "name"),
    [
        (("Sino-Japanese", "Sino @-@ Japanese"), "wikitext marker"),
        (("Sino-Japanese", "Sino-Japanese\n\n = = Leftover = = \n\n"), "heading markup"),
        (("Sino-Japanese", "Sino ; Japanese"), "spaced punctuation"),
    ],
)
def test_each_leftover_artefact_fails(good, damage: tuple[str, str], name: str) -> None:
    rows = copy.deepcopy(good[0])
    doc = rows["documents"]["train"][0]
    doc["text"] = doc["text"].replace(*damage, 1)
    problems = failing(rows, good)
    assert "no wikitext artefacts" in problems
    assert name in problems["no wikitext artefacts"][0]


@given(st.text(alphabet="ab @-,.;=\n\t", max_size=30))
def test_property_every_artefact_holds_one_of_its_strings(text: str) -> None:
    """The strings that let a text skip a pattern's search are in every match of it."""
    for pattern, needles in ARTEFACTS.values():
        for match in pattern.finditer(text):
            assert any(needle in match.group() for needle in needles), (pattern.pattern, text)


def test_unrecorded_change_fails(good) -> None:
    rows = copy.deepcopy(good[0])
    block = rows["documents"]["train"][0]["blocks"][1]
    block["text"] = block["text"].replace("Nanking", "Nanjing", 1)
    assert "edits explain text" in failing(rows, good)


def test_lost_article_fails_accounting(good) -> None:
    rows = copy.deepcopy(good[0])
    del rows["documents"]["train"][1]
    problems = failing(rows, good)
    assert any("001_85fa657f670b8bbb.txt" in p and "no document" in p for p in problems["no content lost"])


# ----------------------------------------------------------------- checked in parts (in parallel)


def parts_of(rows: Rows, cut: int) -> list[DocumentChecks]:
    """The documents checked in two parts, as workers check shards."""
    bundles = list(bundles_from_rows(rows))
    return [check_documents(bundles[:cut]), check_documents(bundles[cut:])]


def test_checks_in_parts_add_up_to_the_whole(good) -> None:
    whole = validate_rows("t", *good)
    assert document_report("t", parts_of(good[0], 1), good[1], good[2]).to_json() == whole.to_json()


def test_a_document_in_two_parts_is_a_duplicate(good) -> None:
    bundles = list(bundles_from_rows(good[0]))
    report = document_report("t", [check_documents(bundles), check_documents(bundles[:1])], good[1], good[2])
    problems = {c.name: c.problems for c in report.checks if not c.ok}
    assert problems["unique ids"] == [f"documents: duplicate doc_id {bundles[0].doc['doc_id']}"]


def test_an_id_in_three_parts_is_two_duplicates(good) -> None:
    bundles = list(bundles_from_rows(good[0]))
    parts = [check_documents(bundles[:1]), check_documents(bundles), check_documents(bundles[:1])]
    problems = document_report("t", parts, good[1], good[2]).checks[0].problems
    assert problems == [f"documents: duplicate doc_id {bundles[0].doc['doc_id']}"] * 2


def test_documents_found_keep_under_a_hundred_bytes_a_document() -> None:
    """What the checks across parts keep of each document (its id and line range) is held in
    Arrow columns; tuples of Python objects and a set of ids took about 240 bytes a document."""
    found = DocumentsFound()
    found.add(DocumentChecks())  # the modules it uses, imported before memory is counted
    n_parts, per_part = 300, 100
    tracemalloc.start()
    before, arrow_before = tracemalloc.get_traced_memory()[0], pa.total_allocated_bytes()
    for p in range(n_parts):
        part = DocumentChecks()
        for i in range(per_part):
            n = p * per_part + i
            part.doc_ids.append(f"{n:016x}")
            part.ranges["wiki.train.raw"].append((n * 40 + 1, n * 40 + 40, f"{n:016x}"))
        found.add(part)
        del part
    held = tracemalloc.get_traced_memory()[0] - before + pa.total_allocated_bytes() - arrow_before
    tracemalloc.stop()
    assert held / (n_parts * per_part) < 100
    source = Source("wiki.train.raw", "wiki.train.raw", "", 0, n_parts * per_part * 40, "wikitext", "train")
    report = found.report("t", [source], [])
    assert report.ok and report.counts["lines"]["in documents"] == n_parts * per_part * 40


def test_validate_stage_in_workers_matches_one_process(tmp_path) -> None:
    processed = tmp_path / "processed"
    run = ["--processed", str(processed), "run", "--docs-per-shard", "1", str(RAW)]
    assert CliRunner().invoke(main, run).exit_code == 0
    reports = [
        CliRunner().invoke(main, ["--processed", str(processed), "validate", "--workers", n, "--json", "-"])
        for n in ("1", "2")
    ]
    assert reports[0].exit_code == reports[1].exit_code == 0
    assert reports[0].output == reports[1].output and "no content lost" in reports[0].output


def damage_offsets(doc: Document) -> None:
    doc.sentences[3].start += 1


def damage_ids(doc: Document) -> None:
    doc.sentences[1].sentence_id = doc.sentences[0].sentence_id


def damage_markers(doc: Document) -> None:
    doc.text = doc.text.replace("Sino-Japanese", "Sino @-@ Japanese", 1)


def damage_edits(doc: Document) -> None:
    doc.blocks[1].text = doc.blocks[1].text.replace("Nanking", "Nanjing", 1)


def damage_counts(doc: Document) -> None:
    doc.n_sentences += 1


@pytest.mark.parametrize(
    ("damage", "check"),
    [
        (damage_offsets, "offsets"),
        (damage_ids, "unique ids"),
        (damage_markers, "no wikitext artefacts"),
        (damage_edits, "edits explain text"),
        (damage_counts, "counts"),
    ],
)
def test_documents_in_memory_are_checked_as_their_rows(documents, damage, check) -> None:
    """The streamed run checks records without turning them into rows: the same damage, the same finding."""
    assert all(c.ok for c in check_documents(bundles_from_documents(documents)).checks.values())
    damaged = copy.deepcopy(documents)
    damage(damaged[0])
    from_records = check_documents(bundles_from_documents(damaged)).checks
    from_rows = check_documents(bundles_from_rows(config_rows(damaged))).checks
    assert check in [c.name for c in from_records.values() if not c.ok]
    assert {n: c.problems for n, c in from_records.items()} == {n: c.problems for n, c in from_rows.items()}
