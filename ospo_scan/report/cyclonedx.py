"""CycloneDX 1.6 SBOMs (JSON and XML), written directly from the scan result.

Why not cyclonedx-python-lib's model: building a ``Bom`` is quadratic. ``Bom.register_dependency``
finds a component's graph entry by a linear scan of every entry registered so far, and every
serializer calls ``Bom.validate()``, which registers every component again; 5,000 components
took about 30 s to build and serialize (``benchmarks/bench_cyclonedx.py``). Schema validation
is quadratic too (jsonschema compares the items of ``uniqueItems`` arrays pairwise), about 37 s
more. This module builds the document from our own model in one linear pass and serializes it
with the ``json`` module or by string building with XML escaping, in about 0.1 s. The tests
validate both outputs against the official 1.6 schemas with the library's validators; at run
time the library only supplies the SPDX license id list bundled with those schemas.
``validate_document`` runs the full check for tests and tooling, never while rendering.

Mapping decisions (CycloneDX 1.6, https://cyclonedx.org/docs/1.6/json/):

* ``bom-ref`` and ``purl`` are the component's purl (unique within a scan).
* ``scope``: our ``required``/``optional`` map to the same CycloneDX values; ``dev`` maps to
  ``excluded`` (the spec: "component usage for test and other non-runtime purposes"). When
  the lockfile cannot tell, ``scope`` is omitted, which consumers read as ``required``, the
  cautious reading for license compliance. Our own scope is kept as ``ospo-scan:scope``.
* ``licenses``: a compound expression (``AND``/``OR``/``WITH``, ``+``) is one ``expression``;
  a single id in the schema's SPDX list is ``license.id``; a ``LicenseRef-...`` or an id the
  schema does not list (newer than its SPDX snapshot) is ``license.name``, with the raw
  declared text, when known, as ``license.text``. An unresolved component has no ``licenses``
  and an ``ospo-scan:license-unresolved`` property with the reason.
* Declared and concluded licenses (1.6 ``acknowledgement``): ``licenses`` holds exactly the
  license the policy judged, acknowledged ``declared`` when it is the package's own
  declaration, valid SPDX as written, and ``concluded`` when ospo-scan decided it (a
  curation, a license text, a reading of an alias, classifier or ambiguous name). A
  concluded license's component also has ``evidence.licenses`` with what the package
  declares (its lockfile entry or registry metadata, as written), acknowledged ``declared``:
  the spec keeps observed licenses there, and a package's wrong declaration must not sit in
  ``licenses`` beside the correction (the schema allows one expression there, not two).
* ``dependencies``: every component has an entry (an entry without ``dependsOn`` states that it
  has none, as the spec asks). The metadata component (the scanned project) depends on the
  direct components when at least one lockfile records which components are direct;
  otherwise it has no entry, as its direct dependencies are unknown. Its name is
  ``context.extra["project_name"]`` when the caller sets it, else the scanned root.
* ``properties`` (names in the ``ospo-scan:`` namespace; a name may repeat). Components:
  ``scope``, ``direct``, ``verdict``, ``elected-license``, ``license-source``,
  ``license-method`` (how the answer was read: ``Resolution.method``),
  ``license-confidence``, ``license-acknowledgement``, ``license-cached`` (``true`` only),
  ``license-unresolved`` or ``license-note``, one ``license-evidence`` per evidence item,
  one ``finding`` per policy finding, one ``location`` per lockfile location, ``registry``
  (``false`` only), ``download-url``, and ``version`` for a version too long for the
  schema. Metadata: ``policy``, ``policy-path``, ``offline``, one ``lockfile`` per lockfile
  (with its error), and the policy-level findings; when the scan says how fresh its license
  data is, ``license-data-cache-entries``, ``license-data-oldest``/``-newest`` (stored-at
  of the cache entries used) and ``license-data-snapshot``/``-snapshot-source`` (the
  imported snapshot's created-at, file).
* A non-registry component whose download URL is an absolute URL also gets an
  ``externalReferences`` entry (``vcs`` for ``git+...`` and the like, else ``distribution``).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from ospo_scan.errors import ReportError
from ospo_scan.model import (
    Finding,
    LicenseDataInfo,
    ReportContext,
    Resolution,
    ScannedComponent,
    ScanResult,
    Scope,
)
from ospo_scan.report.base import dump_document, iso_timestamp

SPEC_VERSION = "1.6"
JSON_SCHEMA_URL = "http://cyclonedx.org/schema/bom-1.6.schema.json"
XML_NAMESPACE = "http://cyclonedx.org/schema/bom/1.6"
ROOT_REF = "ospo-scan:root"

CDX_SCOPE = {Scope.REQUIRED: "required", Scope.OPTIONAL: "optional", Scope.DEV: "excluded"}

# serialNumber pattern of the 1.6 schema (RFC 4122 URN, lowercase hex).
_SERIAL_NUMBER = re.compile(
    r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)
# The schemas cap ``version`` at 1024 characters; a longer one is kept as a property.
_MAX_VERSION = 1024
# A declared license that is a whole license text becomes a short name plus the text.
_MAX_DECLARED_NAME = 200
# externalReferences.url must be an IRI reference: only absolute URLs without spaces qualify;
# anything else (scp-like git remotes, local paths) stays in the download-url property.
_ABSOLUTE_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s<>\"{}|\\^`]+")
_VCS_PREFIXES = ("git+", "git://", "hg+", "svn+", "bzr+")


# NamedTuples rather than dataclasses: building a dataclass costs about 2 ms at import time.
class _License(NamedTuple):
    """One license choice: ``expression``, ``id`` or ``name``, and its acknowledgement."""

    kind: str
    value: str
    text: str | None = None
    acknowledgement: str | None = None


class _ComponentView(NamedTuple):
    """One component, already mapped to CycloneDX terms, shared by both serializations."""

    purl: str
    name: str
    version: str | None
    scope: str | None
    license: _License | None
    properties: list[tuple[str, str]]
    external: list[tuple[str, str]]
    depends_on: list[str]
    declared: _License | None = None  # evidence.licenses: what the package declares


class _BomView(NamedTuple):
    """The whole document in CycloneDX terms; ``root_depends_on`` is None when unknown."""

    serial_number: str
    timestamp: str
    tool_name: str
    tool_version: str
    root_name: str
    root_depends_on: list[str] | None
    properties: list[tuple[str, str]]
    components: list[_ComponentView]


class CycloneDxJsonReporter:
    """``--format cyclonedx-json``: a CycloneDX 1.6 JSON SBOM."""

    name = "cyclonedx-json"
    suffix = ".cdx.json"

    def render(self, result: ScanResult, context: ReportContext) -> str:
        """Return the SBOM as JSON text. Raises ``ReportError`` for a malformed serial number
        or two components with the same purl (which would make bom-refs collide)."""
        return _to_json(_build_view(result, context))


class CycloneDxXmlReporter:
    """``--format cyclonedx-xml``: a CycloneDX 1.6 XML SBOM."""

    name = "cyclonedx-xml"
    suffix = ".cdx.xml"

    def render(self, result: ScanResult, context: ReportContext) -> str:
        """Return the SBOM as XML text. Raises ``ReportError`` like the JSON reporter."""
        return _to_xml(_build_view(result, context))


def validate_document(text: str, *, xml: bool) -> None:
    """Validate a CycloneDX 1.6 document against the official schema (strict for JSON).

    Slow (the JSON Schema check of a few thousand components takes seconds) and needs
    cyclonedx-python-lib's ``validation`` extra, so it is never called while rendering.
    Raises ``ReportError`` with the first problem, or when the validator is not installed.
    """
    try:
        from cyclonedx.exception import MissingOptionalDependencyException
        from cyclonedx.schema import SchemaVersion
        from cyclonedx.validation.json import JsonStrictValidator
        from cyclonedx.validation.xml import XmlValidator
    except ImportError as exc:  # pragma: no cover - the library is a dependency
        raise ReportError(f"cannot validate CycloneDX: {exc}") from exc
    validator = XmlValidator if xml else JsonStrictValidator
    try:
        error = validator(SchemaVersion.V1_6).validate_str(text)
    except MissingOptionalDependencyException as exc:
        raise ReportError(
            "cannot validate CycloneDX (install cyclonedx-python-lib[validation])"
        ) from exc
    if error is not None:
        raise ReportError(f"invalid CycloneDX {SPEC_VERSION} document: {error}")


@functools.cache
def spdx_license_ids() -> frozenset[str]:
    """Return the SPDX license ids the CycloneDX 1.6 schemas accept in ``license.id``.

    Read from the schema files bundled with cyclonedx-python-lib, so that ``id`` is used
    exactly when the validator will accept it. Raises ``ReportError`` if they are missing.
    """
    try:
        from cyclonedx.schema._res import SPDX_JSON

        with open(SPDX_JSON, encoding="utf-8") as schema:
            ids = json.load(schema)["enum"]
    except (ImportError, OSError, ValueError, KeyError) as exc:
        raise ReportError(f"cannot read the SPDX license list of CycloneDX: {exc}") from exc
    return frozenset(ids)


# --- the view: one linear pass over the scan result ------------------------------------------


def _build_view(result: ScanResult, context: ReportContext) -> _BomView:
    if not _SERIAL_NUMBER.fullmatch(context.serial_number):
        raise ReportError(
            f"invalid SBOM serial number {context.serial_number!r} (expected urn:uuid:<uuid>)"
        )
    scanned = sorted(result.components, key=lambda item: item.component.purl)
    known: set[str] = set()
    for item in scanned:
        if item.component.purl in known:
            raise ReportError(
                f"two components share the purl {item.component.purl} (expected unique purls)"
            )
        known.add(item.component.purl)
    findings: dict[str | None, list[Finding]] = {}
    ordered = sorted(result.findings, key=lambda f: (f.purl or "", f.rule, f.severity, f.message))
    for finding in ordered:
        findings.setdefault(finding.purl, []).append(finding)
    for purl in list(findings):
        if purl is not None and purl not in known:
            # A finding for a component not in the result: keep it visible at the top.
            findings.setdefault(None, []).extend(findings.pop(purl))

    spdx_ids = spdx_license_ids()
    components = [
        _component_view(item, spdx_ids, known, findings.get(item.component.purl, ()))
        for item in scanned
    ]
    root_depends_on = None
    if any(item.component.direct is not None for item in scanned):
        root_depends_on = [item.component.purl for item in scanned if item.component.direct]
    return _BomView(
        serial_number=context.serial_number,
        timestamp=iso_timestamp(context.timestamp),
        tool_name=context.tool_name,
        tool_version=context.tool_version,
        root_name=context.extra.get("project_name") or result.root or "project",
        root_depends_on=root_depends_on,
        properties=_metadata_properties(result, findings.get(None, ())),
        components=components,
    )


def _metadata_properties(result: ScanResult, findings: Iterable[Finding]) -> list[tuple[str, str]]:
    properties = [("ospo-scan:policy", result.policy_name)]
    if result.policy_path:
        properties.append(("ospo-scan:policy-path", result.policy_path))
    properties.append(("ospo-scan:offline", "true" if result.offline else "false"))
    properties.extend(_license_data_properties(result.license_data))
    for lockfile in sorted(result.lockfiles, key=lambda item: item.path):
        if lockfile.error:
            value = f"{lockfile.path} ({lockfile.format}): error: {lockfile.error}"
        else:
            value = f"{lockfile.path} ({lockfile.format}, {lockfile.components} components)"
        properties.append(("ospo-scan:lockfile", value))
    properties.extend(("ospo-scan:finding", _finding_text(finding)) for finding in findings)
    return properties


def _license_data_properties(info: LicenseDataInfo | None) -> list[tuple[str, str]]:
    if info is None:
        return []
    properties = [("ospo-scan:license-data-cache-entries", str(info.cache_entries))]
    if info.oldest is not None and info.newest is not None:
        properties.append(("ospo-scan:license-data-oldest", iso_timestamp(info.oldest)))
        properties.append(("ospo-scan:license-data-newest", iso_timestamp(info.newest)))
    if info.snapshot_created is not None:
        properties.append(("ospo-scan:license-data-snapshot", iso_timestamp(info.snapshot_created)))
    if info.snapshot_source:
        properties.append(("ospo-scan:license-data-snapshot-source", info.snapshot_source))
    return properties


def _component_view(
    scanned: ScannedComponent,
    spdx_ids: frozenset[str],
    known: set[str],
    findings: Sequence[Finding],
) -> _ComponentView:
    from ospo_scan.licenses.resolve import acknowledgement, answered_from_cache

    component = scanned.component
    resolution = scanned.resolution
    acknowledged = acknowledgement(resolution)
    properties: list[tuple[str, str]] = []
    if component.scope is not None:
        properties.append(("ospo-scan:scope", component.scope.value))
    if component.direct is not None:
        properties.append(("ospo-scan:direct", "true" if component.direct else "false"))
    properties.append(("ospo-scan:verdict", scanned.verdict.value))
    if scanned.elected:
        properties.append(("ospo-scan:elected-license", scanned.elected))
    properties.append(("ospo-scan:license-source", resolution.source))
    if resolution.method is not None:
        properties.append(("ospo-scan:license-method", resolution.method))
    properties.append(("ospo-scan:license-confidence", f"{resolution.confidence:.2f}"))
    if acknowledged is not None:
        properties.append(("ospo-scan:license-acknowledgement", acknowledged))
    if answered_from_cache(resolution):
        properties.append(("ospo-scan:license-cached", "true"))
    if not resolution.expression:
        properties.append(("ospo-scan:license-unresolved", resolution.reason or "unresolved"))
    elif resolution.reason:
        properties.append(("ospo-scan:license-note", resolution.reason))
    properties.extend(
        (
            "ospo-scan:license-evidence",
            f"{item.source}: {item.value}" + (f" ({item.detail})" if item.detail else ""),
        )
        for item in resolution.evidence
    )
    properties.extend(("ospo-scan:finding", _finding_text(finding)) for finding in findings)
    properties.extend(("ospo-scan:location", str(location)) for location in component.locations)
    external: list[tuple[str, str]] = []
    if not component.registry:
        properties.append(("ospo-scan:registry", "false"))
    if component.download_url:
        properties.append(("ospo-scan:download-url", component.download_url))
        if _ABSOLUTE_URL.fullmatch(component.download_url):
            kind = "vcs" if component.download_url.startswith(_VCS_PREFIXES) else "distribution"
            external.append((kind, component.download_url))
    version = component.version
    if version is not None and len(version) > _MAX_VERSION:
        properties.append(("ospo-scan:version", version))
        version = None
    return _ComponentView(
        purl=component.purl,
        name=component.name,
        version=version,
        scope=CDX_SCOPE.get(component.scope) if component.scope else None,
        license=_license(resolution, spdx_ids),
        properties=properties,
        external=external,
        depends_on=sorted({purl for purl in component.dependencies if purl in known}),
        declared=_declared(resolution, spdx_ids) if acknowledged == "concluded" else None,
    )


def _license(resolution: Resolution, spdx_ids: frozenset[str]) -> _License | None:
    from ospo_scan.licenses.resolve import acknowledgement

    expression = resolution.expression
    if not expression:
        return None
    acknowledged = acknowledgement(resolution)
    # Canonical compound expressions always contain a space (AND, OR, WITH); "+" is the
    # SPDX "or later" operator, which only an expression can carry.
    if " " in expression or "(" in expression or expression.endswith("+"):
        return _License("expression", expression, None, acknowledged)
    if expression in spdx_ids:
        return _License("id", expression, None, acknowledged)
    return _License("name", expression, _raw_text(resolution, expression), acknowledged)


def _declared(resolution: Resolution, spdx_ids: frozenset[str]) -> _License | None:
    """What the package declares, as a ``declared`` license for ``evidence.licenses``: an
    id when it is one the schema lists, else a name (long texts clipped, in full as text)."""
    from ospo_scan.licenses.resolve import declared_license

    raw = declared_license(resolution)
    if raw is None:
        return None
    shown = " ".join(raw.split())
    if shown in spdx_ids:
        return _License("id", shown, None, "declared")
    if len(shown) > _MAX_DECLARED_NAME:
        shown = shown[: _MAX_DECLARED_NAME - 3] + "..."
    return _License("name", shown, raw if shown != raw else None, "declared")


def _raw_text(resolution: Resolution, expression: str) -> str | None:
    """The declared text behind a LicenseRef: the winning source's evidence, else the first."""
    chosen = next(
        (item for item in resolution.evidence if item.source == resolution.source),
        resolution.evidence[0] if resolution.evidence else None,
    )
    if chosen is None or not chosen.value or chosen.value == expression:
        return None
    return chosen.value


