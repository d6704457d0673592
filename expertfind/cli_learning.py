"""The social-learning commands: talent overview, similar colleagues, learning pairs, the question
log and what it shows (gaps, stats), merging duplicates and finding stale profiles.

Registered on the main `expertfind` app by `cli.py`."""

from __future__ import annotations

import io
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .cli import _directory, _path, app, output, sub_app, synonyms_file
from .errors import InputError, UsageError
from .files import atomic_write_bytes
from .questionlog import QuestionLog, now
from .search.synonyms import load_synonyms

if TYPE_CHECKING:
    from types import ModuleType


def _render() -> ModuleType:
    """The Rich views of these commands, loaded only when one runs."""
    from . import output_learning

    return output_learning

log_app = sub_app(
    "The question log: what was asked and who was suggested (never who asked).\n\n"
    "Example: expertfind log off"
)
app.add_typer(log_app, name="log")

JSON = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
CSV = Annotated[bool, typer.Option("--csv", help="Print CSV (for a spreadsheet) instead of a table.")]


def _csv(rows: list[dict[str, Any]]) -> None:
    from .formats import safe_cell

    if not rows:
        return
    import csv  # for this export only

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    columns = list(rows[0])
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(_cell(row.get(c))) for c in columns])
    sys.stdout.write(buffer.getvalue())


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_cell(v)}" for k, v in value.items())
    return str(value)


@app.command()
def skills(
    ctx: typer.Context,
    team: Annotated[str | None, typer.Option(help="Only the people of this team.")] = None,
    min_people: Annotated[int, typer.Option(
        "--min-people", min=1, help="Only topics at least this many people hold.")] = 1,
    sort: Annotated[str, typer.Option(
        help="Order: people, experts, risk, wanted or name.")] = "people",
    html: Annotated[Path | None, typer.Option(
        "--html", metavar="FILE", help="Also write a self-contained HTML page with a chart.")] = None,
    json: JSON = False,
    as_csv: CSV = False,
) -> None:
    """The talent overview: every skill, who holds it at which level, and the risky spots.

    Skills that mean the same ("Social learning", "sociaal leren", "social-learning") are one
    row. Risky spots: a topic held at level 4-5 by one person only, and a topic several people
    want to learn that nobody is expert in.

    Example: expertfind skills --sort risk --html talent.html
    """
    from .talent import SORTS, talent_overview

    if sort not in SORTS:
        raise UsageError(f"--sort takes one of {', '.join(SORTS)}, not {sort!r}")
    path = _path(ctx)
    rows = talent_overview(_directory(ctx).people(), load_synonyms(synonyms_file(path)),
                           team=team, min_people=min_people, sort=sort)
    if html is not None:
        from .report_html import talent_page

        title = "Talent overview" + (f": {team}" if team else "")
        try:
            atomic_write_bytes(html, talent_page(rows, title=title).encode("utf-8"))
        except OSError as exc:
            raise InputError(f"cannot write {html}: {exc.strerror}") from None
        output.say(f"Wrote {html}.")
    if json:
        output.print_json([row.to_json() for row in rows])
    elif as_csv:
        _csv([_render().topic_csv_row(row) for row in rows])
    else:
        _render().talent_table(rows)


