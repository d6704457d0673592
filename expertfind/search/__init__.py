"""Finding the colleagues to ask: `Ranker(people).ask("crowdfunding")`.

The pipeline: `text` (fold, tokenise, stem) -> `index` (evidence items per field) ->
`query` (concepts with exact, stem, typo, synonym and compound alternatives) -> `scoring`
(BM25F per item, summed per person with diminishing returns) -> `ranking` (the best people, found
through the upper bounds of `bounds` when the index has them) -> `topics` (the best of them
re-ranked by how much they contributed on the topics of the question's best evidence).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from typing import NamedTuple

from ..models import Profile
from .index import CONTRIBUTION, SKILL, IndexSettings, SearchIndex, build_index
from .query import Concept, MatchWeights, QueryAnalyzer
from .ranking import PersonRanking
from .scoring import (
    ItemScore,
    PersonScore,
    ScoringSettings,
    TermHit,
    display_score,
    evidence_quality,
    question_importance,
)
from .synonyms import SynonymTable, load_synonyms
from .topics import (
    ContributionTags,
    FeedbackSettings,
    PersonTopics,
    Reranked,
    beyond_pool,
    question_topics,
    rerank,
)

MAX_EVIDENCE_SHOWN = 5
RANKED_AHEAD = 8
"""People ranked beyond the limit at first, for the unavailable ones that an answer skips."""

__all__ = [
    "Answer",
    "Evidence",
    "FeedbackSettings",
    "IndexSettings",
    "Match",
    "MatchWeights",
    "PersonTopics",
    "Ranker",
    "RankingSettings",
    "ScoringSettings",
    "SynonymTable",
    "TermHit",
    "load_synonyms",
]


@dataclass(frozen=True)
class RankingSettings:
    """Everything that shapes a ranking, in one place."""

    index: IndexSettings = IndexSettings()
    matching: MatchWeights = MatchWeights()
    scoring: ScoringSettings = ScoringSettings()
    feedback: FeedbackSettings = FeedbackSettings()


# Records are NamedTuples rather than dataclasses: `ask` starts a fresh process every time, and
# Python generates no methods for a NamedTuple when the module loads.
class Evidence(NamedTuple):
    """A skill, contribution or role that made a person match, and how well (0..100)."""

    source: str
    text: str
    score: float
    points: float
    hits: tuple[TermHit, ...]
    level: int | None = None
    kind: str | None = None
    date: str | None = None
    url: str | None = None


class Match(NamedTuple):
    """One person to ask, with the evidence and the arithmetic behind the score."""

    rank: int
    profile: Profile
    score: float
    evidence: tuple[Evidence, ...]
    evidence_count: int
    summed: float
    coverage: float
    raw: float
    """The ranking score: `evidence_score` blended with the topic share."""
    evidence_score: float = 0.0
    """The score from the person's matching evidence alone."""
    topics: PersonTopics | None = None
    """How much they contributed on the question's topics (None: not re-ranked by topics, being
    beyond the re-ranked pool, or the question has no topics)."""
    fair_load: str | None = None
    """Why fair load moved this person, when it did."""


class Answer(NamedTuple):
    query: str
    concepts: tuple[Concept, ...]
    results: tuple[Match, ...]
    further_evidence: float
    topics: tuple[tuple[str, float], ...] = ()
    """The question's topics (tags of its best evidence) with their weights, heaviest first."""


