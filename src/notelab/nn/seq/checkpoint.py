"""Saving and loading a trained sequence model with its vocabulary and how it was trained.

A checkpoint is one ``torch.save`` file of plain values (loaded with ``weights_only=True``, so
loading it runs no code): the model's config and weights, the vocabulary, the data description
(task or TSV tokenisation) and the held-out pairs, so ``seq eval`` and ``seq show`` need nothing
else.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from notelab._util import InputError, atomic_write_bytes
from notelab.nn.seq.models import ModelConfig, SequenceModel, build_model
from notelab.nn.seq.tasks import Pair
from notelab.nn.seq.vocab import Vocabulary

FORMAT = "notelab-seq/1"


@dataclass
class SavedModel:
    """A model with everything needed to evaluate it and show what it does.

    Attributes
    ----------
    model : SequenceModel
    vocabulary : Vocabulary
    data : dict
        ``task`` (a built-in task name or None), ``source_tokens``/``target_tokens``
        (``"char"`` or ``"word"``) and the generation options of a task.
    heldout : list of (source tokens, target tokens)
    training : dict
        The schedule, its parameters and the training history (plain values).
    """

    model: SequenceModel
    vocabulary: Vocabulary
    data: dict[str, Any]
    heldout: list[Pair] = field(default_factory=list)
    training: dict[str, Any] = field(default_factory=dict)


def save_model(path: str | Path, saved: SavedModel) -> None:
    """Write ``saved`` to ``path`` atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from notelab.nn.seq.models import ModelConfig, build_model
    >>> vocab = Vocabulary.build([["A", "B"]])
    >>> model = build_model(ModelConfig(vocabulary=len(vocab), hidden_size=8))
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "m.pt"
    >>> save_model(path, SavedModel(model, vocab, {"task": "copy"}))
    >>> load_model(path).vocabulary == vocab
    True
    """
    document = {
        "format": FORMAT,
        "config": saved.model.config.as_dict(),
        "state_dict": saved.model.state_dict(),
        "vocabulary": list(saved.vocabulary.tokens),
        "data": saved.data,
        "heldout": [[list(s), list(t)] for s, t in saved.heldout],
        "training": saved.training,
    }
    buffer = io.BytesIO()
    torch.save(document, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def load_model(path: str | Path, *, device: str | torch.device = "cpu") -> SavedModel:
    """Read a checkpoint written by :func:`save_model` (the model in eval mode on ``device``)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("a model file written by `notelab seq train --save`", f"{str(path)!r}")
    try:
        document = torch.load(path, map_location=device, weights_only=True)
    except Exception as error:  # any unreadable file is the user's input problem
        raise InputError(
            "a model file written by `notelab seq train --save`",
            f"{path.name} ({type(error).__name__})",
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InputError(f"a {FORMAT} model file", f"{path.name} (another format)")
    model = build_model(ModelConfig(**document["config"]))
    model.load_state_dict(document["state_dict"])
    model.to(device).eval()
    return SavedModel(
        model,
        Vocabulary(tuple(document["vocabulary"])),
        dict(document["data"]),
        [(list(s), list(t)) for s, t in document["heldout"]],
        dict(document["training"]),
    )
