"""Reading and writing profile exchange files: JSON, JSON Lines and CSV.

`read_records` is the one entry point for import: it sniffs the format when none is given and
returns every record with its position in the file, so errors can point at the line that broke.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import chain, islice
from pathlib import Path
from typing import Any, NamedTuple

from .errors import InputError, UsageError
from .models import KNOWN_FIELDS, Profile

MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024
"""Room for 100,000 people with long contribution texts (about 0.8 GiB); beyond it, split the file."""
JSONL_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
HEAD_BYTES = 4 << 20
"""How much of a big UTF-8 CSV file is read to find its header and delimiter (`read_csv_head`)."""
MULTI_VALUE_FIELDS = ("skills", "interests", "languages")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = (
    "id", "name", "email", "title", "team", "location",
    "languages", "skills", "interests", "available", "contributions",
)
_TRUE = {"true", "yes", "y", "1", "ja", "j", "waar", "active", "actief", "enabled"}
_FALSE = {"false", "no", "n", "0", "nee", "onwaar", "inactive", "inactief", "disabled", "terminated",
          "suspended", "archived"}


class Format(StrEnum):
    """A profile file format."""

    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"


@dataclass(frozen=True)
class Record:
    """One person as read from a file, with where it stands there (`people.csv line 4`)."""

    position: str
    data: Mapping[str, Any]


def read_records(
    path: Path,
    *,
    format: Format | None = None,
    mapping: Mapping[str, str] | None = None,
    encoding: str | None = None,
    require_name: bool = True,
) -> tuple[list[Record], Format]:
    """Every person record in `path`, and the format it was read as (`require_name=False` for
    files of other records, such as contribution feeds)."""
    text = decode(read_bytes(path), path=path, encoding=encoding)
    chosen = format or sniff_format(path, text)
    return records_from_text(text, path, chosen, mapping=mapping, require_name=require_name), chosen


def records_from_text(
    text: str,
    path: Path,
    chosen: Format,
    *,
    mapping: Mapping[str, str] | None = None,
    require_name: bool = True,
) -> list[Record]:
    """The records of a file already read and decoded; `path` names it in positions and errors."""
    if chosen is Format.JSON:
        return _json_records(text, path)
    if chosen is Format.JSONL:
        return _jsonl_records(text, path)
    return _csv_records(text, path, mapping or {}, require_name=require_name)


def read_bytes(path: Path) -> bytes:
    with _readable(path):
        return path.read_bytes()


@contextlib.contextmanager
def _readable(path: Path) -> Iterator[None]:
    """Refuses a file too big to import, and turns the ways a file cannot be read into errors
    that name it."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(f"{path} is larger than {MAX_FILE_BYTES // 2**20:,} MiB",
                             hint="split it into several files and import them one after another")
        yield
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a file") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None


def streams_as_json_lines(path: Path, format: Format | None, encoding: str | None) -> bool:
    """Whether `path` can be read a line at a time: JSON Lines (by `format` or extension) in
    UTF-8, the default. Other encodings are read whole, as is a file starting like UTF-16."""
    if encoding is not None:
        return False
    if format is not Format.JSONL and (format is not None or path.suffix.lower() not in JSONL_SUFFIXES):
        return False
    with _readable(path), path.open("rb") as handle:
        return not handle.read(2).startswith((b"\xff\xfe", b"\xfe\xff"))


def count_lines(path: Path) -> int:
    """How many lines `path` has (what a progress bar over a streamed file counts towards)."""
    with _readable(path), path.open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
        return lines + 1


def stream_json_lines(path: Path) -> Iterator[Record]:
    """The records of a UTF-8 JSON Lines file, read a line at a time so that a big export is
    never held whole: the same records and positions as reading it whole, and the first
    problem (a line that is not UTF-8 or not JSON) reported with its line."""
    return iter(JsonLines(path))


