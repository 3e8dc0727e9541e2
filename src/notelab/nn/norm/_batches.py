"""Mini-batches of a map-style dataset, as ``DataLoader`` makes them, without its per-sample
overhead when the data are tensors already (a ``TensorDataset`` or a ``Subset`` of one): at
batch 2 that overhead is a large part of a small model's step."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset, Subset, TensorDataset


def tensors_of(dataset: Dataset[Any]) -> list[torch.Tensor] | None:
    """The dataset's tensors, row ``i`` for item ``i``; None if it is not made of tensors."""
    if isinstance(dataset, TensorDataset):
        return list(dataset.tensors)
    if isinstance(dataset, Subset):
        inner = tensors_of(dataset.dataset)
        index = torch.as_tensor(list(dataset.indices), dtype=torch.long)
        return None if inner is None else [t[index] for t in inner]
    return None


def batches(
    dataset: Dataset[Any],
    batch_size: int,
    *,
    generator: torch.Generator | None = None,
    drop_last: bool = False,
) -> Iterator[Any]:
    """One pass over ``dataset`` in batches: shuffled by ``generator`` (in order without one),
    the last partial batch dropped with ``drop_last``; the batches ``DataLoader`` makes (in
    order, the same ones; shuffled, the same kind in another random order).

    Examples
    --------
    >>> data = TensorDataset(torch.arange(5), torch.arange(5) * 10)
    >>> [b[0].tolist() for b in batches(data, 2, drop_last=True)]
    [[0, 1], [2, 3]]
    """
    tensors = tensors_of(dataset)
    if tensors is None:
        yield from DataLoader(
            dataset,
            batch_size=batch_size,
            shuffle=generator is not None,
            drop_last=drop_last,
            generator=generator,
        )
        return
    count = len(tensors[0])
    order = torch.randperm(count, generator=generator) if generator is not None else None
    stop = count - count % batch_size if drop_last else count
    for start in range(0, stop, batch_size):
        rows = (
            slice(start, start + batch_size) if order is None else order[start : start + batch_size]
        )
        yield [t[rows] for t in tensors]
