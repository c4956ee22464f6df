"""The pdm.lock parser on a PDM-written lock, edge cases and broken files."""

from __future__ import annotations

import json
from pathlib import Path, PurePath

import pytest

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, ParseResult, Scope, SourceLocation
from ospo_scan.sources import read_text
from ospo_scan.sources.base import matches
from ospo_scan.sources.pdm import PdmLockParser

from ..conftest import FIXTURES

PDM = FIXTURES / "lockfiles" / "pdm"
BROKEN = sorted(p for p in (PDM / "broken").iterdir() if p.is_dir())
REQ = Scope.REQUIRED
HEAD = '[metadata]\ngroups = ["default", "dev"]\nlock_version = "4.5.0"\n\n'


def parse_file(path: Path) -> ParseResult:
    return PdmLockParser().parse(read_text(path), str(path))


def by_purl(result: ParseResult) -> dict[str, Component]:
    return {c.purl: c for c in result.components}


def test_parser_identity() -> None:
    parser = PdmLockParser()
    assert (parser.format, parser.ecosystem, parser.patterns) == ("pdm-lock", "pypi", ("pdm.lock",))
    assert matches(parser, PurePath("proj/pdm.lock"))


def test_pdm_written_lock() -> None:
    path = PDM / "project" / "pdm.lock"
    result = parse_file(path)
    comps = by_purl(result)
    git = (
        "pkg:pypi/gitpkg@0.3.0?vcs_url="
        "git%2Bhttps://git.test/example/gitpkg.git%40104c1bab778697aa2ac2f17195ec7ffbffbd030d"
    )
    url = (
        "pkg:pypi/urlpkg@2.0.0"
        "?download_url=https://files.test/direct/urlpkg-2.0.0-py2.py3-none-any.whl"
    )
    # scope: required when "default" is among the groups; the lock cannot tell the other
    # groups (an extra, a dev group) apart, so they give no scope
    assert {purl: (c.scope, c.registry) for purl, c in comps.items()} == {
        "pkg:pypi/anyio@4.16.0": (REQ, True),
        "pkg:pypi/certifi@2026.10.19.post1": (REQ, True),
        "pkg:pypi/colorama@0.4.6": (REQ, True),
        "pkg:pypi/exceptiongroup@1.3.2": (REQ, True),
        git: (REQ, False),
        "pkg:pypi/h11@0.16.0": (REQ, True),
        "pkg:pypi/httpcore@1.0.9": (REQ, True),
        "pkg:pypi/httpx@0.28.1": (REQ, True),  # plain + [socks] tables: one component
        "pkg:pypi/idna@3.20": (REQ, True),
        "pkg:pypi/iniconfig@2.3.1": (None, True),  # only the "test" group
        "pkg:pypi/localpkg@0.9.0": (REQ, False),
        "pkg:pypi/six@1.17.0": (REQ, True),
        "pkg:pypi/socksio@1.0.0": (REQ, True),
        "pkg:pypi/tomli-w@1.2.0": (None, True),  # groups "lint" and "toml"
        "pkg:pypi/typing-extensions@4.16.0": (REQ, True),
        url: (REQ, False),
    }
    assert all(c.direct is None for c in comps.values())
    httpx = comps["pkg:pypi/httpx@0.28.1"]
    # the [socks] table adds socksio; its "httpx==0.28.1" self-reference is dropped
    assert httpx.dependencies == (
        "pkg:pypi/anyio@4.16.0",
        "pkg:pypi/certifi@2026.10.19.post1",
        "pkg:pypi/httpcore@1.0.9",
        "pkg:pypi/idna@3.20",
        "pkg:pypi/socksio@1.0.0",
    )
    assert httpx.locations == (SourceLocation(str(path), 103), SourceLocation(str(path), 120))
    assert httpx.hashes == (
        ("sha256", "d909fcccc110f8c7faf814ca82a9a4d816bc5a6dbfea25d6591d6985b8ba59ad"),
        ("sha256", "75e98c5f16b0f35b567856f597f06ff2270a374470a5c2392242528e3e3e42fc"),
    )
    assert comps[git].download_url == (
        "git+https://git.test/example/gitpkg.git@104c1bab778697aa2ac2f17195ec7ffbffbd030d"
    )
    assert [str(d) for d in result.diagnostics] == [
        f'{path}:65: "gitpkg" 0.3.0 comes from git source '
        "git+https://git.test/example/gitpkg.git@104c1bab778697aa2ac2f17195ec7ffbffbd030d, "
        "not from a package index",
        f'{path}:158: "localpkg" 0.9.0 comes from path ./libs/localpkg, not from a package index',
        f'{path}:213: "urlpkg" 2.0.0 comes from '
        "https://files.test/direct/urlpkg-2.0.0-py2.py3-none-any.whl, not from a package index",
    ]


def test_self_install_is_skipped_and_exact_pins_pick_a_version() -> None:
    text = HEAD + (
        '[[package]]\nname = "my-app"\nversion = "0.1.0"\npath = "."\neditable = true\n'
        'groups = ["dev"]\ndependencies = ["Lib_A==1.0"]\n\n'
        '[[package]]\nname = "lib-a"\nversion = "1.0"\ngroups = ["default"]\n\n'
        '[[package]]\nname = "lib-a"\nversion = "2.0"\ngroups = ["dev"]\n\n'
        '[[package]]\nname = "tool"\nversion = "3.0"\ngroups = ["dev"]\n'
        'dependencies = ["lib-a==2.0; python_version >= \\"3.12\\"", "missing>=1"]\n'
    )
    result = PdmLockParser().parse(text, "pdm.lock")
    comps = by_purl(result)
    assert list(comps) == ["pkg:pypi/lib-a@1.0", "pkg:pypi/lib-a@2.0", "pkg:pypi/tool@3.0"]
    assert comps["pkg:pypi/tool@3.0"].dependencies == ("pkg:pypi/lib-a@2.0",)
    assert result.diagnostics == ()


def test_every_broken_fixture_has_a_message() -> None:
    assert BROKEN
    for folder in BROKEN:
        assert (folder / "message.txt").read_text().strip()
        assert (folder / "pdm.lock").is_file()


@pytest.mark.parametrize("folder", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_fixture(folder: Path) -> None:
    expected = (folder / "message.txt").read_text().strip()
    with pytest.raises(LockfileError) as caught:
        parse_file(folder / "pdm.lock")
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_corpus(corpus: Path) -> None:
    lockfile = corpus / "pdm" / "pdm-project__pdm" / "pdm.lock"
    expected = corpus / "expected" / "pdm__pdm-project__pdm.json"
    if not lockfile.is_file() or not expected.is_file():
        pytest.skip("pdm sample not in the corpus")
    want = {
        c["purl"]: (c["scope"], c["direct"]) for c in json.loads(expected.read_text())["components"]
    }
    result = parse_file(lockfile)
    got = {c.purl: (c.scope, c.direct) for c in result.components if c.registry}
    assert got == want
