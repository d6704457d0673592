"""Numbering the terms of evidence texts, here or in a second process.

Reading the terms of a text (tokenising, dropping stop words) and numbering them (each new term
gets the next number) is most of the work of indexing a big directory, and it needs nothing of
the rest: given a batch of texts, it gives back how many terms each text has, the terms' numbers
one after another, and the terms it met for the first time. `Numbering` does it in this process,
`NumberingProcess` in a second one (`python -m expertfind.search.numbering`), and
`SharedNumbering` in both, batch and batch about, so that a machine with two cores reads a big
directory's words in about half the time. The numbers may differ between them; the terms they
name, text by text, never do.

A batch goes to the second process as one marshal blob, framed by its length; the answer comes
back the same way. A thread writes the batches, so that neither process waits on a full pipe.
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
_AHEAD = 2
"""Batches sent ahead of the answers read: enough to keep both processes busy."""


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
        self._ready: list[Numbered] = []

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

    # The interface of NumberingProcess: the answers in the order the batches were sent.
    def send(self, texts: Sequence[str]) -> None:
        self._ready.append(self.number(texts))

    def receive(self) -> Numbered:
        return self._ready.pop(0)

    def reset(self) -> None:
        """Number from 0 again (the numbers so far are no longer needed)."""
        self.numbers = _TermNumbers()

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
    """Terms numbered by two processes, batch and batch about: this one numbers every other
    batch itself (in its own time between sending and receiving), the second process the
    others, in numbers of its own that are turned into this one's as its answers come back."""

    def __init__(self) -> None:
        self._here = Numbering()
        self._there = NumberingProcess()
        self._there_to_here = array("I")
        self._due: deque[tuple[array[int], array[int]] | None] = deque()
        """Each batch sent: its lengths and numbers when read here, None when sent there."""
        self._sent = 0
        self._reset_there = False

    def send(self, texts: Sequence[str]) -> None:
        self._sent += 1
        if self._sent % 2:
            self._there.send(texts, reset=self._reset_there)
            self._reset_there = False
            self._due.append(None)
        else:
            self._due.append(self._here.read(texts))

    def reset(self) -> None:
        """Number from 0 again, here and there (when every batch sent has been received)."""
        if self._due:
            raise RuntimeError("batches are still on their way")
        self._here.reset()
        self._there_to_here = array("I")
        self._reset_there = True

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
    sent. Up to `_AHEAD` batches may be on their way before an answer is read."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(  # its failures show as NumberingFailed, not on stderr
            [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._to, self._from = self._process.stdin, self._process.stdout
        self._batches: queue.Queue[bytes | None] = queue.Queue(maxsize=_AHEAD)
        self._writer = threading.Thread(target=self._write, daemon=True)
        self._failure: BaseException | None = None
        self._unanswered = 0
        self._closed = False
        self._writer.start()

    def send(self, texts: Sequence[str], *, reset: bool = False) -> None:
        """A batch to number; with `reset`, numbered from 0 again first."""
        if self._failure is not None:
            raise NumberingFailed("the term numbering process stopped") from self._failure
        self._batches.put(marshal.dumps((reset, list(texts))))
        self._unanswered += 1

    def receive(self) -> Numbered:
        blob = _read_frame(self._from)
        if blob is None:
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
