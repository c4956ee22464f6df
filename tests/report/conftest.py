"""Realistic scan results for the report tests, built from the model alone.

``scan_result`` mixes what a real scan of an npm + Cargo + PyPI + Maven + Go repository
produces: OR / AND / WITH expressions, a LicenseRef, an unresolved component, dev and
unknown scopes, an applied exception, a policy-level finding, input warnings, a lockfile
that failed to parse, a non-registry (git) component and a dependency graph.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from ospo_scan.model import (
    AppliedException,
    Component,
    Diagnostic,
    Evidence,
    Finding,
    LockfileReport,
    ReportContext,
    Resolution,
    ScannedComponent,
    ScanResult,
    Scope,
    Severity,
    SourceLocation,
    Verdict,
)

SERIAL = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"
MOMENT = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)

LEFT_PAD = "pkg:npm/left-pad@1.3.0"
BABEL = "pkg:npm/%40babel/core@7.24.0"
DEBUG = "pkg:npm/debug@4.3.4"
MS = "pkg:npm/ms@2.1.2"
JEST = "pkg:npm/jest@29.7.0"
ACME = "pkg:npm/acme-sdk@2.0.0"
GPL_THING = "pkg:npm/gpl-thing@1.0.0"
LOCAL_LIB = "pkg:npm/local-lib"
DEV_SKIPPED = "pkg:npm/dev-tool@0.3.0"
REGEX = "pkg:cargo/regex@1.10.2"
PSYCOPG = "pkg:pypi/psycopg2@2.9.9"
MYSTERY = "pkg:pypi/mystery@0.1"
CRYPTO = "pkg:pypi/cryptography@42.0.5"
JOL = "pkg:maven/org.openjdk/jol-core@0.17"
X_TEXT = "pkg:golang/git.test/x/text@v0.14.0"

ACME_RAW = 'Acme Commercial License <see "LICENSE"> & EULA'


def scanned(
    purl: str,
    expression: str | None,
    verdict: Verdict = Verdict.ALLOW,
    *,
    name: str | None = None,
    version: str | None = None,
    ecosystem: str | None = None,
    scope: Scope | None = Scope.REQUIRED,
    direct: bool | None = False,
    dependencies: tuple[str, ...] = (),
    source: str = "lockfile",
    raw: str | None = None,
    reason: str | None = None,
    confidence: float = 1.0,
    elected: str | None = None,
    lockfile: str = "package-lock.json",
    registry: bool = True,
    download_url: str | None = None,
) -> ScannedComponent:
    """Build one scanned component; name, version and ecosystem default to the purl's."""
    head, _, tail = purl.partition("@")
    evidence = () if raw is None else (Evidence(source, raw, f"{lockfile}"),)
    return ScannedComponent(
        component=Component(
            purl=purl,
            name=name or head.rsplit("/", 1)[1],
            version=version if version is not None else (tail or None),
            ecosystem=ecosystem or head.split(":")[1].split("/")[0],
            scope=scope,
            direct=direct,
            locations=(SourceLocation(lockfile, key=f'packages["{head}"]'),),
            dependencies=dependencies,
            paths=((purl,),),
            registry=registry,
            download_url=download_url,
        ),
        resolution=Resolution(
            expression, source, confidence, evidence, reason, "declared" if expression else None
        ),
        verdict=verdict,
        elected=elected,
    )


