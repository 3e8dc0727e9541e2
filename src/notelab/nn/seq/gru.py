"""A GRU over whole padded sequences with a hand-written backward, for training on the CPU.

PyTorch's CPU ``nn.GRU`` records every step's gate operations in the autograd graph, and the
backward of each step's slice of the output fills a zero tensor the size of the whole output
(under ``torch.profiler``, ``aten::fill_`` was the largest item of a teacher-forced step at
hidden 128). With small matrices those per-step nodes, not the arithmetic, set the time.
Here one :class:`torch.autograd.Function` per layer runs the whole sequence:

- forward: the input side of every step's gates in one matmul (``x W_ih^T``), then the
  recurrence in a compiled loop (:mod:`notelab.nn.seq._gru_kernels`): per step one
  ``h W_hh^T`` and one fused, vectorised pass over the gates, keeping r, z, n and n's
  hidden side;
- backward: the compiled loop back through time (per step one ``dh W_hh`` and one fused
  pass, the biases' gradients summed as it goes), then ``dW_ih``, ``dW_hh`` and ``dx`` as
  single matmuls over all steps.

Float32 and float64 on the CPU; other types and devices use ``nn.GRU`` (see
:func:`notelab.nn.seq.models.whole_sequence`). The weights stay in the ``nn.GRU``
(``weight_ih_l0`` ...), so state dicts do not change. Padding: sequences come right-padded
and are packed first (:class:`Packing`, PyTorch's ``PackedSequence`` layout: longest first,
then step by step), so every matmul and loop runs over real steps only, as ``nn.GRU`` on the
packed sequence does; outputs at padding are zeros and each sequence's last hidden state is
the one at its last real step. Measured with ``benchmarks/bench_seq.py`` (teacher-forced
training against ``nn.GRU`` in the same run), packing took the kernels from 1.13-1.23x to
1.38-1.46x ``nn.GRU`` at its ``large`` size (targets of 10 to 20 tokens: a quarter of the
padded steps are padding) and from 1.40-1.55x to 1.53-1.76x at the ``cli`` size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import torch
from torch import nn

from notelab._util.threads import one_native_thread

# the dtypes the compiled kernels take
KERNEL_DTYPES = (torch.float32, torch.float64)


def _kernels() -> Any:
    """The compiled kernels, imported on first use (numba costs a second to import)."""
    from notelab.nn.seq import _gru_kernels

    return _gru_kernels


def layer_weights(gru: nn.GRU, layer: int) -> tuple[nn.Parameter, ...]:
    """``(w_ih, w_hh, b_ih, b_hh)`` of ``gru``'s ``layer`` (``weight_ih_l0`` ...).

    Examples
    --------
    >>> [tuple(w.shape) for w in layer_weights(nn.GRU(3, 4), 0)]
    [(12, 3), (12, 4), (12,), (12,)]
    """
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    return tuple(getattr(gru, f"{name}_l{layer}") for name in names)


def _array(t: torch.Tensor) -> Any:
    """A NumPy view of ``t`` (made contiguous, detached)."""
    return t.detach().contiguous().numpy()


@dataclass(frozen=True)
class LayerCache:
    """What one layer's forward keeps for its backward (NumPy arrays, packed rows)."""

    x: np.ndarray | None  # (rows, in); None where the input side came per vocabulary entry
    ids: np.ndarray  # each row's row of the input side: 0, 1, 2 ..., or its token
    entries: int  # the input side's rows
    before: np.ndarray  # (rows, hidden): the state each row started from
    gates: np.ndarray  # (rows, 3 hidden): r, z and n's hidden side
    n: np.ndarray  # (rows, hidden)
    w_ih: np.ndarray
    w_hh: np.ndarray
    batch_sizes: np.ndarray


