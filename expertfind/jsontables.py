"""Reading a JSON file of tables (an object of objects, the shape of a TinyDB file) a document
at a time: the result of `json.loads(path.read_bytes())`, without its text and its bytes in
memory next to the documents (at 100,000 people the text alone is 0.8 to 1.6 GB).

Anything this reader does not expect (another encoding, another shape, a syntax error) is left
to `json.loads` on the whole file, so results and errors are exactly those of `json.loads`.
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from typing import Any, BinaryIO

CHUNK = 1 << 20
LONGEST_DOCUMENT = 64 << 20
"""Beyond this, a value that does not end is taken for damage (a profile is far smaller)."""
_LONGEST_NUMBER_TAIL = 32
_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\n\r"  # JSON's whitespace, as json.loads skips it
_NUMBER = "0123456789.eE+-"


class _Unexpected(Exception):
    """Not the shape this reader handles: `json.loads` reads the file instead."""


def load_tables(path: Path) -> Any:
    """`json.loads(path.read_bytes())`, reading a UTF-8 object of objects in chunks."""
    with path.open("rb") as handle:
        if json.detect_encoding(handle.read(4)) == "utf-8":
            handle.seek(0)
            try:
                return _tables(_Text(handle))
            except _Unexpected:
                pass
    return json.loads(path.read_bytes())


class _Text:
    """The file's text, decoded a chunk at a time, with a reading position."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.decoder = codecs.getincrementaldecoder("utf-8")("surrogatepass")
        self.buffer = ""
        self.position = 0
        self.finished = False

    def more(self) -> bool:
        """Read the next chunk; False at the end of the file."""
        if self.finished:
            return False
        if len(self.buffer) - self.position > LONGEST_DOCUMENT:
            raise _Unexpected  # a value this long is damage, not a document: json.loads says where
        chunk = self.handle.read(CHUNK)
        try:
            text = self.decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            raise _Unexpected from None
        self.finished = not chunk
        if self.position >= CHUNK:  # what has been read goes
            self.buffer, self.position = self.buffer[self.position:], 0
        self.buffer += text
        return True

    def next_character(self) -> str:
        """The next character after whitespace ("" at the end), taken."""
        while True:
            while self.position < len(self.buffer) and self.buffer[self.position] in _WHITESPACE:
                self.position += 1
            if self.position < len(self.buffer):
                self.position += 1
                return self.buffer[self.position - 1]
            if not self.more():
                return ""

    def expect(self, character: str) -> None:
        if self.next_character() != character:
            raise _Unexpected

    def closes(self, character: str) -> bool:
        """Whether the next character closes an object or array (then taken) or not (left)."""
        found = self.next_character()
        if found != character:
            self.position -= len(found)
        return found == character

    def value(self) -> Any:
        """The next JSON value, read to its end even when it runs past the chunk."""
        if self.closes(""):  # the end of the file where a value must be
            raise _Unexpected
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buffer, self.position)
            except json.JSONDecodeError:
                if self.more():
                    continue
                raise _Unexpected from None
            if _may_go_on(value, self.buffer, end) and self.more():
                continue
            self.position = end
            return value


def _may_go_on(value: Any, buffer: str, end: int) -> bool:
    """Whether a value read up to `end` may be longer than the buffer shows: anything that ends
    the buffer, or a number followed only by what could start the rest of it (`12` of `12.5e3`
    cut after `12.`)."""
    if end == len(buffer):
        return True
    if type(value) not in (int, float) or len(buffer) - end > _LONGEST_NUMBER_TAIL:
        return False
    return not buffer[end:].strip(_NUMBER)


def _tables(text: _Text) -> dict[str, Any]:
    text.expect("{")
    tables: dict[str, Any] = {}
    if not text.closes("}"):
        while True:
            name = _key(text)
            text.expect("{")
            table: dict[str, Any] = {}
            if not text.closes("}"):
                while True:
                    key = _key(text)
                    table[key] = text.value()
                    if not _more_members(text):
                        break
            tables[name] = table
            if not _more_members(text):
                break
    if text.next_character() != "":  # anything after the object
        raise _Unexpected
    return tables


def _key(text: _Text) -> str:
    key = text.value()
    if not isinstance(key, str):
        raise _Unexpected
    text.expect(":")
    return key


def _more_members(text: _Text) -> bool:
    found = text.next_character()
    if found not in (",", "}"):
        raise _Unexpected
    return found == ","
