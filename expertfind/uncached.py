"""Writing a big file past the kernel's page cache (Linux's O_DIRECT).

The directory file and the search index of a big import are written once, flushed to disk
(`files.replacing`) and not read again by the import. Written the usual way, every byte is
first copied into a page of the kernel's cache, taken from free memory for it; on a virtual
machine that is the expensive part, as the host must back each such page anew. Here, 400 MB
written to a new file took 1.7-2.9 s of system time once the memory freed just before was used
up, and in an import of 100,000 people (800 MB of directory, 900 MB of index, written by a
thread) those copies were 14% of all its CPU samples (`perf`). Written directly, the disk
takes the bytes from one buffer of this process: 800 MB took 0.4-0.6 s, 0.05 s of it system
time. Elsewhere (another system, a file system that refuses it) the file is written the
usual way, by the same calls.
"""

from __future__ import annotations

import errno
import mmap
import os
from array import array
from typing import Any, BinaryIO

PIECE = 1 << 20
"""Bytes gathered in the buffer before each direct write."""
ALIGNMENT = 4096
"""Where a direct write may start and end in the file (a multiple of any disk's block size)."""
_DIRECT = getattr(os, "O_DIRECT", 0)


class UncachedWriter:
    """Writes to `handle`'s file from its current position, which must be at a multiple of
    `ALIGNMENT` (else, or where direct writes are refused, through `handle` as usual); `finish`
    writes what is left. `handle` itself must not be written to meanwhile."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self._buffer: mmap.mmap | None = None
        self._filled = 0
        self._fd = _descriptor(handle)
        if self._fd is not None and handle.tell() % ALIGNMENT == 0 and _set_direct(self._fd, on=True):
            self._buffer = mmap.mmap(-1, PIECE)  # page-aligned, as a direct write needs

    @property
    def direct(self) -> bool:
        """Whether the writes bypass the page cache (so far)."""
        return self._buffer is not None

    def write(self, blob: bytes | bytearray | memoryview | array[Any]) -> None:
        with memoryview(blob) as whole, whole.cast("B") as view:
            taken = 0
            while self._buffer is not None and taken < len(view):
                size = min(len(view) - taken, PIECE - self._filled)
                self._buffer[self._filled : self._filled + size] = view[taken : taken + size]
                self._filled += size
                taken += size
                if self._filled == PIECE:
                    self._write_buffer(PIECE)
            if taken < len(view):  # not direct, or refused on the way
                self._handle.write(view[taken:])

    def finish(self) -> None:
        """Write what is still in the buffer: the part that does not fill a block of `ALIGNMENT`
        at the end the usual way."""
        if self._buffer is not None and self._filled >= ALIGNMENT:
            self._write_buffer(self._filled - self._filled % ALIGNMENT)
        if self._buffer is not None:
            rest = self._buffer[: self._filled]
            self.close()
            self._handle.write(rest)

    def close(self) -> None:
        """Back to writes the usual way, what is in the buffer dropped."""
        if self._buffer is not None and self._fd is not None:
            _set_direct(self._fd, on=False)
            self._buffer.close()
            self._buffer = None
            self._filled = 0

    def _write_buffer(self, size: int) -> None:
        """Write the buffer's first `size` bytes (a multiple of `ALIGNMENT`), keep the rest."""
        assert self._buffer is not None and self._fd is not None
        with memoryview(self._buffer) as view:
            written = 0
            try:
                while written < size:
                    written += os.write(self._fd, view[written:size])
            except OSError as error:
                if error.errno != errno.EINVAL:
                    raise
                rest = bytes(view[written : self._filled])  # refused after all: the usual way
            else:
                kept = self._filled - size
                view[:kept] = view[size : self._filled]
                self._filled = kept
                return
        self.close()
        self._handle.write(rest)


def _descriptor(handle: BinaryIO) -> int | None:
    """The file descriptor of `handle` (its buffer flushed), when it has one and direct writes
    exist here."""
    if not _DIRECT:
        return None
    try:
        handle.flush()
        return handle.fileno()
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return None


def _set_direct(fd: int, *, on: bool) -> bool:
    """Turn direct writes to `fd` on or off; False when that is refused."""
    import fcntl

    try:
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        fcntl.fcntl(fd, fcntl.F_SETFL, (flags | _DIRECT) if on else (flags & ~_DIRECT))
        return bool(fcntl.fcntl(fd, fcntl.F_GETFL) & _DIRECT) == on
    except OSError:
        return False
