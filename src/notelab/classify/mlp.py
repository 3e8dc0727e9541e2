"""scikit-learn's ``MLPClassifier`` with its Adam epochs compiled.

:class:`CompiledMLPClassifier` is a subclass of ``sklearn.neural_network.MLPClassifier``: the
same parameters, attributes, prediction code and results. Only the training loop differs. With
the Adam solver (the default) it runs one compiled call per epoch
(:mod:`notelab.classify._mlp_kernel`) instead of some forty NumPy calls per minibatch; the
random initialisation, the shuffling, the loss curve and the stopping rule stay
scikit-learn's own, drawn from the same random state in the same order. Tests hold the fitted
weights, ``n_iter_``, ``loss_curve_`` and the predictions to scikit-learn's.

Settings the loop does not cover go to scikit-learn's own solver unchanged: ``sgd`` and
``lbfgs``, ``early_stopping``, ``partial_fit``, sample weights, sparse or float32 input.

Examples
--------
>>> from sklearn.datasets import load_iris
>>> X, y = load_iris(return_X_y=True)
>>> model = CompiledMLPClassifier(hidden_layer_sizes=(16,), max_iter=500, random_state=0)
>>> float(model.fit(X, y).score(X, y)) > 0.9
True
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer


class CompiledMLPClassifier(MLPClassifier):
    """``MLPClassifier`` whose Adam epochs run compiled; see the module docstring.

    Parameters are ``sklearn.neural_network.MLPClassifier``'s, with the same defaults.
    """

    def _fit_stochastic(
        self,
        X: Any,
        y: Any,
        sample_weight: Any,
        activations: Any,
        deltas: Any,
        coef_grads: Any,
        intercept_grads: Any,
        layer_units: list[int],
        incremental: bool,
    ) -> None:
        if not self._compiled_loop_covers(X, sample_weight, incremental):
            super()._fit_stochastic(  # type: ignore[misc]
                X,
                y,
                sample_weight,
                activations,
                deltas,
                coef_grads,
                intercept_grads,
                layer_units,
                incremental,
            )
            return
        self._adam_epochs(X, np.asarray(y, dtype=np.float64), np.asarray(layer_units))

    def _compiled_loop_covers(self, X: Any, sample_weight: Any, incremental: bool) -> bool:
        """Whether :mod:`~notelab.classify._mlp_kernel` does what scikit-learn's loop would."""
        return (
            self.solver == "adam"
            and not self.early_stopping
            and not incremental
            and sample_weight is None
            and not scipy.sparse.issparse(X)
            and X.dtype == np.float64
            and self.activation in ("identity", "tanh", "logistic", "relu")
        )

    def _adam_epochs(self, X: np.ndarray, Y: np.ndarray, units: np.ndarray) -> None:
        """scikit-learn's epoch loop (shuffle, pass, loss curve, stopping rule), each pass
        compiled."""
        from notelab.classify import _mlp_kernel as kernel

        params = self.coefs_ + self.intercepts_
        self._optimizer = AdamOptimizer(
            params, self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon
        )
        theta = np.concatenate([p.ravel() for p in params])
        m, v = np.zeros_like(theta), np.zeros_like(theta)
        n_samples = X.shape[0]
        batch_size = self._batch_size(n_samples)
        work = np.empty(kernel.work_size(theta.size, units, batch_size))
        adam = np.array([self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon])
        X = np.ascontiguousarray(X)
        order = np.arange(n_samples, dtype=np.int64)
        t, softmax = 0, self.out_activation_ == "softmax"
        try:
            self.n_iter_ = 0
            for _ in range(self.max_iter):
                if self.shuffle:  # sklearn.utils.shuffle's draw, without its checks
                    permutation = np.arange(n_samples)
                    self._random_state.shuffle(permutation)
                    order = order[permutation]
                total, t = kernel.epoch(
                    X, Y, order, batch_size, theta, m, v, t, adam, self.alpha, units,
                    kernel.HIDDEN[self.activation], softmax, work,
                )  # fmt: skip
                if self._epoch_ends(total / n_samples, n_samples):
                    break
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.", stacklevel=2)
        finally:
            _unpack(theta, params)
            _unpack(m, self._optimizer.ms)
            _unpack(v, self._optimizer.vs)
            self._optimizer.t = t

    def _batch_size(self, n_samples: int) -> int:
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is going to be "
                "clipped",
                stacklevel=3,
            )
        return int(np.clip(self.batch_size, 1, n_samples))

    def _epoch_ends(self, loss: float, n_samples: int) -> bool:
        """scikit-learn's bookkeeping after an epoch; whether training stops."""
        self.n_iter_ += 1
        self.loss_ = loss
        self.t_ += n_samples
        self.loss_curve_.append(loss)
        if self.verbose:
            print(f"Iteration {self.n_iter_}, loss = {loss:.8f}")
        self._update_no_improvement_count(False, None, None, None)
        if self._no_improvement_count > self.n_iter_no_change:
            message = (
                f"Training loss did not improve more than tol={self.tol:f} for "
                f"{self.n_iter_no_change} consecutive epochs."
            )
            return bool(self._optimizer.trigger_stopping(message, self.verbose))
        if self.n_iter_ == self.max_iter:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                "optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return False


def _unpack(flat: np.ndarray, arrays: list[np.ndarray]) -> None:
    """Copy ``flat`` back into ``arrays`` (packed one after another), in place."""
    at = 0
    for array in arrays:
        array[...] = flat[at : at + array.size].reshape(array.shape)
        at += array.size
