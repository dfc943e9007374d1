"""Document mode: a French article and its English page, not aligned line by line.

segment.py (sentences with offsets) -> align.py (Vecalign-style beads) -> boilerplate.py and
breaks.py (what is left over: site text, additions, omissions, broken sentences) -> document.py
(one aligned document) -> load.py (files to a test set of beads) -> scores.py (d-BLEU, d-chrF,
windowed sim-src).  The runner scores the beads with every metric and flagger as any test set.
"""
