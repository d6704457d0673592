"""The search index on disk, next to the directory, so `ask` does not rebuild it every time.

One file, written when the directory changes: named sections (the vocabulary, the postings of
each term as packed integers, the evidence items and people as parallel arrays, each person as a
compact `marshal` record, the vocabulary by length and by ending for typo and compound search),
then a small `marshal` header with the table of sections (core types only: loading it can never
run code). `ask` maps the file and reads the sections in place: loading costs the same for 1,000
people as for 100,000, and only what a question touches is decoded (the postings of its terms and
the people in the answer). The header carries the generation of the directory it was built from
and the index settings; `load_index` returns None for anything that does not match exactly, and
the caller rebuilds.
"""

from __future__ import annotations

import contextlib
import heapq
import marshal
import mmap
import os
import shutil
import struct
import sys
import tempfile
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import accumulate, islice, repeat
from pathlib import Path
from typing import Any, BinaryIO, Literal, Protocol

from ..files import replacing
from ..models import Contribution, Profile, Skill
from ..progress import Progress, counted
from .index import (
    FIELDS,
    WIDTH,
    EvidenceItems,
    IndexBuilder,
    IndexSettings,
    Postings,
    SearchIndex,
    Vocabulary,
    stem_table,
    with_prefix,
)

MAGIC = b"EXPERTFIND-INDEX\x07"
FORMAT = (7, sys.version_info[0], sys.version_info[1], marshal.version, sys.byteorder)
DISPLAY_TEXT = 120
ALIGN = 8
_LENGTH = struct.Struct("<Q")


def settings_key(settings: object) -> str:
    return repr(settings)


class _Sections:
    """Named byte blobs written one after another, 8-byte aligned, straight to the file: the
    index is never held twice in memory."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.size = 0
        self.table: dict[str, tuple[int, int]] = {}
        self._pending = bytearray()

    def add(self, name: str, *blobs: bytes | bytearray | array[Any]) -> None:
        """One section made of `blobs`, in order."""
        self.add_all(name, blobs)

    def add_all(self, name: str, blobs: Iterable[bytes | bytearray | array[Any]]) -> None:
        """One section made of `blobs`, each written as it comes."""
        self._write(bytes(-self.size % ALIGN))
        start = self.size
        for blob in blobs:
            self._write(blob)
        self.table[name] = (start, self.size - start)

    def add_strings(self, name: str, strings: Iterable[str]) -> None:
        """Strings as one UTF-8 blob plus the offset where each starts (and where the last ends)."""
        starts = array("Q", [0])
        self.add_all(name, _counted(starts, (string.encode("utf-8") for string in strings)))
        self.add(name + ".starts", starts)

    def _write(self, blob: bytes | bytearray | array[Any]) -> None:
        self._pending += blob
        self.size += len(blob) * (blob.itemsize if isinstance(blob, array) else 1)
        if len(self._pending) >= 1 << 20:
            self.flush()

    def flush(self) -> None:
        self.handle.write(self._pending)
        self._pending.clear()


BLOCKS_PREFIX = ".expertfind-index-blocks-"
BLOCK_POSTINGS = 4_000_000
"""A directory with more postings than this is indexed in blocks spilled to disk and merged:
the postings of a whole organisation are never all in memory at once (4M is ~10,000 people)."""


def save_index(path: Path, index: SearchIndex, *, generation: str, settings: str) -> None:
    """Write `index` for the directory of `generation`, atomically and readable by its owner only.

    Layout: MAGIC; the sections (arrays of numbers, strings and packed postings, which
    `load_index` maps into memory without copying and reads only where a question looks); the
    header (marshal: the small things and the table of sections); the header's length."""
    _save(path, index, _PostingsInMemory(index), generation=generation, settings=settings)


