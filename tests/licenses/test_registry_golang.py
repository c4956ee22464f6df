"""The Go module resolver against module zips built here, served as a module proxy would."""

from __future__ import annotations

import io
import zipfile

import pytest

from ospo_scan.licenses.cache import LicenseCache
from ospo_scan.licenses.http import HttpClient
from ospo_scan.licenses.normalize import LICENSE_TEXT_REF, normalize
from ospo_scan.licenses.registries.golang import (
    NO_LICENSE_FILE,
    SEVERAL_NOTE,
    GolangResolver,
    escape_path,
    is_license_file_name,
    module_and_version,
    zip_url,
)
from ospo_scan.model import Component, Resolution
from ospo_scan.sources.base import make_purl
from tests.licenses.conftest import RECORDED, RecordedRegistry

ENDPOINT = f"{RECORDED}/golang"

# Short license texts to build archives from (test data; normalize recognizes these).
MIT_TEXT = """MIT License

Copyright (c) 2024 Acme

Permission is hereby granted, free of charge, to any person obtaining a copy of this software
and associated documentation files (the "Software"), to deal in the Software without
restriction, including without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING
BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""

BSD_2_TEXT = """Copyright (c) 2024 Acme. All rights reserved.

Redistribution and use in source and binary forms, with or without modification, are permitted
provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this list of
   conditions and the following disclaimer.
2. Redistributions in binary form must reproduce the above copyright notice, this list of
   conditions and the following disclaimer in the documentation and/or other materials
   provided with the distribution.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY EXPRESS OR
IMPLIED WARRANTIES ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE
LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES.
"""

APACHE_NOTICE = """Copyright 2024 Acme

Licensed under the Apache License, Version 2.0 (the "License"); you may not use this file
except in compliance with the License. You may obtain a copy of the License at the usual
place. Unless required by applicable law or agreed to in writing, software distributed under
the License is distributed on an "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND,
either express or implied. See the License for the specific language governing permissions
and limitations under the License.
"""

CUSTOM_TEXT = """The Acme Source License

You may read this code. You may not run it on weekdays. Everything else is up to you.
"""


def module(path: str, version: str | None, **qualifiers: str) -> Component:
    namespace, _, name = path.rpartition("/")
    purl = make_purl("golang", name, version, namespace or None, qualifiers or None)
    return Component(purl=purl, name=path, version=version, ecosystem="golang")


def module_zip(path: str, version: str, files: dict[str, str]) -> bytes:
    """A module zip as the go command builds it: every file under ``<module>@<version>/``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{path}@{version}/go.mod", f"module {path}\n\ngo 1.21\n")
        archive.writestr(f"{path}@{version}/widget.go", "package widget\n")
        for name, text in files.items():
            archive.writestr(f"{path}@{version}/{name}", text)
    return buffer.getvalue()


def serve(
    registry: RecordedRegistry,
    path: str,
    version: str,
    files: dict[str, str],
    endpoint: str = ENDPOINT,
    *,
    ranges: bool = True,
) -> str:
    url = zip_url(endpoint, path, version)
    registry.add(url, module_zip(path, version, files), ranges=ranges)
    return url


def resolve(path: str, version: str, http: HttpClient, cache: LicenseCache) -> Resolution:
    return GolangResolver().resolve(module(path, version), http, ENDPOINT, cache)


