"""The finding contract: a note's claims, each with a verdict computed from a measurement."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from notelab._util.estimate import Estimate
from notelab.findings.stats import Region, Verdict, grade

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure


@dataclass(frozen=True)
class Claim:
    """One thing the note says, the verdict of the measurement and the evidence in one sentence."""

    text: str
    verdict: Verdict
    evidence: str
    estimate: Estimate | None = None
    holds: Region | None = None
    partly: Region | None = None

    @classmethod
    def judged(
        cls,
        text: str,
        estimate: Estimate,
        *,
        holds: Region,
        partly: Region | None = None,
        evidence: str,
    ) -> Claim:
        """The claim with its verdict graded from ``estimate``: the way every claim is made.

        Examples
        --------
        >>> from notelab.findings.stats import at_least
        >>> c = Claim.judged("Steps are exact.", Estimate.exact(1.0), holds=at_least(1.0),
        ...                  evidence="10 of 10 loops took the predicted steps.")
        >>> c.verdict.value
        'holds'
        """
        verdict = grade(estimate, holds=holds, partly=partly)
        return cls(text, verdict, evidence, estimate, holds, partly)


@dataclass(frozen=True)
class Table:
    """A table of measured numbers: column names and rows of plain values."""

    title: str
    columns: list[str]
    rows: list[list[Any]]

    @classmethod
    def from_records(
        cls, title: str, records: Iterable[Mapping[str, Any]], columns: Mapping[str, str]
    ) -> Table:
        """A table of ``records`` (dicts), one column per key of ``columns`` headed by its value.

        Examples
        --------
        >>> t = Table.from_records("Steps", [{"b": 100, "steps": 10}],
        ...                        {"b": "batch size", "steps": "steps per epoch"})
        >>> t.columns, t.rows
        (['batch size', 'steps per epoch'], [[100, 10]])
        """
        keys = list(columns)
        return cls(title, [columns[k] for k in keys], [[r[k] for k in keys] for r in records])


@dataclass
class Figure:
    """A matplotlib figure with a file-name stem and a caption."""

    name: str
    caption: str
    figure: MplFigure


@dataclass
class Finding:
    """Everything one note's experiment measured.

    ``workload`` says in words what it ran on (data and sizes), ``device`` where (empty: this
    machine's CPU); the runner fills ``seconds``, ``error`` and ``warnings`` (library warnings
    raised while it ran, each once).
    """

    note: int
    title: str
    claims: list[Claim] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    workload: str = ""
    device: str = ""
    seconds: float = 0.0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
