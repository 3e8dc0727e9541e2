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
  pass), then ``dW_ih``, ``dW_hh``, the biases and ``dx`` as single matmuls over all steps.

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


def _array(t: torch.Tensor) -> Any:
    """A NumPy view of ``t`` (made contiguous, detached)."""
    return t.detach().contiguous().numpy()


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
        rows, hidden = x.shape[0], h0.shape[1]
        gi = torch.addmm(b_ih, x, w_ih.t())
        out, before = x.new_empty(rows, hidden), x.new_empty(rows, hidden)
        gates = x.new_empty(rows, 3 * hidden)
        kernels = _kernels()
        with one_native_thread("blas"):
            kernels.forward(
                gi.numpy(),
                _array(h0),
                _array(w_hh.t()),
                _array(b_hh),
                batch_sizes,
                out.numpy(),
                before.numpy(),
                gates.numpy(),
            )
        ctx.batch_sizes = batch_sizes
        ctx.save_for_backward(x, before, gates, gi, w_ih, w_hh)  # gi now holds n
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx: Any, grad_out: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        x, before, gates, gi, w_ih, w_hh = ctx.saved_tensors
        d_gi, d_gh = torch.empty_like(gates), torch.empty_like(gates)
        kernels = _kernels()
        with one_native_thread("blas"):
            dh0 = kernels.backward(
                _array(grad_out),
                before.numpy(),
                gates.numpy(),
                gi.numpy(),
                _array(w_hh),
                ctx.batch_sizes,
                d_gi.numpy(),
                d_gh.numpy(),
            )
        dx = d_gi @ w_ih
        d_w_ih, d_w_hh = d_gi.t() @ x, d_gh.t() @ before
        return dx, torch.from_numpy(dh0), d_w_ih, d_w_hh, d_gi.sum(0), d_gh.sum(0), None


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
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        w_ih, w_hh, b_ih, b_hh = (getattr(gru, f"{name}_l{layer}") for name in names)
        layer_in = _gru_layer(layer_in, hidden[layer], w_ih, w_hh, b_ih, b_hh, packing.batch_sizes)
        last.append(layer_in.index_select(0, packing.last))
    out = layer_in.new_zeros(batch * steps, gru.hidden_size).index_copy(0, packing.index, layer_in)
    return out.view(batch, steps, -1), torch.stack(last)
