"""Benchmarks: each prints its figures, its targets and the command that reproduces it.

Figures are ratios against a baseline measured in the same run (these machines are shared and
noisy, so absolute times are only indicative). `python -m bench --quick` is `make bench`.
"""
