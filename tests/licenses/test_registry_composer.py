"""The Composer resolver against hand-written minified p2 metadata (see the fixture PROVENANCE)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ospo_scan.licenses import registries
from ospo_scan.licenses.cache import LicenseCache
from ospo_scan.licenses.http import HttpClient
from ospo_scan.licenses.registries.composer import (
    SOURCE,
    ComposerResolver,
    expand,
    find_version,
    is_dev_version,
)
from ospo_scan.licenses.resolve import resolve_licenses
from ospo_scan.model import Component, Evidence, Resolution
from ospo_scan.sources.base import make_purl
from tests.licenses.conftest import RECORDED, RecordedRegistry, Reply, chain_options

ENDPOINT = f"{RECORDED}/composer"
MIRROR = f"{RECORDED}/composer-mirror"


def package(name: str, version: str | None, **qualifiers: str) -> Component:
    vendor, _, bare = name.partition("/")
    purl = make_purl("composer", bare, version, vendor, qualifiers=qualifiers or None)
    return Component(purl=purl, name=name, version=version, ecosystem="composer")


ROOT = f"{ENDPOINT}/packages.json"


def url(name: str, endpoint: str = ENDPOINT, *, dev: bool = False) -> str:
    return f"{endpoint}/p2/{name}{'~dev' if dev else ''}.json"


class Clock:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


def resolve(name: str, version: str, http: HttpClient, cache: LicenseCache) -> Resolution:
    return ComposerResolver().resolve(package(name, version), http, ENDPOINT, cache)


def test_the_latest_version(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    resolution = resolve("monolog/monolog", "3.5.0", http, cache)
    detail = f"{url('monolog/monolog')}: packages['monolog/monolog'] version '3.5.0' license"
    assert resolution == Resolution(
        "MIT", SOURCE, 1.0, (Evidence(SOURCE, '["MIT"]', detail),), method="declared"
    )
    # The root document names where package metadata lives, then the package's file.
    assert recorded_session.urls() == [ROOT, url("monolog/monolog")]


@pytest.mark.parametrize("version", ["3.4.0", "2.9.2"])
def test_older_versions_inherit_the_license_through_minification(
    version: str, http: HttpClient, cache: LicenseCache
) -> None:
    assert resolve("monolog/monolog", version, http, cache).expression == "MIT"


def test_a_license_array_is_a_choice(http: HttpClient, cache: LicenseCache) -> None:
    resolution = resolve("acme/relicensed", "v2.0.0", http, cache)
    assert resolution.expression == "LGPL-2.1-only OR GPL-3.0-or-later"
    assert (resolution.confidence, resolution.reason) == (1.0, None)
    assert json.loads(resolution.evidence[0].value) == ["LGPL-2.1-only", "GPL-3.0-or-later"]


def test_unset_removes_the_license_and_a_later_entry_sets_it_again(
    http: HttpClient, cache: LicenseCache
) -> None:
    unset = resolve("acme/relicensed", "v1.1.0", http, cache)
    assert unset == Resolution(None, SOURCE, 0.0, (), "the Composer repository declares no license")
    again = resolve("acme/relicensed", "v1.0.0", http, cache)
    assert again.expression == "Apache-2.0 AND BSD-3-Clause"


def test_a_version_without_its_v_is_found(http: HttpClient, cache: LicenseCache) -> None:
    assert resolve("acme/relicensed", "3.0.0", http, cache).expression == "MIT"


def test_dev_versions_are_in_the_dev_file_and_cached_for_a_day(
    recorded_session: RecordedRegistry, http: HttpClient, tmp_path: Path
) -> None:
    clock = Clock()
    cache = LicenseCache(tmp_path, clock=clock)
    for version in ("dev-main", "2.x-dev"):
        assert resolve("monolog/monolog", version, http, cache).expression == "MIT"
    # One resolver per version here, so the root document is read by each.
    assert recorded_session.urls() == [ROOT, url("monolog/monolog", dev=True)] * 2
    clock.now += 25 * 3600
    assert cache.get_resolution(package("monolog/monolog", "dev-main").purl) is None
    cache.close()


def test_metadata_that_is_not_minified(http: HttpClient, cache: LicenseCache) -> None:
    assert resolve("acme/expanded", "2.0.0", http, cache).expression == "BSD-3-Clause"
    # Without the minified marker nothing is inherited from the entry before.
    assert resolve("acme/expanded", "1.0.0", http, cache).expression is None


def test_an_unknown_version_of_a_known_package(http: HttpClient, cache: LicenseCache) -> None:
    resolution = resolve("monolog/monolog", "9.9.9", http, cache)
    assert resolution.reason == "version 9.9.9 not found in the Composer repository"
    cached = cache.get_resolution(package("monolog/monolog", "9.9.9").purl)
    assert cached is not None and cached.reason == resolution.reason


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"{", "malformed JSON"),
        (b'{"packages": {}}', "no packages['acme/broken'] list"),
        (b'{"packages": {"acme/broken": [1]}}', "version entry 0 is a int"),
        (
            b'{"packages": {"acme/broken": [{"version": "1.0.0", "license": {"id": "MIT"}}]}}',
            "license is not a list of strings",
        ),
    ],
)
def test_malformed_body(
    body: bytes,
    problem: str,
    recorded_session: RecordedRegistry,
    http: HttpClient,
    cache: LicenseCache,
) -> None:
    recorded_session.add(url("acme/broken"), body)
    resolution = resolve("acme/broken", "1.0.0", http, cache)
    assert (resolution.expression, resolution.reason) == (None, "malformed registry response")
    assert resolution.evidence[0].value.startswith(problem)
    assert cache.get_resolution(package("acme/broken", "1.0.0").purl) is None


def test_a_license_string_instead_of_an_array(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    recorded_session.add(
        url("acme/string"),
        {"packages": {"acme/string": [{"version": "1.0.0", "license": "proprietary"}]}},
    )
    resolution = resolve("acme/string", "1.0.0", http, cache)
    assert resolution.expression == "LicenseRef-ospo-proprietary"


def test_expand_follows_the_minifier() -> None:
    versions = [
        {"version": "2", "a": 1, "b": 2},
        {"version": "1", "b": "__unset", "c": 3},
        {"version": "0", "b": 4},
    ]
    expanded = list(expand(versions, minified="composer/2.0"))
    assert expanded == [
        {"version": "2", "a": 1, "b": 2},
        {"version": "1", "a": 1, "c": 3},
        {"version": "0", "a": 1, "c": 3, "b": 4},
    ]
    assert find_version(versions, "1", minified=None) == {"version": "1", "b": "__unset", "c": 3}
    assert (is_dev_version("dev-main"), is_dev_version("2.X-DEV"), is_dev_version("v2.0")) == (
        True,
        True,
        False,
    )


def test_the_root_document_is_read_once_per_endpoint(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    resolver = ComposerResolver()
    for name, version in (("monolog/monolog", "3.5.0"), ("acme/relicensed", "v3.0.0")):
        assert resolver.resolve(package(name, version), http, ENDPOINT, cache).resolved
    assert recorded_session.urls() == [ROOT, url("monolog/monolog"), url("acme/relicensed")]


@pytest.mark.parametrize(
    "root",
    [
        Reply(404),
        Reply(200, b"<html>"),
        Reply(200, {"packages": []}),
        Reply(200, {"metadata-url": "/p2/no-placeholder.json"}),
    ],
)
def test_without_a_usable_root_document_the_p2_layout_is_assumed(
    root: Reply, http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    recorded_session.script(ROOT, root)
    assert resolve("monolog/monolog", "3.5.0", http, cache).expression == "MIT"
    assert recorded_session.urls() == [ROOT, url("monolog/monolog")]


# -- through the chain (the shared chain tests are in test_registry_contract) ------------------


@pytest.fixture
def chain(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the chain reach only this resolver."""
    monkeypatch.setattr(
        registries,
        "resolver_for",
        lambda ecosystem: ComposerResolver() if ecosystem == "composer" else None,
    )


@pytest.mark.usefixtures("chain")
def test_a_repository_url_whose_root_document_names_a_metadata_url(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    # A repository that serves package metadata under an API path (as GitLab's does).
    template = f"{RECORDED}/api/v4/group/7/-/packages/composer/p2/%package%.json"
    recorded_session.add(f"{MIRROR}/packages.json", {"packages": [], "metadata-url": template})
    body = {"packages": {"monolog/monolog": [{"version": "3.5.0", "license": ["Apache-2.0"]}]}}
    metadata = template.replace("%package%", "monolog/monolog")
    recorded_session.add(metadata, body)
    component = package("monolog/monolog", "3.5.0", repository_url=MIRROR)
    results, _ = resolve_licenses([component], chain_options(recorded_session, tmp_path, {}))
    assert results[component.purl].expression == "Apache-2.0"
    assert recorded_session.urls() == [f"{MIRROR}/packages.json", metadata]