def _finding_text(finding: Finding) -> str:
    text = f"{finding.severity.value} {finding.rule}: {finding.message}"
    exception = finding.exception
    if exception is not None:
        text += f" (exception: {exception.reason}; approved by {exception.approved_by}"
        if exception.expires:
            text += f"; expires {exception.expires.isoformat()}"
        text += ")"
    return text


# --- JSON ------------------------------------------------------------------------------------


def _json_properties(properties: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in properties]


def _json_component(view: _ComponentView) -> dict[str, Any]:
    # Keys in the order of the 1.6 schema, so the output reads like other CycloneDX tools'.
    data: dict[str, Any] = {"type": "library", "bom-ref": view.purl, "name": view.name}
    if view.version is not None:
        data["version"] = view.version
    if view.scope is not None:
        data["scope"] = view.scope
    if view.license is not None:
        data["licenses"] = [_json_license(view.license)]
    data["purl"] = view.purl
    if view.external:
        data["externalReferences"] = [{"type": kind, "url": url} for kind, url in view.external]
    data["properties"] = _json_properties(view.properties)
    if view.declared is not None:
        data["evidence"] = {"licenses": [_json_license(view.declared)]}
    return data


def _json_license(choice: _License) -> dict[str, Any]:
    """One licenseChoice item; keys in the order of the 1.6 schema."""
    if choice.kind == "expression":
        item: dict[str, Any] = {"expression": choice.value}
        if choice.acknowledgement is not None:
            item["acknowledgement"] = choice.acknowledgement
        return item
    license: dict[str, Any] = {choice.kind: choice.value}
    if choice.acknowledgement is not None:
        license["acknowledgement"] = choice.acknowledgement
    if choice.text is not None:
        license["text"] = {"content": choice.text, "contentType": "text/plain"}
    return {"license": license}


