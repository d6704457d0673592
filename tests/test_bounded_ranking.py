"""Ranking through score bounds (`search.bounds`, `search.ranking`): only the people who can
reach the top are scored, and the answer is the one scoring everyone gives, to the last bit."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expertfind.directory import Directory
from expertfind.models import Profile
from expertfind.search import Ranker, ScoringSettings
from expertfind.search import bounds as bounds_module
from expertfind.search import ranking as ranking_module
from expertfind.search.bounds import certified, compute_bounds, question_bounds
from expertfind.search.ranking import PersonRanking
from expertfind.search.scoring import Saturation, question_importance
from expertfind.store import TinyDBStore

from .test_ranking_properties import make_profile

words = st.sampled_from(["java", "mooc", "moderatie", "coaching", "beleid", "kennis", "management",
                         "kennismanagement"])
"""Few words: people share them in many mixes, one item or several, so bounds are often loose."""
ROOT = Path(__file__).resolve().parent.parent
BILINGUAL = ROOT / "benchmarks" / "data" / "bilingual"

skills = st.lists(st.tuples(words, st.one_of(st.none(), st.integers(1, 5))), max_size=5)
contributions = st.lists(
    st.fixed_dictionaries({
        "title": st.lists(words, min_size=1, max_size=5).map(" ".join),
        "tags": st.lists(words, max_size=3),
        "text": st.lists(words, max_size=12).map(" ".join),
        "date": st.dates().map(lambda d: d.isoformat()),
    }),
    max_size=5,
)
directories = st.lists(st.tuples(skills, contributions), min_size=1, max_size=40).map(
    lambda rows: [make_profile(n, s, c) for n, (s, c) in enumerate(rows)]
)
questions = st.lists(words, min_size=1, max_size=3).map(" ".join)


def everyone_and_bounded(people: list[Profile], question: str) -> tuple[PersonRanking, PersonRanking]:
    """The ranking of a question by scoring everyone, and through bounds (with every term long
    enough to have its bounds stored: the thresholds are lowered by the caller)."""
    ranker = Ranker(people)
    scoring = ranker.settings.scoring
    concepts = ranker.analyzer.analyse(question)
    importance = question_importance(ranker.index, concepts)
    everyone = PersonRanking(ranker.index, concepts, importance, scoring)
    with_bounds = replace(ranker.index, bounds=compute_bounds(ranker.index, Saturation(ranker.index, scoring),
                                                              scoring))
    bounded = PersonRanking(with_bounds, concepts, importance, scoring)
    return everyone, bounded


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(directories, questions, st.integers(1, 12), st.sampled_from([1, 3, 10**9]), st.sampled_from([0.01, 0.5]),
       st.sampled_from([0.5, 1.0]))
def test_bounded_ranking_is_the_ranking_of_everyone(
    people: list[Profile], question: str, count: int, long_from: int, min_idf: float, everyone_from: float
) -> None:
    """Stored bounds (`long_from` 1), bounds computed when asked (10**9: no term is long), the
    ceiling for common terms (`min_idf` 0.5: terms held by about a third or more), and the switch
    to scoring everyone when most people could still reach the top (`everyone_from` 0.5)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ranking_module, "PRUNE_FROM", 0)
        patch.setattr(ranking_module, "FIRST_BATCH", 1)  # else a small directory is scored at once
        patch.setattr(ranking_module, "AHEAD", 1)
        patch.setattr(ranking_module, "EVERYONE_FROM", everyone_from)  # 1.0: never
        patch.setattr(bounds_module, "BOUNDED_POSTINGS", long_from)
        patch.setattr(ranking_module, "BOUNDED_POSTINGS", long_from)
        patch.setattr(bounds_module, "MIN_BOUNDED_IDF", min_idf)
        everyone, bounded = everyone_and_bounded(people, question)
        assert bounded._bounds is not None  # the bounds were used
        best = bounded.best(count)
        assert best == everyone.best(count)
        for person in best:
            assert bounded.explain(person) == everyone.explain(person)
        assert list(bounded.ranked(first=count)) == list(everyone.ranked())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(directories, questions)
