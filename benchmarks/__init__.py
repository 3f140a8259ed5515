"""Benchmarks of the chat's streaming path; run with `python -m benchmarks.run`."""
