"""``notelab dedup``: near-duplicate detection, a persistent index, and ``notelab similarity``."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import click
import numpy as np
from rich.table import Table

from notelab.cli._common import emit_json, json_option, stderr_console, stdout_console
from notelab.cli._engine import check_engine, dask_client, engine_options
from notelab.cli._jsonl import write_jsonl
from notelab.similarity import (
    KEEP_RULES,
    UNITS,
    VERIFY_MODES,
    Corpus,
    Deduplicator,
    MinHasher,
    MinHashIndex,
    ReadOptions,
    estimate_jaccard,
    exact_jaccard,
    read_corpus,
)
from notelab.similarity.corpus import expand_paths

DEFAULTS = {"threshold": 0.8, "num_perm": 128, "ngram": 5, "unit": "word", "seed": 1}


_MINHASH_OPTIONS = (
    ("--threshold", "threshold", float, "Jaccard similarity that counts as a duplicate."),
    ("--num-perm", "num_perm", int, "MinHash permutations."),
    ("--ngram", "ngram", int, "Shingle width (words or characters)."),
    ("--unit", "unit", click.Choice(UNITS), "Word or character n-grams."),
    ("--seed", "seed", int, "Seed of the hash functions."),
)


def _stack(function, options):
    for option in reversed(options):
        function = option(function)
    return function


def minhash_options(with_defaults: bool = True):
    """--threshold, --num-perm, --ngram, --unit, --seed (no defaults: taken from an index)."""
    options = [
        click.option(
            flag,
            type=kind,
            help=text,
            show_default=with_defaults,
            default=DEFAULTS[name] if with_defaults else None,
        )
        for flag, name, kind, text in _MINHASH_OPTIONS
    ]
    return lambda function: _stack(function, options)


def read_options(function):
    """--text-field, --id-field, --lines, --skip-bad."""
    return _stack(
        function,
        [
            click.option(
                "--text-field",
                default="text",
                show_default=True,
                help="Field holding the text (JSONL, CSV, Parquet).",
            ),
            click.option(
                "--id-field", default=None, help="Field holding the id (default file:line)."
            ),
            click.option("--lines", is_flag=True, help="Plain text: one document per line."),
            click.option("--skip-bad", is_flag=True, help="Skip and count malformed JSON lines."),
        ],
    )


def index_options(with_defaults: bool):
    """INPUT..., --index DIR, the MinHash options (or those of the index), and read options."""
    return lambda function: _stack(
        function,
        [
            click.argument("inputs", nargs=-1, required=True),
            click.option(
                "--index",
                "index_path",
                type=click.Path(path_type=Path),
                required=True,
                help="Index directory.",
            ),
            minhash_options(with_defaults),
            read_options,
            json_option,
        ],
    )


def _read(inputs, text_field, id_field, lines, skip_bad) -> tuple[Corpus, ReadOptions]:
    options = ReadOptions(text_field=text_field, id_field=id_field, lines=lines, skip_bad=skip_bad)
    return read_corpus(list(inputs), options), options


class _PhaseProgress:
    """A spinner on stderr naming the running phase."""

    def __init__(self, enabled: bool):
        self.status = stderr_console().status("reading") if enabled else None

    def __enter__(self):
        if self.status:
            self.status.__enter__()
        return self

    def __call__(self, phase: str) -> None:
        if self.status:
            self.status.update(f"dedup: {phase}")

    def __exit__(self, *exc):
        if self.status:
            self.status.__exit__(*exc)


def _partition_texts(path: str, options: ReadOptions) -> list[str]:
    return read_corpus([path], options).texts


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
    default="first",
    show_default=True,
    help="Which document of a cluster to keep.",
)
@click.option(
    "--verify",
    type=click.Choice(VERIFY_MODES),
    default="exact",
    show_default=True,
    help="exact: Jaccard of the shingle sets (no false positives); signature: estimate.",
)
@click.option("--output", type=click.Path(path_type=Path), help="Write kept documents (JSONL).")
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
def dedup_run(
    inputs,
    threshold,
    num_perm,
    ngram,
    unit,
    seed,
    bands,
    rows,
    keep,
    verify,
    output,
    duplicates,
    clusters,
    pairs,
    text_field,
    id_field,
    lines,
    skip_bad,
    engine,
    workers,
    scheduler,
    as_json,
) -> None:
    """Find near-duplicate documents in INPUT files or directories; keep one per cluster.

    INPUT: JSONL (also .gz), Parquet, CSV, plain text (one document per file, or per line with
    --lines), or directories of them. Inputs are never modified; outputs are written whole.

    \b
    Examples:
      notelab dedup corpus.jsonl.gz --threshold 0.8 --output kept.jsonl --duplicates removed.jsonl
      notelab dedup docs/ --unit char --ngram 7 --pairs pairs.jsonl --json
      notelab dedup big/ --engine dask --workers 8 --output kept.jsonl
    """
    check_engine(engine, workers, scheduler)
    corpus, options = _read(inputs, text_field, id_field, lines, skip_bad)
    dedup = Deduplicator(
        threshold=threshold,
        num_perm=num_perm,
        ngram=ngram,
        unit=unit,
        seed=seed,
        bands=bands,
        rows=rows,
        verify=verify,
        keep=keep,
    )
    with _PhaseProgress(not as_json) as progress:
        if engine == "dask":
            readers = [
                functools.partial(_partition_texts, str(p), options)
                for p in expand_paths(list(inputs))
            ]
            with dask_client(workers, scheduler) as client:
                from notelab.similarity.dask_engine import dask_dedup

                result = dask_dedup(readers, dedup, client, progress)
        else:
            result = dedup.run(corpus.texts, progress)
    _write_outputs(corpus, result, output, duplicates, clusters, pairs)
    document = {
        **result.stats.as_dict(),
        "bad_lines": corpus.bad_lines,
        "replaced_bytes": corpus.replaced_bytes,
        "kept": len(result.kept),
        "engine": engine,
    }
    if as_json:
        emit_json(document)
    else:
        _print_stats(document)


def _write_outputs(corpus, result, output, duplicates, clusters, pairs) -> None:
    ids, kept_as = corpus.ids, result.kept_as
    if output:
        write_jsonl(output, (corpus.records[i] for i in result.kept))
    if duplicates:
        write_jsonl(
            duplicates,
            ({**corpus.records[i], "duplicate_of": ids[kept_as[i]]} for i in result.removed),
        )
    if clusters:
        write_jsonl(clusters, _cluster_records(ids, kept_as))
    if pairs:
        write_jsonl(
            pairs,
            (
                {"a": ids[a], "b": ids[b], "jaccard": round(float(s), 6)}
                for (a, b), s in zip(result.pairs, result.jaccard, strict=True)
            ),
        )


def _cluster_records(ids: list[str], kept_as: np.ndarray):
    removed = np.flatnonzero((kept_as >= 0) & (kept_as != np.arange(len(kept_as))))
    groups: dict[int, list[str]] = {}
    for i in removed:
        groups.setdefault(int(kept_as[i]), []).append(ids[i])
    for kept in sorted(groups):
        yield {"kept": ids[kept], "duplicates": groups[kept], "size": len(groups[kept]) + 1}


def _print_stats(document: dict[str, Any]) -> None:
    table = Table(title="dedup", show_header=False)
    for key in (
        "documents",
        "empty",
        "shingles",
        "bands",
        "rows",
        "candidate_pairs",
        "similar_pairs",
        "clusters",
        "removed",
        "kept",
        "bad_lines",
        "replaced_bytes",
    ):
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
def index_build(
    inputs,
    index_path,
    threshold,
    num_perm,
    ngram,
    unit,
    seed,
    text_field,
    id_field,
    lines,
    skip_bad,
    as_json,
) -> None:
    """Deduplicate INPUT and index the kept documents in a directory."""
    corpus, _ = _read(inputs, text_field, id_field, lines, skip_bad)
    dedup = Deduplicator(threshold=threshold, num_perm=num_perm, ngram=ngram, unit=unit, seed=seed)
    kept = dedup.run(corpus.texts).kept
    index = MinHashIndex.build(
        [corpus.texts[i] for i in kept], [corpus.ids[i] for i in kept], dedup
    )
    index.save(index_path)
    _report(
        {
            "indexed": len(kept),
            "documents": len(corpus.texts),
            "index": str(index_path),
            **index.params,
        },
        as_json,
    )


def _load_index(index_path, threshold, num_perm, ngram, unit, seed) -> MinHashIndex:
    expect = {
        "threshold": threshold,
        "num_perm": num_perm,
        "ngram": ngram,
        "unit": unit,
        "seed": seed,
    }
    return MinHashIndex.load(index_path, expect)


def _match_records(corpus: Corpus, matches) -> list[dict[str, Any]]:
    return [
        {"id": corpus.ids[m.query], "match": m.match_id, "jaccard": round(m.jaccard, 6)}
        for m in matches
    ]


@index_group.command("query")
@index_options(with_defaults=False)
@click.option("--pairs", type=click.Path(path_type=Path), help="Write matches (JSONL).")
def index_query(
    inputs,
    index_path,
    threshold,
    num_perm,
    ngram,
    unit,
    seed,
    pairs,
    text_field,
    id_field,
    lines,
    skip_bad,
    as_json,
) -> None:
    """Report which INPUT documents duplicate indexed ones (the index is not changed)."""
    index = _load_index(index_path, threshold, num_perm, ngram, unit, seed)
    corpus, _ = _read(inputs, text_field, id_field, lines, skip_bad)
    records = _match_records(corpus, index.query(corpus.texts))
    if pairs:
        write_jsonl(pairs, records)
    _report(
        {
            "documents": len(corpus.texts),
            "duplicates": len({r["id"] for r in records}),
            "matches": records,
        },
        as_json,
    )


@index_group.command("add")
@index_options(with_defaults=False)
@click.option(
    "--duplicates",
    type=click.Path(path_type=Path),
    help="Write the documents left out, with what they duplicate (JSONL).",
)
def index_add(
    inputs,
    index_path,
    threshold,
    num_perm,
    ngram,
    unit,
    seed,
    duplicates,
    text_field,
    id_field,
    lines,
    skip_bad,
    as_json,
) -> None:
    """Add the INPUT documents that duplicate nothing in the index (nor each other)."""
    index = _load_index(index_path, threshold, num_perm, ngram, unit, seed)
    corpus, _ = _read(inputs, text_field, id_field, lines, skip_bad)
    added, matches = index.add(corpus.texts, corpus.ids)
    index.save(index_path)
    records = _match_records(corpus, matches)
    if duplicates:
        write_jsonl(duplicates, records)
    _report(
        {
            "documents": len(corpus.texts),
            "added": len(added),
            "left_out": len({r["id"] for r in records}),
            "indexed": len(index.ids),
        },
        as_json,
    )


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


@click.command("similarity")
@click.argument("a")
@click.argument("b")
@minhash_options()
@json_option
def similarity_command(a, b, threshold, num_perm, ngram, unit, seed, as_json) -> None:
    """Exact and MinHash-estimated Jaccard similarity of two texts (or two files).

    \b
    Examples:
      notelab similarity "the cat sat on the mat" "the cat sat on a mat" --ngram 2
      notelab similarity LICENSE-A LICENSE-B --json
    """
    texts = [Path(x).read_text("utf-8", "replace") if Path(x).is_file() else x for x in (a, b)]
    hasher = MinHasher(num_perm=num_perm, ngram=ngram, unit=unit, seed=seed)
    sig = hasher.signatures(texts)
    exact = exact_jaccard(*texts, ngram=ngram, unit=unit)
    estimate = estimate_jaccard(sig[0], sig[1])
    document = {
        "exact": exact,
        "estimate": estimate,
        "num_perm": num_perm,
        "ngram": ngram,
        "unit": unit,
        "similar": exact >= threshold,
        "threshold": threshold,
        "standard_error": float(np.sqrt(exact * (1 - exact) / num_perm)),
    }
    if as_json:
        emit_json(document)
    else:
        stdout_console().print(
            f"exact Jaccard {exact:.4f}, MinHash estimate {estimate:.4f} "
            f"(k={num_perm}, expected error ±{document['standard_error']:.4f}); "
            f"{'similar' if document['similar'] else 'not similar'} at {threshold}",
            highlight=False,
        )
