"""The Cargo.lock parser on versions 1 to 4, workspaces, git and alternative registries."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path, PurePath

import pytest
from packageurl import PackageURL

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, ParseResult, SourceLocation
from ospo_scan.sources import read_text
from ospo_scan.sources.base import matches
from ospo_scan.sources.cargo import CargoLockParser, _default_host

from ..conftest import FIXTURES

CARGO = FIXTURES / "lockfiles" / "cargo"
BROKEN = sorted(p for p in (CARGO / "broken").iterdir() if p.is_dir())
TEST_INDEX = "?repository_url=https://registry.test/index"
SPARSE = "?repository_url=https://registry.test/api/v1/crates/"
GIT_TRACING = "git+https://git.test/forks/tracing@0123456789abcdef0123456789abcdef01234567"


def parse_file(path: Path) -> ParseResult:
    return CargoLockParser().parse(read_text(path), str(path))


def parse_text(text: str) -> ParseResult:
    return CargoLockParser().parse(text, "Cargo.lock")


def by_purl(result: ParseResult) -> dict[str, Component]:
    return {c.purl: c for c in result.components}


def default_sources() -> tuple[str, str]:
    """The default registry's git and sparse index sources, built from packageurl-python."""
    host = _default_host()
    assert host is not None
    return f"registry+https://github.com/rust-lang/{host}-index", f"sparse+https://index.{host}/"


def test_parser_identity() -> None:
    parser = CargoLockParser()
    assert (parser.format, parser.ecosystem, parser.patterns) == (
        "cargo-lock",
        "cargo",
        ("Cargo.lock",),
    )
    assert matches(parser, PurePath("crates/app/Cargo.lock"))
    assert not matches(parser, PurePath("Cargo.toml"))


def test_version_1_root_long_references_and_metadata_checksums() -> None:
    result = parse_file(CARGO / "v1" / "Cargo.lock")
    comps = by_purl(result)
    assert {purl: c.direct for purl, c in comps.items()} == {
        f"pkg:cargo/cfg-if@0.1.10{TEST_INDEX}": False,
        f"pkg:cargo/log@0.4.8{TEST_INDEX}": True,  # listed by [root]
        f"pkg:cargo/serde@1.0.104{TEST_INDEX}": True,
    }
    log = comps[f"pkg:cargo/log@0.4.8{TEST_INDEX}"]
    assert log.dependencies == (f"pkg:cargo/cfg-if@0.1.10{TEST_INDEX}",)
    # the fixture's checksums are the SHA-256 of "<name> <version>"
    assert log.hashes == (("SHA-256", hashlib.sha256(b"log 0.4.8").hexdigest()),)
    # "<none>" in [metadata] is no checksum
    assert comps[f"pkg:cargo/serde@1.0.104{TEST_INDEX}"].hashes == ()
    assert all(c.scope is None and c.registry for c in result.components)
    assert comps[f"pkg:cargo/cfg-if@0.1.10{TEST_INDEX}"].paths == (
        (f"pkg:cargo/log@0.4.8{TEST_INDEX}", f"pkg:cargo/cfg-if@0.1.10{TEST_INDEX}"),
    )


def test_version_2_short_references_to_a_crate_locked_twice() -> None:
    comps = by_purl(parse_file(CARGO / "v2" / "Cargo.lock"))
    assert {purl: c.direct for purl, c in comps.items()} == {
        f"pkg:cargo/rand@0.7.3{TEST_INDEX}": True,
        f"pkg:cargo/rand_core@0.5.1{TEST_INDEX}": False,  # rand's, by "rand_core 0.5.1"
        f"pkg:cargo/rand_core@0.6.4{TEST_INDEX}": True,  # the member's "rand_core 0.6.4"
    }
    assert comps[f"pkg:cargo/rand@0.7.3{TEST_INDEX}"].dependencies == (
        f"pkg:cargo/rand_core@0.5.1{TEST_INDEX}",
    )


