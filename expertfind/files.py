"""Writing files so that a crash never leaves half of one behind."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
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


def _fsync_folder(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
