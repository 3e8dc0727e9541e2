"""``notelab report``: run the findings and write the HTML report."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from notelab._util import InputError
from notelab.cli._common import progress_bar, stderr_console, stdout_console
from notelab.findings.registry import SCALES, parse_notes, run_finding
from notelab.report import print_summary, write_report


@click.command("report")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("notelab-report"),
    show_default=True,
    help="Directory of the report.",
)
@click.option(
    "--notes", default="all", show_default=True, help="Comma-separated note numbers, e.g. 6,10."
)
@click.option(
    "--scale",
    type=click.Choice(SCALES),
    default="quick",
    show_default=True,
    help="quick: about 30 s a note on 2 cores; full: the effect at real size.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for every experiment.")
def report_command(out: Path, notes: str, scale: str, seed: int) -> None:
    """Run every finding and write OUT/index.html, PNG figures and OUT/results.json.

    Exit 1 when a finding fails to run (its section says why; the others still render).

    \b
    Examples:
      notelab report
      notelab report --notes 6,10 --out /tmp/r
      notelab report --scale full --seed 3
    """
    if not notes.strip():
        raise InputError(
            "at least one note number, or 'all'",
            "an empty --notes",
            "pass e.g. --notes 6,10, or leave --notes out to run every note",
        )
    chosen = parse_notes(notes)
    findings = []
    with progress_bar(stderr_console()) as progress:
        task = progress.add_task("findings", total=len(chosen))
        for note in chosen:
            progress.update(task, description=f"note {note}")
            findings.append(run_finding(note, scale=scale, seed=seed))
            progress.advance(task)
    page = write_report(findings, out, scale=scale, seed=seed)
    print_summary(findings, page, stdout_console())
    if any(f.error for f in findings):
        sys.exit(1)
