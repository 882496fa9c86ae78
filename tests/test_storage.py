"""Stage shards: where shards and their record batches end, and that every later stage follows them."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from pipeline.stages import Engine, RunSettings, run_all
from pipeline.storage import BYTES_PER_BATCH, BYTES_PER_SHARD, DOCS_PER_BATCH, DOCS_PER_SHARD, SHARD_GLOB

STAGES = ("ingest", "detokenise", "segment", "enrich")


def batch_rows(processed: Path, stage: str) -> list[list[int]]:
    """Rows of each record batch of each shard of a stage, in order."""
    rows = []
    for shard in sorted((processed / stage).glob(SHARD_GLOB)):
        reader = pa.ipc.open_file(pa.memory_map(str(shard)))
        rows.append([reader.get_batch(i).num_rows for i in range(reader.num_record_batches)])
    return rows


def test_short_articles_share_shards_and_batches_by_count(tmp_path: Path) -> None:
    """Short articles fill a shard up to its count of documents, and a batch up to its count, where
    a fixed hundred a shard (and 32 a batch) made a shard's fixed cost outweigh its work."""
    n = DOCS_PER_SHARD + DOCS_PER_BATCH + 7
    text = "".join(f" = Stub {i} = \n\n The stub number {i} is short . \n\n" for i in range(n))
    (tmp_path / "stubs.raw").write_text(text, encoding="utf-8")
    processed = tmp_path / "processed"
    run_all([tmp_path / "stubs.raw"], processed, RunSettings(), engine=Engine(workers=1))
    full = [DOCS_PER_BATCH] * (DOCS_PER_SHARD // DOCS_PER_BATCH)
    assert batch_rows(processed, "ingest") == [full, [DOCS_PER_BATCH, 7]]
    for stage in STAGES[1:]:
        assert batch_rows(processed, stage) == batch_rows(processed, "ingest"), stage


def test_long_articles_end_shards_and_batches_by_size(tmp_path: Path) -> None:
    """An article of more than a batch's text is a batch on its own; a shard ends past its size."""
    paragraph = " The article goes on , at length . " * 200  # 7 KB a line
    per_article = BYTES_PER_BATCH // len(paragraph) + 1  # lines: just over a batch's text
    articles = [f" = Long {i} = \n\n" + (paragraph + "\n\n") * per_article for i in range(6)]
    (tmp_path / "long.raw").write_text("".join(articles), encoding="utf-8")
    processed = tmp_path / "processed"
    run_all([tmp_path / "long.raw"], processed, RunSettings(), engine=Engine(workers=2))
    per_shard = -(-BYTES_PER_SHARD // (per_article * len(paragraph)))  # articles to reach the size
    expected = [[1] * min(per_shard, 6 - first) for first in range(0, 6, per_shard)]
    assert batch_rows(processed, "ingest") == expected
    for stage in STAGES[1:]:
        assert batch_rows(processed, stage) == expected, stage
