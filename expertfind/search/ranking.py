"""Ranking people for one question: everyone's score when that is cheap, else only the scores
of the people who can still reach the top, found through upper bounds (`search.bounds`).

Either way the ranking is the same, to the last bit of every score: a person's score is always
computed over all of their evidence, with the same arithmetic in the same order; the bounds
only decide whose scores are computed at all.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace

from .bounds import (
    ABSOLUTE_SLACK,
    BOUNDED_POSTINGS,
    RELATIVE_SLACK,
    QuestionBounds,
    TermBounds,
    bounded,
    certified,
    question_bounds,
    term_bounds,
)
from .index import WIDTH, Postings, SearchIndex
from .query import Concept
from .scoring import (
    ItemScore,
    PersonScore,
    Saturation,
    ScoringSettings,
    concept_hits,
    item_totals,
    person_scores,
    points_by_person,
)

PRUNE_FROM = 5000
"""A question whose terms are in fewer evidence items than this is scored for everyone: that is
as cheap as finding who to score."""
FIRST_BATCH = 64
"""At least this many people are scored first, those with the highest bounds..."""
AHEAD = 2
"""...and at least this many times as many as asked for."""
EVERYONE_FROM = 0.5
"""When more than this share of the people with bounds could still reach the top, everyone is
scored: one pass over the postings costs less than reading most people's postings one by one."""


class PersonRanking:
    """Everyone with matching evidence, ranked: scores in one cheap pass (for all, or for the
    people whose bounds can reach the top), the evidence behind a score (which term matched
    where, and how) only for those asked for.

    Order: best raw score first; ties broken by case-folded name, then id."""

    def __init__(
        self,
        index: SearchIndex,
        concepts: list[Concept],
        importance: Mapping[str, float],
        settings: ScoringSettings,
    ) -> None:
        """`importance` is `question_importance(index, concepts)`, computed once per question."""
        self.index, self.concepts, self.settings = index, concepts, settings
        self._importance = importance
        self._saturate = Saturation(index, settings)
        self._totals: dict[int, float] = {}
        self._scores: dict[int, tuple[float, float, float]] = {}
        self._bounds: QuestionBounds | None = None
        self._scored: set[int] = set()
        """The people whose scores are known (bounded rankings only)."""
        stored = index.bounds
        if (stored is not None and stored.settings == repr(settings)
                and self._postings_asked() >= PRUNE_FROM):
            self._on_the_fly: dict[str, TermBounds] = {}
            self._bounds = question_bounds(index, concepts, importance, settings, self._term_bounds,
                                           stored.ceiling)
        else:
            self._score(index, self._saturate)

    def _postings_asked(self) -> int:
        terms = {c.term for concept in self.concepts for alternative in concept.alternatives
                 for slot in alternative.slots for c in slot.candidates}
        return sum(map(self.index.document_frequency, terms))

    def _term_bounds(self, term: str) -> TermBounds | None:
        """A term's bounds: stored, computed now (a short term), or None (held by almost all)."""
        index = self.index
        assert index.bounds is not None
        found = index.bounds.get(term) or self._on_the_fly.get(term)
        if found is not None:
            return found
        frequency = index.document_frequency(term)
        if frequency >= BOUNDED_POSTINGS and not bounded(frequency, index.idf(term)):
            return None
        postings = index.postings.get(term)
        found = self._on_the_fly[term] = (
            term_bounds(index, postings, self._saturate, self.settings) if postings is not None
            else TermBounds((), ()))
        return found

    def _score(self, index: SearchIndex, saturate: Saturation) -> None:
        """Score everyone whose evidence `index` holds (the whole index, or a view of some people)."""
        totals, matched_by = item_totals(index, self.concepts, saturate)
        scores = person_scores(self.index, self.concepts, points_by_person(index, totals), matched_by,
                               self._importance, self.settings)
        self._totals.update(totals)
        self._scores.update(scores)

    def _score_people(self, people: Sequence[int]) -> None:
        """Score `people` exactly as everyone would be: their postings only, all of them."""
        people = sorted(set(people) - self._scored)
        if not people:
            return
        self._scored.update(people)
        ranges = [(found.start, found.stop) for found in map(self.index.person_items, people)]
        view = replace(self.index, postings=PostingsOfSome(self.index, ranges))
        self._score(view, Saturation(self.index, self.settings))

    def _score_everyone(self) -> None:
        if self._bounds is not None:
            self._bounds = None
            self._totals.clear()
            self._scores.clear()
            self._score(self.index, self._saturate)

    def _kth(self, count: int) -> float:
        """The `count`-th best score known, or 0.0 when fewer are known."""
        if len(self._scores) < count:
            return 0.0
        return heapq.nlargest(count, (raw for raw, _, _ in self._scores.values()))[-1]

    def _make_sure(self, count: int) -> None:
        """Score people, highest bounds first, until the best `count` are surely known: the
        `count`-th best score is above the bound of everyone not scored."""
        bounds = self._bounds
        if bounds is None:
            return
        limits = bounds.people
        if not self._scored:
            first = heapq.nlargest(max(AHEAD * count, FIRST_BATCH), limits.values())
            self._score_people([p for p, limit in limits.items() if limit >= first[-1]] if first else [])
        kth = self._kth(count)
        if bounds.anyone > 0.0 and not certified(kth, bounds.anyone):
            self._score_everyone()  # a word almost everyone uses weighs too much to leave out
            return
        scored, slack, tiny = self._scored, RELATIVE_SLACK, ABSOLUTE_SLACK
        waiting = [p for p, limit in limits.items()  # not `certified(kth, limit)`, inlined
                   if limit * slack + tiny >= kth and p not in scored]
        if len(waiting) > len(limits) * EVERYONE_FROM:
            self._score_everyone()
            return
        waiting.sort(key=limits.__getitem__, reverse=True)
        position, size = 0, max(count, FIRST_BATCH)
        while position < len(waiting) and not certified(kth, limits[waiting[position]]):
            self._score_people(waiting[position : position + size])
            position, size = position + size, size * 2
            kth = self._kth(count)

    def __len__(self) -> int:
        self._score_everyone()
        return len(self._scores)

    def best(self, count: int) -> list[int]:
        """The first `count` people of the ranking, by person number: only the people near the
        top are sorted."""
        self._make_sure(count)
        scores = self._scores
        if count <= 0 or not scores:
            return []
        if count < len(scores):
            threshold = heapq.nlargest(count, (raw for raw, _, _ in scores.values()))[-1]
            near_top = [person for person, (raw, _, _) in scores.items() if raw >= threshold]
        else:
            near_top = list(scores)
        tie_order = self.index.tie_order
        near_top.sort(key=lambda person: (-scores[person][0], tie_order[person]))
        return near_top[:count]

    def ranked(self, first: int = 16) -> Iterator[int]:
        """Everyone in ranking order, found a batch at a time (`first`, then four times more)."""
        shown, count = 0, max(1, first)
        while True:
            batch = self.best(count)
            yield from batch[shown:]
            if len(batch) < count:
                return
            shown, count = len(batch), count * 4

    def score(self, person: int) -> float:
        """A ranked person's raw score."""
        return self._scores[person][0]

    def item_points(self, person: int) -> list[tuple[int, float]]:
        """(item, points) of each of a ranked person's pieces of evidence that match."""
        totals = self._totals
        return [(item_id, totals[item_id]) for item_id in self.index.person_items(person)
                if item_id in totals]

    def explain(self, person: int) -> PersonScore:
        """A person's score with its evidence, best first, and the term hits of each piece."""
        raw, coverage, summed = self._scores[person]
        totals = self._totals
        item_ids = [item_id for item_id in self.index.person_items(person) if item_id in totals]
        evidence = {item_id: ItemScore(item_id) for item_id in item_ids}
        for concept in self.concepts:
            for item_id, hit in concept_hits(self.index, concept, self._saturate, item_ids).items():
                scored = evidence[item_id]
                scored.points += hit.points
                scored.hits.append(hit)
        ordered = sorted(evidence.values(), key=lambda s: (-s.points, s.item))
        return PersonScore(person, raw, coverage, ordered, summed)


