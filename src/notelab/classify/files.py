"""The command line's pipelines: read a table, run one tool, write the optional picture.

Each function is what one ``notelab classify`` subcommand does, so the command module only
parses options and renders the result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from notelab._util import InputError, atomic_write_png
from notelab._util.frames import read_frame
from notelab._util.paths import refuse_overwriting_inputs
from notelab.classify.compare import Comparison, compare
from notelab.classify.data import table
from notelab.classify.explain import Explanation, explain
from notelab.classify.pipeline import make_pipeline
from notelab.classify.profile import NOISE_COLUMNS, Profile, profile


def compare_file(
    data: Path,
    *,
    target: str,
    categorical: list[str] | None = None,
    plot: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    **options: Any,
) -> Comparison:
    """Read ``data``, :func:`~notelab.classify.compare` its models, draw the leaderboard."""
    refuse_overwriting_inputs([plot], [data])
    feats, y = table(read_frame(data), target, categorical)
    result = compare(
        feats.X,
        y,
        categorical=feats.categorical or None,
        progress=progress,
        **options,
    )
    if plot is not None:
        from notelab.classify.plot import leaderboard_figure

        atomic_write_png(plot, leaderboard_figure(result))
    return result


def profile_file(
    data: Path,
    *,
    target: str,
    categorical: list[str] | None = None,
    plot: Path | None = None,
    noise: Sequence[int] = NOISE_COLUMNS,
    **options: Any,
) -> Profile:
    """Read ``data``, :func:`~notelab.classify.profile` it, draw depth and noise curves."""
    refuse_overwriting_inputs([plot], [data])
    feats, y = table(read_frame(data), target, categorical)
    result = profile(feats.X, y, categorical=feats.categorical or None, noise=noise, **options)
    if plot is not None:
        from notelab.classify.plot import profile_figure

        atomic_write_png(plot, profile_figure(result))
    return result


def explain_file(
    data: Path,
    *,
    target: str,
    row: int,
    categorical: list[str] | None = None,
    pruned: bool = False,
    max_depth: int | None = None,
    random_state: int = 0,
) -> Explanation:
    """Fit a tree (pruned by CV, or to ``max_depth``) on ``data``; explain row ``row``."""
    feats, y = table(read_frame(data), target, categorical)
    if not 0 <= row < len(y):
        raise InputError(f"--row from 0 to {len(y) - 1}", str(row), "rows count from 0")
    pipe = make_pipeline(
        "pruned_tree" if pruned else "tree",
        numeric=feats.numeric,
        categorical=feats.categorical,
        levels=feats.levels,
        random_state=random_state,
    )
    if max_depth is not None and not pruned:
        pipe.set_params(model__max_depth=max_depth)
    pipe.fit(feats.X, y)
    names = feats.names if not feats.categorical else None
    return explain(pipe, feats.rows(np.array([row])), feature_names=names)
