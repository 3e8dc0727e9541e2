"""``notelab similarity``: exact and MinHash-estimated Jaccard similarity of two texts or files."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from notelab.cli._common import emit_json, json_option, stdout_console
from notelab.similarity import UNITS
from notelab.similarity.options import DEFAULTS

Callback = Callable[..., Any]  # a command's function, as click takes it
Decorator = Callable[[Callback], Callback]  # a click option, argument or group of them

_MINHASH_OPTIONS = (
    ("--threshold", "threshold", float, "Jaccard similarity that counts as a duplicate."),
    ("--num-perm", "num_perm", int, "MinHash permutations."),
    ("--ngram", "ngram", int, "Shingle width (words or characters)."),
    ("--unit", "unit", click.Choice(UNITS), "Word or character n-grams."),
    ("--seed", "seed", int, "Seed of the hash functions."),
)


def stack(function: Callback, options: list[Decorator]) -> Callback:
    """Apply click decorators in reading order (the first one listed shows first)."""
    for option in reversed(options):
        function = option(function)
    return function


def minhash_options(with_defaults: bool = True) -> Decorator:
    """--threshold, --num-perm, --ngram, --unit, --seed (no defaults: taken from an index)."""
    options: list[Decorator] = [
        click.option(
            flag,
            type=kind,
            help=text,
            show_default=with_defaults,
            default=getattr(DEFAULTS, name) if with_defaults else None,
        )
        for flag, name, kind, text in _MINHASH_OPTIONS
    ]
    return lambda function: stack(function, options)


@click.command("similarity")
@click.argument("a")
@click.argument("b")
@minhash_options()
@click.option("--text", "literal", is_flag=True, help="Take A and B as texts, never as files.")
@json_option
def similarity_command(
    a: str,
    b: str,
    threshold: float,
    num_perm: int,
    ngram: int,
    unit: str,
    seed: int,
    literal: bool,
    as_json: bool,
) -> None:
    """Exact and MinHash-estimated Jaccard similarity of two texts (or two files).

    A and B are files when they name files; an argument that looks like a file name (one
    word with a / or a suffix such as .txt) but names none is an error, so a typo is never
    compared as text. --text takes both as texts. An empty text (no shingles) matches
    nothing: both numbers are 0.

    \b
    Examples:
      notelab similarity "the cat sat on the mat" "the cat sat on a mat" --ngram 2
      notelab similarity LICENSE-A LICENSE-B --json
      notelab similarity --text notes.txt notes.md
    """
    from notelab.similarity.compare import compare, text_of

    texts = [text_of(x, literal=literal) for x in (a, b)]
    result = compare(
        *texts, threshold=threshold, num_perm=num_perm, ngram=ngram, unit=unit, seed=seed
    )
    document: dict[str, Any] = {
        "exact": result.exact,
        "estimate": result.estimate,
        "num_perm": num_perm,
        "ngram": ngram,
        "unit": unit,
        "similar": result.similar,
        "threshold": threshold,
        "standard_error": result.standard_error,
    }
    if as_json:
        emit_json(document)
        return
    stdout_console().print(
        f"exact Jaccard {result.exact:.4f}, MinHash estimate {result.estimate:.4f} "
        f"(k={num_perm}, expected error ±{result.standard_error:.4f}); "
        f"{'similar' if result.similar else 'not similar'} at {threshold}",
        highlight=False,
        soft_wrap=True,
    )
