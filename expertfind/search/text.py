"""One text pipeline for the index and the query: fold, tokenise, drop stop words, stem.

Folding removes case and accents (`Zoë` -> `zoe`); tokens keep the characters that make
technical terms (`c++`, `c#`, `ci/cd`, `co2`, `node.js`); stemming uses the Snowball stemmers
for English and Dutch, since a term can be in either language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import snowballstemmer

_SPECIAL_LETTERS = str.maketrans(
    {"ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)
_APOSTROPHES = re.compile(r"(?<=\w)['’`´](?=\w)")
_TOKEN = re.compile(r"[a-z0-9]+(?:[+#]+|(?:[./&][a-z0-9]+)+)?")


def _stemmer(language: str) -> Any:
    """The Snowball stemmer of `language` (PyStemmer's, compiled, where installed) without the
    cache of 10,000 words PyStemmer keeps: it only costs when a whole vocabulary is stemmed,
    each word once (200,000 words: 0.22 s with it, 0.055 s without); `stems` has a cache of its
    own for a question's words."""
    stemmer = snowballstemmer.stemmer(language)
    if hasattr(stemmer, "maxCacheSize"):  # the pure-Python stemmers have none
        stemmer.maxCacheSize = 0
    return stemmer


_EN_STEMMER = _stemmer("english")
_NL_STEMMER = _stemmer("dutch")
_STEMMERS = {"en": _EN_STEMMER, "nl": _NL_STEMMER}
MIN_STEM_LENGTH = 3
DATA = Path(__file__).with_name("data")
"""The word lists and tables shipped with the package (a plain folder: cheaper than importlib.resources)."""


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _drop_combining(match: re.Match[str]) -> str:
    char = match.group()
    return "" if unicodedata.combining(char) else char


def fold(text: str) -> str:
    """Lower case without accents; apostrophes inside words are dropped (`Grover's` -> `grovers`)."""
    if text.isascii():
        lowered = text.casefold()
        return _APOSTROPHES.sub("", lowered) if "'" in lowered or "`" in lowered else lowered
    decomposed = unicodedata.normalize("NFKD", text).casefold().translate(_SPECIAL_LETTERS)
    return _APOSTROPHES.sub("", _NON_ASCII.sub(_drop_combining, decomposed))


_TOKEN_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789+#./&")
_SEPARATE = str.maketrans({chr(code): " " for code in range(128) if chr(code) not in _TOKEN_CHARACTERS})
"""Every ASCII character that is never part of a token, made a space: no token spans one."""


def tokenize(text: str) -> list[str]:
    """All tokens of `text`, folded, in order, stop words included."""
    folded = fold(text)
    if not folded.isascii():
        return _TOKEN.findall(folded)
    # Same tokens, quicker: a token never spans a character outside _TOKEN_CHARACTERS, so
    # the text splits there first, and only the rare piece with `+#./&` (`c++`, `node.js`,
    # a word before a full stop) needs the pattern.
    pieces = folded.translate(_SEPARATE).split()
    if all(map(str.isalnum, pieces)):
        return pieces
    return [token for piece in pieces for token in ((piece,) if piece.isalnum() else _TOKEN.findall(piece))]


def _word_list(name: str) -> frozenset[str]:
    content = (DATA / name).read_text("utf-8")
    words: set[str] = set()
    for line in content.splitlines():
        if not line.startswith("#"):
            words.update(fold(word).replace("'", "") for word in line.split())
    return frozenset(words)


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Dutch and English function words, dropped from evidence and queries alike."""
    return _word_list("stopwords_en.txt") | _word_list("stopwords_nl.txt")


@lru_cache(maxsize=1)
def question_words() -> frozenset[str]:
    """Words that frame a question ("wie weet iets van", "who knows about"); dropped from queries."""
    return _word_list("question_words.txt")


@lru_cache(maxsize=1)
def ignored_in_questions() -> frozenset[str]:
    """Stop words and question framing together: what a question's own words never count for."""
    return stop_words() | question_words()


def terms(text: str) -> list[str]:
    """The indexable terms of `text`: tokens without stop words."""
    stops = stop_words()
    return [token for token in tokenize(text) if token not in stops]


def query_terms(text: str) -> list[str]:
    """The terms of a question: tokens without stop words and question framing."""
    stops = ignored_in_questions()
    return [token for token in tokenize(text) if token not in stops]


def stems_in(language: str, terms: Sequence[str]) -> list[str]:
    """The stem of each of `terms` in `language` (`en` or `nl`: `stems(term)`'s first or second),
    with one call to the stemmer for all of them: for tables loaded on every question, such as
    the synonyms, and for a whole vocabulary."""
    plain = [term for term in terms if term.isalpha() and len(term) > MIN_STEM_LENGTH]
    stemmed = dict(zip(plain, _STEMMERS[language].stemWords(plain), strict=True))
    return [stem if len(stem := stemmed.get(term, term)) >= MIN_STEM_LENGTH else term for term in terms]


def stem_pairs(terms: Sequence[str]) -> list[tuple[str, str]]:
    """`stems(term)` of each of `terms`, with one call to each stemmer for all of them: for a
    whole vocabulary (Snowball in a compiled loop instead of two calls per word)."""
    plain = [term for term in terms if term.isalpha() and len(term) > MIN_STEM_LENGTH]
    english = dict(zip(plain, _EN_STEMMER.stemWords(plain), strict=True))
    dutch = dict(zip(plain, _NL_STEMMER.stemWords(plain), strict=True))
    del plain
    return [
        (term, term) if (en := english.get(term)) is None else (
            en if len(en) >= MIN_STEM_LENGTH else term,
            nl if len(nl := dutch[term]) >= MIN_STEM_LENGTH else term,
        )
        for term in terms
    ]


@lru_cache(maxsize=200_000)
def stems(term: str) -> tuple[str, str]:
    """The English and Dutch Snowball stems of `term` (the term itself when not a plain word)."""
    if not term.isalpha() or len(term) <= MIN_STEM_LENGTH:
        return term, term
    english = _EN_STEMMER.stemWord(term)
    dutch = _NL_STEMMER.stemWord(term)
    return (
        english if len(english) >= MIN_STEM_LENGTH else term,
        dutch if len(dutch) >= MIN_STEM_LENGTH else term,
    )
