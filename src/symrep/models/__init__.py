"""Network architectures of the papers, by name."""
