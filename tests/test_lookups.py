"""The lookups of a vocabulary (its terms by stem and by ending), made in a second process while
the index is written: the same as made here, and none (so they are made here) when that
process fails."""

from __future__ import annotations

import io
import signal
import struct
from array import array
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from expertfind.search.index import stem_table
from expertfind.search.lookups import SECTIONS, Lookups, LookupsElsewhere, add_lookups, lookups, lookups_of
from expertfind.search.text import stems, tokenize

from .test_numbering import assert_ends_with_its_parent

VOCABULARY = sorted({"kennismanagement", "kennis", "management", "managers", "crowdfunding", "leren",
                     "learning", "learned", "c++", "ci/cd", "r", "zoe", "grondwater", "groundwater",
                     "intervisie", "moderatie", "moderation", "werken", "working", "works", "co2"})


def strings(blob: bytes, starts: array[int]) -> list[str]:
    return [blob[a:b].decode("utf-8") for a, b in zip(starts, starts[1:], strict=False)]


def test_the_lookups_list_every_stem_with_its_terms_and_the_terms_by_ending() -> None:
    found = lookups(VOCABULARY)
    keys = strings(found.keys, found.key_starts)
    assert keys == sorted(keys) and len(keys) == len(set(keys))
    table = dict(zip(keys, (value.split(" ") for value in strings(found.terms, found.term_starts)), strict=True))
    for term in VOCABULARY:
        english, dutch = stems(term)
        assert term in table["en:" + english] and term in table["nl:" + dutch]
    assert table["en:work"] == ["working", "works"]
    assert lookups_of(stem_table(VOCABULARY), VOCABULARY) == found
    by_ending = [VOCABULARY[number] for number in found.by_ending]
    assert by_ending == sorted(VOCABULARY, key=lambda term: term[::-1])
    assert by_ending.index("kennismanagement") == by_ending.index("management") + 1


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=14) | st.sampled_from(VOCABULARY), max_size=40))
def test_the_sections_are_those_of_the_whole_stem_table(texts: list[str]) -> None:
    """`lookups` saves memory by sorting by stem: it must make exactly the table's sections."""
    vocabulary = sorted({token for text in texts for token in tokenize(text)})
    assert lookups(vocabulary) == lookups_of(stem_table(vocabulary), vocabulary)


class Written(dict[str, bytes]):
    """Sections as an index being written gets them (`stored._Sections.add_all`)."""

    def add(self, name: str, blobs: Iterable[bytes | bytearray | array[Any]]) -> None:
        self[name] = b"".join(bytes(blob) for blob in blobs)


def written(found: Lookups) -> Written:
    sections = Written()
    add_lookups(sections.add, found)
    return sections


@pytest.mark.parametrize("vocabulary", [[], ["r"], ["r", "zoe"], ["", "r"], VOCABULARY, ["ŝtelo", "één"]])
def test_the_second_process_makes_the_same_lookups_of_every_term_sent(vocabulary: list[str]) -> None:
    sections = Written()
    assert LookupsElsewhere(vocabulary).add_to(sections.add)
    assert sections == written(lookups(vocabulary))
    assert list(sections) == list(SECTIONS)


def test_a_second_process_that_fails_gives_no_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    from expertfind.search import lookups as module

    monkeypatch.setattr(module, "_COUNT", struct.Struct("<I"))  # a count the process does not read
    sections = Written()
    assert not LookupsElsewhere(VOCABULARY).add_to(sections.add)
    assert not sections


def test_an_answer_cut_short_is_reported_with_the_section_it_cut() -> None:
    from expertfind.search.lookups import _write_lookups, add_from

    whole = io.BytesIO()
    _write_lookups(lookups(VOCABULARY), whole)
    sections = Written()
    assert add_from(io.BytesIO(whole.getvalue()[:-3]), sections.add) is False
    assert list(sections) == list(SECTIONS[:-1])  # the last one was being added when it ended
    assert add_from(io.BytesIO(whole.getvalue()[:5]), Written().add) is False
    assert add_from(io.BytesIO(whole.getvalue()), sections.add) is True
    assert sections == written(lookups(VOCABULARY))


def test_closing_before_the_answer_stops_the_second_process() -> None:
    elsewhere = LookupsElsewhere(VOCABULARY * 1000)
    elsewhere.close()
    assert elsewhere._process.returncode == -signal.SIGKILL  # stopped, not waited for


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="process states are read from /proc")
def test_the_second_process_ends_when_the_writer_is_killed() -> None:
    """It holds words from profiles: it must not outlive an index write killed with SIGKILL."""
    assert_ends_with_its_parent("from expertfind.search.lookups import LookupsElsewhere; "
                                "second = LookupsElsewhere(['kennis', 'leren'] * 100_000)._process")
