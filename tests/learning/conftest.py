import numpy as np
import pytest


@pytest.fixture(autouse=True)
def one_blas_thread():
    """Small fits: one BLAS thread (on a busy machine, more threads only wait)."""
    from notelab._util.threads import one_native_thread

    with one_native_thread():
        yield


@pytest.fixture(scope="session")
def digits():
    from notelab.learning.datasets import load

    return load("digits")


@pytest.fixture(scope="session")
def moons():
    from notelab.learning.datasets import load

    return load("moons", n_samples=400, random_state=0)


def few_labels(y: np.ndarray, per_class: int, seed: int = 0) -> np.ndarray:
    """``y`` with all but ``per_class`` random rows of each class set to -1."""
    rng = np.random.default_rng(seed)
    shown = np.full(len(y), -1)
    for c in np.unique(y):
        rows = rng.choice(np.flatnonzero(y == c), per_class, replace=False)
        shown[rows] = c
    return shown
