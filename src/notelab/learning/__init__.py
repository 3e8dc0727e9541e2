"""Note 7: semi-supervised and self-supervised learning, side by side as labels get scarce.

Every classifier here takes ``y`` with ``-1`` for an unlabelled row (scikit-learn's
convention). The scikit-learn methods (``LabelsOnly``, ``SelfTraining``, ``LabelSpreading``,
``LabelPropagation``) run without PyTorch; the deep ones import it when they fit.
"""

from notelab.learning.baseline import LabelsOnly
from notelab.learning.calibration import TemperatureScaled
from notelab.learning.deep import FixMatch, MLPClassifier
from notelab.learning.graph import knn_graph
from notelab.learning.methods import METHODS, make_method
from notelab.learning.pretext import Pretrained, pretrain
from notelab.learning.protocol import FRACTIONS, Curve, Point, curve, split
from notelab.learning.self_training import SelfTraining
from notelab.learning.selfsup import SelfSupervised
from notelab.learning.spreading import LabelPropagation, LabelSpreading

__all__ = [
    "FRACTIONS",
    "METHODS",
    "Curve",
    "FixMatch",
    "LabelPropagation",
    "LabelSpreading",
    "LabelsOnly",
    "MLPClassifier",
    "Point",
    "Pretrained",
    "SelfSupervised",
    "SelfTraining",
    "TemperatureScaled",
    "curve",
    "knn_graph",
    "make_method",
    "pretrain",
    "split",
]
