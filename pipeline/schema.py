"""The record schema, defined once and used by every stage, the validator and the card.

A `Document` travels through the stages and gains fields as it goes:
ingest fills the source fields and `lines`; detokenise turns `lines` into `blocks` (each
keeping its raw text and line numbers, so `lines` is emptied); segment fills
`text`, `sections` and `sentences`; enrich fills the ids and counts. Every stage writes
the same Arrow schema, so any stage can read any earlier stage's output.

The published dataset has three configs, each a projection of these records:
`documents` (`Document` without `lines`, `sections`, `sentences`), `sections`
(`Section` rows) and `sentences` (`Sentence` rows).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import operator
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pyarrow as pa


class Record:
    """A record reads like the row it becomes (`record["field"]`): the validator checks documents
    in memory and rows read back from a release with the same code, converting neither.

    Records have slots, not a `__dict__`: a shard holds tens of thousands of edits, which are
    built about a quarter faster and take a third less memory (112 bytes, not 160) that way.
    """

    __slots__ = ()

    def __getitem__(self, name: str) -> Any:
        return getattr(self, name)


def fields_of(like: Any, *names: str) -> Callable[[Any], Any]:
    """A getter of `names` (one value, or a tuple of them) from records or rows like `like`: in C,
    where `record[name]` is a Python call for each field (loops over every edit want this)."""
    return operator.attrgetter(*names) if isinstance(like, Record) else operator.itemgetter(*names)


@dataclass(slots=True)
class Edit(Record):
    """One change a cleaning rule made, with offsets so it can be explained and undone.

    `raw_start:raw_end` index the text the rule read (a block's `raw`, or a source line
    for unicode repairs); `clean_start:clean_end` index the text it wrote.
    """

    rule: str
    kind: str
    before: str
    after: str
    raw_start: int
    raw_end: int
    clean_start: int
    clean_end: int
    line: int = 0


@dataclass(slots=True)
class Mark(Record):
    """A span of clean text with a meaning the text no longer shows (e.g. emphasis)."""

    kind: str
    start: int
    end: int


@dataclass(slots=True)
class Span(Record):
    start: int
    end: int


@dataclass(slots=True)
class RuleCount(Record):
    rule: str
    count: int


@dataclass(slots=True)
class Block(Record):
    """A heading, paragraph, list item or title line, before and after cleaning.

    kind: "title" | "heading" | "paragraph" | "item". `raw` is the source lines joined by
    newlines; `text` is clean.
    `line_start`/`line_end` are 1-based, inclusive line numbers in the source file.
    """

    kind: str
    level: int
    line_start: int
    line_end: int
    raw: str
    text: str = ""
    edits: list[Edit] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Section(Record):
    section_id: str
    doc_id: str
    split: str
    heading: str
    level: int
    path: list[str]
    parent_id: str | None
    index: int
    start: int
    end: int
    kind: str = "section"  # "lead" | "section" | "list"
    paragraphs: list[Span] = field(default_factory=list)
    n_sentences: int = 0


@dataclass(slots=True)
class Sentence(Record):
    sentence_id: str
    doc_id: str
    section_id: str
    split: str
    paragraph_index: int
    sentence_index: int
    start: int
    end: int
    text: str
    block_index: int
    line_start: int
    line_end: int


@dataclass(slots=True)
class Document(Record):
    doc_id: str
    title: str
    source_file: str
    source_format: str
    split: str
    license: str
    url: str | None
    language: str
    raw_sha256: str
    line_start: int
    line_end: int
    lines: list[str] = field(default_factory=list)
    repairs: list[Edit] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    text: str = ""
    sections: list[Section] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    rule_counts: list[RuleCount] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    n_chars: int = 0
    n_words: int = 0
    n_sentences: int = 0
    n_sections: int = 0
    unk_count: int = 0


@dataclass
class Quarantine:
    """Input that could not become a document, with where it was and why."""

    source_file: str
    line_start: int
    line_end: int
    reason: str
    excerpt: str


# ----------------------------------------------------------------- Arrow mapping

_SCALARS: dict[Any, pa.DataType] = {str: pa.string(), int: pa.int64(), bool: pa.bool_(), float: pa.float64()}


def arrow_type(hint: Any) -> pa.DataType:
    """The Arrow type for a dataclass field's type hint."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(hint) if a is not type(None)]
        return arrow_type(inner)
    if origin is list:
        return pa.list_(arrow_type(typing.get_args(hint)[0]))
    if dataclasses.is_dataclass(hint):
        return pa.struct(arrow_fields(hint))
    return _SCALARS[hint]


def arrow_fields(cls: type) -> list[pa.Field]:
    hints = typing.get_type_hints(cls)
    return [pa.field(f.name, arrow_type(hints[f.name])) for f in dataclasses.fields(cls)]


