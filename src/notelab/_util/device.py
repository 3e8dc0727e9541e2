"""The device a PyTorch command runs on: ``--device auto|cpu|cuda``, checked in one place.

Importing this module imports no torch; :func:`resolve_device` does, when called.
"""

from __future__ import annotations

from notelab._util.errors import InputError

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(name: str) -> str:
    """``auto`` as ``cuda`` when PyTorch sees a GPU, else ``cpu``; ``cuda`` without one is an
    :class:`~notelab._util.InputError`.

    Examples
    --------
    >>> resolve_device("cpu")
    'cpu'
    """
    import torch

    if name not in DEVICES:
        raise InputError(f"a device from {', '.join(DEVICES)}", repr(name))
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError(
            "a CUDA GPU for --device cuda", "none visible to PyTorch", "use --device cpu or auto"
        )
    return name
