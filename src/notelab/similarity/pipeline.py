"""Files in, files out: the near-duplicate pipeline and the index commands as library calls.

Read the inputs, run the pipeline (local or on Dask), write the outputs all together; an
output that is an input is refused before anything is read, and Ctrl-C at any moment
leaves every output as it was.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from notelab._util.paths import refuse_overwriting_inputs
from notelab.similarity.corpus import Corpus, ReadOptions, read_corpus
from notelab.similarity.dedup import Deduplicator, DedupResult
from notelab.similarity.index import MinHashIndex
from notelab.similarity.options import DedupOptions
from notelab.similarity.output import _json_line, _write_together
from notelab.similarity.timing import PhaseTimer

PathLike = str | os.PathLike[str]
Progress = Callable[[str], None]
Lines = Callable[[], Iterable[bytes]]  # makes an output's lines as they are written
Targets = dict[PathLike, Iterable[bytes]]  # each output file and its lines


@dataclass(frozen=True)
class DedupOutputs:
    """Files a run writes (JSONL; ``.gz`` compressed); ``None`` skips one.

    output: the kept records as read; duplicates: the removed records with ``duplicate_of``;
    clusters: ``{"kept", "duplicates", "size"}``; pairs: ``{"a", "b", "jaccard"}``.
    """

    output: PathLike | None = None
    duplicates: PathLike | None = None
    clusters: PathLike | None = None
    pairs: PathLike | None = None

    def paths(self) -> list[PathLike]:
        """The files asked for."""
        return [p for p in (getattr(self, f.name) for f in fields(self)) if p is not None]


@dataclass
class DedupReport:
    """A run over files: the result, and what reading met."""

    result: DedupResult
    bad_lines: int
    replaced_bytes: int
    engine: str

    def as_dict(self) -> dict[str, Any]:
        """The statistics as one JSON-ready dict (kept + removed + empty = documents)."""
        return {
            **self.result.stats.as_dict(),
            "kept": len(self.result.kept),
            "bad_lines": self.bad_lines,
            "replaced_bytes": self.replaced_bytes,
            "engine": self.engine,
        }


def _deduplicator(options: DedupOptions) -> Deduplicator:
    return Deduplicator(
        **{f.name: getattr(options, f.name) for f in fields(options) if f.name != "read"}
    )


def dedup_files(
    paths: Sequence[PathLike],
    options: DedupOptions | None = None,
    *,
    outputs: DedupOutputs | None = None,
    client: Any = None,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> DedupReport:
    """Deduplicate the documents of ``paths``; write the outputs asked for.

    ``client`` (a ``dask.distributed.Client``) runs the phases on its cluster, where the
    workers read the files; by default they run here on every core. ``stats.seconds`` times
    every phase (read, shingles, signatures, candidates, verify, clusters, write) and the
    total, by ``clock``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "docs.jsonl"
    >>> _ = path.write_text('{"text": "a b c d e"}\\n{"text": "a b c d e"}\\n{"text": ""}\\n')
    >>> report = dedup_files([path], DedupOptions(ngram=2))
    >>> report.as_dict()["kept"], report.as_dict()["removed"], report.as_dict()["empty"]
    (1, 1, 1)
    """
    options = options or DedupOptions()
    outputs = outputs or DedupOutputs()
    dedup = _deduplicator(options)
    refuse_overwriting_inputs(outputs.paths(), paths)
    timer = PhaseTimer(clock, progress)
    start = clock()
    if client is None:
        report, targets = _run_local(paths, dedup, options.read, outputs, timer)
    else:
        report, targets = _run_dask(paths, dedup, options.read, outputs, client, timer)
    with timer.phase("write"):
        _write_together(targets)
    timer.seconds["total"] = clock() - start
    return report


def _run_local(
    paths: Sequence[PathLike],
    dedup: Deduplicator,
    read: ReadOptions,
    outputs: DedupOutputs,
    timer: PhaseTimer,
) -> tuple[DedupReport, Targets]:
    with timer.phase("read"):
        corpus = read_corpus(list(paths), read)
    result = dedup.finish(dedup.hasher.sketch(corpus.texts, timer), timer)
    report = DedupReport(result, corpus.bad_lines, corpus.replaced_bytes, "local")
    ids, kept_as = corpus.ids, result.kept_as
    lines: dict[str, Lines] = {
        "output": lambda: (corpus.lines[i] for i in result.kept),
        "duplicates": lambda: (
            _json_line({**corpus.record(i), "duplicate_of": ids[kept_as[i]]})
            for i in result.removed
        ),
    }
    return report, _targets(outputs, result, lines, ids.__getitem__)


def _run_dask(
    paths: Sequence[PathLike],
    dedup: Deduplicator,
    read: ReadOptions,
    outputs: DedupOutputs,
    client: Any,
    timer: PhaseTimer,
) -> tuple[DedupReport, Targets]:
    from notelab.similarity.dask_engine import _dask_dedup
    from notelab.similarity.dask_output import PartitionLines

    result, parts, reading = _dask_dedup(paths, dedup, read, client, timer)
    report = DedupReport(result, reading["bad_lines"], reading["replaced_bytes"], "dask")
    nodes = np.concatenate([result.pairs.ravel(), result.kept_as[result.removed]])
    ids = parts.ids_of(nodes) if len(nodes) else {}
    lines: dict[str, Lines] = {
        "output": lambda: PartitionLines(parts, result, "output", {}),
        "duplicates": lambda: PartitionLines(parts, result, "duplicates", ids),
    }
    return report, _targets(outputs, result, lines, lambda doc: ids[int(doc)])


def _targets(
    outputs: DedupOutputs,
    result: DedupResult,
    lines: dict[str, Lines],
    id_of: Callable[[int], str],
) -> Targets:
    """Each output asked for and the lines that make it (made as they are written)."""
    makers: dict[str, Lines] = {
        **lines,
        "clusters": lambda: (
            _json_line(
                {
                    "kept": id_of(k),
                    "duplicates": [id_of(i) for i in group],
                    "size": 1 + len(group),
                }
            )
            for k, group in result.clusters()
        ),
        "pairs": lambda: (
            _json_line({"a": id_of(a), "b": id_of(b), "jaccard": round(float(s), 6)})
            for (a, b), s in zip(result.pairs, result.jaccard, strict=True)
        ),
    }
    return {
        getattr(outputs, name): make()
        for name, make in makers.items()
        if getattr(outputs, name) is not None
    }


def _match_records(corpus: Corpus, matches: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {"id": corpus.ids[m.query], "match": m.match_id, "jaccard": round(m.jaccard, 6)}
        for m in matches
    ]


def build_index(
    paths: Sequence[PathLike], index: PathLike, options: DedupOptions | None = None
) -> dict[str, Any]:
    """Deduplicate the documents of ``paths`` and index the kept ones in directory ``index``.

    Returns the counts (documents = indexed + removed + empty) and the index's parameters.
    """
    options = options or DedupOptions()
    dedup = _deduplicator(options)
    refuse_overwriting_inputs([index], paths)
    corpus = read_corpus(list(paths), options.read)
    sketch = dedup.hasher.sketch(corpus.texts)
    result = dedup.finish(sketch)
    kept = result.kept
    built = MinHashIndex(dedup, [corpus.ids[i] for i in kept], sketch.take(kept))
    built.save(index)
    return {
        "documents": len(corpus.texts),
        "indexed": len(kept),
        "removed": len(result.removed),
        "empty": len(result.empty),
        "index": str(index),
        **built.params,
    }


def query_index(
    paths: Sequence[PathLike],
    index: PathLike,
    *,
    expect: dict[str, object] | None = None,
    read: ReadOptions | None = None,
    pairs: PathLike | None = None,
) -> dict[str, Any]:
    """Which documents of ``paths`` duplicate indexed ones (the index is not changed).

    Returns documents = duplicates + unique + empty, and every match.
    """
    refuse_overwriting_inputs([pairs], paths)
    loaded = MinHashIndex.load(index, expect)
    corpus = read_corpus(list(paths), read or ReadOptions())
    matches, empty = loaded.lookup(corpus.texts)
    records = _match_records(corpus, matches)
    if pairs is not None:
        _write_together({pairs: (_json_line(r) for r in records)})
    duplicates = len({r["id"] for r in records})
    return {
        "documents": len(corpus.texts),
        "duplicates": duplicates,
        "unique": len(corpus.texts) - duplicates - len(empty),
        "empty": len(empty),
        "matches": records,
    }


def add_to_index(
    paths: Sequence[PathLike],
    index: PathLike,
    *,
    expect: dict[str, object] | None = None,
    read: ReadOptions | None = None,
    duplicates: PathLike | None = None,
) -> dict[str, Any]:
    """Add the documents of ``paths`` that duplicate nothing indexed (nor each other).

    Returns documents = added + left_out + empty, and the index's new size.
    """
    read = read or ReadOptions()
    refuse_overwriting_inputs([index, duplicates], paths)
    loaded = MinHashIndex.load(index, expect)
    corpus = read_corpus(list(paths), read)
    _outcome = loaded.add(corpus.texts, corpus.ids, read.on_duplicate_id)
    records = _match_records(corpus, _outcome.matches)
    targets = {} if duplicates is None else {duplicates: (_json_line(r) for r in records)}
    _write_together(targets, before_commit=functools.partial(loaded.save, index))
    return {
        "documents": len(corpus.texts),
        "added": len(_outcome.added),
        "left_out": len(_outcome.left_out),
        "empty": len(_outcome.empty),
        "indexed": len(loaded.ids),
    }
