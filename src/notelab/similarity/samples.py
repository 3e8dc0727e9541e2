"""Built-in corpora: Python's own standard-library sources, edited copies, pairs of known Jaccard.

Nothing is downloaded: the standard library ships with every Python.
"""

from __future__ import annotations

import sysconfig
from pathlib import Path

import numpy as np


def stdlib_texts(limit: int = 1000, seed: int = 0, max_chars: int = 20_000) -> list[str]:
    """Up to ``limit`` Python source files of the standard library, chosen at random."""
    root = Path(sysconfig.get_paths()["stdlib"])
    paths = sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)
    rng = np.random.default_rng(seed)
    chosen = sorted(rng.permutation(len(paths))[:limit])
    return [paths[i].read_text("utf-8", "replace")[:max_chars] for i in chosen]


def with_edited_copies(
    texts: list[str], copies: int, seed: int = 0, max_rate: float = 0.15
) -> list[str]:
    """``texts`` plus ``copies`` edited copies (words deleted and inserted at random rates)."""
    rng = np.random.default_rng(seed)
    out = list(texts)
    for _ in range(copies):
        words = texts[rng.integers(len(texts))].split()
        if len(words) < 10:
            continue
        rate = rng.uniform(0.0, max_rate)
        edited = [w for w in words if rng.random() > rate / 2]
        for position in rng.integers(0, len(edited), int(rate * len(edited) / 2) + 1):
            edited.insert(int(position), f"edit{rng.integers(10**6)}")
        out.append(" ".join(edited))
    return out


def pair_with_jaccard(jaccard: float, union: int, tag: str) -> tuple[str, str]:
    """Two texts of distinct one-word tokens whose word-unigram Jaccard is ``jaccard``
    (to the nearest whole token of a union of ``union`` tokens)."""
    shared = round(jaccard * union)
    only = union - shared
    left, right = only // 2, only - only // 2
    common = [f"{tag}c{i}" for i in range(shared)]
    a = common + [f"{tag}a{i}" for i in range(left)]
    b = common + [f"{tag}b{i}" for i in range(right)]
    return " ".join(a), " ".join(b)