class JsonLines:
    """The records of a UTF-8 JSON Lines file as `stream_json_lines` reads them, or of a part
    of it: the lines from byte `start` (where a line starts) up to byte `end` (the same),
    numbered on from `after`, the lines before `start` (physical, as ended by a newline, and
    logical, as `str.splitlines` counts them). `lines` tells the lines read so far, the record
    just given's included."""

    def __init__(self, path: Path, *, start: int = 0, end: int | None = None,
                 after: tuple[int, int] = (0, 0)) -> None:
        self.path = path
        self.start = start
        self.end = end
        self.lines = after

    def __iter__(self) -> Iterator[Record]:
        path = self.path
        before, number = self.lines
        for physical, text in _utf8_lines(path, start=self.start, end=self.end, before=before):
            for line in text.splitlines():  # as reading it whole would: \r, U+2028 and all
                number += 1
                if line.strip():
                    self.lines = physical, number
                    yield Record(line_position(path, number), _json_line(line, path, number))
            self.lines = physical, number


LINES_BUFFER = 1 << 20
"""Bytes read at a time when a file is read a line at a time: lines of several KB (a profile)
through Python's default 8 KiB took several reads each (50,000 lines of the scale benchmark:
0.25-0.38 s, with this 0.05-0.07 s)."""


def _utf8_lines(path: Path, *, start: int = 0, end: int | None = None, before: int = 0
                ) -> Iterator[tuple[int, str]]:
    """The lines of a UTF-8 file (each ended by a newline) from byte `start` (where a line
    starts) up to byte `end`, decoded, each with its number, counted on from `before`; a BOM at
    the file's start is left out, and a byte that is not UTF-8 is reported with its line and
    byte, as `decode` reports it."""
    offset = start
    with _readable(path), path.open("rb", buffering=LINES_BUFFER) as handle:
        if offset:
            handle.seek(offset)
        for number, raw in enumerate(handle, start=before + 1):
            if end is not None and offset >= end:
                break
            at = offset
            offset += len(raw)
            if at == 0 and raw.startswith(codecs.BOM_UTF8):
                raw, at = raw[len(codecs.BOM_UTF8):], at + len(codecs.BOM_UTF8)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _not_utf8(path, number, at + exc.start) from None
            yield number, text


def line_position(path: Path, number: int) -> str:
    """Where a record of a file read by lines stands: `people.jsonl line 4`."""
    return f"{path.name} line {number}"


def decode(raw: bytes, *, path: Path, encoding: str | None = None) -> str:
    """Text of a file: UTF-8 with or without BOM, UTF-16 with BOM, or the encoding asked for."""
    if encoding:
        try:
            return raw.decode(encoding)
        except LookupError:
            raise UsageError(f"unknown encoding {encoding!r}") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"{path} is not valid {encoding} (byte {exc.start})") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"{path} starts like UTF-16 but is not valid UTF-16 (byte {exc.start})",
                             hint="save it again as 'Unicode text' or as CSV UTF-8") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:  # exc.start counts from after the BOM
        byte = exc.start + (len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0)
        raise _not_utf8(path, raw[:byte].count(b"\n") + 1, byte) from None


class HeadTooShort(Exception):
    """The head of a file read by `read_csv_head` does not hold its header: read it whole."""


class CsvHead(NamedTuple):
    """The head of a UTF-8 CSV file (`read_csv_head`): its first whole lines, decoded."""

    text: str
    end: int
    """The byte where the lines after the head start (the file's size when there are none)."""
    lines: int
    """How many lines (newlines) the head holds."""
    size: int
    """The file's size."""


def read_csv_head(path: Path) -> CsvHead | None:
    """The first `HEAD_BYTES` or so of a CSV file, whole lines, decoded; None when they are not
    UTF-8 or start like UTF-16: such a file is read whole. The rest is read a line at a time
    (`csv_lines`) as it is taken: a big file is never in memory whole (decoded, 100,000 people
    took 1.6 GB: one character beyond Latin-1 makes Python keep text at 2 bytes a character)."""
    with _readable(path), path.open("rb") as handle:
        raw = handle.read(HEAD_BYTES)
        raw += handle.readline() if len(raw) == HEAD_BYTES else b""
        size = os.fstat(handle.fileno()).st_size
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return CsvHead(text, len(raw), raw.count(b"\n"), size)


