"""Counts over a scan result, shared by the table and JSON reports."""

from __future__ import annotations

from collections import Counter
from typing import TypedDict

from ospo_scan.model import ScannedComponent, ScanResult, Scope, Severity, Verdict

# Key of ``by_scope`` for components whose lockfile does not record a scope.
UNKNOWN_SCOPE = "unknown"


class Summary(TypedDict):
    """What ``summarize`` returns; the JSON report writes it as its ``summary`` object."""

    components: int
    direct: int
    unresolved: int
    findings: int
    exceptions_applied: int
    lockfiles: int
    lockfiles_with_errors: int
    diagnostics: int
    by_verdict: dict[str, int]
    by_severity: dict[str, int]
    by_scope: dict[str, int]
    by_ecosystem: dict[str, int]
    by_license: dict[str, int]


def is_unresolved(scanned: ScannedComponent) -> bool:
    """Whether a component in scope has no license: unresolved, excepted or not.

    Components the scan left out (verdict ``ignored``, e.g. dev dependencies under
    ``--exclude-dev``) were never looked up, so they do not count as unresolved.
    """
    return scanned.resolution.expression is None and scanned.verdict is not Verdict.IGNORED


def summarize(result: ScanResult) -> Summary:
    """Return the counts of a scan result.

    ``by_verdict`` and ``by_severity`` list every value (zero included) in a fixed order
    (verdicts as declared in ``model.Verdict``, severities error first); ``by_scope`` lists
    required, optional, dev and unknown; ``by_ecosystem`` is sorted by name; ``by_license``
    counts resolved SPDX expressions, most common first, ties by expression. Never raises.
    """
    components = result.components
    verdicts = Counter(scanned.verdict for scanned in components)
    severities = Counter(finding.severity for finding in result.findings)
    scopes = Counter(
        scanned.component.scope.value if scanned.component.scope else UNKNOWN_SCOPE
        for scanned in components
    )
    ecosystems = Counter(scanned.component.ecosystem for scanned in components)
    licenses = Counter(
        scanned.resolution.expression
        for scanned in components
        if scanned.resolution.expression is not None
    )
    return Summary(
        components=len(components),
        direct=sum(1 for scanned in components if scanned.component.direct),
        unresolved=sum(1 for scanned in components if is_unresolved(scanned)),
        findings=len(result.findings),
        exceptions_applied=sum(1 for finding in result.findings if finding.exception),
        lockfiles=len(result.lockfiles),
        lockfiles_with_errors=sum(1 for lockfile in result.lockfiles if lockfile.error),
        diagnostics=len(result.diagnostics),
        by_verdict={verdict.value: verdicts[verdict] for verdict in Verdict},
        by_severity={
            severity.value: severities[severity]
            for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)
        },
        by_scope={name: scopes[name] for name in (*(s.value for s in Scope), UNKNOWN_SCOPE)},
        by_ecosystem=dict(sorted(ecosystems.items())),
        by_license=dict(sorted(licenses.items(), key=lambda item: (-item[1], item[0]))),
    )
