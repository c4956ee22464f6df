"""npm registry resolver: the license of one version from its per-version package document.

When the document names no license, or says ``SEE LICENSE IN <file>``, the license file is
read out of the version's tarball (``dist.tarball``) and matched against the SPDX license
texts (licenses/detect.py).
"""

from __future__ import annotations

import json
import logging
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from packageurl import PackageURL

from ospo_scan.licenses.http import RegistryResponseError, RegistryUnavailable
from ospo_scan.licenses.registries.base import LOW_CONFIDENCE, resolution_from
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

# License files read out of a tarball, by "<tarball URL>#<file wanted>" (a published tarball
# never changes; an unreadable one may be fixed by a mirror: a day).
NS_LICENSE_FILES = "npm:license-files"
UNREADABLE_TTL = 24 * 3600.0
# How much of a tarball is fetched (a Range request; license files sit near the start of
# most tarballs, and a cut-off tarball still yields the members before the cut).
MAX_TARBALL_BYTES = 16 * 1024 * 1024
MAX_LICENSE_FILES = 4
MAX_LICENSE_TEXT = 256 * 1024
# License files at the package root when package.json names none (npm's own list of files
# always packed: LICENSE and LICENCE with any extension; COPYING and UNLICENSE are common).
_LICENSE_FILE_NAME = re.compile(r"(?i)^(?:licen[cs]e|copying|unlicen[cs]e)(?:[-._][\w.-]*)?$")
_SEE_LICENSE_IN = re.compile(r"^\s*see\s+licen[cs]e\s+in\s+(?P<file>.+?)\s*$", re.IGNORECASE)


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
        wanted = license_file_wanted(document)
        tarball = _tarball_url(document)
        if wanted is not None and tarball is not None:
            from_file = _from_license_files(http, cache, tarball, wanted, resolution)
            if from_file is None:
                # The tarball could not be reached: answer from the document, uncached.
                return resolution
            resolution = from_file
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


def license_file_wanted(document: dict[str, Any]) -> str | None:
    """Which license file to read from the tarball: the file of ``SEE LICENSE IN <file>``,
    ``""`` for any license file when the document names no license, else ``None``."""
    from ospo_scan.licenses.normalize import SEE_LICENSE_FILE_REF

    raw, normalized = declared_license(document)
    if normalized is None or normalized.expression is None:
        return ""
    if normalized.expression != SEE_LICENSE_FILE_REF:
        return None
    found = _SEE_LICENSE_IN.match(raw)
    if found is None:
        return ""  # "see LICENSE file": the usual license files
    name = found.group("file").strip().rstrip(".").strip("'\"")
    while name.startswith(("./", "/")):
        name = name[1:] if name.startswith("/") else name[2:]
    return name


def _tarball_url(document: dict[str, Any]) -> str | None:
    dist = document.get("dist")
    tarball = dist.get("tarball") if isinstance(dist, dict) else None
    if isinstance(tarball, str) and urlsplit(tarball).scheme in ("http", "https"):
        return tarball
    return None


