"""Reading the terms of a batch of texts at once: the same terms as `text.terms` gives each text,
found and numbered by numpy in compiled loops instead of as one Python string per word.

The texts are folded one by one (`text.fold`), joined by NUL characters and encoded as ASCII
(every character a token never holds becomes `?`). A token is then, nearly always, a run of
letters and digits: its characters, read as one little-endian number of 64 or 128 bits, are its
key (exact: a token holds no NUL), and a vectorised hash table gives each distinct key of the
batch one slot, so that only the batch's distinct terms meet Python (`Vocabulary`, a dict from
key to number). The rare tokens that are not a plain run are read by `text.tokenize` (a piece
where `+#./&` joins or ends a token: `c++`, `node.js`, `ci/cd`), as are tokens of more than 16
characters; they go back in their places, so each text's terms come out in order.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from .grouping import as_array
from .text import fold, stop_words, terms, tokenize

_OTHER, _LETTER, _TRAILER, _JOINER, _END = range(5)
"""What a character can be to a token: nothing; a letter or digit; `+` or `#`, which a token may
end with (`c++`); `.`, `/` or `&`, which join letters (`node.js`, `ci/cd`, `r&d`); a text's end."""
_KINDS = np.zeros(256, dtype=np.uint8)
_KINDS[list(b"abcdefghijklmnopqrstuvwxyz0123456789")] = _LETTER
_KINDS[list(b"+#")] = _TRAILER
_KINDS[list(b"./&")] = _JOINER
_KINDS[0] = _END
_TOKEN_BYTES = frozenset(np.flatnonzero((_KINDS != _OTHER) & (_KINDS != _END)).tolist())
_KEY_BYTES = 16
"""Longest token read as a key in numpy (two 64-bit words); longer ones (under 1% in Dutch and
English evidence) are read one by one."""
_PADDING = bytes(_KEY_BYTES)
_LOW_BYTES = np.array([(1 << (8 * size)) - 1 for size in range(9)], dtype=np.uint64)
"""The mask that keeps a 64-bit word's first `size` bytes (little-endian)."""
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SLOT_MULTIPLIERS = tuple(np.uint64(m) for m in (
    0xD6E8FEB86659FD93, 0xA0761D6478BD642F, 0xE7037ED1A0B428DB, 0x8EBC6AF09C88C6E3,
    0x589965CC75374CC3, 0x1D8E4E27C47D124F,
))
"""One multiplier per round of the hash table: a key that loses its slot to another key in one
round gets another slot in the next."""


def key_of(term: str) -> int:
    """A term's key: its characters (ASCII) as one little-endian number."""
    return int.from_bytes(term.encode("ascii"), "little")


