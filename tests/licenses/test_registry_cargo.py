"""The Cargo resolver against hand-written per-version API answers (see the fixture PROVENANCE)."""

from __future__ import annotations

import pytest

from ospo_scan.licenses.cache import LicenseCache
from ospo_scan.licenses.http import HttpClient
from ospo_scan.licenses.normalize import Normalized, normalize
from ospo_scan.licenses.registries.cargo import (
    SLASH_NOTE,
    SOURCE,
    CargoResolver,
    read_cargo_license,
)
from ospo_scan.licenses.registries.common import combine_licenses
from ospo_scan.model import Component, Evidence, Resolution
from ospo_scan.sources.base import make_purl
from tests.licenses.conftest import RECORDED, RecordedRegistry

ENDPOINT = f"{RECORDED}/cargo"


def crate(name: str, version: str | None, **qualifiers: str) -> Component:
    purl = make_purl("cargo", name, version, qualifiers=qualifiers or None)
    return Component(purl=purl, name=name, version=version, ecosystem="cargo")


def url(name: str, version: str, endpoint: str = ENDPOINT) -> str:
    return f"{endpoint}/api/v1/crates/{name}/{version}"


def resolve(name: str, version: str, http: HttpClient, cache: LicenseCache) -> Resolution:
    return CargoResolver().resolve(crate(name, version), http, ENDPOINT, cache)


def test_an_expression(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    resolution = resolve("serde", "1.0.200", http, cache)
    detail = f"{url('serde', '1.0.200')}: version.license"
    assert resolution == Resolution(
        "MIT OR Apache-2.0",
        SOURCE,
        1.0,
        (Evidence(SOURCE, "MIT OR Apache-2.0", detail),),
        method="declared",
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
