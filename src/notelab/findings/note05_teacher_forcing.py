"""Finding 5: teacher forcing, exposure bias and scheduled sampling, measured on real GRU models.

Measure: decoder-only GRU language models (the source read as a prompt) are trained on
generated tasks under each feeding policy (teacher forcing, free running and Bengio et al.'s
three decaying schedules), three replicas each (data draw, initialisation and feeding draws
seeded together), with held-out metrics along the way. Claims: one small function per claim
of the note, each graded by :func:`~notelab.findings.stats.grade` on an estimate over the
replicas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from notelab.nn.seq import FeedingPolicy, SequenceModel, Vocabulary
    from notelab.nn.seq.batch import Encoded

from notelab._util.estimate import Estimate
from notelab.findings._plot import new_axes
from notelab.findings._threads import one_thread
from notelab.findings.model import Claim, Figure, Finding, Table
from notelab.findings.registry import note_title
from notelab.findings.stats import at_least

Run = dict[str, Any]  # one trained model's measurements, plain data

TITLE = note_title(5)  # the registry is the titles' one home
REPLICAS = 3
POLICIES = ("teacher", "free", "linear", "exponential", "inverse-sigmoid")
DECAYS = POLICIES[2:]
# tasks for claims 2-4 (teacher forcing and free running) and for claim 5 (every schedule)
TASKS = {"quick": ("reverse", "sort"), "full": ("reverse", "sort", "copy", "add")}
SCHEDULE_TASKS = {"quick": ("reverse",), "full": ("reverse", "sort", "copy", "add")}
STEPS = {"quick": 200, "full": 1500}
CHECKPOINTS = 4  # held-out evaluations over a teacher or free run (claim 2's curve)
HELDOUT = {"quick": 150, "full": 1000}
BATCH, LEARNING_RATE, LENGTHS = 32, 1e-2, (3, 6)
MODEL = {"kind": "lm", "embedding_dim": 16, "hidden_size": 48}
NOTE_SOURCE = {"reverse": "E D C B A", "sort": "D A E C B", "copy": "A B C D E", "add": "12+34"}

# Claim 1: the share of wrong predictions after which teacher forcing fed the truth.
FED_TRUTH_HOLDS = at_least(0.95)
# Claim 2: the share of checkpoints (same task, replica and step) at which teacher forcing's
# held-out loss was below free running's: a majority means it came down faster.
CONVERGE_HOLDS, CONVERGE_PARTLY = at_least(0.5), at_least(0.25)
# Claim 3: teacher-forced minus free-running token accuracy of teacher-forced models.
GAP_HOLDS, GAP_PARTLY = at_least(0.02), at_least(0.0)
# Claim 4: the smaller of P(error | error before) - P(error | none before) and the fall in
# free-running accuracy from the first output position to the later ones.
COMPOUND_HOLDS, COMPOUND_PARTLY = at_least(0.05), at_least(0.0)
# Claim 5: free-running accuracy of scheduled sampling minus teacher forcing's, on the task
# where it fares worst (the claim is general: a task where it clearly loses refutes it);
# partly: within one point of teacher forcing.
SCHEDULED_HOLDS, SCHEDULED_PARTLY = at_least(0.0), at_least(-0.01)


def _task_data(task: str, seed: int, scale: str) -> dict[str, Any]:
    from notelab.nn.seq import Vocabulary, encode_pairs, task_split

    fit, held = task_split(
        task,
        STEPS[scale] * BATCH,
        HELDOUT[scale],
        seed=seed,
        min_length=LENGTHS[0],
        max_length=LENGTHS[1],
    )
    vocab = Vocabulary.build([s for s, _ in fit] + [t for _, t in fit])
    return {"vocab": vocab, "fit": encode_pairs(fit, vocab), "held": encode_pairs(held, vocab)}


def _policy(name: str, steps: int) -> FeedingPolicy:
    from notelab.nn.seq import FeedingPolicy, make_schedule

    return FeedingPolicy(make_schedule(name, steps=steps))


def feeding_record(
    model: SequenceModel, vocab: Vocabulary, held: list[Encoded], task: str
) -> dict[str, Any]:
    """Teacher forcing, stepped and recorded, on held-out pairs and the note's example: after
    each wrong prediction, was the next input the truth? Free running's record for contrast."""
    import torch

    from notelab.nn.seq import collate, encode_pairs, generate, stepped, task_target

    batch = collate(held)
    with torch.no_grad():
        taught = stepped(model, batch, torch.ones_like(batch.target_in, dtype=torch.bool))
        free = generate(model, batch)
    real = batch.mask[:, 1:]  # a next input exists
    wrong = (taught.predicted[:, :-1] != batch.target_out[:, :-1]) & real
    fed_truth = taught.fed[:, 1:] == batch.target_out[:, :-1]
    steps = free.predicted.shape[1] - 1
    own = (free.fed[:, 1:] == free.predicted[:, :-1])[:, :steps]
    source = NOTE_SOURCE[task].split() if task != "add" else list(NOTE_SOURCE[task])
    example = collate(encode_pairs([(source, task_target(task, source))], vocab))
    with torch.no_grad():
        shown = stepped(model, example, torch.ones_like(example.target_in, dtype=torch.bool))
    return {
        "wrong_predictions": int(wrong.sum()),
        "then_fed_truth": int((wrong & fed_truth).sum()),
        "free_fed_own": int(own.sum()),
        "free_steps": int(own.numel()),
        "example_source": source,
        "example_truth": [vocab.tokens[i] for i in example.target_out[0].tolist()],
        "example_predicted": [vocab.tokens[i] for i in shown.predicted[0].tolist()],
        "example_fed": [vocab.tokens[i] for i in shown.fed[0].tolist()],
    }


