"""Nothing is lost: concurrent writers, writers killed mid-write, damaged files, removed people.

The process tests run the real command in fresh processes, as users and HR scripts do.
`EXPERTFIND_KILL_RUNS` raises the number of SIGKILL rounds (the README figures use 200).
"""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from expertfind.search.index import IndexSettings
from expertfind.search.stored import load_index, settings_key
from expertfind.store import TinyDBStore, backup_path, leftover_temp_files

from .conftest import Invoke, write, write_json

NAMES = ("Özlem Çelik", "Zoë de Wit", "Ngũgĩ Kamau", "Jan-Willem van 't Hek", "Anaïs Lefèvre")


def people_records(prefix: str, count: int, *, contributions: int = 2) -> list[dict[str, Any]]:
    """`count` distinct people, with enough evidence to make a realistic file."""
    return [
        {
            "id": f"{prefix}-{n}",
            "name": f"{NAMES[n % len(NAMES)]} {prefix} {n}",
            "email": f"{prefix}.{n}@example.org",
            "team": f"Team {n % 7}",
            "skills": [{"name": f"onderwerp {n % 50}", "level": 1 + n % 5}, "kennisdeling"],
            "contributions": [
                {"kind": "blog", "title": f"Over onderwerp {n % 50}, deel {c}",
                 "date": f"2025-0{1 + c % 9}-1{c % 10}", "tags": ["sociaal leren"],
                 "text": " ".join(["Wat ik leerde in de intervisie."] * 20)}
                for c in range(contributions)
            ],
        }
        for n in range(count)
    ]


def run_cli(
    db: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EXPERTFIND_DB": str(db), "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "expertfind", *args], env=env, capture_output=True, text=True,
        timeout=120,
    )


def on_disk(db: Path) -> dict[str, dict[str, Any]]:
    return {p.id: p.to_dict() for p in TinyDBStore(db).people()}


# --- backups and doctor ------------------------------------------------------------------------

def test_every_write_keeps_the_previous_version_as_a_private_backup(
    cli: Invoke, directory_file: Path, tmp_path: Path
) -> None:
    assert cli("add", "--name", "Eva Smit", "--skill", "crowdfunding:4").exit_code == 0
    assert not backup_path(directory_file).exists()
    first = directory_file.read_bytes()
    assert cli("add", "--name", "Bram Jansen", "--skill", "intervisie:3").exit_code == 0
    backup = backup_path(directory_file)
    assert backup.read_bytes() == first
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert os.stat(backup).st_ino != os.stat(directory_file).st_ino  # a copy, not a link


def test_remove_leaves_no_copy_in_the_directory_or_its_backup(
    cli: Invoke, directory_file: Path
) -> None:
    for name in ("Eva Smit", "Bram Jansen"):
        email = f"{name.split()[0].lower()}@example.org"
        assert cli("add", "--name", name, "--email", email).exit_code == 0
    result = cli("remove", "eva-example-org")
    assert result.exit_code == 0, result.output
    for path in directory_file.parent.iterdir():
        content = path.read_bytes()
        assert b"Eva" not in content and b"eva@example.org" not in content, path.name
    assert list(on_disk(directory_file)) == ["bram-example-org"]


def test_doctor_reports_a_damaged_file_and_restores_the_previous_version(
    cli: Invoke, directory_file: Path
) -> None:
    assert cli("add", "--name", "Eva Smit").exit_code == 0
    assert cli("add", "--name", "Bram Jansen").exit_code == 0
    healthy = cli("doctor", "--json")
    assert healthy.exit_code == 0, healthy.output
    assert all(check["ok"] for check in json.loads(healthy.stdout))

    damaged = directory_file.read_bytes()[:-20]
    directory_file.write_bytes(damaged)
    asked = cli("ask", "crowdfunding")
    assert asked.exit_code == 1 and "doctor --restore" in asked.output
    assert cli("add", "--name", "Kees Vermeulen").exit_code == 1
    assert directory_file.read_bytes() == damaged  # never overwritten

    report = cli("doctor", "--json")
    assert report.exit_code == 1
    assert {c["check"]: c["ok"] for c in json.loads(report.stdout)}["directory"] is False

    restored = cli("doctor", "--restore")
    assert restored.exit_code == 0, restored.output
    assert sorted(on_disk(directory_file)) == ["eva-smit"]  # the version before the last write
    assert directory_file.with_name("directory.json.damaged").read_bytes() == damaged


def test_restore_refuses_when_there_is_nothing_to_restore(cli: Invoke, directory_file: Path) -> None:
    assert cli("add", "--name", "Eva Smit").exit_code == 0
    result = cli("doctor", "--restore")
    assert result.exit_code == 1 and "no backup" in result.output
    assert cli("add", "--name", "Bram Jansen").exit_code == 0
    result = cli("doctor", "--restore")
    assert result.exit_code == 1 and "not damaged" in result.output
    assert sorted(on_disk(directory_file)) == ["bram-jansen", "eva-smit"]


