"""The Dask engine: the dedup pipeline's phases as tasks on a Dask cluster.

The workers read the corpus (large JSONL and ``--lines`` files in byte ranges, so one big
file still spreads over every worker), and keep each partition's documents and
:class:`Sketch` in their memory. Per partition they run the local pieces: the same
sketching, band keys and verification as the local engine. Band keys are shuffled by key so
that each bucket's documents meet in one task; candidates are verified by tasks holding both
partitions' sketches; connected components are a tree of union-finds
(:mod:`notelab.similarity.dask_components`). The client holds the candidate and similar
pairs and one kept number and length per document, never the text: the workers write the
outputs (:mod:`notelab.similarity.dask_output`). Same input and seed: the same pairs and
clusters as the local engine, because both run the same code on the same global document
numbers.
"""

from __future__ import annotations

import hashlib
import operator
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np

from notelab._util import InputError
from notelab.similarity._kernels import kernels
from notelab.similarity.corpus import Corpus, ReadOptions, _expand_paths, _Piece, _read_pieces
from notelab.similarity.corpus import _splittable as _splittable
from notelab.similarity.dask_components import _kept_on_cluster
from notelab.similarity.dedup import Deduplicator, DedupResult, DedupStats, _outcome
from notelab.similarity.lsh import _unique_pairs
from notelab.similarity.sketch import Sketch
from notelab.similarity.timing import PhaseTimer

if TYPE_CHECKING:
    from dask.delayed import Delayed

_MIN_PART_BYTES = 1 << 20
_MAX_PART_BYTES = 1 << 25  # where outputs are streamed, the most the client holds at once
_PARTS_PER_WORKER = 4  # partitions of unequal cost still even out over the workers

Plan = list[list[tuple[str, int, int]]]  # partitions of (path, start, end) pieces
KeyGroup = tuple[np.ndarray, np.ndarray]  # (band keys, documents) of one shuffle group


class _PartSummary(TypedDict):
    """What a worker sends back about its partition's sketch."""

    seconds: dict[str, float]
    lengths: np.ndarray
    nonempty: np.ndarray
    shingles: int
    bad_lines: int
    replaced_bytes: int


class _Summary(TypedDict):
    """The partitions' summaries joined: per document lengths and non-emptiness, and counts."""

    lengths: np.ndarray
    nonempty: np.ndarray
    shingles: int
    bad_lines: int
    replaced_bytes: int


def _wait(futures: list[Delayed]) -> None:
    """``distributed.wait``, which has no type hints."""
    from distributed import wait

    wait(futures)  # type: ignore[no-untyped-call]  # distributed: wait is unannotated


def _workers(client: Any) -> int:
    """How many workers the cluster has now (at least 1)."""
    return max(1, len(client.scheduler_info().get("workers", {})))