def _train_one(task: str, policy: str, seed: int, scale: str, data: dict[str, Any]) -> Run:
    """One model trained under ``policy``: its held-out curve and final metrics (plain data)."""
    from notelab.nn.seq import ModelConfig, seeded_model, train

    steps = STEPS[scale]
    model = seeded_model(ModelConfig(vocabulary=len(data["vocab"]), **MODEL), seed)
    record: dict[str, Any] = {}
    watch = policy in ("teacher", "free")

    def on_checkpoint(point: object) -> None:
        if policy == "teacher" and not record:  # claim 1 on a model that still errs
            record.update(feeding_record(model, data["vocab"], data["held"], task))

    history = train(
        model,
        data["fit"],
        data["held"],
        _policy(policy, steps),
        epochs=1,
        batch_size=BATCH,
        learning_rate=LEARNING_RATE,
        seed=seed,
        eval_every=steps // CHECKPOINTS if watch else steps,
        on_checkpoint=on_checkpoint,
    )
    final = history.checkpoints[-1].metrics
    return {
        "task": task,
        "policy": policy,
        "seed": seed,
        "curve": [(c.step, c.metrics.teacher_forced_loss) for c in history.checkpoints],
        "metrics": final.as_dict(),
        "truth_inputs": history.truth_inputs,
        "model_inputs": history.model_inputs,
        "feeding": record,
    }


def _plan(scale: str) -> list[tuple[str, str]]:
    return [
        (task, policy)
        for task in dict.fromkeys(TASKS[scale] + SCHEDULE_TASKS[scale])
        for policy in POLICIES
        if policy in ("teacher", "free") or task in SCHEDULE_TASKS[scale]
    ]


def measure(scale: str = "quick", seed: int = 0) -> dict[str, Any]:
    """Train every (task, policy) of the plan on ``REPLICAS`` seeds; plain data."""
    import torch  # noqa: F401  (imported first, so one_thread limits its threads too)

    plan, runs = _plan(scale), []
    with one_thread():  # tiny models: threads cost more than they give
        for replica in range(REPLICAS):
            run_seed = REPLICAS * seed + replica
            for task in dict.fromkeys(t for t, _ in plan):
                data = _task_data(task, run_seed, scale)
                for t, policy in plan:
                    if t == task:
                        runs.append(_train_one(task, policy, run_seed, scale, data))
    return {"scale": scale, "seed": seed, "steps": STEPS[scale], "runs": runs}


# ---------------------------------------------------------------- claims


def _select(runs: list[Run], **match: Any) -> list[Run]:
    return [r for r in runs if all(r[k] == v for k, v in match.items())]


def _metric(runs: list[Run], name: str) -> list[float]:
    return [float(r["metrics"][name]) for r in runs]


