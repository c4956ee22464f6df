"""The table report, and the REPORTERS registry every format goes through."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from ospo_scan.errors import ReportError
from ospo_scan.model import Diagnostic, ScanResult, SourceLocation
from ospo_scan.report import REPORTERS, get_reporter, reporter_names
from tests.report.conftest import (
    ACME,
    DEV_SKIPPED,
    GPL_THING,
    JOL,
    MYSTERY,
    PSYCOPG,
    make_context,
)

ANSI = re.compile("\x1b\\[[0-9;]*m")


def render(result: ScanResult, *, color: bool = False, **extra: str) -> str:
    return get_reporter("table").render(result, make_context(color=color, extra=extra))


def finding_block(text: str, purl: str) -> str:
    """The line of a finding plus its continuation lines (indented under the severity)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if purl in line and line[:1] != " ")
    block = [lines[start]]
    for line in lines[start + 1 :]:
        if not line.startswith(" " * 9):
            break
        block.append(line.strip())
    return " ".join(block)


def test_each_finding_with_severity_purl_licenses_rule_and_message(scan_result: ScanResult) -> None:
    text = render(scan_result)
    acme = finding_block(text, ACME)
    assert acme.startswith("error    pkg:npm/acme-sdk@2.0.0")
    assert "LicenseRef-ospo-acme-commercial-license" in acme
    assert "license-unknown:" in acme
    assert "is not a known license" in acme
    psycopg = finding_block(text, PSYCOPG)
    assert psycopg.startswith("warning  pkg:pypi/psycopg2@2.9.9")
    assert "LGPL-3.0-or-later" in psycopg
    assert "license-review: LGPL-3.0-or-later needs review (weak-copyleft)" in psycopg
    mystery = finding_block(text, MYSTERY)
    assert "license-unresolved:" in mystery
    assert "no license found: no license in the registry metadata" in mystery
    policy = finding_block(text, "(policy)")
    assert policy.startswith("warning  (policy)")
    assert "exception-stale: the exception for pkg:npm/old-lib matched no component" in policy


def test_message_does_not_repeat_the_purl(scan_result: ScanResult) -> None:
    findings = tuple(
        replace(f, message=f"{f.purl}: {f.message}") if f.purl == PSYCOPG else f
        for f in scan_result.findings
    )
    block = finding_block(render(replace(scan_result, findings=findings)), PSYCOPG)
    assert block.count(PSYCOPG) == 1
    assert "license-review: LGPL-3.0-or-later needs review (weak-copyleft)" in block


def test_elected_license_and_exception_without_expiry(scan_result: ScanResult) -> None:
    findings = tuple(
        replace(
            f,
            licenses=("GPL-3.0-only OR LGPL-3.0-only",),
            elected="LGPL-3.0-only",
            exception=replace(f.exception, expires=None) if f.exception else None,
        )
        if f.purl == GPL_THING
        else f
        for f in scan_result.findings
    )
    block = finding_block(render(replace(scan_result, findings=findings)), GPL_THING)
    assert "GPL-3.0-only OR LGPL-3.0-only" in block
    assert "an exception applies (elected: LGPL-3.0-only)" in block
    assert "(approved by legal@example.test)" in block


def test_exception_applied_is_shown(scan_result: ScanResult) -> None:
    block = finding_block(render(scan_result), GPL_THING)
    assert block.startswith("info     pkg:npm/gpl-thing@1.0.0")
    assert (
        "exception applied: used only by the build, not shipped "
        "(approved by legal@example.test, expires 2030-06-30)"
    ) in block


def test_findings_ordered_errors_first(scan_result: ScanResult) -> None:
    text = render(scan_result)
    order = [text.index(f"\n{severity} ") for severity in ("error  ", "warning", "info   ")]
    assert order == sorted(order)
    assert text.index(ACME) < text.index(MYSTERY) < text.index(JOL) < text.index(GPL_THING)


def test_warnings_and_lockfile_errors_come_before_the_findings(scan_result: ScanResult) -> None:
    text = render(scan_result)
    errors = text.index("Lockfile errors (1)")
    warnings = text.index("Input warnings (2)")
    findings = text.index("Findings (6)")
    assert errors < warnings < findings
    section = text[errors:warnings]
    assert "poetry.lock (poetry-lock): poetry.lock:12: invalid TOML" in section
    section = text[warnings:findings]
    assert 'requirements.txt:4: "requests>=2" is not pinned' in section
    assert 'package-lock.json: packages["node_modules/local-lib"]: git dependency:' in section


