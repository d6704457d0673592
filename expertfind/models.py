"""The profile of a colleague: skills, interests and contributions, validated on the way in.

Pure standard library: this module defines what a valid record is, nothing else.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from types import MappingProxyType
from typing import Any, TypeAlias

KNOWN_FIELDS = (
    "id",
    "name",
    "email",
    "title",
    "team",
    "location",
    "languages",
    "skills",
    "interests",
    "contributions",
    "available",
    "max_questions_per_week",
)
SCALAR_FIELDS = ("email", "title", "team", "location")
LIST_FIELDS = ("languages", "interests")
CONTRIBUTION_FIELDS = ("kind", "title", "url", "date", "tags", "text")
_CONTRIBUTION_KEYS = frozenset(CONTRIBUTION_FIELDS)
_SKILL_KEYS = frozenset(("name", "level"))
MIN_LEVEL, MAX_LEVEL = 1, 5
MAX_TEXT_LENGTH = 100_000
_ISO_PREFIX_RE = re.compile(
    r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2}| UTC)?)?$"
)
_DUTCH_DATE_RE = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$")
_SEPARATORS = re.compile(r"[\s_\-]+")
NOTHING_EXTRA: Mapping[str, Any] = MappingProxyType({})
"""The `extra` of nearly every skill, contribution and profile: one shared, read-only mapping."""
SHARED_TEXT_LENGTH = 80
"""Short values that recur across people (skill names, tags, kinds, dates, teams) are kept once."""


def _no_extra() -> Mapping[str, Any]:
    return NOTHING_EXTRA


def _shared(text: str) -> str:
    return sys.intern(text) if len(text) <= SHARED_TEXT_LENGTH else text


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
"""Half of a UTF-16 pair standing alone (JSON's `"\\ud800"`, or bytes a command line could not
decode): no file can hold it as UTF-8, so a record that has one is refused on the way in."""


class RecordError(ValueError):
    """Why one record is invalid; the caller adds where in the file it stands."""


@dataclass(frozen=True, slots=True)
class Skill:
    """A declared skill, with a level from 1 (some experience) to 5 (go-to expert), if given."""

    name: str
    level: int | None = None
    extra: Mapping[str, Any] = field(default_factory=_no_extra, compare=False)

    @property
    def key(self) -> str:
        return normalise_key(self.name)

    def to_dict(self) -> str | dict[str, Any]:
        if self.level is None and not self.extra:
            return self.name
        data: dict[str, Any] = {"name": self.name}
        if self.level is not None:
            data["level"] = self.level
        data.update(self.extra)
        return data


@dataclass(frozen=True, slots=True)
class Contribution:
    """A piece of evidence: a blog post, talk, workshop, answer, publication…"""

    title: str = ""
    kind: str = ""
    url: str | None = None
    date: str | None = None
    tags: tuple[str, ...] = ()
    text: str = ""
    extra: Mapping[str, Any] = field(default_factory=_no_extra, compare=False)

    @property
    def key(self) -> tuple[str, ...]:
        """Two contributions with the same key are the same piece of evidence."""
        if self.url:
            return ("url", self.url.strip())
        return ("title", normalise_key(self.kind), normalise_key(self.title or self.text[:200]),
                self.date or "")

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.kind:
            data["kind"] = self.kind
        if self.title:
            data["title"] = self.title
        if self.url:
            data["url"] = self.url
        if self.date:
            data["date"] = self.date
        if self.tags:
            data["tags"] = list(self.tags)
        if self.text:
            data["text"] = self.text
        data.update(self.extra)
        return data


@dataclass(frozen=True, slots=True)
class Profile:
    """One colleague in the directory."""

    id: str
    name: str
    email: str | None = None
    title: str | None = None
    team: str | None = None
    location: str | None = None
    languages: tuple[str, ...] = ()
    skills: tuple[Skill, ...] = ()
    interests: tuple[str, ...] = ()
    contributions: tuple[Contribution, ...] = ()
    available: bool = True
    max_questions_per_week: int | None = None
    """At most this many suggestions a week (fair load); None: no limit."""
    extra: Mapping[str, Any] = field(default_factory=_no_extra)

    def to_dict(self) -> dict[str, Any]:
        """The profile in the documented exchange format; absent fields are left out."""
        data: dict[str, Any] = {"id": self.id, "name": self.name}
        for name in SCALAR_FIELDS:
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        if self.languages:
            data["languages"] = list(self.languages)
        if self.skills:
            data["skills"] = [skill.to_dict() for skill in self.skills]
        if self.interests:
            data["interests"] = list(self.interests)
        if self.contributions:
            data["contributions"] = [c.to_dict() for c in self.contributions]
        data["available"] = self.available
        if self.max_questions_per_week is not None:
            data["max_questions_per_week"] = self.max_questions_per_week
        data.update(self.extra)
        return data

    def last_activity(self, changed: str | None = None) -> str | None:
        """The newest of `changed` (when the directory last changed the profile) and the dates of
        its contributions, as YYYY-MM-DD."""
        dates = [c.date for c in self.contributions if c.date]
        if changed:
            dates.append(changed)
        return max(dates, default=None)

    def merged_with(self, update: Profile, present: frozenset[str]) -> Profile:
        """This profile updated by `update`: fields it carries replace, lists merge without duplicates.

        `present` names the fields the incoming record actually had, so an absent field never
        erases a stored one.
        """
        changes: dict[str, Any] = {}
        for name in (*SCALAR_FIELDS, "name", "available", "max_questions_per_week"):
            if name in present:
                changes[name] = getattr(update, name)
        if "languages" in present:
            changes["languages"] = _union(self.languages, update.languages)
        if "interests" in present:
            changes["interests"] = _union(self.interests, update.interests)
        if "skills" in present:
            changes["skills"] = merge_skills(self.skills, update.skills)
        if "contributions" in present:
            changes["contributions"] = merge_contributions(self.contributions, update.contributions)
        if update.extra:
            changes["extra"] = {**self.extra, **update.extra}
        return replace(self, **changes)


Parts: TypeAlias = tuple[Any, ...]
"""A profile as core types only (`profile_parts`), for `marshal` between processes."""


def profile_parts(profile: Profile) -> Parts:
    """`profile` as tuples, text, numbers and its extra fields as they came (None when none)."""
    return (
        profile.id, profile.name, profile.email, profile.title, profile.team, profile.location,
        profile.languages,
        tuple([(s.name, s.level, dict(s.extra) if s.extra else None) for s in profile.skills]),
        profile.interests,
        tuple([(c.title, c.kind, c.url, c.date, c.tags, c.text, dict(c.extra) if c.extra else None)
               for c in profile.contributions]),
        profile.available, profile.max_questions_per_week,
        dict(profile.extra) if profile.extra else None,
    )


def profile_from_parts(parts: Parts) -> Profile:
    """The profile `profile_parts` gave `parts` for: equal to it in every field."""
    (person_id, name, email, title, team, location, languages, skills, interests, contributions,
     available, limit, extra) = parts
    return Profile(
        person_id, name, email, title, team, location, languages,
        tuple([Skill(n, level, NOTHING_EXTRA if more is None else more) for n, level, more in skills]),
        interests,
        tuple([Contribution(t, kind, url, when, tags, text, NOTHING_EXTRA if more is None else more)
               for t, kind, url, when, tags, text, more in contributions]),
        available, limit, NOTHING_EXTRA if extra is None else extra,
    )


def merge_skills(old: Iterable[Skill], new: Iterable[Skill]) -> tuple[Skill, ...]:
    """Skills of both, one per normalised name; a new level replaces the old one."""
    merged: dict[str, Skill] = {skill.key: skill for skill in old}
    for skill in new:
        previous = merged.get(skill.key)
        if previous is None:
            merged[skill.key] = skill
        else:
            level = skill.level if skill.level is not None else previous.level
            merged[skill.key] = Skill(previous.name, level, {**previous.extra, **skill.extra})
    return tuple(merged.values())


def merge_contributions(
    old: Iterable[Contribution], new: Iterable[Contribution]
) -> tuple[Contribution, ...]:
    """Contributions of both; the same piece of evidence (same url, or same kind+title+date) once."""
    merged: dict[tuple[str, ...], Contribution] = {c.key: c for c in old}
    for contribution in new:
        merged[contribution.key] = contribution
    return tuple(merged.values())


def _union(old: Iterable[str], new: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for value in (*old, *new):
        seen.setdefault(normalise_key(value), value)
    return tuple(seen.values())


@lru_cache(maxsize=1 << 16)
def normalise_key(text: str) -> str:
    """Case-, accent- and spacing-insensitive form of a short label, for de-duplication."""
    if text.isascii():
        folded = text.casefold()
    else:
        folded = unicodedata.normalize("NFKD", text).casefold()
        folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join(_SEPARATORS.sub(" ", folded).split())


def slugify(text: str) -> str:
    """`Sanne de Vries` -> `sanne-de-vries`; ASCII, lower case, hyphens."""
    folded = unicodedata.normalize("NFKD", text).casefold()
    ascii_text = folded.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def derive_id(*, name: str, email: str | None) -> str:
    """A stable id: from the email if there is one, else from the name."""
    source = email.strip().casefold() if email else name
    slug = slugify(source)
    if slug:
        return slug
    import hashlib  # only for names without letters or digits; costs start-up time otherwise

    return "p-" + hashlib.sha256(source.encode("utf-8")).hexdigest()[:12]


def parse_skill(value: object) -> Skill:
    """A skill from `"name"`, `"name:5"` or `{"name": …, "level": …}`."""
    if isinstance(value, str):
        name, level = split_level(value)
        return Skill(_shared(_text(name, "skill name")), level)
    if isinstance(value, Mapping):
        raw_name = value.get("name")
        if not isinstance(raw_name, str):
            raise RecordError("a skill needs a text 'name'")
        raw_level = value.get("level")
        extra = NOTHING_EXTRA if value.keys() <= _SKILL_KEYS else _unicode_only(
            {k: v for k, v in value.items() if k not in _SKILL_KEYS}, "a skill")
        return Skill(_shared(_text(raw_name, "skill name")), None if raw_level is None else _level(raw_level),
                     extra)
    raise RecordError(f"a skill must be text or an object, not {_type_name(value)}")


def split_level(text: str) -> tuple[str, int | None]:
    """`crowdfunding:5` -> (`crowdfunding`, 5); text without a trailing level keeps level None."""
    match = re.fullmatch(r"\s*(.*?)\s*:\s*(\d+)\s*", text)
    if match is None:
        return text.strip(), None
    return match.group(1), _level(int(match.group(2)))


def _level(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(f"a skill level must be a whole number from 1 to 5, not {value!r}")
    if not MIN_LEVEL <= value <= MAX_LEVEL:
        raise RecordError(f"a skill level must be from 1 to 5, not {value}")
    return value


def parse_contribution(value: object) -> Contribution:
    """A contribution from an object with kind/title/url/date/tags/text, or a bare title."""
    if isinstance(value, str):
        return Contribution(title=_text(value, "contribution title"))
    if not isinstance(value, Mapping):
        raise RecordError(f"a contribution must be an object, not {_type_name(value)}")
    get = value.get  # a million contributions at 100,000 people: each step here counts
    raw = get("kind")
    kind = "" if raw is None else _shared(_text(raw, "contribution kind", allow_empty=True))
    raw = get("title")
    title = "" if raw is None else _text(raw, "contribution title", allow_empty=True)
    raw = get("text")
    text = "" if raw is None else _text(raw, "contribution text", allow_empty=True)
    raw = get("url")
    url = None if raw is None else _text(raw, "contribution url", allow_empty=True) or None
    raw = get("date")
    when = None
    if raw is not None and raw != "":
        when = _known_date(raw) if isinstance(raw, str) else parse_date(raw)
    raw = get("tags")
    tags = () if raw is None else tuple(map(_shared, _string_list(raw, "contribution tags")))
    if not title and not text:
        raise RecordError("a contribution needs a 'title' or a 'text'")
    extra = NOTHING_EXTRA if value.keys() <= _CONTRIBUTION_KEYS else _unicode_only(
        {k: v for k, v in value.items() if k not in _CONTRIBUTION_KEYS}, "a contribution")
    return Contribution(title, kind, url, when, tags, text, extra)


@lru_cache(maxsize=1 << 14)
def _known_date(text: str) -> str:
    """`parse_date(text)`, kept once: the dates of a directory's evidence repeat (a day each)."""
    return sys.intern(parse_date(text))


