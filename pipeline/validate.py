"""Validate: check what the pipeline produced, and say exactly what is wrong.

Checks run over the three published tables (documents, sections, sentences), the raw
sources and the quarantine, whether they come from the enrich stage's output or from a
published release folder, so CI can run the same checks on either.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import regex

from pipeline.edits import apply_edits
from pipeline.schema import CONFIG_SCHEMAS, Edit, Quarantine, Source
from pipeline.tables import CONFIGS, Rows

ARTEFACTS = {
    "wikitext marker": regex.compile(r"@[-,.]@"),
    "heading markup": regex.compile(r"(?m)^[ \t]*=(?:[ \t]*=)*[ \t]+\S.*[ \t]=(?:[ \t]*=)*[ \t]*$"),
    "spaced punctuation": regex.compile(r"(?<=\p{L}) [,;](?= \p{L})"),
}
MAX_PROBLEMS_SHOWN = 10


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


# ----------------------------------------------------------------- record checks


def check_unique_ids(rows: Rows) -> Check:
    check = Check("unique ids")
    for config, key in (("documents", "doc_id"), ("sections", "section_id"), ("sentences", "sentence_id")):
        seen: set[str] = set()
        for split_rows in rows[config].values():
            for row in split_rows:
                check.checked += 1
                if row[key] in seen:
                    check.fail(f"{config}: duplicate {key} {row[key]}")
                seen.add(row[key])
    return check


def check_offsets(rows: Rows) -> Check:
    """Each sentence is its document's text[start:end]; sections and paragraphs lie inside it."""
    check = Check("offsets")
    texts = {r["doc_id"]: r["text"] for split_rows in rows["documents"].values() for r in split_rows}
    for split_rows in rows["sentences"].values():
        for s in split_rows:
            check.checked += 1
            text = texts.get(s["doc_id"])
            if text is None:
                check.fail(f"sentence {s['sentence_id']}: unknown document {s['doc_id']}")
            elif not (0 <= s["start"] < s["end"] <= len(text)) or text[s["start"] : s["end"]] != s["text"]:
                check.fail(
                    f"sentence {s['sentence_id']}: text differs from document[{s['start']}:{s['end']}]"
                )
    for split_rows in rows["sections"].values():
        for sec in split_rows:
            check.checked += 1
            size = len(texts.get(sec["doc_id"], ""))
            spans = [(sec["start"], sec["end"])] + [(p["start"], p["end"]) for p in sec["paragraphs"]]
            if sec["doc_id"] not in texts or any(not (0 <= a <= b <= size) for a, b in spans):
                check.fail(f"section {sec['section_id']}: span outside its document")
    return check


def check_artefacts(rows: Rows) -> Check:
    check = Check("no wikitext artefacts")
    for split_rows in rows["documents"].values():
        for doc in split_rows:
            check.checked += 1
            for name, pattern in ARTEFACTS.items():
                match = pattern.search(doc["text"])
                if match:
                    context = doc["text"][max(0, match.start() - 30) : match.end() + 30].replace("\n", " ")
                    check.fail(f"{doc['doc_id']} ({doc['title']}): {name}: …{context}…")
    return check


def check_edits_rebuild_text(rows: Rows) -> Check:
    """Every change is recorded: each block's raw text plus its edits gives its clean text."""
    check = Check("edits explain text")
    for split_rows in rows["documents"].values():
        for doc in split_rows:
            for i, block in enumerate(doc["blocks"]):
                check.checked += 1
                edits = [Edit(**e) for e in block["edits"]]
                try:
                    rebuilt = apply_edits(block["raw"], edits)
                except ValueError as exc:
                    rebuilt = str(exc)
                if rebuilt != block["text"]:
                    check.fail(
                        f"{doc['doc_id']} block {i} (line {block['line_start']}): its edits do not rebuild it"
                    )
    return check


