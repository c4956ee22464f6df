"""Report formats: the ``REPORTERS`` table and lookup by ``--format`` name.

Reporter modules are imported only when their format is asked for, so that ``--help`` and a
table report do not pay for the JSON Schema or CycloneDX machinery.
"""

from __future__ import annotations

from importlib import import_module

from ospo_scan.errors import ReportError
from ospo_scan.report.base import Reporter

# --format name -> (module, class). The CLI builds its click.Choice from these keys.
REPORTERS: dict[str, tuple[str, str]] = {
    "table": ("ospo_scan.report.table", "TableReporter"),
    "json": ("ospo_scan.report.json_report", "JsonReporter"),
    "cyclonedx-json": ("ospo_scan.report.cyclonedx", "CycloneDxJsonReporter"),
    "cyclonedx-xml": ("ospo_scan.report.cyclonedx", "CycloneDxXmlReporter"),
}

__all__ = ["REPORTERS", "Reporter", "get_reporter", "reporter_names"]


def reporter_names() -> tuple[str, ...]:
    """Return every ``--format`` name, in table order."""
    return tuple(REPORTERS)


def get_reporter(name: str) -> Reporter:
    """Return a new reporter for the ``--format`` value ``name``.

    Raises ``ReportError`` when no format has that name.
    """
    try:
        module_name, class_name = REPORTERS[name]
    except KeyError:
        known = ", ".join(REPORTERS)
        raise ReportError(f"unknown report format {name!r} (expected one of {known})") from None
    reporter: Reporter = getattr(import_module(module_name), class_name)()
    return reporter
