"""Reading and writing stage outputs: Arrow shards, written atomically, with markers.

A stage's output is a folder under `processed/` holding `documents-NNNNN.arrow` shards
(Arrow IPC files of `Document` rows; plus, for ingest, `sources.parquet` and
`quarantine.parquet`) and a `_SUCCESS.json` marker listing every shard with its sha256
and row count. Ingest's shards hold every column; a later stage's shards hold only the columns
its stage sets, and its documents are read as layers: its shard's columns over those of the same
shard of each stage before it (`Layer`, `layered_tables`). Each file is written to a temporary
name and renamed into place; the marker is written last and removed first, so a reader never
takes a half-written stage for a finished one, and a re-run can skip every shard whose output is
already there for the same input.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.schema import DOCUMENT_SCHEMA, Document, field_array, records_from_arrow, records_to_arrow

T = TypeVar("T")
# A shard (the unit of parallel work and of resuming) ends at whichever limit comes first: its
# text (raw and clean) or its count of documents. By size first: a shard has a fixed cost (files,
# markers, a batch for each stage), which a hundred short articles did not pay back.
BYTES_PER_SHARD = 2 << 20  # about 120 WikiText-103 articles
DOCS_PER_SHARD = 2000
# A record batch (documents converted to Arrow at once) ends the same way: each batch costs a
# record batch per stage, each column compressed on its own.
BYTES_PER_BATCH = 512 << 10  # about 30 WikiText-103 articles
DOCS_PER_BATCH = 500
MARKER = "_SUCCESS.json"
# Stage shards are written and read back by the next stage, every one of them, so they are Arrow
# IPC files rather than Parquet: no encoding of pages (Parquet with zstd took 2.4 times as long to
# write); the release is Parquet, as the Hub expects. Each buffer is compressed with LZ4: the
# stage folders of 100 MB of WikiText take 393 MB where zstd at its fastest level took 256, but
# their shards are written in 0.56 and read in 0.42 of zstd's CPU time (2.3 s less of 37 for
# `corpus run` on 100 MB; zstd's negative levels save less and compress worse than LZ4).
# Without Arrow's threads: stages run in one process per core, where threads that (de)compress a
# batch's buffers in parallel only add their own cost (reading a shard took 65% more CPU with
# them, in the same time).
STAGE_IPC = pa.ipc.IpcWriteOptions(compression="lz4", use_threads=False)
SHARD_GLOB = "documents-*"


class StageInputMissing(FileNotFoundError):
    """The previous stage has not been run, or did not finish."""


class StageMismatch(StageInputMissing):
    """A stage's shard was not made from the shard of the stage before it that is there now."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def shard_name(index: int) -> str:
    return f"documents-{index:05d}.arrow"


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it to `path` on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = None
    try:  # from the temporary file's creation on: a Ctrl-C right after it must not leave it behind
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        os.close(fd)
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise


def replace_file(path: Path, data: bytes | pa.Buffer) -> None:
    """Write `data` to `path` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


@contextmanager
def atomic_dir(final: Path) -> Iterator[Path]:
    """Yield a temporary folder beside `final`; replace `final` with it on success."""
    final.parent.mkdir(parents=True, exist_ok=True)
    for stale in final.parent.glob(f".{final.name}.*"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        yield tmp
        old = final.with_name(f".{final.name}.old")
        if final.exists():
            final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def records_table(records: list[Any], cls: type) -> pa.Table:
    return pa.Table.from_struct_array(records_to_arrow(records, cls))


def write_records(records: list[Any], cls: type, path: Path) -> int:
    with atomic_path(path) as tmp:
        pq.write_table(records_table(records, cls), tmp, compression="zstd")
    return len(records)


def read_records(cls: type[T], path: Path) -> list[T]:
    return records_from_arrow(pq.read_table(path), cls)


def document_size(doc: Document) -> int:
    return len(doc.text) + sum(map(len, doc.lines))


def documents_table(docs: list[Document], names: Sequence[str] = tuple(DOCUMENT_SCHEMA.names)) -> pa.Table:
    """The fields `names` of `docs` (all of them by default) as a table of their columns: a stage
    converts only the fields it sets, not the blocks and their edits again."""
    return pa.Table.from_arrays(
        [field_array(docs, Document, name) for name in names], schema=columns_schema(names)
    )


def bounded_groups(documents: Iterable[Document], max_docs: int, max_size: int) -> Iterator[list[Document]]:
    """Consecutive documents in groups that end at `max_docs` documents or `max_size` characters
    of text, whichever comes first (the last group may be smaller; none is empty)."""
    group: list[Document] = []
    size = 0
    for doc in documents:
        group.append(doc)
        size += document_size(doc)
        if len(group) >= max_docs or size >= max_size:
            yield group
            group, size = [], 0
    if group:
        yield group


def document_batches(documents: Iterable[Document]) -> Iterator[pa.Table]:
    """Documents as tables of up to `BYTES_PER_BATCH` of text or `DOCS_PER_BATCH` rows, one
    converted at a time."""
    return map(documents_table, bounded_groups(documents, DOCS_PER_BATCH, BYTES_PER_BATCH))


def write_shard(
    tables: Iterable[pa.Table], path: Path, schema: pa.Schema = DOCUMENT_SCHEMA
) -> dict[str, Any]:
    """Write tables of documents (or of some of their columns) as one shard, atomically; return
    its marker entry."""
    return save_shard(path, *shard_bytes(tables, schema))


def shard_bytes(tables: Iterable[pa.Table], schema: pa.Schema = DOCUMENT_SCHEMA) -> tuple[pa.Buffer, int]:
    """Tables of documents as the bytes of one shard (compressed: a shard is a few MB), and its rows."""
    rows, sink = 0, pa.BufferOutputStream()
    with pa.ipc.new_file(sink, schema, options=STAGE_IPC) as writer:
        for table in tables:
            writer.write_table(table)
            rows += table.num_rows
    return sink.getvalue(), rows


def save_shard(path: Path, data: pa.Buffer, rows: int) -> dict[str, Any]:
    """Write a shard's bytes to `path`; its marker entry."""
    return {"name": path.name, "sha256": write_hashed(path, data), "rows": rows}


