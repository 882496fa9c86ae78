"""Fuzzing the document stages: any text goes through, offsets stay inside, output is deterministic.

`make test` runs these with the default hypothesis profile; `make fuzz` with many more examples.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from pipeline.detokenise import detokenise_document
from pipeline.edits import apply_edits
from pipeline.enrich import enrich_document
from pipeline.schema import Document, to_row
from pipeline.segment import segment_document
from tests.conftest import DATA, ROOT, WT2_RAW

line = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=80)
wikitext_line = st.one_of(
    line,
    st.builds(lambda t: f" = {t} = ", line),
    st.builds(lambda t: f" = = {t} = = ", line),
    st.sampled_from([" @-@ ", " @,@ ", " @.@ ", ' " ', " ' ", " ( ", " ) ", " – ", " *x* ", "", " "]),
)


def document(lines: list[str], fmt: str) -> Document:
    return Document("d", "T", "f.txt", fmt, "train", "x", None, "en", "0", 1, max(1, len(lines)), lines=lines)


def all_stages(lines: list[str], fmt: str) -> Document:
    return enrich_document(segment_document(detokenise_document(document(lines, fmt))))


@given(st.lists(wikitext_line, max_size=25), st.sampled_from(["wikitext-raw", "wikitext-tokens", "plain"]))
def test_property_any_lines_go_through_every_stage(lines: list[str], fmt: str) -> None:
    doc = all_stages(lines, fmt)
    for block in doc.blocks:
        assert apply_edits(block.raw, block.edits) == block.text
    for s in doc.sentences:
        assert 0 <= s.start < s.end <= len(doc.text) and doc.text[s.start : s.end] == s.text
    for section in doc.sections:
        assert 0 <= section.start <= section.end <= len(doc.text)
    assert doc.n_sentences == len(doc.sentences) and doc.n_chars == len(doc.text)


@given(st.lists(wikitext_line, max_size=25))
def test_property_output_is_deterministic(lines: list[str]) -> None:
    assert to_row(all_stages(lines, "wikitext-raw")) == to_row(all_stages(list(lines), "wikitext-raw"))


@given(st.lists(st.from_regex(r"[A-Z][a-z]+( [a-z]+){2,8}\.", fullmatch=True), min_size=1, max_size=6))
def test_property_clean_text_is_left_alone(sentences: list[str]) -> None:
    lines = [" = Title = ", "", *sentences]
    doc = all_stages(lines, "wikitext-raw")
    assert [b.text for b in doc.blocks if b.kind == "paragraph"] == sentences


def test_ctrl_c_stops_cleanly_and_leaves_nothing_half_written(tmp_path: Path) -> None:
    processed = tmp_path / "processed"
    command = [sys.executable, "-m", "pipeline", "--processed", str(processed), "run", "--workers", "1"]
    inputs = [
        WT2_RAW / "wiki.valid.raw",
        DATA / "wikitext-2" / "wiki.train.tokens.partial",
    ]  # about 12 s of work
    command += ["--docs-per-shard", "20", *map(str, inputs)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    time.sleep(2.0)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "interrupted: stopped cleanly" in err
    assert not [p for p in processed.rglob("*") if p.name.startswith(".")], "temporary files left behind"
    rerun = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert (processed / "dataset").resolve().is_dir()


def test_no_unsafe_loading_in_the_package() -> None:
    """Data travels as Parquet and JSON; configuration is TOML; nothing is unpickled or evaluated."""
    import re

    unsafe = re.compile(r"\bpickle\b|\beval\(|\bexec\(|yaml\.load\(|shell=True|marshal\.loads")
    offenders = [
        f"{path.name}:{n}"
        for path in sorted((ROOT / "pipeline").glob("*.py"))
        for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if unsafe.search(text)
    ]
    assert offenders == []


def test_config_file_is_data_not_code(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pipeline.cli import main

    config = tmp_path / "evil.toml"
    config.write_text("processed = \"__import__('os').system('touch pwned')\"\n")
    result = CliRunner().invoke(main, ["--config", str(config), "segment"])
    assert result.exit_code == 1  # no such stage output under that odd folder name, and nothing ran
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()
