"""Numbering the terms of evidence texts, here or in a second process.

Reading the terms of a text (tokenising, dropping stop words) and numbering them (each new term
gets the next number) is most of the work of indexing a big directory, and it needs nothing of
the rest: given a batch of texts, it gives back how many terms each text has, the terms' numbers
one after another, and the terms it met for the first time. `Numbering` does it in this process,
`NumberingProcess` in a second one (`python -m expertfind.search.numbering`), and
`SharedNumbering` in both, so that a machine with two cores reads a big directory's words in
about half the time. The numbers may differ between them; the terms they
name, text by text, never do.

A batch goes to the second process as one marshal blob, framed by its length; the answer comes
back the same way. A thread writes the batches and another reads the answers, so that neither
process ever waits on a full pipe: the second process works through every batch sent, however
far behind this one is in taking the answers (as while it groups a block of postings).
"""

from __future__ import annotations

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

from .text import terms

_FRAME = struct.Struct("<Q")
BACKLOG = 3
"""`SharedNumbering` reads a batch here when the second process has this many still to answer,
else sends it there: the second process is never idle, and this one, which also groups the
postings, reads only what the other cannot."""
AHEAD_WHILE_GROUPING = 12
"""Batches of the next block that `SharedNumbering` sends the second process before this one
groups a block's postings: about what it reads while this one groups. Building the index of
20,000 people (medians of 5, one run): backlog 2, 2 in flight, none ahead: 10.5 s;
backlog 2, 4 in flight, 8 ahead: 9.0 s; backlog 3, 6 in flight, 12 ahead: 8.2 s; backlog 4, 8
in flight, 16 ahead: 8.1 s."""


class Numbered(NamedTuple):
    """A batch of texts read: how many terms each text has (in order), the numbers of all their
    terms one text after another, and the terms numbered for the first time (in number order)."""

    lengths: array[int]
    occurrences: array[int]
    new_terms: list[str]


class Numbering:
    """Terms numbered in the order they are first met, in this process."""

    def __init__(self) -> None:
        self.numbers = _TermNumbers()
        self._ready: list[Numbered | Sequence[str]] = []

    def number(self, texts: Sequence[str]) -> Numbered:
        return Numbered(*self.read(texts), self.numbers.take_new())

    def read(self, texts: Sequence[str]) -> tuple[array[int], array[int]]:
        """How many terms each text has, and their numbers (new terms noted, not taken)."""
        number = self.numbers.__getitem__
        lengths = array("I")
        occurrences = array("I")
        for text in texts:
            found = terms(text) if text else ()
            lengths.append(len(found))
            occurrences.extend(map(number, found))
        return lengths, occurrences

    # The interface of `building.TermNumbering`: the answers in the order the batches were sent.
    ahead = 0
    """Numbered here, a batch sent ahead waits for the next reset: none are worth sending."""

    def send(self, texts: Sequence[str]) -> None:
        self._ready.append(self.number(texts))

    def send_ahead(self, texts: Sequence[str]) -> None:
        """A batch to number after the next `reset`."""
        self._ready.append(list(texts))

    def receive(self) -> Numbered:
        found = self._ready.pop(0)
        if not isinstance(found, Numbered):
            raise RuntimeError("a batch sent ahead is numbered after the next reset")
        return found

    def reset(self) -> None:
        """Number from 0 again (the numbers so far are no longer needed), starting with the
        batches sent ahead."""
        if any(isinstance(found, Numbered) for found in self._ready):
            raise RuntimeError("batches are still on their way")
        self.numbers = _TermNumbers()
        self._ready = [self.number(texts) for texts in self._ready if not isinstance(texts, Numbered)]

    def close(self) -> None:
        self.numbers.clear()


class _TermNumbers(dict[str, int]):
    """Terms numbered in the order first seen: looking up a new term numbers it (and notes it)."""

    def __init__(self) -> None:
        super().__init__()
        self._new: list[str] = []

    def __missing__(self, term: str) -> int:
        number = self[term] = len(self)
        self._new.append(term)
        return number

    def take_new(self) -> list[str]:
        """The terms numbered since the last call, in number order."""
        new, self._new = self._new, []
        return new


class SharedNumbering:
    """Terms numbered by two processes: the second one numbers every batch it has time for, in
    numbers of its own that are turned into this one's as its answers come back, and this one
    numbers the others itself (in its own time between sending and receiving, `BACKLOG`).
    Batches sent ahead (of the next block, while this process groups one) all go there."""

    ahead = AHEAD_WHILE_GROUPING

    def __init__(self) -> None:
        self._here = Numbering()
        self._there = NumberingProcess()
        self._there_to_here = array("I")
        self._due: deque[tuple[array[int], array[int]] | None] = deque()
        """Each batch sent: its lengths and numbers when read here, None when sent there."""
        self._reset_there = False
        self._sent_ahead = 0
        """Batches sent ahead since the last reset: the newest of those due."""

    def send(self, texts: Sequence[str]) -> None:
        if self._there.backlog() < BACKLOG:
            self._there.send(texts, reset=self._reset_there)
            self._reset_there = False
            self._due.append(None)
        else:
            self._due.append(self._here.read(texts))

    def send_ahead(self, texts: Sequence[str]) -> None:
        """A batch to number after the next `reset`: the second process numbers it (afresh)
        as soon as it is through the batches before it."""
        self._there.send(texts, reset=not self._sent_ahead)
        self._sent_ahead += 1
        self._due.append(None)

    def reset(self) -> None:
        """Number from 0 again, here and there (when every batch sent, but those sent ahead,
        has been received)."""
        if len(self._due) != self._sent_ahead:
            raise RuntimeError("batches are still on their way")
        self._here.reset()
        self._there_to_here = array("I")
        self._reset_there = not self._sent_ahead  # else done there, before the first sent ahead
        self._sent_ahead = 0

    def receive(self) -> Numbered:
        found = self._due.popleft()
        if found is None:
            import numpy as np  # only to build an index

            there = self._there.receive()
            self._there_to_here.extend(map(self._here.numbers.__getitem__, there.new_terms))
            mapping = np.frombuffer(self._there_to_here, dtype=np.uint32)
            occurrences = array("I")
            occurrences.frombytes(mapping[np.frombuffer(there.occurrences, dtype=np.uint32)].tobytes())
            found = there.lengths, occurrences
        # The terms new since the last answer, in number order, whichever batch met them first.
        return Numbered(*found, self._here.numbers.take_new())

    def close(self) -> None:
        self._there.close()
        self._here.close()


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
            numbering.reset()
        found = numbering.number(texts)
        answer = marshal.dumps((found.lengths.tobytes(), found.occurrences.tobytes(), found.new_terms))
        answers.write(_FRAME.pack(len(answer)))
        answers.write(answer)
        answers.flush()


if __name__ == "__main__":
    main()
