"""Tokens and the vocabulary: text to token lists, token lists to ids, and unseen tokens.

Two tokenisations: ``"char"`` (every character is a token, spaces included) and ``"word"``
(tokens are separated by white space). A :class:`Vocabulary` is built from the training pairs
and fixed afterwards; a token it has not seen is handled by the *unknown policy*:
``"error"`` (the default: refuse, naming the unseen tokens) or ``"map"`` (replace it by
``<unk>``, whose embedding was never trained, so a target containing it can never be predicted
right and counts as an error).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from notelab._util import InputError

PAD, BOS, EOS, SEP, UNK = "<pad>", "<bos>", "<eos>", "<sep>", "<unk>"
SPECIALS = (PAD, BOS, EOS, SEP, UNK)
TOKENIZATIONS = ("char", "word")
UNKNOWN_POLICIES = ("error", "map")


def tokenize(text: str, mode: str) -> list[str]:
    """Split ``text`` into tokens: characters (``"char"``) or white-space words (``"word"``).

    Examples
    --------
    >>> tokenize("4021", "char")
    ['4', '0', '2', '1']
    >>> tokenize("four thousand  twenty one", "word")
    ['four', 'thousand', 'twenty', 'one']
    """
    if mode not in TOKENIZATIONS:
        raise InputError(f"tokens as one of {', '.join(TOKENIZATIONS)}", repr(mode))
    return list(text) if mode == "char" else text.split()


def detokenize(tokens: Sequence[str], mode: str) -> str:
    """Join tokens back into text (the inverse of :func:`tokenize` for clean text).

    Examples
    --------
    >>> detokenize(["f", "o", "u", "r"], "char"), detokenize(["twenty", "one"], "word")
    ('four', 'twenty one')
    """
    return "".join(tokens) if mode == "char" else " ".join(tokens)


@dataclass(frozen=True)
class Vocabulary:
    """Token <-> id, with the special tokens first (``<pad>`` is id 0).

    Examples
    --------
    >>> vocab = Vocabulary.build([["B", "A"], ["C"]])
    >>> vocab.encode(["A", "C"])
    [5, 7]
    >>> vocab.decode([5, 7, vocab.eos])
    ['A', 'C']
    """

    tokens: tuple[str, ...]
    index: dict[str, int] = field(init=False, repr=False, compare=False)

    pad: ClassVar[int] = 0
    bos: ClassVar[int] = 1
    eos: ClassVar[int] = 2
    sep: ClassVar[int] = 3
    unk: ClassVar[int] = 4

    def __post_init__(self) -> None:
        if tuple(self.tokens[: len(SPECIALS)]) != SPECIALS:
            raise ValueError(f"expected the special tokens {SPECIALS} first, got {self.tokens[:5]}")
        object.__setattr__(self, "tokens", tuple(self.tokens))
        object.__setattr__(self, "index", {token: i for i, token in enumerate(self.tokens)})

    @classmethod
    def build(cls, sequences: Iterable[Sequence[str]]) -> Vocabulary:
        """The vocabulary of every token in ``sequences`` (sorted, after the specials)."""
        seen = {token for sequence in sequences for token in sequence}
        return cls(SPECIALS + tuple(sorted(seen - set(SPECIALS))))

    def __len__(self) -> int:
        return len(self.tokens)

    def unseen(self, tokens: Iterable[str]) -> list[str]:
        """The tokens (in first-seen order, once each) that are not in the vocabulary."""
        return list(dict.fromkeys(t for t in tokens if t not in self.index))

    def encode(self, tokens: Sequence[str], unknown: str = "error") -> list[int]:
        """Ids of ``tokens``; an unseen token follows the ``unknown`` policy."""
        if unknown not in UNKNOWN_POLICIES:
            raise InputError(f"--unknown as one of {', '.join(UNKNOWN_POLICIES)}", repr(unknown))
        missing = self.unseen(tokens)
        if missing and unknown == "error":
            shown = " ".join(repr(t) for t in missing[:8])
            raise InputError(
                "tokens seen in training",
                f"{len(missing)} unseen: {shown}",
                "use the training vocabulary, or pass --unknown map to read them as <unk>",
            )
        return [self.index.get(t, self.unk) for t in tokens]

    def decode(self, ids: Iterable[int], *, stop_at_eos: bool = True) -> list[str]:
        """Tokens of ``ids``, dropping ``<pad>``/``<bos>`` and stopping at ``<eos>``."""
        out = []
        for i in ids:
            if i == self.eos and stop_at_eos:
                break
            if i not in (self.pad, self.bos):
                out.append(self.tokens[i])
        return out
