"""Provenance in the reports: declared vs concluded (CycloneDX 1.6 acknowledgement), evidence,
curations and cache answers, valid against the official CycloneDX schemas and our JSON schema."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import jsonschema
import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from cyclonedx.validation.xml import XmlValidator

from ospo_scan.model import (
    Component,
    Evidence,
    Resolution,
    ScannedComponent,
    ScanResult,
    Verdict,
)
from ospo_scan.report import get_reporter
from ospo_scan.report.json_report import load_schema
from tests.report.conftest import make_context

NS = {"cdx": "http://cyclonedx.org/schema/bom/1.6"}
CURATION_DETAIL = (
    "org.toml:3: curations[0] (pkg:npm/glob, <=4.0.4): LICENSE is the two-clause text. "
    "(curated by Jane Doe on 2026-03-02; evidence: pkg:npm/glob@3.2.11#LICENSE)"
)
LONG_TEXT = "Permission is hereby granted, free of charge, to any person " * 10


def item(purl: str, resolution: Resolution, verdict: Verdict = Verdict.ALLOW) -> ScannedComponent:
    name, _, version = purl.split("/", 1)[1].partition("@")
    component = Component(purl=purl, name=name, version=version, ecosystem=purl[4:].split("/")[0])
    return ScannedComponent(component, resolution, verdict)


CASES = {
    # A curation replaced the lockfile's "BSD".
    "pkg:npm/glob@3.2.11": Resolution(
        "BSD-2-Clause",
        "curation",
        1.0,
        (
            Evidence("curation", "BSD-2-Clause", CURATION_DETAIL),
            Evidence("lockfile", "BSD", "package-lock.json:20"),
        ),
    ),
    # A curated compound expression, the registry's word kept through the cache.
    "pkg:npm/dual@1.0.0": Resolution(
        "MIT OR AFL-2.1",
        "curation",
        1.0,
        (
            Evidence("curation", "MIT OR AFL-2.1", "org.toml:11: curations[1] (pkg:npm/dual)"),
            Evidence("registry:npm", "MIT", "https://registry.test/npm/dual/1.0.0"),
            Evidence("cache", "registry:npm", "license cache entry stored 2026-11-01T10:00:00Z"),
        ),
    ),
    # The registry declared a valid SPDX id, read from the cache.
    "pkg:npm/plain@2.0.0": Resolution(
        "Apache-2.0",
        "registry:npm",
        1.0,
        (
            Evidence("registry:npm", "Apache-2.0", "https://registry.test/npm/plain/2.0.0"),
            Evidence("cache", "registry:npm", "license cache entry stored 2026-11-01T10:00:00Z"),
        ),
    ),
    # The whole license text in a metadata field: concluded, the text kept as declared.
    "pkg:pypi/texty@1.0": Resolution(
        "MIT",
        "registry:pypi",
        0.75,
        (
            Evidence(
                "registry:pypi", LONG_TEXT, "https://registry.test/pypi/texty/json info.license"
            ),
        ),
    ),
    # A license text matched against the SPDX texts: no declaration at all.
    "pkg:golang/git.test/x/y@v1.0.0": Resolution(
        "BSD-3-Clause",
        "license-file",
        0.98,
        (Evidence("license-file", "LICENSE", "module zip, score 0.98"),),
    ),
    # A deprecated id: declared GPL-2.0, concluded GPL-2.0-only.
    "pkg:npm/old-gpl@1.0.0": Resolution(
        "GPL-2.0-only",
        "lockfile",
        0.95,
        (Evidence("lockfile", "GPL-2.0", "package-lock.json:40"),),
    ),
    "pkg:npm/gone@1.0.0": Resolution(
        None, "registry:npm", 0.0, (), "not found in the npm registry"
    ),
}


@pytest.fixture
def result() -> ScanResult:
    components = tuple(item(purl, resolution) for purl, resolution in sorted(CASES.items()))
    return ScanResult(components=components, findings=(), lockfiles=(), policy_name="default")


def cdx_json(result: ScanResult) -> tuple[str, dict[str, dict[str, Any]]]:
    text = get_reporter("cyclonedx-json").render(result, make_context())
    return text, {c["purl"]: c for c in json.loads(text)["components"]}


def properties(component: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p["name"], p["value"]) for p in component["properties"]]


def test_valid_against_the_official_schemas(result: ScanResult) -> None:
    text, _ = cdx_json(result)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    xml = get_reporter("cyclonedx-xml").render(result, make_context())
    assert XmlValidator(SchemaVersion.V1_6).validate_str(xml) is None


def test_curated_license_is_concluded_and_the_declaration_is_evidence(result: ScanResult) -> None:
    _, components = cdx_json(result)
    glob = components["pkg:npm/glob@3.2.11"]
    assert glob["licenses"] == [{"license": {"id": "BSD-2-Clause", "acknowledgement": "concluded"}}]
    assert glob["evidence"] == {
        "licenses": [{"license": {"name": "BSD", "acknowledgement": "declared"}}]
    }
    assert ("ospo-scan:license-source", "curation") in properties(glob)
    assert ("ospo-scan:license-acknowledgement", "concluded") in properties(glob)
    assert ("ospo-scan:license-evidence", f"curation: BSD-2-Clause ({CURATION_DETAIL})") in (
        properties(glob)
    )
    dual = components["pkg:npm/dual@1.0.0"]
    assert dual["licenses"] == [{"expression": "MIT OR AFL-2.1", "acknowledgement": "concluded"}]
    assert dual["evidence"]["licenses"] == [
        {"license": {"id": "MIT", "acknowledgement": "declared"}}
    ]
    assert ("ospo-scan:license-cached", "true") in properties(dual)


def test_a_declared_license_has_no_evidence_block(result: ScanResult) -> None:
    _, components = cdx_json(result)
    plain = components["pkg:npm/plain@2.0.0"]
    assert plain["licenses"] == [{"license": {"id": "Apache-2.0", "acknowledgement": "declared"}}]
    assert "evidence" not in plain
    assert ("ospo-scan:license-cached", "true") in properties(plain)
    gone = components["pkg:npm/gone@1.0.0"]
    assert "licenses" not in gone and "evidence" not in gone
    assert not any(name == "ospo-scan:license-acknowledgement" for name, _ in properties(gone))


def test_text_matches_and_readings_are_concluded(result: ScanResult) -> None:
    _, components = cdx_json(result)
    texty = components["pkg:pypi/texty@1.0"]
    assert texty["licenses"] == [{"license": {"id": "MIT", "acknowledgement": "concluded"}}]
    (declared,) = texty["evidence"]["licenses"]
    assert len(declared["license"]["name"]) == 200 and declared["license"]["name"].endswith("...")
    assert declared["license"]["text"] == {"content": LONG_TEXT, "contentType": "text/plain"}
    detected = components["pkg:golang/git.test/x/y@v1.0.0"]
    assert detected["licenses"] == [
        {"license": {"id": "BSD-3-Clause", "acknowledgement": "concluded"}}
    ]
    assert "evidence" not in detected  # nothing declared
    old = components["pkg:npm/old-gpl@1.0.0"]
    assert old["licenses"][0]["license"] == {"id": "GPL-2.0-only", "acknowledgement": "concluded"}
    # The schema's SPDX list keeps deprecated ids, so the declaration stays an id.
    assert old["evidence"]["licenses"] == [
        {"license": {"id": "GPL-2.0", "acknowledgement": "declared"}}
    ]


def test_xml_carries_the_same_acknowledgements(result: ScanResult) -> None:
    root = ET.fromstring(get_reporter("cyclonedx-xml").render(result, make_context()))
    components = {
        c.findtext("cdx:purl", namespaces=NS): c
        for c in root.findall("cdx:components/cdx:component", NS)
    }
    glob = components["pkg:npm/glob@3.2.11"]
    license = glob.find("cdx:licenses/cdx:license", NS)
    assert license is not None and license.get("acknowledgement") == "concluded"
    declared = glob.find("cdx:evidence/cdx:licenses/cdx:license", NS)
    assert declared is not None and declared.get("acknowledgement") == "declared"
    assert declared.findtext("cdx:name", namespaces=NS) == "BSD"
    expression = components["pkg:npm/dual@1.0.0"].find("cdx:licenses/cdx:expression", NS)
    assert expression is not None
    assert (expression.text, expression.get("acknowledgement")) == ("MIT OR AFL-2.1", "concluded")


def test_json_report_records_the_provenance(result: ScanResult) -> None:
    document = json.loads(get_reporter("json").render(result, make_context()))
    schema = load_schema()
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
        document
    )
    licenses = {c["purl"]: c["license"] for c in document["components"]}
    provenance = {
        purl: (lic["source"], lic["acknowledgement"], lic["declared"], lic["cached"])
        for purl, lic in licenses.items()
    }
    assert provenance == {
        "pkg:golang/git.test/x/y@v1.0.0": ("license-file", "concluded", None, False),
        "pkg:npm/dual@1.0.0": ("curation", "concluded", "MIT", True),
        "pkg:npm/glob@3.2.11": ("curation", "concluded", "BSD", False),
        "pkg:npm/gone@1.0.0": ("registry:npm", None, None, False),
        "pkg:npm/old-gpl@1.0.0": ("lockfile", "concluded", "GPL-2.0", False),
        "pkg:npm/plain@2.0.0": ("registry:npm", "declared", "Apache-2.0", True),
        "pkg:pypi/texty@1.0": ("registry:pypi", "concluded", LONG_TEXT, False),
    }
