"""What similarity means: NFC + lower case, ``\\w+`` tokens, contiguous n-gram shingles."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from notelab._util import InputError, atomic_write_bytes
from notelab.similarity._interrupt import deferred
from notelab.similarity._kernels import kernels
from notelab.similarity.options import DEFAULTS

UNITS = ("word", "char")
_WORD = re.compile(r"\w+")
_SPACES = re.compile(r"\s+")


def _normalise(text: str) -> str:
    """Unicode NFC, then lower case."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text.lower()


def tokens(text: str) -> list[str]:
    """The document's tokens: runs of Unicode word characters of the normalised text.

    Examples
    --------
    >>> tokens("Hello, WORLD! Ça va?")
    ['hello', 'world', 'ça', 'va']
    """
    return _WORD.findall(_normalise(text))


def shingles(
    text: str, ngram: int = DEFAULTS.ngram, unit: str = DEFAULTS.unit
) -> set[tuple[str, ...] | str]:
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
    _check_params(ngram, unit)
    if unit == "word":
        words = tokens(text)
        width = min(ngram, len(words))
        return (
            {tuple(words[i : i + width]) for i in range(len(words) - width + 1)} if words else set()
        )
    chars = _collapse(text)
    width = min(ngram, len(chars))
    return {chars[i : i + width] for i in range(len(chars) - width + 1)} if chars else set()


def _collapse(text: str) -> str:
    """Normalised text with every whitespace run collapsed to one space, trimmed."""
    return _SPACES.sub(" ", _normalise(text)).strip()


def exact_jaccard(a: str, b: str, ngram: int = DEFAULTS.ngram, unit: str = DEFAULTS.unit) -> float:
    """Exact Jaccard similarity of two texts' shingle sets (0.0 when either is empty).

    Examples
    --------
    >>> round(exact_jaccard("the cat sat on the mat", "the cat sat on a mat", ngram=2), 4)
    0.4286
    """
    x, y = shingles(a, ngram, unit), shingles(b, ngram, unit)
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


def _check_params(ngram: int, unit: str) -> None:
    """Validate shingling parameters."""
    if isinstance(ngram, bool) or not isinstance(ngram, int | np.integer) or ngram < 1:
        raise InputError("ngram as a positive integer", repr(ngram), "pass ngram >= 1, e.g. 5")
    if unit not in UNITS:
        raise InputError(f"unit from {', '.join(UNITS)}", repr(unit))


class _Tables(NamedTuple):
    """What the kernels look up per code point, and the characters they cannot lower."""

    is_word: np.ndarray  # bool: Python's ``\w``
    is_space: np.ndarray  # bool: Python's ``\s``
    lower: np.ndarray  # uint32: ``chr(c).lower()`` where that is one character, else c
    context: str  # characters whose ``str.lower`` is not one character's own: the text's


# Capital sigma lowers to a final sigma at the end of a word (str.lower looks around it);
# the other characters of ``_Tables.context`` lower to more than one character (İ).
_SIGMA = "\u03a3"


@functools.cache
def _character_tables() -> _Tables:
    """Python's ``\\w``, ``\\s`` and lower case as tables over every code point.

    Built once per Unicode version (about 1 s) and cached in the user's cache directory.
    """
    cache = _cache_dir() / f"chartables-unicode-{unicodedata.unidata_version}.npz"
    size = sys.maxunicode + 1
    try:
        with np.load(cache) as stored:
            lower = np.arange(size, dtype=np.uint32)
            lower[stored["lower_from"]] = stored["lower_to"]
            return _Tables(
                np.unpackbits(stored["word"])[:size].astype(np.bool_),
                np.unpackbits(stored["space"])[:size].astype(np.bool_),
                lower,
                "".join(map(chr, stored["context"].tolist())),
            )
    except (OSError, KeyError, ValueError):
        pass
    tables = _build_tables(size)
    changed = np.flatnonzero(tables.lower != np.arange(size, dtype=np.uint32))
    with contextlib.suppress(OSError):
        buffer = io.BytesIO()
        np.savez(
            buffer,
            word=np.packbits(tables.is_word),
            space=np.packbits(tables.is_space),
            lower_from=changed,
            lower_to=tables.lower[changed],
            context=np.array(list(map(ord, tables.context)), np.uint32),
        )
        atomic_write_bytes(cache, buffer.getvalue())
    return tables


