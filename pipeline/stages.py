"""Wiring: each stage reads the previous stage's folder under `processed/` and writes its own.

The stage functions (`ingest_file`, `detokenise_document`, ...) are pure; this module
only moves records between them and the Parquet folders. `progress` wraps long
iterations (the CLI passes a progress bar); nothing here prints.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pipeline.detokenise import DetokeniseSettings, detokenise_document
from pipeline.enrich import enrich_document
from pipeline.ingest import InputError, discover_inputs, find_sidecar, ingest_file, load_sidecar, logical_name
from pipeline.publish import POINTER, Published, PublishSettings, publish
from pipeline.schema import QUARANTINE_SCHEMA, SOURCE_SCHEMA, Document, Quarantine, Source
from pipeline.segment import segment_document
from pipeline.storage import (
    atomic_dir,
    count_documents,
    read_documents,
    read_records,
    write_documents,
    write_records,
)
from pipeline.tables import config_rows
from pipeline.validate import Report, validate_release, validate_rows

log = logging.getLogger("pipeline")
T = TypeVar("T")
Progress = Callable[[Iterable[T], str, int | None], Iterable[T]]
STAGES = ("ingest", "detokenise", "segment", "enrich")


def no_progress(items: Iterable[T], _label: str, _total: int | None) -> Iterable[T]:
    return items


@dataclass
class IngestSummary:
    sources: list[Source] = field(default_factory=list)
    quarantine: list[Quarantine] = field(default_factory=list)
    documents: int = 0


def stage_dir(processed: Path, stage: str) -> Path:
    return processed / stage


def run_ingest(
    paths: list[Path],
    processed: Path,
    source_format: str | None = None,
    sidecar_path: Path | None = None,
    progress: Progress = no_progress,
) -> IngestSummary:
    files = discover_inputs(paths)
    if not files:
        raise InputError("no input files found in " + ", ".join(map(str, paths)))
    sidecar = load_sidecar(sidecar_path or find_sidecar(paths))
    summary = IngestSummary()

    def documents() -> Iterator[Document]:
        for path in progress(files, "ingest", len(files)):
            try:
                result = ingest_file(path, sidecar, source_format)
            except InputError as exc:
                log.warning("%s", exc)
                summary.sources.append(Source(str(path), logical_name(path), "", 0, 0, "unreadable", ""))
                summary.quarantine.append(Quarantine(logical_name(path), 0, 0, str(exc), ""))
                continue
            for q in result.quarantine:
                log.warning("%s: lines %d-%d quarantined: %s", path, q.line_start, q.line_end, q.reason)
            summary.sources.append(result.source)
            summary.quarantine.extend(result.quarantine)
            summary.documents += len(result.documents)
            yield from result.documents

    with atomic_dir(stage_dir(processed, "ingest")) as out:
        write_documents(documents(), out)
        write_records(summary.sources, SOURCE_SCHEMA, out / "sources.parquet")
        write_records(summary.quarantine, QUARANTINE_SCHEMA, out / "quarantine.parquet")
    return summary


def map_stage(
    processed: Path,
    source_stage: str,
    target_stage: str,
    fn: Callable[[Document], Document],
    progress: Progress = no_progress,
) -> int:
    """Apply a per-document stage function to the previous stage's output."""
    source = stage_dir(processed, source_stage)
    total = count_documents(source)
    with atomic_dir(stage_dir(processed, target_stage)) as out:
        return write_documents(
            (fn(doc) for doc in progress(read_documents(source), target_stage, total)), out
        )


def run_detokenise(processed: Path, settings: DetokeniseSettings, progress: Progress = no_progress) -> int:
    return map_stage(processed, "ingest", "detokenise", lambda d: detokenise_document(d, settings), progress)


def run_segment(processed: Path, progress: Progress = no_progress) -> int:
    return map_stage(processed, "detokenise", "segment", segment_document, progress)


def run_enrich(processed: Path, progress: Progress = no_progress) -> int:
    return map_stage(processed, "segment", "enrich", enrich_document, progress)


def ingest_records(processed: Path) -> tuple[list[Source], list[Quarantine]]:
    folder = stage_dir(processed, "ingest")
    return read_records(Source, folder / "sources.parquet"), read_records(
        Quarantine, folder / "quarantine.parquet"
    )


def run_validate(processed: Path, target: Path | None = None) -> Report:
    """Validate a release folder, or (by default) the enrich stage's output."""
    if target is not None:
        return validate_release(target)
    sources, quarantine = ingest_records(processed)
    rows = config_rows(read_documents(stage_dir(processed, "enrich")))
    return validate_rows(str(stage_dir(processed, "enrich")), rows, sources, quarantine)


def run_publish(processed: Path, settings: PublishSettings, run_settings: dict[str, Any]) -> Published:
    sources, quarantine = ingest_records(processed)
    rows = config_rows(read_documents(stage_dir(processed, "enrich")))
    return publish(rows, sources, quarantine, processed, settings, run_settings)


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

    def detokenise(self) -> DetokeniseSettings:
        return DetokeniseSettings(frozenset(self.disabled_rules), self.join_split_paragraphs)

    def publish(self) -> PublishSettings:
        return PublishSettings(self.version, self.rows_per_shard)

    def record(self) -> dict[str, Any]:
        return asdict(self) | {"disabled_rules": sorted(self.disabled_rules)}


@dataclass
class RunSummary:
    ingest: IngestSummary
    published: Published


def run_all(
    paths: list[Path],
    processed: Path,
    settings: RunSettings,
    sidecar_path: Path | None = None,
    progress: Progress = no_progress,
) -> RunSummary:
    """ingest → detokenise → segment → enrich → validate → publish."""
    summary = run_ingest(paths, processed, settings.source_format, sidecar_path, progress)
    run_detokenise(processed, settings.detokenise(), progress)
    run_segment(processed, progress)
    run_enrich(processed, progress)
    report = run_validate(processed)
    if not report.ok:
        raise ValidationFailed(report)
    return RunSummary(summary, run_publish(processed, settings.publish(), settings.record()))


class ValidationFailed(RuntimeError):
    def __init__(self, report: Report) -> None:
        super().__init__(report.render())
        self.report = report
