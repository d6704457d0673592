"""Invariants of the talent overview, learning pairs and fair load over generated directories."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expertfind.fairness import Load, fair_order
from expertfind.models import Profile, profile_from_record
from expertfind.search import Ranker, load_synonyms
from expertfind.talent import learning_pairs, talent_overview

TOPICS = ["crowdfunding", "Crowdfunding", "intervisie", "social learning", "sociaal leren",
          "social-learning", "mooc", "coaching", "podcasts", "begroting"]
SYNONYMS = load_synonyms()

topic = st.sampled_from(TOPICS)
person_rows = st.lists(
    st.tuples(
        st.lists(st.tuples(topic, st.one_of(st.none(), st.integers(1, 5))), max_size=4),
        st.lists(topic, max_size=3),
        st.booleans(),
    ),
    min_size=1, max_size=10,
)


def directory(rows: list[tuple[list[tuple[str, int | None]], list[str], bool]]) -> list[Profile]:
    return [
        profile_from_record({
            "id": f"p{n}", "name": f"Persoon {n}", "available": available,
            "skills": [{"name": name, "level": level} if level else name for name, level in skills],
            "interests": interests,
        })[0]
        for n, (skills, interests, available) in enumerate(rows)
    ]


checks = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@checks
@given(person_rows, st.integers(1, 3), st.integers(1, 5))
def test_learning_pairs_respect_the_cap_self_and_availability(rows, cap: int, level: int) -> None:  # type: ignore[no-untyped-def]
    people = directory(rows)
    pairs, unmatched = learning_pairs(people, SYNONYMS, max_per_expert=cap, min_level=level)
    assert all(p.learner.id != p.expert.id for p in pairs)
    assert all(p.expert.available and p.level >= level for p in pairs)
    assert max(Counter(p.expert.id for p in pairs).values(), default=0) <= cap
    wishes = sum(len(p.interests) for p in people)
    assert len(pairs) + len(unmatched) == wishes  # every interest is paired or says why not


@checks
@given(person_rows)
def test_overview_counts_each_holder_once_per_topic(rows) -> None:  # type: ignore[no-untyped-def]
    people = directory(rows)
    overview = talent_overview(people, SYNONYMS)
    for row in overview:
        ids = [h.id for h in row.holders]
        assert len(ids) == len(set(ids))
        assert sum(row.levels.values()) == len(row.holders)
        assert len(row.experts) <= len(row.holders)
    assert sum(len(r.holders) for r in overview) <= sum(len(p.skills) for p in people)


@checks
@given(person_rows, st.lists(st.integers(0, 5), min_size=10, max_size=10), topic)
def test_fair_load_only_reorders_and_is_deterministic(rows, counts: list[int], question: str) -> None:  # type: ignore[no-untyped-def]
    people = directory(rows)
    results = list(Ranker(people).ask(question, limit=10, include_unavailable=True).results)
    load = Load({f"p{n}": c for n, c in enumerate(counts)}, {})
    first = fair_order(results, load)
    assert fair_order(results, load) == first
    assert sorted(m.profile.id for m in first) == sorted(m.profile.id for m in results)
    assert [m.rank for m in first] == list(range(1, len(first) + 1))
    for i, ahead in enumerate(first):  # nobody is put ahead of a score more than 5% higher
        for behind in first[i + 1:]:
            assert ahead.raw >= 0.95 * behind.raw
    unfair = [m._replace(fair_load=None) for m in fair_order(results, Load({}, {}))]
    assert [m.profile.id for m in unfair] == [m.profile.id for m in results]  # no log: no change
