"""The published tables: the three configs as projections of enriched documents."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pipeline.schema import PUBLISHED_DOCUMENT_EXCLUDE, Document, to_row

CONFIGS = ("documents", "sections", "sentences")
DEFAULT_CONFIG = "documents"

Row = dict[str, Any]
Rows = dict[str, dict[str, list[Row]]]  # config → split → rows


def document_rows(doc: Document) -> dict[str, list[Row]]:
    """One document's rows in each config."""
    row = to_row(doc)
    for name in PUBLISHED_DOCUMENT_EXCLUDE:
        row.pop(name)
    return {
        "documents": [row],
        "sections": [to_row(s) for s in doc.sections],
        "sentences": [to_row(s) for s in doc.sentences],
    }


def config_rows(documents: Iterable[Document]) -> Rows:
    """Rows of each config, grouped by split, in document order."""
    rows: Rows = {config: {} for config in CONFIGS}
    for doc in documents:
        for config, config_rows_ in document_rows(doc).items():
            rows[config].setdefault(doc.split, []).extend(config_rows_)
    return rows


@dataclass
class Bundle:
    """One document's rows in each config."""

    split: str
    doc: Row
    sections: list[Row]
    sentences: list[Row]

    def rows(self) -> dict[str, list[Row]]:
        return {"documents": [self.doc], "sections": self.sections, "sentences": self.sentences}


def bundles_from_documents(documents: Iterable[Document]) -> Iterator[Bundle]:
    for doc in documents:
        rows = document_rows(doc)
        yield Bundle(doc.split, rows["documents"][0], rows["sections"], rows["sentences"])


@dataclass
class ReleaseContent:
    """What the card says about a release's rows, gathered while they stream past."""

    files: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=lambda: {c: {} for c in CONFIGS})
    num_bytes: dict[str, dict[str, int]] = field(default_factory=lambda: {c: {} for c in CONFIGS})
    examples: dict[str, Row] = field(default_factory=dict)
    licenses: set[str] = field(default_factory=set)
    languages: set[str] = field(default_factory=set)
    docs_per_source: Counter[str] = field(default_factory=Counter)
    licence_per_source: dict[str, str] = field(default_factory=dict)
    rule_counts: Counter[str] = field(default_factory=Counter)

    def add(self, bundle: Bundle) -> None:
        doc = bundle.doc
        for config, rows in bundle.rows().items():
            by_split = self.counts[config]
            by_split[bundle.split] = by_split.get(bundle.split, 0) + len(rows)
            if rows and config not in self.examples:
                self.examples[config] = rows[0]
        self.licenses.add(doc["license"])
        self.languages.add(doc["language"])
        self.docs_per_source[doc["source_file"]] += 1
        self.licence_per_source[doc["source_file"]] = doc["license"]
        self.rule_counts.update({rc["rule"]: rc["count"] for rc in doc["rule_counts"]})

    @property
    def n_documents(self) -> int:
        return sum(self.counts["documents"].values())
