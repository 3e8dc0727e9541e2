"""Note 3: batch, layer, group and RMS normalisation written from scratch (forward and a
hand-written backward), drop-in compatible with ``torch.nn`` and checked against it; the note's
example; normalisation statistics of a table; and the comparison of normalisations across batch
sizes for a model.

Examples
--------
>>> import torch
>>> from notelab.nn.norm import BatchNorm
>>> bn = BatchNorm(3)
>>> bn.load_state_dict(torch.nn.BatchNorm1d(3).state_dict())
<All keys matched successfully>
"""

from notelab.nn.norm.batch import BatchNorm
from notelab.nn.norm.functional import batch_norm, group_norm, layer_norm, rms_norm
from notelab.nn.norm.group import GroupNorm
from notelab.nn.norm.layer import LayerNorm, RMSNorm

__all__ = [
    "BatchNorm",
    "GroupNorm",
    "LayerNorm",
    "RMSNorm",
    "batch_norm",
    "group_norm",
    "layer_norm",
    "rms_norm",
]
