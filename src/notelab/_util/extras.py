"""Optional extras: which install provides a package, and one clear error when it is missing.

The core (dedup, similarity, ascii, steps, gmm on the local engine, classify) needs none of them;
``notelab[torch]``, ``notelab[dask]`` and ``notelab[report]`` add the rest.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from notelab._util.errors import InputError

# top-level package -> the extra that installs it
EXTRA_OF = {
    "torch": "torch",
    "psutil": "torch",
    "dask": "dask",
    "distributed": "dask",
    "matplotlib": "report",
    "jinja2": "report",
}


class MissingExtraError(InputError):
    """A feature needs an optional package that is not installed.

    Examples
    --------
    >>> str(MissingExtraError("torch", "notelab batch-size"))[:60]
    'expected the optional package torch for notelab batch-size, '
    """

    def __init__(self, package: str, feature: str) -> None:
        extra = EXTRA_OF.get(package, "all")
        self.package = package
        self.extra = extra
        super().__init__(
            f"the optional package {package} for {feature}",
            "it is not installed",
            f"install it with: pip install 'notelab[{extra}]'",
        )


def require(package: str, feature: str) -> ModuleType:
    """Import ``package`` or raise :class:`MissingExtraError` naming the install command.

    Parameters
    ----------
    package : str
        A top-level package name, e.g. ``"torch"``.
    feature : str
        What needs it, in words, e.g. ``"notelab batch-size"``.

    Examples
    --------
    >>> require("json", "the example").__name__
    'json'
    """
    try:
        return importlib.import_module(package)
    except ModuleNotFoundError as error:
        if error.name is not None and error.name.split(".")[0] == package:
            raise MissingExtraError(package, feature) from None
        raise


def as_missing_extra(error: ModuleNotFoundError, feature: str) -> MissingExtraError | None:
    """The :class:`MissingExtraError` for an import of an optional package that failed, if it
    was one; ``None`` for any other missing module."""
    root = (error.name or "").split(".")[0]
    return MissingExtraError(root, feature) if root in EXTRA_OF else None
