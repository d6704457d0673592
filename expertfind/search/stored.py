"""The search index on disk, next to the directory, so `ask` does not rebuild it every time.

One file, written when the directory changes (a big directory's postings through
`search.blocks`): named sections (the vocabulary, the postings of each term as packed integers,
the evidence items and people as parallel arrays, each person as a compact `marshal` record, the
vocabulary by length and by ending for typo and compound search, the score bounds of the long
terms for the default scoring settings: `search.bounds`), then a small `marshal` header
with the table of sections (core types only: loading it can never run code). `ask` maps the file
and reads the sections in place (`search.mapped`): only what a question touches is decoded (the
postings of its terms and the people in the answer). The header carries the generation of the
directory it was built from and the index settings; `load_index` returns None for anything that
does not match exactly, and the caller rebuilds.
"""

from __future__ import annotations

import contextlib
import marshal
import mmap
import struct
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate, islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from ..files import WRITE_CHUNK, replacing, written_meanwhile
from ..models import Profile
from ..progress import Progress
from .blocks import BLOCK_OCCURRENCES, Spilled, blocks_folder, remove_abandoned_blocks
from .bounds import LongTermBounds, bounded, ceiling, postings_enough
from .index import FIELDS, WIDTH, IndexSettings, SearchIndex, idf
from .mapped import MappedSections, mapped_index, person_record
from .scoring import ScoringSettings

if TYPE_CHECKING:
    from .ahead import IndexAhead
    from .building import IndexBuilder, TermNumbering
    from .lookups import LookupsElsewhere

MAGIC = b"EXPERTFIND-INDEX\x07"
FORMAT = (9, sys.version_info[0], sys.version_info[1], marshal.version, sys.byteorder)
ALIGN = 8
NUMBERING_PROCESS_FROM = 2_000
"""From this many people on, an index build reads their words in a second process too, and
the lookups of its vocabulary are made in one while the postings are written. Imports
measured on a 2-core machine (medians, one process -> two): 1,000 people 2.17 -> 2.10 s (level:
starting a second Python costs about what it saves), 2,000 people 4.34 -> 3.79 s."""
_LENGTH = struct.Struct("<Q")
Packed: TypeAlias = "bytes | memoryview | array[int]"
"""Postings on their way to the file: arrays from memory, bytes or views from grouped blocks."""


def settings_key(settings: object) -> str:
    return repr(settings)


class _Sections:
    """Named byte blobs written one after another, 8-byte aligned, straight to the file: the
    index is never held twice in memory."""

    def __init__(self, write: Callable[[bytes | bytearray], None]) -> None:
        self.write = write
        self.size = 0
        self.table: dict[str, tuple[int, int]] = {}
        self._pending = bytearray()

    def add(self, name: str, *blobs: bytes | bytearray | memoryview | array[Any]) -> None:
        """One section made of `blobs`, in order."""
        self.add_all(name, blobs)

    def add_all(self, name: str, blobs: Iterable[bytes | bytearray | memoryview | array[Any]]) -> None:
        """One section made of `blobs`, each written as it comes."""
        self._write(bytes(-self.size % ALIGN))
        start = self.size
        for blob in blobs:
            self._write(blob)
        self.table[name] = (start, self.size - start)

    def add_strings(self, name: str, strings: Iterable[str]) -> None:
        """Strings as one UTF-8 blob plus the offset where each starts (and where the last ends)."""
        starts = array("Q", [0])
        self.add_all(name, _joined(starts, (string.encode("utf-8") for string in strings)))
        self.add(name + ".starts", starts)

    def _write(self, blob: bytes | bytearray | memoryview | array[Any]) -> None:
        self._pending += blob
        self.size += len(blob) * (blob.itemsize if isinstance(blob, array) else 1)
        if len(self._pending) >= WRITE_CHUNK:
            self.flush()

    def flush(self) -> None:
        self.write(self._pending)
        self._pending = bytearray()


def save_index(path: Path, index: SearchIndex, *, generation: str, settings: str) -> None:
    """Write `index` for the directory of `generation`, atomically and readable by its owner only.

    Layout: MAGIC; the sections (arrays of numbers, strings and packed postings, which
    `load_index` maps into memory without copying and reads only where a question looks); the
    header (marshal: the small things and the table of sections); the header's length."""
    _save(path, index, _PostingsInMemory(index), generation=generation, settings=settings,
          lookups_elsewhere=False)


