"""The directory's upkeep commands: import presets, the doctor, and the synonyms table."""

from __future__ import annotations

from typing import Annotated

import typer

from .cli import _path, app, output, presets_folder, sub_app, synonyms_file
from .errors import UsageError
from .files import atomic_write_bytes
from .search.synonyms import load_synonyms, parse_lines

synonyms_app = sub_app(
    "Show or extend the synonyms and translations used by `ask`.\n\n"
    "Example: expertfind synonyms add \"intervisie\" \"peer review\""
)
app.add_typer(synonyms_app, name="synonyms")


@app.command()
def presets(
    ctx: typer.Context,
    json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """List the import presets for HR exports, with the columns each reads.

    Your own presets are TOML files in a `presets` folder next to the directory file.

    Example: expertfind presets
    """
    from .presets import LINKEDIN, all_presets
    from .presets.linkedin import FILES_READ

    described = [p.describe() for p in all_presets(presets_folder(_path(ctx))).values()]
    described.append({
        "name": LINKEDIN, "description": "LinkedIn: Get a copy of your data (.zip or its folder)",
        "format": "archive", "origin": "built in", "detect": ["Profile.csv in the archive"],
        "fields": {"(files)": list(FILES_READ)}, "drop": [],
    })
    described.sort(key=lambda p: p["name"])
    if json:
        output.print_json(described)
    else:
        output.render_presets(described)


@app.command()
def doctor(
    ctx: typer.Context,
    restore: Annotated[bool, typer.Option(
        "--restore", help="Put the previous version (PATH.bak) back when the file is damaged.",
    )] = False,
    repair: Annotated[bool, typer.Option(
        "--repair", help="Delete temporary files left by an interrupted write or index build.",
    )] = False,
    json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Check the directory file and its backup; restore the backup when the file is damaged.

    Exits 1 when a check fails. The damaged file is kept as PATH.damaged when restoring.

    Example: expertfind doctor --restore
    """
    from . import doctor as checks

    path = _path(ctx)
    if restore:
        damaged = checks.restore(path)
        output.say(f"Restored {path} from its backup; the damaged file is kept as {damaged}.")
    if repair:
        removed = checks.repair(path)
        output.say(f"Deleted {len(removed)} temporary file(s) or folder(s) of interrupted writes.")
    findings = checks.examine(path)
    if json:
        output.print_json([{"check": f.check, "ok": f.ok, "message": f.message} for f in findings])
    else:
        output.render_findings(findings)
    if not all(f.ok for f in findings):
        raise typer.Exit(1)


@synonyms_app.command("list")
def synonyms_list(
    ctx: typer.Context,
    json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """List the synonym groups: the shipped table and your own.

    Example: expertfind synonyms list --json
    """
    table = load_synonyms(synonyms_file(_path(ctx)))
    if json:
        output.print_json([list(group) for group in table.groups])
        return
    output.print_lines([" | ".join(group) for group in table.groups])


@synonyms_app.command("add")
def synonyms_add(
    ctx: typer.Context,
    terms: Annotated[list[str], typer.Argument(help="Two or more terms that mean the same.")],
) -> None:
    """Teach `ask` that some terms mean the same (saved next to the directory file).

    Example: expertfind synonyms add "intervisie" "peer review" "collegiale toetsing"
    """
    cleaned = [t.strip() for t in terms if t.strip()]
    if len(cleaned) < 2 or any("|" in t or "\n" in t for t in cleaned):
        raise UsageError("give two or more terms, without '|' or line breaks")
    path = synonyms_file(_path(ctx))
    existing = path.read_text("utf-8") if path.is_file() else "# expertfind synonyms: a | b | c\n"
    if parse_lines(existing.splitlines()) and not existing.endswith("\n"):
        existing += "\n"
    atomic_write_bytes(path, (existing + " | ".join(cleaned) + "\n").encode("utf-8"))
    output.say(f"Added to {path}: {' | '.join(cleaned)}")
