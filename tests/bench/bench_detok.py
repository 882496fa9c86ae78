"""Detokeniser benchmark: ours (with every edit recorded) beside sacremoses' Moses detokeniser.

Same input, same process, same run: the lines of WikiText-2 raw test (CRLF normalised), in
alternating rounds (tests/bench/timing.py). Prints a Markdown table with MB/s, the speed ratio,
exact match on the verified gold set and the share of real paragraphs that survive
detokenise → retokenise unchanged.

    .venv/bin/python tests/bench/bench_detok.py [--repeat ROUNDS]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from timing import median_ratio, seconds, timed_rounds

from pipeline.detok import detokenise, retokenise

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
TEST_RAW = DATA / "wikitext-2-raw" / "wiki.test.raw"
VALID_RAW = DATA / "wikitext-2-raw" / "wiki.valid.raw"
GOLD = DATA / "detok-gold" / "gold.jsonl"
LONG_MB = (0.5, 1.0, 2.0, 4.0)


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


def table(repeat: int = 9, long_mb: tuple[float, ...] = LONG_MB) -> str:
    """The table; `repeat` rounds of each detokeniser over the test file, alternating; then one
    paragraph of each length in `long_mb`."""
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
        times = timed_rounds({"ours": ours, "moses": peer}, lines, repeat)
        ours_times, peer_times = times["ours"], times["moses"]
        ratio = median_ratio(peer_times, ours_times)
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
        "",
        *long_paragraphs(lines, long_mb),
    ]
    return "\n".join(out)


def long_paragraphs(lines: list[str], sizes: tuple[float, ...]) -> list[str]:
    """Time against length for one paragraph of each size in MB (the file's paragraphs joined into
    one line), as it is and with a damaged marker (`@, @`), which sends it down the general path. Time
    must grow linearly: that path once looked up each edit's token in a scan of every token."""
    paragraphs = (line for line in lines if line.strip() and not line.lstrip().startswith("="))
    prose = " ".join(" ".join(paragraphs).split())  # single spaces: the general path only where damaged
    out = [
        "One paragraph of growing length (the test file's paragraphs joined into one line, single "
        "spaces): seconds, and time × against length × from the shortest (linear: about equal).",
        "",
        "| paragraph | " + " | ".join(f"{mb} MB" for mb in sizes) + " | time × / length × |",
        "| --- |" + " --- |" * (len(sizes) + 1),
    ]
    for name, damage in (("as it is", ""), ("with a damaged marker", " 1 @, @ 000 ")):
        times = []
        for mb in sizes:
            text = damage + prose[: int(mb * 1e6)]
            while len(text) < mb * 1e6:
                text += " " + prose[: int(mb * 1e6) - len(text)]
            times.append(min(seconds(ours, [text]) for _ in range(2)))
        growth = (times[-1] / times[0]) / (sizes[-1] / sizes[0])
        out.append(f"| {name} | " + " | ".join(f"{t:.2f} s" for t in times) + f" | {growth:.2f} |")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9, help="rounds of each detokeniser (default 9)")
    print(table(parser.parse_args().repeat))


if __name__ == "__main__":
    main()
