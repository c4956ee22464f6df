"""The NuGet resolver against hand-written nuspec files (see the fixture PROVENANCE)."""

from __future__ import annotations

import io
import zipfile

import pytest

from ospo_scan.licenses.cache import LicenseCache
from ospo_scan.licenses.http import HttpClient
from ospo_scan.licenses.normalize import normalize
from ospo_scan.licenses.registries import nuget
from ospo_scan.licenses.registries.base import default_endpoint
from ospo_scan.licenses.registries.nuget import (
    NO_ENDPOINT,
    SOURCE,
    NugetResolver,
    normalized_version,
    public_flat_container,
    read_license_url,
)
from ospo_scan.model import Component, Evidence, Resolution
from ospo_scan.sources.base import make_purl
from tests.licenses.conftest import RECORDED, RecordedRegistry
from tests.licenses.test_registry_golang import BSD_2_TEXT, MIT_TEXT

ENDPOINT = f"{RECORDED}/nuget"
FLAT = f"{ENDPOINT}/v3-flatcontainer"
MIRROR = f"{RECORDED}/nuget-mirror"

MINIMAL_NUSPEC = """<?xml version="1.0"?>
<package><metadata><id>{id}</id><version>{version}</version>{license}</metadata></package>
"""


def package(name: str, version: str | None, **qualifiers: str) -> Component:
    purl = make_purl("nuget", name, version, qualifiers=qualifiers or None)
    return Component(purl=purl, name=name, version=version, ecosystem="nuget")


def nuspec_url(name: str, version: str, flat: str = FLAT) -> str:
    lower = name.lower()
    return f"{flat}/{lower}/{version}/{lower}.nuspec"


def nuspec(name: str, version: str, license_xml: str) -> str:
    return MINIMAL_NUSPEC.format(id=name, version=version, license=license_xml)


