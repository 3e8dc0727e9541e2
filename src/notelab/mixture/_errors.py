"""Errors worded as scikit-learn words them, then ours: a drop-in serves both readers."""

from __future__ import annotations

from notelab._util import InputError


class SklearnWordedError(InputError):
    """An :class:`InputError` whose message starts with scikit-learn's sentence for the same
    fault (so code matching scikit-learn's message still matches), then what to do; with
    ``say_got``, what was got too (when scikit-learn's sentence does not say it).

    Examples
    --------
    >>> str(SklearnWordedError("Got 0 instead.", "n_components >= 1", "0", "pass 2"))
    'Got 0 instead. (pass 2)'
    """

    def __init__(
        self, sentence: str, expected: str, got: str, fix: str, *, say_got: bool = False
    ) -> None:
        super().__init__(expected, got, fix)
        self.sentence = sentence
        self.args = (f"{sentence} ({got}; {fix})" if say_got else f"{sentence} ({fix})",)
