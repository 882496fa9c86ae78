"""The `corpus` command: one thin Click command per stage; the logic lives in the stage modules."""

from __future__ import annotations

import json
import logging
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

import click

from pipeline.runtime import collect_garbage_less_often

T = TypeVar("T")
RAW_DEFAULT = Path("raw")
FORMATS = ("wikitext-raw", "wikitext-tokens", "hf-wikitext", "plain")
RUN_SECTIONS = ("ingest", "detokenise", "segment", "enrich", "validate", "publish", "run")


class EchoHandler(logging.Handler):
    """Log records to the current standard error (as click sees it), one line each."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"{record.levelname.lower()}: {record.getMessage()}", err=True)


def load_config(ctx: click.Context, _param: click.Parameter, path: Path | None) -> Path | None:
    """Options from a TOML file: top-level keys and `[command]` tables; flags win."""
    if path is None:
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise click.BadParameter(f"{path}: {exc}") from exc
    top = {k: v for k, v in data.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    default_map = {**top, **{name: {**top, **table} for name, table in tables.items()}}
    default_map["run"] = {**top, **{k: v for name in RUN_SECTIONS for k, v in tables.get(name, {}).items()}}
    ctx.default_map = default_map
    return path


def progress_bar(ctx: click.Context):
    quiet = ctx.find_root().params.get("quiet", False)

    def wrap(items: Iterable[T], label: str, total: int | None) -> Iterable[T]:
        if quiet or not sys.stderr.isatty():
            return items
        from tqdm import tqdm

        return tqdm(items, desc=label, total=total, unit="doc" if label != "ingest" else "file", leave=False)

    return wrap


def processed_dir(ctx: click.Context) -> Path:
    return Path(ctx.find_root().params["processed"])


def fail_cleanly(fn):
    """Turn the pipeline's expected errors into one readable message and a non-zero exit."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from pipeline.errors import EXPECTED_ERRORS

        try:
            return fn(*args, **kwargs)
        except EXPECTED_ERRORS as exc:
            raise click.ClickException(str(exc)) from exc
        except KeyboardInterrupt:
            click.echo("interrupted: stopped cleanly, no half-written output was left", err=True)
            sys.exit(130)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=load_config,
    is_eager=True,
    expose_value=False,
    help="TOML file of options (top-level keys and [command] tables); flags win.",
)
@click.option(
    "--processed",
    default="processed",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for every stage's output and the releases.",
)
@click.option("-v", "--verbose", count=True, help="More log output (repeat for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors; no progress bars.")
def main(processed: str, verbose: int, quiet: bool) -> None:
    """Clean WikiText and plain-text articles into a versioned Hugging Face dataset.

    Stages run in order, each reading the previous one's output under --processed:
    ingest → detokenise → segment → enrich → validate → publish. `corpus run` does all.
    """
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    log = logging.getLogger("pipeline")
    log.handlers = [h for h in log.handlers if not isinstance(h, EchoHandler)] + [EchoHandler()]
    log.setLevel(level)
    log.propagate = False
    collect_garbage_less_often(freeze=True)


input_paths = click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
format_option = click.option(
    "--format", "source_format", type=click.Choice(FORMATS), help="Override format detection for every input."
)
sources_option = click.option(
    "--sources",
    "sidecar",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Sidecar TOML with source metadata (default: sources.toml beside the inputs).",
)
disable_option = click.option(
    "--disable-rule",
    "disabled_rules",
    multiple=True,
    help="Switch off a detokenisation rule by name (repeatable; see `corpus rules`).",
)
join_option = click.option(
    "--join-split-paragraphs/--no-join-split-paragraphs",
    default=True,
    show_default=True,
    help="Join paragraphs split mid-sentence by a blank line.",
)
version_option = click.option(
    "--version", "version", default=None, help="Release version X.Y.Z (default: the package version)."
)


workers_option = click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for the per-document stages [default: the machine's cores].",
)


