"""Validate: check what the pipeline produced, and say exactly what is wrong.

The checks look at one document at a time (its row with its sections and sentences),
streamed from the enrich stage's output or from a published release folder, so CI runs
the same checks on either and memory stays flat however large the corpus: of each document,
only its id and line range are kept (about 60 bytes, in Arrow columns) for the checks across
documents.
"""

from __future__ import annotations

import copy
import heapq
import itertools
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import regex

from pipeline.edits import apply_changes
from pipeline.schema import CONFIG_SCHEMAS, Quarantine, Source, fields_of
from pipeline.storage import StageInputMissing, sha256_file
from pipeline.tables import CONFIGS, Bundle, Row, Rows, config_shards, shard_split

# WikiText artefacts no clean text may hold: (pattern, strings every match contains). A text
# without any of those strings is passed over at memchr speed: the lookbehind of the spaced
# punctuation made its search try every position of every text (a twentieth of a run's time).
ARTEFACTS = {
    "wikitext marker": (regex.compile(r"@[-,.]@"), ("@",)),
    "heading markup": (
        regex.compile(r"(?m)^[ \t]*=(?:[ \t]*=)*[ \t]+\S.*[ \t]=(?:[ \t]*=)*[ \t]*$"),
        ("=",),
    ),
    "spaced punctuation": (regex.compile(r"(?<=\p{L}) [,;](?= \p{L})"), (" ,", " ;")),
}
MAX_PROBLEMS_SHOWN = 10
DOCS_PER_PART = 1000  # documents of a release checked as one part (see DocumentsFound)


@dataclass
class Check:
    name: str
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    n_problems: int = 0

    @property
    def ok(self) -> bool:
        return self.n_problems == 0

    def fail(self, message: str) -> None:
        self.n_problems += 1
        if len(self.problems) < MAX_PROBLEMS_SHOWN:
            self.problems.append(message)

    def merge(self, other: Check) -> None:
        self.checked += other.checked
        self.n_problems += other.n_problems
        self.problems = (self.problems + other.problems)[:MAX_PROBLEMS_SHOWN]


@dataclass
class Report:
    target: str
    checks: list[Check] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def to_json(self) -> str:
        data = {"target": self.target, "ok": self.ok, "counts": self.counts}
        data["checks"] = [{**asdict(c), "ok": c.ok} for c in self.checks]
        return json.dumps(data, indent=2, ensure_ascii=False)

    def render(self) -> str:
        lines = [f"validate {self.target}: {'OK' if self.ok else 'FAILED'}"]
        for c in self.checks:
            status = "ok  " if c.ok else "FAIL"
            detail = f"{c.checked} checked" + ("" if c.ok else f", {c.n_problems} problems")
            lines.append(f"  {status} {c.name:<22} {detail}")
            lines.extend(f"         - {p}" for p in c.problems)
        for key, value in self.counts.items():
            lines.append(f"  {key}: {value}")
        return "\n".join(lines)


# ----------------------------------------------------------------- per-document checks


def check_ids(bundle: Bundle, check: Check, seen_docs: set[str]) -> None:
    """Document ids are unique; section and sentence ids are unique and carry their document's id."""
    doc_id = bundle.doc["doc_id"]
    check.checked += 1 + len(bundle.sections) + len(bundle.sentences)
    if doc_id in seen_docs:
        check.fail(f"documents: duplicate doc_id {doc_id}")
    seen_docs.add(doc_id)
    for config, rows, key in (
        ("sections", bundle.sections, "section_id"),
        ("sentences", bundle.sentences, "sentence_id"),
    ):
        ids = [r[key] for r in rows]
        if len(set(ids)) < len(ids):  # (a set is cheaper than a Counter for every document)
            for duplicate, n in Counter(ids).items():
                if n > 1:
                    check.fail(f"{config}: duplicate {key} {duplicate}")
        for i in ids:
            if not i.startswith(doc_id):
                check.fail(f"{config}: {key} {i} does not belong to document {doc_id}")


def check_offsets(bundle: Bundle, check: Check) -> None:
    """Each sentence is its document's text[start:end]; sections and paragraphs lie inside it."""
    text = bundle.doc["text"]
    check.checked += len(bundle.sentences)
    first = bundle.sentences[0] if bundle.sentences else None
    span_text = fields_of(first, "start", "end", "text", "sentence_id")
    for start, end, sentence, sentence_id in map(span_text, bundle.sentences):
        if not (0 <= start < end <= len(text)) or text[start:end] != sentence:
            check.fail(f"sentence {sentence_id}: text differs from document[{start}:{end}]")
    for sec in bundle.sections:
        check.checked += 1
        spans = [(sec["start"], sec["end"])] + [(p["start"], p["end"]) for p in sec["paragraphs"]]
        if any(not (0 <= a <= b <= len(text)) for a, b in spans):
            check.fail(f"section {sec['section_id']}: span outside its document")