def check_counts(rows: Rows) -> Check:
    check = Check("counts")
    sentences: dict[str, int] = defaultdict(int)
    sections: dict[str, int] = defaultdict(int)
    for split_rows in rows["sentences"].values():
        for s in split_rows:
            sentences[s["doc_id"]] += 1
    for split_rows in rows["sections"].values():
        for s in split_rows:
            sections[s["doc_id"]] += 1
    for split_rows in rows["documents"].values():
        for doc in split_rows:
            check.checked += 1
            if doc["n_sentences"] != sentences[doc["doc_id"]] or doc["n_sections"] != sections[doc["doc_id"]]:
                check.fail(f"{doc['doc_id']}: n_sentences/n_sections do not match the rows")
            if not doc["text"].strip():
                check.fail(f"{doc['doc_id']} ({doc['source_file']}): empty text")
    return check


def check_accounting(rows: Rows, sources: list[Source], quarantine: list[Quarantine]) -> Check:
    """Every line of every raw file is in exactly one document or quarantine record."""
    check = Check("no content lost")
    ranges: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for split_rows in rows["documents"].values():
        for doc in split_rows:
            ranges[doc["source_file"]].append((doc["line_start"], doc["line_end"], doc["doc_id"]))
    for q in quarantine:
        ranges[q.source_file].append((q.line_start, q.line_end, f"quarantine: {q.reason}"))
    for source in sources:
        check.checked += 1
        covered = 0
        for start, end, what in sorted(ranges.pop(source.name, [])):
            if end == 0:  # a record for a file with no lines at all
                continue
            if start <= covered:
                check.fail(f"{source.name}: lines {start}-{end} ({what}) overlap earlier output")
            elif start > covered + 1:
                check.fail(
                    f"{source.name}: lines {covered + 1}-{start - 1} in no document or quarantine record"
                )
            covered = max(covered, end)
        if source.n_lines and covered < source.n_lines:
            check.fail(
                f"{source.name}: lines {covered + 1}-{source.n_lines} in no document or quarantine record"
            )
    for name in ranges:
        check.fail(f"{name}: output names a source that was not ingested")
    return check


RECORD_CHECKS: list[Callable[[Rows], Check]] = [
    check_unique_ids,
    check_offsets,
    check_counts,
    check_artefacts,
    check_edits_rebuild_text,
]


def validate_rows(target: str, rows: Rows, sources: list[Source], quarantine: list[Quarantine]) -> Report:
    report = Report(target, [check(rows) for check in RECORD_CHECKS])
    report.checks.append(check_accounting(rows, sources, quarantine))
    report.counts = {
        config: {split: len(r) for split, r in sorted(by_split.items())} for config, by_split in rows.items()
    }
    report.counts["quarantined"] = len(quarantine)
    return report


# ----------------------------------------------------------------- releases


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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


def read_release_rows(root: Path) -> tuple[Rows, Check]:
    check = Check("schema")
    rows: Rows = {config: {} for config in CONFIGS}
    for config in CONFIGS:
        for shard in sorted((root / "data" / config).glob("*.parquet")):
            check.checked += 1
            table = pq.read_table(shard)
            if not table.schema.equals(CONFIG_SCHEMAS[config], check_metadata=False):
                check.fail(f"{shard.relative_to(root)}: schema differs from the {config} schema")
                continue
            split = shard.name.split("-", 1)[0]
            rows[config].setdefault(split, []).extend(table.to_pylist())
    return rows, check


def check_declared_counts(rows: Rows, manifest: dict[str, Any]) -> Check:
    check = Check("declared counts")
    for config, by_split in manifest.get("counts", {}).items():
        for split, expected in by_split.items():
            check.checked += 1
            actual = len(rows.get(config, {}).get(split, []))
            if actual != expected:
                check.fail(f"{config}/{split}: {actual} rows, the release declares {expected}")
    return check


def validate_release(root: Path) -> Report:
    manifest_path = root / "manifest.json"
    if not manifest_path.exists():
        report = Report(str(root), [Check("manifest")])
        report.checks[0].fail(f"{manifest_path}: missing; is this a release folder?")
        return report
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    files = check_release_files(root, manifest)
    rows, schema = read_release_rows(root)
    sources = [Source(**s) for s in manifest.get("sources", [])]
    quarantine = [Quarantine(**q) for q in manifest.get("quarantine", [])]
    report = validate_rows(str(root), rows, sources, quarantine)
    report.checks[:0] = [files, schema, check_declared_counts(rows, manifest)]
    return report
