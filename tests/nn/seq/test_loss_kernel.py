"""The fused loss's cross-entropy against ``torch.nn.functional.cross_entropy`` and its
gradient from autograd."""

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from notelab.nn.seq.fused import _cross_entropy


@settings(max_examples=40, deadline=None)
@given(
    rows=st.integers(1, 40),
    classes=st.integers(1, 30),
    scale=st.sampled_from([0.1, 1.0, 30.0]),
    seed=st.integers(0, 10_000),
    double=st.booleans(),
)
def test_loss_and_gradient_match_pytorch(rows, classes, scale, seed, double):
    rng = np.random.default_rng(seed)
    dtype = np.float64 if double else np.float32
    logits = (rng.standard_normal((rows, classes)) * scale).astype(dtype)
    targets = rng.integers(0, classes, rows)
    reference = torch.tensor(logits, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(reference, torch.from_numpy(targets))
    expected.backward()
    loss, gradient = _cross_entropy(logits, targets)
    tolerance = 1e-12 if double else 2e-6
    assert abs(loss - expected.item()) <= tolerance * max(1.0, abs(expected.item()))
    np.testing.assert_allclose(gradient, reference.grad.numpy(), atol=tolerance, rtol=0)
    assert gradient.dtype == dtype