def engine_options(fn):
    """--engine, --workers and --ray-address: where the per-document stages run."""
    fn = click.option(
        "--ray-address", default=None, help="Address of an existing Ray cluster (with --engine ray)."
    )(fn)
    fn = workers_option(fn)
    return click.option(
        "--engine",
        type=click.Choice(("local", "ray")),
        default="local",
        show_default=True,
        help="Run the per-document stages in local processes or on Ray Data (pip install .[ray]).",
    )(fn)


docs_per_shard_option = click.option(
    "--docs-per-shard",
    type=click.IntRange(min=1),
    default=None,
    help="At most this many documents in a stage shard, which also ends at 2 MiB of text (a shard is "
    "the unit of parallel work and of resuming) [default: 2000].",
)
shard_option = click.option(
    "--rows-per-shard", type=click.IntRange(min=1), default=None, help="Rows per Parquet shard in a release."
)


@main.command()
@input_paths
@format_option
@sources_option
@docs_per_shard_option
@click.pass_context
@fail_cleanly
def ingest(
    ctx: click.Context,
    paths: tuple[Path, ...],
    source_format: str | None,
    sidecar: Path | None,
    docs_per_shard: int | None,
) -> None:
    """Read raw files (default: raw/) into documents; unreadable input is quarantined."""
    from pipeline.stages import RunSettings, run_ingest

    paths_or_raw = list(paths) or [RAW_DEFAULT]
    shard_size = docs_per_shard or RunSettings().docs_per_shard
    _report_stage(
        run_ingest(paths_or_raw, processed_dir(ctx), source_format, sidecar, progress_bar(ctx), shard_size)
    )


@main.command("detokenise")
@click.argument("source", required=False, type=click.File("r", encoding="utf-8"))
@disable_option
@join_option
@engine_options
@click.pass_context
@fail_cleanly
def detokenise_cmd(
    ctx: click.Context,
    source,
    disabled_rules: tuple[str, ...],
    join_split_paragraphs: bool,
    engine: str,
    workers: int | None,
    ray_address: str | None,
) -> None:
    """Undo WikiText tokenisation of the ingested documents.

    With SOURCE ('-' for standard input) it works as a filter instead: one WikiText
    paragraph a line in, one clean paragraph a line out.
    """
    from pipeline.stages import RunSettings, run_detokenise

    settings = RunSettings(
        disabled_rules=disabled_rules, join_split_paragraphs=join_split_paragraphs
    ).detokenise()
    if source is not None:
        from pipeline.detok import detokenise

        out = sys.stdout
        for line in source:
            out.write(detokenise(line.rstrip("\r\n"), settings.disabled_rules).text + "\n")
        return
    _report_stage(
        run_detokenise(processed_dir(ctx), settings, _engine(engine, workers, ray_address), progress_bar(ctx))
    )


@main.command()
@engine_options
@click.pass_context
@fail_cleanly
def segment(ctx: click.Context, engine: str, workers: int | None, ray_address: str | None) -> None:
    """Split documents into sections, paragraphs and sentences."""
    from pipeline.stages import run_segment

    _report_stage(run_segment(processed_dir(ctx), _engine(engine, workers, ray_address), progress_bar(ctx)))


@main.command()
@engine_options
@click.pass_context
@fail_cleanly
def enrich(ctx: click.Context, engine: str, workers: int | None, ray_address: str | None) -> None:
    """Add ids, counts and metadata at document, section and sentence level."""
    from pipeline.stages import run_enrich

    _report_stage(run_enrich(processed_dir(ctx), _engine(engine, workers, ray_address), progress_bar(ctx)))


