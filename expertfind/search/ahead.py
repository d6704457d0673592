"""An index build begun ahead: while the directory file is written.

Writing the directory of a big import keeps one core busy for a while (about 13 s at 100,000
people) and the other idle, and the index build that follows reads the words of everyone
(`search.numbering`). So when a write is planned, the build's second process is started and a
thread sends it the first batches of the people as they will be, to read while this process
writes the file. `write_index` takes the build on (`IndexAhead.take`) when the people written
are those same people, object for object; otherwise (or when anything went wrong ahead) it is
closed and the index is built as before.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Sequence

from ..models import Profile
from .blocks import BLOCK_OCCURRENCES
from .building import IndexBuilder
from .index import IndexSettings
from .numbering import BACKLOG, SharedNumbering

AHEAD_WHILE_WRITING = 32
"""Batches at most (of `building.BATCH` people) sent while the directory is written. Their
answers (about 1 MB each) wait until the build takes them, and an import's peak memory grew
with them: 100,000 people, one import each, peak of all its processes: none 1,849 MiB, 25
batches 1,866, 50 batches 1,898, 100 batches 1,883-1,911 (the target is 2 GB, 1,907 MiB)."""


class IndexAhead:
    """The index build of `people`, its first batches sent to the second process by a thread.
    Starting it raises OSError when no second process can be started."""

    def __init__(self, people: Sequence[Profile], settings: IndexSettings, *,
                 block_occurrences: int = BLOCK_OCCURRENCES, batches: int = AHEAD_WHILE_WRITING) -> None:
        self.people = people
        self._numbering = SharedNumbering()
        self.builder = IndexBuilder(people, settings, self._numbering, block_occurrences=block_occurrences)
        self._batches = batches
        self._stop = threading.Event()
        self._failed = False
        self._thread = threading.Thread(target=self._send, name="expertfind-index-ahead", daemon=True)
        self._thread.start()

    def take(self, people: Sequence[Profile]) -> IndexBuilder | None:
        """The build, to go on with, when `people` are the people it was begun with; else None
        (and it is closed)."""
        self._stop_sending()
        same = len(people) == len(self.people) and all(map(operator.is_, people, self.people))
        if same and not self._failed:
            return self.builder
        self.builder.close()
        return None

    def close(self) -> None:
        """Stop sending and let the second process go (after `take`, or instead of it)."""
        self._stop_sending()
        self.builder.close()

    def _stop_sending(self) -> None:
        self._stop.set()
        self._thread.join()

    def _send(self) -> None:
        try:
            for _ in range(self._batches):
                while self._numbering.backlog() >= BACKLOG:  # it has enough to read: wait
                    if self._stop.wait(0.005):
                        return
                if self._stop.is_set() or not self.builder.send_next(ahead=True):
                    return
        except Exception:  # noqa: BLE001 - whatever it is, the build ahead is dropped and made anew
            self._failed = True
