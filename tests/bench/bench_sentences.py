"""Benchmark: our sentence splitter beside pySBD, nupunkt and blingfire (not a pytest module).

    .venv/bin/python tests/bench/bench_sentences.py [--mb 1.0] [--runs 3]

Prints one Markdown table: Golden Rules accuracy, boundary F1 and citation-normalised F1
on the GUM development documents, damaged sentences, and in-process throughput (MB/s of
UTF-8 text, best of --runs, the same text for every splitter: the development documents
repeated to --mb MB). Every splitter gets texts split at blank lines first, as the scorer's
reference figures do. The metrics are imported from the shared scorer
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
import time
from collections.abc import Callable
from pathlib import Path

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


def throughput(split: Splitter, texts: list[str], size: int, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        for t in texts:
            split(t)
        best = min(best, time.perf_counter() - t0)
        if best > 5:  # slow splitters: one run is enough
            break
    return size / 1e6 / best


def table(mb: float = 1.0, runs: int = 3) -> str:
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
        f"{len(golden)} Golden Rules; {len(docs)} GUM documents; throughput on {size / 1e6:.2f} MB, "
        f"best of {runs}, in-process",
        "",
        "| splitter | golden | docs F1 | cite F1 | damaged | MB/s |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, make in SPLITTERS.items():
        try:
            split = make()
        except ImportError:
            out.append(f"| {name} | not installed | | | | |")
            continue
        m = evaluate(score, split, golden, docs)
        mbs = throughput(split, texts, size, runs)
        cells = [name, f"{m['golden']:.3f}", f"{m['f1']:.3f}", f"{m['cite_f1']:.3f}", str(m["damaged"])]
        out.append("| " + " | ".join([*cells, f"{mbs:.2f}"]) + " |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=1.0, help="MB of text for the throughput column")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    print(table(args.mb, args.runs))


if __name__ == "__main__":
    main()
