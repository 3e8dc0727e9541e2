"""A GRU over whole padded sequences with a hand-written backward, for training on the CPU.

PyTorch's CPU ``nn.GRU`` records every step's gate operations in the autograd graph, and the
backward of each step's slice of the output fills a zero tensor the size of the whole output
(under ``torch.profiler``, ``aten::fill_`` was the largest item of a teacher-forced step at
hidden 128). With small matrices those per-step nodes, not the arithmetic, set the time.
Here one :class:`torch.autograd.Function` per layer runs the whole sequence:

- forward: ``torch.gru_cell`` once per step with grad off (the stepped decoder's own cell, so
  both decoding paths compute the same function), keeping only the hidden states;
- backward: the gates for all steps recomputed in two matmuls (``x W_ih^T`` and
  ``h W_hh^T``) and vectorised elementwise work; per step only ``dh W_hh`` and two products;
  then ``dW_ih``, ``dW_hh``, the biases and ``dx`` as single matmuls over all steps.

The weights stay in the ``nn.GRU`` (``weight_ih_l0`` ...), so state dicts do not change.
Padding: sequences are right-padded; the recurrence runs over the padding too (it never feeds
back into a real position), outputs there are zeroed and each sequence's last hidden state is
the one at its last real step, which is what ``nn.GRU`` on the packed sequence returns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import torch
from torch import nn


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
        h, hs = h0, [h0]
        for t in range(x.shape[0]):  # the stepped decoder's own cell
            h = torch.gru_cell(x[t], h, w_ih, w_hh, b_ih, b_hh)
            hs.append(h)
        states = torch.stack(hs)
        ctx.save_for_backward(x, states, w_ih, w_hh, b_ih, b_hh)
        return states[1:]

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx: Any, grad_out: torch.Tensor) -> tuple[torch.Tensor, ...]:
        x, states, w_ih, w_hh, b_ih, b_hh = ctx.saved_tensors
        before = states[:-1]
        steps, batch, hidden = before.shape
        z, to_gi, to_gh = _gate_factors(x, before, w_ih, w_hh, b_ih, b_hh)
        total, dh0 = _through_time(grad_out, to_gh, z, w_hh)
        d_gi = (total.unsqueeze(2) * to_gi).view(steps * batch, 3 * hidden)
        d_gh = (total.unsqueeze(2) * to_gh).view(steps * batch, 3 * hidden)
        dx = (d_gi @ w_ih).view(x.shape)
        d_w_ih = d_gi.t() @ x.reshape(steps * batch, -1)
        d_w_hh = d_gh.t() @ before.reshape(steps * batch, hidden)
        return dx, dh0, d_w_ih, d_w_hh, d_gi.sum(0), d_gh.sum(0)


# _GRULayer applied, typed (``Function.apply`` has no hints): (x, h0, w_ih, w_hh, b_ih, b_hh)
# -> the hidden state of every step
_T = torch.Tensor
_gru_layer = cast(Callable[[_T, _T, _T, _T, _T, _T], _T], _GRULayer.apply)


def _gate_factors(
    x: torch.Tensor,
    before: torch.Tensor,
    w_ih: torch.Tensor,
    w_hh: torch.Tensor,
    b_ih: torch.Tensor,
    b_hh: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The gates of every step recomputed from the hidden states (two matmuls), and what the
    gradient of each new hidden state is multiplied by to give the gradients of the gate
    pre-activations: z, then ``(steps, batch, 3, hidden)`` for the input side (r, z, n) and
    the same for the hidden side (where n's is scaled by r). The cell is ``torch.gru_cell``'s:
    r, z = sigmoid(i_r + h_r), sigmoid(i_z + h_z); n = tanh(i_n + r h_n); h' = n + z (h - n)."""
    steps, batch, hidden = before.shape
    h = before.reshape(steps * batch, hidden)
    gi = torch.addmm(b_ih, x.reshape(steps * batch, -1), w_ih.t())
    gh = torch.addmm(b_hh, h, w_hh.t())
    rz = torch.add(gi[:, : 2 * hidden], gh[:, : 2 * hidden]).sigmoid_()
    r, z = rz[:, :hidden], rz[:, hidden:]
    gh_n = gh[:, 2 * hidden :]
    # tanh(a) = 2 sigmoid(2a) - 1: CPU tanh is several times slower than sigmoid here
    n = torch.addcmul(gi[:, 2 * hidden :], r, gh_n).mul_(2).sigmoid_().mul_(2).sub_(1)
    to_gi = gi.view(steps * batch, 3, hidden)  # reused: gi is not needed any more
    to_gh = gh.view(steps * batch, 3, hidden)
    keep = 1 - z
    d_n = torch.mul(n, n, out=to_gi[:, 2]).neg_().add_(1).mul_(keep)  # d h' / d n's input
    torch.mul(d_n, gh_n, out=to_gi[:, 0]).mul_(r).mul_(1 - r)  # d h' / d r's input
    torch.mul(d_n, r, out=to_gh[:, 2])  # gh_n is read for the last time above
    torch.sub(h, n, out=to_gi[:, 1]).mul_(z).mul_(keep)  # d h' / d z's input
    to_gh[:, :2] = to_gi[:, :2]
    shape = (steps, batch, 3, hidden)
    return z.reshape(steps, batch, hidden), to_gi.view(shape), to_gh.view(shape)


def _through_time(
    grad_out: torch.Tensor,
    to_gh: torch.Tensor,
    z: torch.Tensor,
    w_hh: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The gradient of every hidden state (its own output's plus what flows back from the next
    step), last step first: ``(steps, batch, hidden)`` and the gradient of ``h0``."""
    steps, batch, hidden = z.shape
    total = grad_out.new_empty(grad_out.shape)
    carried = grad_out.new_zeros(batch, hidden)
    for t in range(steps - 1, -1, -1):
        d = torch.add(grad_out[t], carried, out=total[t])
        d_gh = (d.unsqueeze(1) * to_gh[t]).view(batch, 3 * hidden)
        carried = torch.addmm(d * z[t], d_gh, w_hh)
    return total, carried


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
