"""Readers (text, tables, JSONL, Hugging Face datasets) with validation, and atomic writers."""
