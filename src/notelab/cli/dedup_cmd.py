"""``notelab dedup``: near-duplicate detection and a persistent index (parse, call, render)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from notelab.cli._common import emit_json, json_option, stderr_console, stdout_console
from notelab.cli._engine import check_engine, dask_client, engine_options
from notelab.cli.similarity_cmd import (
    Callback,
    Decorator,
    minhash_options,
    similarity_command,
    stack,
)
from notelab.similarity import KEEP_RULES, VERIFY_MODES, DedupOptions, ReadOptions
from notelab.similarity.corpus import ID_POLICIES
from notelab.similarity.options import DEFAULTS

__all__ = ["dedup_group", "similarity_command"]

_READ_KEYS = ("text_field", "id_field", "lines", "skip_bad", "on_duplicate_id")
_MINHASH_KEYS = ("threshold", "num_perm", "ngram", "unit", "seed")
_STAT_ROWS = (
    "documents",
    "kept",
    "removed",
    "empty",
    "shingles",
    "bands",
    "rows",
    "candidate_pairs",
    "similar_pairs",
    "clusters",
    "bad_lines",
    "replaced_bytes",
)


def read_options(function: Callback) -> Callback:
    """--text-field, --id-field, --lines, --skip-bad, --on-duplicate-id."""
    return stack(
        function,
        [
            click.option(
                "--text-field",
                default=DEFAULTS.read.text_field,
                show_default=True,
                help="Field holding the text (JSONL, CSV, Parquet).",
            ),
            click.option(
                "--id-field", default=None, help="Field holding the id (default file:line)."
            ),
            click.option("--lines", is_flag=True, help="Plain text: one document per line."),
            click.option("--skip-bad", is_flag=True, help="Skip and count malformed JSON lines."),
            click.option(
                "--on-duplicate-id",
                type=click.Choice(ID_POLICIES),
                default=DEFAULTS.read.on_duplicate_id,
                show_default=True,
                help="A repeated document id: stop with an error naming both places, or allow.",
            ),
        ],
    )


def _read_options(params: dict[str, Any]) -> ReadOptions:
    return ReadOptions(**{key: params.pop(key) for key in _READ_KEYS})


def _expected(params: dict[str, Any]) -> dict[str, object]:
    """The MinHash options given for an index command (None: as the index was built)."""
    return {key: params.pop(key) for key in _MINHASH_KEYS}


def index_options(with_defaults: bool) -> Decorator:
    """INPUT..., --index DIR, the MinHash options (or those of the index), and read options."""
    return lambda function: stack(
        function,
        [
            click.argument("inputs", nargs=-1, required=True),
            click.option(
                "--index",
                "index_path",
                type=click.Path(path_type=Path),
                required=True,
                help="Index directory (notelab replaces only an index it wrote).",
            ),
            minhash_options(with_defaults),
            read_options,
            json_option,
        ],
    )


class _PhaseProgress:
    """A spinner on stderr naming the running phase."""

    def __init__(self, enabled: bool) -> None:
        self.status = stderr_console().status("dedup") if enabled else None

    def __enter__(self) -> _PhaseProgress:
        if self.status:
            self.status.__enter__()
        return self

    def __call__(self, phase: str) -> None:
        if self.status:
            self.status.update(f"dedup: {phase}")

    def __exit__(self, *exc: Any) -> None:
        if self.status:
            self.status.__exit__(*exc)


class _DefaultRun(click.Group):
    """``notelab dedup INPUT...`` means ``notelab dedup run INPUT...``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args.insert(0, "run")
        return super().parse_args(ctx, args)


dedup_group = _DefaultRun(
    "dedup",
    help="Near-duplicate detection with MinHash and LSH.\n\n"
    "`notelab dedup INPUT...` runs the pipeline (see `notelab dedup run "
    "--help`); `notelab dedup index ...` keeps a persistent index.",
)


