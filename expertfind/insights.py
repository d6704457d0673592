"""What the question log says: the most asked topics, the knowledge gaps, and who carries the load.

Questions are grouped by topic: the same words once stop words and question framing are dropped
and each word is stemmed ("Wie weet iets van crowdfunding?" and "crowdfunding" are one topic).
A topic is a gap when its answers were weak: no one suggested, or the best score below
`WEAK_SCORE` (a single low-level skill or one passing mention scores about that).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from .questionlog import LoggedQuestion
from .search.text import query_terms, stems

WEAK_SCORE = 30.0


def question_topic(query: str) -> str:
    """The topic key of a question: its content words' stems, sorted."""
    words = sorted({stems(term)[0] for term in query_terms(query)})
    return " ".join(words) or query.strip().casefold()


@dataclass
class Topic:
    key: str
    wordings: Counter[str] = field(default_factory=Counter)
    asked: int = 0
    weak: int = 0
    best_scores: list[float] = field(default_factory=list)
    last_asked: str = ""

    @property
    def label(self) -> str:
        return self.wordings.most_common(1)[0][0]

    @property
    def best(self) -> float:
        return max(self.best_scores, default=0.0)

    def to_json(self) -> dict[str, object]:
        return {"topic": self.label, "asked": self.asked, "weak_answers": self.weak,
                "best_score": self.best, "last_asked": self.last_asked,
                "wordings": [w for w, _ in self.wordings.most_common()]}


def topics(entries: Sequence[LoggedQuestion]) -> list[Topic]:
    """Every topic asked, most asked first."""
    found: dict[str, Topic] = {}
    for entry in entries:
        key = question_topic(entry.query)
        topic = found.setdefault(key, Topic(key))
        topic.wordings[entry.query.strip()] += 1
        topic.asked += 1
        best = max(entry.scores, default=0.0)
        topic.best_scores.append(best)
        if best < WEAK_SCORE:
            topic.weak += 1
        topic.last_asked = max(topic.last_asked, entry.time.date().isoformat())
    return sorted(found.values(), key=lambda t: (-t.asked, t.label.casefold()))


def gaps(entries: Sequence[LoggedQuestion], *, min_asked: int = 1) -> list[Topic]:
    """Topics asked at least `min_asked` times whose answers were mostly weak or empty:
    themes for a workshop, a lunch talk or a 'koffieautomaatcollege'."""
    return sorted(
        (t for t in topics(entries) if t.asked >= min_asked and t.weak * 2 > t.asked),
        key=lambda t: (-t.weak, -t.asked, t.best, t.label.casefold()),
    )


@dataclass(frozen=True)
class Suggested:
    """How often one person was suggested, and how often as the first to ask."""

    person_id: str
    suggested: int
    first: int


def suggestion_load(entries: Sequence[LoggedQuestion]) -> list[Suggested]:
    """How often each person was suggested, and how often as the first to ask."""
    total: Counter[str] = Counter()
    first: Counter[str] = Counter()
    for entry in entries:
        total.update(entry.suggested)
        if entry.suggested:
            first[entry.suggested[0]] += 1
    return sorted((Suggested(pid, n, first[pid]) for pid, n in total.items()),
                  key=lambda load: (-load.first, -load.suggested, load.person_id))


def per_week(entries: Sequence[LoggedQuestion]) -> dict[str, int]:
    """Questions per ISO week (`2026-W47`), oldest first."""
    weeks: dict[str, int] = defaultdict(int)
    for entry in entries:
        year, week, _ = entry.time.isocalendar()
        weeks[f"{year}-W{week:02d}"] += 1
    return dict(sorted(weeks.items()))
