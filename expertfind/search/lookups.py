"""The lookups of an index's vocabulary, made in a second process while this one writes the index.

A question finds terms by stem (`ask "leren"` finds `learning`'s Dutch cousin `leer`) and
compounds by their endings, through two tables of the stored index: the terms by their English
and Dutch stems, and the order of the terms by their ending. Making them for a big vocabulary
(a million terms and more at 100,000 people) takes seconds and much memory, and needs nothing
but the terms: `LookupsElsewhere` hands them to `python -m expertfind.search.lookups` when
writing starts and takes the tables back when they are due, after the postings and the people.
They are exactly what `lookups` makes here, which is what the writer does when there is no
second process, or no answer from it.
"""

from __future__ import annotations

import contextlib
import io
import struct
import subprocess
import sys
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import accumulate, groupby
from typing import Any, BinaryIO, NamedTuple, TypeAlias, cast, overload

from .index import STEM_CHUNK
from .text import stems_in


class Lookups(NamedTuple):
    """The numbers of the terms sorted by their ending (32-bit); the stem keys (`en:…`, `nl:…`,
    sorted) and, key by key, its terms joined by spaces: each as the stored index keeps
    strings, one UTF-8 blob and the offsets where each string starts (and the last ends)."""

    by_ending: array[int]
    keys: bytes | bytearray
    key_starts: array[int]
    terms: bytes | bytearray
    term_starts: array[int]


SECTIONS = ("terms_by_ending", "stem_keys", "stem_keys.starts", "stem_terms", "stem_terms.starts")
"""The stored index's sections of the lookups, in the order of `Lookups`."""
Add: TypeAlias = Callable[[str, Iterable["bytes | bytearray | array[Any]"]], object]
"""Adds a section to the index being written (`stored._Sections.add_all`)."""


def add_lookups(add: Add, found: Lookups) -> None:
    """Add the sections of `found` to an index being written."""
    for name, piece in zip(SECTIONS, found, strict=True):
        add(name, (piece,))


def lookups(terms: Sequence[str]) -> Lookups:
    """The lookups of a vocabulary (`terms`, sorted): its stems as `lookups_of(stem_table(terms),
    terms)` has them, made with half the memory (a million terms: 240 MB more at the peak
    instead of 530). One language at a time (every `en:` key sorts before every `nl:` key), the
    terms are sorted by their stem, which keeps the terms of one stem in vocabulary order, and
    each run of one stem is one key."""
    found = Lookups(array("I"), bytearray(), array("Q", [0]), bytearray(), array("Q", [0]))
    for language in ("en", "nl"):
        _add_stems_in(language, terms, found)
    found.by_ending.extend(by_ending(terms))
    return found


def by_ending(terms: Sequence[str]) -> array[int]:
    """The numbers of `terms` in the order of their reversed spelling."""
    endings = [term[::-1] for term in terms]
    return array("I", sorted(range(len(terms)), key=endings.__getitem__))


def _add_stems_in(language: str, terms: Sequence[str], found: Lookups) -> None:
    """Add the keys of `language`'s stems to `found` (the memory of its stems and their order
    goes on return: then the next language's are made)."""
    _, keys, key_starts, joined, term_starts = found
    stemmed: list[str] = []
    for start in range(0, len(terms), STEM_CHUNK):
        stemmed += stems_in(language, terms[start : start + STEM_CHUNK])
    prefix = language + ":"
    for stem, numbers in groupby(sorted(range(len(terms)), key=stemmed.__getitem__), key=stemmed.__getitem__):
        keys += (prefix + stem).encode("utf-8")
        key_starts.append(len(keys))
        joined += " ".join([terms[number] for number in numbers]).encode("utf-8")
        term_starts.append(len(joined))


class _Lines(Sequence[str]):
    """The terms of a vocabulary sent as one UTF-8 blob, a term a line, read a term (or a slice)
    at a time: a million terms as text objects take 80 MB, the blob and its offsets 20."""

    def __init__(self, blob: bytes) -> None:
        self._blob = blob
        self._starts = array("Q", accumulate((len(line) + 1 for line in blob.split(b"\n")), initial=0))

    def __len__(self) -> int:
        return len(self._starts) - 1 if self._blob else 0

    def __iter__(self) -> Iterator[str]:
        return map(self.__getitem__, range(len(self)))

    @overload
    def __getitem__(self, number: int) -> str: ...

    @overload
    def __getitem__(self, number: slice) -> list[str]: ...

    def __getitem__(self, number: int | slice) -> str | list[str]:
        if isinstance(number, slice):
            return [self[one] for one in range(*number.indices(len(self)))]
        return self._blob[self._starts[number] : self._starts[number + 1] - 1].decode("utf-8")


