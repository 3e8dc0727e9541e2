"""Finding 4: EM for a two-component 1-D Gaussian mixture, run as the note ran it, then at scale."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture as SklearnGM

from notelab.findings._plot import new_axes
from notelab.findings.model import Claim, Figure, Finding, Table, Verdict
from notelab.mixture import GaussianMixture

TRUTH = {
    "means": np.array([0.0, 4.0]),
    "sds": np.array([2.0, 1.0]),
    "weights": np.array([0.5, 0.5]),
}
TOL = 1e-7  # per-sample log-likelihood change: EM is slow on overlapping components


def note_sample(per_component: int, seed: int) -> np.ndarray:
    """``per_component`` draws from N(0, 2^2) and from N(4, 1^2), as in the note."""
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(0, 2, per_component), rng.normal(4, 1, per_component)])


def _ordered(model) -> dict[str, np.ndarray]:
    order = np.argsort(model.means_.ravel())
    return {
        "means": model.means_.ravel()[order],
        "sds": np.sqrt(model.covariances_.ravel()[order]),
        "weights": model.weights_[order],
    }


def em_steps(x: np.ndarray, seed: int, max_iter: int = 500) -> tuple[list[dict], GaussianMixture]:
    """EM one iteration at a time (warm start), recording the parameters after each."""
    model = GaussianMixture(2, random_state=seed, max_iter=1, tol=TOL, warm_start=True)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for iteration in range(1, max_iter + 1):
            model.fit(x)
            p = _ordered(model)
            rows.append(
                {
                    "iteration": iteration,
                    **{
                        f"{name}{j + 1}": float(p[name][j])
                        for name in ("means", "sds", "weights")
                        for j in range(2)
                    },
                    "log_likelihood": model.lower_bound_ * len(x),
                }
            )
            if model.converged_:
                break
    return rows, model


def _error(model) -> float:
    p = _ordered(model)
    return float(max(np.max(np.abs(p[name] - TRUTH[name])) for name in TRUTH))


def _error_curve(sizes: list[int], seeds: int) -> list[dict]:
    rows = []
    for n in sizes:
        errors = [
            _error(
                GaussianMixture(2, random_state=s, n_init=3, tol=TOL, max_iter=5000).fit(
                    note_sample(n // 2, s)
                )
            )
            for s in range(seeds)
        ]
        rows.append(
            {
                "samples": n,
                "median_error": float(np.median(errors)),
                "max_error": float(np.max(errors)),
            }
        )
    return rows


def _sklearn_agreement(x: np.ndarray, seed: int) -> float:
    start = SklearnGM(2, random_state=seed, max_iter=1).fit(x.reshape(-1, 1))
    params = dict(
        weights_init=start.weights_,
        means_init=start.means_,
        precisions_init=start.precisions_,
        tol=1e-10,
        max_iter=300,
    )
    ours = GaussianMixture(2, **params).fit(x)
    theirs = SklearnGM(2, **params).fit(x.reshape(-1, 1))
    return float(
        max(
            np.max(np.abs(ours.means_ - theirs.means_)),
            np.max(np.abs(ours.covariances_.ravel() - theirs.covariances_.ravel())),
            abs(ours.lower_bound_ - theirs.lower_bound_),
        )
    )


def _monotone(histories: list[list[float]]) -> tuple[int, float]:
    worst = min(float(np.min(np.diff(h))) if len(h) > 1 else 0.0 for h in histories)
    return sum(all(np.diff(h) >= -1e-9) for h in histories), worst


def run(scale: str = "quick", seed: int = 0) -> Finding:
    """Measure note 4's claims."""
    full = scale == "full"
    small_steps, small = em_steps(note_sample(10, seed), seed)
    big_x = note_sample(5000, seed)
    big_steps, big = em_steps(big_x, seed)
    seeds = range(20 if full else 8)
    histories = [em_steps(note_sample(10, s), s)[0] for s in seeds]
    histories = [[r["log_likelihood"] for r in h] for h in histories]
    histories += [
        [r["log_likelihood"] for r in small_steps],
        [r["log_likelihood"] for r in big_steps],
    ]
    rising, worst = _monotone(histories)
    curve = _error_curve([20, 200, 2000, 20_000] + ([200_000] if full else []), 10 if full else 5)
    gap = max(_sklearn_agreement(note_sample(10, s), s) for s in range(3))
    gap = max(gap, _sklearn_agreement(big_x, seed))
    shrink = curve[0]["median_error"] / max(curve[-1]["median_error"], 1e-12)
    falling = all(a["median_error"] > b["median_error"] for a, b in itertools.pairwise(curve))
    claims = [
        Claim(
            "EM never decreases the log-likelihood from one iteration to the next.",
            Verdict.from_checks(rising, len(histories)),
            f"{rising} of {len(histories)} runs rose at every iteration (smallest step "
            f"{worst:+.3g}).",
        ),
        Claim(
            "With more data EM recovers the true parameters (means 0 and 4, sds 2 and 1).",
            Verdict.HOLDS
            if falling and shrink > 5
            else (Verdict.PARTLY if shrink > 1 else Verdict.FAILS),
            f"Median largest parameter error falls from {curve[0]['median_error']:.3f} at "
            f"{curve[0]['samples']} samples to {curve[-1]['median_error']:.3f} at "
            f"{curve[-1]['samples']:,} ({shrink:.0f}x).",
        ),
        Claim(
            "The note's EM gives the same fit as a standard implementation (scikit-learn).",
            Verdict.of(gap <= 1e-6),
            f"From the same start, means, variances and log-likelihood agree to {gap:.1e}.",
        ),
    ]
    columns = list(small_steps[0])
    p_small, p_big = _ordered(small), _ordered(big)
    compare = [[name, *TRUTH[name], *p_small[name], *p_big[name]] for name in TRUTH]
    return Finding(
        note=4,
        title="EM algorithm for a Gaussian mixture",
        claims=claims,
        tables=[
            Table(
                "EM step by step on the note's 20 samples",
                columns,
                [[r[c] for c in columns] for r in small_steps],
            ),
            Table(
                "Converged values against the truth",
                [
                    "parameter",
                    "true 1",
                    "true 2",
                    "n=20: 1",
                    "n=20: 2",
                    "n=10,000: 1",
                    "n=10,000: 2",
                ],
                compare,
            ),
            Table(
                "Error against sample size",
                ["samples", "median_error", "max_error"],
                [[r["samples"], r["median_error"], r["max_error"]] for r in curve],
            ),
        ],
        figures=[
            _histogram(note_sample(10, seed), small, big_x, big),
            _likelihood(small_steps, big_steps),
            _error_figure(curve),
        ],
        data={
            "small_steps": small_steps,
            "big_steps": big_steps,
            "error_curve": curve,
            "sklearn_gap": gap,
            "worst_step": worst,
        },
    )