def build_scan_result() -> ScanResult:
    """Return the realistic scan result described in the module docstring."""
    components = [
        scanned(LEFT_PAD, "MIT", direct=True, raw="MIT"),
        scanned(BABEL, "MIT", name="@babel/core", direct=True, dependencies=(DEBUG, MS), raw="MIT"),
        scanned(DEBUG, "MIT", dependencies=(MS, MS), raw="MIT"),
        scanned(MS, "MIT", raw="MIT"),
        scanned(JEST, "MIT", scope=Scope.DEV, direct=True, raw="MIT"),
        scanned(
            ACME,
            "LicenseRef-ospo-acme-commercial-license",
            Verdict.UNKNOWN,
            direct=True,
            raw=ACME_RAW,
            confidence=0.3,
            reason="unrecognized license text",
        ),
        scanned(GPL_THING, "GPL-3.0-only", Verdict.EXCEPTED, direct=True, raw="GPL-3.0"),
        scanned(
            LOCAL_LIB,
            "MIT",
            direct=True,
            raw="MIT",
            registry=False,
            download_url="git+https://git.test/acme/local-lib.git#5f1efd90",
        ),
        scanned(
            DEV_SKIPPED,
            None,
            Verdict.IGNORED,
            scope=Scope.DEV,
            source="not resolved",
            confidence=0.0,
            reason="dev dependency excluded from the scan",
        ),
        scanned(
            REGEX,
            "MIT OR Apache-2.0",
            scope=None,
            direct=True,
            source="registry:cargo",
            raw="MIT OR Apache-2.0",
            elected="MIT",
            lockfile="Cargo.lock",
        ),
        scanned(
            PSYCOPG,
            "LGPL-3.0-or-later",
            Verdict.REVIEW,
            scope=None,
            direct=True,
            source="registry:pypi",
            raw="License :: OSI Approved :: "
            "GNU Lesser General Public License v3 or later (LGPLv3+)",
            confidence=0.9,
            lockfile="requirements.txt",
        ),
        scanned(
            CRYPTO,
            "Apache-2.0 AND BSD-3-Clause",
            scope=None,
            direct=True,
            source="registry:pypi",
            raw="Apache-2.0 AND BSD-3-Clause",
            lockfile="requirements.txt",
        ),
        scanned(
            MYSTERY,
            None,
            Verdict.UNRESOLVED,
            scope=None,
            direct=False,
            source="registry:pypi",
            confidence=0.0,
            reason="no license in the registry metadata",
            lockfile="requirements.txt",
        ),
        scanned(
            JOL,
            "GPL-2.0-only WITH Classpath-exception-2.0",
            Verdict.REVIEW,
            name="jol-core",
            scope=Scope.OPTIONAL,
            direct=None,
            source="registry:maven",
            raw="GPLv2 with Classpath Exception",
            lockfile="gradle.lockfile",
        ),
        scanned(
            X_TEXT,
            "BSD-3-Clause",
            name="git.test/x/text",
            scope=None,
            direct=None,
            source="license-file",
            raw="LICENSE",
            lockfile="go.mod",
        ),
    ]
    exception = AppliedException(
        purl="pkg:npm/gpl-thing",
        reason="used only by the build, not shipped",
        approved_by="legal@example.test",
        expires=date(2030, 6, 30),
        version="1.0.0",
        licenses=("GPL-3.0-only",),
    )
    findings = [
        Finding(
            ACME,
            Severity.ERROR,
            "license-unknown",
            "LicenseRef-ospo-acme-commercial-license is not a known license",
            ("LicenseRef-ospo-acme-commercial-license",),
        ),
        Finding(
            GPL_THING,
            Severity.INFO,
            "exception-applied",
            "GPL-3.0-only is denied (strong-copyleft); an exception applies",
            ("GPL-3.0-only",),
            exception=exception,
        ),
        Finding(
            JOL,
            Severity.WARNING,
            "license-review",
            "GPL-2.0-only WITH Classpath-exception-2.0 needs review (strong-copyleft)",
            ("GPL-2.0-only WITH Classpath-exception-2.0",),
        ),
        Finding(
            MYSTERY,
            Severity.ERROR,
            "license-unresolved",
            "no license found: no license in the registry metadata",
        ),
        Finding(
            PSYCOPG,
            Severity.WARNING,
            "license-review",
            "LGPL-3.0-or-later needs review (weak-copyleft)",
            ("LGPL-3.0-or-later",),
        ),
        Finding(
            None,
            Severity.WARNING,
            "exception-stale",
            "the exception for pkg:npm/old-lib matched no component",
        ),
    ]
    diagnostics = (
        Diagnostic(SourceLocation("requirements.txt", 4), '"requests>=2" is not pinned'),
        Diagnostic(
            SourceLocation("package-lock.json", key='packages["node_modules/local-lib"]'),
            "git dependency: git+https://git.test/acme/local-lib.git",
        ),
    )
    lockfiles = (
        LockfileReport("package-lock.json", "npm-package-lock", 9),
        LockfileReport("Cargo.lock", "cargo-lock", 1),
        LockfileReport("requirements.txt", "pip-requirements", 3),
        LockfileReport("gradle.lockfile", "gradle-lockfile", 1),
        LockfileReport("go.mod", "go-mod", 1),
        LockfileReport(
            "poetry.lock",
            "poetry-lock",
            0,
            "poetry.lock:12: invalid TOML: unexpected character (expected a key = value pair)",
        ),
    )
    return ScanResult(
        components=tuple(sorted(components, key=lambda item: item.component.purl)),
        findings=tuple(sorted(findings, key=lambda f: (f.purl or "", f.rule))),
        lockfiles=lockfiles,
        diagnostics=diagnostics,
        policy_name="default",
        policy_path="policies/default.toml",
        root="services/checkout",
        offline=False,
    )


def bulk_result(count: int) -> ScanResult:
    """Return ``count`` components derived from the realistic ones, chained into a graph."""
    templates = build_scan_result().components
    components = []
    for index in range(count):
        template = templates[index % len(templates)]
        purl = f"pkg:npm/bulk-{index:05d}@1.0.{index % 7}"
        dependencies = tuple(
            f"pkg:npm/bulk-{other:05d}@1.0.{other % 7}"
            for other in (index + 1, index * 2 + 1)
            if other < count
        )
        component = replace(
            template.component,
            purl=purl,
            name=f"bulk-{index:05d}",
            version=f"1.0.{index % 7}",
            ecosystem="npm",
            dependencies=dependencies,
            paths=((purl,),),
            direct=index < 10,
        )
        components.append(replace(template, component=component))
    return ScanResult(
        components=tuple(components),
        findings=(),
        lockfiles=(LockfileReport("package-lock.json", "npm-package-lock", count),),
        policy_name="default",
    )


def empty_scan_result() -> ScanResult:
    """A scan that found one lockfile with no third-party components."""
    return ScanResult(
        components=(),
        findings=(),
        lockfiles=(LockfileReport("package-lock.json", "npm-package-lock", 0),),
        policy_name="permissive",
        policy_path=None,
        root=None,
        offline=True,
    )


def make_context(*, color: bool = False, extra: dict[str, str] | None = None) -> ReportContext:
    """A pinned report context."""
    return ReportContext(
        timestamp=MOMENT,
        serial_number=SERIAL,
        tool_name="ospo-scan",
        tool_version="0.1.0",
        color=color,
        extra=dict(extra or {}),
    )


@pytest.fixture
def scan_result() -> ScanResult:
    return build_scan_result()


@pytest.fixture
def empty_result() -> ScanResult:
    return empty_scan_result()


@pytest.fixture
def context() -> ReportContext:
    return make_context()
