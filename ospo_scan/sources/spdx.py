"""SPDX 2.2 / 2.3 JSON documents (``*.spdx.json``) as input, to check an SBOM made elsewhere.

Each package with a ``purl`` external reference is a component; its purl is copied verbatim
and its ecosystem is the purl type. Left out, each with a diagnostic: packages without a purl
(they cannot be looked up), the elements the document describes (``documentDescribes`` and
``DESCRIBES`` relationships: the subject, not a dependency) and packages whose purl has no
version (generators such as syft list the scanned module itself that way: first-party).

The dependency graph comes from the relationships (SPDX 2.3 section 11): ``A DEPENDS_ON B``
and ``B *_DEPENDENCY_OF A`` mean A depends on B. When some dependency relationship starts
at a root (a described element or a versionless first-party package), the document records
the project's declared dependencies: those are ``direct``, and the scope follows the
relationship kinds from the roots (``DEV_``, ``TEST_`` and ``BUILD_DEPENDENCY_OF`` -> dev,
``OPTIONAL_`` and ``PROVIDED_DEPENDENCY_OF`` -> optional, others -> required; strongest path
wins). Otherwise ``direct`` and ``scope`` are unknown (the shared corpus's rule).

``declared_license``: ``licenseConcluded`` unless it is ``NOASSERTION`` (or absent), else
``licenseDeclared`` unless ``NOASSERTION``; ``NONE`` (declared: no license) is kept.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import replace
from typing import Any

from ospo_scan.errors import LockfileError
from ospo_scan.model import SCOPE_STRENGTH, Diagnostic, ParseResult, Scope, Severity, SourceLocation
from ospo_scan.sources.cyclonedx import SbomEntry, build_components, has_version, json_type
from ospo_scan.sources.decode import load_json

SUPPORTED_VERSIONS = ("SPDX-2.2", "SPDX-2.3")
_DOCUMENT = "SPDXRef-DOCUMENT"
_NOASSERTION = "NOASSERTION"
# relationship type -> scope of the edge (parent depends on child), and whether the SPDX
# element is the parent ("DEPENDS_ON") or the child ("..._OF").
_EDGES: dict[str, tuple[Scope, bool]] = {
    "DEPENDS_ON": (Scope.REQUIRED, True),
    "DEPENDENCY_OF": (Scope.REQUIRED, False),
    "RUNTIME_DEPENDENCY_OF": (Scope.REQUIRED, False),
    "OPTIONAL_DEPENDENCY_OF": (Scope.OPTIONAL, False),
    "PROVIDED_DEPENDENCY_OF": (Scope.OPTIONAL, False),
    "DEV_DEPENDENCY_OF": (Scope.DEV, False),
    "TEST_DEPENDENCY_OF": (Scope.DEV, False),
    "BUILD_DEPENDENCY_OF": (Scope.DEV, False),
}
_HASH_NAMES = {"SHA1": "SHA-1", "SHA256": "SHA-256", "SHA384": "SHA-384", "SHA512": "SHA-512"}


class SpdxJsonParser:
    """Reads SPDX 2.2 and 2.3 JSON documents."""

    format: str = "spdx-json"
    ecosystem: str = "any"  # not one ecosystem: each component's is its purl type
    patterns: tuple[str, ...] = ("*.spdx.json",)

    def parse(self, text: str, path: str) -> ParseResult:
        """Return the document's packages that have a versioned purl (see the module docstring).

        Raises ``LockfileError`` for invalid JSON, a document that is not SPDX 2.2/2.3 JSON,
        or packages and relationships of the wrong shape.
        """
        data = load_json(text, path)
        if not isinstance(data, dict) or "spdxVersion" not in data:
            raise LockfileError(
                "not an SPDX document",
                path=path,
                key="spdxVersion",
                expected='a JSON object with "spdxVersion": "SPDX-2.3"',
            )
        if data["spdxVersion"] not in SUPPORTED_VERSIONS:
            raise LockfileError(
                f"unsupported version {json.dumps(data['spdxVersion'])}",
                path=path,
                key="spdxVersion",
                expected=" or ".join(SUPPORTED_VERSIONS),
            )
        packages = _array(data.get("packages", []), path, "packages")
        relationships = _array(data.get("relationships", []), path, "relationships")
        described = _described(data, relationships, path)

        diagnostics: list[Diagnostic] = []
        entries: list[SbomEntry] = []
        first_party: set[str] = set()
        for index, package in enumerate(packages):
            entry = _entry(package, index, path)
            if entry.ref in described:
                what = entry.purl or entry.name or entry.ref
                diagnostics.append(
                    Diagnostic(
                        entry.where,
                        f"{what} is what the document describes: the project, not a component",
                        Severity.INFO,
                    )
                )
                continue
            if entry.ref and _versionless(entry.purl):
                first_party.add(entry.ref)
            entries.append(entry)

        graph, kinds = _graph(relationships, path)
        roots = described | first_party
        declared = {child for root in roots for child in graph.get(root, [])}
        scopes = _scopes(graph, kinds, roots) if declared else {}
        entries = [replace(e, scope=scopes.get(e.ref or "")) for e in entries]
        return build_components(
            entries,
            None,
            None,
            graph,
            path,
            diagnostics,
            keep_versionless=False,
            direct_refs=declared if declared else None,
        )


def _entry(package: Any, index: int, path: str) -> SbomEntry:
    key = f"packages[{index}]"
    if not isinstance(package, dict) or not isinstance(package.get("SPDXID"), str):
        raise LockfileError(
            "no SPDXID", path=path, key=key, expected="a package object with an SPDXID"
        )
    purl = None
    references = package.get("externalRefs", [])
    if not isinstance(references, list):
        raise LockfileError(
            f"{json_type(references)} found",
            path=path,
            key=f"{key}.externalRefs",
            expected="an array of external references",
        )
    for reference in references:
        if (
            isinstance(reference, dict)
            and reference.get("referenceType") == "purl"
            and isinstance(reference.get("referenceLocator"), str)
        ):
            purl = reference["referenceLocator"].strip()
            break
    name = package.get("name")
    checksums = package.get("checksums", [])
    hashes = []
    for checksum in checksums if isinstance(checksums, list) else ():
        if isinstance(checksum, dict):
            algorithm = checksum.get("algorithm")
            value = checksum.get("checksumValue")
            if isinstance(algorithm, str) and isinstance(value, str) and value.strip():
                hashes.append((_HASH_NAMES.get(algorithm, algorithm), value.strip().lower()))
    return SbomEntry(
        where=SourceLocation(path, None, key),
        ref=package["SPDXID"],
        name=name if isinstance(name, str) else None,
        purl=purl or None,
        scope=None,
        declared_license=_license(package),
        hashes=tuple(hashes),
    )


def _license(package: dict[str, Any]) -> str | None:
    for field in ("licenseConcluded", "licenseDeclared"):
        value = package.get(field)
        if isinstance(value, str) and value.strip() and value.strip() != _NOASSERTION:
            return value.strip()
    return None


def _described(data: dict[str, Any], relationships: list[Any], path: str) -> set[str]:
    """SPDXIDs of the elements the document describes (its subject)."""
    described = data.get("documentDescribes", [])
    if not isinstance(described, list):
        raise LockfileError(
            f"{json_type(described)} found",
            path=path,
            key="documentDescribes",
            expected="an array of SPDXIDs",
        )
    out = {d for d in described if isinstance(d, str)}
    for relationship in relationships:
        if not isinstance(relationship, dict):
            continue
        kind = relationship.get("relationshipType")
        element = relationship.get("spdxElementId")
        related = relationship.get("relatedSpdxElement")
        if kind == "DESCRIBES" and element == _DOCUMENT and isinstance(related, str):
            out.add(related)
        elif kind == "DESCRIBED_BY" and related == _DOCUMENT and isinstance(element, str):
            out.add(element)
    return out


def _graph(
    relationships: list[Any], path: str
) -> tuple[dict[str, list[str]], dict[tuple[str, str], Scope]]:
    """Dependency edges parent -> children, and the strongest scope of each edge."""
    graph: dict[str, list[str]] = {}
    kinds: dict[tuple[str, str], Scope] = {}
    for index, relationship in enumerate(relationships):
        if not isinstance(relationship, dict):
            raise LockfileError(
                f"{json_type(relationship)} found",
                path=path,
                key=f"relationships[{index}]",
                expected="an object with spdxElementId, relationshipType, relatedSpdxElement",
            )
        edge = _EDGES.get(str(relationship.get("relationshipType")))
        element = relationship.get("spdxElementId")
        related = relationship.get("relatedSpdxElement")
        if edge is None or not isinstance(element, str) or not isinstance(related, str):
            continue
        scope, element_is_parent = edge
        parent, child = (element, related) if element_is_parent else (related, element)
        if (parent, child) not in kinds:
            graph.setdefault(parent, []).append(child)
            kinds[(parent, child)] = scope
        elif _rank(scope) > _rank(kinds[(parent, child)]):
            kinds[(parent, child)] = scope
    return graph, kinds


def _scopes(
    graph: dict[str, list[str]], kinds: dict[tuple[str, str], Scope], roots: set[str]
) -> dict[str, Scope]:
    """Scope of each element reachable from the roots: the weakest edge kind on its strongest
    path. One breadth-first walk per scope, strongest first (linear in nodes + edges)."""
    scopes: dict[str, Scope] = {}
    frontier = sorted(roots)
    reached: set[str] = set(frontier)
    for scope in (Scope.REQUIRED, Scope.OPTIONAL, Scope.DEV):
        queue: deque[str] = deque(frontier)
        while queue:
            node = queue.popleft()
            for child in graph.get(node, ()):
                if child in reached or _rank(kinds[(node, child)]) < _rank(scope):
                    continue
                reached.add(child)
                scopes[child] = scope
                queue.append(child)
        frontier = [*roots, *scopes]
    return scopes


def _rank(scope: Scope) -> int:
    return SCOPE_STRENGTH[scope]


def _versionless(purl: str | None) -> bool:
    """Whether ``purl`` has no version (the described module, for syft)."""
    return bool(purl) and not has_version(purl or "")


def _array(value: Any, path: str, key: str) -> list[Any]:
    if not isinstance(value, list):
        raise LockfileError(f"{json_type(value)} found", path=path, key=key, expected="an array")
    return value
