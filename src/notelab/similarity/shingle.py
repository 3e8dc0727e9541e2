"""What similarity means: NFC + lower case, ``\\w+`` tokens, contiguous n-gram shingles."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np

from notelab._util import InputError
from notelab.similarity import _kernels

UNITS = ("word", "char")
_WORD = re.compile(r"\w+")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Unicode NFC, then lower case."""
    return unicodedata.normalize("NFC", text).lower()


def tokens(text: str) -> list[str]:
    """The document's tokens: runs of Unicode word characters of the normalised text.

    Examples
    --------
    >>> tokens("Hello, WORLD! Ça va?")
    ['hello', 'world', 'ça', 'va']
    """
    return _WORD.findall(normalise(text))


def shingles(text: str, ngram: int = 5, unit: str = "word") -> set[tuple[str, ...] | str]:
    """The shingle set of one text, as Python objects (the reference definition).

    A text with fewer than ``ngram`` units has one shingle made of all of them; a text with
    none is empty.

    Examples
    --------
    >>> sorted(shingles("a b c", ngram=2))
    [('a', 'b'), ('b', 'c')]
    >>> shingles("a b", ngram=5)
    {('a', 'b')}
    """
    check_params(ngram, unit)
    units: Sequence = tokens(text) if unit == "word" else collapse(text)
    if not units:
        return set()
    width = min(ngram, len(units))
    grams = (units[i : i + width] for i in range(len(units) - width + 1))
    return {tuple(g) if unit == "word" else g for g in grams}


def collapse(text: str) -> str:
    """Normalised text with every whitespace run collapsed to one space, trimmed."""
    return _SPACES.sub(" ", normalise(text)).strip()


def exact_jaccard(a: str, b: str, ngram: int = 5, unit: str = "word") -> float:
    """Exact Jaccard similarity of two texts' shingle sets (0.0 when either is empty).

    Examples
    --------
    >>> exact_jaccard("the cat sat on the mat", "the cat sat on a mat", ngram=2)
    0.4285714285714285
    """
    x, y = shingles(a, ngram, unit), shingles(b, ngram, unit)
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


def check_params(ngram: int, unit: str) -> None:
    """Validate shingling parameters."""
    if isinstance(ngram, bool) or not isinstance(ngram, int | np.integer) or ngram < 1:
        raise InputError("ngram as a positive integer", repr(ngram), "pass ngram >= 1, e.g. 5")
    if unit not in UNITS:
        raise InputError(f"unit from {', '.join(UNITS)}", repr(unit))


def encode(texts: Sequence[str], unit: str = "word") -> tuple[np.ndarray, np.ndarray]:
    """Texts as one flat uint32 code-point array plus offsets, ready for the kernels."""
    prepared = [" ".join(tokens(t)) if unit == "word" else collapse(t) for t in texts]
    lengths = np.fromiter((len(p) for p in prepared), np.int64, len(prepared))
    offsets = np.zeros(len(prepared) + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    codes = np.frombuffer("".join(prepared).encode("utf-32-le"), np.uint32)
    return codes, offsets


def shingle_hash_sets(
    texts: Sequence[str], ngram: int = 5, unit: str = "word"
) -> tuple[np.ndarray, np.ndarray]:
    """Every text's sorted unique 64-bit shingle hashes, in CSR layout (values, offsets)."""
    check_params(ngram, unit)
    codes, offsets = encode(texts, unit)
    return _kernels.shingle_sets(codes, offsets, int(ngram), unit == "word")
