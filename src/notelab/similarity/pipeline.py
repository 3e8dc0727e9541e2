"""Files in, files out: the near-duplicate pipeline and the index commands as library calls.

Read the inputs, run the pipeline (local or on Dask), write the outputs all together; an
output that is an input is refused before anything is read, and Ctrl-C at any moment
leaves every output as it was.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Any

from notelab._util.paths import refuse_overwriting_inputs
from notelab.similarity.corpus import Corpus, ReadOptions, expand_paths, read_corpus
from notelab.similarity.dedup import Deduplicator, DedupResult
from notelab.similarity.index import MinHashIndex
from notelab.similarity.options import DedupOptions
from notelab.similarity.output import json_line, write_together

PathLike = str | os.PathLike[str]
Progress = Callable[[str], None]


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
    ids: list[str]
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


def _partition_texts(path: str, options: ReadOptions) -> list[str]:
    return read_corpus([path], options).texts


def dedup_files(
    paths: Sequence[PathLike],
    options: DedupOptions | None = None,
    *,
    outputs: DedupOutputs | None = None,
    client: Any = None,
    progress: Progress | None = None,
) -> DedupReport:
    """Deduplicate the documents of ``paths``; write the outputs asked for.

    ``client`` (a ``dask.distributed.Client``) runs the phases on its cluster; by default
    they run here on every core.

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
    tell = progress or (lambda phase: None)
    tell("read")
    corpus = read_corpus(list(paths), options.read)
    if client is None:
        result = dedup.run(corpus.texts, progress)
    else:
        from notelab.similarity.dask_engine import dask_dedup

        readers = [
            functools.partial(_partition_texts, str(p), options.read) for p in expand_paths(paths)
        ]
        result = dask_dedup(readers, dedup, client, progress)
    tell("write")
    write_together(_dedup_targets(corpus, result, outputs))
    engine = "local" if client is None else "dask"
    return DedupReport(result, corpus.ids, corpus.bad_lines, corpus.replaced_bytes, engine)


def _dedup_targets(
    corpus: Corpus, result: DedupResult, outputs: DedupOutputs
) -> dict[PathLike, Iterator[bytes]]:
    ids, kept_as = corpus.ids, result.kept_as
    makers: dict[str, Callable[[], Iterator[bytes]]] = {
        "output": lambda: (corpus.lines[i] for i in result.kept),
        "duplicates": lambda: (
            json_line({**corpus.record(i), "duplicate_of": ids[kept_as[i]]}) for i in result.removed
        ),
        "clusters": lambda: (
            json_line(
                {"kept": ids[k], "duplicates": [ids[i] for i in group], "size": 1 + len(group)}
            )
            for k, group in result.clusters()
        ),
        "pairs": lambda: (
            json_line({"a": ids[a], "b": ids[b], "jaccard": round(float(s), 6)})
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
    result = dedup.run(corpus.texts)
    kept = result.kept
    built = MinHashIndex.build(
        [corpus.texts[i] for i in kept], [corpus.ids[i] for i in kept], dedup
    )
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
        write_together({pairs: (json_line(r) for r in records)})
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
    outcome = loaded.add(corpus.texts, corpus.ids, read.on_duplicate_id)
    records = _match_records(corpus, outcome.matches)
    targets = {} if duplicates is None else {duplicates: (json_line(r) for r in records)}
    write_together(targets, before_commit=functools.partial(loaded.save, index))
    return {
        "documents": len(corpus.texts),
        "added": len(outcome.added),
        "left_out": len(outcome.left_out),
        "empty": len(outcome.empty),
        "indexed": len(loaded.ids),
    }
