"""Process set-up shared by the command line and the workers (no heavy imports)."""

from __future__ import annotations

import gc

GC_THRESHOLD = (500_000, 50, 100)


def collect_garbage_less_often(freeze: bool = False) -> None:
    """Records are trees without reference cycles, made by the million; CPython's default of a
    collection every 700 new objects spent about a fifth of a run on them (reference counting
    still frees them). At 500,000 a shard's stages run without a collection (2 MiB of whole
    articles or of article leads; at 100,000 each shard paid one of about 20 ms). `freeze` also
    exempts everything alive now (the imported modules)."""
    if freeze:
        gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
