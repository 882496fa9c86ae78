"""Diff: what changed between two releases, by id, in each config.

A row is matched by its id (`doc_id`, `section_id`, `sentence_id`); it is *changed*
when its id is in both releases but its content differs. Content means what a reader
sees (a sentence's text, a section's heading and path, a document's title, text and
source metadata), not positions: an edit early in a document shifts the offsets of
every later sentence, and that alone is not a change worth reporting.

Only ids and a 16-byte digest of each row's content are held in memory, so two large
releases can be compared; the few samples shown are read back in a second pass.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.tables import CONFIGS, config_shards

ID_FIELD = {"documents": "doc_id", "sections": "section_id", "sentences": "sentence_id"}
CONTENT_FIELDS: dict[str, tuple[str, ...]] = {
    "documents": ("title", "text", "split", "source_file", "license", "url"),
    "sections": ("heading", "level", "path", "kind"),
    "sentences": ("text",),
}
SAMPLE_FIELD = {"documents": "title", "sections": "heading", "sentences": "text"}
CHANGE_FIELD = {"documents": "text", "sections": "heading", "sentences": "text"}
CONTEXT_CHARS = 40
KINDS = ("added", "removed", "changed")
MAX_SAMPLES = 3
SAMPLE_CHARS = 160


@dataclass
class Sample:
    id: str
    old: str | None = None
    new: str | None = None


@dataclass
class ConfigDiff:
    config: str
    added: int = 0
    removed: int = 0
    changed: int = 0
    unchanged: int = 0
    samples: dict[str, list[Sample]] = field(default_factory=dict)

    @property
    def identical(self) -> bool:
        return self.added == self.removed == self.changed == 0


@dataclass
class ReleaseDiff:
    old: str
    new: str
    configs: list[ConfigDiff]

    @property
    def identical(self) -> bool:
        return all(c.identical for c in self.configs)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)

    def summary(self) -> str:
        """One line: `+added −removed ~changed` per config."""
        if self.identical:
            return "no change in content"
        return "; ".join(f"{c.config} +{c.added:,} −{c.removed:,} ~{c.changed:,}" for c in self.configs)

    def markdown(self) -> str:
        """A table of counts and a few samples of each kind of change (CHANGELOG.md)."""
        lines = [
            f"Compared with {self.old}:",
            "",
            "| config | added | removed | changed | unchanged |",
            "| --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| {c.config} | {c.added:,} | {c.removed:,} | {c.changed:,} | {c.unchanged:,} |"
            for c in self.configs
        ]
        for c in self.configs:
            for kind in KINDS:
                samples = c.samples.get(kind, [])
                if samples:
                    lines += [
                        "",
                        f"{kind.capitalize()} {c.config} (first {len(samples)} of {getattr(c, kind):,}):",
                        "",
                    ]
                    lines += [f"- {_sample_markdown(kind, s)}" for s in samples]
        return "\n".join(lines)

    def render(self) -> str:
        """The human report `corpus diff` prints."""
        lines = [f"diff {self.old} → {self.new}"]
        for c in self.configs:
            lines.append(
                f"  {c.config:<10} +{c.added:<7,} −{c.removed:<7,} ~{c.changed:<7,} ={c.unchanged:,}"
            )
            for kind in KINDS:
                for s in c.samples.get(kind, []):
                    lines.append(f"    {kind:<8} {_sample_text(kind, s)}")
        return "\n".join(lines)


def _short(text: str | None) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= SAMPLE_CHARS else text[: SAMPLE_CHARS - 1] + "…"


def _sample_text(kind: str, s: Sample) -> str:
    if kind == "changed":
        return f"{s.id}: {_short(s.old)!r} → {_short(s.new)!r}"
    return f"{s.id}: {_short(s.new if kind == 'added' else s.old)!r}"


def _sample_markdown(kind: str, s: Sample) -> str:
    if kind == "changed":
        return f"`{s.id}`: “{_short(s.old)}” → “{_short(s.new)}”"
    return f"`{s.id}`: “{_short(s.new if kind == 'added' else s.old)}”"


def release_label(root: Path) -> str:
    """`vX.Y.Z` from the release's manifest, else the folder's name."""
    try:
        return "v" + json.loads((root / "manifest.json").read_text(encoding="utf-8"))["version"]
    except (OSError, KeyError, json.JSONDecodeError):
        return root.name


def iter_rows(root: Path, config: str, columns: list[str]) -> Iterator[dict[str, Any]]:
    for shard in config_shards(root, config):
        for batch in pq.ParquetFile(shard).iter_batches(columns=columns, batch_size=4096):
            yield from batch.to_pylist()


def content_index(root: Path, config: str) -> dict[str, bytes]:
    """id → digest of the row's content, for every row of a config."""
    key = ID_FIELD[config]
    index: dict[str, bytes] = {}
    for shard in config_shards(root, config):
        parquet = pq.ParquetFile(shard)
        for batch in parquet.iter_batches(columns=[key, *CONTENT_FIELDS[config]], batch_size=4096):
            values = [field_bytes(batch.column(name)) for name in CONTENT_FIELDS[config]]
            index.update(zip(batch.column(key).to_pylist(), map(content_digest, *values), strict=True))
    return index


