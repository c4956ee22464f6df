"""``explain``: every source of the chain for one component, the winner and why."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from ospo_scan.licenses.curations import Curation
from ospo_scan.licenses.http import HttpClient
from ospo_scan.licenses.normalize import normalize
from ospo_scan.licenses.resolve import (
    CHAIN,
    NOT_FROM_REGISTRY,
    OFFLINE,
    ResolveOptions,
    SourceReport,
    acknowledgement,
    answered_from_cache,
    declared_license,
    explain,
    reading_of,
    resolve_licenses,
)
from ospo_scan.model import Component, Evidence, Resolution, SourceLocation
from ospo_scan.patterns import PackagePattern
from ospo_scan.sources.base import make_purl
from tests.licenses.conftest import RECORDED, RecordedRegistry

NPM = f"{RECORDED}/npm"
PYPI = f"{RECORDED}/pypi"
LOCKFILE = SourceLocation("package-lock.json", 7)
TAR_URL = f"{NPM}/tar/0.1.20"


def npm(name: str, version: str, **fields: object) -> Component:
    return Component(
        purl=make_purl("npm", name, version),
        name=name,
        version=version,
        ecosystem="npm",
        locations=(LOCKFILE,),
        **fields,  # type: ignore[arg-type]
    )


def options(
    registry: RecordedRegistry, tmp_path: Path, *curations: Curation, offline: bool = False
) -> ResolveOptions:
    return ResolveOptions(
        offline=offline,
        cache_dir=tmp_path / "cache",
        registries={"npm": NPM, "pypi": PYPI},
        http=HttpClient(session_factory=registry.session, sleep=lambda s: None, retries=1),
        curations=curations,
    )


def tar_curation() -> Curation:
    return Curation(
        index=0,
        path="org.toml",
        package=PackagePattern.parse("pkg:npm/tar"),
        license="BSD-2-Clause",
        reason="LICENSE is the two-clause text.",
        curated_by="Jane Doe",
        curated_on=date(2026, 3, 2),
        evidence=("pkg:npm/tar@0.1.20#LICENSE",),
        line=1,
    )


def by_step(sources: tuple[SourceReport, ...]) -> dict[str, SourceReport]:
    assert tuple(source.step for source in sources) == CHAIN
    return {source.step: source for source in sources}


def test_every_source_is_asked_even_after_the_cache_answered(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    component = npm("tar", "0.1.20")
    scanned, _ = resolve_licenses([component], options(recorded_session, tmp_path))
    explanation = explain(component, options(recorded_session, tmp_path))
    sources = by_step(explanation.sources)
    assert sources["curation"] == SourceReport(
        "curation", None, False, "no curation names it (0 curations)", None, None
    )
    assert sources["lockfile"] == SourceReport(
        "lockfile", None, False, "the lockfile declares no license", None, None
    )
    cached, asked = sources["cache"], sources["registry"]
    assert cached.resolution is not None and asked.resolution is not None
    assert cached.final and asked.final
    assert cached.resolution.expression == asked.resolution.expression == "BSD-3-Clause"
    assert (cached.raw, cached.method) == (asked.raw, asked.method) == ("BSD", "ambiguous")
    assert answered_from_cache(cached.resolution) and not answered_from_cache(asked.resolution)
    assert explanation.winner == "cache"
    assert explanation.why == (
        "cache is the first source in the chain (curation > lockfile > installed > cache > "
        "registry) "
        "with an answer"
    )
    # The registry was asked anyway: once by the scan, once by the explanation.
    assert recorded_session.urls() == [TAR_URL, TAR_URL]
    assert explanation.requests == 1
    # An explanation shows exactly what a scan records. The explanation's registry answer is
    # stored again, so the last item (when the cache entry was stored) may name a later second.
    again, _ = resolve_licenses([component], options(recorded_session, tmp_path))
    recorded = again[component.purl]
    assert replace(explanation.resolution, evidence=()) == replace(recorded, evidence=())
    assert explanation.resolution.evidence[:-1] == recorded.evidence[:-1]
    assert explanation.resolution.evidence[-1].source == recorded.evidence[-1].source == "cache"
    assert explanation.resolution.evidence[:-1] == scanned[component.purl].evidence


def test_a_lockfile_declaring_nothing_is_kept_as_evidence(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    component = npm("tar", "0.1.20", declared_license="UNKNOWN")
    explanation = explain(component, options(recorded_session, tmp_path))
    lockfile = by_step(explanation.sources)["lockfile"]
    assert lockfile.resolution is not None and not lockfile.final
    assert lockfile.raw == "UNKNOWN"
    assert lockfile.note == "the lockfile declares no license"
    assert explanation.winner == "registry"
    assert explanation.why.endswith("; what lockfile said is kept as evidence")
    note = normalize("UNKNOWN").note
    assert explanation.resolution.evidence[0] == Evidence(
        "lockfile", "UNKNOWN", f"package-lock.json:7 ({note})"
    )
    assert explanation.resolution.source == "registry:npm"
    assert declared_license(explanation.resolution) == "UNKNOWN"


def test_a_curation_wins_and_the_registry_is_still_shown(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    curation = tar_curation()
    component = npm("tar", "0.1.20", declared_license="BSD")
    explanation = explain(component, options(recorded_session, tmp_path, curation))
    sources = by_step(explanation.sources)
    assert sources["curation"].resolution == Resolution(
        "BSD-2-Clause", "curation", 1.0, (curation.evidence_item(),), method="curation"
    )
    assert sources["curation"].method == "curation"
    assert sources["curation"].note == curation.label
    lockfile = sources["lockfile"]
    # Online, an npm lockfile's license is a declaration the registry checks.
    assert lockfile.resolution is not None and not lockfile.final
    assert (lockfile.raw, lockfile.method) == ("BSD", "ambiguous")
    registry = sources["registry"]
    assert registry.resolution is not None and registry.resolution.expression == "BSD-3-Clause"
    assert explanation.winner == "curation"
    assert explanation.why.startswith("a curation names this package, and curations override")
    resolution = explanation.resolution
    assert (resolution.expression, resolution.source, resolution.confidence) == (
        "BSD-2-Clause",
        "curation",
        1.0,
    )
    # The lockfile's word is kept; the registry's is not: a scan would not have asked it.
    assert [item.source for item in resolution.evidence] == ["curation", "lockfile"]
    assert acknowledgement(resolution) == "concluded"
    assert declared_license(resolution) == "BSD"


def test_offline_the_registry_is_not_asked(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    explanation = explain(npm("tar", "0.1.20"), options(recorded_session, tmp_path, offline=True))
    registry = by_step(explanation.sources)["registry"]
    assert registry.note == OFFLINE
    assert registry.resolution == Resolution(None, "not resolved", 0.0, (), OFFLINE)
    assert explanation.winner == "registry"
    assert explanation.why == (
        f"registry is the first source with a final answer, and it found no license ({OFFLINE})"
    )
    assert recorded_session.requests == []
    assert explanation.requests == 0


def test_a_git_dependency_is_never_looked_up(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    component = npm("from-git", "1.0.0", registry=False, download_url="https://git.test/x#a")
    explanation = explain(component, options(recorded_session, tmp_path))
    sources = by_step(explanation.sources)
    assert sources["cache"].note == "not from a package registry"
    assert sources["registry"].note == NOT_FROM_REGISTRY
    assert explanation.resolution.reason == NOT_FROM_REGISTRY
    assert recorded_session.requests == []


def test_a_classifier_answer_shows_its_method(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    recorded_session.add(f"{PYPI}/pypi/id/1.6.1/json", status=404)
    component = Component(
        purl=make_purl("pypi", "id", "1.6.1"), name="id", version="1.6.1", ecosystem="pypi"
    )
    explanation = explain(component, options(recorded_session, tmp_path))
    registry = by_step(explanation.sources)["registry"]
    assert registry.resolution is not None
    assert registry.resolution.expression == "Apache-2.0"
    assert registry.method == "classifier"
    assert registry.raw == "License :: OSI Approved :: Apache Software License"
    assert acknowledgement(explanation.resolution) == "concluded"


def test_reading_of_and_provenance_helpers() -> None:
    declared = Resolution("MIT", "registry:npm", 1.0, (Evidence("registry:npm", "MIT", "u"),))
    assert reading_of(declared) == ("MIT", "spdx")
    assert acknowledgement(declared) == "declared"
    alias = Resolution("Apache-2.0", "lockfile", 0.9, (Evidence("lockfile", "Apache 2.0"),))
    assert reading_of(alias) == ("Apache 2.0", "alias")
    assert acknowledgement(alias) == "concluded"
    legacy = Resolution(
        "MIT OR Apache-2.0",
        "registry:npm",
        1.0,
        (Evidence("registry:npm", '[{"type": "MIT"}, {"type": "Apache-2.0"}]', "u"),),
    )
    assert reading_of(legacy) == ('[{"type": "MIT"}, {"type": "Apache-2.0"}]', None)
    text = Resolution("MIT", "license-file", 0.97, (Evidence("license-file", "LICENSE"),))
    assert acknowledgement(text) == "concluded"
    assert declared_license(text) is None
    pypi = Resolution(
        "MIT",
        "registry:pypi",
        1.0,
        (
            Evidence("registry:pypi", "LICENSE", "https://x.test info.license_files"),
            Evidence("registry:pypi", "MIT", "https://x.test info.license_expression"),
        ),
    )
    assert declared_license(pypi) == "MIT"  # a license file name is not a declaration
    parenthesized = Resolution(
        "MIT OR Apache-2.0", "lockfile", 1.0, (Evidence("lockfile", "(mit OR Apache-2.0)"),)
    )
    assert acknowledgement(parenthesized) == "declared"
    # A registry resolver that read the package's LICENSE file behind "SEE LICENSE IN ...":
    # full confidence from the text match, but the package did not declare MIT.
    from_file = Resolution(
        "MIT",
        "registry:npm",
        1.0,
        (
            Evidence("registry:npm", "SEE LICENSE IN LICENSE", "https://registry.test/npm/x"),
            Evidence("registry:npm", "Permission is hereby granted, ...", "x.tgz LICENSE"),
        ),
    )
    assert acknowledgement(from_file) == "concluded"
    assert declared_license(from_file) == "SEE LICENSE IN LICENSE"
    unresolved = Resolution(None, "not resolved", 0.0, (), "offline")
    assert (acknowledgement(unresolved), declared_license(unresolved)) == (None, None)
    assert reading_of(unresolved) == (None, None)
