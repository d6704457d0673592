"""Scoring people: field-weighted BM25 per piece of evidence, summed per person with
diminishing returns, and scaled by how much of the question the person covers.

Pure and deterministic: the same index and question always give the same ranking.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import mul
from typing import NamedTuple

from .index import FIELDS, WIDTH, Postings, SearchIndex
from .query import Concept, Slot

DEFAULT_FIELD_WEIGHTS: Mapping[str, float] = {
    "skill": 3.0, "tags": 2.0, "title": 1.5, "text": 1.0, "role": 1.5,
}
DISPLAY_SCALE = 15.0
RESTRICTED_COST = 4
"""Finding one item in a term's postings costs about as much as scoring this many postings."""
DEFAULT_LENGTH_NORMALISATION: Mapping[str, float] = {
    "skill": 0.0, "role": 0.0, "tags": 0.3, "title": 0.5, "text": 0.75,
}


class ScoringSettings(NamedTuple):
    """The knobs of the ranking model; the defaults are what `ask` uses (the default mappings
    are shared: read, never changed)."""

    k1: float = 1.2
    field_weights: Mapping[str, float] = DEFAULT_FIELD_WEIGHTS
    length_normalisation: Mapping[str, float] = DEFAULT_LENGTH_NORMALISATION
    further_evidence: float = 0.5
    """Diminishing returns: the n-th best piece of evidence of a person counts n ** -further_evidence."""
    activity_prior: float = 0.25
    """Weight of how much a person has contributed at all, on or off the topic."""
    coverage_exponent: float = 1.0
    """How hard a person is punished for matching only part of the question."""


class TermHit(NamedTuple):
    """One concept of the question found in one piece of evidence."""

    concept: str
    term: str
    how: str
    quality: float
    points: float


@dataclass
class ItemScore:
    item: int
    points: float = 0.0
    hits: list[TermHit] = field(default_factory=list)


class PersonScore(NamedTuple):
    person: int
    raw: float
    coverage: float
    evidence: list[ItemScore]
    summed: float


def item_totals(index: SearchIndex, concepts: Sequence[Concept],
                saturate: Saturation) -> tuple[dict[int, float], list[set[int]]]:
    """Each matching item's points over all concepts (added in question order), and per
    concept the people it matched (only needed when there is more than one)."""
    item_person = index.item_person
    totals: dict[int, float] | None = None
    matched_by: list[set[int]] = []
    for concept in concepts:
        points = _concept_points(index, concept, saturate)  # a dict of its own
        if totals is None:
            totals = points  # 0.0 + points == points
        else:
            known = totals.get
            for item_id, value in points.items():
                totals[item_id] = known(item_id, 0.0) + value
        if len(concepts) > 1:
            matched_by.append(set(map(item_person.__getitem__, points)))
    return totals or {}, matched_by


def points_by_person(index: SearchIndex, totals: dict[int, float]) -> dict[int, list[float]]:
    """The points of each matching item, per person (in the order the items were found)."""
    points_of: defaultdict[int, list[float]] = defaultdict(list)
    for person, value in zip(map(index.item_person.__getitem__, totals), totals.values(), strict=True):
        points_of[person].append(value)
    return points_of


def person_scores(
    index: SearchIndex,
    concepts: Sequence[Concept],
    points_of: dict[int, list[float]],
    matched_by: list[set[int]],
    importance: Mapping[str, float],
    settings: ScoringSettings,
) -> dict[int, tuple[float, float, float]]:
    """(raw, coverage, summed) of everyone in `points_of` with a score above 0."""
    total_importance = sum(importance.values()) or 1.0
    weights = [importance[c.label] for c in concepts]
    covered: dict[int, float] = {}
    if len(concepts) > 1:  # each person's matched weights, added in question order
        for weight, persons in zip(weights, matched_by, strict=True):
            for person in persons:
                covered[person] = covered.get(person, 0.0) + weight
    everyone_covers = weights[0] / total_importance if len(concepts) == 1 else 0.0
    rank_weight = rank_weights(settings, max(map(len, points_of.values()), default=0))
    boost = ActivityBoost(index.activity, settings.activity_prior)
    scores: dict[int, tuple[float, float, float]] = {}
    for person, points in points_of.items():
        summed = diminishing_sum(points, rank_weight)
        coverage = covered[person] / total_importance if covered else everyone_covers
        raw = summed * coverage**settings.coverage_exponent
        if boost.prior:
            raw *= boost.of(person)
        if raw > 0.0:
            scores[person] = (raw, coverage, summed)
    return scores


