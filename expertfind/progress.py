"""Progress of long work (importing and indexing a big directory), told to whoever listens.

The library calls a `Progress` now and then with what it is doing, how far it is and how far
it has to go; the command line draws a bar on stderr when that is a terminal, and nothing else
ever hears it (scripts and logs stay clean)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

Progress = Callable[[str, int, int], None]
"""Called as `progress(what, done, total)`."""

T = TypeVar("T")
STEPS = 100


def counted(items: Iterable[T], what: str, total: int, progress: Progress | None) -> Iterator[T]:
    """`items`, telling `progress` about every hundredth of `total` (and the start and end)."""
    if progress is None:
        yield from items
        return
    step = max(1, total // STEPS)
    progress(what, 0, total)
    done = 0
    for item in items:
        yield item
        done += 1
        if done % step == 0:
            progress(what, done, total)
    progress(what, total, total)