def test_summary_counts(scan_result: ScanResult) -> None:
    text = render(scan_result)
    summary = text[text.index("\nSummary\n") :]
    assert "  components  15 from 6 lockfiles (1 with errors), 9 direct\n" in summary
    assert (
        "  verdicts    allow 9, review 2, unknown 1, unresolved 1, excepted 1, ignored 1\n"
        in summary
    )
    assert "  findings    2 errors, 3 warnings, 1 info (1 with an exception applied)\n" in summary
    assert "  ecosystems  cargo 1, golang 1, maven 1, npm 9, pypi 3\n" in summary
    assert "  scopes      required 7, optional 1, dev 2, unknown 5\n" in summary
    assert "  unresolved  1\n" in summary


def test_top_licenses(scan_result: ScanResult) -> None:
    text = render(scan_result, top="2")
    section = text[text.index("Licenses (top 2 of 8)") :].splitlines()
    assert section[1:3] == ["  6  MIT", "  1  Apache-2.0 AND BSD-3-Clause"]
    assert section[3] == ""
    assert "Licenses\n" in render(scan_result)  # all eight fit under the default of ten


def test_unresolved_components_listed(scan_result: ScanResult) -> None:
    text = render(scan_result)
    section = text[text.index("Unresolved components (1)") :]
    assert f"  {MYSTERY}: no license in the registry metadata" in section
    assert DEV_SKIPPED not in text  # left out of the scan: neither a finding nor unresolved


def test_no_colour_unless_asked(scan_result: ScanResult) -> None:
    plain = render(scan_result)
    assert "\x1b" not in plain
    coloured = render(scan_result, color=True)
    assert "\x1b[1;31merror\x1b[0m    pkg:npm/acme-sdk@2.0.0" in coloured
    assert "\x1b[33mwarning\x1b[0m  pkg:pypi/psycopg2@2.9.9" in coloured
    assert "\x1b[1mSummary\x1b[0m" in coloured
    assert ANSI.sub("", coloured) == plain


def test_fits_in_100_columns(scan_result: ScanResult) -> None:
    for line in render(scan_result).splitlines():
        assert len(line) <= 100, line
    for line in render(scan_result, width="72").splitlines():
        assert len(line) <= 72, line


def test_bad_options_fall_back_to_defaults(scan_result: ScanResult) -> None:
    assert render(scan_result, width="wide", top="many") == render(scan_result)


def test_a_purl_is_never_cut(scan_result: ScanResult) -> None:
    """A word longer than the line overflows rather than breaking: purls must stay copyable."""
    text = render(scan_result, width="60")
    assert "pkg:maven/org.openjdk/jol-core@0.17" in text
    assert "GPL-2.0-only WITH Classpath-exception-2.0" in text.replace("\n         ", " ")


def test_terminal_control_characters_are_neutralised(scan_result: ScanResult) -> None:
    evil = Diagnostic(SourceLocation("package-lock.json", 3), "bad\x1b]0;pwned\x07\nname\x9b2J")
    text = render(replace(scan_result, diagnostics=(evil,)), color=False)
    assert "\x1b" not in text
    assert "\x07" not in text
    assert "\x9b" not in text
    assert "package-lock.json:3: bad?]0;pwned? name?2J" in text


def test_empty_scan(empty_result: ScanResult) -> None:
    text = render(empty_result)
    assert text.splitlines()[0] == "ospo-scan 0.1.0: policy permissive, offline"
    assert "Findings (0)\n  no findings\n" in text
    assert "  components  0 from 1 lockfile, 0 direct\n" in text
    assert "Unresolved" not in text
    assert "Licenses" not in text
    assert text.endswith("\n") and not text.endswith("\n\n")


# --- the registry ----------------------------------------------------------------------------


def test_registry_names_and_classes() -> None:
    assert reporter_names() == ("table", "json", "cyclonedx-json", "cyclonedx-xml")
    suffixes = {}
    for name in reporter_names():
        reporter = get_reporter(name)
        assert reporter.name == name
        suffixes[name] = reporter.suffix
    assert suffixes == {
        "table": ".txt",
        "json": ".json",
        "cyclonedx-json": ".cdx.json",
        "cyclonedx-xml": ".cdx.xml",
    }
    assert set(REPORTERS) == set(reporter_names())


def test_unknown_format_is_a_report_error() -> None:
    with pytest.raises(ReportError, match=r"unknown report format 'sarif' \(expected one of table"):
        get_reporter("sarif")


def test_reporter_modules_load_lazily() -> None:
    code = (
        "import sys\n"
        "import ospo_scan.report\n"
        "print(sorted(m for m in sys.modules if m.startswith('ospo_scan.report.')))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    ).stdout
    assert output.strip() == "['ospo_scan.report.base']"
