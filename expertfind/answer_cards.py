"""The answer of `ask` for a person at a terminal: one card per colleague, best first.

    Who to ask about: crowdfunding

     1  Sanne de Vries                                   87.5
        Communicatieadviseur · Communicatie · sanne@example.org
        skill 5/5: crowdfunding
        blog: Hoe we onze documentaire met crowdfunding financierden (2024-03-02)

Written with plain ANSI styles (bold names, dim labels) when stdout is a colour terminal, and
without Rich: `ask` is what people type all day, and loading Rich's console and laying out a
table cost more than the whole search on a directory of 10,000 people. Text from the directory
loses its control characters, so nothing in a profile can move the cursor or change colours.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from .search import Answer, Evidence, Match

EVIDENCE_SHOWN = 3
INDENT = "    "
WIDEST = 100
"""Cards are never wider than this, however wide the terminal: long lines are hard to read."""
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_STYLES = {"bold": "1", "dim": "2", "yellow": "33"}


def clean(text: str) -> str:
    """Data text made safe for a terminal: control characters (ANSI escapes) removed."""
    return _CONTROL.sub("", text)


def colour_wanted(stream: TextIO) -> bool:
    """Colour on a terminal, unless NO_COLOR is set (or TERM is dumb); FORCE_COLOR forces it."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


def card_width(stream: TextIO) -> int | None:
    """How wide a card may be: the terminal's width (at most WIDEST), or None (no wrapping)
    when stdout is a file or a pipe, so scripts that grep the text get whole lines."""
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return None
    return min(columns, WIDEST) if columns > 20 else None


class _Style:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, style: str) -> str:
        if not self.enabled or not text:
            return text
        return f"\x1b[{_STYLES[style]}m{text}\x1b[0m"


def answer_lines(answer: Answer, *, colour: bool = False, width: int | None = None) -> Iterator[str]:
    """The lines of the answer's cards (without their line ends)."""
    style = _Style(colour)
    yield style(f"Who to ask about: {clean(answer.query)}", "bold")
    longest = max((len(clean(match.profile.name)) for match in answer.results), default=0)
    for match in answer.results:
        yield ""
        yield from _card(match, style, width, longest)


def _card(match: Match, style: _Style, width: int | None, longest: int) -> Iterator[str]:
    """A card; the scores line up on the right edge (or after the longest name, unwrapped)."""
    person = match.profile
    rank = f"{match.rank:>2}  "
    name = clean(person.name)
    score = f"{match.score:5.1f}"
    line_length = len(rank) + longest + 2 + len(score) if width is None else width
    gap = max(2, line_length - len(rank) - len(name) - len(score))
    yield rank + style(name, "bold") + " " * gap + score
    about = [clean(part) for part in (person.title, person.team, person.email) if part]
    if about:
        yield from _wrapped(" · ".join(about), style, width)
    if not person.available:
        yield INDENT + style("(not available)", "yellow")
    for evidence in match.evidence[:EVIDENCE_SHOWN]:
        label, text, when = _evidence_parts(evidence)
        for number, line in enumerate(_wrap(f"{label}: {text}{when}", width)):
            if number == 0:  # the label stands out; the date is dim where it was not wrapped away
                line = style(f"{label}:", "dim") + line[len(label) + 1:]
            if when and line.endswith(when):
                line = line[: -len(when)] + style(when, "dim")
            yield INDENT + line
    if match.evidence_count > EVIDENCE_SHOWN:
        yield INDENT + style(f"+{match.evidence_count - EVIDENCE_SHOWN} more", "dim")


def evidence_label(evidence: Evidence) -> str:
    """`skill 5/5: crowdfunding`, `blog: Hoe we … (2024-03-02)`: a piece of evidence in a line."""
    label, text, when = _evidence_parts(evidence)
    return f"{label}: {text}{when}"


def nobody_matches(answer: Answer) -> str:
    return f"Nobody in the directory matches {answer.query!r}."


def _evidence_parts(evidence: Evidence) -> tuple[str, str, str]:
    if evidence.source == "skill":
        label = "skill" + (f" {evidence.level}/5" if evidence.level else "")
    elif evidence.source == "contribution":
        label = clean(evidence.kind or "contribution")
    else:
        label = "role"
    return label, clean(evidence.text), f" ({clean(evidence.date)})" if evidence.date else ""


def _wrapped(text: str, style: _Style, width: int | None) -> Iterator[str]:
    for line in _wrap(text, width):
        yield INDENT + style(line, "dim")


def _wrap(text: str, width: int | None) -> list[str]:
    """`text` in lines that fit `width` after the indent (the continuation lines indented
    two more), or as one line when there is no width."""
    room = None if width is None else width - len(INDENT)
    if room is None or len(text) <= room:
        return [text]
    import textwrap

    return textwrap.wrap(text, room, subsequent_indent="  ", break_on_hyphens=False) or [text]


def print_answer(answer: Answer, stream: TextIO | None = None) -> None:
    """The answer's cards on `stream` (stdout), styled when it is a colour terminal; when
    nobody matches, a message on stderr (stdout stays empty)."""
    if not answer.results:
        sys.stderr.write(clean(nobody_matches(answer)) + "\n")
        return
    stream = stream or sys.stdout
    lines = answer_lines(answer, colour=colour_wanted(stream), width=card_width(stream))
    stream.write("\n".join(lines) + "\n")
