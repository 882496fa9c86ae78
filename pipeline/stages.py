"""Wiring: each stage reads the previous stage's folder under `processed/` and writes its own.

The stage functions (`ingest_file`, `detokenise_document`, ...) are pure; this module
only moves records between them and the Parquet folders. Map stages work shard by shard
in `workers` processes; a shard whose output exists for the same input and settings is
skipped, so re-runs and runs after a crash redo only what is missing. `progress` wraps
long iterations (the CLI passes a progress bar); nothing here prints.
"""

from __future__ import annotations

import collections
import ctypes
import functools
import hashlib
import itertools
import json
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa

from pipeline import __version__
from pipeline.detokenise import DETOKENISE_WRITES, DetokeniseSettings, detokenise_document
from pipeline.enrich import ENRICH_WRITES, enrich_document
from pipeline.ingest import FileIngest, InputError, discover_inputs, find_sidecar, load_sidecar, logical_name
from pipeline.publish import POINTER, Published, PublishSettings, publish
from pipeline.runtime import collect_garbage_less_often
from pipeline.schema import DOCUMENT_SCHEMA, Document, Quarantine, Source, records_from_arrow
from pipeline.segment import SEGMENT_WRITES, segment_document
from pipeline.storage import (
    DOCS_PER_SHARD,
    SHARD_GLOB,
    Layer,
    ShardWritten,
    StageMismatch,
    atomic_dir,
    clear_marker,
    columns_schema,
    documents_table,
    finished_shards,
    layered_tables,
    read_marker,
    read_records,
    replace_file,
    sha256_file,
    write_documents,
    write_marker,
    write_records,
    write_shard,
)
from pipeline.tables import bundles_from_documents, bundles_from_table
from pipeline.validate import (
    DocumentChecks,
    DocumentsFound,
    Report,
    check_documents,
    document_report,
    validate_release,
)

log = logging.getLogger("pipeline")
T = TypeVar("T")
Progress = Callable[[Iterable[T], str, int | None], Iterable[T]]
DocumentFn = Callable[[Document], Document]


def no_progress(items: Iterable[T], _label: str, _total: int | None) -> Iterable[T]:
    return items


def default_workers() -> int:
    return os.cpu_count() or 1


@dataclass(frozen=True)
class Engine:
    """Where the per-document stages run: local processes, or a Ray cluster (local if no address)."""

    name: str = "local"
    workers: int = 1
    ray_address: str | None = None


@dataclass
class StageResult:
    stage: str
    documents: int = 0
    shards: int = 0
    skipped: int = 0

    @property
    def up_to_date(self) -> bool:
        return self.shards == self.skipped


@dataclass
class IngestSummary(StageResult):
    sources: list[Source] = field(default_factory=list)
    quarantine: list[Quarantine] = field(default_factory=list)


def stage_dir(processed: Path, stage: str) -> Path:
    return processed / stage


def fingerprint(**settings: Any) -> dict[str, Any]:
    """What a stage's output depends on besides its input: settings, code version, shard layout."""
    return {
        "code_version": __version__,
        "layout": SHARD_LAYOUT,
        **{k: _plain(v) for k, v in settings.items()},
    }


# 2: a map stage's shards hold only the columns it sets (1: every column).
SHARD_LAYOUT = 2


def _plain(value: Any) -> Any:
    if isinstance(value, frozenset | set | tuple):
        return sorted(value)
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(v) for k, v in asdict(value).items()}
    return value


# ----------------------------------------------------------------- ingest


def input_identity(files: list[Path], sidecar_path: Path | None) -> list[dict[str, Any]]:
    """Name, size and modification time of every input (as make judges freshness)."""
    entries = [
        {"path": str(p.resolve()), "size": p.stat().st_size, "mtime_ns": p.stat().st_mtime_ns} for p in files
    ]
    if sidecar_path is not None:
        entries.append({"sidecar": str(sidecar_path.resolve()), "sha256": sha256_file(sidecar_path)})
    return entries


