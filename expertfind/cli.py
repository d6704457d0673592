"""The `expertfind` command: parse the arguments, call the library, render the result."""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from . import __version__
from .bulk import cyclic_garbage_collection_paused
from .directory import Directory, ImportReport
from .errors import ExpertfindError, InputError, UsageError
from .files import atomic_write_bytes
from .models import split_level
from .progress import Progress
from .questionlog import QuestionLog
from .search import RankingSettings
from .search.index import IndexSettings
from .store import default_path, open_store


class _Lazy:
    """A module imported on first use: a command that prints JSON never loads Rich."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)


if TYPE_CHECKING:
    from . import output as output
else:
    output = _Lazy("expertfind.output")


@contextlib.contextmanager
def progress_when_needed() -> Iterator[Progress]:
    """Progress for long work, drawn on stderr when it is a terminal; the bar (and Rich) is set
    up only when there is progress to show, so a quick `ask --json` never loads it."""
    with contextlib.ExitStack() as stack:
        bar: list[Progress | None] = []

        def progress(what: str, done: int, total: int) -> None:
            if not bar:
                bar.append(stack.enter_context(output.progress_bar()))
            if bar[0] is not None:
                bar[0](what, done, total)

        yield progress


class ErrorReportingGroup(TyperGroup):
    """Turns every `ExpertfindError` into `Error: …` on stderr and its exit code: one place."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ExpertfindError as error:
            output.say(f"Error: {error.message}", style="red")
            if error.hint:
                output.say(f"Hint: {error.hint}")
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            output.say("Interrupted; nothing was half-written.")
            raise typer.Exit(130) from None
        except UnicodeEncodeError as error:  # a command line's bytes that were not UTF-8
            if not 0xD800 <= ord(error.object[error.start]) <= 0xDFFF:
                raise
            output.say("Error: the command line holds bytes that are not UTF-8 text; "
                       "they cannot be stored.", style="red")
            output.say("Hint: set your terminal to UTF-8 (for example LANG=C.UTF-8) and type it again.")
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=ErrorReportingGroup,
    help="Find the colleague who knows: a local skills directory you can ask questions.\n\n"
    "Example: expertfind import profiles.example.json && expertfind ask \"crowdfunding\"",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
def sub_app(help: str) -> typer.Typer:
    """A group of subcommands (`expertfind synonyms …`), reporting errors like the main app."""
    return typer.Typer(cls=ErrorReportingGroup, help=help, no_args_is_help=True)




class ImportFormat(StrEnum):
    auto = "auto"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


class ExportFormat(StrEnum):
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"expertfind {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[Path | None, typer.Option(
        "--db", metavar="PATH",
        help="The directory file (default: $EXPERTFIND_DB, else your user data folder).",
    )] = None,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Show the version and exit.",
    )] = False,
) -> None:
    """Find the colleague who knows."""
    ctx.obj = db or default_path()


def _path(ctx: typer.Context) -> Path:
    root = ctx.find_root()
    path: Path = root.obj if isinstance(root.obj, Path) else default_path()
    return path


def synonyms_file(path: Path) -> Path:
    """The user's own synonyms, next to the directory file."""
    return path.with_name(path.stem + ".synonyms.txt")


def index_file(path: Path) -> Path:
    """The stored search index, next to the directory file."""
    return path.with_name(path.name + ".index")


def last_import_file(path: Path) -> Path:
    """What the last import was (`expertfind.lastimport`), next to the directory file."""
    return path.with_name(path.name + ".last-import")


def presets_folder(path: Path) -> Path:
    """Your own presets: `presets/*.toml` next to the directory file."""
    return path.parent / "presets"


def _directory(ctx: typer.Context) -> Directory:
    path = _path(ctx)
    return Directory(open_store(path), synonyms_file=synonyms_file(path), index_file=index_file(path),
                     last_import_file=last_import_file(path))