def term_of(key: int) -> str:
    """The term whose key is `key`."""
    return key.to_bytes((key.bit_length() + 7) // 8, "little").decode("ascii")


@lru_cache(maxsize=1)
def _stop_keys() -> dict[int, int]:
    return {key_of(word): -1 for word in stop_words() if word.isascii()}


class Vocabulary(dict[int, int]):
    """Terms numbered in the order first met, by key (`key_of`). Stop words are in it as -1:
    met, never numbered."""

    def __init__(self) -> None:
        super().__init__(_stop_keys())
        self._count = 0
        self._new: list[int] = []

    def __missing__(self, key: int) -> int:
        number = self[key] = self._count
        self._count += 1
        self._new.append(key)
        return number

    def take_new(self) -> list[str]:
        """The terms numbered since the last call, in number order."""
        return list(map(term_of, self.take_new_keys()))

    def take_new_keys(self) -> list[int]:
        """The keys of the terms numbered since the last call, in number order."""
        new, self._new = self._new, []
        return new


def read(texts: Sequence[str], vocabulary: Vocabulary) -> tuple[array[int], array[int]]:
    """How many terms each of `texts` has (`text.terms`), and the numbers of all their terms
    one text after another, in order (new terms numbered in `vocabulary`)."""
    raw = "\x00".join(map(fold, texts)).encode("ascii", "replace") + _PADDING
    kinds = _KINDS.take(np.frombuffer(raw, dtype=np.uint8, count=len(raw) - _KEY_BYTES))
    text_ends = np.flatnonzero(kinds == _END)
    if len(text_ends) != len(texts) - 1 and texts:  # a text holds a NUL of its own
        return read_one_by_one(texts, vocabulary)
    letters = kinds == _LETTER
    edges = np.diff(letters.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edges == 1)
    sizes = np.flatnonzero(edges == -1) - starts
    del edges
    plain, places, tokens = _read_aside(raw, _joined_pieces(raw, kinds, letters), starts, sizes)
    starts = starts[plain]
    numbers = _numbered(raw, starts, sizes[plain], vocabulary)
    if numbers is None:  # more keys shared a slot than the hash table has rounds
        return read_one_by_one(texts, vocabulary)
    kept = numbers >= 0  # not a stop word
    occurrences, where = numbers[kept], starts[kept]
    if tokens:
        occurrences, where = _put_back(occurrences, where, places,
                                       [vocabulary[key_of(token)] for token in tokens])
    cuts = np.searchsorted(where, text_ends)
    lengths = np.diff(cuts, prepend=0, append=len(where)) if texts else np.zeros(0, dtype=np.int64)
    return as_array("I", lengths), as_array("I", occurrences)


def read_one_by_one(texts: Sequence[str], vocabulary: Vocabulary) -> tuple[array[int], array[int]]:
    """What `read` gives, a text and a term at a time."""
    lengths, occurrences = array("I"), array("I")
    for text in texts:
        found = [vocabulary[key_of(term)] for term in terms(text)] if text else []
        lengths.append(len(found))
        occurrences.extend(found)
    return lengths, occurrences


def _read_aside(raw: bytes, pieces: list[int], starts: np.ndarray[Any, Any], sizes: np.ndarray[Any, Any]
                ) -> tuple[np.ndarray[Any, Any], list[int], list[str]]:
    """Which runs of letters (`starts`, `sizes`) are plain tokens of at most `_KEY_BYTES`; and
    the other tokens, read one by one: those of `pieces` (flat starts and ends, whose runs of
    letters are read with them) and the long runs, each with its place in `raw`."""
    places: list[int] = []
    tokens: list[str] = []
    for start, end in zip(pieces[::2], pieces[1::2], strict=True):
        found = tokenize(raw[start:end].decode("ascii"))
        places += [start] * len(found)
        tokens += found
    long = sizes > _KEY_BYTES
    if pieces:
        inside = np.zeros(len(starts) + 1, dtype=np.int32)
        np.add.at(inside, np.searchsorted(starts, pieces[::2]), 1)
        np.add.at(inside, np.searchsorted(starts, pieces[1::2]), -1)
        in_pieces = np.cumsum(inside[:-1]) > 0
        long &= ~in_pieces
        plain = ~(long | in_pieces)
    else:
        plain = ~long
    for start, size in zip(starts[long].tolist(), sizes[long].tolist(), strict=True):
        places.append(start)
        tokens.append(raw[start : start + size].decode("ascii"))
    return plain, places, tokens


def _put_back(occurrences: np.ndarray[Any, Any], where: np.ndarray[Any, Any], places: list[int],
              numbers: list[int]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """`occurrences` (term numbers, at the places `where`, ascending) with the tokens read one by
    one (their `numbers`, -1 for a stop word, at their `places`) put in their places."""
    extra = np.array(numbers, dtype=np.int64)
    extra_places = np.array(places, dtype=np.int64)
    in_order = np.argsort(extra_places, kind="stable")  # the pieces' tokens came before the long ones
    extra, extra_places = extra[in_order], extra_places[in_order]
    kept = extra >= 0
    extra, extra_places = extra[kept], extra_places[kept]
    at = np.searchsorted(where, extra_places)
    return np.insert(occurrences, at, extra), np.insert(where, at, extra_places)


def _joined_pieces(raw: bytes, kinds: np.ndarray[Any, Any], letters: np.ndarray[Any, Any]) -> list[int]:
    """The start and end of every piece (a run of token characters) where a token is more than
    a run of letters: a letter followed by `+` or `#`, or `./&` between letters; flat."""
    marks = np.flatnonzero((kinds - np.uint8(_TRAILER)) <= np.uint8(_JOINER - _TRAILER))
    if not len(marks):
        return []
    padded = np.concatenate(([False], letters, [False]))
    joining = padded[marks] & ((kinds[marks] == _TRAILER) | padded[marks + 2])
    pieces: list[int] = []
    end = 0
    for mark in marks[joining].tolist():
        if mark < end:
            continue  # in the piece before
        start = mark
        while start and raw[start - 1] in _TOKEN_BYTES:
            start -= 1
        end = mark + 1
        while raw[end] in _TOKEN_BYTES:  # the padding ends it
            end += 1
        pieces += (start, end)
    return pieces


def _numbered(raw: bytes, starts: np.ndarray[Any, Any], sizes: np.ndarray[Any, Any],
              vocabulary: Vocabulary) -> np.ndarray[Any, Any] | None:
    """The number of each token (`raw[start:start + size]`, 1-16 letters; -1: a stop word);
    None when two of their keys share a hash (never met yet: then read them one by one)."""
    words = np.ndarray(shape=(len(raw) - 7,), dtype="<u8", buffer=raw, strides=(1,))
    low = words[starts] & _LOW_BYTES.take(np.minimum(sizes, 8))
    high = words[starts + 8] & _LOW_BYTES.take(np.clip(sizes - 8, 0, 8))
    hashed = low ^ (high * _MIX)
    bits = max(10, len(starts).bit_length() + 1)
    slots_of = np.empty(1 << bits, dtype=np.intp)
    numbers_of = np.empty(1 << bits, dtype=np.int64)
    found = np.empty(len(starts), dtype=np.int64)
    pending = np.arange(len(starts))
    for multiplier in _SLOT_MULTIPLIERS:
        slots = (hashed[pending] * multiplier) >> np.uint64(64 - bits)
        slots_of[slots] = pending  # one token per slot wins it
        winners = slots_of[slots]
        won = winners == pending
        firsts = pending[won]
        numbers_of[slots[won]] = [
            vocabulary[word | (more << 64) if more else word]
            for word, more in zip(low[firsts].tolist(), high[firsts].tolist(), strict=True)
        ]
        found[pending] = numbers_of[slots]  # right for the tokens with their slot's key
        pending = pending[(low[winners] != low[pending]) | (high[winners] != high[pending])]
        if not len(pending):
            return found
    return None
