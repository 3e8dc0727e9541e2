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
    assert all(abs(r["ratio"] - 1) < 0.3 for r in curve)
    for pair in finding.data["note_example"].values():
        assert 0 <= pair["estimate"] <= 1


def test_s_curve_rows_track_the_formula():
    rows = note08_lsh._s_curve_rows(10, 5, 60)
    assert rows[0]["measured"] < 0.1 and rows[-1]["measured"] == 1.0
    assert all(r["z"] < 6 for r in rows)


def test_known_jaccard_pairs_feed_the_s_curve():
    from notelab.similarity.samples import pair_with_jaccard

    a, b = pair_with_jaccard(0.45, 100, "t")
    assert exact_jaccard(a, b, ngram=1) == 0.45