def rank_weights(settings: ScoringSettings, longest: int) -> list[float]:
    """What the n-th best piece of a person's evidence counts (n = 1..longest)."""
    exponent = -settings.further_evidence
    return [rank ** exponent for rank in range(1, 1 + longest)]


def diminishing_sum(points: list[float], rank_weight: Sequence[float]) -> float:
    """A person's points summed with diminishing returns, best first (`points` gets sorted)."""
    if len(points) == 1:
        return points[0]  # == sum([points[0] * 1.0])
    points.sort(reverse=True)
    return float(sum(map(mul, points, rank_weight)))


class ActivityBoost:
    """`(1 + contributions) ** prior` of each person, computed once per number of contributions
    (people share them)."""

    def __init__(self, activity: Sequence[int], prior: float) -> None:
        self.activity = activity
        self.prior = prior
        self._boosts: dict[int, float] = {}

    def of(self, person: int) -> float:
        return self.of_count(self.activity[person])

    def of_count(self, contributed: int) -> float:
        """The boost of a person with `contributed` contributions."""
        boost = self._boosts.get(contributed)
        if boost is None:
            boost = self._boosts[contributed] = (1.0 + contributed) ** self.prior
        return boost


def question_importance(index: SearchIndex, concepts: list[Concept]) -> dict[str, float]:
    """How much each concept of a question weighs, by its label."""
    return {concept.label: concept_importance(index, concept) for concept in concepts}


def concept_importance(index: SearchIndex, concept: Concept) -> float:
    """How much a concept weighs in the question: the IDF of its best way of matching."""
    return max(
        (sum(max(index.idf(c.term) for c in slot.candidates) for slot in alt.slots)
         / len(alt.slots) for alt in concept.alternatives),
        default=0.0,
    )


def evidence_quality(hits: list[TermHit], importance: Mapping[str, float]) -> float:
    """0..1: how much of the question a piece of evidence covers, and how exactly."""
    total = sum(importance.values())
    if total <= 0:
        return 0.0
    return sum(importance.get(h.concept, 0.0) * h.quality for h in hits) / total


def _concept_points(index: SearchIndex, concept: Concept, saturate: Saturation) -> dict[int, float]:
    """The points of each evidence item for one concept: its best alternative's. The arithmetic
    of `_concept_hits`, in the same order (so the same floats), without recording how."""
    best: dict[int, float] = {}
    item_weight = index.item_weight
    for alternative in concept.alternatives:
        factor = alternative.weight
        if len(alternative.slots) == 1:
            points = _slot_points(index, alternative.slots[0], saturate)
            found = {item_id: factor * item_weight[item_id] * value for item_id, value in points.items()}
        else:
            slots = _conjunction(index, alternative.slots, saturate)
            if len(slots) == 2:  # sum() of two: 0 + a + b
                first, second = slots
                found = {item_id: factor * item_weight[item_id] * (value + second[item_id])
                         for item_id, value in first.items()}
            else:
                found = {item_id: factor * item_weight[item_id] * sum(per_item[item_id] for per_item in slots)
                         for item_id in slots[0]}
        if not best:
            best = found
            continue
        for item_id, value in found.items():
            known = best.get(item_id)
            if known is None or value > known:
                best[item_id] = value
    return best


