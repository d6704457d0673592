"""Making expertise visible: the talent overview, similar colleagues, and learning pairs.

Skills are grouped by topic: names are compared by their words' stems (so "Social learning",
"social-learning" and "social learnings" are one topic) and through the synonyms table (so
"sociaal leren" joins them too). Interests are grouped the same way, so an interest can be
matched to the experts in that topic.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .models import Profile
from .search.synonyms import SynonymTable, phrase_key
from .search.text import tokenize

EXPERT_LEVEL = 4
"""Level 4-5: go-to people; a topic held at this level by one person only is a risk."""
WANTED_BY = 2
"""An interest this many people share, with nobody at level 4-5, is a risky spot."""
TEACHER_LEVEL = 3
"""Default lowest level at which someone is proposed to teach a topic in learning pairs."""


def topic_key(label: str, synonyms: SynonymTable) -> str:
    """One key per topic: the synonyms group it belongs to, else its words' stems."""
    tokens = tokenize(label)
    group = synonyms.group_of(tokens) if tokens else None
    if group is not None:
        return f"group:{group}"
    return " ".join(phrase_key(tokens)) or label.strip().casefold()


@dataclass(frozen=True)
class Holder:
    id: str
    name: str
    team: str | None
    level: int | None
    available: bool


@dataclass
class TopicRow:
    """One topic of the talent overview."""

    key: str
    label: str
    spellings: Counter[str] = field(default_factory=Counter)
    holders: list[Holder] = field(default_factory=list)
    interested: list[Holder] = field(default_factory=list)

    @property
    def experts(self) -> list[Holder]:
        return [h for h in self.holders if (h.level or 0) >= EXPERT_LEVEL]

    @property
    def levels(self) -> dict[str, int]:
        counts = Counter(str(h.level) if h.level else "?" for h in self.holders)
        return {level: counts[level] for level in ("1", "2", "3", "4", "5", "?") if counts[level]}

    @property
    def teams(self) -> list[tuple[str, int]]:
        return Counter(h.team for h in self.holders if h.team).most_common()

    def top(self, count: int = 3) -> list[Holder]:
        return sorted(self.holders, key=lambda h: (-(h.level or 0), h.name.casefold(), h.id))[:count]

    @property
    def risks(self) -> list[str]:
        found = []
        if len(self.experts) == 1:
            found.append(f"single expert: {self.experts[0].name}")
        if len(self.interested) >= WANTED_BY and not self.experts:
            found.append(f"wanted by {len(self.interested)}, no expert")
        return found

    def to_json(self) -> dict[str, object]:
        return {
            "topic": self.label,
            "spellings": sorted(self.spellings),
            "people": len(self.holders),
            "experts": len(self.experts),
            "levels": self.levels,
            "top": [{"id": h.id, "name": h.name, "level": h.level} for h in self.top()],
            "teams": dict(self.teams),
            "interested": len(self.interested),
            "risks": self.risks,
        }


SORTS = ("people", "experts", "risk", "name", "wanted")


def talent_overview(
    people: Sequence[Profile],
    synonyms: SynonymTable,
    *,
    team: str | None = None,
    min_people: int = 1,
    sort: str = "people",
) -> list[TopicRow]:
    """Every topic that someone holds as a skill or wants to learn, with who and how well."""
    rows: dict[str, TopicRow] = {}
    wanted_team = team.casefold() if team else None
    for person in people:
        if wanted_team and (person.team or "").casefold() != wanted_team:
            continue
        for skill in person.skills:
            row = _row(rows, skill.name, synonyms)
            row.spellings[skill.name] += 1
            held = next((h for h in row.holders if h.id == person.id), None)
            if held is None:
                row.holders.append(_holder(person, skill.level))
            elif (skill.level or 0) > (held.level or 0):  # two spellings of one topic: the higher level
                row.holders[row.holders.index(held)] = _holder(person, skill.level)
        for interest in person.interests:
            row = _row(rows, interest, synonyms)
            if all(h.id != person.id for h in row.interested):
                row.interested.append(_holder(person, None))
    for row in rows.values():
        if row.spellings:
            row.label = row.spellings.most_common(1)[0][0]
    chosen = [r for r in rows.values()
              if len(r.holders) >= min_people or (min_people <= 1 and not r.holders and r.risks)]
    order = {
        "people": lambda r: (-len(r.holders), -len(r.experts), r.label.casefold()),
        "experts": lambda r: (-len(r.experts), -len(r.holders), r.label.casefold()),
        "risk": lambda r: (-len(r.risks), -len(r.interested), -len(r.holders), r.label.casefold()),
        "wanted": lambda r: (-len(r.interested), len(r.experts), r.label.casefold()),
        "name": lambda r: (r.label.casefold(),),
    }[sort]
    return sorted(chosen, key=order)


def _row(rows: dict[str, TopicRow], label: str, synonyms: SynonymTable) -> TopicRow:
    key = topic_key(label, synonyms)
    if key not in rows:
        rows[key] = TopicRow(key, label)
    return rows[key]


def _holder(person: Profile, level: int | None) -> Holder:
    return Holder(person.id, person.name, person.team, level, person.available)


# --- similar colleagues ------------------------------------------------------------------------

@dataclass(frozen=True)
class Similar:
    profile: Profile
    score: float
    shared: tuple[str, ...]


