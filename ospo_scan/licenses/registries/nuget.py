"""NuGet resolver: a package version's license from its .nuspec in the v3 flat container."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urljoin, urlsplit

from ospo_scan.licenses.http import RegistryResponseError
from ospo_scan.licenses.registries.base import default_endpoint, resolution_from
from ospo_scan.licenses.registries.common import (
    NO_VERSION,
    NOT_FOUND_TTL,
    malformed,
    name_and_version,
    response_error,
)
from ospo_scan.licenses.wheel import ArchiveError, ArchiveNotFound, read_zip_member
from ospo_scan.model import Component, Evidence, Resolution

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from ospo_scan.licenses.cache import LicenseCache
    from ospo_scan.licenses.http import HttpClient, HttpResponse
    from ospo_scan.licenses.normalize import Normalized

logger = logging.getLogger(__name__)

SOURCE = "registry:nuget"
REGISTRY = "the NuGet feed"
NO_ENDPOINT = "no registry endpoint configured for nuget (use --registry nuget=URL)"
NO_LICENSE = f"{REGISTRY} declares no license"
# The flat container's path below a feed that has no service index (the public feed's layout).
FLAT_CONTAINER = "v3-flatcontainer"
# The service index resource that names the flat container (NuGet server API,
# "Package Content": PackageBaseAddress/3.0.0).
PACKAGE_BASE_ADDRESS = "PackageBaseAddress/3.0.0"
MAX_NUSPEC_BYTES = 4 * 1024 * 1024
MAX_LICENSE_TEXT = 256 * 1024
_XML_ACCEPT = {"Accept": "application/xml, text/xml;q=0.9, */*;q=0.1"}


class NugetResolver:
    """Reads ``<license>`` (else the deprecated ``<licenseUrl>``) from the package's nuspec.

    The nuspec is ``<flat container>/<id>/<version>/<id>.nuspec`` (id and normalized version
    in lower case). The flat container is, in order: the one the public feed's download URLs
    in packageurl-python point at when ``endpoint`` is the default; the
    ``PackageBaseAddress/3.0.0`` resource of a service index when ``endpoint`` is one (a
    ``.../index.json`` URL, as in nuget.config); ``endpoint`` itself when it ends with
    ``/v3-flatcontainer``; else ``<endpoint>/v3-flatcontainer``.

    - ``<license type="expression">`` is an SPDX expression: normalized as it is;
    - ``<license type="file">`` names a file inside the .nupkg: read from the package by range
      requests and identified by its text when normalize recognizes it, else unresolved;
    - ``<licenseUrl>`` alone (deprecated): a URL of the license-expression service (its path
      is the expression) or a well-known license URL is mapped to SPDX; any other URL (a
      repository's LICENSE file, a vendor page) is unresolved with the URL as evidence.
    """

    ecosystem = "nuget"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bases: dict[str, str] = {}

    def resolve(
        self, component: Component, http: HttpClient, endpoint: str, cache: LicenseCache
    ) -> Resolution:
        """Return the package version's resolution and cache it (briefly when not found).

        Raises ``RegistryUnavailable`` (from ``http``) when the feed cannot be reached; a
        404, an unexpected status or a malformed nuspec become unresolved resolutions.
        """
        package_id, version = name_and_version(component)
        if version is None:
            return Resolution(None, SOURCE, 0.0, (), NO_VERSION)
        base = self._flat_container(endpoint, http)
        if isinstance(base, Resolution):
            return base
        lower_id = package_id.lower()
        lower_version = normalized_version(version)
        folder = f"{base}/{quote(lower_id, safe='')}/{quote(lower_version, safe='')}"
        url = f"{folder}/{quote(lower_id, safe='')}.nuspec"
        try:
            response = http.get(url, headers=_XML_ACCEPT)
        except RegistryResponseError as exc:
            return response_error(exc, SOURCE, REGISTRY, url)
        if response.status in (404, 410):
            resolution = Resolution(None, SOURCE, 0.0, (), f"not found in {REGISTRY}")
            cache.put_resolution(component.purl, resolution, ttl=NOT_FOUND_TTL)
            return resolution
        if not 200 <= response.status < 300:
            reason = f"unexpected HTTP {response.status} from {REGISTRY}"
            evidence = (Evidence(SOURCE, f"HTTP {response.status}", url),)
            return Resolution(None, SOURCE, 0.0, evidence, reason)
        try:
            metadata = nuspec_metadata(response)
        except ValueError as exc:
            return malformed(SOURCE, url, str(exc))
        package_url = f"{folder}/{quote(f'{lower_id}.{lower_version}', safe='')}.nupkg"
        resolution, lasting = resolution_from_metadata(metadata, url, http, package_url)
        if lasting:
            cache.put_resolution(component.purl, resolution)
        return resolution

    def _flat_container(self, endpoint: str, http: HttpClient) -> str | Resolution:
        """The flat container base URL for ``endpoint`` (no trailing slash)."""
        endpoint = endpoint.rstrip("/")
        if endpoint == default_endpoint("nuget"):
            public = public_flat_container()
            if public is None:
                return Resolution(None, SOURCE, 0.0, (), NO_ENDPOINT)
            return public
        path = urlsplit(endpoint).path
        if path.endswith(f"/{FLAT_CONTAINER}"):
            return endpoint  # configured as the flat container itself
        if not path.endswith(".json"):
            return f"{endpoint}/{FLAT_CONTAINER}"
        with self._lock:
            known = self._bases.get(endpoint)
        if known is not None:
            return known
        found = _from_service_index(endpoint, http)
        if isinstance(found, str):
            with self._lock:
                self._bases[endpoint] = found
        return found


@cache
def public_flat_container() -> str | None:
    """The public feed's flat container, from packageurl-python's URL patterns, or ``None``.

    purl2url only knows the gallery host (web pages and the v2 download API);
    url2purl's pattern for flat-container download URLs names the API host and path.
    """
    from packageurl.contrib import url2purl

    pattern = getattr(url2purl, "nuget_api_pattern", None)
    if not isinstance(pattern, str):
        return None
    match = re.match(r"\^(https?)\??://([^/]+)/([\w.-]+)/", pattern)
    if match is None:
        return None
    scheme = "https" if match.group(1).startswith("https") else "http"
    host = match.group(2).replace("\\", "")
    if "." not in host or not re.fullmatch(r"[\w.-]+", host):
        return None
    return f"{scheme}://{host}/{match.group(3)}"


def _from_service_index(url: str, http: HttpClient) -> str | Resolution:
    """The ``PackageBaseAddress/3.0.0`` resource of the service index at ``url``."""
    try:
        document = http.get_json(url)
    except RegistryResponseError as exc:
        return response_error(exc, SOURCE, REGISTRY, url)
    if document is None:
        return Resolution(None, SOURCE, 0.0, (), f"no NuGet service index at {url}")
    resources = document.get("resources") if isinstance(document, dict) else None
    if not isinstance(resources, list):
        return malformed(SOURCE, url, "no resources list in the service index")
    for resource in resources:
        if not isinstance(resource, dict):
            continue
        kinds = resource.get("@type")
        kinds = [kinds] if isinstance(kinds, str) else kinds
        target = resource.get("@id")
        if isinstance(kinds, list) and PACKAGE_BASE_ADDRESS in kinds and isinstance(target, str):
            return urljoin(url, target).rstrip("/")
    return malformed(SOURCE, url, f"the service index has no {PACKAGE_BASE_ADDRESS} resource")


def normalized_version(version: str) -> str:
    """The version as the flat container spells it: NuGet-normalized, in lower case.

    NuGet normalizes versions before storing them (NuGet.Versioning ``ToNormalizedString``):
    build metadata dropped, leading zeros dropped, at least three parts, and a fourth part
    only when it is not zero ("1.0" -> "1.0.0", "1.01.1.0" -> "1.1.1").
    """
    text = version.strip().split("+", 1)[0]
    core, dash, release = text.partition("-")
    numbers = core.split(".")
    if 1 <= len(numbers) <= 4 and all(number.isdigit() for number in numbers):
        parts = [str(int(number)) for number in numbers]
        parts += ["0"] * (3 - len(parts))
        if len(parts) == 4 and parts[3] == "0":
            parts = parts[:3]
        core = ".".join(parts)
    return f"{core}{dash}{release}".lower()


def nuspec_metadata(response: HttpResponse) -> Element:
    """The ``<metadata>`` element of a nuspec; raises ``ValueError`` when it is not a nuspec.

    Parsed with defusedxml (no entities, no DTD). Nuspec namespaces differ by schema version
    (2010/07 ... 2013/05, or none), so elements are matched by local name.
    """
    import xml.etree.ElementTree as ElementTree

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    if len(response.content) > MAX_NUSPEC_BYTES:
        raise ValueError(f"a nuspec of {len(response.content)} bytes")
    try:
        root = fromstring(response.content)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise ValueError(f"not XML ({exc})") from exc
    if local_name(root.tag) != "package":
        raise ValueError(f"root element <{local_name(root.tag)}>, not <package>")
    metadata = child(root, "metadata")
    if metadata is None:
        raise ValueError("no <metadata> element")
    return metadata


def local_name(tag: Any) -> str:
    """An element's name without its ``{namespace}``."""
    return str(tag).rsplit("}", 1)[-1]


def child(element: Element, name: str) -> Element | None:
    """The first child element called ``name`` (any namespace), or ``None``."""
    for item in element:
        if local_name(item.tag) == name:
            return item
    return None


def resolution_from_metadata(
    metadata: Element, url: str, http: HttpClient, package_url: str
) -> tuple[Resolution, bool]:
    """The resolution a nuspec's ``<metadata>`` declares (see ``NugetResolver``), and whether
    it lasts (``False`` when the package could not be read for its license file: that may
    be a passing problem, so the answer is not cached).

    Raises ``RegistryUnavailable`` when the package must be read for its license file and
    the feed cannot be reached.
    """
    from ospo_scan.licenses.normalize import normalize

    license_element = child(metadata, "license")
    if license_element is not None:
        kind = (license_element.get("type") or "").strip().lower()
        value = (license_element.text or "").strip()
        if kind == "expression":
            resolution = resolution_from(
                normalize(value) if value else None,
                SOURCE,
                raw=value,
                detail=f"{url}: metadata/license[@type='expression']",
                none_reason=f"{REGISTRY} lists an empty license expression",
            )
            return resolution, True
        if kind == "file" and value:
            return _from_license_file(value, http, package_url, url)
        evidence = (Evidence(SOURCE, value, f"{url}: metadata/license[@type={kind!r}]"),)
        reason = f"a <license> of unknown type {kind!r}"
        return Resolution(None, SOURCE, 0.0, evidence, reason), True
    url_element = child(metadata, "licenseUrl")
    license_url = (url_element.text or "").strip() if url_element is not None else ""
    if not license_url:
        return Resolution(None, SOURCE, 0.0, (), NO_LICENSE), True
    detail = f"{url}: metadata/licenseUrl"
    normalized = read_license_url(license_url)
    if normalized is None:
        reason = f"the license is only given as a URL that names no known license: {license_url}"
        evidence = (Evidence(SOURCE, license_url, detail),)
        return Resolution(None, SOURCE, 0.0, evidence, reason), True
    resolution = resolution_from(
        normalized, SOURCE, raw=license_url, detail=detail, none_reason=NO_LICENSE
    )
    return resolution, True


def read_license_url(url: str) -> Normalized | None:
    """The license a ``<licenseUrl>`` names, or ``None`` when it names none that is known.

    NuGet fills ``licenseUrl`` of packages that declare an expression with its
    license-expression service URL, ``https://licenses.<gallery>/<expression>`` (nuspec
    reference, "licenseUrl"): a host whose first label is ``licenses`` and whose path is one
    SPDX expression is read as that expression. Other URLs are read by ``normalize`` and kept
    only when it maps them to a license page it knows (method "url"); a link to a LICENSE file
    or any other page names no license on its own.
    """
    from ospo_scan.licenses.normalize import Normalized, normalize

    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return None
    segments = [segment for segment in unquote(parts.path).split("/") if segment]
    if host.split(".", 1)[0] == "licenses" and len(segments) == 1:
        expression = normalize(segments[0])
        if expression.expression is not None and expression.method in ("spdx", "deprecated"):
            note = "the license-expression URL NuGet writes for packages that declare one"
            return Normalized(expression.expression, expression.confidence, "url", url, note)
    normalized = normalize(url)
    if normalized.method == "url" and normalized.expression is not None:
        return normalized
    return None


def _from_license_file(
    name: str, http: HttpClient, package_url: str, url: str
) -> tuple[Resolution, bool]:
    """The license of the package file ``name`` (``<license type="file">``), read by text,
    and whether that answer lasts (not when the package could not be read)."""
    from ospo_scan.licenses.normalize import normalize

    wanted = name.replace("\\", "/").lstrip("/").lower()
    detail = f"{url}: metadata/license[@type='file']"
    try:
        member, data, _ = read_zip_member(
            http, package_url, lambda names: _pick_member(names, wanted)
        )
    except (ArchiveError, ArchiveNotFound, RegistryResponseError) as exc:
        reason = f'the license is in the package file "{name}", which could not be read ({exc})'
        return Resolution(None, SOURCE, 0.0, (Evidence(SOURCE, name, detail),), reason), False
    text = data[:MAX_LICENSE_TEXT].decode("utf-8", errors="replace").lstrip("\ufeff")
    normalized = normalize(text)
    evidence_detail = f"{detail} -> {package_url}!{member}"
    # A recognized text (or a file holding just an SPDX id); an unknown text stays unresolved.
    if normalized.expression is None or normalized.method == "unrecognized":
        reason = f'the license is in the package file "{name}", a text ospo-scan does not recognize'
        evidence = (Evidence(SOURCE, name, evidence_detail),)
        return Resolution(None, SOURCE, 0.0, evidence, reason), True
    resolution = resolution_from(
        normalized, SOURCE, raw=name, detail=evidence_detail, none_reason=NO_LICENSE
    )
    return resolution, True


def _pick_member(names: Sequence[str], wanted: str) -> str | None:
    """The zip member for a nuspec file path: OPC packages may percent-encode member names."""
    for candidate in names:
        if candidate.lower() == wanted or unquote(candidate).lower() == wanted:
            return candidate
    return None
