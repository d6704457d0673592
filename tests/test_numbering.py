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

from expertfind.search import numbering
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


def read_blocks(numbering: Numbering | SharedNumbering,
                blocks: list[list[list[str]]]) -> list[list[list[list[str]]]]:
    """Each block's batches as the terms their numbers name, every batch of every block sent
    before any answer is taken (as while a block is grouped, or the directory written)."""
    for block in blocks:
        for number, batch in enumerate(block):
            numbering.send(batch, new_block=number == 0 and block is not blocks[0], ahead=number % 2 == 1)
    found = []
    for block in blocks:
        names: list[str] = []
        found.append(read_answers(numbering, block, names))
        assert len(names) == len(set(names)), "each block numbered afresh: each term once"
        assert all(term in {t for b in block for text in b for t in terms(text)} for term in names), (
            "a block's new terms are its own")
    numbering.close()
    return found


@pytest.mark.parametrize("kind", [Numbering, SharedNumbering])
def test_each_block_is_numbered_from_zero_with_several_blocks_on_their_way(kind: type[Numbering]) -> None:
    blocks = [[TEXTS, TEXTS[::-1], TEXTS[2:]], [TEXTS[3:], ["nieuw woord", ""]], [[]], [TEXTS, TEXTS[:2]]]
    assert read_blocks(kind(), blocks) == [[[terms(t) for t in b] for b in block] for block in blocks]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.lists(st.text(alphabet="abc de\u00eb+#", max_size=12), max_size=4),
                         min_size=1, max_size=3), min_size=1, max_size=4))
def test_blocks_in_two_processes_are_numbered_as_in_one(blocks: list[list[list[str]]]) -> None:
    assert read_blocks(SharedNumbering(), blocks) == read_blocks(Numbering(), blocks)


@pytest.mark.parametrize("there", [
    "TTTT",  # every batch read by the second process: its numbers are the block's own
    "TTHT",  # the block's first batch read here comes after two read there, and one follows
    "HTTH",  # read here from the block's first batch on
])
def test_batches_read_here_after_some_read_there_are_numbered_as_in_one_process(
        there: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(numbering, "BACKLOG", 0)  # a batch not sent ahead is read here
    batches = [TEXTS, TEXTS[::-1] + ["nieuw woord"], ["crowdfunding en meer", "nog een woord"], TEXTS[2:]]
    blocks = [batches, batches[::-1]]
    shared = SharedNumbering()
    for block in blocks:
        for number, (batch, where) in enumerate(zip(block, there, strict=True)):
            shared.send(batch, new_block=number == 0 and block is not blocks[0], ahead=where == "T")
    found = []
    for block in blocks:
        names: list[str] = []
        found.append(read_answers(shared, block, names))
        assert len(names) == len(set(names)), "each term numbered once in its block"
    shared.close()
    assert found == [[[terms(text) for text in batch] for batch in block] for block in blocks]


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
