"""Compiled CPU kernels for the normalisations in training mode: statistics, output and the
closed-form gradient, each in one sweep over memory.

Why compiled: written with torch operations, a normalisation makes about a dozen passes over
the data (mean, centring, variance, scale, shift; and as many for the gradient), where
PyTorch's own kernels make about four; on inputs larger than the cache that is the time.
Here each row of statistics (a layer norm sample, a group norm group) is read once for its
mean and variance (one pass over values shifted by the row's first) and once more, from the
cache, to write the output; the backward reads the upstream gradient and the input once for
both of its sums and once more to write the input's gradient. Batch norm reads the batch
once for both statistics and once for the output, and as often for the gradient.

Every sum is accumulated in float64, and those of the backward are centred
(``sum(g * (x - mean))``, not ``sum(g * x) - mean * sum(g)``), so float32 inputs far from zero
lose no digits. The formulas are those of :mod:`notelab.nn.norm._function`:
``xhat = (x - mean) * rstd``, ``y = weight * xhat + bias`` and
``dx = rstd * (g - mean(g) - xhat * mean(g * xhat))`` with ``g = weight * dL/dy`` (without
centring, as RMS norm, the ``mean(g)`` term and the mean drop).

``fastmath`` allows reassociation only (the sums are vectorised); NaN and infinity keep their
meaning (``eps=0`` on a constant feature gives NaN, as in torch), and division by zero gives
infinity rather than an exception.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

A = np.ndarray
_jit = nb.njit(
    cache=True, nogil=True, error_model="numpy", fastmath={"reassoc", "contract", "arcp"}
)
# the same over several runs of rows on numba's threads (prange): the OpenMP runtime that
# torch's own kernels use here, whose threads wake in microseconds
_parallel = nb.njit(
    cache=True,
    nogil=True,
    parallel=True,
    error_model="numpy",
    fastmath={"reassoc", "contract", "arcp"},
)


@_jit
def _moments(x: A, center: bool, eps: float) -> tuple[float, float]:  # pragma: no cover
    """Mean (0 without centring) and ``1 / sqrt(var + eps)`` of the 1-d ``x``, in one pass
    over values shifted by the first (the shifted-data algorithm: a shift within the data's
    spread keeps ``E[d^2] - E[d]^2`` from cancelling; float64 sums)."""
    n = x.shape[0]
    shift = x[0] if center else 0.0
    s, ss = 0.0, 0.0
    for k in range(n):
        d = x[k] - shift
        s += d
        ss += d * d
    step = s / n if center else 0.0
    return shift + step, 1.0 / math.sqrt(max(ss / n - step * step, 0.0) + eps)


@_jit
def rows_forward(
    x: A, w: A, b: A, center: bool, eps: float, y: A, mean: A, rstd: A
) -> None:  # pragma: no cover
    """Layer and RMS norm: each row of ``x`` (R, F) normalised, ``w``, ``b`` per feature (F,);
    ``y`` (R, F) and the float64 ``mean``, ``rstd`` (R,) written."""
    for r in range(x.shape[0]):
        xr, yr = x[r], y[r]
        m, rs = _moments(xr, center, eps)
        mean[r], rstd[r] = m, rs
        for f in range(xr.shape[0]):
            yr[f] = (xr[f] - m) * rs * w[f] + b[f]


@_jit
def rows_backward(
    dy: A, x: A, w: A, mean: A, rstd: A, center: bool, dx: A, gw: A, gb: A
) -> None:  # pragma: no cover
    """The gradient of :func:`rows_forward`: ``dx`` (R, F) written, the weight's and bias's
    gradients added to the float64 ``gw``, ``gb`` (F,)."""
    for r in range(x.shape[0]):
        _row_backward(dy[r], x[r], w, mean[r], rstd[r], dx[r], gw, gb, center)


@_jit
def _row_backward(
    gr: A, xr: A, w: A, m: float, rs: float, dr: A, gw: A, gb: A, center: bool
) -> None:  # pragma: no cover
    """One row of :func:`rows_backward`: ``dr`` written, added to ``gw`` and ``gb``."""
    features = xr.shape[0]
    a, s = 0.0, 0.0
    for f in range(features):
        g = gr[f] * w[f]
        a += g * (xr[f] - m)
        s += g
    a, s = a * rs / features, s / features if center else 0.0
    for f in range(features):
        xh, g = (xr[f] - m) * rs, gr[f]
        dr[f] = rs * (g * w[f] - s - xh * a)
        gw[f] += g * xh
        gb[f] += g


@_jit
def groups_forward(
    x: A, w: A, b: A, groups: int, eps: float, y: A, mean: A, rstd: A
) -> None:  # pragma: no cover
    """Group norm: ``x`` (N * G, K) one row per sample and group, each row the group's P
    channels of K / P positions; ``w``, ``b`` per channel (G * P,); ``y`` (N * G, K) and the
    float64 ``mean``, ``rstd`` (N * G,) written."""
    per = w.shape[0] // groups
    length = x.shape[1] // per
    for r in range(x.shape[0]):
        xr, yr = x[r], y[r]
        m, rs = _moments(xr, True, eps)
        mean[r], rstd[r] = m, rs
        first = (r % groups) * per
        if length == 1:  # one value per channel: the weight varies along the row
            wr, br = w[first : first + per], b[first : first + per]
            for k in range(per):
                yr[k] = (xr[k] - m) * rs * wr[k] + br[k]
            continue
        for p in range(per):  # the channel's slice: indices from 0 are vectorised
            xc, yc = xr[p * length : (p + 1) * length], yr[p * length : (p + 1) * length]
            scale = rs * w[first + p]
            shift = b[first + p] - m * scale
            for k in range(length):
                yc[k] = xc[k] * scale + shift


@_jit
def groups_backward(
    dy: A, x: A, w: A, mean: A, rstd: A, groups: int, dx: A, dw: A, db: A
) -> None:  # pragma: no cover
    """The gradient of :func:`groups_forward`: ``dx`` (N * G, K) written; per channel the
    weight's gradient ``sum(dL/dy * xhat)`` added to ``dw`` and the bias's ``sum(dL/dy)`` to
    ``db`` (float64, (G * P,))."""
    per = w.shape[0] // groups
    length, size = x.shape[1] // per, x.shape[1]
    if length == 1:
        _short_groups_backward(dy, x, w, mean, rstd, groups, dx, dw, db)
        return
    for r in range(x.shape[0]):
        xr, gr, dr, m, rs = x[r], dy[r], dx[r], mean[r], rstd[r]
        first = (r % groups) * per
        a, s = 0.0, 0.0
        for p in range(per):
            xc, gc = xr[p * length : (p + 1) * length], gr[p * length : (p + 1) * length]
            centred, total = 0.0, 0.0
            for k in range(length):
                centred += gc[k] * (xc[k] - m)
                total += gc[k]
            dw[first + p] += centred * rs
            db[first + p] += total
            a += w[first + p] * centred * rs
            s += w[first + p] * total
        a, s = a / size, s / size
        for p in range(per):
            xc, gc = xr[p * length : (p + 1) * length], gr[p * length : (p + 1) * length]
            dc, scale = dr[p * length : (p + 1) * length], rs * w[first + p]
            for k in range(length):
                dc[k] = scale * gc[k] - rs * (s + (xc[k] - m) * rs * a)


@_jit
def _short_groups_backward(
    dy: A, x: A, w: A, mean: A, rstd: A, groups: int, dx: A, dw: A, db: A
) -> None:  # pragma: no cover
    """:func:`groups_backward` with one value per channel (rows of a few values, indexed
    without slices: on such rows their bookkeeping is the time)."""
    per = x.shape[1]
    for r in range(x.shape[0]):
        first, m, rs = (r % groups) * per, mean[r], rstd[r]
        a, s = 0.0, 0.0
        for k in range(per):
            g = dy[r, k] * w[first + k]
            a += g * (x[r, k] - m)
            s += g
        a, s = a * rs / per, s / per
        for k in range(per):
            xh, g = (x[r, k] - m) * rs, dy[r, k]
            dx[r, k] = rs * (g * w[first + k] - s - xh * a)
            dw[first + k] += g * xh
            db[first + k] += g


@_jit
def _channel_moments(x: A, shift: A, total: A, squares: A) -> None:  # pragma: no cover
    """Per channel of ``x`` (M, C, L), the sums of ``x - shift`` and of its squares, in one
    pass."""
    rows, channels, length = x.shape
    total[:] = 0.0
    squares[:] = 0.0
    if length == 1:  # (M, C): along the channels, contiguous
        flat = x.reshape((rows, channels))
        for i in range(rows):
            for c in range(channels):
                d = flat[i, c] - shift[c]
                total[c] += d
                squares[c] += d * d
        return
    for i in range(rows):
        for c in range(channels):
            s, ss, sc = 0.0, 0.0, shift[c]
            for k in range(length):
                d = x[i, c, k] - sc
                s += d
                ss += d * d
            total[c] += s
            squares[c] += ss


@_jit
def _channel_affine(x: A, scale: A, shift: A, y: A) -> None:  # pragma: no cover
    """``y[m, c, l] = x[m, c, l] * scale[c] + shift[c]``."""
    rows, channels, length = x.shape
    if length == 1:
        fx, fy = x.reshape((rows, channels)), y.reshape((rows, channels))
        for i in range(rows):
            for c in range(channels):
                fy[i, c] = fx[i, c] * scale[c] + shift[c]
        return
    for i in range(rows):
        for c in range(channels):
            sc, sh = scale[c], shift[c]
            for k in range(length):
                y[i, c, k] = x[i, c, k] * sc + sh


@_jit
def batch_forward(x: A, w: A, b: A, eps: float, y: A, mean: A, var: A) -> None:  # pragma: no cover
    """Batch norm in training: ``x`` (M, C, L) normalised per channel over M and L; ``y``
    written, and the float64 batch ``mean`` and biased ``var`` (C,)."""
    n = x.shape[0] * x.shape[2]
    shift = x[0, :, 0].astype(np.float64)  # the shifted-data algorithm, as for the rows
    _channel_moments(x, shift, mean, var)
    mean /= n
    var /= n
    var -= mean * mean
    np.maximum(var, 0.0, var)
    mean += shift
    scale = w / np.sqrt(var + eps)
    _channel_affine(x, scale, b - mean * scale, y)


@_jit
def _channel_grad_sums(dy: A, x: A, mean: A, total: A, centred: A) -> None:  # pragma: no cover
    """Per channel ``sum(dy)`` into ``total`` and ``sum(dy * (x - mean))`` into ``centred``."""
    rows, channels, length = x.shape
    total[:] = 0.0
    centred[:] = 0.0
    if length == 1:
        fx, fg = x.reshape((rows, channels)), dy.reshape((rows, channels))
        for i in range(rows):
            for c in range(channels):
                total[c] += fg[i, c]
                centred[c] += fg[i, c] * (fx[i, c] - mean[c])
        return
    for i in range(rows):
        for c in range(channels):
            t, s, mc = 0.0, 0.0, mean[c]
            for k in range(length):
                t += dy[i, c, k]
                s += dy[i, c, k] * (x[i, c, k] - mc)
            total[c] += t
            centred[c] += s


@_jit
def batch_backward(
    dy: A, x: A, w: A, mean: A, var: A, eps: float, dx: A, dw: A, db: A
) -> None:  # pragma: no cover
    """The gradient of :func:`batch_forward`: ``dx`` (M, C, L) written, the float64 ``dw``
    and ``db`` (C,) set."""
    n = x.shape[0] * x.shape[2]
    rstd = 1.0 / np.sqrt(var + eps)
    _channel_grad_sums(dy, x, mean, db, dw)
    dw *= rstd  # sum(dy * xhat)
    scale = w * rstd  # dx = scale * (dy - db / n - (x - mean) * rstd * dw / n)
    k1 = -scale * rstd * dw / n
    _channel_affine_sum(dy, x, scale, k1, -scale * db / n - k1 * mean, dx)


@_jit
def _channel_affine_sum(dy: A, x: A, a: A, k1: A, k0: A, dx: A) -> None:  # pragma: no cover
    """``dx[m, c, l] = a[c] * dy[m, c, l] + k1[c] * x[m, c, l] + k0[c]``."""
    rows, channels, length = x.shape
    if length == 1:
        fx, fg = x.reshape((rows, channels)), dy.reshape((rows, channels))
        fd = dx.reshape((rows, channels))
        for i in range(rows):
            for c in range(channels):
                fd[i, c] = a[c] * fg[i, c] + k1[c] * fx[i, c] + k0[c]
        return
    for i in range(rows):
        for c in range(channels):
            ac, kc, k0c = a[c], k1[c], k0[c]
            for k in range(length):
                dx[i, c, k] = ac * dy[i, c, k] + kc * x[i, c, k] + k0c


@_jit
def _bounds(rows: int, unit: int, c: int, chunks: int) -> tuple[int, int]:  # pragma: no cover
    """Rows ``[lo, hi)`` of run ``c`` of ``chunks``: whole samples of ``unit`` rows each."""
    samples = rows // unit
    return samples * c // chunks * unit, samples * (c + 1) // chunks * unit


@_parallel
def rows_forward_parallel(
    x: A, w: A, b: A, center: bool, eps: float, y: A, mean: A, rstd: A, chunks: int
) -> None:  # pragma: no cover
    """:func:`rows_forward` over ``chunks`` runs of rows on numba's threads."""
    for c in nb.prange(chunks):
        lo, hi = _bounds(x.shape[0], 1, c, chunks)
        rows_forward(x[lo:hi], w, b, center, eps, y[lo:hi], mean[lo:hi], rstd[lo:hi])


