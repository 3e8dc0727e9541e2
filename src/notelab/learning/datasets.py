"""Built-in data sets for `notelab semi` and finding 7: features in [0, 1], every row labelled."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from notelab._util import InputError

DATASETS = ("digits", "moons", "circles", "breast_cancer", "wine")


@dataclass(frozen=True)
class Dataset:
    """Features, labels, names, and the image shape when rows are images."""

    name: str
    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    image_shape: tuple[int, int] | None = None


def load(name: str, *, n_samples: int = 1000, random_state: int = 0) -> Dataset:
    """A built-in data set; ``n_samples`` and ``random_state`` apply to the generated two.

    ``digits``: 1,797 handwritten digits, 8x8 pixels (scaled by 1/16); ``moons`` and
    ``circles``: two interleaved 2-D classes (noise 0.1); ``breast_cancer`` (569 x 30) and
    ``wine`` (178 x 13): tables, each feature min-max scaled.

    Examples
    --------
    >>> d = load("digits")
    >>> d.X.shape, d.image_shape, float(d.X.max())
    ((1797, 64), (8, 8), 1.0)
    """
    from sklearn import datasets

    if name not in DATASETS:
        raise InputError(f"a data set from {', '.join(DATASETS)}", repr(name), "e.g. digits")
    if name == "digits":
        bunch = datasets.load_digits()
        return Dataset(name, bunch.data / 16.0, bunch.target, list(bunch.feature_names), (8, 8))
    if name in ("moons", "circles"):
        make = datasets.make_moons if name == "moons" else datasets.make_circles
        extra = {} if name == "moons" else {"factor": 0.5}
        X, y = make(n_samples, noise=0.1, random_state=random_state, **extra)
        return Dataset(name, _scaled(X), y, ["x", "y"])
    bunch = getattr(datasets, f"load_{name}")()
    return Dataset(name, _scaled(bunch.data), bunch.target, list(bunch.feature_names))


def _scaled(X: np.ndarray) -> np.ndarray:
    """Each column mapped to [0, 1] (constant columns to 0)."""
    low, high = X.min(axis=0), X.max(axis=0)
    return np.asarray((X - low) / np.where(high > low, high - low, 1.0))
