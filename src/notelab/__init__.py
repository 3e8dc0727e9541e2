"""notelab: ten computer-engineering notes turned into tools and measured findings."""

__version__ = "0.1.0"
__all__ = ["__version__"]