@main.command()
@click.argument("target", required=False)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the report as JSON to this file ('-' for standard output).",
)
@workers_option
@click.pass_context
@fail_cleanly
def validate(ctx: click.Context, target: str | None, json_path: Path | None, workers: int | None) -> None:
    """Check a release (TARGET: a folder, or OWNER/NAME@REVISION on the Hub), or the enrich
    stage's output (shard by shard in --workers processes); exit 1 on any problem."""
    from pipeline.stages import run_validate
    from pipeline.validate import validate_target

    if target is not None:
        report = validate_target(target)
    else:
        report = run_validate(processed_dir(ctx), engine=_engine("local", workers, None))
    click.echo(report.render())
    if json_path is not None:
        if str(json_path) == "-":
            click.echo(report.to_json())
        else:
            json_path.write_text(report.to_json() + "\n", encoding="utf-8")
    if not report.ok:
        sys.exit(1)


@main.command("publish")
@version_option
@shard_option
@click.option(
    "--to-hub",
    "repo_id",
    metavar="OWNER/NAME",
    help="Also upload the release to this Hub dataset: one commit, tagged vX.Y.Z (token: HF_TOKEN or login).",
)
@click.option(
    "--release",
    "release_ref",
    metavar="VERSION|PATH",
    help="With --to-hub: upload this existing release instead of publishing the enrich output.",
)
@workers_option
@click.pass_context
@fail_cleanly
def publish_cmd(
    ctx: click.Context,
    version: str | None,
    rows_per_shard: int | None,
    repo_id: str | None,
    release_ref: str | None,
    workers: int | None,
) -> None:
    """Write a versioned release under processed/releases/ and point processed/dataset at it."""
    from pipeline.publish import resolve_release
    from pipeline.stages import RunSettings, run_publish

    if release_ref is not None and repo_id is None:
        raise click.UsageError("--release is for uploading an existing release: give --to-hub too")
    if release_ref is not None:
        release = resolve_release(processed_dir(ctx), release_ref)
    else:
        settings = RunSettings(**_given(version=version, rows_per_shard=rows_per_shard))
        engine = _engine("local", workers, None)
        published = run_publish(processed_dir(ctx), settings.publish(), settings.record(), engine)
        _report_published(published)
        release = published.path
    if repo_id is not None:
        from pipeline.hub import upload_release

        click.echo(upload_release(release, repo_id).describe(), err=True)


@main.command()
@click.argument("old")
@click.argument("new")
@click.option(
    "--samples", type=click.IntRange(min=0), default=3, show_default=True, help="Examples per kind."
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the diff as JSON to this file ('-' for standard output).",
)
@click.pass_context
@fail_cleanly
def diff(ctx: click.Context, old: str, new: str, samples: int, json_path: Path | None) -> None:
    """Compare two releases (folders or versions under processed/releases) by id."""
    from pipeline.diff import diff_releases
    from pipeline.publish import resolve_release

    processed = processed_dir(ctx)
    result = diff_releases(resolve_release(processed, old), resolve_release(processed, new), samples)
    click.echo(result.render())
    _write_json(json_path, result.to_json())


@main.command()
@input_paths
@format_option
@sources_option
@disable_option
@join_option
@version_option
@shard_option
@docs_per_shard_option
@engine_options
@click.pass_context
@fail_cleanly
def run(
    ctx: click.Context,
    paths: tuple[Path, ...],
    source_format: str | None,
    sidecar: Path | None,
    disabled_rules: tuple[str, ...],
    join_split_paragraphs: bool,
    version: str | None,
    rows_per_shard: int | None,
    docs_per_shard: int | None,
    engine: str,
    workers: int | None,
    ray_address: str | None,
) -> None:
    """Run every stage on PATHS (files or folders; default raw/) and publish the result."""
    from pipeline.stages import RunSettings, run_all

    settings = RunSettings(
        **_given(
            source_format=source_format,
            disabled_rules=tuple(disabled_rules),
            join_split_paragraphs=join_split_paragraphs,
            version=version,
            rows_per_shard=rows_per_shard,
            docs_per_shard=docs_per_shard,
        )
    )
    paths_or_raw = list(paths) or [RAW_DEFAULT]
    summary = run_all(
        paths_or_raw,
        processed_dir(ctx),
        settings,
        sidecar,
        _engine(engine, workers, ray_address),
        progress_bar(ctx),
    )
    for stage in summary.stages:
        _report_stage(stage)
    _report_published(summary.published)
    if summary.up_to_date:
        click.echo("nothing to do: every stage was up to date and the release unchanged", err=True)


