"""Index blocks: the postings of a big directory spilled to disk as the index is built, and
merged into the stored index at the end (`search.stored.write_index`), so the postings of a whole
organisation are never all in memory at once. A block folder is private to the process that
builds, named after it, and removed when it ends; one left by a killed build is found and
deleted (`abandoned_blocks`, `expertfind doctor --repair`): blocks hold words from profiles.
"""

from __future__ import annotations

import contextlib
import heapq
import os
import shutil
from array import array
from collections.abc import Iterator
from itertools import islice, repeat
from pathlib import Path
from typing import TYPE_CHECKING

from ..files import written_meanwhile
from .index import WIDTH

if TYPE_CHECKING:
    from .building import IndexBuilder

BLOCKS_PREFIX = ".expertfind-index-blocks-"
BLOCK_OCCURRENCES = 4_000_000
"""A directory with more term occurrences than this is indexed in blocks spilled to disk and
merged: the postings of a whole organisation are never all in memory at once (4M is ~5,000
people; grouping a block into postings takes about 35 bytes per occurrence for a moment)."""


@contextlib.contextmanager
def blocks_folder(parent: Path) -> Iterator[Path]:
    """A private folder for index blocks, named after this process so that one left by a killed
    build can be told from one in use; removed with everything in it at the end."""
    import tempfile  # only a big build spills blocks

    with tempfile.TemporaryDirectory(dir=parent, prefix=f"{BLOCKS_PREFIX}{os.getpid()}-") as folder:
        yield Path(folder)


def abandoned_blocks(folder: Path) -> list[Path]:
    """Block folders in `folder` left by an index build that was killed (its process is gone).
    Only POSIX can tell: elsewhere none are reported."""
    if os.name != "posix" or not folder.is_dir():  # whether a process runs: POSIX signal 0
        return []
    found = []
    for leftover in sorted(folder.glob(BLOCKS_PREFIX + "*")):
        owner = leftover.name[len(BLOCKS_PREFIX):].partition("-")[0]
        if owner.isdigit() and not _running(int(owner)):
            found.append(leftover)
    return found


def remove_abandoned_blocks(folder: Path) -> list[Path]:
    """Delete the block folders of killed index builds: they hold words from people's
    profiles, so they do not stay. Returns what was deleted."""
    removed = abandoned_blocks(folder)
    for leftover in removed:
        shutil.rmtree(leftover, ignore_errors=True)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process, or a system that cannot tell: leave it be
        return True
    return True


class Block:
    """Postings spilled to disk: the terms (sorted) with their item and person counts stay in
    memory; the packed postings are in a file from byte `start` on, which the merge reads once,
    front to back: every term's items, then every term's counts (from `counts_offset` on)."""

    def __init__(self, path: Path, start: int, terms: list[str], frequencies: array[int],
                 people: array[int]) -> None:
        self.path, self.start = path, start
        self.terms, self.frequencies, self.people = terms, frequencies, people
        self.counts_offset = start + 4 * _total(frequencies)


class Spilled(contextlib.AbstractContextManager["Spilled"]):
    """The blocks of a build, one after another in the file `path`, written by a thread while
    the build goes on (`files.written_meanwhile`, through the page cache: the merge reads them
    soon). Written by the building process itself, their 580 MB at 100,000 people took it
    3-4 s."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.blocks: list[Block] = []
        self._size = 0
        with contextlib.ExitStack() as writing:
            handle = writing.enter_context(path.open("wb"))
            self._write = writing.enter_context(written_meanwhile(handle, cached=True))
            self._writing = writing.pop_all()

    def spill(self, builder: IndexBuilder) -> None:
        """The postings the builder holds, as the next block."""
        postings = builder.take_postings()
        self.blocks.append(Block(self.path, self._size, postings.terms, postings.frequencies,
                                 postings.people))
        for blob in (postings.items, postings.counts):
            self._write(blob)
            self._size += len(blob)

    def merged(self) -> MergedBlocks:
        """The blocks, merged, once they are all written (a failure to write them is raised)."""
        self._writing.close()
        return MergedBlocks(self.blocks)

    def __exit__(self, *_: object) -> None:
        self._writing.close()


class MergedBlocks:
    """The postings of blocks as one index holds them. Blocks follow each other in item order
    and a person's evidence is all in one block, so a term's postings are its blocks'
    postings one after another, and its people their sum."""

    def __init__(self, blocks: list[Block]) -> None:
        self._blocks = blocks
        self.terms: list[str] = []
        self.frequencies = array("I")
        self.people = array("I")
        self._holders = array("I")
        """The blocks that hold each term, term after term (how many for each: `_holding`)."""
        self._holding = array("I")
        streams = [zip(block.terms, repeat(number), block.frequencies, block.people)
                   for number, block in enumerate(blocks)]  # a term's blocks come in block order
        last: str | None = None
        for term, number, frequency, people in heapq.merge(*streams):
            if term != last:
                self.terms.append(term)
                self.frequencies.append(frequency)
                self.people.append(people)
                self._holding.append(1)
                last = term
            else:
                self.frequencies[-1] += frequency
                self.people[-1] += people
                self._holding[-1] += 1
            self._holders.append(number)
        for block in blocks:
            block.terms, block.people = [], array("I")  # the merged lists hold them

    def packed(self) -> Iterator[bytes | array[int]]:
        """Each term's items, then its counts; once."""
        blocks = self._blocks
        with contextlib.ExitStack() as stack:
            files = [stack.enter_context(block.path.open("rb")) for block in blocks]
            counts_files = [stack.enter_context(block.path.open("rb")) for block in blocks]
            for block, handle, counts_handle in zip(blocks, files, counts_files, strict=True):
                handle.seek(block.start)
                counts_handle.seek(block.counts_offset)
            taken = [0] * len(blocks)
            holders = iter(self._holders)
            for holding in self._holding:
                items, counts = [], []
                for number in islice(holders, holding):
                    frequency = blocks[number].frequencies[taken[number]]
                    taken[number] += 1
                    items.append(files[number].read(frequency * 4))
                    counts.append(counts_files[number].read(frequency * 2 * WIDTH))
                yield b"".join(items)
                yield b"".join(counts)
        # Read once: what found each term's postings goes before the rest of the index is written.
        self._holders, self._holding = array("I"), array("I")
        for block in blocks:
            block.frequencies = array("I")


def _total(numbers: array[int]) -> int:
    """The sum of `numbers` (numpy: a block has hundreds of thousands of terms)."""
    import numpy as np  # only to build an index

    from .grouping import as_numpy

    return int(as_numpy(numbers, np.uint32).sum(dtype=np.uint64))
