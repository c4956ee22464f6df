"""The gem resolver against hand-written v2 per-version answers (see the fixture PROVENANCE)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ospo_scan.licenses import registries
from ospo_scan.licenses.cache import LicenseCache
from ospo_scan.licenses.http import HttpClient, RegistryUnavailable
from ospo_scan.licenses.normalize import normalize
from ospo_scan.licenses.registries.gem import (
    SEVERAL_CAP,
    SEVERAL_NOTE,
    SOURCE,
    GemResolver,
    version_url,
)
from ospo_scan.licenses.resolve import ResolveOptions, resolve_licenses
from ospo_scan.model import Component, Evidence, Resolution
from ospo_scan.sources.base import make_purl
from tests.licenses.conftest import RECORDED, RecordedRegistry, Reply, chain_options

ENDPOINT = f"{RECORDED}/gem"
MIRROR = f"{RECORDED}/gem-mirror"


def gem(name: str, version: str | None, **qualifiers: str) -> Component:
    purl = make_purl("gem", name, version, qualifiers=qualifiers or None)
    return Component(purl=purl, name=name, version=version, ecosystem="gem")


def url(name: str, version: str, endpoint: str = ENDPOINT) -> str:
    return f"{endpoint}/api/v2/rubygems/{name}/versions/{version}.json"


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


def resolve(component: Component, http: HttpClient, cache: LicenseCache) -> Resolution:
    return GemResolver().resolve(component, http, ENDPOINT, cache)


def test_one_license(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    resolution = resolve(gem("rails", "7.1.3"), http, cache)
    detail = f"{url('rails', '7.1.3')}: licenses"
    assert resolution == Resolution("MIT", SOURCE, 1.0, (Evidence(SOURCE, '["MIT"]', detail),))
    assert recorded_session.urls() == [url("rails", "7.1.3")]
    cached = cache.get_resolution(gem("rails", "7.1.3").purl)
    assert cached is not None and cached.expression == "MIT"


def test_several_licenses_all_apply(http: HttpClient, cache: LicenseCache) -> None:
    # The gemspec does not say whether a list is a choice: read as AND, trusted a little less.
    resolution = resolve(gem("bigdecimal", "3.1.6"), http, cache)
    assert resolution.expression == "Ruby AND BSD-2-Clause"
    assert resolution.confidence == SEVERAL_CAP
    assert resolution.reason is None
    assert json.loads(resolution.evidence[0].value) == ["Ruby", "BSD-2-Clause"]
    assert SEVERAL_NOTE in str(resolution.evidence[0].detail)


def test_several_licenses_with_aliases(http: HttpClient, cache: LicenseCache) -> None:
    resolution = resolve(gem("mime-types", "1.25.1"), http, cache)
    assert resolution.expression == "MIT AND Artistic-2.0 AND GPL-2.0-only"
    assert resolution.confidence == SEVERAL_CAP


def test_a_platform_gem_asks_for_its_platform(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    resolution = resolve(gem("nokogiri", "1.16.0", platform="x86_64-linux"), http, cache)
    assert resolution.expression == "MIT"
    assert recorded_session.urls() == [url("nokogiri", "1.16.0") + "?platform=x86_64-linux"]


def test_the_ruby_platform_is_the_plain_gem() -> None:
    assert version_url(gem("rails", "7.1.3", platform="ruby"), ENDPOINT + "/") == url(
        "rails", "7.1.3"
    )
    assert version_url(gem("rails", None), ENDPOINT) is None


def test_no_version_no_request(http: HttpClient, cache: LicenseCache) -> None:
    assert resolve(gem("rails", None), http, cache).reason == "no pinned version to look up"
    assert http.request_count == 0


def test_a_null_licenses_field(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    recorded_session.add(url("old", "0.1.0"), {"name": "old", "licenses": None})
    assert (
        resolve(gem("old", "0.1.0"), http, cache).reason == "the gem registry declares no license"
    )


def test_an_empty_list_is_unresolved_and_cached(http: HttpClient, cache: LicenseCache) -> None:
    resolution = resolve(gem("rake", "0.8.7"), http, cache)
    assert resolution == Resolution(None, SOURCE, 0.0, (), "the gem registry declares no license")
    assert cache.get_resolution(gem("rake", "0.8.7").purl) is not None


def test_not_found_is_cached_briefly(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    recorded_session.add(url("nope", "1.0.0"), "This version could not be found.", status=404)
    resolution = resolve(gem("nope", "1.0.0"), http, cache)
    assert resolution == Resolution(None, SOURCE, 0.0, (), "not found in the gem registry")
    cached = cache.get_resolution(gem("nope", "1.0.0").purl)
    assert cached is not None and cached.reason == "not found in the gem registry"


def test_429_then_success_honours_retry_after(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache, sleeps: list[float]
) -> None:
    recorded_session.script(url("rails", "7.1.3"), Reply(429, headers={"Retry-After": "3"}))
    assert resolve(gem("rails", "7.1.3"), http, cache).expression == "MIT"
    assert sleeps == [3.0]


def test_5xx_exhausted_propagates(
    recorded_session: RecordedRegistry, cache: LicenseCache, sleeps: list[float]
) -> None:
    recorded_session.add(url("rails", "7.1.3"), status=500)
    http = HttpClient(session_factory=recorded_session.session, sleep=sleeps.append, retries=1)
    with pytest.raises(RegistryUnavailable) as raised:
        resolve(gem("rails", "7.1.3"), http, cache)
    assert raised.value.reason == f"{RECORDED}: HTTP 500 (after 2 attempts)"
    assert cache.get_resolution(gem("rails", "7.1.3").purl) is None


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<html>maintenance</html>", "malformed JSON"),
        (b'"MIT"', "a JSON str, not an object"),
        (b'{"licenses": "MIT"}', "licenses is not a list of strings"),
        (b'{"licenses": [{"name": "MIT"}]}', "licenses is not a list of strings"),
    ],
)
def test_malformed_body(
    body: bytes,
    problem: str,
    recorded_session: RecordedRegistry,
    http: HttpClient,
    cache: LicenseCache,
) -> None:
    recorded_session.add(url("broken", "1.0.0"), body)
    resolution = resolve(gem("broken", "1.0.0"), http, cache)
    assert (resolution.expression, resolution.reason) == (None, "malformed registry response")
    assert resolution.evidence[0].value.startswith(problem)
    assert cache.get_resolution(gem("broken", "1.0.0").purl) is None


def test_unrecognized_names_stay_visible(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    recorded_session.add(url("odd", "1.0.0"), {"licenses": ["Acme Community License"]})
    resolution = resolve(gem("odd", "1.0.0"), http, cache)
    assert resolution.expression == normalize("Acme Community License").expression
    assert str(resolution.expression).startswith("LicenseRef-ospo-")
    assert resolution.confidence < 0.5 and resolution.reason


# -- through the chain -------------------------------------------------------------------------


@pytest.fixture
def chain(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register the resolver for the chain (the RESOLVERS line is the lead's to add)."""
    monkeypatch.setattr(
        registries, "resolver_for", lambda ecosystem: GemResolver() if ecosystem == "gem" else None
    )


