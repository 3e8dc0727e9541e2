"""``seq eval`` and ``seq show`` as library calls: a saved model's held-out metrics, and what it
predicted and was fed at each step of one example."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from notelab._util import InputError
from notelab.nn.seq.batch import collate, encode_pairs
from notelab.nn.seq.checkpoint import SavedModel, load_model
from notelab.nn.seq.decoding import generate, stepped
from notelab.nn.seq.metrics import SeqMetrics, evaluate
from notelab.nn.seq.pairs import read_pairs
from notelab.nn.seq.tasks import Pair, generate_pairs, task_spec, task_target
from notelab.nn.seq.vocab import detokenize, tokenize

FRESH_SEED_OFFSET = 1_000_003


@dataclass(frozen=True)
class EvalReport:
    """A saved model's metrics on some pairs, and where the pairs came from."""

    source: str
    metrics: SeqMetrics

    def as_dict(self) -> dict[str, Any]:
        """Plain values for ``--json``."""
        return {"source": self.source, "metrics": self.metrics.as_dict()}


def _fresh_task_pairs(saved: SavedModel, task: str, count: int, seed: int | None) -> list[Pair]:
    data = saved.data
    options = {
        k: data.get(k, d) for k, d in (("min_length", 4), ("max_length", 10), ("symbols", 10))
    }
    seen: set[tuple[str, ...]] = set()
    if data.get("task") == task:  # never evaluate on a training example
        trained = generate_pairs(task, int(data["examples"]), seed=int(data["seed"]), **options)
        seen = {tuple(s) for s, _ in trained} | {tuple(s) for s, _ in saved.heldout}
    draw = int(data.get("seed", 0)) + FRESH_SEED_OFFSET if seed is None else seed
    return generate_pairs(task, count, seed=draw, exclude=seen, **options)


def eval_pairs(
    saved: SavedModel,
    *,
    task: str | None = None,
    data: str | Path | None = None,
    tokens: str | None = None,
    examples: int = 500,
    seed: int | None = None,
) -> tuple[list[Pair], str]:
    """The pairs ``seq eval`` measures on, and a description of them.

    Without ``task`` or ``data``: the held-out pairs saved with the model. With ``task``: fresh
    generated examples, none of which was in training. With ``data``: a TSV file.
    """
    if task is not None and data is not None:
        raise InputError("at most one of --task or --data", "both")
    if data is not None:
        mode = tokens or saved.data.get("source_tokens", "char")
        return read_pairs(data, mode), f"{Path(data).name} ({mode} tokens)"
    if task is not None:
        task_spec(task)
        pairs = _fresh_task_pairs(saved, task, examples, seed)
        return pairs, f"{len(pairs)} fresh {task} examples"
    return saved.heldout, f"the {len(saved.heldout)} held-out pairs saved with the model"


def eval_run(
    path: str | Path, *, unknown: str = "error", device: str = "cpu", **which: Any
) -> EvalReport:
    """Load a model and measure it (``which``: see :func:`eval_pairs`)."""
    saved = load_model(path, device=device)
    pairs, source = eval_pairs(saved, **which)
    return EvalReport(source, evaluate(saved.model, encode_pairs(pairs, saved.vocabulary, unknown)))


@dataclass(frozen=True)
class ShowStep:
    """One decoder step under both feedings."""

    position: int
    truth: str
    teacher_input: str
    teacher_predicted: str
    free_input: str
    free_predicted: str


@dataclass(frozen=True)
class ShowReport:
    """An example decoded with teacher forcing and free running, step by step."""

    source: list[str]
    target: list[str]
    steps: list[ShowStep]
    teacher_output: str
    free_output: str

    def as_dict(self) -> dict[str, Any]:
        """Plain values for ``--json``."""
        return {
            "source": self.source,
            "target": self.target,
            "teacher_output": self.teacher_output,
            "free_output": self.free_output,
            "steps": [step.__dict__ for step in self.steps],
        }


def _target_of(saved: SavedModel, source: list[str], target_text: str | None) -> list[str]:
    mode = saved.data.get("target_tokens", "char")
    if target_text is not None:
        target = tokenize(target_text, mode)
    elif saved.data.get("task"):
        target = task_target(saved.data["task"], source)
    else:
        raise InputError("--target TEXT", "no target", "a model trained on --data needs --target")
    if not target:
        raise InputError("a non-empty target", repr(target_text))
    return target


@torch.no_grad()
def show_run(
    path: str | Path, source_text: str, *, target: str | None = None, unknown: str = "error"
) -> ShowReport:
    """What the model predicted at each step, what teacher forcing fed and what free running fed.

    The target is the task's answer for a model trained on a built-in task, else ``target``.
    """
    saved = load_model(path)
    source = tokenize(source_text, saved.data.get("source_tokens", "char"))
    if not source:
        raise InputError("a non-empty source", repr(source_text))
    answer = _target_of(saved, source, target)
    batch = collate(encode_pairs([(source, answer)], saved.vocabulary, unknown))
    taught = stepped(saved.model, batch, torch.ones_like(batch.target_in, dtype=torch.bool))
    free = generate(saved.model, batch)
    return _report(
        saved,
        source,
        answer,
        taught.fed[0].tolist(),
        taught.predicted[0].tolist(),
        free.fed[0].tolist(),
        free.predicted[0].tolist(),
    )


def _report(
    saved: SavedModel,
    source: list[str],
    answer: list[str],
    t_fed: list[int],
    t_pred: list[int],
    f_fed: list[int],
    f_pred: list[int],
) -> ShowReport:
    vocab, mode = saved.vocabulary, saved.data.get("target_tokens", "char")
    tokens = vocab.tokens
    truth = [*answer, tokens[vocab.eos]]
    free_length = len(vocab.decode(f_pred)) + 1
    steps = [
        ShowStep(
            t,
            truth[t] if t < len(truth) else "",
            tokens[t_fed[t]] if t < len(truth) else "",
            tokens[t_pred[t]] if t < len(truth) else "",
            tokens[f_fed[t]],
            tokens[f_pred[t]],
        )
        for t in range(max(len(truth), min(free_length, len(f_pred))))
    ]
    return ShowReport(
        source,
        answer,
        steps,
        detokenize(vocab.decode(t_pred[: len(truth)]), mode),
        detokenize(vocab.decode(f_pred), mode),
    )
