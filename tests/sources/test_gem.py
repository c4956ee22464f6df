"""The Gemfile.lock parser: sources, platform variants, DEPENDENCIES, CHECKSUMS, broken files."""

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
from ospo_scan.sources.gem import GemfileLockParser, _default_host

from ..conftest import CORPUS, FIXTURES

GEMFILE = FIXTURES / "lockfiles" / "gemfile"
BROKEN = sorted(p for p in (GEMFILE / "broken").iterdir() if p.is_dir())
TEST_SERVER = "?repository_url=https://registry.test/"
WIDGETS = "git+https://git.test/acme/widgets.git@7c4e2f0a9b8d6c5e4f3a2b1c0d9e8f7a6b5c4d3e"


def parse_file(path: Path) -> ParseResult:
    return GemfileLockParser().parse(read_text(path), str(path))


def parse_text(text: str) -> ParseResult:
    return GemfileLockParser().parse(text, "Gemfile.lock")


def by_purl(result: ParseResult) -> dict[str, Component]:
    return {c.purl: c for c in result.components}


def sha256(text: str) -> tuple[str, str]:
    return ("SHA-256", hashlib.sha256(text.encode()).hexdigest())


def test_parser_identity() -> None:
    parser = GemfileLockParser()
    assert (parser.format, parser.ecosystem) == ("gemfile-lock", "gem")
    assert matches(parser, PurePath("app/Gemfile.lock"))
    assert matches(parser, PurePath("app/gems.locked"))
    assert not matches(parser, PurePath("app/Gemfile"))


def test_application_lockfile() -> None:
    path = GEMFILE / "app" / "Gemfile.lock"
    result = parse_file(path)
    comps = by_purl(result)
    widgets = f"pkg:gem/widgets@0.4.0?vcs_url={WIDGETS.replace('+', '%2B').replace('@7', '%407')}"
    assert PackageURL.from_string(widgets).qualifiers == {"vcs_url": WIDGETS}
    # billing (PATH) is the project's own engine: not a component
    assert {purl: (c.direct, c.registry) for purl, c in comps.items()} == {
        widgets: (True, False),
        "pkg:gem/acme-auth@2.3.1?repository_url=https://gems.test/private/": (True, True),
        f"pkg:gem/i18n@1.14.7{TEST_SERVER}": (False, True),
        f"pkg:gem/concurrent-ruby@1.3.5{TEST_SERVER}": (False, True),
        f"pkg:gem/jwt@2.10.1{TEST_SERVER}": (False, True),
        f"pkg:gem/base64@0.2.0{TEST_SERVER}": (False, True),
        f"pkg:gem/money@6.19.0{TEST_SERVER}": (False, True),  # only the PATH gem needs it
        f"pkg:gem/nokogiri@1.18.3{TEST_SERVER}": (True, True),
        f"pkg:gem/mini_portile2@2.8.8{TEST_SERVER}": (False, True),
        f"pkg:gem/racc@1.8.1{TEST_SERVER}": (False, True),
        f"pkg:gem/rack@3.1.12{TEST_SERVER}": (True, True),
        f"pkg:gem/rspec-core@3.13.3{TEST_SERVER}": (True, True),
    }
    assert all(c.scope is None for c in result.components)
    assert comps[widgets].download_url == WIDGETS
    assert comps[widgets].dependencies == (f"pkg:gem/rack@3.1.12{TEST_SERVER}",)
    # three platform variants, one purl: dependencies and checksums of all of them
    nokogiri = comps[f"pkg:gem/nokogiri@1.18.3{TEST_SERVER}"]
    assert nokogiri.locations == (
        SourceLocation(str(path), 33),
        SourceLocation(str(path), 36),
        SourceLocation(str(path), 38),
    )
    assert nokogiri.dependencies == (
        f"pkg:gem/mini_portile2@2.8.8{TEST_SERVER}",
        f"pkg:gem/racc@1.8.1{TEST_SERVER}",
    )
    assert nokogiri.hashes == (
        sha256("nokogiri 1.18.3"),
        sha256("nokogiri 1.18.3-arm64-darwin"),
        sha256("nokogiri 1.18.3-x86_64-linux-gnu"),
    )
    assert comps[f"pkg:gem/rack@3.1.12{TEST_SERVER}"].hashes == (sha256("rack 3.1.12"),)
    assert comps[f"pkg:gem/base64@0.2.0{TEST_SERVER}"].paths == (
        (
            "pkg:gem/acme-auth@2.3.1?repository_url=https://gems.test/private/",
            f"pkg:gem/jwt@2.10.1{TEST_SERVER}",
            f"pkg:gem/base64@0.2.0{TEST_SERVER}",
        ),
    )
    assert "t0ken" not in repr(result)  # credentials in a remote never reach a report
    assert [str(d) for d in result.diagnostics] == [
        f'{path}:6: "widgets" 0.4.0 comes from the git repository {WIDGETS}, not a gem server'
    ]


