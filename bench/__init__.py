"""Benchmarks of delivery and scheduling; see docs/benchmarks.md.  Run as modules from the repo root."""
