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
(``weight_ih_l0`` ...), so state dicts do not change. Padding: sequences are right-padded;
the recurrence runs over the padding too (it never feeds back into a real position), outputs
there are zeroed and each sequence's last hidden state is the one at its last real step,
which is what ``nn.GRU`` on the packed sequence returns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

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
    """One GRU layer over a time-major sequence ``x (steps, batch, in)`` from ``h0``."""

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any,
        x: torch.Tensor,
        h0: torch.Tensor,
        w_ih: torch.Tensor,
        w_hh: torch.Tensor,
        b_ih: torch.Tensor,
        b_hh: torch.Tensor,
    ) -> torch.Tensor:
        steps, batch, _ = x.shape
        hidden = h0.shape[1]
        gi = torch.addmm(b_ih, x.reshape(steps * batch, -1), w_ih.t())
        states = x.new_empty(steps + 1, batch, hidden)
        gates = x.new_empty(steps, batch, 3 * hidden)
        kernels = _kernels()
        with one_native_thread("blas"):
            kernels.forward(
                gi.view(steps, batch, 3 * hidden).numpy(),
                _array(h0),
                _array(w_hh.t()),
                _array(b_hh),
                states.numpy(),
                gates.numpy(),
            )
        ctx.save_for_backward(x, states, gates, gi, w_ih, w_hh)  # gi now holds n
        return states[1:]

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx: Any, grad_out: torch.Tensor) -> tuple[torch.Tensor, ...]:
        x, states, gates, gi, w_ih, w_hh = ctx.saved_tensors
        steps, batch, hidden = grad_out.shape
        d_gi = grad_out.new_empty(steps * batch, 3 * hidden)
        d_gh = grad_out.new_empty(steps * batch, 3 * hidden)
        kernels = _kernels()
        with one_native_thread("blas"):
            dh0 = kernels.backward(
                _array(grad_out),
                states.numpy(),
                gates.numpy(),
                gi.view(steps, batch, 3 * hidden).numpy(),
                _array(w_hh),
                d_gi.view(steps, batch, 3 * hidden).numpy(),
                d_gh.view(steps, batch, 3 * hidden).numpy(),
            )
        dx = (d_gi @ w_ih).view(x.shape)
        d_w_ih = d_gi.t() @ x.reshape(steps * batch, -1)
        d_w_hh = d_gh.t() @ states[:-1].reshape(steps * batch, hidden)
        return dx, torch.from_numpy(dh0), d_w_ih, d_w_hh, d_gi.sum(0), d_gh.sum(0)


# _GRULayer applied, typed (``Function.apply`` has no hints): (x, h0, w_ih, w_hh, b_ih, b_hh)
# -> the hidden state of every step
_T = torch.Tensor
_gru_layer = cast(Callable[[_T, _T, _T, _T, _T, _T], _T], _GRULayer.apply)


def gru_sequence(
    gru: nn.GRU,
    x: torch.Tensor,
    lengths: torch.Tensor,
    hidden: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``gru`` (batch first, every layer) over right-padded ``x (batch, steps, in)`` whose rows
    have ``lengths`` real steps: ``(outputs with zeros at padding, last real hidden state
    (layers, batch, hidden))``, as ``nn.GRU`` on the packed sequence gives.

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
    if hidden is None:
        hidden = x.new_zeros(gru.num_layers, batch, gru.hidden_size)
    real = torch.arange(steps, device=x.device)[:, None] < lengths.to(x.device)[None, :]
    layer_in, last = x.transpose(0, 1), []
    for layer in range(gru.num_layers):
        weights = [getattr(gru, f"{w}_l{layer}") for w in ("weight_ih", "weight_hh")]
        biases = [getattr(gru, f"{b}_l{layer}") for b in ("bias_ih", "bias_hh")]
        layer_in = _gru_layer(layer_in.contiguous(), hidden[layer], *weights, *biases)
        ends = (lengths.to(x.device) - 1).view(1, batch, 1).expand(1, batch, gru.hidden_size)
        last.append(layer_in.gather(0, ends)[0])
    out = layer_in * real.unsqueeze(-1).to(layer_in.dtype)
    return out.transpose(0, 1), torch.stack(last)
