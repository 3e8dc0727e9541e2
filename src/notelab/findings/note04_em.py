"""Finding 4: EM for a two-component 1-D Gaussian mixture, run as the note ran it, then at scale."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from notelab._util.estimate import Estimate
from notelab._util.numbers import count, sig
from notelab.findings._plot import band, log_log, new_axes
from notelab.findings._threads import one_thread
from notelab.findings.model import Claim, Figure, Finding, Table
from notelab.findings.registry import note_title
from notelab.findings.stats import at_least, at_most
from notelab.mixture import GaussianMixture

TITLE = note_title(4)  # the registry is the titles' one home

TRUTH = {
    "means": np.array([0.0, 4.0]),
    "sds": np.array([2.0, 1.0]),
    "weights": np.array([0.5, 0.5]),
}
TOL = 1e-7  # per-sample log-likelihood change: EM is slow on overlapping components
CURVE_TOL = 1e-6  # for the error curve: the fit moves far less than the sampling error
SEEDS = {"quick": 8, "full": 20}  # likelihood histories of the note's 20 samples
CURVE_SEEDS = {"quick": 12, "full": 30}  # data sets per size on the error curve
SIZES = {"quick": (20, 200, 2000, 20_000), "full": (20, 200, 2000, 20_000, 200_000)}

# The smallest change of the mean log-likelihood per sample from one EM iteration to the next.
# EM keeps every variance above reg_covar (1e-6), which can lower it by about that much on a
# sample where a component nearly collapses onto a few points.
REG_COVAR = 1e-6
RISE_HOLDS = at_least(-REG_COVAR)
# Slope of log(largest parameter error) against log(samples), per data set: 1/sqrt(n) is -0.5;
# holds when the error clearly falls at least as n^-0.2, partly when it falls at all.
SLOPE_HOLDS, SLOPE_PARTLY = at_most(-0.2), at_most(0.0)
# Largest difference from scikit-learn's fit from the same start.
AGREE_HOLDS, AGREE_PARTLY = at_most(1e-6), at_most(1e-3)


def note_sample(per_component: int, seed: int) -> np.ndarray:
    """``per_component`` draws from N(0, 2^2) and from N(4, 1^2), as in the note."""
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(0, 2, per_component), rng.normal(4, 1, per_component)])


def _ordered(model: GaussianMixture) -> dict[str, np.ndarray]:
    order = np.argsort(model.means_.ravel())
    return {
        "means": model.means_.ravel()[order],
        "sds": np.sqrt(model.covariances_.ravel()[order]),
        "weights": model.weights_[order],
    }


def em_steps(
    x: np.ndarray, seed: int, max_iter: int = 500
) -> tuple[list[dict[str, Any]], GaussianMixture]:
    """EM one iteration at a time (warm start), recording the parameters after each."""
    from sklearn.exceptions import ConvergenceWarning

    model = GaussianMixture(
        2, random_state=seed, max_iter=1, tol=TOL, warm_start=True, reg_covar=REG_COVAR
    )
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # one iteration per fit, by design
        for iteration in range(1, max_iter + 1):
            model.fit(x)
            p = _ordered(model)
            rows.append(
                {
                    "iteration": iteration,
                    **{f"{name}{j + 1}": float(p[name][j]) for name in TRUTH for j in range(2)},
                    "log_likelihood": model.lower_bound_ * len(x),
                }
            )
            if model.converged_:
                break
    return rows, model


def _error(model: GaussianMixture) -> float:
    p = _ordered(model)
    return float(max(np.max(np.abs(p[name] - TRUTH[name])) for name in TRUTH))


def _histories(seeds: int, seed: int) -> list[list[float]]:
    """The mean log-likelihood per sample after each EM iteration, on ``seeds`` samples of the
    note's size."""
    histories = []
    for s in range(seed * 1000, seed * 1000 + seeds):
        x = note_sample(10, s)
        model = GaussianMixture(2, random_state=s, tol=TOL, max_iter=5000, reg_covar=REG_COVAR)
        model.fit(x)
        histories.append(list(model.lower_bounds_))
    return histories


