"""The Cargo resolver against hand-written per-version API answers (see the fixture PROVENANCE)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ospo_scan.licenses import registries
from ospo_scan.licenses.cache import LicenseCache
from ospo_scan.licenses.http import HttpClient, RegistryUnavailable
from ospo_scan.licenses.normalize import Normalized, normalize
from ospo_scan.licenses.registries.cargo import (
    SLASH_NOTE,
    SOURCE,
    CargoResolver,
    read_cargo_license,
)
from ospo_scan.licenses.registries.common import NOT_FOUND_TTL, combine_licenses
from ospo_scan.licenses.resolve import ResolveOptions, resolve_licenses
from ospo_scan.model import Component, Evidence, Resolution
from ospo_scan.sources.base import make_purl
from tests.licenses.conftest import RECORDED, RecordedRegistry, Reply, chain_options

ENDPOINT = f"{RECORDED}/cargo"
MIRROR = f"{RECORDED}/cargo-mirror"


def crate(name: str, version: str | None, **qualifiers: str) -> Component:
    purl = make_purl("cargo", name, version, qualifiers=qualifiers or None)
    return Component(purl=purl, name=name, version=version, ecosystem="cargo")


def url(name: str, version: str, endpoint: str = ENDPOINT) -> str:
    return f"{endpoint}/api/v1/crates/{name}/{version}"


class Clock:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def http(recorded_session: RecordedRegistry, sleeps: list[float]) -> Iterator[HttpClient]:
    with HttpClient(session_factory=recorded_session.session, sleep=sleeps.append) as client:
        yield client


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[LicenseCache]:
    with LicenseCache(tmp_path / "cache") as opened:
        yield opened


def resolve(name: str, version: str, http: HttpClient, cache: LicenseCache) -> Resolution:
    return CargoResolver().resolve(crate(name, version), http, ENDPOINT, cache)


def test_an_expression(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    resolution = resolve("serde", "1.0.200", http, cache)
    detail = f"{url('serde', '1.0.200')}: version.license"
    assert resolution == Resolution(
        "MIT OR Apache-2.0", SOURCE, 1.0, (Evidence(SOURCE, "MIT OR Apache-2.0", detail),)
    )
    assert recorded_session.urls() == [url("serde", "1.0.200")]
    assert recorded_session.requests[0].headers["Accept"] == "application/json"
    cached = cache.get_resolution(crate("serde", "1.0.200").purl)
    assert cached is not None and cached.expression == "MIT OR Apache-2.0"


def test_several_licenses_in_one_expression(http: HttpClient, cache: LicenseCache) -> None:
    resolution = resolve("unicode-ident", "1.0.12", http, cache)
    assert resolution.expression == "(MIT OR Apache-2.0) AND Unicode-DFS-2016"
    assert (resolution.confidence, resolution.reason) == (1.0, None)


def test_the_deprecated_slash_is_read_as_or(http: HttpClient, cache: LicenseCache) -> None:
    resolution = resolve("libc", "0.2.20", http, cache)
    assert resolution.expression == "MIT OR Apache-2.0"
    assert resolution.confidence == 0.9
    assert resolution.reason is None  # confident enough to need no warning
    assert resolution.evidence[0].value == "MIT/Apache-2.0"
    assert SLASH_NOTE in str(resolution.evidence[0].detail)


def test_an_exception_and_a_plus_in_the_version(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    resolution = resolve("wasi", "0.11.0+wasi-snapshot-preview1", http, cache)
    assert resolution.expression == "Apache-2.0 WITH LLVM-exception OR Apache-2.0 OR MIT"
    assert recorded_session.urls() == [url("wasi", "0.11.0%2Bwasi-snapshot-preview1")]


def test_no_license_field_is_unresolved_and_cached(http: HttpClient, cache: LicenseCache) -> None:
    resolution = resolve("ring", "0.16.20", http, cache)
    assert resolution.expression is None
    assert resolution.reason == (
        "the Cargo registry declares no license (the crate may ship only a license file)"
    )
    assert cache.get_resolution(crate("ring", "0.16.20").purl) is not None


def test_no_version_no_request(http: HttpClient, cache: LicenseCache) -> None:
    resolution = CargoResolver().resolve(crate("serde", None), http, ENDPOINT, cache)
    assert resolution.reason == "no pinned version to look up"
    assert http.request_count == 0


def test_not_found_is_cached_for_an_hour(
    recorded_session: RecordedRegistry, http: HttpClient, tmp_path: Path
) -> None:
    clock = Clock()
    cache = LicenseCache(tmp_path, clock=clock)
    body = {"errors": [{"detail": "crate `nope` does not have a version `1.0.0`"}]}
    recorded_session.add(url("nope", "1.0.0"), body, status=404)
    resolution = resolve("nope", "1.0.0", http, cache)
    assert resolution == Resolution(None, SOURCE, 0.0, (), "not found in the Cargo registry")
    assert cache.get_resolution(crate("nope", "1.0.0").purl) is not None
    clock.now += NOT_FOUND_TTL + 1
    assert cache.get_resolution(crate("nope", "1.0.0").purl) is None
    cache.close()


def test_429_then_success_honours_retry_after(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache, sleeps: list[float]
) -> None:
    recorded_session.script(url("serde", "1.0.200"), Reply(429, headers={"Retry-After": "7"}))
    assert resolve("serde", "1.0.200", http, cache).expression == "MIT OR Apache-2.0"
    assert sleeps == [7.0]
    assert http.request_count == 2


def test_5xx_exhausted_propagates_and_is_not_cached(
    recorded_session: RecordedRegistry, cache: LicenseCache, sleeps: list[float]
) -> None:
    recorded_session.add(url("serde", "1.0.200"), status=503)
    http = HttpClient(session_factory=recorded_session.session, sleep=sleeps.append, retries=2)
    with pytest.raises(RegistryUnavailable) as raised:
        resolve("serde", "1.0.200", http, cache)
    assert raised.value.reason == f"{RECORDED}: HTTP 503 (after 3 attempts)"
    assert len(sleeps) == 2
    assert cache.get_resolution(crate("serde", "1.0.200").purl) is None


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"version": {"license": "MI', "malformed JSON"),
        (b"[1, 2]", "a JSON list, not an object"),
        (b'{"errors": []}', "no version object"),
        (b'{"version": {"license": ["MIT"]}}', "version.license is a list"),
    ],
)
def test_malformed_body_is_unresolved_and_not_cached(
    body: bytes,
    problem: str,
    recorded_session: RecordedRegistry,
    http: HttpClient,
    cache: LicenseCache,
) -> None:
    recorded_session.add(url("broken", "1.0.0"), body)
    resolution = resolve("broken", "1.0.0", http, cache)
    assert resolution.expression is None
    assert resolution.reason == "malformed registry response"
    assert resolution.evidence[0].value.startswith(problem)
    assert resolution.evidence[0].detail == url("broken", "1.0.0")
    assert cache.get_resolution(crate("broken", "1.0.0").purl) is None


def test_unexpected_status(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    recorded_session.add(url("private", "1.0.0"), {"errors": []}, status=403)
    resolution = resolve("private", "1.0.0", http, cache)
    assert resolution.reason == "unexpected HTTP 403 from the Cargo registry"


# -- through the chain -------------------------------------------------------------------------


@pytest.fixture
def chain(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register the resolver for the chain (the RESOLVERS line is the lead's to add)."""
    monkeypatch.setattr(
        registries,
        "resolver_for",
        lambda ecosystem: CargoResolver() if ecosystem == "cargo" else None,
    )


