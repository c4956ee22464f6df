"""pub resolver: the LICENSE file inside a package version's archive, identified by its text."""

from __future__ import annotations

import io
import logging
import tarfile
import zlib
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin

from ospo_scan.licenses.http import RegistryResponseError
from ospo_scan.licenses.registries.base import resolution_from
from ospo_scan.licenses.registries.common import (
    NO_VERSION,
    NOT_FOUND_TTL,
    fetch_document,
    malformed,
    name_and_version,
    response_error,
)
from ospo_scan.licenses.registries.golang import (
    MAX_LICENSE_FILES,
    file_names,
    is_license_file_name,
    read_license_files,
)
from ospo_scan.model import Component, Evidence, Resolution

if TYPE_CHECKING:
    from ospo_scan.licenses.cache import LicenseCache
    from ospo_scan.licenses.http import HttpClient

logger = logging.getLogger(__name__)

SOURCE = "registry:pub"
REGISTRY = "the pub repository"
NO_LICENSE_FILE = "no license file at the root of the package archive"
# The hosted pub repository spec asks clients to name the API version they speak.
ACCEPT = {"Accept": "application/vnd.pub.v2+json"}
# How much of an archive is downloaded at most (pub's own publishing limit is 100 MB; the
# license file of a Dart package is at the top level, and most archives are far smaller),
# and how far into it we decompress (a bound against compression bombs).
MAX_ARCHIVE_BYTES = 32 * 1024 * 1024
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_MEMBER_BYTES = 1024 * 1024


class PubResolver:
    """Reads the license file of ``<endpoint>/api/packages/<name>/versions/<version>``.

    pubspec.yaml has no license field: ``dart pub publish`` requires a LICENSE file at the
    package root instead, so the archive the version document's ``archive_url`` names is
    downloaded (a Range request bounded by ``MAX_ARCHIVE_BYTES``), walked as a gzip tar
    stream in memory (nothing is extracted or written to disk), and its root license files
    identified by ``normalize`` (the common texts; others become a low-confidence
    ``LicenseRef``). The per-version endpoint is deprecated in the Hosted Pub Repository
    Specification v2 (servers "should still support" it): when it answers 404, the package
    listing ``<endpoint>/api/packages/<name>`` is asked for the version instead.
    """

    ecosystem = "pub"

    def resolve(
        self, component: Component, http: HttpClient, endpoint: str, cache: LicenseCache
    ) -> Resolution:
        """Return the package version's resolution and cache it (briefly when not found).

        Raises ``RegistryUnavailable`` (from ``http``) when the repository cannot be reached;
        a 404, an unexpected status, a malformed body or an unreadable archive become
        unresolved resolutions.
        """
        name, version = name_and_version(component)
        if version is None:
            return Resolution(None, SOURCE, 0.0, (), NO_VERSION)
        package_url = f"{endpoint.rstrip('/')}/api/packages/{quote(name, safe='')}"
        url = f"{package_url}/versions/{quote(version, safe='')}"
        try:
            document = http.get_json(url, headers=ACCEPT)
        except RegistryResponseError as exc:
            return response_error(exc, SOURCE, REGISTRY, url)
        if document is None:
            listing = fetch_document(
                http,
                package_url,
                component=component,
                cache=cache,
                source=SOURCE,
                registry=REGISTRY,
                headers=ACCEPT,
            )
            if isinstance(listing, Resolution):
                return listing
            url = package_url
            document = find_version(listing, version)
            if document is None:
                reason = f"version {version} not found in {REGISTRY}"
                evidence = (Evidence(SOURCE, version, url),)
                resolution = Resolution(None, SOURCE, 0.0, evidence, reason)
                cache.put_resolution(component.purl, resolution, ttl=NOT_FOUND_TTL)
                return resolution
        archive = document.get("archive_url") if isinstance(document, dict) else None
        if not isinstance(archive, str) or not archive.strip():
            return malformed(SOURCE, url, "no archive_url")
        # The spec gives absolute URLs; a relative one is read against the document's URL.
        archive_url = urljoin(url, archive.strip())
        resolution, keep, ttl = _from_archive(http, archive_url)
        if keep:
            cache.put_resolution(component.purl, resolution, ttl=ttl)
        return resolution


def find_version(listing: dict[str, Any], version: str) -> dict[str, Any] | None:
    """The entry of ``version`` in a package listing's ``versions``, or ``None``."""
    versions = listing.get("versions")
    if not isinstance(versions, list):
        return None
    for entry in versions:
        if isinstance(entry, dict) and entry.get("version") == version:
            return entry
    return None


def _from_archive(http: HttpClient, archive_url: str) -> tuple[Resolution, bool, float | None]:
    """The resolution read from the archive's root license files, whether to cache it, and
    for how long (``None``: for good; a published archive never changes)."""
    try:
        # Range asks for the bound; max_bytes enforces it on a server that ignores Range (the
        # body is streamed and given up past the limit).
        response = http.get(
            archive_url,
            headers={"Range": f"bytes=0-{MAX_ARCHIVE_BYTES - 1}"},
            max_bytes=MAX_ARCHIVE_BYTES,
        )
    except RegistryResponseError as exc:
        return response_error(exc, SOURCE, REGISTRY, archive_url), False, None
    evidence = (Evidence(SOURCE, f"HTTP {response.status}", archive_url),)
    if response.status in (404, 410):
        reason = f"archive not found in {REGISTRY}"
        return Resolution(None, SOURCE, 0.0, evidence, reason), True, NOT_FOUND_TTL
    if response.status not in (200, 206):
        reason = f"unexpected HTTP {response.status} from {REGISTRY}"
        return Resolution(None, SOURCE, 0.0, evidence, reason), False, None
    try:
        files = root_license_files(response.content)
    except ValueError as exc:
        return malformed(SOURCE, archive_url, str(exc)), False, None
    if not files:
        evidence = (Evidence(SOURCE, "", archive_url),)
        return Resolution(None, SOURCE, 0.0, evidence, NO_LICENSE_FILE), True, None
    resolution = resolution_from(
        read_license_files(files),
        SOURCE,
        raw=file_names(files),
        detail=f"{archive_url}: {file_names(files)}",
        none_reason="the package's license file declares no license",
    )
    return resolution, True, None


def root_license_files(content: bytes) -> list[tuple[str, bytes]]:
    """(name, bytes) of each license file at the root of a gzip tar, in archive order.

    The tar is read in stream mode from memory: members are never extracted, links never
    followed, and decompression stops after ``MAX_UNPACKED_BYTES``. Raises ``ValueError``
    when the archive is unreadable, or cut off before its end (a download cut at the size
    limit) without a license file found.
    """
    found: list[tuple[str, bytes]] = []
    try:
        with tarfile.open(fileobj=io.BytesIO(content), mode="r|gz") as archive:
            for member in archive:
                if member.offset_data > MAX_UNPACKED_BYTES or len(found) >= MAX_LICENSE_FILES:
                    break
                name = member.name.removeprefix("./")
                if not member.isfile() or "/" in name or not is_license_file_name(name):
                    continue
                if member.size > MAX_MEMBER_BYTES:
                    continue
                handle = archive.extractfile(member)
                data = handle.read() if handle is not None else b""
                if len(data) != member.size:
                    raise ValueError(f"{name} is cut off")
                found.append((name, data))
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        if found:
            return found
        raise ValueError(f"unreadable or cut-off archive ({exc})") from exc
    return found