@app.command()
def similar(
    ctx: typer.Context,
    person_id: Annotated[str, typer.Argument(metavar="ID", help="The person's id.")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many colleagues.")] = 5,
    json: JSON = False,
) -> None:
    """Colleagues whose expertise overlaps most with one person's, with the shared topics.

    Example: expertfind similar sanne-de-vries
    """
    from .talent import similar_colleagues

    directory = _directory(ctx)
    directory.get(person_id)
    found = similar_colleagues(directory.people(), person_id,
                               load_synonyms(synonyms_file(_path(ctx))), limit=limit)
    if json:
        output.print_json([{"id": s.profile.id, "name": s.profile.name, "email": s.profile.email,
                            "team": s.profile.team, "score": s.score, "shared": list(s.shared)}
                           for s in found])
    else:
        _render().similar_table(person_id, found)


@app.command()
def match(
    ctx: typer.Context,
    max_per_expert: Annotated[int, typer.Option(
        "--max-per-expert", min=1, help="Propose no expert more often than this.")] = 3,
    min_level: Annotated[int, typer.Option(
        "--min-level", min=1, max=5, help="Lowest skill level of someone proposed to teach.")] = 3,
    json: JSON = False,
    as_csv: CSV = False,
) -> None:
    """Learning pairs: each person's interests matched to an available colleague who knows it.

    Output is ready for HR to send invitations (--csv or --json). Nobody is paired with
    themselves; unavailable people are never proposed.

    Example: expertfind match --max-per-expert 2 --csv > learning-pairs.csv
    """
    from .talent import learning_pairs

    pairs, unmatched = learning_pairs(_directory(ctx).people(), load_synonyms(synonyms_file(_path(ctx))),
                                      max_per_expert=max_per_expert, min_level=min_level)
    if json:
        output.print_json({
            "pairs": [p.to_json() for p in pairs],
            "unmatched": [{"learner_id": u.learner.id, "learner": u.learner.name, "topic": u.topic,
                           "reason": u.reason} for u in unmatched],
        })
    elif as_csv:
        _csv([p.to_json() for p in pairs])
    else:
        _render().pairs_table(pairs, unmatched)


@app.command()
def gaps(
    ctx: typer.Context,
    days: Annotated[int, typer.Option(min=1, help="Look at the questions of the last DAYS days.")] = 365,
    min_asked: Annotated[int, typer.Option(
        "--min-asked", min=1, help="Only topics asked at least this often.")] = 1,
    json: JSON = False,
    as_csv: CSV = False,
) -> None:
    """Knowledge gaps: topics asked that got weak or no answers (themes for a workshop).

    Example: expertfind gaps --days 90
    """
    from .insights import gaps as find_gaps

    entries = QuestionLog(_path(ctx)).entries(since=now() - timedelta(days=days))
    found = find_gaps(entries, min_asked=min_asked)
    if json:
        output.print_json([t.to_json() for t in found])
    elif as_csv:
        _csv([t.to_json() for t in found])
    else:
        _render().gaps_table(found, len(entries), days)


@app.command()
def stats(
    ctx: typer.Context,
    days: Annotated[int, typer.Option(min=1, help="Look at the questions of the last DAYS days.")] = 365,
    json: JSON = False,
) -> None:
    """What was asked most, and how often each person was suggested (from the question log).

    Example: expertfind stats --days 30
    """
    from .insights import per_week, suggestion_load, topics

    entries = QuestionLog(_path(ctx)).entries(since=now() - timedelta(days=days))
    names = {p.id: p.name for p in _directory(ctx).people()}
    asked = topics(entries)
    load = suggestion_load(entries)
    if json:
        output.print_json({
            "questions": len(entries), "days": days,
            "topics": [t.to_json() for t in asked],
            "people": [{"id": x.person_id, "name": names.get(x.person_id), "suggested": x.suggested,
                        "first": x.first} for x in load],
            "per_week": per_week(entries),
        })
    else:
        _render().stats_view(len(entries), days, asked, load, names)


@app.command()
def merge(
    ctx: typer.Context,
    keep_id: Annotated[str, typer.Argument(metavar="ID", help="The id to keep.")],
    other_id: Annotated[str, typer.Argument(
        metavar="OTHER_ID", help="The duplicate, merged in and removed.")],
    json: JSON = False,
) -> None:
    """Merge a person who arrived twice: OTHER_ID's skills and contributions join ID's.

    Example: expertfind merge bobby-foo foo-bobby
    """
    from .upkeep import merge_people

    merged = merge_people(_directory(ctx), keep_id, other_id)
    QuestionLog(_path(ctx)).forget(other_id, replace_with=keep_id)
    if json:
        output.print_json(merged.to_dict())
    output.say(f"Merged {other_id} into {keep_id}; {other_id} is removed.")


@app.command()
def stale(
    ctx: typer.Context,
    months: Annotated[int, typer.Option(min=1, help="No update or contribution for this long.")] = 12,
    json: JSON = False,
    as_csv: CSV = False,
) -> None:
    """Profiles nobody updated for a while (no change and no contribution): a reminder round.

    Example: expertfind stale --months 12 --csv > reminders.csv
    """
    from .upkeep import stale_profiles

    directory = _directory(ctx)
    found = stale_profiles(directory.people(), months=months, today=directory.today(),
                           changed=directory.store.changed_dates())
    rows = [{"id": p.id, "name": p.name, "email": p.email, "team": p.team,
             "last_activity": last} for p, last in found]
    if json:
        output.print_json(rows)
    elif as_csv:
        _csv(rows)
    else:
        _render().stale_table(found, months)


@log_app.command("show")
def log_show(
    ctx: typer.Context,
    days: Annotated[int, typer.Option(min=1, help="The questions of the last DAYS days.")] = 30,
    person: Annotated[str | None, typer.Option(
        "--person", metavar="ID", help="Only the questions for which this person was suggested.",
    )] = None,
    json: JSON = False,
) -> None:
    """Show the logged questions (with --person: everything the log holds about someone).

    Example: expertfind log show --days 7
    """
    log = QuestionLog(_path(ctx))
    entries = log.entries(since=None if person else now() - timedelta(days=days))
    if person:
        entries = [e for e in entries if person in e.suggested]
    if json:
        output.print_json([{"time": e.time.isoformat(timespec="seconds"), "query": e.query,
                            "suggested": list(e.suggested), "scores": list(e.scores)} for e in entries])
    else:
        _render().log_view(entries, log.enabled, log.path)


@log_app.command("off")
def log_off(ctx: typer.Context) -> None:
    """Stop logging questions for this directory (the log itself stays until `log clear`).

    Example: expertfind log off
    """
    QuestionLog(_path(ctx)).set_enabled(False)
    output.say("Questions are no longer logged. `expertfind log clear` deletes the log.")


@log_app.command("on")
def log_on(ctx: typer.Context) -> None:
    """Log questions again (the default).

    Example: expertfind log on
    """
    QuestionLog(_path(ctx)).set_enabled(True)
    output.say("Questions are logged again.")


@log_app.command("clear")
def log_clear(ctx: typer.Context) -> None:
    """Delete the question log.

    Example: expertfind log clear
    """
    cleared = QuestionLog(_path(ctx)).clear()
    output.say("Deleted the question log." if cleared else "There was no question log.")