def test_temporary_files_of_a_killed_writer_are_reported_and_cleaned(
    cli: Invoke, directory_file: Path
) -> None:
    assert cli("add", "--name", "Eva Smit").exit_code == 0
    leftover = write(directory_file.with_name(".directory.json.abc123.tmp"), '{"people": {"1": {"na')
    assert cli("doctor").exit_code == 1
    assert cli("add", "--name", "Bram Jansen").exit_code == 0  # the next writer cleans up
    assert not leftover.exists()
    write(leftover, "half")
    result = cli("doctor", "--repair")
    assert result.exit_code == 0, result.output
    assert leftover_temp_files(directory_file) == []


@pytest.mark.skipif(os.name != "posix", reason="abandoned blocks are recognised by POSIX process ids")
def test_index_blocks_of_a_killed_build_are_reported_and_cleaned(cli: Invoke, directory_file: Path) -> None:
    from expertfind.search.blocks import BLOCKS_PREFIX

    assert cli("add", "--name", "Eva Smit").exit_code == 0
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # its process id now names no running process
    blocks = directory_file.parent / f"{BLOCKS_PREFIX}{gone.pid}-abc"
    blocks.mkdir()
    write(blocks / "0", "postings with words from profiles")
    result = cli("doctor", "--json")
    assert result.exit_code == 1
    assert [f["check"] for f in json.loads(result.stdout) if not f["ok"]] == ["index blocks"]
    result = cli("doctor", "--repair")
    assert result.exit_code == 0, result.output
    assert not blocks.exists()


def test_doctor_flags_a_file_others_can_read(cli: Invoke, directory_file: Path) -> None:
    assert cli("add", "--name", "Eva Smit").exit_code == 0
    directory_file.chmod(0o644)
    result = cli("doctor")
    assert result.exit_code == 1 and "chmod 600" in result.output


# --- processes ---------------------------------------------------------------------------------

def test_eight_concurrent_imports_all_land(tmp_path: Path) -> None:
    db = tmp_path / "shared" / "directory.json"
    files = []
    expected: dict[str, dict[str, Any]] = {}
    for writer in range(8):
        records = people_records(f"w{writer}", 200, contributions=1)
        path = tmp_path / f"import-{writer}.jsonl"
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), "utf-8")
        files.append(path)
        expected.update({r["id"]: r for r in records})
    env = {**os.environ, "EXPERTFIND_DB": str(db)}
    writers = [
        subprocess.Popen([sys.executable, "-m", "expertfind", "import", str(path)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for path in files
    ]
    seen = set()
    while any(process.poll() is None for process in writers):
        if db.exists():  # a reader never sees half a write: always whole imports
            seen.add(len(TinyDBStore(db).people()))
    for process in writers:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
    assert all(size % 200 == 0 for size in seen), seen
    stored = on_disk(db)
    assert len(stored) == 1600
    for person_id, record in expected.items():
        assert stored[person_id]["name"] == record["name"]
        assert stored[person_id]["email"] == record["email"]
        assert stored[person_id]["skills"] == record["skills"]
        assert stored[person_id]["contributions"] == record["contributions"]
    assert json.loads(db.read_text("utf-8"))  # valid JSON


def test_a_writer_killed_at_any_moment_leaves_the_old_or_the_new_directory(tmp_path: Path) -> None:
    runs = int(os.environ.get("EXPERTFIND_KILL_RUNS", "12"))
    big = tmp_path / "big.jsonl"
    records = people_records("new", 3000)
    records += [{**r, "title": "Bijgewerkt"} for r in people_records("old", 300)]
    big.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), "utf-8")

    db = tmp_path / "d" / "directory.json"
    seeded = write_json(tmp_path / "old.json", people_records("old", 300))
    assert run_cli(db, "import", str(seeded)).returncode == 0
    assert run_cli(db, "add", "--name", "Eva Smit").returncode == 0  # so that a backup exists
    old_bytes = db.read_bytes()
    old = on_disk(db)

    started = time.perf_counter()
    assert run_cli(db, "import", str(big)).returncode == 0
    duration = time.perf_counter() - started
    new = on_disk(db)
    assert new != old

    rng = random.Random(20261122)
    outcomes = {"old": 0, "new": 0}
    env = {**os.environ, "EXPERTFIND_DB": str(db)}
    for _ in range(runs):
        db.write_bytes(old_bytes)
        process = subprocess.Popen([sys.executable, "-m", "expertfind", "import", str(big)],
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.1) * duration)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        state = on_disk(db)  # raises if the file is not a valid directory
        assert state in (old, new)
        outcomes["old" if state == old else "new"] += 1
        generation = TinyDBStore(db).generation()
        stored = load_index(db.with_name(db.name + ".index"), generation=str(generation),
                            settings=settings_key(IndexSettings()))
        if stored is not None:  # a stored index is only ever trusted for exactly this directory
            assert sorted(stored.ids) == sorted(state)
        assert run_cli(db, "doctor").returncode in (0, 1)  # leftovers are reported, never fatal
    assert sum(outcomes.values()) == runs
    print(f"\n{runs} kills: {outcomes}")