def arrow_schema(cls: type, exclude: tuple[str, ...] = ()) -> pa.Schema:
    return pa.schema([f for f in arrow_fields(cls) if f.name not in exclude])


T = TypeVar("T")


def _unwrap_optional(hint: Any) -> Any:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(hint) if a is not type(None)]
        return inner
    return hint


@functools.cache
def _field_hints(cls: type) -> tuple[tuple[str, Any], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((f.name, _unwrap_optional(hints[f.name])) for f in dataclasses.fields(cls))


DOCUMENT_SCHEMA = arrow_schema(Document)

# What each published config holds.
PUBLISHED_DOCUMENT_EXCLUDE = ("lines", "sections", "sentences")
CONFIG_SCHEMAS: dict[str, pa.Schema] = {
    "documents": arrow_schema(Document, exclude=PUBLISHED_DOCUMENT_EXCLUDE),
    "sections": arrow_schema(Section),
    "sentences": arrow_schema(Sentence),
}


@dataclass
class Source:
    """One raw input file as ingest read it: what the validator and the manifest account for."""

    path: str
    name: str
    sha256: str
    n_bytes: int
    n_lines: int
    source_format: str
    split: str


# ----------------------------------------------------------------- columnar conversion
#
# Records ⇄ Arrow column by column: each field's values are gathered with one C-level
# `map(attrgetter)` (writing) or one `to_pylist` of a flat child array (reading), and a list
# of nested records becomes its flattened child column plus offsets. Several times faster than
# going through one dict per record (`Table.from_pylist`/`to_pylist`), which made record
# conversion, not the cleaning, the cost of every stage.


@functools.cache
def _columns(cls: type) -> tuple[tuple[str, Any, type | None], ...]:
    """(name, hint, nested record class of a `list[Record]` field or None) for each field of `cls`."""
    columns = []
    for name, hint in _field_hints(cls):
        nested = None
        if typing.get_origin(hint) is list:
            (item,) = typing.get_args(hint)
            item = _unwrap_optional(item)
            if dataclasses.is_dataclass(item):
                nested = item
        elif dataclasses.is_dataclass(hint):
            raise TypeError(f"{cls.__name__}.{name}: a nested record must be in a list")
        columns.append((name, hint, nested))
    return tuple(columns)


@functools.cache
def _arrow_fields(cls: type) -> tuple[list[pa.Field], dict[str, pa.DataType]]:
    fields = arrow_fields(cls)
    return fields, {f.name: f.type for f in fields}


def records_to_arrow(records: list[Any], cls: type) -> pa.StructArray:
    """`records` (instances of the dataclass `cls`) as one Arrow struct array of `arrow_type(cls)`."""
    fields, _ = _arrow_fields(cls)
    if not records:
        return pa.array([], pa.struct(fields))
    arrays = [field_array(records, cls, name) for name, _hint, _nested in _columns(cls)]
    return pa.StructArray.from_arrays(arrays, fields=fields)


def field_array(records: list[Any], cls: type, name: str) -> pa.Array:
    """One field of `records` (instances of the dataclass `cls`) as an Arrow array of its type."""
    values = list(map(operator.attrgetter(name), records))
    nested = _nested_records(cls)[name]
    if nested is None:
        return pa.array(values, _arrow_fields(cls)[1][name])
    offsets = pa.array(itertools.accumulate(map(len, values), initial=0), pa.int32())
    flat = records_to_arrow(list(itertools.chain.from_iterable(values)), nested)
    return pa.ListArray.from_arrays(offsets, flat)


@functools.cache
def _nested_records(cls: type) -> dict[str, type | None]:
    return {name: nested for name, _hint, nested in _columns(cls)}


def records_from_arrow(array: pa.StructArray | pa.RecordBatch | pa.Table, cls: type[T]) -> list[T]:
    """The records of `cls` in a struct array (or a batch or table of its columns)."""
    if isinstance(array, pa.Table):
        array = array.combine_chunks().to_struct_array()
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if isinstance(array, pa.RecordBatch):
        array = array.to_struct_array()
    columns = []
    for name, _hint, nested in _columns(cls):
        if array.type.get_field_index(name) < 0:
            raise ValueError(f"{cls.__name__}: the data has no column {name!r} (written by another version?)")
        column = array.field(name)
        if nested is None:
            columns.append(column.to_pylist())
            continue
        items = records_from_arrow(column.flatten(), nested)
        offsets = column.offsets.to_pylist()
        base = offsets[0] if offsets else 0
        columns.append([items[a - base : b - base] for a, b in itertools.pairwise(offsets)])
    if array.null_count:
        raise ValueError(f"{cls.__name__}: a record is missing (null) in the data")
    return list(map(cls, *columns)) if columns else []
