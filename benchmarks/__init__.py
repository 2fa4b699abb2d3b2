"""Dapper's overhead and latency benchmarks: ``python -m benchmarks.overhead``."""