def test_a_license_file_recognized_by_its_text(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    url = serve(recorded_session, "git.test/acme/widget", "v1.2.3", {"LICENSE": MIT_TEXT})
    resolution = resolve("git.test/acme/widget", "v1.2.3", http, cache)
    expected = normalize(MIT_TEXT)
    assert (resolution.expression, resolution.confidence) == ("MIT", expected.confidence)
    assert resolution.reason is None
    assert resolution.evidence[0].value == "LICENSE"
    assert resolution.evidence[0].detail == (
        f"{url}: git.test/acme/widget@v1.2.3/LICENSE ({expected.note})"
    )
    # Range requests only: the end of the zip, then (maybe) the member.
    assert all(seen.headers.get("Range") for seen in recorded_session.requests)
    assert recorded_session.urls()[0] == f"{ENDPOINT}/git.test/acme/widget/@v/v1.2.3.zip"
    cached = cache.get_resolution(module("git.test/acme/widget", "v1.2.3").purl)
    assert cached is not None and cached.expression == "MIT"


def test_upper_case_letters_are_escaped(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    serve(recorded_session, "git.test/Azure/go-Widget", "v1.0.0-RC1", {"LICENSE.md": BSD_2_TEXT})
    resolution = resolve("git.test/Azure/go-Widget", "v1.0.0-RC1", http, cache)
    assert resolution.expression == "BSD-2-Clause"
    assert recorded_session.urls()[0] == (
        f"{ENDPOINT}/git.test/!azure/go-!widget/@v/v1.0.0-!r!c1.zip"
    )


def test_several_license_files_all_apply(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    files = {"LICENSE-MIT": MIT_TEXT, "LICENSE-APACHE": APACHE_NOTICE, "NOTICE": "Acme"}
    serve(recorded_session, "git.test/acme/dual", "v0.3.0", files)
    resolution = resolve("git.test/acme/dual", "v0.3.0", http, cache)
    assert resolution.expression == "MIT AND Apache-2.0"
    assert resolution.evidence[0].value == "LICENSE-MIT, LICENSE-APACHE"
    assert SEVERAL_NOTE in str(resolution.evidence[0].detail)
    assert resolution.confidence == normalize(MIT_TEXT).confidence


def test_an_unknown_text_is_a_low_confidence_license_ref(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    serve(recorded_session, "git.test/acme/odd", "v2.0.0", {"COPYING": CUSTOM_TEXT * 2})
    resolution = resolve("git.test/acme/odd", "v2.0.0", http, cache)
    assert resolution.expression == LICENSE_TEXT_REF
    assert resolution.confidence < 0.5
    assert resolution.reason == normalize(CUSTOM_TEXT * 2).note


def test_only_root_license_files_count(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    files = {"internal/LICENSE": MIT_TEXT, "license.go": "package widget\n", "README.md": "hi"}
    url = serve(recorded_session, "git.test/acme/bare", "v1.0.0", files)
    resolution = resolve("git.test/acme/bare", "v1.0.0", http, cache)
    assert resolution.expression is None
    assert resolution.reason == NO_LICENSE_FILE
    assert resolution.evidence[0].detail == url
    assert cache.get_resolution(module("git.test/acme/bare", "v1.0.0").purl) is not None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("LICENSE", True),
        ("licence.txt", True),
        ("COPYING.LESSER", True),
        ("LICENSE-APACHE-2.0.txt", True),
        ("MIT-LICENSE", True),
        ("UNLICENSE", True),
        ("license.go", False),
        ("LICENSE_test.go", False),
        ("NOTICE", False),
    ],
)
def test_license_file_names(name: str, expected: bool) -> None:
    assert is_license_file_name(name) is expected


def test_a_proxy_that_ignores_range_sends_the_whole_zip(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    files = {"LICENSE": MIT_TEXT}
    serve(recorded_session, "git.test/acme/widget", "v1.2.3", files, ranges=False)
    assert resolve("git.test/acme/widget", "v1.2.3", http, cache).expression == "MIT"
    assert len(recorded_session.requests) == 1


def test_a_version_without_its_v(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    serve(recorded_session, "git.test/acme/widget", "v1.2.3", {"LICENSE": MIT_TEXT})
    assert resolve("git.test/acme/widget", "1.2.3", http, cache).expression == "MIT"
    assert module_and_version(module("git.test/acme/widget", None)) is None


def test_an_incompatible_major_version(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    version = "v4.0.0+incompatible"
    serve(recorded_session, "git.test/acme/old", version, {"LICENSE": MIT_TEXT})
    assert resolve("git.test/acme/old", version, http, cache).expression == "MIT"
    assert recorded_session.urls()[0] == f"{ENDPOINT}/git.test/acme/old/@v/{version}.zip"


@pytest.mark.parametrize("body", [b"<html>not a zip</html>", b"PK\x05\x06" + b"\x00" * 10])
def test_malformed_zip(
    body: bytes, recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    url = zip_url(ENDPOINT, "git.test/acme/broken", "v1.0.0")
    recorded_session.add(url, body)
    resolution = resolve("git.test/acme/broken", "v1.0.0", http, cache)
    assert (resolution.expression, resolution.reason) == (None, "malformed registry response")
    assert resolution.evidence[0].detail == url
    assert cache.get_resolution(module("git.test/acme/broken", "v1.0.0").purl) is None


def test_escape_path() -> None:
    assert escape_path("git.test/BurntSushi/toml") == "git.test/!burnt!sushi/toml"
    assert (
        zip_url(ENDPOINT + "/", "git.test/a/b", "v1.0.0")
        == f"{ENDPOINT}/git.test/a/b/@v/v1.0.0.zip"
    )
