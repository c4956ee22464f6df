"""Helpers the JSON-API registry resolvers share (cargo, gem, composer, nuget, maven, golang,
pub, hex): fetching one document with the usual error mapping, and combining several declared
licenses into one expression."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from packageurl import PackageURL

from ospo_scan.licenses.http import RegistryResponseError
from ospo_scan.model import Component, Evidence, Resolution

if TYPE_CHECKING:
    from ospo_scan.licenses.cache import LicenseCache
    from ospo_scan.licenses.http import HttpClient
    from ospo_scan.licenses.normalize import Normalized

# "Not found" may change soon (a mirror catches up): cached for an hour. A published version's
# metadata does not change, so every other answer is cached until the cache schema changes.
NOT_FOUND_TTL = 3600.0
MALFORMED = "malformed registry response"
NO_VERSION = "no pinned version to look up"


def name_and_version(component: Component) -> tuple[str, str | None]:
    """The package name (``namespace/name`` when the purl has a namespace) and version."""
    try:
        purl = PackageURL.from_string(component.purl)
    except ValueError:
        return component.name, component.version
    name = f"{purl.namespace}/{purl.name}" if purl.namespace else purl.name
    return name, purl.version or None


def segment(text: str) -> str:
    """One URL path segment: everything but unreserved characters escaped (RFC 3986 2.3)."""
    return quote(text, safe="")


def fetch_document(
    http: HttpClient,
    url: str,
    *,
    component: Component,
    cache: LicenseCache,
    source: str,
    registry: str,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any] | Resolution:
    """The JSON object at ``url``, or the unresolved resolution that replaces it.

    404/410 gives "not found in <registry>" (cached for ``NOT_FOUND_TTL``); a body that is not
    a JSON object gives "malformed registry response" and another status "unexpected HTTP
    <status> from <registry>" (neither cached: a proxy hiccup looks the same). Raises
    ``RegistryUnavailable`` from ``http``.
    """
    try:
        document = http.get_json(url, headers=headers)
    except RegistryResponseError as exc:
        return response_error(exc, source, registry, url)
    if document is None:
        resolution = Resolution(None, source, 0.0, (), f"not found in {registry}")
        cache.put_resolution(component.purl, resolution, ttl=NOT_FOUND_TTL)
        return resolution
    if not isinstance(document, dict):
        return malformed(source, url, f"a JSON {type(document).__name__}, not an object")
    return document


def response_error(exc: RegistryResponseError, source: str, registry: str, url: str) -> Resolution:
    """The unresolved resolution for a malformed body or an unusable HTTP status."""
    if exc.status is None:
        return malformed(source, url, exc.problem)
    reason = f"unexpected HTTP {exc.status} from {registry}"
    return Resolution(None, source, 0.0, (Evidence(source, exc.problem, url),), reason)


def malformed(source: str, url: str, problem: str) -> Resolution:
    """Unresolved, "malformed registry response", with what was wrong as evidence."""
    return Resolution(None, source, 0.0, (Evidence(source, problem, url),), MALFORMED)


def combine_licenses(
    parts: Sequence[Normalized],
    operator: str,
    *,
    raw: str,
    note: str | None = None,
    cap: float = 1.0,
) -> Normalized | None:
    """Several declared licenses as one ``Normalized``, joined with ``operator`` (OR/AND).

    Parts that declare nothing are dropped and duplicates kept once; ``None`` when nothing is
    left. A single part is returned as it is. Otherwise the confidence is the weakest part's
    (capped at ``cap`` when the operator is a guess, which ``note`` then explains) and the
    method the weakest part's.
    """
    from ospo_scan.licenses.normalize import Normalized, normalize

    usable = [part for part in parts if part.expression is not None]
    if not usable:
        return None
    unique = list(dict.fromkeys(str(part.expression) for part in usable))
    if len(unique) == 1:
        only = usable[0]
        return Normalized(only.expression, only.confidence, only.method, raw, only.note)
    joined = f" {operator} ".join(f"({item})" if " " in item else item for item in unique)
    # Every part is canonical already; normalize renders the whole canonically (and drops
    # needless parentheses). Should it not read the join as SPDX, the join stands as written.
    rendered = normalize(joined)
    expression = rendered.expression if rendered.method == "spdx" else joined
    weakest = min(usable, key=lambda part: part.confidence)
    notes = list(dict.fromkeys(part.note for part in usable if part.note))
    if note:
        notes.append(note)
    confidence = min(weakest.confidence, cap)
    return Normalized(expression, confidence, weakest.method, raw, "; ".join(notes) or None)
