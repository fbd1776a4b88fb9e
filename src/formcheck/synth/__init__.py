"""Synthetic athlete: rendered exercise videos with exact ground truth."""
