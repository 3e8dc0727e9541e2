"""Real text on this machine for benchmarks: Debian copyright files, licenses, Python sources.

Edited copies come from :mod:`notelab.similarity.samples`.
"""

from __future__ import annotations

import glob
import sys
import sysconfig
from pathlib import Path

import numpy as np

from notelab.similarity.samples import with_edited_copies

__all__ = ["real_texts", "stdlib_jsonl", "synthetic_documents", "with_edited_copies"]


def real_texts(limit: int = 3000, seed: int = 0) -> list[str]:
    """Up to ``limit`` real documents (many near-duplicate license texts among them)."""
    paths = sorted(glob.glob("/usr/share/doc/*/copyright"))
    paths += sorted(glob.glob("/usr/share/common-licenses/*"))
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    paths += sorted(str(p) for p in stdlib.rglob("*.py") if "site-packages" not in p.parts)
    rng = np.random.default_rng(seed)
    chosen = [paths[i] for i in sorted(rng.permutation(len(paths))[:limit])]
    texts = []
    for path in chosen:
        try:
            texts.append(Path(path).read_text("utf-8", "replace")[:20_000])
        except OSError:
            continue
    return texts


def stdlib_jsonl(path: Path, copies: int = 1) -> tuple[int, int]:
    """Every ``.py`` file under the running Python's standard library (site-packages
    included), one JSONL record ``{"id", "text"}`` per file, ``copies`` times (ids made
    distinct). Returns (documents, bytes)."""
    import json

    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(root.rglob("*.py"))
    documents = 0
    with open(path, "w", encoding="utf-8") as out:
        for copy in range(copies):
            for file in files:
                text = file.read_text("utf-8", "replace")
                name = str(file.relative_to(root)) + (f"#{copy}" if copy else "")
                out.write(json.dumps({"id": name, "text": text}) + "\n")
                documents += 1
    return documents, path.stat().st_size


def synthetic_documents(
    n: int, size: int = 1000, seed: int = 0, dup_rate: float = 0.1
) -> list[str]:
    """``n`` documents of about ``size`` characters from a Zipf vocabulary, some near-copies."""
    rng = np.random.default_rng(seed)
    vocabulary = np.array([f"w{i:05x}" for i in range(50_000)])
    words_per_doc = size // 7
    ranks = np.minimum(rng.zipf(1.2, size=(n, words_per_doc)) - 1, len(vocabulary) - 1)
    texts = [" ".join(vocabulary[row]) for row in ranks]
    for i in np.flatnonzero(rng.random(n) < dup_rate):
        source = texts[rng.integers(n)].split()
        source[rng.integers(len(source))] = "changed"
        texts[i] = " ".join(source)
    return texts


if __name__ == "__main__":
    sample = real_texts(50)
    print(len(sample), sum(map(len, sample)), file=sys.stderr)
