"""A forked child of a process that has fitted a mixture fits one too, with the same result.

GNU OpenMP (numba's threads here) aborts a forked child at its first parallel kernel once the
parent's threads have started; the child runs the passes on one thread. (scikit-learn's KMeans,
behind ``init_params="kmeans"``, hangs in such a child for the same reason: the test starts
from random responsibilities.)
"""

import subprocess
import sys

_SCRIPT = """
import os
import numpy as np
from notelab.mixture import GaussianMixture
X = np.random.default_rng(0).normal(size=(3000, 3))
for cov in ("diag", "full"):
    fit = lambda: GaussianMixture(3, covariance_type=cov, random_state=0, init_params="random")
    parent = fit().fit(X).means_
    pid = os.fork()
    if pid == 0:
        os._exit(0 if np.array_equal(fit().fit(X).means_, parent) else 3)
    print(cov, os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
"""


def test_a_forked_child_fits_with_the_same_result():
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["diag", "0", "full", "0"], done.stderr