@dedup_group.command("run")
@click.argument("inputs", nargs=-1, required=True)
@minhash_options()
@click.option("--bands", type=int, help="LSH bands (default: chosen from the threshold).")
@click.option("--rows", type=int, help="LSH rows per band (default: chosen from the threshold).")
@click.option(
    "--keep",
    type=click.Choice(KEEP_RULES),
    default=DEFAULTS.keep,
    show_default=True,
    help="Which document of a cluster to keep.",
)
@click.option(
    "--verify",
    type=click.Choice(VERIFY_MODES),
    default=DEFAULTS.verify,
    show_default=True,
    help="exact: Jaccard of the shingle sets (no false positives); signature: estimate.",
)
@click.option(
    "--output", type=click.Path(path_type=Path), help="Write kept documents (JSONL, .gz ok)."
)
@click.option(
    "--duplicates",
    type=click.Path(path_type=Path),
    help="Write removed documents with the id they duplicate (JSONL).",
)
@click.option("--clusters", type=click.Path(path_type=Path), help="Write clusters (JSONL).")
@click.option(
    "--pairs",
    type=click.Path(path_type=Path),
    help='Write similar pairs {"a", "b", "jaccard"} (JSONL).',
)
@read_options
@engine_options
@json_option
def dedup_run(inputs: tuple[str, ...], as_json: bool, **params: Any) -> None:
    """Find near-duplicate documents in INPUT files or directories; keep one per cluster.

    INPUT: JSONL (also .gz), Parquet, CSV, plain text (one document per file, or per line with
    --lines), or directories of them. Lines end at \\n only; a UTF-8 byte-order mark is
    dropped. Inputs are never modified (an output that is an input is refused); outputs are
    written whole, all together, compressed when the name ends in .gz. Ctrl-C stops with
    exit 130 and leaves every output as it was.

    \b
    Examples:
      notelab dedup corpus.jsonl.gz --threshold 0.8 --output kept.jsonl --duplicates removed.jsonl
      notelab dedup docs/ --unit char --ngram 7 --pairs pairs.jsonl --json
      notelab dedup big/ --engine dask --workers 8 --output kept.jsonl
    """
    from notelab.similarity.pipeline import DedupOutputs, dedup_files

    engine, workers, scheduler = (params.pop(k) for k in ("engine", "workers", "scheduler"))
    check_engine(engine, workers, scheduler)
    outputs = DedupOutputs(
        **{k: params.pop(k) for k in ("output", "duplicates", "clusters", "pairs")}
    )
    options = DedupOptions(read=_read_options(params), **params)
    with _PhaseProgress(not as_json) as progress:
        if engine == "dask":
            with dask_client(workers, scheduler) as client:
                report = dedup_files(
                    inputs, options, outputs=outputs, client=client, progress=progress
                )
        else:
            report = dedup_files(inputs, options, outputs=outputs, progress=progress)
    document = report.as_dict()
    if as_json:
        emit_json(document)
    else:
        _print_stats(document)


def _print_stats(document: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title="dedup", show_header=False)
    for key in _STAT_ROWS:
        table.add_row(key.replace("_", " "), f"{document[key]:,}")
    for phase, seconds in document["seconds"].items():
        table.add_row(f"{phase} (s)", f"{seconds:.3f}")
    stdout_console().print(table)


@dedup_group.group("index")
def index_group() -> None:
    """A persistent index: build it once, then query or add new documents across runs.

    \b
    Examples:
      notelab dedup index build corpus.jsonl --index corpus.idx --threshold 0.8
      notelab dedup index query new.jsonl --index corpus.idx --json
      notelab dedup index add new.jsonl --index corpus.idx --duplicates dup.jsonl
    """


@index_group.command("build")
@index_options(with_defaults=True)
def index_build(inputs: tuple[str, ...], index_path: Path, as_json: bool, **params: Any) -> None:
    """Deduplicate INPUT and index the kept documents in a directory.

    An existing directory is replaced only if it is a notelab index (or empty).
    """
    from notelab.similarity.pipeline import build_index

    options = DedupOptions(read=_read_options(params), **params)
    _report(build_index(inputs, index_path, options), as_json)


@index_group.command("query")
@index_options(with_defaults=False)
@click.option("--pairs", type=click.Path(path_type=Path), help="Write matches (JSONL).")
def index_query(
    inputs: tuple[str, ...], index_path: Path, pairs: Path | None, as_json: bool, **params: Any
) -> None:
    """Report which INPUT documents duplicate indexed ones (the index is not changed)."""
    from notelab.similarity.pipeline import query_index

    read = _read_options(params)
    document = query_index(inputs, index_path, expect=_expected(params), read=read, pairs=pairs)
    _report(document, as_json)


@index_group.command("add")
@index_options(with_defaults=False)
@click.option(
    "--duplicates",
    type=click.Path(path_type=Path),
    help="Write the documents left out, with what they duplicate (JSONL).",
)
def index_add(
    inputs: tuple[str, ...],
    index_path: Path,
    duplicates: Path | None,
    as_json: bool,
    **params: Any,
) -> None:
    """Add the INPUT documents that duplicate nothing in the index (nor each other)."""
    from notelab.similarity.pipeline import add_to_index

    read = _read_options(params)
    document = add_to_index(
        inputs, index_path, expect=_expected(params), read=read, duplicates=duplicates
    )
    _report(document, as_json)


def _report(document: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit_json(document)
        return
    console = stdout_console()
    for key, value in document.items():
        if key != "matches":
            console.print(f"{key}: {value}", highlight=False)
    for match in document.get("matches", []):
        console.print(
            f"{match['id']} ~ {match['match']} (jaccard {match['jaccard']})",
            highlight=False,
            markup=False,
        )