def parse_date(value: object) -> str:
    """A date that exists in the calendar, as `YYYY-MM-DD`.

    Also read: a date-time (`2024-03-02T10:00:00Z`, `2024/03/02 10:00:00 UTC`) and the Dutch
    `d-M-yyyy` (`2-3-2024` is 2 March), as Excel writes them in the Netherlands."""
    text = value.strip() if isinstance(value, str) else ""
    iso = _ISO_PREFIX_RE.match(text)
    dutch = None if iso else _DUTCH_DATE_RE.match(text)
    if iso:
        year, month, day = iso.groups()
    elif dutch:
        day, month, year = dutch.groups()
    else:
        raise RecordError(f"a date must be written YYYY-MM-DD (or d-M-yyyy), not {value!r}")
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        raise RecordError(f"{value!r} is not a date in the calendar") from None


def profile_from_record(record: object) -> tuple[Profile, frozenset[str]]:
    """Validate one record of the exchange format; returns the profile and the fields it carried."""
    if not isinstance(record, Mapping):
        raise RecordError(f"a person must be an object, not {_type_name(record)}")
    for key in record:
        if not isinstance(key, str):
            raise RecordError(f"field names must be text, not {key!r}")
    present = frozenset(k for k, v in record.items() if k in KNOWN_FIELDS and v is not None)
    raw_name = record.get("name")
    if raw_name is None or (isinstance(raw_name, str) and not raw_name.strip()):
        raise RecordError("'name' is required")
    name = _text(raw_name, "name")
    fields: dict[str, Any] = {"name": name}
    for key in SCALAR_FIELDS:
        raw = record.get(key)
        if raw is not None:
            value = _text(raw, key, allow_empty=True)
            fields[key] = (value if key == "email" else _shared(value)) if value else None
    if fields.get("email") is not None and "@" not in fields["email"]:
        raise RecordError("'email' is not an email address (it has no @)")
    for key in LIST_FIELDS:
        raw = record.get(key)
        if raw is not None:
            fields[key] = tuple(map(_shared, _string_list(raw, key)))
    raw_skills = record.get("skills")
    if raw_skills is not None:
        fields["skills"] = merge_skills((), (parse_skill(s) for s in _list(raw_skills, "skills")))
    raw_contributions = record.get("contributions")
    if raw_contributions is not None:
        fields["contributions"] = merge_contributions(
            (), (parse_contribution(c) for c in _list(raw_contributions, "contributions"))
        )
    available = record.get("available")
    if available is not None:
        if not isinstance(available, bool):
            raise RecordError(f"'available' must be true or false, not {available!r}")
        fields["available"] = available
    limit = record.get("max_questions_per_week")
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise RecordError(f"'max_questions_per_week' must be a whole number from 0, not {limit!r}")
        fields["max_questions_per_week"] = limit
    raw_id = record.get("id")
    if raw_id is not None:
        person_id = _text(raw_id, "id")
        if not person_id:
            raise RecordError("'id' must not be empty")
        fields["id"] = person_id
    else:
        fields["id"] = derive_id(name=name, email=fields.get("email"))
    fields["extra"] = _unicode_only({k: v for k, v in record.items() if k not in KNOWN_FIELDS}, "the person")
    return Profile(**fields), present


