"""PyTorch classifiers: the labels-only MLP and FixMatch-style pseudo-labelling with consistency.

FixMatch (Sohn et al., 2020), adapted to tables and small images: each step, the model's
prediction for a weakly perturbed unlabelled row becomes its target when the model is confident
(above ``threshold``), and the model must give that class to a strongly perturbed copy of the
same row. The labelled rows are learned as usual. For images the perturbations are pixel
shifts plus feature corruption; for tables, noise and feature corruption.
"""

from __future__ import annotations

import copy
from typing import Any, Self

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from notelab.learning import _torch
from notelab.learning._labels import encode_partial
from notelab.learning.augment import strong, weak


class _DeepClassifier(ClassifierMixin, BaseEstimator):
    """Fitting context, network and prediction shared by the PyTorch classifiers."""

    def _context(self, X: ArrayLike, y: ArrayLike) -> dict[str, Any]:
        """Tensors, seeded generator and perturbation settings for one fit."""
        X = np.asarray(X, dtype=np.float32)
        self.classes_, codes = encode_partial(y, len(X))
        self.n_features_in_ = X.shape[1]
        rng = _torch.generator(self.random_state)
        self.device_ = _torch.pick_device(self.device)
        x = _torch.tensor(X, self.device_)
        known = codes >= 0
        return {
            "rng": rng,
            "x": x,
            "labelled": x[known],
            "targets": _torch.require_torch().as_tensor(codes[known], device=self.device_),
            "pool": x,
            "spread": x.std(dim=0, keepdim=True),
            "image_shape": self.image_shape,
            "strong_rate": getattr(self, "strong_rate", 0.0),
        }

    def _network(self, encoder: Any | None) -> Any:
        nn = _torch.require_torch().nn
        body = (
            copy.deepcopy(encoder)
            if encoder is not None
            else _torch.encoder_network(self.n_features_in_, self.hidden)
        )
        width = [m for m in body if isinstance(m, nn.Linear)][-1].out_features
        return nn.Sequential(body, nn.Linear(width, len(self.classes_))).to(self.device_)

    def _supervised_loss(self, model: Any, context: dict[str, Any], augment: bool) -> Any:
        functional = _torch.require_torch().nn.functional
        rows = _torch.draw(len(context["labelled"]), self.batch_size, context["rng"], self.device_)
        x = context["labelled"][rows]
        x = weak(x, context, context["rng"]) if augment else x
        return functional.cross_entropy(model(x), context["targets"][rows])

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities (softmax of the network's outputs)."""
        check_is_fitted(self)
        return _torch.predict_in_batches(self.model_, np.asarray(X), self.device_)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The most probable class of each row."""
        return np.asarray(self.classes_[self.predict_proba(X).argmax(axis=1)])


class MLPClassifier(_DeepClassifier):
    """A small PyTorch MLP trained on the labelled rows only: the deep labels-only baseline.

    Parameters
    ----------
    hidden : int, default=128
        Width of the two hidden layers.
    steps, batch_size, lr, weight_decay
        AdamW steps on random batches of labelled rows.
    augment : bool, default=False
        Train on weakly perturbed rows (see :func:`notelab.learning.augment.weak`).
    image_shape : (int, int), optional
        Rows are images: perturbations shift them.
    encoder : Pretrained, optional
        Start from a self-supervised encoder (fine-tuning) instead of random weights.
    device : str, default="auto"
    random_state : int, default=0

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> MLPClassifier(steps=200).fit(X, y).score(X, y) > 0.9
    True
    """

    def __init__(
        self,
        *,
        hidden: int = 128,
        steps: int = 300,
        batch_size: int = 64,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        augment: bool = False,
        image_shape: tuple[int, int] | None = None,
        encoder: Any = None,
        device: str = "auto",
        random_state: int | None = 0,
    ) -> None:
        _store(self, locals())

    def fit(self, X: ArrayLike, y: ArrayLike) -> Self:
        """Fit on the rows of ``X``; rows whose label is ``-1`` are unlabelled."""
        context = self._context(X, y)
        encoder = None if self.encoder is None else self.encoder.encoder
        self.model_ = self._network(encoder)
        self.history_: list[Any] = []
        self.losses_ = _torch.train(
            list(self.model_.parameters()),
            lambda step: self._loss(context, step),
            steps=self.steps,
            lr=self.lr,
            weight_decay=self.weight_decay,
        )
        return self

    def _loss(self, context: dict[str, Any], step: int) -> Any:
        return self._supervised_loss(self.model_, context, augment=self.augment)


def _store(estimator: Any, arguments: dict[str, Any]) -> None:
    """Keep every ``__init__`` argument unchanged under its own name (scikit-learn's rule)."""
    for name, value in arguments.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


class FixMatch(MLPClassifier):
    """Pseudo-labelling with consistency for a PyTorch MLP (FixMatch's recipe).

    Parameters
    ----------
    hidden, steps, batch_size, lr, weight_decay, image_shape, encoder, device, random_state
        As :class:`MLPClassifier` (labelled rows are weakly perturbed); an ``encoder``
        makes this the combination of both families: self-supervised pretraining, then
        semi-supervised fine-tuning.
    unlabelled_ratio : int, default=4
        Unlabelled rows per step, as a multiple of ``batch_size``.
    threshold : float, default=0.95
        Confidence a weak view's prediction needs to become a target.
    unlabelled_weight : float, default=1.0
    strong_rate : float, default=0.2
        Share of features corrupted in the strong view.

    Attributes
    ----------
    history_ : list of dict
        Every 50 steps: share of the unlabelled batch above the threshold.

    Examples
    --------
    >>> from sklearn.datasets import make_moons
    >>> X, y = make_moons(400, noise=0.1, random_state=0)
    >>> y_few = np.full(400, -1); y_few[:20] = y[:20]
    >>> FixMatch(steps=300).fit(X, y_few).score(X, y) > 0.8
    True
    """

    def __init__(
        self,
        *,
        hidden: int = 128,
        steps: int = 500,
        batch_size: int = 64,
        unlabelled_ratio: int = 4,
        threshold: float = 0.95,
        unlabelled_weight: float = 1.0,
        strong_rate: float = 0.2,
        image_shape: tuple[int, int] | None = None,
        encoder: Any = None,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        device: str = "auto",
        random_state: int | None = 0,
    ) -> None:
        _store(self, locals())

    def _loss(self, context: dict[str, Any], step: int) -> Any:
        torch = _torch.require_torch()
        rng, model = context["rng"], self.model_
        size = self.batch_size * self.unlabelled_ratio
        rows = context["x"][_torch.draw(len(context["x"]), size, rng, self.device_)]
        with torch.no_grad():
            confidence, target = torch.softmax(model(weak(rows, context, rng)), dim=1).max(dim=1)
            keep = (confidence >= self.threshold).float()
        if step % 50 == 0:
            self.history_.append({"step": step, "confident": float(keep.mean())})
        consistency = torch.nn.functional.cross_entropy(
            model(strong(rows, context, rng)), target, reduction="none"
        )
        labelled = self._supervised_loss(model, context, augment=True)  # labelled: weak view
        return labelled + self.unlabelled_weight * (consistency * keep).mean()
