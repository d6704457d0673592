"""Presets: how the files HR systems export map onto the profile format, without a `--map` each time.

A preset is a small TOML file (the built-in ones are in `expertfind/presets/data/`; your own go in a
`presets/` folder next to the directory file). It only maps columns to fields: validation, matching
by email and all-or-nothing stay exactly as for any other import.

    name = "entra"
    description = "Microsoft Entra ID: Users > Download users (CSV)"
    detect = ["userPrincipalName", "displayName"]    # all present in the header: this preset
    preamble = ["version:"]                            # lines above the header to skip
    drop = ["mobile"]                                  # columns read but deliberately not stored
    [fields]
    name = ["displayName", "givenName + surname"]      # the first alternative with a value wins;
    email = ["mail", "userPrincipalName"]              # `a + b` joins columns with a space

Column names match case-insensitively; markers such as `[Required]` or `[READ ONLY]` are ignored,
and `Name [displayName] Required` is read as `displayName`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import InputError, UsageError
from ..models import KNOWN_FIELDS

PRESET_SUFFIX = ".toml"
_BRACKETS = re.compile(r"\s*\[([^\]]*)\]")
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*$")
_MARKERS = {"required", "read only", "upload only"}
FIELD_NAMES = frozenset(KNOWN_FIELDS)


def column_key(column: str) -> str:
    """How a column is compared: `Name [displayName] Required` -> `displayname`,
    `First Name [Required]` -> `first name`, `Email_-_Work` -> `email_-_work`."""
    text = column.strip()
    if text.casefold().startswith("block sign in"):
        return "block sign in"  # Entra's template: [accountEnabled] with the meaning inverted
    attribute: str | None = None
    inner: str
    for inner in _BRACKETS.findall(text):
        if _IDENTIFIER.match(inner.strip()) and inner.strip().casefold() not in _MARKERS:
            attribute = inner.strip()
    if attribute:
        return attribute.casefold()
    text = _BRACKETS.sub("", text)
    text = re.sub(r"\s+required$", "", text, flags=re.IGNORECASE)
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Preset:
    """The column mappings of one kind of export."""

    name: str
    description: str
    fields: Mapping[str, tuple[tuple[str, ...], ...]]
    detect: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    preamble: tuple[str, ...] = ()
    header_rows: int = 1
    format: str = "csv"
    records: str | None = None
    origin: str = "built in"
    _known: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    def known_columns(self) -> frozenset[str]:
        """Every column key this preset reads or deliberately drops."""
        return self._known

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "format": self.format,
            "origin": self.origin,
            "detect": list(self.detect),
            "fields": {f: [" + ".join(alt) for alt in alts] for f, alts in self.fields.items()},
            "drop": list(self.drop),
        }


def parse_preset(text: str, origin: str) -> Preset:
    """A preset from its TOML text; `origin` names the file in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"preset {origin} is not valid TOML: {exc}") from None
    name = data.get("name")
    fields = data.get("fields")
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"preset {origin} needs a 'name'")
    if not isinstance(fields, dict) or not fields:
        raise InputError(f"preset {origin} needs a [fields] table")
    parsed: dict[str, tuple[tuple[str, ...], ...]] = {}
    for target, alternatives in fields.items():
        if target not in FIELD_NAMES:
            raise InputError(f"preset {origin}: {target!r} is not a profile field "
                             f"({', '.join(KNOWN_FIELDS)})")
        if isinstance(alternatives, str):
            alternatives = [alternatives]
        if not isinstance(alternatives, list) or not all(isinstance(a, str) for a in alternatives):
            raise InputError(f"preset {origin}: field {target!r} takes a list of column names")
        parsed[target] = tuple(
            tuple(part.strip() for part in alt.split(" + ") if part.strip()) for alt in alternatives
        )
    fmt = data.get("format", "csv")
    if fmt not in ("csv", "json"):
        raise InputError(f"preset {origin}: format must be csv or json, not {fmt!r}")
    header_rows = data.get("header_rows", 1)
    if header_rows not in (1, 2):
        raise InputError(f"preset {origin}: header_rows must be 1 or 2")
    columns = [c for alts in parsed.values() for alt in alts for c in alt]
    drop = tuple(_strings(data.get("drop", []), "drop", origin))
    known = frozenset(column_key(c) for c in (*columns, *drop))
    return Preset(
        name=name.strip(),
        description=str(data.get("description", "")),
        fields=parsed,
        detect=tuple(_strings(data.get("detect", []), "detect", origin)),
        drop=drop,
        preamble=tuple(_strings(data.get("preamble", []), "preamble", origin)),
        header_rows=header_rows,
        format=fmt,
        records=data.get("records"),
        origin=origin,
        _known=known,
    )


