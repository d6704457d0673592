"""Numbering the terms of evidence texts, here or in a second process.

Reading the terms of a text (tokenising, dropping stop words) and numbering them (each new term
gets the next number) is most of the work of indexing a big directory, and it needs nothing of
the rest: given a batch of texts, it gives back how many terms each text has, the terms' numbers
one after another, and the terms it met for the first time. Batches come in blocks (those whose
postings are grouped together): a batch sent as the start of a block is numbered from 0 again.
`Numbering` does it in this process, `NumberingProcess` in a second one (`python -m
expertfind.search.numbering`), and `SharedNumbering` in both, so that a machine with two cores
reads a big directory's words in about half the time. The numbers may differ between them; the
terms they name, text by text, never do.

A batch goes to the second process as one marshal blob, framed by its length; the answer comes
back the same way. A thread writes the batches and another reads the answers, so that neither
process ever waits on a full pipe: the second process works through every batch sent, however
far behind this one is in taking the answers (as while it groups a block of postings).
"""

from __future__ import annotations

import contextlib
import marshal
import queue
import signal
import struct
import subprocess
import sys
import threading
from array import array
from collections import deque
from collections.abc import Sequence
from typing import IO, NamedTuple

from .reading import Vocabulary, key_of, read

_FRAME = struct.Struct("<Q")
BACKLOG = 6
"""`SharedNumbering` reads a batch here when the second process has this many still to answer,
else sends it there: the second process is never idle, and this one, which also groups the
postings, reads only what the other cannot (since batches are read in bulk, `search.reading`,
the other one nearly always can: an index build keeps 6 batches in flight)."""


class Numbered(NamedTuple):
    """A batch of texts read: how many terms each text has (in order), the numbers of all their
    terms one text after another, and the terms numbered for the first time (in number order)."""

    lengths: array[int]
    occurrences: array[int]
    new_terms: list[str]


class Numbering:
    """Terms numbered in the order first met, in this process (each batch when its answer is
    taken; a batch's texts are read together, `search.reading`)."""

    def __init__(self) -> None:
        self.numbers = Vocabulary()
        self._sent: deque[tuple[Sequence[str], bool]] = deque()

    def number(self, texts: Sequence[str]) -> Numbered:
        return Numbered(*read(texts, self.numbers), self.numbers.take_new())

    def start_block(self) -> None:
        """Number from 0 again: the numbers so far are no longer needed."""
        self.numbers = Vocabulary()

    # The interface of `building.TermNumbering`: the answers in the order the batches were sent.
    def send(self, texts: Sequence[str], *, new_block: bool = False, ahead: bool = False) -> None:
        """A batch to number, as the start of a new block or not (`ahead` means nothing here)."""
        self._sent.append((texts, new_block))

    def receive(self) -> Numbered:
        texts, new_block = self._sent.popleft()
        if new_block:
            self.start_block()
        return self.number(texts)

    def close(self) -> None:
        self._sent.clear()
        self.numbers = Vocabulary()


class _Due(NamedTuple):
    """A batch sent and not yet answered: its texts when it is read here (None: sent there),
    whether it starts a block, and whether it was the first of its block sent there."""

    texts: Sequence[str] | None
    new_block: bool
    restarts_there: bool


class SharedNumbering:
    """Terms numbered by two processes: the second one numbers every batch it has time for, and
    this one reads the others itself when their answers are taken (`BACKLOG`). A block's
    numbers are the second process's own while it read every batch of the block so far; from
    the first batch read here on, its numbers are turned into this one's as its answers come
    back. Batches sent `ahead`
    (while this process goes on with other work: grouping a block, writing the directory) all
    go there. Each process numbers a block from 0 again at its first batch of that block, so
    the batches on their way may belong to any number of blocks."""

    def __init__(self) -> None:
        self._there = NumberingProcess()
        self._due: deque[_Due] = deque()
        self._names: list[str] = []
        """The terms of this block, by number, while every batch of it was read there."""
        self._here: Vocabulary | None = None
        """This block's numbers, once a batch of it is read here."""
        self._there_to_here = array("I")
        self._block = 0
        """Blocks begun by the batches sent so far (the first one is 0)."""
        self._block_there = 0
        """The block of the last batch sent there."""

    def send(self, texts: Sequence[str], *, new_block: bool = False, ahead: bool = False) -> None:
        self._block += new_block
        if ahead or self._there.backlog() < BACKLOG:
            restarts = self._block != self._block_there
            self._there.send(texts, reset=restarts)
            self._block_there = self._block
            self._due.append(_Due(None, new_block, restarts))
        else:
            self._due.append(_Due(texts, new_block, False))

    def backlog(self) -> int:
        """Batches sent to the second process that it has not answered yet."""
        return self._there.backlog()

    def receive(self) -> Numbered:
        due = self._due.popleft()
        if due.new_block:
            self._names, self._here = [], None
        if due.texts is not None:
            here = self._numbered_here()
            return Numbered(*read(due.texts, here), here.take_new())
        if due.restarts_there:
            self._there_to_here = array("I")
        there = self._there.receive()
        if self._here is None:  # the block's numbers are the second process's own
            self._names += there.new_terms
            return there
        import numpy as np  # only to build an index

        self._there_to_here.extend([self._here[key_of(term)] for term in there.new_terms])
        mapping = np.frombuffer(self._there_to_here, dtype=np.uint32)
        occurrences = array("I")
        occurrences.frombytes(mapping[np.frombuffer(there.occurrences, dtype=np.uint32)].tobytes())
        # The terms new since the last answer, in number order, whichever batch met them first.
        return Numbered(there.lengths, occurrences, self._here.take_new())

    def _numbered_here(self) -> Vocabulary:
        """This block's numbers here: at its first batch read here, those the second process
        gave it so far (the same numbers, as every batch of it was read there)."""
        if self._here is None:
            self._here = Vocabulary()
            for term in self._names:
                self._here[key_of(term)]  # numbered in order: the same number
            self._here.take_new_keys()
            self._there_to_here = array("I", range(len(self._names)))
            self._names = []
        return self._here

    def close(self) -> None:
        self._due.clear()
        self._there.close()
        self._names, self._here = [], None