def write_index(
    path: Path,
    people: Sequence[Profile],
    index_settings: IndexSettings,
    *,
    generation: str,
    settings: str,
    progress: Progress | None = None,
    block_occurrences: int = BLOCK_OCCURRENCES,
    numbering_process_from: int = NUMBERING_PROCESS_FROM,
    synonyms: object = None,
    ahead: IndexAhead | None = None,
) -> None:
    """Index `people` and store the index exactly as `save_index(path, build_index(people))`
    would, holding the postings of about `block_occurrences` term occurrences in memory at
    most: the postings built so far go to a block file now and then (in a private temporary
    folder next to `path`), and the blocks are merged into the index at the end. The build
    goes on from `ahead` when that was begun with these people (and the same settings)."""
    from .building import IndexBuilder  # numpy: only to build an index
    from .numbering import NumberingFailed, SharedNumbering

    remove_abandoned_blocks(path.parent)
    builder = ahead.take(people) if ahead is not None else None
    two_processes = builder is not None
    if builder is None:
        numbering: TermNumbering | None = None  # the builder's own: words read in this process
        if len(people) >= numbering_process_from:
            with contextlib.suppress(OSError):  # no second process here: words are read in this one
                numbering = SharedNumbering()
        two_processes = numbering is not None
        builder = IndexBuilder(people, index_settings, numbering, block_occurrences=block_occurrences)
    try:
        _build_and_save(path, builder, generation=generation, settings=settings, progress=progress,
                        synonyms=synonyms, lookups_elsewhere=two_processes)
    except NumberingFailed:  # the second process is gone: read the words in this one instead
        write_index(path, people, index_settings, generation=generation, settings=settings,
                    progress=progress, block_occurrences=block_occurrences,
                    numbering_process_from=len(people) + 1, synonyms=synonyms)


def _build_and_save(path: Path, builder: IndexBuilder, *, generation: str, settings: str,
                    progress: Progress | None, synonyms: object, lookups_elsewhere: bool) -> None:
    with contextlib.ExitStack() as stack:
        stack.callback(builder.close)
        spilled: Spilled | None = None

        def spill() -> Spilled:
            nonlocal spilled
            if spilled is None:  # made for the first block: a small directory needs none
                folder = stack.enter_context(blocks_folder(path.parent))
                spilled = stack.enter_context(Spilled(folder / "postings"))
            spilled.spill(builder)
            return spilled

        builder.add_everyone(progress, spill)
        index = builder.index()
        index.stored_synonyms = synonyms
        source: _PostingSource
        if spilled is None:
            source = builder.take_postings()
        else:  # the last block spilled too, then all of them merged
            source = spill().merged()
        if progress is not None:
            progress("Saving", 0, 1)
        _save(path, index, source, generation=generation, settings=settings,
              lookups_elsewhere=lookups_elsewhere)
        if progress is not None:
            progress("Saving", 1, 1)


def _save(path: Path, index: SearchIndex, postings: _PostingSource, *, generation: str,
          settings: str, lookups_elsewhere: bool) -> None:
    """Write the index file; with `lookups_elsewhere`, the vocabulary's lookups are made by a
    second process meanwhile (when one can be started)."""
    from .lookups import LookupsElsewhere  # subprocess: only to write an index

    with replacing(path) as handle, written_meanwhile(handle) as write, contextlib.ExitStack() as stack:
        elsewhere: LookupsElsewhere | None = None
        if lookups_elsewhere and not index.by_stem:
            with contextlib.suppress(OSError):  # no second process here: made in this one
                elsewhere = LookupsElsewhere(postings.terms)
                stack.callback(elsewhere.close)
        write(MAGIC)
        sections = _Sections(write)
        header = _write_sections(sections, index, postings, elsewhere)
        sections.flush()
        header.update(format=FORMAT, generation=generation, settings=settings, synonyms=index.stored_synonyms,
                      sections=sections.table)
        packed = marshal.dumps(header)
        write(packed + _LENGTH.pack(len(packed)))


class _PostingSource(Protocol):
    """The postings of an index as its file holds them: the terms sorted, how many items and
    people hold each, and each term's packed postings (items, then counts) in that order."""

    terms: list[str]
    frequencies: array[int]
    people: array[int]

    def packed(self) -> Iterator[Packed]: ...


class _PostingsInMemory:
    def __init__(self, index: SearchIndex) -> None:
        self._postings = index.postings
        self.terms = sorted(index.postings)
        self.frequencies = array("I", (len(index.postings[term].items) for term in self.terms))
        self.people = array("I", map(index.person_frequency, self.terms))

    def packed(self) -> Iterator[bytes | array[int]]:
        for term in self.terms:
            yield from self._postings[term]


