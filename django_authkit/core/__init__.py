"""Foundations the other packages share: encryption at rest, rate-limit counters, URLs."""
