"""Checking the records of an import: every invalid one is reported, with its position, at once.

A big JSON Lines or CSV export is checked on two cores. Reading and checking 100,000 people takes
a third of their import on one (about 20 s); from `TWO_PROCESSES_FROM` bytes on,
`python -m expertfind.checking` reads and checks the second half of the file's lines while
this process checks the first, and sends back the profiles it made as `marshal` data (core
types only: loading it can never run code), a few thousand at a time. It answers only for a half
in which every record is valid: at the first problem it stops, and this process checks that
half itself, as it does when there is no answer. What an import reports, and how, is therefore
always what checking the file in one go reports.

A CSV row may span lines (a quoted cell with a newline), so its second half starts at the
first line after the middle before which the file holds an even number of quote characters.
That is a row's start in a file written as CSV writers write it; whether it really is, this
process finds out when its own reading of the first half gets there, and if it is not (a stray
quote in an unquoted cell), it reads on by itself.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import struct
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, NamedTuple

from .errors import ValidationError
from .formats import (
    CsvHead,
    JsonLines,
    Record,
    csv_lines,
    csv_records,
    csv_records_from,
    line_position,
    position_line,
    read_csv_head,
)
from .models import Profile, RecordError, profile_from_parts, profile_from_record, profile_parts
from .progress import Progress, counted

TWO_PROCESSES_FROM = 32 << 20
"""From this size on (about 4,000 people of the scale benchmark), a JSON Lines file is checked
in two processes. Below it, starting a second Python costs about what it saves."""
_FRAME = struct.Struct("<Q")
_BATCH = 2_000
"""Profiles sent back at a time."""
_MEMORY_FILES = hasattr(os, "memfd_create")
"""Where the second process's answer goes (Linux): elsewhere, a file is checked here alone."""
_CHUNK = 16 << 20
"""Bytes read at a time when counting the quotes before the middle of a CSV file."""


class Checked(NamedTuple):
    """A valid record: its profile, the fields it carried and where it stands."""

    profile: Profile
    present: frozenset[str]
    position: str


def validate_records(
    records: Iterable[Record | Checked], *, total: int = 0, progress: Progress | None = None
) -> list[Checked]:
    """Profiles from raw records (and records checked already, as they are); every invalid
    record is reported, with its position, at once."""
    valid: list[Checked] = []
    problems = []
    for record in counted(records, "Checking", total, progress):
        if isinstance(record, Checked):
            valid.append(record)
            continue
        try:
            profile, present = profile_from_record(record.data)
        except RecordError as exc:
            problems.append(f"{record.position}: {exc}")
            continue
        valid.append(Checked(profile, present, record.position))
    if problems:
        raise ValidationError(problems)
    return valid


