"""Engines that run a scoring job over blocks of segments.

blocks.py  a block (a range of segment ids with its references and outputs), what a worker
           computes on one, and the driver's exact assembly of per-segment statistics;
local.py   the blocks over this machine's cores (a forkserver process pool);
stream.py  a run read, scored and written block by block, for test sets larger than memory;
ray_engine.py  the blocks over a Ray cluster (optional `ray` extra).

Every engine gives the same results as scoring all segments in one process: lexical metrics
produce additive sufficient statistics per segment, and the driver sums them in segment order.
"""
