"""A user's table as features and a partly empty target: what ``notelab semi`` works on.

Features: every column but the target; text columns become one-hot columns, empty cells take
their column's median, and each column is scaled to [0, 1]. Target: an empty cell (blank,
NaN, null) marks an unlabelled row; labels must be all numbers or all text.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Number
from typing import TYPE_CHECKING, Any

import numpy as np

from notelab._util import InputError

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class LabelledTable:
    """Features in [0, 1], the raw target (``None`` where empty), and the table as read."""

    frame: pd.DataFrame
    target: str
    X: np.ndarray
    labels: np.ndarray  # object array; None where the row is unlabelled
    features: list[str]
    image_shape: tuple[int, int] | None = None

    @property
    def labelled(self) -> np.ndarray:
        """Mask of rows with a label."""
        return np.array([v is not None for v in self.labels])


def _is_empty(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    return isinstance(value, float) and np.isnan(value)


def parse_target(values: Any) -> np.ndarray:
    """The target as an object array with ``None`` for empty cells; one kind of label only.

    Examples
    --------
    >>> parse_target(["cat", None, "dog", float("nan"), " "]).tolist()
    ['cat', None, 'dog', None, None]
    >>> parse_target([1.0, 2.0, None]).tolist()
    [1, 2, None]
    """
    out = np.array([None if _is_empty(v) else v for v in values], dtype=object)
    present = [v for v in out if v is not None]
    numbers = [v for v in present if isinstance(v, Number | np.number) and not isinstance(v, bool)]
    if numbers and len(numbers) < len(present):
        text = next(v for v in present if not isinstance(v, Number | np.number))
        raise InputError(
            "target labels of one kind (all numbers or all text)",
            f"numbers (e.g. {numbers[0]!r}) mixed with text (e.g. {text!r})",
            "write every label the same way, e.g. all as text",
        )
    if numbers and all(float(v).is_integer() for v in numbers):  # type: ignore[arg-type]
        out = np.array([None if v is None else int(v) for v in out], dtype=object)
    return out


def features(frame: pd.DataFrame, target: str) -> tuple[np.ndarray, list[str]]:
    """Every column but ``target`` as numbers in [0, 1] (text one-hot, gaps filled)."""
    import pandas as pd

    rest = frame.drop(columns=[target])
    if rest.shape[1] == 0:
        raise InputError("at least one feature column", f"only {target!r}", "add feature columns")
    encoded = pd.get_dummies(rest, dummy_na=False).astype(np.float64)
    encoded = encoded.fillna(encoded.median()).fillna(0.0)
    values = encoded.to_numpy()
    low, high = values.min(axis=0), values.max(axis=0)
    scaled = (values - low) / np.where(high > low, high - low, 1.0)
    return scaled, [str(c) for c in encoded.columns]


def from_frame(
    frame: pd.DataFrame, target: str, *, image_shape: tuple[int, int] | None = None
) -> LabelledTable:
    """Split a table into scaled features and its partly empty target column."""
    if target not in frame.columns:
        raise InputError(
            "--target naming a column of the table",
            repr(target),
            f"columns are: {', '.join(map(str, frame.columns[:20]))}",
        )
    X, names = features(frame, target)
    if image_shape is not None and image_shape[0] * image_shape[1] != X.shape[1]:
        raise InputError(
            f"an image shape whose pixels match the {X.shape[1]} feature columns",
            f"{image_shape[0]}x{image_shape[1]}",
            "check --image-shape",
        )
    return LabelledTable(frame, target, X, parse_target(frame[target].tolist()), names, image_shape)


def from_dataset(name: str) -> LabelledTable:
    """A built-in data set as a table with a ``target`` column (every row labelled)."""
    import pandas as pd

    from notelab.learning.datasets import load

    data = load(name)
    frame = pd.DataFrame(data.X, columns=data.feature_names)
    frame["target"] = data.y
    labels = np.array(data.y.tolist(), dtype=object)
    return LabelledTable(frame, "target", data.X, labels, data.feature_names, data.image_shape)


def parse_image_shape(text: str | None) -> tuple[int, int] | None:
    """``"8x8"`` -> ``(8, 8)``.

    Examples
    --------
    >>> parse_image_shape("28x28")
    (28, 28)
    """
    if not text:
        return None
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() and int(p) > 0 for p in parts):
        raise InputError("--image-shape as HEIGHTxWIDTH", repr(text), "e.g. --image-shape 8x8")
    return int(parts[0]), int(parts[1])
