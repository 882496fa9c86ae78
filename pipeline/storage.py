"""Reading and writing stage outputs: Parquet shards, written atomically.

A stage's output is a folder under `processed/` holding `documents-NNNNN.parquet`
shards (plus, for ingest, `sources.parquet` and `quarantine.parquet`). A stage writes
into a temporary sibling folder and renames it into place only when every shard is
written, so a killed run never leaves half-written output.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.schema import DOCUMENT_SCHEMA, Document, from_row, to_row

T = TypeVar("T")
DOCS_PER_SHARD = 500


class StageInputMissing(FileNotFoundError):
    """The previous stage has not been run (or its output was removed)."""


@contextmanager
def atomic_dir(final: Path) -> Iterator[Path]:
    """Yield a temporary folder beside `final`; replace `final` with it on success."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        yield tmp
        old = final.with_name(f".{final.name}.old")
        if old.exists():
            shutil.rmtree(old)
        if final.exists():
            final.rename(old)
        tmp.rename(final)
        if old.exists():
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_rows(rows: list[dict[str, Any]], schema: pa.Schema, path: Path) -> None:
    table = pa.Table.from_pylist(rows, schema=schema)
    pq.write_table(table, path, compression="zstd")


def write_records(records: Iterable[Any], schema: pa.Schema, path: Path) -> int:
    rows = [to_row(r) for r in records]
    write_rows(rows, schema, path)
    return len(rows)


def read_records(cls: type[T], path: Path) -> list[T]:
    return [from_row(cls, row) for row in pq.read_table(path).to_pylist()]


def write_documents(documents: Iterable[Document], folder: Path, per_shard: int = DOCS_PER_SHARD) -> int:
    """Write documents as shards of at most `per_shard` rows into `folder`."""
    count = 0
    shard: list[dict[str, Any]] = []
    index = 0
    for doc in documents:
        shard.append(to_row(doc))
        count += 1
        if len(shard) == per_shard:
            write_rows(shard, DOCUMENT_SCHEMA, folder / f"documents-{index:05d}.parquet")
            shard, index = [], index + 1
    if shard or index == 0:
        write_rows(shard, DOCUMENT_SCHEMA, folder / f"documents-{index:05d}.parquet")
    return count


def document_shards(folder: Path) -> list[Path]:
    shards = sorted(folder.glob("documents-*.parquet"))
    if not shards:
        raise StageInputMissing(f"{folder}: no documents here; run the previous stage first")
    return shards


def read_documents(folder: Path) -> Iterator[Document]:
    """Stream the documents of a stage's output, one shard in memory at a time."""
    for shard in document_shards(folder):
        for batch in pq.ParquetFile(shard).iter_batches(batch_size=64):
            for row in batch.to_pylist():
                yield from_row(Document, row)


def count_documents(folder: Path) -> int:
    return sum(pq.ParquetFile(s).metadata.num_rows for s in document_shards(folder))


def copy_file(src: Path, dst: Path) -> None:
    shutil.copy2(src, dst)


def replace_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
