"""The registered findings: a new note is one module here plus one line in ``_MODULES``."""

from __future__ import annotations

import importlib
import traceback
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from time import perf_counter

from notelab._util import InputError
from notelab.findings.model import Finding

Scale = str
SCALES = ("quick", "full")

# note number -> (module, title); the module has ``run(scale, seed) -> Finding``.
_MODULES: dict[int, tuple[str, str]] = {
    1: ("notelab.findings.note01_batch_size", "Batch size vs training time and memory"),
    2: ("notelab.findings.note02_classifiers", "Classification algorithms: pros and cons"),
    3: ("notelab.findings.note03_norm", "Batch normalisation vs layer normalisation"),
    4: ("notelab.findings.note04_em", "EM algorithm for a Gaussian mixture"),
    5: ("notelab.findings.note05_teacher_forcing", "Teacher forcing and exposure bias"),
    6: ("notelab.findings.note06_steps", "Epoch, batch size, step"),
    7: ("notelab.findings.note07_semi", "Self-supervised vs semi-supervised learning"),
    8: ("notelab.findings.note08_lsh", "Locality-sensitive hashing"),
    9: ("notelab.findings.note09_minhash", "MinHash"),
    10: ("notelab.findings.note10_ascii", "ASCII table and string comparison"),
}


def known_notes() -> list[int]:
    """The note numbers that have a finding, in order."""
    return sorted(_MODULES)


def note_title(note: int) -> str:
    """The title of a registered note."""
    return _MODULES[note][1]


def parse_notes(spec: str | None) -> list[int]:
    """Turn ``"6,10"`` into ``[6, 10]``; ``None`` or ``"all"`` means every note.

    Examples
    --------
    >>> parse_notes("10, 6")
    [6, 10]
    """
    known = known_notes()
    if spec is None or spec.strip().lower() in ("", "all"):
        return known
    notes = []
    for part in spec.split(","):
        text = part.strip()
        if not text.isdigit() or int(text) not in _MODULES:
            raise InputError(
                f"note numbers from {', '.join(map(str, known))}",
                repr(text),
                "pass --notes as a comma-separated list, e.g. --notes 6,10",
            )
        notes.append(int(text))
    return sorted(set(notes))


def runner(note: int) -> Callable[..., Finding]:
    """The ``run`` function of a note's finding module."""
    run: Callable[..., Finding] = importlib.import_module(_MODULES[note][0]).run
    return run


def run_finding(note: int, scale: Scale = "quick", seed: int = 0) -> Finding:
    """Run one finding; an exception becomes a finding with ``error`` set, never a crash.

    Warnings that libraries raise while it runs are kept in ``finding.warnings`` (each once,
    with how often it came), not printed.
    """
    start = perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            finding = runner(note)(scale=scale, seed=seed)
        except Exception:  # a broken finding must not sink the report
            finding = Finding(note=note, title=note_title(note), error=traceback.format_exc())
    finding.seconds = perf_counter() - start
    finding.warnings = _warning_lines(caught)
    return finding


def _warning_lines(caught: list[warnings.WarningMessage]) -> list[str]:
    """``"ConvergenceWarning: ... (sklearn/mixture/_base.py:293, 4 times)"``, each once."""
    counts = Counter(
        (w.category.__name__, str(w.message).strip(), _short_path(w.filename), w.lineno)
        for w in caught
    )
    return [
        f"{name}: {message} ({path}:{line}" + (f", {n} times)" if n > 1 else ")")
        for (name, message, path, line), n in counts.items()
    ]


def _short_path(filename: str) -> str:
    """The path from the package folder on (``sklearn/mixture/_base.py``)."""
    parts = Path(filename).parts
    for marker in ("site-packages", "src"):
        if marker in parts:
            return "/".join(parts[parts.index(marker) + 1 :])
    return Path(filename).name
