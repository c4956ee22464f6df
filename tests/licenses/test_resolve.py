"""The resolution chain: lockfile, cache, registry, offline mode, outages, concurrency, stats."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from packageurl.contrib import purl2url

from ospo_scan.licenses import registries
from ospo_scan.licenses.http import HttpClient
from ospo_scan.licenses.normalize import normalize
from ospo_scan.licenses.registries.base import default_endpoint, endpoint_for
from ospo_scan.licenses.resolve import (
    NOT_FROM_REGISTRY,
    OFFLINE,
    ResolveOptions,
    ResolveStats,
    resolve_licenses,
)
from ospo_scan.model import Component, Evidence, Resolution, SourceLocation
from ospo_scan.sources.base import make_purl
from tests.licenses.conftest import RECORDED, RecordedRegistry, Reply

ENDPOINT = f"{RECORDED}/npm"
LOCKFILE = SourceLocation("package-lock.json", 12)

# Recorded npm fixtures and the expression each resolves to.
RECORDED_NPM = {
    ("left-pad", "1.3.0"): "WTFPL",
    ("@babel/core", "7.24.0"): "MIT",
    ("pako", "1.0.11"): "MIT AND Zlib",
    ("atob", "2.1.2"): "MIT OR Apache-2.0",
    ("nopt", "2.1.2"): "MIT",
    ("lru-cache", "2.5.0"): "MIT",
    ("async", "0.2.10"): "MIT",
    ("buffer-crc32", "0.2.13"): "MIT",
    ("type-fest", "0.21.3"): "MIT OR CC0-1.0",
    ("@fortawesome/fontawesome-free", "6.5.1"): "CC-BY-4.0 AND OFL-1.1 AND MIT",
    ("node-forge", "1.3.1"): "BSD-3-Clause OR GPL-2.0-only",
}


def npm(name: str, version: str | None, **fields: object) -> Component:
    namespace, _, bare = name.rpartition("/")
    purl = make_purl("npm", bare, version, namespace or None)
    return Component(
        purl=purl,
        name=name,
        version=version,
        ecosystem="npm",
        locations=(LOCKFILE,),
        **fields,  # type: ignore[arg-type]
    )


def options(registry: RecordedRegistry, tmp_path: Path, **overrides: object) -> ResolveOptions:
    """Options that read the recordings, never sleep, and keep the cache in ``tmp_path``."""
    settings: dict[str, object] = {
        "cache_dir": tmp_path / "cache",
        "registries": {"npm": ENDPOINT},
        "http": HttpClient(session_factory=registry.session, sleep=lambda s: None, retries=2),
    }
    settings.update(overrides)
    return ResolveOptions(**settings)  # type: ignore[arg-type]


def recorded_components() -> list[Component]:
    return [npm(name, version) for name, version in RECORDED_NPM]


def test_the_registry_answers_every_recorded_package(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    components = recorded_components()
    calls: list[tuple[int, int]] = []
    results, stats = resolve_licenses(
        components, options(recorded_session, tmp_path), progress=lambda d, t: calls.append((d, t))
    )
    for (name, version), expression in RECORDED_NPM.items():
        resolution = results[npm(name, version).purl]
        assert resolution.expression == expression, name
        assert resolution.source == "registry:npm"
    assert stats == ResolveStats(
        components=11,
        from_lockfile=0,
        from_cache=0,
        from_registry=11,
        unresolved=0,
        requests=11,
        seconds=stats.seconds,
    )
    assert calls[0] == (0, 11)
    assert calls[-1] == (11, 11)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_offline_the_lockfile_license_wins_without_any_request(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    component = npm("left-pad", "1.3.0", declared_license="MIT")
    results, stats = resolve_licenses(
        [component], options(recorded_session, tmp_path, offline=True)
    )
    assert results[component.purl] == Resolution(
        "MIT",
        "lockfile",
        1.0,
        (Evidence("lockfile", "MIT", "package-lock.json:12"),),
        "not checked against the package's files (offline: not in the license cache)",
        method="declared",
    )
    assert (stats.from_lockfile, stats.requests) == (1, 0)
    assert recorded_session.requests == []


def test_online_an_npm_lockfile_license_is_checked_by_the_registry(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    # left-pad 1.3.0 (recorded) declares WTFPL; a lockfile saying MIT is only a declaration:
    # the registry's answer, checked against the package's files, wins.
    component = npm("left-pad", "1.3.0", declared_license="MIT")
    results, stats = resolve_licenses([component], options(recorded_session, tmp_path))
    resolution = results[component.purl]
    assert (resolution.expression, resolution.source) == ("WTFPL", "registry:npm")
    assert resolution.evidence[0] == Evidence("lockfile", "MIT", "package-lock.json:12")
    assert (stats.from_lockfile, stats.from_registry) == (0, 1)


def test_the_lockfile_license_stands_when_the_registry_cannot_check_it(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    # A package the registry does not have (a private one): the lockfile's declaration.
    recorded_session.add(f"{ENDPOINT}/private-pkg/1.0.0", status=404)
    component = npm("private-pkg", "1.0.0", declared_license="MIT")
    results, stats = resolve_licenses([component], options(recorded_session, tmp_path))
    resolution = results[component.purl]
    assert (resolution.expression, resolution.source) == ("MIT", "lockfile")
    assert resolution.reason is not None
    assert resolution.reason.startswith("not checked against the package's files (")
    assert stats.from_lockfile == 1


def test_low_confidence_lockfile_license_carries_its_note(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    component = npm("glob", "3.2.11", declared_license="BSD")
    results, _ = resolve_licenses([component], options(recorded_session, tmp_path, offline=True))
    expected = normalize("BSD")
    resolution = results[component.purl]
    assert (resolution.expression, resolution.confidence) == (
        expected.expression,
        expected.confidence,
    )
    assert resolution.confidence < 0.5
    assert resolution.reason == (
        f"{expected.note}; not checked against the package's files (offline: not in the"
        " license cache)"
    )
    assert resolution.source == "lockfile"


def test_an_empty_lockfile_declaration_falls_through_and_stays_as_evidence(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    component = npm("left-pad", "1.3.0", declared_license="UNKNOWN")
    results, stats = resolve_licenses([component], options(recorded_session, tmp_path))
    resolution = results[component.purl]
    assert (resolution.expression, resolution.source) == ("WTFPL", "registry:npm")
    note = normalize("UNKNOWN").note
    assert resolution.evidence[0] == Evidence(
        "lockfile", "UNKNOWN", f"package-lock.json:12 ({note})"
    )
    assert resolution.evidence[1].source == "registry:npm"
    assert stats.from_registry == 1


def test_components_outside_a_registry_and_unsupported_types(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    git = npm("from-git", "1.0.0", registry=False, download_url="https://git.test/a/b#abc")
    linked_with_license = npm("linked", "1.0.0", registry=False, declared_license="ISC")
    crate = Component(
        purl=make_purl("cocoapods", "Alamofire", "5.9.1"),
        name="Alamofire",
        version="5.9.1",
        ecosystem="cocoapods",
    )
    results, stats = resolve_licenses(
        [git, linked_with_license, crate], options(recorded_session, tmp_path)
    )
    assert results[git.purl].reason == NOT_FROM_REGISTRY
    assert results[git.purl].expression is None
    assert results[linked_with_license.purl].expression == "ISC"
    assert results[crate.purl].reason == "no license resolver for cocoapods yet"
    assert (stats.unresolved, stats.from_lockfile, stats.requests) == (2, 1, 0)


def test_second_run_is_answered_by_the_cache_with_zero_requests(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    components = recorded_components()
    first, _ = resolve_licenses(components, options(recorded_session, tmp_path))
    # A registry with no recordings at all: any request would fail the test.
    empty = RecordedRegistry(tmp_path / "no-recordings")
    second, stats = resolve_licenses(components, options(empty, tmp_path))
    assert empty.requests == []
    assert (stats.from_cache, stats.requests, stats.from_registry) == (11, 0, 0)
    for purl, resolution in second.items():
        assert resolution.expression == first[purl].expression
        assert resolution.source == "registry:npm"  # the original source is kept
        assert resolution.evidence[:-1] == first[purl].evidence
        assert resolution.evidence[-1].source == "cache"


def test_offline_uses_lockfile_and_cache_only(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    resolve_licenses([npm("left-pad", "1.3.0")], options(recorded_session, tmp_path))
    made: list[int] = []

    def factory() -> requests.Session:
        made.append(1)
        return recorded_session.session()

    components = [
        npm("left-pad", "1.3.0"),
        npm("pako", "1.0.11"),
        npm("declared", "2.0.0", declared_license="Apache-2.0"),
    ]
    results, stats = resolve_licenses(
        components,
        ResolveOptions(offline=True, cache_dir=tmp_path / "cache", session_factory=factory),
    )
    assert results[components[0].purl].expression == "WTFPL"
    assert results[components[1].purl] == Resolution(None, "not resolved", 0.0, (), OFFLINE)
    assert results[components[2].purl].expression == "Apache-2.0"
    assert (stats.from_cache, stats.from_lockfile, stats.unresolved, stats.requests) == (
        1,
        1,
        1,
        0,
    )
    assert made == []
    assert len(recorded_session.requests) == 1  # the first, online run


def test_one_failing_component_does_not_stop_the_rest(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    recorded_session.add(f"{ENDPOINT}/flaky/1.0.0", status=503)
    recorded_session.add(f"{ENDPOINT}/missing/1.0.0", status=404)
    recorded_session.add(f"{ENDPOINT}/garbled/1.0.0", b"<html>oops</html>")
    components = [
        *recorded_components(),
        npm("flaky", "1.0.0"),
        npm("missing", "1.0.0"),
        npm("garbled", "1.0.0"),
    ]
    results, stats = resolve_licenses(components, options(recorded_session, tmp_path))
    flaky = results[npm("flaky", "1.0.0").purl]
    assert flaky.reason == f"registry unavailable: {RECORDED}: HTTP 503 (after 3 attempts)"
    assert flaky.source == "registry:npm"
    assert results[npm("missing", "1.0.0").purl].reason == "not found in the npm registry"
    assert results[npm("garbled", "1.0.0").purl].reason == "malformed registry response"
    assert (stats.from_registry, stats.unresolved) == (11, 3)
    assert stats.requests == 11 + 3 + 1 + 1


def test_outages_are_not_cached(recorded_session: RecordedRegistry, tmp_path: Path) -> None:
    url = f"{ENDPOINT}/left-pad/1.3.0"
    recorded_session.script(url, Reply(503), Reply(503), Reply(503))
    component = npm("left-pad", "1.3.0")
    first, _ = resolve_licenses([component], options(recorded_session, tmp_path))
    assert str(first[component.purl].reason).startswith("registry unavailable")
    second, stats = resolve_licenses([component], options(recorded_session, tmp_path))
    assert second[component.purl].expression == "WTFPL"
    assert (stats.from_registry, stats.from_cache) == (1, 0)


def test_circuit_breaker_stops_asking_a_dead_host(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    recorded_session.down(RECORDED, requests.ConnectTimeout("timed out"))
    components = [npm(f"package-{index}", "1.0.0") for index in range(1000)]
    http = HttpClient(session_factory=recorded_session.session, sleep=lambda s: None, retries=2)
    results, stats = resolve_licenses(
        components, options(recorded_session, tmp_path, http=http, concurrency=8)
    )
    reasons = {resolution.reason for resolution in results.values()}
    assert reasons == {f"registry unavailable: {RECORDED}: connection timed out (after 3 attempts)"}
    assert stats.unresolved == 1000
    # Three requests per failed lookup until three lookups failed, plus what was in flight.
    assert stats.requests <= 3 * (3 + 8)


def test_concurrency_setting_is_honoured(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    recorded_session.delay = 0.05
    _, stats = resolve_licenses(
        recorded_components(), options(recorded_session, tmp_path, concurrency=3)
    )
    assert recorded_session.max_in_flight == 3
    assert stats.from_registry == 11


def test_concurrency_of_one_is_sequential(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    recorded_session.delay = 0.01
    resolve_licenses(recorded_components()[:4], options(recorded_session, tmp_path, concurrency=1))
    assert recorded_session.max_in_flight == 1


def test_duplicate_purls_are_resolved_once(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    component = npm("left-pad", "1.3.0")
    results, stats = resolve_licenses([component, component], options(recorded_session, tmp_path))
    assert list(results) == [component.purl]
    assert (stats.components, stats.requests) == (1, 1)


def test_a_resolver_bug_becomes_an_unresolved_component(
    recorded_session: RecordedRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Broken:
        ecosystem = "npm"

        def resolve(self, *args: object) -> Resolution:
            raise KeyError("license")

    monkeypatch.setattr(registries, "resolver_for", lambda ecosystem: Broken())
    component = npm("left-pad", "1.3.0")
    results, _ = resolve_licenses([component], options(recorded_session, tmp_path))
    assert results[component.purl].reason == "resolver error: KeyError: 'license'"


def test_repository_url_qualifier_picks_the_registry(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    purl = make_purl("npm", "left-pad", "1.3.0", qualifiers={"repository_url": ENDPOINT})
    component = Component(purl=purl, name="left-pad", version="1.3.0", ecosystem="npm")
    results, _ = resolve_licenses([component], options(recorded_session, tmp_path, registries={}))
    assert results[purl].expression == "WTFPL"
    assert recorded_session.urls() == [f"{ENDPOINT}/left-pad/1.3.0"]


def test_endpoint_precedence() -> None:
    plain = npm("left-pad", "1.3.0")
    qualified = Component(
        purl=make_purl("npm", "x", "1.0.0", qualifiers={"repository_url": "mirror.test/npm/"}),
        name="x",
        version="1.0.0",
        ecosystem="npm",
    )
    assert endpoint_for(plain, {"npm": "https://override.test/npm/"}) == "https://override.test/npm"
    assert endpoint_for(qualified, {"npm": "https://override.test"}) == "https://override.test"
    assert endpoint_for(qualified, {}) == "https://mirror.test/npm"
    assert endpoint_for(plain, {}) == default_endpoint("npm")


def test_default_endpoints_come_from_purl2url() -> None:
    # The npm registry serves the tarballs, so its host is the download URL's host.
    download = purl2url.get_download_url("pkg:npm/left-pad@1.3.0")  # type: ignore[no-untyped-call]
    assert download is not None
    npm_default = default_endpoint("npm")
    assert npm_default is not None and download.startswith(npm_default + "/")
    assert npm_default.startswith("https://")
    pypi_default = default_endpoint("pypi")
    assert pypi_default is not None and pypi_default.startswith("https://")
    assert default_endpoint("generic") is None
    assert registries.resolver_for("cocoapods") is None
