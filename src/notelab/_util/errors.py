"""The one error type for bad input: what was expected, what was got, how to fix it."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input from the user; the command line turns it into one line and exit 2.

    Parameters
    ----------
    expected : str
        What the input should have been.
    got : str
        What it was.
    fix : str, optional
        How to fix it.

    Examples
    --------
    >>> str(InputError("a positive integer", "-3", "pass --samples 1000"))
    'expected a positive integer, got -3; pass --samples 1000'
    """

    def __init__(self, expected: str, got: str, fix: str = "") -> None:
        self.expected = expected
        self.got = got
        self.fix = fix
        message = f"expected {expected}, got {got}"
        super().__init__(f"{message}; {fix}" if fix else message)
