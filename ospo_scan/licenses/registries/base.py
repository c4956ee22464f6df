"""The registry resolver protocol and where each registry lives (its base URL, the endpoint)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit, urlunsplit

from packageurl import PackageURL

from ospo_scan.model import Component, Evidence, Resolution

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ospo_scan.licenses.cache import LicenseCache
    from ospo_scan.licenses.headers import SourceReading
    from ospo_scan.licenses.http import HttpClient
    from ospo_scan.licenses.normalize import Normalized


class RegistryResolver(Protocol):
    """Finds the license of one component in the registry of its purl type.

    ``ecosystem`` is the purl type the resolver serves ("npm", "pypi"). ``resolve`` gets the
    component, the shared ``HttpClient``, the registry base URL ``endpoint`` (no trailing
    slash: a configured mirror, the purl's ``repository_url`` qualifier, or
    ``default_endpoint``) and the cache, in which it stores what it learned (the final
    ``Resolution`` via ``put_resolution``, and any document worth keeping via ``put``).

    It returns a ``Resolution``: resolved, or unresolved with a reason ("not found in the npm
    registry", "malformed registry response"). It lets ``RegistryUnavailable`` propagate (the
    chain turns it into an unresolved component and never caches it); it raises nothing else.
    """

    ecosystem: str

    def resolve(
        self, component: Component, http: HttpClient, endpoint: str, cache: LicenseCache
    ) -> Resolution: ...


# Sample purls per shape: types without a namespace, then types that need one (maven, golang).
_SAMPLES = ("pkg:{type}/sample@1.0.0", "pkg:{type}/sample/sample@1.0.0")


@cache
def default_endpoint(ecosystem: str) -> str | None:
    """The public registry base URL (``scheme://host``) for a purl type, or ``None``.

    Derived from packageurl-python's purl2url mappings, so no host name is written here: the
    host of a download URL (for npm, tarballs are served by the registry itself), else the
    host of the package's web page (for PyPI the JSON API shares the host of the project page).
    """
    from packageurl.contrib import purl2url

    builders: tuple[Callable[[str], str | None], ...] = (
        purl2url.get_download_url,
        purl2url.get_repo_url,
    )
    for template in _SAMPLES:
        purl = template.format(type=ecosystem)
        for builder in builders:
            try:
                url = builder(purl)
            except (ValueError, KeyError, TypeError, AttributeError):
                url = None
            base = _scheme_and_host(url)
            if base is not None:
                return base
    return None


def endpoint_for(component: Component, overrides: Mapping[str, str]) -> str | None:
    """The registry base URL to ask about ``component``, or ``None`` when none is known.

    A configured override for the purl type (a mirror) wins, then the purl's
    ``repository_url`` qualifier (purl spec: "an extra URL for an alternative, non-default
    package repository or registry", which may omit the scheme), then ``default_endpoint``.
    """
    try:
        purl = PackageURL.from_string(component.purl)
    except ValueError:
        return None
    override = overrides.get(purl.type)
    if override:
        return override.rstrip("/")
    repository = purl.qualifiers.get("repository_url")
    if repository:
        if "://" not in repository:
            repository = f"https://{repository}"
        if urlsplit(repository).scheme in ("http", "https"):
            return repository.rstrip("/")
    return default_endpoint(purl.type)


def _scheme_and_host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    # A public registry host has a dot; this also rejects "None" from a purl2url template
    # that was given a purl missing a part it needs.
    if parts.scheme not in ("http", "https") or "." not in (parts.hostname or ""):
        return None
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


# Below this normalize confidence an answer is kept, with its note as the resolution's reason,
# so reports can flag it ("BSD" names a family of licenses, not one).
LOW_CONFIDENCE = 0.5

# A folder of license files at the top of a package or sdist ("licenses/", "license/",
# REUSE's "LICENSES/"): its files are license files whatever their names.
LICENSE_FOLDER = re.compile(r"(?i)^licen[cs]es?$")


def resolution_from(
    normalized: Normalized | None,
    source: str,
    *,
    raw: str,
    detail: str | None,
    none_reason: str,
) -> Resolution:
    """A ``Resolution`` from a normalized license string, keeping ``raw`` as evidence.

    Unresolved with ``none_reason`` when nothing was declared (``normalized`` is ``None`` or
    its expression is); otherwise resolved with normalize's confidence, and with its note as
    the reason when the confidence is below ``LOW_CONFIDENCE``.
    """
    evidence_detail = detail
    if normalized is not None and normalized.note:
        evidence_detail = f"{detail} ({normalized.note})" if detail else normalized.note
    evidence = (Evidence(source, raw, evidence_detail),) if raw else ()
    if normalized is None or normalized.expression is None:
        return Resolution(None, source, 0.0, evidence, none_reason)
    reason = None
    if normalized.confidence < LOW_CONFIDENCE:
        reason = normalized.note or f"low-confidence reading of {raw!r} ({normalized.method})"
    method = reading_method(normalized.method)
    return Resolution(
        normalized.expression, source, normalized.confidence, evidence, reason, method
    )


# ``Resolution.method`` of an answer the license files' texts decided (matched against the
# SPDX texts, or a notice in them), and of one a README's License section decided.
TEXT_METHOD = "license-text"
README_METHOD = "readme"
# ... and of one the opening comments of the package's own sources decided (an
# SPDX-License-Identifier tag, ``__license__``, a notice: ``headers.source_license``).
SOURCE_METHOD = "source-header"


def reading_method(normalize_method: str) -> str:
    """The ``Resolution.method`` of an answer read by ``normalize`` (whose ``method`` says
    how the string was read): a whole license text is "license-text", trove classifiers
    "classifier", anything else the package's declaration ("declared")."""
    if normalize_method == "text":
        return TEXT_METHOD
    if normalize_method == "classifier":
        return "classifier"
    return "declared"


def source_header_answer(
    reading: SourceReading,
    sources: Sequence[tuple[str, str, str]],
    evidence: Sequence[Evidence],
    why: str,
    source: str,
) -> Resolution:
    """The answer that what a package's sources state (``headers.source_license``'s
    ``reading``) gives, each statement added to the evidence (as ``<where> <member>``, from
    ``sources``: (where, member, text)) and the files named in the reason after ``why``."""
    where = {member: url for url, member, _ in sources}
    read = tuple(
        Evidence(source, said, f"{where.get(member, '')} {member}".strip())
        for member, said in reading.statements
    )
    members = [member for member, _ in reading.statements]
    files = ", ".join(members[:3]) + (f" and {len(members) - 3} more" if len(members) > 3 else "")
    reason = f"{why}; the headers of {files} state {reading.expression}"
    return Resolution(
        reading.expression, source, reading.confidence, (*evidence, *read), reason, SOURCE_METHOD
    )
