"""The Hex resolver: hand-written API answers, and release tarballs built here."""

from __future__ import annotations

import io
import tarfile

import pytest

from ospo_scan.licenses.cache import LicenseCache
from ospo_scan.licenses.http import HttpClient
from ospo_scan.licenses.registries import hex as hex_registry
from ospo_scan.licenses.registries.base import default_endpoint
from ospo_scan.licenses.registries.hex import (
    PACKAGE_LEVEL_NOTE,
    SEVERAL_CAP,
    SEVERAL_NOTE,
    SOURCE,
    HexResolver,
    licenses_from_metadata,
    tarball_url,
)
from ospo_scan.model import Component, Evidence, Resolution
from ospo_scan.sources.base import make_purl
from tests.licenses.conftest import RECORDED, RecordedRegistry

ENDPOINT = f"{RECORDED}/hex"
REPOSITORY = f"{RECORDED}/hex-repository"

METADATA = """{<<"app">>,<<"jason">>}.
{<<"build_tools">>,[<<"mix">>]}.
{<<"description">>,<<"A blazing fast JSON parser and generator in pure Elixir.">>}.
{<<"elixir">>,<<"~> 1.4">>}.
{<<"files">>,
 [<<"lib">>,<<"lib/jason.ex">>,<<"mix.exs">>,<<"README.md">>,<<"LICENSE">>,
  <<"CHANGELOG.md">>]}.
{<<"licenses">>,{licenses}}.
{<<"links">>,[{<<"GitHub">>,<<"https://git.test/michalmuskala/jason">>}]}.
{<<"name">>,<<"jason">>}.
{<<"version">>,<<"1.4.1">>}.
"""


def package(name: str, version: str | None, **qualifiers: str) -> Component:
    purl = make_purl("hex", name, version, qualifiers=qualifiers or None)
    return Component(purl=purl, name=name, version=version, ecosystem="hex")


def release_url(name: str, version: str, endpoint: str = ENDPOINT) -> str:
    return f"{endpoint}/api/packages/{name}/releases/{version}"


def package_url(name: str, endpoint: str = ENDPOINT) -> str:
    return f"{endpoint}/api/packages/{name}"


def release_tarball(licenses: str, *, contents: bytes = b"\x1f\x8b" + b"\x00" * 4000) -> bytes:
    """A release tarball as hex_core writes it: an uncompressed tar of four members."""
    buffer = io.BytesIO()
    members = {
        "VERSION": b"3",
        "CHECKSUM": b"0" * 64,
        "metadata.config": METADATA.replace("{licenses}", licenses).encode(),
        "contents.tar.gz": contents,
    }
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def repository(monkeypatch: pytest.MonkeyPatch) -> str:
    """Make ``REPOSITORY`` the default endpoint (the public one is not reachable from tests)."""
    monkeypatch.setattr(hex_registry, "default_endpoint", lambda ecosystem: REPOSITORY)
    return REPOSITORY


def resolve(
    name: str, version: str, http: HttpClient, cache: LicenseCache, endpoint: str = ENDPOINT
) -> Resolution:
    return HexResolver().resolve(package(name, version), http, endpoint, cache)


# -- the API -------------------------------------------------------------------------------------


