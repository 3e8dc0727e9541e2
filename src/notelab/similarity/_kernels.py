"""Transitional: the one kernel finding 8 still imports from here (until it uses Sketch)."""

from notelab.similarity._pair_kernels import pair_jaccard

__all__ = ["pair_jaccard"]