@main.command("split-sentences")
@click.option(
    "--jsonl", is_flag=True, required=True, help='Read {"text": ...} lines, write {"sentences": [...]}.'
)
def split_sentences_filter(jsonl: bool) -> None:
    """Filter mode: split texts read as JSON lines on standard input into sentences."""
    from pipeline.sentences import split_text

    out = sys.stdout
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            text = json.loads(line)["text"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise click.ClickException(
                f'<stdin>:{number}: expected a JSON object with a "text" field ({exc})'
            ) from exc
        out.write(json.dumps({"sentences": split_text(text)}, ensure_ascii=False) + "\n")


@main.command()
@click.argument("file", required=False)
@click.option("--line", type=int, help="Line number in FILE (1-based).")
@click.option("--doc", "doc_id", help="Document id (with --sentence).")
@click.option("--sentence", type=int, help="Sentence number within the document (0-based).")
@click.option(
    "--stage", default="enrich", show_default=True, type=click.Choice(("detokenise", "segment", "enrich"))
)
@click.pass_context
@fail_cleanly
def explain(
    ctx: click.Context,
    file: str | None,
    line: int | None,
    doc_id: str | None,
    sentence: int | None,
    stage: str,
) -> None:
    """Show a paragraph before and after cleaning, and which rule made each change."""
    from pipeline.explain import find_by_line, find_by_sentence, render
    from pipeline.stages import stage_documents

    docs = stage_documents(processed_dir(ctx), stage)
    if file is not None and line is not None:
        click.echo(render(find_by_line(docs, file, line)))
    elif doc_id is not None and sentence is not None:
        click.echo(render(find_by_sentence(docs, doc_id, sentence)))
    else:
        raise click.UsageError("give FILE --line N, or --doc ID --sentence N")


@main.command()
def rules() -> None:
    """List the detokenisation rules (names for --disable-rule)."""
    from pipeline.detok import RULES

    for name, rule in RULES.items():
        click.echo(f"{name:<28} {getattr(rule, 'description', '')}")


@main.command()
@click.argument("release", required=False)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("report.html"),
    show_default=True,
    help="Where to write the HTML page.",
)
@click.pass_context
@fail_cleanly
def report(ctx: click.Context, release: str | None, output: Path) -> None:
    """Write a self-contained HTML report on a release (default: the newest): lengths, rules, <unk>."""
    from pipeline.publish import resolve_release
    from pipeline.report import write_report
    from pipeline.stages import published_dataset

    processed = processed_dir(ctx)
    folder = resolve_release(processed, release if release is not None else published_dataset(processed))
    write_report(folder, output)
    click.echo(f"{output}: report on {folder}", err=True)


def _write_json(path: Path | None, text: str) -> None:
    if path is None:
        return
    if str(path) == "-":
        click.echo(text)
    else:
        path.write_text(text + "\n", encoding="utf-8")


def _engine(name: str, workers: int | None, ray_address: str | None):
    from pipeline.stages import Engine, default_workers

    return Engine(name, workers or default_workers(), ray_address)


def _report_stage(result) -> None:
    state = "up to date, nothing to do" if result.up_to_date else f"{result.shards - result.skipped} written"
    quarantined = getattr(result, "quarantine", None)
    extra = f", {len(quarantined)} quarantine records" if quarantined is not None else ""
    click.echo(
        f"{result.stage}: {result.documents} documents in {result.shards} shards ({state}){extra}", err=True
    )


def _given(**options: Any) -> dict[str, Any]:
    return {k: v for k, v in options.items() if v is not None}


def _report_published(published) -> None:
    state = "published" if published.created else "unchanged (already published with the same content)"
    click.echo(f"{published.path}: v{published.version} {state}", err=True)
    click.echo(published.report.render(), err=True)