def test_version_3_workspace_members_and_a_git_crate() -> None:
    path = CARGO / "v3-workspace" / "Cargo.lock"
    result = parse_file(path)
    comps = by_purl(result)
    widget = (
        "pkg:cargo/widget@0.3.0-dev?vcs_url="
        "git%2Bhttps://git.test/acme/widget%404f1c2a7e9b0d3c5a6e8f1b2d4c6a8e0f2b4d6c8a"
    )
    # app and core-lib have no source: the workspace, not components
    assert {purl: (c.direct, c.registry) for purl, c in comps.items()} == {
        f"pkg:cargo/aho-corasick@1.1.3{TEST_INDEX}": (False, True),
        f"pkg:cargo/memchr@2.7.4{TEST_INDEX}": (True, True),  # core-lib's dependency
        f"pkg:cargo/regex@1.11.1{TEST_INDEX}": (True, True),
        f"pkg:cargo/tempfile@3.14.0{TEST_INDEX}": (True, True),
        widget: (True, False),
    }
    assert comps[widget].download_url == (
        "git+https://git.test/acme/widget@4f1c2a7e9b0d3c5a6e8f1b2d4c6a8e0f2b4d6c8a"
    )
    assert comps[widget].dependencies == (f"pkg:cargo/memchr@2.7.4{TEST_INDEX}",)
    assert comps[widget].locations == (SourceLocation(str(path), 53),)
    assert [str(d) for d in result.diagnostics] == [
        f'{path}:53: "widget" 0.3.0-dev comes from the git repository '
        "git+https://git.test/acme/widget@4f1c2a7e9b0d3c5a6e8f1b2d4c6a8e0f2b4d6c8a, "
        "not from a registry"
    ]


def test_version_4_sparse_registry_git_and_one_name_from_two_sources() -> None:
    result = parse_file(CARGO / "v4-sources" / "Cargo.lock")
    comps = by_purl(result)
    git = "?vcs_url=git%2Bhttps://git.test/forks/tracing%400123456789abcdef0123456789abcdef01234567"
    assert PackageURL.from_string(f"pkg:cargo/tracing@0.2.0{git}").qualifiers == {
        "vcs_url": GIT_TRACING
    }
    assert {purl: (c.direct, c.registry) for purl, c in comps.items()} == {
        f"pkg:cargo/once_cell@1.20.2{TEST_INDEX}": (False, True),
        # credentials in the index URL never reach the purl
        "pkg:cargo/private-utils@2.0.1?repository_url=https://mirror.test/index/": (True, True),
        f"pkg:cargo/tracing@0.1.41{SPARSE}": (True, True),
        f"pkg:cargo/tracing@0.2.0{git}": (True, False),
        f"pkg:cargo/tracing-core@0.1.33{SPARSE}": (False, True),
        f"pkg:cargo/tracing-core@0.2.0{git}": (False, False),
    }
    # "tracing-core 0.2.0" resolves to the git copy, "tracing-core 0.1.33 (sparse+...)" to
    # the registry copy
    assert comps[f"pkg:cargo/tracing@0.2.0{git}"].dependencies == (
        f"pkg:cargo/tracing-core@0.2.0{git}",
    )
    assert comps[f"pkg:cargo/tracing@0.1.41{SPARSE}"].dependencies == (
        f"pkg:cargo/tracing-core@0.1.33{SPARSE}",
    )
    # the percent-encoded rev in the query is dropped: the fragment is the locked commit
    assert comps[f"pkg:cargo/tracing@0.2.0{git}"].download_url == GIT_TRACING
    assert "s3cr3t" not in repr(result)
    assert len(result.diagnostics) == 2