def field_bytes(column: pa.Array) -> list[bytes | None]:
    """Each value of a column as bytes: strings as their UTF-8 (no copy into Python strings and
    no escaping: most of a release is text), other values as JSON."""
    if pa.types.is_string(column.type):
        return column.cast(pa.binary()).to_pylist()
    if pa.types.is_large_string(column.type):
        return column.cast(pa.large_binary()).to_pylist()
    return [json.dumps(value, ensure_ascii=False).encode() for value in column.to_pylist()]


def content_digest(*values: bytes | None) -> bytes:
    """A 16-byte digest of a row's content fields; each length-prefixed, None apart from b""."""
    digest = hashlib.blake2b(digest_size=16)
    for value in values:
        if value is None:
            digest.update(b"\x00")
        else:
            digest.update(b"\x01" + len(value).to_bytes(8, "little"))
            digest.update(value)
    return digest.digest()


def sample_values(root: Path, config: str, ids: set[str], value: str) -> dict[str, str]:
    """One field of a few rows, by id."""
    if not ids:
        return {}
    key = ID_FIELD[config]
    return {row[key]: row[value] for row in iter_rows(root, config, [key, value]) if row[key] in ids}


def around_first_difference(old: str, new: str, context: int = CONTEXT_CHARS) -> tuple[str, str]:
    """The two texts cut to where they first differ, with some context (a document is long)."""
    start = next(
        (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), min(len(old), len(new))
    )
    tail = 0
    while tail < min(len(old), len(new)) - start and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    cut = max(0, start - context)

    def window(text: str) -> str:
        end = min(len(text), len(text) - tail + context)
        return ("…" if cut else "") + text[cut:end] + ("…" if end < len(text) else "")

    return window(old), window(new)


def changed_samples(old_root: Path, new_root: Path, config: str, ids: list[str]) -> list[Sample]:
    field_ = CHANGE_FIELD[config]
    old = sample_values(old_root, config, set(ids), field_)
    new = sample_values(new_root, config, set(ids), field_)
    return [Sample(i, *around_first_difference(old.get(i) or "", new.get(i) or "")) for i in ids]


def diff_config(old_root: Path, new_root: Path, config: str, max_samples: int = MAX_SAMPLES) -> ConfigDiff:
    old, new = content_index(old_root, config), content_index(new_root, config)
    added = sorted(new.keys() - old.keys())
    removed = sorted(old.keys() - new.keys())
    common = old.keys() & new.keys()
    changed = sorted(i for i in common if old[i] != new[i])
    result = ConfigDiff(config, len(added), len(removed), len(changed), len(common) - len(changed))
    gone = sample_values(old_root, config, set(removed[:max_samples]), SAMPLE_FIELD[config])
    new_values = sample_values(new_root, config, set(added[:max_samples]), SAMPLE_FIELD[config])
    samples = {
        "added": [Sample(i, new=new_values.get(i)) for i in added[:max_samples]],
        "removed": [Sample(i, old=gone.get(i)) for i in removed[:max_samples]],
        "changed": changed_samples(old_root, new_root, config, changed[:max_samples]),
    }
    result.samples = {kind: items for kind, items in samples.items() if items}
    return result


def diff_releases(old_root: Path, new_root: Path, max_samples: int = MAX_SAMPLES) -> ReleaseDiff:
    """Compare two release folders config by config."""
    return ReleaseDiff(
        release_label(old_root),
        release_label(new_root),
        [diff_config(old_root, new_root, config, max_samples) for config in CONFIGS],
    )
