"""The scikit-learn methods import and run with torch missing; the deep ones say what to do."""

import subprocess
import sys

SCRIPT = """
import importlib.abc
import sys


class NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] == "torch":
            raise ImportError("torch is blocked in this test")


sys.meta_path.insert(0, NoTorch())
from sklearn.datasets import load_iris
from notelab._util import InputError
from notelab.learning import curve
X, y = load_iris(return_X_y=True)
c = curve(X, y, fractions=[0.1], seeds=1,
          methods=["logistic", "self-training", "label-spreading", "label-propagation"])
assert all(p.accuracy[0] > 0.5 for p in c.points), c.as_dict()
try:
    curve(X, y, fractions=[0.1], seeds=1, methods=["masked-probe"])
except InputError as error:
    print("refused:", error)
assert "torch" not in sys.modules
print("ok")
"""


def test_scikit_learn_methods_run_without_torch():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "refused: expected PyTorch for masked-probe" in done.stdout
    assert done.stdout.strip().endswith("ok")