def test_default_registry_has_no_qualifier_and_checksums_are_hashes() -> None:
    git_index, sparse_index = default_sources()
    result = parse_text(
        "version = 4\n\n"
        '[[package]]\nname = "app"\nversion = "0.1.0"\ndependencies = ["Inflector"]\n\n'
        f'[[package]]\nname = "Inflector"\nversion = "0.11.4"\nsource = "{git_index}"\n'
        f'checksum = "{"AB" * 32}"\ndependencies = ["lazy_static"]\n\n'
        f'[[package]]\nname = "lazy_static"\nversion = "1.5.0"\nsource = "{sparse_index}"\n'
    )
    comps = by_purl(result)
    assert list(comps) == ["pkg:cargo/Inflector@0.11.4", "pkg:cargo/lazy_static@1.5.0"]
    inflector = comps["pkg:cargo/Inflector@0.11.4"]  # crate names keep their case
    assert (inflector.direct, inflector.hashes) == (True, (("SHA-256", "ab" * 32),))
    assert inflector.dependencies == ("pkg:cargo/lazy_static@1.5.0",)
    assert comps["pkg:cargo/lazy_static@1.5.0"].direct is False
    assert result.diagnostics == ()


def test_without_members_direct_is_unknown_and_dangling_entries_are_reported() -> None:
    result = parse_text(
        'version = 3\n\n[[package]]\nname = "a"\nversion = "1.0.0"\n'
        'source = "registry+https://registry.test/index"\ndependencies = ["gone 2.0.0"]\n'
    )
    (only,) = result.components
    assert only.direct is None and only.dependencies == ()
    assert [str(d) for d in result.diagnostics] == [
        'Cargo.lock:3: "a" 1.0.0 depends on "gone 2.0.0", which is not locked in this file'
    ]


def test_unknown_source_kind_is_not_a_registry() -> None:
    result = parse_text(
        'version = 3\n\n[[package]]\nname = "v"\nversion = "1.0.0"\n'
        'source = "directory+/srv/vendor"\n'
    )
    (only,) = result.components
    assert (only.purl, only.registry, only.download_url) == (
        "pkg:cargo/v@1.0.0",
        False,
        "directory+/srv/vendor",
    )
    assert "unknown source" in result.diagnostics[0].message


def test_every_broken_fixture_has_a_message() -> None:
    assert BROKEN
    for folder in BROKEN:
        assert (folder / "message.txt").read_text().strip()
        assert (folder / "Cargo.lock").is_file()


@pytest.mark.parametrize("folder", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_fixture(folder: Path) -> None:
    expected = (folder / "message.txt").read_text().strip()
    with pytest.raises(LockfileError) as caught:
        parse_file(folder / "Cargo.lock")
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "case", ["cargo-v3__BurntSushi__ripgrep", "cargo-v4__sharkdp__bat", "cargo-v4__lapce__lapce"]
)
def test_corpus(corpus: Path, case: str) -> None:
    format_id, repo = case.split("__", 1)
    lockfile = corpus / format_id / repo / "Cargo.lock"
    expected = corpus / "expected" / f"{case}.json"
    if not lockfile.is_file() or not expected.is_file():
        pytest.skip(f"{case} not in the corpus")
    want = {
        c["purl"]: (c["scope"], c["direct"]) for c in json.loads(expected.read_text())["components"]
    }
    result = parse_file(lockfile)
    got = {c.purl: (c.scope, c.direct) for c in result.components if c.registry}
    assert got == want
    # git crates are reported, flagged as not from a registry
    assert all(c.download_url for c in result.components if not c.registry)


def test_large_lockfiles_parse_in_linear_time() -> None:
    count = 20_000
    parts = [
        'version = 4\n\n[[package]]\nname = "root"\nversion = "0.1.0"\ndependencies = ["p0"]\n'
    ]
    for i in range(count):
        children = ", ".join(f'"p{c}"' for c in (2 * i + 1, 2 * i + 2) if c < count)
        parts.append(
            f'\n[[package]]\nname = "p{i}"\nversion = "1.0.0"\n'
            f'source = "registry+https://registry.test/index"\ndependencies = [{children}]\n'
        )
    start = time.perf_counter()
    result = parse_text("".join(parts))
    elapsed = time.perf_counter() - start
    assert len(result.components) == count
    assert sum(1 for c in result.components if c.direct) == 1
    assert elapsed < 10, f"{count} crates took {elapsed:.1f}s"
