"""Composer repository resolver: a version's ``license`` from the minified p2 package metadata."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin

from ospo_scan.licenses.http import RegistryResponseError
from ospo_scan.licenses.registries.base import resolution_from
from ospo_scan.licenses.registries.common import (
    NO_VERSION,
    NOT_FOUND_TTL,
    combine_licenses,
    fetch_document,
    malformed,
    name_and_version,
)
from ospo_scan.model import Component, Evidence, Resolution

if TYPE_CHECKING:
    from ospo_scan.licenses.cache import LicenseCache
    from ospo_scan.licenses.http import HttpClient
    from ospo_scan.licenses.normalize import Normalized

SOURCE = "registry:composer"
REGISTRY = "the Composer repository"

# Composer 2's metadata protocol: "minified": "composer/2.0" means each version entry after
# the first lists only the keys that differ from the entry before it, and the string
# "__unset" removes a key (composer/metadata-minifier, MetadataMinifier::expand).
MINIFIED = "composer/2.0"
UNSET = "__unset"
# A dev version's metadata follows a moving branch: its answer is kept for a day only.
DEV_TTL = 24 * 3600.0
# The repository root document, and the package placeholder of its metadata URL template.
ROOT_DOCUMENT = "packages.json"
PLACEHOLDER = "%package%"


class ComposerResolver:
    """Reads ``license`` of the pinned version from the package's Composer 2 metadata.

    Where that metadata lives is what Composer itself reads: the ``metadata-url`` template of
    the repository's ``<endpoint>/packages.json`` (asked once per endpoint; repositories
    other than the public one put it elsewhere, e.g. under an API path), else the public
    layout ``<endpoint>/p2/<vendor>/<name>.json``. Tagged versions are in that file; dev
    versions (``dev-main``, ``2.x-dev``) are in ``<vendor>/<name>~dev.json``. Per the
    composer.json schema, ``license`` is a string or an array, and an array lists
    alternatives ("disjunctive licenses"): OR.
    """

    ecosystem = "composer"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._templates: dict[str, str] = {}

    def resolve(
        self, component: Component, http: HttpClient, endpoint: str, cache: LicenseCache
    ) -> Resolution:
        """Return the version's resolution and cache it (briefly when not found).

        Raises ``RegistryUnavailable`` (from ``http``) when the repository cannot be reached;
        a 404, an unexpected status or a malformed body become unresolved resolutions.
        """
        package, version = name_and_version(component)
        if version is None:
            return Resolution(None, SOURCE, 0.0, (), NO_VERSION)
        dev = is_dev_version(version)
        url = metadata_url(self._template(endpoint, http), package, dev=dev)
        document = fetch_document(
            http, url, component=component, cache=cache, source=SOURCE, registry=REGISTRY
        )
        if isinstance(document, Resolution):
            return document
        entries = document.get("packages", {})
        versions = entries.get(package) if isinstance(entries, dict) else None
        if not isinstance(versions, list):
            return malformed(SOURCE, url, f"no packages[{package!r}] list")
        try:
            entry = find_version(versions, version, minified=document.get("minified"))
        except ValueError as exc:
            return malformed(SOURCE, url, str(exc))
        if entry is None:
            reason = f"version {version} not found in {REGISTRY}"
            resolution = Resolution(None, SOURCE, 0.0, (Evidence(SOURCE, version, url),), reason)
            cache.put_resolution(component.purl, resolution, ttl=NOT_FOUND_TTL)
            return resolution
        value = entry.get("license")
        if isinstance(value, str):
            value = [value]
        if value is None:
            value = []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            return malformed(SOURCE, url, f"license is not a list of strings: {value!r}")
        raw = json.dumps(value, ensure_ascii=False) if value else ""
        resolution = resolution_from(
            read_composer_licenses(value),
            SOURCE,
            raw=raw,
            detail=f"{url}: packages[{package!r}] version {entry.get('version')!r} license",
            none_reason=f"{REGISTRY} declares no license",
        )
        cache.put_resolution(component.purl, resolution, ttl=DEV_TTL if dev else None)
        return resolution

    def _template(self, endpoint: str, http: HttpClient) -> str:
        """The metadata URL template (with ``%package%``) of the repository at ``endpoint``."""
        endpoint = endpoint.rstrip("/")
        with self._lock:
            known = self._templates.get(endpoint)
        if known is None:
            known = metadata_template(endpoint, http)
            with self._lock:
                self._templates[endpoint] = known
        return known


def metadata_template(endpoint: str, http: HttpClient) -> str:
    """The ``metadata-url`` of ``<endpoint>/packages.json``, made absolute, or the p2 layout.

    A relative template is read against the root document's final URL (Composer makes a
    path-only ``metadata-url`` absolute on the repository's host). Raises
    ``RegistryUnavailable`` from ``http``; any other failure (404, a malformed document, no
    template) means the public layout ``<endpoint>/p2/%package%.json``.
    """
    root = f"{endpoint}/{ROOT_DOCUMENT}"
    fallback = f"{endpoint}/p2/{PLACEHOLDER}.json"
    try:
        response = http.get(root, headers={"Accept": "application/json"})
        document = response.json() if 200 <= response.status < 300 else None
    except RegistryResponseError:
        return fallback
    template = document.get("metadata-url") if isinstance(document, dict) else None
    if not isinstance(template, str) or PLACEHOLDER not in template:
        return fallback
    return urljoin(response.url or root, template)


def is_dev_version(version: str) -> bool:
    """Whether Composer files ``version`` under the ``~dev`` metadata (a branch, not a tag)."""
    lowered = version.lower()
    return lowered.startswith("dev-") or lowered.endswith("-dev")


def metadata_url(template: str, package: str, *, dev: bool) -> str:
    """The template filled with ``<vendor>/<name>``, or ``<vendor>/<name>~dev`` for dev versions.

    (Composer's repository protocol: "%package%" is replaced by the package name, and by the
    name plus "~dev" for dev versions.)
    """
    name = quote(package, safe="/") + ("~dev" if dev else "")
    return template.replace(PLACEHOLDER, name)


def find_version(versions: list[Any], version: str, *, minified: Any) -> dict[str, Any] | None:
    """The expanded entry of ``version`` (exactly, else ignoring a leading "v"), or ``None``.

    Raises ``ValueError`` when an entry is not an object.
    """
    wanted = _bare(version)
    fallback = None
    for entry in expand(versions, minified=minified):
        listed = entry.get("version")
        if listed == version:
            return entry
        if fallback is None and isinstance(listed, str) and _bare(listed) == wanted:
            fallback = entry
    return fallback


def expand(versions: list[Any], *, minified: Any) -> Iterator[dict[str, Any]]:
    """Each version entry in full, undoing the composer/2.0 minification when it applies.

    Raises ``ValueError`` when an entry is not an object.
    """
    current: dict[str, Any] = {}
    for index, entry in enumerate(versions):
        if not isinstance(entry, dict):
            raise ValueError(f"version entry {index} is a {type(entry).__name__}")
        if minified != MINIFIED or index == 0:
            current = dict(entry)
        else:
            current = dict(current)
            for key, value in entry.items():
                if value == UNSET:
                    current.pop(key, None)
                else:
                    current[key] = value
        yield current


def read_composer_licenses(licenses: list[str]) -> Normalized | None:
    """The licenses of a ``license`` array as one reading: alternatives, so OR."""
    from ospo_scan.licenses.normalize import normalize

    parts = [normalize(item) for item in licenses if item.strip()]
    return combine_licenses(parts, "OR", raw=json.dumps(licenses, ensure_ascii=False))


def _bare(version: str) -> str:
    lowered = version.strip().lower()
    return lowered[1:] if lowered.startswith("v") and lowered[1:2].isdigit() else lowered
