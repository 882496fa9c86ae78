"""The dataset card: YAML metadata generated from the data, then the Hub template's prose."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import yaml

from pipeline.schema import CONFIG_SCHEMAS
from pipeline.tables import CONFIGS, DEFAULT_CONFIG, ReleaseContent

if TYPE_CHECKING:
    from pipeline.diff import ReleaseDiff
    from pipeline.report import ReleaseStats

PRETTY_NAME = "WikiText Corpus (clean)"
WIKITEXT_LICENSE = "CC BY-SA 3.0"
CITATION = """@misc{merity2016pointer,
  title         = {Pointer Sentinel Mixture Models},
  author        = {Stephen Merity and Caiming Xiong and James Bradbury and Richard Socher},
  year          = {2016},
  eprint        = {1609.07843},
  archivePrefix = {arXiv},
}"""
HF_LICENSE_IDS = {"CC BY-SA 3.0": "cc-by-sa-3.0", "CC BY-SA 4.0": "cc-by-sa-4.0", "unknown": "unknown"}
EXAMPLE_FIELDS = {
    "documents": (
        "doc_id",
        "title",
        "split",
        "source_file",
        "source_format",
        "license",
        "url",
        "n_sentences",
        "text",
    ),
    "sections": ("section_id", "doc_id", "heading", "level", "path", "kind", "start", "end", "n_sentences"),
    "sentences": (
        "sentence_id",
        "doc_id",
        "section_id",
        "paragraph_index",
        "sentence_index",
        "start",
        "end",
        "text",
    ),
}


def size_category(n: int) -> str:
    for limit, label in (
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
    ):
        if n < limit:
            return label
    return "1M<n<10M"


# `datasets`' names of the Arrow types a release may hold (others are refused, not guessed).
DTYPES = {pa.string(): "string", pa.int64(): "int64", pa.int32(): "int32", pa.bool_(): "bool"}


def features_yaml(config: str) -> list[dict[str, Any]]:
    """The config's features as the card's `dataset_info` lists them (what `datasets` writes for
    the schema: a test holds them equal). Written here: importing `datasets` for it took a second
    of every publish."""
    return fields_yaml(CONFIG_SCHEMAS[config])


def fields_yaml(fields: Iterable[pa.Field]) -> list[dict[str, Any]]:
    return [{"name": f.name, **type_yaml(f.type)} for f in fields]


def type_yaml(type_: pa.DataType) -> dict[str, Any]:
    """`{"dtype": name}`, `{"list": ...}` or `{"struct": [...]}` for an Arrow type."""
    if pa.types.is_list(type_):
        inner = type_.value_type
        return {"list": fields_yaml(inner) if pa.types.is_struct(inner) else type_yaml(inner)["dtype"]}
    if pa.types.is_struct(type_):
        return {"struct": fields_yaml(type_)}
    if type_ in DTYPES:
        return {"dtype": DTYPES[type_]}
    raise TypeError(f"no dataset feature for the Arrow type {type_}")


def card_metadata(content: ReleaseContent) -> dict[str, Any]:
    return {
        "pretty_name": PRETTY_NAME,
        "license": sorted({HF_LICENSE_IDS.get(lic, "other") for lic in content.licenses}),
        "language": sorted(content.languages) or ["en"],
        "size_categories": [size_category(content.n_documents)],
        "task_categories": ["text-generation", "fill-mask"],
        "source_datasets": ["extended|wikitext"],
        "tags": ["wikitext", "wikipedia", "detokenized", "sentence-segmentation"],
        "configs": [
            {
                "config_name": config,
                **({"default": True} if config == DEFAULT_CONFIG else {}),
                "data_files": [
                    {"split": split, "path": paths}
                    for split, paths in sorted(content.files.get(config, {}).items())
                ],
            }
            for config in CONFIGS
        ],
        "dataset_info": [
            {
                "config_name": config,
                "features": features_yaml(config),
                "splits": [
                    {"name": split, "num_bytes": content.num_bytes[config][split], "num_examples": n}
                    for split, n in sorted(content.counts[config].items())
                ],
            }
            for config in CONFIGS
        ],
    }


def example(content: ReleaseContent, config: str) -> str:
    row = content.examples.get(config)
    if row is None:
        return "{}"
    shown = {k: row[k] for k in EXAMPLE_FIELDS[config]}
    if isinstance(shown.get("text"), str) and len(shown["text"]) > 300:
        shown["text"] = shown["text"][:300] + "…"
    return json.dumps(shown, indent=2, ensure_ascii=False)


def statistics_table(content: ReleaseContent) -> str:
    lines = ["| config | split | rows |", "| --- | --- | --- |"]
    for config in CONFIGS:
        for split, n in sorted(content.counts[config].items()):
            lines.append(f"| {config} | {split} | {n:,} |")
    return "\n".join(lines)


def sources_table(manifest: dict[str, Any], content: ReleaseContent) -> str:
    docs_per_source, licence_per_source = content.docs_per_source, content.licence_per_source
    lines = [
        "| source | format | split | documents | licence | sha256 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for s in manifest["sources"]:
        licence = licence_per_source.get(s["name"], "unknown")
        if licence == "unknown":
            licence = "unknown (not stated by the source)"
        lines.append(
            f"| {s['name']} | {s['source_format']} | {s['split']} | {docs_per_source[s['name']]} "
            f"| {licence} | `{s['sha256'][:12]}…` |"
        )
    return "\n".join(lines)


def rules_table(content: ReleaseContent) -> str:
    lines = ["| rule | changes |", "| --- | --- |"]
    lines += [f"| `{rule}` | {n:,} |" for rule, n in content.rule_counts.most_common()]
    return "\n".join(lines)


FIGURE_TITLES = {
    "sentence_lengths": "Words per sentence",
    "document_lengths": "Words per document",
    "sentences_per_section": "Sentences per section",
    "repairs_by_rule": "Changes by cleaning rule",
}


def figures_section(stats: ReleaseStats | None, figures: list[str]) -> str:
    """The report's key numbers and plots (`report.html` in the release has them all)."""
    if stats is None:
        return ""
    from pipeline.report import key_figures

    lines = ["| figure | value |", "| --- | --- |"]
    lines += [f"| {label.replace('<unk>', '`<unk>`')} | {value} |" for label, value in key_figures(stats)]
    images = [f"![{FIGURE_TITLES.get(Path(f).stem, Path(f).stem)}]({f})" for f in figures]
    return "\n".join(lines) + "\n\n" + "\n\n".join(images) + "\n\nAll figures: `report.html` in this release."


