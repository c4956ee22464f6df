"""CycloneDX 1.6 JSON and XML: valid against the official schemas, with the fields we promise."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from cyclonedx.validation.xml import XmlValidator

from ospo_scan.errors import ReportError
from ospo_scan.model import (
    Evidence,
    LockfileReport,
    Resolution,
    ScannedComponent,
    ScanResult,
    Verdict,
)
from ospo_scan.report import get_reporter
from ospo_scan.report.cyclonedx import ROOT_REF, spdx_license_ids, validate_document
from tests.report.conftest import (
    ACME,
    ACME_RAW,
    BABEL,
    CRYPTO,
    DEBUG,
    DEV_SKIPPED,
    GPL_THING,
    JEST,
    JOL,
    LEFT_PAD,
    LOCAL_LIB,
    MOMENT,
    MS,
    MYSTERY,
    PSYCOPG,
    REGEX,
    SERIAL,
    X_TEXT,
    bulk_result,
    make_context,
)

NS = {"cdx": "http://cyclonedx.org/schema/bom/1.6"}


def render_json(result: ScanResult) -> str:
    return get_reporter("cyclonedx-json").render(result, make_context())


def render_xml(result: ScanResult) -> str:
    return get_reporter("cyclonedx-xml").render(result, make_context())


def assert_valid(json_text: str, xml_text: str) -> None:
    json_error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(json_text)
    assert json_error is None, str(json_error)
    xml_error = XmlValidator(SchemaVersion.V1_6).validate_str(xml_text)
    assert xml_error is None, str(xml_error)


def properties(component: dict[str, Any]) -> list[tuple[str, str]]:
    return [(item["name"], item["value"]) for item in component.get("properties", [])]


def json_components(text: str) -> dict[str, dict[str, Any]]:
    return {item["bom-ref"]: item for item in json.loads(text)["components"]}


def xml_components(text: str) -> dict[str, ET.Element]:
    root = ET.fromstring(text)
    return {
        element.get("bom-ref", ""): element
        for element in root.findall("cdx:components/cdx:component", NS)
    }


# --- validity --------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["scan_result", "empty_result"])
def test_valid_against_the_official_schemas(fixture: str, request: pytest.FixtureRequest) -> None:
    result = request.getfixturevalue(fixture)
    assert_valid(render_json(result), render_xml(result))


def test_bulk_output_is_valid() -> None:
    result = bulk_result(250)
    assert_valid(render_json(result), render_xml(result))


def test_hostile_text_stays_valid(scan_result: ScanResult) -> None:
    """Markup characters, control characters and lone surrogates from a lockfile."""
    hostile = 'A & B <x> "q" \x00\x1b[31m\r\n\t\ud800 \ufffe end'
    changed = []
    for scanned in scan_result.components:
        if scanned.component.purl == ACME:
            scanned = replace(
                scanned,
                resolution=replace(
                    scanned.resolution, evidence=(Evidence("lockfile", hostile, hostile),)
                ),
                component=replace(scanned.component, name=f"acme {hostile}"),
            )
        changed.append(scanned)
    result = replace(scan_result, components=tuple(changed), root=hostile)
    json_text, xml_text = render_json(result), render_xml(result)
    assert_valid(json_text, xml_text)
    json_text.encode("utf-8")
    xml_text.encode("utf-8")
    acme = xml_components(xml_text)[ACME]
    name = acme.findtext("cdx:name", namespaces=NS)
    assert name == 'acme A & B <x> "q" \ufffd\ufffd[31m\r\n\t\ufffd \ufffd end'
    text = acme.findtext("cdx:licenses/cdx:license/cdx:text", namespaces=NS)
    assert text == 'A & B <x> "q" \ufffd\ufffd[31m\r\n\t\ufffd \ufffd end'
    assert json_components(json_text)[ACME]["name"] == f"acme {hostile}"


def test_validate_document_flags_a_broken_sbom(scan_result: ScanResult) -> None:
    json_text = render_json(scan_result)
    validate_document(json_text, xml=False)
    validate_document(render_xml(scan_result), xml=True)
    broken = json.loads(json_text)
    broken["components"][0]["scope"] = "dev"
    with pytest.raises(ReportError, match="invalid CycloneDX 1.6 document"):
        validate_document(json.dumps(broken), xml=False)
    with pytest.raises(ReportError, match="invalid CycloneDX 1.6 document"):
        invalid = render_xml(scan_result).replace("<scope>excluded", "<scope>dev")
        validate_document(invalid, xml=True)


# --- metadata --------------------------------------------------------------------------------


def test_json_metadata(scan_result: ScanResult) -> None:
    document = json.loads(render_json(scan_result))
    assert document["bomFormat"] == "CycloneDX"
    assert document["specVersion"] == "1.6"
    assert document["serialNumber"] == SERIAL
    assert document["version"] == 1
    metadata = document["metadata"]
    assert metadata["timestamp"] == "2025-03-14T09:26:53Z"
    assert metadata["tools"] == {
        "components": [{"type": "application", "name": "ospo-scan", "version": "0.1.0"}]
    }
    assert metadata["component"] == {
        "type": "application",
        "bom-ref": ROOT_REF,
        "name": "services/checkout",
    }
    meta = properties(metadata)
    assert ("ospo-scan:policy", "default") in meta
    assert ("ospo-scan:policy-path", "policies/default.toml") in meta
    assert (
        "ospo-scan:lockfile",
        "poetry.lock (poetry-lock): error: poetry.lock:12: invalid TOML: unexpected character "
        "(expected a key = value pair)",
    ) in meta
    assert (
        "ospo-scan:finding",
        "warning exception-stale: the exception for pkg:npm/old-lib matched no component",
    ) in meta


def test_xml_metadata(scan_result: ScanResult) -> None:
    root = ET.fromstring(render_xml(scan_result))
    assert root.tag == "{http://cyclonedx.org/schema/bom/1.6}bom"
    assert root.get("serialNumber") == SERIAL
    assert root.get("version") == "1"
    assert root.findtext("cdx:metadata/cdx:timestamp", namespaces=NS) == "2025-03-14T09:26:53Z"
    tool = root.find("cdx:metadata/cdx:tools/cdx:components/cdx:component", NS)
    assert tool is not None
    assert tool.get("type") == "application"
    assert tool.findtext("cdx:name", namespaces=NS) == "ospo-scan"
    assert tool.findtext("cdx:version", namespaces=NS) == "0.1.0"
    project = root.find("cdx:metadata/cdx:component", NS)
    assert project is not None
    assert project.get("bom-ref") == ROOT_REF


def test_project_name_from_context_and_naive_timestamp(scan_result: ScanResult) -> None:
    context = replace(
        make_context(extra={"project_name": "checkout"}), timestamp=MOMENT.replace(tzinfo=None)
    )
    document = json.loads(get_reporter("cyclonedx-json").render(scan_result, context))
    assert document["metadata"]["component"]["name"] == "checkout"
    assert document["metadata"]["timestamp"] == "2025-03-14T09:26:53Z"


# --- components ------------------------------------------------------------------------------


def test_every_component_with_bom_ref_purl_and_type(scan_result: ScanResult) -> None:
    components = json_components(render_json(scan_result))
    assert list(components) == sorted(s.component.purl for s in scan_result.components)
    for purl, component in components.items():
        assert component["type"] == "library"
        assert component["purl"] == purl
    assert components[BABEL]["name"] == "@babel/core"
    assert components[BABEL]["version"] == "7.24.0"
    assert "version" not in components[LOCAL_LIB]


def test_scope_mapping(scan_result: ScanResult) -> None:
    components = json_components(render_json(scan_result))
    assert components[LEFT_PAD]["scope"] == "required"
    assert components[JOL]["scope"] == "optional"
    assert components[JEST]["scope"] == "excluded"
    assert ("ospo-scan:scope", "dev") in properties(components[JEST])
    assert "scope" not in components[REGEX]  # unknown: consumers assume required
    assert not any(name == "ospo-scan:scope" for name, _ in properties(components[REGEX]))
    xml = xml_components(render_xml(scan_result))
    assert xml[JEST].findtext("cdx:scope", namespaces=NS) == "excluded"
    assert xml[REGEX].find("cdx:scope", NS) is None


def test_license_choices_json(scan_result: ScanResult) -> None:
    components = json_components(render_json(scan_result))
    declared = {"acknowledgement": "declared"}
    assert components[LEFT_PAD]["licenses"] == [{"license": {"id": "MIT", **declared}}]
    assert components[REGEX]["licenses"] == [{"expression": "MIT OR Apache-2.0", **declared}]
    assert components[CRYPTO]["licenses"] == [
        {"expression": "Apache-2.0 AND BSD-3-Clause", **declared}
    ]
    # Declared as "GPLv2 with Classpath Exception": the expression is ospo-scan's reading.
    assert components[JOL]["licenses"] == [
        {"expression": "GPL-2.0-only WITH Classpath-exception-2.0", "acknowledgement": "concluded"}
    ]
    assert components[ACME]["licenses"] == [
        {
            "license": {
                "name": "LicenseRef-ospo-acme-commercial-license",
                "acknowledgement": "concluded",
                "text": {"content": ACME_RAW, "contentType": "text/plain"},
            }
        }
    ]
    assert "licenses" not in components[MYSTERY]
    assert ("ospo-scan:license-unresolved", "no license in the registry metadata") in properties(
        components[MYSTERY]
    )


def test_license_choices_xml(scan_result: ScanResult) -> None:
    components = xml_components(render_xml(scan_result))
    assert components[LEFT_PAD].findtext("cdx:licenses/cdx:license/cdx:id", namespaces=NS) == "MIT"
    assert (
        components[REGEX].findtext("cdx:licenses/cdx:expression", namespaces=NS)
        == "MIT OR Apache-2.0"
    )
    acme = components[ACME].find("cdx:licenses/cdx:license", NS)
    assert acme is not None
    assert acme.findtext("cdx:name", namespaces=NS) == "LicenseRef-ospo-acme-commercial-license"
    assert acme.findtext("cdx:text", namespaces=NS) == ACME_RAW
    assert components[MYSTERY].find("cdx:licenses", NS) is None


def test_single_id_unknown_to_the_schema_is_a_name(scan_result: ScanResult) -> None:
    """An id newer than the schema's SPDX snapshot would fail validation as license.id."""
    assert "MIT" in spdx_license_ids()
    first = scan_result.components[0]
    future = replace(
        first, resolution=replace(first.resolution, expression="Future-License-9.0", evidence=())
    )
    result = replace(scan_result, components=(future, *scan_result.components[1:]))
    json_text, xml_text = render_json(result), render_xml(result)
    assert_valid(json_text, xml_text)
    component = json_components(json_text)[first.component.purl]
    assert component["licenses"] == [
        {"license": {"name": "Future-License-9.0", "acknowledgement": "concluded"}}
    ]


