"""The Podfile.lock parser: subspecs, spec repositories, external sources, broken files."""

from __future__ import annotations

import json
import time
from pathlib import Path, PurePath

import pytest

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, ParseResult, SourceLocation
from ospo_scan.sources import read_text
from ospo_scan.sources.base import matches
from ospo_scan.sources.cocoapods import PodfileLockParser, root_name

from ..conftest import FIXTURES

PODS = FIXTURES / "lockfiles" / "cocoapods"
BROKEN = sorted(p for p in (PODS / "broken").iterdir() if p.is_dir())
STARSCREAM_COMMIT = "3b1d2a9c8e7f6d5c4b3a29180f7e6d5c4b3a2918"
PRIVATE_SPECS = "https://git.test/mobile/private-specs.git"


def parse_file(path: Path) -> ParseResult:
    return PodfileLockParser().parse(read_text(path), str(path))


def by_name(result: ParseResult) -> dict[str, Component]:
    return {c.name: c for c in result.components}


def test_parser_identity() -> None:
    parser = PodfileLockParser()
    assert (parser.format, parser.ecosystem) == ("podfile-lock", "cocoapods")
    assert matches(parser, PurePath("ios/Podfile.lock"))
    assert not matches(parser, PurePath("ios/Podfile"))


def test_application_lock() -> None:
    path = PODS / "app" / "Podfile.lock"
    result = parse_file(path)
    got = {c.purl: (c.direct, c.registry) for c in result.components}
    assert got == {
        "pkg:cocoapods/Alamofire@5.9.1": (True, True),
        # a private spec repository: its URL (without the credentials) qualifies the purl
        f"pkg:cocoapods/AppAnalytics@2.3.0?repository_url={PRIVATE_SPECS}": (True, True),
        "pkg:cocoapods/Firebase@10.25.0": (True, True),  # Firebase/Messaging is declared
        "pkg:cocoapods/FirebaseCore@10.25.0": (False, True),
        "pkg:cocoapods/FirebaseCoreInternal@10.25.0": (False, True),
        "pkg:cocoapods/FirebaseMessaging@10.25.0": (False, True),
        "pkg:cocoapods/GoogleUtilities@7.13.3": (False, True),  # two subspecs, one pod
        "pkg:cocoapods/KeyboardKit@8.0.0?vcs_url=git%2Bhttps://git.test/mobile/KeyboardKit.git"
        "%408.0.0": (True, False),
        "pkg:cocoapods/LocalHelpers@0.1.0": (True, False),
        "pkg:cocoapods/PromisesObjC@2.4.0": (False, True),
        "pkg:cocoapods/SwiftLint@0.55.1": (True, True),
        f"pkg:cocoapods/Starscream@4.0.8?vcs_url=git%2Bhttps://git.test/forks/Starscream.git"
        f"%40{STARSCREAM_COMMIT}": (True, False),
        "pkg:cocoapods/ThirdPartyAd@3.1.4": (True, False),
    }
    assert {c.scope for c in result.components} == {None}
    assert "s3cret" not in repr(result)
    pods = by_name(result)
    firebase = pods["Firebase"]
    # subspec dependencies on their own root pod are dropped; the others collapse to roots
    assert firebase.dependencies == (
        "pkg:cocoapods/FirebaseCore@10.25.0",
        "pkg:cocoapods/FirebaseMessaging@10.25.0",
    )
    assert firebase.locations == (SourceLocation(str(path), 5, "PODS[2]"),)
    assert pods["GoogleUtilities"].paths[0][0] == firebase.purl
    assert pods["LocalHelpers"].dependencies == ("pkg:cocoapods/Alamofire@5.9.1",)
    # the branch of Starscream resolved to the commit CHECKOUT OPTIONS records
    assert pods["Starscream"].download_url == (
        f"git+https://git.test/forks/Starscream.git@{STARSCREAM_COMMIT}"
    )
    assert pods["ThirdPartyAd"].download_url == "https://files.test/specs/ThirdPartyAd.podspec"
    assert pods["LocalHelpers"].download_url is None
    notes = {d.location.line: d.message for d in result.diagnostics}
    assert notes == {
        21: "KeyboardKit 8.0.0 comes from the git repository https://git.test/mobile/"
        "KeyboardKit.git at 8.0.0, not from a spec repository",
        22: "LocalHelpers 0.1.0 comes from the local folder Pods/LocalHelpers, "
        "not from a spec repository",
        26: f"Starscream 4.0.8 comes from the git repository https://git.test/forks/"
        f"Starscream.git at {STARSCREAM_COMMIT}, not from a spec repository",
        27: "ThirdPartyAd 3.1.4 comes from the podspec https://files.test/specs/"
        "ThirdPartyAd.podspec, not from a spec repository",
    }