def run_ingest(
    paths: list[Path],
    processed: Path,
    source_format: str | None = None,
    sidecar_path: Path | None = None,
    progress: Progress = no_progress,
    docs_per_shard: int = DOCS_PER_SHARD,
    on_shard: ShardWritten | None = None,
) -> IngestSummary:
    """Read the raw files into document shards (skipped when inputs and settings are unchanged).

    `on_shard(entry, data)` is told of each shard, and given its bytes, as it is written (not when
    skipped).
    """
    files = discover_inputs(paths)
    if not files:
        raise InputError("no input files found in " + ", ".join(map(str, paths)))
    sidecar_path = sidecar_path or find_sidecar(paths)
    out_dir = stage_dir(processed, "ingest")
    key = fingerprint(
        inputs=input_identity(files, sidecar_path), source_format=source_format, docs_per_shard=docs_per_shard
    )
    marker = read_marker(out_dir)
    if marker is not None and marker["fingerprint"] == key:
        sources, quarantine = ingest_records(processed)
        n = sum(s["rows"] for s in marker["shards"])
        return IngestSummary("ingest", n, len(marker["shards"]), len(marker["shards"]), sources, quarantine)

    sidecar = load_sidecar(sidecar_path)
    summary = IngestSummary("ingest")

    def documents() -> Iterator[Document]:
        for path in progress(files, "ingest", len(files)):
            reader = FileIngest(path, sidecar, source_format)
            try:
                for doc in reader.documents():
                    summary.documents += 1
                    yield doc
            except InputError as exc:
                log.warning("%s", exc)
                reader.source.source_format = reader.source.source_format or "unreadable"
                reader.quarantine.append(Quarantine(logical_name(path), 0, 0, str(exc), ""))
            for q in reader.quarantine:
                log.warning("%s: lines %d-%d quarantined: %s", path, q.line_start, q.line_end, q.reason)
            summary.sources.append(reader.source)
            summary.quarantine.extend(reader.quarantine)

    with atomic_dir(out_dir) as out:
        shards = write_documents(documents(), out, docs_per_shard, on_shard)
        write_records(summary.sources, Source, out / "sources.parquet")
        write_records(summary.quarantine, Quarantine, out / "quarantine.parquet")
        write_marker(out, shards, key)
    summary.shards = len(shards)
    return summary


def ingest_records(processed: Path) -> tuple[list[Source], list[Quarantine]]:
    folder = stage_dir(processed, "ingest")
    finished_shards(folder)
    return read_records(Source, folder / "sources.parquet"), read_records(
        Quarantine, folder / "quarantine.parquet"
    )


# ----------------------------------------------------------------- layers

# The stages that write documents, in order, and the fields each sets (ingest: all of them).
STAGE_WRITES: dict[str, tuple[str, ...]] = {
    "ingest": tuple(DOCUMENT_SCHEMA.names),
    "detokenise": DETOKENISE_WRITES,
    "segment": SEGMENT_WRITES,
    "enrich": ENRICH_WRITES,
}


def layer_columns(stages: list[str]) -> list[tuple[str, ...]]:
    """For each of `stages` (in order), the columns its shards supply: those it sets and no later
    stage sets again."""
    later: set[str] = set()
    columns = []
    for stage in reversed(stages):
        columns.append(tuple(name for name in STAGE_WRITES[stage] if name not in later))
        later.update(STAGE_WRITES[stage])
    return columns[::-1]