def _conjunction(index: SearchIndex, slots: Sequence[Slot], saturate: Saturation) -> list[dict[int, float]]:
    """The points of each slot (in slot order) for the items that match every slot. The slot
    with the fewest postings is scored first; a much longer one only where it can still
    matter, so a common word next to a rare one costs little."""
    order = sorted(range(len(slots)), key=lambda number: _slot_size(index, slots[number]))
    scored: dict[int, dict[int, float]] = {}
    common: list[int] | None = None
    for number in order:
        points = _slot_points(index, slots[number], saturate, only=common)
        if common is None:
            common = sorted(points)
        else:
            common = [item_id for item_id in common if item_id in points]
        scored[number] = points
        if not common:
            return [{}]
    kept = set(common or ())
    return [{item_id: value for item_id, value in scored[number].items() if item_id in kept}
            for number in range(len(slots))]


def _slot_size(index: SearchIndex, slot: Slot) -> int:
    return sum(index.document_frequency(candidate.term) for candidate in slot.candidates)


def _slot_points(
    index: SearchIndex, slot: Slot, saturate: Saturation, only: Sequence[int] | None = None
) -> dict[int, float]:
    """The best points of each item among a slot's candidate terms; with `only` (sorted item
    numbers), for those items alone."""
    best: dict[int, float] = {}
    for candidate in slot.candidates:
        postings = index.postings.get(candidate.term)
        if postings is None:
            continue
        base = candidate.weight * index.idf(candidate.term)
        if only is not None and len(only) * RESTRICTED_COST < len(postings.items):
            found = saturate.some(postings, only)
            points = {item_id: base * value for item_id, value in found.items()}
        else:
            points = dict(zip(postings.items, saturate.points(candidate.term, postings, base), strict=True))
        if not best:
            best = points
            continue
        for item_id, value in points.items():
            if value > best.get(item_id, 0.0):
                best[item_id] = value
    return best


def concept_hits(
    index: SearchIndex, concept: Concept, saturate: Saturation, only: Sequence[int]
) -> dict[int, TermHit]:
    """How each of the items `only` (sorted) matches one concept: the best alternative's hit,
    with the term, the kind of match and the points."""
    best: dict[int, TermHit] = {}
    item_weight = index.item_weight
    for alternative in concept.alternatives:
        slot_hits: list[dict[int, tuple[float, str, str, float]]] = []
        for slot in alternative.slots:
            per_item: dict[int, tuple[float, str, str, float]] = {}
            for candidate in slot.candidates:
                postings = index.postings.get(candidate.term)
                if postings is None:
                    continue
                base = candidate.weight * index.idf(candidate.term)
                for position, item_id in _positions(postings.items, only):
                    points = base * saturate(item_id, postings.counts, position * WIDTH)
                    if points > per_item.get(item_id, (0.0,))[0]:
                        per_item[item_id] = (points, candidate.term, candidate.how,
                                             candidate.weight)
            slot_hits.append(per_item)
        if len(slot_hits) == 1:  # one word: the same arithmetic as below, without the lists
            label, factor, plain = concept.label, alternative.weight, alternative.how != "exact"
            for item_id, (term_points, term, how, weight) in slot_hits[0].items():
                points = factor * item_weight[item_id] * term_points
                if item_id not in best or points > best[item_id].points:
                    best[item_id] = TermHit(label, term, alternative.how if plain else how,
                                            factor * weight, points)
            continue
        common = set(slot_hits[0])
        for per_item in slot_hits[1:]:
            common &= per_item.keys()
        for item_id in common:
            parts = [per_item[item_id] for per_item in slot_hits]
            weight = item_weight[item_id]
            points = alternative.weight * weight * sum(p[0] for p in parts)
            if item_id not in best or points > best[item_id].points:
                how = alternative.how if alternative.how != "exact" else _weakest(parts)
                quality = alternative.weight * min(p[3] for p in parts)
                best[item_id] = TermHit(
                    concept.label, " ".join(p[1] for p in parts), how, quality, points
                )
    return best


