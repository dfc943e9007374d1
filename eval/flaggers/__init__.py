"""Flaggers: one class per kind of error, registered in eval/registry.py."""
