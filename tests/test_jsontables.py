"""The directory file read a document at a time gives exactly what json.loads gives, or fails
exactly when it fails, whatever the chunk boundaries cut through."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expertfind import jsontables

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
tables = st.dictionaries(
    st.text(max_size=8),
    st.dictionaries(st.text(max_size=5), documents, max_size=5),
    max_size=4,
)
layouts = st.sampled_from([
    {}, {"separators": (",", ":")}, {"indent": 2}, {"indent": "\t", "ensure_ascii": False},
    {"separators": (" , ", " : ")},
])
CHECK = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def outcome(read: Any) -> tuple[str, Any]:
    try:
        return "value", read()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return "error", type(exc).__name__


def both_ways(path: Path, chunk: int, *, whole_allowed: bool = True) -> tuple[tuple[str, Any], tuple[str, Any]]:
    """What the chunked reader gives (`whole_allowed=False`: without falling back to reading the
    whole file), and what json.loads gives."""
    fallback = {} if whole_allowed else {"side_effect": AssertionError("read whole")}
    with mock.patch.object(jsontables, "CHUNK", chunk), \
            mock.patch.object(jsontables.json, "loads", wraps=json.loads, **fallback):
        chunked = outcome(lambda: jsontables.load_tables(path))
    return chunked, outcome(lambda: json.loads(path.read_bytes()))


@CHECK
@given(data=tables, layout=layouts, chunk=st.integers(1, 64), padding=st.sampled_from(["", " ", "\n", "\r\n\t"]))
def test_a_table_file_reads_as_json_loads_reads_it(
    tmp_path: Path, data: dict[str, Any], layout: dict[str, Any], chunk: int, padding: str
) -> None:
    path = tmp_path / "d.json"
    path.write_text(padding + json.dumps(data, **layout) + padding, encoding="utf-8")
    chunked, whole = both_ways(path, chunk, whole_allowed=False)
    assert chunked == whole == ("value", data)


@CHECK
@given(data=tables, chunk=st.integers(1, 64), at=st.integers(0, 400),
       damage=st.sampled_from(["", "x", "}", "{", ",", '"', "1", "\\", "\x00", "\u00e9", "]"]),
       cut=st.integers(0, 3))
def test_a_damaged_table_file_fails_or_reads_exactly_as_json_loads(
    tmp_path: Path, data: dict[str, Any], chunk: int, at: int, damage: str, cut: int
) -> None:
    text = json.dumps(data, ensure_ascii=False)
    text = text[:at] + damage + text[at + cut:]
    path = tmp_path / "d.json"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    chunked, whole = both_ways(path, chunk)
    assert chunked == whole


@pytest.mark.parametrize("content", [
    b"[]", b'{"a": 1}', b'{"a": {"1": 1}} extra', b"\xef\xbb\xbf{}", '{"a": {}}'.encode("utf-16"),
    b'{"a": {"1": 12', b'{"a": {"1": 1}', b'{"a": {"1": \xff}}', b"{}", b'{"a": {"1": 1.5e3}}',
])
def test_other_shapes_and_encodings_read_as_json_loads_reads_them(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "d.json"
    path.write_bytes(content)
    for chunk in (1, 2, 3, 1 << 20):
        chunked, whole = both_ways(path, chunk)
        assert chunked == whole


def test_a_value_that_does_not_end_is_left_to_json_loads(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"people": {"1": {"name": "x" * 200}}}), encoding="utf-8")
    with mock.patch.object(jsontables, "LONGEST_DOCUMENT", 50):
        chunked, whole = both_ways(path, 16)
    assert chunked == whole == ("value", {"people": {"1": {"name": "x" * 200}}})
