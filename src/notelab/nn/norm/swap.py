"""Swap every normalisation layer of a model for another kind: batch, layer, group or none.

A slot is any batch, layer, group or RMS norm (``torch.nn``'s or notelab's). Its replacement
normalises the same features: for a channel-first slot (``BatchNorm1d/2d``, ``GroupNorm``)
"layer" is layer norm over each sample's channels and positions (``GroupNorm(1, C)``, as in
Wu and He's Group Normalization) and "group" is ``GroupNorm(G, C)``; for a features-last slot
(``LayerNorm(D)``) "batch" is batch norm over every sample and position
(``BatchNorm(D, channels_last=True)``).

Examples
--------
>>> from torch import nn
>>> model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU())
>>> swap_norms(model, "group", groups=4)[1]
GroupNorm(4, 8, eps=1e-05, affine=True)
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from notelab._util import InputError
from notelab.nn.norm.batch import BatchNorm
from notelab.nn.norm.group import GroupNorm
from notelab.nn.norm.layer import LayerNorm, RMSNorm
from notelab.nn.norm.spec import NORMS

DEFAULT_GROUPS = 8
_CHANNEL_FIRST = (nn.modules.batchnorm._BatchNorm, nn.GroupNorm, BatchNorm, GroupNorm)
_FEATURES_LAST = (nn.LayerNorm, nn.RMSNorm, LayerNorm, RMSNorm)


@dataclass(frozen=True)
class Slot:
    """A normalisation layer found in a model: where, what, over how many channels."""

    name: str
    kind: str  # the layer's class name
    channels: int
    channels_last: bool
    shape: tuple[int, ...]  # a LayerNorm's normalized_shape; (channels,) otherwise


def _slot(name: str, module: nn.Module) -> Slot | None:
    if isinstance(module, _CHANNEL_FIRST):
        channels = getattr(module, "num_features", getattr(module, "num_channels", 0))
        last = bool(getattr(module, "channels_last", False))
        return Slot(name, type(module).__name__, int(channels), last, (int(channels),))
    if isinstance(module, _FEATURES_LAST):
        shape = tuple(module.normalized_shape)
        return Slot(name, type(module).__name__, int(shape[-1]), True, shape)
    return None


def find_slots(model: nn.Module) -> list[Slot]:
    """Every normalisation layer of ``model``, in module order."""
    return [s for name, m in model.named_modules() if (s := _slot(name, m)) is not None]


def group_count(channels: int, groups: int) -> int:
    """The largest divisor of ``channels`` not above ``groups`` that leaves at least 2 channels
    per group (so a group has more than one value even without positions).

    Examples
    --------
    >>> group_count(64, 32), group_count(12, 8), group_count(8, 8), group_count(7, 4)
    (32, 6, 4, 1)
    """
    top = max(1, min(groups, channels // 2))
    return max(g for g in range(1, top + 1) if channels % g == 0)


def replacement(slot: Slot, norm: str, groups: int = DEFAULT_GROUPS) -> nn.Module:
    """The layer of kind ``norm`` that takes ``slot``'s place."""
    if norm == "none":
        return nn.Identity()
    if len(slot.shape) > 1 and norm != "layer":
        raise InputError(
            f"a LayerNorm over one axis to swap for {norm} norm",
            f"{slot.name}: LayerNorm{slot.shape}",
            "use --norms layer,none for this model",
        )
    c, last = slot.channels, slot.channels_last
    if norm == "batch":
        return BatchNorm(c, channels_last=last)
    if norm == "group":
        return GroupNorm(group_count(c, groups), c, channels_last=last)
    if norm == "layer":
        return LayerNorm(slot.shape) if last else GroupNorm(1, c)
    raise InputError(
        f"a normalisation from {', '.join(NORMS)}", repr(norm), "e.g. --norms batch,layer"
    )


def swap_norms(model: nn.Module, norm: str, *, groups: int = DEFAULT_GROUPS) -> nn.Module:
    """Replace, in place, every normalisation layer of ``model`` by one of kind ``norm``.

    Parameters
    ----------
    model : nn.Module
        Has at least one batch, layer, group or RMS norm layer.
    norm : {"batch", "layer", "group", "none"}
        What takes their place (``none``: an identity).
    groups : int
        Groups for ``group`` (the largest divisor of the channels not above it, with at least
        2 channels per group).

    Returns
    -------
    nn.Module
        ``model`` itself, its normalisation layers replaced (new parameters, on the device and
        dtype of the layer they replace).
    """
    slots = find_slots(model)
    if not slots:
        raise InputError(
            "a model with a BatchNorm, LayerNorm, GroupNorm or RMSNorm layer to swap",
            f"none in {type(model).__name__}",
            "add a normalisation layer, or compare models yourself",
        )
    for slot in slots:
        parent_name, _, child = slot.name.rpartition(".")
        parent = model.get_submodule(parent_name)
        old = parent.get_submodule(child)
        new = replacement(slot, norm, groups)
        reference = next(iter([*old.parameters(), *old.buffers()]), None)
        if reference is not None:
            new = new.to(device=reference.device, dtype=reference.dtype)
        setattr(parent, child, new)
    return model