def stage_layers(processed: Path, stage: str) -> list[list[Layer]]:
    """For each shard of a finished stage, in order, the layers its documents are read from: the
    shard of that name in the stage's folder and in each folder before it.

    Each stage's marker records the sha256 of the shard each of its shards was made from; a stage
    run again since a later one ran (its shards changed) makes the later one's an error to read,
    never a mix of two runs."""
    stages = list(STAGE_WRITES)[: list(STAGE_WRITES).index(stage) + 1]
    entries = [finished_shards(stage_dir(processed, name)) for name in stages]
    for before, after, inputs, outputs in zip(stages, stages[1:], entries, entries[1:], strict=False):
        if any("input" not in e for e in outputs):
            why = "written by an older version, whose shards are not read as layers"
        elif [(e["name"], e["input"]) for e in outputs] != [(e["name"], e["sha256"]) for e in inputs]:
            why = f"not made from the {before} output that is there now ({before} ran again since)"
        else:
            continue
        raise StageMismatch(f"{stage_dir(processed, after)}: {why}; run {after} again")
    return [shard_layers(processed, stages, entry["name"]) for entry in entries[-1]]


def shard_layers(processed: Path, stages: list[str], name: str) -> list[Layer]:
    """The layers of shard `name` after `stages` (ingest and the stages after it, in order): the
    file of that name in each stage's folder, with the columns it supplies."""
    columns = layer_columns(stages)
    return [Layer(stage_dir(processed, s) / name, c) for s, c in zip(stages, columns, strict=True)]


def stage_tables(processed: Path, stage: str) -> Iterator[pa.Table]:
    """A finished stage's documents as Arrow tables, a batch at a time."""
    for layers in stage_layers(processed, stage):
        yield from layered_tables(layers)


def stage_documents(processed: Path, stage: str) -> Iterator[Document]:
    """A finished stage's documents, one batch in memory at a time."""
    for table in stage_tables(processed, stage):
        yield from records_from_arrow(table, Document)


# ----------------------------------------------------------------- map stages


@dataclass(frozen=True)
class MapStage:
    """A per-document stage: its input and output folders, its function, the fields the function
    sets (the other columns of its output are its input's) and what its output depends on besides
    the input (settings and code version)."""

    source: str
    target: str
    fn: DocumentFn
    writes: tuple[str, ...]
    key: dict[str, Any]


def map_stage_of(
    source: str, target: str, fn: DocumentFn, writes: tuple[str, ...], settings: dict[str, Any]
) -> MapStage:
    return MapStage(source, target, fn, writes, fingerprint(stage=target, **settings))


def apply_stage(stage: MapStage, docs: list[Document]) -> tuple[list[Document], pa.Table]:
    """The stage function applied to a batch of documents; they, and the table of the fields it
    sets (what its shard holds)."""
    docs = [stage.fn(doc) for doc in docs]
    return docs, documents_table(docs, stage.writes)


def read_batches(layers: list[Layer]) -> Iterator[list[Document]]:
    """A shard's documents, batch by batch (from its layers)."""
    for table in layered_tables(layers):
        yield records_from_arrow(table, Document)


def write_stage_shard(stage: MapStage, tables: Iterable[pa.Table], target: Path) -> dict[str, Any]:
    """Write a stage's tables (of the fields it sets) as one shard; its marker entry."""
    return write_shard(tables, target, columns_schema(stage.writes))


def process_shard(stage: MapStage, layers: list[Layer], target: Path) -> dict[str, Any]:
    """Apply a stage function to every document of one shard; write the output shard."""
    collect_garbage_less_often()  # also in Ray's workers, which the run did not start
    tables = (apply_stage(stage, docs)[1] for docs in read_batches(layers))
    return write_stage_shard(stage, tables, target)