def write_index(
    path: Path,
    people: Sequence[Profile],
    index_settings: IndexSettings,
    *,
    generation: str,
    settings: str,
    progress: Progress | None = None,
    block_postings: int = BLOCK_POSTINGS,
) -> None:
    """Index `people` and store the index exactly as `save_index(path, build_index(people))`
    would, holding about `block_postings` postings in memory at most: the postings built so
    far go to a block file now and then (in a private temporary folder next to `path`), and
    the blocks are merged into the index at the end."""
    builder = IndexBuilder(people, index_settings)
    remove_abandoned_blocks(path.parent)
    with contextlib.ExitStack() as stack:
        blocks: list[_Block] = []
        folder: list[Path] = []

        def spill() -> None:
            if not folder:  # made for the first block: a small directory needs none
                folder.append(stack.enter_context(_blocks_folder(path.parent)))
            blocks.append(_Block.spill(folder[0] / str(len(blocks)), builder))

        for number, profile in enumerate(counted(people, "Indexing", len(people), progress)):
            builder.add_person(number, profile)
            if builder.posting_count >= block_postings:
                spill()
        index = builder.index()
        source: _PostingSource
        if not blocks:
            index.postings = builder.take_postings()
            index.by_stem = stem_table(sorted(index.postings))
            source = _PostingsInMemory(index)
        else:
            spill()
            source = _MergedBlocks(blocks)
            index.by_stem = stem_table(source.terms)
        if progress is not None:
            progress("Saving", 0, 1)
        _save(path, index, source, generation=generation, settings=settings)
        if progress is not None:
            progress("Saving", 1, 1)


@contextlib.contextmanager
def _blocks_folder(parent: Path) -> Iterator[Path]:
    """A private folder for index blocks, named after this process so that one left by a killed
    build can be told from one in use; removed with everything in it at the end."""
    with tempfile.TemporaryDirectory(dir=parent, prefix=f"{BLOCKS_PREFIX}{os.getpid()}-") as folder:
        yield Path(folder)


def abandoned_blocks(folder: Path) -> list[Path]:
    """Block folders in `folder` left by an index build that was killed (its process is gone).
    Only POSIX can tell: elsewhere none are reported."""
    if os.name != "posix" or not folder.is_dir():  # whether a process runs: POSIX signal 0
        return []
    found = []
    for leftover in sorted(folder.glob(BLOCKS_PREFIX + "*")):
        owner = leftover.name[len(BLOCKS_PREFIX):].partition("-")[0]
        if owner.isdigit() and not _running(int(owner)):
            found.append(leftover)
    return found


def remove_abandoned_blocks(folder: Path) -> list[Path]:
    """Delete the block folders of killed index builds: they hold words from people's
    profiles, so they do not stay. Returns what was deleted."""
    removed = abandoned_blocks(folder)
    for leftover in removed:
        shutil.rmtree(leftover, ignore_errors=True)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process, or a system that cannot tell: leave it be
        return True
    return True


def _save(path: Path, index: SearchIndex, postings: _PostingSource, *, generation: str,
          settings: str) -> None:
    with replacing(path) as handle:
        handle.write(MAGIC)
        sections = _Sections(handle)
        header = _write_sections(sections, index, postings)
        sections.flush()
        header.update(format=FORMAT, generation=generation, settings=settings,
                      sections=sections.table)
        packed = marshal.dumps(header)
        handle.write(packed + _LENGTH.pack(len(packed)))


class _PostingSource(Protocol):
    """The postings of an index as its file holds them: the terms sorted, how many items and
    people hold each, and each term's packed postings (items, then counts) in that order."""

    terms: list[str]
    frequencies: array[int]
    people: array[int]

    def packed(self) -> Iterator[bytes | array[int]]: ...


class _PostingsInMemory:
    def __init__(self, index: SearchIndex) -> None:
        self._postings = index.postings
        self.terms = sorted(index.postings)
        self.frequencies = array("I", (len(index.postings[term].items) for term in self.terms))
        self.people = array("I", map(index.person_frequency, self.terms))

    def packed(self) -> Iterator[bytes | array[int]]:
        for term in self.terms:
            yield from self._postings[term]


