"""Finding the colleagues to ask: `Ranker(people).ask("crowdfunding")`.

The pipeline: `text` (fold, tokenise, stem) -> `index` (evidence items per field) ->
`query` (concepts with exact, stem, typo, synonym and compound alternatives) -> `scoring`
(BM25F per item, summed per person with diminishing returns) -> `ranking` (the best people, found
through the upper bounds of `bounds` when the index has them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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

MAX_EVIDENCE_SHOWN = 5
RANKED_AHEAD = 8
"""People ranked beyond the limit at first, for the unavailable ones that an answer skips."""

__all__ = [
    "Answer",
    "Evidence",
    "IndexSettings",
    "Match",
    "MatchWeights",
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
    fair_load: str | None = None
    """Why fair load moved this person, when it did."""


class Answer(NamedTuple):
    query: str
    concepts: tuple[Concept, ...]
    results: tuple[Match, ...]
    further_evidence: float


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
        results: list[Match] = []
        for person in ranking.ranked(first=limit + RANKED_AHEAD):
            if len(results) >= limit:
                break
            profile = self.index.people[person]
            if not profile.available and not include_unavailable:
                continue
            results.append(self._match(len(results) + 1, profile, ranking.explain(person), importance,
                                       total))
        return Answer(question, tuple(concepts), tuple(results),
                      self.settings.scoring.further_evidence)

    def _match(
        self,
        rank: int,
        profile: Profile,
        scored: PersonScore,
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
            score=display_score(scored.raw, total),
            evidence=evidence,
            evidence_count=len(scored.evidence),
            summed=scored.summed,
            coverage=scored.coverage,
            raw=scored.raw,
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
