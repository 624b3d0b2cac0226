"""Deterministic demo data for the hub: `seed_database(engine, cadres=N, seed=S)`."""

from hub.seed.generator import REFERENCE_DATE, SeedError, SeedSummary, seed_database

__all__ = ["REFERENCE_DATE", "SeedError", "SeedSummary", "seed_database"]
