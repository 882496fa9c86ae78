"""Applying recorded edits: how a clean text is rebuilt from its raw text, for audits."""

from __future__ import annotations

import operator
from collections.abc import Iterable

from pipeline.schema import Edit


def apply_edits(raw: str, edits: Iterable[Edit]) -> str:
    """Replace each edit's `raw[raw_start:raw_end]` by its `after`; the rest is kept."""
    return apply_changes(raw, ((e.raw_start, e.raw_end, e.after) for e in edits))


def apply_changes(raw: str, changes: Iterable[tuple[int, int, str]]) -> str:
    """`apply_edits` for (raw_start, raw_end, after) triples (as the validator reads them)."""
    out: list[str] = []
    pos = 0
    for start, end, after in sorted(changes, key=_span):
        if start < pos:
            raise ValueError(f"overlapping edits at {start}")
        out.append(raw[pos:start])
        out.append(after)
        pos = end
    out.append(raw[pos:])
    return "".join(out)


_span = operator.itemgetter(0, 1)


def shifted(edit: Edit, raw: int, clean: int = 0) -> Edit:
    """The same edit, for a text embedded `raw` / `clean` characters further in."""
    return Edit(
        edit.rule,
        edit.kind,
        edit.before,
        edit.after,
        edit.raw_start + raw,
        edit.raw_end + raw,
        edit.clean_start + clean,
        edit.clean_end + clean,
        edit.line,
    )
