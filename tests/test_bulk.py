"""Bulk work: the cycle collector is paused, and what it made is not scanned all at once afterwards."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from expertfind.bulk import cyclic_garbage_collection_paused


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def in_generation(generation: int, objects: list[object]) -> int:
    ids = {id(o) for o in gc.get_objects(generation=generation)}
    return sum(id(o) in ids for o in objects)


@pytest.mark.usefixtures("collector_on")
def test_the_collector_is_paused_and_resumed() -> None:
    with cyclic_garbage_collection_paused():
        assert not gc.isenabled()
        with cyclic_garbage_collection_paused():  # nested: the outer one resumes it
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_what_bulk_work_made_goes_to_the_oldest_generation() -> None:
    with cyclic_garbage_collection_paused():
        made: list[object] = [[n] for n in range(5000)]
    assert in_generation(0, made) == in_generation(1, made) == 0
    assert in_generation(2, made) == len(made)
