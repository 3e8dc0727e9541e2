"""The teacher-forced training loss and its gradients in one compiled pass, for the CPU.

When every decoder input is the truth, the loss of a batch is a fixed function of the
parameters: the source pass (the encoder, or the language model's prompt), the decoder pass
from the state it ends in, the output layer and the mean cross-entropy over the real target
tokens. Written with PyTorch operations that is a few dozen autograd nodes, and on the small
matrices of a sequence model their dispatch, not the arithmetic, sets the time. Here the loss
and every parameter's gradient are computed in NumPy and compiled kernels:

- the passes over packed real tokens, each GRU layer through the compiled kernels
  (:func:`~notelab.nn.seq.gru.layer_forward`); the language model reads its prompt and its
  target as one sequence (:func:`~notelab.nn.seq._gru_kernels.joined`);
- the first layer's input side ``E[ids] W_ih^T + b_ih`` made once per vocabulary entry and
  indexed by token, where the vocabulary has fewer entries than the pass has tokens (on the
  built-in tasks, a third of the step's matrix arithmetic at the CLI's size); its gradients
  go back per entry;
- with attention, Luong's "general" score over the encoder's outputs and the combining layer;
- the output layer, and the cross-entropy with its gradient (:mod:`notelab.nn.seq._loss_kernel`).

Two entry points: :func:`loss_and_logits`, one :class:`torch.autograd.Function` (the loss to
call ``backward`` on, and the logits), and :func:`add_gradients`, what training calls: the
same numbers added straight into the parameters' ``.grad``, without the autograd machinery
(at finding 5's size that machinery was a quarter of a step). Measured with
``benchmarks/bench_seq.py``, a teacher-forced training step runs 3.5 to 4.5 times as fast
as the same model stepped token by token at finding 5's and the CLI's sizes.

Both compute what :func:`~notelab.nn.seq.decoding.teacher_forced` followed by
:func:`~notelab.nn.seq.decoding.sequence_loss` and ``backward`` compute, to rounding (tested
in float64 against ``nn.GRU``'s graph to 1e-10), for every model, in float32 and float64 on
the CPU; :func:`applies` says when."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import torch
from torch import nn

from notelab._util.threads import one_native_thread
from notelab.nn.seq.batch import Batch
from notelab.nn.seq.gru import (
    LayerCache,
    Packing,
    layer_backward,
    layer_forward,
    layer_weights,
    recurrence_backward,
)
from notelab.nn.seq.models import Seq2SeqGRU, SequenceModel, whole_sequence


def applies(model: SequenceModel) -> bool:
    """Whether :func:`loss_and_logits` runs for ``model``: its weights where the compiled GRU
    runs (the CPU, float32 or float64, ``models.COMPILED_GRU``)."""
    return whole_sequence(model.output.weight)


def loss_and_logits(model: SequenceModel, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
    """``(loss, logits)``: the mean cross-entropy over the real target tokens with every
    decoder input the truth, one autograd node over all parameters, and the ``(batch, steps,
    vocabulary)`` logits (not differentiable; at padding, the output layer's bias).

    Examples
    --------
    >>> from notelab.nn.seq.batch import collate
    >>> from notelab.nn.seq.decoding import sequence_loss, teacher_forced
    >>> from notelab.nn.seq.models import ModelConfig, build_model
    >>> model = build_model(ModelConfig(kind="lm", vocabulary=10, hidden_size=8))
    >>> batch = collate([([5, 6, 3], [7, 8]), ([5, 3], [9])])
    >>> loss, logits = loss_and_logits(model, batch)
    >>> reference = sequence_loss(teacher_forced(model, batch).logits, batch)
    >>> bool(torch.isclose(loss, reference)), tuple(logits.shape)
    (True, (2, 3, 10))
    """
    plan = _Plan.of(model, batch)
    return _teacher_forced(plan, *plan.parameters)


@dataclass(frozen=True)
class _Side:
    """One pass's parameters, as positions in the plan's parameter list: the embedding and
    each GRU layer's ``(w_ih, w_hh, b_ih, b_hh)``."""

    embedding: int
    layers: tuple[tuple[int, int, int, int], ...]
    padding: int | None  # the embedding's padding_idx


@dataclass(frozen=True)
class _Tokens:
    """One pass's packed token ids and their packing."""

    ids: np.ndarray
    packing: Packing


@dataclass(frozen=True)
class _Plan:
    """A batch's packed passes and where each weight sits in the list of parameters.

    The encoder-decoder runs two passes, the encoder's over the source and the decoder's over
    the target from the state the encoder ends in. The language model runs one: its prompt
    and its target read as one sequence by the same GRU (what reading the prompt, then the
    target from the state the prompt ends in, computes), and only the target's rows predict.
    """

    parameters: tuple[torch.Tensor, ...]
    source: _Side
    target: _Side
    output: tuple[int, int]
    attention: tuple[int, int, int] | None  # score weight, combining weight and bias
    encoder: _Tokens | None  # None for the language model
    decoder: _Tokens
    rows: np.ndarray | None  # the decoder's rows that predict (None: every row)
    target_out: np.ndarray  # the true next token of each predicting row
    at: np.ndarray  # each predicting row's position in the padded (batch * steps) target
    shape: tuple[int, int]  # the target's (batch, steps)
    source_steps: int
    source_lengths: np.ndarray

    @classmethod
    def of(cls, model: SequenceModel, batch: Batch) -> _Plan:
        source_modules = (
            (model.encoder_embedding, model.encoder)
            if isinstance(model, Seq2SeqGRU)
            else (model.embedding, model.gru)  # the LM reads its prompt with its own GRU
        )
        target_weights = _weights(model.embedding, model.gru)
        source_weights = _weights(*source_modules)
        output = (model.output.weight, model.output.bias)
        attention = (
            (model.attention_score.weight, *model.attention_combine.parameters())
            if model.config.attention
            else ()
        )
        parameters = list(dict.fromkeys([*source_weights, *target_weights, *output, *attention]))
        position = {id(p): i for i, p in enumerate(parameters)}
        passes = _two_passes if isinstance(model, Seq2SeqGRU) else _one_pass
        encoder, decoder, rows, at = passes(batch)
        return cls(
            tuple(parameters),
            _side(source_weights, position, source_modules[0].padding_idx),
            _side(target_weights, position, model.embedding.padding_idx),
            (position[id(output[0])], position[id(output[1])]),
            tuple(position[id(p)] for p in attention) if attention else None,  # type: ignore[arg-type]
            encoder,
            decoder,
            rows,
            batch.target_out.cpu().numpy().reshape(-1)[at],
            at,
            tuple(batch.target_in.shape),  # type: ignore[arg-type]
            batch.source.shape[1],
            batch.source_lengths.cpu().numpy(),
        )


_Passes = tuple[_Tokens | None, _Tokens, np.ndarray | None, np.ndarray]


def _two_passes(batch: Batch) -> _Passes:
    """The encoder's pass over the source and the decoder's over the target inputs, every
    decoder row predicting: ``(encoder, decoder, rows, at)`` of :class:`_Plan`."""
    passes = []
    for ids, lengths in (
        (batch.source, batch.source_lengths),
        (batch.target_in, batch.target_lengths),
    ):
        packing = Packing.of(lengths, ids.shape[1])
        passes.append(_Tokens(ids.cpu().numpy().reshape(-1)[packing.index.numpy()], packing))
    return passes[0], passes[1], None, passes[1].packing.index.numpy()


def _one_pass(batch: Batch) -> _Passes:
    """The language model's prompt and target inputs as one packed sequence each, the target's
    rows predicting: ``(None, decoder, rows, at)`` of :class:`_Plan`."""
    from notelab.nn.seq._gru_kernels import joined

    lengths = batch.source_lengths + batch.target_lengths
    steps = int(lengths.max())
    packing = Packing.of(lengths, steps)
    ids, rows, at = joined(
        batch.source.cpu().numpy(),
        batch.source_lengths.numpy(),
        batch.target_in.cpu().numpy(),
        batch.target_lengths.numpy(),
        packing.index.numpy(),
        steps,
    )
    return None, _Tokens(ids, packing), rows, at


def _weights(embedding: nn.Embedding, gru: nn.GRU) -> list[torch.Tensor]:
    """The embedding's weight, then each GRU layer's ``(w_ih, w_hh, b_ih, b_hh)``."""
    return [embedding.weight, *(w for i in range(gru.num_layers) for w in layer_weights(gru, i))]


def _side(weights: list[torch.Tensor], position: dict[int, int], padding: int | None) -> _Side:
    """The positions of one pass's :func:`_weights` in the parameter list."""
    at = [position[id(p)] for p in weights]
    layers = tuple(tuple(at[1 + 4 * i : 5 + 4 * i]) for i in range(len(at) // 4))
    return _Side(at[0], layers, padding)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Pass:
    """One pass's forward state: its tokens and its layers' caches."""

    tokens: _Tokens
    caches: list[LayerCache]


def _pass_forward(
    weights: list[np.ndarray], side: _Side, tokens: _Tokens, h0: np.ndarray
) -> tuple[np.ndarray, np.ndarray, _Pass]:
    """The GRU layers over the packed ``tokens`` from ``h0 (layers, batch, hidden)`` in the
    packing's order: the top layer's rows, each layer's last state per sequence (original
    order) and the pass's state for backward."""
    packing, embedding = tokens.packing, weights[side.embedding]
    x, caches, last = None, [], []
    for layer, positions in enumerate(side.layers):
        layer_weights = tuple(weights[i] for i in positions)
        per_entry = None
        if layer == 0 and _per_entry(embedding, tokens.ids):
            per_entry = (_input_side(embedding, *layer_weights[::2]), tokens.ids)
        elif layer == 0:
            x = embedding[tokens.ids]
        x, cache = layer_forward(x, h0[layer], layer_weights, packing.batch_sizes, per_entry)
        caches.append(cache)
        last.append(x[packing.last.numpy()])
    return cast(np.ndarray, x), np.stack(last), _Pass(tokens, caches)


def _per_entry(embedding: np.ndarray, ids: np.ndarray) -> bool:
    """Whether the first layer's input side ``E[ids] W_ih^T + b_ih`` is made once per
    vocabulary entry (the kernels index it by token): where the vocabulary has fewer entries
    than the pass has tokens, so that its matmuls (forward, and backward for ``W_ih`` and the
    embedding) run over the entries instead of the tokens. On the built-in tasks
    (vocabularies of 15 to 45) that is a third of the step's matrix arithmetic at the CLI's
    size."""
    return len(embedding) < len(ids)


def _input_side(embedding: np.ndarray, w_ih: np.ndarray, b_ih: np.ndarray) -> np.ndarray:
    """``E W_ih^T + b_ih``: the first layer's input side for every vocabulary entry."""
    table: np.ndarray = embedding @ w_ih.T
    table += b_ih
    return table


def _pass_backward(
    weights: list[np.ndarray],
    state: _Pass,
    side: _Side,
    grad_top: np.ndarray,
    grad_last: np.ndarray | None,
    grads: list[Any],
) -> np.ndarray:
    """Back through one pass from the gradients of its top rows and of each layer's last
    states (original order; None: zeros): adds the weights' gradients into ``grads`` (the
    embedding's already zeros) and returns the gradient of ``h0`` (in the packing's order)."""
    from notelab.nn.seq._gru_kernels import scatter_rows

    last, ids = state.tokens.packing.last.numpy(), state.tokens.ids
    d_embedding = grads[side.embedding]
    grad, dh0 = grad_top, []
    for layer in range(len(side.layers) - 1, -1, -1):
        if grad_last is not None:
            grad[last] += grad_last[layer]
        cache = state.caches[layer]
        if cache.x is None:  # the first layer, its input side made per vocabulary entry
            per_entry, dh, *hidden_grads = recurrence_backward(cache, grad)
            d_embedding += per_entry @ cache.w_ih
            weight_grads = [per_entry.T @ weights[side.embedding], *hidden_grads]
        else:
            grad, dh, *weight_grads = layer_backward(cache, grad)
            if layer == 0:  # each row's input gradient to its token's embedding row
                scatter_rows(d_embedding, ids, grad)
        dh0.append(dh)
        for i, g in zip(side.layers[layer], weight_grads, strict=True):
            grads[i] = g if grads[i] is None else grads[i] + g
    return np.stack(dh0[::-1])


@dataclass(frozen=True)
class _Forward:
    """What backward needs of the forward: the passes (encoder first, if any), the rows the
    output layer read and the attention's state."""

    encoder: _Pass | None
    decoder: _Pass
    rows: np.ndarray
    head: _Head | None


def _forward(weights: list[np.ndarray], plan: _Plan) -> _Forward:
    """The passes, then the attention if any: the rows the output layer reads."""
    hidden = weights[plan.target.layers[0][1]].shape[1]
    zeros = np.zeros((len(plan.target.layers), plan.shape[0], hidden), weights[0].dtype)
    if plan.encoder is None:  # the language model: prompt and target in one pass
        top, _, decoder = _pass_forward(weights, plan.target, plan.decoder, zeros)
        return _Forward(None, decoder, top[plan.rows], None)
    memory, source_last, encoder = _pass_forward(weights, plan.source, plan.encoder, zeros)
    order = plan.decoder.packing.order.numpy()
    top, _, decoder = _pass_forward(weights, plan.target, plan.decoder, source_last[:, order])
    head = _attend(weights, plan, top, memory) if plan.attention else None
    return _Forward(encoder, decoder, top if head is None else head.combined, head)


def _backward(
    weights: list[np.ndarray], plan: _Plan, state: _Forward, d_rows: np.ndarray, grads: list[Any]
) -> None:
    """Back from the gradient of the rows the output layer read through the attention and
    the passes, the weights' gradients into ``grads``."""
    d_top, d_memory = d_rows, None
    if state.head is not None:
        d_top, d_memory = _attend_backward(weights, plan, state.head, d_top, grads)
    if plan.rows is not None:  # only some of the pass's rows predict
        d_top = np.zeros((len(plan.decoder.ids), d_rows.shape[1]), d_rows.dtype)
        d_top[plan.rows] = d_rows
    dh0 = _pass_backward(weights, state.decoder, plan.target, d_top, None, grads)
    if state.encoder is not None:
        source_last = np.zeros_like(dh0)
        source_last[:, plan.decoder.packing.order.numpy()] = dh0
        if d_memory is None:
            d_memory = np.zeros((len(state.encoder.tokens.ids), d_rows.shape[1]), d_rows.dtype)
        _pass_backward(weights, state.encoder, plan.source, d_memory, source_last, grads)


@dataclass(frozen=True)
class _Loss:
    """The forward of the whole step: the loss, the logits of the predicting rows (packed),
    the loss's gradient with respect to them and what backward needs."""

    value: float
    logits: np.ndarray
    d_logits: np.ndarray  # the loss's gradient with respect to the logits
    state: _Forward


def _loss(weights: list[np.ndarray], plan: _Plan) -> _Loss:
    """The passes, the output layer and the mean cross-entropy over the real target tokens."""
    with one_native_thread("blas"):
        state = _forward(weights, plan)
        w_out, b_out = (weights[i] for i in plan.output)
        logits = state.rows @ w_out.T
        logits += b_out
    value, d_logits = _cross_entropy(logits, plan.target_out)
    return _Loss(value, logits, d_logits, state)


def _gradients(
    weights: list[np.ndarray], plan: _Plan, loss: _Loss, scale: float
) -> list[np.ndarray]:
    """Every parameter's gradient of ``scale`` times the loss, in the plan's order (``loss``
    is left as it was, so backward may run again)."""
    grads: list[Any] = [None] * len(weights)
    for side in (plan.source, plan.target):
        grads[side.embedding] = np.zeros_like(weights[side.embedding])
    d_logits = loss.d_logits if scale == 1.0 else loss.d_logits * scale
    w_out_at, b_out_at = plan.output
    rows = loss.state.rows
    with one_native_thread("blas"):
        grads[w_out_at], grads[b_out_at] = d_logits.T @ rows, d_logits.sum(0)
        _backward(weights, plan, loss.state, d_logits @ weights[w_out_at], grads)
    for side in (plan.source, plan.target):
        if side.padding is not None:  # as nn.Embedding: no gradient for padding_idx
            grads[side.embedding][side.padding] = 0
    return grads


def add_gradients(model: SequenceModel, batch: Batch) -> float:
    """What ``loss_and_logits(model, batch)[0].backward()`` does, without autograd: adds the
    teacher-forced loss's gradient into the ``.grad`` of every parameter that requires one
    (set where it is None) and returns the loss. Training's teacher-forced step; the graph
    it skips (the :class:`torch.autograd.Function`, the engine, the padded logits) cost a
    quarter of a step at finding 5's size.

    Examples
    --------
    >>> from notelab.nn.seq.batch import collate
    >>> from notelab.nn.seq.models import ModelConfig, build_model
    >>> model = build_model(ModelConfig(kind="lm", vocabulary=10, hidden_size=8))
    >>> batch = collate([([5, 6, 3], [7, 8]), ([5, 3], [9])])
    >>> loss = add_gradients(model, batch)
    >>> grads = [p.grad.clone() for p in model.parameters()]
    >>> model.zero_grad()
    >>> reference, _ = loss_and_logits(model, batch)
    >>> reference.backward()
    >>> all(torch.allclose(g, p.grad) for g, p in zip(grads, model.parameters()))
    True
    """
    plan = _Plan.of(model, batch)
    weights = [p.detach().numpy() for p in plan.parameters]
    loss = _loss(weights, plan)
    grads = _gradients(weights, plan, loss, 1.0)
    with torch.no_grad():
        for parameter, grad in zip(plan.parameters, grads, strict=True):
            if not parameter.requires_grad:  # frozen: as backward, no gradient
                continue
            if parameter.grad is None:
                parameter.grad = torch.from_numpy(grad)
            else:
                parameter.grad += torch.from_numpy(grad)
    return loss.value


class _TeacherForced(torch.autograd.Function):
    """Loss and logits of the teacher-forced step; see :func:`loss_and_logits`."""

    @staticmethod
    def forward(ctx: Any, plan: _Plan, *parameters: torch.Tensor) -> tuple[torch.Tensor, ...]:  # type: ignore[override]
        weights = [p.detach().numpy() for p in parameters]
        loss = _loss(weights, plan)
        ctx.state = (plan, weights, loss)
        ctx.save_for_backward(*parameters)  # so that changing them before backward is an error
        b_out = weights[plan.output[1]]
        padded = np.broadcast_to(b_out, (plan.shape[0] * plan.shape[1], b_out.size)).copy()
        padded[plan.at] = loss.logits
        out = torch.from_numpy(padded).view(*plan.shape, -1)
        ctx.mark_non_differentiable(out)
        return torch.tensor(loss.value, dtype=parameters[0].dtype), out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx: Any, grad_loss: torch.Tensor, _logits: torch.Tensor) -> tuple[Any, ...]:
        ctx.saved_tensors  # noqa: B018 - raises if a parameter changed in place since forward
        plan, weights, loss = ctx.state
        grads = _gradients(weights, plan, loss, float(grad_loss))
        return (None, *(torch.from_numpy(g) for g in grads))


@dataclass(frozen=True)
class _Head:
    """The attention's forward state (padded ``(batch, steps, .)`` layouts, packed rows)."""

    memory: np.ndarray  # (batch, source steps, hidden): the encoder's outputs, zeros at padding
    out: np.ndarray  # (batch, steps, hidden): the decoder's outputs, zeros at padding
    query: np.ndarray  # out W_s^T
    weights: np.ndarray  # (batch, steps, source steps): the attention weights
    joined: np.ndarray  # (rows, 2 hidden): [out, context] of the real rows
    combined: np.ndarray  # (rows, hidden): tanh(joined W_c^T + b_c)


def _padded(rows: np.ndarray, packing: Packing, shape: tuple[int, int]) -> np.ndarray:
    """Packed ``rows`` placed in a ``(batch, steps, width)`` array, zeros at padding."""
    out = np.zeros((shape[0] * shape[1], rows.shape[1]), rows.dtype)
    out[packing.index.numpy()] = rows
    return out.reshape(*shape, -1)


def _attend(weights: list[np.ndarray], plan: _Plan, top: np.ndarray, memory: np.ndarray) -> _Head:
    """Luong's "general" attention of the decoder's rows over the encoder's, then the
    combining layer (as ``SequenceModel._project``)."""
    w_s, w_c, b_c = (weights[i] for i in plan.attention)  # type: ignore[union-attr]
    batch, steps = plan.shape
    source = cast(_Tokens, plan.encoder).packing
    padded_memory = _padded(memory, source, (batch, plan.source_steps))
    out = _padded(top, plan.decoder.packing, plan.shape)
    query = out @ w_s.T
    scores = query @ padded_memory.transpose(0, 2, 1)
    real = np.arange(plan.source_steps) < plan.source_lengths[:, None]
    scores = np.where(real[:, None, :], scores, -np.inf)
    scores -= scores.max(-1, keepdims=True)
    attention = np.exp(scores)
    attention /= attention.sum(-1, keepdims=True)
    context = (attention @ padded_memory).reshape(batch * steps, -1)
    joined = np.concatenate([top, context[plan.at]], 1)
    combined = np.tanh(joined @ w_c.T + b_c)
    return _Head(padded_memory, out, query, attention, joined, combined)


def _attend_backward(
    weights: list[np.ndarray], plan: _Plan, head: _Head, d_combined: np.ndarray, grads: list[Any]
) -> tuple[np.ndarray, np.ndarray]:
    """Back through :func:`_attend`: writes the attention weights' gradients into ``grads``
    and returns the gradients of the decoder's and the encoder's packed rows."""
    w_s_at, w_c_at, b_c_at = plan.attention  # type: ignore[misc]
    hidden = d_combined.shape[1]
    d_pre = d_combined * (1 - head.combined * head.combined)
    grads[w_c_at], grads[b_c_at] = d_pre.T @ head.joined, d_pre.sum(0)
    d_joined = d_pre @ weights[w_c_at]
    d_context = _padded(d_joined[:, hidden:], plan.decoder.packing, plan.shape)
    d_weights = d_context @ head.memory.transpose(0, 2, 1)
    d_memory = head.weights.transpose(0, 2, 1) @ d_context
    d_scores = head.weights * (d_weights - (d_weights * head.weights).sum(-1, keepdims=True))
    d_query = d_scores @ head.memory
    d_memory += d_scores.transpose(0, 2, 1) @ head.query
    flat_query, flat_out = d_query.reshape(-1, hidden), head.out.reshape(-1, hidden)
    grads[w_s_at] = flat_query.T @ flat_out
    d_out = (flat_query @ weights[w_s_at])[plan.at]
    d_top = d_joined[:, :hidden] + d_out
    source = cast(_Tokens, plan.encoder).packing
    d_memory_rows = d_memory.reshape(-1, hidden)[source.index.numpy()]
    return d_top, d_memory_rows


def _cross_entropy(logits: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    """The mean cross-entropy of ``logits (rows, classes)`` against ``targets``, and its
    gradient with respect to the logits."""
    from notelab.nn.seq._loss_kernel import finish, shift

    d_logits = np.empty_like(logits)
    at_target = shift(logits, targets, d_logits)
    np.exp(d_logits, out=d_logits)
    return finish(d_logits, at_target, targets), d_logits


# _TeacherForced applied, typed (``Function.apply`` has no hints): (plan, *parameters) ->
# (loss, logits)
_teacher_forced = cast(Callable[..., tuple[torch.Tensor, torch.Tensor]], _TeacherForced.apply)
