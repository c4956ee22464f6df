"""The poetry.lock parser on lock-version 1.1, 2.0 and 2.1 files and on broken ones."""

from __future__ import annotations

import json
from pathlib import Path, PurePath

import pytest

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, ParseResult, Scope, SourceLocation
from ospo_scan.sources import read_text
from ospo_scan.sources.base import matches
from ospo_scan.sources.poetry import PoetryLockParser
from ospo_scan.sources.python import default_index_url

from ..conftest import FIXTURES

POETRY = FIXTURES / "lockfiles" / "poetry"
BROKEN = sorted(p for p in (POETRY / "broken").iterdir() if p.is_dir())
REQ, OPT, DEV = Scope.REQUIRED, Scope.OPTIONAL, Scope.DEV
GIT_PURL = (
    "pkg:pypi/gitpkg@0.3.0?vcs_url="
    "git%2Bhttps://git.test/example/gitpkg.git%40104c1bab778697aa2ac2f17195ec7ffbffbd030d"
)


def parse_file(path: Path) -> ParseResult:
    return PoetryLockParser().parse(read_text(path), str(path))


def by_purl(result: ParseResult) -> dict[str, Component]:
    return {c.purl: c for c in result.components}


def test_parser_identity() -> None:
    parser = PoetryLockParser()
    assert (parser.format, parser.ecosystem, parser.patterns) == (
        "poetry-lock",
        "pypi",
        ("poetry.lock",),
    )
    assert matches(parser, PurePath("app/poetry.lock"))
    assert not matches(parser, PurePath("app/pyproject.toml"))


def test_lock_version_1_1() -> None:
    path = POETRY / "lock-1.1" / "poetry.lock"
    result = parse_file(path)
    comps = by_purl(result)
    assert {purl: c.scope for purl, c in comps.items()} == {
        "pkg:pypi/anyio@4.12.1": REQ,
        "pkg:pypi/exceptiongroup@1.3.2": REQ,
        GIT_PURL: REQ,
        "pkg:pypi/idna@3.7": REQ,
        "pkg:pypi/idna@3.20": REQ,
        "pkg:pypi/iniconfig@2.1.0": DEV,
        # a package from a private "legacy" index keeps its name, with the index named
        "pkg:pypi/internal-tools@1.4.0?repository_url=https://pypi.internal.test/simple": REQ,
        "pkg:pypi/six@1.17.0": DEV,
        "pkg:pypi/tomli-w@1.2.0": OPT,  # category main + optional = true
        "pkg:pypi/typing-extensions@4.16.0": REQ,
    }
    assert all(c.direct is None for c in comps.values())
    # [metadata.files] lists both idna versions together: each keeps its own files
    assert comps["pkg:pypi/idna@3.7"].hashes == (
        ("sha256", "82fee1fc78add43492d3a1898bfa6d8a904cc97d8427f683ed8e798d07761aa0"),
        ("sha256", "028ff3aadf0609c1fd278d8ea3089299412a7a8b9bd005dd08b9f8285bcb5cfc"),
    )
    assert len(comps["pkg:pypi/idna@3.20"].hashes) == 2
    # "idna = '>=2.8'" with two idna versions locked: both are dependencies
    assert comps["pkg:pypi/anyio@4.12.1"].dependencies == (
        "pkg:pypi/exceptiongroup@1.3.2",
        "pkg:pypi/idna@3.7",
        "pkg:pypi/idna@3.20",
        "pkg:pypi/typing-extensions@4.16.0",
    )
    internal = comps[
        "pkg:pypi/internal-tools@1.4.0?repository_url=https://pypi.internal.test/simple"
    ]
    assert internal.name == "internal-tools"
    assert internal.dependencies == ("pkg:pypi/tomli-w@1.2.0",)  # "tomli.w" normalized
    git = comps[GIT_PURL]
    assert git.registry is False
    assert git.download_url == (
        "git+https://git.test/example/gitpkg.git@104c1bab778697aa2ac2f17195ec7ffbffbd030d"
    )
    assert git.locations == (SourceLocation(str(path), 31),)
    assert [str(d) for d in result.diagnostics] == [
        f'{path}:31: "gitpkg" 0.3.0 comes from git source '
        "git+https://git.test/example/gitpkg.git@104c1bab778697aa2ac2f17195ec7ffbffbd030d, "
        "not from a package index"
    ]
    assert "s3cret" not in repr(result)