def test_or_later_operator_and_overlong_version(scan_result: ScanResult) -> None:
    """``GPL-2.0+`` is an SPDX expression, not an id; a version over the schemas' 1024
    characters moves to a property instead of making the document invalid."""
    first = scan_result.components[0]
    odd = replace(
        first,
        component=replace(first.component, version="1." + "0" * 1100),
        resolution=replace(first.resolution, expression="GPL-2.0+"),
    )
    result = replace(scan_result, components=(odd, *scan_result.components[1:]))
    json_text, xml_text = render_json(result), render_xml(result)
    assert_valid(json_text, xml_text)
    component = json_components(json_text)[first.component.purl]
    assert component["licenses"] == [{"expression": "GPL-2.0+", "acknowledgement": "concluded"}]
    assert "version" not in component
    assert ("ospo-scan:version", "1." + "0" * 1100) in properties(component)


def test_component_properties(scan_result: ScanResult) -> None:
    components = json_components(render_json(scan_result))
    assert properties(components[PSYCOPG]) == [
        ("ospo-scan:direct", "true"),
        ("ospo-scan:verdict", "review"),
        ("ospo-scan:license-source", "registry:pypi"),
        ("ospo-scan:license-method", "declared"),
        ("ospo-scan:license-confidence", "0.90"),
        ("ospo-scan:license-acknowledgement", "concluded"),
        (
            "ospo-scan:license-evidence",
            "registry:pypi: License :: OSI Approved :: GNU Lesser General Public License v3 "
            "or later (LGPLv3+) (requirements.txt)",
        ),
        (
            "ospo-scan:finding",
            "warning license-review: LGPL-3.0-or-later needs review (weak-copyleft)",
        ),
        ("ospo-scan:location", 'requirements.txt: packages["pkg:pypi/psycopg2"]'),
    ]
    regex = properties(components[REGEX])
    assert ("ospo-scan:elected-license", "MIT") in regex
    assert ("ospo-scan:verdict", "allow") in regex
    excepted = properties(components[GPL_THING])
    assert (
        "ospo-scan:finding",
        "info exception-applied: GPL-3.0-only is denied (strong-copyleft); an exception applies "
        "(exception: used only by the build, not shipped; approved by legal@example.test; "
        "expires 2030-06-30)",
    ) in excepted
    assert ("ospo-scan:verdict", "excepted") in excepted
    assert ("ospo-scan:license-note", "unrecognized license text") in properties(components[ACME])
    assert ("ospo-scan:verdict", "ignored") in properties(components[DEV_SKIPPED])


