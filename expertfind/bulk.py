"""Bulk work: making millions of objects without Python's cycle collector looking on."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def cyclic_garbage_collection_paused() -> Iterator[None]:
    """For bulk work that makes millions of objects and no reference cycles (reading, checking
    or importing a whole directory): Python's cycle collector would otherwise scan the whole
    growing heap again and again (a third of an import's time at 10,000 people; an export of
    100,000 people took 91 s with it, 56 s without). Memory is still freed by reference counting."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