def _to_json(view: _BomView) -> str:
    tool: dict[str, Any] = {"type": "application", "name": view.tool_name}
    if view.tool_version:
        tool["version"] = view.tool_version
    dependencies: list[dict[str, Any]] = []
    if view.root_depends_on is not None:
        dependencies.append(_json_dependency(ROOT_REF, view.root_depends_on))
    dependencies.extend(_json_dependency(item.purl, item.depends_on) for item in view.components)
    document = {
        "$schema": JSON_SCHEMA_URL,
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": view.serial_number,
        "version": 1,
        "metadata": {
            "timestamp": view.timestamp,
            "tools": {"components": [tool]},
            "component": {"type": "application", "bom-ref": ROOT_REF, "name": view.root_name},
            "properties": _json_properties(view.properties),
        },
        "components": [_json_component(item) for item in view.components],
        "dependencies": dependencies,
    }
    return dump_document(document)


def _json_dependency(ref: str, depends_on: list[str]) -> dict[str, Any]:
    return {"ref": ref, "dependsOn": depends_on} if depends_on else {"ref": ref}


# --- XML -------------------------------------------------------------------------------------

# Characters XML 1.0 forbids (section 2.2), plus lone surrogates that a JSON lockfile can
# smuggle in with \ud800 escapes: replaced by U+FFFD so the document stays well-formed.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TEXT_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ATTRIBUTE_SPECIAL = re.compile('[&<>"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')