def _write_sections(sections: _Sections, index: SearchIndex, postings: _PostingSource,
                    elsewhere: LookupsElsewhere | None) -> dict[str, Any]:
    terms = postings.terms
    sections.add_strings("terms", terms)
    posting_size = 4 + 2 * WIDTH  # an item number (I) and its counts per field (H)
    sections.add("term_offsets", array("Q", accumulate((f * posting_size for f in postings.frequencies),
                                                       initial=0)))
    sections.add("term_frequencies", postings.frequencies)
    sections.add("term_people", postings.people)
    bounds = _BoundsAsWritten(index, postings)
    sections.add_all("postings", bounds.passing(postings.packed()))
    sections.add("bounded_terms", bounds.terms)
    sections.add("bound_starts", bounds.starts)
    sections.add("bound_people", bounds.people)
    sections.add("bound_values", bounds.values)
    bounds_settings, bounds_ceiling = repr(bounds.settings), bounds.ceiling
    del bounds  # its arrays are written: let them go before the people are
    by_length: dict[int, list[str]] = {}
    for term in terms:
        if term.isalpha():
            by_length.setdefault(len(term), []).append(term)
    letters: dict[int, tuple[int, dict[str, tuple[int, int]]]] = {}
    for length, words in by_length.items():
        blob = "\n".join(words).encode("utf-8")
        sections.add(f"alphabetic.{length}", blob)
        letters[length] = (len(words), _letter_spans(words))
    del by_length
    sections.add("tie_order", array("I", index.tie_order))
    sections.add_strings("ids", index.ids)
    starts = array("Q", [0])
    sections.add_all("people", _joined(starts, (marshal.dumps(person_record(p)) for p in index.people)))
    sections.add("people.starts", starts)
    sections.add("activity", array("I", index.activity))
    sections.add("item_person", array("I", index.item_person))
    sections.add("item_source", bytes(index.items.sources))
    sections.add("item_ref", array("I", index.items.refs))
    sections.add("item_weight", array("d", index.item_weight))
    for name in FIELDS:
        sections.add(f"lengths.{name}", array("I", index.field_lengths[name]))
    # Last, as late as can be: the second process makes them meanwhile.
    from .lookups import add_lookups, lookups, lookups_of

    if index.by_stem:
        add_lookups(sections.add_all, lookups_of(index.by_stem, terms))
    elif elsewhere is None or not elsewhere.add_to(sections.add_all):
        # Made here (the stems of a big vocabulary take much memory: now that the rest is written).
        add_lookups(sections.add_all, lookups(terms))
    return {"average_length": dict(index.average_length), "alphabetic_lengths": sorted(letters),
            "alphabetic_letters": letters,
            "bounds": bounds_settings, "ceiling": bounds_ceiling}


class _BoundsAsWritten:
    """The score bounds of the long terms (`search.bounds`), computed with the default scoring
    settings as their postings go by on their way to the file."""

    def __init__(self, index: SearchIndex, postings: _PostingSource) -> None:
        self.index = index
        self.source = postings
        self.settings = ScoringSettings()
        self.term_bounds = LongTermBounds(index, self.settings)
        self.ceiling = ceiling(index, self.settings, self.term_bounds.most_items())
        self.terms = array("I")
        self.starts = array("Q", [0])
        self.people = array("I")
        self.values = array("d")

    def passing(self, packed: Iterator[Packed]) -> Iterator[Packed]:
        """`packed` (each term's items, then its counts), passed on unchanged."""
        everyone = len(self.index.ids)
        frequencies, people = self.source.frequencies, self.source.people
        for number, (items, counts) in enumerate(zip(packed, packed, strict=True)):
            yield items
            yield counts
            frequency = frequencies[number]
            if postings_enough(frequency) and bounded(frequency, idf(everyone, people[number])):
                found = self.term_bounds(items, counts)
                self.terms.append(number)
                self.people.extend(found.people)
                self.values.extend(found.values)
                self.starts.append(len(self.people))


def _letter_spans(words: list[str]) -> dict[str, tuple[int, int]]:
    """Where the words of each first letter are in `"\n".join(words)` encoded (words sorted):
    byte offsets of the first one's start and the last one's end."""
    spans: dict[str, tuple[int, int]] = {}
    offset = 0
    for word in words:
        size = len(word.encode("utf-8"))
        start = spans[word[0]][0] if word[0] in spans else offset
        spans[word[0]] = (start, offset + size)
        offset += size + 1
    return spans


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
        return mapped_index(header, MappedSections(memoryview(mapped)[len(MAGIC):end], header["sections"]))
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def _joined(ends: array[int], blobs: Iterable[bytes], chunk: int = 1 << 12) -> Iterator[bytes]:
    """`blobs` joined a chunk at a time, noting in `ends` where each ends (from `ends[-1]` on).
    Chunks of a few thousand: whole people are about a kilobyte each, and an import of 100,000
    people is at its peak of memory while they are written."""
    blobs = iter(blobs)
    while batch := list(islice(blobs, chunk)):
        ends.extend(islice(accumulate(map(len, batch), initial=ends[-1]), 1, None))
        yield b"".join(batch)