def test_no_one_scores_above_their_bound(people: list[Profile], question: str) -> None:
    ranker = Ranker(people)
    scoring = ranker.settings.scoring
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bounds_module, "BOUNDED_POSTINGS", 1)  # every term has its bounds stored
        index = replace(ranker.index, bounds=compute_bounds(ranker.index, Saturation(ranker.index, scoring),
                                                            scoring))
        concepts = ranker.analyzer.analyse(question)
        importance = question_importance(index, concepts)
        ranking = PersonRanking(index, concepts, importance, scoring)  # scores everyone: PRUNE_FROM
        limits = question_bounds(index, concepts, importance, scoring,
                                 lambda term: index.bounds.get(term) if index.bounds else None,
                                 index.bounds.ceiling if index.bounds else 0.0)
    assert ranking._bounds is None  # everyone scored
    for person, (raw, _, _) in ranking._scores.items():
        assert not certified(raw, limits.people.get(person, limits.anyone))  # never surely above


def test_the_stored_index_keeps_the_bounds_a_build_in_memory_computes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bounds_module, "BOUNDED_POSTINGS", 5)
    db = tmp_path / "directory.json"
    directory = Directory(TinyDBStore(db), index_file=db.with_name("directory.json.index"))
    directory.import_files([BILINGUAL / "profiles.json"])
    stored = directory.search_index()
    built = Ranker(TinyDBStore(db).people()).index
    scoring = ScoringSettings()
    expected = compute_bounds(built, Saturation(built, scoring), scoring)
    assert stored.bounds is not None and stored.bounds.settings == expected.settings == repr(scoring)
    assert stored.bounds.ceiling == expected.ceiling > 0
    long_terms = [t for t in built.postings if expected.get(t) is not None]
    assert len(long_terms) > 20
    for term in built.postings:
        found, wanted = stored.bounds.get(term), expected.get(term)
        assert (found is None) == (wanted is None)
        if found is not None and wanted is not None:
            assert list(found.people) == list(wanted.people) and list(found.values) == list(wanted.values)


def test_bounds_for_other_scoring_settings_are_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ranking_module, "PRUNE_FROM", 0)
    db = tmp_path / "directory.json"
    directory = Directory(TinyDBStore(db), index_file=db.with_name("directory.json.index"))
    directory.import_files([BILINGUAL / "profiles.json"])
    index = directory.search_index()
    ranker = Ranker.from_index(index)
    concepts = ranker.analyzer.analyse("kennismanagement")
    importance = question_importance(index, concepts)
    assert PersonRanking(index, concepts, importance, ScoringSettings())._bounds is not None
    other = ScoringSettings(k1=2.0)
    assert PersonRanking(index, concepts, importance, other)._bounds is None


@pytest.mark.parametrize("scoring", [
    ScoringSettings(),
    ScoringSettings(activity_prior=0.0),
    ScoringSettings(k1=2.0, further_evidence=0.3, activity_prior=0.5,
                    length_normalisation={"text": 1.0, "title": 0.0}, field_weights={"tags": 0.0}),
], ids=["default", "no activity boost", "other settings"])
def test_the_bounds_written_with_numpy_are_those_term_bounds_computes_bit_for_bit(scoring: ScoringSettings) -> None:
    """An index is written with the bounds of its long terms computed a posting at a time by
    numpy: exactly (==, not close to) what `term_bounds` computes a posting at a time in Python."""
    from expertfind.search.bounds import LongTermBounds, term_bounds
    from expertfind.search.index import build_index

    from .test_stored_index import bilingual_people

    index = build_index(bilingual_people())
    bulk, saturation = LongTermBounds(index, scoring), Saturation(index, scoring)
    several = 0
    for postings in index.postings.values():
        expected = term_bounds(index, postings, saturation, scoring)
        found = bulk(postings.items, postings.counts)
        assert list(found.people) == list(expected.people)
        assert list(found.values) == list(expected.values)
        several += len(found.people) < len(postings.items)
    assert several > 50  # people who hold a term in several items: their sums with diminishing returns