def _fed_truth_claim(runs: list[Run]) -> Claim:
    record = _select(runs, policy="teacher", task=_select(runs, policy="teacher")[0]["task"])
    feeding = [r["feeding"] for r in record]
    wrong = sum(f["wrong_predictions"] for f in feeding)
    truth = sum(f["then_fed_truth"] for f in feeding)
    own = sum(f["free_fed_own"] for f in feeding)
    free_steps = sum(f["free_steps"] for f in feeding)
    first = feeding[0]
    miss = next(
        (
            i
            for i, (p, t) in enumerate(
                zip(first["example_predicted"], first["example_truth"], strict=True)
            )
            if p != t and i + 1 < len(first["example_fed"])
        ),
        None,
    )
    shown = (
        f"On {' '.join(first['example_source'])!r} the model predicted "
        f"{first['example_predicted'][miss]!r} at step {miss + 1} where the truth was "
        f"{first['example_truth'][miss]!r}, and the next input was "
        f"{first['example_fed'][miss + 1]!r}. "
        if miss is not None
        else f"On {' '.join(first['example_source'])!r} the model made no wrong prediction. "
    )
    estimate = Estimate.proportion(
        truth, max(wrong, 1), method=f"{truth} of {wrong} wrong predictions"
    )
    return Claim.judged(
        "With teacher forcing the next input is the true previous token, whatever the model "
        "predicted.",
        estimate,
        holds=FED_TRUTH_HOLDS,
        evidence=shown
        + f"Over held-out pairs, {truth:,} of {wrong:,} wrong predictions were followed by the "
        f"true token, a share of {estimate.text()}; free running fed the model's own output at "
        f"{own:,} of {free_steps:,} steps.",
    )


def _pairs(runs: list[Run], task: str, a: str, b: str) -> list[tuple[Run, Run]]:
    left = {r["seed"]: r for r in _select(runs, task=task, policy=a)}
    return [(left[r["seed"]], r) for r in _select(runs, task=task, policy=b)]


def _tasks(runs: list[Run], policy: str = "free") -> list[str]:
    return list(dict.fromkeys(r["task"] for r in _select(runs, policy=policy)))


def _converge_claim(runs: list[Run], steps: int) -> Claim:
    pairs = {task: _pairs(runs, task, "teacher", "free") for task in _tasks(runs)}
    ratios = {
        task: [
            np.mean([x for _, x in f["curve"]]) / np.mean([x for _, x in t["curve"]]) for t, f in v
        ]
        for task, v in pairs.items()
    }
    wins = [
        t_loss < f_loss
        for v in pairs.values()
        for t, f in v
        for (_, t_loss), (_, f_loss) in zip(t["curve"], f["curve"], strict=True)
    ]
    estimate = Estimate.proportion(sum(wins), len(wins), method=f"{len(wins)} checkpoints")
    per_task = ", ".join(f"{task} {np.mean(v):.2f}" for task, v in ratios.items())
    return Claim.judged(
        "Teacher forcing makes training converge faster than free-running training.",
        estimate,
        holds=CONVERGE_HOLDS,
        partly=CONVERGE_PARTLY,
        evidence=f"Compared at the same step ({CHECKPOINTS} checkpoints of {steps} steps, "
        f"{REPLICAS} replicas per task), teacher forcing had the lower held-out loss at "
        f"{sum(wins)} of {len(wins)} checkpoints, a share of {estimate.text()}; free running's "
        f"loss averaged over the checkpoints was {per_task} times teacher forcing's.",
    )


def _mean(runs: list[Run], task: str, metric: str) -> float:
    return float(np.mean(_metric(_select(runs, task=task), metric)))


def _gap_claim(runs: list[Run]) -> Claim:
    teacher = _select(runs, policy="teacher")
    gaps = _metric(teacher, "exposure_bias_gap")
    estimate = Estimate.mean_interval(gaps, unit="accuracy", method="mean over tasks x replicas")
    per_task = "; ".join(
        f"{task}: {_mean(teacher, task, 'teacher_forced_accuracy'):.1%} teacher forced vs "
        f"{_mean(teacher, task, 'free_running_accuracy'):.1%} free running"
        for task in _tasks(teacher, "teacher")
    )
    return Claim.judged(
        "Exposure bias: a teacher-forced model is less accurate when it consumes its own "
        "predictions (free running) than when it is fed the truth.",
        estimate,
        holds=GAP_HOLDS,
        partly=GAP_PARTLY,
        evidence=f"The gap (teacher-forced minus free-running token accuracy) was "
        f"{estimate.text()} ({per_task}).",
    )


def _position_fall(metrics: dict[str, Any]) -> float:
    accuracy = np.asarray(metrics["position_accuracy_free"], dtype=float)
    counts = np.asarray(metrics["position_counts"], dtype=float)
    later = counts[1:] * accuracy[1:]
    return float(accuracy[0] - np.nansum(later) / counts[1:].sum())


def _compound_values(run: Run) -> tuple[float, float]:
    c = run["metrics"]["compounding_free"]
    return c["rate_after_error"] - c["rate_without_error"], _position_fall(run["metrics"])


