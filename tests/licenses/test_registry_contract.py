"""What every JSON-API registry resolver must do, run once per resolver (cargo ... hex)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from packageurl import PackageURL

from ospo_scan.licenses import registries
from ospo_scan.licenses.cache import LicenseCache
from ospo_scan.licenses.http import HttpClient, RegistryUnavailable
from ospo_scan.licenses.registries import cargo, composer, gem, golang, hex, maven, nuget, pub
from ospo_scan.licenses.registries.base import RegistryResolver
from ospo_scan.licenses.registries.common import NO_VERSION, NOT_FOUND_TTL
from ospo_scan.licenses.resolve import resolve_licenses
from ospo_scan.model import Component, Evidence, Resolution
from ospo_scan.sources.base import make_purl
from tests.licenses import test_registry_cargo as cargo_tests
from tests.licenses import test_registry_composer as composer_tests
from tests.licenses import test_registry_gem as gem_tests
from tests.licenses import test_registry_golang as golang_tests
from tests.licenses import test_registry_hex as hex_tests
from tests.licenses import test_registry_maven as maven_tests
from tests.licenses import test_registry_nuget as nuget_tests
from tests.licenses import test_registry_pub as pub_tests
from tests.licenses.conftest import RECORDED, RecordedRegistry, Reply, chain_options

MIRROR = f"{RECORDED}/contract-mirror"

# The license texts the resolvers that read license files (golang, pub) are served.
TEXTS = {"MIT": golang_tests.MIT_TEXT, "BSD-2-Clause": golang_tests.BSD_2_TEXT}

Body = bytes | str | dict[str, Any] | None


def _nothing(registry: RecordedRegistry) -> None:
    """For resolvers whose recorded fixture files answer every lookup of ``Case.package``."""


@dataclass(frozen=True)
class Case:
    """One resolver as the contract tests see it.

    ``package`` resolves to ``expression`` on the recorded endpoint ``endpoint`` once
    ``prepare`` has registered what the fixture files under tests/fixtures/registry/<type>/
    lack; ``lookup`` lists the URLs that lookup requests, in order. ``publish(registry,
    endpoint, license)`` serves ``package`` declaring ``license`` on another endpoint (a
    mirror) and returns the URLs its lookup requests there. ``flaky`` is a component whose
    first document is ``flaky_url``; ``missing`` one whose lookup meets the 404 answers (URL
    to body) in ``gone``. The remaining fields are the values each registry's own module
    used for these tests before they were gathered here.
    """

    resolver: Callable[[], RegistryResolver]
    ecosystem: str
    source: str
    registry: str  # as the resolver names it in reasons: "the Cargo registry"
    endpoint: str
    package: Component
    expression: str
    lookup: tuple[str, ...]
    publish: Callable[[RecordedRegistry, str, str], list[str]]
    flaky: Component
    flaky_url: str
    missing: Component
    gone: Mapping[str, Body]
    qualifier_license: str  # what ``publish`` declares in the repository_url test
    retry_after: int
    server_error: int
    outage_status: int
    prepare: Callable[[RecordedRegistry], None] = _nothing
    also: tuple[tuple[Component, str], ...] = ()  # more components that resolve (outage test)
    no_version_reason: str = NO_VERSION
    not_found_evidence: tuple[Evidence, ...] = ()
    error_body: Body = None  # the body sent with a 401/403
    # The evidence value for a 401/403: JSON documents go through ``HttpClient.get_json``,
    # whose problem text the resolvers keep; XML ones (NuGet, Maven) word it themselves.
    refusal: str = "unexpected HTTP {status}"

    @property
    def id(self) -> str:
        return self.ecosystem


def _with(component: Component, version: str | None, **qualifiers: str) -> Component:
    """``component`` at another version (or none), with the given purl qualifiers."""
    purl = PackageURL.from_string(component.purl)
    canonical = make_purl(purl.type, purl.name, version, purl.namespace, qualifiers or None)
    return replace(component, purl=canonical, version=version)


# -- the eight cases -----------------------------------------------------------------------------


def _cargo_publish(registry: RecordedRegistry, endpoint: str, license: str) -> list[str]:
    url = cargo_tests.url("serde", "1.0.200", endpoint)
    registry.add(url, {"version": {"license": license}})
    return [url]


def _gem_publish(registry: RecordedRegistry, endpoint: str, license: str) -> list[str]:
    url = gem_tests.url("rails", "7.1.3", endpoint)
    registry.add(url, {"licenses": [license]})
    return [url]


def _composer_publish(registry: RecordedRegistry, endpoint: str, license: str) -> list[str]:
    # A repository without a root document: the public p2 layout is assumed.
    root = f"{endpoint}/packages.json"
    registry.add(root, status=404)
    url = composer_tests.url("monolog/monolog", endpoint)
    registry.add(
        url, {"packages": {"monolog/monolog": [{"version": "3.5.0", "license": [license]}]}}
    )
    return [root, url]


def _nuget_publish(registry: RecordedRegistry, endpoint: str, license: str) -> list[str]:
    url = nuget_tests.nuspec_url("Newtonsoft.Json", "13.0.3", f"{endpoint}/v3-flatcontainer")
    xml = f'<license type="expression">{license}</license>'
    registry.add(url, nuget_tests.nuspec("Newtonsoft.Json", "13.0.3", xml))
    return [url]


def _maven_publish(registry: RecordedRegistry, endpoint: str, license: str) -> list[str]:
    url = maven_tests.pom_url("junit:junit:4.13.2", endpoint)
    licenses = f"<licenses><license><name>{license}</name></license></licenses>"
    registry.add(url, maven_tests.pom("junit:junit:4.13.2", licenses=licenses))
    return [url]


def _golang_serve(registry: RecordedRegistry, endpoint: str, license: str) -> list[str]:
    files = {"LICENSE": TEXTS[license]}
    # The module is small: the one Range request for the zip's tail holds all of it.
    return [golang_tests.serve(registry, "git.test/acme/widget", "v1.2.3", files, endpoint)]


def _golang_prepare(registry: RecordedRegistry) -> None:
    # No recorded files: module zips are built by the tests.
    _golang_serve(registry, golang_tests.ENDPOINT, "MIT")


def _pub_publish(registry: RecordedRegistry, endpoint: str, license: str) -> list[str]:
    archive = f"{endpoint}/archives/http-1.2.0.tar.gz"
    version = pub_tests.version_url("http", "1.2.0", endpoint)
    registry.add(version, {"archive_url": archive})
    registry.add(archive, pub_tests.archive({"LICENSE": TEXTS[license]}))
    return [version, archive]


def _pub_prepare(registry: RecordedRegistry) -> None:
    # The recorded version document points at an archive on another host.
    registry.add(pub_tests.HTTP_ARCHIVE, pub_tests.archive({"LICENSE": golang_tests.MIT_TEXT}))


def _hex_publish(registry: RecordedRegistry, endpoint: str, license: str) -> list[str]:
    url = hex_tests.release_url("jason", "1.4.1", endpoint)
    registry.add(url, {"meta": {"licenses": [license]}})
    return [url]


CASES = [
    Case(
        resolver=cargo.CargoResolver,
        ecosystem="cargo",
        source=cargo.SOURCE,
        registry=cargo.REGISTRY,
        endpoint=cargo_tests.ENDPOINT,
        package=cargo_tests.crate("serde", "1.0.200"),
        expression="MIT OR Apache-2.0",
        lookup=(cargo_tests.url("serde", "1.0.200"),),
        publish=_cargo_publish,
        flaky=cargo_tests.crate("flaky", "1.0.0"),
        flaky_url=cargo_tests.url("flaky", "1.0.0"),
        missing=cargo_tests.crate("nope", "1.0.0"),
        gone={
            cargo_tests.url("nope", "1.0.0"): {
                "errors": [{"detail": "crate `nope` does not have a version `1.0.0`"}]
            }
        },
        also=((cargo_tests.crate("libc", "0.2.20"), "MIT OR Apache-2.0"),),
        qualifier_license="Apache-2.0",
        retry_after=7,
        server_error=503,
        outage_status=502,
        error_body={"errors": []},
    ),
    Case(
        resolver=gem.GemResolver,
        ecosystem="gem",
        source=gem.SOURCE,
        registry=gem.REGISTRY,
        endpoint=gem_tests.ENDPOINT,
        package=gem_tests.gem("rails", "7.1.3"),
        expression="MIT",
        lookup=(gem_tests.url("rails", "7.1.3"),),
        publish=_gem_publish,
        flaky=gem_tests.gem("flaky", "1.0.0"),
        flaky_url=gem_tests.url("flaky", "1.0.0"),
        missing=gem_tests.gem("nope", "1.0.0"),
        gone={gem_tests.url("nope", "1.0.0"): "This version could not be found."},
        also=((gem_tests.gem("bigdecimal", "3.1.6"), "Ruby AND BSD-2-Clause"),),
        qualifier_license="Ruby",
        retry_after=3,
        server_error=500,
        outage_status=503,
    ),
    Case(
        resolver=composer.ComposerResolver,
        ecosystem="composer",
        source=composer.SOURCE,
        registry=composer.REGISTRY,
        endpoint=composer_tests.ENDPOINT,
        package=composer_tests.package("monolog/monolog", "3.5.0"),
        expression="MIT",
        lookup=(composer_tests.ROOT, composer_tests.url("monolog/monolog")),
        publish=_composer_publish,
        flaky=composer_tests.package("acme/flaky", "1.0.0"),
        flaky_url=composer_tests.url("acme/flaky"),
        missing=composer_tests.package("acme/missing", "1.0.0"),
        gone={composer_tests.url("acme/missing"): None},
        qualifier_license="Apache-2.0",
        retry_after=2,
        server_error=504,
        outage_status=503,
    ),
    Case(
        resolver=nuget.NugetResolver,
        ecosystem="nuget",
        source=nuget.SOURCE,
        registry=nuget.REGISTRY,
        endpoint=nuget_tests.ENDPOINT,
        package=nuget_tests.package("Newtonsoft.Json", "13.0.3"),
        expression="MIT",
        lookup=(nuget_tests.nuspec_url("Newtonsoft.Json", "13.0.3"),),
        publish=_nuget_publish,
        flaky=nuget_tests.package("Acme.Flaky", "1.0.0"),
        flaky_url=nuget_tests.nuspec_url("Acme.Flaky", "1.0.0"),
        missing=nuget_tests.package("Acme.Missing", "1.0.0"),
        gone={nuget_tests.nuspec_url("Acme.Missing", "1.0.0"): None},
        qualifier_license="0BSD",
        refusal="HTTP {status}",
        retry_after=5,
        server_error=503,
        outage_status=500,
    ),
    Case(
        resolver=maven.MavenResolver,
        ecosystem="maven",
        source=maven.SOURCE,
        registry=maven.REGISTRY,
        endpoint=maven_tests.ENDPOINT,
        package=maven_tests.artifact("junit:junit:4.13.2"),
        expression="EPL-1.0",
        lookup=(maven_tests.pom_url("junit:junit:4.13.2"),),
        publish=_maven_publish,
        flaky=maven_tests.artifact("com.acme:flaky:1.0"),
        flaky_url=maven_tests.pom_url("com.acme:flaky:1.0"),
        missing=maven_tests.artifact("com.acme:gone:1.0"),
        gone={maven_tests.pom_url("com.acme:gone:1.0"): None},
        # The Maven resolver names the coordinate it did not find.
        not_found_evidence=(
            Evidence(maven.SOURCE, "com.acme:gone:1.0", maven_tests.pom_url("com.acme:gone:1.0")),
        ),
        # A purl without a version has no coordinate to look up either.
        no_version_reason=maven.NO_COORDINATES,
        qualifier_license="EPL-2.0",
        refusal="HTTP {status}",
        retry_after=6,
        server_error=503,
        outage_status=503,
    ),
    Case(
        resolver=golang.GolangResolver,
        ecosystem="golang",
        source=golang.SOURCE,
        registry=golang.REGISTRY,
        endpoint=golang_tests.ENDPOINT,
        package=golang_tests.module("git.test/acme/widget", "v1.2.3"),
        expression="MIT",
        prepare=_golang_prepare,
        lookup=(golang.zip_url(golang_tests.ENDPOINT, "git.test/acme/widget", "v1.2.3"),),
        publish=_golang_serve,
        flaky=golang_tests.module("git.test/acme/flaky", "v1.0.0"),
        flaky_url=golang.zip_url(golang_tests.ENDPOINT, "git.test/acme/flaky", "v1.0.0"),
        missing=golang_tests.module("git.test/acme/gone", "v1.0.0"),
        gone={golang.zip_url(golang_tests.ENDPOINT, "git.test/acme/gone", "v1.0.0"): None},
        qualifier_license="BSD-2-Clause",
        retry_after=4,
        server_error=502,
        outage_status=503,
    ),
    Case(
        resolver=pub.PubResolver,
        ecosystem="pub",
        source=pub.SOURCE,
        registry=pub.REGISTRY,
        endpoint=pub_tests.ENDPOINT,
        package=pub_tests.package("http", "1.2.0"),
        expression="MIT",
        prepare=_pub_prepare,
        lookup=(pub_tests.version_url("http", "1.2.0"), pub_tests.HTTP_ARCHIVE),
        publish=_pub_publish,
        flaky=pub_tests.package("flaky", "1.0.0"),
        flaky_url=pub_tests.version_url("flaky", "1.0.0"),
        missing=pub_tests.package("nope", "1.0.0"),
        # A missing version document sends the resolver to the package listing.
        gone={
            pub_tests.version_url("nope", "1.0.0"): None,
            f"{pub_tests.ENDPOINT}/api/packages/nope": {"error": {"code": "NotFound"}},
        },
        qualifier_license="BSD-2-Clause",
        retry_after=9,
        server_error=500,
        outage_status=503,
        error_body={"error": {"code": "Forbidden"}},
    ),
    Case(
        resolver=hex.HexResolver,
        ecosystem="hex",
        source=hex.SOURCE,
        registry=hex.REGISTRY,
        endpoint=hex_tests.ENDPOINT,
        package=hex_tests.package("jason", "1.4.1"),
        expression="Apache-2.0",
        # The release declares no license: the package document's is used.
        lookup=(hex_tests.release_url("jason", "1.4.1"), hex_tests.package_url("jason")),
        publish=_hex_publish,
        flaky=hex_tests.package("flaky", "1.0.0"),
        flaky_url=hex_tests.release_url("flaky", "1.0.0"),
        missing=hex_tests.package("jason", "0.0.0"),
        gone={hex_tests.release_url("jason", "0.0.0"): {"status": 404}},
        qualifier_license="ISC",
        retry_after=8,
        server_error=503,
        outage_status=503,
    ),
]

contract = pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])


def _distinct(urls: tuple[str, ...]) -> list[str]:
    return list(dict.fromkeys(urls))


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class Clock:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


# -- one lookup ----------------------------------------------------------------------------------


@contract
def test_the_recorded_package_resolves(
    case: Case, recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    # The baseline the other tests vary: what the lookup asks for when nothing goes wrong.
    case.prepare(recorded_session)
    resolution = case.resolver().resolve(case.package, http, case.endpoint, cache)
    assert resolution.expression == case.expression
    assert recorded_session.urls() == list(case.lookup)


@contract
def test_429_then_success_honours_retry_after(
    case: Case,
    recorded_session: RecordedRegistry,
    http: HttpClient,
    cache: LicenseCache,
    sleeps: list[float],
) -> None:
    case.prepare(recorded_session)
    # Every document of the lookup is refused once, with a Retry-After.
    for url in _distinct(case.lookup):
        recorded_session.script(url, Reply(429, headers={"Retry-After": str(case.retry_after)}))
    resolution = case.resolver().resolve(case.package, http, case.endpoint, cache)
    assert resolution.expression == case.expression
    assert sleeps == [float(case.retry_after)] * len(_distinct(case.lookup))
    expected: list[str] = []
    for url in case.lookup:
        expected += [url] if url in expected else [url, url]
    assert recorded_session.urls() == expected
    assert http.request_count == len(expected)


@pytest.mark.parametrize("retries", [1, 2])
@pytest.mark.parametrize(
    ("case", "failing"),
    [(case, url) for case in CASES for url in _distinct(case.lookup)],
    ids=[f"{case.id}-{n}" for case in CASES for n in range(len(_distinct(case.lookup)))],
)
def test_5xx_exhausted_propagates_and_is_not_cached(
    case: Case,
    failing: str,
    retries: int,
    recorded_session: RecordedRegistry,
    cache: LicenseCache,
    sleeps: list[float],
) -> None:
    case.prepare(recorded_session)
    recorded_session.add(failing, status=case.server_error)
    http = HttpClient(
        session_factory=recorded_session.session, sleep=sleeps.append, retries=retries
    )
    with pytest.raises(RegistryUnavailable) as raised:
        case.resolver().resolve(case.package, http, case.endpoint, cache)
    assert raised.value.url == failing
    assert raised.value.reason == (
        f"{_host(failing)}: HTTP {case.server_error} (after {retries + 1} attempts)"
    )
    assert len(sleeps) == retries
    assert cache.get_resolution(case.package.purl) is None


@contract
def test_no_version_no_request(case: Case, http: HttpClient, cache: LicenseCache) -> None:
    unpinned = _with(case.package, None)
    resolution = case.resolver().resolve(unpinned, http, case.endpoint, cache)
    assert resolution == Resolution(None, case.source, 0.0, (), case.no_version_reason)
    assert http.request_count == 0


@pytest.mark.parametrize("status", [404, 410])
@contract
def test_not_found_is_cached_for_an_hour(
    case: Case, status: int, recorded_session: RecordedRegistry, http: HttpClient, tmp_path: Path
) -> None:
    for url, body in case.gone.items():
        recorded_session.add(url, body, status=status)
    clock = Clock()
    with LicenseCache(tmp_path, clock=clock) as cache:
        resolution = case.resolver().resolve(case.missing, http, case.endpoint, cache)
        reason = f"not found in {case.registry}"
        assert resolution == Resolution(None, case.source, 0.0, case.not_found_evidence, reason)
        cached = cache.get_resolution(case.missing.purl)
        assert cached is not None and cached.reason == reason
        clock.now += NOT_FOUND_TTL + 1
        assert cache.get_resolution(case.missing.purl) is None


@pytest.mark.parametrize("status", [401, 403])
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_an_unexpected_status_is_unresolved_and_not_cached(
    case: Case,
    status: int,
    recorded_session: RecordedRegistry,
    http: HttpClient,
    cache: LicenseCache,
) -> None:
    recorded_session.add(case.flaky_url, case.error_body, status=status)
    resolution = case.resolver().resolve(case.flaky, http, case.endpoint, cache)
    assert resolution == Resolution(
        None,
        case.source,
        0.0,
        (Evidence(case.source, case.refusal.format(status=status), case.flaky_url),),
        f"unexpected HTTP {status} from {case.registry}",
    )
    assert cache.get_resolution(case.flaky.purl) is None


# -- through the chain ---------------------------------------------------------------------------


@pytest.fixture
def chain(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the chain reach only the case's resolver (the other registries stay out of it)."""

    def resolver_for(ecosystem: str) -> RegistryResolver | None:
        return case.resolver() if ecosystem == case.ecosystem else None

    monkeypatch.setattr(registries, "resolver_for", resolver_for)


