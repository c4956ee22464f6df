"""Run the CLI in-process through its error boundary and capture what it prints."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ospo_scan.cli import run


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def invoke(capsys: pytest.CaptureFixture[str], *args: str) -> Outcome:
    code = run(list(args))
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)
