"""The Package.resolved parser: format versions 1-3, pin kinds, purls from URLs, broken files."""

from __future__ import annotations

import json
import time
from pathlib import Path, PurePath

import pytest

from ospo_scan.errors import LockfileError
from ospo_scan.model import ParseResult, SourceLocation
from ospo_scan.sources import read_text
from ospo_scan.sources.base import matches
from ospo_scan.sources.swift import SwiftResolvedParser, repository_coordinates

from ..conftest import FIXTURES

SWIFT = FIXTURES / "lockfiles" / "swiftpm"
BROKEN = sorted(p for p in (SWIFT / "broken").iterdir() if p.is_dir())
YAMS_COMMIT = "0d9ee7ea8c4ebd4a489ad7a73d5c6cad55d6fed3"
RELEASES = [
    "pkg:swift/git.test/Alamofire/Alamofire@5.9.1",
    "pkg:swift/git.test/apple/swift-argument-parser@1.3.1",
    f"pkg:swift/git.test/jpsim/Yams@{YAMS_COMMIT}",
]


def parse_file(path: Path) -> ParseResult:
    return SwiftResolvedParser().parse(read_text(path), str(path))


def test_parser_identity() -> None:
    parser = SwiftResolvedParser()
    assert (parser.format, parser.ecosystem) == ("swift-package-resolved", "swift")
    assert matches(parser, PurePath("App.xcworkspace/xcshareddata/swiftpm/Package.resolved"))
    assert not matches(parser, PurePath("Package.swift"))


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_versions_1_and_2_give_the_same_components(version: str) -> None:
    path = SWIFT / version / "Package.resolved"
    result = parse_file(path)
    assert [c.purl for c in result.components] == RELEASES
    assert all(c.registry and c.scope is None and c.direct is None for c in result.components)
    yams = result.components[2]
    assert (yams.name, yams.version, yams.ecosystem) == (
        "git.test/jpsim/Yams",
        YAMS_COMMIT,
        "swift",
    )
    # a branch pin: the revision stands in for the version, and a diagnostic says so
    [note] = result.diagnostics
    assert note.location == yams.locations[0]
    assert note.message.endswith(
        f"is pinned to branch 'main' at revision {YAMS_COMMIT}, not to a release version; "
        "the revision is used as its version"
    )
    first_key = "object.pins[0]" if version == "v1" else "pins[0]"
    assert result.components[0].locations == (
        SourceLocation(str(path), 5 if version == "v1" else 4, first_key),
    )


def test_version_3_kinds() -> None:
    path = SWIFT / "v3" / "Package.resolved"
    result = parse_file(path)
    got = [(c.purl, c.registry, c.download_url) for c in result.components]
    assert got == [
        ("pkg:swift/mona/linkedlist@1.1.0", True, None),  # registry identity scope.name
        ("pkg:swift/git.test/apple/swift-collections@1.1.0", True, None),
        ("pkg:swift/git.test/groups/apple/swift-nio@2.65.0", True, None),
        ("pkg:swift/vendored-kit@0.3.0", False, "/Users/dev/src/VendoredKit"),
    ]
    assert "s3cret" not in repr(result)
    assert [d.message for d in result.diagnostics] == [
        "vendored-kit comes from the local repository /Users/dev/src/VendoredKit, not a remote one"
    ]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://git.test/owner/Repo.git", ("git.test/owner", "Repo")),
        ("https://git.test/owner/Repo/", ("git.test/owner", "Repo")),
        ("ssh://git@git.test:2222/owner/repo.git", ("git.test/owner", "repo")),
        ("git@git.test:owner/repo.git", ("git.test/owner", "repo")),
        ("https://user:token@git.test/a/b/c", ("git.test/a/b", "c")),
        ("https://git.test/repo", (None, None)),
        ("not a url", (None, None)),
    ],
)
def test_repository_coordinates(url: str, expected: tuple[str | None, str | None]) -> None:
    assert repository_coordinates(url) == expected


def test_v1_local_path_pin() -> None:
    data = {
        "object": {
            "pins": [
                {
                    "package": "Local",
                    "repositoryURL": "/src/Local",
                    "state": {"branch": None, "revision": "abc", "version": "1.0.0"},
                }
            ]
        },
        "version": 1,
    }
    result = SwiftResolvedParser().parse(json.dumps(data), "Package.resolved")
    assert [(c.purl, c.registry) for c in result.components] == [("pkg:swift/Local@1.0.0", False)]


def test_broken_fixtures_exist() -> None:
    assert len(BROKEN) >= 6
    for folder in BROKEN:
        assert (folder / "Package.resolved").is_file()
        assert (folder / "message.txt").read_text().strip()


@pytest.mark.parametrize("folder", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_fixture(folder: Path) -> None:
    path = folder / "Package.resolved"
    expected = (folder / "message.txt").read_text().strip()
    with pytest.raises(LockfileError) as caught:
        parse_file(path)
    message = str(caught.value)
    assert expected in message
    assert message.startswith(str(path))
    assert "\n" not in message


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([], "an array found (expected a JSON object with a version)"),
        ({"pins": []}, "version: key is missing"),
        ({"pins": {}, "version": 2}, "pins: an object found (expected an array of pins)"),
        ({"pins": ["x"], "version": 2}, "pins[0]: a string found"),
        ({"pins": [{"kind": "registry"}], "version": 2}, 'pins[0].identity: no "identity"'),
        (
            {"pins": [{"identity": "a", "kind": "remoteSourceControl", "state": {}}], "version": 2},
            "pins[0].location: no location",
        ),
        (
            {
                "pins": [
                    {
                        "identity": "a",
                        "kind": "remoteSourceControl",
                        "location": "https://git.test/o/a",
                        "state": {"version": 1},
                    }
                ],
                "version": 3,
            },
            "pins[0].state.version: a number found",
        ),
    ],
)
def test_shape_errors(data: object, expected: str) -> None:
    with pytest.raises(LockfileError) as caught:
        SwiftResolvedParser().parse(json.dumps(data), "Package.resolved")
    assert expected in str(caught.value)


@pytest.mark.parametrize(
    ("folder", "case"),
    [
        ("swiftpm", "yonaskolb__XcodeGen"),
        ("swiftpm", "CodeEditApp__CodeEdit"),
        ("swiftpm-v1", "yonaskolb__XcodeGen"),
    ],
)
def test_corpus(corpus: Path, folder: str, case: str) -> None:
    expected = corpus / "expected" / f"{folder}__{case}.json"
    lockfiles = sorted((corpus / folder / case).rglob("Package.resolved"))
    if not lockfiles or not expected.is_file():
        pytest.skip("swift sample not in the corpus")
    want = {
        c["purl"]: (c["scope"], c["direct"]) for c in json.loads(expected.read_text())["components"]
    }
    result = parse_file(lockfiles[0])
    assert {c.purl: (c.scope, c.direct) for c in result.components if c.registry} == want


def test_many_pins_parse_in_linear_time() -> None:
    count = 20_000
    pins = [
        {
            "identity": f"p{i}",
            "kind": "remoteSourceControl",
            "location": f"https://git.test/org{i % 40}/p{i}.git",
            "state": {"revision": f"{i:040x}", "version": f"1.0.{i}"},
        }
        for i in range(count)
    ]
    text = json.dumps({"pins": pins, "version": 2}, indent=2)
    start = time.perf_counter()
    result = SwiftResolvedParser().parse(text, "Package.resolved")
    elapsed = time.perf_counter() - start
    assert len(result.components) == count
    assert result.components[-1].locations[0].line is not None
    assert elapsed < 10, f"{count} pins took {elapsed:.1f}s"