class _Block:
    """Postings spilled to disk: the terms (sorted) with their item and person counts stay in
    memory; the packed postings go to a file that the merge reads once, front to back."""

    def __init__(self, path: Path, terms: list[str], frequencies: array[int], people: array[int]) -> None:
        self.path, self.terms, self.frequencies, self.people = path, terms, frequencies, people

    @classmethod
    def spill(cls, path: Path, builder: IndexBuilder) -> _Block:
        postings = builder.take_postings()
        terms = sorted(postings)
        item_person = builder.item_person
        frequencies = array("I", (len(postings[term].items) for term in terms))
        people = array("I", (len(set(map(item_person.__getitem__, postings[term].items))) for term in terms))
        with path.open("wb") as handle:
            for term in terms:
                items, counts = postings.pop(term)
                handle.write(items)
                handle.write(counts)
        return cls(path, terms, frequencies, people)


class _MergedBlocks:
    """The postings of blocks as one index holds them. Blocks follow each other in item order
    and a person's evidence is all in one block, so a term's postings are its blocks'
    postings one after another, and its people their sum."""

    def __init__(self, blocks: list[_Block]) -> None:
        self._blocks = blocks
        self.terms: list[str] = []
        self.frequencies = array("I")
        self.people = array("I")
        self._holders = array("I")
        """The blocks that hold each term, term after term (how many for each: `_holding`)."""
        self._holding = array("I")
        streams = [zip(block.terms, repeat(number), block.frequencies, block.people)
                   for number, block in enumerate(blocks)]  # a term's blocks come in block order
        last: str | None = None
        for term, number, frequency, people in heapq.merge(*streams):
            if term != last:
                self.terms.append(term)
                self.frequencies.append(frequency)
                self.people.append(people)
                self._holding.append(1)
                last = term
            else:
                self.frequencies[-1] += frequency
                self.people[-1] += people
                self._holding[-1] += 1
            self._holders.append(number)
        for block in blocks:
            block.terms = []  # the merged list holds them

    def packed(self) -> Iterator[bytes | array[int]]:
        blocks = self._blocks
        with contextlib.ExitStack() as stack:
            files = [stack.enter_context(block.path.open("rb")) for block in blocks]
            taken = [0] * len(blocks)
            holders = iter(self._holders)
            for holding in self._holding:
                items, counts = [], []
                for number in islice(holders, holding):
                    frequency = blocks[number].frequencies[taken[number]]
                    taken[number] += 1
                    items.append(files[number].read(frequency * 4))
                    counts.append(files[number].read(frequency * 2 * WIDTH))
                yield b"".join(items)
                yield b"".join(counts)


def _write_sections(sections: _Sections, index: SearchIndex, postings: _PostingSource) -> dict[str, Any]:
    terms = postings.terms
    sections.add_strings("terms", terms)
    posting_size = 4 + 2 * WIDTH  # an item number (I) and its counts per field (H)
    sections.add("term_offsets", array("Q", accumulate((f * posting_size for f in postings.frequencies),
                                                       initial=0)))
    sections.add("term_frequencies", postings.frequencies)
    sections.add("term_people", postings.people)
    sections.add_all("postings", postings.packed())
    endings = [term[::-1] for term in terms]
    sections.add("terms_by_ending", array("I", sorted(range(len(terms)), key=endings.__getitem__)))
    del endings
    by_length: dict[int, list[str]] = {}
    for term in terms:
        if term.isalpha():
            by_length.setdefault(len(term), []).append(term)
    for length, words in by_length.items():
        sections.add(f"alphabetic.{length}", "\n".join(words).encode("utf-8"))
    stem_keys = sorted(index.by_stem)
    sections.add_strings("stem_keys", stem_keys)
    sections.add_strings("stem_terms", (" ".join(index.by_stem[key]) for key in stem_keys))
    sections.add("tie_order", array("I", index.tie_order))
    sections.add_strings("ids", index.ids)
    starts = array("Q", [0])
    sections.add_all("people", _counted(starts, (marshal.dumps(_person_record(p)) for p in index.people)))
    sections.add("people.starts", starts)
    sections.add("activity", array("I", index.activity))
    sections.add("item_person", array("I", index.item_person))
    sections.add("item_source", bytes(index.items.sources))
    sections.add("item_ref", array("I", index.items.refs))
    sections.add("item_weight", array("d", index.item_weight))
    for name in FIELDS:
        sections.add(f"lengths.{name}", array("I", index.field_lengths[name]))
    return {"average_length": dict(index.average_length), "alphabetic_lengths": sorted(by_length)}