class StageFolder:
    """A map stage's output folder during a run: which shards are up to date, what was written.

    Opening it removes the stage's marker (the stage is unfinished until `finish`) and the
    temporary files of a run that was killed; each shard written is recorded at once (a line
    appended to the folder's journal of shard keys), so a run stopped at any point redoes only
    the shards it had not finished.
    """

    def __init__(self, processed: Path, stage: MapStage) -> None:
        self.stage = stage
        self.path = stage_dir(processed, stage.target)
        self.path.mkdir(parents=True, exist_ok=True)
        clear_marker(self.path)
        for leftover in self.path.glob(".*"):
            leftover.unlink(missing_ok=True)
        self.done = load_shard_keys(self.path)
        save_shard_keys(self.path, self.done)  # without a line a killed run may have left unfinished
        self.outputs: dict[str, dict[str, Any]] = {}
        self.result = StageResult(stage.target)

    def up_to_date(self, entry: dict[str, Any]) -> dict[str, Any] | None:
        """The output entry of the shard made from input `entry`, if it is there and current."""
        kept = self.done.get(entry["name"])
        out = self.path / entry["name"]
        if kept is None or kept["key"] != shard_fingerprint(entry, self.stage.key) or not out.exists():
            return None
        return kept["out"] if sha256_file(out) == kept["out"]["sha256"] else None

    def record(self, entry: dict[str, Any], out: dict[str, Any], written: bool) -> None:
        """Shard `out` made from input shard `entry` (its sha256 kept as `input`), written now or kept."""
        out = {**out, "input": entry["sha256"]}
        self.outputs[entry["name"]] = out
        self.result.shards += 1
        self.result.documents += entry["rows"]
        if written:
            self.done[entry["name"]] = {"key": shard_fingerprint(entry, self.stage.key), "out": out}
            append_shard_key(self.path, entry["name"], self.done[entry["name"]])
        else:
            self.result.skipped += 1

    def finish(self, inputs: list[dict[str, Any]]) -> StageResult:
        """Remove shards of inputs that are gone; mark the stage finished."""
        for stale in {p.name for p in self.path.glob(SHARD_GLOB)} - set(self.outputs):
            (self.path / stale).unlink()
        save_shard_keys(self.path, {name: self.done[name] for name in self.outputs if name in self.done})
        write_marker(self.path, [self.outputs[e["name"]] for e in inputs], self.stage.key)
        return self.result


def map_stage(
    processed: Path, stage: MapStage, engine: Engine, progress: Progress = no_progress
) -> StageResult:
    """Run a per-document stage function over the previous stage's shards, in parallel."""
    inputs = finished_shards(stage_dir(processed, stage.source))
    layers = stage_layers(processed, stage.source)
    folder = StageFolder(processed, stage)
    todo: list[dict[str, Any]] = []
    jobs: list[ShardJob] = []
    for entry, entry_layers in zip(inputs, layers, strict=True):
        kept = folder.up_to_date(entry)
        if kept is None:
            todo.append(entry)
            jobs.append((entry_layers, folder.path / entry["name"]))
        else:
            folder.record(entry, kept, written=False)
    outputs = _run_shards(stage, jobs, engine, progress)
    for entry, out in zip(todo, outputs, strict=True):
        folder.record(entry, out, written=True)
    return folder.finish(inputs)


ShardJob = tuple[list[Layer], Path]  # an input shard's layers, and the output shard's path


def _run_shards(
    stage: MapStage, jobs: list[ShardJob], engine: Engine, progress: Progress
) -> Iterator[dict[str, Any]]:
    if engine.name == "ray":
        from pipeline.ray_engine import run_shards_on_ray

        yield from run_shards_on_ray(process_shard, stage, jobs, engine.ray_address)
        return
    work = functools.partial(_process_job, stage)
    yield from progress(map_in_workers(work, jobs, engine.workers), stage.target, len(jobs))


def _process_job(stage: MapStage, job: ShardJob) -> dict[str, Any]:
    return process_shard(stage, *job)


def map_in_workers(fn: Callable[[Any], T], items: list[Any], workers: int) -> Iterator[T]:
    """`map(fn, items)` in up to `workers` local processes, results in order."""
    if workers <= 1 or len(items) <= 1:
        yield from map(fn, items)
        return
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(items)), mp_context=context, initializer=worker_setup
    )
    with pool:
        futures = [pool.submit(fn, item) for item in items]
        try:
            for future in futures:
                yield future.result()
        except BaseException:  # Ctrl-C or an error: no new item starts; those under way finish
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def worker_setup() -> None:
    """A worker leaves Ctrl-C to the run: the run stops handing out shards and waits for those under
    way (each written whole), where a worker interrupted mid-shard would break the pool and be killed
    with its temporary file. It still dies with a run that is killed."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()


def die_with_parent() -> None:
    """Worker processes end when the run that started them is killed (Linux), never orphaned."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


