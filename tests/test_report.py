"""`corpus report`: a self-contained HTML page with the expected sections and plots."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from pipeline.cli import main
from pipeline.report import (
    STATS_COLUMNS,
    ReleaseStats,
    SourceStats,
    add_rows,
    batches,
    bins,
    quantile,
    release_stats,
    render_report,
    word_counts,
)
from tests.conftest import RAW, WT2_RAW, declared_counts

CHROMIUM = Path("/usr/bin/chromium")
SECTIONS = (
    "summary",
    "counts",
    "sentence-lengths",
    "document-lengths",
    "sentences-per-section",
    "repairs",
    "unk",
)
FIGURES = ("sentence_lengths", "document_lengths", "sentences_per_section", "repairs_by_rule")


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("report")
    raw = work / "raw"
    shutil.copytree(RAW, raw)
    args = ["-q", "--processed", str(work / "processed"), "run", str(raw), str(WT2_RAW / "wiki.valid.raw")]
    result = CliRunner().invoke(main, [*args, "--version", "2.0.0"])
    assert result.exit_code == 0, result.output
    return work / "processed"


@pytest.fixture(scope="module")
def page(processed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("page") / "report.html"
    result = CliRunner().invoke(main, ["--processed", str(processed), "report", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_report_has_every_section_and_plot(page: Path, processed: Path) -> None:
    text = page.read_text(encoding="utf-8")
    for anchor in SECTIONS:
        assert f'<section id="{anchor}">' in text
    assert text.count("<svg ") == 4
    assert "WikiText Corpus (clean) v2.0.0: report" in text
    sentences = declared_counts(processed / "releases" / "v2.0.0")["sentences"]
    assert f"<td>sentences</td><td>{sentences['train']}</td><td>{sentences['validation']:,}</td>" in text
    assert "<td>wiki.valid.raw</td><td>validation</td><td>60</td>" in text  # per source
    assert "<td>punct.close</td>" in text  # repairs by rule
    assert "&lt;unk&gt; per 1,000 words" in text


def test_report_needs_nothing_from_outside(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"<script|<link|<img|@import|url\(|src=", text)
    assert set(re.findall(r"https?://[^\s\"']+", text)) == {"http://www.w3.org/2000/svg"}  # namespace only


def test_report_numbers_match_the_release(processed: Path) -> None:
    stats = release_stats(processed / "releases" / "v2.0.0")
    counts = declared_counts(processed / "releases" / "v2.0.0")
    assert stats.counts == counts
    assert counts["documents"] == {"train": 2, "validation": 60}
    assert sum(stats.sentence_words.values()) == sum(counts["sentences"].values())
    assert sum(stats.section_sentences.values()) == sum(counts["sections"].values())
    assert sum(stats.document_words.values()) == 62
    assert stats.rules["punct.close"] > 0 and stats.unk == 0


def test_the_published_report_is_the_report_read_back_from_the_release(processed: Path, page: Path) -> None:
    """Publishing counts the rows as it writes them; `corpus report` reads them back: one page."""
    published = processed / "releases" / "v2.0.0" / "report.html"
    assert published.read_text(encoding="utf-8") == page.read_text(encoding="utf-8")


def test_statistics_do_not_depend_on_the_order_rows_come_in(processed: Path) -> None:
    release = processed / "releases" / "v2.0.0"
    read = list(batches(release, "documents", STATS_COLUMNS["documents"]))
    forward, backward = ReleaseStats("v"), ReleaseStats("v")
    for split, batch in read:
        for i in range(batch.num_rows):
            add_rows(forward, "documents", split, batch.slice(i, 1))
    for split, batch in reversed(read):
        for i in reversed(range(batch.num_rows)):
            add_rows(backward, "documents", split, batch.slice(i, 1))
    no_rows = pa.table({"text": pa.array([], pa.string())})
    add_rows(backward, "sentences", "train", no_rows)  # counts nothing, not a split with 0 sentences
    assert list(forward.rules) != list(backward.rules)  # gathered in another order...
    assert render_report(forward.finished()) == render_report(backward.finished())  # ...shown in one


def test_unk_rate_is_per_thousand_words() -> None:
    stats = ReleaseStats("v0", counts={"sentences": {"test": 3}})
    stats.sources = {"wiki.test.tokens": SourceStats("test", 1, 3, 2000, 5)}
    stats.sentence_words = Counter({10: 3})
    text = render_report(stats)
    assert "5 <code>&lt;unk&gt;</code> tokens in 2,000 words (2.50 per 1,000 words)" in text
    assert "<td>test</td><td>5</td><td>2.50</td>" in text


def test_the_release_carries_the_report_and_the_card_shows_the_figures(processed: Path) -> None:
    release = processed / "releases" / "v2.0.0"
    assert (release / "report.html").read_text(encoding="utf-8").count("<svg ") == 4
    card = (release / "README.md").read_text(encoding="utf-8")
    for name in FIGURES:
        assert (release / "figures" / f"{name}.svg").read_text(encoding="utf-8").startswith("<svg ")
        assert f"](figures/{name}.svg)" in card
    assert "| words per sentence (median / 90th pct) |" in card
    assert "| `<unk>` per 1,000 words | 0.00 |" in card


def test_bins_and_quantiles() -> None:
    values = Counter({1: 1, 2: 1, 3: 1, 4: 1, 100: 1})
    assert quantile(values, 0.5) == 3 and quantile(Counter(), 0.5) == 0
    assert bins(Counter({5: 2})) == [(5, 5, 2)]
    spread = bins(Counter(dict.fromkeys(range(1000), 1)), max_bins=10)
    assert len(spread) <= 10 and sum(n for _, _, n in spread) == 1000


@pytest.mark.skipif(
    not CHROMIUM.exists(), reason="headless screenshot needs /usr/bin/chromium (apt-get install chromium)"
)
def test_report_renders_in_a_headless_browser(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=800,2400",
        f"--screenshot={shot}",
    ]
    subprocess.run([str(CHROMIUM), *flags, page.as_uri()], capture_output=True, timeout=60, check=True)
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000  # a drawn page, not a blank one


@given(st.lists(st.text(alphabet=st.sampled_from("ab é\t\n\r\f\u00a0"), max_size=12), max_size=20))
def test_property_word_counts_match_python_split(texts: list[str]) -> None:
    """Arrow's count of whitespace-separated words agrees with `str.split` (ASCII whitespace)."""
    expected = [len([word for word in re.split(r"[ \t\n\r\f\v]+", t) if word]) for t in texts]
    assert word_counts(pa.array(texts, pa.string())).to_pylist() == expected
