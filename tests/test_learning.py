"""The social-learning commands on a small directory with known answers."""

from __future__ import annotations

import json
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from expertfind.directory import Directory
from expertfind.formats import Record
from expertfind.questionlog import log_path
from expertfind.store import TinyDBStore

from .conftest import Invoke, write, write_json

TEAM = [
    {"id": "eva", "name": "Eva Mulder", "email": "eva@example.org", "team": "HR",
     "skills": [{"name": "Social learning", "level": 5}, {"name": "intervisie", "level": 4},
                {"name": "coaching", "level": 3}],
     "interests": ["podcasts"]},
    {"id": "bram", "name": "Bram Jansen", "email": "bram@example.org", "team": "Financiën",
     "skills": [{"name": "sociaal leren", "level": 2}, {"name": "begroting", "level": 5},
                {"name": "crowdfunding", "level": 2}],
     "interests": ["intervisie", "podcasts"]},
    {"id": "sara", "name": "Sara Yılmaz", "email": "sara@example.org", "team": "HR",
     "skills": [{"name": "social-learning", "level": 3}, {"name": "intervisie", "level": 4},
                {"name": "crowdfunding", "level": 2}],
     "interests": ["begroting", "coaching"]},
    {"id": "kees", "name": "Kees Vermeulen", "email": "kees@example.org", "team": "Financiën",
     "skills": [{"name": "begroting", "level": 4}, {"name": "coaching", "level": 5}],
     "available": False},
    {"id": "iris", "name": "Iris Willems", "email": "iris@example.org", "team": "Communicatie",
     "skills": [{"name": "storytelling", "level": 4}],
     "interests": ["intervisie", "coaching", "begroting", "podcasts"]},
]


@pytest.fixture
def team(cli: Invoke, tmp_path: Path) -> Invoke:
    result = cli("import", str(write_json(tmp_path / "team.json", TEAM)))
    assert result.exit_code == 0, result.output
    return cli


