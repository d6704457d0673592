"""The question log: what was asked and who was suggested, next to the directory file.

It never records who asked. It feeds `expertfind gaps` and `stats`, and fair load in `ask`.
`ask --no-log` skips one question; `expertfind log off` switches logging off for the directory;
`expertfind log clear` deletes the log; `expertfind remove ID` also removes the person from it.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from .files import atomic_write_bytes

LOG_SUFFIX = ".questions.jsonl"
SETTINGS_SUFFIX = ".settings.json"


class LoggedQuestion(NamedTuple):
    """One question: when, what, and the people suggested with their scores."""

    time: datetime
    query: str
    suggested: tuple[str, ...]
    scores: tuple[float, ...]

    def to_json(self) -> str:
        return json.dumps({
            "time": self.time.astimezone(UTC).isoformat(timespec="seconds"),
            "query": self.query,
            "suggested": list(self.suggested),
            "scores": list(self.scores),
        }, ensure_ascii=False)


def log_path(directory_file: Path) -> Path:
    return directory_file.with_name(directory_file.stem + LOG_SUFFIX)


def settings_path(directory_file: Path) -> Path:
    return directory_file.with_name(directory_file.stem + SETTINGS_SUFFIX)


class QuestionLog:
    """The log of one directory, as JSON Lines (one question a line), readable by its owner only."""

    def __init__(self, directory_file: Path) -> None:
        self.path = log_path(directory_file)
        self.settings_file = settings_path(directory_file)

    @property
    def enabled(self) -> bool:
        return bool(self._settings().get("question_log", True))

    def set_enabled(self, enabled: bool) -> None:
        settings = {**self._settings(), "question_log": enabled}
        atomic_write_bytes(self.settings_file, (json.dumps(settings, indent=2) + "\n").encode())

    def append(self, entry: LoggedQuestion) -> None:
        """Add one question (a single append of one line: concurrent asks do not interleave)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (entry.to_json() + "\n").encode("utf-8"))
        finally:
            os.close(fd)

    def entries(self, *, since: datetime | None = None) -> list[LoggedQuestion]:
        """Every logged question (from `since` on), oldest first; damaged lines are skipped.

        The log is written oldest first, so with `since` it is read from the end and only the
        recent lines are parsed: `ask` stays quick however long the log grows."""
        try:
            lines = self.path.read_text("utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            return []
        found = []
        for line in reversed(lines):
            entry = _parse(line)
            if entry is None:
                continue
            if since is not None and entry.time < since:
                break
            found.append(entry)
        found.reverse()
        return found

    def clear(self) -> bool:
        """Delete the log; True when there was one."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True

    def forget(self, person_id: str, *, replace_with: str | None = None) -> None:
        """Rewrite the log without `person_id` among the suggested (for `remove`), or with
        `replace_with` in its place (for `merge`)."""
        if not self.path.exists():
            return
        kept = []
        for entry in self.entries():
            pairs: list[tuple[str, float]] = []
            for suggested, score in zip(entry.suggested, entry.scores, strict=False):
                if suggested != person_id:
                    pairs.append((suggested, score))
                elif replace_with is not None and replace_with not in entry.suggested:
                    pairs.append((replace_with, score))
            kept.append(LoggedQuestion(entry.time, entry.query, tuple(p for p, _ in pairs),
                                       tuple(s for _, s in pairs)))
        atomic_write_bytes(self.path, "".join(e.to_json() + "\n" for e in kept).encode("utf-8"))

    def _settings(self) -> dict[str, Any]:
        with contextlib.suppress(OSError, ValueError):
            data = json.loads(self.settings_file.read_text("utf-8"))
            if isinstance(data, dict):
                return data
        return {}


def _parse(line: str) -> LoggedQuestion | None:
    try:
        data = json.loads(line)
        time = datetime.fromisoformat(data["time"])
        if time.tzinfo is None:
            time = time.replace(tzinfo=UTC)
        suggested = tuple(str(p) for p in data.get("suggested", []))
        scores = tuple(float(s) for s in data.get("scores", []))
        return LoggedQuestion(time, str(data["query"]), suggested, scores)
    except (ValueError, KeyError, TypeError):
        return None


def suggestion_counts(entries: Iterable[LoggedQuestion]) -> dict[str, int]:
    """How often each person was suggested in `entries`."""
    counts: dict[str, int] = {}
    for entry in entries:
        for person_id in entry.suggested:
            counts[person_id] = counts.get(person_id, 0) + 1
    return counts


def now() -> datetime:
    return datetime.now(UTC)
