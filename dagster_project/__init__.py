"""Dagster code location of the learning-impact pipeline."""
