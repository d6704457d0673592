"""Rich views of the social-learning commands: talent overview, similar colleagues, learning
pairs, gaps, stats, stale profiles and the question log. Data text is cleaned and never read
as markup, as everywhere in `output`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text

from .insights import Suggested, Topic
from .models import Profile
from .output import clean, counted, data_console, say
from .questionlog import LoggedQuestion
from .talent import Pair, Similar, TopicRow, Unmatched

LEVEL_BARS = {"1": "▁", "2": "▃", "3": "▅", "4": "▇", "5": "█", "?": "·"}


def _levels(row: TopicRow) -> str:
    return " ".join(f"{LEVEL_BARS[level]}{level}×{count}" for level, count in row.levels.items())


def topic_csv_row(row: TopicRow) -> dict[str, Any]:
    return {
        "topic": row.label, "people": len(row.holders), "experts": len(row.experts),
        **{f"level {level}": row.levels.get(level, 0) for level in ("1", "2", "3", "4", "5", "?")},
        "top people": [f"{h.name} ({h.level or '?'})" for h in row.top()],
        "teams": [f"{team} ({count})" for team, count in row.teams],
        "want to learn": len(row.interested), "risks": row.risks,
    }


def talent_table(rows: Sequence[TopicRow]) -> None:
    if not rows:
        say("No skills in the directory (or none match --team / --min-people).")
        return
    table = Table(title=f"Talent overview: {len(rows)} topics", title_justify="left")
    for column, justify in (("Topic", "left"), ("People", "right"), ("Levels", "left"),
                            ("Top people", "left"), ("Teams", "left"), ("Want", "right"),
                            ("Risk", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        top = ", ".join(f"{h.name} ({h.level or '?'})" for h in row.top(2))
        teams = ", ".join(f"{team} {count}" for team, count in row.teams[:2])
        table.add_row(Text(clean(row.label)), str(len(row.holders)), _levels(row), Text(clean(top)),
                      Text(clean(teams)), str(len(row.interested)) if row.interested else "",
                      Text(clean("; ".join(row.risks)), style="red"))
    data_console().print(table)


def similar_table(person_id: str, found: Sequence[Similar]) -> None:
    if not found:
        say(f"Nobody shares a skill or topic with {person_id}.")
        return
    table = Table(title=f"Colleagues with expertise like {clean(person_id)}'s", title_justify="left")
    for column in ("#", "Person", "Overlap", "Shared"):
        table.add_column(column)
    for number, item in enumerate(found, start=1):
        person = Text(clean(item.profile.name), style="bold")
        if item.profile.team:
            person.append("\n" + clean(item.profile.team), style="dim")
        table.add_row(str(number), person, f"{item.score:.1f}", Text(clean(", ".join(item.shared))))
    data_console().print(table)


def pairs_table(pairs: Sequence[Pair], unmatched: Sequence[Unmatched]) -> None:
    console = data_console()
    if pairs:
        table = Table(title=f"{len(pairs)} learning pairs", title_justify="left")
        for column in ("Learner", "Wants to learn", "Ask", "Level", "Contact"):
            table.add_column(column)
        for pair in pairs:
            table.add_row(Text(clean(pair.learner.name)), Text(clean(pair.topic)),
                          Text(clean(pair.expert.name), style="bold"), f"{pair.level}/5",
                          Text(clean(pair.expert.email or "")))
        console.print(table)
    else:
        say("No learning pairs: nobody's interests match an available colleague's skills.")
    if unmatched:
        console.print(Text(f"\nNo one to learn from ({len(unmatched)}):", style="bold"))
        for item in unmatched:
            console.print(Text(f"  {clean(item.learner.name)}: {clean(item.topic)} ({clean(item.reason)})"))


def gaps_table(found: Sequence[Topic], asked: int, days: int) -> None:
    if not asked:
        say(f"No questions logged in the last {days} days (`expertfind log show`).")
        return
    if not found:
        say(f"No gaps in {counted(asked, 'question')} of the last {days} days: every topic got a good "
            "answer.")
        return
    table = Table(title=f"Knowledge gaps: asked, weakly answered ({counted(asked, 'question')}, {days} days)",
                  title_justify="left")
    for column, justify in (("Topic", "left"), ("Asked", "right"), ("Weak answers", "right"),
                            ("Best score", "right"), ("Last asked", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for topic in found:
        table.add_row(Text(clean(topic.label)), str(topic.asked), str(topic.weak),
                      f"{topic.best:.1f}", topic.last_asked)
    data_console().print(table)


def stats_view(asked: int, days: int, topics: Sequence[Topic], load: Sequence[Suggested],
               names: Mapping[str, str]) -> None:
    console = data_console()
    console.print(Text(f"{counted(asked, 'question')} in the last {days} days", style="bold"))
    if topics:
        table = Table(title="Most asked", title_justify="left")
        for column, justify in (("Topic", "left"), ("Asked", "right"), ("Best score", "right")):
            table.add_column(column, justify=justify)  # type: ignore[arg-type]
        for topic in topics[:10]:
            table.add_row(Text(clean(topic.label)), str(topic.asked), f"{topic.best:.1f}")
        console.print(table)
    if load:
        table = Table(title="Suggested most", title_justify="left")
        for column, justify in (("Person", "left"), ("Suggested", "right"), ("First", "right")):
            table.add_column(column, justify=justify)  # type: ignore[arg-type]
        for item in load[:10]:
            table.add_row(Text(clean(names.get(item.person_id, item.person_id))),
                          str(item.suggested), str(item.first))
        console.print(table)


def stale_table(found: Sequence[tuple[Profile, str | None]], months: int) -> None:
    if not found:
        say(f"Every profile was updated or contributed to in the last {months} months.")
        return
    table = Table(title=f"{counted(len(found), 'profile')} without an update for {months} months",
                  title_justify="left")
    for column in ("id", "Name", "Team", "Last activity", "Email"):
        table.add_column(column)
    for person, last in found:
        table.add_row(person.id, Text(clean(person.name)), Text(clean(person.team or "")),
                      last or "never", Text(clean(person.email or "")))
    data_console().print(table)


def log_view(entries: Sequence[LoggedQuestion], enabled: bool, path: Path) -> None:
    say(f"Question log {path} ({'on' if enabled else 'off'}): {counted(len(entries), 'question')} shown.")
    console = data_console()
    for entry in entries:
        console.print(Text.assemble((entry.time.strftime("%Y-%m-%d %H:%M"), "dim"), "  ",
                                    clean(entry.query), ("  → " + ", ".join(entry.suggested[:3]), "dim")))
