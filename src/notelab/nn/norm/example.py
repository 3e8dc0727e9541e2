"""The note's example worked through: 3 samples (red, blue, green) with 4 features (A-D).

Batch norm takes each feature's mean and variance over the three samples (a column of the
table); layer norm each sample's over its four features (a row). Feature D is the same for every
sample, so its batch variance is 0: ``eps`` is what keeps ``(x - mean) / sqrt(var + eps)`` from
being ``0 / 0``.

Examples
--------
>>> ex = note_example()
>>> ex.batch.mean                     # each feature over the batch
[3.0, 4.0, 6.0, 5.0]
>>> ex.layer.mean                     # each sample over its features
[4.25, 4.25, 5.0]
>>> ex.unguarded                      # feature D with eps = 0
[nan, nan, nan]
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

SAMPLES = ("red", "blue", "green")
FEATURES = ("A", "B", "C", "D")
VALUES = (
    (1.0, 2.0, 9.0, 5.0),
    (3.0, 6.0, 3.0, 5.0),
    (5.0, 4.0, 6.0, 5.0),
)
DEFAULT_EPS = 1e-5


@dataclass(frozen=True)
class Normalised:
    """One normalisation of the example: its statistics, its output, and torch's agreement."""

    over: str  # what one statistic covers, in words
    labels: list[str]  # what each statistic belongs to (features or samples)
    mean: list[float]
    var: list[float]  # biased: divided by the count
    output: list[list[float]]  # samples x features, weight 1 and bias 0
    torch_difference: float  # largest |ours - torch.nn.functional's|; NaN where not comparable


@dataclass(frozen=True)
class NoteExample:
    """The note's example under batch and layer normalisation, and what ``eps`` does."""

    samples: list[str]
    features: list[str]
    values: list[list[float]]
    eps: float
    batch: Normalised
    layer: Normalised
    constant_feature: str  # a feature equal in every sample (variance 0 over the batch)
    guarded: list[float]  # its batch-normalised values with ``eps``
    unguarded: list[float]  # and with ``eps = 0``

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON (NaN as the string ``"nan"``)."""
        plain: dict[str, Any] = _plain(asdict(self))
        return plain


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _normalise(x: Any, kind: str, eps: float) -> Normalised:
    import torch

    from notelab.nn.norm.functional import batch_norm, layer_norm

    dim = 0 if kind == "batch" else 1
    mean = x.mean(dim)
    var = x.var(dim, correction=0)
    theirs = None
    if kind == "batch":
        ours = batch_norm(x, None, None, training=True, eps=eps)
        if eps > 0:  # torch refuses eps <= 0 for batch norm in training
            theirs = torch.nn.functional.batch_norm(x, None, None, training=True, eps=eps)
        over, labels = "each feature over the batch's samples", list(FEATURES)
    else:
        ours = layer_norm(x, x.shape[1], eps=eps)
        theirs = torch.nn.functional.layer_norm(x, (x.shape[1],), eps=eps)
        over, labels = "each sample over its features", list(SAMPLES)
    difference = math.nan
    if theirs is not None and torch.isfinite(ours).all() and torch.isfinite(theirs).all():
        difference = float((ours - theirs).abs().max())
    return Normalised(over, labels, mean.tolist(), var.tolist(), ours.tolist(), difference)


def note_example(
    values: tuple[tuple[float, ...], ...] = VALUES, *, eps: float = DEFAULT_EPS
) -> NoteExample:
    """Batch and layer norm of the note's 3 x 4 example, checked against PyTorch.

    Parameters
    ----------
    values : 3 x 4 numbers
        Rows are the samples red, blue, green; columns the features A-D.
    eps : float
        Added to each variance.

    Returns
    -------
    NoteExample
        The statistics and outputs of both normalisations, their largest difference from
        ``torch.nn.functional``, and the constant feature with and without ``eps``.

    Examples
    --------
    >>> ex = note_example()
    >>> ex.batch.torch_difference < 1e-12 and ex.layer.torch_difference < 1e-12
    True
    >>> ex.constant_feature, ex.guarded
    ('D', [0.0, 0.0, 0.0])
    """
    import torch

    from notelab.nn.norm.functional import batch_norm

    x = torch.tensor(values, dtype=torch.float64)
    spread = x.max(0).values - x.min(0).values
    constant = int(spread.argmin())
    unguarded = batch_norm(x, None, None, training=True, eps=0.0)[:, constant]
    guarded = batch_norm(x, None, None, training=True, eps=DEFAULT_EPS)[:, constant]
    return NoteExample(
        list(SAMPLES),
        list(FEATURES),
        x.tolist(),
        eps,
        _normalise(x, "batch", eps),
        _normalise(x, "layer", eps),
        FEATURES[constant],
        guarded.tolist(),
        unguarded.tolist(),
    )