def _positions(items: Sequence[int], only: Sequence[int]) -> Iterator[tuple[int, int]]:
    """(position in `items`, item) for each item of `only` that `items` holds; both sorted."""
    start = 0
    for item_id in only:
        position = bisect_left(items, item_id, start)
        if position == len(items):
            return
        if items[position] == item_id:
            yield position, item_id
        start = position


def _weakest(parts: list[tuple[float, str, str, float]]) -> str:
    return min(parts, key=lambda p: p[3])[2]


class Saturation:
    """BM25F: field-weighted, length-normalised term frequency, saturated by k1; the settings
    and average lengths looked up once per question instead of once per posting."""

    def __init__(self, index: SearchIndex, settings: ScoringSettings) -> None:
        self.k1 = settings.k1
        self._saturated: dict[str, list[float]] = {}
        self.fields = [
            (column,
             settings.field_weights.get(name, 1.0),
             settings.length_normalisation.get(name, 0.75),
             index.average_length.get(name, 1.0) or 1.0,
             index.field_lengths.get(name, ()))
            for column, name in enumerate(FIELDS)
        ]

    def points(self, term: str, postings: Postings, base: float) -> list[float]:
        """`base` times the saturated frequency of `term` in each item of its postings."""
        saturated = self._saturated.get(term)
        if saturated is None:
            saturated = self._saturated[term] = self.all(postings)
        return [base * value for value in saturated]

    def all(self, postings: Postings) -> list[float]:
        """The saturated frequency of a term in each item of its postings: the arithmetic of
        `__call__`, a field at a time."""
        items, counts = postings.items, postings.counts
        weighted: list[float] | None = None
        for column, field_weight, b, average, lengths in self.fields:
            frequencies = counts[column::WIDTH]
            if not any(frequencies):
                continue
            keep = 1.0 - b
            if weighted is None:  # 0.0 + x == x
                weighted = [field_weight * tf / (keep + b * lengths[item_id] / average) if tf else 0.0
                            for tf, item_id in zip(frequencies, items, strict=True)]
            else:
                weighted = [w + field_weight * tf / (keep + b * lengths[item_id] / average) if tf else w
                            for w, tf, item_id in zip(weighted, frequencies, items, strict=True)]
        if weighted is None:
            return [0.0] * len(items)
        k1, k1_plus_one = self.k1, self.k1 + 1.0
        return [w * k1_plus_one / (w + k1) for w in weighted]

    def some(self, postings: Postings, only: Sequence[int]) -> dict[int, float]:
        """The saturated frequency of a term in those items of `only` (sorted) that hold it:
        the arithmetic of `all`, on just those postings."""
        found = list(_positions(postings.items, only))
        if not found:
            return {}
        counts, width = postings.counts, WIDTH
        chosen = Postings(array("I", [item_id for _, item_id in found]),
                          array("H", [tf for position, _ in found
                                      for tf in counts[position * width : (position + 1) * width]]))
        return dict(zip(chosen.items, self.all(chosen), strict=True))

    def __call__(self, item_id: int, counts: Sequence[int], start: int) -> float:
        """The saturated frequency of a term in item `item_id`, whose per-field counts start at
        `counts[start]` (fields in FIELDS order, as they were added to the item)."""
        weighted = 0.0
        for column, field_weight, b, average, lengths in self.fields:
            tf = counts[start + column]
            if tf:
                norm = 1.0 - b + b * lengths[item_id] / average
                weighted += field_weight * tf / norm
        return weighted * (self.k1 + 1.0) / (weighted + self.k1)  # as in `all`


def display_score(raw: float, concepts_importance: float) -> float:
    """A 0..100 score that grows with the evidence and never reaches 100: 50 is about a
    go-to expert's declared skill plus a few on-topic contributions."""
    if raw <= 0:
        return 0.0
    scale = DISPLAY_SCALE * max(concepts_importance, 1e-9)
    return max(0.1, round(100.0 * raw / (raw + scale), 1))
