"""symrep: reproduce published results on symmetry in machine learning."""
