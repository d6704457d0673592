from __future__ import annotations

import json
import os
import stat
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from expertfind.errors import CorruptStoreError, LockTimeoutError
from expertfind.models import profile_from_record
from expertfind.store import TinyDBStore, write_lock

from .conftest import EXAMPLE


def person(name: str, **fields: object):  # type: ignore[no-untyped-def]
    return profile_from_record({"name": name, **fields})[0]


def test_reading_a_missing_file_does_not_create_it(directory_file: Path) -> None:
    store = TinyDBStore(directory_file)
    assert store.people() == []
    assert store.get("x") is None
    assert not directory_file.exists()


def test_write_upserts_and_removes_in_one_go(directory_file: Path) -> None:
    store = TinyDBStore(directory_file)
    store.write([person("Eva"), person("Bram")])
    store.write([person("Eva", title="Teamleider")], removals=["bram"])
    assert [(p.id, p.title) for p in store.people()] == [("eva", "Teamleider")]
    on_disk = json.loads(directory_file.read_text())
    assert list(on_disk) == ["meta", "people", "changed"] and len(on_disk["people"]) == 1
    assert store.changed_dates() == {"eva": date.today().isoformat()}  # bram removed with his date
    assert str(store.generation()).startswith(on_disk["meta"]["1"]["generation"] + ":")


def test_the_file_is_private_and_no_temp_files_remain(directory_file: Path) -> None:
    TinyDBStore(directory_file).write([person("Eva")])
    assert stat.S_IMODE(directory_file.stat().st_mode) == 0o600
    leftovers = [p.name for p in directory_file.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


@pytest.mark.parametrize("content", ['{"people": {"1": ', "[1, 2]", '{"people": [1]}', "\x00\x01"])
def test_a_corrupt_file_is_reported_and_never_overwritten(directory_file: Path, content: str) -> None:
    directory_file.parent.mkdir(parents=True)
    directory_file.write_text(content)
    store = TinyDBStore(directory_file)
    with pytest.raises(CorruptStoreError):
        store.people()
    with pytest.raises(CorruptStoreError):
        store.write([person("Eva")])
    assert directory_file.read_text() == content


def test_a_failed_write_leaves_the_old_file(directory_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = TinyDBStore(directory_file)
    store.write([person("Eva")])
    before = directory_file.read_bytes()

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        store.write([person("Bram")])
    assert directory_file.read_bytes() == before
    assert [p.name for p in directory_file.parent.iterdir() if p.suffix == ".tmp"] == []


def test_a_second_writer_waits_for_the_lock_and_gives_up(directory_file: Path) -> None:
    with write_lock(directory_file), pytest.raises(LockTimeoutError):
        with write_lock(directory_file, timeout=0.2):
            pass


def test_a_lock_timeout_that_is_not_a_number_is_a_clear_error(
    directory_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from expertfind.errors import StoreError

    monkeypatch.setenv("EXPERTFIND_LOCK_TIMEOUT", "soon")
    with pytest.raises(StoreError, match="EXPERTFIND_LOCK_TIMEOUT must be a number of seconds"):
        TinyDBStore(directory_file).write([person("Eva")])
    assert not directory_file.exists()


def test_the_file_is_written_a_document_at_a_time_yet_is_exactly_compact_json(tmp_path: Path) -> None:
    from expertfind.store import META_TABLE
    from expertfind.tinydb_file import AtomicJSONStorage

    people = {str(n): {"id": f"p{n}", "name": f"Zoë Yılmaz {n}", "skills": ["kennis", {"name": "r"}]}
              for n in range(1, 20000)}  # more than the 1 MiB written at a time
    data = {"people": people, "changed": {"1": {"p1": "2026-11-22"}}, META_TABLE: {"1": {"generation": "g"}}}
    path = tmp_path / "d.json"
    AtomicJSONStorage(path).write(data)
    expected = {META_TABLE: data[META_TABLE], "people": people, "changed": data["changed"]}
    assert path.read_bytes() == json.dumps(expected, ensure_ascii=False, separators=(",", ":")).encode()
    assert path.read_bytes().startswith(b'{"meta":{"1":{"generation":"g"}}')


def test_a_profile_put_in_as_it_is_is_written_as_its_document(tmp_path: Path) -> None:
    """An import puts profiles into the cache as they are (`store._apply`): each is written
    exactly as its document would be."""
    from expertfind.tinydb_file import AtomicJSONStorage

    records = json.loads(EXAMPLE.read_text("utf-8"))["people"]
    profiles = {str(n): profile_from_record(record)[0] for n, record in enumerate(records, 1)}
    as_profiles, as_documents = tmp_path / "profiles.json", tmp_path / "documents.json"
    AtomicJSONStorage(as_profiles).write({"people": dict(profiles)})
    AtomicJSONStorage(as_documents).write({"people": {k: p.to_dict() for k, p in profiles.items()}})
    assert as_profiles.read_bytes() == as_documents.read_bytes()
    assert len(profiles) > 20


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers(min_value=-(2**80), max_value=2**80)
    | st.text(st.characters(exclude_categories=("Cs",))),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(documents=st.lists(st.dictionaries(st.text(max_size=8), _JSON_VALUES, max_size=5), max_size=5))
def test_any_json_a_document_holds_is_read_back_as_the_same_values(tmp_path_factory: pytest.TempPathFactory,
                                                                   documents: list[dict[str, object]]) -> None:
    """Documents are written by orjson where it writes the same values as `json` (NaN, big
    integers and floats in every form included), by `json` where it does not."""
    from expertfind.tinydb_file import AtomicJSONStorage

    data = {"people": {str(n): document for n, document in enumerate(documents, start=1)}}
    path = tmp_path_factory.mktemp("store") / "d.json"
    AtomicJSONStorage(path).write(data)
    back = json.loads(path.read_bytes())
    assert json.dumps(back) == json.dumps(data)  # NaN == NaN here, and floats to the last digit
