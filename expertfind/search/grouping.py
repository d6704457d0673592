"""Postings made in bulk: the terms of evidence items, as they were read, grouped by term.

The index builder (`search.building.IndexBuilder`) notes each term of each field as a number, in
the order read, and which item and field each run of terms is from. Grouping them into
postings (each term's items in ascending order, with the term's frequency in each field) is a
sort and a few counts over arrays of millions of numbers, done by numpy in compiled loops: an
index of 100,000 people has about 80 million term occurrences.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from .index import MAX_TF, WIDTH, Postings

_CHUNK_CELLS = 1 << 20


class GroupedPostings:
    """Postings of a batch of items as an index file holds them: the terms sorted, how many
    items and people hold each, and each term's packed postings (items, then counts)."""

    def __init__(self, terms: list[str], items: bytes, counts: bytes, frequencies: array[int],
                 people: array[int]) -> None:
        self.terms = terms
        self.frequencies = frequencies
        self.people = people
        self.items = items
        """Every posting's item number (I), term after term."""
        self.counts = counts
        """Every posting's counts per field (H, WIDTH of them), term after term."""

    def packed(self) -> Iterator[bytes | memoryview]:
        """Each term's items, then its counts."""
        items, counts = memoryview(self.items), memoryview(self.counts)
        start = 0
        for frequency in self.frequencies:
            end = start + frequency
            yield items[start * 4 : end * 4]
            yield counts[start * 2 * WIDTH : end * 2 * WIDTH]
            start = end

    def as_dict(self) -> dict[str, Postings]:
        """The postings by term, as an index built in memory keeps them."""
        packed = self.packed()
        postings = {}
        for term in self.terms:
            items, counts = array("I"), array("H")
            items.frombytes(next(packed))
            counts.frombytes(next(packed))
            postings[term] = Postings(items, counts)
        return postings


def grouped(
    names: Sequence[str],
    occurrences: array[int],
    run_items: array[int],
    run_fields: bytearray,
    run_lengths: array[int],
    item_person: Sequence[int],
) -> GroupedPostings:
    """Postings from term occurrences: `occurrences` holds term numbers (`names[number]` is the
    term; `names` may hold terms that do not occur), read in runs; run `r` is `run_lengths[r]`
    terms of field `run_fields[r]` of item `run_items[r]`, and items never decrease from run to
    run."""
    numbers = as_numpy(occurrences, np.uint32)
    present = np.flatnonzero(np.bincount(numbers, minlength=len(names))).tolist()
    order_by_name = sorted(present, key=names.__getitem__)  # the terms that occur here
    rank = np.zeros(len(names), dtype=np.uint32)
    rank[order_by_name] = np.arange(len(order_by_name), dtype=np.uint32)
    lengths = as_numpy(run_lengths, np.uint32)
    del present
    order, term = _stable_order(rank, numbers)
    del numbers
    item = np.repeat(as_numpy(run_items, np.uint32), lengths)[order]
    field = np.repeat(np.frombuffer(run_fields, dtype=np.uint8), lengths)[order]
    del order
    starts_posting = _changes(term, item)
    # Arrays of millions: 32-bit numbers, changed in place where they can be (memory at its peak).
    cell = np.cumsum(starts_posting, dtype=np.uint32)  # the posting's number + 1
    posting_count = int(cell[-1]) if len(cell) else 0
    cell -= 1
    cell *= WIDTH
    cell += field  # the posting's count of this field
    del field
    counts = _field_counts(cell, posting_count * WIDTH)
    del cell
    posting_term = term[starts_posting]
    posting_item = item[starts_posting]
    del term, item, starts_posting
    starts_term = _changes(posting_term)
    term_starts = np.flatnonzero(starts_term)
    frequencies = np.diff(np.append(term_starts, posting_count))
    person = as_numpy(item_person, np.uint32)[posting_item]
    starts_person = _changes(posting_term, person)
    people = np.add.reduceat(starts_person.astype(np.uint32), term_starts) if posting_count else frequencies
    return GroupedPostings(
        terms=[names[number] for number in order_by_name],
        items=posting_item.astype(np.uint32).tobytes(),
        counts=counts.tobytes(),
        frequencies=as_array("I", frequencies),
        people=as_array("I", people),
    )


def _stable_order(rank: np.ndarray[Any, Any], numbers: np.ndarray[Any, Any]
                  ) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The order that sorts the occurrences `numbers` by their term's `rank` (32-bit), keeping
    each term's occurrences as read (so items ascending), and the ranks so sorted. A stable
    sort of 16-bit numbers is a radix sort in numpy, several times faster than sorting 32 or
    64 bits: the ranks are sorted by their low 16 bits, then, keeping that order, by their
    high 16 bits (when any rank has them)."""
    ranked = rank[numbers]
    order = np.argsort(ranked.astype(np.uint16), kind="stable")  # the low 16 bits
    if len(rank) > 1 << 16:
        high = ranked >> np.uint32(16)
        order = order[np.argsort(high.astype(np.uint16)[order], kind="stable")]
        del high
    return order, ranked[order]


def _field_counts(cells: np.ndarray[Any, Any], size: int) -> np.ndarray[Any, Any]:
    """How often each of `size` cells occurs in `cells`, at most MAX_TF, as 16-bit numbers.
    Cells come sorted (postings in order, each one's fields in order), so they are counted a
    slice of cells at a time: counting all at once takes 8 bytes per cell for a moment."""
    if len(cells) > 1 and not np.all(cells[1:] >= cells[:-1]):
        whole = np.bincount(cells, minlength=size)
        np.minimum(whole, MAX_TF, out=whole)
        return whole.astype(np.uint16)
    counts = np.zeros(size, dtype=np.uint16)
    # The cuts in the cells' own type: a Python list would make numpy convert all the cells first.
    cuts = np.searchsorted(cells, np.array([*range(0, size, _CHUNK_CELLS), size], dtype=cells.dtype)).tolist()
    for low, first, last in zip(range(0, size, _CHUNK_CELLS), cuts[:-1], cuts[1:], strict=True):
        high = min(size, low + _CHUNK_CELLS)
        if first < last:
            part = np.bincount(cells[first:last] - low, minlength=high - low)
            np.minimum(part, MAX_TF, out=part)
            counts[low:high] = part
    return counts


def _changes(*keys: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """True where any of `keys` (parallel arrays) differs from the row before, and at row 0."""
    changed = np.zeros(len(keys[0]), dtype=bool)
    if len(changed):
        changed[0] = True
        for key in keys:
            changed[1:] |= key[1:] != key[:-1]
    return changed


def as_numpy(numbers: Sequence[int] | Sequence[float] | array[Any],
             dtype: type[np.generic]) -> np.ndarray[Any, Any]:
    """`numbers` as a numpy array of `dtype`: a view of an array of that width, without a copy."""
    if isinstance(numbers, array) and np.dtype(dtype).itemsize == numbers.itemsize:
        return np.frombuffer(numbers, dtype=dtype) if len(numbers) else np.zeros(0, dtype=dtype)
    return np.asarray(numbers, dtype=dtype)


def as_array(code: str, numbers: np.ndarray[Any, Any]) -> array[Any]:
    """`numbers` as a Python array of type `code`."""
    found = array(code)
    found.frombytes(numbers.astype(np.dtype(code)).tobytes())
    return found