def csv_lines(path: Path, start: int, lines_before: int, end: int | None = None) -> Iterator[str]:
    """The lines of a UTF-8 CSV file from byte `start` (where a line starts) up to byte `end`, as
    `csv` reads lines (`_universal_lines`); a line that is not UTF-8 is reported with its number,
    counted on from `lines_before`."""
    for _, line in _utf8_lines(path, start=start, end=end, before=lines_before):
        yield from _universal_lines(line) if "\r" in line else (line,)


def position_line(position: str) -> int:
    """The line number of a position made by `line_position`."""
    return int(position.rpartition(" ")[2])


def _not_utf8(path: Path, line: int, byte: int) -> InputError:
    return InputError(
        f"{path} is not UTF-8 (line {line}, byte {byte})",
        hint="Excel's 'CSV (comma delimited)' is usually cp1252: add --encoding cp1252",
    )


def sniff_format(path: Path, text: str) -> Format:
    """The format by file extension, else by content."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return Format.JSON
    if suffix in JSONL_SUFFIXES:
        return Format.JSONL
    if suffix in CSV_SUFFIXES:
        return Format.CSV
    stripped = text.lstrip()
    if stripped.startswith("["):
        return Format.JSON
    if stripped.startswith("{"):
        first_line = stripped.splitlines()[0].strip()
        try:
            json.loads(first_line)
        except json.JSONDecodeError:
            return Format.JSON
        return Format.JSONL if len(stripped.splitlines()) > 1 else Format.JSON
    return Format.CSV


def _json_records(text: str, path: Path) -> list[Record]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except RecursionError:
        raise InputError(f"{path} is nested too deeply to be a profile file") from None
    if isinstance(document, Mapping) and "people" in document:
        document = document["people"]
    elif isinstance(document, Mapping) and "name" in document:
        document = [document]
    if not isinstance(document, list):
        raise InputError(
            f"{path}: expected a list of people or {{\"people\": [...]}}",
        )
    return [Record(f"{path.name} record {i}", item) for i, item in enumerate(document, start=1)]


def _jsonl_records(text: str, path: Path) -> list[Record]:
    return [Record(f"{path.name} line {number}", _json_line(line, path, number))
            for number, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _json_line(line: str, path: Path, number: int) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path} line {number} is not valid JSON: {exc.msg} at column {exc.colno}"
        ) from None
    except RecursionError:
        raise InputError(f"{path} line {number} is nested too deeply") from None


def parse_mapping(pairs: Iterable[str]) -> dict[str, str]:
    """`["Naam=name", "Vaardigheden=skills"]` -> {"naam": "name", "vaardigheden": "skills"}."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, target = pair.rpartition("=")
        if not sep or not column.strip() or not target.strip():
            raise UsageError(f"--map takes 'Column name=field', not {pair!r}")
        mapping[column.strip().casefold()] = target.strip()
    return mapping


