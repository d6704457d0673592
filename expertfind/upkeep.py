"""Keeping the directory up to date: contributions feeds appended to their authors, a person
who arrived twice merged into one, and the profiles nobody has touched for months.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from .directory import Directory
from .errors import NotFoundError, UsageError, ValidationError
from .models import Contribution, Profile, RecordError, merge_contributions, parse_contribution
from .store import Changes

if TYPE_CHECKING:
    from .formats import Record


@dataclass
class FeedReport:
    """The outcome of a contributions feed: what was appended, and the rows of unknown authors."""

    added: int = 0
    duplicates: int = 0
    unknown: list[tuple[str, str]] = field(default_factory=list)
    """(position, author as written) of rows whose author is not in the directory."""
    people: int = 0
    written: bool = False


AUTHOR_FIELDS = ("author", "author_email", "author_id", "email", "id", "person", "auteur")


def feed_author(record: Mapping[str, Any]) -> str | None:
    """The author of a feed row: an email address or a person id, from the first author column."""
    for key in AUTHOR_FIELDS:
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def add_contributions(
    directory: Directory, records: Sequence[Record], *, dry_run: bool = False
) -> FeedReport:
    """Append contributions from a feed (intranet, Yammer/Teams, LMS exports) to their authors,
    without duplicates (same url, or same kind + title + date). Rows whose author is unknown are
    reported and skipped; any invalid row stops the whole feed (nothing is written)."""
    from .formats import split_cell

    parsed: list[tuple[str, str, Contribution]] = []
    problems = []
    for record in records:
        author = feed_author(record.data)
        if author is None:
            problems.append(f"{record.position}: no author (a column named {', '.join(AUTHOR_FIELDS[:3])})")
            continue
        fields = {k: v for k, v in record.data.items() if k not in AUTHOR_FIELDS}
        if isinstance(fields.get("tags"), str):
            fields["tags"] = split_cell(fields["tags"], ";")
        try:
            parsed.append((record.position, author, parse_contribution(fields)))
        except RecordError as exc:
            problems.append(f"{record.position}: {exc}")
    if problems:
        raise ValidationError(problems)
    report = FeedReport()

    def plan(people: list[Profile]) -> Changes:
        report.added = report.duplicates = 0
        report.unknown = []
        by_id = {p.id: p for p in people}
        by_email = {p.email.casefold(): p.id for p in people if p.email}
        changed: dict[str, Profile] = {}
        for position, author, contribution in parsed:
            person_id = author if author in by_id else by_email.get(author.casefold())
            if person_id is None:
                report.unknown.append((position, author))
                continue
            person = changed.get(person_id, by_id[person_id])
            merged = merge_contributions(person.contributions, [contribution])
            if len(merged) == len(person.contributions):
                report.duplicates += 1
                continue
            report.added += 1
            changed[person_id] = replace(person, contributions=merged)
        report.people = len(changed)
        return Changes(list(changed.values())) if not dry_run else Changes()

    if dry_run:
        plan(directory.people())
    else:
        report.written = bool(directory.write(plan).upserts)
    return report


def merge_people(directory: Directory, keep_id: str, other_id: str) -> Profile:
    """One person who arrived twice: `other_id` merged into `keep_id` (skills, interests,
    languages and contributions without duplicates; empty fields filled from the other), and
    `other_id` removed, in one write."""
    if keep_id == other_id:
        raise UsageError("give two different ids")
    merged: list[Profile] = []

    def plan(people: list[Profile]) -> Changes:
        by_id = {p.id: p for p in people}
        for person_id in (keep_id, other_id):
            if person_id not in by_id:
                raise NotFoundError(f"no person with id {person_id!r}",
                                    hint="`expertfind list` shows the ids")
        keep, other = by_id[keep_id], by_id[other_id]
        combined = keep.merged_with(other, frozenset(("languages", "interests", "skills", "contributions")))
        filled = {name: getattr(other, name) for name in ("email", "title", "team", "location")
                  if getattr(keep, name) is None and getattr(other, name) is not None}
        combined = replace(combined, **filled, extra={**other.extra, **keep.extra},
                           available=keep.available and other.available)
        merged[:] = [combined]
        return Changes([combined], [other_id])

    directory.write(plan)
    return merged[0]


def stale_profiles(
    people: Sequence[Profile], *, months: int, today: date, changed: Mapping[str, str]
) -> list[tuple[Profile, str | None]]:
    """Profiles with no change and no contribution for `months` months, oldest first, each with
    its last activity: who to remind to bring their profile up to date. `changed` holds when the
    directory last changed each person (`ProfileStore.changed_dates`)."""
    cutoff = _months_before(today, months).isoformat()
    found = [(p, p.last_activity(changed.get(p.id))) for p in people]
    stale = [(p, last) for p, last in found if (last or "") < cutoff]
    return sorted(stale, key=lambda pair: (pair[1] or "", pair[0].name.casefold(), pair[0].id))


def _months_before(day: date, months: int) -> date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, min(day.day, 28))
