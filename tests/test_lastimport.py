"""Importing the same export again: known unchanged without a merge, and never when anything
could differ (another file, other options, a directory changed since, by expertfind or not)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from .conftest import EXAMPLE, Invoke, write_json

SAME = "The same export as the last import"


def people_in(directory_file: Path) -> dict[str, dict[str, object]]:
    data = json.loads(directory_file.read_text("utf-8"))
    return {doc["id"]: doc for doc in data["people"].values()}


def test_the_same_export_again_is_known_unchanged_without_a_write(cli: Invoke, directory_file: Path) -> None:
    first = cli("import", str(EXAMPLE))
    assert first.exit_code == 0 and SAME not in first.stderr
    written = directory_file.stat().st_mtime_ns
    again = cli("import", str(EXAMPLE))
    assert again.exit_code == 0
    assert SAME in again.stderr
    assert "Imported 31 records: 0 added, 0 updated, 31 unchanged." in again.stderr
    assert directory_file.stat().st_mtime_ns == written
    remembered = directory_file.with_name(directory_file.name + ".last-import").read_text("utf-8")
    assert "@" not in remembered and "Sanne" not in remembered  # no personal data kept there


def test_a_changed_directory_or_file_or_option_means_a_full_import(
    cli: Invoke, directory_file: Path, tmp_path: Path
) -> None:
    assert cli("import", str(EXAMPLE)).exit_code == 0
    # expertfind changed the directory since: the export is read and merged again
    assert cli("add", "--name", "Nieuwe Collega", "--skill", "kwantumfysica:4").exit_code == 0
    after_add = cli("import", str(EXAMPLE))
    assert SAME not in after_add.stderr and "31 unchanged" in after_add.stderr
    assert "nieuwe-collega" in people_in(directory_file)
    # another program changed the directory file (the generation stamp no longer matches)
    data = json.loads(directory_file.read_text("utf-8"))
    first_key = next(iter(data["people"]))
    data["people"][first_key]["team"] = "Handmatig gewijzigd"
    directory_file.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    hand_edited = cli("import", str(EXAMPLE))
    assert SAME not in hand_edited.stderr and "1 updated" in hand_edited.stderr
    # a different file with the same people, or the same file with other options
    copy = write_json(tmp_path / "copy.json", json.loads(EXAMPLE.read_text("utf-8")))
    assert SAME not in cli("import", str(copy)).stderr
    assert SAME not in cli("import", str(copy), "--format", "json").stderr
    assert SAME in cli("import", str(copy), "--format", "json").stderr


def test_a_dry_run_is_never_remembered_or_skipped(cli: Invoke, directory_file: Path) -> None:
    assert cli("import", str(EXAMPLE), "--dry-run").exit_code == 0
    assert not directory_file.with_name(directory_file.name + ".last-import").exists()
    assert cli("import", str(EXAMPLE)).exit_code == 0
    dry = cli("import", str(EXAMPLE), "--dry-run")
    assert SAME not in dry.stderr and "Nothing was written" in dry.stderr


def test_an_import_that_another_writer_overtook_is_not_remembered(
    directory_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from expertfind.directory import Directory
    from expertfind.store import TinyDBStore

    def directory() -> Directory:
        return Directory(TinyDBStore(directory_file),
                         index_file=directory_file.with_name(directory_file.name + ".index"),
                         last_import_file=directory_file.with_name(directory_file.name + ".last-import"))

    upsert = Directory.upsert
    overtakes = [True]

    def overtaken(self: Directory, *args: object, **kwargs: object) -> object:
        report = upsert(self, *args, **kwargs)  # type: ignore[arg-type]
        if overtakes:
            overtakes.clear()
            directory().add({"name": "Snelle Collega", "skills": ["yammer"]})  # right after our write
        return report

    monkeypatch.setattr(Directory, "upsert", overtaken)
    directory().import_files([EXAMPLE])
    monkeypatch.setattr(Directory, "upsert", upsert)
    again = directory().import_files([EXAMPLE])
    assert again.same_as_last == 0 and again.unchanged == 31  # read and merged in full
    assert directory().import_files([EXAMPLE]).same_as_last == 31  # now remembered


def test_a_fingerprint_taken_meanwhile_is_the_fingerprint_unless_the_file_changed(tmp_path: Path) -> None:
    """The fingerprint of a first import is taken by a thread while the import reads the file:
    a file that changes meanwhile may not be what was imported, and must not be remembered."""
    from expertfind.lastimport import fingerprint, fingerprint_meanwhile

    export = tmp_path / "people.jsonl"
    export.write_text('{"name": "Eva"}\n', "utf-8")
    options = {"format": None}
    assert fingerprint_meanwhile([export], options, None)() == fingerprint([export], options, None) is not None
    taken = fingerprint_meanwhile([export], options, None)
    export.write_text('{"name": "Eva", "skills": ["R"]}\n', "utf-8")
    os.utime(export, ns=(0, 10**18))  # a change even on a file system with coarse times
    assert taken() is None
