"""Compiled CPU kernels for one GRU layer over a whole packed sequence: the recurrence
forward and the gradient of the gate pre-activations backward, each one loop over the steps,
and the packed layout itself.

Why compiled: written with torch operations, each step of the recurrence is a dozen small
operations (a matmul, then slices, sigmoids, tanh, products), and on the matrices of a small
sequence model their dispatch, not the arithmetic, sets the time. Here a step is one BLAS
matmul (``h W_hh^T`` forward, ``d_gh W_hh`` backward) and one fused loop over the batch and
hidden units. The cell is ``torch.gru_cell``'s::

    r = sigmoid(i_r + h_r), z = sigmoid(i_z + h_z), n = tanh(i_n + r h_n), h' = n + z (h - n)

with ``i = x W_ih^T + b_ih`` (one matmul over all steps, by the caller) and
``h = h W_hh^T + b_hh``; the input side may be given per row or per vocabulary entry, indexed
by the rows' tokens. The forward keeps r, z, n and ``h_n`` of every step, so the backward
recomputes nothing. The loops over hidden units run on vector instructions (16 float32
values at a time here), cut so that each touches few arrays (see :func:`forward`); at the
CLI's size (533 rows of 64 units) a layer's forward takes 183 us, 158 of them the per-step
matmuls, and its backward 215, 162 of them the matmuls.

Precision: in float64 ``tanh`` is the C library's. In float32 it is a rational function
(the minimax fit Eigen uses for its float tanh, on the input clamped to +-7.9988), which
compiles to vector instructions where ``math.tanh`` is a call per value; its largest error
is 3.4e-7 (torch's float32 tanh: 3.1e-8), a few units in the last place, and
``sigmoid(a) = 0.5 + 0.5 tanh(a / 2)``. ``fastmath`` allows reassociation and contraction
only, so NaN stays NaN; +-inf gives the value at the clamp, 2e-7 from +-1.

The matmuls go to the BLAS numba links (SciPy's); the caller keeps it on one thread while a
kernel runs (:func:`notelab._util.threads.one_native_thread`), since the per-step matrices
are far too small for threads and an idle OpenBLAS thread spins on a core that torch's own
threads need.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from numba import types
from numba.extending import overload

A = np.ndarray
_jit = nb.njit(
    cache=True, nogil=True, error_model="numpy", fastmath={"reassoc", "contract", "arcp"}
)

# Eigen's float tanh: x p(x^2) / q(x^2), within a few ulp on the clamped range; beyond it
# tanh differs from the value at the clamp by less than 2.5e-7
_CLAMP = 7.99881172180175781
_P = (
    -2.76076847742355e-16,
    2.00018790482477e-13,
    -8.60467152213735e-11,
    5.12229709037114e-08,
    1.48572235717979e-05,
    6.37261928875436e-04,
    4.89352455891786e-03,
)
_Q = (1.19825839466702e-06, 1.18534705686654e-04, 2.26843463243900e-03, 4.89352518554385e-03)


def tanh(x: float) -> float:  # pragma: no cover - replaced in compiled code by the overload
    """Hyperbolic tangent in compiled code: the rational fit in float32, exact in float64."""
    return math.tanh(x)


@overload(tanh)
def _tanh_overload(x):  # type: ignore[no-untyped-def]  # pragma: no cover - runs at compile time
    if x != types.float32:
        return lambda x: math.tanh(x)
    f = np.float32
    clamp = f(_CLAMP)
    p0, p1, p2, p3, p4, p5, p6 = (f(c) for c in _P)
    q0, q1, q2, q3 = (f(c) for c in _Q)

    def rational(x):  # type: ignore[no-untyped-def]
        c = min(max(x, -clamp), clamp)
        c2 = c * c
        p = ((((((p0 * c2 + p1) * c2 + p2) * c2 + p3) * c2 + p4) * c2 + p5) * c2 + p6) * c
        q = ((q0 * c2 + q1) * c2 + q2) * c2 + q3
        return p / q if x == x else x  # NaN stays NaN (the clamp would make it -1)

    return rational


@_jit
def forward(  # pragma: no cover
    gi: A,
    ids: A,
    h0: A,
    w_hh_t: A,
    b_hh: A,
    batch_sizes: A,
    out: A,
    before: A,
    gates: A,
    n: A,
) -> None:
    """The recurrence over a packed sequence: rows sorted by length, longest first, step ``t``
    holding the first ``batch_sizes[t]`` of them, the steps one after another (PyTorch's
    ``PackedSequence`` layout). Row ``p``'s input side of the gates, bias included, is
    ``gi[ids[p]]`` (``gi`` per row with ``ids`` 0, 1, 2 ..., or per vocabulary entry with
    ``ids`` the rows' tokens); ``h0 (batch, hidden)`` is the starting state. Writes every
    row's new state into ``out (rows, hidden)``, the state it started from into ``before``,
    ``gates (rows, 3 hidden)``: r, z and the hidden side of n's input (``h W_hn^T + b_hn``),
    and n into ``n (rows, hidden)``. ``w_hh_t`` is ``W_hh`` transposed, contiguous. Padding
    is never computed.

    Each row is cut into its r, z and n parts before the loops over hidden units: indexed at
    an offset (``row[hidden + j]``), a part is not known to be inside the row, and the loop
    does not vectorise. The loops are three, each touching few arrays, as in
    :func:`backward` (in one loop, at the CLI's size, 73 us a layer besides the matmuls; in
    three, 25)."""
    hidden = h0.shape[1]
    half = gi.dtype.type(0.5)
    start = previous = 0
    for t in range(batch_sizes.size):
        k = batch_sizes[t]
        stop = start + k
        before[start:stop] = h0[:k] if t == 0 else out[previous : previous + k]
        np.dot(before[start:stop], w_hh_t, gates[start:stop])
        for p in range(start, stop):
            row, x = gates[p], gi[ids[p]]
            row += b_hh
            r, z, h_n = row[:hidden], row[hidden : 2 * hidden], row[2 * hidden :]
            x_r, x_z, x_n = x[:hidden], x[hidden : 2 * hidden], x[2 * hidden :]
            for j in range(hidden):
                r[j] = half + half * tanh(half * (x_r[j] + r[j]))
                z[j] = half + half * tanh(half * (x_z[j] + z[j]))
            new = n[p]
            for j in range(hidden):
                new[j] = tanh(x_n[j] + r[j] * h_n[j])
            was, now = before[p], out[p]
            for j in range(hidden):
                now[j] = new[j] + z[j] * (was[j] - new[j])
        previous, start = start, stop


@_jit
def backward(  # pragma: no cover
    grad_out: A,
    before: A,
    gates: A,
    n: A,
    w_hh: A,
    batch_sizes: A,
    ids: A,
    d_gi: A,
    d_gh: A,
    d_biases: A,
) -> A:
    """Back through time over the packed sequence (the layout of :func:`forward`) from
    ``grad_out (rows, hidden)``, the gradient of every row's new state, with the forward's
    ``before``, ``gates`` and ``n``: writes the gradients of the gates' hidden side ``d_gh
    (rows, 3 hidden)`` and adds those of their input side into ``d_gi[ids[p]]`` (``d_gi``
    zeros, per row or per vocabulary entry as the forward's ``gi``; the two sides differ in
    n's part, scaled by r on the hidden side), writes their sums over the rows, the biases'
    gradients, into ``d_biases (2, 3 hidden)`` (summed in float64), and returns the gradient
    of ``h0``.

    The work over hidden units is cut into several loops, each touching few arrays: with
    every array of a row in one loop, the compiler's checks that they do not overlap were
    too many and the loop stayed scalar (at the CLI's size, 533 rows of 64 units, the loops
    took 73 us a layer, now 53; the step's matmuls take 165)."""
    hidden = grad_out.shape[1]
    one = grad_out.dtype.type(1)
    carried = np.zeros((batch_sizes[0], hidden), grad_out.dtype)
    product = np.empty((batch_sizes[0], hidden), grad_out.dtype)
    g = np.empty(hidden, grad_out.dtype)  # the gradient of the row's new state
    di = np.empty(3 * hidden, grad_out.dtype)  # the row's input-side gradient
    d_r, d_z, d_n = di[:hidden], di[hidden : 2 * hidden], di[2 * hidden :]
    sum_i, sum_hn = np.zeros(3 * hidden), np.zeros(hidden)
    stop = grad_out.shape[0]
    for t in range(batch_sizes.size - 1, -1, -1):
        k = batch_sizes[t]
        start = stop - k
        for b in range(k):
            p = start + b
            out, back, z = grad_out[p], carried[b], gates[p, hidden : 2 * hidden]
            for j in range(hidden):
                g[j] = out[j] + back[j]
                back[j] = g[j] * z[j]
            new, was = n[p], before[p]
            for j in range(hidden):
                d_n[j] = g[j] * (one - z[j]) * (one - new[j] * new[j])
                d_z[j] = g[j] * (was[j] - new[j]) * z[j] * (one - z[j])
            r, h_n = gates[p, :hidden], gates[p, 2 * hidden :]
            for j in range(hidden):
                d_r[j] = d_n[j] * h_n[j] * r[j] * (one - r[j])
            dh = d_gh[p]
            dh[: 2 * hidden] = di[: 2 * hidden]
            dh_n = dh[2 * hidden :]
            for j in range(hidden):
                dh_n[j] = d_n[j] * r[j]
                sum_hn[j] += dh_n[j]
            into = d_gi[ids[p]]
            for j in range(3 * hidden):
                into[j] += di[j]
                sum_i[j] += di[j]
        np.dot(d_gh[start:stop], w_hh, product[:k])
        carried[:k] += product[:k]
        stop = start
    d_biases[0] = sum_i
    d_biases[1, : 2 * hidden] = sum_i[: 2 * hidden]  # the two sides differ in n's part only
    d_biases[1, 2 * hidden :] = sum_hn
    return carried


@_jit
def packing(length: A, steps: int) -> tuple[A, A, A, A]:  # pragma: no cover
    """The packed layout of sequences with ``length`` (each 1 to ``steps``) right-padded to
    ``steps``: ``(order, batch_sizes, index, last)`` as
    :class:`~notelab.nn.seq.gru.Packing` describes them. A counting sort, longest first and
    ties in order."""
    batch, longest = length.size, length.max()
    count = np.zeros(longest + 1, np.int64)
    for b in range(batch):
        count[length[b]] += 1
    first = np.empty(longest + 1, np.int64)  # the first rank of each length
    rank = 0
    for size in range(longest, 0, -1):
        first[size] = rank
        rank += count[size]
    order, rank_of = np.empty(batch, np.int64), np.empty(batch, np.int64)
    for b in range(batch):
        rank_of[b] = first[length[b]]
        first[length[b]] += 1
        order[rank_of[b]] = b
    batch_sizes, offsets = np.empty(longest, np.int64), np.empty(longest, np.int64)
    index = np.empty(length.sum(), np.int64)
    active, offset = batch, 0
    for t in range(longest):
        batch_sizes[t], offsets[t] = active, offset
        for i in range(active):
            index[offset + i] = order[i] * steps + t
        offset += active
        active -= count[t + 1]
    last = np.empty(batch, np.int64)
    for b in range(batch):
        last[b] = offsets[length[b] - 1] + rank_of[b]
    return order, batch_sizes, index, last


@_jit
def scatter_rows(out: A, ids: A, rows: A) -> None:  # pragma: no cover
    """``out[ids[i]] += rows[i]`` for every i, repeated ids adding up (``np.add.at``)."""
    for i in range(ids.size):
        out[ids[i]] += rows[i]


@_jit
def joined(  # pragma: no cover
    source: A, source_lengths: A, target: A, target_lengths: A, packed_at: A, steps: int
) -> tuple[A, A, A]:
    """A language model's prompt and target read as one sequence each: prompt row ``b``'s
    ``source_lengths[b]`` tokens, then its ``target_lengths[b]`` target inputs, right-padded to
    ``steps`` and packed so that packed row ``i`` is padded position ``packed_at[i]`` (``b *
    steps + t``, :class:`~notelab.nn.seq.gru.Packing`'s ``index``). Returns ``(ids, rows,
    at)``: each packed row's token; for each real target token, example by example, the packed
    row that reads it, and its position ``b * target_steps + t`` in the padded target."""
    batch, target_steps = target.shape
    where = np.empty(batch * steps, np.int64)
    ids = np.empty(packed_at.size, np.int64)
    for i in range(packed_at.size):
        b, t = divmod(packed_at[i], steps)
        prompt = source_lengths[b]
        ids[i] = source[b, t] if t < prompt else target[b, t - prompt]
        where[packed_at[i]] = i
    count = target_lengths.sum()
    rows, at = np.empty(count, np.int64), np.empty(count, np.int64)
    k = 0
    for b in range(batch):
        for t in range(target_lengths[b]):
            rows[k] = where[b * steps + source_lengths[b] + t]
            at[k] = b * target_steps + t
            k += 1
    return ids, rows, at