def json_lines_checking(path: Path) -> Iterator[Record | Checked]:
    """The records of a JSON Lines file, as `stream_json_lines` gives them; for a big file, those
    of its second half already checked by a second process (when they are all valid)."""
    size = path.stat().st_size
    split = _line_start_after(path, size // 2) if _two_processes(size) else None
    if split is None:
        yield from JsonLines(path)
        return
    second = _SecondHalf(path, split)
    try:
        first = JsonLines(path, end=split)
        yield from first
        answer = second.answer()
        if answer is None:
            yield from JsonLines(path, start=split, after=first.lines)
            return
        yield from _answered(path, answer, first.lines[1])
    finally:
        second.close()


def csv_checking(path: Path, head: CsvHead) -> Iterator[Record | Checked]:
    """The records of a UTF-8 CSV file in the profile format, as `csv_records` gives them from
    its `head` and the lines after it (its header is checked now); for a big file, those of its
    second half already checked by a second process (when they are all valid)."""
    middle = _row_start_after(path, head.size // 2) if _two_processes(head.size) else None
    if middle is None or middle[0] <= head.end:
        more = csv_lines(path, head.end, head.lines) if head.end < head.size else None
        return csv_records(head.text, path, {}, more=more)
    second = _SecondHalf(path, middle[0], csv=True)
    try:
        gate = _RowGate(path, head, *middle, second)
        return _gated(path, csv_records(head.text, path, {}, more=gate), gate, second)
    except BaseException:
        second.close()
        raise


def _two_processes(size: int) -> bool:
    """Whether a file of `size` bytes is checked in two processes."""
    return size >= TWO_PROCESSES_FROM and _MEMORY_FILES


def _answered(path: Path, answer: Iterator[bytes], lines_before: int) -> Iterator[Checked]:
    for blob in answer:  # read a blob at a time: the answer is never in memory twice
        for number, parts, present in marshal.loads(blob):
            yield Checked(profile_from_parts(parts), present, line_position(path, lines_before + number))


def _row_start_after(path: Path, offset: int) -> tuple[int, int] | None:
    """Where the first line after byte `offset` that has an even number of quote characters
    before it starts, and how many lines come before it; None when no line does."""
    quotes = newlines = 0
    with path.open("rb") as handle:
        while handle.tell() < offset:
            chunk = handle.read(min(_CHUNK, offset - handle.tell()))
            if not chunk:
                return None
            quotes += chunk.count(b'"')
            newlines += chunk.count(b"\n")
        for line in handle:
            quotes += line.count(b'"')
            if not line.endswith(b"\n"):
                return None
            newlines += 1
            if quotes % 2 == 0:
                at = handle.tell()
                return (at, newlines) if handle.read(1) else None
    return None


class _RowGate(Iterator[str]):
    """The lines of a CSV file after its head, for this process's reading of it: up to `split`,
    where the second process started; then, if the reading is at a row's start there and the
    second process answered, no more (its answer is `answer`); else the lines after it too."""

    def __init__(self, path: Path, head: CsvHead, split: int, lines_before: int,
                 second: _SecondHalf) -> None:
        self._path, self._split, self._lines_before, self._second = path, split, lines_before, second
        self._lines: Iterator[str] = csv_lines(path, head.end, head.lines, end=split)
        self._in_first = True
        self.rows = 0
        """Records taken from the reading so far (counted by `_gated`)."""
        self._rows_at_last_line = -1
        self.answer: Iterator[bytes] | None = None

    def __next__(self) -> str:
        line = next(self._lines, None)
        if line is not None:
            self._rows_at_last_line = self.rows
            return line
        if not self._in_first:
            raise StopIteration
        self._in_first = False
        at_row_start = self.rows > self._rows_at_last_line  # the row the last line ended was taken
        if at_row_start:
            self.answer = self._second.answer()
            if self.answer is not None:
                raise StopIteration
        self._lines = csv_lines(self._path, self._split, self._lines_before)
        return next(self)


def _gated(path: Path, records: Iterator[Record], gate: _RowGate, second: _SecondHalf
           ) -> Iterator[Record | Checked]:
    try:
        last = None
        for record in records:
            gate.rows += 1
            last = record
            yield record
        if gate.answer is not None:
            assert last is not None  # the gate stops only after a record ended its last line
            yield from _answered(path, gate.answer, position_line(last.position))
    finally:
        second.close()


def _line_start_after(path: Path, offset: int) -> int | None:
    """Where the first line that starts after byte `offset` starts; None when none does."""
    with path.open("rb") as handle:
        handle.seek(offset)
        handle.readline()
        start = handle.tell()
        return start if handle.read(1) else None


class _SecondHalf:
    """The lines of a file from byte `start` on, read and checked by a second process, which
    writes its answer into a file in memory (Linux's memfd): it never waits for this process to
    read it, and no thread here waits for the interpreter lock to take it from a pipe."""

    def __init__(self, path: Path, start: int, *, csv: bool = False) -> None:
        self._answer = os.memfd_create("expertfind-checking", os.MFD_CLOEXEC)
        try:
            self._process = subprocess.Popen(  # its failures show as no answer, not on stderr
                [sys.executable, "-m", __name__, str(path), str(start), str(os.getpid()),
                 *(["csv"] if csv else [])],
                stdin=subprocess.DEVNULL, stdout=self._answer, stderr=subprocess.DEVNULL,
            )
        except BaseException:
            os.close(self._answer)
            raise

    def answer(self) -> Iterator[bytes] | None:
        """The profiles of the second half, in `marshal` blobs of (line, parts, fields present);
        None when it had a problem or did not finish. Waits for it."""
        if self._process.wait() != 0:
            return None
        frames = self._frames()
        return None if frames is None else (os.pread(self._answer, size, at) for at, size in frames)

    def close(self) -> None:
        """Let the second process go (stopped at once if it is still at work) and its answer."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        with contextlib.suppress(OSError):
            os.close(self._answer)

    def _frames(self) -> list[tuple[int, int]] | None:
        """Where each blob of the answer starts, and its size; None unless the answer ends
        with the end mark."""
        size = os.fstat(self._answer).st_size
        frames: list[tuple[int, int]] = []
        at = 0
        while at + _FRAME.size <= size:
            (length,) = _FRAME.unpack(os.pread(self._answer, _FRAME.size, at))
            at += _FRAME.size
            if length == 0:
                return frames if at == size else None
            frames.append((at, length))
            at += length
        return None


def _send(stream: IO[bytes], entries: list[tuple[int, tuple[object, ...], frozenset[str]]]) -> None:
    blob = marshal.dumps(entries)
    stream.write(_FRAME.pack(len(blob)))
    stream.write(blob)


def main() -> None:
    """The second process: the profiles of the records of FILE from byte START on (a JSON Lines
    file, or with `csv` a CSV file in the profile format, START at a row's start), numbered by
    their line counted from START, on stdout; exit status 1, at once, at the first problem.
    It ends when the importing process PARENT does."""
    import gc
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the importing process's to handle
    path, start, parent = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    _end_with(parent)
    gc.disable()  # many objects and no cycles: the cycle collector would only slow it down
    out = sys.stdout.buffer
    batch: list[tuple[int, tuple[object, ...], frozenset[str]]] = []
    try:
        for record in _records_from(path, start, csv="csv" in sys.argv[4:]):
            profile, present = profile_from_record(record.data)
            batch.append((position_line(record.position), profile_parts(profile), present))
            if len(batch) == _BATCH:
                _send(out, batch)
                batch = []
        _send(out, batch)
        out.write(_FRAME.pack(0))  # the end
        out.flush()
    except Exception:  # noqa: BLE001 - whatever it is, the importing process checks this half itself
        raise SystemExit(1) from None


def _records_from(path: Path, start: int, *, csv: bool) -> Iterator[Record]:
    """The records of a file from byte `start` on, numbered from there."""
    if not csv:
        return iter(JsonLines(path, start=start))
    head = read_csv_head(path)
    if head is None:
        raise SystemExit(1)
    return csv_records_from(path, csv_lines(path, start, 0), head.text)


def _end_with(parent: int) -> None:
    """Be killed when `parent` ends, however it ends (Linux): nothing it read may outlive it."""
    import ctypes
    import signal

    set_parent_death_signal = 1  # prctl's PR_SET_PDEATHSIG
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(set_parent_death_signal, signal.SIGKILL)
    if os.getppid() != parent:  # it ended before that took hold
        raise SystemExit(1)


if __name__ == "__main__":
    main()
