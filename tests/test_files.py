"""Writing files: the writes made by a thread meanwhile are all made, in order, or fail loudly."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from expertfind import files, uncached
from expertfind.files import written_meanwhile
from expertfind.models import profile_from_record
from expertfind.store import TinyDBStore


class FailingAfter(io.BytesIO):
    """A file whose writes fail once it holds `limit` bytes (a disk that fills up)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def write(self, blob: object) -> int:
        if self.tell() >= self.limit:
            raise OSError(28, "No space left on device")
        return super().write(blob)  # type: ignore[arg-type]


def test_every_blob_is_written_in_order() -> None:
    handle = io.BytesIO()
    blobs = [bytes([n % 256]) * (n * 37 % 5000) for n in range(500)]
    with written_meanwhile(handle, depth=2) as write:
        for blob in blobs:
            write(bytearray(blob))
    assert handle.getvalue() == b"".join(blobs)


def test_a_failed_write_is_raised_when_the_block_ends_or_sooner() -> None:
    handle = FailingAfter(1000)
    with pytest.raises(OSError, match="No space"), written_meanwhile(handle) as write:
        for _ in range(100):
            write(b"x" * 300)
    assert handle.getvalue() == b"x" * 1200  # nothing after the failure


def test_a_failure_of_the_writer_is_not_hidden_by_the_write() -> None:
    with pytest.raises(ValueError, match="made up"), written_meanwhile(FailingAfter(0)) as write:
        write(b"x")
        raise ValueError("made up")


def test_a_directory_file_on_a_full_disk_is_left_as_it_was(
    directory_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = TinyDBStore(directory_file)
    store.write([profile_from_record({"name": "Eva"})[0]])
    before = directory_file.read_bytes()
    opened = os.fdopen

    def full_disk(fd: int, mode: str = "r") -> object:
        handle = opened(fd, mode)
        failing = FailingAfter(0)
        failing.close = handle.close  # type: ignore[method-assign]
        failing.fileno = handle.fileno  # type: ignore[method-assign]
        return failing

    def full_disk_directly(fd: int, blob: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fdopen", full_disk)
    monkeypatch.setattr(uncached.os, "write", full_disk_directly)  # writes past the page cache
    people = [profile_from_record({"name": f"Collega {n}", "skills": ["crowdfunding"] * 3})[0]
              for n in range(200)]
    with pytest.raises(OSError, match="No space"):
        store.write(people)
    assert directory_file.read_bytes() == before
    assert [p.name for p in directory_file.parent.iterdir() if p.suffix == ".tmp"] == []