def test_non_registry_component_keeps_its_url(scan_result: ScanResult) -> None:
    local = json_components(render_json(scan_result))[LOCAL_LIB]
    url = "git+https://git.test/acme/local-lib.git#5f1efd90"
    assert local["externalReferences"] == [{"type": "vcs", "url": url}]
    assert ("ospo-scan:registry", "false") in properties(local)
    assert ("ospo-scan:download-url", url) in properties(local)
    reference = xml_components(render_xml(scan_result))[LOCAL_LIB].find(
        "cdx:externalReferences/cdx:reference", NS
    )
    assert reference is not None
    assert reference.get("type") == "vcs"
    assert reference.findtext("cdx:url", namespaces=NS) == url


def test_scp_like_url_is_only_a_property(scan_result: ScanResult) -> None:
    """``git@host:path`` is no IRI; as externalReferences.url it would fail validation."""
    changed = tuple(
        replace(s, component=replace(s.component, download_url="git@git.test:acme/lib.git"))
        if s.component.purl == LOCAL_LIB
        else s
        for s in scan_result.components
    )
    result = replace(scan_result, components=changed)
    json_text = render_json(result)
    assert_valid(json_text, render_xml(result))
    local = json_components(json_text)[LOCAL_LIB]
    assert "externalReferences" not in local
    assert ("ospo-scan:download-url", "git@git.test:acme/lib.git") in properties(local)


