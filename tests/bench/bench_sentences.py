"""Benchmark: our sentence splitter beside pySBD, nupunkt and blingfire (not a pytest module).

    .venv/bin/python tests/bench/bench_sentences.py [--mb 1.0] [--runs 7]

Prints one Markdown table: Golden Rules accuracy, boundary F1 and citation-normalised F1
on the GUM development documents, damaged sentences, and in-process throughput (MB/s of
UTF-8 text, fastest of --runs rounds that time every splitter in turn, and how many times
faster ours is, the median of the rounds' ratios; the same text for every splitter: the
development documents repeated to --mb MB). Every splitter gets texts split at blank lines
first, as the scorer's reference figures do. The metrics are imported from the shared scorer
(../shared/data/sbd/score.py), not duplicated. Libraries are imported lazily; a missing
one is reported as "not installed".
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import re
import sys
from collections.abc import Callable
from pathlib import Path

from timing import median_ratio, timed_rounds

ROOT = Path(__file__).resolve().parents[2]
SBD = ROOT.parent / "shared" / "data" / "sbd"
sys.path.insert(0, str(ROOT))

Splitter = Callable[[str], list[str]]
_PARAGRAPHS = re.compile(r"\n\s*\n")


def load_scorer():
    spec = importlib.util.spec_from_file_location("sbd_score", SBD / "score.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def by_paragraph(split_paragraph: Splitter) -> Splitter:
    def split(text: str) -> list[str]:
        out: list[str] = []
        for paragraph in _PARAGRAPHS.split(text):
            if paragraph.strip():
                out.extend(s for s in split_paragraph(paragraph) if s.strip())
        return out

    return split


def make_ours() -> Splitter:
    from pipeline.sentences import split_text

    return split_text


def make_pysbd() -> Splitter:
    import pysbd

    seg = pysbd.Segmenter(language="en", clean=False)
    return by_paragraph(seg.segment)


def make_nupunkt() -> Splitter:
    from nupunkt import sent_tokenize

    return by_paragraph(sent_tokenize)


def make_blingfire() -> Splitter:
    import blingfire

    return by_paragraph(lambda p: blingfire.text_to_sentences(p).split("\n"))


SPLITTERS = {
    "ours (pipeline.sentences)": make_ours,
    "pySBD": make_pysbd,
    "nupunkt": make_nupunkt,
    "blingfire": make_blingfire,
}


def evaluate(score, split: Splitter, golden: list[dict], docs: list[dict]) -> dict:
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink):  # the scorer prints its own report
        acc, _ = score.score_golden(golden, [split(r["text"]) for r in golden], False, [])
        metrics = score.score_docs(docs, [split(d["text"]) for d in docs], [], 0)
    return {"golden": acc, "f1": metrics["f1"], "cite_f1": metrics["cite_f1"], "damaged": metrics["damaged"]}


SLOW_SECONDS = 5.0  # a splitter slower than this over the text is timed once


def table(mb: float = 1.0, runs: int = 7) -> str:
    """The comparison as a Markdown table (with a line saying what was measured)."""
    score = load_scorer()
    golden = score.load_jsonl(str(SBD / "golden_rules_en.jsonl"))
    docs = score.load_jsonl(str(SBD / "docs.jsonl"))
    texts, size = [], 0
    while size < mb * 1e6:
        t = docs[len(texts) % len(docs)]["text"]
        texts.append(t)
        size += len(t.encode("utf-8"))
    out = [
        f"{len(golden)} Golden Rules; {len(docs)} GUM documents; "
        f"throughput on {size / 1e6:.2f} MB in-process, "
        f"{runs} rounds of every splitter in turn (one for a splitter slower than {SLOW_SECONDS:g} s); "
        "MB/s of the fastest round; ours × = the median over rounds of its time over ours",
        "",
        "| splitter | golden | docs F1 | cite F1 | damaged | MB/s | ours × |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    splitters: dict[str, Splitter] = {}
    for name, make in SPLITTERS.items():
        with contextlib.suppress(ImportError):
            splitters[name] = make()
    times = timed_rounds(splitters, texts, runs, SLOW_SECONDS)
    ours = times[next(iter(SPLITTERS))]
    for name in SPLITTERS:
        if name not in splitters:
            out.append(f"| {name} | not installed | | | | | |")
            continue
        m = evaluate(score, splitters[name], golden, docs)
        ratio = median_ratio(times[name], ours)
        cells = [name, f"{m['golden']:.3f}", f"{m['f1']:.3f}", f"{m['cite_f1']:.3f}", str(m["damaged"])]
        out.append("| " + " | ".join([*cells, f"{size / 1e6 / min(times[name]):.2f}", f"{ratio:.2f}"]) + " |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=1.0, help="MB of text for the throughput column")
    ap.add_argument("--runs", type=int, default=7, help="rounds of every splitter (default 7)")
    args = ap.parse_args()
    print(table(args.mb, args.runs))


if __name__ == "__main__":
    main()
