"""The JSON report: the versioned, documented contract for CI jobs and the SBOM archive.

The shape is described by ``schema/scan-result-v1.schema.json`` (shipped with the package)
and ``docs/json-schema.md``. ``schema_version`` follows semantic versioning: a minor bump adds
optional fields, a major bump changes or removes one. Output is deterministic: lists are sorted
and keys are written in a fixed order, so two scans of the same input differ only in
``generated_at``.
"""

from __future__ import annotations

import json
from typing import Any

from ospo_scan.model import (
    AppliedException,
    Diagnostic,
    Finding,
    LicenseDataInfo,
    LockfileReport,
    ReportContext,
    ScannedComponent,
    ScanResult,
    SourceLocation,
)
from ospo_scan.report.base import dump_document, iso_timestamp
from ospo_scan.report.summary import summarize

# 1.1 added license_data and the license's provenance; 1.2 its method; 1.3 the method
# "source-header".
SCHEMA_VERSION = "1.3"

# The JSON Schema of this output, shipped inside this package (see ``load_schema``).
SCHEMA_RESOURCE = ("schema", "scan-result-v1.schema.json")


class JsonReporter:
    """``--format json``: the scan result as one JSON document."""

    name = "json"
    suffix = ".json"

    def render(self, result: ScanResult, context: ReportContext) -> str:
        """Return the JSON document as text, ending with a newline. Never raises."""
        return dump_document(build_document(result, context))


def load_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) that this report's output satisfies.

    Raises ``OSError`` or ``ValueError`` only if the installed package is damaged.
    """
    from importlib import resources  # only tests and tooling need the schema

    resource = resources.files("ospo_scan.report").joinpath(*SCHEMA_RESOURCE)
    schema: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return schema


def build_document(result: ScanResult, context: ReportContext) -> dict[str, Any]:
    """Return the report as plain JSON data, keys in documented order. Never raises."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": context.tool_name, "version": context.tool_version},
        "generated_at": iso_timestamp(context.timestamp),
        "root": result.root,
        "offline": result.offline,
        "license_data": _license_data(result.license_data),
        "policy": {"name": result.policy_name, "path": result.policy_path},
        "lockfiles": [_lockfile(lockfile) for lockfile in sorted(result.lockfiles, key=_by_path)],
        "components": [
            _component(scanned)
            for scanned in sorted(result.components, key=lambda s: s.component.purl)
        ],
        "findings": [_finding(finding) for finding in sorted(result.findings, key=_finding_key)],
        "diagnostics": [
            _diagnostic(diagnostic)
            for diagnostic in sorted(result.diagnostics, key=_diagnostic_key)
        ],
        "summary": summarize(result),
    }


def _by_path(lockfile: LockfileReport) -> str:
    return lockfile.path


def _finding_key(finding: Finding) -> tuple[str, str, str, str]:
    return (finding.purl or "", finding.rule, finding.severity.value, finding.message)


def _diagnostic_key(diagnostic: Diagnostic) -> tuple[str, int, str, str]:
    location = diagnostic.location
    return (location.path, location.line or 0, location.key or "", diagnostic.message)


def _lockfile(lockfile: LockfileReport) -> dict[str, Any]:
    return {
        "path": lockfile.path,
        "format": lockfile.format,
        "components": lockfile.components,
        "error": lockfile.error,
    }


def _location(location: SourceLocation) -> dict[str, Any]:
    return {"path": location.path, "line": location.line, "key": location.key}


def _component(scanned: ScannedComponent) -> dict[str, Any]:
    from ospo_scan.licenses.resolve import (
        acknowledgement,
        answered_from_cache,
        declared_license,
    )

    component = scanned.component
    resolution = scanned.resolution
    return {
        "purl": component.purl,
        "name": component.name,
        "version": component.version,
        "ecosystem": component.ecosystem,
        "scope": component.scope.value if component.scope else None,
        "direct": component.direct,
        "registry": component.registry,
        "download_url": component.download_url,
        "locations": [_location(location) for location in component.locations],
        "paths": [list(path) for path in component.paths],
        "dependencies": sorted(set(component.dependencies)),
        "hashes": [
            {"algorithm": algorithm, "value": value} for algorithm, value in component.hashes
        ],
        "license": {
            "expression": resolution.expression,
            "source": resolution.source,
            "confidence": round(resolution.confidence, 4),
            "evidence": [
                {"source": item.source, "value": item.value, "detail": item.detail}
                for item in resolution.evidence
            ],
            "reason": resolution.reason,
            "acknowledgement": acknowledgement(resolution),
            "declared": declared_license(resolution),
            "cached": answered_from_cache(resolution),
            "method": resolution.method,
        },
        "verdict": scanned.verdict.value,
        "elected": scanned.elected,
    }


def _exception(exception: AppliedException | None) -> dict[str, Any] | None:
    if exception is None:
        return None
    return {
        "purl": exception.purl,
        "version": exception.version,
        "licenses": list(exception.licenses),
        "reason": exception.reason,
        "approved_by": exception.approved_by,
        "expires": exception.expires.isoformat() if exception.expires else None,
    }


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "purl": finding.purl,
        "severity": finding.severity.value,
        "rule": finding.rule,
        "licenses": list(finding.licenses),
        "elected": finding.elected,
        "message": finding.message,
        "exception": _exception(finding.exception),
    }


def _diagnostic(diagnostic: Diagnostic) -> dict[str, Any]:
    return {
        **_location(diagnostic.location),
        "severity": diagnostic.severity.value,
        "message": diagnostic.message,
    }


def _license_data(info: LicenseDataInfo | None) -> dict[str, Any] | None:
    if info is None:
        return None
    snapshot = None
    if info.snapshot_created is not None:
        snapshot = {
            "created_at": iso_timestamp(info.snapshot_created),
            "source": info.snapshot_source,
        }
    return {
        "offline": info.offline,
        "cache_entries": info.cache_entries,
        "oldest_entry": None if info.oldest is None else iso_timestamp(info.oldest),
        "newest_entry": None if info.newest is None else iso_timestamp(info.newest),
        "snapshot": snapshot,
    }
