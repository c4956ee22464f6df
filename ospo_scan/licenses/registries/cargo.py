"""Cargo registry resolver: the license of one crate version from the registry's web API."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from ospo_scan.licenses.registries.base import resolution_from
from ospo_scan.licenses.registries.common import (
    NO_VERSION,
    fetch_document,
    malformed,
    name_and_version,
    segment,
)
from ospo_scan.model import Component, Resolution

if TYPE_CHECKING:
    from ospo_scan.licenses.cache import LicenseCache
    from ospo_scan.licenses.http import HttpClient
    from ospo_scan.licenses.normalize import Normalized

logger = logging.getLogger(__name__)

SOURCE = "registry:cargo"
REGISTRY = "the Cargo registry"

# Cargo's manifest reference ("The license and license-file fields") deprecated "/" between
# licenses because it did not say whether it meant AND or OR; the registry's own validator
# (the license-exprs crate) accepted it as OR, and "MIT/Apache-2.0" was the ecosystem's way
# of writing the dual license that is now "MIT OR Apache-2.0". So "/" is read as OR here, a
# little less trusted than an expression written with OR.
_SLASH = re.compile(r"\s*/\s*")
SLASH_CONFIDENCE = 0.9
SLASH_NOTE = '"/" between licenses read as OR (the deprecated Cargo separator)'


class CargoResolver:
    """Reads ``version.license`` from ``<endpoint>/api/v1/crates/<name>/<version>``.

    The field is an SPDX expression (the registry validates it on publish); crates that name
    only a ``license-file`` have no ``license`` and stay unresolved with that reason.
    """

    ecosystem = "cargo"

    def resolve(
        self, component: Component, http: HttpClient, endpoint: str, cache: LicenseCache
    ) -> Resolution:
        """Return the crate version's resolution and cache it (briefly when not found).

        Raises ``RegistryUnavailable`` (from ``http``) when the registry cannot be reached; a
        404, an unexpected status or a malformed body become unresolved resolutions.
        """
        name, version = name_and_version(component)
        if version is None:
            return Resolution(None, SOURCE, 0.0, (), NO_VERSION)
        url = f"{endpoint.rstrip('/')}/api/v1/crates/{segment(name)}/{segment(version)}"
        document = fetch_document(
            http, url, component=component, cache=cache, source=SOURCE, registry=REGISTRY
        )
        if isinstance(document, Resolution):
            return document
        details = document.get("version")
        if not isinstance(details, dict):
            return malformed(SOURCE, url, "no version object")
        raw = details.get("license")
        if raw is not None and not isinstance(raw, str):
            return malformed(SOURCE, url, f"version.license is a {type(raw).__name__}")
        resolution = resolution_from(
            read_cargo_license(raw) if raw else None,
            SOURCE,
            raw=raw or "",
            detail=f"{url}: version.license",
            none_reason=f"{REGISTRY} declares no license (the crate may ship only a license file)",
        )
        cache.put_resolution(component.purl, resolution)
        return resolution


def read_cargo_license(raw: str) -> Normalized:
    """Normalize a Cargo ``license`` value, reading the deprecated "/" separator as OR."""
    from ospo_scan.licenses.normalize import Normalized, normalize

    if "/" not in raw:
        return normalize(raw)
    rewritten = normalize(_SLASH.sub(" OR ", raw.strip()))
    if rewritten.expression is None or rewritten.method not in ("spdx", "deprecated"):
        # Not an expression once "/" is OR (a URL, prose): let normalize read it as written.
        return normalize(raw)
    note = "; ".join(filter(None, (rewritten.note, SLASH_NOTE)))
    confidence = min(rewritten.confidence, SLASH_CONFIDENCE)
    return Normalized(rewritten.expression, confidence, rewritten.method, raw, note)
