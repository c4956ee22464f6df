"""The pub resolver: hand-written API documents, package archives built here."""

from __future__ import annotations

import gzip
import io
import random
import tarfile
from collections.abc import Mapping

import pytest

from ospo_scan.licenses.cache import LicenseCache
from ospo_scan.licenses.http import HttpClient
from ospo_scan.licenses.normalize import LICENSE_TEXT_REF, normalize
from ospo_scan.licenses.registries import pub
from ospo_scan.licenses.registries.pub import (
    NO_LICENSE_FILE,
    PubResolver,
    root_license_files,
)
from ospo_scan.model import Component, Resolution
from ospo_scan.sources.base import make_purl
from tests.licenses.conftest import RECORDED, RecordedRegistry
from tests.licenses.test_registry_golang import APACHE_NOTICE, BSD_2_TEXT, CUSTOM_TEXT, MIT_TEXT

ENDPOINT = f"{RECORDED}/pub"
HTTP_ARCHIVE = "https://files.test/pub/packages/http/versions/1.2.0.tar.gz"

BSD_3_TEXT = BSD_2_TEXT.replace(
    "   provided with the distribution.\n",
    "   provided with the distribution.\n"
    "3. Neither the name of the copyright holder nor the names of its contributors may be used\n"
    "   to endorse or promote products derived from this software without specific prior\n"
    "   written permission.\n",
)


def package(name: str, version: str | None, **qualifiers: str) -> Component:
    purl = make_purl("pub", name, version, qualifiers=qualifiers or None)
    return Component(purl=purl, name=name, version=version, ecosystem="pub")


def version_url(name: str, version: str, endpoint: str = ENDPOINT) -> str:
    return f"{endpoint}/api/packages/{name}/versions/{version}"


