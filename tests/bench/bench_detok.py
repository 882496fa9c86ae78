"""Detokeniser benchmark: ours (with every edit recorded) beside sacremoses' Moses detokeniser.

Same input, same process, same run: the lines of WikiText-2 raw test (CRLF normalised),
repeated. Prints a Markdown table with MB/s, the speed ratio, exact match on the verified
gold set and the share of real paragraphs that survive detokenise → retokenise unchanged.

    .venv/bin/python tests/bench/bench_detok.py [--repeat ROUNDS]
"""

from __future__ import annotations

import argparse
import json
import statistics
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


def seconds(fn: Callable[[str], str], lines: list[str]) -> float:
    started = time.perf_counter()
    for line in lines:
        fn(line)
    return time.perf_counter() - started


def paired_rounds(
    ours_fn: Callable[[str], str], peer_fn: Callable[[str], str], lines: list[str], rounds: int
) -> tuple[list[float], list[float]]:
    """Seconds of each detokeniser over `lines`, in alternating rounds (ours, peer, ours, ...).

    A shared machine slows down and speeds up from one second to the next; timing the two
    side by side, round after round, lets each ratio compare like with like.
    """
    ours_times, peer_times = [], []
    for _ in range(rounds):
        ours_times.append(seconds(ours_fn, lines))
        peer_times.append(seconds(peer_fn, lines))
    return ours_times, peer_times


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
    """The table; `repeat` rounds of each detokeniser over the test file, alternating."""
    lines = TEST_RAW.read_bytes().decode("utf-8").replace("\r\n", "\n").split("\n")
    size = sum(len(line.encode("utf-8")) + 1 for line in lines) / 1e6
    peer = moses()
    for line in lines:
        ours(line)  # warm the token-kind table, as a long run would
    out = [
        f"Input: {TEST_RAW.name} ({size:.1f} MB), {repeat} rounds of each detokeniser in turn; "
        "MB/s of the fastest round, ratio the median of the rounds' ratios.",
        "",
        "| detokeniser | MB/s | × Moses | exact on gold set |",
        "| --- | --- | --- | --- |",
    ]
    if peer:
        ours_times, peer_times = paired_rounds(ours, peer, lines, repeat)
        ratio = statistics.median(p / o for o, p in zip(ours_times, peer_times, strict=True))
        speed = size / min(ours_times)
        out.append(f"| ours (edits recorded) | {speed:.2f} | {ratio:.2f} | {exact_share(ours):.3f} |")
        out.append(
            f"| sacremoses MosesDetokenizer | {size / min(peer_times):.2f} | 1.00 | {exact_share(peer):.3f} |"
        )
    else:
        ours_speed = size / min(seconds(ours, lines) for _ in range(repeat))
        out.append(f"| ours (edits recorded) | {ours_speed:.2f} | n/a | {exact_share(ours):.3f} |")
        out.append("| sacremoses MosesDetokenizer | not installed | | |")
    share, n = round_trip_share([TEST_RAW, VALID_RAW])
    out += [
        "",
        f"Round trip detokenise → retokenise gives the raw paragraph back: {share:.3f} of {n} paragraphs.",
    ]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9, help="rounds of each detokeniser (default 9)")
    print(table(parser.parse_args().repeat))


if __name__ == "__main__":
    main()