def _compound_claim(runs: list[Run]) -> Claim:
    teacher = _select(runs, policy="teacher")
    values = [_compound_values(r) for r in teacher]
    estimate = Estimate.mean_interval(
        [min(v) for v in values], unit="probability", method="mean over tasks x replicas"
    )
    free = [r["metrics"]["compounding_free"] for r in teacher]
    taught = [r["metrics"]["compounding_teacher"] for r in teacher]
    after, fresh = _pooled(free, "after"), _pooled(free, "without")
    t_after, t_fresh = _pooled(taught, "after"), _pooled(taught, "without")
    falls = [v[1] for v in values]
    return Claim.judged(
        "Early errors compound: after a first error, later errors are more likely, and "
        "free-running accuracy falls with position.",
        estimate,
        holds=COMPOUND_HOLDS,
        partly=COMPOUND_PARTLY,
        evidence=f"Free running, teacher-forced models erred at {after:.1%} of steps after an "
        f"error and {fresh:.1%} of steps without one (fed the truth: {t_after:.1%} and "
        f"{t_fresh:.1%}); accuracy fell by {np.mean(falls):.1%} from the first output position "
        f"to the later ones; the smaller of the two effects: {estimate.text()}.",
    )


def _pooled(counts: list[dict[str, Any]], which: str) -> float:
    errors = sum(int(c[f"errors_{which}_error"]) for c in counts)
    return errors / sum(int(c[f"steps_{which}_error"]) for c in counts)


def _schedule_deltas(runs: list[Run], task: str, metric: str) -> list[float]:
    return [
        b["metrics"][metric] - a["metrics"][metric]
        for policy in DECAYS
        for a, b in _pairs(runs, task, "teacher", policy)
    ]


def _points(differences: list[float]) -> str:
    """The mean of accuracy differences in percentage points, ``+1.2`` (never ``-0.0``)."""
    return f"{100 * float(np.mean(differences)) + 0.0:+.1f}"


def _scheduled_claim(runs: list[Run]) -> Claim:
    tasks = _tasks(runs, DECAYS[0])
    gains = {t: _schedule_deltas(runs, t, "free_running_accuracy") for t in tasks}
    worst = min(tasks, key=lambda t: float(np.mean(gains[t])))
    estimate = Estimate.mean_interval(
        gains[worst], unit="accuracy", method=f"{len(DECAYS)} schedules x {REPLICAS} replicas"
    )
    gaps = {t: _schedule_deltas(runs, t, "exposure_bias_gap") for t in tasks}
    free = [
        b["metrics"]["free_running_accuracy"] - a["metrics"]["free_running_accuracy"]
        for a, b in _pairs(runs, worst, "teacher", "free")
    ]
    per_task = "; ".join(
        f"{t}: gap {_points(gaps[t])} points, free-running accuracy {_points(gains[t])} points"
        for t in tasks
    )
    return Claim.judged(
        "Scheduled sampling narrows the gap and improves free-running accuracy over pure "
        "teacher forcing (Bengio et al., 2015).",
        estimate,
        holds=SCHEDULED_HOLDS,
        partly=SCHEDULED_PARTLY,
        evidence=f"Scheduled sampling against teacher forcing, mean of {len(DECAYS)} schedules "
        f"x {REPLICAS} replicas: {per_task}. On {worst}, where it fared worst, the change in "
        f"free-running accuracy was {estimate.text()}; training free running changed it by "
        f"{_points(free)} points.",
    )


# ---------------------------------------------------------------- tables and figures

POLICY_COLUMNS = {
    "task": "task",
    "policy": "feeding",
    "teacher": "teacher-forced accuracy",
    "free": "free-running accuracy (95% interval)",
    "gap": "gap (95% interval)",
    "exact": "exact match",
    "loss": "held-out loss (nats/token)",
    "truth": "inputs that were the truth",
}


def _policy_rows(runs: list[Run]) -> list[dict[str, Any]]:
    rows = []
    for task in dict.fromkeys(r["task"] for r in runs):
        for policy in POLICIES:
            group = _select(runs, task=task, policy=policy)
            if not group:
                continue
            fed = sum(r["truth_inputs"] for r in group)
            total = fed + sum(r["model_inputs"] for r in group)
            free = Estimate.mean_interval(_metric(group, "free_running_accuracy"))
            gap = Estimate.mean_interval(_metric(group, "exposure_bias_gap"))
            rows.append(
                {
                    "task": task,
                    "policy": policy,
                    "teacher": f"{np.mean(_metric(group, 'teacher_forced_accuracy')):.1%}",
                    "free": f"{free.value:.1%} ({free.low:.1%} to {free.high:.1%})",
                    "gap": f"{gap.value:+.1%} ({gap.low:+.1%} to {gap.high:+.1%})",
                    "exact": f"{np.mean(_metric(group, 'exact_match')):.1%}",
                    "loss": f"{np.mean(_metric(group, 'teacher_forced_loss')):.3f}",
                    "truth": f"{fed / total:.0%}",
                    "_gap": gap,
                }
            )
    return rows


