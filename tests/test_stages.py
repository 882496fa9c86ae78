"""Stages as a whole: byte-identical output for any worker count or engine, resume, crash safety."""

from __future__ import annotations

import contextlib
import copy
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.detokenise import DetokeniseSettings
from pipeline.ingest import Sidecar, ingest_file
from pipeline.schema import DOCUMENT_SCHEMA, Document
from pipeline.stages import (
    ENRICH,
    SEGMENT,
    SHARD_KEYS,
    STAGE_WRITES,
    Engine,
    RunSettings,
    apply_stage,
    detokenise_stage,
    layer_columns,
    run_all,
    run_detokenise,
    run_enrich,
    run_ingest,
    run_segment,
    run_validate,
    stage_documents,
    stage_tables,
)
from pipeline.storage import (
    MARKER,
    SHARD_GLOB,
    Layer,
    StageMismatch,
    documents_table,
    finished_shards,
    layered_tables,
    shard_bytes,
    shard_name,
    write_shard,
)
from tests.conftest import RAW, ROOT, WT2_RAW

INPUTS = [RAW, WT2_RAW / "wiki.valid.raw"]
PLAINTEXT = Path(__file__).parent / "data" / "plaintext"
SHARD = 8  # documents per shard: several shards from a small corpus


def run_stages(processed: Path, engine: Engine) -> list:
    return [
        run_ingest(INPUTS, processed, docs_per_shard=SHARD),
        run_detokenise(processed, DetokeniseSettings(), engine),
        run_segment(processed, engine),
        run_enrich(processed, engine),
    ]


def live_group_members(pgid: int) -> list[int]:
    """Processes of a process group that still run (zombies, already dead, do not count)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                alive.append(int(stat.parent.name))
    return alive


def stage_bytes(processed: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(processed)): p.read_bytes()
        for stage in ("ingest", "detokenise", "segment", "enrich")
        for p in sorted((processed / stage).glob(SHARD_GLOB))
    }


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    processed = tmp_path_factory.mktemp("one") / "processed"
    run_stages(processed, Engine(workers=1))
    return stage_bytes(processed)


def stage_inputs() -> list[Document]:
    """Documents of every kind a stage meets: the seeds, the plain-text fixtures, real WikiText."""
    files = [*sorted(RAW.glob("*.txt")), *sorted(PLAINTEXT.glob("*.txt")), WT2_RAW / "wiki.valid.raw"]
    return [doc for path in files for doc in ingest_file(path, Sidecar()).documents[:40]]


def test_each_stage_sets_only_the_fields_it_declares() -> None:
    """A stage's output keeps its input's columns for every field not in `writes`; a function that
    set another field would lose that change, so each must declare all it sets."""
    docs = stage_inputs()
    for stage in (detokenise_stage(RunSettings().detokenise()), SEGMENT, ENRICH):
        kept = [name for name in DOCUMENT_SCHEMA.names if name not in stage.writes]
        for doc in docs:
            before = {name: copy.deepcopy(doc[name]) for name in kept}
            stage.fn(doc)
            assert before == {name: doc[name] for name in kept}, (stage.target, doc.title)


def test_a_stage_table_is_the_conversion_of_the_fields_it_sets() -> None:
    docs = stage_inputs()
    for stage in (detokenise_stage(RunSettings().detokenise()), SEGMENT, ENRICH):
        docs, table = apply_stage(stage, docs)
        assert table.equals(documents_table(docs).select(stage.writes)), stage.target
        assert set(stage.writes) <= set(DOCUMENT_SCHEMA.names)


def test_each_column_is_read_from_the_last_stage_that_sets_it() -> None:
    stages = list(STAGE_WRITES)
    for end in range(1, len(stages) + 1):
        columns = [name for layer in layer_columns(stages[:end]) for name in layer]
        assert sorted(columns) == sorted(DOCUMENT_SCHEMA.names), stages[:end]
    assert layer_columns(stages)[-1] == ENRICH.writes
    assert "sections" not in layer_columns(stages)[2]  # segment's, set again by enrich


def test_stage_shards_hold_only_their_columns_and_read_back_whole(tmp_path: Path) -> None:
    """A map stage's shard holds the columns its stage sets; its documents read back (over the
    earlier stages' shards) are every column of what the stage functions make in memory."""
    processed = tmp_path / "processed"
    run_stages(processed, Engine(workers=2))
    docs = list(stage_documents(processed, "ingest"))
    for stage in (detokenise_stage(RunSettings().detokenise()), SEGMENT, ENRICH):
        for shard in (processed / stage.target).glob(SHARD_GLOB):
            assert pa.ipc.open_file(shard).schema.names == list(stage.writes), shard
        docs, _table = apply_stage(stage, docs)
        assert pa.concat_tables(stage_tables(processed, stage.target)).equals(documents_table(docs))


