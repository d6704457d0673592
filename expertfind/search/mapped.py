"""A stored index read in place: the sections of the mapped file as typed views, and the
collections over them that `ask` uses (terms, postings, stems, vocabulary, people). Nothing is
decoded until a question looks at it, so loading costs the same for 1,000 people as for 100,000.
"""

from __future__ import annotations

import marshal
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

from ..models import Contribution, Profile, Skill
from .bounds import ScoreBounds, TermBounds
from .index import FIELDS, EvidenceItems, Postings, SearchIndex, Vocabulary, with_prefix

DISPLAY_TEXT = 120
"""How much of an untitled contribution's text a stored person keeps, to show in answers."""


class MappedSections:
    """The sections of a mapped index file, as typed views that copy nothing."""

    def __init__(self, data: memoryview, table: dict[str, tuple[int, int]]) -> None:
        self._data = data
        self._table = table

    def raw(self, name: str) -> memoryview:
        start, size = self._table[name]
        if start + size > len(self._data):
            raise ValueError(f"section {name} runs past the end of the file")
        return self._data[start : start + size]

    def integers(self, name: str, code: Literal["I", "Q"]) -> memoryview[int]:
        return self.raw(name).cast(code)

    def floats(self, name: str) -> memoryview[float]:
        return self.raw(name).cast("d")

    def strings(self, name: str) -> StoredStrings:
        return StoredStrings(self.raw(name), self.integers(name + ".starts", "Q"))


def mapped_index(header: dict[str, Any], view: MappedSections) -> SearchIndex:
    """The index whose sections `view` maps, as `header` describes them."""
    terms = view.strings("terms")
    postings = StoredPostings(terms, view.integers("term_offsets", "Q"),
                              view.integers("term_frequencies", "I"), view.integers("term_people", "I"),
                              view.raw("postings"))
    return SearchIndex(
        people=StoredPeople(view.integers("people.starts", "Q"), view.raw("people")),
        items=EvidenceItems(view.raw("item_source"), view.integers("item_ref", "I")),
        item_person=view.integers("item_person", "I"),
        item_weight=view.floats("item_weight"),
        field_lengths={name: view.integers(f"lengths.{name}", "I") for name in FIELDS},
        postings=postings,
        average_length=header["average_length"],
        by_stem=StoredStems(view.strings("stem_keys"), view.strings("stem_terms")),
        tie_order=view.integers("tie_order", "I"),
        ids=view.strings("ids"),
        activity=view.integers("activity", "I"),
        stored_vocabulary=StoredVocabulary(
            terms, view.integers("terms_by_ending", "I"),
            {length: view.raw(f"alphabetic.{length}") for length in header["alphabetic_lengths"]},
            header["alphabetic_letters"],
        ),
        stored_synonyms=header.get("synonyms"),
        bounds=ScoreBounds(header["bounds"], header["ceiling"], StoredBounds(
            postings, view.integers("bounded_terms", "I"), view.integers("bound_starts", "Q"),
            view.integers("bound_people", "I"), view.floats("bound_values"))),
    )


class StoredStrings(Sequence[str]):
    """A list of strings in a mapped file, decoded one at a time (so bisection decodes a few)."""

    def __init__(self, blob: memoryview, starts: memoryview) -> None:
        self._blob = blob
        self._starts = starts

    def __getitem__(self, number: int) -> str:  # type: ignore[override]
        if not 0 <= number < len(self._starts) - 1:
            raise IndexError(number)
        return str(self._blob[self._starts[number] : self._starts[number + 1]], "utf-8")

    def __len__(self) -> int:
        return len(self._starts) - 1


