"""Publish: enriched documents → an immutable, versioned dataset release.

A release is `processed/releases/vX.Y.Z/` with Parquet shards per config and split,
a dataset card (`README.md`) whose YAML declares the configs and their sizes,
`manifest.json` (checksums of every input and output, counts, settings) and
`CHANGELOG.md`. It is built in a temporary folder, validated, and only then renamed into
place; `processed/dataset` points at the newest release.
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import __version__
from pipeline.card import render_card
from pipeline.diff import ReleaseDiff, diff_releases
from pipeline.report import ReleaseStats, add_rows, render_report, write_figures
from pipeline.schema import CONFIG_SCHEMAS, Quarantine, Source
from pipeline.storage import replace_file, write_hashed
from pipeline.tables import ConfigTables, ReleaseContent, bundles_from_table, config_tables
from pipeline.validate import DocumentsFound, Report, check_documents, validate_release_files

ROWS_PER_SHARD = 100_000
POINTER = "dataset"
REPORT = "report.html"
FIGURES_DIR = "figures"
T = TypeVar("T")


class PublishError(RuntimeError):
    """A release could not be published (and nothing was changed)."""


@dataclass(frozen=True)
class PublishSettings:
    version: str = __version__
    rows_per_shard: int = ROWS_PER_SHARD


@dataclass
class Published:
    path: Path
    version: str
    created: bool
    report: Report


def release_dir(processed: Path, version: str) -> Path:
    return processed / "releases" / f"v{version.removeprefix('v')}"


def version_key(version: str) -> tuple[int, ...] | None:
    """`(X, Y, Z)` for "X.Y.Z" or "vX.Y.Z"; None for anything else (e.g. a temporary folder)."""
    parts = version.removeprefix("v").split(".")
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else None


def list_releases(processed: Path) -> list[Path]:
    """Published release folders, oldest version first (temporary build folders excluded)."""
    folders = (processed / "releases").glob("v*")
    found = [(key, f) for f in folders if (key := version_key(f.name)) and (f / "manifest.json").exists()]
    return [f for _, f in sorted(found)]


def previous_release(processed: Path, version: str) -> Path | None:
    """The newest release older than `version`: what a new release is compared with."""
    key = version_key(version)
    older = [f for f in list_releases(processed) if key is None or (version_key(f.name) or ()) < key]
    return older[-1] if older else None


def resolve_release(processed: Path, ref: str | Path) -> Path:
    """A release folder from a path, or from a version (`1.2.0`, `v1.2.0`) under `processed/releases`."""
    path = Path(ref)
    if (path / "manifest.json").exists():
        return path.resolve()
    if version_key(str(ref)) is not None and (release_dir(processed, str(ref)) / "manifest.json").exists():
        return release_dir(processed, str(ref)).resolve()
    raise PublishError(f"{ref}: neither a release folder nor a version under {processed / 'releases'}")


BYTES_PER_SHARD = 16 << 20  # Arrow memory of one shard's rows, whatever rows_per_shard says


WRITE_THREADS = 2  # Parquet encoding and compression run without the GIL


class ShardWriter:
    """Stream rows into `data/<config>/<split>-NNNNN-of-NNNNN.parquet`, bounded by rows and bytes.

    Shards are encoded in background threads while the next rows are read and projected; at
    most `WRITE_THREADS` shards wait to be written.
    """

    def __init__(self, root: Path, rows_per_shard: int) -> None:
        self.root = root
        self.rows_per_shard = rows_per_shard
        self.content = ReleaseContent()
        self._buffers: dict[tuple[str, str], list[pa.Table]] = {}
        self._buffered: dict[tuple[str, str], tuple[int, int]] = {}  # rows and bytes in each buffer
        self._written: dict[tuple[str, str], list[Path]] = {}
        self._checksums: dict[Path, Future[str]] = {}
        self._threads = ThreadPoolExecutor(WRITE_THREADS)
        self._writing: collections.deque[Future] = collections.deque()

    def __enter__(self) -> ShardWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        """Writes still waiting are dropped, those under way finish (before the folder is removed)."""
        self._threads.shutdown(wait=True, cancel_futures=True)

    def add(self, split: str, tables: ConfigTables) -> None:
        """Add one split's rows in each config (`config_tables` of enriched documents)."""
        self.content.add(split, tables)
        for config, table in tables.items():
            key = (config, split)
            self._buffer(key, table)
            while key in self._buffers and self._full(key):
                self._flush(key, self.rows_per_shard)

    def _buffer(self, key: tuple[str, str], table: pa.Table) -> None:
        """Hold `table` for the next shard of `key`, counting its rows and bytes once (`nbytes` is
        not cheap on nested columns)."""
        self._buffers.setdefault(key, []).append(table)
        rows, size = self._buffered.get(key, (0, 0))
        self._buffered[key] = (rows + table.num_rows, size + table.nbytes)

    def _full(self, key: tuple[str, str]) -> bool:
        rows, size = self._buffered[key]
        return rows >= self.rows_per_shard or size >= BYTES_PER_SHARD

    def _flush(self, key: tuple[str, str], limit: int | None = None) -> None:
        """Write the buffer's first `limit` rows (all by default) as the next shard; keep the rest."""
        config, split = key
        buffer = self._buffers.pop(key, [])
        self._buffered.pop(key, None)
        written = self._written.setdefault(key, [])
        if not buffer and written:
            return
        rows = pa.concat_tables(buffer) if buffer else CONFIG_SCHEMAS[config].empty_table()
        table = rows.slice(0, limit)  # chunks as they came: combining them costs more than writing
        if limit is not None and rows.num_rows > limit:
            self._buffer(key, rows.slice(limit))
        path = self.root / "data" / config / f".{split}-{len(written):05d}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        while len(self._writing) >= WRITE_THREADS:
            self._writing.popleft().result()
        self._checksums[path] = self._threads.submit(write_parquet, table, path)
        self._writing.append(self._checksums[path])
        by_split = self.content.num_bytes[config]
        by_split[split] = by_split.get(split, 0) + table.nbytes
        written.append(path)

    def close(self) -> ReleaseContent:
        """Flush what is left, wait for every write and give every shard its final `-of-NNNNN` name."""
        for key in list(self._buffers):
            self._flush(key)
        while self._writing:
            self._writing.popleft().result()
        for (config, split), paths in sorted(self._written.items()):
            for i, path in enumerate(paths):
                final = path.with_name(f"{split}-{i:05d}-of-{len(paths):05d}.parquet")
                path.rename(final)
                rel = str(final.relative_to(self.root))
                self.content.files.setdefault(config, {}).setdefault(split, []).append(rel)
                self.content.checksums[rel] = self._checksums[path].result()
        return self.content


