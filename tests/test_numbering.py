"""Numbering the terms of texts, in this process and in a second one: every way gives each text
its terms, in order, and the terms' numbers name them consistently."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from expertfind.search.numbering import Numbering, NumberingProcess, SharedNumbering
from expertfind.search.text import terms

TEXTS = [
    "Crowdfunding voor gemeenten en de overheid", "", "working out loud met crowdfunding",
    "c++ en ci/cd", "De", "Kennismanagement: intervisie & MOOC-moderatie", "Zoë leert R",
]


def read_back(numbering: Numbering | NumberingProcess | SharedNumbering,
              batches: list[list[str]], *, close: bool = True) -> list[list[list[str]]]:
    """Each batch's texts as the terms their numbers name, sending every batch before taking
    any answer back (as an index build keeps batches in flight)."""
    names: list[str] = []
    for batch in batches:
        numbering.send(batch)
    found = []
    for batch in batches:
        answer = numbering.receive()
        names += answer.new_terms
        assert len(answer.lengths) == len(batch)
        terms_read, start = [], 0
        for length in answer.lengths:
            terms_read.append([names[n] for n in answer.occurrences[start : start + length]])
            start += length
        assert start == len(answer.occurrences)
        found.append(terms_read)
    if close:
        numbering.close()
    return found


@pytest.mark.parametrize("kind", [Numbering, NumberingProcess, SharedNumbering])
def test_every_numbering_gives_each_text_its_terms(kind: type[Numbering]) -> None:
    batches = [TEXTS, TEXTS[::-1], [], TEXTS[2:], ["nieuw woord", "crowdfunding"]]
    assert read_back(kind(), batches) == [[terms(text) for text in batch] for batch in batches]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.text(alphabet="abc de\u00eb+#", max_size=12), max_size=4), max_size=6))
def test_two_processes_number_as_one_does(batches: list[list[str]]) -> None:
    assert read_back(SharedNumbering(), batches) == read_back(Numbering(), batches)


def test_closing_with_answers_due_ends_the_second_process_at_once() -> None:
    numbering = NumberingProcess()
    for _ in range(3):
        numbering.send(["een lange tekst over crowdfunding " * 2_000] * 200)  # more than a pipe holds
    closing = threading.Thread(target=numbering.close, daemon=True)  # a hang fails, not blocks
    closing.start()
    closing.join(timeout=30)
    assert not closing.is_alive()
    assert numbering._process.poll() is not None


@pytest.mark.parametrize("kind", [Numbering, SharedNumbering])
def test_after_a_reset_terms_are_numbered_from_zero_and_still_read_right(kind: type[Numbering]) -> None:
    numbering = kind()
    batches = [TEXTS, TEXTS[::-1], TEXTS[3:]]
    assert read_back(numbering, batches, close=False) == [[terms(t) for t in b] for b in batches]
    numbering.reset()  # a block was taken: its numbers are forgotten on both sides
    assert read_back(numbering, batches) == [[terms(t) for t in b] for b in batches]


def read_answers(numbering: Numbering | SharedNumbering, batches: list[list[str]],
                 names: list[str]) -> list[list[list[str]]]:
    """The answers to `batches` (already sent), as the terms their numbers name in `names`."""
    found = []
    for batch in batches:
        answer = numbering.receive()
        names += answer.new_terms
        start, read = 0, []
        for length in answer.lengths:
            read.append([names[n] for n in answer.occurrences[start : start + length]])
            start += length
        assert len(read) == len(batch)
        found.append(read)
    return found


@pytest.mark.parametrize("kind", [Numbering, SharedNumbering])
def test_batches_sent_ahead_of_a_reset_are_numbered_after_it(kind: type[Numbering]) -> None:
    """While one block's postings are grouped, the next block's batches are already read."""
    numbering = kind()
    block, ahead, after = [TEXTS, TEXTS[::-1], TEXTS[2:]], [TEXTS[3:], ["nieuw woord", ""]], [TEXTS, TEXTS[:2]]
    for batch in block:
        numbering.send(batch)
    for batch in ahead:
        numbering.send_ahead(batch)
    names: list[str] = []
    assert read_answers(numbering, block, names) == [[terms(t) for t in b] for b in block]
    numbering.reset()
    for batch in after:
        numbering.send(batch)
    names = []
    assert read_answers(numbering, ahead + after, names) == [[terms(t) for t in b] for b in ahead + after]
    assert len(names) == len(set(names)), "numbered afresh: each term once"
    numbering.close()


@pytest.mark.parametrize("kind", [Numbering, SharedNumbering])
def test_a_reset_with_batches_due_that_were_not_sent_ahead_is_refused(kind: type[Numbering]) -> None:
    numbering = kind()
    numbering.send(TEXTS)
    numbering.send_ahead(TEXTS)
    with pytest.raises(RuntimeError, match="on their way"):
        numbering.reset()
    numbering.close()


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="process states are read from /proc")
def test_the_second_process_ends_when_the_import_is_killed() -> None:
    """It holds words from profiles: it must not outlive an import killed with SIGKILL."""
    assert_ends_with_its_parent("from expertfind.search.numbering import NumberingProcess; n = NumberingProcess(); "
                                "n.send(['crowdfunding']); n.receive(); second = n._process")


def assert_ends_with_its_parent(script: str) -> None:
    """`script` starts a second process as `second`; it is then killed with SIGKILL, and the
    second process must end soon after."""
    script += "; import os; print(second.pid, flush=True); os.kill(os.getpid(), 9)"
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert killed.returncode == -9
    second = int(killed.stdout.split()[0])
    deadline = time.monotonic() + 30
    while _running(second) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(second)


def _running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status  # a zombie has ended; only its parent's bookkeeping is left
