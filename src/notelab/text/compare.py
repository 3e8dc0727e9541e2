"""String comparison explained: the first differing character and its code, or the prefix rule."""

from __future__ import annotations

from dataclasses import dataclass, field

from notelab.text.ascii_table import DEL, abbreviation


@dataclass(frozen=True)
class Comparison:
    """Why ``a`` compares as it does with ``b`` in Python (by code point)."""

    a: str
    b: str
    verdict: str  # "<", "==" or ">"
    index: int | None  # first index where they differ; None when equal or one is a prefix
    char_a: str | None
    char_b: str | None
    prefix_rule: bool
    non_ascii: list[str] = field(default_factory=list)

    @property
    def explanation(self) -> str:
        """One sentence saying why."""
        if self.verdict == "==":
            return "the strings are equal"
        if self.prefix_rule:
            shorter, longer = (self.a, self.b) if self.verdict == "<" else (self.b, self.a)
            return f"{shorter!r} is a prefix of {longer!r}, and the shorter string sorts first"
        assert self.char_a is not None and self.char_b is not None
        return (
            f"they first differ at index {self.index}: {_describe(self.char_a)} "
            f"{self.verdict} {_describe(self.char_b)}"
        )

    def as_dict(self) -> dict[str, object]:
        """Plain dict for JSON output."""
        return {
            "a": self.a,
            "b": self.b,
            "verdict": self.verdict,
            "index": self.index,
            "char_a": self.char_a,
            "code_a": ord(self.char_a) if self.char_a else None,
            "char_b": self.char_b,
            "code_b": ord(self.char_b) if self.char_b else None,
            "prefix_rule": self.prefix_rule,
            "non_ascii": self.non_ascii,
            "explanation": self.explanation,
        }


def _describe(char: str) -> str:
    code = ord(char)
    shown = abbreviation(code) if code <= DEL else char
    return f"{shown!r} ({code})"


def _verdict(a: str, b: str) -> str:
    return "<" if a < b else (">" if a > b else "==")


def compare(a: str, b: str) -> Comparison:
    """Compare two strings character by character, by code point, as Python does.

    Examples
    --------
    >>> compare("Apple", "apple").explanation
    "they first differ at index 0: 'A' (65) < 'a' (97)"
    >>> compare("abc", "abcd").prefix_rule
    True
    """
    index = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), None)
    non_ascii = sorted({c for c in a + b if ord(c) > DEL})
    verdict = _verdict(a, b)
    if index is None:
        return Comparison(a, b, verdict, None, None, None, verdict != "==", non_ascii)
    return Comparison(a, b, verdict, index, a[index], b[index], False, non_ascii)


def sort_by_rule(words: list[str]) -> list[str]:
    """Sort by the note's rule: compare code by code, shorter first on a tie (no use of ``<``)."""
    return sorted(words, key=lambda word: [ord(c) for c in word])
