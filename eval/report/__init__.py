"""Renderers: each takes a Report and writes one file into a run folder."""
