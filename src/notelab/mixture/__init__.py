"""Note 4: Gaussian mixtures by EM, in memory, out of core (.npy in chunks) and on Dask."""

from notelab.mixture._gaussian import COVARIANCE_TYPES, CollapseWarning
from notelab.mixture._source import NpyFileSource
from notelab.mixture.data_files import MixtureData, read_data
from notelab.mixture.gaussian_mixture import GaussianMixture
from notelab.mixture.pipeline import FitOptions, FitOutputs, FitReport, fit_file
from notelab.mixture.select import CRITERIA, Selection, select_components

__all__ = [
    "COVARIANCE_TYPES",
    "CRITERIA",
    "CollapseWarning",
    "FitOptions",
    "FitOutputs",
    "FitReport",
    "GaussianMixture",
    "MixtureData",
    "NpyFileSource",
    "Selection",
    "fit_file",
    "read_data",
    "select_components",
]
