"""Note 4: Gaussian mixtures by EM, in memory, out of core (.npy in chunks) and on Dask."""

from notelab.mixture._gaussian import COVARIANCE_TYPES, CollapseWarning
from notelab.mixture._source import NpyFileSource
from notelab.mixture.gaussian_mixture import GaussianMixture
from notelab.mixture.select import CRITERIA, Selection, select_components

__all__ = [
    "COVARIANCE_TYPES",
    "CRITERIA",
    "CollapseWarning",
    "GaussianMixture",
    "NpyFileSource",
    "Selection",
    "select_components",
]