def _curve_rows(runs: list[Run]) -> tuple[list[list[Any]], list[int]]:
    rows = []
    for task in _tasks(runs):
        for policy in ("teacher", "free"):
            curves = np.array(
                [[loss for _, loss in r["curve"]] for r in _select(runs, task=task, policy=policy)]
            )
            steps = [s for s, _ in _select(runs, task=task, policy=policy)[0]["curve"]]
            rows.append([task, policy, *[f"{v:.3f}" for v in curves.mean(axis=0)]])
    return rows, steps


def _positions_figure(runs: list[Run]) -> Figure:
    figure, axes = new_axes()
    for task in _tasks(runs, "teacher"):
        group = [r["metrics"] for r in _select(runs, task=task, policy="teacher")]
        width = min(len(m["position_counts"]) for m in group)
        x = np.arange(1, width + 1)
        for key, style, label in (
            ("position_accuracy_teacher", "o-", "fed the truth"),
            ("position_accuracy_free", "s--", "free running"),
        ):
            y = np.mean([m[key][:width] for m in group], axis=0)
            axes.plot(x, y, style, label=f"{task}, {label}")
    axes.set(
        xlabel="output position",
        ylabel="token accuracy",
        title="Teacher-forced models: accuracy by position",
    )
    axes.legend(fontsize="small")
    return Figure(
        "note05-positions",
        "Token accuracy by output position of teacher-forced models, fed the truth (solid) and "
        "free running (dashed), mean of the replicas.",
        figure,
    )


def _schedules_figure(steps: int) -> Figure:
    figure, axes = new_axes()
    x = np.arange(steps)
    for name in POLICIES:
        axes.plot(x, _policy(name, steps).schedule.curve(steps), label=name)
    axes.set(
        xlabel="optimizer step i",
        ylabel="eps_i = P(feed the truth)",
        title="Feeding schedules of the finding",
    )
    axes.legend(fontsize="small")
    return Figure(
        "note05-schedules",
        f"eps_i of each schedule over the {steps} training steps (the decays cross 0.5 halfway).",
        figure,
    )


def _gap_figure(rows: list[dict[str, Any]]) -> Figure:
    figure, axes = new_axes()
    labels = [f"{r['task']}\n{r['policy']}" for r in rows]
    values = [r["_gap"].value for r in rows]
    errors = [
        [r["_gap"].value - r["_gap"].low for r in rows],
        [r["_gap"].high - r["_gap"].value for r in rows],
    ]
    axes.bar(range(len(rows)), values, yerr=errors, capsize=3)
    axes.set_xticks(range(len(rows)), labels, fontsize="x-small")
    axes.axhline(0, color="grey", linewidth=0.8)
    axes.set(ylabel="teacher-forced minus free-running accuracy", title="Exposure-bias gap")
    return Figure(
        "note05-gap",
        "The exposure-bias gap of each feeding policy, mean of the replicas with its 95% interval.",
        figure,
    )


def _tables(runs: list[Run], steps: int) -> list[Table]:
    curve_rows, curve_steps = _curve_rows(runs)
    return [
        Table.from_records(
            f"Held-out metrics by feeding policy ({REPLICAS} replicas, {steps} steps)",
            _policy_rows(runs),
            POLICY_COLUMNS,
        ),
        Table(
            "Held-out loss (nats/token) against optimizer steps",
            ["task", "feeding", *[f"step {s:,}" for s in curve_steps]],
            curve_rows,
        ),
    ]


def run(scale: str = "quick", seed: int = 0) -> Finding:
    """Train GRU models under each feeding policy and measure note 5's claims."""
    data = measure(scale, seed)
    runs = data["runs"]
    claims = [
        _fed_truth_claim(runs),
        _converge_claim(runs, data["steps"]),
        _gap_claim(runs),
        _compound_claim(runs),
        _scheduled_claim(runs),
    ]
    return Finding(
        note=5,
        title=TITLE,
        claims=claims,
        tables=_tables(runs, data["steps"]),
        figures=[
            _positions_figure(runs),
            _schedules_figure(data["steps"]),
            _gap_figure(_policy_rows(runs)),
        ],
        data={k: v for k, v in data.items()},
    )
