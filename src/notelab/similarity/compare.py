"""Two texts compared: exact Jaccard of their shingle sets and the MinHash estimate of it."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from notelab._util import InputError
from notelab.similarity.corpus import _decode, _read_bytes
from notelab.similarity.lsh import _check_threshold
from notelab.similarity.minhash import MinHasher, estimate_jaccard
from notelab.similarity.options import DEFAULTS
from notelab.similarity.shingle import shingles

_FILE_SUFFIX = re.compile(r"\.[A-Za-z0-9_]{1,12}$")


@dataclass(frozen=True)
class Comparison:
    """Exact and estimated Jaccard similarity of two texts, and the estimate's expected error.

    ``standard_error`` is sqrt(J(1-J)/k): the spread of a k-permutation estimate around J.
    """

    exact: float
    estimate: float
    standard_error: float
    num_perm: int
    threshold: float

    @property
    def similar(self) -> bool:
        """Whether the exact similarity reaches the threshold."""
        return self.exact >= self.threshold


def compare(
    a: str,
    b: str,
    *,
    threshold: float = DEFAULTS.threshold,
    num_perm: int = DEFAULTS.num_perm,
    ngram: int = DEFAULTS.ngram,
    unit: str = DEFAULTS.unit,
    seed: int = DEFAULTS.seed,
) -> Comparison:
    """Exact Jaccard of ``a`` and ``b`` and its MinHash estimate; an empty text matches nothing.

    Examples
    --------
    >>> c = compare("the cat sat on the mat", "the cat sat on a mat", ngram=2)
    >>> round(c.exact, 4), round(c.standard_error, 4)
    (0.4286, 0.0437)
    >>> compare("", "").estimate
    0.0
    """
    _check_threshold(threshold)
    hasher = MinHasher(num_perm=num_perm, ngram=ngram, unit=unit, seed=seed)
    sets = [shingles(a, ngram, unit), shingles(b, ngram, unit)]
    if not sets[0] or not sets[1]:
        return Comparison(0.0, 0.0, 0.0, num_perm, threshold)
    exact = len(sets[0] & sets[1]) / len(sets[0] | sets[1])
    signatures = hasher.signatures([a, b])
    estimate = estimate_jaccard(signatures[0], signatures[1])
    error = math.sqrt(exact * (1 - exact) / num_perm)
    return Comparison(exact, estimate, error, num_perm, threshold)


def looks_like_path(argument: str) -> bool:
    """A single word with a slash or a file suffix (``notes.txt``, ``a/b``): meant as a file.

    Examples
    --------
    >>> looks_like_path("notes.txt"), looks_like_path("docs/a"), looks_like_path("the cat.")
    (True, True, False)
    """
    if not argument or any(c.isspace() for c in argument):
        return False
    return "/" in argument or "\\" in argument or bool(_FILE_SUFFIX.search(argument))


def text_of(argument: str, *, literal: bool = False) -> str:
    """The text an argument stands for: the file's text if it names a file, else itself.

    An argument that looks like a path (see :func:`looks_like_path`) but names no file is an
    error, so a mistyped file name is never compared as text; ``literal=True`` takes every
    argument as text.
    """
    if literal:
        return argument
    path = Path(argument)
    if path.is_file():
        return _decode(_read_bytes(path))[0]
    if looks_like_path(argument):
        what = "a folder" if path.is_dir() else "no such file"
        raise InputError(
            "an existing file, or a text",
            f"{argument!r} ({what})",
            "check the path, or pass --text to compare the argument itself as text",
        )
    return argument
