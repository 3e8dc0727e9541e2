"""Findings -> the ``results.json`` document (its JSON Schema is ``results.schema.json``)."""

from __future__ import annotations

import json
import math
from collections import Counter
from importlib import resources
from typing import Any

import numpy as np

from notelab.findings.model import Claim, Finding
from notelab.findings.stats import Region, Verdict


def verdict_counts(findings: list[Finding]) -> dict[str, int]:
    """How many claims hold, partly hold, fail and are unclear, and how many findings errored."""
    counts = Counter(c.verdict.value for f in findings for c in f.claims)
    result = {v.value: counts.get(v.value, 0) for v in Verdict}
    result["errors"] = sum(1 for f in findings if f.error)
    return result


def claim_id(note: int, index: int) -> str:
    """The anchor of a claim on the page and its id in results.json: ``note-4-claim-2``."""
    return f"note-{note}-claim-{index + 1}"


def _region(region: Region | None) -> dict[str, Any] | None:
    if region is None:
        return None
    return {
        "low": region.low if math.isfinite(region.low) else None,
        "high": region.high if math.isfinite(region.high) else None,
        "text": region.describe(),
    }


def _claim(note: int, index: int, claim: Claim) -> dict[str, Any]:
    return {
        "id": claim_id(note, index),
        "text": claim.text,
        "verdict": claim.verdict.value,
        "evidence": claim.evidence,
        "estimate": claim.estimate.as_dict() if claim.estimate is not None else None,
        "thresholds": {"holds": _region(claim.holds), "partly": _region(claim.partly)},
    }


def _to_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_json(v) for v in value]
    if isinstance(value, np.generic):
        return _to_json(value.item())
    if isinstance(value, np.ndarray):
        return _to_json(value.tolist())
    if isinstance(value, Verdict):
        return value.value
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _note(f: Finding) -> dict[str, Any]:
    return {
        "note": f.note,
        "title": f.title,
        "workload": f.workload,
        "device": f.device,
        "seconds": f.seconds,
        "error": f.error,
        "warnings": f.warnings,
        "claims": [_claim(f.note, i, c) for i, c in enumerate(f.claims)],
        "tables": [{"title": t.title, "columns": t.columns, "rows": t.rows} for t in f.tables],
        "figures": [fig.name + ".png" for fig in f.figures],
        "data": f.data,
    }


def results_document(findings: list[Finding], meta: dict[str, Any]) -> dict[str, Any]:
    """Every number of the run as one JSON-ready document: each claim with its estimate
    (value, 95% interval, count, method), its thresholds and its verdict.

    Examples
    --------
    >>> from notelab.findings import Claim, Estimate, at_least
    >>> claim = Claim.judged("c", Estimate.exact(2), holds=at_least(1), evidence="e")
    >>> doc = results_document([Finding(6, "t", claims=[claim])], {})
    >>> doc["notes"][0]["claims"][0]["thresholds"]["holds"]
    {'low': 1.0, 'high': None, 'text': '>= 1'}
    """
    notes = [_note(f) for f in findings]
    document: dict[str, Any] = _to_json(
        {"meta": meta, "summary": verdict_counts(findings), "notes": notes}
    )
    return document


def results_schema() -> dict[str, Any]:
    """The JSON Schema of :func:`results_document` (``results.schema.json``)."""
    text = resources.files("notelab.report").joinpath("results.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
