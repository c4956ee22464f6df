"""Frozen data shared by every stage: components, resolutions, findings, scan results.

Each stage depends only on this module and ``errors``. Purls are kept as canonical strings
(built with packageurl-python by the parsers) so that components sort, hash and serialize
cheaply; license expressions are kept as canonical SPDX strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class Scope(StrEnum):
    """How a component is needed; ``required`` beats ``optional`` beats ``dev``."""

    REQUIRED = "required"
    OPTIONAL = "optional"
    DEV = "dev"


SCOPE_STRENGTH = {Scope.REQUIRED: 3, Scope.OPTIONAL: 2, Scope.DEV: 1}


def stronger_scope(a: Scope | None, b: Scope | None) -> Scope | None:
    """Return the stronger of two scopes; ``None`` (the lockfile cannot tell) loses to any scope."""
    if a is None:
        return b
    if b is None:
        return a
    return a if SCOPE_STRENGTH[a] >= SCOPE_STRENGTH[b] else b


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


SEVERITY_RANK = {Severity.ERROR: 3, Severity.WARNING: 2, Severity.INFO: 1}


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """Where something was read: a file, and a line or a key path inside it when known."""

    path: str
    line: int | None = None
    key: str | None = None

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.path}:{self.line}"
        if self.key:
            return f"{self.path}: {self.key}"
        return self.path


@dataclass(frozen=True, slots=True)
class Component:
    """One third-party package pinned by a lockfile.

    ``purl`` is the canonical package URL string. ``direct`` is ``None`` when the lockfile
    does not record the project's declared dependencies, ``scope`` is ``None`` when it does
    not record how a package is needed. ``dependencies`` holds the purls this component
    depends on (for the dependency graph); ``paths`` holds dependency paths from a direct
    dependency to this component, each a tuple of purls ending with this one.
    ``declared_license`` is the raw license data the lockfile itself carries (npm v2+,
    composer, SBOM inputs), never guessed. ``registry`` is false for link/file/git/path
    entries, whose ``download_url`` says where they come from.
    """

    purl: str
    name: str
    version: str | None
    ecosystem: str
    scope: Scope | None = None
    direct: bool | None = None
    locations: tuple[SourceLocation, ...] = ()
    dependencies: tuple[str, ...] = ()
    paths: tuple[tuple[str, ...], ...] = ()
    hashes: tuple[tuple[str, str], ...] = ()
    declared_license: str | None = None
    registry: bool = True
    download_url: str | None = None


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem with the input that did not stop the scan (an unpinned requirement, a git dep)."""

    location: SourceLocation
    message: str
    severity: Severity = Severity.WARNING

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What one lockfile parser returns."""

    components: tuple[Component, ...]
    diagnostics: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True, slots=True)
class Evidence:
    """One thing a source said about a component's license, kept even when it did not win."""

    source: str  # who said it: "lockfile", "installed", "registry:npm", "cache", "curation", ...
    value: str  # the raw text as found (a license string, a classifier, a file name)
    detail: str | None = None  # where (URL, file, field) or how it was read


# How a resolved license was read, as ``Resolution.method`` records it; ``source`` says who
# answered (the lockfile, the installed package, a registry, a curation), the method says from
# what:
# - "declared": a license field as the package declares it (an SPDX expression, a deprecated
#   id, a known name or URL, a family name guessed at low confidence);
# - "classifier": PyPI trove classifiers alone;
# - "license-text": the text of license files (or of a field holding a whole license text)
#   matched against the SPDX license texts; the confidence is the match score;
# - "readme": a README's License section or a license statement in prose;
# - "source-header": what the opening comments of the package's own sources state (an
#   SPDX-License-Identifier tag, ``__license__``, a notice or license text);
# - "curation": an organization's or the built-in curation.
METHODS = ("declared", "classifier", "license-text", "readme", "source-header", "curation")


@dataclass(frozen=True, slots=True)
class Resolution:
    """The license a component resolved to, or why it did not resolve.

    ``expression`` is a canonical SPDX expression, or ``None`` when unresolved: an unresolved
    component is never an empty string that a policy could read as allowed.
    """

    expression: str | None
    source: str
    confidence: float = 1.0
    evidence: tuple[Evidence, ...] = ()
    reason: str | None = None  # why unresolved (or a note on a low-confidence answer)
    # How the answer was read (one of ``METHODS``); ``None`` when unresolved, or for an answer
    # cached before methods were recorded.
    method: str | None = None

    @property
    def resolved(self) -> bool:
        return self.expression is not None


@dataclass(frozen=True, slots=True)
class AppliedException:
    """A policy exception (approval) as it was applied to, or reported for, a finding."""

    purl: str
    reason: str
    approved_by: str
    expires: date | None = None
    version: str | None = None
    licenses: tuple[str, ...] = ()


class Verdict(StrEnum):
    """The policy's answer for one component."""

    ALLOW = "allow"
    REVIEW = "review"  # allowed, with a warning
    DENY = "deny"
    UNKNOWN = "unknown"  # a non-SPDX license (LicenseRef-...)
    UNRESOLVED = "unresolved"
    EXCEPTED = "excepted"  # denied or unknown, but an exception (approval) applies
    IGNORED = "ignored"  # out of scope (e.g. dev dependencies under --exclude-dev)


@dataclass(frozen=True, slots=True)
class Finding:
    """Something the policy says about a component (or the policy itself, when purl is None)."""

    purl: str | None
    severity: Severity
    rule: str
    message: str
    licenses: tuple[str, ...] = ()
    elected: str | None = None
    exception: AppliedException | None = None


@dataclass(frozen=True, slots=True)
class ScannedComponent:
    """A component with its resolved license and the policy's verdict on it."""

    component: Component
    resolution: Resolution
    verdict: Verdict
    elected: str | None = None  # for OR expressions: the license the policy chose


@dataclass(frozen=True, slots=True)
class LockfileReport:
    """One lockfile of the scan: its format and how many components it gave, or its error."""

    path: str
    format: str
    components: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class LicenseDataInfo:
    """How fresh a scan's license answers are: the cache entries it used and their snapshot.

    ``cache_entries`` counts the license cache entries the scan read that were stored before
    it began (answers fetched during the scan are fresh); ``oldest`` and ``newest`` are their
    stored-at times (UTC), ``None`` when it used none. ``snapshot_created`` and
    ``snapshot_source`` describe the last snapshot imported into that cache
    (``ospo-scan cache import``), ``None`` when there was none.
    """

    offline: bool
    cache_entries: int = 0
    oldest: datetime | None = None
    newest: datetime | None = None
    snapshot_created: datetime | None = None
    snapshot_source: str | None = None


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Everything a report renders. Components and findings are sorted by purl."""

    components: tuple[ScannedComponent, ...]
    findings: tuple[Finding, ...]
    lockfiles: tuple[LockfileReport, ...]
    diagnostics: tuple[Diagnostic, ...] = ()
    policy_name: str = ""
    policy_path: str | None = None
    root: str | None = None
    offline: bool = False
    license_data: LicenseDataInfo | None = None  # None when not known (not from a scan)


@dataclass(frozen=True, slots=True)
class ReportContext:
    """What a report needs besides the scan: injected so that tests can pin it."""

    timestamp: datetime
    serial_number: str  # "urn:uuid:..."
    tool_name: str = "ospo-scan"
    tool_version: str = ""
    color: bool = False  # table output on a terminal
    extra: dict[str, str] = field(default_factory=dict)
