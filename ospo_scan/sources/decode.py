"""Decoders shared by the parsers: JSON, TOML, YAML and XML errors become one-line errors."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
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


_XML_ERROR_POSITION = re.compile(r":\s*line \d+, column (\d+)$")
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


def json_type(value: object) -> str:
    """How a JSON value is named in messages: "an object", "an array", "a string", ..."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string" if value.strip() else "an empty string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null"


def expect_object(value: Any, path: str, key: str, expected: str) -> dict[str, Any]:
    """Return ``value`` if it is a JSON object, else raise a ``LockfileError`` naming the key."""
    if not isinstance(value, dict):
        raise LockfileError(f"{json_type(value)} found", path=path, key=key, expected=expected)
    return value


# XML, read safely


@dataclass(frozen=True, slots=True)
class XmlDocument:
    """A parsed XML document and the line of each element's start tag."""

    root: Any  # xml.etree.ElementTree.Element
    lines: Mapping[int, int]

    def line(self, element: Any) -> int | None:
        """The line of ``element``'s start tag."""
        return self.lines.get(id(element))


class _LineRecorder:
    """A tree-builder target that remembers where each element starts."""

    def __init__(self) -> None:
        from xml.etree.ElementTree import TreeBuilder

        self.builder = TreeBuilder()
        self.lines: dict[int, int] = {}
        self.parser: Any = None

    def start(self, tag: str, attrs: dict[str, str]) -> Any:
        element = self.builder.start(tag, attrs)
        self.lines[id(element)] = self.parser.parser.CurrentLineNumber
        return element

    def end(self, tag: str) -> Any:
        return self.builder.end(tag)

    def data(self, data: str) -> None:
        self.builder.data(data)

    def close(self) -> Any:
        return self.builder.close()


def load_xml(text: str, path: str) -> XmlDocument:
    """Parse XML safely with defusedxml and record element lines.

    Entity declarations are refused (they allow entity-expansion bombs and, with ``SYSTEM``
    identifiers, reading local files or URLs), as are external references. Raises
    ``LockfileError`` with the line for those and for malformed XML.
    """
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException, EntitiesForbidden
    from defusedxml.ElementTree import DefusedXMLParser

    recorder = _LineRecorder()
    parser = DefusedXMLParser(target=recorder, forbid_dtd=False)
    recorder.parser = parser
    try:
        parser.feed(text)
        root = parser.close()
    except EntitiesForbidden as exc:
        line = parser.parser.CurrentLineNumber
        if exc.sysid or exc.pubid:
            why = "external entities can read local files or URLs"
        else:
            why = "entity expansion can exhaust memory (billion laughs)"
        raise LockfileError(
            f'entity declaration "{exc.name}" refused: {why}',
            path=path,
            line=line,
            expected="XML without <!ENTITY> declarations",
        ) from exc
    except DefusedXmlException as exc:
        raise LockfileError(
            f"refused: {exc}",
            path=path,
            line=parser.parser.CurrentLineNumber,
            expected="XML without external references",
        ) from exc
    except ParseError as exc:
        line, column = exc.position
        message = _XML_ERROR_POSITION.sub("", str(exc))
        raise LockfileError(
            f"invalid XML: {message} (column {column + 1})", path=path, line=line
        ) from exc
    return XmlDocument(root, recorder.lines)


def local_name(tag: object) -> str:
    """``{namespace}name`` -> ``name`` (comments and processing instructions give "")."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def children(element: Any, name: str) -> Iterator[Any]:
    """Child elements called ``name`` in any namespace."""
    for child in element:
        if local_name(child.tag) == name:
            yield child


def child(element: Any, name: str) -> Any:
    """The first child element called ``name``, or None."""
    return next(children(element, name), None)


def child_text(element: Any, name: str) -> str | None:
    """The stripped text of child ``name``, or None when absent or empty."""
    found = child(element, name)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None
