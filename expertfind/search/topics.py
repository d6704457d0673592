"""Topic feedback: what a question is about, read from the tags of the evidence that matches it
best, and who has contributed most on those topics.

A question names a topic in a few words ("Grover's algorithm and complexity classes?"); the
contributions that match it best carry tags that name the topic the way the directory does
("grovers-algorithm", "complexity-theory"). A colleague with many contributions on those topics
is likely the one to ask, even where their own words differ from the question's. This is
pseudo-relevance feedback at the level of tags, and it re-ranks only the people whose evidence
put them near the top (`FeedbackSettings.pool`), so it can reorder the best candidates but never
bring in someone with no evidence for the question.

The best-matching contributions are chosen by their points without their age weight: feedback
needs the contributions closest to the question, not the newest (measured: choosing them by
age-weighted points lost most of the gain).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from .index import CONTRIBUTION, SOURCE_CODE, SearchIndex


class FeedbackSettings(NamedTuple):
    """How much the question's topics weigh, and where they are read from."""

    weight: float = 0.5
    """The share of the ranking score that comes from the topics (0: no topic feedback)."""
    pool: int = 50
    """The best this many people by evidence are re-ranked (people tied with the last included)."""
    evidence: int = 20
    """The question's topics are the tags of this many best-matching contributions in the pool."""


class PersonTopics(NamedTuple):
    """How much a person has contributed on the question's topics."""

    share: float
    """Their topic score relative to the best in the pool (0..1)."""
    tags: tuple[tuple[str, int], ...]
    """The question's topics among their contributions' tags, with how many carry each, by
    the topic's weight in the question."""


class Reranked(NamedTuple):
    person: int
    score: float
    """The ranking score: the evidence score and the topic share blended, in evidence-score units."""
    evidence_score: float
    topics: PersonTopics | None
    """None when not re-ranked: beyond the pool, or the question has no topics."""


def question_topics(
    index: SearchIndex, points: Iterable[tuple[int, float]], settings: FeedbackSettings,
    tags_of: ContributionTags | None = None,
) -> dict[str, float]:
    """The question's topics, tag -> weight (summing to 1): the case-folded tags of the best
    `settings.evidence` contributions among `points` (item, age-weighted points), each
    contribution sharing its points among its tags. Equal points are ordered by person, then
    position in their profile, so the order people were imported in does not matter."""
    tags_of = tags_of or ContributionTags(index)
    contribution = SOURCE_CODE[CONTRIBUTION]
    sources, refs, weights = index.items.sources, index.items.refs, index.item_weight
    item_person, tie_order = index.item_person, index.tie_order
    closest = sorted(
        ((value / weights[item], item) for item, value in points
         if sources[item] == contribution and weights[item] > 0.0),
        key=lambda found: (-found[0], tie_order[item_person[found[1]]], refs[found[1]]),
    )[: settings.evidence]
    topics: dict[str, float] = {}
    for value, item in closest:
        tags = _tags(tags_of(item_person[item])[refs[item]])
        for tag in tags:
            topics[tag] = topics.get(tag, 0.0) + value / len(tags)
    total = sum(topics.values())
    return {tag: weight / total for tag, weight in topics.items()} if total > 0.0 else {}


def person_topics(tags_of_contributions: Iterable[Sequence[str]], topics: Mapping[str, float]
                  ) -> tuple[float, tuple[tuple[str, int], ...]]:
    """A person's topic score, from the tags of each of their contributions: each topic's weight
    times the log of one plus how many contributions carry it (many count more than one, with
    diminishing returns); and the topics they carry with those counts."""
    counts: dict[str, int] = {}
    wanted = topics.keys()
    for tags in tags_of_contributions:
        for tag in {tag.casefold() for tag in tags} & wanted:
            counts[tag] = counts.get(tag, 0) + 1
    carried = sorted(counts.items(), key=lambda found: (-topics[found[0]], found[0]))
    score = 0.0
    for tag, count in carried:
        score += topics[tag] * math.log1p(count)
    return score, tuple(carried)


class ContributionTags:
    """The tags of each of a person's contributions, read once per person for a question (a
    stored index reads them without making the person's profile)."""

    def __init__(self, index: SearchIndex) -> None:
        self._index = index
        self._stored = getattr(index.people, "contribution_tags", None)
        self._read: dict[int, Sequence[Sequence[str]]] = {}

    def __call__(self, person: int) -> Sequence[Sequence[str]]:
        found = self._read.get(person)
        if found is None:
            found = self._read[person] = (
                self._stored(person) if self._stored is not None
                else [contribution.tags for contribution in self._index.people[person].contributions])
        return found


def rerank(
    index: SearchIndex,
    pool: Sequence[tuple[int, float]],
    topics: Mapping[str, float],
    settings: FeedbackSettings,
    tags_of: ContributionTags | None = None,
) -> list[Reranked]:
    """The `pool` (person, evidence score; best first) ordered by the blend of the evidence
    score and the topic score, each relative to the pool's best, in units of the best evidence
    score: (1 - weight) * evidence + weight * topics. Ties keep the index's tie order."""
    if not topics:
        return [Reranked(person, score, score, None) for person, score in pool]
    tags_of = tags_of or ContributionTags(index)
    found = {person: person_topics(tags_of(person), topics) for person, _ in pool}
    best_evidence = max(score for _, score in pool)
    best_topics = max(score for score, _ in found.values())
    weight = settings.weight if best_topics > 0.0 else 0.0  # the pool carries every topic: > 0
    reranked = []
    for person, evidence in pool:
        topic_score, tags = found[person]
        share = topic_score / best_topics if best_topics > 0.0 else 0.0
        blended = ((1.0 - weight) * evidence + weight * share * best_evidence) if weight else evidence
        reranked.append(Reranked(person, blended, evidence, PersonTopics(share, tags)))
    tie_order = index.tie_order
    reranked.sort(key=lambda r: (-r.score, tie_order[r.person]))
    return reranked


def beyond_pool(person: int, evidence: float, settings: FeedbackSettings, topics: Mapping[str, float]
                ) -> Reranked:
    """Someone ranked after the pool: their evidence score scaled as the pool's people's, with
    no topic share, so the scores of a whole answer stay in order."""
    weight = settings.weight if topics else 0.0  # as in `rerank`: the pool carries every topic
    return Reranked(person, (1.0 - weight) * evidence if weight else evidence, evidence, None)


def _tags(tags: Iterable[str]) -> list[str]:
    """A contribution's tags, case-folded, each once, in their order."""
    return list(dict.fromkeys(tag.casefold() for tag in tags if tag))
