"""symrep: reproduce published results on symmetry in machine learning."""

__version__ = "0.1.0"
