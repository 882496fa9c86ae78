"""`make bench` runs end to end (smoke test at 2 MB; the figures come from `make bench`, not from here)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_bench_quick_prints_every_table() -> None:
    result = subprocess.run(
        [sys.executable, "tests/bench/run.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for heading in (
        "Pipeline, each stage its own process",
        "Growth against",
        "`corpus run` on 2 MB",
        "Detokeniser",
        "Sentence splitter",
    ):
        assert heading in out
    assert "| sacremoses MosesDetokenizer |" in out
    assert "| ours (pipeline.sentences) | 1.000 |" in out
    assert "failed" not in out
    assert (ROOT / "processed" / "bench" / "report.md").exists()
