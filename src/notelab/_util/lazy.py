"""Names of a package that load their module on first use (PEP 562), so importing the package
stays fast and imports no optional dependency.

Examples
--------
In a package's ``__init__.py``::

    _LAZY = {"BatchNorm": "notelab.nn.norm.batch"}
    __getattr__, __dir__ = lazy_exports(__name__, _LAZY)
    __all__ = sorted(_LAZY)

>>> getattr_, dir_ = lazy_exports("json", {"JSONDecoder": "json.decoder"})
>>> getattr_("JSONDecoder").__name__
'JSONDecoder'
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, names: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of ``package``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    names : mapping of str to str
        Public name -> the module that defines it, imported the first time the name is used.

    Returns
    -------
    (__getattr__, __dir__)
        ``__getattr__`` loads a listed name from its module and raises ``AttributeError`` for
        any other; ``__dir__`` lists the package's own names and the lazy ones.
    """

    def __getattr__(name: str) -> Any:
        if name in names:
            return getattr(importlib.import_module(names[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(names))

    return __getattr__, __dir__
