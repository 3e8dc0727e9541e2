"""Shared set-up for the normalisation tests: one torch thread, float64 tolerances, devices."""

import pytest
import torch

torch.set_num_threads(1)

TOL = {"rtol": 0, "atol": 1e-10}
DEVICES = [
    "cpu",
    pytest.param(
        "cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
    ),
]


def close(ours: torch.Tensor, theirs: torch.Tensor) -> None:
    """Equal within 1e-10 (float64), NaNs in the same places."""
    torch.testing.assert_close(ours, theirs, **TOL, equal_nan=True)
