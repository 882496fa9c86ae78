"""Report: a self-contained HTML page (inline SVG plots, no external assets) about a release.

It shows what a user of the corpus asks first: how many rows per split and source, how
long sentences and documents are, how sentences spread over sections, how much each
cleaning rule changed, and how often `<unk>` remains. Publishing gathers the figures from
the rows as it writes them; `corpus report` reads them from a release's Parquet shards, a few
columns at a time, so it works on any release folder. Both give the same page.
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.diff import release_label
from pipeline.tables import CONFIGS, config_shards, shard_split

WIDTH, HEIGHT = 640, 220
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 56, 40, 12
BAR_COLOUR = "#3b6ea5"
MAX_BINS = 40
TOP_RULES = 20
FIGURES = {
    "sentence_lengths": ("Sentence length", "words per sentence"),
    "document_lengths": ("Document length", "words per document"),
    "sentences_per_section": ("Sentences per section", "sentences"),
}


@dataclass
class SourceStats:
    split: str = ""
    documents: int = 0
    sentences: int = 0
    words: int = 0
    unk: int = 0


@dataclass
class ReleaseStats:
    """What the report and the card show, gathered in one pass over the shards."""

    label: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    sources: dict[str, SourceStats] = field(default_factory=dict)
    sentence_words: Counter[int] = field(default_factory=Counter)
    document_words: Counter[int] = field(default_factory=Counter)
    section_sentences: Counter[int] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)

    def finished(self) -> ReleaseStats:
        """The counts in a fixed order (config, then split), whatever order the rows came in."""
        counts = self.counts
        self.counts = {config: dict(sorted(counts[config].items())) for config in CONFIGS if config in counts}
        return self

    @property
    def words(self) -> int:
        return sum(s.words for s in self.sources.values())

    @property
    def unk(self) -> int:
        return sum(s.unk for s in self.sources.values())

    @property
    def unk_rate(self) -> float:
        return self.unk / self.words if self.words else 0.0


# ----------------------------------------------------------------- reading
#
# The same adders take a release's rows as `publish` writes them (a config's table of one split)
# or as read back from a release folder (its Parquet shards, a few columns at a time).

TableLike = pa.Table | pa.RecordBatch


def add_documents(stats: ReleaseStats, split: str, rows: TableLike) -> None:
    stats.counts.setdefault("documents", Counter())[split] += rows.num_rows
    for row in rows.select(STATS_COLUMNS["documents"]).to_pylist():
        source = stats.sources.setdefault(row["source_file"], SourceStats(split))
        source.documents += 1
        source.sentences += row["n_sentences"]
        source.words += row["n_words"]
        source.unk += row["unk_count"]
        stats.document_words[row["n_words"]] += 1
        stats.rules.update({rc["rule"]: rc["count"] for rc in row["rule_counts"]})


def add_sections(stats: ReleaseStats, split: str, rows: TableLike) -> None:
    stats.counts.setdefault("sections", Counter())[split] += rows.num_rows
    stats.section_sentences.update(rows.column("n_sentences").to_pylist())


def add_sentences(stats: ReleaseStats, split: str, rows: TableLike) -> None:
    stats.counts.setdefault("sentences", Counter())[split] += rows.num_rows
    stats.sentence_words.update(word_counts(rows.column("text")).to_pylist())


STATS_COLUMNS = {
    "documents": ["source_file", "n_words", "n_sentences", "unk_count", "rule_counts"],
    "sections": ["n_sentences"],
    "sentences": ["text"],
}
ADD_ROWS = {"documents": add_documents, "sections": add_sections, "sentences": add_sentences}


def add_rows(stats: ReleaseStats, config: str, split: str, rows: TableLike) -> None:
    """Count a config's rows of one split into `stats` (no rows: nothing, as no shard is read)."""
    if rows.num_rows:
        ADD_ROWS[config](stats, split, rows)