def test_legacy_lockfile_with_two_remotes_and_a_plugin_source() -> None:
    path = GEMFILE / "legacy" / "Gemfile.lock"
    result = parse_file(path)
    assert [(c.purl, c.direct, c.registry) for c in result.components] == [
        (f"pkg:gem/json@1.8.6{TEST_SERVER}", True, True),  # json and json-java: one purl
        (f"pkg:gem/rake@10.5.0{TEST_SERVER}", True, True),
        (f"pkg:gem/thor@0.20.3{TEST_SERVER}", False, True),
        ("pkg:gem/hg-gem@0.1.0", True, False),
    ]
    assert result.components[3].download_url == "https://plugins.test/repo"
    assert [str(d) for d in result.diagnostics] == [
        f"{path}:1: GEM section with several remotes: its gems are attributed to the first, "
        "https://registry.test/",
        f'{path}:14: "hg-gem" 0.1.0 comes from a mercurial plugin source https://plugins.test/repo',
    ]


def test_default_gem_server_has_no_qualifier() -> None:
    host = _default_host()
    assert host is not None
    result = parse_text(
        f"GEM\n  remote: https://{host}/\n  specs:\n    Ascii85 (2.0.1)\n    rake (13.2.1)\n\n"
        "PLATFORMS\n  ruby\n\nDEPENDENCIES\n  Ascii85\n\nUNKNOWN SECTION\n  whatever\n"
    )
    # gem names keep their case
    assert [(c.purl, c.direct) for c in result.components] == [
        ("pkg:gem/Ascii85@2.0.1", True),
        ("pkg:gem/rake@13.2.1", False),
    ]
    assert [d.message for d in result.diagnostics] == ['unknown section "UNKNOWN SECTION" skipped']


def test_without_dependencies_section_direct_is_unknown() -> None:
    result = parse_text("GEM\n  remote: https://registry.test/\n  specs:\n    rake (13.2.1)\n")
    assert [(c.purl, c.direct) for c in result.components] == [
        (f"pkg:gem/rake@13.2.1{TEST_SERVER}", None)
    ]


def test_every_broken_fixture_has_a_message() -> None:
    assert BROKEN
    for folder in BROKEN:
        assert (folder / "message.txt").read_text().strip()
        assert (folder / "Gemfile.lock").is_file()


@pytest.mark.parametrize("folder", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_fixture(folder: Path) -> None:
    expected = (folder / "message.txt").read_text().strip()
    with pytest.raises(LockfileError) as caught:
        parse_file(folder / "Gemfile.lock")
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


CORPUS_CASES = sorted(p.stem for p in (CORPUS / "expected").glob("gemfile__*.json"))


@pytest.mark.parametrize("case", CORPUS_CASES or ["gemfile__absent"])
def test_corpus(corpus: Path, case: str) -> None:
    lockfile = corpus / "gemfile" / case.split("__", 1)[1] / "Gemfile.lock"
    expected = corpus / "expected" / f"{case}.json"
    if not lockfile.is_file() or not expected.is_file():
        pytest.skip(f"{case} not in the corpus")
    # the corpus writes "/" in qualifier values as %2F: compare canonical purls
    want = {
        PackageURL.from_string(c["purl"]).to_string(): (c["scope"], c["direct"])
        for c in json.loads(expected.read_text())["components"]
    }
    result = parse_file(lockfile)
    got = {c.purl: (c.scope, c.direct) for c in result.components if c.registry}
    assert got == want


def test_large_lockfiles_parse_in_linear_time() -> None:
    count = 30_000
    lines = ["GEM", "  remote: https://registry.test/", "  specs:"]
    for i in range(count):
        lines.append(f"    gem{i} (1.0.{i})")
        lines.extend(f"      gem{c} (>= 1)" for c in (2 * i + 1, 2 * i + 2) if c < count)
    lines += ["", "DEPENDENCIES", "  gem0"]
    start = time.perf_counter()
    result = parse_text("\n".join(lines) + "\n")
    elapsed = time.perf_counter() - start
    assert len(result.components) == count
    assert sum(1 for c in result.components if c.direct) == 1
    assert elapsed < 10, f"{count} gems took {elapsed:.1f}s"