class StoredPostings(Mapping[str, Postings]):
    """Postings copied out of the mapped file term by term, when a question asks for them; terms
    are kept sorted and found by bisection, so loading builds no dictionary of the vocabulary."""

    def __init__(self, terms: StoredStrings, offsets: memoryview[int], frequencies: memoryview[int],
                 people: memoryview[int], blobs: memoryview) -> None:
        self._terms = terms
        self._offsets = offsets
        self._frequencies = frequencies
        self._people = people
        self._blobs = blobs
        self._decoded: dict[str, Postings] = {}
        self._numbers: dict[str, int] = {}
        """Where each term looked up so far is (-1: nowhere): a question asks about its words
        again and again (as written, stemmed, in compounds, for their frequencies)."""

    def _find(self, term: object) -> int:
        if not isinstance(term, str):
            return -1
        number = self._numbers.get(term)
        if number is None:
            number = bisect_left(self._terms, term)
            if number == len(self._terms) or self._terms[number] != term:
                number = -1
            self._numbers[term] = number
        return number

    def __getitem__(self, term: str) -> Postings:
        found = self._decoded.get(term)
        if found is None:
            number = self._find(term)
            if number < 0:
                raise KeyError(term)
            start, end = self._offsets[number], self._offsets[number + 1]
            middle = start + 4 * self._frequencies[number]
            found = Postings(unpacked("I", self._blobs[start:middle]), unpacked("H", self._blobs[middle:end]))
            self._decoded[term] = found
        return found

    def in_place(self, term: str) -> Postings:
        """A term's postings read where they are in the mapped file, not copied: for reading a
        few of them (`search.ranking.PostingsOfSome`)."""
        number = self._find(term)
        if number < 0:
            raise KeyError(term)
        start, end = self._offsets[number], self._offsets[number + 1]
        middle = start + 4 * self._frequencies[number]
        return Postings(self._blobs[start:middle].cast("I"), self._blobs[middle:end].cast("H"))  # type: ignore[arg-type]

    def number(self, term: str) -> int:
        """The term's place in the sorted vocabulary, or -1."""
        return self._find(term)

    def frequency(self, term: str) -> int:
        """How many items hold `term`, without decoding its postings."""
        number = self._find(term)
        return self._frequencies[number] if number >= 0 else 0

    def person_frequency(self, term: str) -> int:
        """How many people hold `term`."""
        number = self._find(term)
        return self._people[number] if number >= 0 else 0

    def __contains__(self, term: object) -> bool:
        return self._find(term) >= 0

    def term(self, number: int) -> str:
        return self._terms[number]

    def __iter__(self) -> Iterator[str]:
        return iter(self._terms)

    def __len__(self) -> int:
        return len(self._terms)


class StoredBounds(Mapping[str, TermBounds]):
    """The score bounds of the long terms: the terms by their number in the vocabulary (sorted),
    where each one's people and values start, and the people and values, read in place."""

    def __init__(self, postings: StoredPostings, terms: memoryview[int], starts: memoryview[int],
                 people: memoryview[int], values: memoryview[float]) -> None:
        self._postings = postings
        self._terms = terms
        self._starts = starts
        self._people = people
        self._values = values

    def __getitem__(self, term: str) -> TermBounds:
        number = self._postings.number(term)
        place = bisect_left(self._terms, number) if number >= 0 else len(self._terms)
        if place == len(self._terms) or self._terms[place] != number:
            raise KeyError(term)
        start, end = self._starts[place], self._starts[place + 1]
        return TermBounds(self._people[start:end], self._values[start:end])

    def __iter__(self) -> Iterator[str]:
        return (self._postings.term(number) for number in self._terms)

    def __len__(self) -> int:
        return len(self._terms)


class StoredStems(Mapping[str, tuple[str, ...]]):
    """Stem -> vocabulary terms, as two sorted lists searched by bisection."""

    def __init__(self, keys: StoredStrings, terms: StoredStrings) -> None:
        self._keys = keys
        self._terms = terms

    def __getitem__(self, key: str) -> tuple[str, ...]:
        number = bisect_left(self._keys, key)
        if number < len(self._keys) and self._keys[number] == key:
            return tuple(self._terms[number].split(" "))
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


class _Reversed(Sequence[str]):
    """The terms in the order of their reversed spelling, each reversed: bisection finds endings."""

    def __init__(self, terms: StoredStrings, order: memoryview) -> None:
        self._terms = terms
        self._order = order

    def __getitem__(self, number: int) -> str:  # type: ignore[override]
        return self._terms[self._order[number]][::-1]

    def __len__(self) -> int:
        return len(self._order)


