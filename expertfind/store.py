"""Where the directory lives: one small interface, and the default TinyDB file behind it.

`ProfileStore` is all the rest of expertfind knows of storage, so a server engine can later
stand behind the same commands. `TinyDBStore` keeps the directory in one JSON file that is
replaced atomically on every write (temp file, fsync, rename) under a lock file, and keeps the
previous version as `PATH.bak` so that a damaged file can be restored (`expertfind doctor`).
"""

from __future__ import annotations

import contextlib
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from .bulk import cyclic_garbage_collection_paused
from .errors import CorruptStoreError, LockTimeoutError, StoreError
from .files import atomic_copy
from .models import Profile, RecordError, profile_from_record

ENV_VAR = "EXPERTFIND_DB"
META_TABLE = "meta"
CHANGED_TABLE = "changed"
_GENERATION = re.compile(rb'^\{"meta":\{"1":\{"generation":"([0-9a-f]{32})"')
LOCK_TIMEOUT_VAR = "EXPERTFIND_LOCK_TIMEOUT"
PEOPLE_TABLE = "people"
LOCK_TIMEOUT_SECONDS = 30.0
RESTORE_HINT = (
    "it was left untouched; `expertfind doctor` checks it and `expertfind doctor --restore` "
    "puts the previous version back (or point --db at another file)"
)


class Changes(NamedTuple):
    """What one write does: people to insert or replace, and ids to delete."""

    upserts: Sequence[Profile] = ()
    removals: Sequence[str] = ()


Plan = Callable[[list[Profile]], Changes]
"""Decides the changes from the directory as it is at the moment of writing."""
Written = Callable[[str | None, list[Profile]], None]
"""Told the new generation and the people after a write, while the write lock is still held."""


class ProfileStore(Protocol):
    """The storage interface: read people, and change many of them in one atomic write."""

    def people(self) -> list[Profile]:
        """Everyone in the directory, in a stable order."""
        ...

    def get(self, person_id: str) -> Profile | None:
        """One person by id, or None."""
        ...

    def update(self, plan: Plan, *, on_written: Written | None = None) -> Changes:
        """Run `plan` on the current people and apply its changes, all at once or not at all.

        No other writer runs between the read that `plan` sees and the write, so concurrent
        imports and adds never undo each other. Returns the changes that were applied."""
        ...

    def snapshot(self) -> tuple[str | None, list[Profile]]:
        """The directory's generation (None when unknown) and its people, from one read."""
        ...

    def generation(self) -> str | None:
        """A token that changes with every write: cheap to read, for caches such as the index."""
        ...

    def changed_dates(self) -> dict[str, str]:
        """Per person id, the day (YYYY-MM-DD) a write last changed their profile."""
        ...


