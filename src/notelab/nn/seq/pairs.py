"""The user's own pairs: a TSV file of ``source<TAB>target`` lines, tokenised by characters or
white-space words."""

from __future__ import annotations

from pathlib import Path

from notelab._util import InputError
from notelab.nn.seq.tasks import Pair
from notelab.nn.seq.vocab import tokenize


def parse_pairs(text: str, tokens: str = "char", *, name: str = "pairs") -> list[Pair]:
    """Pairs from TSV text; blank lines are skipped, every other line needs a tab.

    Parameters
    ----------
    text : str
        Lines ``source<TAB>target`` (lines end at ``\\n``; a trailing ``\\r`` is kept as text).
    tokens : {"char", "word"}
        How both sides are split into tokens.
    name : str
        The file name used in error messages.

    Examples
    --------
    >>> parse_pairs("ab\\tba\\ncd\\tdc\\n")
    [(['a', 'b'], ['b', 'a']), (['c', 'd'], ['d', 'c'])]
    """
    pairs = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        source, tab, target = line.partition("\t")
        where = f"{name} line {number}"
        if not tab:
            raise InputError("source<TAB>target on every line", f"{where}: {line[:40]!r}")
        if "\t" in target:
            raise InputError("exactly one tab per line", f"{where}: {line[:40]!r}")
        pair = (tokenize(source, tokens), tokenize(target, tokens))
        for side, toks in zip(("source", "target"), pair, strict=True):
            if not toks:
                raise InputError(f"a non-empty {side}", f"{where}: {line[:40]!r}")
        pairs.append(pair)
    if not pairs:
        raise InputError("at least one source<TAB>target line", f"no pairs in {name}")
    return pairs


def read_pairs(path: str | Path, tokens: str = "char") -> list[Pair]:
    """Pairs from a UTF-8 TSV file (see :func:`parse_pairs`)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("a TSV file of source<TAB>target lines", f"{str(path)!r} (no such file)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise InputError("a UTF-8 text file", f"{path.name}: {error.reason}") from None
    return parse_pairs(text, tokens, name=path.name)
