"""The JSON report: its fields, its determinism, and its agreement with the shipped schema."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from ospo_scan.model import Evidence, ScanResult
from ospo_scan.report import get_reporter
from ospo_scan.report.json_report import SCHEMA_VERSION, load_schema
from ospo_scan.report.summary import summarize
from tests.report.conftest import (
    ACME,
    ACME_RAW,
    BABEL,
    DEBUG,
    DEV_SKIPPED,
    GPL_THING,
    JOL,
    LOCAL_LIB,
    MS,
    MYSTERY,
    REGEX,
    bulk_result,
    make_context,
)


def render(result: ScanResult) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(get_reporter("json").render(result, make_context()))
    return data


def by_purl(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {component["purl"]: component for component in document["components"]}


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_top_level_keys_in_documented_order(scan_result: ScanResult) -> None:
    document = render(scan_result)
    assert list(document) == [
        "schema_version",
        "tool",
        "generated_at",
        "root",
        "offline",
        "license_data",
        "policy",
        "lockfiles",
        "components",
        "findings",
        "diagnostics",
        "summary",
    ]
    assert document["schema_version"] == SCHEMA_VERSION == "1.3"
    assert document["tool"] == {"name": "ospo-scan", "version": "0.1.0"}
    assert document["generated_at"] == "2025-03-14T09:26:53Z"
    assert document["root"] == "services/checkout"
    assert document["offline"] is False
    assert document["license_data"] is None  # not from a scan: freshness unknown
    assert document["policy"] == {"name": "default", "path": "policies/default.toml"}


@pytest.mark.parametrize(
    "result",
    [
        pytest.param("scan_result", id="realistic"),
        pytest.param("empty_result", id="empty"),
    ],
)
def test_output_satisfies_the_shipped_schema(
    result: str, request: pytest.FixtureRequest, validator: jsonschema.protocols.Validator
) -> None:
    validator.validate(render(request.getfixturevalue(result)))


def test_bulk_output_satisfies_the_shipped_schema(
    validator: jsonschema.protocols.Validator,
) -> None:
    document = render(bulk_result(300))
    validator.validate(document)
    assert len(document["components"]) == 300


def test_documented_example_satisfies_the_schema(
    validator: jsonschema.protocols.Validator,
) -> None:
    """docs/json-schema.md shows an example; it must stay true to the schema."""
    docs = Path(__file__).resolve().parents[2] / "docs" / "json-schema.md"
    example = docs.read_text(encoding="utf-8").split("```json\n", 1)[1].split("```", 1)[0]
    validator.validate(json.loads(example))


def test_schema_rejects_what_it_should(
    scan_result: ScanResult, validator: jsonschema.protocols.Validator
) -> None:
    """The schema is exact: an unknown key, a wrong enum value or a missing field fails."""
    document = render(scan_result)
    broken = json.loads(json.dumps(document))
    broken["components"][0]["colour"] = "blue"
    assert not validator.is_valid(broken)
    broken = json.loads(json.dumps(document))
    broken["components"][0]["verdict"] = "maybe"
    assert not validator.is_valid(broken)
    broken = json.loads(json.dumps(document))
    del broken["findings"][0]["exception"]
    assert not validator.is_valid(broken)
    broken = json.loads(json.dumps(document))
    broken["components"][0]["license"]["expression"] = ""
    assert not validator.is_valid(broken)


def test_lockfiles_sorted_with_their_error(scan_result: ScanResult) -> None:
    lockfiles = render(scan_result)["lockfiles"]
    assert [lockfile["path"] for lockfile in lockfiles] == [
        "Cargo.lock",
        "go.mod",
        "gradle.lockfile",
        "package-lock.json",
        "poetry.lock",
        "requirements.txt",
    ]
    assert lockfiles[4] == {
        "path": "poetry.lock",
        "format": "poetry-lock",
        "components": 0,
        "error": (
            "poetry.lock:12: invalid TOML: unexpected character (expected a key = value pair)"
        ),
    }
    assert lockfiles[3]["error"] is None
    assert lockfiles[3]["components"] == 9


def test_component_fields(scan_result: ScanResult) -> None:
    components = by_purl(render(scan_result))
    assert list(components) == sorted(components)
    babel = components[BABEL]
    assert babel == {
        "purl": BABEL,
        "name": "@babel/core",
        "version": "7.24.0",
        "ecosystem": "npm",
        "scope": "required",
        "direct": True,
        "registry": True,
        "download_url": None,
        "locations": [
            {"path": "package-lock.json", "line": None, "key": 'packages["pkg:npm/%40babel/core"]'}
        ],
        "paths": [[BABEL]],
        "dependencies": [DEBUG, MS],
        "hashes": [],
        "license": {
            "expression": "MIT",
            "source": "lockfile",
            "confidence": 1.0,
            "evidence": [{"source": "lockfile", "value": "MIT", "detail": "package-lock.json"}],
            "reason": None,
            "acknowledgement": "declared",
            "declared": "MIT",
            "cached": False,
            "method": "declared",
        },
        "verdict": "allow",
        "elected": None,
    }
    # Duplicate edges in the graph are written once.
    assert components[DEBUG]["dependencies"] == [MS]


def test_license_cases(scan_result: ScanResult) -> None:
    components = by_purl(render(scan_result))
    regex = components[REGEX]
    assert regex["license"]["expression"] == "MIT OR Apache-2.0"
    assert regex["elected"] == "MIT"
    assert regex["scope"] is None
    acme = components[ACME]["license"]
    assert acme["expression"] == "LicenseRef-ospo-acme-commercial-license"
    assert acme["evidence"][0]["value"] == ACME_RAW
    assert acme["confidence"] == 0.3
    assert components[ACME]["verdict"] == "unknown"
    mystery = components[MYSTERY]
    assert mystery["license"]["expression"] is None
    assert mystery["license"]["reason"] == "no license in the registry metadata"
    assert mystery["verdict"] == "unresolved"
    assert components[JOL]["license"]["expression"] == "GPL-2.0-only WITH Classpath-exception-2.0"
    assert components[JOL]["scope"] == "optional"
    assert components[JOL]["direct"] is None
    assert components[DEV_SKIPPED]["verdict"] == "ignored"
    assert components[DEV_SKIPPED]["scope"] == "dev"


def test_non_registry_component(scan_result: ScanResult) -> None:
    local = by_purl(render(scan_result))[LOCAL_LIB]
    assert local["registry"] is False
    assert local["version"] is None
    assert local["download_url"] == "git+https://git.test/acme/local-lib.git#5f1efd90"


def test_findings_with_exception_and_policy_level(scan_result: ScanResult) -> None:
    findings = render(scan_result)["findings"]
    assert [(finding["purl"], finding["rule"]) for finding in findings] == [
        (None, "exception-stale"),
        (JOL, "license-review"),
        (ACME, "license-unknown"),
        (GPL_THING, "exception-applied"),
        ("pkg:pypi/mystery@0.1", "license-unresolved"),
        ("pkg:pypi/psycopg2@2.9.9", "license-review"),
    ]
    excepted = findings[3]
    assert excepted["severity"] == "info"
    assert excepted["licenses"] == ["GPL-3.0-only"]
    assert excepted["exception"] == {
        "purl": "pkg:npm/gpl-thing",
        "version": "1.0.0",
        "licenses": ["GPL-3.0-only"],
        "reason": "used only by the build, not shipped",
        "approved_by": "legal@example.test",
        "expires": "2030-06-30",
    }
    assert findings[2]["exception"] is None
    assert findings[0]["message"] == "the exception for pkg:npm/old-lib matched no component"


def test_diagnostics_sorted_with_line_or_key(scan_result: ScanResult) -> None:
    assert render(scan_result)["diagnostics"] == [
        {
            "path": "package-lock.json",
            "line": None,
            "key": 'packages["node_modules/local-lib"]',
            "severity": "warning",
            "message": "git dependency: git+https://git.test/acme/local-lib.git",
        },
        {
            "path": "requirements.txt",
            "line": 4,
            "key": None,
            "severity": "warning",
            "message": '"requests>=2" is not pinned',
        },
    ]


def test_summary_counts(scan_result: ScanResult) -> None:
    summary = render(scan_result)["summary"]
    assert summary == summarize(scan_result)
    assert summary["components"] == 15
    assert summary["direct"] == 9
    assert summary["unresolved"] == 1  # the ignored dev component was never looked up
    assert summary["findings"] == 6
    assert summary["exceptions_applied"] == 1
    assert summary["lockfiles"] == 6
    assert summary["lockfiles_with_errors"] == 1
    assert summary["diagnostics"] == 2
    assert summary["by_verdict"] == {
        "allow": 9,
        "review": 2,
        "deny": 0,
        "unknown": 1,
        "unresolved": 1,
        "excepted": 1,
        "ignored": 1,
    }
    assert summary["by_severity"] == {"error": 2, "warning": 3, "info": 1}
    assert summary["by_scope"] == {"required": 7, "optional": 1, "dev": 2, "unknown": 5}
    assert summary["by_ecosystem"] == {"cargo": 1, "golang": 1, "maven": 1, "npm": 9, "pypi": 3}
    assert list(summary["by_license"].items())[:2] == [
        ("MIT", 6),
        ("Apache-2.0 AND BSD-3-Clause", 1),
    ]
    assert sum(summary["by_license"].values()) == 13  # 15 minus the two without a license


def test_empty_scan(empty_result: ScanResult) -> None:
    document = render(empty_result)
    assert document["components"] == []
    assert document["findings"] == []
    assert document["root"] is None
    assert document["offline"] is True
    assert document["policy"] == {"name": "permissive", "path": None}
    assert document["summary"]["components"] == 0
    assert document["summary"]["by_license"] == {}


def test_deterministic_whatever_the_input_order(scan_result: ScanResult) -> None:
    reporter = get_reporter("json")
    first = reporter.render(scan_result, make_context())
    shuffled = replace(
        scan_result,
        components=tuple(reversed(scan_result.components)),
        findings=tuple(reversed(scan_result.findings)),
        lockfiles=tuple(reversed(scan_result.lockfiles)),
        diagnostics=tuple(reversed(scan_result.diagnostics)),
    )
    assert reporter.render(shuffled, make_context()) == first
    assert first.endswith("}\n")


def test_one_component_per_line(scan_result: ScanResult) -> None:
    """Each record sits on its own line, so a diff of two scans shows one line per change."""
    text = get_reporter("json").render(scan_result, make_context())
    lines = [line for line in text.splitlines() if line.lstrip().startswith('{"purl": ')]
    assert len(lines) == 15 + 6  # components, then findings
    assert sum(1 for line in lines if f'"purl": "{BABEL}"' in line) == 1


def test_unencodable_text_is_escaped(scan_result: ScanResult) -> None:
    """A lone surrogate (a JSON lockfile may say "\\ud800") must not break UTF-8 output."""
    first = scan_result.components[0]
    odd = replace(
        first,
        resolution=replace(
            first.resolution, evidence=(Evidence("lockfile", "MIT\ud800 \x1b[31m café"),)
        ),
    )
    result = replace(scan_result, components=(odd, *scan_result.components[1:]))
    text = get_reporter("json").render(result, make_context())
    text.encode("utf-8")
    evidence = json.loads(text)["components"][0]["license"]["evidence"][0]
    assert evidence["value"] == "MIT\ud800 \x1b[31m café"
