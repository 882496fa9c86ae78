"""`make bench`: the pipeline on generated WikiText of growing size, and its parts beside peers.

    .venv/bin/python tests/bench/run.py [--mb 100] [--full] [--quick]

1. Generates WikiText inputs of 10 MB, --mb MB (100 by default) and, with --full or
   --mb >= 540, 540 MB (the size of WikiText-103) from the real files in ../shared/data,
   with varied titles so document ids stay unique (tests/bench/generate.py).
2. Runs every stage as its own process on each size and prints MB/s per stage and end to
   end, peak resident memory, and how time and memory grow with size; then the whole run
   at 1 and at 2 workers on the middle size.
3. Appends the detokeniser (beside sacremoses) and sentence splitter (beside pySBD,
   nupunkt, blingfire) tables.

The report goes to standard output and to processed/bench/report.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

CORPUS = [sys.executable, "-m", "pipeline", "-q"]
STAGES = ("ingest", "detokenise", "segment", "enrich", "validate", "publish")
TIMEOUT = 40 * 60
TARGETS = "targets: end to end >= 10 MB/s; peak memory < 1 GB at every size; 2 workers >= 1.7x 1 worker"


def run_measured(args: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MB) of the child, exit code."""
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _, status, usage = os.wait4(process.pid, 0)
    except KeyboardInterrupt:
        process.kill()
        raise
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss / 1024, code


def stage_args(stage: str, processed: Path, source: Path, workers: int) -> list[str]:
    args = [*CORPUS, "--processed", str(processed), stage]
    if stage == "ingest":
        args.append(str(source))
    if stage in ("detokenise", "segment", "enrich"):
        args += ["--workers", str(workers)]
    return args


def measure_stages(source: Path, work: Path, workers: int) -> dict[str, tuple[float, float, int]]:
    processed = work / f"processed-{source.stem}-w{workers}"
    shutil.rmtree(processed, ignore_errors=True)
    results = {stage: run_measured(stage_args(stage, processed, source, workers)) for stage in STAGES}
    shutil.rmtree(processed, ignore_errors=True)
    return results


def measure_run(source: Path, work: Path, workers: int) -> tuple[float, float, int]:
    processed = work / f"processed-run-w{workers}"
    shutil.rmtree(processed, ignore_errors=True)
    result = run_measured(
        [*CORPUS, "--processed", str(processed), "run", "--workers", str(workers), str(source)]
    )
    shutil.rmtree(processed, ignore_errors=True)
    return result


def stage_table(
    sizes: dict[float, Path], work: Path, workers: int
) -> tuple[str, dict[float, tuple[float, float]]]:
    lines = [
        f"Pipeline, each stage its own process, {workers} workers:",
        "",
        "| input MB | " + " | ".join(f"{s} MB/s" for s in STAGES) + " | end to end MB/s | peak RSS MB |",
        "| --- " * (len(STAGES) + 3) + "|",
    ]
    totals: dict[float, tuple[float, float]] = {}
    for mb, path in sizes.items():
        results = measure_stages(path, work, workers)
        seconds = sum(r[0] for r in results.values())
        peak = max(r[1] for r in results.values())
        failed = [s for s, r in results.items() if r[2] != 0]
        cells = [f"{mb / r[0]:.2f}" if r[2] == 0 else f"failed ({r[2]})" for r in results.values()]
        end_to_end = "failed: " + ", ".join(failed) if failed else f"{mb / seconds:.2f}"
        lines.append(f"| {mb:g} | " + " | ".join(cells) + f" | {end_to_end} | {peak:.0f} |")
        totals[mb] = (seconds, peak)
    return "\n".join(lines), totals


def growth_table(totals: dict[float, tuple[float, float]]) -> str:
    sizes = sorted(totals)
    lines = [
        "Growth against the smallest size:",
        "",
        "| input MB | size × | time × | memory × |",
        "| --- | --- | --- | --- |",
    ]
    base_mb, (base_s, base_mem) = sizes[0], totals[sizes[0]]
    for mb in sizes:
        seconds, mem = totals[mb]
        lines.append(f"| {mb:g} | {mb / base_mb:.1f} | {seconds / base_s:.1f} | {mem / base_mem:.2f} |")
    return "\n".join(lines)


def workers_table(path: Path, mb: float, work: Path) -> str:
    one = measure_run(path, work, 1)
    two = measure_run(path, work, 2)
    lines = [
        f"`corpus run` on {mb:g} MB:",
        "",
        "| workers | seconds | MB/s | peak RSS MB |",
        "| --- | --- | --- | --- |",
    ]
    for n, (seconds, peak, code) in ((1, one), (2, two)):
        lines.append(
            f"| {n} | {seconds:.1f} | {mb / seconds:.2f} | {peak:.0f} |"
            + ("" if code == 0 else f" failed ({code})")
        )
    lines.append(f"\n2 workers are {one[0] / two[0]:.2f}x as fast as 1.")
    return "\n".join(lines)


def peer_tables(quick: bool) -> str:
    import bench_detok
    import bench_sentences

    detok = bench_detok.table(repeat=1 if quick else 3)
    sentences = bench_sentences.table(mb=0.2 if quick else 2.0, runs=1 if quick else 3)
    return f"Detokeniser (wiki.test.raw):\n\n{detok}\n\nSentence splitter:\n\n{sentences}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=100)
    parser.add_argument("--full", action="store_true", help="also 540 MB (WikiText-103's size)")
    parser.add_argument("--quick", action="store_true", help="2 MB only, for a smoke test")
    options = parser.parse_args()
    work = ROOT / "processed" / "bench"
    work.mkdir(parents=True, exist_ok=True)
    wanted = (
        [2.0]
        if options.quick
        else sorted({10.0, options.mb} | ({540.0} if options.full or options.mb >= 540 else set()))
    )
    sizes = {mb: generate(work / f"wikitext-{mb:g}mb.raw", mb) for mb in wanted}
    stages, totals = stage_table(sizes, work, workers=os.cpu_count() or 1)
    middle = wanted[min(1, len(wanted) - 1)]
    parts = [
        f"# Benchmark ({os.cpu_count()} cores, Python {sys.version.split()[0]})",
        TARGETS,
        stages,
        growth_table(totals),
        workers_table(sizes[middle], middle, work),
        peer_tables(options.quick),
    ]
    report = "\n\n".join(parts) + "\n"
    (work / "report.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