def options(
    recorded_session: RecordedRegistry, tmp_path: Path, **overrides: object
) -> ResolveOptions:
    return chain_options(recorded_session, tmp_path, {"gem": ENDPOINT}, **overrides)


@pytest.mark.usefixtures("chain")
def test_an_outage_of_one_lookup_leaves_the_rest_of_the_scan(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    recorded_session.add(url("flaky", "1.0.0"), status=503)
    components = [gem("rails", "7.1.3"), gem("flaky", "1.0.0"), gem("bigdecimal", "3.1.6")]
    results, stats = resolve_licenses(components, options(recorded_session, tmp_path))
    assert results[gem("flaky", "1.0.0").purl].reason == (
        f"registry unavailable: {RECORDED}: HTTP 503 (after 3 attempts)"
    )
    assert results[gem("rails", "7.1.3").purl].expression == "MIT"
    assert results[gem("bigdecimal", "3.1.6").purl].expression == "Ruby AND BSD-2-Clause"
    assert (stats.from_registry, stats.unresolved) == (2, 1)


@pytest.mark.usefixtures("chain")
def test_a_mirror_override(recorded_session: RecordedRegistry, tmp_path: Path) -> None:
    recorded_session.add(url("rails", "7.1.3", MIRROR), {"licenses": ["MIT"]})
    settings = options(recorded_session, tmp_path, registries={"gem": MIRROR})
    results, _ = resolve_licenses([gem("rails", "7.1.3")], settings)
    assert results[gem("rails", "7.1.3").purl].expression == "MIT"
    assert recorded_session.urls() == [url("rails", "7.1.3", MIRROR)]


@pytest.mark.usefixtures("chain")
def test_the_repository_url_qualifier(recorded_session: RecordedRegistry, tmp_path: Path) -> None:
    recorded_session.add(url("rails", "7.1.3", MIRROR), {"licenses": ["Ruby"]})
    component = gem("rails", "7.1.3", repository_url=MIRROR)
    results, _ = resolve_licenses([component], options(recorded_session, tmp_path, registries={}))
    assert results[component.purl].expression == "Ruby"
    assert recorded_session.urls() == [url("rails", "7.1.3", MIRROR)]
