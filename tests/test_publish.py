"""Releases: immutable, atomic, loadable offline by `datasets`, and damage is caught."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pipeline import publish as publish_mod
from pipeline.card import DTYPES, features_yaml, fields_yaml
from pipeline.cli import main
from pipeline.publish import PublishError, PublishSettings, list_releases, publish, resolve_release
from pipeline.schema import CONFIG_SCHEMAS, Document
from pipeline.stages import published_dataset
from pipeline.storage import records_table
from pipeline.tables import CONFIGS
from tests.conftest import config_rows, declared_counts, seed_articles


@pytest.fixture(scope="module")
def seed() -> tuple[Any, Any, Any]:
    """Documents, sources and quarantine of the two seed articles, built with the stage functions."""
    return seed_articles()


@pytest.fixture
def hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty Hugging Face cache for this test only, and no network."""
    cache = tmp_path / "hf"
    monkeypatch.setenv("HF_HOME", str(cache))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(cache / "datasets"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    return str(cache / "datasets")  # also passed explicitly: `datasets` reads the env at import


def release(seed, processed: Path, version: str = "1.0.0", docs=None, rows_per_shard: int = 100_000):
    docs = seed[0] if docs is None else docs
    return publish(
        [records_table(docs, Document)],
        seed[1],
        seed[2],
        processed,
        PublishSettings(version, rows_per_shard),
        {"test": True},
    )


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def relicensed(seed) -> Any:
    """Valid documents whose content differs from the seed's: the first document's licence changed."""
    docs = copy.deepcopy(seed[0])
    docs[0].license = "CC BY-SA 4.0"
    return docs


def load(path: Path, config: str, cache_dir: str, **kwargs: Any):
    import datasets

    return datasets.load_dataset(str(path), config, cache_dir=cache_dir, **kwargs)


# ----------------------------------------------------------------- immutability, atomicity


def test_publish_writes_a_versioned_release_and_points_at_it(seed, tmp_path: Path) -> None:
    published = release(seed, tmp_path)
    assert published.created and published.report.ok, published.report.render()
    assert published.path == tmp_path / "releases" / "v1.0.0"
    assert published.report.target == str(published.path)
    assert published_dataset(tmp_path) == published.path.resolve()
    assert (tmp_path / "LATEST").read_text() == "v1.0.0\n"
    assert oct(published.path.stat().st_mode & 0o777) == oct(0o755)
    manifest = json.loads((published.path / "manifest.json").read_text())
    assert manifest["counts"]["documents"] == {"train": 2}
    assert set(manifest["files"]) == {
        str(p.relative_to(published.path)) for p in published.path.rglob("*.parquet")
    }
    assert "First release." in (published.path / "CHANGELOG.md").read_text()


def test_same_content_twice_is_a_no_op(seed, tmp_path: Path) -> None:
    first = release(seed, tmp_path)
    before = snapshot(first.path)
    again = release(seed, tmp_path)
    assert not again.created and again.path == first.path
    assert snapshot(first.path) == before
    assert list_releases(tmp_path) == [first.path]
    assert [p.name for p in (tmp_path / "releases").iterdir()] == ["v1.0.0"]


def test_changed_content_under_the_same_version_is_refused(seed, tmp_path: Path) -> None:
    first = release(seed, tmp_path)
    before = snapshot(first.path)
    with pytest.raises(PublishError, match=r"already exists with different content.*--version"):
        release(seed, tmp_path, docs=relicensed(seed))
    assert snapshot(first.path) == before
    assert [p.name for p in (tmp_path / "releases").iterdir()] == ["v1.0.0"]
    changed = release(seed, tmp_path, "1.0.1", docs=relicensed(seed))
    assert changed.created and published_dataset(tmp_path).name == "v1.0.1"


def test_invalid_release_leaves_no_partial_version(seed, tmp_path: Path) -> None:
    docs = copy.deepcopy(seed[0])
    docs[0].sentences[3].start += 1
    with pytest.raises(PublishError, match="failed validation; nothing published"):
        release(seed, tmp_path, docs=docs)
    assert list((tmp_path / "releases").iterdir()) == []
    assert not (tmp_path / "dataset").exists() and not (tmp_path / "LATEST").exists()


def test_crash_while_writing_leaves_no_partial_version(
    seed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release(seed, tmp_path, "1.0.0")
    real = publish_mod.ShardWriter.close

    def crash_after_writing(*args: Any, **kwargs: Any):
        real(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(publish_mod.ShardWriter, "close", crash_after_writing)
    with pytest.raises(KeyboardInterrupt):
        release(seed, tmp_path, "1.1.0", docs=relicensed(seed))
    assert [p.name for p in (tmp_path / "releases").iterdir()] == ["v1.0.0"]
    assert published_dataset(tmp_path).name == "v1.0.0"


def test_unreadable_input_mid_release_leaves_no_partial_version(seed, tmp_path: Path) -> None:
    """The enriched tables are read a table ahead in a thread; an error there still stops the
    release where it happened."""
    table = records_table(seed[0], Document)

    def tables_then_a_broken_shard():
        yield table.slice(0, 1)
        raise OSError("documents-00001.arrow: unreadable")

    with pytest.raises(OSError, match=r"documents-00001\.arrow: unreadable"):
        publish(tables_then_a_broken_shard(), seed[1], seed[2], tmp_path, PublishSettings("1.0.0"), {})
    assert list((tmp_path / "releases").iterdir()) == []


def test_manifest_checksums_are_the_files_written(seed, tmp_path: Path) -> None:
    path = release(seed, tmp_path, rows_per_shard=7).path
    files = json.loads((path / "manifest.json").read_text(encoding="utf-8"))["files"]
    on_disk = {str(p.relative_to(path)): p for p in sorted(path.rglob("*.parquet"))}
    assert len(files) == len(on_disk) > 3 and list(files) == sorted(files)
    assert files == {rel: hashlib.sha256(p.read_bytes()).hexdigest() for rel, p in on_disk.items()}


def test_resolve_release_by_version_or_path(seed, tmp_path: Path) -> None:
    path = release(seed, tmp_path).path.resolve()
    assert resolve_release(tmp_path, "1.0.0") == resolve_release(tmp_path, "v1.0.0") == path
    assert resolve_release(tmp_path, str(path)) == path
    with pytest.raises(PublishError, match="neither a release folder nor a version"):
        resolve_release(tmp_path, "2.0.0")


# ----------------------------------------------------------------- loading with `datasets`


@pytest.mark.parametrize("config", CONFIGS)
def test_load_dataset_offline_for_each_config(seed, tmp_path: Path, hf_cache: str, config: str) -> None:
    path = release(seed, tmp_path).path
    loaded = load(path, config, hf_cache)
    rows = config_rows(seed[0])[config]
    assert {split: ds.num_rows for split, ds in loaded.items()} == {
        split: len(r) for split, r in rows.items()
    }
    assert loaded["train"][0] == rows["train"][0]


# ----------------------------------------------------------------- damage


@pytest.fixture
def damaged(seed, tmp_path: Path) -> Path:
    """A release copied out of its processed folder, to be damaged by the test."""
    original = release(seed, tmp_path / "processed", rows_per_shard=60).path
    target = tmp_path / "copy"
    shutil.copytree(original, target)
    return target


def test_shards_hold_exactly_rows_per_shard(damaged: Path) -> None:
    """Rows are cut at the limit, whatever the document boundaries; only the last shard is smaller."""
    for config in CONFIGS:
        sizes = [pq.ParquetFile(p).metadata.num_rows for p in sorted((damaged / "data" / config).glob("*"))]
        assert all(n == 60 for n in sizes[:-1]) and 0 < sizes[-1] <= 60, (config, sizes)


def first_sentence_shard(root: Path) -> Path:
    return sorted((root / "data" / "sentences").glob("train-*.parquet"))[0]


def delete_shard(root: Path) -> str:
    first_sentence_shard(root).unlink()
    return "listed in manifest.json but missing"


def edit_shard(root: Path) -> str:
    shard = first_sentence_shard(root)
    table = pq.read_table(shard)
    pq.write_table(table.slice(1), shard)
    return "sha256 differs from manifest.json"


def wrong_manifest_count(root: Path) -> str:
    manifest = json.loads((root / "manifest.json").read_text())
    n = manifest["counts"]["sentences"]["train"]
    manifest["counts"]["sentences"]["train"] = n + 1
    (root / "manifest.json").write_text(json.dumps(manifest))
    return f"sentences/train: {n} rows, the release declares {n + 1}"


@pytest.mark.parametrize("damage", [delete_shard, edit_shard, wrong_manifest_count])
def test_corpus_validate_catches_damage(damaged: Path, damage) -> None:
    assert CliRunner().invoke(main, ["validate", str(damaged)]).exit_code == 0
    expected = damage(damaged)
    result = CliRunner().invoke(main, ["validate", str(damaged), "--json", str(damaged.parent / "r.json")])
    assert result.exit_code == 1
    assert "FAILED" in result.output and expected in result.output, result.output
    assert json.loads((damaged.parent / "r.json").read_text())["ok"] is False


def test_load_dataset_refuses_a_lost_shard(damaged: Path, hf_cache: str) -> None:
    delete_shard(damaged)
    with pytest.raises(FileNotFoundError, match=r"train-00000-of-\d{5}\.parquet"):
        load(damaged, "sentences", hf_cache)


def test_load_dataset_refuses_a_wrong_count_in_the_card(damaged: Path, hf_cache: str) -> None:
    from datasets.exceptions import NonMatchingSplitsSizesError

    card = (damaged / "README.md").read_text()
    n = declared_counts(damaged)["sentences"]["train"]
    assert card.count(f"num_examples: {n}\n") == 1  # the sentences config's train split
    (damaged / "README.md").write_text(card.replace(f"num_examples: {n}\n", f"num_examples: {n - 1}\n"))
    with pytest.raises(NonMatchingSplitsSizesError):
        load(damaged, "sentences", hf_cache)


# ----------------------------------------------------------------- the stale-cache trap


def licences(path: Path, cache_dir: str) -> list[str]:
    return load(path, "documents", cache_dir, split="train")["license"]


def test_rewriting_a_published_path_returns_stale_rows_new_versions_do_not(
    seed, tmp_path: Path, hf_cache: str
) -> None:
    """`load_dataset` caches a local folder whose card declares configs by path, not by
    file content or mtime: rewrite a shard in place and it returns the old rows. Releases
    never rewrite a path; a new version is a new folder, loaded by its resolved path."""
    processed = tmp_path / "processed"
    v1 = release(seed, processed, "1.0.0").path
    assert licences(v1, hf_cache)[0] == "CC BY-SA 3.0"

    v2 = release(seed, processed, "1.1.0", docs=relicensed(seed)).path
    assert licences(published_dataset(processed), hf_cache)[0] == "CC BY-SA 4.0"  # our way: fresh rows
    assert licences(v1, hf_cache)[0] == "CC BY-SA 3.0"  # and the old version still loads as it was

    # The trap: overwrite v1's shard in place with v2's content; the cache hides the change.
    rel = "data/documents/train-00000-of-00001.parquet"
    shutil.copyfile(v2 / rel, v1 / rel)
    assert pq.read_table(v1 / rel)["license"][0].as_py() == "CC BY-SA 4.0"
    assert licences(v1, hf_cache)[0] == "CC BY-SA 3.0"  # stale


@pytest.mark.parametrize("config", CONFIGS)
def test_card_features_are_what_datasets_writes_for_the_schema(config: str) -> None:
    from datasets import Features

    assert features_yaml(config) == Features.from_arrow_schema(CONFIG_SCHEMAS[config])._to_yaml_list()


def test_card_features_name_arrow_types_or_refuse_them() -> None:
    from datasets import Features

    struct = pa.struct([pa.field(f"f{i}", type_) for i, type_ in enumerate(DTYPES)])
    fields = [pa.field("a", pa.list_(struct)), pa.field("b", struct), *struct]
    assert fields_yaml(fields) == Features.from_arrow_schema(pa.schema(fields))._to_yaml_list()
    with pytest.raises(TypeError, match="double"):
        fields_yaml([pa.field("d", pa.float64())])  # "float64" to datasets; refused, not misnamed
