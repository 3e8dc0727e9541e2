"""A persistent LSH index on disk: build once, then query new documents and add them.

Format (a directory, written whole to a temporary sibling and renamed into place):

- ``params.json``: ``{"format": "notelab-minhash-index", "version": 1, "num_perm", "ngram",
  "unit", "seed", "bands", "rows", "threshold", "documents"}``
- ``ids.json``: the document ids, in index order
- ``signatures.npy``: (documents, num_perm) uint32 MinHash signatures
- ``shingles.npy`` / ``offsets.npy``: sorted unique uint64 shingle hashes per document (CSR)
- ``lengths.npy``: text length of each document
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from notelab._util import InputError
from notelab.similarity.dedup import Deduplicator
from notelab.similarity.lsh import candidate_pairs

FORMAT, VERSION = "notelab-minhash-index", 1
PARAM_KEYS = ("num_perm", "ngram", "unit", "seed", "bands", "rows", "threshold")


@dataclass
class Match:
    """A new document's near-duplicate: its position in the query, the indexed id, the score."""

    query: int
    match_id: str
    jaccard: float


class MinHashIndex:
    """Signatures and shingle sets of a deduplicated corpus, kept on disk between runs.

    Examples
    --------
    >>> index = MinHashIndex.build(["a b c d e", "v w x y z"], ["d1", "d2"],
    ...                            Deduplicator(threshold=0.5, ngram=2))
    >>> [(m.query, m.match_id) for m in index.query(["a b c d e f"])]
    [(0, 'd1')]
    """

    def __init__(
        self,
        dedup: Deduplicator,
        ids: list[str],
        signatures: np.ndarray,
        values: np.ndarray,
        offsets: np.ndarray,
        lengths: np.ndarray,
    ) -> None:
        self.dedup, self.ids = dedup, ids
        self.signatures, self.values, self.offsets, self.lengths = (
            signatures,
            values,
            offsets,
            lengths,
        )

    @property
    def params(self) -> dict[str, object]:
        """The parameters the index was built with."""
        h = self.dedup.hasher
        return {
            "num_perm": h.num_perm,
            "ngram": h.ngram,
            "unit": h.unit,
            "seed": h.seed,
            "bands": self.dedup.bands,
            "rows": self.dedup.rows,
            "threshold": self.dedup.threshold,
        }

    @classmethod
    def build(cls, texts: Sequence[str], ids: Sequence[str], dedup: Deduplicator) -> MinHashIndex:
        """Index a corpus as it is (deduplicate it first to index only the kept documents)."""
        values, offsets = dedup.hasher.shingle_sets(texts)
        signatures = dedup.hasher.signatures_from_sets(values, offsets)
        lengths = np.fromiter((len(t) for t in texts), np.int64, len(texts))
        return cls(dedup, list(ids), signatures, values, offsets, lengths)

    def _candidates(self, signatures: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        both = np.concatenate([self.signatures, signatures])
        nonempty = np.concatenate([np.diff(self.offsets) > 0, np.diff(offsets) > 0])
        return candidate_pairs(both, self.dedup.bands, self.dedup.rows, nonempty)

    def query(self, texts: Sequence[str]) -> list[Match]:
        """Every indexed document similar to each new text (verified as the index says)."""
        matches, _ = self._query_sets(texts)
        return matches

    def _query_sets(self, texts: Sequence[str]):
        n = len(self.ids)
        values, offsets = self.dedup.hasher.shingle_sets(texts)
        signatures = self.dedup.hasher.signatures_from_sets(values, offsets)
        pairs = self._candidates(signatures, offsets)
        cross = pairs[(pairs[:, 0] < n) & (pairs[:, 1] >= n)]
        all_values = np.concatenate([self.values, values])
        all_offsets = np.concatenate([self.offsets[:-1], offsets + self.offsets[-1]])
        kept, score = self.dedup.verified(
            cross, all_values, all_offsets, np.concatenate([self.signatures, signatures])
        )
        matches = [
            Match(int(b - n), self.ids[a], float(s)) for (a, b), s in zip(kept, score, strict=True)
        ]
        matches.sort(key=lambda m: (m.query, -m.jaccard, m.match_id))
        return matches, (values, offsets, signatures)

    def add(self, texts: Sequence[str], ids: Sequence[str]) -> tuple[list[int], list[Match]]:
        """Add the new texts that duplicate neither the index nor an earlier new text.

        Returns the positions added and the matches that kept the others out.
        """
        matches, (values, offsets, signatures) = self._query_sets(texts)
        lengths = np.fromiter((len(t) for t in texts), np.int64, len(texts))
        within = self.dedup.finish(values, offsets, signatures, lengths)
        duplicate_of_index = {m.query for m in matches}
        added = [int(i) for i in within.kept if int(i) not in duplicate_of_index]
        for (a, b), score in zip(within.pairs, within.jaccard, strict=True):
            for member in (a, b):
                if within.kept_as[member] != member and within.kept_as[member] in (a, b):
                    matches.append(Match(int(member), ids[within.kept_as[member]], float(score)))
        self._append(
            [texts[i] for i in added], [ids[i] for i in added], values, offsets, signatures, added
        )
        return added, matches

    def _append(self, texts, ids, values, offsets, signatures, chosen) -> None:
        sizes = np.diff(offsets)[chosen]
        parts = [values[offsets[i] : offsets[i + 1]] for i in chosen]
        self.values = np.concatenate([self.values, *parts])
        self.offsets = np.concatenate([self.offsets, self.offsets[-1] + np.cumsum(sizes)])
        self.signatures = np.concatenate([self.signatures, signatures[chosen]])
        self.lengths = np.concatenate([self.lengths, [len(t) for t in texts]]).astype(np.int64)
        self.ids.extend(ids)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index directory atomically (a crash leaves the old one intact)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            params = {
                "format": FORMAT,
                "version": VERSION,
                **self.params,
                "documents": len(self.ids),
            }
            (staging / "params.json").write_text(json.dumps(params, indent=1))
            (staging / "ids.json").write_text(json.dumps(self.ids))
            for name in ("signatures", "values", "offsets", "lengths"):
                np.save(
                    staging / f"{'shingles' if name == 'values' else name}.npy", getattr(self, name)
                )
            _swap(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    @classmethod
    def load(
        cls, path: str | os.PathLike[str], expect: dict[str, object] | None = None
    ) -> MinHashIndex:
        """Read an index; ``expect`` holds parameters that must match the stored ones."""
        folder = Path(path)
        params = _read_params(folder)
        for key, value in (expect or {}).items():
            if value is not None and params[key] != value:
                raise InputError(
                    f"{key}={params[key]!r} as the index {folder} was built with",
                    repr(value),
                    f"leave --{key.replace('_', '-')} out or rebuild the index",
                )
        dedup = Deduplicator(**{k: params[k] for k in PARAM_KEYS})
        arrays = {
            n: np.load(folder / f"{n}.npy")
            for n in ("signatures", "shingles", "offsets", "lengths")
        }
        ids = json.loads((folder / "ids.json").read_text())
        return cls(
            dedup,
            ids,
            arrays["signatures"],
            arrays["shingles"],
            arrays["offsets"],
            arrays["lengths"],
        )


def _read_params(folder: Path) -> dict:
    try:
        params = json.loads((folder / "params.json").read_text())
    except (OSError, ValueError):
        raise InputError(
            "a notelab index directory (with params.json)",
            repr(str(folder)),
            "build one with `notelab dedup index build`",
        ) from None
    if params.get("format") != FORMAT or params.get("version") != VERSION:
        raise InputError(
            f"{FORMAT} version {VERSION}",
            f"{params.get('format')} version {params.get('version')}",
            "rebuild the index with this notelab",
        )
    return params


def _swap(staging: Path, target: Path) -> None:
    if not target.exists():
        os.replace(staging, target)
        return
    backup = target.with_name(f".{target.name}.old")
    shutil.rmtree(backup, ignore_errors=True)
    os.replace(target, backup)
    os.replace(staging, target)
    shutil.rmtree(backup, ignore_errors=True)
