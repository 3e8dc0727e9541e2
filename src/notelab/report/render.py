"""Findings -> a self-contained HTML page, PNG figures beside it and results.json."""

from __future__ import annotations

import json
import math
import platform
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import numpy as np

from notelab._util import atomic_write_png, atomic_write_text
from notelab.findings.model import Finding, Verdict


@dataclass(frozen=True)
class FigureFile:
    """A figure as written: its file name and caption."""

    file: str
    caption: str


def verdict_counts(findings: list[Finding]) -> dict[str, int]:
    """How many claims hold, partly hold and fail, and how many findings errored."""
    counts = Counter(c.verdict.value for f in findings for c in f.claims)
    result = {v.value: counts.get(v.value, 0) for v in Verdict}
    result["errors"] = sum(1 for f in findings if f.error)
    return result


def _format_cell(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        return f"{value:,.4g}" if abs(value) < 1e5 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10_000:
        return f"{value:,}"
    return str(value)


def _to_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_json(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Verdict):
        return value.value
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def results_document(findings: list[Finding], meta: dict[str, Any]) -> dict[str, Any]:
    """Every number of the run as one JSON-ready document."""
    notes = []
    for f in findings:
        notes.append(
            {
                "note": f.note,
                "title": f.title,
                "seconds": f.seconds,
                "error": f.error,
                "claims": [
                    {"text": c.text, "verdict": c.verdict.value, "evidence": c.evidence}
                    for c in f.claims
                ],
                "tables": [
                    {"title": t.title, "columns": t.columns, "rows": t.rows} for t in f.tables
                ],
                "figures": [fig.name + ".png" for fig in f.figures],
                "data": f.data,
            }
        )
    return _to_json({"meta": meta, "summary": verdict_counts(findings), "notes": notes})


def _write_figures(finding: Finding, out: Path) -> list[FigureFile]:
    files = []
    for fig in finding.figures:
        atomic_write_png(out / f"{fig.name}.png", fig.figure)
        files.append(FigureFile(f"{fig.name}.png", fig.caption))
    return files


def _template() -> jinja2.Template:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["cell"] = _format_cell
    text = resources.files("notelab.report").joinpath("templates/report.html").read_text("utf-8")
    return env.from_string(text)


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
        "machine": f"{platform.system()} {platform.machine()}, Python {platform.python_version()}",
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
