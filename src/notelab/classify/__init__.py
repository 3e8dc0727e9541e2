"""Note 2: compare classifiers on the user's table, with the note's pros and cons measured.

``compare`` runs every model on the same repeated stratified k-fold (leak-free pipelines,
joblib or Dask), with corrected intervals and a corrected paired test against the best;
``profile`` measures overfitting, the need for scaling, robustness to noise columns and speed;
``explain`` prints a tree's decision path for one row.

The decision tree, random forest, histogram boosting and MLP that ``compare`` fits are
scikit-learn's classes with their training compiled (``CompiledTreeClassifier``,
``CompiledRandomForestClassifier``, ``CompiledHistGradientBoostingClassifier``,
``CompiledMLPClassifier``); they load on first use, with numba.
"""

from notelab._util.lazy import lazy_exports
from notelab.classify.compare import Comparison, ModelScores, compare
from notelab.classify.data import Features, features, table
from notelab.classify.explain import Explanation, Rule, explain
from notelab.classify.metrics import METRICS, ovr_macro_auc
from notelab.classify.models import DEFAULT_MODELS, MODELS, ModelSpec, parse_models
from notelab.classify.pipeline import make_pipeline
from notelab.classify.profile import Profile, profile
from notelab.classify.pruning import PrunedTree
from notelab.classify.resampling import CorrectedTest, corrected_interval, corrected_ttest, splits

# public name -> the module that defines it, imported on first use (it imports numba)
_LAZY = {
    "CompiledHistGradientBoostingClassifier": "notelab.classify.boosting",
    "CompiledMLPClassifier": "notelab.classify.mlp",
    "CompiledRandomForestClassifier": "notelab.classify.forest",
    "CompiledTreeClassifier": "notelab.classify.forest",
}
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

__all__ = [
    "DEFAULT_MODELS",
    "METRICS",
    "MODELS",
    "Comparison",
    "CompiledHistGradientBoostingClassifier",
    "CompiledMLPClassifier",
    "CompiledRandomForestClassifier",
    "CompiledTreeClassifier",
    "CorrectedTest",
    "Explanation",
    "Features",
    "ModelScores",
    "ModelSpec",
    "Profile",
    "PrunedTree",
    "Rule",
    "compare",
    "corrected_interval",
    "corrected_ttest",
    "explain",
    "features",
    "make_pipeline",
    "ovr_macro_auc",
    "parse_models",
    "profile",
    "splits",
    "table",
]
