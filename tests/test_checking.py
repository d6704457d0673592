"""Checking a big JSON Lines or CSV export in two processes gives exactly what checking it in one does."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from expertfind import checking, formats
from expertfind.checking import Checked, csv_checking, json_lines_checking, validate_records
from expertfind.errors import InputError, ValidationError
from expertfind.formats import HeadTooShort, JsonLines, Record, csv_lines, csv_records, read_csv_head
from expertfind.models import Profile, profile_from_parts, profile_from_record, profile_parts

from .conftest import write
from .test_numbering import assert_ends_with_its_parent

_SKILLS = st.sampled_from(["R", "Java:3", "crowdfunding:5", {"name": "AVG", "level": 2},
                           {"name": "x", "level": 9}, {"name": "y", "since": [2020, {"a": None}]}, 7])
_CONTRIBUTIONS = st.sampled_from([
    {"kind": "talk", "title": "Werken met open deuren", "tags": ["wol", "WOL"], "date": "2023-02-01"},
    {"title": "Blog", "url": "https://example.org/1", "text": "kennis delen", "views": 10**30},
    {"text": ""}, "Een losse titel", {"title": "t", "date": "31-2-2020"}, {"title": "t", "date": "3-2-2020"},
])
_INVALID_CONTRIBUTIONS = ({"text": ""}, {"title": "t", "date": "31-2-2020"})
_PEOPLE = st.fixed_dictionaries(
    {"name": st.sampled_from(["Anna de Vries", "Émile", " ", "Bo"])},
    optional={
        "id": st.sampled_from(["p1", "p2", ""]),
        "email": st.sampled_from(["anna@example.org", "no-at-sign"]),
        "skills": st.lists(_SKILLS, max_size=3),
        "interests": st.lists(st.sampled_from(["R", "intervisie", 3]), max_size=2),
        "contributions": st.lists(_CONTRIBUTIONS, max_size=3),
        "available": st.sampled_from([True, False, "ja"]),
        "badge": st.sampled_from([1, 1.5, "goud", [1, {"b": [None]}], {"x": "\u00e9"}]),
    },
)
_LINES = st.one_of(_PEOPLE.map(lambda person: json.dumps(person, ensure_ascii=False)),
                   st.sampled_from(["", "   ", "not json", "[1, 2]", "\ufeff{\"name\": \"A\"}"]))


def outcome(records: Iterable[Record | Checked]) -> tuple[str, object]:
    """What an import would make of `records`: the valid ones, or the problem it reports."""
    try:
        return "valid", [tuple(checked) for checked in validate_records(records)]
    except ValidationError as exc:
        return "invalid", exc.problems
    except InputError as exc:
        return "unreadable", str(exc)


def file_bytes(lines: list[str], *, ending: str, bom: bool, damage: bytes, at: int) -> bytes:
    """`lines` as a UTF-8 file's bytes, with a BOM or not, and `damage` inserted at byte `at`."""
    content = (b"\xef\xbb\xbf" if bom else b"") + ending.join(lines).encode("utf-8")
    return content[:at] + damage + content[at:]


@settings(max_examples=40, deadline=None)
@given(lines=st.lists(_LINES, min_size=1, max_size=12), ending=st.sampled_from(["\n", "\r\n", "\r"]),
       bom=st.booleans(), damage=st.sampled_from([b"", b"\xff"]), at=st.integers(0, 2_000))
def test_two_processes_give_what_one_gives(
    tmp_path_factory: pytest.TempPathFactory, lines: list[str], ending: str, bom: bool, damage: bytes,
    at: int,
) -> None:
    path = tmp_path_factory.mktemp("lines") / "people.jsonl"
    path.write_bytes(file_bytes(lines, ending=ending, bom=bom, damage=damage, at=at))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(checking, "TWO_PROCESSES_FROM", 0)
        assert outcome(json_lines_checking(path)) == outcome(JsonLines(path))


def people_lines(count: int) -> str:
    return "".join(
        json.dumps({"name": f"Collega {n}", "email": f"c{n}@example.org",
                    "skills": [{"name": "crowdfunding", "level": 1 + n % 5}, "intervisie"],
                    "contributions": [{"kind": "blog", "title": f"Les {n}", "tags": ["wol"]}]}) + "\n"
        for n in range(count)
    )


def test_the_second_half_is_checked_by_the_second_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checking, "TWO_PROCESSES_FROM", 0)
    path = write(tmp_path / "people.jsonl", people_lines(40))
    given = list(json_lines_checking(path))
    answered = [item for item in given if isinstance(item, Checked)]
    assert 10 < len(answered) < 30  # about half, made there
    assert all(isinstance(item, Record) for item in given[: len(given) - len(answered)])
    assert outcome(given) == outcome(JsonLines(path))
    assert answered[-1].position == "people.jsonl line 40"


