"""The synonyms and translations table: groups of terms that mean the same thing.

The package ships a Dutch <-> English table; a user file next to the directory extends it
(one group a line, terms separated by `|`). Tokenising and stemming the table costs a few
milliseconds, on every question: the stored search index keeps the table as it was when the
index was written (`SynonymTable.record`), with the texts it came from, and `load_synonyms`
uses it while those texts are unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .text import DATA, stems, stems_in, tokenize

PhraseKey = tuple[str, ...]
Sources = tuple[str, str]
"""The texts a table is made of: the shipped table's and the user file's ("" when there is none)."""
Groups = tuple[tuple[str, ...], ...]
Keys = tuple[tuple[PhraseKey, tuple[int, ...]], ...]
Record = tuple[Sources, tuple[Groups, Keys, int]]
"""A table and its sources in core types only (what `marshal` stores)."""


def phrase_key(tokens: Sequence[str]) -> PhraseKey:
    """How a phrase is looked up: its tokens' English stems, so plurals and case do not matter."""
    return tuple(stems(token)[0] for token in tokens)


@dataclass
class SynonymTable:
    """Groups of equivalent phrases, looked up by the tokens of a query."""

    groups: list[tuple[str, ...]] = field(default_factory=list)
    _by_key: dict[PhraseKey, list[int]] = field(default_factory=dict)
    longest: int = 0
    sources: Sources | None = None
    """The texts the table was loaded from, when it was (see `record`)."""

    def record(self) -> Record | None:
        """The table with its sources, in core types, for the stored index (None when the table
        was not made by `load_synonyms`)."""
        if self.sources is None:
            return None
        keys = tuple((key, tuple(groups)) for key, groups in self._by_key.items())
        return self.sources, (tuple(self.groups), keys, self.longest)

    @classmethod
    def from_record(cls, record: Record) -> SynonymTable:
        sources, (groups, keys, longest) = record
        return cls(list(groups), {key: list(found) for key, found in keys}, longest, sources)

    def add_groups(self, groups: Iterable[Iterable[str]]) -> None:
        """Groups of two or more phrases, their words stemmed in one go (the table is loaded
        for every question)."""
        kept = [group for group in (tuple(dict.fromkeys(p.strip() for p in phrases if p.strip()))
                                    for phrases in groups) if len(group) >= 2]
        tokens = {phrase: tokenize(phrase) for group in kept for phrase in group}
        words = list({word for found in tokens.values() for word in found})
        stem_of = dict(zip(words, stems_in("en", words), strict=True))
        for group in kept:
            index = len(self.groups)
            self.groups.append(group)
            for phrase in group:
                found = tokens[phrase]
                if found:
                    self._by_key.setdefault(tuple(map(stem_of.__getitem__, found)), []).append(index)
                    self.longest = max(self.longest, len(found))

    def group_of(self, tokens: Sequence[str]) -> int | None:
        """The first group `tokens` belong to, or None."""
        groups = self._by_key.get(phrase_key(tokens))
        return groups[0] if groups else None

    def equivalents(self, tokens: Sequence[str]) -> list[str]:
        """The other phrases that mean what `tokens` mean, in table order."""
        found: dict[str, None] = {}
        own = phrase_key(tokens)
        for index in self._by_key.get(own, []):
            for phrase in self.groups[index]:
                if phrase_key(tokenize(phrase)) != own:
                    found.setdefault(phrase, None)
        return list(found)


def parse_lines(lines: Iterable[str]) -> list[list[str]]:
    """Groups from text lines: `a | b | c`; blank lines and `#` comments are skipped."""
    groups = []
    for line in lines:
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            groups.append([part.strip() for part in stripped.split("|")])
    return groups


def synonym_sources(user_file: Path | None = None) -> Sources:
    user = user_file.read_text("utf-8") if user_file is not None and user_file.is_file() else ""
    return (DATA / "synonyms.txt").read_text("utf-8"), user


def load_synonyms(user_file: Path | None = None, *, stored: object = None) -> SynonymTable:
    """The shipped table, extended by `user_file` when it exists; taken from `stored` (a
    `SynonymTable.record` kept in the search index) when it was made from the same texts."""
    sources = synonym_sources(user_file)
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == sources:
        return SynonymTable.from_record(stored)
    table = SynonymTable()
    for text in sources:
        table.add_groups(parse_lines(text.splitlines()))
    table.sources = sources
    return table