def as_json(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- skills --------------------------------------------------------------------------------------

def test_skills_merges_spellings_and_translations_into_one_row(team: Invoke) -> None:
    rows = {r["topic"]: r for r in as_json(team("skills", "--json"))}
    social = next(r for r in rows.values() if "sociaal leren" in r["spellings"])
    assert social["spellings"] == sorted(["Social learning", "social-learning", "sociaal leren"])
    assert social["people"] == 3
    assert social["levels"] == {"2": 1, "3": 1, "5": 1}
    assert social["top"][0] == {"id": "eva", "name": "Eva Mulder", "level": 5}
    assert social["teams"] == {"HR": 2, "Financiën": 1}


def test_skills_flags_single_experts_and_wanted_topics_without_experts(team: Invoke) -> None:
    rows = {r["topic"]: r for r in as_json(team("skills", "--json"))}
    assert rows["Social learning"]["risks"] == ["single expert: Eva Mulder"]
    assert rows["storytelling"]["risks"] == ["single expert: Iris Willems"]
    assert rows["intervisie"]["risks"] == []  # two experts
    assert rows["podcasts"]["people"] == 0 and rows["podcasts"]["risks"] == ["wanted by 3, no expert"]
    assert rows["crowdfunding"]["risks"] == []  # held, but nobody at 4-5 and nobody wants it


def test_skills_team_filter_min_people_and_sort(team: Invoke) -> None:
    hr = {r["topic"] for r in as_json(team("skills", "--team", "hr", "--json"))}
    assert "begroting" not in hr and "intervisie" in hr
    crowded = [r["topic"] for r in as_json(team("skills", "--min-people", "3", "--json"))]
    assert crowded == ["Social learning", "begroting", "coaching"][:len(crowded)]
    assert all(r["people"] >= 3 for r in as_json(team("skills", "--min-people", "3", "--json")))
    by_name = [r["topic"] for r in as_json(team("skills", "--sort", "name", "--json"))]
    assert by_name == sorted(by_name, key=str.casefold)
    assert team("skills", "--sort", "size").exit_code == 2


def test_skills_csv_and_table(team: Invoke) -> None:
    csv_text = team("skills", "--csv").stdout
    assert csv_text.splitlines()[0].startswith("topic,people,experts,level 1")
    assert "single expert: Eva Mulder" in csv_text
    table = team("skills").stdout
    assert "Social learning" in table and "Eva Mulder (5)" in table


class _Page(HTMLParser):
    VOID = {"meta", "br", "img", "hr", "input", "link"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.text: list[str] = []
        self.attributes: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes += [f"{k}={v}" for k, v in attrs]
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(f"unbalanced </{tag}>")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_skills_html_is_one_self_contained_well_formed_page(team: Invoke, tmp_path: Path) -> None:
    page_path = tmp_path / "talent.html"
    assert team("skills", "--html", str(page_path)).exit_code == 0
    page = page_path.read_text("utf-8")
    parser = _Page()
    parser.feed(page)
    parser.close()
    assert parser.problems == [] and parser.stack == []
    text = " ".join(parser.text)
    for row in as_json(team("skills", "--json")):
        assert row["topic"] in text
    assert "<svg" in page and "<script" not in page.lower()
    for marker in ("http://", "https://", "//cdn", "url(", "@import", "src="):
        assert marker not in page
    assert "@example.org" not in page  # names and teams, never email addresses


# --- similar and match -------------------------------------------------------------------------

def test_similar_ranks_by_shared_expertise(team: Invoke) -> None:
    found = as_json(team("similar", "eva", "--json"))
    assert found[0]["id"] == "sara"
    assert set(found[0]["shared"]) == {"Social learning", "intervisie"}
    assert "eva" not in [f["id"] for f in found]
    assert team("similar", "nobody").exit_code == 1


def test_match_pairs_interests_with_available_experts_within_the_cap(team: Invoke) -> None:
    result = as_json(team("match", "--max-per-expert", "1", "--json"))
    pairs = result["pairs"]
    proposed = [p["expert_id"] for p in pairs]
    assert len(proposed) == len(set(proposed))  # nobody more than once
    assert all(p["learner_id"] != p["expert_id"] for p in pairs)
    assert "kees" not in proposed  # unavailable
    by_learner = {(p["learner_id"], p["topic"]): p for p in pairs}
    begroting = by_learner[("iris", "begroting")]  # the only available teacher: Bram (Kees is not)
    assert begroting["expert_id"] == "bram" and begroting["expert_level"] == 5
    assert "Bram Jansen holds 'begroting' at level 5" in begroting["reason"]
    unmatched = {(u["learner_id"], u["topic"]): u["reason"] for u in result["unmatched"]}
    assert "the maximum of 1 (--max-per-expert)" in unmatched[("sara", "begroting")]  # the cap
    assert "nobody available" in unmatched[("iris", "podcasts")]  # nobody holds it


def test_match_default_cap_and_csv(team: Invoke) -> None:
    pairs = as_json(team("match", "--json"))["pairs"]
    counts: dict[str, int] = {}
    for pair in pairs:
        counts[pair["expert_id"]] = counts.get(pair["expert_id"], 0) + 1
    assert max(counts.values()) <= 3
    csv_text = team("match", "--csv").stdout
    assert csv_text.splitlines()[0].split(",")[:4] == ["learner_id", "learner", "learner_email", "topic"]


# --- the question log, gaps, stats, fair load ---------------------------------------------------

def asked(cli: Invoke, *args: str) -> list[str]:
    return [r["id"] for r in as_json(cli("ask", *args, "--json"))["results"]]


def test_ask_logs_the_question_and_suggestions_but_never_who_asked(
    team: Invoke, directory_file: Path
) -> None:
    asked(team, "intervisie")
    lines = log_path(directory_file).read_text("utf-8").splitlines()
    entry = json.loads(lines[-1])
    assert entry["query"] == "intervisie" and entry["suggested"][:2] in (["eva", "sara"], ["sara", "eva"])
    assert set(entry) == {"time", "query", "suggested", "scores"}
    asked(team, "coaching", "--no-log")
    assert len(log_path(directory_file).read_text("utf-8").splitlines()) == 1
    assert team("log", "off").exit_code == 0
    asked(team, "coaching")
    assert len(log_path(directory_file).read_text("utf-8").splitlines()) == 1
    assert team("log", "on").exit_code == 0
    asked(team, "coaching")
    assert len(as_json(team("log", "show", "--json"))) == 2
    assert team("log", "clear").exit_code == 0
    assert not log_path(directory_file).exists()


def test_gaps_and_stats_from_the_log(team: Invoke) -> None:
    for question in ("intervisie", "Wie weet iets van intervisie?", "kwantumcomputers",
                     "kwantumcomputers", "crowdfunding", "crowdfunding"):
        team("ask", question, "--json")
    found = as_json(team("gaps", "--json"))
    topics = [g["topic"] for g in found]
    assert topics[0] == "kwantumcomputers" and found[0]["asked"] == 2 and found[0]["best_score"] == 0
    assert "crowdfunding" in topics  # answered, but only by level-2 skill holders
    assert "intervisie" not in topics
    stats = as_json(team("stats", "--json"))
    assert stats["questions"] == 6
    asked_topics = {t["topic"]: t["asked"] for t in stats["topics"]}
    assert asked_topics["intervisie"] == 2  # both wordings are one topic
    people = {p["id"]: p for p in stats["people"]}
    assert people["eva"]["suggested"] >= 2 and people["eva"]["name"] == "Eva Mulder"
    assert "kwantumcomputers" in team("gaps").stdout


def test_fair_load_rotates_close_calls_deterministically(cli: Invoke, tmp_path: Path) -> None:
    twins = [{"id": i, "name": n, "skills": [{"name": "intervisie", "level": 4}]}
             for i, n in (("anna", "Anna de Wit"), ("bert", "Bert de Wit"), ("carla", "Carla de Wit"))]
    assert cli("import", str(write_json(tmp_path / "twins.json", twins))).exit_code == 0
    firsts = [asked(cli, "intervisie", "--limit", "1")[0] for _ in range(6)]
    assert firsts == ["anna", "bert", "carla", "anna", "bert", "carla"]
    asked(cli, "intervisie", "--limit", "1")  # anna again: everyone was suggested twice
    explained = as_json(cli("ask", "intervisie", "--limit", "1", "--json", "--explain"))["results"][0]
    assert explained["id"] == "bert"
    assert explained["explanation"]["fair_load"].startswith("moved up from 2: score within 5%")


def test_fair_load_respects_max_questions_per_week(cli: Invoke, tmp_path: Path) -> None:
    people = [
        {"id": "top", "name": "Top Expert", "max_questions_per_week": 2,
         "skills": [{"name": "begroting", "level": 5}],
         "contributions": [{"title": "Begroting in de praktijk", "tags": ["begroting"]}]},
        {"id": "next", "name": "Next Colleague", "skills": [{"name": "begroting", "level": 3}]},
    ]
    assert cli("import", str(write_json(tmp_path / "p.json", people))).exit_code == 0
    firsts = [asked(cli, "begroting")[0] for _ in range(3)]
    assert firsts == ["top", "top", "next"]
    explained = as_json(cli("ask", "begroting", "--json", "--explain"))["results"]
    assert explained[1]["id"] == "top"
    assert "maximum of 2 questions a week" in explained[1]["explanation"]["fair_load"]


def test_far_ahead_experts_are_never_moved(team: Invoke) -> None:
    firsts = {asked(team, "begroting")[0] for _ in range(4)}
    assert firsts == {"bram"}  # level 5; the next is level 4 and unavailable anyway


def test_remove_takes_the_person_out_of_the_question_log(team: Invoke, directory_file: Path) -> None:
    asked(team, "intervisie")
    assert "eva" in log_path(directory_file).read_text("utf-8")
    assert team("remove", "eva").exit_code == 0
    assert '"eva"' not in log_path(directory_file).read_text("utf-8")


# --- merge, duplicates, stale, contribution feeds ---------------------------------------------

def test_import_warns_about_likely_duplicates_and_merge_joins_them(cli: Invoke, tmp_path: Path) -> None:
    first = write_json(tmp_path / "a.json", [{"name": "Bobby Foo", "email": "bobby@example.org",
                                             "skills": [{"name": "coaching", "level": 3}],
                                             "contributions": [{"title": "Coachen op afstand"}]}])
    second = write_json(tmp_path / "b.json", [{"name": "Foo, Bobby", "email": "b.foo@example.org",
                                              "team": "HR",
                                              "skills": [{"name": "Coaching", "level": 4}, "intervisie"],
                                              "contributions": [{"title": "Coachen op afstand"},
                                                                {"title": "Intervisie in teams"}]}])
    assert cli("import", str(first)).exit_code == 0
    result = cli("import", str(second))
    assert result.exit_code == 0
    assert "look like the same person" in result.stderr
    assert "expertfind merge bobby-example-org b-foo-example-org" in result.stderr
    merged = cli("merge", "bobby-example-org", "b-foo-example-org", "--json")
    person = as_json(merged)
    assert [s if isinstance(s, str) else s["name"] for s in person["skills"]] == ["coaching", "intervisie"]
    assert person["skills"][0]["level"] == 4
    assert [c["title"] for c in person["contributions"]] == ["Coachen op afstand", "Intervisie in teams"]
    assert person["team"] == "HR" and person["email"] == "bobby@example.org"
    ids = [p["id"] for p in as_json(cli("list", "--json"))]
    assert ids == ["bobby-example-org"]
    assert cli("merge", "bobby-example-org", "bobby-example-org").exit_code == 2
    assert cli("merge", "bobby-example-org", "nobody").exit_code == 1


def test_stale_lists_profiles_without_changes_or_contributions(
    cli: Invoke, directory_file: Path
) -> None:
    long_ago = Directory(TinyDBStore(directory_file, today=lambda: date(2023, 1, 5)))
    long_ago.import_records([
        Record("r1", {"id": "old", "name": "Oud Profiel",
                      "contributions": [{"title": "Iets", "date": "2023-06-01"}]}),
        Record("r2", {"id": "never", "name": "Nooit Bijgewerkt"}),
    ])
    assert cli("add", "--name", "Vers Profiel").exit_code == 0  # changed today
    stale = as_json(cli("stale", "--months", "12", "--json"))
    assert [(s["id"], s["last_activity"]) for s in stale] == [("never", "2023-01-05"), ("old", "2023-06-01")]
    assert "Oud Profiel" in cli("stale").stdout
    assert cli("add", "--name", "Oud Profiel", "--id", "old", "--team", "HR").exit_code == 0
    assert [s["id"] for s in as_json(cli("stale", "--json"))] == ["never"]  # changed now


def test_contribution_feed_appends_without_duplicates_and_reports_unknown_authors(
    team: Invoke, tmp_path: Path
) -> None:
    feed = write(tmp_path / "yammer.csv",
                 "author,kind,title,date,tags,url\n"
                 "eva@example.org,post,Intervisie op afstand,2025-03-01,intervisie;online,https://yammer.example/1\n"
                 "EVA@example.org,post,Intervisie op afstand,2025-03-01,intervisie,https://yammer.example/1\n"
                 "bram,blog,Begroten met scenario's,12-4-2025,begroting,\n"
                 "onbekend@example.org,post,Iets,2025-01-01,,\n")
    result = team("import", "--contributions", str(feed))
    assert result.exit_code == 0, result.output
    assert "2 contributions added to 2 people; 1 already there; 1 row with an unknown author" in result.stderr
    assert "unknown author 'onbekend@example.org' (yammer.csv line 5)" in result.stderr
    eva = as_json(team("show", "eva", "--json"))
    assert eva["contributions"] == [{"kind": "post", "title": "Intervisie op afstand",
                                     "url": "https://yammer.example/1", "date": "2025-03-01",
                                     "tags": ["intervisie", "online"]}]
    bram = as_json(team("show", "bram", "--json"))
    assert bram["contributions"][0]["date"] == "2025-04-12"
    again = team("import", "--contributions", str(feed))
    assert "0 contributions added" in again.stderr


def test_a_bad_feed_row_writes_nothing(team: Invoke, tmp_path: Path, directory_file: Path) -> None:
    before = directory_file.read_bytes()
    feed = write(tmp_path / "lms.jsonl",
                 '{"author": "eva", "kind": "course", "title": "MOOC moderatie"}\n'
                 '{"author": "bram", "kind": "course", "title": "x", "date": "gisteren"}\n')
    result = team("import", "--contributions", str(feed))
    assert result.exit_code == 1 and "lms.jsonl line 2" in result.output
    assert directory_file.read_bytes() == before


def test_import_needs_files_or_a_feed(cli: Invoke) -> None:
    assert cli("import").exit_code == 2


def test_a_data_subject_access_request_covers_the_question_log(team: Invoke) -> None:
    asked(team, "intervisie")
    asked(team, "begroting")
    exported = team("export", "--person", "eva")
    assert exported.exit_code == 0
    assert json.loads(exported.stdout)["people"][0]["name"] == "Eva Mulder"
    assert "suggested in 1 logged question(s)" in exported.stderr
    named = as_json(team("log", "show", "--person", "eva", "--json"))
    assert [e["query"] for e in named] == ["intervisie"]


def test_ask_answers_even_when_the_log_cannot_be_written(team: Invoke, directory_file: Path) -> None:
    log_path(directory_file).mkdir()  # a folder where the log file should be: writing fails
    result = team("ask", "intervisie", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["results"][0]["id"] in ("eva", "sara")
    assert "the question was not logged" in result.stderr


def test_the_log_is_read_from_the_end_for_recent_questions(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from expertfind.questionlog import LoggedQuestion, QuestionLog

    log = QuestionLog(tmp_path / "d.json")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for day in range(10):
        log.append(LoggedQuestion(start + timedelta(days=day), f"vraag {day}", ("eva",), (50.0,)))
    log.path.write_text(log.path.read_text("utf-8") + "not json\n", "utf-8")  # damaged line: skipped
    recent = log.entries(since=start + timedelta(days=7))
    assert [e.query for e in recent] == ["vraag 7", "vraag 8", "vraag 9"]
    assert len(log.entries()) == 10