@pytest.mark.parametrize("problem", ['{"name": 5}', "{broken", '{"name": "A", "skills": "R:9"}'])
def test_a_problem_in_the_second_half_is_reported_as_one_process_reports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, problem: str
) -> None:
    monkeypatch.setattr(checking, "TWO_PROCESSES_FROM", 0)
    path = write(tmp_path / "people.jsonl", people_lines(30) + problem + "\n" + people_lines(3))
    two = outcome(json_lines_checking(path))
    assert two[0] != "valid"
    assert "line 31" in str(two[1])
    assert two == outcome(JsonLines(path))


def test_without_an_answer_the_second_half_is_checked_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checking, "TWO_PROCESSES_FROM", 0)
    monkeypatch.setattr(checking._SecondHalf, "answer", lambda self: None)
    path = write(tmp_path / "people.jsonl", people_lines(20))
    given = list(json_lines_checking(path))
    assert not any(isinstance(item, Checked) for item in given)
    assert outcome(given) == outcome(JsonLines(path))


def test_an_answer_cut_short_is_no_answer(tmp_path: Path) -> None:
    path = write(tmp_path / "people.jsonl", people_lines(20))
    second = checking._SecondHalf(path, 0)
    try:
        assert second.answer() is not None
        size = checking.os.fstat(second._answer).st_size
        checking.os.truncate(second._answer, size - 1)  # the end mark is gone
        assert second.answer() is None
    finally:
        second.close()


def test_small_files_are_checked_in_one_process(tmp_path: Path) -> None:
    path = write(tmp_path / "people.jsonl", people_lines(5))
    assert not any(isinstance(item, Checked) for item in json_lines_checking(path))


_VALID_PEOPLE = st.fixed_dictionaries(
    {"name": st.sampled_from(["Anna de Vries", "Émile"])},
    optional={
        "email": st.sampled_from(["anna@example.org", None]),
        "team": st.sampled_from(["Water en Bodem", ""]),
        "skills": st.lists(st.sampled_from(["R", "Java:3", {"name": "AVG", "level": 2},
                                            {"name": "y", "since": [2020, {"a": None}]}]), max_size=3),
        "interests": st.lists(st.sampled_from(["R", "intervisie"]), max_size=2),
        "contributions": st.lists(_CONTRIBUTIONS.filter(lambda c: c not in _INVALID_CONTRIBUTIONS), max_size=3),
        "available": st.booleans(),
        "max_questions_per_week": st.sampled_from([0, 3, None]),
        "badge": st.sampled_from([1, 1.5, 10**30, "goud", [1, {"b": [None]}], {"x": "\u00e9"}]),
    },
)


@settings(max_examples=100, deadline=None)
@given(person=_VALID_PEOPLE)
def test_a_profile_made_from_its_parts_is_the_profile(person: dict[str, object]) -> None:
    profile, _ = profile_from_record(person)
    again = profile_from_parts(profile_parts(profile))
    assert again == profile
    assert [s.extra for s in again.skills] == [s.extra for s in profile.skills]
    assert [c.extra for c in again.contributions] == [c.extra for c in profile.contributions]
    assert isinstance(again, Profile)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="process states are read from /proc")
def test_the_second_process_ends_when_the_import_is_killed(tmp_path: Path) -> None:
    """It holds records of people: it must not outlive an import killed with SIGKILL, even while
    it waits for its file (here a named pipe that stays open and empty: it would wait for ever)."""
    fifo = tmp_path / "people.jsonl"
    os.mkfifo(fifo)
    held = os.open(fifo, os.O_RDWR)  # a writer that never writes
    try:
        assert_ends_with_its_parent(
            "import os, time\n"
            "from pathlib import Path\n"
            "from expertfind.checking import _SecondHalf\n"
            f"second = _SecondHalf(Path({str(fifo)!r}), 0)._process\n"
            "opened = lambda: any(os.path.realpath(f'/proc/{second.pid}/fd/{fd}') == "
            f"{str(fifo)!r} for fd in os.listdir(f'/proc/{{second.pid}}/fd'))\n"
            "while not opened(): time.sleep(0.02)\n"
            "time.sleep(0.2)"
        )
    finally:
        os.close(held)


