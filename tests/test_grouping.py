"""Grouping term occurrences into postings: the counting helpers against plain numpy."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from expertfind.search import grouping
from expertfind.search.index import MAX_TF


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 40), max_size=200), st.booleans(), st.integers(1, 8))
def test_field_counts_are_bincount_capped_in_any_order_and_any_slices(
    cells: list[int], in_order: bool, chunk_cells: int
) -> None:
    found = np.array(sorted(cells) if in_order else cells, dtype=np.uint32)
    expected = np.minimum(np.bincount(found, minlength=41), MAX_TF).astype(np.uint16)
    original, grouping._CHUNK_CELLS = grouping._CHUNK_CELLS, chunk_cells
    try:
        assert np.array_equal(grouping._field_counts(found, 41), expected)
    finally:
        grouping._CHUNK_CELLS = original


def test_a_count_beyond_what_16_bits_hold_is_capped() -> None:
    cells = np.array([0] * (MAX_TF + 5) + [2], dtype=np.uint32)
    assert grouping._field_counts(cells, 3).tolist() == [MAX_TF, 0, 1]
    assert grouping._field_counts(cells[::-1].copy(), 3).tolist() == [MAX_TF, 0, 1]


_BIG = np.arange(70_000, dtype=np.uint32)[::-1].copy()  # more terms than 16 bits number
_BIG[[5, 6, 7]] = [3, 65_539, 65_539]  # the same low 16 bits; ties: two terms, one rank


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 9), max_size=300), st.booleans())
def test_the_stable_order_is_numpy_s_stable_argsort(numbers: list[int], big: bool) -> None:
    rank = _BIG if big else np.array([7, 3, 3, 0, 9, 1, 2, 8, 5, 4], dtype=np.uint32)
    occurrences = np.array(numbers, dtype=np.uint32) + (np.uint32(69_990) if big else np.uint32(0))
    if big:
        occurrences[: len(occurrences) // 2] = np.array(numbers[: len(numbers) // 2], dtype=np.uint32)
    order, ranks = grouping._stable_order(rank, occurrences)
    expected = np.argsort(rank[occurrences], kind="stable")
    assert np.array_equal(order, expected)
    assert np.array_equal(ranks, rank[occurrences][expected])
