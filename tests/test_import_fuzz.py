"""Hostile and broken import files: the outcome is a clean import or `Error: …`, never a
traceback, and a failed import leaves the directory byte for byte as it was.

`EXPERTFIND_FUZZ_EXAMPLES` sets the examples per format (CI runs the default; the README figures
were made with more).
"""

from __future__ import annotations

import json
import os
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expertfind.store import TinyDBStore

from .conftest import EXAMPLE, Invoke

EXAMPLES = int(os.environ.get("EXPERTFIND_FUZZ_EXAMPLES", "120"))
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)
FIELDS = ("id", "name", "email", "title", "team", "location", "languages", "skills", "interests",
          "contributions", "available", "level", "kind", "date", "tags", "url", "text")
_files = count()

scalars = (
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["", "\x00", "\u202e", "[bold red]x", "\x1b[31mred", "=cmd|' /C calc'!A0",
                       "crowdfunding:5", "crowdfunding:9", "Özlem Çelik", "2025-02-30", "a" * 5000])
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5)
    | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=6),
    max_leaves=25,
)
people = st.lists(st.dictionaries(st.sampled_from(FIELDS), values, max_size=8), max_size=6)


def _valid_person(n: int) -> dict[str, Any]:
    return {"id": f"p{n}", "name": f"Persoon {n}", "skills": [{"name": "intervisie", "level": 3}]}


@st.composite
def json_documents(draw: st.DrawFn) -> bytes:
    shape = draw(st.sampled_from(["people", "list", "any", "dup", "deep", "many-skills"]))
    if shape == "people":
        document: Any = {"people": draw(people)}
    elif shape == "list":
        document = draw(people)
    elif shape == "any":
        document = draw(values)
    elif shape == "dup":
        document = [_valid_person(1), {**_valid_person(1), "name": draw(st.text(max_size=10))}]
    elif shape == "deep":
        depth = draw(st.integers(min_value=100, max_value=100_000))
        return ("[" * depth + "]" * draw(st.integers(0, depth))).encode()
    else:
        document = [{"name": "Veel Kunde", "skills": [f"vaardigheid {i}" for i in range(10_000)]}]
    return json.dumps(document, ensure_ascii=draw(st.booleans())).encode("utf-8")


@st.composite
def jsonl_documents(draw: st.DrawFn) -> bytes:
    lines = [json.dumps(item) for item in draw(st.lists(values, max_size=6))]
    lines += draw(st.lists(st.text(max_size=20), max_size=2))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r", "\n\r"]))
    return ending.join(lines).encode("utf-8", "surrogatepass")


@st.composite
def csv_documents(draw: st.DrawFn) -> bytes:
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    header = draw(st.lists(st.sampled_from(FIELDS) | st.text(max_size=8), min_size=1, max_size=6))
    cell = st.text(max_size=20) | st.sampled_from(['"', '""', "a\nb", "\x00", "x:6", "=1+1", "é"])
    rows = draw(st.lists(st.lists(cell, max_size=8), max_size=6))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = ending.join(delimiter.join(row) for row in [header, *rows])
    if draw(st.booleans()):
        text = "sep=" + delimiter + ending + text
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    return text.encode(encoding, "replace")


def mutated(valid: bytes) -> st.SearchStrategy[bytes]:
    """A valid file with bytes flipped, cut or inserted: the classic fuzzer's input."""
    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        data = bytearray(valid)
        for _ in range(draw(st.integers(1, 8))):
            at = draw(st.integers(0, len(data)))
            action = draw(st.sampled_from(["flip", "cut", "insert"]))
            if action == "flip" and at < len(data):
                data[at] = draw(st.integers(0, 255))
            elif action == "cut":
                del data[at : at + draw(st.integers(1, 50))]
            else:
                data[at:at] = draw(st.binary(min_size=1, max_size=8))
        return bytes(data)

    return build()


@pytest.fixture
def seeded(example: Invoke, directory_file: Path) -> tuple[Invoke, Path, bytes]:
    return example, directory_file, directory_file.read_bytes()


def check_import(seeded: tuple[Invoke, Path, bytes], content: bytes, suffix: str) -> None:
    cli, directory_file, before = seeded
    source = directory_file.parent / f"fuzz-{next(_files)}{suffix}"
    source.write_bytes(content)
    result = cli("import", str(source))
    assert result.exit_code in (0, 1), (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    if result.exit_code == 1:
        assert result.output.startswith("Error: ") or "\nError: " in result.output, result.output
        assert directory_file.read_bytes() == before
    else:
        TinyDBStore(directory_file).people()  # still a valid directory
        directory_file.write_bytes(before)  # the next example starts from the same state


@FUZZ
@given(content=json_documents())
def test_fuzzed_json(seeded: tuple[Invoke, Path, bytes], content: bytes) -> None:
    check_import(seeded, content, ".json")


@FUZZ
@given(content=jsonl_documents())
def test_fuzzed_json_lines(seeded: tuple[Invoke, Path, bytes], content: bytes) -> None:
    check_import(seeded, content, ".jsonl")


@FUZZ
@given(content=csv_documents())
def test_fuzzed_csv(seeded: tuple[Invoke, Path, bytes], content: bytes) -> None:
    check_import(seeded, content, ".csv")


@FUZZ
@given(content=mutated(EXAMPLE.read_bytes()), suffix=st.sampled_from([".json", ".jsonl", ".csv", ""]))
def test_mutated_example_file(
    seeded: tuple[Invoke, Path, bytes], content: bytes, suffix: str
) -> None:
    check_import(seeded, content, suffix)