def test_package_level_licenses_when_the_release_has_none(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    resolution = resolve("jason", "1.4.1", http, cache)
    detail = f"{package_url('jason')}: meta.licenses, {PACKAGE_LEVEL_NOTE}"
    assert resolution == Resolution(
        "Apache-2.0", SOURCE, 1.0, (Evidence(SOURCE, '["Apache-2.0"]', detail),), method="declared"
    )
    assert recorded_session.urls() == [release_url("jason", "1.4.1"), package_url("jason")]
    cached = cache.get_resolution(package("jason", "1.4.1").purl)
    assert cached is not None and cached.expression == "Apache-2.0"


def test_the_release_licenses_win(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    resolution = resolve("hackney", "1.20.1", http, cache)
    assert (resolution.expression, resolution.confidence) == ("Apache-2.0", 0.9)
    assert resolution.evidence[0].detail == f"{release_url('hackney', '1.20.1')}: meta.licenses"
    assert recorded_session.urls() == [release_url("hackney", "1.20.1")]


def test_several_licenses_all_apply(http: HttpClient, cache: LicenseCache) -> None:
    resolution = resolve("acme_dual", "1.0.0", http, cache)
    assert resolution.expression == "MIT AND Apache-2.0"
    assert resolution.confidence == SEVERAL_CAP
    assert SEVERAL_NOTE in str(resolution.evidence[0].detail)


def test_a_lone_license_string(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    recorded_session.add(release_url("lone", "0.1.0"), {"meta": {"licenses": "MIT"}})
    assert resolve("lone", "0.1.0", http, cache).expression == "MIT"


def test_no_licenses_anywhere(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    recorded_session.add(release_url("bare", "0.1.0"), {"version": "0.1.0", "meta": {}})
    recorded_session.add(package_url("bare"), {"name": "bare", "meta": {"licenses": []}})
    resolution = resolve("bare", "0.1.0", http, cache)
    assert resolution == Resolution(None, SOURCE, 0.0, (), "the Hex registry declares no license")


def test_a_package_document_that_is_gone(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    recorded_session.add(release_url("half", "1.0.0"), {"version": "1.0.0", "meta": {}})
    recorded_session.add(package_url("half"), status=404)
    assert resolve("half", "1.0.0", http, cache).reason == "not found in the Hex registry"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<html>", "malformed JSON"),
        (b"[]", "a JSON list, not an object"),
        (b'{"meta": {"licenses": [1, 2]}}', "meta.licenses is not a list of strings"),
        (b'{"meta": {"licenses": {"MIT": true}}}', "meta.licenses is not a list of strings"),
    ],
)
def test_malformed_body(
    body: bytes,
    problem: str,
    recorded_session: RecordedRegistry,
    http: HttpClient,
    cache: LicenseCache,
) -> None:
    recorded_session.add(release_url("broken", "1.0.0"), body)
    resolution = resolve("broken", "1.0.0", http, cache)
    assert (resolution.expression, resolution.reason) == (None, "malformed registry response")
    assert resolution.evidence[0].value.startswith(problem)
    assert cache.get_resolution(package("broken", "1.0.0").purl) is None


def test_an_organization_package(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    purl = make_purl("hex", "billing", "2.0.0", "acme")
    component = Component(purl=purl, name="billing", version="2.0.0", ecosystem="hex")
    release = f"{ENDPOINT}/api/repos/acme/packages/billing/releases/2.0.0"
    recorded_session.add(release, {"meta": {"licenses": ["LicenseRef-Acme-Proprietary"]}})
    resolution = HexResolver().resolve(component, http, ENDPOINT, cache)
    assert resolution.expression == "LicenseRef-Acme-Proprietary"
    assert recorded_session.urls() == [release]


# -- the repository (the default endpoint) -------------------------------------------------------


def test_the_default_endpoint_reads_the_release_tarball(
    repository: str, recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    url = tarball_url(repository, "jason", "1.4.1")
    recorded_session.add(url, release_tarball('[<<"Apache-2.0">>]'))
    resolution = resolve("jason", "1.4.1", http, cache, endpoint=repository)
    assert resolution == Resolution(
        "Apache-2.0",
        SOURCE,
        1.0,
        (Evidence(SOURCE, '["Apache-2.0"]', f"{url}: metadata.config licenses"),),
        method="declared",
    )
    assert recorded_session.urls() == [f"{REPOSITORY}/tarballs/jason-1.4.1.tar"]
    assert recorded_session.requests[0].headers["Range"] == "bytes=0-1048575"


def test_the_tarball_with_several_licenses_and_escapes(
    repository: str, recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    licenses = '[<<"MIT">>,\n  <<"Apache 2.0">>,<<"Caf\\"e License"/utf8>>]'
    recorded_session.add(tarball_url(repository, "jason", "1.4.1"), release_tarball(licenses))
    resolution = resolve("jason", "1.4.1", http, cache, endpoint=repository)
    assert str(resolution.expression).startswith("MIT AND Apache-2.0 AND LicenseRef-ospo-")
    assert resolution.evidence[0].value == '["MIT", "Apache 2.0", "Caf\\"e License"]'


def test_a_repository_that_ignores_range(
    repository: str, recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    url = tarball_url(repository, "jason", "1.4.1")
    recorded_session.add(url, release_tarball('[<<"MIT">>]'), ranges=False)
    assert resolve("jason", "1.4.1", http, cache, endpoint=repository).expression == "MIT"


def test_a_tarball_cut_before_its_metadata(
    repository: str, recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    recorded_session.add(tarball_url(repository, "jason", "1.4.1"), b"not a tar at all")
    resolution = resolve("jason", "1.4.1", http, cache, endpoint=repository)
    assert resolution.reason == "malformed registry response"
    assert cache.get_resolution(package("jason", "1.4.1").purl) is None


def test_a_missing_tarball(
    repository: str, recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    recorded_session.add(tarball_url(repository, "jason", "9.9.9"), status=404)
    resolution = resolve("jason", "9.9.9", http, cache, endpoint=repository)
    assert resolution.reason == "not found in the Hex registry"
    assert cache.get_resolution(package("jason", "9.9.9").purl) is not None


def test_an_organization_tarball(
    repository: str, recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    purl = make_purl("hex", "billing", "2.0.0", "acme")
    component = Component(purl=purl, name="billing", version="2.0.0", ecosystem="hex")
    url = f"{REPOSITORY}/repos/acme/tarballs/billing-2.0.0.tar"
    recorded_session.add(url, release_tarball('[<<"MIT">>]'))
    assert HexResolver().resolve(component, http, repository, cache).expression == "MIT"
    assert recorded_session.urls() == [url]


def test_a_tarball_without_metadata(
    repository: str, recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("VERSION")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"3"))
    recorded_session.add(tarball_url(repository, "jason", "1.4.1"), buffer.getvalue())
    resolution = resolve("jason", "1.4.1", http, cache, endpoint=repository)
    assert resolution.reason == "malformed registry response"
    assert resolution.evidence[0].value == "no metadata.config in the release tarball"


def test_a_tarball_refused(
    repository: str, recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    recorded_session.add(tarball_url(repository, "jason", "1.4.1"), status=403)
    resolution = resolve("jason", "1.4.1", http, cache, endpoint=repository)
    assert resolution.reason == "unexpected HTTP 403 from the Hex registry"
    assert cache.get_resolution(package("jason", "1.4.1").purl) is None


@pytest.mark.parametrize(
    ("text", "licenses"),
    [
        ('{<<"licenses">>,[<<"MIT">>]}.', ["MIT"]),
        ('{<<"licenses">>,[]}.', []),
        ('{<<"name">>,<<"x">>}.', []),
        ('{<<"licenses">>, ["BSD", "MIT"]}.', ["BSD", "MIT"]),
        ('{<<"licenses">>,[<<"a\\\\b\\nc">>]}.', ["a\\b\nc"]),
    ],
)
def test_licenses_from_metadata(text: str, licenses: list[str]) -> None:
    assert licenses_from_metadata(text) == licenses


@pytest.mark.parametrize(
    "text", ['{<<"licenses">>,<<"MIT">>}.', '{<<"licenses">>,[mit, <<"MIT">>]}.']
)
def test_licenses_from_metadata_rejects_other_shapes(text: str) -> None:
    with pytest.raises(ValueError, match="not a list of strings"):
        licenses_from_metadata(text)


def test_the_default_endpoint_is_the_repository_packageurl_python_names() -> None:
    default = default_endpoint("hex")
    assert default is not None and default.startswith("https://")
