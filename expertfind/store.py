"""Where the directory lives: one small interface, and the default TinyDB file behind it.

`ProfileStore` is all the rest of expertfind knows of storage, so a server engine can later
stand behind the same commands. `TinyDBStore` keeps the directory in one JSON file that is
replaced atomically on every write (temp file, fsync, rename) under a lock file.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from tinydb import TinyDB
from tinydb.middlewares import CachingMiddleware
from tinydb.storages import Storage
from tinydb.table import Document

from .errors import CorruptStoreError, LockTimeoutError, StoreError
from .files import atomic_write_bytes
from .models import Profile, RecordError, profile_from_record

ENV_VAR = "EXPERTFIND_DB"
PEOPLE_TABLE = "people"
LOCK_TIMEOUT_SECONDS = 30.0


class ProfileStore(Protocol):
    """The storage interface: read people, and change many of them in one atomic write."""

    def people(self) -> list[Profile]:
        """Everyone in the directory, in a stable order."""
        ...

    def get(self, person_id: str) -> Profile | None:
        """One person by id, or None."""
        ...

    def write(self, upserts: Sequence[Profile], removals: Sequence[str] = ()) -> None:
        """Insert or replace `upserts` and delete `removals`, all at once or not at all."""
        ...


def default_path() -> Path:
    """The directory file: `EXPERTFIND_DB`, else the user's data folder."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_data_path

    return user_data_path("expertfind") / "directory.json"


class AtomicJSONStorage(Storage):
    """TinyDB storage that never leaves half a file, never creates a file on read,
    and refuses to read a file that is not a TinyDB document."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"cannot read the directory file {self.path}: {exc.strerror}") from None
        if not raw.strip():
            return None
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CorruptStoreError(
                f"the directory file {self.path} is not valid JSON ({exc})",
                hint="it was left untouched; restore it from a backup or point --db elsewhere",
            ) from None
        if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
            raise CorruptStoreError(
                f"the directory file {self.path} is JSON but not an expertfind directory",
                hint="it was left untouched; point --db at a directory file",
            )
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        atomic_write_bytes(self.path, payload)

    def close(self) -> None:
        """Nothing stays open between reads and writes."""


@contextlib.contextmanager
def write_lock(path: Path, *, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """Serialise writers with an exclusive lock on `PATH.lock` (POSIX; a no-op elsewhere)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows has no fcntl
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeoutError(
                        f"another expertfind process is writing {path}; gave up after {timeout:g} s",
                        hint="nothing was written; try again when it has finished",
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


class TinyDBStore:
    """The directory as a TinyDB JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def people(self) -> list[Profile]:
        return [_profile(doc) for doc in self._documents()]

    def get(self, person_id: str) -> Profile | None:
        for doc in self._documents():
            if doc.get("id") == person_id:
                return _profile(doc)
        return None

    def write(self, upserts: Sequence[Profile], removals: Sequence[str] = ()) -> None:
        if not upserts and not removals:
            return
        with write_lock(self.path):
            storage = CachingMiddleware(AtomicJSONStorage)  # type: ignore[no-untyped-call]
            db = TinyDB(self.path, storage=storage)
            try:
                table = db.table(PEOPLE_TABLE)
                doc_ids = {doc["id"]: doc.doc_id for doc in table.all()}
                replaced = [doc_ids[p.id] for p in upserts if p.id in doc_ids]
                gone = [doc_ids[i] for i in removals if i in doc_ids]
                if replaced or gone:
                    table.remove(doc_ids=replaced + gone)
                documents = []
                next_id = max(doc_ids.values(), default=0) + 1
                for profile in upserts:
                    doc_id = doc_ids.get(profile.id)
                    if doc_id is None:
                        doc_id, next_id = next_id, next_id + 1
                    documents.append(Document(profile.to_dict(), doc_id=doc_id))
                table.insert_multiple(documents)
            finally:
                db.close()

    def _documents(self) -> list[dict[str, Any]]:
        data = AtomicJSONStorage(self.path).read() or {}
        table = data.get(PEOPLE_TABLE, {})
        return [table[key] for key in sorted(table, key=_doc_order)]


def _doc_order(key: str) -> tuple[int, str]:
    return (int(key), key) if key.isdigit() else (0, key)


def _profile(document: dict[str, Any]) -> Profile:
    try:
        profile, _ = profile_from_record(document)
    except RecordError as exc:
        raise CorruptStoreError(
            f"the directory file holds an invalid person ({exc})",
            hint="the file was left untouched; fix it or restore a backup",
        ) from None
    return profile


def open_store(path: Path | None = None) -> ProfileStore:
    """The store for `path`, else for `EXPERTFIND_DB`, else for the user's data folder."""
    return TinyDBStore(path or default_path())
