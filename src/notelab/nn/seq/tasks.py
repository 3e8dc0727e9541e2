"""Built-in sequence tasks, generated (no downloads): copy, reverse, sort, add and spell.

Each example is a pair of token lists ``(source, target)``. Letters tasks (copy, reverse, sort)
use word tokens over a small alphabet (``"A B C D E"``); ``add`` uses character tokens
(``"123+45"`` -> ``"168"``); ``spell`` turns digits into English words (``"4021"`` ->
``"four thousand twenty one"``). Outputs are several tokens long, so early errors can compound.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from notelab._util import InputError

Pair = tuple[list[str], list[str]]


@dataclass(frozen=True)
class TaskSpec:
    """A built-in task: its tokenisation of each side and what it asks for."""

    name: str
    source_tokens: str
    target_tokens: str
    description: str


TASKS = {
    "copy": TaskSpec("copy", "word", "word", "repeat the letters"),
    "reverse": TaskSpec("reverse", "word", "word", "the letters backwards"),
    "sort": TaskSpec("sort", "word", "word", "the letters in alphabetical order"),
    "add": TaskSpec("add", "char", "char", "the sum of two numbers"),
    "spell": TaskSpec("spell", "char", "word", "a number in English words"),
}

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen \
fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**9, "billion"), (10**6, "million"), (1000, "thousand"))


def task_spec(name: str) -> TaskSpec:
    """The :class:`TaskSpec` of ``name``, or an :class:`InputError` listing the tasks."""
    if name not in TASKS:
        raise InputError(f"a task from {', '.join(TASKS)}", repr(name), "e.g. --task reverse")
    return TASKS[name]


def spell_number(number: int) -> list[str]:
    """``number`` in English words, without "and" or hyphens (below 10**12).

    Examples
    --------
    >>> " ".join(spell_number(4021))
    'four thousand twenty one'
    >>> " ".join(spell_number(115_000_019))
    'one hundred fifteen million nineteen'
    """
    if not 0 <= number < 10**12:
        raise ValueError(f"expected 0 <= number < 10**12, got {number}")
    if number == 0:
        return ["zero"]
    words: list[str] = []
    for size, name in _SCALES:
        if number >= size:
            words += [*_below_thousand(number // size), name]
            number %= size
    return words + (_below_thousand(number) if number else [])


def _below_thousand(n: int) -> list[str]:
    words = [_ONES[n // 100], "hundred"] if n >= 100 else []
    n %= 100
    if n >= 20:
        return words + [_TENS[n // 10]] + ([_ONES[n % 10]] if n % 10 else [])
    return words + ([_ONES[n]] if n else [])


def _letters(symbols: int) -> list[str]:
    if not 2 <= symbols <= 26:
        raise InputError("2 to 26 symbols", str(symbols), "e.g. --symbols 10")
    return list(string.ascii_uppercase[:symbols])


def _parse_sum(tokens: list[str]) -> list[str]:
    text = "".join(tokens)
    left, plus, right = text.partition("+")
    if not (plus and left.isdigit() and right.isdigit()):
        raise InputError("a sum like 123+45", repr(text), "write two numbers joined by '+'")
    return list(str(int(left) + int(right)))


def _parse_spell(tokens: list[str]) -> list[str]:
    text = "".join(tokens)
    if not text.isdigit() or len(text) > 12:
        raise InputError("a number of 1 to 12 digits", repr(text), "e.g. 4021")
    return spell_number(int(text))


_TARGETS: dict[str, Callable[[list[str]], list[str]]] = {
    "copy": list,
    "reverse": lambda tokens: tokens[::-1],
    "sort": sorted,
    "add": _parse_sum,
    "spell": _parse_spell,
}


def task_target(name: str, source: list[str]) -> list[str]:
    """The correct target of ``source`` for task ``name``.

    Examples
    --------
    >>> task_target("reverse", ["A", "B", "C"])
    ['C', 'B', 'A']
    >>> task_target("add", list("123+45"))
    ['1', '6', '8']
    """
    return _TARGETS[task_spec(name).name](list(source))


def _source(
    name: str, rng: np.random.Generator, lengths: tuple[int, int], symbols: int
) -> list[str]:
    low, high = lengths
    if name == "add":
        sizes = rng.integers(max(1, low // 2), max(1, high // 2) + 1, size=2).tolist()
        a, b = (int(rng.integers(10 ** (d - 1) if d > 1 else 0, 10**d)) for d in sizes)
        return list(f"{a}+{b}")
    if name == "spell":
        digits = int(rng.integers(1, 7))
        return list(str(int(rng.integers(10 ** (digits - 1) if digits > 1 else 0, 10**digits))))
    return [str(s) for s in rng.choice(_letters(symbols), size=int(rng.integers(low, high + 1)))]


def generate_pairs(
    name: str,
    count: int,
    *,
    seed: int = 0,
    min_length: int = 4,
    max_length: int = 10,
    symbols: int = 10,
    exclude: set[tuple[str, ...]] | None = None,
) -> list[Pair]:
    """``count`` distinct examples of task ``name``, none of whose sources is in ``exclude``.

    Lengths count source tokens for the letters tasks and digits per operand (half of them)
    for ``add``; ``spell`` draws numbers of 1 to 6 digits.

    Examples
    --------
    >>> generate_pairs("sort", 1, seed=0, min_length=3, max_length=3)
    [(['I', 'G', 'F'], ['F', 'G', 'I'])]
    """
    task_spec(name)
    if not 1 <= min_length <= max_length:
        raise InputError("1 <= min length <= max length", f"{min_length} and {max_length}")
    rng = np.random.default_rng(seed)
    seen = set(exclude or ())
    pairs: list[Pair] = []
    for _ in range(50 * count + 1000):
        if len(pairs) == count:
            break
        source = _source(name, rng, (min_length, max_length), symbols)
        if tuple(source) not in seen:
            seen.add(tuple(source))
            pairs.append((source, task_target(name, source)))
    return pairs


def task_split(name: str, train: int, test: int, **options: Any) -> tuple[list[Pair], list[Pair]]:
    """Disjoint training and held-out examples (no held-out source appears in training).

    Examples
    --------
    >>> fit, held = task_split("copy", 50, 10, seed=1)
    >>> len(fit), len(held), {tuple(s) for s, _ in fit} & {tuple(s) for s, _ in held}
    (50, 10, set())
    """
    pairs = generate_pairs(name, train + test, **options)
    return pairs[:train], pairs[train:]
