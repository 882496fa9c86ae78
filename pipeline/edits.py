"""Applying recorded edits: how a clean text is rebuilt from its raw text, for audits."""

from __future__ import annotations

from collections.abc import Iterable

from pipeline.schema import Edit


def apply_edits(raw: str, edits: Iterable[Edit]) -> str:
    """Replace each edit's `raw[raw_start:raw_end]` by its `after`; the rest is kept."""
    out: list[str] = []
    pos = 0
    for edit in sorted(edits, key=lambda e: (e.raw_start, e.raw_end)):
        if edit.raw_start < pos:
            raise ValueError(f"overlapping edits at {edit.raw_start}: {edit}")
        out.append(raw[pos : edit.raw_start])
        out.append(edit.after)
        pos = edit.raw_end
    out.append(raw[pos:])
    return "".join(out)


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