@dataclass(frozen=True)
class Table:
    """The rows of a CSV file under its header, each with its line number in the file."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    delimiter: str


def read_table(
    text: str, path: Path, *, preamble: Sequence[str] = (), header_rows: int = 1,
    header_only: bool = False,
) -> Table:
    """Header and rows of CSV text, after what spreadsheets and HR systems put above the header:
    Excel's `sep=;`, a `version:` line, or a `Notes:` paragraph; with `header_rows=2` the row
    after the header (labels under the keys) is skipped. With `header_only`, no rows are read."""
    header, rows, delimiter = table_rows(text, path, preamble=preamble, header_rows=header_rows,
                                         header_only=header_only)
    return Table(header, [] if header_only else list(rows), delimiter)


def table_rows(
    text: str, path: Path, *, preamble: Sequence[str] = (), header_rows: int = 1,
    header_only: bool = False, more: Iterator[str] | None = None,
) -> tuple[list[str], Iterator[tuple[int, list[str]]], str]:
    """`read_table`'s header and delimiter, read now, and its rows, read as they are taken (a
    problem in a row is raised when it is reached). With `more`, `text` is the head of the file
    (whole lines) and `more` the lines after it (`read_csv_head`, `csv_lines`)."""
    lines = split_lines(text, keepends=True)  # only the lines above the header are looked at
    line = next(lines, None)
    skipped = offset = 0

    def skip() -> str | None:
        nonlocal skipped, offset
        skipped, offset = skipped + 1, offset + len(line or "")
        return next(lines, None)

    prefixes = tuple(p.casefold() for p in ("sep=", *preamble))
    while line is not None and line.strip().casefold().startswith(prefixes):
        line = skip()
    if line is not None and line.strip().casefold() == "notes:":
        while line is not None and line.strip():
            line = skip()
        while line is not None and not line.strip():
            line = skip()
    body = text[offset:]  # the text itself when nothing is skipped: a big file is not copied
    if more is not None and (line is None or body.isspace()):
        raise HeadTooShort  # what comes before the header does not end in the head
    if not body or body.isspace():
        raise InputError(f"{path} is empty")
    delimiter = sniff_delimiter(body)
    cut = split_lines(body, keepends=True, breaks=_NEWLINE) if header_only else _universal_lines(body)
    if more is not None:
        cut = chain(cut, more)
    del body
    reader = csv.reader(cut, delimiter=delimiter)
    try:
        header = next(reader)
        if not header_only:
            for _ in range(header_rows - 1):
                next(reader, None)
    except csv.Error as exc:
        raise InputError(f"{path} line {reader.line_num + skipped}: {exc}") from None
    return header, _rows(reader, len(header), path, skipped), delimiter


def _rows(reader: Any, columns: int, path: Path, skipped: int) -> Iterator[tuple[int, list[str]]]:
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            number = reader.line_num + skipped
            if len(row) > columns:
                raise InputError(f"{path} line {number} has {len(row)} cells but the header has {columns}")
            yield number, row
    except csv.Error as exc:
        raise InputError(f"{path} line {reader.line_num + skipped}: {exc}") from None


def _csv_records(
    text: str, path: Path, mapping: Mapping[str, str], *, require_name: bool = True
) -> list[Record]:
    return list(csv_records(text, path, mapping, require_name=require_name))


def csv_records(
    text: str, path: Path, mapping: Mapping[str, str], *, require_name: bool = True,
    more: Iterator[str] | None = None,
) -> Iterator[Record]:
    """The records of CSV text (or of a head and the lines after it: `read_csv_head`), a row at a
    time as they are taken (a big export's rows and records are never all in memory: at
    100,000 people they took 2 GB more); its header is read, and checked, now."""
    header, rows, delimiter = table_rows(text, path, more=more)
    fields = [_field_for(column, mapping) for column in header]
    if require_name and "name" not in fields:
        raise InputError(
            f"{path} has no name column (columns: {', '.join(h for h in header if h) or 'none'})",
            hint="map one with --map 'Your column=name', or use a preset (`expertfind presets`)",
        )
    return _csv_people(path, rows, fields, delimiter)


def csv_records_from(path: Path, lines: Iterable[str], head: str) -> Iterator[Record]:
    """The records of `lines`, the rest of a CSV file in the profile format from a row's start on,
    as `csv_records` reads them, under the header and delimiter of the file's `head`; numbered
    by their line counted from the first of `lines`."""
    header, _, delimiter = table_rows(head, path, header_only=True)
    rows = _rows(csv.reader(lines, delimiter=delimiter), len(header), path, 0)
    return _csv_people(path, rows, [_field_for(column, {}) for column in header], delimiter)


def _csv_people(path: Path, rows: Iterable[tuple[int, list[str]]], fields: list[str], delimiter: str
                ) -> Iterator[Record]:
    return (
        Record(line_position(path, number), csv_person(dict(zip(fields, row, strict=False)), delimiter))
        for number, row in rows
    )


def sniff_delimiter(text: str) -> str:
    """`,`, `;` or tab, as the header and first rows use it."""
    sample = "\n".join(_first_lines(text, lines=20, characters=16_384))
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        header = next(split_lines(text), "")
        return max((",", ";", "\t"), key=header.count)


def _first_lines(text: str, *, lines: int, characters: int) -> list[str]:
    """The first `lines` lines of `text`, or fewer once they hold `characters` (at least two):
    the sniffer's patterns took a second for 20 lines of 8 KB."""
    first: list[str] = []
    for line in islice(split_lines(text), lines):
        first.append(line)
        characters -= len(line)
        if characters <= 0 and len(first) >= 2:
            break
    return first


