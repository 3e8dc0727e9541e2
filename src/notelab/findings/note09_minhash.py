"""Finding 9: MinHash. The note's incidence-matrix example, P[minhash equal] = Jaccard, and the
estimate's error against the number of permutations."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from notelab._util.estimate import Estimate
from notelab._util.numbers import count, sig
from notelab.findings._gap import largest_gap
from notelab.findings._plot import band, log_log, new_axes
from notelab.findings.model import Claim, Figure, Finding, Table
from notelab.findings.registry import note_title
from notelab.findings.stats import at_most, between
from notelab.similarity import MinHasher, exact_jaccard
from notelab.similarity.samples import pair_with_jaccard

TITLE = note_title(9)  # the registry is the titles' one home

NOTE_DOCS = ["the cat sat down", "the cat ran away", "a dog sat down"]
PERMUTATIONS = {"quick": 400, "full": 1000}  # explicit permutations of the note's example
TRIALS = {"quick": 4_000, "full": 20_000}  # MinHash draws per pair for P[equal]
KS = {"quick": (16, 32, 64, 128, 256), "full": (16, 32, 64, 128, 256, 512)}
PAIRS_PER_LEVEL = {"quick": 30, "full": 60}  # pairs at each of 9 Jaccard levels

# The agreement rate of the note's example lies this close to the exact Jaccard (100 draws).
EXAMPLE_HOLDS, EXAMPLE_PARTLY = at_most(0.25), at_most(0.5)
# P[minhash equal] over thousands of draws lies this close to the exact Jaccard.
EQUAL_HOLDS, EQUAL_PARTLY = at_most(0.05), at_most(0.15)
# Measured error / sqrt(J(1-J)/k), pooled over every k: 1 when the error falls as theory says.
ERROR_HOLDS, ERROR_PARTLY = between(0.8, 1.25), between(0.5, 2.0)


def incidence(docs: list[str]) -> tuple[list[str], np.ndarray]:
    """Token-by-document 0/1 matrix, rows in first-seen order (the note's table)."""
    tokens = list(dict.fromkeys(w for d in docs for w in d.split()))
    matrix = np.array([[int(t in d.split()) for d in docs] for t in tokens])
    return tokens, matrix


def permutation_minhash(matrix: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Each document's MinHash under a row permutation: the first row (in ``order``) with a 1."""
    permuted = matrix[order]
    return np.array([int(order[np.argmax(permuted[:, d])]) for d in range(matrix.shape[1])])


def _pairs() -> list[tuple[int, int]]:
    return list(itertools.combinations(range(len(NOTE_DOCS)), 2))


def _agreement(signatures: np.ndarray, method: str) -> list[dict[str, Any]]:
    """For each pair of the note's documents: how often their MinHashes agree."""
    rows = []
    for a, b in _pairs():
        rows.append(
            {
                "pair": f"D{a + 1}, D{b + 1}",
                "method": method,
                "trials": len(signatures),
                "agree": int(np.sum(signatures[:, a] == signatures[:, b])),
                "exact": exact_jaccard(NOTE_DOCS[a], NOTE_DOCS[b], ngram=1),
                "rate": float(np.mean(signatures[:, a] == signatures[:, b])),
            }
        )
    return rows


def _permutation_signatures(count: int, seed: int) -> tuple[list[np.ndarray], np.ndarray]:
    tokens, matrix = incidence(NOTE_DOCS)
    rng = np.random.default_rng(seed)
    orders = [rng.permutation(len(tokens)) for _ in range(count)]
    return orders, np.array([permutation_minhash(matrix, o) for o in orders])


def _hash_signatures(count: int, seed: int) -> np.ndarray:
    """``count`` MinHashes of each of the note's documents by hash functions (rows)."""
    return MinHasher(num_perm=count, ngram=1, seed=seed).signatures(NOTE_DOCS).T


def _error_curve(ks: tuple[int, ...], pairs_per_level: int, seed: int) -> list[dict[str, Any]]:
    """For each signature length k: each pair's estimation error and the theory's size."""
    levels = np.linspace(0.1, 0.9, 9)
    texts = [
        pair_with_jaccard(j, 200, f"p{i}x{n}")
        for i, j in enumerate(levels)
        for n in range(pairs_per_level)
    ]
    truth = np.array([exact_jaccard(a, b, ngram=1) for a, b in texts])
    flat = [t for pair in texts for t in pair]
    rows = []
    for k in ks:
        # one hasher per k: the pairs share no tokens, so their errors are independent
        sig = MinHasher(num_perm=k, ngram=1, seed=seed * 10_000 + k).signatures(flat)
        errors = np.mean(sig[0::2] == sig[1::2], axis=1) - truth
        variance = truth * (1 - truth) / k
        rmse = Estimate.bootstrap(errors**2, _root_mean, resamples=500, seed=seed)
        rows.append(
            {
                "num_perm": k,
                "rmse": rmse.value,
                "rmse_low": rmse.low,
                "rmse_high": rmse.high,
                "theory": float(np.sqrt(np.mean(variance))),
                "bias": float(np.mean(errors)),
                "normalised": (errors**2 / variance).tolist(),
            }
        )
    return rows


def _root_mean(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x)))


def measure(scale: str, seed: int) -> dict[str, Any]:
    """Everything note 9's claims rest on, as plain data."""
    orders, signatures = _permutation_signatures(PERMUTATIONS[scale], seed)
    _, many = _permutation_signatures(TRIALS[scale], seed + 1)
    return {
        "orders": [o.tolist() for o in orders[:6]],
        "signatures": signatures[:6].tolist(),
        "example": _agreement(signatures, "permutations"),
        "agreement": _agreement(many, "permutations")
        + _agreement(_hash_signatures(TRIALS[scale], seed), "hash functions"),
        "error_curve": _error_curve(KS[scale], PAIRS_PER_LEVEL[scale], seed),
    }


