"""`corpus diff`, and the diff `publish` writes into CHANGELOG.md and the card."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from pipeline.cli import main
from pipeline.diff import around_first_difference, content_digest, diff_releases, field_bytes
from tests.conftest import RAW, WT2_RAW, declared_counts

SEED = "000_9effd60b1a05fa4f.txt"
OLD_SENTENCE = "The Battle of Nanking (or Nanjing) was fought in early December 1937"
NEW_SENTENCE = "The Battle of Nanking (also Nanjing) was fought in December 1937"


def corpus(*args: str) -> str:
    result = CliRunner().invoke(main, ["-q", *args])
    assert result.exit_code == 0, result.output
    return result.output


def make_two_releases(work: Path) -> Path:
    """v1.0.0 from a copy of raw/ (sentences in 2 shards); v1.1.0 after editing one sentence
    of a seed and adding WikiText-2's validation file. Returns the processed folder."""
    raw, processed = work / "raw", work / "processed"
    shutil.copytree(RAW, raw)
    corpus("--processed", str(processed), "run", str(raw), "--version", "1.0.0", "--rows-per-shard", "120")
    seed = raw / SEED
    text = seed.read_text(encoding="utf-8")
    assert OLD_SENTENCE in text
    seed.write_text(text.replace(OLD_SENTENCE, NEW_SENTENCE), encoding="utf-8")
    valid = WT2_RAW / "wiki.valid.raw"
    corpus("--processed", str(processed), "run", str(raw), str(valid), "--version", "1.1.0")
    return processed


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_two_releases(tmp_path_factory.mktemp("diff"))


def test_diff_counts_added_removed_and_changed_by_id(processed: Path) -> None:
    releases = processed / "releases"
    result = diff_releases(releases / "v1.0.0", releases / "v1.1.0")
    assert (result.old, result.new) == ("v1.0.0", "v1.1.0")
    by = {c.config: c for c in result.configs}
    assert (by["documents"].added, by["documents"].removed, by["documents"].changed) == (60, 0, 1)
    assert by["documents"].unchanged == 1
    old, new = declared_counts(releases / "v1.0.0"), declared_counts(releases / "v1.1.0")
    sections = (new["sections"]["validation"], 0, old["sections"]["train"])
    assert (by["sections"].added, by["sections"].changed, by["sections"].unchanged) == sections
    sentences = (new["sentences"]["validation"], 1, old["sentences"]["train"] - 1)
    assert (by["sentences"].added, by["sentences"].changed, by["sentences"].unchanged) == sentences
    (changed,) = by["sentences"].samples["changed"]
    assert changed.old.startswith(OLD_SENTENCE) and changed.new.startswith(NEW_SENTENCE)
    assert len(by["sentences"].samples["added"]) == 3
    assert (
        "changed" in by["documents"].samples and "(also Nanjing)" in by["documents"].samples["changed"][0].new
    )


def test_diff_the_other_way_reports_removals(processed: Path) -> None:
    releases = processed / "releases"
    result = diff_releases(releases / "v1.1.0", releases / "v1.0.0", max_samples=1)
    by = {c.config: c for c in result.configs}
    assert (by["documents"].added, by["documents"].removed, by["documents"].changed) == (0, 60, 1)
    assert len(by["documents"].samples["removed"]) == 1


def test_a_release_against_itself_is_identical(processed: Path) -> None:
    v1 = processed / "releases" / "v1.0.0"
    result = diff_releases(v1, v1)
    assert result.identical and result.summary() == "no change in content"


def test_corpus_diff_by_version_prints_counts_and_samples(processed: Path) -> None:
    out = corpus("--processed", str(processed), "diff", "1.0.0", "v1.1.0", "--json", "-")
    assert out.startswith("diff v1.0.0 → v1.1.0")
    assert "documents  +60" in out and "changed  86cc8bad0b2acfd9-00000" in out
    data = json.loads(out[out.index("{") :])
    assert data["configs"][2]["changed"] == 1


def test_corpus_diff_refuses_an_unknown_release(processed: Path) -> None:
    result = CliRunner().invoke(main, ["--processed", str(processed), "diff", "1.0.0", "9.9.9"])
    assert result.exit_code == 1 and "9.9.9: neither a release folder nor a version" in result.output


def test_publish_writes_the_diff_into_changelog_and_card(processed: Path) -> None:
    v11 = processed / "releases" / "v1.1.0"
    changelog = (v11 / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.startswith("# Changelog\n\n## v1.1.0")
    assert "Compared with v1.0.0:" in changelog
    added = declared_counts(v11)["sentences"]["validation"]
    unchanged = declared_counts(processed / "releases" / "v1.0.0")["sentences"]["train"] - 1
    assert f"| sentences | {added:,} | 0 | 1 | {unchanged} |" in changelog
    assert NEW_SENTENCE in changelog and OLD_SENTENCE in changelog
    assert changelog.index("## v1.1.0") < changelog.index("## v1.0.0")  # history carried over
    card = (v11 / "README.md").read_text(encoding="utf-8")
    sections = declared_counts(v11)["sections"]["validation"]
    assert (
        f"Changes since v1.0.0: documents +60 −0 ~1; sections +{sections} −0 ~0; sentences +{added:,} −0 ~1"
        in card
    )
    assert "First release." in (processed / "releases" / "v1.0.0" / "README.md").read_text(encoding="utf-8")


def test_around_first_difference_keeps_context_only() -> None:
    old, new = "x" * 100 + "abc" + "y" * 100, "x" * 100 + "aXc" + "y" * 100
    short_old, short_new = around_first_difference(old, new, context=5)
    assert (short_old, short_new) == ("…xxxxabcyyyy…", "…xxxxaXcyyyy…")
    assert around_first_difference("same", "same") == ("same", "same")
    assert around_first_difference("ab", "abc") == ("ab", "abc")


ROW_VALUES = st.lists(st.one_of(st.none(), st.text("ab\x00é", max_size=3)), min_size=2, max_size=2)


@given(ROW_VALUES, ROW_VALUES)
def test_property_rows_digest_alike_only_when_their_content_is_alike(a: list, b: list) -> None:
    """Field boundaries and None count: ("ab", "") is not ("a", "b"), None is not ""."""
    digests = [content_digest(*(field_bytes(pa.array([v], pa.string()))[0] for v in row)) for row in (a, b)]
    assert (digests[0] == digests[1]) == (a == b)


def test_field_bytes_reads_strings_as_utf8_and_other_values_as_json() -> None:
    assert field_bytes(pa.array(["é", None])) == ["é".encode(), None]
    assert field_bytes(pa.array(["x"], pa.large_string())) == [b"x"]
    assert field_bytes(pa.array([["A", "B"], []])) == [b'["A", "B"]', b"[]"]
    assert field_bytes(pa.array([2], pa.int32())) == [b"2"]
