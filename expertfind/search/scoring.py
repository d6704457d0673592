"""Scoring people: field-weighted BM25 per piece of evidence, summed per person with
diminishing returns, and scaled by how much of the question the person covers.

Pure and deterministic: the same index and question always give the same ranking.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from .index import FIELDS, WIDTH, SearchIndex
from .query import Concept

DEFAULT_FIELD_WEIGHTS: Mapping[str, float] = {
    "skill": 3.0, "tags": 2.0, "title": 1.5, "text": 1.0, "role": 1.5,
}
DISPLAY_SCALE = 15.0
DEFAULT_LENGTH_NORMALISATION: Mapping[str, float] = {
    "skill": 0.0, "role": 0.0, "tags": 0.3, "title": 0.5, "text": 0.75,
}


@dataclass(frozen=True)
class ScoringSettings:
    """The knobs of the ranking model; the defaults are what `ask` uses."""

    k1: float = 1.2
    field_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_FIELD_WEIGHTS))
    length_normalisation: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_LENGTH_NORMALISATION)
    )
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


@dataclass
class PersonScore:
    person: int
    raw: float
    coverage: float
    evidence: list[ItemScore]
    summed: float


def score_people(
    index: SearchIndex,
    concepts: list[Concept],
    importance: Mapping[str, float],
    settings: ScoringSettings,
) -> list[PersonScore]:
    """Every person with any matching evidence, best first; ties broken by name then id.

    `importance` is `question_importance(index, concepts)`, computed once per question."""
    total_importance = sum(importance.values()) or 1.0
    items: dict[int, ItemScore] = {}
    for concept in concepts:
        for item_id, hit in _concept_hits(index, concept, settings).items():
            scored = items.setdefault(item_id, ItemScore(item_id))
            scored.points += hit.points
            scored.hits.append(hit)

    by_person: dict[int, list[ItemScore]] = defaultdict(list)
    item_person = index.item_person
    for scored in items.values():
        by_person[item_person[scored.item]].append(scored)

    results = []
    for person, evidence in by_person.items():
        evidence.sort(key=lambda s: (-s.points, s.item))
        summed = sum(s.points * (rank ** -settings.further_evidence)
                     for rank, s in enumerate(evidence, start=1))
        matched = {hit.concept for s in evidence for hit in s.hits}
        coverage = sum(importance[label] for label in matched) / total_importance
        raw = summed * coverage**settings.coverage_exponent
        if settings.activity_prior:
            raw *= (1.0 + index.activity[person]) ** settings.activity_prior
        if raw > 0.0:
            results.append(PersonScore(person, raw, coverage, evidence, summed))
    names, ids = index.names, index.ids
    results.sort(key=lambda r: (-r.raw, names[r.person], ids[r.person]))
    return results


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


def _concept_hits(
    index: SearchIndex, concept: Concept, settings: ScoringSettings
) -> dict[int, TermHit]:
    best: dict[int, TermHit] = {}
    saturate = _Saturation(index, settings)
    item_weight = index.item_weight
    for alternative in concept.alternatives:
        slot_hits: list[dict[int, tuple[float, str, str, float]]] = []
        for slot in alternative.slots:
            per_item: dict[int, tuple[float, str, str, float]] = {}
            for candidate in slot.candidates:
                postings = index.postings.get(candidate.term)
                if postings is None:
                    continue
                idf = index.idf(candidate.term)
                counts = postings.counts
                for position, item_id in enumerate(postings.items):
                    points = candidate.weight * idf * saturate(item_id, counts, position * WIDTH)
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


def _weakest(parts: list[tuple[float, str, str, float]]) -> str:
    return min(parts, key=lambda p: p[3])[2]


class _Saturation:
    """BM25F: field-weighted, length-normalised term frequency, saturated by k1; the settings
    and average lengths looked up once per question instead of once per posting."""

    def __init__(self, index: SearchIndex, settings: ScoringSettings) -> None:
        self.k1 = settings.k1
        self.fields = [
            (column,
             settings.field_weights.get(name, 1.0),
             settings.length_normalisation.get(name, 0.75),
             index.average_length.get(name, 1.0) or 1.0,
             index.field_lengths.get(name, ()))
            for column, name in enumerate(FIELDS)
        ]

    def __call__(self, item_id: int, counts: Sequence[int], start: int) -> float:
        """The saturated frequency of a term in item `item_id`, whose per-field counts start at
        `counts[start]` (fields in FIELDS order, as they were added to the item)."""
        weighted = 0.0
        for column, field_weight, b, average, lengths in self.fields:
            tf = counts[start + column]
            if tf:
                norm = 1.0 - b + b * lengths[item_id] / average
                weighted += field_weight * tf / norm
        return weighted * (self.k1 + 1.0) / (weighted + self.k1)


def display_score(raw: float, concepts_importance: float) -> float:
    """A 0..100 score that grows with the evidence and never reaches 100: 50 is about a
    go-to expert's declared skill plus a few on-topic contributions."""
    if raw <= 0:
        return 0.0
    scale = DISPLAY_SCALE * max(concepts_importance, 1e-9)
    return max(0.1, round(100.0 * raw / (raw + scale), 1))
