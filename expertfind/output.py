"""Rendering: Rich tables and panels for people, plain JSON for scripts.

Text that comes from the directory is never read as Rich markup and loses its control
characters before it reaches a terminal, so a name like `[bold]x` or one with ANSI escapes
prints literally.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .answer_cards import clean as clean  # one definition: output re-exports it
from .answer_cards import evidence_label, print_answer
from .jsonout import answer_json as answer_json  # re-exported: commands print JSON through output
from .jsonout import print_json as print_json

if TYPE_CHECKING:  # for annotations only: rendering never needs these modules loaded
    from .directory import ImportReport
    from .doctor import Finding
    from .models import Profile
    from .progress import Progress
    from .search import Answer, Match
    from .upkeep import FeedReport

TOPICS_SHOWN = 5
"""The heaviest topics an explanation names, for the question and for each person."""


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """`1 record`, `2 records`: a count with its noun."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def data_console() -> Console:
    return Console(highlight=False, soft_wrap=False, emoji=False)  # ":smile:" in a name stays text


def message_console() -> Console:
    return Console(stderr=True, highlight=False, emoji=False)


def say(message: str, *, style: str | None = None) -> None:
    """A message for the person at the terminal, on stderr."""
    message_console().print(Text(clean(message), style=style or ""))


def print_lines(lines: Sequence[str]) -> None:
    """Plain data lines on stdout, never read as markup."""
    console = data_console()
    for line in lines:
        console.print(Text(clean(line)))