def _gap_of(rows: list[dict[str, Any]]) -> Estimate:
    return largest_gap(
        [Estimate.proportion(r["agree"], r["trials"]) for r in rows], [r["exact"] for r in rows]
    )


def _example_claim(m: dict[str, Any]) -> Claim:
    rows = m["example"]
    gap = _gap_of(rows)
    return Claim.judged(
        "Jaccard similarity is |A ∩ B| / |A ∪ B|; the share of permutations on which two "
        "documents' MinHashes agree estimates it (the note's 3 documents).",
        gap,
        holds=EXAMPLE_HOLDS,
        partly=EXAMPLE_PARTLY,
        evidence=f"With {rows[0]['trials']} explicit permutations, the agreement rates "
        + ", ".join(f"{r['pair']}: {sig(r['rate'])} (exact {sig(r['exact'])})" for r in rows)
        + f" lie at most {gap.text()} from the exact Jaccard.",
    )


def _equal_claim(m: dict[str, Any]) -> Claim:
    rows = m["agreement"]
    gap = _gap_of(rows)
    worst = max(rows, key=lambda r: abs(r["rate"] - r["exact"]))
    return Claim.judged(
        "Two documents' MinHashes agree with probability equal to their Jaccard similarity.",
        gap,
        holds=EQUAL_HOLDS,
        partly=EQUAL_PARTLY,
        evidence=f"Over {count(rows[0]['trials'])} permutations and "
        f"{count(rows[-1]['trials'])} hash functions per pair, the agreement rate is at most "
        f"{gap.text()} from the exact Jaccard; largest: {worst['pair']} by {worst['method']}, "
        f"{sig(worst['rate'])} against {sig(worst['exact'])}.",
    )


def _error_claim(m: dict[str, Any]) -> Claim:
    curve = m["error_curve"]
    pooled = [x for row in curve for x in row["normalised"]]
    ratio = Estimate.bootstrap(
        pooled,
        _root_mean,
        unit="ratio",
        method=f"bootstrap over {count(len(pooled))} estimates",
    )
    return Claim.judged(
        "More permutations (hash functions) give a better estimate: the error falls as "
        "sqrt(J(1-J)/k).",
        ratio,
        holds=ERROR_HOLDS,
        partly=ERROR_PARTLY,
        evidence=f"The measured error is {ratio.text()} times sqrt(J(1-J)/k), pooled over "
        f"k = {', '.join(str(r['num_perm']) for r in curve)}; root-mean-square error "
        + ", ".join(f"{sig(r['rmse'])}" for r in curve)
        + " against theory "
        + ", ".join(f"{sig(r['theory'])}" for r in curve)
        + ".",
    )


def _tables(m: dict[str, Any]) -> list[Table]:
    tokens, matrix = incidence(NOTE_DOCS)
    example, agreement = m["example"], m["agreement"]
    return [
        Table(
            "The note's example: token-by-document incidence matrix",
            ["token", "D1", "D2", "D3"],
            [[t, *row] for t, row in zip(tokens, matrix.tolist(), strict=True)],
        ),
        Table(
            f"MinHash under explicit row permutations (first 6 of {example[0]['trials']})",
            ["permutation", "order starts", "D1", "D2", "D3"],
            [
                [f"π{i + 1}", " ".join(tokens[j] for j in o[:4]) + " …", *[tokens[x] for x in s]]
                for i, (o, s) in enumerate(zip(m["orders"], m["signatures"], strict=True))
            ],
        ),
        Table.from_records(
            "Agreement rate against the exact Jaccard",
            example + agreement,
            {
                "pair": "pair",
                "method": "method",
                "trials": "draws",
                "exact": "exact Jaccard",
                "rate": "agreement rate",
            },
        ),
        Table.from_records(
            "Estimation error against the number of permutations k",
            m["error_curve"],
            {
                "num_perm": "permutations k",
                "rmse": "root-mean-square error",
                "theory": "theory sqrt(J(1-J)/k)",
                "bias": "mean error",
            },
        ),
    ]


def run(scale: str = "quick", seed: int = 0) -> Finding:
    """Measure note 9's claims."""
    m = measure(scale, seed)
    return Finding(
        note=9,
        title=TITLE,
        claims=[_example_claim(m), _equal_claim(m), _error_claim(m)],
        tables=_tables(m),
        figures=[_figure(m["error_curve"])],
        data=m,
        workload=f"The note's 3 documents under {count(m['example'][0]['trials'])} and "
        f"{count(m['agreement'][0]['trials'])} permutations; "
        f"{count(len(m['error_curve'][0]['normalised']))} synthetic pairs at "
        f"{len(m['error_curve'])} signature lengths.",
    )


def _figure(curve: list[dict[str, Any]]) -> Figure:
    figure, axes = new_axes()
    ks = [r["num_perm"] for r in curve]
    band(
        axes,
        ks,
        [r["rmse_low"] for r in curve],
        [r["rmse_high"] for r in curve],
        label="95% interval",
    )
    axes.plot(ks, [r["rmse"] for r in curve], "o-", label="measured root-mean-square error")
    axes.plot(ks, [r["theory"] for r in curve], "--", label="theory sqrt(J(1-J)/k)")
    log_log(
        axes,
        xlabel="permutations k",
        ylabel="error of the estimate",
        title="MinHash estimation error against signature length",
    )
    axes.legend()
    return Figure("note09-error", "Error of the Jaccard estimate against k, with theory.", figure)
