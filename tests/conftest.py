"""Shared fixtures: paths to the shared development data (read where it is, never copied)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from pipeline.detokenise import detokenise_document
from pipeline.enrich import enrich_document
from pipeline.ingest import Sidecar, ingest_file
from pipeline.schema import PUBLISHED_DOCUMENT_EXCLUDE, Document, Quarantine, Source
from pipeline.segment import segment_document
from pipeline.tables import CONFIGS, Rows

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DATA = SHARED / "data"
SEEDS = SHARED / "seeds"
RAW = ROOT / "raw"
WT2_RAW = DATA / "wikitext-2-raw"

settings.register_profile(
    "default", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "fuzz", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def declared_counts(release: Path) -> dict[str, dict[str, int]]:
    """Rows per config and split, as a release's manifest declares them."""
    return json.loads((release / "manifest.json").read_text(encoding="utf-8"))["counts"]


def seed_articles() -> tuple[list[Document], list[Source], list[Quarantine]]:
    """The two seed articles in raw/ through every per-document stage: documents, sources, quarantine."""
    results = [
        ingest_file(RAW / name, Sidecar())
        for name in ("000_9effd60b1a05fa4f.txt", "001_85fa657f670b8bbb.txt")
    ]
    docs = [enrich_document(segment_document(detokenise_document(d))) for r in results for d in r.documents]
    return docs, [r.source for r in results], [q for r in results for q in r.quarantine]


def config_rows(documents: Iterable[Document]) -> Rows:
    """Each config's rows (config → split → rows) of documents in memory, in document order: what
    a release holds, as plain dicts a test can damage."""
    rows: Rows = {config: {} for config in CONFIGS}
    for doc in documents:
        row = asdict(doc)
        for name in PUBLISHED_DOCUMENT_EXCLUDE:
            del row[name]
        rows["documents"].setdefault(doc.split, []).append(row)
        rows["sections"].setdefault(doc.split, []).extend(asdict(s) for s in doc.sections)
        rows["sentences"].setdefault(doc.split, []).extend(asdict(s) for s in doc.sentences)
    return rows


def shared_file(*parts: str) -> Path:
    """A file of ../shared; its absence is an error, never a silent skip."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: the tests need ../shared beside the project")
    return path


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    """A copy of the project's raw/ folder to run the pipeline on."""
    target = tmp_path / "raw"
    shutil.copytree(RAW, target)
    return target