@contextlib.contextmanager
def progress_bar() -> Iterator[Progress | None]:
    """A progress bar on stderr while a long command runs, when stderr is a terminal (else
    None: nothing is drawn, so scripts and logs see only the summary)."""
    console = message_console()
    if not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    with Bar(TextColumn("{task.description:<10}"), BarColumn(), TaskProgressColumn(),
             TimeElapsedColumn(), console=console, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def report(what: str, done: int, total: int) -> None:
            task = tasks.get(what)
            if task is None:
                task = tasks[what] = bar.add_task(what, total=total)
            bar.update(task, completed=done, total=total)

        yield report


# --- ask ---------------------------------------------------------------------------------


def render_answer(answer: Answer, *, explain: bool = False) -> None:
    """The answer's cards (`answer_cards`), then, with `explain`, how each score was built."""
    print_answer(answer)
    if explain and answer.results:
        _render_explanation(data_console(), answer)


def _render_explanation(console: Console, answer: Answer) -> None:
    console.print(Text("\nHow the scores were built", style="bold"))
    for concept in answer.concepts:
        ways = "; ".join(
            f"{alt.how}: " + " + ".join("/".join(c.term for c in slot.candidates[:4]) for slot in alt.slots)
            for alt in concept.alternatives
        )
        console.print(Text(f"  '{clean(concept.label)}' looks for {clean(ways)}"))
    if answer.topics:
        shown = ", ".join(f"{clean(tag)} {weight:.0%}" for tag, weight in answer.topics[:TOPICS_SHOWN])
        console.print(Text(f"  topics (tags of the best-matching contributions): {shown}"))
    for match in answer.results:
        console.print(Text(f"\n{match.rank}. {clean(match.profile.name)}: score {match.score:.1f}",
                           style="bold"))
        for evidence in match.evidence:
            console.print(Text("   " + evidence_label(evidence))
                          .append(f"  {evidence.points:.2f} points", style="dim"))
            for hit in evidence.hits:
                console.print(Text(
                    f"      '{clean(hit.concept)}' ~ '{clean(hit.term)}' ({hit.how}): {hit.points:.2f}",
                    style="dim"))
        pieces = ("1 piece of evidence" if match.evidence_count == 1 else
                  f"{match.evidence_count} pieces of evidence, summed with diminishing returns "
                  f"(n-th x n^-{answer.further_evidence:g})")
        console.print(Text(
            f"   {pieces} = {match.summed:.2f}; "
            f"covers {match.coverage:.0%} of the question; evidence score {match.evidence_score:.2f}"))
        if match.topics is not None:
            console.print(Text("   " + _topics_line(match)))
        if match.fair_load:
            console.print(Text(f"   fair load: {clean(match.fair_load)}", style="yellow"))


def _topics_line(match: Match) -> str:
    assert match.topics is not None
    tags = ", ".join(f"{clean(tag)} x{count}" for tag, count in match.topics.tags[:TOPICS_SHOWN])
    carried = f"contributed on {tags}" if tags else "no contributions on the question's topics"
    return (f"{carried}: {match.topics.share:.0%} of the best in the pool; "
            f"ranking score {match.raw:.2f}")


# --- people ------------------------------------------------------------------------------


def render_people(people: Sequence[Profile]) -> None:
    if not people:
        say("The directory is empty. Add people with `expertfind import FILE` or `expertfind add`.")
        return
    table = Table(title=f"{len(people)} people")
    for column in ("id", "name", "title", "team", "skills", "contributions"):
        table.add_column(column)
    for person in people:
        name = Text(clean(person.name))
        if not person.available:
            name.append(" (not available)", style="yellow")
        table.add_row(Text(clean(person.id)), name, Text(clean(person.title or "")),
                      Text(clean(person.team or "")), str(len(person.skills)),
                      str(len(person.contributions)))
    data_console().print(table)


def render_profile(person: Profile) -> None:
    console = data_console()
    head = Text(clean(person.name), style="bold")
    head.append(f"  ({clean(person.id)})", style="dim")
    console.print(head)
    for label, value in (("title", person.title), ("team", person.team),
                         ("location", person.location), ("email", person.email)):
        if value:
            console.print(Text(f"  {label}: ", style="dim").append(clean(value)))
    if person.languages:
        console.print(Text("  languages: ", style="dim").append(clean(", ".join(person.languages))))
    if not person.available:
        console.print(Text("  not available for questions", style="yellow"))
    if person.skills:
        console.print(Text("Skills", style="bold"))
        for skill in person.skills:
            level = f" {'●' * skill.level}{'○' * (5 - skill.level)}" if skill.level else ""
            console.print(Text(f"  {clean(skill.name)}{level}"))
    if person.interests:
        console.print(Text("Wants to learn", style="bold"))
        console.print(Text("  " + clean(", ".join(person.interests))))
    if person.contributions:
        console.print(Text("Contributions", style="bold"))
        for c in person.contributions:
            line = Text(f"  {clean(c.kind or 'contribution')}: ", style="dim")
            line.append(clean(c.title or c.text[:100]))
            if c.date:
                line.append(f" ({c.date})", style="dim")
            console.print(line)


PREVIEW_ROWS = 3


def report_import(report: ImportReport, *, dry_run: bool) -> None:
    for note in report.notes:
        say(clean(note))
    if dry_run:
        render_preview(report)
    if report.same_as_last:
        say("The same export as the last import, and the directory is unchanged since: "
            "nothing to do.")
    people = counted(report.records, "record")
    summary = (f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged")
    if dry_run:
        for change in report.changes:
            if change.action != "unchanged":
                say(f"  would be {change.action}: {change.profile.id} ({change.position})")
        say(f"Dry run: {people} read; {summary}. Nothing was written.")
    else:
        say(f"Imported {people}: {summary}.")


def report_feed(path: Path, report: FeedReport, *, dry_run: bool) -> None:
    """The outcome of `import --contributions`, on stderr; unknown authors with their rows."""
    for position, author in report.unknown:
        say(f"  unknown author {clean(author)!r} ({clean(position)}): skipped")
    verb = "would be added" if dry_run else "added"
    say(f"{path.name}: {counted(report.added, 'contribution')} {verb} to "
        f"{counted(report.people, 'person', 'people')}; {report.duplicates} already there; "
        f"{counted(len(report.unknown), 'row')} with an unknown author.")


def render_preview(report: ImportReport) -> None:
    """What a dry run shows on stdout: the mapping each preset uses, and the first people
    as they would land in the directory."""
    console = data_console()
    for source in report.sources:
        if source.preset and source.mapping:
            table = Table(title=Text(f"{clean(source.path.name)}: preset {source.preset}"),
                          title_justify="left")  # a file name is text, never markup
            table.add_column("field")
            table.add_column("read from")
            for target, columns in source.mapping.items():
                table.add_row(target, Text(clean(columns)))
            console.print(table)
    for change in report.changes[:PREVIEW_ROWS]:
        console.print(Text(f"{clean(change.position)}:", style="bold"))
        console.print(Text(clean(json.dumps(change.profile.to_dict(), ensure_ascii=False, indent=2))))
    if len(report.changes) > PREVIEW_ROWS:
        console.print(Text(f"… and {len(report.changes) - PREVIEW_ROWS} more", style="dim"))


def render_presets(presets: Sequence[dict[str, Any]]) -> None:
    """`expertfind presets`: each preset with the columns it reads for each field."""
    console = data_console()
    for preset in presets:
        console.print(Text.assemble((preset["name"], "bold"), "  ", clean(preset["description"]),
                                    ("  [" + clean(preset["origin"]) + "]", "dim")))
        if preset.get("detect"):
            console.print(Text("  detected by: " + clean(", ".join(preset["detect"])), style="dim"))
        for target, columns in preset["fields"].items():
            console.print(Text(f"  {target:<10} ← " + clean(" | ".join(columns))))
        if preset.get("drop"):
            console.print(Text("  not stored: " + clean(", ".join(preset["drop"])), style="dim"))


def render_findings(findings: Sequence[Finding]) -> None:
    """The checks of `expertfind doctor`, one line each."""
    console = data_console()
    for finding in findings:
        mark = Text("ok     ", style="green") if finding.ok else Text("PROBLEM", style="bold red")
        console.print(Text.assemble(mark, " ", (finding.check, "bold"), ": ", clean(finding.message)))
