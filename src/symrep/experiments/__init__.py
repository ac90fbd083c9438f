"""One module per experiment: dataset construction, training tasks and evaluation, built on the shared harness."""
