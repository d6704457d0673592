"""The synonyms and translations table: groups of terms that mean the same thing.

The package ships a Dutch <-> English table; a user file next to the directory extends it
(one group a line, terms separated by `|`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .text import DATA, stems, tokenize

PhraseKey = tuple[str, ...]


def phrase_key(tokens: Sequence[str]) -> PhraseKey:
    """How a phrase is looked up: its tokens' English stems, so plurals and case do not matter."""
    return tuple(stems(token)[0] for token in tokens)


@dataclass
class SynonymTable:
    """Groups of equivalent phrases, looked up by the tokens of a query."""

    groups: list[tuple[str, ...]] = field(default_factory=list)
    _by_key: dict[PhraseKey, list[int]] = field(default_factory=dict)
    longest: int = 0

    def add_group(self, phrases: Iterable[str]) -> None:
        group = tuple(dict.fromkeys(p.strip() for p in phrases if p.strip()))
        if len(group) < 2:
            return
        index = len(self.groups)
        self.groups.append(group)
        for phrase in group:
            tokens = tokenize(phrase)
            if tokens:
                self._by_key.setdefault(phrase_key(tokens), []).append(index)
                self.longest = max(self.longest, len(tokens))

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


def load_synonyms(user_file: Path | None = None) -> SynonymTable:
    """The shipped table, extended by `user_file` when it exists."""
    table = SynonymTable()
    shipped = DATA / "synonyms.txt"
    for group in parse_lines(shipped.read_text("utf-8").splitlines()):
        table.add_group(group)
    if user_file is not None and user_file.is_file():
        for group in parse_lines(user_file.read_text("utf-8").splitlines()):
            table.add_group(group)
    return table