def check_counts(bundle: Bundle, check: Check) -> None:
    doc = bundle.doc
    check.checked += 1
    if doc["n_sentences"] != len(bundle.sentences) or doc["n_sections"] != len(bundle.sections):
        check.fail(f"{doc['doc_id']}: n_sentences/n_sections do not match the rows")
    if not doc["text"].strip():
        check.fail(f"{doc['doc_id']} ({doc['source_file']}): empty text")


def check_artefacts(bundle: Bundle, check: Check) -> None:
    doc = bundle.doc
    check.checked += 1
    text = doc["text"]
    for name, (pattern, needles) in ARTEFACTS.items():
        match = pattern.search(text) if any(needle in text for needle in needles) else None
        if match:
            context = text[max(0, match.start() - 30) : match.end() + 30].replace("\n", " ")
            check.fail(f"{doc['doc_id']} ({doc['title']}): {name}: …{context}…")


def check_edits(bundle: Bundle, check: Check) -> None:
    """Every change is recorded: each block's raw text plus its edits gives its clean text."""
    doc = bundle.doc
    change = fields_of(doc, "raw_start", "raw_end", "after")
    for i, block in enumerate(doc["blocks"]):
        check.checked += 1
        try:
            rebuilt = apply_changes(block["raw"], map(change, block["edits"]))
        except ValueError as exc:
            rebuilt = str(exc)
        if rebuilt != block["text"]:
            check.fail(f"{doc['doc_id']} block {i} (line {block['line_start']}): its edits do not rebuild it")


def check_accounting(
    ranges: dict[str, list[pa.RecordBatch]],
    sources: list[Source],
    quarantine: list[Quarantine],
    check: Check,
) -> dict[str, int]:
    """Every line of every raw file is in a document or a quarantine record.

    `ranges`: each source's documents' line ranges, as batches of `RANGE_SCHEMA`. Documents must
    not overlap; a quarantined line may lie inside a document's range (a line that could not be
    read, cut out of the article around it). Returns the line counts: raw, in documents (and not
    quarantined), quarantined, and in neither.
    """
    lines = {"raw": 0, "in documents": 0, "quarantined": 0, "in neither": 0}
    held = dict(ranges)
    quarantined: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for q in quarantine:
        if q.line_end:  # line_end 0: a record for a file with no lines at all
            quarantined[q.source_file].append((q.line_start, q.line_end))
    for source in sources:
        check.checked += 1
        docs = sorted_ranges(held.pop(source.name, []))
        for (_, end_a, doc_a), (start_b, _, doc_b) in itertools.pairwise(range_rows(docs)):
            if start_b <= end_a:
                check.fail(f"{source.name}: documents {doc_a} and {doc_b} overlap at line {start_b}")
        kept_out = sorted(quarantined.pop(source.name, []))
        covered = heapq.merge(((a, b) for a, b, _ in range_rows(docs)), kept_out)
        n_covered, gaps = _coverage(covered, source.n_lines)
        n_quarantined, _ = _coverage(kept_out, source.n_lines)
        lines["raw"] += source.n_lines
        lines["quarantined"] += n_quarantined
        lines["in documents"] += n_covered - n_quarantined
        lines["in neither"] += source.n_lines - n_covered
        for first, last in gaps:
            check.fail(f"{source.name}: lines {first}-{last} in no document or quarantine record")
    for name in [*held, *quarantined]:
        check.fail(f"{name}: output names a source that was not ingested")
    return lines


RANGE_SCHEMA = pa.schema([("start", pa.int64()), ("end", pa.int64()), ("doc_id", pa.string())])


def sorted_ranges(batches: list[pa.RecordBatch]) -> pa.Table:
    """Line ranges sorted as tuples of (start, end, doc_id) sort."""
    table = pa.Table.from_batches(batches, schema=RANGE_SCHEMA)
    return table.sort_by([(name, "ascending") for name in RANGE_SCHEMA.names])