def _density(grid, model):
    p = _ordered(model)
    return sum(
        w * np.exp(-0.5 * ((grid - m) / s) ** 2) / (s * np.sqrt(2 * np.pi))
        for w, m, s in zip(p["weights"], p["means"], p["sds"], strict=True)
    )


def _histogram(x_small, small, x_big, big) -> Figure:
    figure, axes = new_axes()
    grid = np.linspace(-7, 8, 400)
    axes.hist(x_big, bins=80, density=True, alpha=0.3, color="grey", label="10,000 samples")
    axes.plot(x_small, np.zeros_like(x_small), "|", ms=18, color="k", label="the note's 20")
    truth = sum(
        w * np.exp(-0.5 * ((grid - m) / s) ** 2) / (s * np.sqrt(2 * np.pi))
        for w, m, s in zip(TRUTH["weights"], TRUTH["means"], TRUTH["sds"], strict=True)
    )
    axes.plot(grid, truth, "k--", label="true density")
    axes.plot(grid, _density(grid, small), label="EM fit, n=20")
    axes.plot(grid, _density(grid, big), label="EM fit, n=10,000")
    axes.set(xlabel="x", ylabel="density", title="Two-component mixture: data and EM fits")
    axes.legend(fontsize=8)
    return Figure("note04-densities", "Histogram with the fitted and true densities.", figure)


def _likelihood(small_steps, big_steps) -> Figure:
    figure, axes = new_axes()
    for steps, label in ((small_steps, "n=20"), (big_steps, "n=10,000 (scaled to 20 samples)")):
        scale = 1 if label == "n=20" else 20 / 10_000
        axes.plot(
            [r["iteration"] for r in steps],
            [r["log_likelihood"] * scale for r in steps],
            "o-",
            ms=3,
            label=label,
        )
    axes.set(
        xlabel="iteration",
        ylabel="log-likelihood (per 20 samples)",
        title="Log-likelihood per EM iteration",
    )
    axes.legend()
    return Figure("note04-likelihood", "EM log-likelihood at each iteration.", figure)


def _error_figure(curve) -> Figure:
    figure, axes = new_axes()
    n = [r["samples"] for r in curve]
    axes.plot(n, [r["median_error"] for r in curve], "o-", label="median largest error")
    axes.plot(
        n,
        [curve[0]["median_error"] * (n[0] / m) ** 0.5 for m in n],
        "--",
        label="1/sqrt(n) reference",
    )
    axes.set(
        xscale="log",
        yscale="log",
        xlabel="samples",
        ylabel="parameter error",
        title="EM estimates approach the truth as data grow",
    )
    axes.legend()
    return Figure("note04-error", "Largest parameter error against sample size.", figure)