def word_counts(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Whitespace-separated words in each string, as `len(text.split())` counts them (for ASCII
    whitespace); Arrow's split kernel is twice as fast as counting matches of a regex."""
    trimmed = pc.ascii_trim_whitespace(texts)
    pieces = pc.list_value_length(pc.ascii_split_whitespace(trimmed))
    return pc.if_else(pc.equal(trimmed, ""), 0, pieces)


def batches(root: Path, config: str, columns: list[str]) -> Iterator[tuple[str, pa.RecordBatch]]:
    """(split, batch) for every shard of a config; the split is the shard name's prefix."""
    for shard in config_shards(root, config):
        for batch in pq.ParquetFile(shard).iter_batches(columns=columns, batch_size=8192):
            yield shard_split(shard), batch


def release_stats(root: Path, label: str | None = None) -> ReleaseStats:
    """The statistics of a release folder, read from its shards."""
    stats = ReleaseStats(label or release_label(root))
    for config, columns in STATS_COLUMNS.items():
        for split, batch in batches(root, config, columns):
            add_rows(stats, config, split, batch)
    return stats.finished()


# ----------------------------------------------------------------- numbers


def quantile(values: Counter[int], q: float) -> int:
    """The q-quantile of a histogram given as value → count."""
    total = sum(values.values())
    if not total:
        return 0
    target, seen = q * (total - 1), 0
    for value in sorted(values):
        seen += values[value]
        if seen > target:
            return value
    return max(values)


def mean(values: Counter[int]) -> float:
    total = sum(values.values())
    return sum(v * n for v, n in values.items()) / total if total else 0.0


def ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    """Most first, ties by name: the same order whatever order the counts were gathered in."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def bins(values: Counter[int], max_bins: int = MAX_BINS) -> list[tuple[int, int, int]]:
    """(low, high, count) bins of integer width up to the 99th percentile; the rest in the last bin."""
    if not values:
        return []
    low, high = min(values), max(quantile(values, 0.99), min(values))
    width = max(1, -(-(high - low + 1) // max_bins))
    counts: Counter[int] = Counter()
    for value, n in values.items():
        counts[min((value - low) // width, (high - low) // width)] += n
    last = (high - low) // width
    return [(low + i * width, low + (i + 1) * width - 1, counts[i]) for i in range(last + 1)]


# ----------------------------------------------------------------- SVG


def svg_histogram(values: Counter[int], title: str, xlabel: str) -> str:
    """A bar chart of `bins(values)` as an inline SVG element."""
    data = bins(values)
    plot_w, plot_h = WIDTH - MARGIN_LEFT - 12, HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    top = max((n for _, _, n in data), default=0) or 1
    bar_w = plot_w / max(1, len(data))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{html.escape(title)}" '
        'font-family="sans-serif" font-size="11">',
        f"<title>{html.escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
    ]
    for i, (lo, hi, n) in enumerate(data):
        h = plot_h * n / top
        x, y = MARGIN_LEFT + i * bar_w, MARGIN_TOP + plot_h - h
        label = f"{lo}" if lo == hi else f"{lo}–{hi}"
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar_w - 1, 0.5):.1f}" height="{h:.1f}" '
            f'fill="{BAR_COLOUR}"><title>{label}: {n:,}</title></rect>'
        )
    base = MARGIN_TOP + plot_h
    parts.append(f'<line x1="{MARGIN_LEFT}" y1="{base}" x2="{WIDTH - 12}" y2="{base}" stroke="#333"/>')
    parts.append(f'<line x1="{MARGIN_LEFT}" y1="{MARGIN_TOP}" x2="{MARGIN_LEFT}" y2="{base}" stroke="#333"/>')
    parts.append(f'<text x="{MARGIN_LEFT - 4}" y="{MARGIN_TOP + 8}" text-anchor="end">{top:,}</text>')
    parts.append(f'<text x="{MARGIN_LEFT - 4}" y="{base}" text-anchor="end">0</text>')
    for i in range(0, len(data), max(1, len(data) // 8)):
        x = MARGIN_LEFT + i * bar_w + bar_w / 2
        parts.append(f'<text x="{x:.1f}" y="{base + 14}" text-anchor="middle">{data[i][0]}</text>')
    parts.append(
        f'<text x="{MARGIN_LEFT + plot_w / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle">'
        f"{html.escape(xlabel)} (last bar: ≥ {data[-1][0] if data else 0})</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts)


def svg_bars(counts: Counter[str], title: str) -> str:
    """Horizontal bars, largest first (the rules that changed the most text)."""
    items = ranked(counts)[:TOP_RULES]
    row_h, label_w = 18, 200
    height = MARGIN_TOP + row_h * max(1, len(items)) + 8
    top = max((n for _, n in items), default=0) or 1
    plot_w = WIDTH - label_w - 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{html.escape(title)}" '
        'font-family="sans-serif" font-size="11">',
        f"<title>{html.escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
    ]
    for i, (rule, n) in enumerate(items):
        y = MARGIN_TOP + i * row_h
        w = plot_w * n / top
        parts.append(f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end">{html.escape(rule)}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row_h - 4}" fill="{BAR_COLOUR}"/>'
        )
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 12}">{n:,}</text>')
    if not items:
        parts.append(f'<text x="{label_w}" y="{MARGIN_TOP + 12}">no changes recorded</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def figures(stats: ReleaseStats) -> dict[str, str]:
    """The plots as standalone SVG documents, by file stem (the card links them)."""
    data = {
        "sentence_lengths": stats.sentence_words,
        "document_lengths": stats.document_words,
        "sentences_per_section": stats.section_sentences,
    }
    svgs = {name: svg_histogram(data[name], *FIGURES[name]) for name in FIGURES}
    svgs["repairs_by_rule"] = svg_bars(stats.rules, "Changes by cleaning rule")
    return svgs


# ----------------------------------------------------------------- HTML


def key_figures(stats: ReleaseStats) -> list[tuple[str, str]]:
    """The headline numbers (also shown in the card)."""
    n_docs = sum(stats.counts.get("documents", {}).values())
    n_sents = sum(stats.counts.get("sentences", {}).values())
    return [
        ("documents", f"{n_docs:,}"),
        ("sentences", f"{n_sents:,}"),
        ("words", f"{stats.words:,}"),
        (
            "words per sentence (median / 90th pct)",
            f"{quantile(stats.sentence_words, 0.5)} / {quantile(stats.sentence_words, 0.9)}",
        ),
        ("words per document (median)", f"{quantile(stats.document_words, 0.5):,}"),
        ("sentences per section (mean)", f"{mean(stats.section_sentences):.1f}"),
        ("changes made by cleaning rules", f"{sum(stats.rules.values()):,}"),
        ("<unk> per 1,000 words", f"{1000 * stats.unk_rate:.2f}"),
    ]


def html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def counts_table(stats: ReleaseStats) -> str:
    splits = sorted({s for by in stats.counts.values() for s in by})
    rows = [[config, *(f"{by.get(s, 0):,}" for s in splits)] for config, by in stats.counts.items()]
    return html_table(["config", *splits], rows)


def sources_table(stats: ReleaseStats) -> str:
    rows = [
        [
            name,
            s.split,
            f"{s.documents:,}",
            f"{s.sentences:,}",
            f"{s.words:,}",
            f"{s.unk:,}",
            f"{1000 * s.unk / s.words:.2f}" if s.words else "0.00",
        ]
        for name, s in sorted(stats.sources.items())
    ]
    return html_table(["source", "split", "documents", "sentences", "words", "<unk>", "<unk>/1k words"], rows)


def unk_by_split(stats: ReleaseStats) -> list[list[str]]:
    by: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for s in stats.sources.values():
        by[s.split][0] += s.unk
        by[s.split][1] += s.words
    return [
        [split, f"{unk:,}", f"{1000 * unk / words:.2f}" if words else "0.00"]
        for split, (unk, words) in sorted(by.items())
    ]


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 760px; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .5em 0; } td, th { border: 1px solid #ccc; padding: 3px 8px; }
td:not(:first-child) { text-align: right; } th { background: #f3f3f3; }
figure { margin: .5em 0; } figcaption { font-size: .9em; color: #555; }
"""


def section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{anchor}">\n<h2>{html.escape(title)}</h2>\n{body}\n</section>'


def render_report(stats: ReleaseStats) -> str:
    """The whole page as one HTML string."""
    svgs = figures(stats)
    n_sents = sum(stats.counts.get("sentences", {}).values())

    def figure(name: str, caption: str) -> str:
        return f"<figure>\n{svgs[name]}\n<figcaption>{html.escape(caption)}</figcaption>\n</figure>"

    body = [
        section(
            "summary", "Key figures", html_table(["figure", "value"], [list(r) for r in key_figures(stats)])
        ),
        section("counts", "Rows per split and source", counts_table(stats) + "\n" + sources_table(stats)),
        section(
            "sentence-lengths",
            "Sentence length",
            figure("sentence_lengths", f"Words per sentence over {n_sents:,} sentences."),
        ),
        section(
            "document-lengths",
            "Document length",
            figure("document_lengths", "Words per document."),
        ),
        section(
            "sentences-per-section",
            "Sentences per section",
            figure("sentences_per_section", "Sentences in each section (the lead counts as a section)."),
        ),
        section(
            "repairs",
            "Changes by cleaning rule",
            figure("repairs_by_rule", f"The {TOP_RULES} rules that made the most changes (rule_counts).")
            + "\n"
            + html_table(["rule", "changes"], [[r, f"{n:,}"] for r, n in ranked(stats.rules)]),
        ),
        section(
            "unk",
            "<unk> rate",
            f"<p>{stats.unk:,} <code>&lt;unk&gt;</code> tokens in {stats.words:,} words "
            f"({1000 * stats.unk_rate:.2f} per 1,000 words).</p>\n"
            + html_table(["split", "<unk>", "per 1,000 words"], unk_by_split(stats)),
        ),
    ]
    title = f"WikiText Corpus (clean) {stats.label}: report"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


def write_report(release: Path, out: Path) -> ReleaseStats:
    """Write the report of a release folder to `out`."""
    stats = release_stats(release)
    out.write_text(render_report(stats), encoding="utf-8")
    return stats


def write_figures(stats: ReleaseStats, folder: Path) -> list[str]:
    """Write each plot as `folder/<name>.svg`; return the file names."""
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for name, svg in figures(stats).items():
        (folder / f"{name}.svg").write_text(svg + "\n", encoding="utf-8")
        names.append(f"{name}.svg")
    return names
