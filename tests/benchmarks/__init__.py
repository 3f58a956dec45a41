"""Benchmarks: run with `python -m tests.benchmarks.bench`; not collected by pytest."""
