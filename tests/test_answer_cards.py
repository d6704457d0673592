"""The text answer of `ask`: cards that read well on a terminal and stay plain in a pipe."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from expertfind.answer_cards import answer_lines, colour_wanted, print_answer
from expertfind.models import Contribution, Profile, Skill
from expertfind.search import Ranker

ESCAPE = re.compile(r"\x1b\[[0-9;]*m")





SANNE = Profile(
    id="sanne", name="Sanne de Vries", email="sanne@example.org", title="Communicatieadviseur",
    team="Communicatie", skills=(Skill("crowdfunding", 5),),
    contributions=tuple(
        Contribution(kind="blog", title=f"Crowdfunding voor onze documentaire, deel {n} " + "lang " * 12,
                     date=f"2024-0{n}-02", tags=("crowdfunding",))
        for n in range(1, 6)
    ),
)
BRAM = Profile(id="bram", name="Bram\x1b[31m Jansen", skills=(Skill("crowdfunding", 2),), available=False)


def test_a_card_shows_rank_name_score_role_contact_and_the_best_evidence() -> None:
    answer = Ranker([SANNE, BRAM]).ask("crowdfunding")
    lines = list(answer_lines(answer))
    assert lines[0] == "Who to ask about: crowdfunding"
    first = answer.results[0]
    assert lines[2].startswith(" 1  Sanne de Vries") and lines[2].endswith(f"{first.score:.1f}")
    assert lines[3] == "    Communicatieadviseur · Communicatie · sanne@example.org"
    assert lines[4] == "    skill 5/5: crowdfunding"
    assert lines[5].startswith("    blog: Crowdfunding voor onze documentaire") and lines[5].endswith(")")
    assert lines[7] == f"    +{first.evidence_count - 3} more" and len(lines) == 8  # Bram is not available
    assert "\x1b" not in "\n".join(lines)


def test_scores_line_up_and_control_characters_never_reach_the_terminal() -> None:
    answer = Ranker([SANNE, BRAM]).ask("crowdfunding", include_unavailable=True)
    lines = list(answer_lines(answer))
    heads = [line for line in lines if re.match(r" \d  ", line)]
    assert len(heads) == 2 and len({len(line) for line in heads}) == 1
    assert "Bram[31m Jansen" in heads[1]  # the escape character itself is gone
    assert "    (not available)" in lines


def test_on_a_narrow_terminal_lines_wrap_within_the_width() -> None:
    lines = list(answer_lines(Ranker([SANNE]).ask("crowdfunding"), width=50))
    assert max(len(line) for line in lines) <= 50
    assert any(line.startswith("      ") for line in lines)  # continued lines are indented
    assert lines[2].startswith(" 1  Sanne de Vries") and len(lines[2]) == 50


def test_styles_only_when_colour_is_wanted() -> None:
    answer = Ranker([SANNE]).ask("crowdfunding")
    styled = list(answer_lines(answer, colour=True))
    assert "\x1b[1mSanne de Vries\x1b[0m" in styled[2]
    assert [ESCAPE.sub("", line) for line in styled] == list(answer_lines(answer))


def test_colour_follows_the_terminal_and_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert colour_wanted(Terminal()) and not colour_wanted(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour_wanted(Terminal())
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert colour_wanted(io.StringIO())


def test_nobody_matching_says_so_on_stderr_and_prints_no_data(capsys: pytest.CaptureFixture[str]) -> None:
    stream = io.StringIO()
    print_answer(Ranker([SANNE]).ask("xylofoonstemmen"), stream)
    assert stream.getvalue() == ""
    assert "Nobody in the directory matches 'xylofoonstemmen'." in capsys.readouterr().err


def test_pipes_get_whole_lines(tmp_path: Path) -> None:
    with (tmp_path / "answer.txt").open("w", encoding="utf-8") as stream:
        print_answer(Ranker([SANNE]).ask("crowdfunding"), stream)
    written = (tmp_path / "answer.txt").read_text(encoding="utf-8").splitlines()
    assert any(len(line) > 80 for line in written)  # a long title stays one line for grep
