"""The published tables: the three configs as projections of enriched documents."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pipeline.schema import PUBLISHED_DOCUMENT_EXCLUDE, Document, to_row

CONFIGS = ("documents", "sections", "sentences")
DEFAULT_CONFIG = "documents"

Rows = dict[str, dict[str, list[dict[str, Any]]]]  # config → split → rows


def config_rows(documents: Iterable[Document]) -> Rows:
    """Rows of each config, grouped by split, in document order."""
    rows: Rows = {config: {} for config in CONFIGS}
    for doc in documents:
        row = to_row(doc)
        for name in PUBLISHED_DOCUMENT_EXCLUDE:
            row.pop(name)
        rows["documents"].setdefault(doc.split, []).append(row)
        rows["sections"].setdefault(doc.split, []).extend(to_row(s) for s in doc.sections)
        rows["sentences"].setdefault(doc.split, []).extend(to_row(s) for s in doc.sentences)
    return rows
