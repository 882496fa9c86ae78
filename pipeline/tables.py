"""The published tables: the three configs as projections of enriched documents."""

from __future__ import annotations

from collections.abc import Iterable
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