@app.command("import")
def import_command(
    ctx: typer.Context,
    files: Annotated[list[Path] | None, typer.Argument(
        help="Profile files: JSON, JSON Lines, CSV, an HR export or a LinkedIn archive.",
        show_default=False,
    )] = None,
    format: Annotated[ImportFormat, typer.Option(
        "--format", "-f", help="File format; auto looks at the extension, then the content.",
    )] = ImportFormat.auto,
    mapping: Annotated[list[str] | None, typer.Option(
        "--map", metavar="COLUMN=FIELD", help="Read a CSV column as a field (repeatable).",
    )] = None,
    encoding: Annotated[str | None, typer.Option(
        help="Text encoding of the files, e.g. cp1252 (default: UTF-8, with or without BOM).",
    )] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Report what would change, write nothing.",
    )] = False,
    preset: Annotated[str | None, typer.Option(
        "--preset", metavar="NAME",
        help="Read an HR export: entra, google, bamboohr, successfactors, workday, linkedin, "
        "your own (see `expertfind presets`), a .toml file, or none. Default: detected.",
    )] = None,
    contributions: Annotated[list[Path] | None, typer.Option(
        "--contributions", metavar="FILE",
        help="A contributions feed (CSV/JSON Lines: author email or id, kind, title, date, tags, "
        "url, text) to append to the authors' profiles (repeatable).",
    )] = None,
) -> None:
    """Add or update people from HR or profile exports; all or nothing.

    People are matched by id, then by email; skills and contributions merge without
    duplicates. If any record is invalid, every problem is listed with its line or record
    number and nothing is written.

    Example: expertfind import people.csv --map "Naam=name" --map "Vaardigheden=skills"
    """
    from .formats import Format, parse_mapping, read_records
    from .upkeep import add_contributions

    chosen = None if format is ImportFormat.auto else Format(format.value)
    if not files and not contributions:
        raise UsageError("give profile files to import, or --contributions FILE")
    directory = _directory(ctx)
    with cyclic_garbage_collection_paused(), progress_when_needed() as progress:
        # Progress is drawn only on a terminal: elsewhere nobody would see it, and an export's
        # lines would be counted for it (0.7 s at 100,000 people).
        directory.progress = progress if output.message_console().is_terminal else None
        if files:
            report = directory.import_files(
                files, format=chosen, mapping=parse_mapping(mapping or []), encoding=encoding,
                dry_run=dry_run, preset=preset, presets_folder=presets_folder(_path(ctx)),
            )
            output.report_import(report, dry_run=dry_run)
            _warn_about_duplicates(report, dry_run=dry_run)
        for feed in contributions or []:
            records, _ = read_records(feed, format=chosen, mapping=parse_mapping(mapping or []),
                                      encoding=encoding, require_name=False)
            output.report_feed(feed, add_contributions(directory, records, dry_run=dry_run),
                               dry_run=dry_run)


def _warn_about_duplicates(report: ImportReport, *, dry_run: bool) -> None:
    if dry_run or not report.written:
        return
    for first, second in report.duplicates:
        output.say(f"Warning: {first.id} and {second.id} look like the same person "
                   f"({first.name} / {second.name}); `expertfind merge {first.id} {second.id}` "
                   "merges them.")


@app.command()
def ask(
    ctx: typer.Context,
    query: Annotated[list[str], typer.Argument(
        help="A word, a phrase or a whole question, in Dutch or English.", show_default=False,
    )],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many people at most.")] = 5,
    json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
    explain: Annotated[bool, typer.Option(
        "--explain", help="Show which words matched which evidence, and how each score was built.",
    )] = False,
    include_unavailable: Annotated[bool, typer.Option(
        "--include-unavailable", help="Also show people marked available: false (marked as such).",
    )] = False,
    half_life: Annotated[float, typer.Option(
        "--half-life", min=0.0, metavar="YEARS",
        help="Contributions lose half their weight every YEARS (0: never).",
    )] = IndexSettings().half_life_years,
    no_log: Annotated[bool, typer.Option(
        "--no-log", help="Do not add this question to the question log.",
    )] = False,
) -> None:
    """Rank the colleagues to ask about a topic, each with the evidence that made them match.

    The question and the people suggested (never who asked) go to the question log next to the
    directory, unless --no-log or `expertfind log off`. When scores are within 5%, whoever was
    suggested least in the last 30 days goes first (fair load; --explain says when).

    Example: expertfind ask "wie weet iets van crowdfunding?" --limit 3
    """
    question = " ".join(query).strip()
    if not question:
        raise InputError("the question is empty", hint='ask about something: expertfind ask "crowdfunding"')
    from .asking import ask as ask_directory

    settings = RankingSettings(index=IndexSettings(half_life_years=half_life))
    directory = _directory(ctx)
    with progress_when_needed() as progress:  # the index is rebuilt after an upgrade or an outside edit
        directory.progress = progress
        answer = ask_directory(
            directory, question, limit=limit, include_unavailable=include_unavailable,
            settings=settings, log=QuestionLog(_path(ctx)), record=not no_log,
            warn=lambda message: output.say(message),  # Rich only when there is something to say
        )
    if json:
        from .jsonout import answer_json, print_json

        print_json(answer_json(answer, explain=explain))
    elif explain:
        output.render_answer(answer, explain=True)
    else:
        from .answer_cards import print_answer

        print_answer(answer)


