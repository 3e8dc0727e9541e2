"""The terminal summary of a report: each note, its claims and verdicts, and the page's path."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from notelab.findings.model import Finding
from notelab.report.render import verdict_counts

STYLES = {"holds": "green", "partly": "yellow", "fails": "red"}


def print_summary(findings: list[Finding], page: Path, console: Console) -> None:
    """Print every claim's verdict, the totals and where the report is."""
    table = Table(title="notelab findings", show_lines=False, expand=False)
    for name in ("note", "claim", "verdict"):
        table.add_column(name, overflow="fold")
    for f in findings:
        if f.error:
            last = f.error.strip().splitlines()[-1]
            table.add_row(str(f.note), f"{f.title}: failed to run ({last})", "[red]error[/]")
            continue
        for c in f.claims:
            style = STYLES[c.verdict.value]
            table.add_row(str(f.note), c.text, f"[{style}]{c.verdict.value}[/]")
    console.print(table)
    counts = verdict_counts(findings)
    console.print(
        f"{counts['holds']} hold, {counts['partly']} partly, {counts['fails']} fail"
        + (f", {counts['errors']} finding(s) failed to run" if counts["errors"] else "")
    )
    console.print(f"Report: {page.resolve()}")
