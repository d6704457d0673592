"""The search index stored next to the directory: same answers as a fresh build, never trusted
when it does not match the directory, and no trace of removed people."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from expertfind.directory import Directory
from expertfind.models import Profile
from expertfind.search import Ranker
from expertfind.search.index import IndexSettings
from expertfind.search.stored import load_index, settings_key
from expertfind.store import TinyDBStore

from .conftest import EXAMPLE, Invoke

ROOT = Path(__file__).resolve().parent.parent
BILINGUAL = ROOT / "benchmarks" / "data" / "bilingual"


def directory_at(path: Path) -> Directory:
    return Directory(TinyDBStore(path), index_file=path.with_name(path.name + ".index"))


def answers(ranker: Ranker, questions: list[str]) -> list[list[tuple[str, float, list[tuple[str, str]]]]]:
    found = []
    for question in questions:
        answer = ranker.ask(question, limit=10, include_unavailable=True)
        found.append([(m.profile.id, m.raw, [(e.source, e.text) for e in m.evidence])
                      for m in answer.results])
    return found


def test_stored_index_answers_exactly_like_a_fresh_build(tmp_path: Path) -> None:
    db = tmp_path / "directory.json"
    directory = directory_at(db)
    directory.import_files([BILINGUAL / "profiles.json"])
    questions = [json.loads(line)["query"] for line in
                 (BILINGUAL / "queries.jsonl").read_text("utf-8").splitlines()]
    stored_index = directory.search_index()
    generation = TinyDBStore(db).generation()
    assert generation is not None
    assert load_index(db.with_name("directory.json.index"), generation=generation,
                      settings=settings_key(IndexSettings())) is not None
    fresh = Ranker(TinyDBStore(db).people())
    stored = Ranker.from_index(stored_index)
    assert answers(stored, questions) == answers(fresh, questions)


def test_a_stale_or_damaged_index_is_never_trusted(tmp_path: Path) -> None:
    db = tmp_path / "directory.json"
    index_file = db.with_name("directory.json.index")
    directory = directory_at(db)
    directory.import_files([EXAMPLE])
    assert index_file.exists()
    stale = index_file.read_bytes()
    # another program (or an older expertfind) writes the directory without the index
    Directory(TinyDBStore(db)).add({"name": "Nieuwe Collega", "skills": [{"name": "kwantumfysica", "level": 5}]})
    index_file.write_bytes(stale)
    answer = directory.ask("kwantumfysica")
    assert [m.profile.name for m in answer.results] == ["Nieuwe Collega"]
    index_file.write_bytes(b"EXPERTFIND-INDEX\x01garbage")
    assert [m.profile.name for m in directory.ask("kwantumfysica").results] == ["Nieuwe Collega"]


def test_the_index_is_replaced_on_every_write_and_forgets_removed_people(
    example: Invoke, directory_file: Path
) -> None:
    index_file = directory_file.with_name("directory.json.index")
    assert index_file.exists()
    assert b"Sanne de Vries" in index_file.read_bytes()
    assert example("remove", "sanne-de-vries").exit_code == 0
    assert b"Sanne de Vries" not in index_file.read_bytes()
    assert b"sanne.vries@minbzk.example" not in index_file.read_bytes()
    assert oct(index_file.stat().st_mode & 0o777) == "0o600"


def test_a_damaged_directory_is_reported_even_with_a_stored_index(
    example: Invoke, directory_file: Path
) -> None:
    directory_file.write_bytes(directory_file.read_bytes()[:-10])
    result = example("ask", "crowdfunding")
    assert result.exit_code == 1 and "doctor --restore" in result.output


@pytest.mark.parametrize("half_life", ["3", "1"])
def test_other_index_settings_build_their_own_index(example: Invoke, half_life: str) -> None:
    result = example("ask", "crowdfunding", "--half-life", half_life, "--json", "--no-log")
    assert json.loads(result.stdout)["results"][0]["id"] == "sanne-de-vries"


def test_an_import_that_changes_nothing_keeps_the_stored_index(example: Invoke, directory_file: Path) -> None:
    index_file = directory_file.with_name("directory.json.index")
    before = index_file.read_bytes()
    assert example("import", str(EXAMPLE)).exit_code == 0
    assert index_file.read_bytes() == before


def test_a_truncated_index_is_never_trusted(tmp_path: Path) -> None:
    db = tmp_path / "directory.json"
    directory_at(db).import_files([EXAMPLE])
    index_file = db.with_name("directory.json.index")
    whole = index_file.read_bytes()
    index_file.write_bytes(whole[: len(whole) // 2])
    generation = TinyDBStore(db).generation()
    assert generation is not None
    assert load_index(index_file, generation=generation, settings=settings_key(IndexSettings())) is None
    assert directory_at(db).ask("crowdfunding").results  # rebuilt, and answers


def test_the_stored_vocabulary_finds_what_the_built_one_finds(tmp_path: Path) -> None:
    db = tmp_path / "directory.json"
    directory = directory_at(db)
    directory.import_files([BILINGUAL / "profiles.json"])
    stored = directory.search_index().vocabulary
    built = Ranker(TinyDBStore(db).people()).index.vocabulary
    for part in ("kennis", "management", "data", "learn", "ing", "zz", "", "é"):
        assert stored.starting_with(part) == built.starting_with(part)
        assert sorted(stored.ending_with(part)) == sorted(built.ending_with(part))
    assert any(stored.starting_with("kennis")) and any(stored.ending_with("management"))
    for length in range(0, 30):
        assert list(stored.alphabetic_of_length(length)) == list(built.alphabetic_of_length(length))
        assert stored.count_of_length(length) == built.count_of_length(length)
        for letter in "akmzé":
            assert list(stored.alphabetic_starting(length, letter)) == list(
                built.alphabetic_starting(length, letter))
            assert all(w.startswith(letter) for w in built.alphabetic_starting(length, letter))
    assert sum(len(built.alphabetic_starting(9, letter)) for letter in "abcdefghijklmnopqrstuvwxyz") > 0


def bilingual_people() -> list[Profile]:
    from expertfind.formats import read_records
    from expertfind.models import profile_from_record

    records, _ = read_records(BILINGUAL / "profiles.json")
    return [profile_from_record(record.data)[0] for record in records]


@pytest.mark.parametrize("numbering_process_from", [0, 10**9], ids=["two processes", "one process"])
@pytest.mark.parametrize("block_occurrences", [1, 97, 2_000, 10**9])
def test_an_index_built_in_blocks_is_byte_for_byte_the_index_built_whole(
    tmp_path: Path, block_occurrences: int, numbering_process_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big directory is indexed in blocks spilled to disk and merged, its words read by two
    processes; the file must be the one a build in memory writes (blocks of 1 posting, of a few
    people, of many, and one; batches of 13 people, so there are many of them)."""
    from expertfind.search import building
    from expertfind.search.index import build_index
    from expertfind.search.stored import save_index, write_index

    people = bilingual_people()
    whole, blocks = tmp_path / "whole.index", tmp_path / "blocks.index"
    save_index(whole, build_index(people), generation="g", settings="s")
    monkeypatch.setattr(building, "BATCH", 13)
    write_index(blocks, people, IndexSettings(), generation="g", settings="s",
                block_occurrences=block_occurrences, numbering_process_from=numbering_process_from)
    assert blocks.read_bytes() == whole.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocks.index", "whole.index"]  # no blocks left


