"""The `corpus` command: one thin Click command per stage; the logic lives in the stage modules."""

from __future__ import annotations

import json
import sys

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Clean WikiText and plain-text articles into a versioned Hugging Face dataset."""


@main.command("detokenise")
@click.argument("source", type=click.File("r", encoding="utf-8"))
def detokenise_filter(source) -> None:
    """Filter mode: read WikiText paragraphs, one a line, from SOURCE ('-' for stdin)."""
    from pipeline.detok import detokenise

    out = sys.stdout
    for line in source:
        out.write(detokenise(line.rstrip("\n")).text + "\n")


@main.command("split-sentences")
@click.option("--jsonl", is_flag=True, required=True, help='Read {"text": ...} lines, write {"sentences": [...]}.')
def split_sentences_filter(jsonl: bool) -> None:
    """Filter mode: split texts read as JSON lines on standard input into sentences."""
    from pipeline.sentences import split_text

    out = sys.stdout
    for line in sys.stdin:
        if line.strip():
            out.write(json.dumps({"sentences": split_text(json.loads(line)["text"])}, ensure_ascii=False) + "\n")