def _strings(value: object, what: str, origin: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"preset {origin}: {what!r} takes a list of texts")
    return list(value)


def builtin_presets() -> list[Preset]:
    folder = resources.files("expertfind.presets").joinpath("data")
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(PRESET_SUFFIX):
            found.append(parse_preset(entry.read_text("utf-8"), f"built in ({entry.name})"))
    return found


def user_presets(folder: Path | None) -> list[Preset]:
    if folder is None or not folder.is_dir():
        return []
    return [parse_preset(path.read_text("utf-8"), str(path))
            for path in sorted(folder.glob(f"*{PRESET_SUFFIX}"))]


LINKEDIN = "linkedin"


def all_presets(folder: Path | None = None) -> dict[str, Preset]:
    """Built-in presets, then your own (which win on a name clash)."""
    return {p.name: p for p in (*builtin_presets(), *user_presets(folder))}


def choose_preset(name: str, folder: Path | None) -> Preset:
    """`--preset NAME` (built in or yours) or `--preset path/to/file.toml`."""
    if name.endswith(PRESET_SUFFIX) and Path(name).is_file():
        return parse_preset(Path(name).read_text("utf-8"), name)
    presets = all_presets(folder)
    if name in presets:
        return presets[name]
    raise UsageError(f"unknown preset {name!r}; known: {', '.join(sorted(presets))}")


def detect_preset(header: Iterable[str], presets: Iterable[Preset]) -> Preset | None:
    """The one preset whose `detect` columns are all in `header`; None when none or several
    fit equally well, or when the file already uses the profile format's own column names."""
    keys = {column_key(c) for c in header}
    if "name" in keys:
        return None
    fitting = [p for p in presets if p.detect and {column_key(c) for c in p.detect} <= keys]
    if not fitting:
        return None
    fitting.sort(key=lambda p: -len(p.detect))
    if len(fitting) > 1 and len(fitting[0].detect) == len(fitting[1].detect):
        return None
    return fitting[0]


@dataclass
class Mapped:
    """Rows mapped by a preset, and what the preset did not use."""

    records: list[tuple[str, dict[str, str], dict[str, Any]]]
    """(position, cells by field, extra fields kept as they came)."""
    unknown: list[str]
    dropped: list[str]


def map_rows(preset: Preset, header: Sequence[str], rows: Iterable[tuple[str, Sequence[Any]]]) -> Mapped:
    """Apply `preset` to rows under `header`: cells by profile field, unknown columns kept.

    An alternative `a + b` applies when every one of its columns has a value in the row. A column
    the preset does not know but that is named like a profile field (`Skills`, `interests`) is
    read as that field, unless it is `id` (a system's own id is kept as an extra field)."""
    keys = [column_key(c) for c in header]
    known = preset.known_columns()
    drop = {column_key(d) for d in preset.drop}
    own = {k: c for c, k in zip(header, keys, strict=True)
           if k not in known and k in FIELD_NAMES and k != "id" and k not in preset.fields}
    unknown = [c for c, k in zip(header, keys, strict=True)
               if k not in known and k not in own and c.strip()]
    dropped = [c for c, k in zip(header, keys, strict=True) if k in drop]
    records = []
    for position, row in rows:
        by_key: dict[str, Any] = {}
        for key, value in zip(keys, row, strict=False):
            if key not in by_key or not _filled(by_key[key]):
                by_key[key] = value
        cells: dict[str, str] = {}
        for target, alternatives in preset.fields.items():
            for alternative in alternatives:
                parts = [_text(by_key.get(column_key(c))) for c in alternative]
                if all(parts):
                    cells[target] = " ".join(parts)
                    break
        for key in own:
            if _text(by_key.get(key)):
                cells[key] = _text(by_key.get(key))
        extra = {}
        for column, key, value in zip(header, keys, row, strict=False):
            if key in known or key in own or not column.strip() or not _filled(value):
                continue
            name = f"{column.strip()} ({preset.name})" if key in FIELD_NAMES else column
            extra[name] = value
        records.append((position, cells, extra))
    return Mapped(records, unknown, dropped)


def _filled(value: Any) -> bool:
    return value is not None and value != "" and value != []


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "\n".join(_text(v) for v in value if _text(v))
    return str(value).strip()


def flatten_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON report row (Workday's `Report_Entry`) as columns: each `X_group` array of objects
    becomes one column per key, `X_group.Key`, holding the list of values."""
    flat: dict[str, Any] = {}
    for key, value in entry.items():
        if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            for item in value:
                for sub, sub_value in item.items():
                    flat.setdefault(f"{key}.{sub}", []).append(sub_value)
        elif isinstance(value, Mapping):
            for sub, sub_value in value.items():
                flat[f"{key}.{sub}"] = sub_value
        else:
            flat[key] = value
    return flat
