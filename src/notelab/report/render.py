"""Findings -> a self-contained HTML page, PNG figures beside it and results.json."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from notelab._util import atomic_write_png, atomic_write_text, numbers
from notelab._util.estimate import Estimate
from notelab.findings._plot import finish
from notelab.findings.model import Finding, Table
from notelab.report.results import claim_id, results_document, verdict_counts

DPI = 110
SYMBOLS = {"holds": "✓", "partly": "◐", "fails": "✗", "unclear": "?", "error": "!"}


@dataclass(frozen=True)
class FigureFile:
    """A figure as written: its file name, caption (also its alt text) and size in pixels."""

    file: str
    caption: str
    width: int
    height: int


def _write_figures(finding: Finding, out: Path) -> list[FigureFile]:
    files = []
    for fig in finding.figures:
        atomic_write_png(out / f"{fig.name}.png", finish(fig.figure), dpi=DPI)
        width, height = (fig.figure.get_size_inches() * DPI).round().astype(int).tolist()
        files.append(FigureFile(f"{fig.name}.png", fig.caption, width, height))
    return files


UNITLESS = ("", "ratio", "proportion", "exponent")


def measured(estimate: Estimate) -> str:
    """An estimate for the page: ``0.58 (95% interval 0.52 to 0.63, median of 5 rounds)``,
    seconds as durations, other units after each number."""

    def show(value: float) -> str:
        if estimate.unit == "s":
            return numbers.duration(value)
        unit = "" if estimate.unit in UNITLESS else f" {estimate.unit}"
        return numbers.sig(value) + unit

    if estimate.low == estimate.high:
        return f"{show(estimate.value)} ({estimate.method})"
    return (
        f"{show(estimate.value)} (95% interval {show(estimate.low)} to {show(estimate.high)}, "
        f"{estimate.method})"
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def numeric_columns(table: Table) -> list[bool]:
    """Per column, whether every value in it is a number (right-aligned, header too)."""
    return [
        bool(table.rows) and all(_is_number(row[i]) for row in table.rows)
        for i in range(len(table.columns))
    ]


def _template() -> jinja2.Template:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters |= {
        "cell": numbers.cell,
        "header": numbers.header,
        "duration": numbers.duration,
        "measured": measured,
    }
    env.tests["number"] = _is_number
    env.globals |= {"claim_id": claim_id, "symbols": SYMBOLS, "numeric_columns": numeric_columns}
    text = resources.files("notelab.report").joinpath("templates/report.html").read_text("utf-8")
    return env.from_string(text)


def machine() -> str:
    """This machine in words: ``Linux x86_64, 2 cores, Python 3.11.9``."""
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )


def write_report(findings: list[Finding], out: Path, *, scale: str, seed: int) -> Path:
    """Write ``index.html``, the PNG figures and ``results.json`` into ``out``; return the page.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from notelab.findings import Finding
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> page = write_report([Finding(6, "t")], out, scale="quick", seed=0)
    >>> page.name
    'index.html'
    """
    out.mkdir(parents=True, exist_ok=True)
    meta = {
        "scale": scale,
        "seed": seed,
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
    }
    figure_files = {f.note: _write_figures(f, out) for f in findings}
    css = resources.files("notelab.report").joinpath("templates/report.css").read_text("utf-8")
    html = _template().render(
        findings=findings,
        figure_files=figure_files,
        css=css,
        counts=verdict_counts(findings),
        **meta,
    )
    document = results_document(findings, meta)
    atomic_write_text(out / "results.json", json.dumps(document, indent=1, default=str))
    page = out / "index.html"
    atomic_write_text(page, html)
    return page
