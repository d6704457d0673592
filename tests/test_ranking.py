"""The ranking core, tested without the CLI."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from expertfind.models import Profile, profile_from_record
from expertfind.search import Ranker
from expertfind.search.text import fold, query_terms, tokenize


def people(*records: dict[str, object]) -> list[Profile]:
    return [profile_from_record(r)[0] for r in records]


def ids(ranker: Ranker, question: str, limit: int = 5) -> list[str]:
    return [m.profile.id for m in ranker.ask(question, limit=limit).results]


def crowded_directory(seed: int = 7) -> list[Profile]:
    """300 colleagues; many list the same common skills at levels 1-2."""
    rng = random.Random(seed)
    common = ["crowdfunding", "javascript", "kennismanagement", "projectmanagement", "excel",
              "communicatie", "beleid", "verandermanagement", "grondwater", "privacy"]
    records: list[dict[str, object]] = []
    for n in range(300):
        skills = [{"name": s, "level": rng.choice([1, 2])} for s in rng.sample(common, 3)]
        records.append({"id": f"p{n:03}", "name": f"Collega {n:03}", "skills": skills,
                        "contributions": [{"kind": "post", "title": f"Weekverslag {n}",
                                           "text": "overleg planning agenda", "date": "2024-01-01"}]})
    records += [
        {"id": "expert-crowd", "name": "Sanne de Vries", "skills": [{"name": "crowdfunding", "level": 5}],
         "contributions": [{"kind": "blog", "title": "Crowdfunding voor een documentaire",
                            "tags": ["crowdfunding"], "date": "2025-01-01"}]},
        {"id": "expert-java", "name": "Thomas Meijer", "skills": [{"name": "Java", "level": 5}],
         "contributions": [{"kind": "talk", "title": "Java 21 in productie", "date": "2025-02-01"}]},
        {"id": "expert-r", "name": "Ruben de Boer", "skills": [{"name": "R", "level": 5}],
         "contributions": [{"kind": "workshop", "title": "Reproduceerbare analyses in R",
                            "date": "2025-02-01"}]},
        {"id": "expert-avg", "name": "Noor Hendriks", "skills": [{"name": "AVG", "level": 5}],
         "contributions": [{"kind": "workshop", "title": "AVG voor beleidsmakers", "date": "2025-01-01"}]},
        {"id": "expert-km", "name": "Niels Prins", "skills": [{"name": "kennis management", "level": 5}],
         "contributions": [{"kind": "publication", "title": "Kennis management in een ministerie",
                            "date": "2025-01-01"}]},
        {"id": "expert-change", "name": "Sophie de Graaf",
         "skills": [{"name": "change management", "level": 5}],
         "contributions": [{"kind": "talk", "title": "Change management with core groups",
                            "date": "2025-01-01"}]},
        {"id": "expert-water", "name": "Lucas Vos", "skills": [{"name": "groundwater", "level": 5}],
         "contributions": [{"kind": "publication", "title": "Groundwater levels after dry summers",
                            "date": "2025-01-01"}]},
        {"id": "expert-mooc", "name": "Lotte Bakker",
         "contributions": [{"kind": "talk", "title": "Lessons from moderating a MOOC",
                            "text": "How we moderated discussions with 4000 learners.",
                            "date": "2025-01-01"}]},
        {"id": "fan-javascript", "name": "Anouk Peters", "skills": [{"name": "JavaScript", "level": 5}]},
    ]
    return people(*records)


@pytest.fixture(scope="module")
def crowded() -> Ranker:
    return Ranker(crowded_directory())


@pytest.mark.parametrize(
    ("question", "expert"),
    [
        ("crowdfunding", "expert-crowd"),
        ("Crowdfunding", "expert-crowd"),
        ("crowdfundnig", "expert-crowd"),
        ("wie weet iets van crowdfunding?", "expert-crowd"),
        ("Who knows about crowdfunding?", "expert-crowd"),
        ("Java", "expert-java"),
        ("R", "expert-r"),
        ("AVG", "expert-avg"),
        ("GDPR", "expert-avg"),
        ("kennismanagement", "expert-km"),
        ("kennis management", "expert-km"),
        ("verandermanagement", "expert-change"),
        ("grondwater", "expert-water"),
        ("mooc moderation", "expert-mooc"),
        ("JavaScript", "fan-javascript"),
    ],
)
def test_the_go_to_expert_comes_first_in_a_crowded_directory(
    crowded: Ranker, question: str, expert: str
) -> None:
    assert ids(crowded, question)[0] == expert


def test_short_terms_do_not_match_longer_words(crowded: Ranker) -> None:
    java = ids(crowded, "Java", limit=400)
    assert "fan-javascript" not in java
    assert all(not i.startswith("p") for i in java)  # nobody else knows Java
    assert "expert-r" not in ids(crowded, "RR", limit=400)


def test_unknown_or_stop_word_questions_return_nothing(crowded: Ranker) -> None:
    assert ids(crowded, "xylofoonstemmen") == []
    assert ids(crowded, "wie weet iets van de") == []
    assert ids(crowded, "who knows about it?") == []


def test_a_known_word_still_works_next_to_unknown_ones(crowded: Ranker) -> None:
    assert ids(crowded, "crowdfunding xylofoonstemmen")[0] == "expert-crowd"


def test_interests_are_not_expertise() -> None:
    ranker = Ranker(people({"id": "learner", "name": "L", "interests": ["crowdfunding"]},
                           {"id": "doer", "name": "D", "skills": ["crowdfunding:1"]}))
    assert ids(ranker, "crowdfunding") == ["doer"]


def test_more_on_topic_evidence_ranks_higher() -> None:
    one = {"title": "Crowdfunding basics", "date": "2024-01-01"}
    ranker = Ranker(people(
        {"id": "one", "name": "A", "contributions": [one]},
        {"id": "three", "name": "B", "contributions": [one, {"title": "Crowdfunding campaigns",
                                                               "date": "2024-02-01"},
                                                         {"title": "Crowdfunding platforms",
                                                          "date": "2024-03-01"}]},
    ))
    assert ids(ranker, "crowdfunding") == ["three", "one"]


def test_old_evidence_fades() -> None:
    ranker = Ranker(people(
        {"id": "old", "name": "A", "contributions": [{"title": "Crowdfunding", "date": "2012-01-01"}]},
        {"id": "new", "name": "B", "contributions": [{"title": "Crowdfunding", "date": "2025-01-01"}]},
    ))
    assert ids(ranker, "crowdfunding") == ["new", "old"]


def test_higher_level_ranks_higher() -> None:
    ranker = Ranker(people(*({"id": f"l{n}", "name": f"P{n}", "skills": [f"intervisie:{n}"]}
                             for n in range(1, 6))))
    assert ids(ranker, "intervisie") == ["l5", "l4", "l3", "l2", "l1"]


def test_evidence_explains_the_match(crowded: Ranker) -> None:
    match = crowded.ask("crowdfundnig").results[0]
    sources = {e.source for e in match.evidence}
    assert sources == {"skill", "contribution"}
    hit = match.evidence[0].hits[0]
    assert (hit.concept, hit.term, hit.how) == ("crowdfundnig", "crowdfunding", "fuzzy")


def test_synonym_and_compound_matches_are_labelled(crowded: Ranker) -> None:
    gdpr = crowded.ask("GDPR").results[0].evidence[0].hits[0]
    assert gdpr.how == "synonym" and gdpr.term == "avg"
    km = crowded.ask("kennismanagement").results[0].evidence[0].hits[0]
    assert km.how == "compound" and km.term == "kennis management"


@pytest.mark.parametrize(("declared", "question"), [
    ("werkdruk", "workload"),
    ("peer-to-peer leren", "peer learning"),
    ("werkplekleren", "workplace learning"),
    ("talentenoverzicht", "talent overview"),
    ("risk management", "risicomanagement"),
    ("burgerparticipatie", "citizen participation"),
])
def test_shipped_translations_find_the_expert_among_others(declared: str, question: str) -> None:
    ranker = Ranker(people(
        {"id": "expert", "name": "E", "skills": [f"{declared}:4"]},
        *({"id": f"p{n}", "name": f"P{n}", "skills": ["beleid:2", "excel:1"]} for n in range(20)),
    ))
    answer = ranker.ask(question)
    assert [m.profile.id for m in answer.results] == ["expert"]
    assert answer.results[0].evidence[0].hits[0].how == "synonym"


def test_a_synonym_spelled_with_the_same_words_adds_no_second_pass() -> None:
    ranker = Ranker(people(
        {"id": "od", "name": "O", "contributions": [{"title": "Open data voor burgers", "date": "2025-01-01"}]},
        {"id": "o", "name": "P", "contributions": [{"title": "Open deur", "date": "2025-01-01"}]},
    ))
    answer = ranker.ask("open data")
    (concept,) = answer.concepts
    words = [tuple(tuple(c.term for c in slot.candidates) for slot in a.slots) for a in concept.alternatives]
    assert (("open",), ("data",)) in words  # "opendata" (a synonym) splits into these words too
    assert len(words) == len(set(words))
    assert [m.profile.id for m in answer.results] == ["od"]


def test_text_pipeline_keeps_technical_terms_and_folds_accents() -> None:
    assert tokenize("C++, C#, CI/CD en CO2 in Node.js") == ["c++", "c#", "ci/cd", "en", "co2", "in", "node.js"]
    assert fold("Zoë Çelik Ngũgĩ Straße") == "zoe celik ngugi strasse"
    assert query_terms("Wie weet iets van crowdfunding?") == ["crowdfunding"]
    assert query_terms("Who knows about working out loud?") == ["working", "loud"]


def test_limit_and_sorting(crowded: Ranker) -> None:
    results = crowded.ask("crowdfunding", limit=7).results
    assert len(results) == 7
    assert [m.rank for m in results] == list(range(1, 8))
    scores = [m.score for m in results]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s < 100 for s in scores)


def _order(profiles: Sequence[Profile], question: str) -> list[str]:
    return ids(Ranker(profiles), question, limit=400)


def test_results_do_not_depend_on_import_order() -> None:
    directory = crowded_directory()
    shuffled = list(directory)
    random.Random(1).shuffle(shuffled)
    for question in ("crowdfunding", "kennis management", "projectmanagement excel"):
        assert _order(directory, question) == _order(shuffled, question)


def test_a_compound_known_only_in_part_finds_its_longest_known_part() -> None:
    ranker = Ranker(people(
        {"id": "leader", "name": "L", "skills": ["leiderschap:5"],
         "contributions": [{"title": "Leiderschap in de praktijk", "date": "2025-01-01"}]},
        {"id": "teamlid", "name": "T", "skills": ["team:5", "crowdfunding:4"]},
        *({"id": f"p{n}", "name": f"P{n}", "skills": ["beleid:2", "excel:1"]} for n in range(10)),
    ))
    answer = ranker.ask("leiderschapsprogramma voor teamleiders")
    assert [m.profile.id for m in answer.results] == ["leader"]  # `team` is too short a part
    hit = answer.results[0].evidence[0].hits[0]
    assert (hit.term, hit.how) == ("leiderschap", "compound")
    assert ids(ranker, "crowdfundingcampagne") == ["teamlid"]
    assert ids(ranker, "programmaleiderschap") == ["leader"]
    assert ids(ranker, "teambuilding") == []  # no known part of six letters or more


def test_in_a_big_vocabulary_a_typo_is_looked_for_among_words_that_start_alike(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from expertfind.search import query

    ranker = Ranker(people(
        {"id": "crowd", "name": "C", "skills": ["crowdfunding:5"]},
        *({"id": f"p{n}", "name": f"P{n}", "skills": ["beleid:2"]} for n in range(5)),
    ))
    for typo in ("crwodfunding", "rcowdfunding", "xrowdfunding"):
        assert ids(ranker, typo) == ["crowd"]  # a small vocabulary: every word is compared
    monkeypatch.setattr(query, "TYPO_BLOCKS_FROM", 0)  # as if the vocabulary were big
    assert ids(Ranker(ranker.index.people), "crwodfunding") == ["crowd"]  # same first letter
    assert ids(Ranker(ranker.index.people), "rcowdfunding") == ["crowd"]  # its second letter
    assert ids(Ranker(ranker.index.people), "xrowdfunding") == []  # the first letter is wrong
