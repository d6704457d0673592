"""Writing past the page cache: the file holds exactly what was written, however it was written."""

from __future__ import annotations

import errno
import fcntl
import io
import os
import random
from pathlib import Path

import pytest

from expertfind import uncached
from expertfind.uncached import ALIGNMENT, PIECE, UncachedWriter


def blobs(seed: int, count: int = 60) -> list[bytes]:
    """Blobs of every kind of size: empty, tiny, just under and over a block and the buffer."""
    chance = random.Random(seed)
    sizes = [0, 1, ALIGNMENT - 1, ALIGNMENT, ALIGNMENT + 1, PIECE - 1, PIECE, PIECE + 1, 3 * PIECE + 7]
    return [chance.randbytes(chance.choice(sizes + [chance.randrange(1, 2 * PIECE)]))
            for _ in range(count)]


def written(path: Path, parts: list[bytes], *, before: bytes = b"") -> UncachedWriter:
    with path.open("wb") as handle:
        handle.write(before)
        writer = UncachedWriter(handle)
        for part in parts:
            writer.write(part)
        writer.finish()
        writer.close()
        handle.write(b"after")  # the handle writes as usual again, where the writer ended
    return writer


def direct_writes_here(folder: Path) -> bool:
    with (folder / "probe").open("wb") as handle:
        return UncachedWriter(handle).direct


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_file_holds_what_was_written_in_order(tmp_path: Path, seed: int) -> None:
    parts = blobs(seed)
    written(tmp_path / "f", parts)
    assert (tmp_path / "f").read_bytes() == b"".join(parts) + b"after"


def test_writes_bypass_the_page_cache_where_the_file_system_allows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not direct_writes_here(tmp_path):
        pytest.skip("no direct writes on this file system")
    real_write = os.write
    direct: list[int] = []

    def noted(fd: int, data: bytes) -> int:
        direct.append(real_write(fd, data))
        return direct[-1]

    monkeypatch.setattr(uncached.os, "write", noted)
    path = tmp_path / "f"
    with path.open("wb") as handle:
        writer = UncachedWriter(handle)
        assert fcntl.fcntl(handle.fileno(), fcntl.F_GETFL) & os.O_DIRECT
        writer.write(b"x" * (PIECE + ALIGNMENT + 5))
        assert writer.direct
        writer.finish()
        assert not fcntl.fcntl(handle.fileno(), fcntl.F_GETFL) & os.O_DIRECT
        assert not writer.direct
    assert direct == [PIECE, ALIGNMENT]  # all but the last 5 bytes
    assert path.read_bytes() == b"x" * (PIECE + ALIGNMENT + 5)


def test_a_file_not_at_a_block_boundary_is_written_as_usual(tmp_path: Path) -> None:
    parts = blobs(4, 10)
    with (tmp_path / "f").open("wb") as handle:
        handle.write(b"head")
        assert not UncachedWriter(handle).direct
    assert written(tmp_path / "f", parts, before=b"head").direct is False
    assert (tmp_path / "f").read_bytes() == b"head" + b"".join(parts) + b"after"


def test_a_refusal_half_way_writes_the_rest_as_usual(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not direct_writes_here(tmp_path):
        pytest.skip("no direct writes on this file system")
    real_write = os.write
    calls = []

    def refusing_after_two(fd: int, data: bytes) -> int:
        calls.append(len(data))
        if len(calls) > 2:
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_write(fd, data)

    monkeypatch.setattr(uncached.os, "write", refusing_after_two)
    parts = blobs(5, 30)
    written(tmp_path / "f", parts)
    assert len(calls) == 3  # two direct writes, the third refused: no more were tried
    assert (tmp_path / "f").read_bytes() == b"".join(parts) + b"after"


def test_a_full_disk_is_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not direct_writes_here(tmp_path):
        pytest.skip("no direct writes on this file system")

    def full(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(uncached.os, "write", full)
    with (tmp_path / "f").open("wb") as handle, pytest.raises(OSError, match="No space"):
        writer = UncachedWriter(handle)
        writer.write(b"x" * PIECE)


def test_a_handle_without_a_file_is_written_as_usual() -> None:
    handle = io.BytesIO()
    writer = UncachedWriter(handle)
    parts = blobs(6, 10)
    for part in parts:
        writer.write(part)
    writer.finish()
    assert not writer.direct
    assert handle.getvalue() == b"".join(parts)
