"""Leak-free pipelines: every preprocessing step is fitted inside the fold, with the model.

Numeric columns get median imputation (and standard scaling where the family needs it);
categorical columns get a ``"missing"`` fill and the encoding the family needs. Because the
whole chain is one scikit-learn ``Pipeline``, cross-validation fits it on training rows only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from notelab.classify.models import MODELS, NATIVE, ONEHOT

MAX_NATIVE_LEVELS = 255  # histogram boosting's limit for native categorical splits


def make_pipeline(
    name: str,
    *,
    numeric: list[Any],
    categorical: list[Any] | None = None,
    levels: list[int] | None = None,
    random_state: int = 0,
    scale: bool | None = None,
) -> Any:
    """The preprocessing and model for ``name``, as one unfitted ``Pipeline``.

    Parameters
    ----------
    name : str
        A key of :data:`~notelab.classify.models.MODELS`.
    numeric, categorical : list
        Column names (for a DataFrame) or indices (for an array) of each kind.
    levels : list of int, optional
        The number of categories of each categorical column; histogram boosting splits natively
        only on those with at most 255 (the rest reach it as ordinal codes).
    random_state : int
        Seed of the model.
    scale : bool, optional
        Standardise numeric columns; default: what the family needs. ``False`` shows what a
        model does without it (``profile`` measures the need for scaling that way).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> pipe = make_pipeline("knn", numeric=[0, 1, 2, 3]).fit(X, y)
    >>> [step for step, _ in pipe.steps]
    ['prepare', 'model']
    """
    from sklearn.pipeline import Pipeline

    spec = MODELS[name]
    categorical = list(categorical or [])
    scaled = spec.scale if scale is None else scale
    prepare = _prepare(scaled, spec.encoding, list(numeric), categorical)
    levels = list(levels) if levels is not None else [0] * len(categorical)
    mask = [False] * len(numeric) + [n <= MAX_NATIVE_LEVELS for n in levels]
    return Pipeline([("prepare", prepare), ("model", spec.build(random_state, mask))])


def _numeric(scale: bool) -> Any:
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    steps: list[tuple[str, Any]] = [("impute", SimpleImputer(strategy="median"))]
    if scale:
        steps.append(("scale", StandardScaler()))
    return Pipeline(steps)


def _categorical(encoding: str) -> Any:
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

    if encoding == ONEHOT:
        encoder: Any = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    else:  # trees read ordinal codes; boosting splits the codes as categories (NATIVE)
        unknown = np.nan if encoding == NATIVE else -1
        encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=unknown)
    fill = SimpleImputer(strategy="constant", fill_value="missing")
    return Pipeline([("fill", fill), ("encode", encoder)])


def _prepare(scale: bool, encoding: str, numeric: list[Any], categorical: list[Any]) -> Any:
    from sklearn.compose import ColumnTransformer

    if not categorical:  # all numeric: skip the column split (faster, same result)
        return _numeric(scale)
    parts = [("numeric", _numeric(scale), numeric)] if numeric else []
    parts.append(("categorical", _categorical(encoding), categorical))
    return ColumnTransformer(parts, verbose_feature_names_out=False)