@_parallel
def rows_backward_parallel(
    dy: A, x: A, w: A, mean: A, rstd: A, center: bool, dx: A, gw: A, gb: A
) -> None:  # pragma: no cover
    """:func:`rows_backward` over as many runs of rows as ``gw`` and ``gb`` (C, F) have rows,
    on numba's threads; run ``c`` adds its weight and bias gradients to ``gw[c]``, ``gb[c]``."""
    for c in nb.prange(gw.shape[0]):
        lo, hi = _bounds(x.shape[0], 1, c, gw.shape[0])
        rows_backward(
            dy[lo:hi], x[lo:hi], w, mean[lo:hi], rstd[lo:hi], center, dx[lo:hi], gw[c], gb[c]
        )


@_parallel
def groups_forward_parallel(
    x: A, w: A, b: A, groups: int, eps: float, y: A, mean: A, rstd: A, chunks: int
) -> None:  # pragma: no cover
    """:func:`groups_forward` over ``chunks`` runs of whole samples on numba's threads."""
    for c in nb.prange(chunks):
        lo, hi = _bounds(x.shape[0], groups, c, chunks)
        groups_forward(x[lo:hi], w, b, groups, eps, y[lo:hi], mean[lo:hi], rstd[lo:hi])


@_parallel
def groups_backward_parallel(
    dy: A, x: A, w: A, mean: A, rstd: A, groups: int, dx: A, gw: A, gb: A
) -> None:  # pragma: no cover
    """:func:`groups_backward` over runs of whole samples, one per row of ``gw`` and ``gb``."""
    for c in nb.prange(gw.shape[0]):
        lo, hi = _bounds(x.shape[0], groups, c, gw.shape[0])
        groups_backward(
            dy[lo:hi], x[lo:hi], w, mean[lo:hi], rstd[lo:hi], groups, dx[lo:hi], gw[c], gb[c]
        )
