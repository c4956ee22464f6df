"""Gem registry resolver: the ``licenses`` a gem version's gemspec declares, via the v2 API."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from packageurl import PackageURL

from ospo_scan.licenses.registries.base import resolution_from
from ospo_scan.licenses.registries.common import (
    NO_VERSION,
    combine_licenses,
    fetch_document,
    malformed,
)
from ospo_scan.model import Component, Resolution

if TYPE_CHECKING:
    from ospo_scan.licenses.cache import LicenseCache
    from ospo_scan.licenses.http import HttpClient
    from ospo_scan.licenses.normalize import Normalized

SOURCE = "registry:gem"
REGISTRY = "the gem registry"

# The gemspec reference (Gem::Specification#licenses=) lets a gem list several licenses but
# never says whether they are alternatives or all apply, and gem authors use both readings
# (["Ruby", "BSD-2-Clause"] is Ruby's dual license; other gems list the licenses of bundled
# files). AND is the reading that cannot let a policy allow what it should not, so several
# licenses are read as all applying, with a confidence that says the operator is a guess.
SEVERAL_NOTE = (
    "the gemspec lists several licenses without saying whether they are a choice;"
    " read as all applying (AND)"
)
SEVERAL_CAP = 0.8


class GemResolver:
    """Reads ``licenses`` from ``<endpoint>/api/v2/rubygems/<name>/versions/<version>.json``.

    That document describes one version (its gemspec as published), unlike the v1 gem
    document, which describes the latest. A ``platform`` qualifier other than ``ruby`` picks
    the platform gem (``?platform=x86_64-linux``), as the API allows.
    """

    ecosystem = "gem"

    def resolve(
        self, component: Component, http: HttpClient, endpoint: str, cache: LicenseCache
    ) -> Resolution:
        """Return the gem version's resolution and cache it (briefly when not found).

        Raises ``RegistryUnavailable`` (from ``http``) when the registry cannot be reached; a
        404, an unexpected status or a malformed body become unresolved resolutions.
        """
        url = version_url(component, endpoint)
        if url is None:
            return Resolution(None, SOURCE, 0.0, (), NO_VERSION)
        document = fetch_document(
            http, url, component=component, cache=cache, source=SOURCE, registry=REGISTRY
        )
        if isinstance(document, Resolution):
            return document
        licenses = document.get("licenses")
        if licenses is None:
            licenses = []
        if not isinstance(licenses, list) or not all(isinstance(i, str) for i in licenses):
            return malformed(SOURCE, url, f"licenses is not a list of strings: {licenses!r}")
        raw = json.dumps(licenses, ensure_ascii=False) if licenses else ""
        resolution = resolution_from(
            read_gem_licenses(licenses),
            SOURCE,
            raw=raw,
            detail=f"{url}: licenses",
            none_reason=f"{REGISTRY} declares no license",
        )
        cache.put_resolution(component.purl, resolution)
        return resolution


def version_url(component: Component, endpoint: str) -> str | None:
    """The v2 per-version URL of the component, or ``None`` when it has no pinned version."""
    try:
        purl = PackageURL.from_string(component.purl)
    except ValueError:
        name, version, platform = component.name, component.version, None
    else:
        name, version = purl.name, purl.version
        platform = purl.qualifiers.get("platform")
    if not version:
        return None
    url = (
        f"{endpoint.rstrip('/')}/api/v2/rubygems/{quote(name, safe='')}"
        f"/versions/{quote(version, safe='')}.json"
    )
    if platform and platform != "ruby":
        url += "?" + urlencode({"platform": platform})
    return url


def read_gem_licenses(licenses: list[str]) -> Normalized | None:
    """The licenses of a gemspec's list as one reading (AND when several, see above)."""
    from ospo_scan.licenses.normalize import normalize

    parts = [normalize(item) for item in licenses if item.strip()]
    return combine_licenses(
        parts,
        "AND",
        raw=json.dumps(licenses, ensure_ascii=False),
        note=SEVERAL_NOTE,
        cap=SEVERAL_CAP,
    )