class NumberingFailed(RuntimeError):
    """The second process ended before it answered."""


class NumberingProcess:
    """Terms numbered in a second process: `send` a batch, `receive` the answers in the order
    sent. Any number of batches may be on their way."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(  # its failures show as NumberingFailed, not on stderr
            [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._to, self._from = self._process.stdin, self._process.stdout
        _widen(self._to, self._from)
        self._batches: queue.Queue[bytes | None] = queue.Queue()
        self._answers: queue.Queue[bytes | None] = queue.Queue()
        self._writer = threading.Thread(target=self._write, daemon=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._failure: BaseException | None = None
        self._unanswered = 0
        self._closed = False
        self._writer.start()
        self._reader.start()

    def send(self, texts: Sequence[str], *, reset: bool = False) -> None:
        """A batch to number; with `reset`, numbered from 0 again first."""
        if self._failure is not None:
            raise NumberingFailed("the term numbering process stopped") from self._failure
        self._batches.put(marshal.dumps((reset, list(texts))))
        self._unanswered += 1

    def backlog(self) -> int:
        """Batches sent that it has not answered yet."""
        return self._unanswered - self._answers.qsize()

    def receive(self) -> Numbered:
        blob = self._answers.get()
        if blob is None:
            self._answers.put(None)  # and for every later call
            raise NumberingFailed("the term numbering process stopped") from self._failure
        self._unanswered -= 1
        lengths, occurrences, new_terms = marshal.loads(blob)
        return Numbered(_array(lengths), _array(occurrences), new_terms)

    def close(self) -> None:
        """Stop the second process and wait for it: it ends when its input does, or at once
        when answers are still due (a build that failed half way: nobody reads them)."""
        if self._closed:
            return
        self._closed = True
        if self._unanswered:
            self._process.kill()
        self._batches.put(None)
        self._writer.join()
        self._reader.join()
        self._from.close()
        self._process.wait()

    def _write(self) -> None:
        try:
            while (blob := self._batches.get()) is not None:
                self._to.write(_FRAME.pack(len(blob)))
                self._to.write(blob)
                self._to.flush()
        except (OSError, ValueError) as failure:  # the process is gone: `receive` tells
            self._failure = failure
            while self._batches.get() is not None:  # let `send` and `close` go on
                pass
        finally:
            try:
                self._to.close()
            except OSError:
                pass

    def _read(self) -> None:
        try:
            while (blob := _read_frame(self._from)) is not None:
                self._answers.put(blob)
        except (OSError, ValueError) as failure:
            self._failure = self._failure or failure
        finally:
            self._answers.put(None)  # the end: no more answers


PIPE_SIZE = 1 << 20
"""Bytes a pipe to or from the second process holds (Linux; the most it allows by default):
a batch or an answer (about 1 MB for 256 people) goes through in a few reads instead of 16
or more. Each read lets the reading thread wait for this process's other work (the directory
written meanwhile) to let it go on: with 64 KB pipes, the second process read ahead at 55-80%
of a core while the directory of 100,000 people was written."""


def _widen(*pipes: IO[bytes]) -> None:
    """Make `pipes` hold `PIPE_SIZE` bytes, where the system allows it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows has no fcntl
        return
    for pipe in pipes:
        with contextlib.suppress(AttributeError, OSError):  # not Linux, or a lower limit
            fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_SIZE)


def _array(blob: bytes) -> array[int]:
    found = array("I")
    found.frombytes(blob)
    return found


def _read_frame(stream: IO[bytes]) -> bytes | None:
    head = stream.read(_FRAME.size)
    if len(head) < _FRAME.size:
        return None
    (size,) = _FRAME.unpack(head)
    blob = stream.read(size)
    return blob if len(blob) == size else None


def main() -> None:
    """The second process: number the batches on stdin, answer each on stdout, until stdin ends.
    Ctrl-C is the importing process's to handle: this one ends when its input does."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    numbering = Numbering()
    source, answers = sys.stdin.buffer, sys.stdout.buffer
    while (blob := _read_frame(source)) is not None:
        reset, texts = marshal.loads(blob)
        if reset:
            numbering.start_block()
        found = numbering.number(texts)
        answer = marshal.dumps((found.lengths.tobytes(), found.occurrences.tobytes(), found.new_terms))
        answers.write(_FRAME.pack(len(answer)))
        answers.write(answer)
        answers.flush()


if __name__ == "__main__":
    main()