def test_a_stage_made_from_an_earlier_stage_run_since_is_an_error_to_read(tmp_path: Path) -> None:
    """Detokenise run again with other settings: segment's and enrich's shards were made from the
    old blocks, so reading them (or publishing) stops with what to run, never mixes the two runs."""
    processed = tmp_path / "processed"
    run_stages(processed, Engine())
    run_detokenise(processed, DetokeniseSettings(join_split_paragraphs=False))
    for stage in ("segment", "enrich"):
        with pytest.raises(
            StageMismatch, match=r"segment: not made from the detokenise output .* run segment"
        ):
            list(stage_tables(processed, stage))
    result = CliRunner().invoke(main, ["--processed", str(processed), "publish"])
    assert result.exit_code == 1 and "run segment again" in result.output, result.output
    run_segment(processed)
    with pytest.raises(StageMismatch, match=r"enrich: not made from the segment output .* run enrich"):
        run_validate(processed)
    run_enrich(processed)
    assert run_validate(processed).ok
    marker = json.loads((processed / "segment" / MARKER).read_text())
    for entry in marker["shards"]:
        del entry["input"]  # as an older version wrote it
    (processed / "segment" / MARKER).write_text(json.dumps(marker))
    with pytest.raises(StageMismatch, match=r"segment: written by an older version.*; run segment again"):
        run_enrich(processed)
    run_ingest([RAW], processed, docs_per_shard=SHARD)  # fewer shards: every later stage is stale
    with pytest.raises(StageMismatch, match=r"detokenise: not made from the ingest output"):
        list(stage_documents(processed, "detokenise"))


def test_shards_that_do_not_line_up_are_an_error_naming_them(tmp_path: Path) -> None:
    docs = documents_table(stage_inputs()[:10])
    write_shard([docs], tmp_path / "whole.arrow")
    write_shard([docs.slice(0, 4), docs.slice(4)], tmp_path / "split.arrow")
    write_shard([docs.slice(0, 9)], tmp_path / "short.arrow")
    title = ("title",)
    rest = tuple(name for name in DOCUMENT_SCHEMA.names if name != "title")
    in_memory = shard_bytes([docs.slice(0, 4), docs.slice(4)])[0].to_pybytes()
    layers = [Layer(tmp_path / "split.arrow", rest), Layer(in_memory, title)]
    assert pa.concat_tables(layered_tables(layers)).equals(docs)
    with pytest.raises(StageMismatch, match=r"split\.arrow: no column sentence_id"):
        list(layered_tables([Layer(tmp_path / "split.arrow", ("sentence_id",))]))
    for other, what in (("split", "batches"), ("short", "rows in batch 0")):
        layers = [Layer(tmp_path / "whole.arrow", rest), Layer(tmp_path / f"{other}.arrow", title)]
        with pytest.raises(StageMismatch, match=f"line up in {what}: .*whole.arrow .*{other}.arrow"):
            list(layered_tables(layers))


def test_output_is_byte_identical_for_any_worker_count(one_worker, tmp_path: Path) -> None:
    results = run_stages(tmp_path / "processed", Engine(workers=2))
    assert results[1].shards > 2
    assert stage_bytes(tmp_path / "processed") == one_worker


def test_output_is_identical_across_runs(one_worker, tmp_path: Path) -> None:
    run_stages(tmp_path / "processed", Engine(workers=1))
    assert stage_bytes(tmp_path / "processed") == one_worker


def test_second_run_does_no_work(tmp_path: Path) -> None:
    processed = tmp_path / "processed"
    first = run_stages(processed, Engine(workers=2))
    assert not any(r.up_to_date for r in first)
    second = run_stages(processed, Engine(workers=2))
    assert all(r.up_to_date for r in second)


def test_changed_setting_or_input_invalidates(tmp_path: Path) -> None:
    processed = tmp_path / "processed"
    run_stages(processed, Engine())
    redone = run_detokenise(processed, DetokeniseSettings(join_split_paragraphs=False), Engine())
    assert redone.skipped == 0
    raw = tmp_path / "raw"
    raw.mkdir()
    seed = raw / "000.txt"
    seed.write_text((RAW / "000_9effd60b1a05fa4f.txt").read_text())
    run_ingest([raw], processed)
    assert run_detokenise(processed, DetokeniseSettings()).skipped == 0
    seed.write_text(seed.read_text().replace("Nanking", "Nanjing"))
    assert not run_ingest([raw], processed).up_to_date