def range_rows(table: pa.Table) -> Iterator[tuple[int, int, str]]:
    """(start, end, doc_id) rows, a batch of Python values at a time."""
    for batch in table.to_batches(max_chunksize=1 << 16):
        yield from zip(*(column.to_pylist() for column in batch.columns), strict=True)


def _coverage(ranges: Iterable[tuple[int, int]], n_lines: int) -> tuple[int, list[tuple[int, int]]]:
    """How many of the lines 1..n_lines the sorted (possibly overlapping) ranges cover, and the
    runs of those lines they leave out."""
    total, counted, reached = 0, 0, 0
    gaps = []
    for start, end in ranges:
        if start > reached + 1:
            gaps.append((reached + 1, start - 1))
        reached = max(reached, end)
        first, last = max(start, counted + 1, 1), min(end, n_lines)
        if last >= first:
            total += last - first + 1
            counted = last
    if reached < n_lines:
        gaps.append((reached + 1, n_lines))
    return total, gaps


DOCUMENT_CHECKS = ("unique ids", "offsets", "counts", "no wikitext artefacts", "edits explain text")


@dataclass
class DocumentChecks:
    """What the per-document checks found in some of the documents (a shard, or all of them)."""

    checks: dict[str, Check] = field(default_factory=lambda: {name: Check(name) for name in DOCUMENT_CHECKS})
    ranges: dict[str, list[tuple[int, int, str]]] = field(default_factory=lambda: defaultdict(list))
    counts: dict[str, dict[str, int]] = field(default_factory=lambda: {c: defaultdict(int) for c in CONFIGS})
    doc_ids: list[str] = field(default_factory=list)


def check_documents(bundles: Iterable[Bundle]) -> DocumentChecks:
    found = DocumentChecks()
    checks = found.checks
    seen_docs: set[str] = set()
    for bundle in bundles:
        check_ids(bundle, checks["unique ids"], seen_docs)
        check_offsets(bundle, checks["offsets"])
        check_counts(bundle, checks["counts"])
        check_artefacts(bundle, checks["no wikitext artefacts"])
        check_edits(bundle, checks["edits explain text"])
        doc = bundle.doc
        found.doc_ids.append(doc["doc_id"])
        found.ranges[doc["source_file"]].append((doc["line_start"], doc["line_end"], doc["doc_id"]))
        for config, n in (
            ("documents", 1),
            ("sections", len(bundle.sections)),
            ("sentences", len(bundle.sentences)),
        ):
            found.counts[config][bundle.split] += n
    return found


class DocumentsFound:
    """The checks of documents checked in parts (shards, checked in workers), merged as each part
    comes. For the checks across parts (unique ids; every raw line accounted for) each part's
    document ids and line ranges are kept as Arrow columns: about 60 bytes a document, where
    tuples and a set of Python strings took about 240 (1.7 GB for a dump of 6.9 million articles).
    """

    def __init__(self) -> None:
        self.checks = {name: Check(name) for name in DOCUMENT_CHECKS}
        self.counts: dict[str, dict[str, int]] = {config: defaultdict(int) for config in CONFIGS}
        self.ids: list[pa.Array] = []  # each part's ids, once each (repeats in a part: flagged there)
        self.ranges: dict[str, list[pa.RecordBatch]] = defaultdict(list)

    def add(self, part: DocumentChecks) -> None:
        for name, check in part.checks.items():
            self.checks[name].merge(check)
        self.ids.append(pc.unique(pa.array(part.doc_ids, pa.string())))
        for source, spans in part.ranges.items():
            if spans:
                columns = [list(column) for column in zip(*spans, strict=True)]
                self.ranges[source].append(pa.record_batch(columns, schema=RANGE_SCHEMA))
        for config, by_split in part.counts.items():
            for split, n in by_split.items():
                self.counts[config][split] += n

    def report(self, target: str, sources: list[Source], quarantine: list[Quarantine]) -> Report:
        """The checks of every part together, and the accounting of every raw line."""
        checks = {name: copy.deepcopy(check) for name, check in self.checks.items()}
        for doc_id in ids_in_several(self.ids):
            checks["unique ids"].fail(f"documents: duplicate doc_id {doc_id}")
        accounting = Check("no content lost")
        lines = check_accounting(self.ranges, sources, quarantine, accounting)
        report = Report(target, [*checks.values(), accounting])
        report.counts = {config: dict(sorted(by.items())) for config, by in self.counts.items()}
        report.counts["quarantined"] = len(quarantine)
        report.counts["lines"] = lines
        return report


