"""The Reporter protocol, and the timestamp and JSON layout helpers the reporters share."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Protocol

from ospo_scan.model import ReportContext, ScanResult


class Reporter(Protocol):
    """An output format.

    ``name`` is the ``--format`` value, ``suffix`` the conventional file name ending of the
    output (``.json``, ``.cdx.xml``). ``render`` turns a scan result into
    the whole document as text; it reads nothing but its arguments (the clock, the serial
    number and the tool version come from ``context``, so tests can pin them) and raises
    ``ReportError`` when the result cannot be rendered.
    """

    name: str
    suffix: str

    def render(self, result: ScanResult, context: ReportContext) -> str: ...


def iso_timestamp(moment: datetime) -> str:
    """Return ``moment`` as an RFC 3339 date-time in UTC (``2025-01-02T03:04:05Z``).

    A naive datetime is taken to be UTC already: RFC 3339 (the CycloneDX and JSON Schema
    ``date-time`` format) requires an offset, and the CLI passes ``datetime.now(UTC)``.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# One encoder for every record: json.dumps builds a new one per call when given options.
_COMPACT = json.JSONEncoder(ensure_ascii=True, separators=(", ", ": "))


def dump_document(document: dict[str, Any]) -> str:
    """Return ``document`` as JSON text with one record per line.

    Top-level keys and small objects are indented; each element of a list of objects
    (components, findings, ...) is written on its own line. That keeps diffs between two
    scans to one line per changed component and lets ``grep`` find a purl, and it is about
    three times faster than ``indent=2``: the C encoder only runs without ``indent``.
    Non-ASCII text is written as ``\\u`` escapes: a lone surrogate (which a JSON lockfile can
    carry as ``"\\ud800"``) would otherwise make the text unencodable as UTF-8.
    """
    lines: list[str] = []
    for key, value in document.items():
        head = f"  {json.dumps(key)}: "
        if isinstance(value, list) and value and isinstance(value[0], dict):
            records = ",\n    ".join(_COMPACT.encode(item) for item in value)
            lines.append(f"{head}[\n    {records}\n  ]")
        elif isinstance(value, dict) and value:
            lines.append(
                head + json.dumps(value, indent=2, ensure_ascii=True).replace("\n", "\n  ")
            )
        else:
            lines.append(head + _COMPACT.encode(value))
    return "{\n" + ",\n".join(lines) + "\n}\n"
