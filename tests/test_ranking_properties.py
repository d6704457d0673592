"""Invariants of the ranking over generated directories and questions."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from expertfind.models import Profile, profile_from_record
from expertfind.search import Ranker

VOCABULARY = ["crowdfunding", "intervisie", "kennismanagement", "kennis", "management", "java",
              "javascript", "r", "mooc", "moderatie", "leiderschap", "grondwater", "avg", "privacy",
              "storytelling", "coaching", "beleid", "subsidie", "yammer", "werken"]

words = st.sampled_from(VOCABULARY)
skills = st.lists(st.tuples(words, st.one_of(st.none(), st.integers(1, 5))), max_size=4)
contributions = st.lists(
    st.fixed_dictionaries({
        "title": st.lists(words, min_size=1, max_size=4).map(" ".join),
        "tags": st.lists(words, max_size=2),
        "date": st.dates().map(lambda d: d.isoformat()),
    }),
    max_size=3,
)


def make_profile(number: int, skill_list: list[tuple[str, int | None]],
                 contribution_list: list[dict[str, object]]) -> Profile:
    record = {"id": f"p{number}", "name": f"Person {number}",
              "skills": [{"name": n, "level": lvl} if lvl else n for n, lvl in skill_list],
              "contributions": contribution_list}
    return profile_from_record(record)[0]


def richer_profile(base: Profile, extra_skills: list[tuple[str, int | None]],
                   extra_contributions: list[dict[str, object]]) -> Profile:
    """`base` with more evidence, as person p999. An extra contribution with the key of one of
    base's (same kind, title and date) would replace it rather than add to it: such examples are
    not a superset and are rejected."""
    richer = make_profile(999, [(s.name, s.level) for s in base.skills] + [
        (n, lvl) for n, lvl in extra_skills if n not in {s.name for s in base.skills}],
        [c.to_dict() for c in base.contributions] + extra_contributions)
    assume(set(base.contributions) <= set(richer.contributions))
    return richer


directories = st.lists(st.tuples(skills, contributions), min_size=1, max_size=12).map(
    lambda rows: [make_profile(n, s, c) for n, (s, c) in enumerate(rows)]
)
questions = st.lists(st.one_of(words, st.text(min_size=1, max_size=12)), min_size=1, max_size=4).map(" ".join)
fast = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(directories, questions, st.integers(1, 8))
def test_scores_in_range_sorted_and_limited(people: list[Profile], question: str, limit: int) -> None:
    results = Ranker(people).ask(question, limit=limit).results
    assert len(results) <= limit
    scores = [m.score for m in results]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 < s <= 100.0 for s in scores)
    assert all(0.0 <= e.score <= 100.0 for m in results for e in m.evidence)
    assert len({m.profile.id for m in results}) == len(results)


@fast
@given(directories, questions, st.randoms(use_true_random=False))
def test_import_order_does_not_change_the_answer(people: list[Profile], question: str, rng) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(people)
    rng.shuffle(shuffled)

    def answer(directory: list[Profile]) -> list[tuple[str, float]]:
        return [(m.profile.id, m.score) for m in Ranker(directory).ask(question, limit=20).results]

    assert answer(people) == answer(shuffled)


@fast
@given(directories, st.lists(words, min_size=1, max_size=3).map(" ".join))
def test_case_and_accents_do_not_change_the_answer(people: list[Profile], question: str) -> None:
    ranker = Ranker(people)
    accented = question.upper().replace("E", "É").replace("A", "Ä")

    def answer(q: str) -> list[tuple[str, float]]:
        return [(m.profile.id, m.score) for m in ranker.ask(q, limit=20).results]

    assert answer(question) == answer(accented)


@fast
@given(directories, st.lists(words, min_size=1, max_size=3).map(" ".join), skills, contributions)
def test_more_evidence_never_ranks_lower(people: list[Profile], question: str,
                                         extra_skills: list[tuple[str, int | None]],
                                         extra_contributions: list[dict[str, object]]) -> None:
    base = people[0]
    richer = richer_profile(base, extra_skills, extra_contributions)
    ranker = Ranker([*people, richer])
    scores = {m.profile.id: m.raw for m in ranker.ask(question, limit=100).results}
    assert scores.get("p999", 0.0) >= scores.get(base.id, 0.0) - 1e-9


def test_ties_are_broken_by_name_then_id() -> None:
    people = [make_profile(n, [("coaching", 3)], []) for n in (3, 1, 2)]
    results = Ranker(people).ask("coaching").results
    assert [m.profile.id for m in results] == ["p1", "p2", "p3"]


@fast
@given(directories, questions)
def test_a_stored_index_answers_like_the_built_one(people: list[Profile], question: str) -> None:
    import tempfile
    from pathlib import Path

    from expertfind.search.index import IndexSettings, build_index
    from expertfind.search.stored import load_index, save_index, settings_key

    key = settings_key(IndexSettings())
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "d.json.index"
        save_index(path, build_index(people), generation="g1", settings=key)
        stored = load_index(path, generation="g1", settings=key)
        assert stored is not None
        assert load_index(path, generation="g2", settings=key) is None

        def answer(ranker: Ranker) -> list[tuple[str, float, list[str]]]:
            return [(m.profile.id, m.raw, [e.text for e in m.evidence])
                    for m in ranker.ask(question, limit=20, include_unavailable=True).results]

        assert answer(Ranker.from_index(stored)) == answer(Ranker(people))


@fast
@given(directories, questions, st.integers(0, 14))
def test_the_cheap_pass_and_the_explained_evidence_agree(people: list[Profile], question: str,
                                                          count: int) -> None:
    """Scores come from a points-only pass; evidence from a second pass for the people shown:
    the evidence must add up to exactly the score, and any prefix of the ranking is the same."""
    from expertfind.search.ranking import PersonRanking
    from expertfind.search.scoring import question_importance

    ranker = Ranker(people)
    concepts = ranker.analyzer.analyse(question)
    importance = question_importance(ranker.index, concepts)
    settings_ = ranker.settings.scoring
    ranking = PersonRanking(ranker.index, concepts, importance, settings_)
    everyone = list(ranking.ranked())
    assert len(everyone) == len(set(everyone)) == len(ranking)
    assert ranking.best(count) == everyone[:count]
    for person in everyone:
        explained = ranking.explain(person)
        points = [item.points for item in explained.evidence]
        assert points == sorted(points, reverse=True) and all(p >= 0 for p in points)
        assert explained.summed == sum(p * rank ** -settings_.further_evidence
                                       for rank, p in enumerate(points, start=1))
        assert all(item.hits for item in explained.evidence)
        labels = {hit.concept for item in explained.evidence for hit in item.hits}
        assert explained.coverage > 0 and labels <= {c.label for c in concepts}
    raws = [ranking.explain(p).raw for p in everyone]
    assert raws == sorted(raws, reverse=True)


@fast
@given(directories, questions)
def test_conjunctions_score_the_same_restricted_or_in_full(people: list[Profile], question: str) -> None:
    """A phrase or compound is scored from its rarest word; a longer word's postings are then
    read only for the items still in play. That shortcut must not change a single float."""
    from unittest import mock

    from expertfind.search import scoring

    def answer() -> list[tuple[str, float, float, float, list[tuple[str, float]]]]:
        return [(m.profile.id, m.raw, m.summed, m.coverage, [(e.text, e.points) for e in m.evidence])
                for m in Ranker(people).ask(question, limit=50, include_unavailable=True).results]

    with mock.patch.object(scoring, "RESTRICTED_COST", 0):
        restricted = answer()
    with mock.patch.object(scoring, "RESTRICTED_COST", 10**9):
        in_full = answer()
    assert restricted == in_full


@fast
@given(st.lists(st.one_of(words, st.text(max_size=12)), max_size=20))
def test_stemming_many_words_at_once_stems_each_as_alone(texts: list[str]) -> None:
    from expertfind.search.text import stems, stems_in, tokenize

    found = [token for text in texts for token in tokenize(text)]
    assert stems_in("en", found) == [stems(token)[0] for token in found]
    assert stems_in("nl", found) == [stems(token)[1] for token in found]


@fast
@given(st.lists(st.one_of(words, st.text(max_size=12)), max_size=20))
def test_a_vocabulary_stemmed_at_once_has_the_stems_of_each_word_alone(texts: list[str]) -> None:
    from expertfind.search.text import stem_pairs, stems, tokenize

    found = [token for text in texts for token in tokenize(text)]
    assert stem_pairs(found) == [stems(token) for token in found]


def test_the_synonyms_table_finds_each_phrase_by_its_words_stemmed_one_by_one() -> None:
    from expertfind.search.synonyms import load_synonyms, phrase_key
    from expertfind.search.text import tokenize

    table = load_synonyms()
    phrases = [(number, tokenize(phrase)) for number, group in enumerate(table.groups) for phrase in group]
    first: dict[tuple[str, ...], int] = {}
    for number, tokens in phrases:
        if tokens:
            first.setdefault(phrase_key(tokens), number)
    assert len(first) > 600
    for _, tokens in phrases:
        if tokens:
            assert table.group_of(tokens) == first[phrase_key(tokens)]


token_texts = st.lists(st.one_of(
    words, st.sampled_from(["c++", "C#", "ci/cd", "Node.js", "e.g.", "R&D", "..", "+.", "a.b.", "Zoë", "ß", "İ"]),
    st.text(alphabet=st.sampled_from("aZ09 +#./&-_'’,;!\n\tëé\x00\x1f"), max_size=8), st.text(max_size=4),
), max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(token_texts)
def test_tokens_are_what_the_token_pattern_finds_in_the_folded_text(text: str) -> None:
    from expertfind.search.text import _TOKEN, fold, tokenize

    assert tokenize(text) == _TOKEN.findall(fold(text))
