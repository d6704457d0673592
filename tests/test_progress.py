"""Progress of a long import: heard by a terminal, never by a script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from expertfind.progress import counted

from .conftest import EXAMPLE


def test_counted_yields_everything_and_reports_start_steps_and_end() -> None:
    heard: list[tuple[str, int, int]] = []
    items = list(counted(range(1000), "Checking", 1000, lambda *report: heard.append(report)))
    assert items == list(range(1000))
    assert heard[0] == ("Checking", 0, 1000) and heard[-1] == ("Checking", 1000, 1000)
    assert 100 <= len(heard) <= 103
    assert [done for _, done, _ in heard] == sorted(done for _, done, _ in heard)


def test_counted_without_a_listener_just_yields() -> None:
    assert list(counted("abc", "Reading", 3, None)) == ["a", "b", "c"]


def run_import(tmp_path: Path, *, terminal: bool) -> str:
    return run(tmp_path, ["import", str(EXAMPLE)], terminal=terminal)


def run(tmp_path: Path, args: list[str], *, terminal: bool) -> str:
    """What the command writes to stderr, which is a terminal (a pty) or a pipe."""
    env = {"EXPERTFIND_DB": str(tmp_path / "d.json"), "PATH": "/usr/bin:/bin", "COLUMNS": "100",
           "TERM": "xterm"}
    command = [sys.executable, "-m", "expertfind", *args]
    if not terminal:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
        assert done.returncode == 0, done.stderr
        return done.stderr
    controller, terminal_end = os.openpty()
    try:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=terminal_end, env=env)
        os.close(terminal_end)
        chunks = []
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal closes when the process ends
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=60) == 0
    finally:
        os.close(controller)
    return b"".join(chunks).decode("utf-8", "replace")


def test_an_import_on_a_terminal_shows_progress(tmp_path: Path) -> None:
    shown = run_import(tmp_path, terminal=True)
    assert "Indexing" in shown and "Checking" in shown
    assert "Imported" in shown


def test_an_import_in_a_script_prints_only_the_summary(tmp_path: Path) -> None:
    said = run_import(tmp_path, terminal=False)
    assert "Indexing" not in said and "Checking" not in said and "\x1b[" not in said
    assert said.startswith("Imported")


def test_ask_shows_progress_only_when_it_has_to_rebuild_the_index(tmp_path: Path) -> None:
    run_import(tmp_path, terminal=False)
    quick = run(tmp_path, ["ask", "crowdfunding", "--no-log"], terminal=True)
    assert "Indexing" not in quick
    (tmp_path / "d.json.index").unlink()  # as after an upgrade of the index format
    rebuilt = run(tmp_path, ["ask", "crowdfunding", "--no-log"], terminal=True)
    assert "Indexing" in rebuilt
    assert (tmp_path / "d.json.index").exists()