# --- dependency graph ------------------------------------------------------------------------


def test_dependency_graph_json(scan_result: ScanResult) -> None:
    dependencies = json.loads(render_json(scan_result))["dependencies"]
    graph = {entry["ref"]: entry.get("dependsOn", []) for entry in dependencies}
    assert dependencies[0]["ref"] == ROOT_REF
    assert graph[ROOT_REF] == sorted(
        [LEFT_PAD, BABEL, JEST, ACME, GPL_THING, LOCAL_LIB, REGEX, PSYCOPG, CRYPTO]
    )
    assert graph[BABEL] == [DEBUG, MS]
    assert graph[DEBUG] == [MS]  # the duplicate edge is written once
    assert "dependsOn" not in dependencies[[e["ref"] for e in dependencies].index(MS)]
    # Every component has an entry, the root first, then in component order.
    assert list(graph) == [ROOT_REF, *sorted(s.component.purl for s in scan_result.components)]
    assert X_TEXT in graph


def test_dependency_graph_xml_matches_json(scan_result: ScanResult) -> None:
    json_graph = {
        entry["ref"]: entry.get("dependsOn", [])
        for entry in json.loads(render_json(scan_result))["dependencies"]
    }
    root = ET.fromstring(render_xml(scan_result))
    xml_graph = {
        entry.get("ref"): [child.get("ref") for child in entry]
        for entry in root.findall("cdx:dependencies/cdx:dependency", NS)
    }
    assert xml_graph == json_graph


def test_unknown_dependency_refs_are_dropped(scan_result: ScanResult) -> None:
    """A dependsOn must name a bom-ref in the document; the graph may point outside it."""
    changed = tuple(
        replace(s, component=replace(s.component, dependencies=(MS, "pkg:npm/not-here@1.0.0")))
        if s.component.purl == DEBUG
        else s
        for s in scan_result.components
    )
    dependencies = json.loads(render_json(replace(scan_result, components=changed)))["dependencies"]
    assert {"ref": DEBUG, "dependsOn": [MS]} in dependencies


def test_root_has_no_entry_when_direct_is_unknown(scan_result: ScanResult) -> None:
    unknown = tuple(
        replace(s, component=replace(s.component, direct=None)) for s in scan_result.components
    )
    result = replace(scan_result, components=unknown)
    json_text, xml_text = render_json(result), render_xml(result)
    assert_valid(json_text, xml_text)
    refs = [entry["ref"] for entry in json.loads(json_text)["dependencies"]]
    assert ROOT_REF not in refs
    assert len(refs) == len(scan_result.components)
    assert f'<dependency ref="{ROOT_REF}"' not in xml_text


