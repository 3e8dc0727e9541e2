"""Checking comma-separated names (models, metrics) against the known ones."""

from __future__ import annotations

from collections.abc import Iterable

from notelab._util import InputError


def parse_names(
    names: str | Iterable[str], known: Iterable[str], *, what: str, example: str
) -> list[str]:
    """``names`` (a list or ``"a,b"``) checked against ``known``, duplicates dropped.

    Examples
    --------
    >>> parse_names("b, a, b", ["a", "b"], what="model", example="--models a")
    ['b', 'a']
    """
    known = list(known)
    items = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
    unknown = [n for n in items if n not in known]
    if unknown or not items:
        raise InputError(
            f"{what} names from {', '.join(known)}",
            ", ".join(map(repr, unknown)) or "none",
            f"e.g. {example}",
        )
    return list(dict.fromkeys(items))
