"""The Dask engine: every heavy phase of the dedup pipeline on a Dask cluster.

Partitions are read on the workers; shingles and signatures stay there; band buckets are
shuffled by key so that each bucket's documents meet in one task; candidates are verified
by tasks that hold both partitions' shingle sets; connected components and the kept
document of each run as label propagation over Dask dataframes. Only the candidate and
verified pairs (small next to the corpus, and needed for ``--pairs``) and one length and
one kept number per document come back to the client. Same input and seed: the same pairs
and clusters as the local engine, because both run the same kernels on the same global
document numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from time import perf_counter
from typing import Any

import numpy as np
import pandas as pd

from notelab.similarity import _kernels
from notelab.similarity.dask_components import kept_on_cluster
from notelab.similarity.dedup import Deduplicator, DedupResult, DedupStats, outcome
from notelab.similarity.lsh import unique_pairs

Reader = Callable[[], Sequence[str]]


def _sketch(texts: Sequence[str], dedup: Deduplicator) -> dict[str, Any]:
    values, offsets = dedup.hasher.shingle_sets(texts)
    return {
        "values": values,
        "offsets": offsets,
        "signatures": dedup.hasher.signatures_from_sets(values, offsets),
        "lengths": np.fromiter((len(t) for t in texts), np.int64, len(texts)),
    }


def _bucket_frame(sketch: dict[str, Any], base: int, dedup: Deduplicator) -> pd.DataFrame:
    nonempty = np.diff(sketch["offsets"]) > 0
    keys = _kernels.band_keys(sketch["signatures"], dedup.bands, dedup.rows, nonempty)
    docs = np.arange(base, base + len(nonempty), dtype=np.int64)
    keep = np.repeat(nonempty[None, :], dedup.bands, axis=0)
    return pd.DataFrame(
        {"bucket": keys[keep].astype(np.int64), "doc": np.broadcast_to(docs, keys.shape)[keep]}
    )


def _pairs_in_buckets(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.sort_values(["bucket", "doc"], kind="stable")
    pairs = _kernels.bucket_pairs(frame["bucket"].to_numpy(), frame["doc"].to_numpy())
    return pd.DataFrame({"a": pairs[:, 0], "b": pairs[:, 1]})


def _verify_block(
    left: dict, right: dict, pairs: np.ndarray, bases: tuple[int, int], dedup: Deduplicator
) -> tuple[np.ndarray, np.ndarray]:
    """Verify pairs whose first document is in ``left`` and second in ``right``."""
    n_left = len(left["lengths"])
    values = np.concatenate([left["values"], right["values"]])
    offsets = np.concatenate([left["offsets"][:-1], right["offsets"] + left["offsets"][-1]])
    signatures = np.concatenate([left["signatures"], right["signatures"]])
    local = np.column_stack([pairs[:, 0] - bases[0], pairs[:, 1] - bases[1] + n_left])
    kept, score = dedup.verified(local, values, offsets, signatures)
    return np.column_stack([kept[:, 0] + bases[0], kept[:, 1] - n_left + bases[1]]), score


def _summary(sketch: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, int]:
    return sketch["lengths"], np.diff(sketch["offsets"]) > 0, len(sketch["values"])


def dask_dedup(
    readers: Sequence[Reader],
    dedup: Deduplicator,
    client: Any,
    progress: Callable[[str], None] | None = None,
) -> DedupResult:
    """Run the pipeline on ``client``'s cluster over partitions produced by ``readers``.

    Each reader is called on a worker and returns that partition's texts, in order; the
    partitions' concatenation is the corpus.
    """
    import dask.dataframe as dd
    from dask import delayed

    logging.getLogger("distributed.shuffle").setLevel(logging.ERROR)

    stats = DedupStats(bands=dedup.bands, rows=dedup.rows)
    tick = _ticker(stats, progress)
    tick("read+signatures")
    sketches = client.persist([delayed(_sketch)(delayed(r)(), dedup) for r in readers])
    summaries = client.compute([delayed(_summary)(s) for s in sketches], sync=True)
    lengths = np.concatenate([x[0] for x in summaries] or [np.empty(0, np.int64)])
    nonempty = np.concatenate([x[1] for x in summaries] or [np.empty(0, bool)])
    bases = np.cumsum([0] + [len(x[0]) for x in summaries])[:-1]
    tick("candidates")
    frames = [
        delayed(_bucket_frame)(s, int(b), dedup) for s, b in zip(sketches, bases, strict=True)
    ]
    meta = pd.DataFrame({"bucket": np.empty(0, np.int64), "doc": np.empty(0, np.int64)})
    buckets = dd.from_delayed(frames, meta=meta).shuffle(
        on="bucket", npartitions=max(1, len(frames))
    )
    pair_meta = pd.DataFrame({"a": np.empty(0, np.int64), "b": np.empty(0, np.int64)})
    found = buckets.map_partitions(_pairs_in_buckets, meta=pair_meta).compute()
    candidates = unique_pairs(found.to_numpy(np.int64).reshape(-1, 2))
    tick("verify")
    pairs, jaccard = _verify_all(candidates, sketches, bases, dedup, client)
    tick("clusters")
    labels, kept_as = kept_on_cluster(pairs, lengths, dedup.keep, client, max(1, len(readers)))
    tick(None)
    stats.documents, stats.shingles = len(lengths), int(sum(x[2] for x in summaries))
    return outcome(stats, candidates, pairs, jaccard, labels, kept_as, nonempty)


def _verify_all(candidates, sketches, bases, dedup, client):
    from dask import delayed

    part = np.searchsorted(bases, candidates, side="right") - 1 if len(candidates) else candidates
    tasks = []
    if len(candidates):
        blocks = part[:, 0] * len(bases) + part[:, 1]
        for block in np.unique(blocks):
            chosen = candidates[blocks == block]
            i, j = divmod(int(block), len(bases))
            tasks.append(
                delayed(_verify_block)(
                    sketches[i], sketches[j], chosen, (int(bases[i]), int(bases[j])), dedup
                )
            )
    results = client.compute(tasks, sync=True) if tasks else []
    if not results:
        return np.empty((0, 2), np.int64), np.empty(0)
    pairs = np.concatenate([r[0] for r in results])
    scores = np.concatenate([r[1] for r in results])
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    return pairs[order], scores[order]


def _ticker(stats: DedupStats, progress):
    state = {"phase": None, "start": perf_counter()}

    def tick(phase):
        now = perf_counter()
        if state["phase"]:
            stats.seconds[state["phase"]] = now - state["start"]
        state.update(phase=phase, start=now)
        if phase and progress:
            progress(phase)

    return tick