def write_hashed(path: Path, data: bytes | pa.Buffer) -> str:
    """Write `data` to `path` atomically; its sha256, taken from the bytes (no read back)."""
    replace_file(path, data)
    return hashlib.sha256(data).hexdigest()


def columns_schema(names: Iterable[str]) -> pa.Schema:
    """The schema of a shard holding the document columns `names`."""
    return pa.schema([DOCUMENT_SCHEMA.field(name) for name in names])


@dataclass(frozen=True)
class Layer:
    """One shard a stage's documents are read from (its file, or its bytes when just written), and
    the document columns taken from it: those no later stage sets."""

    shard: Path | bytes
    columns: tuple[str, ...]

    def describe(self) -> str:
        return str(self.shard) if isinstance(self.shard, Path) else "a shard in memory"


def layered_tables(layers: list[Layer]) -> Iterator[pa.Table]:
    """The documents of a stage's shard, batch by batch, as tables of `DOCUMENT_SCHEMA`: each
    column from the layer that holds it. Only those columns are read (and decompressed) from each
    shard. The shards of one document shard are written batch for batch, so their batches line
    up; shards that do not (another run's, or damaged) are an error naming them."""
    with ExitStack() as stack:
        readers = [_open_columns(layer, stack) for layer in layers]
        batches = [reader.num_record_batches for reader in readers]
        if len(set(batches)) > 1:
            raise StageMismatch(_mismatch(layers, "batches", batches))
        for i in range(batches[0]):
            parts = [reader.get_batch(i) for reader in readers]
            rows = [part.num_rows for part in parts]
            if len(set(rows)) > 1:
                raise StageMismatch(_mismatch(layers, f"rows in batch {i}", rows))
            columns = {
                name: column
                for part in parts
                for name, column in zip(part.schema.names, part.columns, strict=True)
            }
            yield pa.Table.from_arrays(
                [columns[name] for name in DOCUMENT_SCHEMA.names], schema=DOCUMENT_SCHEMA
            )


def _open_columns(layer: Layer, stack: ExitStack) -> pa.ipc.RecordBatchFileReader:
    shard = layer.shard
    source = stack.enter_context(
        pa.BufferReader(shard) if isinstance(shard, bytes) else pa.OSFile(str(shard))
    )
    schema = pa.ipc.open_file(source).schema  # the footer only
    missing = [name for name in layer.columns if schema.get_field_index(name) < 0]
    if missing:
        raise StageMismatch(
            f"{layer.describe()}: no column {', '.join(missing)} (written by another version?)"
        )
    fields = sorted(schema.get_field_index(name) for name in layer.columns)
    options = pa.ipc.IpcReadOptions(included_fields=fields, use_threads=False)
    return pa.ipc.open_file(source, options=options)


def _mismatch(layers: list[Layer], what: str, counts: list[int]) -> str:
    shards = ", ".join(f"{layer.describe()} ({n})" for layer, n in zip(layers, counts, strict=True))
    return f"the shards of one stage's documents do not line up in {what}: {shards}; run the stages again"


ShardWritten = Callable[[dict[str, Any], bytes], None]


def write_documents(
    documents: Iterable[Document],
    folder: Path,
    docs_per_shard: int = DOCS_PER_SHARD,
    on_shard: ShardWritten | None = None,
) -> list[dict[str, Any]]:
    """Write documents as bounded shards (by count and by text size); return marker entries.

    `on_shard(entry, data)` is told of each shard, and given its bytes, as soon as it is written.
    """
    entries: list[dict[str, Any]] = []
    for shard in bounded_groups(documents, docs_per_shard, BYTES_PER_SHARD):
        entries.append(_write_and_tell(shard, folder / shard_name(len(entries)), on_shard))
    if not entries:  # no documents: one empty shard (a stage folder always holds one)
        entries.append(_write_and_tell([], folder / shard_name(0), on_shard))
    return entries


def _write_and_tell(shard: list[Document], path: Path, on_shard: ShardWritten | None) -> dict[str, Any]:
    data, rows = shard_bytes(document_batches(shard))
    entry = save_shard(path, data, rows)
    if on_shard is not None:
        on_shard(entry, data.to_pybytes())
    return entry


def write_marker(folder: Path, shards: list[dict[str, Any]], fingerprint: dict[str, Any]) -> None:
    data = {"shards": shards, "fingerprint": fingerprint}
    replace_file(folder / MARKER, (json.dumps(data, indent=1, sort_keys=True) + "\n").encode())


def read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def clear_marker(folder: Path) -> None:
    (folder / MARKER).unlink(missing_ok=True)


def finished_shards(folder: Path) -> list[dict[str, Any]]:
    """The shards of a finished stage, in order; an error naming the stage if it did not finish."""
    marker = read_marker(folder)
    if marker is None:
        state = "did not finish" if folder.exists() else "has not been run"
        raise StageInputMissing(f"{folder}: this stage {state}; run the previous stage first")
    return marker["shards"]