def _plan(paths: Sequence[str | os.PathLike[str]], read: ReadOptions, parts: int) -> Plan:
    """Partitions of about equal bytes: lists of (path, start, end) pieces (end -1: whole)."""
    files = _expand_paths(paths)
    sizes = [f.stat().st_size for f in files]
    target = min(_MAX_PART_BYTES, max(_MIN_PART_BYTES, sum(sizes) // max(1, parts) + 1))
    plan: Plan = [[]]
    filled = 0
    for file, size in zip(files, sizes, strict=True):
        steps = range(0, size, target) if _splittable(file, read) and size > target else [0]
        for start in steps:
            end = min(size, start + target) if len(steps) > 1 else -1
            if filled >= target:
                plan.append([])
                filled = 0
            plan[-1].append((str(file), start, end))
            filled += (end if end >= 0 else size) - start
    return [part for part in plan if part]


def _newlines(path: str, start: int, end: int) -> int:
    if end < 0:
        return 0
    with open(path, "rb") as handle:
        handle.seek(start)
        return handle.read(end - start).count(b"\n")


def _numbered(plan: Plan, counts: list[list[int]]) -> list[list[_Piece]]:
    """The plan's pieces with the line number each range starts at."""
    before: dict[str, int] = {}
    out = []
    for part, part_counts in zip(plan, counts, strict=True):
        pieces = []
        for (path, start, end), count in zip(part, part_counts, strict=True):
            pieces.append(_Piece(path, start, end, 1 + before.get(path, 0)))
            before[path] = before.get(path, 0) + count
        out.append(pieces)
    return out


def _summary(corpus: Corpus, made: tuple[Sketch, dict[str, float]]) -> _PartSummary:
    sketch, seconds = made
    return {
        "seconds": seconds,
        "lengths": sketch.lengths,
        "nonempty": sketch.nonempty,
        "shingles": sketch.shingles,
        "bad_lines": corpus.bad_lines,
        "replaced_bytes": corpus.replaced_bytes,
    }


def _bucket_groups(sketch: Sketch, base: int, dedup: Deduplicator, groups: int) -> list[KeyGroup]:
    """This partition's (band key, document) rows, split into ``groups`` by key: the send
    side of the shuffle that brings every bucket's documents together."""
    nonempty = sketch.nonempty
    band_keys = kernels("band", len(nonempty) * dedup.bands * dedup.rows).band_keys
    keys = band_keys(sketch.signatures, dedup.bands, dedup.rows, nonempty)
    docs = np.broadcast_to(np.arange(base, base + len(nonempty), dtype=np.int64), keys.shape)
    keep = np.repeat(nonempty[None, :], dedup.bands, axis=0)
    keys, docs = keys[keep], docs[keep]
    group = (keys % np.uint64(groups)).astype(np.int64)
    return [(keys[group == g], docs[group == g]) for g in range(groups)]


def _pairs_in_group(pieces: list[KeyGroup]) -> np.ndarray:
    """The receive side: every pair of documents sharing a key within one group."""
    keys = np.concatenate([p[0] for p in pieces])
    docs = np.concatenate([p[1] for p in pieces])
    order = np.lexsort((docs, keys))
    return _unique_pairs(kernels("band", 4 * len(keys)).bucket_pairs(keys[order], docs[order]))


def _needed(sketch: Sketch, local: np.ndarray) -> Sketch:
    """The documents of a partition that another partition's pairs need."""
    return sketch.take(local)


def _verify_block(
    left: Sketch,
    right: Sketch,
    pairs: np.ndarray,
    right_rows: np.ndarray,
    base: int,
    dedup: Deduplicator,
) -> tuple[np.ndarray, np.ndarray]:
    """Verify pairs (a in ``left``, whose first document is ``base``; b, found at
    ``right_rows`` of ``right``)."""
    score = dedup.similarity(np.column_stack([pairs[:, 0] - base, right_rows]), left, right)
    keep = score >= dedup.threshold
    return pairs[keep], score[keep]


def _id_hashes(corpus: Corpus) -> np.ndarray:
    """A 64-bit hash of every document's id."""
    digests = b"".join(
        hashlib.blake2b(i.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        for i in corpus.ids
    )
    return np.frombuffer(digests, np.uint64)


def _places(corpus: Corpus, local: list[int]) -> list[str]:
    return [corpus.place(i) for i in local]


def _ids(corpus: Corpus, local: np.ndarray) -> list[str]:
    return [corpus.ids[i] for i in local]


class _Partitions:
    """The corpus as it lies on the workers: per partition its documents and its sketch."""

    def __init__(self, client: Any, pieces: list[list[_Piece]], read: ReadOptions) -> None:
        from dask import delayed

        self.client = client
        self.corpora: list[Delayed] = client.persist(
            [delayed(_read_pieces)(p, read) for p in pieces]
        )
        self.sketches: list[Delayed] = []
        self.bases = np.zeros(0, np.int64)

    def sketch(self, dedup: Deduplicator, timer: PhaseTimer) -> _Summary:
        from dask import delayed

        with timer.phase("read"):
            _wait(self.corpora)
        start = timer.clock()
        made = self.client.persist([delayed(_sketch_of)(c, dedup) for c in self.corpora])
        _wait(made)
        wall = timer.clock() - start
        self.sketches = self.client.persist([delayed(operator.getitem)(m, 0) for m in made])
        summaries: list[_PartSummary] = self.client.compute(
            [delayed(_summary)(c, m) for c, m in zip(self.corpora, made, strict=True)],
            sync=True,
        )
        _share(timer, wall, [s["seconds"] for s in summaries])
        sizes = [len(s["lengths"]) for s in summaries]
        self.bases = np.cumsum([0, *sizes])[:-1].astype(np.int64)
        return {
            "lengths": np.concatenate([s["lengths"] for s in summaries] or [np.zeros(0, int)]),
            "nonempty": np.concatenate([s["nonempty"] for s in summaries] or [np.zeros(0, bool)]),
            "shingles": sum(s["shingles"] for s in summaries),
            "bad_lines": sum(s["bad_lines"] for s in summaries),
            "replaced_bytes": sum(s["replaced_bytes"] for s in summaries),
        }

    def part_of(self, docs: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.bases, docs, side="right") - 1

    def place_of(self, doc: int) -> str:
        """Where document ``doc`` was read (file:line)."""
        from dask import delayed

        p = int(self.part_of(np.array([doc]))[0])
        task = delayed(_places)(self.corpora[p], [int(doc - self.bases[p])])
        places: list[str] = self.client.compute(task, sync=True)
        return places[0]

    def ids_of(self, docs: np.ndarray) -> dict[int, str]:
        """The ids of the given global document numbers (asked of their partitions)."""
        from dask import delayed

        docs = np.unique(docs)
        part = self.part_of(docs)
        tasks = [
            delayed(_ids)(self.corpora[p], docs[part == p] - self.bases[p]) for p in np.unique(part)
        ]
        found = self.client.compute(tasks, sync=True)
        return dict(zip(docs.tolist(), (i for chunk in found for i in chunk), strict=True))


def _sketch_of(corpus: Corpus, dedup: Deduplicator) -> tuple[Sketch, dict[str, float]]:
    timer = PhaseTimer()
    return dedup.hasher.sketch(corpus.texts, timer), timer.seconds


def _share(timer: PhaseTimer, wall: float, worker_seconds: list[dict[str, float]]) -> None:
    """Split the wall time of sketching into shingles and signatures as the workers spent it."""
    spent = {k: sum(s.get(k, 0.0) for s in worker_seconds) for k in ("shingles", "signatures")}
    total = sum(spent.values()) or 1.0
    for phase, seconds in spent.items():
        timer.seconds[phase] = timer.seconds.get(phase, 0.0) + wall * seconds / total


def _check_ids(parts: _Partitions, read: ReadOptions) -> None:
    """Repeated ids across partitions: an 8-byte hash of every id comes to the client; the
    ids of documents whose hashes repeat are then compared as they are."""
    from dask import delayed

    if read.on_duplicate_id != "error" or len(parts.corpora) < 2:
        return  # within one partition the reader has checked
    hashes = np.concatenate(
        parts.client.compute([delayed(_id_hashes)(c) for c in parts.corpora], sync=True)
    )
    order = np.argsort(hashes, kind="stable")
    same = hashes[order][1:] == hashes[order][:-1]
    docs = np.unique(np.concatenate([order[1:][same], order[:-1][same]]))
    seen: dict[str, int] = {}
    for doc, doc_id in sorted(parts.ids_of(docs).items()) if len(docs) else []:
        if doc_id in seen:
            first, again = (parts.place_of(d) for d in (seen[doc_id], doc))
            raise InputError(
                "a distinct id for every document",
                f"id {doc_id!r} at {first} and again at {again}",
                "fix the ids, or pass --on-duplicate-id allow to accept repeated ids",
            )
        seen[doc_id] = doc


def _candidates(parts: _Partitions, dedup: Deduplicator) -> np.ndarray:
    """Band keys shuffled by key in plain tasks (as many groups as workers: each task
    more costs the scheduler more than the sorting it spreads)."""
    from dask import delayed

    groups = max(1, min(len(parts.sketches), _workers(parts.client)))
    sent = [
        delayed(_bucket_groups)(s, int(b), dedup, groups)
        for s, b in zip(parts.sketches, parts.bases, strict=True)
    ]
    pieces = [[delayed(operator.getitem)(x, g) for x in sent] for g in range(groups)]
    found = parts.client.compute([delayed(_pairs_in_group)(p) for p in pieces], sync=True)
    return _unique_pairs(np.concatenate(found)) if found else np.empty((0, 2), np.int64)


def _verify_all(
    candidates: np.ndarray, parts: _Partitions, dedup: Deduplicator
) -> tuple[np.ndarray, np.ndarray]:
    """Each block of pairs (partition i, partition j) is verified where partition i lies,
    with only the documents of j that its pairs need moved there."""
    from dask import delayed

    if not len(candidates):
        return np.empty((0, 2), np.int64), np.empty(0)
    part = parts.part_of(candidates)
    blocks = part[:, 0] * len(parts.bases) + part[:, 1]
    tasks = []
    for block in np.unique(blocks):
        i, j = divmod(int(block), len(parts.bases))
        chosen = candidates[blocks == block]
        if i == j:  # both documents in partition i: its sketch is there already
            right, rows = parts.sketches[j], chosen[:, 1] - parts.bases[j]
        else:
            docs, rows = np.unique(chosen[:, 1] - parts.bases[j], return_inverse=True)
            right = delayed(_needed)(parts.sketches[j], docs)
        base = int(parts.bases[i])
        tasks.append(delayed(_verify_block)(parts.sketches[i], right, chosen, rows, base, dedup))
    results = parts.client.compute(tasks, sync=True)
    pairs = np.concatenate([r[0] for r in results])
    scores = np.concatenate([r[1] for r in results])
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    return pairs[order], scores[order]


def _dask_dedup(
    paths: Sequence[str | os.PathLike[str]],
    dedup: Deduplicator,
    read: ReadOptions,
    client: Any,
    timer: PhaseTimer,
) -> tuple[DedupResult, _Partitions, dict[str, int]]:
    """Run the pipeline on ``client``'s cluster over the documents of ``paths``.

    Returns the result, the partitions (still on the workers, for writing) and the reading
    counts (bad lines, replaced bytes).
    """
    plan = _plan(paths, read, _PARTS_PER_WORKER * _workers(client))
    counts = client.gather(
        [client.map(_newlines, *zip(*part, strict=True), pure=False) for part in plan]
    )
    parts = _Partitions(client, _numbered(plan, counts), read)
    summary = parts.sketch(dedup, timer)
    with timer.phase("read"):
        _check_ids(parts, read)
    stats = DedupStats(bands=dedup.bands, rows=dedup.rows, seconds=timer.seconds)
    stats.shingles = summary["shingles"]
    with timer.phase("candidates"):
        candidates = _candidates(parts, dedup)
    with timer.phase("verify"):
        pairs, jaccard = _verify_all(candidates, parts, dedup)
    with timer.phase("clusters"):
        blocks = max(1, len(parts.corpora))
        labels, kept_as = _kept_on_cluster(pairs, summary["lengths"], dedup.keep, client, blocks)
    result = _outcome(stats, candidates, pairs, jaccard, labels, kept_as, summary["nonempty"])
    reading = {k: summary[k] for k in ("bad_lines", "replaced_bytes")}
    return result, parts, reading
