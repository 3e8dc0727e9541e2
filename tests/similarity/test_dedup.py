import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notelab._util import InputError
from notelab.similarity import Deduplicator, exact_jaccard


def brute_force_pairs(texts, threshold, ngram=5):
    return {
        (i, j)
        for i, j in itertools.combinations(range(len(texts)), 2)
        if exact_jaccard(texts[i], texts[j], ngram) >= threshold
    }


@pytest.mark.parametrize("threshold", [0.5, 0.8])
def test_recall_and_precision_against_brute_force(corpus, threshold):
    result = Deduplicator(threshold=threshold).run(corpus)
    found = {tuple(p) for p in result.pairs}
    truth = brute_force_pairs(corpus, threshold)
    assert len(truth) > 20
    assert found <= truth  # exact verification: never a false positive
    assert len(found) / len(truth) >= 0.97
    for (a, b), score in zip(result.pairs, result.jaccard, strict=True):
        assert score == pytest.approx(exact_jaccard(corpus[a], corpus[b]))


def test_signature_verification_close_to_exact(corpus):
    exact = Deduplicator(threshold=0.8).run(corpus)
    estimate = Deduplicator(threshold=0.8, verify="signature").run(corpus)
    a, b = {tuple(p) for p in exact.pairs}, {tuple(p) for p in estimate.pairs}
    assert len(a & b) / len(a | b) > 0.8


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["a b c d e f", "a b c d e g", "x y z", "", "q r s t u v w", "A b c d e f!", "z z z"]
        ),
        max_size=25,
    ),
    st.sampled_from(["first", "longest"]),
)
def test_nothing_lost_and_clusters_consistent(texts, keep):
    result = Deduplicator(threshold=0.6, ngram=2, keep=keep).run(texts)
    n = len(texts)
    assert len(result.kept) + len(result.removed) + len(result.empty) == n
    for i in result.removed:
        kept = result.kept_as[i]
        assert result.kept_as[kept] == kept and result.labels[kept] == result.labels[i]
        if keep == "longest":
            assert len(texts[kept]) >= len(texts[i])
        else:
            assert kept < i
    for i in result.empty:
        assert not texts[i].strip(" !") or texts[i] == ""


def test_empty_documents_never_match():
    result = Deduplicator(threshold=0.5).run(["", "", "...", "a"])
    assert len(result.pairs) == 0 and len(result.empty) == 3 and result.kept.tolist() == [3]


def test_empty_input_zero_statistics():
    result = Deduplicator().run([])
    assert result.stats.documents == 0 and result.stats.similar_pairs == 0


def test_bad_options():
    with pytest.raises(InputError):
        Deduplicator(verify="maybe")
    with pytest.raises(InputError):
        Deduplicator(keep="shortest")
    with pytest.raises(InputError):
        Deduplicator(bands=100, rows=100)


def test_transitive_clusters_keep_one():
    base = "one two three four five six seven eight nine ten"
    texts = [base, base + " eleven", base + " eleven twelve", "other words entirely here"]
    result = Deduplicator(threshold=0.6, ngram=2).run(texts)
    assert result.kept.tolist() == [0, 3]
    assert np.all(result.kept_as[:3] == 0)


@given(
    edges=st.lists(st.tuples(st.integers(0, 19), st.integers(0, 19)), max_size=30),
    shuffle=st.permutations(list(range(20))),
)
def test_first_rule_keeps_each_groups_smallest_member(edges, shuffle):
    """Components' labels (the quick path) and any other labels (the general one) alike."""
    from notelab.similarity import components, representatives

    labels = components(20, np.array(edges, np.int64).reshape(-1, 2))
    relabelled = np.array(shuffle)[labels]  # same groups, labels no longer their smallest
    for given_labels in (labels, relabelled):
        kept = representatives(given_labels, np.ones(20, np.int64), "first")
        expected = [min(np.flatnonzero(given_labels == g)) for g in given_labels]
        assert kept.tolist() == expected
