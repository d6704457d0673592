"""Remembering the last import, so that importing the same export again is a read, not a merge.

HR systems hand over the same export night after night. After an import (not a dry run) a small
file next to the directory keeps a fingerprint of what was imported (the files' bytes, the import
options, the user's presets and the expertfind version) and the directory's generation stamp
right after it. When the next import has the same fingerprint and the directory still has that
stamp (nothing was written since, by expertfind or anything else), every record is known to be
unchanged, and nothing is parsed or merged. The file holds no personal data: a digest, a count
and the notes about how the files were read."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from . import __version__
from .files import atomic_write_bytes


class LastImport(NamedTuple):
    records: int
    notes: tuple[str, ...]


def fingerprint(paths: Sequence[Path], options: Mapping[str, object], presets_folder: Path | None
                ) -> str | None:
    """A digest of everything an import's outcome depends on; None when a path is not a plain
    file (a LinkedIn folder, say) or cannot be read: such imports are always done in full.
    BLAKE2b: an export of 800 MB took 1.3 s of a core here, SHA-256 6.2 s (this machine's
    Python does not use the processor's SHA instructions)."""
    import hashlib

    digest = hashlib.blake2b(json.dumps([__version__, {k: repr(v) for k, v in sorted(options.items())}],
                                       sort_keys=True).encode())
    presets = sorted(presets_folder.glob("*.toml")) if presets_folder and presets_folder.is_dir() else []
    try:
        for path in [*paths, *presets]:
            if not path.is_file():
                return None
            digest.update(path.name.encode() + b"\0")
            with path.open("rb") as handle:
                digest.update(hashlib.file_digest(handle, "blake2b").digest())
    except OSError:
        return None
    return digest.hexdigest()


def fingerprint_meanwhile(paths: Sequence[Path], options: Mapping[str, object],
                          presets_folder: Path | None) -> Callable[[], str | None]:
    """`fingerprint(...)`, taken by a thread while the import goes on (reading and hashing a big
    export takes a second or more; hashlib lets the import run meanwhile): call the function returned
    for it, which waits until it is taken. None when a file changed while the import read it:
    its digest might then not be of what was imported."""
    before = _states(paths)
    found: list[str | None] = []
    thread = threading.Thread(target=lambda: found.append(fingerprint(paths, options, presets_folder)),
                              daemon=True)
    thread.start()

    def taken() -> str | None:
        thread.join()
        return found[0] if found and before is not None and _states(paths) == before else None

    return taken


def _states(paths: Sequence[Path]) -> list[tuple[int, int]] | None:
    try:
        return [(status.st_size, status.st_mtime_ns) for status in (path.stat() for path in paths)]
    except OSError:
        return None


def recorded_stamp(path: Path) -> str | None:
    """The directory's stamp that the last import recorded, if any: unless it is the stamp the
    directory has now, this import cannot be the last one again."""
    try:
        stamp = json.loads(path.read_text("utf-8"))["stamp"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return stamp if isinstance(stamp, str) else None


def recall(path: Path, *, stamp: str | None, digest: str) -> LastImport | None:
    """What the last import recorded, when it was this very import and the directory has not
    changed since; else None."""
    if stamp is None:
        return None
    try:
        known = json.loads(path.read_text("utf-8"))
        if known["stamp"] != stamp or known["digest"] != digest:
            return None
        return LastImport(int(known["records"]), tuple(str(note) for note in known["notes"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember(path: Path, *, stamp: str | None, digest: str, records: int, notes: Sequence[str]) -> None:
    """Keep what this import was, for the next one (best effort: it only saves time)."""
    if stamp is None:
        return
    payload = {"stamp": stamp, "digest": digest, "records": records, "notes": list(notes)}
    with contextlib.suppress(OSError):
        atomic_write_bytes(path, json.dumps(payload).encode("utf-8"))
