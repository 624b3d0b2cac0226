"""Benchmarks of the hub, each reported as a ratio to a baseline measured in the same run."""
