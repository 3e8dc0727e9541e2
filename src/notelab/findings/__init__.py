"""Findings: one module per note, each ``run(scale, seed) -> Finding``."""

from notelab.findings.model import Claim, Figure, Finding, Table, Verdict
from notelab.findings.registry import known_notes, parse_notes, run_finding

__all__ = [
    "Claim",
    "Figure",
    "Finding",
    "Table",
    "Verdict",
    "known_notes",
    "parse_notes",
    "run_finding",
]
