"""The stems of a vocabulary, made in a second process while the index is written: the same
sections as made here, and none (so they are made here) when that process fails."""

from __future__ import annotations

import struct
from array import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from expertfind.search.index import stem_table
from expertfind.search.stemming import StemsElsewhere, sections_of, stem_sections
from expertfind.search.text import stems, tokenize

VOCABULARY = sorted({"kennismanagement", "kennis", "management", "managers", "crowdfunding", "leren",
                     "learning", "learned", "c++", "ci/cd", "r", "zoe", "grondwater", "groundwater",
                     "intervisie", "moderatie", "moderation", "werken", "working", "works", "co2"})


def strings(blob: bytes, starts: array[int]) -> list[str]:
    return [blob[a:b].decode("utf-8") for a, b in zip(starts, starts[1:], strict=False)]


def test_stem_sections_list_every_stem_with_its_terms() -> None:
    found = stem_sections(VOCABULARY)
    keys = strings(found.keys, found.key_starts)
    assert keys == sorted(keys) and len(keys) == len(set(keys))
    table = dict(zip(keys, (value.split(" ") for value in strings(found.terms, found.term_starts)), strict=True))
    for term in VOCABULARY:
        english, dutch = stems(term)
        assert term in table["en:" + english] and term in table["nl:" + dutch]
    assert table["en:work"] == ["working", "works"]
    assert sections_of(stem_table(VOCABULARY)) == found


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=14) | st.sampled_from(VOCABULARY), max_size=40))
def test_the_sections_are_those_of_the_whole_stem_table(texts: list[str]) -> None:
    """`stem_sections` saves memory by sorting by stem: it must make exactly the table's sections."""
    vocabulary = sorted({token for text in texts for token in tokenize(text)})
    assert stem_sections(vocabulary) == sections_of(stem_table(vocabulary))


def test_the_second_process_makes_the_same_sections() -> None:
    elsewhere = StemsElsewhere(VOCABULARY)
    assert elsewhere.result() == stem_sections(VOCABULARY)


def test_a_second_process_that_fails_gives_no_sections(monkeypatch: pytest.MonkeyPatch) -> None:
    from expertfind.search import stemming

    monkeypatch.setattr(stemming, "_COUNT", struct.Struct("<I"))  # a count the process does not read
    assert StemsElsewhere(VOCABULARY).result() is None


@pytest.mark.parametrize("vocabulary", [[], ["r"], ["r", "zoe"], ["", "r"], VOCABULARY, ["ŝtelo", "één"]])
def test_the_second_process_reads_every_term_sent(vocabulary: list[str]) -> None:
    assert StemsElsewhere(vocabulary).result() == stem_sections(vocabulary)


def test_closing_before_the_answer_stops_the_second_process() -> None:
    elsewhere = StemsElsewhere(VOCABULARY * 1000)
    elsewhere.close()
    assert elsewhere._process.returncode is not None
