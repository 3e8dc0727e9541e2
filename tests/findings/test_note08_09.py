import numpy as np

from notelab.findings import note08_lsh, note09_minhash
from notelab.similarity import exact_jaccard


def test_incidence_and_permutation_minhash_follow_the_definition():
    tokens, matrix = note09_minhash.incidence(["a b", "b c"])
    assert tokens == ["a", "b", "c"] and matrix.tolist() == [[1, 0], [1, 1], [0, 1]]
    # order c, b, a: first row with a 1 for doc 0 is b (row 1); for doc 1 it is c (row 2)
    assert note09_minhash.permutation_minhash(matrix, np.array([2, 1, 0])).tolist() == [1, 2]


def test_finding9_verdicts_come_from_measurements():
    finding = note09_minhash.run("quick", 0)
    assert [c.verdict.value for c in finding.claims] == ["holds"] * 3
    curve = finding.data["error_curve"]
    assert all(abs(r["rmse"] / r["theory"] - 1) < 0.3 for r in curve)
    for pair in finding.data["example"]:
        assert 0 <= pair["rate"] <= 1
        assert pair["exact"] == exact_jaccard(
            *(note09_minhash.NOTE_DOCS[int(d[1]) - 1] for d in pair["pair"].split(", ")), ngram=1
        )


def test_s_curve_rows_track_the_formula():
    rows = note08_lsh._s_curve(10, 5, 60, seed=0)
    assert rows[0]["measured"] < 0.1 and rows[-1]["measured"] == 1.0
    assert all(abs(r["measured"] - r["predicted"]) < 0.25 for r in rows)


def test_curve_claim_fails_when_rates_are_off_the_curve():
    rows = note08_lsh._s_curve(10, 5, note08_lsh.PAIRS["quick"], seed=0)
    far = [{**r, "hits": r["pairs"] - r["hits"], "measured": 1 - r["measured"]} for r in rows]
    m = {"bands": 10, "rows": 5}
    assert note08_lsh._curve_claim({**m, "s_curve": rows}).verdict.value == "holds"
    assert note08_lsh._curve_claim({**m, "s_curve": far}).verdict.value == "fails"


def test_known_jaccard_pairs_feed_the_s_curve():
    from notelab.similarity.samples import pair_with_jaccard

    a, b = pair_with_jaccard(0.45, 100, "t")
    assert exact_jaccard(a, b, ngram=1) == 0.45