def layer_forward(
    x: np.ndarray | None,
    h0: np.ndarray,
    weights: tuple[np.ndarray, ...],
    batch_sizes: np.ndarray,
    per_entry: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, LayerCache]:
    """One GRU layer over packed rows ``x (rows, in)`` from ``h0 (batch, hidden)`` (rows in
    the packing's order) with ``weights = (w_ih, w_hh, b_ih, b_hh)``: every row's new state and
    the cache for :func:`layer_backward`. ``per_entry = (table, ids)``, when given, is the
    input side ``x W_ih^T + b_ih`` made by the caller once per vocabulary entry and each row's
    token (``x`` is then not needed). NumPy in, NumPy out; the caller holds the BLAS on one
    thread (:func:`~notelab._util.threads.one_native_thread`)."""
    w_ih, w_hh, b_ih, b_hh = weights
    if per_entry is None:
        gi = x @ w_ih.T  # type: ignore[operator]
        gi += b_ih
        ids = np.arange(len(gi))
    else:
        gi, ids = per_entry
    rows, hidden = len(ids), h0.shape[1]
    out, before = np.empty((rows, hidden), gi.dtype), np.empty((rows, hidden), gi.dtype)
    gates, n = np.empty((rows, 3 * hidden), gi.dtype), np.empty((rows, hidden), gi.dtype)
    w_hh_t = np.ascontiguousarray(w_hh.T)
    _kernels().forward(gi, ids, h0, w_hh_t, b_hh, batch_sizes, out, before, gates, n)
    cache = LayerCache(x, ids, len(gi), before, gates, n, w_ih, w_hh, batch_sizes)
    return out, cache


def recurrence_backward(cache: LayerCache, grad_out: np.ndarray) -> tuple[np.ndarray, ...]:
    """Back through one layer's recurrence from ``grad_out``, the gradient of every row's new
    state: ``(d_gi, h0, w_hh, b_ih, b_hh)``, the gradients of the input side (``x W_ih^T +
    b_ih``, per row or per vocabulary entry as the forward had it), of the initial state and
    of the hidden side's weights and both biases."""
    d_gi = np.zeros((cache.entries, cache.gates.shape[1]), cache.gates.dtype)
    d_gh = np.empty_like(cache.gates)
    d_biases = np.empty((2, cache.gates.shape[1]), cache.gates.dtype)
    dh0 = _kernels().backward(
        grad_out,
        cache.before,
        cache.gates,
        cache.n,
        cache.w_hh,
        cache.batch_sizes,
        cache.ids,
        d_gi,
        d_gh,
        d_biases,
    )
    return d_gi, dh0, d_gh.T @ cache.before, d_biases[0], d_biases[1]


def layer_backward(cache: LayerCache, grad_out: np.ndarray) -> tuple[np.ndarray, ...]:
    """The gradients ``(x, h0, w_ih, w_hh, b_ih, b_hh)`` of one layer from ``grad_out``, the
    gradient of every row's new state (as :func:`layer_forward` left them, with its ``x``)."""
    d_gi, dh0, d_w_hh, d_b_ih, d_b_hh = recurrence_backward(cache, grad_out)
    x = cast(np.ndarray, cache.x)
    return d_gi @ cache.w_ih, dh0, d_gi.T @ x, d_w_hh, d_b_ih, d_b_hh


class _GRULayer(torch.autograd.Function):
    """One GRU layer over a packed sequence ``x (rows, in)`` (:class:`Packing`'s layout) from
    ``h0 (batch, hidden)``, the rows of both in the packing's order."""

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any,
        x: torch.Tensor,
        h0: torch.Tensor,
        w_ih: torch.Tensor,
        w_hh: torch.Tensor,
        b_ih: torch.Tensor,
        b_hh: torch.Tensor,
        batch_sizes: np.ndarray,
    ) -> torch.Tensor:
        weights = tuple(_array(w) for w in (w_ih, w_hh, b_ih, b_hh))
        with one_native_thread("blas"):
            out, ctx.cache = layer_forward(_array(x), _array(h0), weights, batch_sizes)
        ctx.save_for_backward(w_ih, w_hh)  # so that changing them before backward is an error
        return torch.from_numpy(out)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx: Any, grad_out: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        with one_native_thread("blas"):
            ctx.saved_tensors  # noqa: B018 - raises if a weight changed in place since forward
            grads = layer_backward(ctx.cache, _array(grad_out))
        return (*(torch.from_numpy(g) for g in grads), None)


