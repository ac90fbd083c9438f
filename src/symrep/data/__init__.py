"""Datasets: catalogue of canonical files, checksum-verified fetching, loaders, builders, fixtures."""
