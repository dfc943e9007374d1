"""Renderers: one per output format (json, jsonl, md, html), each rendering a Report."""
