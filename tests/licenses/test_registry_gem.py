"""The gem resolver against hand-written v2 per-version answers (see the fixture PROVENANCE)."""

from __future__ import annotations

import json

import pytest

from ospo_scan.licenses.cache import LicenseCache
from ospo_scan.licenses.http import HttpClient
from ospo_scan.licenses.normalize import normalize
from ospo_scan.licenses.registries.gem import (
    SEVERAL_CAP,
    SEVERAL_NOTE,
    SOURCE,
    GemResolver,
    version_url,
)
from ospo_scan.model import Component, Evidence, Resolution
from ospo_scan.sources.base import make_purl
from tests.licenses.conftest import RECORDED, RecordedRegistry

ENDPOINT = f"{RECORDED}/gem"


def gem(name: str, version: str | None, **qualifiers: str) -> Component:
    purl = make_purl("gem", name, version, qualifiers=qualifiers or None)
    return Component(purl=purl, name=name, version=version, ecosystem="gem")


def url(name: str, version: str, endpoint: str = ENDPOINT) -> str:
    return f"{endpoint}/api/v2/rubygems/{name}/versions/{version}.json"


def resolve(component: Component, http: HttpClient, cache: LicenseCache) -> Resolution:
    return GemResolver().resolve(component, http, ENDPOINT, cache)


def test_one_license(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    resolution = resolve(gem("rails", "7.1.3"), http, cache)
    detail = f"{url('rails', '7.1.3')}: licenses"
    assert resolution == Resolution(
        "MIT", SOURCE, 1.0, (Evidence(SOURCE, '["MIT"]', detail),), method="declared"
    )
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