@pytest.mark.parametrize("flag", ["import", "add"])
def test_a_writer_that_cannot_get_the_lock_says_so_and_writes_nothing(
    tmp_path: Path, flag: str
) -> None:
    db = tmp_path / "directory.json"
    assert run_cli(db, "add", "--name", "Eva Smit").returncode == 0
    before = db.read_bytes()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from expertfind.store import write_lock\n"
         "with write_lock(Path(sys.argv[1])):\n    print('locked', flush=True); time.sleep(30)",
         str(db)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        impatient = {"EXPERTFIND_LOCK_TIMEOUT": "0.5"}
        if flag == "import":
            source = write_json(tmp_path / "one.json", [{"name": "Bram Jansen"}])
            result = run_cli(db, "import", str(source), env=impatient)
        else:
            result = run_cli(db, "add", "--name", "Bram Jansen", env=impatient)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1
    assert "another expertfind process is writing" in result.stderr
    assert "Traceback" not in result.stderr
    assert db.read_bytes() == before


# --- encodings and personal data ----------------------------------------------------------------

@pytest.mark.parametrize("export_format", ["json", "jsonl", "csv"])
def test_names_survive_every_round_trip(
    cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, export_format: str
) -> None:
    records = [{"name": name, "email": f"p{n}@example.org", "skills": ["kennisdeling"]}
               for n, name in enumerate(("Özlem Çelik", "Zoë", "Ngũgĩ wa Thiong'o", "Łukasz Żółw"))]
    assert cli("import", str(write_json(tmp_path / "in.json", records))).exit_code == 0
    exported = tmp_path / f"out.{export_format}"
    assert cli("export", "--format", export_format, "-o", str(exported)).exit_code == 0
    monkeypatch.setenv("EXPERTFIND_DB", str(tmp_path / "second" / "directory.json"))
    assert cli("import", str(exported)).exit_code == 0
    names = [person["name"] for person in json.loads(cli("list", "--json").stdout)]
    assert sorted(names) == sorted(r["name"] for r in records)


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"),
                                               ("utf-16-le", b"\xff\xfe")])
def test_excel_encodings_are_read(cli: Invoke, tmp_path: Path, encoding: str, bom: bytes) -> None:
    text = "Naam;E-mail;Vaardigheden\r\nÖzlem Çelik;ozlem@example.org;crowdfunding:4|intervisie\r\n"
    source = write(tmp_path / "hr.csv", bom + text.encode(encoding))
    result = cli("import", str(source), "--map", "Naam=name", "--map", "E-mail=email",
                 "--map", "Vaardigheden=skills")
    assert result.exit_code == 0, result.output
    person = json.loads(cli("show", "ozlem-example-org", "--json").stdout)
    assert person["name"] == "Özlem Çelik"
    assert person["skills"][0] == {"name": "crowdfunding", "level": 4}


def test_cp1252_is_refused_with_a_hint_and_nothing_is_written(
    cli: Invoke, tmp_path: Path, directory_file: Path
) -> None:
    source = write(tmp_path / "hr.csv", "name;email\r\nZoë;zoe@example.org\r\n".encode("cp1252"))
    result = cli("import", str(source))
    assert result.exit_code == 1 and "--encoding cp1252" in result.output
    assert not directory_file.exists()
    assert cli("import", str(source), "--encoding", "cp1252").exit_code == 0
    assert json.loads(cli("list", "--json").stdout)[0]["name"] == "Zoë"


def test_limits_give_clear_errors(cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from expertfind import formats

    long_text = write_json(tmp_path / "long.json", [{"name": "Eva", "title": "x" * 100_001}])
    result = cli("import", str(long_text))
    assert result.exit_code == 1 and "longer than 100,000 characters" in result.output
    monkeypatch.setattr(formats, "MAX_FILE_BYTES", 1024)
    big = write_json(tmp_path / "big.json", [{"name": f"Persoon {n}"} for n in range(100)])
    result = cli("import", str(big))
    assert result.exit_code == 1 and "larger than" in result.output


def test_errors_about_a_record_do_not_repeat_its_personal_data(cli: Invoke, tmp_path: Path) -> None:
    source = write_json(tmp_path / "bad.json", [
        {"name": "Geheime Naam", "email": "geheim@example.org", "skills": [{"name": "x", "level": 9}]},
    ])
    result = cli("import", str(source))
    assert result.exit_code == 1 and "record 1" in result.output
    assert "Geheime" not in result.output and "geheim@example.org" not in result.output


def test_a_bad_email_is_reported_without_repeating_it(cli: Invoke, tmp_path: Path) -> None:
    source = write_json(tmp_path / "bad.json", [{"name": "Eva", "email": "eva.smit-prive"}])
    result = cli("import", str(source))
    assert result.exit_code == 1 and "'email' is not an email address" in result.output
    assert "eva.smit-prive" not in result.output
