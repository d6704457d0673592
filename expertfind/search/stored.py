"""The search index on disk, next to the directory, so `ask` does not rebuild it every time.

One file, written when the directory changes: the postings of each term as packed integers,
evidence items as parallel arrays, and each person as a compact record, all in Python's `marshal`
format (core types only: loading it can never run code). It carries the generation of the
directory it was built from and the index settings; `load_index` returns None for anything that
does not match exactly, and the caller rebuilds. Only what a question touches is decoded: the
postings of its terms, the evidence items they point at, and the people who end up in the answer.
"""

from __future__ import annotations

import marshal
import mmap
import struct
import sys
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..files import atomic_write_bytes
from ..models import Contribution, Profile, Skill
from .index import FIELDS, EvidenceItem, Postings, SearchIndex

MAGIC = b"EXPERTFIND-INDEX\x04"
FORMAT = (4, sys.version_info[0], sys.version_info[1], marshal.version)
SOURCES = {"skill": 0, "contribution": 1, "role": 2}
SOURCE_NAMES = {v: k for k, v in SOURCES.items()}
DISPLAY_TEXT = 120
_LENGTH = struct.Struct("<Q")


def settings_key(settings: object) -> str:
    return repr(settings)


def save_index(path: Path, index: SearchIndex, *, generation: str, settings: str) -> None:
    """Write `index` for the directory of `generation`, atomically and readable by its owner only.

    Layout: MAGIC, the length of the header, the header (marshal: everything small, with the
    offset of each term's postings and each person's record), then the postings and the people
    as byte blobs that `load_index` maps into memory and decodes only when asked."""
    items = index.items
    blobs = bytearray()
    terms = sorted(index.postings)
    offsets, frequencies = array("Q"), array("I")
    for term in terms:
        postings = index.postings[term]
        offsets.append(len(blobs))
        frequencies.append(len(postings.items))
        blobs += postings.items.tobytes()
        blobs += postings.counts.tobytes()
    offsets.append(len(blobs))
    stem_keys = sorted(index.by_stem)
    people_offsets = array("Q")
    for person in index.people:
        people_offsets.append(len(blobs))
        blobs += marshal.dumps(_person_record(person))
    people_offsets.append(len(blobs))
    header = {
        "format": FORMAT,
        "generation": generation,
        "settings": settings,
        "average_length": dict(index.average_length),
        "names": list(index.names),
        "ids": list(index.ids),
        "activity": array("I", index.activity).tobytes(),
        "people": people_offsets.tobytes(),
        "item_person": array("I", index.item_person).tobytes(),
        "item_source": bytes(SOURCES[i.source] for i in items),
        "item_ref": array("I", (i.ref for i in items)).tobytes(),
        "item_weight": array("d", index.item_weight).tobytes(),
        "item_lengths": [array("I", index.field_lengths[name]).tobytes() for name in FIELDS],
        "terms": "\n".join(terms),
        "term_offsets": offsets.tobytes(),
        "term_frequencies": frequencies.tobytes(),
        "stem_keys": "\n".join(stem_keys),
        "stem_terms": "\n".join(" ".join(sorted(index.by_stem[key])) for key in stem_keys),
    }
    packed = marshal.dumps(header)
    atomic_write_bytes(path, b"".join((MAGIC, _LENGTH.pack(len(packed)), packed, bytes(blobs))))


def load_index(path: Path, *, generation: str, settings: str) -> SearchIndex | None:
    """The stored index when it was built from exactly this directory generation and these
    settings; None when it is missing, damaged, stale or from another Python."""
    try:
        with path.open("rb") as handle:
            if handle.read(len(MAGIC)) != MAGIC:
                return None
            (length,) = _LENGTH.unpack(handle.read(_LENGTH.size))
            header = marshal.loads(handle.read(length))
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                return None
            if header.get("generation") != generation or header.get("settings") != settings:
                return None
            blobs = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError, EOFError, TypeError, struct.error):
        return None
    try:
        return _index_from(header, memoryview(blobs)[len(MAGIC) + _LENGTH.size + length:])
    except (KeyError, TypeError, ValueError):
        return None