class StoredVocabulary(Vocabulary):
    """The vocabulary lists of a stored index: read where a question looks, never built."""

    def __init__(self, terms: StoredStrings, by_ending: memoryview,
                 alphabetic: dict[int, memoryview],
                 letters: dict[int, tuple[int, dict[str, tuple[int, int]]]]) -> None:
        """`letters`: per length, how many words and where the words of each first letter are."""
        super().__init__(())
        self._sorted_terms = terms
        self._by_ending = _Reversed(terms, by_ending)
        self._alphabetic = alphabetic
        self._letters = letters
        self._split: dict[int, list[str]] = {}

    def alphabetic_of_length(self, length: int) -> Sequence[str]:
        if length not in self._split:
            blob = self._alphabetic.get(length)
            self._split[length] = str(blob, "utf-8").split("\n") if blob is not None else []
        return self._split[length]

    def count_of_length(self, length: int) -> int:
        return self._letters[length][0] if length in self._letters else 0

    def alphabetic_starting(self, length: int, letter: str) -> Sequence[str]:
        if length in self._split:
            return super().alphabetic_starting(length, letter)
        start, end = self._letters.get(length, (0, {}))[1].get(letter, (0, 0))
        blob = self._alphabetic.get(length)
        return str(blob[start:end], "utf-8").split("\n") if blob is not None and end > start else []

    def starting_with(self, prefix: str) -> list[str]:
        return with_prefix(self._sorted_terms, prefix)

    def ending_with(self, suffix: str) -> list[str]:
        return [term[::-1] for term in with_prefix(self._by_ending, suffix[::-1])]


class StoredPeople(Sequence[Profile]):
    """People decoded one by one: only those in an answer ever are."""

    def __init__(self, offsets: memoryview, blobs: memoryview) -> None:
        self._offsets = offsets
        self._blobs = blobs
        self._built: dict[int, Profile] = {}

    def __getitem__(self, number: int) -> Profile:  # type: ignore[override]
        person = self._built.get(number)
        if person is None:
            start, end = self._offsets[number], self._offsets[number + 1]
            person = person_from(marshal.loads(self._blobs[start:end]))
            self._built[number] = person
        return person

    def contribution_tags(self, number: int) -> list[tuple[str, ...]]:
        """The tags of each of a person's contributions, without making their profile."""
        person = self._built.get(number)
        if person is not None:
            return [contribution.tags for contribution in person.contributions]
        start, end = self._offsets[number], self._offsets[number + 1]
        return [contribution[4] for contribution in marshal.loads(self._blobs[start:end])[9]]

    def __len__(self) -> int:
        return len(self._offsets) - 1


def unpacked(code: str, packed: bytes | memoryview) -> array[Any]:
    """Numbers of type `code` packed in `packed`, as an array of their own."""
    numbers = array(code)
    numbers.frombytes(packed)
    return numbers


def person_record(p: Profile) -> tuple[Any, ...]:
    """What an answer shows of a person: everything but contribution texts (their start stays,
    for contributions without a title) and unknown fields."""
    return (
        p.id, p.name, p.email, p.title, p.team, p.location, tuple(p.languages),
        tuple((s.name, s.level) for s in p.skills), tuple(p.interests),
        tuple((c.kind, c.title, c.url, c.date, tuple(c.tags), "" if c.title else c.text[:DISPLAY_TEXT])
              for c in p.contributions),
        p.available, p.max_questions_per_week,
    )


def person_from(record: tuple[Any, ...]) -> Profile:
    (person_id, name, email, title, team, location, languages, skills, interests, contributions,
     available, limit) = record
    return Profile(
        id=person_id, name=name, email=email, title=title, team=team, location=location,
        languages=tuple(languages), skills=tuple(Skill(n, lvl) for n, lvl in skills),
        interests=tuple(interests),
        contributions=tuple(Contribution(kind=k, title=t, url=u, date=d, tags=tuple(tags), text=x)
                            for k, t, u, d, tags, x in contributions),
        available=available, max_questions_per_week=limit,
    )
