"""What every command shares: JSON on stdout, rich output on stderr/stdout, progress bars."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON document on stdout and nothing else."
)


def stdout_console() -> Console:
    """A console for human output on stdout."""
    return Console(file=sys.stdout, soft_wrap=False)


def stderr_console() -> Console:
    """A console for progress and notes on stderr."""
    return Console(file=sys.stderr)


def emit_json(document: Any) -> None:
    """Print one JSON document on stdout."""
    click.echo(json.dumps(document, indent=2, ensure_ascii=False, default=str))


def progress_bar(console: Console | None = None, *, disable: bool = False) -> Progress:
    """A progress bar on stderr (hidden when stderr is not a terminal or ``disable``)."""
    console = console or stderr_console()
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        # rich draws a last frame even where it cannot animate: a log or pipe gets a stale bar
        disable=disable or not console.is_terminal,
        transient=False,
    )
