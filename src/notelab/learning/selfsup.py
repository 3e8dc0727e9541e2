"""Self-supervised pretraining, then a few labels: linear probe, fine-tuning, or both families.

:class:`SelfSupervised` pretrains an encoder on every row given to ``fit`` (labels unused; see
:mod:`notelab.learning.pretext`), then uses the labelled rows in one of three ways:

- ``probe``: a logistic regression on the frozen representation (a linear probe);
- ``finetune``: the encoder plus a linear layer trained end to end on the labelled rows;
- ``fixmatch``: the encoder fine-tuned with FixMatch on labelled and unlabelled rows: the
  combination of self-supervised pretraining and semi-supervised fine-tuning.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from notelab._util import InputError
from notelab.learning._labels import encode_partial
from notelab.learning.deep import FixMatch, MLPClassifier
from notelab.learning.pretext import TASKS, pretrain

HEADS = ("probe", "finetune", "fixmatch")


class SelfSupervised(ClassifierMixin, BaseEstimator):
    """Pretrain on a pretext task over all rows, then learn the labels from the few given.

    Parameters
    ----------
    pretext : {"masked", "contrastive"}, default="masked"
    head : {"probe", "finetune", "fixmatch"}, default="probe"
    hidden : int, default=128
    pretrain_steps : int, default=300
    finetune_steps : int, default=300
        Steps of ``finetune`` and ``fixmatch``.
    mask_rate, corruption_rate : float
        Pretext settings (see :func:`notelab.learning.pretrain`).
    image_shape : (int, int), optional
        Passed to FixMatch's perturbations.
    device : str, default="auto"
    random_state : int, default=0

    Attributes
    ----------
    pretrained_ : Pretrained
    head_ : the fitted probe or network

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16
    >>> y_few = np.full(len(y), -1); y_few[:100] = y[:100]
    >>> model = SelfSupervised(pretrain_steps=100).fit(X, y_few)
    >>> model.score(X[1000:], y[1000:]) > 0.7
    True
    """

    def __init__(
        self,
        *,
        pretext: str = "masked",
        head: str = "probe",
        hidden: int = 128,
        pretrain_steps: int = 300,
        finetune_steps: int = 300,
        mask_rate: float = 0.3,
        corruption_rate: float = 0.6,
        image_shape: tuple[int, int] | None = None,
        device: str = "auto",
        random_state: int | None = 0,
    ) -> None:
        self.pretext = pretext
        self.head = head
        self.hidden = hidden
        self.pretrain_steps = pretrain_steps
        self.finetune_steps = finetune_steps
        self.mask_rate = mask_rate
        self.corruption_rate = corruption_rate
        self.image_shape = image_shape
        self.device = device
        self.random_state = random_state

    def fit(self, X: ArrayLike, y: ArrayLike) -> Self:
        """Pretrain on every row of ``X``, then fit the head on the labelled rows."""
        if self.pretext not in TASKS or self.head not in HEADS:
            raise InputError(
                f"pretext in {TASKS} and head in {HEADS}",
                f"{self.pretext!r}, {self.head!r}",
                "e.g. pretext='masked', head='probe'",
            )
        X = np.asarray(X, dtype=np.float64)
        self.classes_, codes = encode_partial(y, len(X))
        self.pretrained_ = pretrain(
            X,
            task=self.pretext,
            hidden=self.hidden,
            steps=self.pretrain_steps,
            mask_rate=self.mask_rate,
            corruption_rate=self.corruption_rate,
            device=self.device,
            random_state=self.random_state,
        )
        self.head_ = getattr(self, f"_fit_{self.head}")(X, codes)
        return self

    def _fit_probe(self, X: np.ndarray, codes: np.ndarray) -> Any:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        known = codes >= 0
        probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        return probe.fit(self.pretrained_.transform(X[known]), codes[known])

    def _fit_finetune(self, X: np.ndarray, codes: np.ndarray) -> Any:
        return self._deep(MLPClassifier, augment=True).fit(X, codes)

    def _fit_fixmatch(self, X: np.ndarray, codes: np.ndarray) -> Any:
        return self._deep(FixMatch).fit(X, codes)

    def _deep(self, cls: Any, **options: Any) -> Any:
        """A PyTorch classifier that starts from the pretrained encoder."""
        return cls(
            hidden=self.hidden,
            steps=self.finetune_steps,
            image_shape=self.image_shape,
            encoder=self.pretrained_,
            device=self.device,
            random_state=self.random_state,
            **options,
        )

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities from the head (columns in ``classes_`` order)."""
        check_is_fitted(self)
        X = np.asarray(X, dtype=np.float64)
        if self.head == "probe":
            features = self.pretrained_.transform(X)
            proba = np.zeros((len(X), len(self.classes_)))
            proba[:, self.head_.classes_] = self.head_.predict_proba(features)
            return proba
        return np.asarray(self.head_.predict_proba(X))

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The most probable class of each row."""
        return np.asarray(self.classes_[self.predict_proba(X).argmax(axis=1)])