def lookups_of(by_stem: Mapping[str, Sequence[str]], terms: Sequence[str]) -> Lookups:
    """The lookups of a vocabulary whose table of stems is made."""
    keys = sorted(by_stem)
    return Lookups(by_ending(terms), *_strings(keys), *_strings(" ".join(by_stem[key]) for key in keys))


def _strings(strings: Iterable[str]) -> tuple[bytes, array[int]]:
    encoded = [string.encode("utf-8") for string in strings]
    return b"".join(encoded), array("Q", accumulate(map(len, encoded), initial=0))


class LookupsElsewhere:
    """`lookups(terms)`, made by a second process from now on; `add_to` waits for them."""

    def __init__(self, terms: list[str]) -> None:
        self._process = subprocess.Popen(  # its failures show as no lookups, not on stderr
            [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        sent = _COUNT.pack(len(terms)) + "\n".join(terms).encode("utf-8")  # a term has no spaces
        self._sender = threading.Thread(target=self._send, args=(sent,), daemon=True)
        self._sender.start()  # the terms go while this process writes: a pipe holds little
        self._answered = False

    def add_to(self, add: Add) -> bool:
        """Add the lookups to the index being written as they come, a chunk at a time (at
        100,000 people they are 85 MB: never all in this process's memory). False when the
        second process failed: then any section added was cut short, to be added again."""
        assert self._process.stdout is not None
        try:
            complete = add_from(cast(io.BufferedIOBase, self._process.stdout), add)
        except OSError:
            complete = False
        self._answered = True
        self.close()
        return complete and self._process.returncode == 0

    def close(self) -> None:
        """Let the second process go: stopped at once when its answer was not read (a write that
        failed half way: nobody waits for it)."""
        if not self._answered:
            self._process.kill()
        self._sender.join()
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._process.wait()

    def _send(self, blob: bytes) -> None:
        assert self._process.stdin is not None
        with contextlib.suppress(OSError, ValueError):  # gone: `add_to` finds no answer
            self._process.stdin.write(blob)
        with contextlib.suppress(OSError, ValueError):
            self._process.stdin.close()


_COUNT = struct.Struct("<Q")
"""The head of what the second process is sent: how many terms follow, a line each."""
_SIZES = struct.Struct("<5Q")
"""The answer's head: the size of each of the lookups' sections, which follow it in order."""
_CHUNK = 1 << 20


class _CutShort(Exception):
    """The answer ended before a section did."""


def _write_lookups(found: Lookups, stream: BinaryIO) -> None:
    stream.write(_SIZES.pack(*(memoryview(piece).nbytes for piece in found)))
    for piece in found:
        stream.write(piece)
    stream.flush()


def add_from(stream: io.BufferedIOBase, add: Add) -> bool:
    """Add the sections `_write_lookups` wrote to `stream`, a chunk at a time; False when it
    ends too soon (the section being added is then cut short)."""
    head = stream.read(_SIZES.size)
    if len(head) != _SIZES.size:
        return False
    try:
        for name, size in zip(SECTIONS, _SIZES.unpack(head), strict=True):
            add(name, _chunks(stream, size))
    except _CutShort:
        return False
    return True


def _chunks(stream: io.BufferedIOBase, size: int) -> Iterator[bytes]:
    while size:
        chunk = stream.read(min(size, _CHUNK))
        if not chunk:
            raise _CutShort
        size -= len(chunk)
        yield chunk


def main() -> None:
    """The second process: the terms on stdin (a count, then a term a line), their lookups on
    stdout."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the writing process's to handle
    sent = sys.stdin.buffer.read()
    terms = _Lines(sent[_COUNT.size :])
    if len(sent) < _COUNT.size or len(terms) != _COUNT.unpack(sent[: _COUNT.size])[0]:
        raise SystemExit("the terms sent are not the terms counted")
    _write_lookups(lookups(terms), sys.stdout.buffer)


if __name__ == "__main__":
    main()