def ids_in_several(parts: list[pa.Array]) -> list[str]:
    """The ids found in more than one part, in order, once for each part after the first."""
    if not parts:
        return []
    counts = pc.value_counts(pa.chunked_array(parts, pa.string()))
    repeated = counts.filter(pc.greater(counts.field("counts"), 1))
    pairs = zip(repeated.field("values").to_pylist(), repeated.field("counts").to_pylist(), strict=True)
    return sorted(doc_id for doc_id, n in pairs for _ in range(n - 1))


def document_report(
    target: str, parts: Iterable[DocumentChecks], sources: list[Source], quarantine: list[Quarantine]
) -> Report:
    """The checks of every part together, and the accounting of every raw line."""
    found = DocumentsFound()
    for part in parts:
        found.add(part)
    return found.report(target, sources, quarantine)


def validate_bundles(
    target: str, bundles: Iterable[Bundle], sources: list[Source], quarantine: list[Quarantine]
) -> Report:
    return document_report(target, checked_in_parts(bundles), sources, quarantine)


def checked_in_parts(bundles: Iterable[Bundle]) -> Iterator[DocumentChecks]:
    """The bundles checked `DOCS_PER_PART` at a time, streamed (never a part's bundles at once)."""
    bundles = iter(bundles)
    while True:
        part = check_documents(itertools.islice(bundles, DOCS_PER_PART))
        yield part
        if len(part.doc_ids) < DOCS_PER_PART:
            return


def bundles_from_rows(rows: Rows) -> Iterator[Bundle]:
    """Group in-memory config rows by document (rows must be in document order)."""
    for split, docs in rows["documents"].items():
        yield from merge_by_document(
            split,
            iter(docs),
            iter(rows["sections"].get(split, [])),
            iter(rows["sentences"].get(split, [])),
            Check(""),
        )


def validate_rows(target: str, rows: Rows, sources: list[Source], quarantine: list[Quarantine]) -> Report:
    return validate_bundles(target, bundles_from_rows(rows), sources, quarantine)


def merge_by_document(
    split: str, docs: Iterator[Row], sections: Iterator[Row], sentences: Iterator[Row], orphans: Check
) -> Iterator[Bundle]:
    """Stream each document with its section and sentence rows (all in document order)."""
    sections_p, sentences_p = _Peekable(sections), _Peekable(sentences)
    for doc in docs:
        yield Bundle(split, doc, sections_p.take_while(doc["doc_id"]), sentences_p.take_while(doc["doc_id"]))
    for config, rest in (("sections", sections_p), ("sentences", sentences_p)):
        for row in rest:
            orphans.fail(f"{config}/{split}: row of unknown or out-of-order document {row['doc_id']}")


class _Peekable:
    def __init__(self, rows: Iterator[Row]) -> None:
        self._rows = rows
        self._head: Row | None = next(rows, None)

    def take_while(self, doc_id: str) -> list[Row]:
        taken = []
        while self._head is not None and self._head["doc_id"] == doc_id:
            taken.append(self._head)
            self._head = next(self._rows, None)
        return taken

    def __iter__(self) -> Iterator[Row]:
        if self._head is not None:
            yield self._head
        yield from self._rows
        self._head = None


# ----------------------------------------------------------------- releases


def check_release_files(root: Path, manifest: dict[str, Any]) -> Check:
    check = Check("manifest checksums")
    listed = manifest.get("files", {})
    for rel, digest in sorted(listed.items()):
        check.checked += 1
        path = root / rel
        if not path.exists():
            check.fail(f"{rel}: listed in manifest.json but missing")
        elif sha256_file(path) != digest:
            check.fail(f"{rel}: sha256 differs from manifest.json (file was changed)")
    for path in sorted((root / "data").rglob("*.parquet")):
        if str(path.relative_to(root)) not in listed:
            check.fail(f"{path.relative_to(root)}: not listed in manifest.json")
    return check


def release_shards(root: Path, config: str) -> dict[str, list[Path]]:
    shards: dict[str, list[Path]] = {}
    for shard in config_shards(root, config):
        shards.setdefault(shard_split(shard), []).append(shard)
    return shards


def stream_rows(shards: list[Path], config: str, schema_check: Check) -> Iterator[Row]:
    for shard in shards:
        schema_check.checked += 1
        parquet = pq.ParquetFile(shard)
        if not parquet.schema_arrow.equals(CONFIG_SCHEMAS[config], check_metadata=False):
            schema_check.fail(f"{shard.parent.name}/{shard.name}: schema differs from the {config} schema")
            continue
        for batch in parquet.iter_batches(batch_size=256):
            yield from batch.to_pylist()