def test_a_build_whose_second_process_fails_reads_the_words_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from expertfind.search import numbering
    from expertfind.search.index import build_index
    from expertfind.search.stored import save_index, write_index

    def gone(self: numbering.NumberingProcess) -> numbering.Numbered:
        self._process.kill()
        self._process.wait()
        return original(self)

    original = numbering.NumberingProcess.receive
    monkeypatch.setattr(numbering.NumberingProcess, "receive", gone)
    people = bilingual_people()
    whole, shared = tmp_path / "whole.index", tmp_path / "shared.index"
    save_index(whole, build_index(people), generation="g", settings="s")
    write_index(shared, people, IndexSettings(), generation="g", settings="s", numbering_process_from=0)
    assert shared.read_bytes() == whole.read_bytes()


def test_a_build_whose_lookups_process_fails_makes_the_lookups_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from expertfind.search import lookups
    from expertfind.search.index import build_index
    from expertfind.search.stored import save_index, write_index

    def gone(self: lookups.LookupsElsewhere, add: lookups.Add) -> bool:
        killed.append(self._process.pid)
        self._process.kill()
        self._process.wait()
        complete = original(self, add)
        assert not complete
        return complete

    original = lookups.LookupsElsewhere.add_to
    killed: list[int] = []
    monkeypatch.setattr(lookups.LookupsElsewhere, "add_to", gone)
    people = bilingual_people()
    whole, shared = tmp_path / "whole.index", tmp_path / "shared.index"
    save_index(whole, build_index(people), generation="g", settings="s")
    write_index(shared, people, IndexSettings(), generation="g", settings="s", numbering_process_from=0)
    assert shared.read_bytes() == whole.read_bytes() and len(killed) == 1


