"""Maven resolver: the ``<licenses>`` of an artifact's POM, or of the nearest parent POM."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from packageurl import PackageURL

from ospo_scan.licenses.http import RegistryResponseError
from ospo_scan.licenses.registries.base import default_endpoint, resolution_from
from ospo_scan.licenses.registries.common import (
    NOT_FOUND_TTL,
    combine_licenses,
    malformed,
    response_error,
)
from ospo_scan.model import Component, Evidence, Resolution

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from ospo_scan.licenses.cache import LicenseCache
    from ospo_scan.licenses.http import HttpClient
    from ospo_scan.licenses.normalize import Normalized

logger = logging.getLogger(__name__)

SOURCE = "registry:maven"
REGISTRY = "the Maven repository"
NO_ENDPOINT = "no registry endpoint configured for maven (use --registry maven=URL)"
NO_COORDINATES = "no groupId, artifactId and version to look up"
# How many parent POMs are walked at most. Real chains are short (artifact -> project parent
# -> organization parent, rarely more); the bound stops a cycle or a pathological chain.
MAX_PARENT_DEPTH = 8
MAX_POM_BYTES = 8 * 1024 * 1024
# Parsed POMs (their licenses and parent), shared by every artifact with the same parent.
POM_NAMESPACE = "maven:pom"
_XML_ACCEPT = {"Accept": "application/xml, text/xml;q=0.9, */*;q=0.1"}


@dataclass(frozen=True, slots=True)
class Coordinate:
    """groupId:artifactId:version of a POM."""

    group: str
    artifact: str
    version: str

    def __str__(self) -> str:
        return f"{self.group}:{self.artifact}:{self.version}"

    def pom_url(self, repository: str) -> str:
        """``<repository>/<group path>/<artifact>/<version>/<artifact>-<version>.pom``.

        The Maven 2 repository layout: the groupId's dots become folders.
        """
        group_path = "/".join(quote(part, safe="") for part in self.group.split("."))
        artifact, version = quote(self.artifact, safe=""), quote(self.version, safe="")
        return f"{repository}/{group_path}/{artifact}/{version}/{artifact}-{version}.pom"


@dataclass(frozen=True, slots=True)
class Pom:
    """What a POM says that matters here: its ``(name, url)`` licenses and its parent.

    ``unusable_parent`` is the parent as written when it cannot be looked up (a version left
    as a property such as ``${revision}``, a missing part); ``parent`` is then ``None``.
    """

    licenses: tuple[tuple[str, str], ...]
    parent: Coordinate | None
    unusable_parent: str | None = None

    def to_json(self) -> dict[str, Any]:
        parent = self.parent
        return {
            "licenses": [list(item) for item in self.licenses],
            "parent": None if parent is None else [parent.group, parent.artifact, parent.version],
            "unusable_parent": self.unusable_parent,
        }

    @classmethod
    def from_json(cls, value: Any) -> Pom | None:
        """The cached form back, or ``None`` when it is not one."""
        if not isinstance(value, dict):
            return None
        licenses, parent = value.get("licenses"), value.get("parent")
        unusable = value.get("unusable_parent")
        if unusable is not None and not isinstance(unusable, str):
            return None
        if not isinstance(licenses, list) or not all(
            isinstance(item, list) and len(item) == 2 and all(isinstance(s, str) for s in item)
            for item in licenses
        ):
            return None
        coordinate = None
        if parent is not None:
            if not (
                isinstance(parent, list)
                and len(parent) == 3
                and all(isinstance(s, str) for s in parent)
            ):
                return None
            coordinate = Coordinate(*parent)
        return cls(tuple((name, url) for name, url in licenses), coordinate, unusable)


class MavenResolver:
    """Reads ``project/licenses/license`` (``name``, ``url``) from the artifact's POM.

    A POM without ``<licenses>`` inherits its parent's (the Maven model inherits ``licenses``
    from ``<parent>``): parent POMs are walked up to ``MAX_PARENT_DEPTH`` deep, each parsed POM
    cached by coordinate. Several ``<license>`` entries are alternatives: the POM reference
    says "If multiple licenses are listed, it is assumed that the user can select any of them,
    not that they must accept all" (OR). Each entry is read from its ``name`` ("The Apache
    Software License, Version 2.0" -> Apache-2.0), or from its ``url`` when that reads better.

    ``endpoint`` is the repository root (the folder holding the group folders); the default
    endpoint stands for the public repository packageurl-python names.
    """

    ecosystem = "maven"

    def resolve(
        self, component: Component, http: HttpClient, endpoint: str, cache: LicenseCache
    ) -> Resolution:
        """Return the artifact's resolution and cache it (briefly when not found).

        Raises ``RegistryUnavailable`` (from ``http``) when the repository cannot be reached;
        a missing or malformed POM becomes an unresolved resolution.
        """
        coordinate = coordinate_of(component)
        if coordinate is None:
            return Resolution(None, SOURCE, 0.0, (), NO_COORDINATES)
        repository = repository_for(endpoint)
        if repository is None:
            return Resolution(None, SOURCE, 0.0, (), NO_ENDPOINT)
        trail: list[Coordinate] = []
        current = coordinate
        while True:
            url = current.pom_url(repository)
            pom = _read_pom(http, url, repository, current, cache)
            if isinstance(pom, Resolution):
                if not trail:
                    if pom.reason == f"not found in {REGISTRY}":
                        cache.put_resolution(component.purl, pom, ttl=NOT_FOUND_TTL)
                    return pom
                # A parent that cannot be read: say which, and do not cache (it may reappear).
                reason = f"parent POM {current} of {trail[-1]}: {pom.reason}"
                return Resolution(None, SOURCE, 0.0, pom.evidence, reason)
            if pom.licenses:
                resolution = _resolution(pom.licenses, url, current, inherited=bool(trail))
                break
            trail.append(current)
            if pom.parent is None:
                reason = f"{REGISTRY} declares no license in the POM" + (
                    f" nor its {len(trail) - 1} parent POM(s)" if len(trail) > 1 else ""
                )
                if pom.unusable_parent:
                    reason += f", and the parent {pom.unusable_parent} cannot be looked up"
                resolution = Resolution(None, SOURCE, 0.0, (), reason)
                break
            if len(trail) > MAX_PARENT_DEPTH or pom.parent in trail:
                reason = f"no license within {MAX_PARENT_DEPTH} parent POMs of {coordinate}"
                resolution = Resolution(None, SOURCE, 0.0, (), reason)
                break
            current = pom.parent
        cache.put_resolution(component.purl, resolution)
        return resolution


def coordinate_of(component: Component) -> Coordinate | None:
    """The component's groupId:artifactId:version, or ``None`` when one is missing."""
    try:
        purl = PackageURL.from_string(component.purl)
    except ValueError:
        return None
    if not (purl.namespace and purl.name and purl.version):
        return None
    return Coordinate(purl.namespace, purl.name, purl.version)