def _error_curve(sizes: tuple[int, ...], seeds: int, seed: int) -> list[dict[str, Any]]:
    """The largest parameter error of EM on ``seeds`` data sets of each size."""
    rows = []
    for n in sizes:
        errors = [
            _error(
                GaussianMixture(2, random_state=s, tol=CURVE_TOL, max_iter=5000).fit(
                    note_sample(n // 2, s)
                )
            )
            for s in range(seed * 1000, seed * 1000 + seeds)
        ]
        rows.append(
            {
                "samples": n,
                "errors": errors,
                "median_error": float(np.median(errors)),
                "low_error": float(np.min(errors)),
                "high_error": float(np.max(errors)),
            }
        )
    return rows


def _sklearn_agreement(x: np.ndarray, seed: int) -> float:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture as SklearnGM

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a one-iteration start, by design
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


def measure(scale: str, seed: int) -> dict[str, Any]:
    """EM step by step on the note's sample and at scale, likelihood histories, error curve."""
    small_x, big_x = note_sample(10, seed), note_sample(5000, seed)
    with one_thread():  # fits of 20 to 20,000 rows: threads would only add overhead
        small_steps, small = em_steps(small_x, seed)
        big_steps, big = em_steps(big_x, seed)
        histories = _histories(SEEDS[scale], seed)
        curve = _error_curve(SIZES[scale], CURVE_SEEDS[scale], seed)
        gaps = [_sklearn_agreement(note_sample(10, seed * 1000 + s), s) for s in range(3)]
        gaps.append(_sklearn_agreement(big_x, seed))
    histories += [
        [r["log_likelihood"] for r in small_steps],
        [r["log_likelihood"] for r in big_steps],
    ]
    return {
        "small_x": small_x,
        "big_x": big_x,
        "small_steps": small_steps,
        "big_steps": big_steps,
        "small_fit": _ordered(small),
        "big_fit": _ordered(big),
        "histories": histories,
        "error_curve": curve,
        "sklearn_gaps": gaps,
    }


def _rise_claim(m: dict[str, Any]) -> Claim:
    steps = [np.diff(h) for h in m["histories"] if len(h) > 1]
    worst = min(float(s.min()) for s in steps)
    rising = sum(bool(np.all(s >= 0)) for s in steps)
    iterations = sum(len(s) for s in steps)
    return Claim.judged(
        "EM never decreases the log-likelihood from one iteration to the next.",
        Estimate.exact(worst, count=iterations, method=f"smallest of {iterations} changes"),
        holds=RISE_HOLDS,
        evidence=f"{rising} of {len(steps)} runs rose at every iteration "
        f"({count(iterations)} in all); "
        f"the smallest change of the mean log-likelihood per sample was {worst:+.2g} "
        f"(variances are kept above {REG_COVAR:g}).",
    )


def _slopes(curve: list[dict[str, Any]]) -> list[float]:
    """Per data set, the slope of log(error) against log(samples)."""
    log_n = np.log([r["samples"] for r in curve])
    errors = np.log(np.array([r["errors"] for r in curve]))  # sizes x data sets
    return [float(np.polyfit(log_n, errors[:, j], 1)[0]) for j in range(errors.shape[1])]


def _recovery_claim(m: dict[str, Any]) -> Claim:
    curve = m["error_curve"]
    slope = Estimate.mean_interval(
        _slopes(curve), unit="exponent", method=f"mean over {len(curve[0]['errors'])} data sets"
    )
    first, last = curve[0], curve[-1]
    return Claim.judged(
        "With more data EM recovers the true parameters (means 0 and 4, sds 2 and 1).",
        slope,
        holds=SLOPE_HOLDS,
        partly=SLOPE_PARTLY,
        evidence=f"The median largest parameter error falls from {sig(first['median_error'])} at "
        f"{count(first['samples'])} samples to {sig(last['median_error'])} at "
        f"{count(last['samples'])}: "
        f"as samples^{slope.text()} (1/sqrt(n) would be -0.5).",
    )


def _sklearn_claim(m: dict[str, Any]) -> Claim:
    gaps = m["sklearn_gaps"]
    return Claim.judged(
        "The note's EM gives the same fit as a standard implementation (scikit-learn).",
        Estimate.exact(max(gaps), count=len(gaps), method=f"largest of {len(gaps)} fits"),
        holds=AGREE_HOLDS,
        partly=AGREE_PARTLY,
        evidence=f"From the same start, means, variances and log-likelihood of {len(gaps)} fits "
        f"agree to {sig(max(gaps), 2)}.",
    )


def _tables(m: dict[str, Any]) -> list[Table]:
    step_columns = {"iteration": "iteration"}
    for name, word in (("means", "mean"), ("sds", "sd"), ("weights", "weight")):
        step_columns |= {f"{name}{j}": f"{word} {j}" for j in (1, 2)}
    step_columns["log_likelihood"] = "log-likelihood"
    compare = [[name, *TRUTH[name], *m["small_fit"][name], *m["big_fit"][name]] for name in TRUTH]
    n_small, n_big = len(m["small_x"]), len(m["big_x"])
    return [
        Table.from_records(
            f"EM step by step on the note's {n_small} samples", m["small_steps"], step_columns
        ),
        Table(
            "Converged values against the truth",
            [
                "parameter",
                "true 1",
                "true 2",
                f"n={n_small}: 1",
                f"n={n_small}: 2",
                f"n={count(n_big)}: 1",
                f"n={count(n_big)}: 2",
            ],
            compare,
        ),
        Table.from_records(
            f"Largest parameter error against sample size ({len(m['error_curve'][0]['errors'])} "
            "data sets each)",
            m["error_curve"],
            {
                "samples": "samples",
                "median_error": "median error",
                "low_error": "smallest error",
                "high_error": "largest error",
            },
        ),
    ]


def run(scale: str = "quick", seed: int = 0) -> Finding:
    """Measure note 4's claims."""
    m = measure(scale, seed)
    return Finding(
        note=4,
        title=TITLE,
        claims=[_rise_claim(m), _recovery_claim(m), _sklearn_claim(m)],
        tables=_tables(m),
        figures=[_histogram(m), _likelihood(m), _error_figure(m["error_curve"])],
        data={k: v for k, v in m.items() if k not in ("small_x", "big_x")},
        workload=f"The note's mixture: {len(m['small_x'])} and {count(len(m['big_x']))} samples "
        f"step by step, {len(m['histories']) - 2} more samples of {len(m['small_x'])}, and "
        f"{len(m['error_curve'][0]['errors'])} data sets at each of "
        f"{', '.join(count(r['samples']) for r in m['error_curve'])} samples.",
    )


def _density(grid: np.ndarray, p: dict[str, np.ndarray]) -> np.ndarray:
    return np.asarray(
        sum(
            w * np.exp(-0.5 * ((grid - mu) / s) ** 2) / (s * np.sqrt(2 * np.pi))
            for w, mu, s in zip(p["weights"], p["means"], p["sds"], strict=True)
        )
    )


def _histogram(m: dict[str, Any]) -> Figure:
    figure, axes = new_axes()
    grid = np.linspace(-7, 8, 400)
    n_small, n_big = len(m["small_x"]), len(m["big_x"])
    axes.hist(
        m["big_x"], bins=80, density=True, alpha=0.3, color="grey", label=f"{count(n_big)} samples"
    )
    axes.plot(m["small_x"], np.zeros(n_small), "|", ms=18, color="k", label=f"the note's {n_small}")
    axes.plot(grid, _density(grid, TRUTH), "k--", label="true density")
    axes.plot(grid, _density(grid, m["small_fit"]), label=f"EM fit, n={n_small}")
    axes.plot(grid, _density(grid, m["big_fit"]), label=f"EM fit, n={count(n_big)}")
    axes.set(xlabel="x", ylabel="density", title="Two-component mixture: data and EM fits")
    axes.legend(fontsize=8)
    return Figure("note04-densities", "Histogram with the fitted and true densities.", figure)


def _likelihood(m: dict[str, Any]) -> Figure:
    figure, axes = new_axes()
    n_small, n_big = len(m["small_x"]), len(m["big_x"])
    for steps, n, label in (
        (m["small_steps"], n_small, f"n={n_small}"),
        (m["big_steps"], n_big, f"n={count(n_big)} (scaled to {n_small} samples)"),
    ):
        axes.plot(
            [r["iteration"] for r in steps],
            [r["log_likelihood"] * n_small / n for r in steps],
            "o-",
            ms=3,
            label=label,
        )
    axes.set(
        xlabel="iteration",
        ylabel=f"log-likelihood (per {n_small} samples)",
        title="Log-likelihood per EM iteration",
    )
    axes.legend()
    return Figure("note04-likelihood", "EM log-likelihood at each iteration.", figure)


def _error_figure(curve: list[dict[str, Any]]) -> Figure:
    figure, axes = new_axes()
    n = [r["samples"] for r in curve]
    band(
        axes,
        n,
        [r["low_error"] for r in curve],
        [r["high_error"] for r in curve],
        label=f"smallest to largest of {len(curve[0]['errors'])} data sets",
    )
    axes.plot(n, [r["median_error"] for r in curve], "o-", label="median largest error")
    axes.plot(
        n,
        [curve[0]["median_error"] * (n[0] / size) ** 0.5 for size in n],
        "--",
        label="1/sqrt(n) reference",
    )
    log_log(
        axes,
        xlabel="samples",
        ylabel="largest parameter error",
        title="EM estimates approach the truth as data grow",
    )
    axes.legend()
    return Figure("note04-error", "Largest parameter error against sample size.", figure)
