"""The search index: every piece of evidence in the directory, broken into fields and terms.

An evidence item is one declared skill, one contribution, or a person's role (job title and
team). Each keeps its terms per field, so scoring can weigh a skill above a tag, a tag above
a title and a title above body text. Interests are not indexed: they are not expertise.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import TYPE_CHECKING, NamedTuple

from ..models import Profile
from ..progress import Progress
from .text import stem_pairs, stems

if TYPE_CHECKING:
    from .bounds import ScoreBounds

SKILL, CONTRIBUTION, ROLE = "skill", "contribution", "role"
SOURCES = (SKILL, CONTRIBUTION, ROLE)
SOURCE_CODE = {source: code for code, source in enumerate(SOURCES)}
FIELDS = ("skill", "tags", "title", "text", "role")
WIDTH = len(FIELDS)
FIELD_NUMBER = {name: number for number, name in enumerate(FIELDS)}
MAX_TF = 0xFFFF
STEM_CHUNK = 50_000
"""The vocabulary is stemmed this many terms at a time."""


class EvidenceItem(NamedTuple):
    """What a piece of evidence is: a skill, contribution or role, and `ref`, its position in the
    profile's list. Its person, weight and field lengths are in the index's arrays."""

    source: str
    ref: int


class EvidenceItems(Sequence[EvidenceItem]):
    """What each evidence item is, kept as two packed columns (a source code and a ref per
    item) and made into an `EvidenceItem` only when an answer shows it."""

    def __init__(self, sources: Sequence[int], refs: Sequence[int]) -> None:
        self.sources = sources
        self.refs = refs

    def __getitem__(self, number: int) -> EvidenceItem:  # type: ignore[override]
        return EvidenceItem(SOURCES[self.sources[number]], self.refs[number])

    def __len__(self) -> int:
        return len(self.refs)


class StemTable(Mapping[str, Sequence[str]]):
    """Stem keys (`en:…`, `nl:…`) -> the terms with that stem, in the order added. Most stems
    have one term, kept as is: a vocabulary of a million terms needs no million lists."""

    def __init__(self) -> None:
        self._terms: dict[str, str | list[str]] = {}

    def add(self, key: str, term: str) -> None:
        found = self._terms.get(key)
        if found is None:
            self._terms[key] = term
        elif isinstance(found, str):
            self._terms[key] = [found, term]
        else:
            found.append(term)

    def __getitem__(self, key: str) -> Sequence[str]:
        found = self._terms[key]
        return (found,) if isinstance(found, str) else found

    def __iter__(self) -> Iterator[str]:
        return iter(self._terms)

    def __len__(self) -> int:
        return len(self._terms)


class Postings(NamedTuple):
    """The evidence items that hold one term, packed: `items[n]` is an item's number and
    `counts[n * WIDTH : (n + 1) * WIDTH]` the term's frequency in each of its FIELDS (0: absent)."""

    items: array[int]
    counts: array[int]


class Vocabulary:
    """The index's terms as the query side needs them: typo candidates by length, and
    compounds by their first or last part. Built from the terms on first use; the stored index
    (`search.stored`) keeps the same lists on disk."""

    def __init__(self, terms: Collection[str]) -> None:
        self._terms = terms
        self._sorted: list[str] | None = None
        self._reversed: list[str] | None = None
        self._by_length: dict[int, list[str]] | None = None

    def alphabetic_of_length(self, length: int) -> Sequence[str]:
        """The terms of `length` letters (words only: no digits, `c++` or `ci/cd`), sorted."""
        if self._by_length is None:
            self._by_length = {}
            for term in sorted(self._terms):
                if term.isalpha():
                    self._by_length.setdefault(len(term), []).append(term)
        return self._by_length.get(length, ())

    def count_of_length(self, length: int) -> int:
        """How many terms `alphabetic_of_length(length)` has."""
        return len(self.alphabetic_of_length(length))

    def alphabetic_starting(self, length: int, letter: str) -> Sequence[str]:
        """The terms of `alphabetic_of_length(length)` that start with `letter`."""
        words = self.alphabetic_of_length(length)
        start = bisect_left(words, letter)
        return words[start : bisect_left(words, chr(ord(letter) + 1), start)]

    def starting_with(self, prefix: str) -> list[str]:
        if self._sorted is None:
            self._sorted = sorted(self._terms)
        return with_prefix(self._sorted, prefix)

    def ending_with(self, suffix: str) -> list[str]:
        if self._reversed is None:
            self._reversed = sorted(term[::-1] for term in self._terms)
        return [term[::-1] for term in with_prefix(self._reversed, suffix[::-1])]


def with_prefix(ordered: Sequence[str], prefix: str) -> list[str]:
    """The strings of sorted `ordered` that start with `prefix`, found by bisection."""
    found = []
    for number in range(bisect_left(ordered, prefix), len(ordered)):
        term = ordered[number]
        if not term.startswith(prefix):
            break
        found.append(term)
    return found


