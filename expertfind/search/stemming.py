"""The stems of an index's vocabulary, made in a second process while this one writes the index.

Stemming every term of a big vocabulary (a million and more at 100,000 people) in English and
Dutch and sorting the stems takes seconds, and needs nothing but the terms: `StemsElsewhere`
hands them to `python -m expertfind.search.stemming` when writing starts and takes the result
when it is due, after the postings. The result is the two sections of the stored index that
map stems to terms (`stem_sections`): exactly what making them here gives, which is what the
writer does when there is no second process, or no answer from it.
"""

from __future__ import annotations

import contextlib
import io
import struct
import subprocess
import sys
import threading
from array import array
from collections.abc import Iterable, Mapping, Sequence
from itertools import accumulate, groupby
from typing import BinaryIO, NamedTuple, cast, overload

from .index import STEM_CHUNK
from .text import stems_in


class StemSections(NamedTuple):
    """The stem keys (`en:…`, `nl:…`, sorted) and, key by key, its terms joined by spaces: each
    as the stored index keeps strings, one UTF-8 blob and the offsets where each string starts
    (and the last ends)."""

    keys: bytes | bytearray
    key_starts: array[int]
    terms: bytes | bytearray
    term_starts: array[int]


def stem_sections(terms: Sequence[str]) -> StemSections:
    """The stem sections of a vocabulary: `sections_of(stem_table(terms))`, made with half the
    memory (a million terms: 240 MB more at the peak instead of 530). One language at a time
    (every `en:` key sorts before every `nl:` key), the terms are sorted by their stem, which
    keeps the terms of one stem in vocabulary order, and each run of one stem is one key."""
    found = StemSections(bytearray(), array("Q", [0]), bytearray(), array("Q", [0]))
    for language in ("en", "nl"):
        _add_stems_in(language, terms, found)
    return found


def _add_stems_in(language: str, terms: Sequence[str], found: StemSections) -> None:
    """Add the keys of `language`'s stems to `found` (the memory of its stems and their order
    goes on return: then the next language's are made)."""
    keys, key_starts, joined, term_starts = found
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

    @overload
    def __getitem__(self, number: int) -> str: ...

    @overload
    def __getitem__(self, number: slice) -> list[str]: ...

    def __getitem__(self, number: int | slice) -> str | list[str]:
        if isinstance(number, slice):
            return [self[one] for one in range(*number.indices(len(self)))]
        return self._blob[self._starts[number] : self._starts[number + 1] - 1].decode("utf-8")


def sections_of(by_stem: Mapping[str, Sequence[str]]) -> StemSections:
    """The stem sections of a table of stems."""
    keys = sorted(by_stem)
    return StemSections(*_strings(keys), *_strings(" ".join(by_stem[key]) for key in keys))


def _strings(strings: Iterable[str]) -> tuple[bytes, array[int]]:
    encoded = [string.encode("utf-8") for string in strings]
    return b"".join(encoded), array("Q", accumulate(map(len, encoded), initial=0))


class StemsElsewhere:
    """`stem_sections(terms)`, made by a second process from now on; `result` waits for it."""

    def __init__(self, terms: list[str]) -> None:
        self._process = subprocess.Popen(  # its failures show as no result, not on stderr
            [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        sent = _COUNT.pack(len(terms)) + "\n".join(terms).encode("utf-8")  # a term has no spaces
        self._sender = threading.Thread(target=self._send, args=(sent,), daemon=True)
        self._sender.start()  # the terms go while this process writes: a pipe holds little
        self._answered = False

    def result(self) -> StemSections | None:
        """The sections, or None when the second process could not make them."""
        assert self._process.stdout is not None
        try:
            found = _read_sections(cast(io.BufferedIOBase, self._process.stdout))
        except OSError:
            found = None
        self._answered = True
        self.close()
        return found if self._process.returncode == 0 else None

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
        with contextlib.suppress(OSError, ValueError):  # gone: `result` finds no answer
            self._process.stdin.write(blob)
        with contextlib.suppress(OSError, ValueError):
            self._process.stdin.close()


_COUNT = struct.Struct("<Q")
"""The head of what the second process is sent: how many terms follow, a line each."""
_SIZES = struct.Struct("<4Q")
"""The answer's head: the size of each of the four sections, which follow it as they are kept."""


def _write_sections(found: StemSections, stream: BinaryIO) -> None:
    pieces = (found.keys, found.key_starts, found.terms, found.term_starts)
    stream.write(_SIZES.pack(*(memoryview(piece).nbytes for piece in pieces)))
    for piece in pieces:
        stream.write(piece)
    stream.flush()


def _read_sections(stream: io.BufferedIOBase) -> StemSections | None:
    """The sections `_write_sections` wrote, each read straight into its place (at 100,000
    people they are 80 MB: never copied); None when the stream ends too soon."""
    head = stream.read(_SIZES.size)
    if len(head) != _SIZES.size:
        return None
    key_size, key_starts_size, term_size, term_starts_size = _SIZES.unpack(head)
    pieces = (bytearray(key_size), array("Q", bytes(key_starts_size)), bytearray(term_size),
              array("Q", bytes(term_starts_size)))
    for piece in pieces:
        place = memoryview(piece).cast("B")
        while place:
            read = stream.readinto(place)
            if not read:
                return None
            place = place[read:]
    keys, key_starts, terms, term_starts = pieces
    return StemSections(*pieces)


def main() -> None:
    """The second process: the terms on stdin (marshal), their stem sections on stdout."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the writing process's to handle
    sent = sys.stdin.buffer.read()
    terms = _Lines(sent[_COUNT.size :])
    if len(sent) < _COUNT.size or len(terms) != _COUNT.unpack(sent[: _COUNT.size])[0]:
        raise SystemExit("the terms sent are not the terms counted")
    _write_sections(stem_sections(terms), sys.stdout.buffer)


if __name__ == "__main__":
    main()
