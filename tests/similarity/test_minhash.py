import numpy as np
import pytest
from datasketch import MinHash

from notelab._util import InputError
from notelab.similarity import MinHasher, estimate_jaccard, exact_jaccard


def test_same_seed_same_signatures_other_seed_differs(corpus):
    a = MinHasher(seed=3).signatures(corpus[:20])
    assert np.array_equal(a, MinHasher(seed=3).signatures(corpus[:20]))
    assert not np.array_equal(a, MinHasher(seed=4).signatures(corpus[:20]))


def test_signature_of_a_document_does_not_depend_on_its_batch(corpus):
    hasher = MinHasher()
    together = hasher.signatures(corpus[:30])
    alone = np.vstack([hasher.signatures([t]) for t in corpus[:30]])
    assert np.array_equal(together, alone)


def test_identical_documents_identical_signatures_empty_all_ones():
    sig = MinHasher(num_perm=32).signatures(["a b c d e f", "A b, C d e f", ""])
    assert np.array_equal(sig[0], sig[1])
    assert np.all(sig[2] == np.iinfo(np.uint32).max)


def test_estimation_error_close_to_theory_and_to_datasketch():
    rng = np.random.default_rng(1)
    words = [f"t{i}" for i in range(500)]
    pairs = []
    for _ in range(300):
        base = list(rng.choice(words, 80))
        other = [w if rng.random() > 0.3 else str(rng.choice(words)) for w in base]
        pairs.append((" ".join(base), " ".join(other)))
    k = 128
    ours, theirs, theory = [], [], []
    for seed, (a, b) in enumerate(pairs):
        sig = MinHasher(num_perm=k, ngram=2, seed=seed).signatures([a, b])
        j = exact_jaccard(a, b, 2)
        ours.append(estimate_jaccard(sig[0], sig[1]) - j)
        m1, m2 = MinHash(num_perm=k, seed=seed), MinHash(num_perm=k, seed=seed)
        for s in {" ".join(p) for p in zip(a.split(), a.split()[1:], strict=False)}:
            m1.update(s.encode())
        for s in {" ".join(p) for p in zip(b.split(), b.split()[1:], strict=False)}:
            m2.update(s.encode())
        theirs.append(m1.jaccard(m2) - j)
        theory.append(j * (1 - j) / k)
    rmse, expected = np.sqrt(np.mean(np.square(ours))), np.sqrt(np.mean(theory))
    assert abs(rmse / expected - 1) < 0.10
    assert abs(np.mean(ours)) < 0.01  # unbiased
    assert rmse < 1.15 * np.sqrt(np.mean(np.square(theirs)))


def test_bad_num_perm():
    with pytest.raises(InputError, match="num_perm"):
        MinHasher(num_perm=0)
