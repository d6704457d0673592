"""The skills directory as a library: import, add, remove and ask, on top of a `ProfileStore`.

The CLI is a thin layer over this module; scripts and the benchmarks use it directly.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .errors import NotFoundError
from .models import Profile
from .progress import Progress, counted
from .search import Answer, Ranker, RankingSettings, load_synonyms
from .search.index import IndexSettings, SearchIndex, build_index
from .search.stored import NUMBERING_PROCESS_FROM, load_index, settings_key, write_index
from .store import Changes, Plan, ProfileStore, people_after

if TYPE_CHECKING:
    from .checking import Checked
    from .formats import Format, Record
    from .search.ahead import IndexAhead
    from .sources import Source


class Change(NamedTuple):
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
    duplicates: list[tuple[Profile, Profile]] = field(default_factory=list)
    """Pairs of different people, one of them imported now, whose names are written alike."""
    same_as_last: int = 0
    """Records known unchanged without reading them: the same export as the last import, and
    the directory untouched since (`expertfind.lastimport`)."""
    notes: list[str] = field(default_factory=list)
    """How the files were read (presets, extra and dropped columns)."""

    @property
    def records(self) -> int:
        return len(self.changes) + self.same_as_last

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
        return self.count("unchanged") + self.same_as_last


class Directory:
    """The people of one skills directory."""

    def __init__(
        self,
        store: ProfileStore,
        *,
        synonyms_file: Path | None = None,
        index_file: Path | None = None,
        last_import_file: Path | None = None,
        today: Callable[[], date] = date.today,
        progress: Progress | None = None,
    ) -> None:
        """`progress` hears how far a big import or index build is (see `expertfind.progress`)."""
        self.store = store
        self.progress = progress
        self.synonyms_file = synonyms_file
        self.index_file = index_file
        self.last_import_file = last_import_file
        self.last_written: str | None = None
        """The generation stamp of this object's last write."""
        self.today = today

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
        from .checking import validate_records
        from .lastimport import fingerprint, fingerprint_meanwhile, recall, recorded_stamp, remember
        from .sources import read_source  # HR presets and LinkedIn archives: only for imports

        stamp = self.store.generation()
        digest: str | None = None
        digest_later: Callable[[], str | None] | None = None
        if not dry_run and self.last_import_file is not None:
            options = {"format": format, "mapping": sorted((mapping or {}).items()),
                       "encoding": encoding, "preset": preset}
            if stamp is not None and recorded_stamp(self.last_import_file) == stamp:
                digest = fingerprint(paths, options, presets_folder)  # it may be the last import again
                known = recall(self.last_import_file, stamp=stamp, digest=digest) if digest else None
                if known is not None:
                    return ImportReport(same_as_last=known.records, notes=list(known.notes))
            else:  # it is not: its fingerprint is needed only to remember it, at the end
                digest_later = fingerprint_meanwhile(paths, options, presets_folder)
        sources = [
            read_source(path, format=format, mapping=mapping, encoding=encoding, preset=preset,
                        presets_folder=presets_folder)
            for path in counted(paths, "Reading", len(paths), self.progress)
        ]
        rows = (record for source in sources for record in source.take())
        total = sum(source.expected() for source in sources) if self.progress is not None else 0
        checked = validate_records(rows, total=total, progress=self.progress)
        self.last_written = None
        report = self.upsert(checked, dry_run=dry_run)
        report.sources = sources
        report.notes = [note for source in sources for note in source.notes()]
        now = self.store.generation()
        # Remembered only when the directory is as this import left it: written by this import
        # (its own stamp), or not written at all and untouched while it ran.
        as_left = now is not None and now == (self.last_written if report.written else stamp)
        if as_left and digest_later is not None:
            digest = digest_later()
        if as_left and digest is not None and self.last_import_file is not None:
            remember(self.last_import_file, stamp=now, digest=digest, records=report.records,
                     notes=report.notes)
        return report

    def import_records(self, records: Iterable[Record], *, dry_run: bool = False) -> ImportReport:
        from .checking import validate_records  # file formats: not needed by `ask`

        return self.upsert(validate_records(records), dry_run=dry_run)

    def upsert(
        self, incoming: Iterable[Checked], *, dry_run: bool = False
    ) -> ImportReport:
        """Add new people and update known ones (matched by id, then email), in one write.

        The merge runs against the directory as it is when the write lock is held, so a
        concurrent import or add is never undone."""
        incoming = list(incoming)
        report = ImportReport()

        def plan(people: list[Profile]) -> Changes:
            from .talent import likely_duplicates

            report.changes = []
            changed, after = self._merge(people, incoming, report)
            if dry_run:
                return Changes()
            report.duplicates = likely_duplicates(after, [c.profile.id for c in report.changes])
            return Changes(changed)

        if dry_run:
            plan(self.store.people())
        else:
            report.written = bool(self.write(plan).upserts)
        return report

    def _merge(
        self,
        people: list[Profile],
        incoming: list[Checked],
        report: ImportReport,
    ) -> tuple[list[Profile], list[Profile]]:
        """The people that change, and everyone as they will be."""
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
        return [existing[i] for i in touched if existing[i] != original.get(i)], list(existing.values())

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
        from .formats import Record  # file formats: not needed by `ask`

        return self.import_records([Record("the new person", record)])

    def remove(self, person_id: str) -> Profile:
        """Remove a person entirely (from the file and its backup); returns what was removed."""
        removed: list[Profile] = []

        def plan(people: list[Profile]) -> Changes:
            removed[:] = [p for p in people if p.id == person_id]
            return Changes(removals=[person_id] if removed else [])

        self.write(plan)
        if not removed:
            raise NotFoundError(f"no person with id {person_id!r}",
                                hint="`expertfind list` shows the ids")
        return removed[0]

    def write(self, plan: Plan) -> Changes:
        """Apply `plan` through the store; the stored search index is replaced in the same
        locked step (and dropped first, so no stale copy of a removed person lingers)."""
        index_file = self.index_file
        self._tell("Writing", 0, 1)
        ahead: IndexAhead | None = None

        def planned(people: list[Profile]) -> Changes:
            nonlocal ahead
            changes = plan(people)
            if index_file is not None and (changes.upserts or changes.removals):
                with contextlib.suppress(FileNotFoundError):
                    index_file.unlink()
                ahead = self._index_ahead(people_after(people, changes))
            return changes

        def written(generation: str | None, people: list[Profile]) -> None:
            """After the write, under its lock: note its generation stamp, store the new index."""
            self.last_written = generation
            self._tell("Writing", 1, 1)
            if index_file is not None and generation is not None:
                self._index(people, IndexSettings(), index_file, generation, ahead=ahead)

        try:
            return self.store.update(planned, on_written=written)
        finally:
            if ahead is not None:  # taken on by the index build, or never: its second process ends
                ahead.close()

    @staticmethod
    def _index_ahead(people: list[Profile]) -> IndexAhead | None:
        """The index build of a big directory, begun before its file is written (None for a
        small one, or when no second process can be started)."""
        if len(people) < NUMBERING_PROCESS_FROM:
            return None
        from .search.ahead import IndexAhead  # a thread and a second process: only to write

        with contextlib.suppress(OSError):
            return IndexAhead(people, IndexSettings())
        return None

    def _index(self, people: list[Profile], settings: IndexSettings, index_file: Path | None,
               generation: str | None, *, ahead: IndexAhead | None = None) -> SearchIndex:
        """The index of `people`: stored as that of `generation` when both are given (built in
        blocks, so a big directory's postings are never all in memory; on from `ahead` when it
        was begun with them) and read back from the file, else built in memory."""
        if index_file is not None and generation is not None:
            key = settings_key(settings)
            with contextlib.suppress(OSError):  # the index is a cache: ask rebuilds it when missing
                write_index(index_file, people, settings, generation=generation, settings=key,
                            progress=self.progress, synonyms=load_synonyms(self.synonyms_file).record(),
                            ahead=ahead)
                stored = load_index(index_file, generation=generation, settings=key)
                if stored is not None:
                    return stored
        return build_index(people, settings, progress=self.progress)

    def _tell(self, what: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(what, done, total)

    def search_index(self, settings: IndexSettings | None = None) -> SearchIndex:
        """The search index of the directory as it is now: the stored one when it matches the
        directory's generation and these settings exactly, else built (and stored) afresh."""
        settings = settings or IndexSettings()
        key = settings_key(settings)
        index_file = self.index_file if key == settings_key(IndexSettings()) else None
        if index_file is not None:
            generation = self.store.generation()
            stored = load_index(index_file, generation=generation, settings=key) if generation else None
            if stored is not None:
                return stored
        self._tell("Reading", 0, 1)
        generation, people = self.store.snapshot()
        self._tell("Reading", 1, 1)
        return self._index(people, settings, index_file, generation)

    def ranker(self, settings: RankingSettings | None = None) -> Ranker:
        settings = settings or RankingSettings()
        index = self.search_index(settings.index)
        synonyms = load_synonyms(self.synonyms_file, stored=index.stored_synonyms)
        return Ranker.from_index(index, synonyms=synonyms, settings=settings)

    def ask(
        self, question: str, *, limit: int = 5, include_unavailable: bool = False
    ) -> Answer:
        return self.ranker().ask(question, limit=limit, include_unavailable=include_unavailable)