def archive(files: Mapping[str, str | bytes], *, prefix: str = "") -> bytes:
    """A package archive as ``dart pub publish`` makes it: a gzip tar of the package root."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, text in {"pubspec.yaml": "name: x\n", **files}.items():
            data = text.encode() if isinstance(text, str) else text
            info = tarfile.TarInfo(prefix + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def resolve(name: str, version: str, http: HttpClient, cache: LicenseCache) -> Resolution:
    return PubResolver().resolve(package(name, version), http, ENDPOINT, cache)


def test_the_license_file_in_the_archive(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    recorded_session.add(HTTP_ARCHIVE, archive({"LICENSE": BSD_3_TEXT, "lib/http.dart": "//"}))
    resolution = resolve("http", "1.2.0", http, cache)
    expected = normalize(BSD_3_TEXT)
    assert (resolution.expression, resolution.confidence) == ("BSD-3-Clause", expected.confidence)
    assert resolution.evidence[0].value == "LICENSE"
    assert resolution.evidence[0].detail == f"{HTTP_ARCHIVE}: LICENSE ({expected.note})"
    assert recorded_session.urls() == [version_url("http", "1.2.0"), HTTP_ARCHIVE]
    assert recorded_session.requests[0].headers["Accept"] == "application/vnd.pub.v2+json"
    # A bounded download: the archive is asked for with a Range header.
    assert recorded_session.requests[1].headers["Range"].startswith("bytes=0-")
    cached = cache.get_resolution(package("http", "1.2.0").purl)
    assert cached is not None and cached.expression == "BSD-3-Clause"


def test_several_license_files(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    files = {"LICENSE": MIT_TEXT, "LICENSE-APACHE": APACHE_NOTICE, "lib/LICENSE": CUSTOM_TEXT}
    recorded_session.add(HTTP_ARCHIVE, archive(files, prefix="./"))
    resolution = resolve("http", "1.2.0", http, cache)
    assert resolution.expression == "MIT AND Apache-2.0"
    assert resolution.evidence[0].value == "LICENSE, LICENSE-APACHE"


def test_an_unknown_license_text(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    recorded_session.add(HTTP_ARCHIVE, archive({"LICENSE": CUSTOM_TEXT * 2}))
    resolution = resolve("http", "1.2.0", http, cache)
    assert resolution.expression == LICENSE_TEXT_REF
    assert resolution.confidence < 0.5 and resolution.reason


def test_no_license_file(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    recorded_session.add(HTTP_ARCHIVE, archive({"README.md": "hello", "lib/LICENSE": MIT_TEXT}))
    resolution = resolve("http", "1.2.0", http, cache)
    assert (resolution.expression, resolution.reason) == (None, NO_LICENSE_FILE)
    assert cache.get_resolution(package("http", "1.2.0").purl) is not None


def test_the_listing_when_the_version_endpoint_is_missing(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    recorded_session.add(version_url("path", "1.8.3"), status=404)
    archive_url = "https://files.test/pub/packages/path/versions/1.8.3.tar.gz"
    recorded_session.add(archive_url, archive({"LICENSE": BSD_3_TEXT}))
    assert resolve("path", "1.8.3", http, cache).expression == "BSD-3-Clause"
    assert recorded_session.urls() == [
        version_url("path", "1.8.3"),
        f"{ENDPOINT}/api/packages/path",
        archive_url,
    ]


def test_a_version_missing_from_the_listing(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    recorded_session.add(version_url("path", "0.0.1"), status=404)
    resolution = resolve("path", "0.0.1", http, cache)
    assert resolution.reason == "version 0.0.1 not found in the pub repository"
    assert cache.get_resolution(package("path", "0.0.1").purl) is not None


def test_a_refused_archive_is_an_unexpected_status(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    # The version document's own refusal is in test_registry_contract.
    recorded_session.add(HTTP_ARCHIVE, {"error": {"code": "Forbidden"}}, status=403)
    resolution = resolve("http", "1.2.0", http, cache)
    assert resolution.reason == "unexpected HTTP 403 from the pub repository"
    assert cache.get_resolution(package("http", "1.2.0").purl) is None


def test_a_missing_archive(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    recorded_session.add(HTTP_ARCHIVE, status=404)
    resolution = resolve("http", "1.2.0", http, cache)
    assert resolution.reason == "archive not found in the pub repository"


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (b"<html>", "malformed JSON"),
        (b'{"version": "1.0.0"}', "no archive_url"),
        (b'{"version": "1.0.0", "archive_url": 42}', "no archive_url"),
    ],
)
def test_malformed_document(
    document: bytes,
    problem: str,
    recorded_session: RecordedRegistry,
    http: HttpClient,
    cache: LicenseCache,
) -> None:
    recorded_session.add(version_url("broken", "1.0.0"), document)
    resolution = resolve("broken", "1.0.0", http, cache)
    assert (resolution.expression, resolution.reason) == (None, "malformed registry response")
    assert resolution.evidence[0].value.startswith(problem)
    assert cache.get_resolution(package("broken", "1.0.0").purl) is None


@pytest.mark.parametrize(
    "body",
    [
        b"not a tarball",
        gzip.compress(b"not a tar either" * 40),
        archive({"LICENSE": MIT_TEXT})[:60],
    ],
)
def test_malformed_archive(
    body: bytes, recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    recorded_session.add(HTTP_ARCHIVE, body)
    resolution = resolve("http", "1.2.0", http, cache)
    assert (resolution.expression, resolution.reason) == (None, "malformed registry response")
    assert resolution.evidence[0].detail == HTTP_ARCHIVE
    assert cache.get_resolution(package("http", "1.2.0").purl) is None


def test_the_download_is_bounded(
    recorded_session: RecordedRegistry,
    http: HttpClient,
    cache: LicenseCache,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pub, "MAX_ARCHIVE_BYTES", 4096)
    noise = random.Random(1).randbytes(50_000)
    # A server that honours Range sends the first 4 KiB, which hold the license file.
    recorded_session.add(HTTP_ARCHIVE, archive({"LICENSE": MIT_TEXT, "lib/big.bin": noise}))
    assert resolve("http", "1.2.0", http, cache).expression == "MIT"
    assert recorded_session.requests[-1].headers["Range"] == "bytes=0-4095"
    # One that ignores it is cut off past the limit: the archive is not read at all.
    recorded_session.add(HTTP_ARCHIVE, archive({"lib/big.bin": noise}), ranges=False)
    fresh = LicenseCache(cache.directory / "fresh")
    resolution = resolve("http", "1.2.0", http, fresh)
    fresh.close()
    assert (resolution.expression, resolution.reason) == (None, "malformed registry response")
    assert resolution.evidence[0].value == "response larger than 4096 bytes"


def test_a_relative_archive_url(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    recorded_session.add(
        version_url("rel", "1.0.0"), {"archive_url": "/pub/archives/rel-1.0.0.tar.gz"}
    )
    recorded_session.add(
        f"{RECORDED}/pub/archives/rel-1.0.0.tar.gz", archive({"LICENSE": MIT_TEXT})
    )
    assert resolve("rel", "1.0.0", http, cache).expression == "MIT"


def test_root_license_files_stops_after_a_cut_when_something_was_found() -> None:
    noise = random.Random(0).randbytes(200_000)  # incompressible: the cut lands inside it
    whole = archive({"LICENSE": MIT_TEXT, "lib/big.bin": noise})
    assert [name for name, _ in root_license_files(whole[: len(whole) // 2])] == ["LICENSE"]
    late = archive({"lib/big.bin": noise, "LICENSE": MIT_TEXT})
    with pytest.raises(ValueError, match="unreadable or cut-off archive"):
        root_license_files(late[: len(late) // 2])
