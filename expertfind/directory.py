"""The skills directory as a library: import, add, remove and ask, on top of a `ProfileStore`.

The CLI is a thin layer over this module; scripts and the benchmarks use it directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import NotFoundError, ValidationError
from .formats import Format, Record
from .models import Profile, RecordError, profile_from_record
from .search import Answer, Ranker, RankingSettings, load_synonyms
from .sources import Source, read_source
from .store import Changes, ProfileStore


@dataclass(frozen=True)
class Change:
    """What an import does to one person."""

    action: str  # "added", "updated" or "unchanged"
    profile: Profile
    position: str


@dataclass
class ImportReport:
    """The outcome of an import: per person what changed, and whether it was written."""

    changes: list[Change] = field(default_factory=list)
    written: bool = False
    sources: list[Source] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)

    @property
    def added(self) -> int:
        return self.count("added")

    @property
    def updated(self) -> int:
        return self.count("updated")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")


def validate_records(records: Iterable[Record]) -> list[tuple[Profile, frozenset[str], str]]:
    """Profiles from raw records; every invalid record is reported, with its position, at once."""
    valid = []
    problems = []
    for record in records:
        try:
            profile, present = profile_from_record(record.data)
        except RecordError as exc:
            problems.append(f"{record.position}: {exc}")
            continue
        valid.append((profile, present, record.position))
    if problems:
        raise ValidationError(problems)
    return valid


class Directory:
    """The people of one skills directory."""

    def __init__(self, store: ProfileStore, *, synonyms_file: Path | None = None) -> None:
        self.store = store
        self.synonyms_file = synonyms_file

    def people(self) -> list[Profile]:
        return self.store.people()

    def get(self, person_id: str) -> Profile:
        profile = self.store.get(person_id)
        if profile is None:
            raise NotFoundError(f"no person with id {person_id!r}",
                                hint="`expertfind list` shows the ids")
        return profile

    def import_files(
        self,
        paths: Sequence[Path],
        *,
        format: Format | None = None,
        mapping: dict[str, str] | None = None,
        encoding: str | None = None,
        dry_run: bool = False,
        preset: str | None = None,
        presets_folder: Path | None = None,
    ) -> ImportReport:
        """Read, validate and upsert every person in `paths`: all of them, or none.

        HR exports are read through `preset` when named, or through the preset their columns
        show; `preset="none"` reads columns as the profile format names them."""
        sources = [
            read_source(path, format=format, mapping=mapping, encoding=encoding, preset=preset,
                        presets_folder=presets_folder)
            for path in paths
        ]
        report = self.import_records([r for s in sources for r in s.records], dry_run=dry_run)
        report.sources = sources
        return report

    def import_records(self, records: Iterable[Record], *, dry_run: bool = False) -> ImportReport:
        return self.upsert(validate_records(records), dry_run=dry_run)

    def upsert(
        self, incoming: Iterable[tuple[Profile, frozenset[str], str]], *, dry_run: bool = False
    ) -> ImportReport:
        """Add new people and update known ones (matched by id, then email), in one write.

        The merge runs against the directory as it is when the write lock is held, so a
        concurrent import or add is never undone."""
        incoming = list(incoming)
        report = ImportReport()

        def plan(people: list[Profile]) -> Changes:
            report.changes = []
            changed = self._merge(people, incoming, report)
            return Changes(changed) if not dry_run else Changes()

        if dry_run:
            plan(self.store.people())
        else:
            report.written = bool(self.store.update(plan).upserts)
        return report

    def _merge(
        self,
        people: list[Profile],
        incoming: list[tuple[Profile, frozenset[str], str]],
        report: ImportReport,
    ) -> list[Profile]:
        existing = {p.id: p for p in people}
        original = dict(existing)
        by_email = {p.email.casefold(): p.id for p in existing.values() if p.email}
        touched: dict[str, None] = {}
        for profile, present, position in incoming:
            target = self._match(profile, present, existing, by_email)
            if target is None:
                existing[profile.id] = profile
                action = "added"
            else:
                merged = existing[target].merged_with(profile, present)
                existing[target] = merged
                was = original.get(target)
                if was is None:
                    action = "added"
                else:
                    action = "updated" if merged != was else "unchanged"
                profile = merged
            if profile.email:
                by_email[profile.email.casefold()] = profile.id
            touched[profile.id] = None
            report.changes.append(Change(action, profile, position))
        return [existing[i] for i in touched if existing[i] != original.get(i)]

    @staticmethod
    def _match(
        profile: Profile,
        present: frozenset[str],
        existing: dict[str, Profile],
        by_email: dict[str, str],
    ) -> str | None:
        if "id" in present and profile.id in existing:
            return profile.id
        if profile.email and profile.email.casefold() in by_email:
            return by_email[profile.email.casefold()]
        return profile.id if profile.id in existing else None

    def add(self, record: dict[str, object]) -> ImportReport:
        """Add one person (or update the one with the same id or email)."""
        return self.import_records([Record("the new person", record)])

    def remove(self, person_id: str) -> Profile:
        """Remove a person entirely (from the file and its backup); returns what was removed."""
        removed: list[Profile] = []

        def plan(people: list[Profile]) -> Changes:
            removed[:] = [p for p in people if p.id == person_id]
            return Changes(removals=[person_id] if removed else [])

        self.store.update(plan)
        if not removed:
            raise NotFoundError(f"no person with id {person_id!r}",
                                hint="`expertfind list` shows the ids")
        return removed[0]

    def ranker(self, settings: RankingSettings | None = None) -> Ranker:
        return Ranker(self.store.people(), synonyms=load_synonyms(self.synonyms_file),
                      settings=settings)

    def ask(
        self, question: str, *, limit: int = 5, include_unavailable: bool = False
    ) -> Answer:
        return self.ranker().ask(question, limit=limit, include_unavailable=include_unavailable)
