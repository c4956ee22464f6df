"""Decoders shared by the parsers: JSON, TOML and YAML errors become one-line ``LockfileError``s."""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

from ospo_scan.errors import LockfileError


def load_json(text: str, path: str) -> Any:
    """Decode JSON; a syntax error names the line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise LockfileError(
            f"invalid JSON: {exc.msg} (column {exc.colno})", path=path, line=exc.lineno
        ) from exc
    except RecursionError as exc:
        raise LockfileError("invalid JSON: nested too deeply", path=path) from exc


_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def load_toml(text: str, path: str) -> dict[str, Any]:
    """Decode TOML with the standard library; a syntax error names the line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _TOML_AT.search(message)
        line = int(found.group(1)) if found else None
        message = _TOML_AT.sub("", message).strip()
        if found:
            message = f"{message} (column {found.group(2)})"
        raise LockfileError(f"invalid TOML: {message}", path=path, line=line) from exc


def load_yaml(text: str, path: str) -> Any:
    """Decode YAML safely (no tags that build objects); a syntax error names the line."""
    import yaml  # lazy: only YAML lockfiles need it

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "syntax error"
        raise LockfileError(f"invalid YAML: {problem}", path=path, line=line) from exc
    except yaml.YAMLError as exc:
        raise LockfileError(f"invalid YAML: {exc}", path=path) from exc


def expect_mapping(value: Any, path: str, key: str, expected: str = "a mapping") -> dict[str, Any]:
    """Return ``value`` if it is a dict, else raise a ``LockfileError`` naming the key path."""
    if not isinstance(value, dict):
        raise LockfileError(f"{type(value).__name__} found", path=path, key=key, expected=expected)
    return value
