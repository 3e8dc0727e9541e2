"""The finding contract: a note's claims, each with a verdict computed from a measurement."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from matplotlib.figure import Figure as MplFigure


class Verdict(str, enum.Enum):
    """How a claim fares against the measurement."""

    HOLDS = "holds"
    PARTLY = "partly"
    FAILS = "fails"

    @classmethod
    def from_checks(cls, passed: int, total: int) -> Verdict:
        """All checks pass: holds; some: partly; none: fails.

        Examples
        --------
        >>> Verdict.from_checks(3, 4).value
        'partly'
        """
        if total <= 0:
            raise ValueError(f"expected at least one check, got {total}")
        if passed == total:
            return cls.HOLDS
        return cls.PARTLY if passed > 0 else cls.FAILS

    @classmethod
    def of(cls, ok: bool) -> Verdict:
        """Holds when ``ok``, fails otherwise."""
        return cls.HOLDS if ok else cls.FAILS


@dataclass(frozen=True)
class Claim:
    """One thing the note says, the verdict of the measurement and the evidence in one sentence."""

    text: str
    verdict: Verdict
    evidence: str


@dataclass(frozen=True)
class Table:
    """A table of measured numbers: column names and rows of plain values."""

    title: str
    columns: list[str]
    rows: list[list[Any]]


@dataclass
class Figure:
    """A matplotlib figure with a file-name stem and a caption."""

    name: str
    caption: str
    figure: MplFigure


@dataclass
class Finding:
    """Everything one note's experiment measured."""

    note: int
    title: str
    claims: list[Claim] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None