def options(
    recorded_session: RecordedRegistry, tmp_path: Path, **overrides: object
) -> ResolveOptions:
    return chain_options(recorded_session, tmp_path, {"cargo": ENDPOINT}, **overrides)


@pytest.mark.usefixtures("chain")
def test_an_outage_of_one_lookup_leaves_the_rest_of_the_scan(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    recorded_session.add(url("flaky", "1.0.0"), status=502)
    components = [crate("serde", "1.0.200"), crate("flaky", "1.0.0"), crate("libc", "0.2.20")]
    results, stats = resolve_licenses(components, options(recorded_session, tmp_path))
    flaky = results[crate("flaky", "1.0.0").purl]
    assert flaky == Resolution(
        None, SOURCE, 0.0, (), f"registry unavailable: {RECORDED}: HTTP 502 (after 3 attempts)"
    )
    assert results[crate("serde", "1.0.200").purl].expression == "MIT OR Apache-2.0"
    assert results[crate("libc", "0.2.20").purl].expression == "MIT OR Apache-2.0"
    assert (stats.from_registry, stats.unresolved) == (2, 1)


@pytest.mark.usefixtures("chain")
def test_a_mirror_override(recorded_session: RecordedRegistry, tmp_path: Path) -> None:
    recorded_session.add(url("serde", "1.0.200", MIRROR), {"version": {"license": "MIT"}})
    settings = options(recorded_session, tmp_path, registries={"cargo": MIRROR + "/"})
    results, _ = resolve_licenses([crate("serde", "1.0.200")], settings)
    assert results[crate("serde", "1.0.200").purl].expression == "MIT"
    assert recorded_session.urls() == [url("serde", "1.0.200", MIRROR)]


@pytest.mark.usefixtures("chain")
def test_the_repository_url_qualifier(recorded_session: RecordedRegistry, tmp_path: Path) -> None:
    recorded_session.add(url("serde", "1.0.200", MIRROR), {"version": {"license": "Apache-2.0"}})
    component = crate("serde", "1.0.200", repository_url="registry.test/cargo-mirror")
    results, _ = resolve_licenses([component], options(recorded_session, tmp_path, registries={}))
    assert results[component.purl].expression == "Apache-2.0"
    assert recorded_session.urls() == [url("serde", "1.0.200", MIRROR)]


# -- the helpers the other resolvers share -----------------------------------------------------


def test_read_cargo_license_keeps_non_expressions_as_normalize_reads_them() -> None:
    assert read_cargo_license("MIT") == normalize("MIT")
    # Not an expression once "/" is OR: normalize's own reading of the raw text stands.
    url_text = "https://git.test/acme/widget/blob/main/LICENSE"
    assert read_cargo_license(url_text) == normalize(url_text)
    deprecated = read_cargo_license("GPL-2.0+/MIT")
    assert deprecated.expression == "GPL-2.0-or-later OR MIT"
    assert deprecated.method == "deprecated"


def test_combine_licenses() -> None:
    mit, apache, bsd = normalize("MIT"), normalize("Apache License 2.0"), normalize("BSD")
    assert combine_licenses([], "OR", raw="[]") is None
    assert combine_licenses([normalize("NOASSERTION")], "OR", raw="x") is None
    single = combine_licenses([mit, mit], "AND", raw='["MIT", "MIT"]', note="n", cap=0.5)
    assert single == Normalized("MIT", 1.0, "spdx", '["MIT", "MIT"]', None)
    both = combine_licenses([mit, apache], "OR", raw="r")
    assert both == Normalized("MIT OR Apache-2.0", apache.confidence, "alias", "r", None)
    guessed = combine_licenses(
        [normalize("MIT OR Apache-2.0"), bsd], "AND", raw="r", note="n", cap=0.8
    )
    assert guessed is not None
    assert guessed.expression == f"(MIT OR Apache-2.0) AND {bsd.expression}"
    assert guessed.confidence == bsd.confidence  # below the cap already
    assert guessed.note == f"{bsd.note}; n"
