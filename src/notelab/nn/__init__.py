"""Neural-network pieces for notes 3 and 5: normalisation layers (``notelab.nn.norm``) and
sequence models (``notelab.nn.seq``).

Importing ``notelab.nn`` imports neither subpackage (nor torch): the names below load on first
use, so core code and the command line stay fast.
"""

import importlib

# public name -> the module that defines it
_LAZY = {
    "BatchNorm": "notelab.nn.norm",
    "GroupNorm": "notelab.nn.norm",
    "LayerNorm": "notelab.nn.norm",
    "RMSNorm": "notelab.nn.norm",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'notelab.nn' has no attribute {name!r}")


__all__ = sorted(_LAZY)