def _from_license_files(
    http: HttpClient, cache: LicenseCache, tarball: str, wanted: str, declared: Resolution
) -> Resolution | None:
    """The resolution from the tarball's license files, or ``declared`` with a note when they
    hold no recognized license; ``None`` when the tarball host cannot be reached."""
    from ospo_scan.licenses.detect import UNKNOWN_TEXT_REF, combine_detections, detect_license_text
    from ospo_scan.licenses.metadata import clip_evidence

    key = f"{tarball}#{wanted}"
    cached = cache.get(NS_LICENSE_FILES, key)
    texts = _cached_texts(cached)
    problem = cached.get("missing") if isinstance(cached, dict) else None
    if texts is None and not isinstance(problem, str):
        try:
            texts = _read_license_files(http, tarball, wanted)
        except RegistryUnavailable as exc:
            logger.info("%s: %s", tarball, exc)
            return None
        except (RegistryResponseError, ValueError) as exc:
            problem = str(exc)
            cache.put(NS_LICENSE_FILES, key, {"missing": problem}, ttl=UNREADABLE_TTL)
        else:
            cache.put(NS_LICENSE_FILES, key, {"files": [list(item) for item in texts]})
    if not texts:
        note = problem or f"no {wanted or 'license file'} in the tarball"
        reason = f"{declared.reason}; {note}" if declared.reason else note
        return Resolution(
            declared.expression, declared.source, declared.confidence, declared.evidence, reason
        )
    evidence = list(declared.evidence)
    detections = []
    for member, text in texts:
        evidence.append(Evidence(SOURCE, clip_evidence(text), f"{tarball} {member}"))
        detections.append(detect_license_text(text, filename=member.rsplit("/", 1)[-1]))
    combined = combine_detections(detections)
    names = ", ".join(member for member, _ in texts)
    if combined.expression is None:
        note = f"no license recognized in {names}"
        reason = f"{declared.reason}; {note}" if declared.reason else note
        return Resolution(
            declared.expression, declared.source, declared.confidence, tuple(evidence), reason
        )
    reason = None
    if combined.score < LOW_CONFIDENCE or UNKNOWN_TEXT_REF in combined.expression:
        reason = combined.note or f"low-confidence reading of {names}"
    return Resolution(combined.expression, SOURCE, combined.score, tuple(evidence), reason)


def _cached_texts(value: Any) -> list[tuple[str, str]] | None:
    files = value.get("files") if isinstance(value, dict) else None
    if not isinstance(files, list):
        return None
    texts: list[tuple[str, str]] = []
    for item in files:
        if not (
            isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)
        ):
            return None
        texts.append((item[0], item[1]))
    return texts


def _read_license_files(http: HttpClient, tarball: str, wanted: str) -> list[tuple[str, str]]:
    """(member, text) of the license files in the tarball at ``tarball`` (streamed, never
    extracted). Raises ``ValueError`` for a missing or unreadable tarball and lets the HTTP
    client's errors through."""
    from ospo_scan.licenses.wheel import ArchiveError, find_in_tarball

    response = http.get(
        tarball,
        headers={"Range": f"bytes=0-{MAX_TARBALL_BYTES - 1}", "Accept-Encoding": "identity"},
        max_bytes=MAX_TARBALL_BYTES,
    )
    if response.status in (404, 410):
        raise ValueError(f"tarball: HTTP {response.status}")
    if response.status not in (200, 206):
        raise ValueError(f"tarball: HTTP {response.status}")
    names: list[str] = []

    def spy(name: str) -> bool:
        names.append(name)
        return False

    try:
        find_in_tarball(response.content, spy, tarball)
    except ArchiveError:
        pass  # the end of the archive, or the cut at MAX_TARBALL_BYTES: names has what was seen
    if not names:
        raise ValueError("tarball: unreadable or empty")
    texts: list[tuple[str, str]] = []
    for member in _license_members(names, wanted)[:MAX_LICENSE_FILES]:
        try:
            _, data = find_in_tarball(response.content, member.__eq__, tarball)
        except ArchiveError:
            continue
        texts.append((member, data[:MAX_LICENSE_TEXT].decode("utf-8", "replace")))
    return texts


def _license_members(names: list[str], wanted: str) -> list[str]:
    """The members to read: ``<top folder>/<wanted>`` (exact, else ignoring case), or every
    license-like file right under the top folder (npm packs the package under one folder,
    usually ``package/``)."""
    by_path = {name.split("/", 1)[1]: name for name in names if "/" in name}
    if wanted:
        if wanted in by_path:
            return [by_path[wanted]]
        lowered = wanted.lower()
        return [name for path, name in sorted(by_path.items()) if path.lower() == lowered][:1]
    return sorted(
        name for path, name in by_path.items() if "/" not in path and _LICENSE_FILE_NAME.match(path)
    )
