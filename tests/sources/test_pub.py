"""The pubspec.lock parser: dependency kinds, sources, servers, broken files."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path, PurePath

import pytest

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, ParseResult, Scope, SourceLocation
from ospo_scan.sources import read_text
from ospo_scan.sources.base import matches
from ospo_scan.sources.pub import PubspecLockParser, _default_hosts

from ..conftest import FIXTURES

PUBSPEC = FIXTURES / "lockfiles" / "pubspec"
BROKEN = sorted(p for p in (PUBSPEC / "broken").iterdir() if p.is_dir())
REQ, DEV = Scope.REQUIRED, Scope.DEV
SERVER = "?repository_url=https://registry.test"
MAP_TILES = (
    "git+https://git.test/forks/plugins.git@9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b"
    "#packages/map_tiles"
)


def parse_file(path: Path) -> ParseResult:
    return PubspecLockParser().parse(read_text(path), str(path))


def parse_text(text: str) -> ParseResult:
    return PubspecLockParser().parse(text, "pubspec.lock")


def by_purl(result: ParseResult) -> dict[str, Component]:
    return {c.purl: c for c in result.components}


def test_parser_identity() -> None:
    parser = PubspecLockParser()
    assert (parser.format, parser.ecosystem, parser.patterns) == (
        "pubspec-lock",
        "pub",
        ("pubspec.lock",),
    )
    assert matches(parser, PurePath("app/pubspec.lock"))


def test_application_lockfile() -> None:
    path = PUBSPEC / "app" / "pubspec.lock"
    result = parse_file(path)
    comps = by_purl(result)
    git = next(c for c in result.components if c.name == "map_tiles")
    # design_system (path) and flutter/flutter_test (sdk) are not components
    assert {c.name: (c.scope, c.direct, c.registry) for c in result.components} == {
        "async": (None, False, True),
        "collection": (None, True, True),  # direct overridden: no scope
        "http": (REQ, True, True),
        "lints": (DEV, True, True),
        "map_tiles": (REQ, True, False),
        "private_sdk": (REQ, True, True),
        "meta": (None, False, True),
        "test": (DEV, True, True),
    }
    http = comps[f"pkg:pub/http@1.3.0{SERVER}"]
    assert http.hashes == (("SHA-256", hashlib.sha256(b"http 1.3.0").hexdigest()),)
    assert http.locations == (SourceLocation(str(path), 37, "packages.http"),)
    assert http.dependencies == ()  # pubspec.lock has no dependency graph
    assert "pkg:pub/private_sdk@3.2.0?repository_url=https://pub.registry.test/private" in comps
    assert git.download_url == MAP_TILES
    assert git.purl.startswith("pkg:pub/map_tiles@2.0.1?vcs_url=")
    assert "t0ken" not in repr(result)
    assert [str(d) for d in result.diagnostics] == [
        f'{path}:53: "map_tiles" 2.0.1 comes from the git repository {MAP_TILES}, not pub'
    ]


def test_legacy_lockfile() -> None:
    result = parse_file(PUBSPEC / "legacy" / "pubspec.lock")
    assert [(c.purl, c.scope, c.direct, c.hashes) for c in result.components] == [
        (f"pkg:pub/args@1.6.0{SERVER}", REQ, True, ()),
        (f"pkg:pub/path@1.8.0{SERVER}", None, False, ()),
        (
            "pkg:pub/tool_kit@0.3.0?vcs_url="
            "git%2Bhttps://git.test/acme/tool_kit.git%400f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c",
            DEV,
            True,
            (),
        ),
    ]


@pytest.mark.parametrize("host", sorted(_default_hosts()))
def test_default_servers_have_no_qualifier(host: str) -> None:
    result = parse_text(
        "packages:\n  yaml:\n    dependency: transitive\n    description:\n"
        f'      name: yaml\n      url: "https://{host}"\n    source: hosted\n'
        '    version: "3.1.2"\n'
    )
    assert [c.purl for c in result.components] == ["pkg:pub/yaml@3.1.2"]


def test_a_lockfile_without_packages() -> None:
    assert parse_text("packages: {}\nsdks:\n  dart: '>=3.0.0 <4.0.0'\n").components == ()
    assert parse_text("packages:\nsdks: {}\n").components == ()


def test_every_broken_fixture_has_a_message() -> None:
    assert BROKEN
    for folder in BROKEN:
        assert (folder / "message.txt").read_text().strip()
        assert (folder / "pubspec.lock").is_file()


@pytest.mark.parametrize("folder", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_fixture(folder: Path) -> None:
    expected = (folder / "message.txt").read_text().strip()
    with pytest.raises(LockfileError) as caught:
        parse_file(folder / "pubspec.lock")
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "case", ["pubspec__localsend__localsend", "pubspec__openfoodfacts__smooth-app"]
)
def test_corpus(corpus: Path, case: str) -> None:
    folder = corpus / "pubspec" / case.split("__", 1)[1]
    lockfiles = sorted(folder.rglob("pubspec.lock")) if folder.is_dir() else []
    expected = corpus / "expected" / f"{case}.json"
    if not lockfiles or not expected.is_file():
        pytest.skip(f"{case} not in the corpus")
    want = {
        c["purl"]: (c["scope"], c["direct"]) for c in json.loads(expected.read_text())["components"]
    }
    result = parse_file(lockfiles[0])
    got = {c.purl: (c.scope, c.direct) for c in result.components if c.registry}
    assert got == want
    # git packages are reported with their commit, flagged as not from a registry
    assert all(
        c.download_url and "@" in c.download_url for c in result.components if not c.registry
    )


def test_large_lockfiles_parse_in_linear_time() -> None:
    count = 5_000
    parts = ["packages:\n"]
    for i in range(count):
        kind = '"direct main"' if i % 10 == 0 else "transitive"
        parts.append(
            f"  p{i}:\n    dependency: {kind}\n    description:\n      name: p{i}\n"
            f'      url: "https://registry.test"\n    source: hosted\n    version: "1.0.{i}"\n'
        )
    start = time.perf_counter()
    result = parse_text("".join(parts))
    elapsed = time.perf_counter() - start
    assert len(result.components) == count
    assert sum(1 for c in result.components if c.scope is REQ) == count // 10
    assert elapsed < 10, f"{count} packages took {elapsed:.1f}s"
