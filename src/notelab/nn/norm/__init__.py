"""Note 3: batch, layer, group and RMS normalisation written from scratch (forward and a
hand-written backward), drop-in compatible with ``torch.nn`` and checked against it; the note's
example; normalisation statistics of a table; and the comparison of normalisations across batch
sizes for a model.

The names load on first use, so ``notelab.nn.norm.spec`` (the command line's checks) imports
without torch.

Examples
--------
>>> import torch
>>> from notelab.nn.norm import BatchNorm
>>> bn = BatchNorm(3)
>>> bn.load_state_dict(torch.nn.BatchNorm1d(3).state_dict())
<All keys matched successfully>
"""

from notelab._util.lazy import lazy_exports

_LAZY = {
    "BatchNorm": "notelab.nn.norm.batch",
    "GroupNorm": "notelab.nn.norm.group",
    "LayerNorm": "notelab.nn.norm.layer",
    "RMSNorm": "notelab.nn.norm.layer",
    "batch_norm": "notelab.nn.norm.functional",
    "group_norm": "notelab.nn.norm.functional",
    "layer_norm": "notelab.nn.norm.functional",
    "rms_norm": "notelab.nn.norm.functional",
    "CompareSpec": "notelab.nn.norm.spec",
    "compare_norms": "notelab.nn.norm.compare",
    "swap_norms": "notelab.nn.norm.swap",
    "note_example": "notelab.nn.norm.example",
    "normalise_table": "notelab.nn.norm.table",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


__all__ = sorted(_LAZY)