PR_SET_PDEATHSIG = 1
# A journal of the shards a stage wrote: a JSON line each ({"name", "key", "out"}), appended as
# each shard is written (rewriting a file of every shard after each one grew with the square of
# the shards: 9 s a stage for 2,000 shards, some 60 GB of JSON for a 20 GB dump) and rewritten
# whole only when a run opens and finishes the folder. The last line of a name wins.
SHARD_KEYS = "_shards.jsonl"


def shard_fingerprint(entry: dict[str, Any], stage_key: dict[str, Any]) -> str:
    blob = json.dumps({"input": entry["sha256"], "stage": stage_key}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def load_shard_keys(folder: Path) -> dict[str, Any]:
    """Each shard's key and output entry, from the journal; a line a killed run left unfinished is
    skipped (that shard is redone)."""
    keys: dict[str, Any] = {}
    try:
        lines = (folder / SHARD_KEYS).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return keys
    for line in lines:
        try:
            record = json.loads(line)
            keys[record.pop("name")] = record
        except (json.JSONDecodeError, AttributeError, KeyError):
            continue
    return keys


def shard_key_line(name: str, value: dict[str, Any]) -> str:
    return json.dumps({"name": name, **value}, sort_keys=True) + "\n"


def append_shard_key(folder: Path, name: str, value: dict[str, Any]) -> None:
    with (folder / SHARD_KEYS).open("a", encoding="utf-8") as journal:
        journal.write(shard_key_line(name, value))


def save_shard_keys(folder: Path, keys: dict[str, Any]) -> None:
    """Rewrite the journal with one line a shard (atomically)."""
    lines = "".join(shard_key_line(name, value) for name, value in sorted(keys.items()))
    replace_file(folder / SHARD_KEYS, lines.encode())


LOCAL = Engine()


def detokenise_stage(settings: DetokeniseSettings) -> MapStage:
    fn = functools.partial(detokenise_document, settings=settings)
    return map_stage_of("ingest", "detokenise", fn, DETOKENISE_WRITES, {"detokenise": settings})


SEGMENT = map_stage_of("detokenise", "segment", segment_document, SEGMENT_WRITES, {})
ENRICH = map_stage_of("segment", "enrich", enrich_document, ENRICH_WRITES, {})


def run_detokenise(
    processed: Path, settings: DetokeniseSettings, engine: Engine = LOCAL, progress: Progress = no_progress
) -> StageResult:
    return map_stage(processed, detokenise_stage(settings), engine, progress)


def run_segment(processed: Path, engine: Engine = LOCAL, progress: Progress = no_progress) -> StageResult:
    return map_stage(processed, SEGMENT, engine, progress)


def run_enrich(processed: Path, engine: Engine = LOCAL, progress: Progress = no_progress) -> StageResult:
    return map_stage(processed, ENRICH, engine, progress)


# ----------------------------------------------------------------- validate, publish


def run_validate(processed: Path, target: Path | None = None, engine: Engine = LOCAL) -> Report:
    """Validate a release folder, or (by default) the enrich stage's output, shard by shard in
    `engine.workers` local processes."""
    if target is not None:
        return validate_release(target)
    sources, quarantine = ingest_records(processed)
    shards = stage_layers(processed, "enrich")
    parts = map_in_workers(check_enriched_shard, shards, engine.workers)
    return document_report(str(stage_dir(processed, "enrich")), parts, sources, quarantine)


def check_enriched_shard(layers: list[Layer]) -> DocumentChecks:
    collect_garbage_less_often()
    return check_documents(b for table in layered_tables(layers) for b in bundles_from_table(table))


def run_publish(
    processed: Path, settings: PublishSettings, run_settings: dict[str, Any], engine: Engine = LOCAL
) -> Published:
    """Validate the enrich output (in parallel), then publish it as a release."""
    checked = run_validate(processed, engine=engine)
    sources, quarantine = ingest_records(processed)
    tables = stage_tables(processed, "enrich")
    return publish(tables, sources, quarantine, processed, settings, run_settings, checked)


def published_dataset(processed: Path) -> Path:
    """The newest release, resolved to its versioned folder (never the moving pointer)."""
    return (processed / POINTER).resolve()


@dataclass(frozen=True)
class RunSettings:
    """Every option of a full run; what `manifest.json` records as the release's settings."""

    source_format: str | None = None
    disabled_rules: tuple[str, ...] = ()
    join_split_paragraphs: bool = True
    version: str = PublishSettings().version
    rows_per_shard: int = PublishSettings().rows_per_shard
    docs_per_shard: int = DOCS_PER_SHARD

    def detokenise(self) -> DetokeniseSettings:
        return DetokeniseSettings(frozenset(self.disabled_rules), self.join_split_paragraphs)

    def publish(self) -> PublishSettings:
        return PublishSettings(self.version, self.rows_per_shard)

    def record(self) -> dict[str, Any]:
        return asdict(self) | {"disabled_rules": sorted(self.disabled_rules)}


@dataclass
class RunSummary:
    stages: list[StageResult]
    published: Published

    @property
    def ingest(self) -> IngestSummary:
        return self.stages[0]  # type: ignore[return-value]

    @property
    def up_to_date(self) -> bool:
        return all(s.up_to_date for s in self.stages) and not self.published.created


def run_all(
    paths: list[Path],
    processed: Path,
    settings: RunSettings,
    sidecar_path: Path | None = None,
    engine: Engine = LOCAL,
    progress: Progress = no_progress,
) -> RunSummary:
    """ingest → detokenise → segment → enrich → validate → publish.

    With the local engine the stages are streamed: each shard ingest writes goes through the
    map stages and the checks in a worker while ingest goes on (every stage's shards are
    written as when the stages run one by one). On Ray, the stages run one after another.
    Validation covers every document; a release that fails it is not published.
    """
    chain = [detokenise_stage(settings.detokenise()), SEGMENT, ENRICH]
    ingest_options = (settings.source_format, sidecar_path, progress, settings.docs_per_shard)
    if engine.name == "local":
        with StreamedRun(processed, chain, engine.workers, progress) as streamed:
            ingest = run_ingest(paths, processed, *ingest_options, on_shard=streamed.add)
            ingested = finished_shards(stage_dir(processed, "ingest"))
            if ingest.up_to_date:  # nothing was written, so nothing was handed on yet
                for entry in ingested:
                    streamed.add(entry, None)
            results, found = streamed.finish(ingested)
        sources, quarantine = ingest_records(processed)
        checked = found.report(str(stage_dir(processed, "enrich")), sources, quarantine)
    else:
        ingest = run_ingest(paths, processed, *ingest_options)
        results = [map_stage(processed, stage, engine, progress) for stage in chain]
        checked = run_validate(processed, engine=Engine("local", engine.workers))
        sources, quarantine = ingest_records(processed)
    tables = stage_tables(processed, "enrich")
    published = publish(
        tables, sources, quarantine, processed, settings.publish(), settings.record(), checked
    )
    return RunSummary([ingest, *results], published)


# ----------------------------------------------------------------- the run, streamed


@dataclass
class ChainJob:
    """One shard's way through the map stages that are not up to date for it, from the layers of
    its input (the ingest shard's bytes when just ingested, files otherwise), and the checks of
    what comes out."""

    stages: list[MapStage]
    targets: list[Path]
    layers: list[Layer]


def run_chain(job: ChainJob) -> tuple[list[dict[str, Any]], DocumentChecks]:
    """Apply each stage in turn, writing its shard; check the final documents.

    The documents stay in memory from stage to stage; each stage converts only the fields it
    sets.
    """
    collect_garbage_less_often()
    batches = list(read_batches(job.layers))
    outputs = []
    for stage, target in zip(job.stages, job.targets, strict=True):
        applied = [apply_stage(stage, docs) for docs in batches]
        outputs.append(write_stage_shard(stage, (table for _docs, table in applied), target))
        batches = [docs for docs, _table in applied]
    return outputs, check_documents(bundles_from_documents(doc for docs in batches for doc in docs))


class StreamedRun:
    """Hands each ingested shard to a worker for the map stages and checks, as ingest writes it.

    At most two shards per worker wait in the queue: ingest waits for the workers rather than
    holding the corpus in memory. Results are recorded in shard order as they arrive.
    """

    def __init__(
        self, processed: Path, chain: list[MapStage], workers: int, progress: Progress = no_progress
    ) -> None:
        self.processed = processed
        self.chain = chain
        label = " → ".join(stage.target for stage in chain)
        self._bar = progress(itertools.repeat(None), label, None)  # advanced a document at a time
        self._ticks = iter(self._bar)
        self._folders: list[StageFolder] | None = None
        self.pool = None
        if workers > 1:
            context = multiprocessing.get_context("fork")
            self.pool = ProcessPoolExecutor(workers, mp_context=context, initializer=worker_setup)
        self.limit = 2 * workers
        self.pending: collections.deque[tuple[list[dict[str, Any]], int, Future]] = collections.deque()
        self.found = DocumentsFound()

    def __enter__(self) -> StreamedRun:
        return self

    @property
    def folders(self) -> list[StageFolder]:
        """The stages' folders, opened (their markers removed) when the first shard arrives."""
        if self._folders is None:
            self._folders = [StageFolder(self.processed, stage) for stage in self.chain]
        return self._folders

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:  # on an error or Ctrl-C: no new shard starts; those under way finish
            self.pool.shutdown(wait=True, cancel_futures=True)
        if hasattr(self._bar, "close"):  # a progress bar over an endless iterable
            self._bar.close()

    def add(self, entry: dict[str, Any], written: bytes | None) -> None:
        """An ingest shard, just written (`written`: its bytes), or in the ingest folder.

        A shard just written is handed on as its bytes (compressed: a third of its tables' size):
        it is in a temporary folder, renamed when ingest ends, maybe before a worker would read it."""
        inputs = [entry]  # each stage's input entry, as far as the stages are up to date
        for folder in self.folders:
            kept = folder.up_to_date(inputs[-1])
            if kept is None:
                break
            inputs.append(kept)
        first = len(inputs) - 1  # the first stage to run (len(folders): none, only the checks)
        name = entry["name"]
        layers = shard_layers(
            self.processed, ["ingest", *(f.stage.target for f in self.folders[:first])], name
        )
        if written is not None:
            layers[0] = replace(layers[0], shard=written)
        job = ChainJob(
            [f.stage for f in self.folders[first:]], [f.path / name for f in self.folders[first:]], layers
        )
        future: Future = Future()
        if self.pool is None:
            future.set_result(run_chain(job))
        else:
            future = self.pool.submit(run_chain, job)
        self.pending.append((inputs, first, future))
        self._record(wait=len(self.pending) > self.limit)

    def _record(self, wait: bool = False, everything: bool = False) -> None:
        while self.pending and (wait or everything or self.pending[0][2].done()):
            inputs, first, future = self.pending.popleft()
            outputs, checks = future.result()
            for i, folder in enumerate(self.folders):
                if i < first:
                    folder.record(inputs[i], inputs[i + 1], written=False)
                else:
                    folder.record(inputs[-1], outputs[i - first], written=True)
                    inputs.append(outputs[i - first])
            self.found.add(checks)
            for _ in range(inputs[0]["rows"]):
                next(self._ticks)
            wait = False

    def finish(self, ingested: list[dict[str, Any]]) -> tuple[list[StageResult], DocumentsFound]:
        """Wait for every shard; mark each stage finished."""
        self._record(everything=True)
        return [folder.finish(ingested) for folder in self.folders], self.found
