"""The domain errors of expertfind, each carrying the exit code the CLI turns it into."""

from __future__ import annotations


class ExpertfindError(Exception):
    """Base of every error a user can cause; the CLI prints it as `Error: …` and exits."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class InputError(ExpertfindError):
    """A file or argument that cannot be read or understood."""


class ValidationError(ExpertfindError):
    """One or more records that do not follow the profile format."""

    def __init__(self, problems: list[str], *, hint: str | None = None) -> None:
        count = len(problems)
        noun = "record" if count == 1 else "records"
        head = f"{count} invalid {noun}; nothing was written"
        super().__init__(head + "\n" + "\n".join(f"  {p}" for p in problems), hint=hint)
        self.problems = problems


class NotFoundError(ExpertfindError):
    """A person id that is not in the directory."""


class StoreError(ExpertfindError):
    """The directory file cannot be read or written."""


class CorruptStoreError(StoreError):
    """The directory file exists but is not a valid expertfind directory."""


class LockTimeoutError(StoreError):
    """Another expertfind process holds the write lock for too long."""


class UsageError(ExpertfindError):
    """Options that do not fit together."""

    exit_code = 2
