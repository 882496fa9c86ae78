"""The published tables: the three configs as projections of enriched documents.

A release's rows are projected from the enrich stage's Arrow tables without turning them
into Python records: `documents` drops three columns, and `sections`/`sentences` are the
flattened list columns of the same name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.schema import CONFIG_SCHEMAS, PUBLISHED_DOCUMENT_EXCLUDE, Document, Section, Sentence

CONFIGS = ("documents", "sections", "sentences")
DEFAULT_CONFIG = "documents"

Row = dict[str, Any]
Rows = dict[str, dict[str, list[Row]]]  # config → split → rows
ConfigTables = dict[str, pa.Table]  # config → one split's rows


def config_shards(root: Path, config: str) -> list[Path]:
    """A release folder's Parquet shards of one config, in order
    (`data/<config>/<split>-NNNNN-of-NNNNN.parquet`)."""
    return sorted((root / "data" / config).glob("*.parquet"))


def shard_split(shard: Path) -> str:
    """The split a release shard holds: its name's prefix."""
    return shard.name.split("-", 1)[0]


def config_tables(documents: pa.Table) -> Iterator[tuple[str, ConfigTables]]:
    """Each split's rows in the three configs, from a table of enriched documents (in order)."""
    splits = pc.unique(documents["split"]).to_pylist()  # in order of first appearance
    for split in splits:
        part = documents if len(splits) == 1 else documents.filter(pc.equal(documents["split"], split))
        yield (
            split,
            {
                "documents": part.drop_columns(list(PUBLISHED_DOCUMENT_EXCLUDE)),
                "sections": flattened(part["sections"], CONFIG_SCHEMAS["sections"]),
                "sentences": flattened(part["sentences"], CONFIG_SCHEMAS["sentences"]),
            },
        )


def flattened(column: pa.ChunkedArray, schema: pa.Schema) -> pa.Table:
    """The records of a list-of-records column, one row each."""
    records = column.combine_chunks().flatten() if column.num_chunks else pa.array([], schema.field(0).type)
    return pa.Table.from_struct_array(records) if len(records) else schema.empty_table()


@dataclass
class Bundle:
    """One document's rows in each config (what the validator checks together)."""

    split: str
    doc: Row | Document
    sections: list[Row] | list[Section]
    sentences: list[Row] | list[Sentence]


def bundles_from_documents(documents: Iterable[Document]) -> Iterator[Bundle]:
    """Documents in memory as bundles: records read like rows, so nothing is converted."""
    for doc in documents:
        yield Bundle(doc.split, doc, doc.sections, doc.sentences)


def bundles_from_table(documents: pa.Table) -> Iterator[Bundle]:
    """The documents of an enriched table as bundles, without building records."""
    for row in documents.to_pylist():
        sections, sentences = row.pop("sections"), row.pop("sentences")
        row.pop("lines")
        yield Bundle(row["split"], row, sections, sentences)


@dataclass
class ReleaseContent:
    """What the card says about a release's rows, gathered while they stream past."""

    files: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    checksums: dict[str, str] = field(default_factory=dict)  # file → sha256
    counts: dict[str, dict[str, int]] = field(default_factory=lambda: {c: {} for c in CONFIGS})
    num_bytes: dict[str, dict[str, int]] = field(default_factory=lambda: {c: {} for c in CONFIGS})
    examples: dict[str, Row] = field(default_factory=dict)
    licenses: set[str] = field(default_factory=set)
    languages: set[str] = field(default_factory=set)
    docs_per_source: Counter[str] = field(default_factory=Counter)
    licence_per_source: dict[str, str] = field(default_factory=dict)
    rule_counts: Counter[str] = field(default_factory=Counter)

    def add(self, split: str, tables: ConfigTables) -> None:
        for config, table in tables.items():
            by_split = self.counts[config]
            by_split[split] = by_split.get(split, 0) + table.num_rows
            if table.num_rows and config not in self.examples:
                self.examples[config] = table.slice(0, 1).to_pylist()[0]
        docs = tables["documents"]
        licences, sources = docs["license"].to_pylist(), docs["source_file"].to_pylist()
        self.licenses.update(licences)
        self.languages.update(docs["language"].to_pylist())
        self.docs_per_source.update(sources)
        self.licence_per_source.update(zip(sources, licences, strict=True))
        for chunk in docs["rule_counts"].chunks:
            counts = chunk.flatten()
            for rule, n in zip(
                counts.field("rule").to_pylist(), counts.field("count").to_pylist(), strict=True
            ):
                self.rule_counts[rule] += n

    @property
    def n_documents(self) -> int:
        return sum(self.counts["documents"].values())