def expertise_topics(person: Profile, synonyms: SynonymTable) -> dict[str, str]:
    """A person's expertise by topic key: declared skills, and tags of their contributions."""
    topics: dict[str, str] = {}
    for skill in person.skills:
        topics.setdefault(topic_key(skill.name, synonyms), skill.name)
    for contribution in person.contributions:
        for tag in contribution.tags:
            topics.setdefault(topic_key(tag, synonyms), tag)
    return topics


def similar_colleagues(
    people: Sequence[Profile], person_id: str, synonyms: SynonymTable, *, limit: int = 5
) -> list[Similar]:
    """Colleagues whose expertise overlaps most with `person_id`'s: cosine similarity of their
    topics, each weighted by how rare it is in the directory (sharing a rare topic says more)."""
    topics = {p.id: expertise_topics(p, synonyms) for p in people}
    frequency = Counter(key for keys in topics.values() for key in keys)
    total = len(people)

    def weight(key: str) -> float:
        return math.log(1 + total / frequency[key])

    own = topics[person_id]
    own_norm = math.sqrt(sum(weight(k) ** 2 for k in own)) or 1.0
    found = []
    for person in people:
        if person.id == person_id:
            continue
        shared = [k for k in own if k in topics[person.id]]
        if not shared:
            continue
        other_norm = math.sqrt(sum(weight(k) ** 2 for k in topics[person.id])) or 1.0
        score = sum(weight(k) ** 2 for k in shared) / (own_norm * other_norm)
        labels = tuple(own[k] for k in sorted(shared, key=lambda k: (-weight(k), own[k].casefold())))
        found.append(Similar(person, round(100 * score, 1), labels))
    found.sort(key=lambda s: (-s.score, s.profile.name.casefold(), s.profile.id))
    return found[:limit]


# --- learning pairs ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Pair:
    learner: Profile
    topic: str
    expert: Profile
    level: int
    reason: str

    def to_json(self) -> dict[str, object]:
        return {
            "learner_id": self.learner.id, "learner": self.learner.name,
            "learner_email": self.learner.email, "topic": self.topic,
            "expert_id": self.expert.id, "expert": self.expert.name,
            "expert_email": self.expert.email, "expert_level": self.level, "reason": self.reason,
        }


@dataclass(frozen=True)
class Unmatched:
    learner: Profile
    topic: str
    reason: str


def learning_pairs(
    people: Sequence[Profile],
    synonyms: SynonymTable,
    *,
    max_per_expert: int = 3,
    min_level: int = TEACHER_LEVEL,
) -> tuple[list[Pair], list[Unmatched]]:
    """Each person's interests matched to an available colleague who holds that topic at
    `min_level` or above; nobody is paired with themselves and no expert is proposed more than
    `max_per_expert` times. Topics with the fewest experts are paired first, and each goes to
    the highest level, then the expert proposed least so far; deterministic."""
    teachers: dict[str, list[tuple[Profile, int, str]]] = defaultdict(list)
    for person in people:
        if not person.available:
            continue
        for skill in person.skills:
            if (skill.level or 0) >= min_level:
                teachers[topic_key(skill.name, synonyms)].append((person, skill.level or 0, skill.name))
    wishes = [
        (person, interest, topic_key(interest, synonyms))
        for person in people for interest in person.interests
    ]
    wishes.sort(key=lambda w: (len(teachers.get(w[2], [])), w[0].name.casefold(), w[0].id, w[1]))
    proposed: Counter[str] = Counter()
    pairs: list[Pair] = []
    unmatched: list[Unmatched] = []
    for learner, interest, key in wishes:
        options = [t for t in teachers.get(key, []) if t[0].id != learner.id]
        if not options:
            unmatched.append(Unmatched(learner, interest, "nobody available holds it at level "
                                                          f"{min_level} or above"))
            continue
        free = [t for t in options if proposed[t[0].id] < max_per_expert]
        if not free:
            unmatched.append(Unmatched(learner, interest, "every expert has the maximum of "
                                                          f"{max_per_expert} (--max-per-expert)"))
            continue
        expert, level, skill_name = min(
            free, key=lambda t: (-t[1], proposed[t[0].id], t[0].name.casefold(), t[0].id))
        proposed[expert.id] += 1
        reason = (f"{learner.name} wants to learn '{interest}'; {expert.name} holds "
                  f"'{skill_name}' at level {level}")
        pairs.append(Pair(learner, interest, expert, level, reason))
    pairs.sort(key=lambda p: (p.learner.name.casefold(), p.learner.id, p.topic.casefold()))
    return pairs, unmatched


def likely_duplicates(
    people: Iterable[Profile], touched: Iterable[str] = ()
) -> list[tuple[Profile, Profile]]:
    """Pairs of different ids with the same name once written alike ("Foo, Bobby" = "Bobby Foo");
    only pairs involving `touched` ids when given."""
    by_name: dict[str, list[Profile]] = defaultdict(list)
    for person in people:
        by_name[name_key(person.name)].append(person)
    wanted = set(touched)
    found = []
    for group in by_name.values():
        for i, first in enumerate(group):
            for second in group[i + 1:]:
                if not wanted or first.id in wanted or second.id in wanted:
                    found.append((first, second))
    return found


def name_key(name: str) -> str:
    """`Foo, Bobby` and `Bobby Foo` alike: comma order undone, folded, words sorted."""
    if name.count(",") == 1:
        last, first = name.split(",")
        name = f"{first} {last}"
    return " ".join(sorted(tokenize(name)))
