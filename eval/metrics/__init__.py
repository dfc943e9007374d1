"""Metrics: one class per metric, registered in eval/registry.py."""
