"""Where import records come from: profile files as they are, HR exports through a preset
(named, or detected from the header), and LinkedIn archives."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checking import Checked, csv_checking, json_lines_checking
from .errors import InputError, UsageError
from .formats import (
    CSV_SUFFIXES,
    Format,
    HeadTooShort,
    Record,
    count_lines,
    csv_person,
    csv_records,
    decode,
    read_bytes,
    read_csv_head,
    read_records,
    read_table,
    records_from_text,
    sniff_format,
    streams_as_json_lines,
)
from .presets import (
    LINKEDIN,
    Preset,
    all_presets,
    choose_preset,
    column_key,
    detect_preset,
    flatten_entry,
    map_rows,
)
from .presets.linkedin import NOT_STORED, is_linkedin_archive, read_linkedin

NO_PRESET = "none"


@dataclass
class Source:
    """The records of one import file, and how they were read."""

    path: Path
    records: Iterable[Record | Checked]
    """A list, or for a JSON Lines file or a CSV file in the profile format a stream that reads
    it as it is taken (a big JSON Lines file's second half checked by a second process:
    `expertfind.checking`)."""
    preset: str | None = None
    detected: bool = False
    mapping: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    lines: Path | None = None
    """For a stream, the file whose lines it reads (a progress bar's count)."""

    def expected(self) -> int:
        """About how many records `records` gives: a list's length, a stream's lines (counted
        when asked, as a progress bar does: counting a big file's lines is a read of it)."""
        if isinstance(self.records, list):
            return len(self.records)
        return count_lines(self.lines) if self.lines is not None else 0

    def take(self) -> Iterator[Record | Checked]:
        """Each record once, letting go of it as it is taken: a big file is never held twice."""
        records, self.records = self.records, []
        if not isinstance(records, list):
            yield from records
            return
        queue = deque(records)
        del records
        while queue:
            yield queue.popleft()

    def notes(self) -> list[str]:
        """What a user should know about how this file was read (for stderr)."""
        notes = []
        if self.preset:
            how = "detected" if self.detected else "as asked"
            hint = "; --preset none reads the columns as they are" if self.detected else ""
            notes.append(f"{self.path.name}: read with preset {self.preset} ({how}){hint}")
        if self.unknown:
            notes.append(f"{self.path.name}: kept as extra fields (the preset does not know them): "
                         + ", ".join(self.unknown))
        if self.dropped:
            notes.append(f"{self.path.name}: not stored (personal data the preset leaves out): "
                         + ", ".join(self.dropped))
        return notes


def read_source(
    path: Path,
    *,
    format: Format | None = None,
    mapping: Mapping[str, str] | None = None,
    encoding: str | None = None,
    preset: str | None = None,
    presets_folder: Path | None = None,
) -> Source:
    """Every record in `path`: through `preset` if named, else through the preset its columns
    show (unless `--map` is given or `preset` is "none"), else as the profile format."""
    if preset == LINKEDIN or (preset is None and (path.is_dir() or path.suffix.casefold() == ".zip")):
        if not is_linkedin_archive(path):
            if preset == LINKEDIN:
                raise InputError(f"{path} is not a LinkedIn data archive (no Profile.csv in it)")
            raise InputError(f"{path} is a folder or zip, not a profile file",
                             hint="give a LinkedIn data archive, or the files inside it")
        record, used = read_linkedin(path)
        return Source(path, [Record(f"{path.name} (LinkedIn archive)", record)], LINKEDIN,
                      detected=preset is None, mapping={"files": ", ".join(used)},
                      dropped=list(NOT_STORED))
    plain = preset in (None, NO_PRESET)
    if mapping and not plain:
        raise UsageError("use either --preset or --map, not both")
    if plain and streams_as_json_lines(path, format, encoding):
        return Source(path, json_lines_checking(path), lines=path)  # no JSONL presets
    if preset == NO_PRESET or mapping:
        records, _ = read_records(path, format=format, mapping=mapping, encoding=encoding)
        return Source(path, records)
    chosen = choose_preset(preset, presets_folder) if preset else None
    if chosen is None and encoding is None and (
        format is Format.CSV or (format is None and path.suffix.lower() in CSV_SUFFIXES)
    ):
        streamed = _streamed_csv(path, presets_folder)
        if streamed is not None:
            return streamed
    text = decode(read_bytes(path), path=path, encoding=encoding)
    kind = format or (Format(chosen.format) if chosen else sniff_format(path, text))
    if chosen is None:
        chosen = _detect(path, text, kind, presets_folder)
        if chosen is None:
            if kind is Format.CSV:  # read a row at a time as it is checked
                return Source(path, csv_records(text, path, {}), lines=path)
            return Source(path, records_from_text(text, path, kind))
        detected = True
    else:
        detected = False
    return _through_preset(path, text, kind, chosen, detected)


def _streamed_csv(path: Path, presets_folder: Path | None) -> Source | None:
    """A UTF-8 CSV file in the profile format, read from its head and then a line at a time
    (`formats.read_csv_head`; a big one in two processes: `checking.csv_checking`); None when it
    is to be read whole: a preset's export, or a file whose head does not show its header or is
    not UTF-8."""
    head = read_csv_head(path)
    if head is None:
        return None
    if _detect(path, head.text, Format.CSV, presets_folder) is not None:
        return None
    try:
        return Source(path, csv_checking(path, head), lines=path)
    except HeadTooShort:
        return None


def _detect(path: Path, text: str, kind: Format, folder: Path | None) -> Preset | None:
    presets = list(all_presets(folder).values())
    if kind is Format.CSV:
        preambles = tuple(p for preset in presets for p in preset.preamble)
        try:
            header = read_table(text, path, preamble=preambles, header_only=True).header
        except InputError:
            return None
        return detect_preset(header, [p for p in presets if p.format == "csv"])
    if kind is Format.JSON:
        try:
            document = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            return None
        if isinstance(document, Mapping) and "people" not in document:
            return detect_preset(list(document), [p for p in presets if p.format == "json"])
    return None


def _through_preset(path: Path, text: str, kind: Format, preset: Preset, detected: bool) -> Source:
    if kind is Format.CSV:
        table = read_table(text, path, preamble=preset.preamble, header_rows=preset.header_rows)
        header: list[str] = table.header
        rows: list[tuple[str, list[Any]]] = [(f"{path.name} line {n}", row) for n, row in table.rows]
        delimiter = table.delimiter
    elif kind is Format.JSON:
        header, rows = _json_rows(path, text, preset)
        delimiter = ","
    else:
        raise UsageError(f"preset {preset.name} reads {preset.format} files, not {kind.value}")
    mapped = map_rows(preset, header, rows)
    if not any(cells.get("name") for _, cells, _ in mapped.records) and mapped.records:
        raise InputError(
            f"{path}: preset {preset.name} found no name in any row "
            f"(it reads the name from: {', '.join(' + '.join(a) for a in preset.fields.get('name', ()))})",
            hint="check the file's columns against `expertfind presets`",
        )
    records = [
        Record(position, {**extra, **csv_person(cells, delimiter)})
        for position, cells, extra in mapped.records
    ]
    return Source(path, records, preset.name, detected, mapping=preset_mapping(preset, header),
                  unknown=mapped.unknown, dropped=mapped.dropped)


def _json_rows(path: Path, text: str, preset: Preset) -> tuple[list[str], list[tuple[str, list[Any]]]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, "
                         f"column {exc.colno}") from None
    except RecursionError:
        raise InputError(f"{path} is nested too deeply to be a report") from None
    entries = document.get(preset.records) if preset.records and isinstance(document, Mapping) else document
    if not isinstance(entries, list):
        raise InputError(f"{path}: expected a list of entries"
                         + (f" under {preset.records!r}" if preset.records else ""))
    flat = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, Mapping):
            raise InputError(f"{path} entry {number}: expected an object")
        flat.append(flatten_entry(entry))
    header = list(dict.fromkeys(key for entry in flat for key in entry))
    rows = [(f"{path.name} entry {n}", [entry.get(k) for k in header])
            for n, entry in enumerate(flat, start=1)]
    return header, rows


def preset_mapping(preset: Preset, header: list[str]) -> dict[str, str]:
    """For each field, the columns of this file it is read from (what `--dry-run` shows)."""
    present = {column_key(c) for c in header}
    mapping = {}
    for target, alternatives in preset.fields.items():
        usable = [" + ".join(alt) for alt in alternatives
                  if any(column_key(c) in present for c in alt)]
        if usable:
            mapping[target] = " | ".join(usable)
    return mapping
