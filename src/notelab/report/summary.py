"""The terminal summary of a report: each note, its claims and verdicts, and the page's path."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from notelab.findings.model import Finding
from notelab.report.render import SYMBOLS
from notelab.report.results import verdict_counts

STYLES = {
    "holds": "green",
    "partly": "yellow",
    "fails": "red",
    "unclear": "magenta",
    "error": "red",
}
WORDS = {"holds": "hold", "partly": "partly", "fails": "fail", "unclear": "unclear"}


def _verdict(name: str) -> str:
    return f"[{STYLES[name]}]{SYMBOLS[name]} {name}[/]"


def print_summary(findings: list[Finding], page: Path, console: Console) -> None:
    """Print every claim's verdict, the totals (holds, partly, fails, unclear) and the page."""
    table = Table(title="notelab findings", show_lines=False, expand=False)
    for name in ("note", "claim", "verdict"):
        table.add_column(name, overflow="fold")
    for f in findings:
        if f.error:
            last = f.error.strip().splitlines()[-1]
            table.add_row(str(f.note), f"{f.title}: failed to run ({last})", _verdict("error"))
            continue
        for c in f.claims:
            table.add_row(str(f.note), c.text, _verdict(c.verdict.value))
    console.print(table)
    counts = verdict_counts(findings)
    warned = sum(1 for f in findings if f.warnings)
    console.print(
        ", ".join(f"{counts[v]} {word}" for v, word in WORDS.items())
        + (f", {counts['errors']} finding(s) failed to run" if counts["errors"] else "")
        + (f"; library warnings in {warned} finding(s), listed in the report" if warned else "")
    )
    console.print(f"Report: {page.resolve()}")
