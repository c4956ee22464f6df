"""Hex resolver: a release's ``licenses`` from the Hex API or from its tarball's metadata."""

from __future__ import annotations

import io
import json
import logging
import re
import tarfile
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from packageurl import PackageURL

from ospo_scan.licenses.http import RegistryResponseError
from ospo_scan.licenses.registries.base import default_endpoint, resolution_from
from ospo_scan.licenses.registries.common import (
    NO_VERSION,
    NOT_FOUND_TTL,
    combine_licenses,
    fetch_document,
    malformed,
    response_error,
)
from ospo_scan.model import Component, Evidence, Resolution

if TYPE_CHECKING:
    from ospo_scan.licenses.cache import LicenseCache
    from ospo_scan.licenses.http import HttpClient
    from ospo_scan.licenses.normalize import Normalized

logger = logging.getLogger(__name__)

SOURCE = "registry:hex"
REGISTRY = "the Hex registry"

# Hex's package metadata lists licenses without saying whether several are a choice (an
# open question on the registry's tracker, hexpm/hexpm#1108); read as all applying (AND),
# the reading a policy can rely on, with a confidence that says the operator is a guess.
SEVERAL_NOTE = (
    "Hex lists several licenses without saying whether they are a choice;"
    " read as all applying (AND)"
)
SEVERAL_CAP = 0.8
PACKAGE_LEVEL_NOTE = (
    "package-level metadata (that of the latest release): the release's own metadata lists"
    " no licenses"
)

# A release tarball is an uncompressed tar of VERSION, CHECKSUM, metadata.config and
# contents.tar.gz, in that order (hex_core, hex_tarball): metadata.config lies in the first
# kilobytes, so the first ``MAX_TARBALL_PREFIX`` bytes are asked for and nothing more.
MAX_TARBALL_PREFIX = 1024 * 1024
# A server that ignores Range sends the whole tarball: accepted up to this size (the
# registry's own limit for a package is far below it).
MAX_TARBALL_BYTES = 32 * 1024 * 1024
MAX_METADATA_BYTES = 512 * 1024
# metadata.config holds Erlang terms, one "{Key, Value}." per entry (written by hex_core with
# io_lib's ~p, which may wrap long lists over lines); the licenses entry is a list of
# binaries, {<<"licenses">>,[<<"MIT">>,<<"Apache-2.0">>]}. Old tarballs wrote Erlang strings.
_LICENSES_TERM = re.compile(
    r'\{\s*(?:<<"licenses"(?:/utf8)?>>|"licenses")\s*,\s*\[(?P<items>(?:[^\]"]|"(?:[^"\\]|\\.)*")*)\]\s*\}',
    re.DOTALL,
)
_ITEM = re.compile(r'(?:<<)?"(?P<text>(?:[^"\\]|\\.)*)"(?:/utf8)?(?:>>)?')
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "s": " ", "\\": "\\", '"': '"', "'": "'"}


class HexResolver:
    """Reads a release's licenses, in one of two ways depending on the endpoint.

    - An API endpoint (a configured ``--registry hex=URL`` or a ``repository_url``
      qualifier) is asked for ``<endpoint>/api/packages/<name>/releases/<version>``; its
      ``meta.licenses`` is used when present, else the package's
      ``<endpoint>/api/packages/<name>`` ``meta.licenses`` (package-level, which the evidence
      says).
    - The default endpoint is the Hex *repository* packageurl-python names (it serves
      tarballs, not the API): the release tarball ``<endpoint>/tarballs/<name>-<version>.tar``
      is read by a bounded Range request for its ``metadata.config``, which carries the
      licenses the release was published with.
    """

    ecosystem = "hex"

    def resolve(
        self, component: Component, http: HttpClient, endpoint: str, cache: LicenseCache
    ) -> Resolution:
        """Return the release's resolution and cache it (briefly when not found).

        Raises ``RegistryUnavailable`` (from ``http``) when the registry cannot be reached; a
        404, an unexpected status or a malformed answer become unresolved resolutions.
        """
        organization, name, version = coordinates(component)
        if version is None:
            return Resolution(None, SOURCE, 0.0, (), NO_VERSION)
        endpoint = endpoint.rstrip("/")
        # An organization's private packages live in its own repository (the purl's namespace,
        # per the purl spec for hex): "/repos/<organization>" in both the API and the tarballs.
        scope = f"/repos/{quote(organization, safe='')}" if organization else ""
        if endpoint == default_endpoint("hex"):
            resolution, keep = _from_tarball(http, endpoint + scope, name, version)
            if keep is not False:
                cache.put_resolution(component.purl, resolution, ttl=keep)
            return resolution
        package_url = f"{endpoint}/api{scope}/packages/{quote(name, safe='')}"
        release_url = f"{package_url}/releases/{quote(version, safe='')}"
        release = fetch_document(
            http, release_url, component=component, cache=cache, source=SOURCE, registry=REGISTRY
        )
        if isinstance(release, Resolution):
            return release
        url, licenses, detail = release_url, _meta_licenses(release), "meta.licenses"
        if licenses is None:
            package = fetch_document(
                http,
                package_url,
                component=component,
                cache=cache,
                source=SOURCE,
                registry=REGISTRY,
            )
            if isinstance(package, Resolution):
                return package
            url, licenses = package_url, _meta_licenses(package) or []
            detail = f"meta.licenses, {PACKAGE_LEVEL_NOTE}"
        if not isinstance(licenses, list) or not all(isinstance(item, str) for item in licenses):
            return malformed(SOURCE, url, f"meta.licenses is not a list of strings: {licenses!r}")
        resolution = _resolution([str(item) for item in licenses], f"{url}: {detail}")
        cache.put_resolution(component.purl, resolution)
        return resolution