class Ranker:
    """An index over a directory, ready to answer many questions."""

    def __init__(
        self,
        people: Sequence[Profile],
        *,
        synonyms: SynonymTable | None = None,
        settings: RankingSettings | None = None,
    ) -> None:
        self.settings = settings or RankingSettings()
        self.index: SearchIndex = build_index(people, self.settings.index)
        self.analyzer = QueryAnalyzer(
            self.index, synonyms if synonyms is not None else load_synonyms(),
            self.settings.matching,
        )

    @classmethod
    def from_index(
        cls,
        index: SearchIndex,
        *,
        synonyms: SynonymTable | None = None,
        settings: RankingSettings | None = None,
    ) -> Ranker:
        """A ranker over an index built (or stored) with `settings.index` already."""
        ranker = cls.__new__(cls)
        ranker.settings = settings or RankingSettings()
        ranker.index = index
        ranker.analyzer = QueryAnalyzer(
            index, synonyms if synonyms is not None else load_synonyms(), ranker.settings.matching
        )
        return ranker

    def ask(self, question: str, *, limit: int = 5, include_unavailable: bool = False) -> Answer:
        """The best `limit` people to ask, best first; `[]` when nothing in the directory matches."""
        concepts = self.analyzer.analyse(question)
        importance = question_importance(self.index, concepts)
        ranking = PersonRanking(self.index, concepts, importance, self.settings.scoring)
        total = sum(importance.values())
        topics, ranked = self._rerank(ranking, first=limit + RANKED_AHEAD)
        results: list[Match] = []
        for found in ranked:
            if len(results) >= limit:
                break
            profile = self.index.people[found.person]
            if not profile.available and not include_unavailable:
                continue
            results.append(self._match(len(results) + 1, profile, ranking.explain(found.person), found,
                                       importance, total))
        heaviest = sorted(topics.items(), key=lambda topic: (-topic[1], topic[0]))
        return Answer(question, tuple(concepts), tuple(results),
                      self.settings.scoring.further_evidence, tuple(heaviest))

    def _rerank(self, ranking: PersonRanking, *, first: int
                ) -> tuple[dict[str, float], Iterator[Reranked]]:
        """The question's topics, and everyone with evidence in ranking order: the pool (the
        best by evidence, with anyone tied with the last of them) re-ranked by topics, then the
        rest in evidence order."""
        feedback = self.settings.feedback
        if feedback.weight <= 0.0:
            return {}, (Reranked(person, ranking.score(person), ranking.score(person), None)
                        for person in ranking.ranked(first=first))
        pool = _pool(ranking, feedback.pool)
        rest = islice(ranking.ranked(first=len(pool) + first), len(pool), None)  # read only if needed
        pool_scores = [(person, ranking.score(person)) for person in pool]
        tags_of = ContributionTags(self.index)  # each person's tags read once for both steps
        points = chain.from_iterable(map(ranking.item_points, pool))
        topics = question_topics(self.index, points, feedback, tags_of)
        after = (beyond_pool(person, ranking.score(person), feedback, topics) for person in rest)
        return topics, chain(rerank(self.index, pool_scores, topics, feedback, tags_of), after)

    def _match(
        self,
        rank: int,
        profile: Profile,
        scored: PersonScore,
        found: Reranked,
        importance: dict[str, float],
        total: float,
    ) -> Match:
        evidence = tuple(
            self._evidence(profile, item, importance)
            for item in scored.evidence[:MAX_EVIDENCE_SHOWN]
        )
        return Match(
            rank=rank,
            profile=profile,
            score=display_score(found.score, total),
            evidence=evidence,
            evidence_count=len(scored.evidence),
            summed=scored.summed,
            coverage=scored.coverage,
            raw=found.score,
            evidence_score=scored.raw,
            topics=found.topics,
        )

    def _evidence(
        self, profile: Profile, scored: ItemScore, importance: dict[str, float]
    ) -> Evidence:
        item = self.index.items[scored.item]
        quality = round(100.0 * evidence_quality(scored.hits, importance), 1)
        hits = tuple(scored.hits)
        if item.source == SKILL:
            skill = profile.skills[item.ref]
            return Evidence("skill", skill.name, quality, scored.points, hits, level=skill.level)
        if item.source == CONTRIBUTION:
            contribution = profile.contributions[item.ref]
            return Evidence(
                "contribution",
                contribution.title or contribution.text[:120],
                quality,
                scored.points,
                hits,
                kind=contribution.kind or None,
                date=contribution.date,
                url=contribution.url,
            )
        role = " · ".join(part for part in (profile.title, profile.team) if part)
        return Evidence("role", role, quality, scored.points, hits)


def _pool(ranking: PersonRanking, size: int) -> list[int]:
    """The best `size` people by evidence, and anyone tied with the last of them: a tie is
    never split between the re-ranked and the rest."""
    count = size + 1
    while True:
        best = ranking.best(count)
        if len(best) <= size:
            return best
        cut = ranking.score(best[size - 1])
        if len(best) < count or ranking.score(best[-1]) < cut:
            return [person for person in best if ranking.score(person) >= cut]
        count *= 2