def _text(value: str) -> str:
    """Escape character data; a carriage return is written as a reference, which a parser
    keeps (a literal one would be normalized to a line feed, XML 1.0 section 2.11)."""
    if _TEXT_SPECIAL.search(value) is None:
        return value
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _INVALID_XML.sub("\ufffd", value.replace("\r", "&#13;"))


def _attribute(value: str) -> str:
    """Escape a double-quoted attribute value; whitespace other than spaces is written as
    references, which attribute-value normalization (XML 1.0 section 3.3.3) leaves alone."""
    if _ATTRIBUTE_SPECIAL.search(value) is None:
        return value
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = value.replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;")
    return _INVALID_XML.sub("\ufffd", value.replace("\r", "&#13;"))


def _xml_properties(properties: list[tuple[str, str]], indent: str) -> list[str]:
    lines = [f"{indent}<properties>"]
    lines.extend(
        f'{indent}  <property name="{_attribute(name)}">{_text(value)}</property>'
        for name, value in properties
    )
    lines.append(f"{indent}</properties>")
    return lines


def _xml_component(view: _ComponentView) -> list[str]:
    # Child elements in the order of the 1.6 XSD's xs:sequence for "component".
    lines = [
        f'    <component type="library" bom-ref="{_attribute(view.purl)}">',
        f"      <name>{_text(view.name)}</name>",
    ]
    if view.version is not None:
        lines.append(f"      <version>{_text(view.version)}</version>")
    if view.scope is not None:
        lines.append(f"      <scope>{view.scope}</scope>")
    if view.license is not None:
        lines.append("      <licenses>")
        lines.append(f"        {_xml_license(view.license)}")
        lines.append("      </licenses>")
    lines.append(f"      <purl>{_text(view.purl)}</purl>")
    if view.external:
        lines.append("      <externalReferences>")
        lines.extend(
            f'        <reference type="{kind}"><url>{_text(url)}</url></reference>'
            for kind, url in view.external
        )
        lines.append("      </externalReferences>")
    lines.extend(_xml_properties(view.properties, "      "))
    if view.declared is not None:
        lines.append("      <evidence>")
        lines.append(f"        <licenses>{_xml_license(view.declared)}</licenses>")
        lines.append("      </evidence>")
    lines.append("    </component>")
    return lines


