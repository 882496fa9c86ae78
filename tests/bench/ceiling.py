"""How fast `corpus run` could be if its text rules cost nothing: a measurement, not a product.

`corpus run` with the detokeniser returning each paragraph as it is (no edits) and the sentence
splitter replaced by one regex (a sentence ends at `.`, `!` or `?` before a space); everything
else runs as always: ingest, records, Arrow columns, stage shards, the checks, enrich, publish
and the release's validation. The checks find the WikiText artefacts left in the text; the
release is published all the same, as the cost of writing it is part of what is measured.
Tuning the detokeniser and the splitter cannot make a run faster than this. It takes `corpus`'s
arguments:

    .venv/bin/python tests/bench/ceiling.py --processed DIR -q run --workers 2 INPUT
"""

from __future__ import annotations

import re
import sys

from pipeline import cli, segment, validate
from pipeline import detokenise as detokenise_stage
from pipeline.detok import Detokenised

SENTENCE = re.compile(r"\S.*?(?:[.!?](?= |$)|$)")


def unchanged(raw: str, disabled: frozenset[str] = frozenset()) -> Detokenised:
    return Detokenised(raw, [])


def regex_sentences(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in SENTENCE.finditer(text)]


def without_text_rules() -> None:
    """Replace the two text-rule functions in the stages that call them (the worker processes are
    forked, so they inherit this) and let a release that fails its checks be published."""
    replace(detokenise_stage, "detokenise_text", unchanged)
    replace(segment, "sentence_bounds", regex_sentences)
    replace(validate.Report, "ok", property(lambda _report: True))


def replace(owner: object, name: str, value: object) -> None:
    """Set `owner.name`, which must exist: a renamed function would otherwise leave the real one
    running and the ceiling measuring the full pipeline."""
    if not hasattr(owner, name):
        raise SystemExit(f"ceiling.py: {owner!r} has no {name!r} to replace; update the ceiling")
    setattr(owner, name, value)


def main(argv: list[str] | None = None) -> None:
    without_text_rules()
    cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