_CELLS = st.sampled_from([
    "Anna de Vries", "Émile", "", " ", '"Vries, Anna de"', '"twee\nregels"', '"twee\r\nregels"', '5" scherm',
    '"een ""citaat"" hier"', "R|Java:3", "crowdfunding:9", "ja", "nee", "anna@example.org",
    '"[{""title"": ""Blog"", ""tags"": [""wol""]}]"', '"[{""text"": """"}]"', '"open',
])
_VALID_ROWS = st.tuples(
    st.sampled_from(["Anna de Vries", "Émile", '"Vries, Anna de"', '"Twee\nregels"', '"Twee\r\nregels"']),
    st.sampled_from(["anna@example.org", "", '"a@example.org"']),
    st.sampled_from(["R|Java:3", "crowdfunding:5", "", '"intervisie|""WOL"""']),
    st.sampled_from(["", '"[{""title"": ""Blog"", ""tags"": [""wol""]}]"', '"[{""title"": ""Twee\nregels""}]"']),
).map(",".join)
_CSV_ROWS = st.one_of(  # mostly well-formed people; now and then a blank line or a malformed row
    *[_VALID_ROWS] * 6, st.just(""), st.lists(_CELLS, min_size=1, max_size=5).map(",".join)
)


def csv_outcome(path: Path, *, two: bool) -> tuple[str, object]:
    """What an import makes of a CSV file read from its head on, in one process or two."""
    head = read_csv_head(path)
    if head is None:
        return "read whole", None  # the head is not UTF-8: neither way applies
    try:
        if two:
            return outcome(csv_checking(path, head))
        more = csv_lines(path, head.end, head.lines) if head.end < head.size else None
        return outcome(csv_records(head.text, path, {}, more=more))
    except HeadTooShort:
        return "head too short", None
    except InputError as exc:
        return "unreadable", str(exc)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(_CSV_ROWS, min_size=6, max_size=20), ending=st.sampled_from(["\n", "\r\n", "\r"]),
       bom=st.booleans(), damage=st.sampled_from([b"", b"\xff"]), at=st.integers(0, 800))
def test_a_csv_file_in_two_processes_gives_what_one_gives(
    tmp_path_factory: pytest.TempPathFactory, rows: list[str], ending: str, bom: bool, damage: bytes,
    at: int,
) -> None:
    path = tmp_path_factory.mktemp("rows") / "people.csv"
    path.write_bytes(file_bytes(["name,email,skills,contributions", *rows], ending=ending, bom=bom,
                                damage=damage, at=at))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(formats, "HEAD_BYTES", 40)  # the head is the header line, and not much more
        expected = csv_outcome(path, two=False)
        patch.setattr(checking, "TWO_PROCESSES_FROM", 0)
        assert csv_outcome(path, two=True) == expected


def people_rows(first: int, count: int) -> str:
    return "".join(
        f'Collega {n},c{n}@example.org,crowdfunding:{1 + n % 5}|intervisie,'
        f'"[{{""kind"": ""blog"", ""title"": ""Les {n}\nover twee regels"", ""tags"": [""wol""]}}]"\n'
        for n in range(first, first + count)
    )


def test_the_second_half_of_a_csv_file_is_checked_by_the_second_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "people.csv", "name,email,skills,contributions\n" + people_rows(0, 40))
    monkeypatch.setattr(formats, "HEAD_BYTES", 100)
    expected = csv_outcome(path, two=False)
    monkeypatch.setattr(checking, "TWO_PROCESSES_FROM", 0)
    head = read_csv_head(path)
    assert head is not None
    given = list(csv_checking(path, head))
    answered = [item for item in given if isinstance(item, Checked)]
    assert 10 < len(answered) < 30  # about half, made there
    assert outcome(given) == expected
    assert answered[-1].position == "people.csv line 81"  # each row takes two lines


def test_a_stray_quote_before_the_middle_of_a_csv_file_is_read_through_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An odd number of quotes before the middle (a quote in an unquoted cell) puts the second
    process's start inside a row as this process reads it: this process reads on by itself. Each
    row's second line reads as a valid row of its own, so an answer from there would be wrong."""
    def rows(first: int, count: int) -> str:
        return "".join(f'"Collega {n}\nvan de afdeling",c{n}@example.org,R,\n' for n in range(first, first + count))

    path = write(tmp_path / "people.csv", "name,email,skills,contributions\n"
                 + rows(0, 20) + 'Kees 5" scherm,k@example.org,R,\n' + rows(20, 20))
    monkeypatch.setattr(formats, "HEAD_BYTES", 100)
    expected = csv_outcome(path, two=False)
    monkeypatch.setattr(checking, "TWO_PROCESSES_FROM", 0)
    head = read_csv_head(path)
    assert head is not None
    middle = checking._row_start_after(path, head.size // 2)
    assert middle is not None and middle[0] > head.end  # a second process is started...
    given = list(csv_checking(path, head))
    assert not any(isinstance(item, Checked) for item in given)  # ...and its answer not taken
    assert outcome(given) == expected
    assert expected[0] == "valid" and len(expected[1]) == 41  # type: ignore[arg-type]