def _build_tables(size: int) -> _Tables:
    everything = "".join(map(chr, range(size)))
    lowered = [chr(c).lower() for c in range(size)]
    lower = np.fromiter(
        (ord(x) if len(x) == 1 else c for c, x in enumerate(lowered)), np.uint32, size
    )
    context = _SIGMA + "".join(chr(c) for c, x in enumerate(lowered) if len(x) != 1)
    return _Tables(_runs_table(_WORD, everything), _runs_table(_SPACES, everything), lower, context)


def _cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "notelab"


def _runs_table(pattern: re.Pattern[str], everything: str) -> np.ndarray:
    table = np.zeros(len(everything), np.bool_)
    for match in pattern.finditer(everything):
        table[match.start() : match.end()] = True
    return table


# Texts are shingled this many bytes a thread at a time: enough documents for the threads to
# share evenly (smaller chunks left a thread idle more often), while the scratch (30 bytes a
# byte) stays small, so a call touches few fresh pages (a one-thread Dask worker, called once
# a partition, spent 0.7 CPU-s more on the stdlib corpus with 8 MB chunks than with 2 MB).
_BYTES_PER_THREAD = 1 << 22


def _encode(texts: Sequence[str], context: str) -> tuple[np.ndarray, np.ndarray]:
    """NFC texts as one flat array of UTF-8 bytes plus offsets, for the kernels, which lower
    the case one character at a time; a text holding a character of ``context`` (whose
    lower case is not its own character's) comes lower-cased here, by ``str.lower``."""
    prepared = [t.encode() if t.isascii() else _prepare(t, context) for t in texts]
    lengths = np.fromiter(map(len, prepared), np.int64, len(prepared))
    offsets = np.zeros(len(prepared) + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return np.frombuffer(b"".join(prepared), np.uint8), offsets


def _prepare(text: str, context: str) -> bytes:
    """UTF-8 of a text that is not ASCII: NFC, and lower-cased if the kernels cannot."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if any(c in text for c in context):
        text = text.lower()  # the kernels' table then leaves it as it is (tested)
    return text.encode("utf-8", "surrogatepass")


def _chunks(offsets: np.ndarray, size: int) -> Iterator[tuple[int, int]]:
    """Runs [lo, hi) of documents spanning about ``size`` of what ``offsets`` counts."""
    n, lo = len(offsets) - 1, 0
    while lo < n:
        hi = int(np.searchsorted(offsets, offsets[lo] + size, side="right")) - 1
        hi = min(n, max(hi, lo + 1))
        yield lo, hi
        lo = hi


def _shingle_hash_sets(
    texts: Sequence[str], ngram: int = DEFAULTS.ngram, unit: str = DEFAULTS.unit
) -> tuple[np.ndarray, np.ndarray]:
    """Every text's sorted unique 64-bit shingle hashes, in CSR layout (values, offsets)."""
    _check_params(ngram, unit)
    sizes = np.fromiter(map(len, texts), np.int64, len(texts))  # characters, to cut chunks
    bounds = np.zeros(len(texts) + 1, np.int64)
    np.cumsum(sizes, out=bounds[1:])
    tables = _character_tables()
    module = kernels("text", int(bounds[-1]))
    kernel, threads = module.shingle_sets, module.threads()
    values, filled, counts = np.empty(0, np.uint64), 0, []
    scratch = spare = np.empty(0, np.uint64)
    tally = np.empty(0, np.int64)
    with deferred() as check:
        for lo, hi in _chunks(bounds, _BYTES_PER_THREAD * threads):
            check()
            codes, offsets = _encode(texts[lo:hi], tables.context)
            if len(scratch) < len(codes) or len(tally) < len(codes) + hi - lo + 1:
                size = 5 * (len(codes) + hi - lo + 1) // 4  # reused by the chunks after
                scratch, spare = (np.empty(size, np.uint64) for _ in range(2))
                tally = np.empty(size, np.int64)
            # room for all, at the rate so far (a growth at least doubles: linear time)
            rate = filled / int(bounds[lo]) if bounds[lo] else 0.0
            reserve = max(2 * len(values), int(1.1 * rate * int(bounds[-1])))
            values, local = kernel(
                codes, offsets, int(ngram), unit == "word", *tables[:3], scratch, spare,
                tally, threads, values, filled, reserve,
            )  # fmt: skip
            filled += int(local[-1])
            counts.append(np.diff(local))
    offsets = np.zeros(len(texts) + 1, np.int64)
    np.cumsum(np.concatenate(counts) if counts else np.zeros(0, np.int64), out=offsets[1:])
    return values[:filled], offsets
