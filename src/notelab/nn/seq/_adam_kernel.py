"""The compiled clip-then-Adam pass of :class:`~notelab.nn.seq.optim.ClippedAdam`: one loop
over every parameter's values for the gradient norm, one for the update.

Numbers as ``torch.nn.utils.clip_grad_norm_`` then ``torch.optim.Adam`` (no weight decay, no
amsgrad): ``coef = min(1, max_norm / (norm + 1e-6))`` scales the gradients (in place, as
clipping does); then ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g^2`` and
``p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)``. The norm is summed in float64.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

A = np.ndarray


@nb.njit(cache=True, nogil=True, error_model="numpy")
def clipped_adam(  # pragma: no cover - compiled
    params: tuple[A, ...],
    grads: tuple[A, ...],
    exp_avgs: tuple[A, ...],
    exp_avg_sqs: tuple[A, ...],
    steps: A,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    max_norm: float,
) -> float:
    """Clip the gradients' total norm to ``max_norm`` (none when it is negative) and take one
    Adam step on every ``params[i]`` (1-D views) whose step count is ``steps[i]`` (counted
    from 1); returns the total norm before clipping."""
    total = 0.0
    for g in grads:
        for j in range(g.size):
            total += float(g[j]) * float(g[j])
    norm = math.sqrt(total)
    coef = 1.0 if max_norm < 0 else max_norm / (norm + 1e-6)
    coef = coef if coef < 1.0 or coef != coef else 1.0  # min(coef, 1); NaN stays NaN
    for i in range(len(params)):
        p, g, m, v = params[i], grads[i], exp_avgs[i], exp_avg_sqs[i]
        step_size = lr / (1.0 - beta1 ** steps[i])
        root = math.sqrt(1.0 - beta2 ** steps[i])
        for j in range(p.size):
            gj = g[j] * coef
            if max_norm >= 0:
                g[j] = gj
            m[j] = beta1 * m[j] + (1.0 - beta1) * gj
            v[j] = beta2 * v[j] + (1.0 - beta2) * gj * gj
            p[j] -= step_size * m[j] / (math.sqrt(v[j]) / root + eps)
    return norm
