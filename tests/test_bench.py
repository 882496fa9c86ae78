"""`make bench` runs end to end and prints every table (a smoke test at 1 and 2 MB).

No timing or memory assertions: the figures come from `make bench` on a quiet machine.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

STAGES = ("ingest", "detokenise", "segment", "enrich", "validate", "publish")
# A measured cell, or the harness's word for a process that did not finish.
THROUGHPUT = re.compile(r"\d+\.\d\d MB/s \(\d+\.\d s\)|failed \(exit -?\d+\)|timeout \(.*\)|skipped \(.*\)")
MEMORY = re.compile(r"\d+ / \d+(, (failed|timeout) .*)?|skipped \(.*\)")


def section(report: str, heading: str) -> str:
    """The text of one `## heading` section of the report."""
    start = report.index("## " + heading)
    end = report.find("\n## ", start + 1)
    return report[start : end if end != -1 else len(report)]


def rows(text: str) -> dict[str, list[str]]:
    """Table rows by their first cell."""
    out = {}
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("| ---"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            out[cells[0]] = cells[1:]
    return out


def run_quick(out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "tests/bench/run.py", "--quick", "--rounds", "2", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_bench_quick_prints_every_table(tmp_path: Path) -> None:
    result = run_quick(tmp_path)
    assert result.returncode == 0, result.stderr
    report = result.stdout
    assert (tmp_path / "report.md").read_text(encoding="utf-8") == report

    targets = section(report, "Targets")
    assert "| end to end ≥ 10 MB/s | 1 MB |" in targets
    assert "| end to end ≥ 10 MB/s | 2 MB |" in targets
    assert "| peak memory < 1024 MB | 2 MB |" in targets
    assert "| 2 workers ≥ 1.7× 1 worker | 2 MB |" in targets

    throughput = rows(section(report, "Throughput per stage"))
    memory = rows(section(report, "Peak memory per stage"))
    assert throughput["stage"] == memory["stage"] == ["1 MB", "2 MB"]
    for stage in STAGES:
        assert all(THROUGHPUT.fullmatch(cell) for cell in throughput[stage]), (stage, throughput[stage])
        assert all(MEMORY.fullmatch(cell) for cell in memory[stage]), (stage, memory[stage])
    assert "**end to end** (sum of stages)" in throughput
    assert "**peak of all stages**" in memory

    growth = rows(section(report, "Growth with size"))
    assert set(STAGES) | {"**end to end**"} <= set(growth)

    workers = section(report, "`corpus run` end to end on 2 MB at 1 and 2 workers")
    if "lists no `--workers` option" not in workers:
        assert {"1 (local engine)", "2 (local engine)"} <= set(rows(workers))
        assert "In turns, 1 worker then 2, for 2 round(s)" in workers
        assert re.search(
            r"Speed-up of 2 workers over 1: \*\*\d+\.\d\d×\*\* .* ratios: \d+\.\d\d, \d+\.\d\d\.", workers
        )
        assert re.search(
            r"\| 2 workers ≥ 1\.7× 1 worker \| 2 MB \| \d+\.\d\d× \(median of 2 rounds\) \|", targets
        )
        reference = rows(workers)["reference: pool over pyarrow, simple detokenisation (2)"]
        assert THROUGHPUT.fullmatch(reference[0]), reference
        assert re.search(
            r"\| `corpus run` \(2 workers\) ≥ 0\.43 × the reference \| 2 MB \| \d+\.\d\d× ", targets
        )
        ceiling = rows(workers)["ceiling: `corpus run`, the text rules doing no work (2)"]
        assert re.fullmatch(r"\d+\.\d\d MB/s \(\d+\.\d s\)", ceiling[0]), ceiling  # it finished

        short = rows(section(report, "Short articles: `corpus run` on 2 MB of article leads"))
        assert len(short) == 3, short  # the header and two inputs
        for cells in list(short.values())[1:]:
            assert re.fullmatch(r"[\d,]+ \(\d+\.\d KB each\)", cells[0]), cells
            assert re.fullmatch(r"\d+\.\d\d MB/s \(\d+\.\d s\)", cells[1]) and re.fullmatch(
                r"[\d,]+", cells[2]
            )

    for heading in ("Detokeniser beside sacremoses", "Sentence splitter beside its peers"):
        peer = section(report, heading)
        assert "| --- |" in peer or "not available yet" in peer, peer
    long = rows(section(report, "Detokeniser beside sacremoses").split("One paragraph of growing length")[1])
    assert all(re.fullmatch(r"\d+\.\d\d s", cell) for cell in long["with a damaged marker"][:2]), long

    # The pipeline itself works at 1 and 2 MB: every stage and both worker counts finished.
    measured = [cell for stage in STAGES for cell in throughput[stage]]
    measured += [cells[0] for name, cells in rows(workers).items() if name.endswith("(local engine)")]
    assert all(re.fullmatch(r"\d+\.\d\d MB/s \(\d+\.\d s\)", cell) for cell in measured), measured


def test_reference_detokenises_like_the_harnesses() -> None:
    """The reference does the harnesses' simple replacements (and so is a fair yardstick for speed)."""
    sys.path.insert(0, str(ROOT / "tests" / "bench"))
    from bench_reference import simple_detokenise

    raw = ' = = Career = = \n In 1 @,@ 000 years , the well @-@ known ( " red " ) soldiers \' 2 @.@ 5 % . \n'
    clean = ' == Career ==\nIn 1,000 years, the well-known ("red") soldiers\' 2.5 %.\n'
    assert simple_detokenise(raw) == clean
