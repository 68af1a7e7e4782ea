"""Offline summary evaluation: ROUGE scoring, baselines and the dialog file format."""