class PostingsOfSome(Mapping[str, Postings]):
    """The postings of an index within some people's evidence (item `ranges`, sorted): scoring
    reads them as it reads the whole index's. How many items and people hold a term are the
    whole index's figures, so IDF does not change."""

    def __init__(self, index: SearchIndex, ranges: Sequence[tuple[int, int]]) -> None:
        self._index = index
        self._ranges = ranges
        self._cut: dict[str, Postings] = {}
        self.frequency = index.document_frequency
        self.person_frequency = index.person_frequency

    def __getitem__(self, term: str) -> Postings:
        found = self._cut.get(term)
        if found is None:
            whole = _in_place(self._index.postings, term)
            found = self._cut[term] = _within(whole, self._ranges)
        return found

    def __contains__(self, term: object) -> bool:
        return term in self._index.postings

    def __iter__(self) -> Iterator[str]:
        return iter(self._index.postings)

    def __len__(self) -> int:
        return len(self._index.postings)


def _in_place(postings: Mapping[str, Postings], term: str) -> Postings:
    """A term's postings as the index holds them (a stored index: in the mapped file, not copied)."""
    in_place = getattr(postings, "in_place", None)
    return in_place(term) if in_place is not None else postings[term]


def _within(whole: Postings, ranges: Sequence[tuple[int, int]]) -> Postings:
    items, counts = whole.items, whole.counts
    kept_items: array[int] = array("I")
    kept_counts: array[int] = array("H")
    low = 0
    for start, stop in ranges:
        low = bisect_left(items, start, low)
        high = bisect_left(items, stop, low)
        if high > low:
            kept_items.extend(items[low:high])
            kept_counts.extend(counts[low * WIDTH : high * WIDTH])
            low = high
    return Postings(kept_items, kept_counts)
