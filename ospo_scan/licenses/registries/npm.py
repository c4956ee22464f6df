"""npm registry resolver: the license of one version from its per-version package document."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from packageurl import PackageURL

from ospo_scan.licenses.http import RegistryResponseError
from ospo_scan.licenses.registries.base import resolution_from
from ospo_scan.model import Component, Evidence, Resolution

if TYPE_CHECKING:
    from ospo_scan.licenses.cache import LicenseCache
    from ospo_scan.licenses.http import HttpClient
    from ospo_scan.licenses.normalize import Normalized

logger = logging.getLogger(__name__)

SOURCE = "registry:npm"
# "Not found" may change (a mirror catches up, a package is published under a name we asked
# too early): cache it for an hour only. A published version's document never changes (npm
# refuses to republish a version), so the other answers are kept until the schema changes.
NOT_FOUND_TTL = 3600.0


class NpmResolver:
    """Reads ``license`` (or the legacy ``licenses``) from ``<endpoint>/<name>/<version>``.

    The per-version document is the version's package.json as published (a few KB), unlike the
    full packument with every version (MBs for popular packages).
    """

    ecosystem = "npm"

    def resolve(
        self, component: Component, http: HttpClient, endpoint: str, cache: LicenseCache
    ) -> Resolution:
        """Return the component's resolution and cache it (briefly when not found).

        Raises ``RegistryUnavailable`` (from ``http``) when the registry cannot be reached; a
        404, an unexpected status or a malformed body become unresolved resolutions.
        """
        url = document_url(component, endpoint)
        if url is None:
            return Resolution(None, SOURCE, 0.0, (), "no pinned version to look up")
        try:
            document = http.get_json(url)
        except RegistryResponseError as exc:
            # Not cached: a broken answer is as likely to be a proxy hiccup as the registry.
            reason = (
                "malformed registry response"
                if exc.status is None
                else f"unexpected HTTP {exc.status} from the npm registry"
            )
            return Resolution(None, SOURCE, 0.0, (Evidence(SOURCE, exc.problem, url),), reason)
        if document is None:
            resolution = Resolution(None, SOURCE, 0.0, (), "not found in the npm registry")
            cache.put_resolution(component.purl, resolution, ttl=NOT_FOUND_TTL)
            return resolution
        if not isinstance(document, dict):
            evidence = (Evidence(SOURCE, type(document).__name__, url),)
            return Resolution(None, SOURCE, 0.0, evidence, "malformed registry response")
        resolution = resolution_from_document(document, url)
        cache.put_resolution(component.purl, resolution)
        return resolution


def document_url(component: Component, endpoint: str) -> str | None:
    """``<endpoint>/<name>/<version>``, scoped names as ``@scope%2Fname``; None if unpinned.

    The registry takes a scoped name as one path segment with its slash escaped (npm's
    registry API: "/@scope%2fname"), and so do the mirrors (Verdaccio, Artifactory, Nexus).
    """
    try:
        purl = PackageURL.from_string(component.purl)
    except ValueError:
        purl = None
    if purl is not None:
        name = f"{purl.namespace}/{purl.name}" if purl.namespace else purl.name
        # packageurl-python lowercases npm names when parsing, but the registry is
        # case-sensitive (JSONStream is not jsonstream): take the case the lockfile wrote.
        if component.name.lower() == name.lower():
            name = component.name
        version = purl.version
    else:
        name, version = component.name, component.version
    if not version:
        return None
    # "%2F" and the npm client's "%2f" are the same octet (RFC 3986 section 2.1), and requests
    # upper-cases percent-escapes anyway.
    return f"{endpoint.rstrip('/')}/{quote(name, safe='@')}/{quote(version, safe='')}"


def resolution_from_document(document: dict[str, Any], url: str) -> Resolution:
    """The resolution a per-version document declares (unresolved when it declares none)."""
    raw, normalized = declared_license(document)
    return resolution_from(
        normalized, SOURCE, raw=raw, detail=url, none_reason="the npm registry declares no license"
    )


def declared_license(document: dict[str, Any]) -> tuple[str, Normalized | None]:
    """(raw text for evidence, normalized license) from a package document's license fields.

    package.json's ``license`` is an SPDX expression (or "SEE LICENSE IN <file>", or
    "UNLICENSED"); older packages wrote an object ``{"type", "url"}`` or a ``licenses`` array of
    such objects. ``license`` wins when both are present (npm reads it first).
    """
    from ospo_scan.licenses.normalize import normalize

    value = document.get("license")
    if value is None or value == "" or value == []:
        value = document.get("licenses")
    if value is None:
        return "", None
    if isinstance(value, str):
        return value, normalize(value)
    raw = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    if isinstance(value, dict):
        kind = _license_type(value)
        return raw, None if kind is None else normalize(kind)
    if isinstance(value, list):
        return raw, _any_of([_license_type(item) for item in value])
    return raw, normalize(raw)


def _license_type(item: Any) -> str | None:
    """The license named by a legacy ``{"type": ..., "url": ...}`` entry (or a bare string)."""
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        kind = item.get("type") or item.get("name")
        if isinstance(kind, str) and kind.strip():
            return kind
    return None


def _any_of(kinds: list[str | None]) -> Normalized | None:
    """Combine the legacy ``licenses`` array with OR.

    npm's package.json documentation (the ``license`` section) shows the deprecated array
    ``[{"type": "MIT"}, {"type": "Apache-2.0"}]`` beside the expression that replaces it,
    ``"(MIT OR Apache-2.0)"``: listing several licenses offered a choice, so the entries are
    alternatives (OR), not cumulative obligations (AND). npm's own SBOM output reads the array
    the same way (npm/cli#9010). The combined answer is only as confident as its weakest entry.
    """
    from ospo_scan.licenses.normalize import Normalized, normalize

    parts = [normalize(kind) for kind in kinds if kind]
    parts = [part for part in parts if part.expression is not None]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    unique = list(dict.fromkeys(str(part.expression) for part in parts))
    joined = " OR ".join(
        f"({expression})" if " " in expression else expression for expression in unique
    )
    # Each part is canonical already; normalize renders the whole canonically. Should it not
    # read the combination as one valid expression, the joined parts are kept as they are.
    combined = normalize(joined)
    expression = combined.expression if combined.method == "spdx" else joined
    notes = [part.note for part in parts if part.note]
    return Normalized(
        expression=expression,
        confidence=min(part.confidence for part in parts),
        method=min(parts, key=lambda part: part.confidence).method,
        raw=" OR ".join(part.raw for part in parts),
        note="; ".join(notes) if notes else None,
    )
