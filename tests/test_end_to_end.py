"""The whole pipeline as a user runs it: `corpus run`, `corpus validate`, then `load_dataset`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from tests.conftest import WT2_RAW, shared_file

NANKING_FIRST_SENTENCE = (
    "The Battle of Nanking (or Nanjing) was fought in early December 1937 during the Second Sino-Japanese "
    "War between the National Revolutionary Army of China and the Imperial Japanese Army for control of "
    "Nanking (Nanjing), the capital of the Republic of China."
)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the pipeline once on raw/ plus WikiText-2 raw test and validation."""
    from tests.conftest import RAW

    work = tmp_path_factory.mktemp("e2e")
    raw = work / "raw"
    shutil.copytree(RAW, raw)
    processed = work / "processed"
    test_raw, valid_raw = shared_file("data", "wikitext-2-raw", "wiki.test.raw"), WT2_RAW / "wiki.valid.raw"
    result = CliRunner().invoke(
        main, ["-q", "--processed", str(processed), "run", str(raw), str(test_raw), str(valid_raw)]
    )
    assert result.exit_code == 0, result.output
    return (processed / "dataset").resolve()


def test_release_validates(published: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(published)])
    assert result.exit_code == 0, result.output
    assert "FAIL" not in result.output


def test_documents_config_has_every_article(published: Path) -> None:
    import datasets

    docs = datasets.load_dataset(str(published), "documents")
    assert docs["test"].num_rows == 60
    assert docs["validation"].num_rows == 60
    assert docs["train"].num_rows == 2
    titles = set(docs["test"]["title"])
    assert "Robert Boulter" in titles
    assert "Kiss You (One Direction song)" in titles
    assert not any("1 rad / s" in t for t in titles)


def test_sentences_config_reads_clean_text(published: Path) -> None:
    import datasets

    sentences = datasets.load_dataset(str(published), "sentences", split="train")
    assert NANKING_FIRST_SENTENCE in set(sentences["text"])


def test_sections_config_has_plain_text_headings(published: Path) -> None:
    import datasets

    docs = datasets.load_dataset(str(published), "documents", split="train")
    plain_id = next(d["doc_id"] for d in docs if d["source_format"] == "plain")
    sections = datasets.load_dataset(str(published), "sections", split="train").filter(
        lambda s: s["doc_id"] == plain_id
    )
    headings = sections["heading"]
    assert "What Happened?" in headings
    assert "Why Does it Matter?" in headings
    what = sections[headings.index("What Happened?")]
    assert what["path"] == ["Assault on Nanking by Japanese Troops", "What Happened?"]


def test_wikitext_sections_nest_by_level(published: Path) -> None:
    import datasets

    sections = datasets.load_dataset(str(published), "sections", split="train")
    by_heading = {s["heading"]: s for s in sections}
    japan = by_heading["Japan's decision to capture Nanking"]
    assert japan["level"] == 3
    assert japan["path"] == [
        "Battle of Nanking",
        "Prelude to the battle",
        "Japan's decision to capture Nanking",
    ]
    repaired = by_heading["Collapse of the Nanking Garrison Force"]
    assert repaired["level"] == 3


def test_tokenised_wikitext_runs_and_counts_unk(tmp_path: Path) -> None:
    import datasets

    tokens = shared_file("data", "wikitext-2", "wiki.valid.tokens")
    processed = tmp_path / "processed"
    result = CliRunner().invoke(main, ["-q", "--processed", str(processed), "run", str(tokens)])
    assert result.exit_code == 0, result.output
    docs = datasets.load_dataset(str((processed / "dataset").resolve()), "documents", split="validation")
    assert docs.num_rows == 60
    assert set(docs["source_format"]) == {"wikitext-tokens"}
    assert sum(docs["unk_count"]) > 1000
