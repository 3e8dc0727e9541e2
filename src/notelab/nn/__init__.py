"""Neural-network pieces for notes 3 and 5: normalisation layers (``notelab.nn.norm``) and
sequence models (``notelab.nn.seq``).

Importing ``notelab.nn`` imports neither subpackage (nor torch): the names below load on first
use, so core code and the command line stay fast.
"""

from notelab._util.lazy import lazy_exports

# public name -> the module that defines it
_LAZY = {
    "BatchNorm": "notelab.nn.norm",
    "GroupNorm": "notelab.nn.norm",
    "LayerNorm": "notelab.nn.norm",
    "RMSNorm": "notelab.nn.norm",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


__all__ = sorted(_LAZY)
