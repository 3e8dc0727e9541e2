"""The compiled kernels against their definitions, and the same for any number of threads."""

import numba
import numpy as np
import pytest

from notelab.similarity import MinHasher, shingles
from notelab.similarity.minhash import _permutations


@pytest.fixture
def threads():
    before = numba.get_num_threads()
    yield [1, numba.config.NUMBA_NUM_THREADS]
    numba.set_num_threads(before)


def test_identical_results_for_any_number_of_threads(corpus, threads):
    hasher = MinHasher(num_perm=64, ngram=3)
    results = []
    for count in threads:
        numba.set_num_threads(count)
        sketch = hasher.sketch(corpus)
        pairs = np.column_stack(np.triu_indices(40, 1))
        results.append((sketch, sketch.jaccard(pairs), sketch.agreement(pairs)))
    (a, ja, aa), (b, jb, ab) = results
    for name in ("values", "offsets", "signatures", "lengths"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert np.array_equal(ja, jb) and np.array_equal(aa, ab)


def test_signatures_are_the_multiply_shift_minimum(corpus):
    hasher = MinHasher(num_perm=32, seed=5)
    sketch = hasher.sketch(corpus[:30])
    a, b = _permutations(32, 5)
    for d in range(30):
        x = sketch.values[sketch.offsets[d] : sketch.offsets[d + 1]]
        if len(x) == 0:
            assert np.all(sketch.signatures[d] == np.iinfo(np.uint32).max)
            continue
        with np.errstate(over="ignore"):
            hashed = a[None, :] * x[:, None] + b[None, :]  # wraps mod 2**64
        expected = (hashed.min(axis=0) >> np.uint64(32)).astype(np.uint32)
        assert np.array_equal(sketch.signatures[d], expected)
        assert len(x) == len(shingles(corpus[d]))


_FORK_SCRIPT = """
import os, sys
from notelab.similarity import dedup_files
parent = dedup_files([sys.argv[1]]).as_dict()
pid = os.fork()
if pid == 0:
    child = dedup_files([sys.argv[1]]).as_dict()
    os._exit(0 if (child["removed"], child["kept"]) == (parent["removed"], parent["kept"]) else 3)
_, status = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(status))
"""


def test_a_forked_child_after_the_parents_threads_runs_the_numpy_kernels(tmp_path):
    """GNU OpenMP aborts a forked child at its first parallel kernel once the parent's numba
    threads have started: the child takes the NumPy kernels and gets the same result."""
    import json
    import os
    import subprocess
    import sys

    path = tmp_path / "docs.jsonl"
    texts = [f"document {i % 7} about topic {i % 3} " * 20 for i in range(60)]
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    env = {**os.environ, "NOTELAB_KERNELS": "numba"}
    done = subprocess.run(
        [sys.executable, "-c", _FORK_SCRIPT, str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "0", done.stderr