def write_parquet(table: pa.Table, path: Path) -> str:
    """Write `table` to `path` as a Parquet shard; its sha256, taken from the bytes written (the
    release's validation reads every file again)."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return write_hashed(path, sink.getvalue())


def read_ahead(items: Iterable[T]) -> Iterator[T]:
    """`items` (none of them None), the next one fetched in a thread while this one is used:
    reading and decompressing a shard's tables release the GIL, so they overlap the projection,
    the statistics and the Python side of writing."""
    iterator = iter(items)
    with ThreadPoolExecutor(1) as thread:
        upcoming = thread.submit(next, iterator, None)
        while (item := upcoming.result()) is not None:
            upcoming = thread.submit(next, iterator, None)
            yield item


def build_manifest(
    version: str,
    content: ReleaseContent,
    sources: list[Source],
    quarantine: list[Quarantine],
    settings: dict[str, Any],
) -> dict[str, Any]:
    return {
        "version": version,
        "created": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "code_version": __version__,
        "settings": settings,
        "sources": [asdict(s) for s in sources],
        "quarantine": [asdict(q) for q in quarantine],
        "counts": {config: dict(sorted(by.items())) for config, by in content.counts.items()},
        "files": dict(sorted(content.checksums.items())),
    }


def content_digest(manifest: dict[str, Any]) -> dict[str, Any]:
    """What makes two releases the same: everything but the creation time."""
    return {k: v for k, v in manifest.items() if k != "created"}


def publish(
    documents: Iterable[pa.Table],
    sources: list[Source],
    quarantine: list[Quarantine],
    processed: Path,
    settings: PublishSettings,
    run_settings: dict[str, Any],
    checked: Report | None = None,
) -> Published:
    """Write the documents as a release, validated: by `checked` (the report of a validation of
    these documents, e.g. run in parallel beforehand), else by checking them as they are written.
    A release whose documents fail is not published."""
    version = settings.version.removeprefix("v")
    found = DocumentsFound()
    if checked is None:
        documents = checking(documents, found)
    elif not checked.ok:
        raise PublishError(f"release v{version} failed validation; nothing published\n{checked.render()}")
    target = release_dir(processed, version)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; a release is for everyone to read
    try:
        stats = ReleaseStats(f"v{version}")
        with ShardWriter(tmp, settings.rows_per_shard) as writer:
            for table in read_ahead(documents):
                for split, tables in config_tables(table):
                    writer.add(split, tables)
                    for config, rows in tables.items():
                        add_rows(stats, config, split, rows)
            content = writer.close()
        stats.finished()
        manifest = build_manifest(version, content, sources, quarantine, run_settings)
        previous = previous_release(processed, version)
        changes = diff_releases(previous, tmp) if previous is not None else None
        figures = [f"{FIGURES_DIR}/{name}" for name in write_figures(stats, tmp / FIGURES_DIR)]
        (tmp / REPORT).write_text(render_report(stats), encoding="utf-8")
        (tmp / "README.md").write_text(
            render_card(version, content, manifest, changes, stats, figures),
            encoding="utf-8",
        )
        (tmp / "CHANGELOG.md").write_text(
            render_changelog(version, manifest, changes, previous), encoding="utf-8"
        )
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        if checked is None:
            checked = found.report(str(tmp), sources, quarantine)
        report = validate_release_files(tmp, checked)
        if not report.ok:
            raise PublishError(f"release v{version} failed validation; nothing published\n{report.render()}")
        if target.exists():
            existing = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
            if content_digest(existing) != content_digest(manifest):
                raise PublishError(
                    f"{target} already exists with different content; releases are immutable. "
                    "Publish under a new version (--version X.Y.Z)."
                )
            shutil.rmtree(tmp)
            point_to(processed, target)
            return Published(target, version, False, validate_release_files(target, checked))
        tmp.rename(target)
        report.target = str(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    point_to(processed, target)
    return Published(target, version, True, report)


def checking(documents: Iterable[pa.Table], found: DocumentsFound) -> Iterator[pa.Table]:
    """The tables, each checked (into `found`) as it passes."""
    for table in documents:
        found.add(check_documents(bundles_from_table(table)))
        yield table


def point_to(processed: Path, release: Path) -> None:
    """Point `processed/dataset` at a release (a relative symlink, replaced atomically)."""
    link = processed / POINTER
    tmp = processed / f".{POINTER}.tmp"
    tmp.unlink(missing_ok=True)
    os.symlink(release.relative_to(processed), tmp)
    os.replace(tmp, link)
    replace_file(processed / "LATEST", (release.name + "\n").encode())


CHANGELOG_HEADER = "# Changelog\n\n"


def render_changelog(
    version: str, manifest: dict[str, Any], changes: ReleaseDiff | None = None, previous: Path | None = None
) -> str:
    """This release's entry (counts and the diff against the previous release), then the older entries."""
    counts = ", ".join(f"{sum(by.values()):,} {config}" for config, by in manifest["counts"].items())
    entry = f"## v{version} ({manifest['created'][:10]})\n\n- {counts}\n"
    entry += "\n" + (changes.markdown() if changes is not None else "First release.") + "\n"
    older = ""
    if previous is not None and (previous / "CHANGELOG.md").exists():
        older = (previous / "CHANGELOG.md").read_text(encoding="utf-8").removeprefix(CHANGELOG_HEADER)
    return CHANGELOG_HEADER + entry + ("\n" + older if older else "")
