"""Finlake Prefect flows."""
