"""Reading a batch of texts at once gives each text exactly the terms `text.terms` gives it, in
order, whatever the texts hold: joined tokens, long words, accents, NUL characters."""

from __future__ import annotations

from array import array

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from expertfind.search import reading
from expertfind.search.reading import Vocabulary, key_of, read, read_one_by_one, term_of
from expertfind.search.text import terms

TEXTS = [
    "Crowdfunding voor gemeenten en de overheid.", "", "Working Out Loud, met crowdfunding!",
    "c++ en ci/cd, node.js & r&d; c#.net a.b+ x+y e.g. 3.14", "De", "Zoë's café: ideeën",
    "kennismanagementprogramma's en arbeidsmarktcommunicatiestrategie",
    "een woord van precies16letterss en een van zeventien17lettersx", "ß straße œuvre",
]


def as_terms(vocabulary: Vocabulary, lengths: array[int], occurrences: array[int],
             names: list[str]) -> list[list[str]]:
    """Each text's terms, as the numbers read name them (`names` grows with the new terms)."""
    names += vocabulary.take_new()
    found, start = [], 0
    for length in lengths:
        found.append([names[number] for number in occurrences[start : start + length]])
        start += length
    assert start == len(occurrences)
    return found


def read_back(batches: list[list[str]]) -> list[list[list[str]]]:
    vocabulary, names = Vocabulary(), list[str]()
    return [as_terms(vocabulary, *read(batch, vocabulary), names) for batch in batches]


def test_a_batch_reads_as_each_text_alone() -> None:
    batches = [TEXTS, TEXTS[::-1], [], [""], TEXTS[3:5]]
    assert read_back(batches) == [[terms(text) for text in batch] for batch in batches]


def test_the_numbers_name_each_term_once_across_batches() -> None:
    vocabulary = Vocabulary()
    read(TEXTS, vocabulary)
    first = vocabulary.take_new()
    read(TEXTS[::-1] + ["nieuw"], vocabulary)
    assert vocabulary.take_new() == ["nieuw"]
    assert len(set(first)) == len(first)
    assert sorted(first) == sorted({term for text in TEXTS for term in terms(text)})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="abz09 .+#/&,'-\u00eb\u00df\u2019\u0301\x00ABC", max_size=60), max_size=8))
@example(["a\x00b", "c"])  # a text with a NUL of its own
@example(["c++.net", "x.y.z+", "a..b", "ab##c", ".a.", "&&a&b"])
@example(["00000000000000000", "0#"])  # a long token before a joined one
@example(["abcdefghijklmnopq", "abcdefghijklmnop", "abcdefgh.ijklmnopqrstu", "samenwerkingsverbanden.nl"])
def test_any_texts_read_as_each_text_alone(texts: list[str]) -> None:
    assert read_back([texts]) == [[terms(text) for text in texts]]


def test_keys_that_share_a_hash_get_a_slot_each_in_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without the second word in the hash, terms of 9-16 letters that start alike collide: each
    # round of the hash table gives one of them a slot; more than there are rounds, and the
    # batch is read one text at a time.
    monkeypatch.setattr(reading, "_MIX", np.uint64(0))
    alike = ["samenwerk" + ending for ending in ["en", "ing", "t", "ende", "ingen", "te", "ten"]]
    for count in (2, len(reading._SLOT_MULTIPLIERS), len(reading._SLOT_MULTIPLIERS) + 1):
        text = " ".join(alike[:count] + ["de", "overheid"] + alike[:count])
        numbers = reading._numbered(*_plain_tokens(text), Vocabulary())
        if count <= len(reading._SLOT_MULTIPLIERS):
            assert numbers is not None
            by_word = dict(zip(text.split(" "), numbers.tolist(), strict=True))
            assert len(by_word) == count + 2 and by_word["de"] == -1  # one number per word
            assert sorted(by_word.values()) == [-1, *range(count + 1)]
            assert [by_word[word] for word in text.split(" ")] == numbers.tolist()
        else:
            assert numbers is None
        texts = [text, "samenwerkingsverband " + text]
        assert read_back([texts]) == [[terms(text) for text in texts]]


def test_only_pieces_where_a_token_is_more_than_letters_are_read_one_by_one() -> None:
    raw = b"een zin. c++ en node.js, of a.b+c en .net & r&d" + bytes(16)
    kinds = reading._KINDS.take(np.frombuffer(raw, dtype=np.uint8, count=len(raw) - 16))
    pieces = reading._joined_pieces(raw, kinds, kinds == reading._LETTER)
    found = [raw[start:end] for start, end in zip(pieces[::2], pieces[1::2], strict=True)]
    assert found == [b"c++", b"node.js", b"a.b+c", b"r&d"]


def test_one_by_one_reads_the_same() -> None:
    vocabulary, names = Vocabulary(), list[str]()
    assert as_terms(vocabulary, *read_one_by_one(TEXTS, vocabulary), names) == [terms(t) for t in TEXTS]


def test_a_key_names_its_term() -> None:
    for term in ["a", "crowdfunding", "c++", "precies16letters", "zeventien17letter", "0"]:
        assert term_of(key_of(term)) == term


def _plain_tokens(text: str) -> tuple[bytes, np.ndarray, np.ndarray]:
    """`text` (plain lowercase words) as `_numbered` takes it: padded bytes, starts and sizes."""
    raw = text.encode("ascii") + bytes(16)
    starts, sizes, position = [], [], 0
    for word in text.split(" "):
        starts.append(position)
        sizes.append(len(word))
        position += len(word) + 1
    return raw, np.array(starts), np.array(sizes)
