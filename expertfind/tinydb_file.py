"""TinyDB's storage for the directory file: one JSON document, replaced atomically on every
write and written a document at a time, and a cache that writes once per update. Loaded only
by the store's reads and writes of the whole file: `ask` reads the search index instead.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import orjson
from tinydb.middlewares import CachingMiddleware
from tinydb.storages import Storage

from .errors import CorruptStoreError, StoreError
from .files import WRITE_CHUNK, replacing, written_meanwhile
from .jsontables import load_tables
from .models import Profile
from .store import META_TABLE, RESTORE_HINT


def _blank(path: Path) -> bool:
    """An empty file, or one of whitespace only (what TinyDB reads as no database yet)."""
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            if chunk.strip():
                return False
    return True


class AtomicJSONStorage(Storage):
    """TinyDB storage that never leaves half a file, never creates a file on read,
    and refuses to read a file that is not a TinyDB document."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            if _blank(self.path):
                return None
            data = load_tables(self.path)  # json.loads, a document at a time
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"cannot read the directory file {self.path}: {exc.strerror}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CorruptStoreError(
                f"the directory file {self.path} is not valid JSON ({exc})",
                hint=RESTORE_HINT,
            ) from None
        if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
            raise CorruptStoreError(
                f"the directory file {self.path} is JSON but not an expertfind directory",
                hint=RESTORE_HINT,
            )
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        """`data` as compact UTF-8 JSON, written a document at a time: the whole directory is
        never held as one string (at 100,000 people, 1.5 GB or more). A thread writes each
        few MB while the next are made (`written_meanwhile`)."""
        tables = sorted(data, key=lambda name: name != META_TABLE)  # meta first: the generation
        with replacing(self.path) as handle, written_meanwhile(handle) as write:  # is read from the head
            pending = bytearray(b"{")
            for number, name in enumerate(tables):
                pending += b"," if number else b""
                pending += _compact(name).encode("utf-8") + b":{"
                for count, (doc_id, document) in enumerate(data[name].items()):
                    pending += b"," if count else b""
                    pending += _compact(str(doc_id)).encode("utf-8") + b":" + _document(document)
                    if len(pending) >= WRITE_CHUNK:
                        write(pending)
                        pending = bytearray()
                pending += b"}"
            write(pending + b"}")

    def close(self) -> None:
        """Nothing stays open between reads and writes."""


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _document(document: dict[str, Any] | Profile) -> bytes:
    """`_compact(document)` encoded, by orjson (several times faster): the same JSON values
    (a float may be written in another, equally exact form: `1e16` for `1e+16`). What orjson
    would write otherwise (NaN as null) or cannot write (integers beyond 64 bits) is written
    by `json`, as is any document with null in it (rare: only fields kept as they came hold any).
    A profile (as an import puts them in: `store._apply`) is made its document first."""
    if isinstance(document, Profile):
        document = document.to_dict()
    try:
        blob = orjson.dumps(document)
    except TypeError:
        return _compact(document).encode("utf-8")
    return _compact(document).encode("utf-8") if b"null" in blob else blob


class OneWriteMiddleware(CachingMiddleware):
    """TinyDB's cache, flushed once when the database is closed, or dropped."""

    WRITE_CACHE_SIZE = sys.maxsize

    def __init__(self, storage_cls: type[Storage]) -> None:
        super().__init__(storage_cls)  # type: ignore[no-untyped-call]

    def discard(self) -> None:
        """Forget the pending changes: closing then writes nothing."""
        self._cache_modified_count = 0