def test_legacy_master_spec_repository_is_the_default() -> None:
    result = parse_file(PODS / "legacy" / "Podfile.lock")
    assert [(c.purl, c.direct) for c in result.components] == [
        ("pkg:cocoapods/AFNetworking@3.2.1", True),
        ("pkg:cocoapods/SDWebImage@4.4.6", True),
    ]
    assert result.diagnostics == ()


def test_lock_without_dependencies_section_leaves_direct_unknown() -> None:
    result = PodfileLockParser().parse(
        "PODS:\n  - A (1.0):\n    - B\n  - B (2.0)\n", "Podfile.lock"
    )
    assert [(c.purl, c.direct) for c in result.components] == [
        ("pkg:cocoapods/A@1.0", None),
        ("pkg:cocoapods/B@2.0", None),
    ]
    # with direct unknown, the roots of the graph are the pods nothing depends on
    assert result.components[1].paths == (("pkg:cocoapods/A@1.0", "pkg:cocoapods/B@2.0"),)


def test_external_source_of_an_unknown_kind() -> None:
    text = "PODS:\n  - A (1.0)\nEXTERNAL SOURCES:\n  A:\n    :svn: https://svn.test/a\n"
    result = PodfileLockParser().parse(text, "Podfile.lock")
    assert [c.registry for c in result.components] == [False]
    assert result.diagnostics[0].message == "A 1.0 comes from an external source (:svn)"


@pytest.mark.parametrize(
    ("name", "root"),
    [("Firebase/Core", "Firebase"), ("GoogleUtilities/NSData+zlib", "GoogleUtilities"), ("A", "A")],
)
def test_root_name(name: str, root: str) -> None:
    assert root_name(name) == root


def test_broken_fixtures_exist() -> None:
    assert len(BROKEN) >= 6
    for folder in BROKEN:
        assert (folder / "Podfile.lock").is_file()
        assert (folder / "message.txt").read_text().strip()


@pytest.mark.parametrize("folder", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_fixture(folder: Path) -> None:
    path = folder / "Podfile.lock"
    expected = (folder / "message.txt").read_text().strip()
    with pytest.raises(LockfileError) as caught:
        parse_file(path)
    message = str(caught.value)
    assert expected in message
    assert message.startswith(str(path))
    assert "\n" not in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PODS:\n  - A (1.0): nope\n", "the dependencies of A are a string"),
        ("PODS:\n  - A (1.0)\nSPEC REPOS: []\n", "SPEC REPOS: a list found (expected a mapping)"),
        ("PODS:\n  - A (1.0)\nSPEC REPOS:\n  trunk: A\n", "SPEC REPOS['trunk']: not a list"),
        ("PODS:\n  - A (1.0)\nDEPENDENCIES:\n  - {a: b}\n", "DEPENDENCIES[0]: {'a': 'b'} is not"),
        ("PODS:\n  - A (1.0)\nEXTERNAL SOURCES:\n  A: x\n", "EXTERNAL SOURCES['A']: a string"),
        ("- just a list\n", "no PODS section"),
    ],
)
def test_shape_errors(text: str, expected: str) -> None:
    with pytest.raises(LockfileError) as caught:
        PodfileLockParser().parse(text, "Podfile.lock")
    assert expected in str(caught.value)


@pytest.mark.parametrize("case", ["RocketChat__Rocket.Chat.ReactNative", "home-assistant__iOS"])
def test_corpus(corpus: Path, case: str) -> None:
    expected = corpus / "expected" / f"cocoapods__{case}.json"
    lockfiles = sorted((corpus / "cocoapods" / case).rglob("Podfile.lock"))
    if not lockfiles or not expected.is_file():
        pytest.skip("cocoapods sample not in the corpus")
    want = {
        c["purl"]: (c["scope"], c["direct"]) for c in json.loads(expected.read_text())["components"]
    }
    result = parse_file(lockfiles[0])
    assert {c.purl: (c.scope, c.direct) for c in result.components if c.registry} == want
    # every external pod is reported, flagged as not from a spec repository
    excluded = json.loads(expected.read_text())["notes"].count("external source, not from")
    assert sum(1 for c in result.components if not c.registry) == excluded


def test_many_pods_parse_in_linear_time() -> None:
    count = 10_000
    lines = ["PODS:"]
    for i in range(count):
        lines.append(f"  - Pod{i} (1.0.{i}):")
        lines.extend(f"    - Pod{c} (~> 1.0)" for c in (2 * i + 1, 2 * i + 2) if c < count)
        lines.append(f"  - Pod{i}/Sub (1.0.{i})")
    lines += ["", "DEPENDENCIES:", "  - Pod0", "", "SPEC REPOS:", "  trunk:"]
    lines += [f"    - Pod{i}" for i in range(count)]
    text = "\n".join(lines) + "\n"
    start = time.perf_counter()
    result = PodfileLockParser().parse(text, "Podfile.lock")
    elapsed = time.perf_counter() - start
    assert len(result.components) == count
    assert all(c.paths for c in result.components)
    assert elapsed < 10, f"{count} pods took {elapsed:.1f}s"
