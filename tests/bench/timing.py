"""Timing contenders on a shared machine: in rounds, every contender in turn.

A shared machine slows down and speeds up from one second to the next; timing the
contenders side by side, round after round, lets each ratio compare like with like (the
median of the rounds' ratios), where timing one contender's runs and then the next's does not.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping


def seconds(fn: Callable[[str], object], texts: list[str]) -> float:
    """Wall seconds of `fn` over every text."""
    started = time.perf_counter()
    for text in texts:
        fn(text)
    return time.perf_counter() - started


def timed_rounds(
    contenders: Mapping[str, Callable[[str], object]],
    texts: list[str],
    rounds: int,
    slow_seconds: float = float("inf"),
) -> dict[str, list[float]]:
    """Seconds of each contender over `texts`, round after round; one slower than `slow_seconds`
    in the first round is timed only once."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for round_ in range(rounds):
        for name, fn in contenders.items():
            if round_ and times[name][0] > slow_seconds:
                continue
            times[name].append(seconds(fn, texts))
    return times


def median_ratio(times: list[float], baseline: list[float]) -> float:
    """The median over rounds of `times` over `baseline` (rounds a contender skipped are left out)."""
    return statistics.median(t / b for t, b in zip(times, baseline, strict=False))
