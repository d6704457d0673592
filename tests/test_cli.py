"""The commands as a user runs them: exit code first, then parsed JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from expertfind.cli import app, command_asked_for

from .conftest import EXAMPLE, Invoke, write, write_json


def people_in(cli: Invoke) -> list[dict[str, object]]:
    result = cli("list", "--json")
    assert result.exit_code == 0, result.output
    data: list[dict[str, object]] = json.loads(result.stdout)
    return data


def test_import_then_ask_crowdfunding_answers_with_the_expert(example: Invoke) -> None:
    result = example("ask", "crowdfunding", "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["query"] == "crowdfunding"
    first = answer["results"][0]
    assert first["id"] == "sanne-de-vries" and first["rank"] == 1
    assert {"source": "skill", "text": "crowdfunding", "level": 5, "score": 100.0} in first["evidence"]
    scores = [r["score"] for r in answer["results"]]
    assert scores == sorted(scores, reverse=True) and len(scores) <= 5


def test_import_summary_goes_to_stderr(cli: Invoke) -> None:
    result = cli("import", str(EXAMPLE))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "31 added, 0 updated, 0 unchanged" in result.stderr
    again = cli("import", str(EXAMPLE))
    assert "0 added, 0 updated, 31 unchanged" in again.stderr


def test_import_summary_counts_one_record_in_the_singular(cli: Invoke, tmp_path: Path) -> None:
    one = write_json(tmp_path / "one.json", [{"name": "Jan Smit", "skills": ["python"]}])
    assert "Dry run: 1 record read; 1 added" in cli("import", str(one), "--dry-run").stderr
    assert "Imported 1 record: 1 added, 0 updated, 0 unchanged." in cli("import", str(one)).stderr


def test_ask_table_shows_people_evidence_and_contact(example: Invoke) -> None:
    result = example("ask", "wie", "weet", "iets", "van", "crowdfunding?")
    assert result.exit_code == 0, result.output
    assert "Sanne de Vries" in result.stdout
    assert "sanne.vries@minbzk.example" in result.stdout
    assert "crowdfunding" in result.stdout


def test_ask_json_is_plain_and_limit_holds(example: Invoke) -> None:
    result = example("ask", "intervisie", "--json", "--limit", "2")
    answer = json.loads(result.stdout)
    assert len(answer["results"]) == 2
    assert "\x1b" not in result.stdout


def test_ask_explain_says_how_terms_matched(example: Invoke) -> None:
    result = example("ask", "crwodfunding", "--json", "--explain")
    answer = json.loads(result.stdout)
    first = answer["results"][0]
    assert first["id"] == "sanne-de-vries"
    hows = {m["how"] for e in first["evidence"] for m in e["matches"]}
    assert hows == {"fuzzy"}
    assert first["explanation"]["coverage"] == 1.0
    text = example("ask", "crwodfunding", "--explain")
    assert "fuzzy" in text.stdout and "How the scores were built" in text.stdout
    assert "pieces of evidence, summed with diminishing returns" in text.stdout  # the expert has several
    single = [r for r in answer["results"] if r["explanation"]["evidence_matched"] == 1]
    assert single, "someone with one piece of evidence"
    assert "1 piece of evidence = " in text.stdout and "1 pieces" not in text.stdout
    assert answer["topics"][0]["tag"] == "crowdfunding"  # the tags of the best-matching contributions
    assert first["explanation"]["topics"]["share"] == 1.0
    assert {"tag": "crowdfunding", "contributions": 2} in first["explanation"]["topics"]["tags"]
    assert "topics (tags of the best-matching contributions): crowdfunding" in text.stdout
    assert "contributed on crowdfunding x2" in text.stdout


def test_unknown_words_give_an_empty_answer(example: Invoke) -> None:
    result = example("ask", "xylofoonstemmen", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"query": "xylofoonstemmen", "results": []}
    table = example("ask", "xylofoonstemmen")
    assert table.exit_code == 0 and "Nobody" in table.stderr


def test_unavailable_people_are_never_suggested_unless_asked(example: Invoke) -> None:
    ids = [r["id"] for r in json.loads(example("ask", "begroting", "--json", "-n", "10").stdout)["results"]]
    assert "kees-vermeulen" not in ids
    shown = json.loads(example("ask", "begroting", "--json", "-n", "10", "--include-unavailable").stdout)
    marked = [r for r in shown["results"] if r["id"] == "kees-vermeulen"]
    assert marked and marked[0]["available"] is False


def test_empty_query_is_an_error(example: Invoke) -> None:
    result = example("ask", "  ")
    assert result.exit_code == 1
    assert "Error: the question is empty" in result.stderr


def test_export_json_reimports_to_the_same_directory(example: Invoke, tmp_path: Path) -> None:
    exported = example("export")
    assert exported.exit_code == 0
    before = people_in(example)
    dump = write(tmp_path / "dump.json", exported.stdout)
    other = tmp_path / "other.json"
    assert example("--db", str(other), "import", str(dump)).exit_code == 0
    assert people_in(lambda *a: example("--db", str(other), *a)) == before  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_other_formats_to_a_file(example: Invoke, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"people.{fmt}"
    result = example("export", "--format", fmt, "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    fresh = tmp_path / "fresh.json"
    assert example("--db", str(fresh), "import", str(out)).exit_code == 0
    names = sorted(p["name"] for p in people_in(lambda *a: example("--db", str(fresh), *a)))  # type: ignore[arg-type]
    assert names == sorted(p["name"] for p in people_in(example))


def test_export_one_person(example: Invoke) -> None:
    result = example("export", "--person", "noor-hendriks")
    assert [p["id"] for p in json.loads(result.stdout)["people"]] == ["noor-hendriks"]


def test_add_show_remove(cli: Invoke) -> None:
    added = cli("add", "--name", "Sanne de Vries", "--email", "sanne@example.org",
                "--skill", "crowdfunding:5", "--skill", "storytelling", "--interest", "pkm",
                "--contribution", "blog:Crowdfunding in de praktijk", "--json")
    assert added.exit_code == 0, added.output
    person = json.loads(added.stdout)
    assert person["id"] == "sanne-example-org"
    assert person["skills"] == [{"name": "crowdfunding", "level": 5}, "storytelling"]
    assert person["contributions"] == [{"kind": "blog", "title": "Crowdfunding in de praktijk"}]
    shown = cli("show", "sanne-example-org", "--json")
    assert json.loads(shown.stdout) == person
    assert "crowdfunding" in cli("show", "sanne-example-org").stdout
    removed = cli("remove", "sanne-example-org")
    assert removed.exit_code == 0
    assert people_in(cli) == []


def test_remove_leaves_no_copy_in_the_file(cli: Invoke, directory_file: Path) -> None:
    cli("add", "--name", "Geheim Persoon", "--email", "geheim@example.org")
    cli("add", "--name", "Eva")
    assert cli("remove", "geheim-example-org").exit_code == 0
    assert "geheim" not in directory_file.read_text().lower()


def test_add_with_bad_level_is_an_error_and_writes_nothing(cli: Invoke, directory_file: Path) -> None:
    result = cli("add", "--name", "Eva", "--skill", "coaching:9")
    assert result.exit_code in (1, 2)
    assert "from 1 to 5" in result.stderr
    assert not directory_file.exists()


def test_unknown_id_is_an_error(cli: Invoke) -> None:
    for command in (["show", "nobody"], ["remove", "nobody"], ["export", "--person", "nobody"]):
        result = cli(*command)
        assert result.exit_code == 1
        assert "no person with id 'nobody'" in result.stderr


def test_import_is_all_or_nothing_and_reports_every_bad_record(cli: Invoke, tmp_path: Path,
                                                               directory_file: Path) -> None:
    path = write(tmp_path / "p.jsonl", '{"name": "Good"}\n{"title": "no name"}\n'
                 '{"name": "Bad level", "skills": [{"name": "x", "level": 7}]}\n')
    result = cli("import", str(path))
    assert result.exit_code == 1
    assert "p.jsonl line 2: 'name' is required" in result.stderr
    assert "p.jsonl line 3: a skill level must be from 1 to 5" in result.stderr
    assert "Traceback" not in result.output
    assert not directory_file.exists()


def test_import_updates_by_email_and_merges(cli: Invoke, tmp_path: Path) -> None:
    cli("import", str(write_json(tmp_path / "a.json", [
        {"name": "Eva Mulder", "email": "eva@example.org", "skills": ["intervisie:3"],
         "contributions": [{"title": "Intervisie", "date": "2024-01-01"}]}])))
    result = cli("import", str(write(tmp_path / "b.csv",
                                     "Naam,Mail,Skills\nEva M.,EVA@example.org,intervisie:5|coaching\n")),
                 "--map", "Naam=name", "--map", "Mail=email")
    assert result.exit_code == 0, result.output
    assert "0 added, 1 updated" in result.stderr
    [eva] = people_in(cli)
    assert eva["id"] == "eva-example-org" and eva["name"] == "Eva M."
    assert eva["skills"] == [{"name": "intervisie", "level": 5}, "coaching"]
    assert len(eva["contributions"]) == 1  # type: ignore[arg-type]


def test_dry_run_reports_and_writes_nothing(cli: Invoke, directory_file: Path) -> None:
    result = cli("import", str(EXAMPLE), "--dry-run")
    assert result.exit_code == 0
    assert "Dry run" in result.stderr and "31 added" in result.stderr
    assert not directory_file.exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ('[{"name": "A",}]', "p.json", "not valid JSON"),
        ("Naam,Team\nA,B\n", "p.csv", "no name column"),
        (b"name\nZo\xeb\n", "p.csv", "not UTF-8"),
        ('{"name": "Ann \\ud800"}\n', "p.jsonl", "not valid Unicode text"),
        ('[{"name": "Ann", "notes": "\\udc80"}]', "p.json", "not valid Unicode text"),
    ],
)
def test_bad_files_give_an_error_without_traceback(cli: Invoke, tmp_path: Path, directory_file: Path,
                                                    content: str | bytes, name: str, message: str) -> None:
    result = cli("import", str(write(tmp_path / name, content)))
    assert result.exit_code == 1
    assert "Error: " in result.stderr and message in result.stderr
    assert "Traceback" not in result.output
    assert not directory_file.exists()


def test_unreadable_file(cli: Invoke, tmp_path: Path) -> None:
    result = cli("import", str(tmp_path / "missing.csv"))
    assert result.exit_code == 1 and "no such file" in result.stderr
    folder = cli("import", str(tmp_path))
    assert folder.exit_code == 1 and "is a folder" in folder.stderr


def test_a_corrupt_directory_is_reported_and_never_overwritten(cli: Invoke, directory_file: Path) -> None:
    directory_file.parent.mkdir(parents=True)
    directory_file.write_text('{"people": {"1": {"name": ')
    for command in (["list"], ["ask", "x"], ["add", "--name", "Eva"], ["import", str(EXAMPLE)]):
        result = cli(*command)
        assert result.exit_code == 1, command
        assert "not valid JSON" in result.stderr
    assert directory_file.read_text() == '{"people": {"1": {"name": '


def test_usage_errors_exit_2(cli: Invoke) -> None:
    assert cli("ask", "x", "--limit", "0").exit_code == 2
    assert cli("frobnicate").exit_code == 2
    assert cli("import", "x.csv", "--map", "nonsense").exit_code == 2


def test_db_option_and_environment(cli: Invoke, tmp_path: Path, directory_file: Path) -> None:
    other = tmp_path / "elsewhere.json"
    assert cli("--db", str(other), "add", "--name", "Eva").exit_code == 0
    assert other.exists() and not directory_file.exists()


def test_terminal_output_prints_markup_and_escapes_literally(cli: Invoke) -> None:
    assert cli("add", "--name", "[bold red]x", "--title", "[link=http://evil]y :smile:").exit_code == 0
    result = cli("list")
    assert "[bold red]x" in result.stdout and "[link=http://evil]y :smile:" in result.stdout
    assert "\x1b" not in result.stdout
    rejected = cli("add", "--name", "x\x1b[31mred")
    assert rejected.exit_code == 1 and "control characters" in rejected.stderr
    undecodable = cli("add", "--name", "Zo\udceb")  # the byte 0xEB of a Latin-1 shell, as Python reads it
    assert undecodable.exit_code == 1 and "not valid Unicode text" in undecodable.stderr
    emoji = cli("add", "--name", "Zoë \U0001f600")
    assert emoji.exit_code == 0


def test_command_line_bytes_that_are_not_utf8_are_an_error_not_a_traceback(example: Invoke) -> None:
    for args in (("ask", "a\udcff"), ("synonyms", "add", "a\udcff", "b")):  # b"a\xff", as Python reads it
        result = example(*args)
        assert result.exit_code == 1, args
        assert "not UTF-8 text" in result.stderr and "Traceback" not in result.output


def test_clean_strips_escape_sequences_from_terminal_text() -> None:
    from expertfind.output import clean

    assert clean("a\x1b[31mb\x07c") == "a[31mbc"


def test_synonyms_add_extends_the_table(cli: Invoke) -> None:
    cli("add", "--name", "Eva", "--skill", "collegiale toetsing:5")
    before = json.loads(cli("ask", "peerreview", "--json").stdout)
    assert before["results"] == []
    assert cli("synonyms", "add", "peerreview", "collegiale toetsing").exit_code == 0
    after = json.loads(cli("ask", "peerreview", "--json").stdout)
    assert [r["name"] for r in after["results"]] == ["Eva"]
    listed = json.loads(cli("synonyms", "list", "--json").stdout)
    assert ["peerreview", "collegiale toetsing"] in listed


def test_every_command_has_help_with_an_example(cli: Invoke) -> None:
    from typer.main import get_command

    group = get_command(app)
    names = list(group.commands)  # type: ignore[attr-defined]
    assert {"import", "ask", "export", "show", "list", "add", "remove"} <= set(names)
    assert "Example:" in cli("--help").stdout
    for name in names:
        result = cli(name, "--help")
        assert result.exit_code == 0
        assert "Example:" in result.stdout or name == "synonyms", name


def test_readme_documents_every_command() -> None:
    from typer.main import get_command

    readme = (EXAMPLE.parent / "README.md").read_text(encoding="utf-8")
    for name in get_command(app).commands:  # type: ignore[attr-defined]
        assert f"expertfind {name}" in readme, name


def test_version(cli: Invoke) -> None:
    result = cli("--version")
    assert result.exit_code == 0 and result.stdout.startswith("expertfind ")


def test_python_dash_m_runs_the_cli() -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "expertfind", "--version"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert result.stdout.startswith("expertfind ")


def test_half_life_option_controls_how_old_evidence_fades(cli: Invoke, tmp_path: Path) -> None:
    cli("import", str(write_json(tmp_path / "p.json", [
        {"id": "old", "name": "A Old", "contributions": [{"title": "Crowdfunding", "date": "2012-01-01"}]},
        {"id": "new", "name": "B New", "contributions": [{"title": "Crowdfunding", "date": "2025-01-01"}]},
    ])))

    def order(*extra: str) -> list[str]:
        result = cli("ask", "crowdfunding", "--json", *extra)
        assert result.exit_code == 0, result.output
        return [r["id"] for r in json.loads(result.stdout)["results"]]

    assert order() == ["new", "old"]
    assert order("--half-life", "0") == ["old", "new"]  # no fading: a tie, broken by name
    assert cli("ask", "crowdfunding", "--half-life", "-1").exit_code == 2


def test_format_option_overrides_the_extension(cli: Invoke, tmp_path: Path) -> None:
    path = write(tmp_path / "people.txt", '{"name": "Eva"}\n{"name": "Bram"}\n')
    as_csv = cli("import", str(path))
    assert as_csv.exit_code == 1 and "no name column" in as_csv.stderr
    result = cli("import", str(path), "--format", "jsonl")
    assert result.exit_code == 0, result.output
    assert sorted(p["name"] for p in people_in(cli)) == ["Bram", "Eva"]


def test_encoding_option_reads_cp1252(cli: Invoke, tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", "name;team\nZoë;Klimaat\n".encode("cp1252"))
    assert cli("import", str(path), "--encoding", "cp1252").exit_code == 0
    assert [p["name"] for p in people_in(cli)] == ["Zoë"]
    assert cli("import", str(path), "--encoding", "nonsense-8").exit_code == 2


def test_export_gives_back_what_was_imported(example: Invoke) -> None:
    given = json.loads(EXAMPLE.read_text("utf-8"))["people"]
    exported = {p["id"]: p for p in json.loads(example("export").stdout)["people"]}
    for person in given:  # field for field, only empty lists are left out
        assert exported[person["id"]] == {k: v for k, v in person.items() if v != []}


@pytest.mark.parametrize(("args", "command"), [
    (["ask", "python"], "ask"),
    (["--db", "d.json", "ask", "--json", "x"], "ask"),
    (["--db=d.json", "import", "f.csv"], "import"),
    (["synonyms", "list"], "synonyms"),
    (["--help"], None),
    (["--version", "ask"], None),
    ([], None),
])
def test_the_command_named_on_the_command_line_is_found(args: list[str], command: str | None) -> None:
    assert command_asked_for(args) == command


def test_the_installed_command_builds_only_the_command_asked_for_yet_knows_them_all(
    tmp_path: Path,
) -> None:
    """`main()` prunes the Typer app to one command: help, typos and subgroups still work."""
    import subprocess
    import sys

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "expertfind", *args],
            capture_output=True, text=True, timeout=60,
            env={"EXPERTFIND_DB": str(tmp_path / "d.json"), "NO_COLOR": "1", "COLUMNS": "100",
                 "PATH": "/usr/bin:/bin"},
        )

    imported = run("import", str(EXAMPLE))
    assert imported.returncode == 0, imported.stderr
    answer = run("ask", "crowdfunding", "--json", "--no-log")
    assert answer.returncode == 0 and json.loads(answer.stdout)["results"]
    assert "Usage: expertfind ask" in run("ask", "--help").stdout
    overview = run("--help").stdout
    assert all(name in overview for name in ("ask", "import", "export", "skills", "synonyms", "log"))
    typo = run("asj", "crowdfunding")
    assert typo.returncode == 2 and "ask" in typo.stderr
    assert run("synonyms", "list").returncode == 0


def test_the_installed_command_writes_everything_and_keeps_exit_codes_when_it_ends_at_once(
    tmp_path: Path,
) -> None:
    """`main()` ends the process without Python's teardown: output must still be complete,
    exit codes kept, and a reader that stops early (`| head`) must not cause a traceback."""
    import subprocess
    import sys

    env = {"EXPERTFIND_DB": str(tmp_path / "d.json"), "NO_COLOR": "1", "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "expertfind"]
    assert subprocess.run([*command, "import", str(EXAMPLE)], env=env, timeout=60).returncode == 0
    with (tmp_path / "answer.json").open("w") as out:
        done = subprocess.run([*command, "ask", "intervisie", "--json", "--no-log"],
                              stdout=out, env=env, timeout=60)
    assert done.returncode == 0 and json.loads((tmp_path / "answer.json").read_text())["results"]
    with (tmp_path / "export.json").open("w") as out:
        assert subprocess.run([*command, "export"], stdout=out, env=env, timeout=60).returncode == 0
    assert len(json.loads((tmp_path / "export.json").read_text())["people"]) == 31
    with (tmp_path / "answer.txt").open("w") as out:
        assert subprocess.run([*command, "ask", "intervisie", "--no-log"], stdout=out, env=env,
                              timeout=60).returncode == 0
    assert "Who to ask about: intervisie" in (tmp_path / "answer.txt").read_text()
    empty = subprocess.run([*command, "ask", " "], capture_output=True, text=True, env=env, timeout=60)
    assert empty.returncode == 1 and "Error: the question is empty" in empty.stderr
    assert subprocess.run([*command, "asj"], capture_output=True, env=env, timeout=60).returncode == 2
    reader = subprocess.Popen([*command, "export", "--format", "jsonl"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env)
    assert reader.stdout is not None and reader.stderr is not None
    assert reader.stdout.readline().startswith(b"{")
    reader.stdout.close()  # the reader has gone
    assert b"Traceback" not in reader.stderr.read()
    reader.wait(timeout=60)


def loaded_after(directory_file: Path, module: str, *args: str) -> tuple[str, bool]:
    """stdout of `expertfind ARGS` in a fresh process, and whether it loaded `module`."""
    import subprocess
    import sys

    code = ("import sys; from expertfind.cli import run\n"
            "try:\n    run()\nexcept SystemExit:\n    pass\n"
            f"print({module!r} in sys.modules, file=sys.stderr)")
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60,
        env={"EXPERTFIND_DB": str(directory_file), "PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
    )
    return done.stdout, done.stderr.strip().splitlines()[-1] == "True"


def test_json_answers_never_load_rich(example: Invoke, directory_file: Path) -> None:
    """Scripts pay for what they use: `ask --json` starts without the terminal renderer."""
    stdout, loaded = loaded_after(directory_file, "rich.console", "ask", "crowdfunding", "--json", "--no-log")
    assert json.loads(stdout)["results"] and not loaded


def test_text_answers_never_load_rich(example: Invoke, directory_file: Path) -> None:
    """`ask` prints its cards without Rich, whose console costs more than a search."""
    stdout, loaded = loaded_after(directory_file, "rich.console", "ask", "crowdfunding", "--no-log")
    assert "Who to ask about: crowdfunding" in stdout and "Sanne de Vries" in stdout and not loaded


def test_counts_in_messages_agree_with_their_nouns() -> None:
    from expertfind.output import counted

    assert [counted(n, "record") for n in (0, 1, 2)] == ["0 records", "1 record", "2 records"]
    assert counted(1, "person", "people") == "1 person" and counted(3, "person", "people") == "3 people"
