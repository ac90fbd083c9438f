"""Aggregation over seeds and rendering of tables and figures beside the papers' numbers."""
