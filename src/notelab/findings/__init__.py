"""Findings: one module per note, each ``run(scale, seed) -> Finding``."""

from notelab._util.estimate import Estimate
from notelab.findings.model import Claim, Figure, Finding, Table
from notelab.findings.registry import known_notes, parse_notes, run_finding
from notelab.findings.stats import (
    Region,
    Verdict,
    at_least,
    at_most,
    between,
    grade,
)

__all__ = [
    "Claim",
    "Estimate",
    "Figure",
    "Finding",
    "Region",
    "Table",
    "Verdict",
    "at_least",
    "at_most",
    "between",
    "grade",
    "known_notes",
    "parse_notes",
    "run_finding",
]