def default_path() -> Path:
    """The directory file: `EXPERTFIND_DB`, else the user's data folder."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_data_path

    return user_data_path("expertfind") / "directory.json"


def lock_timeout() -> float:
    """Seconds a writer waits for the lock: `EXPERTFIND_LOCK_TIMEOUT`, else 30."""
    configured = os.environ.get(LOCK_TIMEOUT_VAR, "")
    try:
        return max(0.0, float(configured)) if configured else LOCK_TIMEOUT_SECONDS
    except ValueError:
        raise StoreError(f"{LOCK_TIMEOUT_VAR} must be a number of seconds, not {configured!r}") from None


@contextlib.contextmanager
def write_lock(path: Path, *, timeout: float | None = None) -> Iterator[None]:
    """Serialise writers with an exclusive lock on `PATH.lock` (POSIX; a no-op elsewhere)."""
    timeout = lock_timeout() if timeout is None else timeout
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
    """The directory as a TinyDB JSON file, with the previous version kept as `PATH.bak`."""

    def __init__(self, path: Path, *, today: Callable[[], date] = date.today) -> None:
        self.path = path
        self.today = today

    @property
    def backup_path(self) -> Path:
        return backup_path(self.path)

    def people(self) -> list[Profile]:
        with cyclic_garbage_collection_paused():  # the whole directory: bulk work
            return [_profile(doc, self.path) for doc in self._documents()]

    def get(self, person_id: str) -> Profile | None:
        for doc in self._documents():
            if doc.get("id") == person_id:
                return _profile(doc, self.path)
        return None

    def update(self, plan: Plan, *, on_written: Written | None = None) -> Changes:
        with write_lock(self.path):
            remove_leftover_temp_files(self.path)
            from tinydb import TinyDB  # the file's storage loads with the first read or write

            from .tinydb_file import AtomicJSONStorage, OneWriteMiddleware

            storage = OneWriteMiddleware(AtomicJSONStorage)
            db = TinyDB(self.path, storage=storage)
            generation = uuid.uuid4().hex
            try:
                table = db.table(PEOPLE_TABLE)
                documents = sorted(table.all(), key=lambda doc: doc.doc_id)
                before = [_profile(doc, self.path) for doc in documents]
                doc_ids = {doc["id"]: doc.doc_id for doc in documents}
                del documents  # TinyDB's copies: the profiles and the table are enough from here
                changes = plan(before)
                if not changes.upserts and not changes.removals:
                    return changes
                _apply(storage, table, doc_ids, changes)
                meta = db.table(META_TABLE)
                meta.truncate()
                meta.insert({"generation": generation})
                _record_changes(db.table(CHANGED_TABLE), changes, self.today().isoformat())
                if not changes.removals:
                    self._keep_previous_version()
            except BaseException:
                storage.discard()  # nothing of a failed plan reaches the file on close
                raise
            finally:
                db.close()
            if changes.removals:
                # A removed person must not live on in the backup: it becomes the new version.
                self._keep_previous_version()
            if on_written is not None:
                after = people_after(before, changes)
                # TinyDB's copy of the whole directory is not needed for what follows (building
                # the search index): let it go first, so the two are never in memory together.
                del db, storage, table, meta, before
                on_written(self._stamp(generation), after)
            return changes

    def snapshot(self) -> tuple[str | None, list[Profile]]:
        before = self.generation()
        with cyclic_garbage_collection_paused():  # the whole directory: bulk work
            data = _read(self.path)
            table = data.get(PEOPLE_TABLE, {})
            people = [_profile(table[key], self.path) for key in sorted(table, key=_doc_order)]
        return (before if before == self.generation() else None), people

    def changed_dates(self) -> dict[str, str]:
        data = _read(self.path)
        dates = data.get(CHANGED_TABLE, {}).get("1", {})
        return {k: v for k, v in dates.items() if isinstance(v, str)} if isinstance(dates, dict) else {}

    def generation(self) -> str | None:
        """The token of the last write, with the file's size and modification time: a file
        changed by anything else (truncated, edited) no longer matches what was stamped."""
        try:
            with self.path.open("rb") as handle:
                head = handle.read(128)
        except OSError:
            return None
        found = _GENERATION.match(head)
        return self._stamp(found.group(1).decode()) if found else None

    def _stamp(self, token: str) -> str | None:
        try:
            status = self.path.stat()
        except OSError:
            return None
        return f"{token}:{status.st_size}:{status.st_mtime_ns}"

    def write(self, upserts: Sequence[Profile], removals: Sequence[str] = ()) -> None:
        """Insert or replace `upserts` and delete `removals` in one atomic write."""
        self.update(lambda _: Changes(upserts, removals))

    def _keep_previous_version(self) -> None:
        """Make `PATH.bak` a copy of the file as it is now: its own file, so that nothing done
        to the directory file in place can damage both."""
        if self.path.exists():
            atomic_copy(self.path, self.backup_path)

    def _documents(self) -> list[dict[str, Any]]:
        data = _read(self.path)
        table = data.get(PEOPLE_TABLE, {})
        return [table[key] for key in sorted(table, key=_doc_order)]


def _read(path: Path) -> dict[str, dict[str, Any]]:
    """The whole directory file, table by table (nothing when it is missing or blank)."""
    from .tinydb_file import AtomicJSONStorage

    return AtomicJSONStorage(path).read() or {}


def _apply(storage: Any, table: Any, doc_ids: dict[str, int], changes: Changes) -> None:
    """`changes` in the people `table` of the cached `storage`. The profiles go in as they are,
    each made a document only when the file is written (`tinydb_file.AtomicJSONStorage`): the
    documents of a big import are never all in memory at once (100,000 people: about 450 MiB)."""
    replaced = [doc_ids[p.id] for p in changes.upserts if p.id in doc_ids]
    gone = [doc_ids[i] for i in changes.removals if i in doc_ids]
    if replaced or gone:
        table.remove(doc_ids=replaced + gone)
    tables = storage.read() or {}
    documents = tables.setdefault(PEOPLE_TABLE, {})  # by doc id as the file has it: a string
    next_id = max(doc_ids.values(), default=0) + 1
    for profile in changes.upserts:
        doc_id = doc_ids.get(profile.id)
        if doc_id is None:
            doc_id, next_id = next_id, next_id + 1
        documents[str(doc_id)] = profile
    storage.write(tables)


def _record_changes(table: Any, changes: Changes, today: str) -> None:
    """Keep, next to the people, the day each of them was last changed (one document)."""
    from tinydb.table import Document

    current = table.get(doc_id=1)
    dates = {k: v for k, v in dict(current or {}).items() if k not in set(changes.removals)}
    dates.update({profile.id: today for profile in changes.upserts})
    table.truncate()
    table.insert(Document(dates, doc_id=1))


def people_after(before: list[Profile], changes: Changes) -> list[Profile]:
    """The people once `changes` are applied to `before`, in the order the file keeps them (and
    `on_written` is told them)."""
    replaced = {p.id: p for p in changes.upserts}
    gone = set(changes.removals)
    after = [replaced.pop(p.id, p) for p in before if p.id not in gone]
    return after + [p for p in changes.upserts if p.id in replaced]


def backup_path(path: Path) -> Path:
    """Where the previous version of the directory file is kept."""
    return path.with_name(path.name + ".bak")


def leftover_temp_files(path: Path) -> list[Path]:
    """Temporary files of writers that were killed before they could rename them."""
    if not path.parent.is_dir():
        return []
    return sorted(path.parent.glob(f".{path.name}.*.tmp"))


def remove_leftover_temp_files(path: Path) -> list[Path]:
    """Delete what killed writers left behind; only safe while holding the write lock."""
    removed = []
    for leftover in leftover_temp_files(path):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
            removed.append(leftover)
    return removed


def _doc_order(key: str) -> tuple[int, str]:
    return (int(key), key) if key.isdigit() else (0, key)


def _profile(document: dict[str, Any], path: Path) -> Profile:
    try:
        profile, _ = profile_from_record(document)
    except RecordError as exc:
        raise CorruptStoreError(
            f"the directory file {path} holds an invalid person ({exc})",
            hint=RESTORE_HINT,
        ) from None
    return profile


def open_store(path: Path | None = None) -> ProfileStore:
    """The store for `path`, else for `EXPERTFIND_DB`, else for the user's data folder."""
    return TinyDBStore(path or default_path())