def test_lookups_cut_short_by_a_failing_process_are_made_again_and_the_index_answers_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from expertfind.search import lookups
    from expertfind.search.index import build_index
    from expertfind.search.stored import load_index, save_index, write_index

    def cut_short(self: lookups.LookupsElsewhere, add: lookups.Add) -> bool:
        self.close()
        add("terms_by_ending", [b"\x01\x00\x00\x00"])  # a whole section, then one cut short
        with contextlib.suppress(ZeroDivisionError):
            add("stem_keys", (b"en:x" if n == 0 else bytes(1 // 0) for n in range(2)))
        return False

    monkeypatch.setattr(lookups.LookupsElsewhere, "add_to", cut_short)
    people = bilingual_people()
    whole, shared = tmp_path / "whole.index", tmp_path / "shared.index"
    save_index(whole, build_index(people), generation="g", settings="s")
    write_index(shared, people, IndexSettings(), generation="g", settings="s", numbering_process_from=0)
    from_whole = load_index(whole, generation="g", settings="s")
    from_shared = load_index(shared, generation="g", settings="s")
    assert from_whole is not None and from_shared is not None
    for term in ("kennis", "leren", "management", "grondwater"):
        assert from_shared.by_stem.get("en:" + term) == from_whole.by_stem.get("en:" + term)
        assert from_shared.vocabulary.ending_with(term) == from_whole.vocabulary.ending_with(term)
    questions = ["wie weet iets van kennismanagement en verandermanagement", "leren", "grondwater"]
    assert answers(Ranker.from_index(from_shared), questions) == answers(Ranker.from_index(from_whole), questions)


@pytest.mark.skipif(os.name != "posix", reason="abandoned blocks are recognised by POSIX process ids")
def test_blocks_left_by_a_killed_build_are_removed_and_a_running_builds_kept(tmp_path: Path) -> None:
    from expertfind.search.blocks import BLOCKS_PREFIX
    from expertfind.search.stored import write_index

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # its process id now names no running process
    abandoned = tmp_path / f"{BLOCKS_PREFIX}{gone.pid}-x1"
    running = tmp_path / f"{BLOCKS_PREFIX}{os.getpid()}-x2"
    for folder in (abandoned, running):
        folder.mkdir()
        (folder / "0").write_bytes(b"postings with words from profiles")
    write_index(tmp_path / "d.json.index", [], IndexSettings(), generation="g", settings="s")
    assert not abandoned.exists() and (running / "0").exists()


def test_each_person_s_evidence_items_are_found_in_built_and_stored_indexes(tmp_path: Path) -> None:
    db = tmp_path / "directory.json"
    directory = directory_at(db)
    directory.import_files([BILINGUAL / "profiles.json"])
    for index in (directory.search_index(), Ranker(TinyDBStore(db).people()).index):
        people = len(index.people)
        assert people > 300
        found = [list(index.person_items(person)) for person in range(people)]
        assert [item for items in found for item in items] == list(range(len(index.items)))
        for person, items in enumerate(found):
            profile = index.people[person]
            assert all(index.item_person[item] == person for item in items)
            assert len(items) <= len(profile.skills) + len(profile.contributions) + 1  # + the role


def test_the_stored_index_keeps_the_synonyms_table_while_its_texts_are_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from expertfind.search.synonyms import SynonymTable, load_synonyms

    db = tmp_path / "directory.json"
    user_file = tmp_path / "synonyms.txt"
    user_file.write_text("peerreview | collegiale toetsing\n", "utf-8")
    directory = Directory(TinyDBStore(db), index_file=db.with_name("directory.json.index"),
                          synonyms_file=user_file)
    directory.import_files([EXAMPLE])
    stored = directory.search_index().stored_synonyms
    parsed = load_synonyms(user_file)
    assert stored == parsed.record()
    kept = load_synonyms(user_file, stored=stored)
    assert (kept.groups, kept._by_key, kept.longest) == (parsed.groups, parsed._by_key, parsed.longest)
    assert kept.equivalents(["peerreview"]) == ["collegiale toetsing"]

    def no_parsing(self: SynonymTable, groups: object) -> None:
        raise AssertionError("parsed the table again")

    with monkeypatch.context() as patch:
        patch.setattr(SynonymTable, "add_groups", no_parsing)
        assert directory.ask("crowdfunding").results  # the stored table, not parsed
        user_file.write_text("peerreview | intervisie\n", "utf-8")
        with pytest.raises(AssertionError, match="parsed the table again"):
            directory.ask("crowdfunding")
    assert load_synonyms(user_file, stored=stored).equivalents(["peerreview"]) == ["intervisie"]


@pytest.mark.parametrize("block_occurrences", [97, 10**9], ids=["many blocks", "one block"])
def test_an_index_begun_ahead_is_byte_for_byte_the_index_built_whole(
    tmp_path: Path, block_occurrences: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the directory is written, batches of the next blocks too are read ahead."""
    from expertfind.search import building
    from expertfind.search.ahead import IndexAhead
    from expertfind.search.index import build_index
    from expertfind.search.stored import save_index, write_index

    people = bilingual_people()
    whole, begun = tmp_path / "whole.index", tmp_path / "begun.index"
    save_index(whole, build_index(people), generation="g", settings="s")
    monkeypatch.setattr(building, "BATCH", 13)
    ahead = IndexAhead(people, IndexSettings(), block_occurrences=block_occurrences, batches=9)
    try:
        ahead._thread.join(timeout=60)  # as when the directory takes longer to write than this
        assert not ahead._thread.is_alive()
        assert ahead.builder._ahead == 9, "every batch it could send was sent"
        write_index(begun, people, IndexSettings(), generation="g", settings="s", ahead=ahead)
    finally:
        ahead.close()
    assert begun.read_bytes() == whole.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["begun.index", "whole.index"]  # no blocks left


def test_an_index_begun_ahead_for_other_people_is_dropped_and_built_anew(tmp_path: Path) -> None:
    from expertfind.search.ahead import IndexAhead
    from expertfind.search.index import build_index
    from expertfind.search.stored import save_index, write_index

    people = bilingual_people()
    others = [*people[1:], people[0]]  # the same people in another order: another index
    whole, begun = tmp_path / "whole.index", tmp_path / "begun.index"
    save_index(whole, build_index(people), generation="g", settings="s")
    ahead = IndexAhead(others, IndexSettings())
    try:
        write_index(begun, people, IndexSettings(), generation="g", settings="s", ahead=ahead)
        assert ahead._numbering._there._process.poll() is not None, "its second process has ended"
    finally:
        ahead.close()
    assert begun.read_bytes() == whole.read_bytes()


def test_a_big_write_begins_its_index_ahead_and_stores_the_index_a_fresh_build_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from expertfind import directory as directory_module
    from expertfind.search import ahead as ahead_module

    begun: list[object] = []
    original = ahead_module.IndexAhead.__init__

    def noted(self: ahead_module.IndexAhead, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        begun.append(self)

    monkeypatch.setattr(ahead_module.IndexAhead, "__init__", noted)
    monkeypatch.setattr(directory_module, "NUMBERING_PROCESS_FROM", 10)
    db = tmp_path / "directory.json"
    directory = directory_at(db)
    directory.import_files([BILINGUAL / "profiles.json"])
    assert len(begun) == 1
    index_file = db.with_name(db.name + ".index")
    stored = index_file.read_bytes()
    index_file.unlink()
    directory_at(db).search_index()  # built afresh for the same directory, and stored
    assert index_file.read_bytes() == stored
