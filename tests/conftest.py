"""Every test gets its own directory file: no test ever touches a real directory."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from expertfind.cli import app

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "profiles.example.json"


@pytest.fixture(autouse=True)
def directory_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data" / "directory.json"
    monkeypatch.setenv("EXPERTFIND_DB", str(path))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "160")
    return path


Invoke = Callable[..., Result]


@pytest.fixture
def cli() -> Invoke:
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input)

    return invoke


@pytest.fixture
def example(cli: Invoke) -> Invoke:
    """The CLI on a directory holding the bundled example profiles."""
    result = cli("import", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    return cli


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def write_json(path: Path, data: Any) -> Path:
    return write(path, json.dumps(data, ensure_ascii=False))