def repository_for(endpoint: str) -> str | None:
    """The repository root for ``endpoint``: itself, or the public repository's root path.

    ``default_endpoint`` gives a scheme and host only, while the public repository lives in a
    folder of that host: its root is taken from packageurl-python's repository URL.
    """
    endpoint = endpoint.rstrip("/")
    if endpoint == default_endpoint("maven"):
        return public_repository()
    return endpoint


@cache
def public_repository() -> str | None:
    """The public repository root from packageurl-python's purl2url, or ``None``."""
    from packageurl.contrib import purl2url

    sample = Coordinate("sample.group", "sample-artifact", "1.0.0")
    suffix = "/sample/group/sample-artifact/1.0.0"
    # Typed through a variable: packageurl-python's contrib functions have no annotations.
    repo_url: Callable[[str], str | None] = purl2url.get_repo_url
    try:
        url = repo_url(f"pkg:maven/{sample.group}/{sample.artifact}@{sample.version}")
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if not isinstance(url, str) or not url.startswith("https://") or not url.endswith(suffix):
        return None
    return url[: -len(suffix)]


def _read_pom(
    http: HttpClient, url: str, repository: str, coordinate: Coordinate, cache: LicenseCache
) -> Pom | Resolution:
    """The POM at ``url`` (from the cache when it was read before), or why it cannot be had."""
    key = f"{repository}|{coordinate}"
    cached = Pom.from_json(cache.get(POM_NAMESPACE, key))
    if cached is not None:
        return cached
    try:
        response = http.get(url, headers=_XML_ACCEPT)
    except RegistryResponseError as exc:
        return response_error(exc, SOURCE, REGISTRY, url)
    if response.status in (404, 410):
        return Resolution(
            None, SOURCE, 0.0, (Evidence(SOURCE, str(coordinate), url),), f"not found in {REGISTRY}"
        )
    if not 200 <= response.status < 300:
        reason = f"unexpected HTTP {response.status} from {REGISTRY}"
        return Resolution(
            None, SOURCE, 0.0, (Evidence(SOURCE, f"HTTP {response.status}", url),), reason
        )
    try:
        pom = parse_pom(response.content)
    except ValueError as exc:
        return malformed(SOURCE, url, str(exc))
    cache.put(POM_NAMESPACE, key, pom.to_json())
    return pom