def _index_from(header: dict[str, Any], blobs: memoryview) -> SearchIndex:
    return SearchIndex(
        people=StoredPeople(_array("Q", header["people"]), blobs),
        items=StoredItems(header["item_source"], _array("I", header["item_ref"])),
        item_person=_array("I", header["item_person"]),
        item_weight=_array("d", header["item_weight"]),
        field_lengths={name: _array("I", packed)
                       for name, packed in zip(FIELDS, header["item_lengths"], strict=True)},
        postings=StoredPostings(header["terms"].split("\n") if header["terms"] else [],
                                _array("Q", header["term_offsets"]),
                                _array("I", header["term_frequencies"]), blobs),
        average_length=header["average_length"],
        by_stem=StoredStems(header["stem_keys"], header["stem_terms"]),
        names=header["names"],
        ids=header["ids"],
        activity=_array("I", header["activity"]),
    )


class StoredPostings(Mapping[str, Postings]):
    """Postings copied out of the mapped file term by term, when a question asks for them; terms
    are kept sorted and found by bisection, so loading builds no dictionary of the vocabulary."""

    def __init__(self, terms: list[str], offsets: array[int], frequencies: array[int],
                 blobs: memoryview) -> None:
        self._terms = terms
        self._offsets = offsets
        self._frequencies = frequencies
        self._blobs = blobs
        self._decoded: dict[str, Postings] = {}

    def _find(self, term: object) -> int:
        if not isinstance(term, str):
            return -1
        number = bisect_left(self._terms, term)
        return number if number < len(self._terms) and self._terms[number] == term else -1

    def __getitem__(self, term: str) -> Postings:
        found = self._decoded.get(term)
        if found is None:
            number = self._find(term)
            if number < 0:
                raise KeyError(term)
            start, end = self._offsets[number], self._offsets[number + 1]
            middle = start + 4 * self._frequencies[number]
            found = Postings(_array("I", self._blobs[start:middle]), _array("H", self._blobs[middle:end]))
            self._decoded[term] = found
        return found

    def __contains__(self, term: object) -> bool:
        return self._find(term) >= 0

    def __iter__(self) -> Iterator[str]:
        return iter(self._terms)

    def __len__(self) -> int:
        return len(self._terms)


class StoredStems(Mapping[str, tuple[str, ...]]):
    """Stem -> vocabulary terms, as two sorted lists searched by bisection."""

    def __init__(self, keys: str, terms: str) -> None:
        self._keys = keys.split("\n") if keys else []
        self._terms = terms.split("\n") if keys else []

    def __getitem__(self, key: str) -> tuple[str, ...]:
        number = bisect_left(self._keys, key)
        if number < len(self._keys) and self._keys[number] == key:
            return tuple(self._terms[number].split(" "))
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


class StoredItems(Sequence[EvidenceItem]):
    """What each evidence item is (skill, contribution or role, and which one), built when an
    answer shows it."""

    def __init__(self, sources: bytes, refs: array[int]) -> None:
        self._sources = sources
        self._refs = refs

    def __getitem__(self, number: int) -> EvidenceItem:  # type: ignore[override]
        return EvidenceItem(SOURCE_NAMES[self._sources[number]], self._refs[number])

    def __len__(self) -> int:
        return len(self._refs)


class StoredPeople(Sequence[Profile]):
    """People decoded one by one: only those in an answer ever are."""

    def __init__(self, offsets: array[int], blobs: memoryview) -> None:
        self._offsets = offsets
        self._blobs = blobs
        self._built: dict[int, Profile] = {}

    def __getitem__(self, number: int) -> Profile:  # type: ignore[override]
        person = self._built.get(number)
        if person is None:
            start, end = self._offsets[number], self._offsets[number + 1]
            person = _person_from(marshal.loads(self._blobs[start:end]))
            self._built[number] = person
        return person

    def __len__(self) -> int:
        return len(self._offsets) - 1


def _array(code: str, packed: bytes | memoryview) -> array[Any]:
    numbers = array(code)
    numbers.frombytes(packed)
    return numbers


def _person_record(p: Profile) -> tuple[Any, ...]:
    """What an answer shows of a person: everything but contribution texts (their start stays,
    for contributions without a title) and unknown fields."""
    return (
        p.id, p.name, p.email, p.title, p.team, p.location, tuple(p.languages),
        tuple((s.name, s.level) for s in p.skills), tuple(p.interests),
        tuple((c.kind, c.title, c.url, c.date, tuple(c.tags), "" if c.title else c.text[:DISPLAY_TEXT])
              for c in p.contributions),
        p.available, p.max_questions_per_week,
    )


def _person_from(record: tuple[Any, ...]) -> Profile:
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