def coordinates(component: Component) -> tuple[str | None, str, str | None]:
    """(organization or ``None``, package name, version or ``None``) of a hex component."""
    try:
        purl = PackageURL.from_string(component.purl)
    except ValueError:
        return None, component.name, component.version
    return purl.namespace or None, purl.name, purl.version or None


def _meta_licenses(document: dict[str, Any]) -> Any:
    """``meta.licenses`` when it says anything (a lone string is a list of one), else ``None``.

    Whatever else is there is returned for the caller to reject.
    """
    meta = document.get("meta")
    licenses = meta.get("licenses") if isinstance(meta, dict) else None
    if isinstance(licenses, str):
        return [licenses] if licenses.strip() else None
    return licenses or None


def _resolution(licenses: list[str], detail: str) -> Resolution:
    return resolution_from(
        read_hex_licenses(licenses),
        SOURCE,
        raw=json.dumps(licenses, ensure_ascii=False) if licenses else "",
        detail=detail,
        none_reason=f"{REGISTRY} declares no license",
    )


def read_hex_licenses(licenses: list[str]) -> Normalized | None:
    """A release's license list as one reading (AND when several, see ``SEVERAL_NOTE``)."""
    from ospo_scan.licenses.normalize import normalize

    parts = [normalize(item) for item in licenses if item.strip()]
    raw = json.dumps(licenses, ensure_ascii=False)
    return combine_licenses(parts, "AND", raw=raw, note=SEVERAL_NOTE, cap=SEVERAL_CAP)


def tarball_url(endpoint: str, name: str, version: str) -> str:
    """``<repository>/tarballs/<name>-<version>.tar`` (the Hex repository layout)."""
    return f"{endpoint}/tarballs/{quote(f'{name}-{version}', safe='')}.tar"


def _from_tarball(
    http: HttpClient, endpoint: str, name: str, version: str
) -> tuple[Resolution, float | None | bool]:
    """The resolution from the tarball's metadata.config, and its cache lifetime (``None``:
    for good; ``False``: not cached)."""
    url = tarball_url(endpoint, name, version)
    try:
        response = http.get(
            url,
            headers={"Range": f"bytes=0-{MAX_TARBALL_PREFIX - 1}"},
            max_bytes=MAX_TARBALL_BYTES,
        )
    except RegistryResponseError as exc:
        return response_error(exc, SOURCE, REGISTRY, url), False
    if response.status in (404, 410):
        return Resolution(None, SOURCE, 0.0, (), f"not found in {REGISTRY}"), NOT_FOUND_TTL
    if response.status not in (200, 206):
        reason = f"unexpected HTTP {response.status} from {REGISTRY}"
        evidence = (Evidence(SOURCE, f"HTTP {response.status}", url),)
        return Resolution(None, SOURCE, 0.0, evidence, reason), False
    try:
        licenses = licenses_from_metadata(metadata_config(response.content))
    except ValueError as exc:
        return malformed(SOURCE, url, str(exc)), False
    return _resolution(licenses, f"{url}: metadata.config licenses"), None


def metadata_config(tarball: bytes) -> str:
    """The text of ``metadata.config`` in (the first bytes of) a release tarball.

    Read as an uncompressed tar stream in memory, never extracted. Raises ``ValueError``
    when the tarball is unreadable or has no metadata.config before the data ends.
    """
    try:
        with tarfile.open(fileobj=io.BytesIO(tarball), mode="r|") as archive:
            for member in archive:
                if member.name != "metadata.config" or not member.isfile():
                    continue
                if member.size > MAX_METADATA_BYTES:
                    raise ValueError(f"metadata.config of {member.size} bytes")
                handle = archive.extractfile(member)
                data = handle.read() if handle is not None else b""
                if len(data) != member.size:
                    raise ValueError("metadata.config is cut off")
                return data.decode("utf-8", errors="replace")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ValueError(f"unreadable release tarball ({exc})") from exc
    raise ValueError("no metadata.config in the release tarball")


def licenses_from_metadata(text: str) -> list[str]:
    """The ``licenses`` list of a metadata.config (empty when it has none).

    Raises ``ValueError`` when a licenses entry is there but is not a list of strings.
    """
    match = _LICENSES_TERM.search(text)
    if match is None:
        if re.search(r'<<"licenses"', text):
            raise ValueError("a licenses entry that is not a list of strings")
        return []
    items = match.group("items")
    found = [_unescape(item.group("text")) for item in _ITEM.finditer(items)]
    leftover = _ITEM.sub("", items).replace(",", "").strip()
    if leftover:
        raise ValueError(f"a licenses entry that is not a list of strings: {leftover[:60]!r}")
    return found


def _unescape(text: str) -> str:
    """Erlang string escapes (\\n, \\", \\\\, ...); an unknown escape keeps its character."""
    return re.sub(r"\\(.)", lambda match: _ESCAPES.get(match.group(1), match.group(1)), text)