@app.command()
def export(
    ctx: typer.Context,
    format: Annotated[ExportFormat, typer.Option(
        "--format", "-f", help="Output format.")] = ExportFormat.json,
    out: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="FILE", help="Write to FILE instead of stdout.",
    )] = None,
    person: Annotated[str | None, typer.Option(
        "--person", metavar="ID", help="Only this person: all data held about them.",
    )] = None,
) -> None:
    """Export the whole directory (JSON re-imports to the same directory; CSV for spreadsheets).

    With --person, a data-subject access request: the profile, and on stderr when it was last
    changed and how often the question log names them (`expertfind log show --person ID`).

    Example: expertfind export --format csv -o people.csv
    """
    from .formats import dump_csv, dump_json, dump_jsonl

    directory = _directory(ctx)
    people = [directory.get(person)] if person else directory.people()
    if person:
        changed = directory.store.changed_dates().get(person, "unknown")
        logged = sum(1 for e in QuestionLog(_path(ctx)).entries() if person in e.suggested)
        output.say(f"{person}: last changed {changed}; suggested in {logged} logged question(s) "
                   f"(`expertfind log show --person {person}` lists them).")
    dump = {ExportFormat.json: dump_json, ExportFormat.jsonl: dump_jsonl, ExportFormat.csv: dump_csv}
    text = dump[format](people)
    if out is None:
        sys.stdout.write(text)
        return
    try:
        atomic_write_bytes(out, text.encode("utf-8"))
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror}") from None
    output.say(f"Exported {len(people)} people to {out}.")