def changes_section(changes: ReleaseDiff | None) -> str:
    if changes is None:
        return "First release. See `CHANGELOG.md`."
    if changes.identical:
        return f"No change in content since {changes.old} (see `CHANGELOG.md`)."
    head = f"Changes since {changes.old}: {changes.summary()}"
    head += " (+added −removed ~changed rows; see `CHANGELOG.md`)."
    return (
        head
        + "\n\n"
        + ("\n".join(line for line in changes.markdown().splitlines()[2:] if line.startswith("|")))
    )


def render_card(
    version: str,
    content: ReleaseContent,
    manifest: dict[str, Any],
    changes: ReleaseDiff | None = None,
    stats: ReleaseStats | None = None,
    figures: list[str] | None = None,
) -> str:
    meta = yaml.safe_dump(card_metadata(content), sort_keys=False, allow_unicode=True)
    examples = "\n\n".join(f"`{config}`:\n\n```json\n{example(content, config)}\n```" for config in CONFIGS)
    n_quarantined = len(manifest["quarantine"])
    return f"""---
{meta}---

# {PRETTY_NAME} v{version}

## Dataset description

Clean, structured English encyclopedic text made by the `wikitext-corpus` pipeline from
WikiText dumps and plain-text articles. WikiText's tokenisation is undone so that the text
reads as its authors wrote it (`Chiang Kai @-@ shek` → `Chiang Kai-shek`, `160 @,@ 000` →
`160,000`), every article is split into sections, paragraphs and sentences with character
offsets, and every change a cleaning rule made is recorded with its offsets.

Load it with `datasets.load_dataset(PATH, "documents" | "sections" | "sentences")`.

## Sources and licences

{sources_table(manifest, content)}

WikiText (Merity et al. 2016, "Pointer Sentinel Mixture Models") is derived from English
Wikipedia and licensed under {WIKITEXT_LICENSE} (Wikipedia text is also available under the
GFDL). This dataset keeps that licence and its attribution: the text is by the Wikipedia
contributors of the articles named in each document's `title` and `url`. Sources whose
licence is not stated are labelled `unknown` in the `license` column and above.

## Dataset structure

Three configs (`documents` is the default); splits come from the source files
(`wiki.test.*` → `test`, `wiki.valid.*` → `validation`, otherwise `train` or as the
sources sidecar says).

- `documents`: one row per article: ids, title, source metadata, clean `text`, counts,
  `blocks` (each heading and paragraph with its raw WikiText, clean text, line numbers
  and the `edits` that turned one into the other) and `rule_counts`.
- `sections`: one row per section: heading, level, `path` from the title down,
  `parent_id`, character span in the document text and its paragraphs' spans.
- `sentences`: one row per sentence: document, section, paragraph and sentence index,
  character span (`document.text[start:end] == text`) and source line numbers.

{examples}

## How it was made

Stages: ingest → detokenise → segment → enrich → validate → publish, by
`wikitext-corpus` {manifest["code_version"]}. Settings: `{json.dumps(manifest["settings"], sort_keys=True)}`.
Changes by rule:

{rules_table(content)}

## Statistics

{statistics_table(content)}

{figures_section(stats, figures or [])}

Input lines quarantined (unreadable or not part of any article): {n_quarantined}; see
`manifest.json`.

## Changes in this version

{changes_section(changes)}

## Limitations

- Spacing is restored by rules; rare constructions may keep or lose a space the original
  did not (see each block's `edits` to audit a change).
- Tokenised WikiText keeps `<unk>` tokens; they are counted per document (`unk_count`).
- Sentence boundaries are rule-based and tuned for encyclopedic English.

## Citation

```bibtex
{CITATION}
```
"""