@dataclass
class SearchIndex:
    """Inverted index over evidence items, with the vocabulary's stems for matching.

    `people`, `items` and `postings` may be lazy views of a stored index (`search.stored`): only
    what a question touches is decoded. `ids`, `tie_order` and `activity` are per person number."""

    people: Sequence[Profile]
    items: EvidenceItems = field(default_factory=lambda: EvidenceItems(b"", ()))
    postings: Mapping[str, Postings] = field(default_factory=dict)
    average_length: dict[str, float] = field(default_factory=dict)
    by_stem: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """English (`en:…`) and Dutch (`nl:…`) stems -> the vocabulary terms with that stem, sorted."""
    tie_order: Sequence[int] = field(default_factory=list)
    """Each person's place in the order of case-folded name, then id: equal scores are ranked so."""
    ids: Sequence[str] = field(default_factory=list)
    activity: Sequence[int] = field(default_factory=list)
    """How many contributions each person has, on or off any topic."""
    item_person: Sequence[int] = field(default_factory=list)
    """The person of each evidence item: a person's items are numbered together, so this never
    decreases (`person_items`)."""
    item_weight: Sequence[float] = field(default_factory=list)
    field_lengths: Mapping[str, Sequence[int]] = field(default_factory=dict)
    """Per field, the length of that field in each item (0: the item lacks the field)."""
    stored_vocabulary: Vocabulary | None = None
    """The vocabulary lists kept in a stored index; for a built index, made on first use."""
    person_frequencies: dict[str, int] = field(default_factory=dict)
    """How many people hold each term, as far as asked (a stored index has them all)."""
    bounds: ScoreBounds | None = None
    """Upper bounds on people's scores per long term (`search.bounds`), when the index has them."""
    stored_synonyms: object = None
    """The synonyms table kept with a stored index (`SynonymTable.record`), or None."""

    @property
    def vocabulary(self) -> Vocabulary:
        if self.stored_vocabulary is None:
            self.stored_vocabulary = Vocabulary(self.postings.keys())
        return self.stored_vocabulary

    def document_frequency(self, term: str) -> int:
        frequency = getattr(self.postings, "frequency", None)  # stored: counted without decoding
        if frequency is not None:
            return int(frequency(term))
        found = self.postings.get(term)
        return len(found.items) if found is not None else 0

    def person_frequency(self, term: str) -> int:
        """How many people have evidence with `term`."""
        frequency = getattr(self.postings, "person_frequency", None)  # stored: kept per term
        if frequency is not None:
            return int(frequency(term))
        known = self.person_frequencies.get(term)
        if known is None:
            found = self.postings.get(term)
            known = len(set(map(self.item_person.__getitem__, found.items))) if found is not None else 0
            self.person_frequencies[term] = known
        return known

    def person_items(self, person: int) -> range:
        """The numbers of a person's evidence items."""
        start = bisect_left(self.item_person, person)
        return range(start, bisect_right(self.item_person, person, start))

    def idf(self, term: str) -> float:
        """BM25's inverse document frequency, never negative, over people rather than pieces of
        evidence: a word that one expert uses in fifty answers is still rare among colleagues."""
        return idf(len(self.ids), self.person_frequency(term))

    def stem_variants(self, term: str) -> set[str]:
        """Vocabulary terms that share an English or Dutch stem with `term`."""
        english, dutch = stems(term)
        return {*self.by_stem.get("en:" + english, ()), *self.by_stem.get("nl:" + dutch, ())}


def idf(people: int, holders: int) -> float:
    """The IDF of a term that `holders` of `people` people hold."""
    return math.log(1.0 + (people - holders + 0.5) / (holders + 0.5))


class IndexSettings(NamedTuple):
    """What decides the weight of a piece of evidence before any query is asked."""

    half_life_years: float = 3.0
    as_of: date | None = None
    """Age is measured from this day; by default from the newest contribution in the directory."""
    level_weights: tuple[float, ...] = (0.6, 0.25, 0.45, 0.65, 0.85, 1.0)  # unknown, 1..5
    skill_weight: float = 6.0
    """A declared skill against one contribution: how many contributions it is worth."""
    role_weight: float = 0.5


def build_index(
    people: Sequence[Profile], settings: IndexSettings | None = None, *, progress: Progress | None = None
) -> SearchIndex:
    """Index every skill, contribution and role of `people`."""
    from .building import IndexBuilder  # numpy: only to build an index

    builder = IndexBuilder(people, settings)
    builder.add_everyone(progress)
    index = builder.index()
    index.postings = builder.take_postings().as_dict()
    index.by_stem = stem_table(sorted(index.postings))
    return index


def stem_table(terms: Iterable[str]) -> StemTable:
    """The English and Dutch stems of `terms` (sorted), each with the terms that have it."""
    by_stem = StemTable()
    terms = iter(terms)
    while chunk := list(islice(terms, STEM_CHUNK)):  # a chunk's stems at a time: less memory at once
        for term, (english, dutch) in zip(chunk, stem_pairs(chunk), strict=True):
            by_stem.add("en:" + english, term)
            by_stem.add("nl:" + dutch, term)
    return by_stem


def tie_order(people: Sequence[Profile]) -> list[int]:
    """Each person's place when sorted by case-folded name, then id (ids are unique, so no two
    people share a place): comparing two numbers is all that breaking a tie then takes."""
    keys = [(p.name.casefold(), p.id) for p in people]
    order = [0] * len(people)
    for place, person in enumerate(sorted(range(len(people)), key=keys.__getitem__)):
        order[person] = place
    return order


def newest_evidence(people: Sequence[Profile]) -> date | None:
    """The date of the newest contribution: evidence fades relative to it, so an archived
    directory keeps the balance between skills and contributions that it had when it was live."""
    newest = max((c.date for p in people for c in p.contributions if c.date), default=None)
    return date.fromisoformat(newest) if newest else None


def recency(when: str | None, today: date, half_life_years: float) -> float:
    """1.0 for evidence from today, halving every `half_life_years`; undated evidence counts fully."""
    if not when or half_life_years <= 0:
        return 1.0
    age_days = max(0, (today - date.fromisoformat(when)).days)
    return float(0.5 ** (age_days / (365.25 * half_life_years)))
