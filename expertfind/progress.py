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
    tell = Steps(progress, what, total)
    done = 0
    for item in items:
        yield item
        done += 1
        tell(done)
    tell.end()


class Steps:
    """Tells `progress` how far `what` is: at the start, whenever `done` reaches another
    hundredth of `total`, and at the end."""

    def __init__(self, progress: Progress, what: str, total: int) -> None:
        self.progress, self.what, self.total = progress, what, total
        self._step = max(1, total // STEPS)
        self._told = 0
        progress(what, 0, total)

    def __call__(self, done: int) -> None:
        if done // self._step != self._told:
            self._told = done // self._step
            self.progress(self.what, done, self.total)

    def end(self) -> None:
        self.progress(self.what, self.total, self.total)