def parse_pom(content: bytes) -> Pom:
    """The licenses and parent of a POM; raises ``ValueError`` when it is not a POM.

    Parsed with defusedxml (no entities, no DTD); elements matched by local name, since POMs
    are written with the POM 4.0.0 XML namespace or without one.
    """
    import xml.etree.ElementTree as ElementTree

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    if len(content) > MAX_POM_BYTES:
        raise ValueError(f"a POM of {len(content)} bytes")
    try:
        root = fromstring(content)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise ValueError(f"not XML ({exc})") from exc
    if _local(root.tag) != "project":
        raise ValueError(f"root element <{_local(root.tag)}>, not <project>")
    licenses: list[tuple[str, str]] = []
    container = _child(root, "licenses")
    for entry in container if container is not None else ():
        if _local(entry.tag) != "license":
            continue
        name, url = _text(_child(entry, "name")), _text(_child(entry, "url"))
        if name or url:
            licenses.append((name, url))
    parent, unusable = _parent(root)
    return Pom(tuple(licenses), parent, unusable)


def _parent(root: Element) -> tuple[Coordinate | None, str | None]:
    """The parent coordinate, or ``None`` and the parent as written when it is unusable."""
    element = _child(root, "parent")
    if element is None:
        return None, None
    group = _text(_child(element, "groupId"))
    artifact = _text(_child(element, "artifactId"))
    version = _text(_child(element, "version"))
    # An unresolved property ("${revision}") cannot be looked up: the walk stops there.
    if not (group and artifact and version) or "${" in group + artifact + version:
        return None, f"{group}:{artifact}:{version}"
    return Coordinate(group, artifact, version), None


def _resolution(
    licenses: tuple[tuple[str, str], ...], url: str, where: Coordinate, *, inherited: bool
) -> Resolution:
    readings = [reading for name, link in licenses if (reading := read_entry(name, link))]
    raw = "; ".join(
        f"{name} <{link}>" if name and link else name or link for name, link in licenses
    )
    detail = f"{url}: project/licenses/license"
    if inherited:
        detail += f" (inherited from the parent POM {where})"
    return resolution_from(
        combine_licenses(readings, "OR", raw=raw),
        SOURCE,
        raw=raw,
        detail=detail,
        none_reason=f"{REGISTRY} declares no license in the POM",
    )


def read_entry(name: str, url: str) -> Normalized | None:
    """One ``<license>`` entry: its name, or its URL when that is the better reading."""
    from ospo_scan.licenses.normalize import normalize

    readings = [normalize(text) for text in (name, url) if text]
    readings = [reading for reading in readings if reading.expression is not None]
    if not readings:
        return None
    # max() keeps the first (the name) on a tie.
    return max(readings, key=lambda reading: reading.confidence)


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _child(element: Element, name: str) -> Element | None:
    for item in element:
        if _local(item.tag) == name:
            return item
    return None


def _text(element: Element | None) -> str:
    return " ".join((element.text or "").split()) if element is not None else ""
