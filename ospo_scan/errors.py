"""The error family: every expected failure is an ``OspoScanError`` with a one-line message."""

from __future__ import annotations


class OspoScanError(Exception):
    """Base of every error the CLI reports as a one-line message with exit code 2."""


class InputError(OspoScanError):
    """A file the user gave us is unreadable or malformed.

    The message reads ``<path>:<line>: <what is wrong> (expected <what>)``; with no line but a
    key path, ``<path>: <key>: <what is wrong> (...)``.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        key: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.key = key
        self.expected = expected
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path or ""
        if self.path and self.line is not None:
            where = f"{self.path}:{self.line}"
        parts = [p for p in (where, self.key if self.line is None else None) if p]
        text = self.message
        if self.expected:
            text = f"{text} (expected {self.expected})"
        return ": ".join([*parts, text])


class LockfileError(InputError):
    """A lockfile that cannot be parsed."""


class PolicyError(InputError):
    """A policy file with one or more problems; ``problems`` lists each as its own line."""

    def __init__(self, problems: list[InputError] | list[str], *, path: str | None = None) -> None:
        self.problems = [str(p) for p in problems]
        first = self.problems[0] if self.problems else "invalid policy"
        super().__init__(first if len(self.problems) == 1 else "; ".join(self.problems), path=None)
        self.path = path

    def __str__(self) -> str:
        return "\n".join(self.problems) if self.problems else "invalid policy"


class RegistryError(OspoScanError):
    """A registry could not be reached at all; ``hint`` says what the user can do."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.hint = hint
        super().__init__(message if not hint else f"{message} ({hint})")


class ReportError(OspoScanError):
    """A report could not be rendered or written."""
