"""Finlake bronze-to-silver Glue job."""