@contract
@pytest.mark.usefixtures("chain")
def test_an_outage_of_one_lookup_leaves_the_rest_of_the_scan(
    case: Case, recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    case.prepare(recorded_session)
    recorded_session.add(case.flaky_url, status=case.outage_status)
    components = [case.package, case.flaky, *(component for component, _ in case.also)]
    options = chain_options(recorded_session, tmp_path, {case.ecosystem: case.endpoint})
    results, stats = resolve_licenses(components, options)
    reason = f"registry unavailable: {RECORDED}: HTTP {case.outage_status} (after 3 attempts)"
    assert results[case.flaky.purl] == Resolution(None, case.source, 0.0, (), reason)
    assert results[case.package.purl].expression == case.expression
    for component, expression in case.also:
        assert results[component.purl].expression == expression
    assert (stats.from_registry, stats.unresolved) == (1 + len(case.also), 1)


@pytest.mark.parametrize("slash", ["", "/"])
@contract
@pytest.mark.usefixtures("chain")
def test_a_mirror_override(
    case: Case, slash: str, recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    urls = case.publish(recorded_session, MIRROR, "MIT")
    options = chain_options(recorded_session, tmp_path, {case.ecosystem: MIRROR + slash})
    results, _ = resolve_licenses([case.package], options)
    assert results[case.package.purl].expression == "MIT"
    assert recorded_session.urls() == urls


# A repository_url qualifier may omit the scheme (purl spec); https is then assumed.
@pytest.mark.parametrize("repository_url", [MIRROR, MIRROR.removeprefix("https://")])
@contract
@pytest.mark.usefixtures("chain")
def test_the_repository_url_qualifier(
    case: Case, repository_url: str, recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    urls = case.publish(recorded_session, MIRROR, case.qualifier_license)
    component = _with(case.package, case.package.version, repository_url=repository_url)
    results, _ = resolve_licenses([component], chain_options(recorded_session, tmp_path, {}))
    assert results[component.purl].expression == case.qualifier_license
    assert recorded_session.urls() == urls
