"""Adam with the gradient norm clipped first, in one compiled pass on the CPU.

Training clips the gradient norm, then takes an Adam step. In PyTorch that is
``clip_grad_norm_`` (a norm per tensor, their norm, a scale per tensor) and the fused Adam
(one kernel, but called through the optimizer's Python machinery): at finding 5's size about
165 us a step, as much as a fifth of the teacher-forced step. :class:`ClippedAdam` does both
in one compiled pass over all values (:mod:`notelab.nn.seq._adam_kernel`), with the same
numbers; :func:`adam` picks it where it runs (float32 or float64 parameters on the CPU) and
PyTorch's fused Adam elsewhere, and :func:`clipped_step` steps either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import torch

from notelab._util import InputError

# Whether adam() may return the compiled ClippedAdam (False: PyTorch's fused Adam everywhere)
COMPILED_ADAM = True


class ClippedAdam(torch.optim.Optimizer):
    """``torch.optim.Adam`` (no weight decay, no amsgrad) after ``clip_grad_norm_``, for
    float32 or float64 parameters on the CPU.

    Parameters
    ----------
    params : iterable of Tensor
        One group of CPU parameters.
    lr, betas, eps : as ``torch.optim.Adam``.

    Examples
    --------
    >>> layer = torch.nn.Linear(3, 2)
    >>> optimizer = ClippedAdam(layer.parameters(), lr=0.1)
    >>> layer(torch.ones(1, 3)).sum().backward()
    >>> norm = optimizer.step(max_norm=1.0)
    >>> clipped = torch.cat([p.grad.view(-1) for p in layer.parameters()])
    >>> round(norm, 4), round(float(torch.linalg.vector_norm(clipped)), 4)
    (2.8284, 1.0)
    """

    def __init__(
        self,
        params: Iterable[torch.Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps})
        self._flat: tuple[Any, tuple[tuple[np.ndarray, ...], ...]] | None = None
        if len(self.param_groups) != 1 or not all(
            _compiled(p) for p in self.param_groups[0]["params"]
        ):
            raise InputError(
                "one group of float32 or float64 parameters on the CPU",
                "other parameters",
                "use torch.optim.Adam (notelab.nn.seq.optim.adam picks it)",
            )

    @torch.no_grad()
    def step(  # type: ignore[override]
        self, closure: Callable[[], float] | None = None, *, max_norm: float | None = None
    ) -> float:
        """Clip the gradients' total norm to ``max_norm`` (none by default), then one Adam
        step on every parameter with a gradient; returns the norm before clipping."""
        if closure is not None:
            with torch.enable_grad():
                closure()
        group = self.param_groups[0]
        live = tuple(p for p in group["params"] if p.grad is not None)
        if not live:
            return 0.0
        params, exp_avgs, exp_avg_sqs = self._flat_views(live)
        from notelab.nn.seq._adam_kernel import clipped_adam

        beta1, beta2 = group["betas"]
        return clipped_adam(
            params,
            tuple(_flat_grad(p) for p in live),
            exp_avgs,
            exp_avg_sqs,
            np.array([self._count(p) for p in live], dtype=np.float64),
            float(group["lr"]),
            float(beta1),
            float(beta2),
            float(group["eps"]),
            -1.0 if max_norm is None else float(max_norm),
        )

    def _flat_views(self, live: tuple[torch.Tensor, ...]) -> tuple[tuple[np.ndarray, ...], ...]:
        """Flat NumPy views of the ``live`` parameters and of their Adam state (``step``,
        ``exp_avg`` and ``exp_avg_sq``, as ``torch.optim.Adam`` keeps them, made on first
        use): ``(params, exp_avgs, exp_avg_sqs)``. The views are kept apart from the state,
        so ``state_dict`` holds tensors only; they are made again for another set of live
        parameters, when a parameter's data moved, and after ``load_state_dict``."""
        key = tuple((id(p), p.data_ptr()) for p in live)
        if self._flat is not None and self._flat[0] == key:
            return self._flat[1]
        views = []
        for p in live:
            state = self.state[p]
            if "exp_avg" not in state:
                state["step"] = 0
                for name in ("exp_avg", "exp_avg_sq"):
                    state[name] = torch.zeros_like(p, memory_format=torch.contiguous_format)
            tensors = (p.detach(), state["exp_avg"], state["exp_avg_sq"])
            views.append(tuple(t.reshape(-1).numpy() for t in tensors))
        flat = tuple(zip(*views, strict=True))
        self._flat = (key, flat)
        return flat

    def zero_grad(self, set_to_none: bool = True) -> None:
        """As ``torch.optim.Optimizer.zero_grad``, without its profiler record when the
        gradients are set to None (a tenth of the optimizer's time at finding 5's size)."""
        if not set_to_none:
            super().zero_grad(set_to_none=False)
            return
        for p in self.param_groups[0]["params"]:
            p.grad = None

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """As ``torch.optim.Optimizer.load_state_dict``; the flat views are made again."""
        super().load_state_dict(state_dict)
        self._flat = None

    def _count(self, p: torch.Tensor) -> int:
        """``p``'s step count, this step included."""
        state = self.state[p]
        state["step"] += 1
        return int(state["step"])


def _flat_grad(p: torch.Tensor) -> np.ndarray:
    """A flat NumPy view of ``p``'s gradient (made contiguous first if it is not)."""
    if not p.grad.is_contiguous():  # type: ignore[union-attr]
        p.grad = p.grad.contiguous()  # type: ignore[union-attr]
    return p.grad.view(-1).numpy()  # type: ignore[union-attr]


def _compiled(p: torch.Tensor) -> bool:
    """Whether the kernel can step ``p``: a contiguous float32 or float64 CPU tensor."""
    cpu = p.device.type == "cpu"
    return cpu and p.dtype in (torch.float32, torch.float64) and p.is_contiguous()


def adam(model: torch.nn.Module, lr: float) -> torch.optim.Optimizer:
    """The optimizer training uses: :class:`ClippedAdam` where it runs (a float32 or float64
    model on the CPU), else PyTorch's fused Adam (one kernel over all parameters).

    Examples
    --------
    >>> type(adam(torch.nn.Linear(2, 2), 1e-3)).__name__
    'ClippedAdam'
    >>> adam(torch.nn.Linear(2, 2).to(torch.bfloat16), 1e-3).defaults["fused"]
    True
    """
    parameters = list(model.parameters())
    if COMPILED_ADAM and all(_compiled(p) for p in parameters):
        return ClippedAdam(parameters, lr=lr)
    return torch.optim.Adam(parameters, lr=lr, fused=True)


def clipped_step(model: torch.nn.Module, optimizer: torch.optim.Optimizer, clip: float) -> None:
    """The optimizer step after backward: the gradient norm clipped to ``clip``, then a step."""
    if isinstance(optimizer, ClippedAdam):
        optimizer.step(max_norm=clip)
        return
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip, foreach=True)
    optimizer.step()
