"""Topic feedback: the tags of a question's best evidence re-rank the best candidates."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from expertfind.models import Profile, profile_from_record
from expertfind.search import FeedbackSettings, Ranker, RankingSettings
from expertfind.search.topics import question_topics

from .test_ranking_properties import (
    contributions,
    directories,
    fast,
    questions,
    richer_profile,
    skills,
    words,
)

NO_FEEDBACK = RankingSettings(feedback=FeedbackSettings(weight=0.0))
SMALL_POOL = RankingSettings(feedback=FeedbackSettings(pool=2, evidence=3))


def people(*records: dict[str, object]) -> list[Profile]:
    return [profile_from_record(r)[0] for r in records]


def hydrology_directory() -> list[Profile]:
    """One colleague with a single strong match on 'grondwater', one who wrote six pieces on
    hydrology (one of them on groundwater), one hydrologist who never wrote the word."""
    on_topic = [{"kind": "blog", "title": title, "tags": ["Hydrologie"], "date": "2023-05-01"}
                for title in ("Peilbuizen in de polder", "Droogte en de waterbalans", "Kwel en wegzijging",
                              "Waterbeheer na een natte winter", "Verdamping meten")]
    return people(
        {"id": "one-hit", "name": "Anna Aalders",
         "contributions": [{"kind": "post", "title": "Grondwater", "text": "grondwater en grondwater",
                            "tags": ["administratie"], "date": "2025-06-01"}]},
        {"id": "topic-expert", "name": "Bert Bos",
         "contributions": [{"kind": "talk", "title": "Grondwater meten in de praktijk", "tags": ["hydrologie"],
                            "date": "2023-01-01"}, *on_topic]},
        {"id": "never-said-it", "name": "Cees Claes", "contributions": on_topic * 2},
        {"id": "colleague", "name": "Dirk Dekker",
         "contributions": [{"kind": "post", "title": "Grondwater en droogte", "text": "over het grondwater",
                            "tags": ["hydrologie"], "date": "2024-01-01"}]},
    )


def ranked(ranker: Ranker, question: str, limit: int = 10) -> list[str]:
    return [m.profile.id for m in ranker.ask(question, limit=limit).results]


def test_many_contributions_on_the_question_topic_rank_above_one_strong_match() -> None:
    directory = hydrology_directory()
    assert ranked(Ranker(directory, settings=NO_FEEDBACK), "grondwater")[0] == "one-hit"
    answer = Ranker(directory).ask("grondwater", limit=10)
    assert [m.profile.id for m in answer.results][0] == "topic-expert"
    assert answer.topics[0][0] == "hydrologie"  # case-folded, the heaviest topic
    expert = answer.results[0]
    assert expert.topics is not None and expert.topics.share == 1.0
    assert expert.topics.tags == (("hydrologie", 6),)


def test_topics_never_bring_in_someone_without_evidence_for_the_question() -> None:
    assert "never-said-it" not in ranked(Ranker(hydrology_directory()), "grondwater")


def test_without_feedback_the_ranking_score_is_the_evidence_score() -> None:
    for match in Ranker(hydrology_directory(), settings=NO_FEEDBACK).ask("grondwater", limit=10).results:
        assert match.raw == match.evidence_score
        assert match.topics is None


def test_the_topics_come_from_the_closest_contributions_however_old() -> None:
    directory = people(
        {"id": "old", "name": "Oud", "contributions": [
            {"title": "Grondwater", "text": "grondwater", "tags": ["hydrologie"], "date": "1990-01-01"}]},
        {"id": "new", "name": "Nieuw", "contributions": [
            {"title": "Grondwater", "tags": ["verhalen"], "date": "2025-01-01"}]},
    )
    ranker = Ranker(directory)
    concepts = ranker.analyzer.analyse("grondwater")
    from expertfind.search.ranking import PersonRanking
    from expertfind.search.scoring import question_importance

    ranking = PersonRanking(ranker.index, concepts, question_importance(ranker.index, concepts),
                            ranker.settings.scoring)
    points = [found for person in ranking.ranked() for found in ranking.item_points(person)]
    assert ranked(ranker, "grondwater", 1) == ["new"]  # the new one has more evidence weight...
    topics = question_topics(ranker.index, points, FeedbackSettings(evidence=1))
    assert topics == {"hydrologie": 1.0}  # ...but the old one matches the question more closely


@fast
@given(directories, questions, st.integers(1, 8))
def test_with_a_small_pool_scores_stay_in_order_and_a_shorter_answer_is_a_prefix(
        directory: list[Profile], question: str, limit: int) -> None:
    ranker = Ranker(directory, settings=SMALL_POOL)
    long = ranker.ask(question, limit=20, include_unavailable=True).results
    short = ranker.ask(question, limit=limit, include_unavailable=True).results
    assert [m.profile.id for m in short] == [m.profile.id for m in long][:limit]
    raws = [m.raw for m in long]
    assert raws == sorted(raws, reverse=True)
    assert all(0.0 <= (m.topics.share if m.topics else 0.0) <= 1.0 for m in long)


@fast
@given(directories, st.lists(words, min_size=1, max_size=3).map(" ".join), skills, contributions)
def test_with_a_small_pool_more_evidence_never_ranks_lower(
        directory: list[Profile], question: str, extra_skills: list[tuple[str, int | None]],
        extra_contributions: list[dict[str, object]]) -> None:
    base = directory[0]
    richer = richer_profile(base, extra_skills, extra_contributions)
    answer = Ranker([*directory, richer], settings=SMALL_POOL).ask(question, limit=100)
    scores = {m.profile.id: m.raw for m in answer.results}
    assert scores.get("p999", 0.0) >= scores.get(base.id, 0.0) - 1e-9


def test_people_beyond_the_pool_follow_it_with_their_scores_in_order() -> None:
    def colleague(number: int, tags: list[str]) -> dict[str, object]:
        return {"id": f"c{number}", "name": f"Collega {number}", "contributions": [
            {"title": "Intervisie " * (4 - number), "tags": tags, "date": "2024-01-01"}]}

    directory = people(colleague(1, ["coaching"]), colleague(2, []), colleague(3, []))
    pool_of_two = RankingSettings(feedback=FeedbackSettings(pool=2))
    results = Ranker(directory, settings=pool_of_two).ask("intervisie", limit=3).results
    assert [m.profile.id for m in results] == ["c1", "c2", "c3"]
    assert [m.topics is not None for m in results] == [True, True, False]
    assert results[1].raw < results[1].evidence_score  # no topics: half its evidence counts...
    assert results[2].raw < results[1].raw  # ...and so for everyone after the pool
    assert results[2].raw == 0.5 * results[2].evidence_score


def test_the_pool_takes_everyone_tied_with_its_last_person() -> None:
    directory = people(*({"id": f"t{n}", "name": f"Tweeling {n}", "contributions": [
        {"title": "Intervisie", "tags": ["coaching"], "date": "2024-01-01"}]} for n in range(3)))
    one = RankingSettings(feedback=FeedbackSettings(pool=1))
    results = Ranker(directory, settings=one).ask("intervisie", limit=3).results
    assert all(m.topics is not None and m.topics.share == 1.0 for m in results)