@pytest.mark.parametrize("workers", [1, 2])
def test_streamed_run_writes_what_stages_one_by_one_write(one_worker, tmp_path: Path, workers: int) -> None:
    """`run_all` streams shards through the map stages while ingest goes on: same bytes in every
    stage folder, each stage re-runnable alone and up to date, and a second run does no work."""
    processed = tmp_path / "processed"
    settings = RunSettings(docs_per_shard=SHARD)
    first = run_all(INPUTS, processed, settings, engine=Engine(workers=workers))
    assert not any(r.up_to_date for r in first.stages) and first.published.report.ok
    assert first.published.report.counts == run_validate(processed).counts
    assert stage_bytes(processed) == one_worker
    assert run_segment(processed).up_to_date and run_enrich(processed).up_to_date
    assert run_all(INPUTS, processed, settings, engine=Engine(workers=workers)).up_to_date


def test_streamed_run_shows_progress_a_document_at_a_time(tmp_path: Path) -> None:
    seen: dict[str, int] = {}

    def progress(items, label, _total):
        for item in items:
            seen[label] = seen.get(label, 0) + 1
            yield item

    settings = RunSettings(docs_per_shard=SHARD)
    summary = run_all(INPUTS, tmp_path, settings, engine=Engine(workers=2), progress=progress)
    assert seen["detokenise → segment → enrich"] == summary.ingest.documents > SHARD


def test_streamed_run_redoes_only_the_stages_after_a_change(tmp_path: Path) -> None:
    processed = tmp_path / "processed"
    run_all(INPUTS, processed, RunSettings(docs_per_shard=SHARD), engine=Engine(workers=2))
    (processed / "segment" / shard_name(1)).unlink()  # one shard of one stage lost
    again = run_all(INPUTS, processed, RunSettings(docs_per_shard=SHARD), engine=Engine(workers=2))
    assert [(r.stage, r.shards - r.skipped) for r in again.stages] == [
        ("ingest", 0),
        ("detokenise", 0),
        ("segment", 1),
        ("enrich", 1),
    ]
    changed = RunSettings(docs_per_shard=SHARD, disabled_rules=("dash.em",), version="0.2.0")
    redone = run_all(INPUTS, processed, changed, engine=Engine(workers=2))
    assert [r.skipped for r in redone.stages[1:]] == [0, 0, 0]


def test_reader_refuses_an_unfinished_stage(tmp_path: Path) -> None:
    processed = tmp_path / "processed"
    run_stages(processed, Engine())
    (processed / "segment" / MARKER).unlink()
    with pytest.raises(FileNotFoundError, match="did not finish"):
        run_enrich(processed)


def test_shard_journal_skips_a_line_cut_short_and_keeps_a_line_a_shard(tmp_path: Path) -> None:
    processed = tmp_path / "processed"
    run_stages(processed, Engine())
    journal = processed / "segment" / SHARD_KEYS
    lines = journal.read_text().splitlines()
    assert len(lines) == len(finished_shards(processed / "segment")) > 2
    journal.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:40])  # killed while appending
    again = run_segment(processed)
    assert (again.shards, again.shards - again.skipped) == (len(lines), 1)  # only that shard redone
    assert journal.read_text().splitlines() == lines
    assert run_segment(processed).up_to_date


def test_killed_run_then_rerun_is_byte_identical(one_worker, tmp_path: Path) -> None:
    """SIGKILL the pipeline at several points; each re-run completes to the same bytes."""
    processed = tmp_path / "processed"
    command = [sys.executable, "-m", "pipeline", "-q", "--processed", str(processed), "run", "--workers", "2"]
    command += ["--docs-per-shard", str(SHARD), *map(str, INPUTS)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for delay in (0.5, 1.2, 2.0):
        process = subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)  # the run itself; its workers follow it (die_with_parent)
        process.wait()
        time.sleep(0.5)
        survivors = live_group_members(process.pid)
        for pid in survivors:
            os.kill(pid, signal.SIGKILL)
        assert not survivors, "a worker of the killed run was still alive"
    finished = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert stage_bytes(processed) == one_worker
    assert not list(processed.glob("**/.documents-*")), "temporary files left behind"


