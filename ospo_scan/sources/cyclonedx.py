"""CycloneDX SBOMs (JSON and XML, 1.2 to 1.6) as input, to check an SBOM made elsewhere.

Every component of ``components``, at any nesting depth, is a component here, except the
SBOM's subject (``metadata.component``, also when a generator repeats it in ``components``)
and the tools in ``metadata.tools``. Its purl is copied verbatim (the shared corpus's rule:
the SBOM's author chose it), its ecosystem is the purl type, so one SBOM can hold many
ecosystems. A component without a purl cannot be looked up or checked: it is left out with
a diagnostic; one whose purl has no version is kept, without a version, with a diagnostic.

* ``scope`` (CycloneDX: ``required`` the default, ``optional``, ``excluded``) -> required,
  optional, dev.
* ``direct``: whether the subject's ``dependencies`` entry lists the component in
  ``dependsOn``; unknown when the SBOM has no graph entry for its subject.
* ``dependencies``: the purls of the components a ``dependencies`` entry lists.
* ``declared_license``: the ``licenses`` the SBOM carries. An ``expression`` is taken as
  written; ``license.id`` / ``license.name`` entries are joined with AND: the specification
  does not say what several entries mean (CycloneDX/specification#349), and AND is the
  reading that cannot under-report an obligation. When CycloneDX 1.6 ``acknowledgement``
  marks some entries ``concluded``, only those are used (a reviewer's conclusion beats what
  the package declares).

XML is read with defusedxml: entity declarations and external references are refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, Diagnostic, ParseResult, Scope, Severity, SourceLocation
from ospo_scan.sources.base import finish
from ospo_scan.sources.decode import load_json

SUPPORTED_MINOR = range(2, 7)  # 1.2 .. 1.6
_SCOPES = {"required": Scope.REQUIRED, "optional": Scope.OPTIONAL, "excluded": Scope.DEV}
_XML_NAMESPACE = re.compile(r"^\{http://cyclonedx\.org/schema/bom/(\d+)\.(\d+)\}bom$")
# an SPDX license id or LicenseRef: no need for parentheses when joined into an expression
_SIMPLE_LICENSE = re.compile(r"^[A-Za-z0-9.+-]+(?::[A-Za-z0-9.+-]+)?$")


@dataclass(frozen=True, slots=True)
class SbomEntry:
    """One SBOM component (or package), in a shape shared by the SBOM readers."""

    where: SourceLocation
    ref: str | None  # bom-ref / SPDXID
    name: str | None
    purl: str | None
    scope: Scope | None
    declared_license: str | None
    hashes: tuple[tuple[str, str], ...] = ()


class CycloneDxJsonParser:
    """Reads CycloneDX JSON (``bom.json``, ``*.cdx.json``), specification 1.2 to 1.6."""

    format: str = "cyclonedx-json"
    ecosystem: str = "any"  # not one ecosystem: each component's is its purl type
    # bom.json and *.cdx.json are the names the CycloneDX specification recommends;
    # bom.1.6.json (a BOM named for its schema version) is how CycloneDX's own examples go.
    patterns: tuple[str, ...] = ("bom.json", "*.cdx.json", "bom.1.*.json")

    def parse(self, text: str, path: str) -> ParseResult:
        """Return the BOM's components (see the module docstring).

        Raises ``LockfileError`` for invalid JSON, a document that is not a CycloneDX BOM, an
        unsupported ``specVersion``, or a component or dependency of the wrong shape.
        """
        data = load_json(text, path)
        if not isinstance(data, dict) or data.get("bomFormat") != "CycloneDX":
            raise LockfileError(
                "not a CycloneDX BOM",
                path=path,
                key="bomFormat",
                expected='a JSON object with "bomFormat": "CycloneDX"',
            )
        diagnostics: list[Diagnostic] = []
        _check_version(data.get("specVersion"), path, diagnostics, "specVersion")
        metadata = data.get("metadata")
        metadata = {} if metadata is None else metadata
        if not isinstance(metadata, dict):
            raise LockfileError(
                f"{json_type(metadata)} found", path=path, key="metadata", expected="an object"
            )
        subject = metadata.get("component")
        subject_ref, subject_purl = None, None
        if isinstance(subject, dict):
            subject_ref = _optional_str(subject, "bom-ref", "metadata.component", path)
            subject_purl = _optional_str(subject, "purl", "metadata.component", path)
        entries = [
            _json_entry(component, key, path)
            for component, key in _walk_json(data.get("components", []), path)
        ]
        graph = _json_graph(data.get("dependencies", []), path)
        return build_components(entries, subject_ref, subject_purl, graph, path, diagnostics)


class CycloneDxXmlParser:
    """Reads CycloneDX XML (``bom.xml``, ``*.cdx.xml``), specification 1.2 to 1.6."""

    format: str = "cyclonedx-xml"
    ecosystem: str = "any"
    patterns: tuple[str, ...] = ("bom.xml", "*.cdx.xml", "bom.1.*.xml")

    def parse(self, text: str, path: str) -> ParseResult:
        """Return the BOM's components (see the module docstring).

        Raises ``LockfileError`` for malformed XML, entity declarations, a root element that
        is not a CycloneDX ``<bom>`` of version 1.2 or later, an unknown ``scope`` or a
        ``<dependency>`` without ``ref``.
        """
        from ospo_scan.sources.decode import child, child_text, children, load_xml, local_name

        document = load_xml(text, path)
        root = document.root
        found = _XML_NAMESPACE.match(root.tag) if isinstance(root.tag, str) else None
        if found is None:
            raise LockfileError(
                f"<{root.tag}> is not a CycloneDX BOM",
                path=path,
                line=document.line(root),
                expected="a <bom> element in a http://cyclonedx.org/schema/bom/1.x namespace",
            )
        diagnostics: list[Diagnostic] = []
        version = f"{found.group(1)}.{found.group(2)}"
        _check_version(version, path, diagnostics, "xmlns", document.line(root))

        def entry(element: Any) -> SbomEntry:
            where = SourceLocation(path, document.line(element))
            scope_text = child_text(element, "scope")
            licenses: list[tuple[str, str, str | None]] = []
            block = child(element, "licenses")
            for item in block if block is not None else ():
                kind = local_name(item.tag)
                acknowledgement = item.get("acknowledgement")
                if kind == "expression" and item.text and item.text.strip():
                    licenses.append(("expression", item.text.strip(), acknowledgement))
                elif kind == "license":
                    value = child_text(item, "id") or child_text(item, "name")
                    if value:
                        licenses.append(("license", value, acknowledgement))
            hashes = child(element, "hashes")
            return SbomEntry(
                where=where,
                ref=element.get("bom-ref"),
                name=child_text(element, "name"),
                purl=child_text(element, "purl"),
                scope=_scope(scope_text, path, where),
                declared_license=join_licenses(licenses),
                hashes=_hashes(
                    (h.get("alg"), h.text) for h in (hashes if hashes is not None else ())
                ),
            )

        metadata = child(root, "metadata")
        subject = child(metadata, "component") if metadata is not None else None
        entries: list[SbomEntry] = []
        pending = [child(root, "components")]
        while pending:
            block = pending.pop()
            if block is None:
                continue
            for element in children(block, "component"):
                entries.append(entry(element))
                pending.append(child(element, "components"))
        graph: dict[str, list[str]] = {}
        block = child(root, "dependencies")
        for dependency in children(block, "dependency") if block is not None else ():
            ref = dependency.get("ref")
            if ref is None:
                raise LockfileError(
                    "<dependency> without ref",
                    path=path,
                    line=document.line(dependency),
                    expected='<dependency ref="...">',
                )
            targets = graph.setdefault(ref, [])
            targets.extend(d.get("ref") for d in children(dependency, "dependency") if d.get("ref"))
        subject_ref = subject.get("bom-ref") if subject is not None else None
        subject_purl = child_text(subject, "purl") if subject is not None else None
        return build_components(entries, subject_ref, subject_purl, graph, path, diagnostics)


def build_components(
    entries: list[SbomEntry],
    subject_ref: str | None,
    subject_purl: str | None,
    graph: dict[str, list[str]],
    path: str,
    diagnostics: list[Diagnostic],
    *,
    keep_versionless: bool = True,
    direct_refs: set[str] | None = None,
) -> ParseResult:
    """Components from SBOM entries: purl checks, direct flags and the dependency graph.

    ``direct_refs`` overrides the direct flags (SPDX computes them from its relationships);
    by default a component is direct when the subject's graph entry lists it, and ``direct``
    is unknown when the graph has no entry for the subject.
    """
    from packageurl import PackageURL

    if direct_refs is None and subject_ref is not None and subject_ref in graph:
        direct_refs = set(graph[subject_ref])
    purl_of: dict[str, str] = {}
    kept: list[tuple[SbomEntry, Any]] = []
    for entry in entries:
        if entry.ref is not None and entry.ref == subject_ref:
            continue  # the subject repeated among the components
        if not entry.purl:
            diagnostics.append(
                Diagnostic(entry.where, f"{_describe(entry)} has no purl: it cannot be checked")
            )
            continue
        if subject_purl is not None and entry.purl == subject_purl:
            continue
        try:
            parsed = PackageURL.from_string(entry.purl)
        except ValueError as exc:
            diagnostics.append(
                Diagnostic(entry.where, f"{entry.purl!r} is not a valid purl ({exc}): left out")
            )
            continue
        if not parsed.version:
            if not keep_versionless:
                diagnostics.append(
                    Diagnostic(
                        entry.where,
                        f"{entry.purl} has no version: taken as the project itself "
                        "(first-party), not a component",
                        Severity.INFO,
                    )
                )
                continue
            diagnostics.append(
                Diagnostic(entry.where, f"{entry.purl} has no version: it is not pinned")
            )
        if entry.ref is not None:
            purl_of.setdefault(entry.ref, entry.purl)
        kept.append((entry, parsed))

    components = []
    for entry, parsed in kept:
        children = graph.get(entry.ref, []) if entry.ref is not None else []
        dependencies = dict.fromkeys(purl_of[c] for c in children if c in purl_of)
        dependencies.pop(entry.purl or "", None)
        components.append(
            Component(
                purl=entry.purl or "",
                name=display_name(entry.purl or "", parsed.type),
                version=parsed.version or None,
                ecosystem=parsed.type,
                scope=entry.scope,
                direct=(entry.ref in direct_refs) if direct_refs is not None else None,
                locations=(entry.where,),
                dependencies=tuple(dependencies),
                hashes=entry.hashes,
                declared_license=entry.declared_license,
            )
        )
    return finish(components, diagnostics)


def join_licenses(items: Iterable[tuple[str, str, str | None]]) -> str | None:
    """One license string from CycloneDX ``licenses`` entries (kind, value, acknowledgement).

    Concluded entries win over the others when any is marked so; several entries are joined
    with AND (see the module docstring), names that are not plain ids in parentheses.
    """
    listed = [(kind, value.strip(), ack) for kind, value, ack in items if value and value.strip()]
    entries = [(kind, value) for kind, value, _ in listed]
    concluded = [(kind, value) for kind, value, ack in listed if ack == "concluded"]
    chosen = concluded or entries
    if not chosen:
        return None
    if len(chosen) == 1:
        return chosen[0][1]
    parts = []
    for kind, value in dict.fromkeys(chosen):
        simple = kind == "license" and _SIMPLE_LICENSE.match(value)
        parts.append(value if simple else f"({value})")
    return " AND ".join(parts)


def _check_version(
    version: Any, path: str, diagnostics: list[Diagnostic], key: str, line: int | None = None
) -> None:
    found = re.fullmatch(r"1\.(\d+)", version) if isinstance(version, str) else None
    if found is None or int(found.group(1)) < SUPPORTED_MINOR.start:
        raise LockfileError(
            f"unsupported CycloneDX version {json.dumps(version)}",
            path=path,
            line=line,
            key=key,
            expected="specification 1.2 to 1.6",
        )
    if int(found.group(1)) >= SUPPORTED_MINOR.stop:
        diagnostics.append(
            Diagnostic(
                SourceLocation(path, line, None if line else key),
                f"CycloneDX {version} is newer than 1.6: read as 1.6 (unknown fields ignored)",
            )
        )


def _walk_json(components: Any, path: str) -> Iterable[tuple[dict[str, Any], str]]:
    """Every component with its key path, nested ones included (no recursion)."""
    pending: list[tuple[Any, str]] = [(components, "components")]
    while pending:
        block, key = pending.pop()
        if not isinstance(block, list):
            raise LockfileError(
                f"{json_type(block)} found", path=path, key=key, expected="an array of components"
            )
        for index, component in enumerate(block):
            item_key = f"{key}[{index}]"
            if not isinstance(component, dict):
                raise LockfileError(
                    f"{json_type(component)} found",
                    path=path,
                    key=item_key,
                    expected="an object describing a component",
                )
            yield component, item_key
            if "components" in component:
                pending.append((component["components"], f"{item_key}.components"))


def _json_entry(component: dict[str, Any], key: str, path: str) -> SbomEntry:
    where = SourceLocation(path, None, key)
    licenses: list[tuple[str, str, str | None]] = []
    raw_licenses = component.get("licenses", [])
    if not isinstance(raw_licenses, list):
        raise LockfileError(
            f"{json_type(raw_licenses)} found",
            path=path,
            key=f"{key}.licenses",
            expected="an array of license choices",
        )
    for item in raw_licenses:
        if not isinstance(item, dict):
            continue
        acknowledgement = item.get("acknowledgement")
        if isinstance(item.get("expression"), str):
            licenses.append(("expression", item["expression"], acknowledgement))
            continue
        license_ = item.get("license")
        if isinstance(license_, dict):
            value = license_.get("id") or license_.get("name")
            acknowledgement = license_.get("acknowledgement", acknowledgement)
            if isinstance(value, str):
                licenses.append(("license", value, acknowledgement))
    raw_hashes = component.get("hashes", [])
    pairs = (
        ((h.get("alg"), h.get("content")) for h in raw_hashes if isinstance(h, dict))
        if isinstance(raw_hashes, list)
        else ()
    )
    name = component.get("name")
    return SbomEntry(
        where=where,
        ref=_optional_str(component, "bom-ref", key, path),
        name=name if isinstance(name, str) else None,
        purl=_optional_str(component, "purl", key, path),
        scope=_scope(component.get("scope"), path, where),
        declared_license=join_licenses(licenses),
        hashes=_hashes(pairs),
    )


def _json_graph(dependencies: Any, path: str) -> dict[str, list[str]]:
    if not isinstance(dependencies, list):
        raise LockfileError(
            f"{json_type(dependencies)} found",
            path=path,
            key="dependencies",
            expected="an array of {ref, dependsOn}",
        )
    graph: dict[str, list[str]] = {}
    for index, dependency in enumerate(dependencies):
        key = f"dependencies[{index}]"
        if not isinstance(dependency, dict) or not isinstance(dependency.get("ref"), str):
            raise LockfileError(
                "no ref", path=path, key=key, expected="an object with a ref and dependsOn"
            )
        depends_on = dependency.get("dependsOn", [])
        if not isinstance(depends_on, list) or not all(isinstance(d, str) for d in depends_on):
            raise LockfileError(
                f"{json_type(depends_on)} found",
                path=path,
                key=f"{key}.dependsOn",
                expected="an array of bom-refs",
            )
        graph.setdefault(dependency["ref"], []).extend(depends_on)
    return graph


def _scope(value: Any, path: str, where: SourceLocation) -> Scope:
    if value is None:
        return Scope.REQUIRED  # the specification's default
    scope = _SCOPES.get(value) if isinstance(value, str) else None
    if scope is None:
        raise LockfileError(
            f"scope {json.dumps(value)} found",
            path=path,
            line=where.line,
            key=f"{where.key}.scope" if where.key else None,
            expected="required, optional or excluded",
        )
    return scope


def _hashes(pairs: Iterable[tuple[Any, Any]]) -> tuple[tuple[str, str], ...]:
    out = []
    for algorithm, content in pairs:
        if isinstance(algorithm, str) and isinstance(content, str) and content.strip():
            out.append((algorithm.strip(), content.strip().lower()))
    return tuple(out)


def _optional_str(table: dict[str, Any], field: str, key: str, path: str) -> str | None:
    value = table.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise LockfileError(
            f"{json_type(value)} found", path=path, key=f"{key}.{field}", expected="a string"
        )
    return value.strip() or None


def _split_raw(purl: str) -> tuple[list[str], str | None]:
    """A purl's decoded path segments after the type, and its version, as written."""
    rest = purl.split("#", 1)[0].split("?", 1)[0]
    head, at, version = rest.rpartition("@")
    if at and "/" not in version:
        rest = head
    else:
        version = ""
    return [unquote(s) for s in rest.split("/")[1:] if s], unquote(version) or None


def display_name(purl: str, kind: str) -> str:
    """The package name as written in the purl (packageurl-python would lowercase some types'
    names): ``namespace/name``, ``group:artifact`` for maven."""
    segments, _ = _split_raw(purl)
    if len(segments) < 2:
        return segments[0] if segments else purl
    separator = ":" if kind == "maven" else "/"
    return "/".join(segments[:-1]) + separator + segments[-1]


def has_version(purl: str) -> bool:
    """Whether a purl string carries a version (read without parsing it fully)."""
    return _split_raw(purl)[1] is not None


def _describe(entry: SbomEntry) -> str:
    if entry.name:
        return f"component {entry.name!r}"
    return f"component {entry.ref!r}" if entry.ref else "a component"


def json_type(value: object) -> str:
    """The JSON name of a decoded value's type, for messages ("an object", "an array", ...)."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null"
