from __future__ import annotations

import pytest

from expertfind.models import (
    Contribution,
    RecordError,
    Skill,
    derive_id,
    merge_contributions,
    merge_skills,
    profile_from_record,
)


def test_a_full_record_round_trips_unchanged() -> None:
    record = {
        "id": "sanne-de-vries", "name": "Sanne de Vries", "email": "sanne@example.org",
        "title": "Communicatieadviseur", "team": "Communicatie", "location": "Utrecht",
        "languages": ["nl", "en"],
        "skills": [{"name": "crowdfunding", "level": 5}, "storytelling"],
        "interests": ["data visualisatie"],
        "contributions": [{"kind": "blog", "title": "Crowdfunding", "url": "https://x/42",
                           "date": "2024-03-02", "tags": ["crowdfunding"], "text": "…"}],
        "available": True,
        "badge_number": 17, "manager": {"id": "m1"},
    }
    profile, present = profile_from_record(record)
    assert profile.to_dict() == record
    assert "skills" in present and "badge_number" not in present


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"email": "a@b.c"}, "'name' is required"),
        ({"name": "  "}, "'name' is required"),
        ({"name": 3}, "'name' must be text"),
        ({"name": "A", "skills": [{"name": "x", "level": 6}]}, "from 1 to 5"),
        ({"name": "A", "skills": [{"name": "x", "level": "5"}]}, "whole number"),
        ({"name": "A", "skills": "python"}, "'skills' must be a list"),
        ({"name": "A", "interests": ["ok", 4]}, "'interests' must be text"),
        ({"name": "A", "contributions": [{"title": "t", "date": "03/02/2024"}]}, "YYYY-MM-DD"),
        ({"name": "A", "contributions": [{"title": "t", "date": "2024-02-30"}]}, "not a date"),
        ({"name": "A", "contributions": [{"kind": "blog"}]}, "needs a 'title' or a 'text'"),
        ({"name": "A", "available": "yes"}, "'available' must be true or false"),
        ({"name": "A", "email": "not-an-address"}, "not an email address"),
        ({"name": "A\x00B"}, "control characters"),
        ({"name": "Ann \ud800"}, "'name' is not valid Unicode text"),
        ({"name": "A", "skills": ["x\udc80"]}, "'skill name' is not valid Unicode"),
        ({"name": "A", "contributions": [{"title": "t", "tags": ["\udfff"]}]}, "tags' is not valid Unicode"),
        ({"name": "A", "notes": {"x": ["ok", "\ud83d"]}}, "a field of the person is not valid Unicode"),
        ({"name": "A", "\ud800": 1}, "a field of the person is not valid Unicode"),
        ({"name": "A", "skills": [{"name": "x", "since": "\ud800"}]}, "a field of a skill is not valid"),
        ({"name": "A", "contributions": [{"title": "t", "x": "\udc00"}]}, "a field of a contribution is not"),
        (["name"], "a person must be an object"),
    ],
)
def test_invalid_records_are_refused_with_a_reason(record: object, reason: str) -> None:
    with pytest.raises(RecordError, match=reason):
        profile_from_record(record)


def test_ids_are_derived_from_email_then_name_and_are_stable() -> None:
    assert derive_id(name="Sanne de Vries", email=None) == "sanne-de-vries"
    assert derive_id(name="X", email="Sanne@Example.org") == "sanne-example-org"
    assert derive_id(name="Özlem Çelik", email=None) == "ozlem-celik"
    first, _ = profile_from_record({"name": "Zoë van Leeuwen"})
    second, _ = profile_from_record({"name": "Zoë van Leeuwen", "title": "Adviseur"})
    assert first.id == second.id == "zoe-van-leeuwen"
    assert derive_id(name="李四", email=None).startswith("p-")


def test_skills_merge_by_normalised_name_and_keep_the_newest_level() -> None:
    merged = merge_skills([Skill("Social Learning", 2), Skill("R", 4)],
                          [Skill("social-learning", 5), Skill("Python")])
    assert [(s.name, s.level) for s in merged] == [("Social Learning", 5), ("R", 4), ("Python", None)]


def test_contributions_merge_without_duplicates() -> None:
    blog = Contribution(title="Crowdfunding", kind="blog", date="2024-03-02")
    same = Contribution(title="crowdfunding ", kind="Blog", date="2024-03-02", text="longer")
    other = Contribution(title="Crowdfunding", kind="talk", date="2024-03-02")
    merged = merge_contributions([blog], [same, other])
    assert len(merged) == 2
    assert merged[0].text == "longer"


def test_level_written_after_a_colon_in_a_skill_string() -> None:
    profile, _ = profile_from_record({"name": "A", "skills": ["crowdfunding:5", "c++"]})
    assert [(s.name, s.level) for s in profile.skills] == [("crowdfunding", 5), ("c++", None)]


@pytest.mark.parametrize(("written", "stored"), [
    ("2024-03-02", "2024-03-02"), ("2-3-2024", "2024-03-02"), ("02-03-2024", "2024-03-02"),
    ("2024/03/02 10:00:00 UTC", "2024-03-02"), ("2024-03-02T10:00:00Z", "2024-03-02"),
])
def test_dates_as_excel_and_exports_write_them_are_stored_as_iso(written: str, stored: str) -> None:
    profile, _ = profile_from_record({"name": "A", "contributions": [{"title": "t", "date": written}]})
    assert profile.contributions[0].date == stored