def nupkg(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def resolve(
    name: str, version: str, http: HttpClient, cache: LicenseCache, endpoint: str = ENDPOINT
) -> Resolution:
    return NugetResolver().resolve(package(name, version), http, endpoint, cache)


def test_a_license_expression(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    resolution = resolve("Newtonsoft.Json", "13.0.3", http, cache)
    detail = f"{nuspec_url('Newtonsoft.Json', '13.0.3')}: metadata/license[@type='expression']"
    assert resolution == Resolution(
        "MIT", SOURCE, 1.0, (Evidence(SOURCE, "MIT", detail),), method="declared"
    )
    assert recorded_session.urls() == [nuspec_url("Newtonsoft.Json", "13.0.3")]
    cached = cache.get_resolution(package("Newtonsoft.Json", "13.0.3").purl)
    assert cached is not None and cached.expression == "MIT"


def test_an_or_expression(http: HttpClient, cache: LicenseCache) -> None:
    resolution = resolve("Acme.Dual", "1.0.0", http, cache)
    assert (resolution.expression, resolution.confidence) == ("MIT OR Apache-2.0", 1.0)


def test_the_version_is_normalized_in_the_url(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    assert resolve("Newtonsoft.Json", "13.0.3.0", http, cache).expression == "MIT"
    assert resolve("Acme.NoLicense", "1.0.0-Beta.1", http, cache).expression is None
    assert recorded_session.urls() == [
        nuspec_url("Newtonsoft.Json", "13.0.3"),
        nuspec_url("Acme.NoLicense", "1.0.0-beta.1"),
    ]


@pytest.mark.parametrize(
    ("version", "normalized"),
    [
        ("1.0", "1.0.0"),
        ("1", "1.0.0"),
        ("1.01.1", "1.1.1"),
        ("1.0.0.0", "1.0.0"),
        ("1.0.0.4", "1.0.0.4"),
        ("2.0.0-RC.1+build.5", "2.0.0-rc.1"),
        ("1.0.0-Beta", "1.0.0-beta"),
    ],
)
def test_normalized_version(version: str, normalized: str) -> None:
    assert normalized_version(version) == normalized


def test_a_well_known_license_url(http: HttpClient, cache: LicenseCache) -> None:
    resolution = resolve("Castle.Core", "4.4.0", http, cache)
    assert resolution.expression == "Apache-2.0"
    assert (
        resolution.confidence == normalize("http://www.apache.org/licenses/LICENSE-2.0").confidence
    )
    assert resolution.evidence[0].value == "http://www.apache.org/licenses/LICENSE-2.0.html"
    assert str(resolution.evidence[0].detail).endswith(": metadata/licenseUrl")


def test_a_license_expression_service_url(http: HttpClient, cache: LicenseCache) -> None:
    resolution = resolve("Acme.LegacyExpression", "2.0.0", http, cache)
    assert resolution.expression == "Apache-2.0 OR MIT"
    assert resolution.evidence[0].value == "https://licenses.test/(Apache-2.0%20OR%20MIT)"


def test_a_link_to_a_license_file_is_unresolved_with_the_url(
    http: HttpClient, cache: LicenseCache
) -> None:
    resolution = resolve("Newtonsoft.Json", "9.0.1", http, cache)
    link = "https://git.test/JamesNK/Newtonsoft.Json/blob/master/LICENSE.md"
    assert resolution.expression is None
    assert (
        resolution.reason
        == f"the license is only given as a URL that names no known license: {link}"
    )
    assert resolution.evidence == (
        Evidence(SOURCE, link, f"{nuspec_url('Newtonsoft.Json', '9.0.1')}: metadata/licenseUrl"),
    )


@pytest.mark.parametrize(
    ("url", "expression"),
    [
        ("https://licenses.test/MIT", "MIT"),
        ("https://licenses.test/GPL-2.0%2B", "GPL-2.0-or-later"),
        ("https://opensource.org/licenses/MIT", "MIT"),
        ("https://git.test/acme/widget/blob/main/LICENSE", None),
        ("https://aka.test/deprecateLicenseUrl", None),
        ("https://licenses.test/not-a-license-id", None),
        ("https://www.acme.test/licensing", None),
    ],
)
def test_read_license_url(url: str, expression: str | None) -> None:
    read = read_license_url(url)
    assert (read.expression if read else None) == expression


def test_a_license_file_is_read_from_the_package(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    package_url = f"{FLAT}/acme.filelicensed/2.1.0/acme.filelicensed.2.1.0.nupkg"
    recorded_session.add(package_url, nupkg({"docs/LICENSE.txt": MIT_TEXT}))
    resolution = resolve("Acme.FileLicensed", "2.1.0", http, cache)
    assert resolution.expression == "MIT"
    assert resolution.confidence == normalize(MIT_TEXT).confidence
    assert resolution.evidence[0].value == "docs\\LICENSE.txt"
    assert f"{package_url}!docs/LICENSE.txt" in str(resolution.evidence[0].detail)
    # The nuspec, then the zip's tail (the central directory and the small member with it).
    assert recorded_session.urls()[0] == nuspec_url("Acme.FileLicensed", "2.1.0")
    assert all(seen.headers.get("Range") for seen in recorded_session.requests[1:])


def test_an_unknown_license_file_text_is_unresolved(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    package_url = f"{FLAT}/acme.filelicensed/2.1.0/acme.filelicensed.2.1.0.nupkg"
    custom = "Acme Source License\n\nYou may look at this code on Tuesdays only.\n" * 3
    recorded_session.add(package_url, nupkg({"docs/LICENSE.txt": custom}))
    resolution = resolve("Acme.FileLicensed", "2.1.0", http, cache)
    assert resolution.expression is None
    assert resolution.reason == (
        'the license is in the package file "docs\\LICENSE.txt", a text ospo-scan does not'
        " recognize"
    )
    assert cache.get_resolution(package("Acme.FileLicensed", "2.1.0").purl) is not None


def test_a_license_file_missing_from_the_package(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    package_url = f"{FLAT}/acme.filelicensed/2.1.0/acme.filelicensed.2.1.0.nupkg"
    recorded_session.add(package_url, nupkg({"LICENSE.md": BSD_2_TEXT}))
    resolution = resolve("Acme.FileLicensed", "2.1.0", http, cache)
    assert resolution.expression is None
    assert str(resolution.reason).startswith(
        'the license is in the package file "docs\\LICENSE.txt", which could not be read'
    )
    # Perhaps a passing problem: not cached.
    assert cache.get_resolution(package("Acme.FileLicensed", "2.1.0").purl) is None


def test_no_license_at_all(http: HttpClient, cache: LicenseCache) -> None:
    resolution = resolve("Acme.NoLicense", "1.0.0-beta.1", http, cache)
    assert resolution == Resolution(None, SOURCE, 0.0, (), "the NuGet feed declares no license")


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("<package><metadata>", "not XML"),
        ("<html><body>maintenance</body></html>", "root element <html>, not <package>"),
        ("<package><files/></package>", "no <metadata> element"),
        (
            '<!DOCTYPE package [<!ENTITY x "MIT">]><package><metadata>&x;</metadata></package>',
            "not XML",
        ),
    ],
)
def test_malformed_nuspec(
    body: str,
    problem: str,
    recorded_session: RecordedRegistry,
    http: HttpClient,
    cache: LicenseCache,
) -> None:
    recorded_session.add(nuspec_url("Acme.Broken", "1.0.0"), body)
    resolution = resolve("Acme.Broken", "1.0.0", http, cache)
    assert (resolution.expression, resolution.reason) == (None, "malformed registry response")
    assert resolution.evidence[0].value.startswith(problem)
    assert cache.get_resolution(package("Acme.Broken", "1.0.0").purl) is None


def test_an_unknown_license_type(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    body = nuspec("Acme.Odd", "1.0.0", '<license type="url">https://acme.test/l</license>')
    recorded_session.add(nuspec_url("Acme.Odd", "1.0.0"), body)
    resolution = resolve("Acme.Odd", "1.0.0", http, cache)
    assert resolution.reason == "a <license> of unknown type 'url'"


# -- endpoints -----------------------------------------------------------------------------------


def test_a_service_index_names_the_flat_container(
    recorded_session: RecordedRegistry, cache: LicenseCache, http: HttpClient
) -> None:
    index = f"{MIRROR}/v3/index.json"
    recorded_session.add(
        index,
        {
            "version": "3.0.0",
            "resources": [
                {"@id": f"{MIRROR}/query", "@type": "SearchQueryService"},
                {"@id": f"{FLAT}/", "@type": "PackageBaseAddress/3.0.0"},
            ],
        },
    )
    resolver = NugetResolver()
    for name, version in (("Newtonsoft.Json", "13.0.3"), ("Acme.Dual", "1.0.0")):
        assert resolver.resolve(package(name, version), http, index, cache).resolved
    # The index is read once per resolver, whatever the number of packages.
    assert recorded_session.urls() == [
        index,
        nuspec_url("Newtonsoft.Json", "13.0.3"),
        nuspec_url("Acme.Dual", "1.0.0"),
    ]


def test_a_service_index_without_a_flat_container(
    recorded_session: RecordedRegistry, cache: LicenseCache, http: HttpClient
) -> None:
    index = f"{MIRROR}/v3/index.json"
    recorded_session.add(index, {"version": "3.0.0", "resources": []})
    resolution = NugetResolver().resolve(package("Acme.Dual", "1.0.0"), http, index, cache)
    assert resolution.reason == "malformed registry response"
    assert resolution.evidence[0].value == (
        "the service index has no PackageBaseAddress/3.0.0 resource"
    )


def test_a_missing_service_index(
    recorded_session: RecordedRegistry, cache: LicenseCache, http: HttpClient
) -> None:
    index = f"{MIRROR}/v3/index.json"
    recorded_session.add(index, status=404)
    resolution = NugetResolver().resolve(package("Acme.Dual", "1.0.0"), http, index, cache)
    assert resolution.reason == f"no NuGet service index at {index}"


def test_the_default_endpoint_is_the_public_flat_container(http: HttpClient) -> None:
    default = default_endpoint("nuget")
    public = public_flat_container()
    assert default is not None and public is not None
    # packageurl-python's gallery host serves pages; the flat container lives on the API host.
    assert public.startswith("https://") and public.endswith("/v3-flatcontainer")
    assert not public.startswith(default)
    assert NugetResolver()._flat_container(default, http) == public
    assert NugetResolver()._flat_container(MIRROR + "/", http) == f"{MIRROR}/v3-flatcontainer"
    flat = f"{MIRROR}/v3-flatcontainer/"
    assert NugetResolver()._flat_container(flat, http) == f"{MIRROR}/v3-flatcontainer"


def test_no_usable_default_endpoint(
    http: HttpClient, cache: LicenseCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(nuget, "public_flat_container", lambda: None)
    default = default_endpoint("nuget")
    assert default is not None
    resolution = NugetResolver().resolve(package("Newtonsoft.Json", "13.0.3"), http, default, cache)
    assert resolution == Resolution(None, SOURCE, 0.0, (), NO_ENDPOINT)
    assert http.request_count == 0
