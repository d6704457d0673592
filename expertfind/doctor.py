"""Checking a directory file and its backup, and the way out when the file is damaged."""

from __future__ import annotations

import os
import stat
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .errors import ExpertfindError, StoreError
from .files import atomic_write_bytes
from .search.blocks import abandoned_blocks, remove_abandoned_blocks
from .store import (
    TinyDBStore,
    backup_path,
    leftover_temp_files,
    remove_leftover_temp_files,
    write_lock,
)


@dataclass(frozen=True)
class Finding:
    """The outcome of one check: `ok` false means something needs the user's attention."""

    check: str
    ok: bool
    message: str


def examine(path: Path) -> list[Finding]:
    """Every check on the directory file at `path`, its backup and its leftovers."""
    findings = [_check_file("directory", path)]
    if path.exists():
        findings.append(_check_permissions(path))
    backup = backup_path(path)
    if backup.exists():
        findings.append(_check_file("backup", backup))
    else:
        findings.append(Finding("backup", True, "no previous version yet (kept from the second write on)"))
    leftovers = leftover_temp_files(path)
    if leftovers:
        findings.append(Finding(
            "leftovers", False,
            f"{len(leftovers)} temporary file(s) of an interrupted write; `expertfind doctor --repair` "
            "deletes them",
        ))
    else:
        findings.append(Finding("leftovers", True, "no temporary files of interrupted writes"))
    blocks = abandoned_blocks(path.parent)
    if blocks:
        findings.append(Finding(
            "index blocks", False,
            f"{len(blocks)} folder(s) of an interrupted index build (words from profiles); "
            "`expertfind doctor --repair` deletes them",
        ))
    return findings


def _check_file(check: str, path: Path) -> Finding:
    if not path.exists():
        return Finding(check, True, f"{path} does not exist yet: an empty directory")
    try:
        people = TinyDBStore(path).people()
    except ExpertfindError as exc:
        return Finding(check, False, exc.message)
    duplicates = [pid for pid, n in Counter(p.id for p in people).items() if n > 1]
    if duplicates:
        return Finding(check, False, f"{path}: {len(duplicates)} id(s) occur more than once")
    return Finding(check, True, f"{path}: valid, {len(people)} people")


def _check_permissions(path: Path) -> Finding:
    if os.name != "posix":
        return Finding("permissions", True, "not checked on this system")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return Finding("permissions", False,
                       f"{path} is readable by others (mode {mode:o}); `chmod 600` it")
    return Finding("permissions", True, f"readable by its owner only (mode {mode:o})")


def repair(path: Path) -> list[Path]:
    """Delete the temporary files of interrupted writes and the block folders of interrupted
    index builds; returns what was deleted."""
    with write_lock(path):
        return remove_leftover_temp_files(path) + remove_abandoned_blocks(path.parent)


def restore(path: Path) -> Path:
    """Put the previous version back when the directory file is damaged.

    The damaged file is kept as `PATH.damaged` (readable by its owner only) for inspection;
    returns that path."""
    backup = backup_path(path)
    if not backup.exists():
        raise StoreError(f"there is no backup {backup} to restore",
                         hint="the directory file was left untouched")
    if not _check_file("backup", backup).ok:
        raise StoreError(f"the backup {backup} is damaged too",
                         hint="both files were left untouched; import the people again from an export")
    with write_lock(path):
        if path.exists() and _check_file("directory", path).ok:
            raise StoreError(f"{path} is not damaged; nothing to restore",
                             hint="`expertfind doctor` shows what it checked")
        damaged = path.with_name(path.name + ".damaged")
        if path.exists():
            atomic_write_bytes(damaged, path.read_bytes())
        atomic_write_bytes(path, backup.read_bytes())
    return damaged
