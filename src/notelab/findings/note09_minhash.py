"""Finding 9: MinHash. The note's incidence-matrix example, P[minhash equal] = Jaccard, and the
estimate's error against the number of permutations."""

from __future__ import annotations

import itertools

import numpy as np

from notelab.findings._plot import new_axes
from notelab.findings.model import Claim, Figure, Finding, Table, Verdict
from notelab.similarity import MinHasher, exact_jaccard
from notelab.similarity.samples import pair_with_jaccard

NOTE_DOCS = ["the cat sat down", "the cat ran away", "a dog sat down"]
SIGMAS = 4.0  # a measured rate "agrees" when within 4 standard errors


def incidence(docs: list[str]) -> tuple[list[str], np.ndarray]:
    """Token-by-document 0/1 matrix, rows in first-seen order (the note's table)."""
    tokens = list(dict.fromkeys(w for d in docs for w in d.split()))
    matrix = np.array([[int(t in d.split()) for d in docs] for t in tokens])
    return tokens, matrix


def permutation_minhash(matrix: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Each document's MinHash under a row permutation: the first row (in ``order``) with a 1."""
    permuted = matrix[order]
    return np.array([int(order[np.argmax(permuted[:, d])]) for d in range(matrix.shape[1])])


def _note_example(seed: int, permutations: int) -> tuple[list[Table], dict, np.ndarray]:
    tokens, matrix = incidence(NOTE_DOCS)
    rng = np.random.default_rng(seed)
    orders = [rng.permutation(len(tokens)) for _ in range(permutations)]
    signature = np.array([permutation_minhash(matrix, o) for o in orders])
    rows = [[t, *m] for t, m in zip(tokens, matrix.tolist(), strict=True)]
    sig_rows = [
        [f"π{i + 1}", " ".join(tokens[j] for j in o[:4]) + " …", *[tokens[x] for x in s]]
        for i, (o, s) in enumerate(zip(orders[:6], signature[:6], strict=True))
    ]
    pair_rows, estimates = [], {}
    for a, b in itertools.combinations(range(3), 2):
        exact = exact_jaccard(NOTE_DOCS[a], NOTE_DOCS[b], ngram=1)
        estimate = float(np.mean(signature[:, a] == signature[:, b]))
        estimates[f"D{a + 1}-D{b + 1}"] = {"exact": exact, "estimate": estimate}
        pair_rows.append([f"D{a + 1}, D{b + 1}", exact, estimate, abs(estimate - exact)])
    tables = [
        Table(
            "The note's example: token-by-document incidence matrix",
            ["token", "D1", "D2", "D3"],
            rows,
        ),
        Table(
            f"MinHash under explicit row permutations (first 6 of {permutations})",
            ["permutation", "order starts", "D1", "D2", "D3"],
            sig_rows,
        ),
        Table(
            f"Estimated vs exact Jaccard ({permutations} permutations)",
            ["pair", "exact", "estimate", "error"],
            pair_rows,
        ),
    ]
    return tables, estimates, matrix


def _agreement_over_seeds(trials: int) -> list[dict]:
    """P[minhash equal] measured over many seeds, by permutations and by the hash MinHasher."""
    tokens, matrix = incidence(NOTE_DOCS)
    rng = np.random.default_rng(12345)
    sigs = np.array(
        [permutation_minhash(matrix, rng.permutation(len(tokens))) for _ in range(trials)]
    )
    hashed = np.vstack(
        [
            MinHasher(num_perm=64, ngram=1, seed=s).signatures(NOTE_DOCS).T
            for s in range(max(1, trials // 64))
        ]
    )
    rows = []
    for a, b in itertools.combinations(range(3), 2):
        exact = exact_jaccard(NOTE_DOCS[a], NOTE_DOCS[b], ngram=1)
        for method, table in (("permutations", sigs), ("hash functions", hashed)):
            rate = float(np.mean(table[:, a] == table[:, b]))
            se = float(np.sqrt(exact * (1 - exact) / len(table)))
            rows.append(
                {
                    "pair": f"D{a + 1}, D{b + 1}",
                    "method": method,
                    "trials": len(table),
                    "exact": exact,
                    "rate": rate,
                    "z": abs(rate - exact) / max(se, 1e-12),
                }
            )
    return rows


def _error_curve(ks: list[int], pairs_per_level: int) -> list[dict]:
    levels = np.linspace(0.1, 0.9, 9)
    texts = [
        pair_with_jaccard(j, 200, f"p{i}x{n}")
        for i, j in enumerate(levels)
        for n in range(pairs_per_level)
    ]
    truth = np.array([exact_jaccard(a, b, ngram=1) for a, b in texts])
    rows = []
    for k in ks:
        errors = []
        for seed, (a, b) in enumerate(texts):
            sig = MinHasher(num_perm=k, ngram=1, seed=seed).signatures([a, b])
            errors.append(np.mean(sig[0] == sig[1]))
        errors = np.array(errors) - truth
        rmse = float(np.sqrt(np.mean(errors**2)))
        theory = float(np.sqrt(np.mean(truth * (1 - truth) / k)))
        rows.append(
            {
                "num_perm": k,
                "rmse": rmse,
                "theory": theory,
                "ratio": rmse / theory,
                "bias": float(np.mean(errors)),
            }
        )
    return rows


def _figure(curve: list[dict]) -> Figure:
    figure, axes = new_axes()
    ks = [r["num_perm"] for r in curve]
    axes.plot(ks, [r["rmse"] for r in curve], "o-", label="measured RMSE")
    axes.plot(ks, [r["theory"] for r in curve], "--", label="theory sqrt(J(1-J)/k)")
    axes.set(
        xscale="log",
        yscale="log",
        xlabel="permutations k",
        ylabel="error of the estimate",
        title="MinHash estimation error against signature length",
    )
    axes.legend()
    return Figure("note09-error", "Error of the Jaccard estimate against k, with theory.", figure)


def run(scale: str = "quick", seed: int = 0) -> Finding:
    """Measure note 9's claims."""
    full = scale == "full"
    permutations = 200 if full else 100
    tables, estimates, _ = _note_example(seed, permutations)
    agreement = _agreement_over_seeds(20_000 if full else 4_000)
    curve = _error_curve(
        [16, 32, 64, 128, 256, 512] if full else [16, 32, 64, 128, 256], 20 if full else 6
    )
    agree = sum(r["z"] <= SIGMAS for r in agreement)
    worst = max(agreement, key=lambda r: r["z"])
    within = sum(abs(r["ratio"] - 1) <= 0.15 for r in curve)
    example_error = max(abs(v["estimate"] - v["exact"]) for v in estimates.values())
    example_ok = sum(
        abs(v["estimate"] - v["exact"])
        <= SIGMAS * np.sqrt(v["exact"] * (1 - v["exact"]) / permutations)
        for v in estimates.values()
    )
    claims = [
        Claim(
            "Jaccard similarity is |A ∩ B| / |A ∪ B|; the share of permutations on which two "
            "documents' MinHashes agree estimates it (the note's 3 documents).",
            Verdict.from_checks(example_ok, len(estimates)),
            f"With {permutations} explicit permutations, {example_ok} of {len(estimates)} pairs' "
            f"estimates lie within {SIGMAS:.0f} standard errors of the exact Jaccard (largest "
            f"error {example_error:.3f}).",
        ),
        Claim(
            "Two documents' MinHashes agree with probability equal to their Jaccard similarity.",
            Verdict.from_checks(agree, len(agreement)),
            f"{agree} of {len(agreement)} measured rates lie within {SIGMAS:.0f} standard errors "
            f"of the exact Jaccard; worst: {worst['pair']} by {worst['method']}, rate "
            f"{worst['rate']:.4f} vs {worst['exact']:.4f} over {worst['trials']:,} trials.",
        ),
        Claim(
            "More permutations (hash functions) give a better estimate: the error falls as "
            "sqrt(J(1-J)/k).",
            Verdict.from_checks(within, len(curve)),
            f"Measured RMSE within 15% of theory at {within} of {len(curve)} signature lengths; "
            + ", ".join(f"k={r['num_perm']}: {r['rmse']:.4f} vs {r['theory']:.4f}" for r in curve)
            + ".",
        ),
    ]
    tables.append(
        Table(
            "P[minhash equal] over many seeds",
            ["pair", "method", "trials", "exact", "rate", "z"],
            [[r[c] for c in ("pair", "method", "trials", "exact", "rate", "z")] for r in agreement],
        )
    )
    tables.append(
        Table(
            "Estimation error against k",
            ["num_perm", "rmse", "theory", "ratio", "bias"],
            [[r[c] for c in ("num_perm", "rmse", "theory", "ratio", "bias")] for r in curve],
        )
    )
    return Finding(
        note=9,
        title="MinHash",
        claims=claims,
        tables=tables,
        figures=[_figure(curve)],
        data={"note_example": estimates, "agreement": agreement, "error_curve": curve},
    )