def _text(value: object, what: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise RecordError(f"'{what}' must be text, not {_type_name(value)}")
    if len(value) > MAX_TEXT_LENGTH:
        raise RecordError(f"'{what}' is longer than {MAX_TEXT_LENGTH:,} characters")
    if not value.isprintable():  # the quick common case: nothing to look for
        if _CONTROL_RE.search(value):
            raise RecordError(f"'{what}' contains control characters")
        if _SURROGATE_RE.search(value):
            raise RecordError(_NOT_UNICODE.format(what=f"'{what}'"))
    text = value.strip()
    if not text and not allow_empty:
        raise RecordError(f"'{what}' must not be empty")
    return text


_NOT_UNICODE = "{what} is not valid Unicode text (it holds half of a surrogate pair, such as \\ud800)"


def _unicode_only(extra: dict[str, Any], owner: str) -> Mapping[str, Any]:
    """`extra` (the fields of `owner` that expertfind keeps but does not read: any JSON), or the
    shared empty one; refused when any of its text, names included, is not valid Unicode."""
    if not extra:
        return NOTHING_EXTRA
    pending: list[object] = [extra]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if not value.isprintable() and _SURROGATE_RE.search(value):
                raise RecordError(_NOT_UNICODE.format(what=f"a field of {owner}"))
        elif isinstance(value, Mapping):
            pending += value.keys()
            pending += value.values()
        elif isinstance(value, list | tuple):
            pending += value
    return extra


def _list(value: object, what: str) -> list[object]:
    if not isinstance(value, list):
        raise RecordError(f"'{what}' must be a list, not {_type_name(value)}")
    return value


def _string_list(value: object, what: str) -> list[str]:
    items = _list(value, what)
    return [t for t in (_text(item, what, allow_empty=True) for item in items) if t]


def _type_name(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}
    for kind, label in names.items():
        if isinstance(value, kind):
            return label
    return "a number" if isinstance(value, (int, float)) else type(value).__name__
