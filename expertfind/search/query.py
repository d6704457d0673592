"""From a question to concepts: what to look for in the index, and how each term may match.

A concept is one thing the question asks about ("kennismanagement", "change management",
"crowdfunding"). It has alternatives (the words as typed, a synonym, a compound written apart
or together); an alternative is a conjunction of slots, and a slot is a set of vocabulary terms
that count for one query word: the word itself, its stem variants, or its typo neighbours.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from .index import SearchIndex
from .synonyms import SynonymTable
from .text import ignored_in_questions, terms, tokenize

EXACT, STEM, FUZZY, SYNONYM, COMPOUND = "exact", "stem", "fuzzy", "synonym", "compound"
MIN_COMPOUND_PART = 3
MAX_FUZZY_CANDIDATES = 3
MIN_COMPOUND_WORD = 5
MAX_COMPOUND_CANDIDATES = 10
MIN_KNOWN_PART = 6
"""An unknown compound matches its longest known part only when that part has this many letters."""
TYPO_BLOCKS_FROM = 50_000
"""A typo is looked for among the words of about its length that start as it does (its first or
second letter) when there are more words of about its length than this; else among all."""


class MatchWeights(NamedTuple):
    """How much a match of each kind is worth, relative to the exact word."""

    stem: float = 0.9
    fuzzy_one_edit: float = 0.75
    fuzzy_two_edits: float = 0.55
    synonym: float = 0.85
    compound: float = 0.85
    compound_part: float = 0.6


class Candidate(NamedTuple):
    term: str
    weight: float
    how: str


class Slot(NamedTuple):
    word: str
    candidates: tuple[Candidate, ...]


class Alternative(NamedTuple):
    slots: tuple[Slot, ...]
    weight: float
    how: str


class Concept(NamedTuple):
    label: str
    alternatives: tuple[Alternative, ...]


def max_edits(word: str) -> int:
    """Typos tolerated in a word: none in short words, so `Java` never becomes `JavaScript`."""
    if len(word) >= 9:
        return 2
    if len(word) >= 5:
        return 1
    return 0


class QueryAnalyzer:
    """Turns question text into concepts against one index's vocabulary."""

    def __init__(
        self, index: SearchIndex, synonyms: SynonymTable, weights: MatchWeights | None = None
    ) -> None:
        self.index = index
        self.synonyms = synonyms
        self.weights = weights or MatchWeights()

    def analyse(self, question: str) -> list[Concept]:
        tokens = tokenize(question)
        ignored = ignored_in_questions()
        concepts: list[Concept] = []
        singles: list[tuple[int, str]] = []
        position = 0
        while position < len(tokens):
            span, equivalents = self._synonym_span(tokens, position)
            if span and equivalents:
                concept = self._synonym_concept(tokens[position : position + span], equivalents)
                if concept is not None:
                    concepts.append(concept)
                position += span
                continue
            token = tokens[position]
            if token not in ignored:
                singles.append((position, token))
            position += 1
        concepts.extend(self._word_concepts(singles))
        unique = {concept.label: concept for concept in reversed(concepts)}
        return [c for c in concepts if unique.pop(c.label, None) is not None]

    def _synonym_span(self, tokens: Sequence[str], start: int) -> tuple[int, list[str]]:
        ignored = ignored_in_questions()
        longest = min(self.synonyms.longest, len(tokens) - start)
        for length in range(longest, 0, -1):
            span = tokens[start : start + length]
            if span[0] in ignored:
                continue
            equivalents = self.synonyms.equivalents(span)
            if equivalents:
                return length, equivalents
        return 0, []

    def _synonym_concept(self, span: Sequence[str], equivalents: list[str]) -> Concept | None:
        alternatives = self._spellings(terms(" ".join(span)), 1.0, EXACT, fuzzy=True)
        for phrase in equivalents:
            alternatives += self._spellings(terms(phrase), self.weights.synonym, SYNONYM)
        return Concept(" ".join(span), _without_repeats(alternatives)) if alternatives else None

    def _word_concepts(self, singles: list[tuple[int, str]]) -> list[Concept]:
        concepts: list[Concept] = []
        number = 0
        while number < len(singles):
            position, word = singles[number]
            if number + 1 < len(singles) and singles[number + 1][0] == position + 1:
                pair = [word, singles[number + 1][1]]
                if self._joined(pair) is not None:
                    alternatives = self._spellings(pair, 1.0, EXACT, fuzzy=True)
                    concepts.append(Concept(" ".join(pair), tuple(alternatives)))
                    number += 2
                    continue
            alternatives = self._spellings([word], 1.0, EXACT, fuzzy=True)
            if alternatives:
                concepts.append(Concept(word, tuple(alternatives)))
            number += 1
        return concepts

    def _spellings(
        self, words: Sequence[str], weight: float, how: str, *, fuzzy: bool = False
    ) -> list[Alternative]:
        """The words as given, and written together or apart as a Dutch compound."""
        found = []
        own = self._alternative(words, weight, how, fuzzy=fuzzy)
        if own is not None:
            found.append(own)
        compound_how = COMPOUND if how == EXACT else how
        compound_weight = weight * self.weights.compound
        if len(words) == 1:
            parts = self._split_compound(words[0])
            if parts is not None:
                split = self._alternative(list(parts), compound_weight, compound_how)
                if split is not None:
                    found.append(split)
        joined = self._joined(words) if len(words) == 2 else None
        if joined is not None:
            found.append(Alternative((self._slot(joined, fuzzy=False),), compound_weight, compound_how))
        return found

    def _joined(self, words: Sequence[str]) -> str | None:
        """`kennis management` -> `kennismanagement` when the directory writes it so."""
        for glue in ("", "s", "-"):
            compound = glue.join(words)
            if compound in self.index.postings:
                return compound
        return None

    def _split_compound(self, word: str) -> tuple[str, str] | None:
        """`kennismanagement` -> (`kennis`, `management`) when both parts are in the vocabulary."""
        if not word.isalpha() or len(word) < 2 * MIN_COMPOUND_PART + 1:
            return None
        vocabulary = self.index.postings
        best: tuple[str, str] | None = None
        for cut in range(MIN_COMPOUND_PART, len(word) - MIN_COMPOUND_PART + 1):
            head, tail = word[:cut], word[cut:]
            if tail not in vocabulary or len(tail) < MIN_COMPOUND_PART + 1:
                continue
            if head not in vocabulary:
                linked = head[:-1] if head.endswith(("s", "e")) else ""
                if len(linked) < MIN_COMPOUND_PART or linked not in vocabulary:
                    continue
                head = linked
            if best is None or min(len(head), len(tail)) > min(map(len, best)):
                best = (head, tail)
        return best

    def _alternative(
        self, words: Sequence[str], weight: float, how: str, *, fuzzy: bool = False
    ) -> Alternative | None:
        if not words:
            return None
        slots = tuple(self._slot(word, fuzzy=fuzzy) for word in words)
        if any(not slot.candidates for slot in slots):
            return None
        return Alternative(slots, weight, how)

    def _slot(self, word: str, *, fuzzy: bool) -> Slot:
        candidates: dict[str, Candidate] = {}
        if word in self.index.postings:
            candidates[word] = Candidate(word, 1.0, EXACT)
        for variant in sorted(self.index.stem_variants(word)):
            candidates.setdefault(variant, Candidate(variant, self.weights.stem, STEM))
        if fuzzy and word not in self.index.postings:
            for term, edits in self._typo_neighbours(word):
                weight = self.weights.fuzzy_one_edit if edits <= 1 else self.weights.fuzzy_two_edits
                candidates.setdefault(term, Candidate(term, weight, FUZZY))
            for term in self._compounds_containing(word):
                candidates.setdefault(term, Candidate(term, self.weights.compound_part, COMPOUND))
            if not candidates:
                part = self._known_part(word)
                if part is not None:
                    candidates[part] = Candidate(part, self.weights.compound_part, COMPOUND)
        return Slot(word, tuple(candidates.values()))

    def _known_part(self, word: str) -> str | None:
        """For a compound the directory knows only in part, its longest known part:
        `leiderschapsprogramma` -> `leiderschap` when `programma` is nowhere in the directory."""
        if not word.isalpha() or len(word) < MIN_KNOWN_PART + MIN_COMPOUND_PART:
            return None
        vocabulary = self.index.postings
        for size in range(len(word) - MIN_COMPOUND_PART, MIN_KNOWN_PART - 1, -1):
            head, tail = word[:size], word[-size:]
            for part in (head, head[:-1] if head.endswith(("s", "e")) else "", tail):
                if len(part) >= MIN_KNOWN_PART and part in vocabulary:
                    return part
        return None

    def _compounds_containing(self, word: str) -> list[str]:
        """Compounds in the vocabulary that start or end with `word`: `programma` and
        `leiderschap` both find `leiderschapsprogramma`."""
        if len(word) < MIN_COMPOUND_WORD or not word.isalpha():
            return []
        vocabulary = self.index.vocabulary
        found = [
            term for term in {*vocabulary.starting_with(word), *vocabulary.ending_with(word)}
            if len(term) >= len(word) + MIN_COMPOUND_PART + 1 and term.isalpha()
        ]
        found.sort(key=lambda term: (-self.index.document_frequency(term), term))
        return found[:MAX_COMPOUND_CANDIDATES]

    def _lengths_near(self, word: str, edits: int) -> list[str]:
        """Vocabulary words whose length is within `edits` of `word`'s: no other word can be
        within `edits` edits of it, so the typo search never needs to look further. In a big
        vocabulary (more than TYPO_BLOCKS_FROM such words), only the words that start with the
        word's first letter or its second (`rcowdfunding`, `xcrowdfunding`): a search through a
        million words would cost more than the rest of the question."""
        vocabulary = self.index.vocabulary
        lengths = range(len(word) - edits, len(word) + edits + 1)
        if sum(map(vocabulary.count_of_length, lengths)) <= TYPO_BLOCKS_FROM:
            return [t for n in lengths for t in vocabulary.alphabetic_of_length(n)]
        return [t for n in lengths for letter in dict.fromkeys(word[:2])
                for t in vocabulary.alphabetic_starting(n, letter)]

    def _typo_neighbours(self, word: str) -> list[tuple[str, int]]:
        edits = max_edits(word)
        if edits == 0 or not word.isalpha():
            return []
        from rapidfuzz import process  # only a word the directory does not know needs it
        from rapidfuzz.distance import OSA

        found = process.extract(
            word, self._lengths_near(word, edits), scorer=OSA.distance, score_cutoff=edits, limit=None
        )
        ranked = sorted(
            ((term, int(distance)) for term, distance, _ in found if distance > 0),
            key=lambda pair: (pair[1], -self.index.document_frequency(pair[0]), pair[0]),
        )
        return ranked[:MAX_FUZZY_CANDIDATES]


def _without_repeats(alternatives: Sequence[Alternative]) -> tuple[Alternative, ...]:
    """The alternatives, less those that match exactly the words of another at no higher weight
    (the first of equals stays): "opendata", a synonym of "open data", split into the same two
    words, or a synonym reached by two routes. They could never score more, and each costs a
    pass over the postings of its words."""
    def dominated(number: int, alternative: Alternative) -> bool:
        return any(other.slots == alternative.slots
                   and (other.weight, number) > (alternative.weight, before)
                   for before, other in enumerate(alternatives) if before != number)

    return tuple(alt for number, alt in enumerate(alternatives) if not dominated(number, alt))
