"""A LinkedIn "Get a copy of your data" archive (the .zip, or the folder it unpacks to) as one person.

Read: `Profile.csv` (First Name, Last Name, Headline, Summary, Geo Location), `Email Addresses.csv`
(the primary one), `Skills.csv` (Name), `Languages.csv` (Name), `Positions.csv` (Company Name,
Title, Description, Location, Started On, Finished On: the current one gives title and team, every
one is evidence), `Publications.csv` and `Projects.csv` (evidence), and
`Endorsement_Received_Info.csv` (accepted endorsements count as evidence for the skill).
Everything else in the archive (messages, connections, addresses, birth date, ...) is not read.
"""

from __future__ import annotations

import zipfile
from collections import Counter
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..formats import MAX_FILE_BYTES, decode, read_table

PROFILE = "profile.csv"
FILES_READ = ("Profile.csv", "Email Addresses.csv", "Skills.csv", "Languages.csv", "Positions.csv",
              "Publications.csv", "Projects.csv", "Endorsement_Received_Info.csv")
NOT_STORED = ("Maiden Name", "Address", "Birth Date", "Zip Code", "Twitter Handles", "Websites",
              "Instant Messengers")
_MONTHS = {m: n for n, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}


def is_linkedin_archive(path: Path) -> bool:
    """A folder or zip that holds a LinkedIn `Profile.csv`."""
    try:
        return PROFILE in _listing(path)
    except InputError:
        return False


def _listing(path: Path) -> dict[str, Callable[[], bytes]]:
    """File readers in the archive by lower-case base name (the archive may nest a folder)."""
    if path.is_dir():
        return {p.name.casefold(): p.read_bytes for p in path.rglob("*.csv") if p.is_file()}
    if path.suffix.casefold() == ".zip" and path.is_file():
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise InputError(f"{path} is not a readable zip archive ({exc})") from None
        readers: dict[str, Callable[[], bytes]] = {}
        for info in archive.infolist():
            if info.filename.casefold().endswith(".csv") and not info.is_dir():
                if info.file_size > MAX_FILE_BYTES:
                    raise InputError(f"{path}: {info.filename} is larger than "
                                     f"{MAX_FILE_BYTES // 2**20} MiB")
                readers[Path(info.filename).name.casefold()] = partial(archive.read, info.filename)
        return readers
    return {}


def read_linkedin(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The person in the archive as a profile record, and the files that were read."""
    files = _listing(path)
    if PROFILE not in files:
        raise InputError(f"{path} holds no Profile.csv: not a LinkedIn data archive")
    used: list[str] = []

    def rows(name: str) -> list[dict[str, str]]:
        reader = files.get(name.casefold())
        if reader is None:
            return []
        used.append(name)
        inner = path / name
        table = read_table(decode(reader(), path=inner), inner)
        return [dict(zip([h.strip() for h in table.header], row, strict=False))
                for _, row in table.rows]

    profile = (rows("Profile.csv") or [{}])[0]
    record: dict[str, Any] = {}
    name = " ".join(p for p in (profile.get("First Name", "").strip(),
                                profile.get("Last Name", "").strip()) if p)
    if name:
        record["name"] = name
    emails = rows("Email Addresses.csv")
    primary = [e for e in emails if e.get("Primary", "").strip().casefold() == "yes"] or emails
    if primary and primary[0].get("Email Address", "").strip():
        record["email"] = primary[0]["Email Address"].strip()
    headline = profile.get("Headline", "").strip()
    positions = rows("Positions.csv")
    current = [p for p in positions if not p.get("Finished On", "").strip()]
    if current and current[0].get("Title", "").strip():
        record["title"] = current[0]["Title"].strip()
        if current[0].get("Company Name", "").strip():
            record["team"] = current[0]["Company Name"].strip()
    elif headline:
        record["title"] = headline
    if profile.get("Geo Location", "").strip():
        record["location"] = profile["Geo Location"].strip()
    skills = [r.get("Name", "").strip() for r in rows("Skills.csv")]
    if any(skills):
        record["skills"] = [s for s in skills if s]
    languages = [r.get("Name", "").strip() for r in rows("Languages.csv")]
    if any(languages):
        record["languages"] = [lang for lang in languages if lang]
    record["contributions"] = _contributions(profile, headline, positions, rows)
    if not record["contributions"]:
        del record["contributions"]
    return record, used


def _contributions(
    profile: dict[str, str],
    headline: str,
    positions: list[dict[str, str]],
    rows: Callable[[str], list[dict[str, str]]],
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if profile.get("Summary", "").strip():
        found.append({"kind": "profile", "title": headline or "LinkedIn summary",
                      "text": profile["Summary"].strip()})
    for position in positions:
        title = " at ".join(p for p in (position.get("Title", "").strip(),
                                        position.get("Company Name", "").strip()) if p)
        if title:
            found.append(_dated({"kind": "position", "title": title,
                                 "text": position.get("Description", "").strip()},
                                position.get("Started On", "")))
    for publication in rows("Publications.csv"):
        if publication.get("Name", "").strip():
            found.append(_dated({"kind": "publication", "title": publication["Name"].strip(),
                                 "text": publication.get("Description", "").strip(),
                                 "url": publication.get("Url", "").strip()},
                                publication.get("Published On", "")))
    for project in rows("Projects.csv"):
        if project.get("Title", "").strip():
            found.append(_dated({"kind": "project", "title": project["Title"].strip(),
                                 "text": project.get("Description", "").strip(),
                                 "url": project.get("Url", "").strip()},
                                project.get("Started On", "")))
    endorsements: Counter[str] = Counter()
    latest: dict[str, str] = {}
    for row in rows("Endorsement_Received_Info.csv"):
        skill = row.get("Skill Name", "").strip()
        status = row.get("Endorsement Status", "ACCEPTED").strip().casefold()
        if skill and status == "accepted":
            endorsements[skill] += 1
            when = linkedin_date(row.get("Endorsement Date", ""))
            if when and when > latest.get(skill, ""):
                latest[skill] = when
    for skill, count in sorted(endorsements.items(), key=lambda kv: (-kv[1], kv[0])):
        times = "once" if count == 1 else f"{count} times"
        found.append(_dated({"kind": "endorsement", "title": f"{skill}: endorsed {times}",
                             "tags": [skill]}, latest.get(skill, "")))
    return [{k: v for k, v in c.items() if v} for c in found]


def _dated(contribution: dict[str, Any], written: str) -> dict[str, Any]:
    when = linkedin_date(written)
    return {**contribution, "date": when} if when else contribution


def linkedin_date(written: str) -> str | None:
    """LinkedIn writes `Mar 2019`, `03 Mar 2019`, `2019` or `2024/01/01 10:00:00 UTC`;
    returns `YYYY-MM-DD` (the first of the month or year when the day is missing), else None."""
    parts = written.replace(",", " ").split()
    if not parts:
        return None
    try:
        if "/" in parts[0] or "-" in parts[0]:
            year, month, day = (int(x) for x in parts[0].replace("/", "-").split("-")[:3])
        elif len(parts) == 1:
            year, month, day = int(parts[0]), 1, 1
        elif len(parts) == 2:
            year, month, day = int(parts[1]), _MONTHS[parts[0][:3].casefold()], 1
        else:
            day, month, year = int(parts[0]), _MONTHS[parts[1][:3].casefold()], int(parts[2])
        return date(year, month, day).isoformat()
    except (ValueError, KeyError):
        return None