def test_lock_version_2_1() -> None:
    path = POETRY / "lock-2.1" / "poetry.lock"
    result = parse_file(path)
    comps = by_purl(result)
    assert {purl: (c.scope, c.registry) for purl, c in comps.items()} == {
        "pkg:pypi/anyio@4.16.0": (REQ, True),
        "pkg:pypi/filepkg@1.1.0": (REQ, False),
        "pkg:pypi/idna@3.20": (REQ, True),  # groups ["main", "dev"]: main wins
        "pkg:pypi/iniconfig@2.3.1": (DEV, True),
        "pkg:pypi/localpkg@0.9.0": (REQ, False),
        "pkg:pypi/six@1.17.0": (REQ, True),
        "pkg:pypi/socksio@1.0.0?repository_url=https://pypi.test/simple": (OPT, True),
        "pkg:pypi/tomli-w@1.2.0": (DEV, True),  # only the "docs" group
        "pkg:pypi/typing-extensions@4.16.0": (REQ, True),
        "pkg:pypi/urlpkg@2.0.0"
        "?download_url=https://files.test/direct/urlpkg-2.0.0-py2.py3-none-any.whl": (REQ, False),
    }
    assert comps["pkg:pypi/anyio@4.16.0"].hashes == (
        ("sha256", "c66ae634e0b8228396b801741beb3294326d4b6102f7bba4041c0dfb58c29026"),
        ("sha256", "59bb03251907983d1603d27c3087ddb1e93299ea2163adcdba37899a4fb12ffb"),
    )
    assert comps["pkg:pypi/localpkg@0.9.0"].dependencies == ("pkg:pypi/six@1.17.0",)
    assert comps["pkg:pypi/localpkg@0.9.0"].download_url is None
    assert [str(d) for d in result.diagnostics] == [
        f'{path}:22: "filepkg" 1.1.0 comes from file source '
        "wheels/filepkg-1.1.0-py2.py3-none-any.whl, not from a package index",
        f'{path}:61: "localpkg" 0.9.0 comes from directory source libs/localpkg, '
        "not from a package index",
        f'{path}:133: "urlpkg" 2.0.0 comes from url source '
        "https://files.test/direct/urlpkg-2.0.0-py2.py3-none-any.whl, not from a package index",
    ]


def test_lock_version_2_0_has_no_groups() -> None:
    comps = by_purl(parse_file(POETRY / "lock-2.0" / "poetry.lock"))
    # Poetry 1.5-1.8 dropped "category" before adding "groups": main or dev is unknown,
    # but optional = true still means "only for an extra"
    assert {purl: c.scope for purl, c in comps.items()} == {
        "pkg:pypi/six@1.17.0": None,
        "pkg:pypi/tomli-w@1.2.0": OPT,
    }


def test_default_index_source_and_empty_lock() -> None:
    default = default_index_url()
    assert default is not None
    text = (
        '[[package]]\nname = "six"\nversion = "1.17.0"\noptional = false\n'
        'python-versions = "*"\ngroups = ["main"]\nfiles = []\n\n'
        f'[package.source]\ntype = "legacy"\nurl = "{default}/"\nreference = "pypi"\n\n'
        '[metadata]\nlock-version = "2.1"\n'
    )
    result = PoetryLockParser().parse(text, "poetry.lock")
    assert [c.purl for c in result.components] == ["pkg:pypi/six@1.17.0"]
    empty = PoetryLockParser().parse('package = []\n\n[metadata]\nlock-version = "2.1"\n', "p")
    assert empty.components == ()


def test_every_broken_fixture_has_a_message() -> None:
    assert BROKEN
    for folder in BROKEN:
        assert (folder / "message.txt").read_text().strip()
        assert (folder / "poetry.lock").is_file()


@pytest.mark.parametrize("folder", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_fixture(folder: Path) -> None:
    expected = (folder / "message.txt").read_text().strip()
    with pytest.raises(LockfileError) as caught:
        parse_file(folder / "poetry.lock")
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("folder", ["poetry", "poetry-legacy"])
def test_corpus(corpus: Path, folder: str) -> None:
    lockfile = corpus / folder / "python-poetry__poetry" / "poetry.lock"
    expected = corpus / "expected" / f"{folder}__python-poetry__poetry.json"
    if not lockfile.is_file() or not expected.is_file():
        pytest.skip("poetry sample not in the corpus")
    want = {
        c["purl"]: (c["scope"], c["direct"]) for c in json.loads(expected.read_text())["components"]
    }
    result = parse_file(lockfile)
    got = {c.purl: (c.scope, c.direct) for c in result.components if c.registry}
    assert got == want