_LINE_BREAK = re.compile("\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
"""Where `str.splitlines` breaks a text."""
_NEWLINE = re.compile("\r\n|\r|\n")
"""Where a file opened with `newline=""` (as the csv module wants) breaks it."""


def split_lines(text: str, *, keepends: bool = False, breaks: re.Pattern[str] = _LINE_BREAK) -> Iterator[str]:
    """`text.splitlines(keepends)`, a line at a time: a big text is not copied into a list."""
    start = 0
    for found in breaks.finditer(text):
        yield text[start : found.end() if keepends else found.start()]
        start = found.end()
    if start < len(text):
        yield text[start:]


def _universal_lines(text: str) -> Iterator[str]:
    """The lines of `io.StringIO(text, newline="")`, without its copy of the text (4 bytes a
    character). A text whose lines end in a newline (or a carriage return and a newline, as
    Excel and Python write CSV), the usual kind, is cut at each newline as `str.find` finds it
    (a pattern looking at every character took 50 us for a line of 8 KB)."""
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        yield from split_lines(text, keepends=True, breaks=_NEWLINE)
        return
    start = 0
    while (end := text.find("\n", start)) != -1:
        yield text[start : end + 1]
        start = end + 1
    if start < len(text):
        yield text[start:]


def _field_for(column: str, mapping: Mapping[str, str]) -> str:
    key = column.strip().casefold()
    if key in mapping:
        return mapping[key]
    return key if key in KNOWN_FIELDS else column.strip()


def csv_person(cells: Mapping[str, str], delimiter: str) -> dict[str, Any]:
    """A person record from cells named by field: lists split, `available` read as a boolean."""
    person: dict[str, Any] = {}
    for field, raw in cells.items():
        value = raw.strip()
        if not field or not value:
            continue
        if field in MULTI_VALUE_FIELDS:
            person[field] = split_cell(value, delimiter)
        elif field == "available":
            person[field] = _boolean(value)
        elif field == "max_questions_per_week" and value.isdigit():
            person[field] = int(value)
        elif field == "contributions":
            person[field] = _contributions_cell(value, delimiter)
        else:
            person[field] = value
    return person


def split_cell(value: str, delimiter: str) -> list[str]:
    """A multi-value cell split on `|`, `;`, newlines, and `,` when the file is not comma-separated."""
    separators = ["|", ";", "\n"]
    if delimiter != ",":
        separators.append(",")
    parts = [value]
    for separator in separators:
        parts = [piece for part in parts for piece in part.split(separator)]
    return [part.strip() for part in parts if part.strip()]


def _boolean(value: str) -> bool | str:
    lowered = value.casefold()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return value  # left for validation to reject with the record's position


def _contributions_cell(value: str, delimiter: str) -> Any:
    if value.startswith("["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            pass
    return split_cell(value, delimiter)


def dump_json(people: Sequence[Profile]) -> str:
    """`{"people": [...]}`, the form `import` reads back to the same directory."""
    return json.dumps({"people": [p.to_dict() for p in people]}, ensure_ascii=False, indent=2) + "\n"


def dump_jsonl(people: Sequence[Profile]) -> str:
    return "".join(json.dumps(p.to_dict(), ensure_ascii=False) + "\n" for p in people)


def dump_csv(people: Sequence[Profile]) -> str:
    """One row a person; lists joined with `|`, contributions as JSON, formulas neutralised."""
    rows = [p.to_dict() for p in people]
    extra_columns = sorted({key for row in rows for key in row} - set(CSV_COLUMNS))
    columns = [*CSV_COLUMNS, *extra_columns]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(_csv_cell(column, row.get(column))) for column in columns])
    return buffer.getvalue()


def _csv_cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if column == "skills":
        return "|".join(
            s if isinstance(s, str) else f"{s['name']}:{s['level']}" if "level" in s else s["name"]
            for s in value
        )
    if column in ("languages", "interests"):
        return "|".join(value)
    if column == "available":
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text instead of running it as a formula."""
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
