"""Writing files so that a crash never leaves half of one behind."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO


def atomic_write_bytes(path: Path, payload: bytes, *, mode: int = 0o600) -> None:
    """Replace `path` with `payload`: readers see the old file or the new one, never a mix."""
    with replacing(path, mode=mode) as handle:
        handle.write(payload)


def atomic_copy(source: Path, target: Path, *, mode: int = 0o600) -> None:
    """Replace `target` with a copy of `source` (its own file, not a link), atomically."""
    with replacing(target, mode=mode) as handle, source.open("rb") as original:
        shutil.copyfileobj(original, handle, 1 << 20)


@contextlib.contextmanager
def replacing(path: Path, *, mode: int = 0o600) -> Iterator[BinaryIO]:
    """A file to write that replaces `path` when the block ends, and never if it fails.

    It is written beside the old one, flushed to disk, given `mode`, and renamed over it; the
    folder is synced so the rename itself survives a power cut."""
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # writers only: `ask` never writes

    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    _fsync_folder(path.parent)


WRITE_CHUNK = 4 << 20
"""What a writer gathers before it hands it over to `written_meanwhile`'s thread."""


@contextlib.contextmanager
def written_meanwhile(handle: BinaryIO, *, depth: int = 3, cached: bool = False
                      ) -> Iterator[Callable[[bytes | bytearray], None]]:
    """A `write` that hands each blob to a thread that writes it to `handle` (past the page
    cache where it can, unless the file is to be read again soon: `cached`; see `uncached`),
    and returns: a big file is written while this thread makes what follows. Blobs handed over
    must not change afterwards; at most `depth` wait. On leaving, every blob is written, or the
    write's failure raised. `handle` must not be written to meanwhile."""
    import queue
    import threading

    from .uncached import UncachedWriter

    pending: queue.Queue[bytes | bytearray | None] = queue.Queue(maxsize=depth)
    failures: list[BaseException] = []

    def write_all() -> None:
        uncached: UncachedWriter | None = None
        try:
            uncached = None if cached else UncachedWriter(handle)
            while (blob := pending.get()) is not None:
                (handle if uncached is None else uncached).write(blob)
            if uncached is not None:
                uncached.finish()
        except BaseException as failure:  # raised here when the block ends  # noqa: BLE001
            failures.append(failure)
            while pending.get() is not None:  # the rest is not written: let the writer go on
                pass
        finally:
            if uncached is not None:
                uncached.close()

    writer = threading.Thread(target=write_all, daemon=True)
    writer.start()

    def write(blob: bytes | bytearray) -> None:
        if failures:
            raise failures[0]
        pending.put(blob)

    try:
        yield write
    finally:
        pending.put(None)
        writer.join()
    if failures:
        raise failures[0]


def _fsync_folder(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