def _xml_license(choice: _License) -> str:
    """One licenseChoiceType child; the acknowledgement is an attribute in XML."""
    attribute = ""
    if choice.acknowledgement is not None:
        attribute = f' acknowledgement="{choice.acknowledgement}"'
    if choice.kind == "expression":
        return f"<expression{attribute}>{_text(choice.value)}</expression>"
    text = ""
    if choice.text is not None:
        text = f'<text content-type="text/plain">{_text(choice.text)}</text>'
    return (
        f"<license{attribute}><{choice.kind}>{_text(choice.value)}</{choice.kind}>{text}</license>"
    )


def _xml_dependency(ref: str, depends_on: list[str]) -> list[str]:
    if not depends_on:
        return [f'    <dependency ref="{_attribute(ref)}"/>']
    lines = [f'    <dependency ref="{_attribute(ref)}">']
    lines.extend(f'      <dependency ref="{_attribute(purl)}"/>' for purl in depends_on)
    lines.append("    </dependency>")
    return lines


def _to_xml(view: _BomView) -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<bom xmlns="{XML_NAMESPACE}" serialNumber="{view.serial_number}" version="1">',
        "  <metadata>",
        f"    <timestamp>{view.timestamp}</timestamp>",
        "    <tools>",
        "      <components>",
        '        <component type="application">',
        f"          <name>{_text(view.tool_name)}</name>",
    ]
    if view.tool_version:
        lines.append(f"          <version>{_text(view.tool_version)}</version>")
    lines += [
        "        </component>",
        "      </components>",
        "    </tools>",
        f'    <component type="application" bom-ref="{ROOT_REF}">',
        f"      <name>{_text(view.root_name)}</name>",
        "    </component>",
    ]
    lines.extend(_xml_properties(view.properties, "    "))
    lines.append("  </metadata>")
    if view.components:
        lines.append("  <components>")
        for item in view.components:
            lines.extend(_xml_component(item))
        lines.append("  </components>")
        lines.append("  <dependencies>")
        if view.root_depends_on is not None:
            lines.extend(_xml_dependency(ROOT_REF, view.root_depends_on))
        for item in view.components:
            lines.extend(_xml_dependency(item.purl, item.depends_on))
        lines.append("  </dependencies>")
    lines.append("</bom>")
    return "\n".join(lines) + "\n"