@app.command()
def show(
    ctx: typer.Context,
    person_id: Annotated[str, typer.Argument(metavar="ID", help="The person's id.")],
    json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Show one person: skills, interests and contributions.

    Example: expertfind show sanne-de-vries
    """
    person = _directory(ctx).get(person_id)
    if json:
        output.print_json(person.to_dict())
    else:
        output.render_profile(person)


@app.command("list")
def list_command(
    ctx: typer.Context,
    json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """List everyone in the directory.

    Example: expertfind list --json | jq '.[].id'
    """
    people = _directory(ctx).people()
    if json:
        output.print_json([p.to_dict() for p in people])
    else:
        output.render_people(people)


@app.command()
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="Full name (required).")],
    person_id: Annotated[str | None, typer.Option("--id", help="Id (default: from email or name).")] = None,
    email: Annotated[str | None, typer.Option(help="Email address.")] = None,
    title: Annotated[str | None, typer.Option(help="Job title.")] = None,
    team: Annotated[str | None, typer.Option(help="Team or department.")] = None,
    location: Annotated[str | None, typer.Option(help="Location.")] = None,
    language: Annotated[list[str] | None, typer.Option(
        "--language", help="A language spoken, e.g. nl (repeatable).")] = None,
    skill: Annotated[list[str] | None, typer.Option(
        "--skill", metavar="NAME[:LEVEL]", help="A skill, level 1-5 optional (repeatable).")] = None,
    interest: Annotated[list[str] | None, typer.Option(
        "--interest", help="Something this person wants to learn (repeatable).")] = None,
    contribution: Annotated[list[str] | None, typer.Option(
        "--contribution", metavar="[KIND:]TITLE",
        help="A contribution, e.g. 'blog:Crowdfunding in de praktijk' (repeatable).")] = None,
    unavailable: Annotated[bool, typer.Option(
        "--unavailable", help="Keep in the directory but never suggest.")] = False,
    json: Annotated[bool, typer.Option("--json", help="Print the stored person as JSON.")] = False,
) -> None:
    """Add a person (or update the one with the same id or email).

    Example: expertfind add --name "Sanne de Vries" --email sanne@example.org --skill crowdfunding:5
    """
    record: dict[str, Any] = {"name": name}
    for key, value in (("id", person_id), ("email", email), ("title", title), ("team", team),
                       ("location", location)):
        if value is not None:
            record[key] = value
    if language:
        record["languages"] = language
    if skill:
        record["skills"] = [_skill_option(s) for s in skill]
    if interest:
        record["interests"] = interest
    if contribution:
        record["contributions"] = [_contribution_option(c) for c in contribution]
    if unavailable:
        record["available"] = False
    report = _directory(ctx).add(record)
    change = report.changes[0]
    if json:
        output.print_json(change.profile.to_dict())
    output.say(f"{change.action.capitalize()}: {change.profile.id}")


def _skill_option(text: str) -> dict[str, Any]:
    try:
        name, level = split_level(text)
    except ValueError as exc:
        raise UsageError(f"--skill {text!r}: {exc}") from None
    return {"name": name, "level": level} if level is not None else {"name": name}


def _contribution_option(text: str) -> dict[str, str]:
    kind, sep, title = text.partition(":")
    if sep and kind.strip() and " " not in kind.strip() and title.strip():
        return {"kind": kind.strip(), "title": title.strip()}
    return {"title": text.strip()}


@app.command()
def remove(
    ctx: typer.Context,
    person_id: Annotated[str, typer.Argument(metavar="ID", help="The person's id.")],
) -> None:
    """Remove a person from the directory entirely.

    Example: expertfind remove sanne-de-vries
    """
    removed = _directory(ctx).remove(person_id)
    QuestionLog(_path(ctx)).forget(removed.id)
    output.say(f"Removed {removed.id} (from the directory, its backup and the question log).")


from . import cli_admin, cli_learning  # noqa: E402,F401  (they register their commands, in this order)

GLOBAL_OPTIONS_WITH_VALUE = ("--db",)


def command_asked_for(args: list[str]) -> str | None:
    """The command a command line names (`ask` in `expertfind --db d.json ask python`), or
    None when it names none or asks for the version or help of the whole program."""
    rest = iter(args)
    for arg in rest:
        if arg in GLOBAL_OPTIONS_WITH_VALUE:
            next(rest, None)
        elif arg.startswith(tuple(option + "=" for option in GLOBAL_OPTIONS_WITH_VALUE)):
            continue
        elif arg.startswith("-"):
            return None
        else:
            return arg
    return None


def build_only(command: str | None) -> None:
    """Typer turns each command's signature into a Click command on every run (about a
    millisecond each): when the command line names a known command, only that one is built.
    Without one, or with an unknown one, all are, so help and "No such command" see them all."""
    if command is None:
        return
    commands = [info for info in app.registered_commands
                if (info.name or getattr(info.callback, "__name__", "").replace("_", "-")) == command]
    groups = [info for info in app.registered_groups if info.name == command]
    if commands or groups:
        app.registered_commands = commands
        app.registered_groups = groups


def run() -> None:
    """Run the command on the command line (ends with SystemExit, as Click does)."""
    build_only(command_asked_for(sys.argv[1:]))
    app(prog_name="expertfind")  # also under `python -m expertfind`


def main() -> NoReturn:
    """Console-script entry point: run the command, then end the process at once."""
    try:
        run()
        code: object = 0
    except SystemExit as done:
        code = done.code
    exit_without_teardown(code)


def exit_without_teardown(code: object) -> NoReturn:
    """End the process now, with `code` (as `sys.exit` takes it). Every file a command writes
    is closed by then (context managers, `os.close`), no atexit handler of ours or of the
    libraries on the way has anything left to do, and Python's teardown, freeing every module
    and object one by one, adds some 20 ms to every command: `ask` in a script's loop waits
    for it. Only stdout and stderr are flushed here (quietly when the reader has gone: `| head`)."""
    if code is not None and not isinstance(code, int):
        sys.stderr.write(f"{code}\n")
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code or 0)