def test_json_and_xml_carry_the_same_components(scan_result: ScanResult) -> None:
    from_json: dict[str, tuple[str | None, str | None, str, list[tuple[str, str]]]] = {
        ref: (
            item.get("version"),
            item.get("scope"),
            json.dumps(item.get("licenses")),
            properties(item),
        )
        for ref, item in json_components(render_json(scan_result)).items()
    }
    from_xml: dict[str, tuple[str | None, str | None, str, list[tuple[str, str]]]] = {}
    for ref, element in xml_components(render_xml(scan_result)).items():
        licenses: list[dict[str, Any]] | None = None
        choice = element.find("cdx:licenses", NS)
        if choice is not None:
            expression = choice.find("cdx:expression", NS)
            license = choice.find("cdx:license", NS)
            if expression is not None:
                licenses = [{"expression": expression.text}]
                acknowledged = expression.get("acknowledgement")
                if acknowledged:
                    licenses[0]["acknowledgement"] = acknowledged
            else:
                assert license is not None
                license_id = license.findtext("cdx:id", namespaces=NS)
                name = license.findtext("cdx:name", namespaces=NS)
                text = license.findtext("cdx:text", namespaces=NS)
                named: dict[str, Any] = {"id": license_id} if license_id else {"name": name}
                if license.get("acknowledgement"):
                    named["acknowledgement"] = license.get("acknowledgement")
                if text is not None:
                    named["text"] = {"content": text, "contentType": "text/plain"}
                licenses = [{"license": named}]
        from_xml[ref] = (
            element.findtext("cdx:version", namespaces=NS),
            element.findtext("cdx:scope", namespaces=NS),
            json.dumps(licenses),
            [
                (item.get("name", ""), item.text or "")
                for item in element.findall("cdx:properties/cdx:property", NS)
            ],
        )
    assert from_xml == from_json


# --- errors and performance ------------------------------------------------------------------


def test_bad_serial_number_is_a_report_error(scan_result: ScanResult) -> None:
    context = replace(make_context(), serial_number="urn:uuid:NOT-A-UUID")
    with pytest.raises(ReportError, match="invalid SBOM serial number"):
        get_reporter("cyclonedx-xml").render(scan_result, context)


def test_duplicate_purls_are_a_report_error(scan_result: ScanResult) -> None:
    result = replace(scan_result, components=(*scan_result.components, scan_result.components[0]))
    with pytest.raises(ReportError, match="two components share the purl pkg:cargo/regex@1.10.2"):
        get_reporter("cyclonedx-json").render(result, make_context())


def test_five_thousand_components_render_completely() -> None:
    """Speed is measured by benchmarks/bench_cyclonedx.py, never here; this checks that a large
    graph renders whole (every component as bom-ref, purl and dependency entry)."""
    result = bulk_result(5000)
    for name in ("cyclonedx-json", "cyclonedx-xml"):
        text = get_reporter(name).render(result, make_context())
        assert text.count("pkg:npm/bulk-04999@1.0.1") >= 3  # bom-ref, purl, dependency


def test_rendering_does_not_import_the_cyclonedx_model() -> None:
    """Importing cyclonedx-python-lib's model and serializers costs ~80 ms; we need neither."""
    code = (
        "import sys\n"
        "from tests.report.conftest import build_scan_result, make_context\n"
        "from ospo_scan.report import get_reporter\n"
        "for name in ('cyclonedx-json', 'cyclonedx-xml'):\n"
        "    get_reporter(name).render(build_scan_result(), make_context())\n"
        "heavy = [m for m in sys.modules if m.startswith(('cyclonedx.model', 'cyclonedx.output',"
        " 'cyclonedx.validation', 'jsonschema', 'license_expression', 'lxml'))]\n"
        "print(heavy)\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    ).stdout
    assert output.strip() == "[]"


def test_real_lockfiles_give_valid_sboms(corpus: Path) -> None:
    """Real purls and names (percent-encoding, qualifiers, odd versions) from every corpus
    lockfile a registered parser reads, with their declared licenses as written."""
    from ospo_scan.sources import parse_file, parser_for

    json_validator = JsonStrictValidator(SchemaVersion.V1_6)
    xml_validator = XmlValidator(SchemaVersion.V1_6)
    checked = 0
    for path in sorted(corpus.glob("*/*/*")):
        parser = parser_for(path) if path.parent.parent.name != "expected" else None
        if parser is None:
            continue
        parsed = parse_file(path, parser)
        result = ScanResult(
            components=tuple(
                ScannedComponent(
                    component,
                    Resolution(component.declared_license, "lockfile")
                    if component.declared_license
                    else Resolution(None, "not resolved", 0.0, (), "offline"),
                    Verdict.ALLOW if component.declared_license else Verdict.UNRESOLVED,
                )
                for component in parsed.components
            ),
            findings=(),
            lockfiles=(LockfileReport(str(path), parser.format, len(parsed.components)),),
            diagnostics=parsed.diagnostics,
        )
        xml_text = render_xml(result)
        assert xml_validator.validate_str(xml_text) is None, path
        assert len(xml_components(xml_text)) == len(parsed.components)
        # The JSON Schema check is quadratic in jsonschema (uniqueItems); keep it to small files.
        if len(parsed.components) <= 300:
            assert json_validator.validate_str(render_json(result)) is None, path
        checked += 1
    if not checked:
        pytest.skip("no corpus lockfile has a registered parser yet")