def release_bundles(root: Path, schema: Check, orphans: Check) -> Iterator[Bundle]:
    shards = {config: release_shards(root, config) for config in CONFIGS}
    for split in sorted(set(itertools.chain.from_iterable(shards[c] for c in CONFIGS))):
        streams = [stream_rows(shards[c].get(split, []), c, schema) for c in CONFIGS]
        yield from merge_by_document(split, *streams, orphans)


def check_declared_counts(counts: dict[str, Any], manifest: dict[str, Any]) -> Check:
    check = Check("declared counts")
    for config, by_split in manifest.get("counts", {}).items():
        for split, expected in by_split.items():
            check.checked += 1
            actual = counts.get(config, {}).get(split, 0)
            if actual != expected:
                check.fail(f"{config}/{split}: {actual} rows, the release declares {expected}")
    return check


def validate_release(root: Path) -> Report:
    manifest = read_manifest(root)
    if manifest is None:
        return missing_manifest(root)
    files = check_release_files(root, manifest)
    schema, orphans = Check("schema"), Check("rows belong to documents")
    sources = [Source(**s) for s in manifest.get("sources", [])]
    quarantine = [Quarantine(**q) for q in manifest.get("quarantine", [])]
    report = validate_bundles(str(root), release_bundles(root, schema, orphans), sources, quarantine)
    report.checks[:0] = [files, schema, check_declared_counts(report.counts, manifest), orphans]
    return report


def validate_release_files(root: Path, checked: Report) -> Report:
    """A release written from documents that `checked` validated: its files against its manifest
    (checksums, schemas) and its row counts (from the Parquet footers) against what was validated.
    The same as `validate_release` for a release just projected from those documents, without
    reading its rows again."""
    manifest = read_manifest(root)
    if manifest is None:
        return missing_manifest(root)
    schema, counts = Check("schema"), {config: defaultdict(int) for config in CONFIGS}
    for config in CONFIGS:
        for split, shards in release_shards(root, config).items():
            for shard in shards:
                schema.checked += 1
                parquet = pq.ParquetFile(shard)
                if not parquet.schema_arrow.equals(CONFIG_SCHEMAS[config], check_metadata=False):
                    schema.fail(f"{shard.parent.name}/{shard.name}: schema differs from the {config} schema")
                counts[config][split] += parquet.metadata.num_rows
    written = {config: dict(by) for config, by in counts.items()}
    declared = check_declared_counts(written, manifest)
    for config in CONFIGS:
        declared.checked += 1
        if written[config] != checked.counts.get(config, {}):
            declared.fail(f"{config}: {written[config]} rows written, {checked.counts.get(config)} validated")
    checks = [check_release_files(root, manifest), schema, declared, *checked.checks]
    return Report(str(root), checks, checked.counts)


def read_manifest(root: Path) -> dict[str, Any] | None:
    path = root / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def missing_manifest(root: Path) -> Report:
    report = Report(str(root), [Check("manifest")])
    report.checks[0].fail(f"{root / 'manifest.json'}: missing; is this a release folder?")
    return report


# ----------------------------------------------------------------- local folder or Hub revision

HUB_TARGET = regex.compile(r"^(?P<repo>[\w.-]+/[\w.-]+)@(?P<revision>[\w./-]+)$")


class TargetNotFound(StageInputMissing):
    """What `corpus validate` was asked to check is neither a folder nor a reachable Hub revision."""


def resolve_target(spec: str) -> Path:
    """A local release folder, or `OWNER/NAME@REVISION` downloaded from the Hub (HF_ENDPOINT) to its cache."""
    if Path(spec).exists():
        return Path(spec)
    match = HUB_TARGET.match(spec)
    if match is None:
        raise TargetNotFound(f"{spec}: no such folder, and not a Hub dataset as OWNER/NAME@REVISION")
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    try:
        folder = snapshot_download(match["repo"], repo_type="dataset", revision=match["revision"])
    except (HfHubHTTPError, LocalEntryNotFoundError) as exc:
        raise TargetNotFound(f"{spec}: cannot download this revision: {exc}") from exc
    return Path(folder)


def validate_target(spec: str) -> Report:
    """Validate a release folder or a Hub revision; the report names what was asked for."""
    report = validate_release(resolve_target(spec))
    report.target = spec
    return report