def wait_for(condition, process: subprocess.Popen, timeout: float = 60.0) -> bool:
    """Poll until `condition()` holds (True) or the process has ended (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.005)
    raise TimeoutError("the run neither reached the point nor ended")


def shards(processed: Path, stage: str) -> set[tuple[str, int]]:
    return {(p.name, p.stat().st_mtime_ns) for p in (processed / stage).glob(SHARD_GLOB)}


def shard_written(processed: Path, stage: str, before: set[tuple[str, int]]) -> bool:
    """A shard of `stage` that this run wrote (not one an earlier, interrupted run left)."""
    try:
        return bool(shards(processed, stage) - before)
    except FileNotFoundError:  # replaced meanwhile
        return False


# Points at which Ctrl-C comes: while ingest writes its folder, and while each map stage works
# (streamed, the stages overlap: each point is the first shard of the stage this run writes).
CTRL_C_POINTS = {
    "ingest": lambda p, _before: any(p.glob(".ingest.*")) or (p / "ingest").exists(),
    "detokenise": lambda p, before: shard_written(p, "detokenise", before),
    "segment": lambda p, before: shard_written(p, "segment", before),
    "enrich": lambda p, before: shard_written(p, "enrich", before),
}


def test_ctrl_c_stops_cleanly_and_the_rerun_is_byte_identical(one_worker, tmp_path: Path) -> None:
    """SIGINT to the run's process group (as a terminal's Ctrl-C sends it) in each stage: exit 130 with
    a message, no temporary file left, no worker left; the re-run completes to the same bytes."""
    processed = tmp_path / "processed"
    command = [sys.executable, "-m", "pipeline", "--processed", str(processed), "run", "--workers", "2"]
    command += ["--docs-per-shard", str(SHARD), *map(str, INPUTS)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    interrupted = []
    for stage, reached in CTRL_C_POINTS.items():
        before = shards(processed, stage) if (processed / stage).exists() else set()
        process = subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        if wait_for(lambda reached=reached, before=before: reached(processed, before), process):
            os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=120)
        if process.returncode == 0:  # it finished first: nothing was interrupted
            continue
        interrupted.append(stage)
        assert process.returncode == 130, (stage, err)
        assert "interrupted: stopped cleanly" in err and "Traceback" not in err, err
        assert not live_group_members(process.pid), "a worker outlived the interrupted run"
        leftovers = [p for p in processed.rglob("*") if p.name.startswith(".")]
        assert not leftovers, f"temporary files left after Ctrl-C in {stage}: {leftovers}"
    assert interrupted, "every run finished before Ctrl-C came"
    finished = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert stage_bytes(processed) == one_worker
    assert (processed / "dataset").resolve().is_dir()


def test_a_failed_publish_leaves_no_partial_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A release that fails validation, or a crash (disk full) while one is written, leaves no
    version folder, no temporary folder and the pointer where it was; publishing again works."""
    from click.testing import CliRunner

    from pipeline import publish
    from pipeline.cli import main

    processed = tmp_path / "processed"
    run = ["--processed", str(processed), "run", "--workers", "1", str(RAW)]
    assert CliRunner().invoke(main, run).exit_code == 0
    releases = processed / "releases"
    before = sorted(p.name for p in releases.iterdir())
    pointer = (processed / "dataset").resolve()

    def failing_validation(root: Path, checked):
        report = real_validate(root, checked)
        report.checks[0].fail("made to fail by the test")
        return report

    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    real_validate = publish.validate_release_files
    for name, replacement, message in (
        ("validate_release_files", failing_validation, "failed validation; nothing published"),
        ("render_card", disk_full, None),
    ):
        with monkeypatch.context() as patch:
            patch.setattr(publish, name, replacement)
            result = CliRunner().invoke(main, [*run, "--version", "0.2.0"])
        assert result.exit_code != 0
        if message is not None:
            assert message in result.output
        else:
            assert isinstance(result.exception, OSError)
        assert sorted(p.name for p in releases.iterdir()) == before  # no v0.2.0, no temporary folder
        assert (processed / "dataset").resolve() == pointer
    assert CliRunner().invoke(main, [*run, "--version", "0.2.0"]).exit_code == 0
    assert (processed / "dataset").resolve() == releases / "v0.2.0"


@pytest.mark.ray
def test_ray_engine_output_matches_local(one_worker, tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="the Ray engine is an optional extra: pip install .[ray]")
    import ray

    try:
        run_stages(tmp_path / "processed", Engine("ray"))
    finally:
        ray.shutdown()
    assert stage_bytes(tmp_path / "processed") == one_worker