def load_index(path: Path, *, generation: str, settings: str) -> SearchIndex | None:
    """The stored index when it was built from exactly this directory generation and these
    settings; None when it is missing, damaged, stale or from another Python."""
    try:
        with path.open("rb") as handle:
            if handle.read(len(MAGIC)) != MAGIC:
                return None
            size = handle.seek(0, 2)
            handle.seek(size - _LENGTH.size)
            (length,) = _LENGTH.unpack(handle.read(_LENGTH.size))
            end = size - _LENGTH.size - length
            if end < len(MAGIC):
                return None
            handle.seek(end)
            header = marshal.loads(handle.read(length))
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                return None
            if header.get("generation") != generation or header.get("settings") != settings:
                return None
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError, EOFError, TypeError, struct.error):
        return None
    try:
        return _index_from(header, _View(memoryview(mapped)[len(MAGIC):end], header["sections"]))
    except (KeyError, TypeError, ValueError, IndexError):
        return None


class _View:
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


def _index_from(header: dict[str, Any], view: _View) -> SearchIndex:
    terms = view.strings("terms")
    return SearchIndex(
        people=StoredPeople(view.integers("people.starts", "Q"), view.raw("people")),
        items=EvidenceItems(view.raw("item_source"), view.integers("item_ref", "I")),
        item_person=view.integers("item_person", "I"),
        item_weight=view.floats("item_weight"),
        field_lengths={name: view.integers(f"lengths.{name}", "I") for name in FIELDS},
        postings=StoredPostings(terms, view.integers("term_offsets", "Q"),
                                view.integers("term_frequencies", "I"), view.integers("term_people", "I"),
                                view.raw("postings")),
        average_length=header["average_length"],
        by_stem=StoredStems(view.strings("stem_keys"), view.strings("stem_terms")),
        tie_order=view.integers("tie_order", "I"),
        ids=view.strings("ids"),
        activity=view.integers("activity", "I"),
        stored_vocabulary=StoredVocabulary(
            terms, view.integers("terms_by_ending", "I"),
            {length: view.raw(f"alphabetic.{length}") for length in header["alphabetic_lengths"]},
        ),
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

    def __iter__(self) -> Iterator[str]:
        return iter(self._terms)

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
                 alphabetic: dict[int, memoryview]) -> None:
        super().__init__(())
        self._sorted_terms = terms
        self._by_ending = _Reversed(terms, by_ending)
        self._alphabetic = alphabetic
        self._split: dict[int, list[str]] = {}

    def alphabetic_of_length(self, length: int) -> Sequence[str]:
        if length not in self._split:
            blob = self._alphabetic.get(length)
            self._split[length] = str(blob, "utf-8").split("\n") if blob is not None else []
        return self._split[length]

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
            person = _person_from(marshal.loads(self._blobs[start:end]))
            self._built[number] = person
        return person

    def __len__(self) -> int:
        return len(self._offsets) - 1


def _counted(ends: array[int], blobs: Iterable[bytes]) -> Iterator[bytes]:
    """`blobs`, noting in `ends` where each ends as it goes by."""
    for blob in blobs:
        ends.append(ends[-1] + len(blob))
        yield blob


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
