"""The table report: findings and a summary for a terminal, 100 columns wide.

Layout, top to bottom: a header, lockfile errors, input warnings, one entry per finding
(errors first), the summary counts, the most common licenses and the unresolved components.
Each finding is one line (severity, purl, licenses, rule: message, exception applied); when
it does not fit, the message continues on indented lines below. Purls are never cut, so they
can be copied into a policy exception. ANSI colour only when the context asks for it.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from datetime import UTC, datetime

from ospo_scan.model import (
    SEVERITY_RANK,
    Finding,
    LicenseDataInfo,
    ReportContext,
    ScanResult,
    Severity,
    Verdict,
)
from ospo_scan.report.summary import Summary, is_unresolved, summarize

DEFAULT_WIDTH = 100
MIN_WIDTH = 60
DEFAULT_TOP = 10
# Column caps: a longer purl or license list overflows its column instead of being cut,
# because a truncated purl cannot be copied into an exception.
PURL_COLUMN = 44
LICENSE_COLUMN = 24
SEVERITY_COLUMN = max(len(severity.value) for severity in Severity)
INDENT = " " * (SEVERITY_COLUMN + 2)

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_SEVERITY_COLOUR = {
    Severity.ERROR: "\x1b[1;31m",
    Severity.WARNING: "\x1b[33m",
    Severity.INFO: "\x1b[36m",
}
# Text from lockfiles and registries must not drive the terminal: control characters
# (C0, DEL, C1, which include ESC and CSI) and lone surrogates are shown as "?".
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


class TableReporter:
    """``--format table``: the human-readable report (the default on a terminal)."""

    name = "table"
    suffix = ".txt"

    def render(self, result: ScanResult, context: ReportContext) -> str:
        """Return the report text, lines at most ``width`` columns where words allow.

        ``context.extra`` may set ``width`` (default 100) and ``top`` (licenses listed,
        default 10). Never raises.
        """
        width = max(MIN_WIDTH, _int_option(context, "width", DEFAULT_WIDTH))
        top = max(1, _int_option(context, "top", DEFAULT_TOP))
        writer = _Writer(width, context.color)
        summary = summarize(result)
        _header(writer, result, context)
        _lockfile_errors(writer, result)
        _diagnostics(writer, result)
        _findings(writer, result.findings)
        _summary(writer, summary, result.license_data)
        _licenses(writer, summary, top)
        _unresolved(writer, result)
        return writer.text()


def _int_option(context: ReportContext, key: str, default: int) -> int:
    try:
        return int(context.extra.get(key, default))
    except ValueError:
        return default


def clean(text: str) -> str:
    """Return ``text`` safe for a terminal: line breaks become spaces, other control
    characters become ``?``."""
    if _UNPRINTABLE.search(text) is None:
        return text
    return _UNPRINTABLE.sub("?", text.replace("\r\n", " ").replace("\n", " ").replace("\t", " "))


class _Writer:
    """Collects lines; wraps long ones and adds colour only when asked."""

    def __init__(self, width: int, color: bool) -> None:
        self.width = width
        self.color = color
        self.lines: list[str] = []

    def paint(self, text: str, colour: str) -> str:
        return f"{colour}{text}{_RESET}" if self.color else text

    def blank(self) -> None:
        if self.lines and self.lines[-1]:
            self.lines.append("")

    def heading(self, text: str) -> None:
        self.blank()
        self.lines.append(self.paint(text, _BOLD))

    def wrapped(self, text: str, indent: str, prefix: str = "", prefix_colour: str = "") -> None:
        """Append ``prefix + text`` wrapped at the width; continuation lines get ``indent``.

        The prefix (a padded severity) is coloured after wrapping so that escape codes
        never count towards the width.
        """
        lines = textwrap.wrap(
            prefix + text,
            width=self.width,
            subsequent_indent=indent,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [prefix.rstrip()]
        if prefix and prefix_colour and self.color:
            word = prefix.rstrip()
            lines[0] = self.paint(word, prefix_colour) + lines[0][len(word) :]
        self.lines.extend(lines)

    def text(self) -> str:
        while self.lines and not self.lines[-1]:
            self.lines.pop()
        return "\n".join(self.lines) + "\n"


def _header(writer: _Writer, result: ScanResult, context: ReportContext) -> None:
    tool = f"{context.tool_name} {context.tool_version}".strip()
    policy = clean(result.policy_name or "(unnamed)")
    if result.policy_path:
        policy += f" ({clean(result.policy_path)})"
    header = f"{tool}: policy {policy}" + (", offline" if result.offline else "")
    writer.wrapped(header, "  ")
    if result.root:
        writer.wrapped(f"scanned: {clean(result.root)}", "  ")


def _lockfile_errors(writer: _Writer, result: ScanResult) -> None:
    failed = sorted((lf for lf in result.lockfiles if lf.error), key=lambda lf: lf.path)
    if not failed:
        return
    writer.heading(f"Lockfile errors ({len(failed)})")
    for lockfile in failed:
        writer.wrapped(
            f"{clean(lockfile.path)} ({clean(lockfile.format)}): {clean(lockfile.error or '')}",
            "    ",
            prefix="  ",
        )


def _diagnostics(writer: _Writer, result: ScanResult) -> None:
    if not result.diagnostics:
        return
    writer.heading(f"Input warnings ({len(result.diagnostics)})")
    ordered = sorted(
        result.diagnostics,
        key=lambda d: (d.location.path, d.location.line or 0, d.location.key or "", d.message),
    )
    for diagnostic in ordered:
        writer.wrapped(clean(str(diagnostic)), "    ", prefix="  ")


def _licenses_text(finding: Finding) -> str:
    if finding.licenses:
        return clean(", ".join(finding.licenses))
    return clean(finding.elected) if finding.elected else "-"


def _findings(writer: _Writer, findings: Iterable[Finding]) -> None:
    ordered = sorted(
        findings, key=lambda f: (-SEVERITY_RANK[f.severity], f.purl or "", f.rule, f.message)
    )
    writer.heading(f"Findings ({len(ordered)})")
    if not ordered:
        writer.lines.append("  no findings")
        return
    purls = [clean(finding.purl) if finding.purl else "(policy)" for finding in ordered]
    licenses = [_licenses_text(finding) for finding in ordered]
    purl_width = min(PURL_COLUMN, max(len(purl) for purl in purls))
    license_width = min(LICENSE_COLUMN, max(len(text) for text in licenses))
    for finding, purl, license_text in zip(ordered, purls, licenses, strict=True):
        severity = f"{finding.severity.value:<{SEVERITY_COLUMN}}  "
        head = f"{purl:<{purl_width}}  {license_text:<{license_width}}  {clean(finding.rule)}:"
        message = clean(finding.message)
        if finding.purl and message.startswith(f"{purl}: "):
            message = message[len(purl) + 2 :]  # the purl is already in its column
        if finding.elected and finding.licenses:
            message += f" (elected: {clean(finding.elected)})"
        exception = finding.exception
        if exception is not None:
            message += f"; exception applied: {clean(exception.reason)}"
            message += f" (approved by {clean(exception.approved_by)}"
            message += f", expires {exception.expires.isoformat()})" if exception.expires else ")"
        colour = _SEVERITY_COLOUR[finding.severity]
        if len(severity) + len(head) + 1 + len(message) <= writer.width:
            writer.wrapped(f"{head} {message}", INDENT, severity, colour)
        else:
            # Too long for one line: break between the rule and the message, never inside
            # the purl, so each finding reads as "what" on the first line, "why" below.
            writer.wrapped(head, INDENT, severity, colour)
            writer.wrapped(message, INDENT, INDENT)


def _counts(counts: dict[str, int]) -> str:
    shown = [f"{name} {count}" for name, count in counts.items() if count]
    return ", ".join(shown) if shown else "none"


def _summary(writer: _Writer, summary: Summary, license_data: LicenseDataInfo | None) -> None:
    writer.heading("Summary")
    failed = summary["lockfiles_with_errors"]
    lockfiles = f"{summary['lockfiles']} lockfile" + ("s" if summary["lockfiles"] != 1 else "")
    if failed:
        lockfiles += f" ({failed} with errors)"
    severities = summary["by_severity"]
    findings = ", ".join(
        f"{severities[severity]} {label}"
        for severity, label in (("error", "errors"), ("warning", "warnings"), ("info", "info"))
    )
    if summary["exceptions_applied"]:
        findings += f" ({summary['exceptions_applied']} with an exception applied)"
    rows: tuple[tuple[str, str], ...] = (
        ("components", f"{summary['components']} from {lockfiles}, {summary['direct']} direct"),
        ("verdicts", _counts(summary["by_verdict"])),
        ("findings", findings),
        ("ecosystems", _counts(summary["by_ecosystem"])),
        ("scopes", _counts(summary["by_scope"])),
        ("unresolved", str(summary["unresolved"])),
    )
    if license_data is not None:
        rows += (("license data", license_data_text(license_data)),)
    label_width = max(len(label) for label, _ in rows)
    for label, value in rows:
        writer.wrapped(value, " " * (label_width + 4), prefix=f"  {label:<{label_width}}  ")


def license_data_text(info: LicenseDataInfo) -> str:
    """Return how fresh the license answers are, e.g. "offline, cache snapshot of 2026-11-20,
    40 cache entries from 2026-10-01 to 2026-11-20" (dates in UTC)."""
    parts = ["offline" if info.offline else "online"]
    if info.snapshot_created is not None:
        parts.append(f"cache snapshot of {_day(info.snapshot_created)}")
    if info.cache_entries and info.oldest is not None and info.newest is not None:
        oldest, newest = _day(info.oldest), _day(info.newest)
        span = f"from {oldest}" if oldest == newest else f"from {oldest} to {newest}"
        entries = "entry" if info.cache_entries == 1 else "entries"
        parts.append(f"{info.cache_entries} cache {entries} {span}")
    else:
        parts.append("no cache entries used")
    return ", ".join(parts)


def _day(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date().isoformat()


def _licenses(writer: _Writer, summary: Summary, top: int) -> None:
    licenses = summary["by_license"]
    if not licenses:
        return
    shown = list(licenses.items())[:top]
    title = f"Licenses (top {len(shown)} of {len(licenses)})" if len(licenses) > top else "Licenses"
    writer.heading(title)
    count_width = len(str(shown[0][1]))
    for expression, count in shown:
        writer.wrapped(
            clean(expression), " " * (count_width + 4), prefix=f"  {count:>{count_width}}  "
        )


def _unresolved(writer: _Writer, result: ScanResult) -> None:
    unresolved = [scanned for scanned in result.components if is_unresolved(scanned)]
    if not unresolved:
        return
    writer.heading(f"Unresolved components ({len(unresolved)})")
    for scanned in sorted(unresolved, key=lambda s: s.component.purl):
        reason = clean(scanned.resolution.reason or "no license found")
        verdict = "" if scanned.verdict is Verdict.UNRESOLVED else f" [{scanned.verdict.value}]"
        writer.wrapped(f"{clean(scanned.component.purl)}: {reason}{verdict}", "    ", prefix="  ")