# _GRULayer applied, typed (``Function.apply`` has no hints): (x, h0, w_ih, w_hh, b_ih, b_hh,
# batch sizes) -> the new state of every row
_T = torch.Tensor
_gru_layer = cast(Callable[[_T, _T, _T, _T, _T, _T, np.ndarray], _T], _GRULayer.apply)


@dataclass(frozen=True)
class Packing:
    """Where the real steps of right-padded sequences go in the packed layout: rows sorted by
    length (longest first, ties in order), then step by step, ``batch_sizes[t]`` rows at step
    ``t`` (PyTorch's ``PackedSequence``).

    Attributes
    ----------
    order : Tensor
        ``(batch,)`` the sequences, longest first.
    batch_sizes : ndarray
        ``(longest,)`` how many sequences have a step ``t``.
    index : Tensor
        ``(rows,)`` each packed row's position in the padded ``(batch * steps)`` layout.
    last : Tensor
        ``(batch,)`` each sequence's last packed row, in the original order.

    Examples
    --------
    >>> packing = Packing.of(torch.tensor([2, 3]), steps=3)
    >>> packing.order.tolist(), packing.batch_sizes.tolist(), packing.index.tolist()
    ([1, 0], [2, 2, 1], [3, 0, 4, 1, 5])
    >>> packing.last.tolist()
    [3, 4]
    """

    order: torch.Tensor
    batch_sizes: np.ndarray
    index: torch.Tensor
    last: torch.Tensor

    @classmethod
    def of(cls, lengths: torch.Tensor, steps: int) -> Packing:
        """The packing of sequences with ``lengths`` (each 1 to ``steps``) padded to ``steps``."""
        length = lengths.cpu().numpy().astype(np.int64)
        if length.size == 0 or length.min() < 1 or length.max() > steps:
            raise ValueError(f"lengths from 1 to {steps}, got {length.tolist()}")
        order, batch_sizes, index, last = _kernels().packing(length, steps)
        tensor = torch.from_numpy
        return cls(tensor(order), batch_sizes, tensor(index), tensor(last))


def gru_sequence(
    gru: nn.GRU,
    x: torch.Tensor,
    lengths: torch.Tensor,
    hidden: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``gru`` (batch first, every layer) over right-padded ``x (batch, steps, in)`` whose rows
    have ``lengths`` real steps: ``(outputs with zeros at padding, last real hidden state
    (layers, batch, hidden))``, as ``nn.GRU`` on the packed sequence gives. Like it, this
    computes the real steps only.

    Examples
    --------
    >>> from torch.nn.utils.rnn import pack_padded_sequence
    >>> _ = torch.manual_seed(0)
    >>> gru = nn.GRU(3, 4, num_layers=2, batch_first=True)
    >>> x, lengths = torch.randn(2, 5, 3), torch.tensor([5, 2])
    >>> out, last = gru_sequence(gru, x, lengths)
    >>> _, ref = gru(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
    >>> bool(torch.allclose(last, ref, atol=1e-6)), out[1, 2:].abs().sum().item()
    (True, 0.0)
    """
    batch, steps = x.shape[:2]
    packing = Packing.of(lengths, steps)
    if hidden is None:
        hidden = x.new_zeros(gru.num_layers, batch, gru.hidden_size)
    hidden = hidden.index_select(1, packing.order)
    layer_in, last = x.reshape(batch * steps, -1).index_select(0, packing.index), []
    for layer in range(gru.num_layers):
        w_ih, w_hh, b_ih, b_hh = layer_weights(gru, layer)
        layer_in = _gru_layer(layer_in, hidden[layer], w_ih, w_hh, b_ih, b_hh, packing.batch_sizes)
        last.append(layer_in.index_select(0, packing.last))
    out = layer_in.new_zeros(batch * steps, gru.hidden_size).index_copy(0, packing.index, layer_in)
    return out.view(batch, steps, -1), torch.stack(last)
