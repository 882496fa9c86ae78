"""The `corpus` command as a user meets it: help, config files, stages one by one, bad input."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from pipeline.cli import main
from tests.conftest import ROOT, WT2_RAW


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_help_lists_every_stage_and_is_fast() -> None:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "pipeline", "--help"], capture_output=True, text=True, cwd=ROOT, check=True
    )
    elapsed = time.perf_counter() - started
    for command in ("ingest", "detokenise", "segment", "enrich", "validate", "publish", "run", "explain"):
        assert command in out.stdout
    imported = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, pipeline.cli; print('datasets' in sys.modules, 'pyarrow' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert imported.stdout.split() == ["False", "False"], "--help must not import heavy libraries"
    assert elapsed < 30  # generous: a sanity bound, not a benchmark


def test_every_command_has_help() -> None:
    for command in (
        "ingest",
        "detokenise",
        "segment",
        "enrich",
        "validate",
        "publish",
        "run",
        "explain",
        "split-sentences",
    ):
        result = invoke(command, "--help")
        assert result.exit_code == 0
        assert "Usage:" in result.output


def test_shard_option_help_gives_the_defaults_in_use() -> None:
    """The help names the shard limits without importing the module that holds them (pyarrow)."""
    from pipeline.storage import BYTES_PER_SHARD, DOCS_PER_SHARD

    for command in ("ingest", "run"):
        text = " ".join(invoke(command, "--help").output.split())
        assert f"ends at {BYTES_PER_SHARD >> 20} MiB of text" in text, text
        assert f"[default: {DOCS_PER_SHARD}]" in text, text


def test_stages_run_one_by_one_and_can_be_rerun(raw_copy: Path, tmp_path: Path) -> None:
    processed = str(tmp_path / "processed")
    for args in (
        ["ingest", str(raw_copy)],
        ["detokenise"],
        ["segment"],
        ["enrich"],
        ["validate"],
        ["publish"],
    ):
        result = invoke("-q", "--processed", processed, *args)
        assert result.exit_code == 0, (args, result.output)
    result = invoke("-q", "--processed", processed, "segment")
    assert result.exit_code == 0
    assert (tmp_path / "processed" / "dataset").resolve().name == "v0.1.0"


def test_stage_without_its_input_says_what_to_run(tmp_path: Path) -> None:
    result = invoke("--processed", str(tmp_path / "nothing"), "segment")
    assert result.exit_code == 1
    assert "run the previous stage first" in result.output


def test_config_file_sets_options_and_flags_win(raw_copy: Path, tmp_path: Path) -> None:
    config = tmp_path / "corpus.toml"
    config.write_text(
        f'processed = "{tmp_path / "from-config"}"\n[publish]\nversion = "2.0.0"\n[run]\nversion = "2.0.0"\n'
    )
    result = invoke("--config", str(config), "-q", "run", str(raw_copy))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "from-config" / "releases" / "v2.0.0").is_dir()
    result = invoke("--config", str(config), "-q", "run", "--version", "2.1.0", str(raw_copy))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "from-config" / "releases" / "v2.1.0").is_dir()


def test_bad_files_are_named_and_the_rest_goes_through(raw_copy: Path, tmp_path: Path) -> None:
    (raw_copy / "empty.txt").write_bytes(b"")
    (raw_copy / "blob.bin").write_bytes(bytes(range(256)) * 10)
    good = (WT2_RAW / "wiki.valid.raw").read_bytes().split(b"\n")
    good[5] = b"\xc3\x28 broken" + good[5]
    (raw_copy / "wiki.valid.raw").write_bytes(b"\n".join(good))
    processed = tmp_path / "processed"
    result = CliRunner().invoke(main, ["--processed", str(processed), "run", str(raw_copy)])
    assert result.exit_code == 0, result.output
    assert "empty.txt: lines 0-0 quarantined: empty file" in result.output
    assert "blob.bin" in result.output and "binary" in result.output
    assert "wiki.valid.raw: lines 6-6 quarantined: invalid UTF-8" in result.output
    validated = invoke("validate", str((processed / "dataset").resolve()))
    assert validated.exit_code == 0, validated.output
    assert "quarantined: 3" in validated.output


def test_explain_shows_rules_for_a_line(raw_copy: Path, tmp_path: Path) -> None:
    processed = str(tmp_path / "processed")
    assert invoke("-q", "--processed", processed, "run", str(raw_copy)).exit_code == 0
    result = invoke("--processed", processed, "explain", "raw/000_9effd60b1a05fa4f.txt", "--line", "87")
    assert result.exit_code == 0, result.output
    assert "heading.repair" in result.output
    assert "Collapse of the Nanking Garrison Force" in result.output
    result = invoke("--processed", processed, "explain", "000_9effd60b1a05fa4f.txt", "--line", "5")
    assert "Sino-Japanese" in result.output
    missing = invoke("--processed", processed, "explain", "000_9effd60b1a05fa4f.txt", "--line", "99999")
    assert missing.exit_code == 1
    assert "in no document" in missing.output
