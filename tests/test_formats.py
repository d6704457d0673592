from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from expertfind.errors import InputError, UsageError
from expertfind.formats import (
    Format,
    Record,
    decode,
    dump_csv,
    parse_mapping,
    read_bytes,
    read_records,
    records_from_text,
    safe_cell,
    split_cell,
    stream_json_lines,
)
from expertfind.models import profile_from_record

from .conftest import write


def test_csv_with_semicolons_bom_levels_and_multi_value_cells(tmp_path: Path) -> None:
    path = write(tmp_path / "hr.csv", "\ufeffName;E-mail;Skills;Interests\r\n"
                 "Sanne de Vries;sanne@example.org;crowdfunding:5, storytelling|social media;pkm\r\n")
    records, chosen = read_records(path, mapping=parse_mapping(["E-mail=email"]))
    assert chosen is Format.CSV
    assert records[0].position == "hr.csv line 2"
    assert records[0].data == {
        "name": "Sanne de Vries", "email": "sanne@example.org",
        "skills": ["crowdfunding:5", "storytelling", "social media"], "interests": ["pkm"],
    }
    profile, _ = profile_from_record(records[0].data)
    assert profile.skills[0].level == 5


def test_comma_csv_does_not_split_cells_on_commas(tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", 'name,skills\n"Bram","begroting; subsidie, regelingen"\n')
    records, _ = read_records(path)
    assert records[0].data["skills"] == ["begroting", "subsidie, regelingen"]


def test_tab_separated_and_excel_sep_line(tmp_path: Path) -> None:
    tabbed = write(tmp_path / "p.txt", "name\ttitle\nEva\tTeamleider\n")
    assert read_records(tabbed)[0][0].data == {"name": "Eva", "title": "Teamleider"}
    sep = write(tmp_path / "s.csv", "sep=;\nname;team\nEva;Toezicht\n")
    records, _ = read_records(sep)
    assert records[0].data == {"name": "Eva", "team": "Toezicht"}
    assert records[0].position == "s.csv line 3"


def test_unknown_csv_columns_are_kept(tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", "name,Personeelsnummer\nEva,123\n")
    assert read_records(path)[0][0].data == {"name": "Eva", "Personeelsnummer": "123"}


def test_csv_without_a_name_column_says_how_to_map_one(tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", "Naam,Team\nEva,Toezicht\n")
    with pytest.raises(InputError, match="no name column") as caught:
        read_records(path)
    assert caught.value.hint is not None and "--map" in caught.value.hint


def test_cp1252_is_refused_with_an_encoding_hint_and_read_when_asked(tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", "name;team\nZoë;Klimaat\n".encode("cp1252"))
    with pytest.raises(InputError, match="not UTF-8") as caught:
        read_records(path)
    assert caught.value.hint is not None and "--encoding cp1252" in caught.value.hint
    records, _ = read_records(path, encoding="cp1252")
    assert records[0].data["name"] == "Zoë"


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", "name\tteam\nNgũgĩ\tIT\n".encode("utf-16"))
    assert read_records(path)[0][0].data["name"] == "Ngũgĩ"


def test_malformed_json_reports_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "p.json", '[\n  {"name": "Eva",}\n]')
    with pytest.raises(InputError, match=r"line 2, column 18"):
        read_records(path)


def test_json_lines_positions_and_errors(tmp_path: Path) -> None:
    path = write(tmp_path / "p.jsonl", '{"name": "A"}\n\n{"name": "B"}\n')
    records, chosen = read_records(path)
    assert chosen is Format.JSONL
    assert [r.position for r in records] == ["p.jsonl line 1", "p.jsonl line 3"]
    broken = write(tmp_path / "b.jsonl", '{"name": "A"}\n{"name": \n')
    with pytest.raises(InputError, match="line 2"):
        read_records(broken)


line_texts = st.one_of(
    st.builds(json.dumps, st.recursive(
        st.none() | st.integers() | st.text(max_size=8),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
        max_leaves=6), ensure_ascii=st.booleans()),
    st.text(max_size=10),
    st.sampled_from(["", " ", "\u2028", '{"name": "\u2028"}', '{"name": "Zo\u00eb"}', "{", "\x85"]),
)


@settings(max_examples=150, deadline=None)
@given(lines=st.lists(line_texts, max_size=6), ending=st.sampled_from(["\n", "\r\n", "\r", "\n\r"]),
       bom=st.booleans(), damage=st.sampled_from([b"", b"\xff", b"\xc3"]), at=st.integers(0, 200))
def test_json_lines_read_a_line_at_a_time_as_if_read_whole(
    tmp_path_factory: pytest.TempPathFactory, lines: list[str], ending: str, bom: bool, damage: bytes,
    at: int,
) -> None:
    """The streamed reader gives exactly the records and positions of reading the whole file,
    and fails exactly when that fails (the message may name another of several problems)."""
    content = (b"\xef\xbb\xbf" if bom else b"") + ending.join(lines).encode("utf-8")
    content = content[:at] + damage + content[at:]
    path = tmp_path_factory.mktemp("lines") / "p.jsonl"
    path.write_bytes(content)

    def outcome(read: Callable[[], list[Record]]) -> list[tuple[str, object]] | None:
        try:
            return [(r.position, r.data) for r in read()]
        except InputError:
            return None

    whole = outcome(lambda: records_from_text(decode(read_bytes(path), path=path), path, Format.JSONL))
    assert outcome(lambda: list(stream_json_lines(path))) == whole


line_breaking_text = st.lists(
    st.sampled_from(list("ab ;,\"") + ["\r", "\n", "\r\n", "\v", "\f", "\x1c", "\x85", "\u2028"]),
    max_size=30,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=line_breaking_text)
def test_lines_are_split_a_line_at_a_time_exactly_as_python_splits_them(text: str) -> None:
    from expertfind.formats import _universal_lines, split_lines

    assert list(split_lines(text)) == text.splitlines()
    assert list(split_lines(text, keepends=True)) == text.splitlines(keepends=True)
    assert list(_universal_lines(text)) == list(io.StringIO(text, newline=""))


def test_json_lines_are_read_as_they_are_taken(tmp_path: Path) -> None:
    path = write(tmp_path / "p.jsonl", '{"name": "A"}\n{"name": "B"}\nnot json\n' + "x" * 100_000)
    stream = stream_json_lines(path)
    assert next(stream).data == {"name": "A"}  # the broken line 3 is not read yet
    assert next(stream).position == "p.jsonl line 2"
    with pytest.raises(InputError, match="line 3 is not valid JSON"):
        next(stream)


def test_a_file_that_is_not_utf8_names_the_true_line_and_byte(tmp_path: Path) -> None:
    for bom in (b"", b"\xef\xbb\xbf"):
        path = write(tmp_path / f"p{len(bom)}.jsonl", bom + b'{"name": "A"}\n{"name": "\xff"}\n')
        byte = len(bom) + 24
        assert path.read_bytes()[byte:byte + 1] == b"\xff"
        with pytest.raises(InputError, match=f"line 2, byte {byte}\\)"):
            list(stream_json_lines(path))
        with pytest.raises(InputError, match=f"line 2, byte {byte}\\)"):
            decode(read_bytes(path), path=path)


def test_format_sniffed_from_content_without_extension(tmp_path: Path) -> None:
    assert read_records(write(tmp_path / "a", '{"people": [{"name": "A"}]}'))[1] is Format.JSON
    assert read_records(write(tmp_path / "b", '{"name": "A"}\n{"name": "B"}\n'))[1] is Format.JSONL
    assert read_records(write(tmp_path / "c", "name\nA\n"))[1] is Format.CSV


def test_json_that_is_not_a_list_of_people(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="expected a list of people"):
        read_records(write(tmp_path / "p.json", '{"persons": []}'))


def test_bad_map_option_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        parse_mapping(["Naam"])


@pytest.mark.parametrize("cell", ["=1+1", "+31", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_neutralised(cell: str) -> None:
    assert safe_cell(cell).startswith("'")


def test_csv_export_joins_lists_and_neutralises_formulas() -> None:
    profile, _ = profile_from_record({
        "name": "=HYPERLINK(\"http://evil\")", "skills": [{"name": "R", "level": 5}, "sql"],
        "languages": ["nl", "en"], "contributions": [{"title": "t"}],
    })
    rows = list(csv.DictReader(io.StringIO(dump_csv([profile]))))
    assert rows[0]["name"].startswith("'=")
    assert rows[0]["skills"] == "R:5|sql"
    assert rows[0]["languages"] == "nl|en"
    assert rows[0]["contributions"] == '[{"title": "t"}]'


def test_split_cell_on_newlines_and_pipes() -> None:
    assert split_cell("a\nb | c;d", ",") == ["a", "b", "c", "d"]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_records(tmp_path / "nope.csv")


def test_a_broken_utf16_file_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(b"\xfe\xff{\n}")  # a UTF-16 byte order mark, then an odd number of bytes
    with pytest.raises(InputError, match="not valid UTF-16"):
        read_records(path)


def test_csv_rows_are_read_as_they_are_taken(tmp_path: Path) -> None:
    from expertfind.sources import read_source

    path = write(tmp_path / "p.csv", "name,skills\nAnna,R\nBo,Java\nCas,AVG,extra\n" + "Dirk,R\n" * 1000)
    records = read_source(path).take()
    assert next(records).data == {"name": "Anna", "skills": ["R"]}  # the broken line 4 is not read yet
    assert next(records).position == "p.csv line 3"
    with pytest.raises(InputError, match="line 4 has 3 cells but the header has 2"):
        next(records)


def test_a_csv_without_a_name_column_is_refused_before_any_row_is_read(tmp_path: Path) -> None:
    from expertfind.sources import read_source

    with pytest.raises(InputError, match="no name column"):
        read_source(write(tmp_path / "p.csv", "naam,skills\nAnna,R\n"))


csv_cells = st.sampled_from(["Anna", "Bo de Vries", "R|Java", '"a, b"', '"twee\nregels"', "", " ", "é", "日本",
                             '"on""quote"', "true", "ja"])
csv_line_endings = st.sampled_from(["\n", "\r\n", "\r", "\v", "\x1c"])


@settings(max_examples=200, deadline=None)
@given(header=st.sampled_from(["name,skills,available", "name;skills", "sep=;\nname;skills", "skills,team",
                               "Notes:\nexport van HR\n\nname,skills"]),
       rows=st.lists(st.lists(csv_cells, min_size=1, max_size=4), max_size=6), ending=csv_line_endings,
       bom=st.booleans(), damage=st.sampled_from([b"", b"\xff"]), at=st.integers(0, 300),
       head=st.integers(1, 64))
def test_a_csv_file_read_from_its_head_on_gives_what_reading_it_whole_gives(
    tmp_path_factory: pytest.TempPathFactory, header: str, rows: list[list[str]], ending: str, bom: bool,
    damage: bytes, at: int, head: int,
) -> None:
    """The same records and positions, and a failure exactly when reading it whole fails (the
    message may name another of several problems: the header's before a bad byte after the head)."""
    from expertfind import formats
    from expertfind.sources import read_source

    delimiter = ";" if ";" in header else ","
    text = ending.join([header.replace("\n", ending), *(delimiter.join(row) for row in rows)]) + ending
    content = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    path = tmp_path_factory.mktemp("csv") / "people.csv"
    path.write_bytes(content[:at] + damage + content[at:])

    def outcome() -> object:
        try:
            return [(r.position, r.data) for r in read_source(path).take()]
        except InputError:
            return None

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(formats, "HEAD_BYTES", 1 << 30)
        whole = outcome()
        patch.setattr(formats, "HEAD_BYTES", head)
        assert outcome() == whole


def test_a_big_csv_file_is_read_from_its_head_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from expertfind import formats

    monkeypatch.setattr(formats, "HEAD_BYTES", 64)
    path = write(tmp_path / "p.csv", "name,skills\r\n" + "".join(f"Collega {n},R\r\n" for n in range(100)))
    head = formats.read_csv_head(path)
    assert head is not None and head.end < head.size
    assert len(head.text) < 100  # the head only; the rest is read as it is taken
    assert next(formats.csv_lines(path, head.end, head.lines)).startswith("Collega ")


def test_a_byte_that_is_not_utf8_after_the_head_is_reported_as_reading_whole_reports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from expertfind import formats
    from expertfind.sources import read_source

    path = tmp_path / "p.csv"
    path.write_bytes(b"\xef\xbb\xbfname,skills\r\n" + b"Anna,R\r\n" * 50 + b"Bo,\xff\r\nCas,R\r\n")
    with pytest.raises(InputError) as whole:
        decode(read_bytes(path), path=path)
    monkeypatch.setattr(formats, "HEAD_BYTES", 40)
    with pytest.raises(InputError) as streamed:
        list(read_source(path).take())
    assert str(streamed.value) == str(whole.value)
    assert path.read_bytes().index(b"\xff") == 419
    assert "line 52, byte 419" in str(whole.value)
