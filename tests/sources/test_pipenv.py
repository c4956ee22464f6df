"""The Pipfile.lock parser on a pipenv-written lock, hand-made edge cases and broken files."""

from __future__ import annotations

import json
from pathlib import Path, PurePath
from typing import Any

import pytest

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, ParseResult, Scope, SourceLocation
from ospo_scan.sources import read_text
from ospo_scan.sources.base import matches
from ospo_scan.sources.pipenv import PipfileLockParser
from ospo_scan.sources.python import default_index_url

from ..conftest import FIXTURES

PIPENV = FIXTURES / "lockfiles" / "pipenv"
BROKEN = sorted(p for p in (PIPENV / "broken").iterdir() if p.is_dir())
REQ, DEV = Scope.REQUIRED, Scope.DEV
INDEX = "?repository_url=https://pypi.test/simple"


def parse_file(path: Path) -> ParseResult:
    return PipfileLockParser().parse(read_text(path), str(path))


def parse_data(data: dict[str, Any]) -> ParseResult:
    return PipfileLockParser().parse(json.dumps(data, indent=4), "Pipfile.lock")


def by_purl(result: ParseResult) -> dict[str, Component]:
    return {c.purl: c for c in result.components}


def test_parser_identity() -> None:
    parser = PipfileLockParser()
    assert (parser.format, parser.ecosystem, parser.patterns) == (
        "pipfile-lock",
        "pypi",
        ("Pipfile.lock",),
    )
    assert matches(parser, PurePath("svc/Pipfile.lock"))
    assert not matches(parser, PurePath("svc/Pipfile"))


def test_pipenv_written_lock() -> None:
    path = PIPENV / "project" / "Pipfile.lock"
    result = parse_file(path)
    comps = by_purl(result)
    git = (
        "pkg:pypi/gitpkg?vcs_url="
        "git%2Bhttps://git.test/example/gitpkg.git%40104c1bab778697aa2ac2f17195ec7ffbffbd030d"
    )
    # the lock's only source is https://pypi.test/simple, not the default index: every
    # index package names it
    assert {purl: (c.scope, c.registry) for purl, c in comps.items()} == {
        f"pkg:pypi/anyio@4.16.0{INDEX}": (REQ, True),
        f"pkg:pypi/certifi@2026.10.19.post1{INDEX}": (REQ, True),
        f"pkg:pypi/colorama@0.4.6{INDEX}": (REQ, True),
        git: (REQ, False),
        f"pkg:pypi/h11@0.16.0{INDEX}": (REQ, True),
        f"pkg:pypi/httpcore@1.0.9{INDEX}": (REQ, True),
        f"pkg:pypi/httpx@0.28.1{INDEX}": (REQ, True),  # extras ["socks"]: same purl
        f"pkg:pypi/idna@3.20{INDEX}": (REQ, True),  # default and develop: required wins
        "pkg:pypi/localpkg": (REQ, False),
        f"pkg:pypi/six@1.17.0{INDEX}": (REQ, True),
        f"pkg:pypi/socksio@1.0.0{INDEX}": (REQ, True),
        f"pkg:pypi/typing-extensions@4.16.0{INDEX}": (REQ, True),
        f"pkg:pypi/iniconfig@2.3.1{INDEX}": (DEV, True),
        f"pkg:pypi/tomli-w@1.2.0{INDEX}": (DEV, True),  # the custom "docs" category
    }
    assert all(c.direct is None and c.dependencies == () for c in comps.values())
    six = comps[f"pkg:pypi/six@1.17.0{INDEX}"]
    assert six.locations == (
        SourceLocation(str(path), 84, key='default["six"]'),
        SourceLocation(str(path), 127, key='develop["six"]'),
    )
    assert six.hashes == (
        ("sha256", "4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274"),
        ("sha256", "ff70335d468e7eb6ec65b95b99d3a2836546063f63acc5171de367e834932a81"),
    )
    assert comps[git].download_url == (
        "git+https://git.test/example/gitpkg.git@104c1bab778697aa2ac2f17195ec7ffbffbd030d"
    )
    assert [str(d) for d in result.diagnostics] == [
        f'{path}:42: "gitpkg" comes from '
        "git+https://git.test/example/gitpkg.git@104c1bab778697aa2ac2f17195ec7ffbffbd030d, "
        "not from a package index",
        f'{path}:81: "localpkg" comes from the local path ./libs/localpkg, '
        "not from a package index",
    ]


def test_different_versions_in_default_and_develop_are_two_components() -> None:
    result = parse_data(
        {
            "_meta": {"sources": [{"name": "internal", "url": "https://ci:tok@pypi.test/simple"}]},
            "default": {"Typing_Extensions": {"version": "==4.16.0"}},
            "develop": {"typing-extensions": {"version": "==4.12.2", "index": "internal"}},
        }
    )
    assert [(c.purl, c.scope) for c in result.components] == [
        (f"pkg:pypi/typing-extensions@4.16.0{INDEX}", REQ),
        (f"pkg:pypi/typing-extensions@4.12.2{INDEX}", DEV),
    ]
    assert "tok" not in repr(result)


def test_default_index_has_no_qualifier_and_the_project_folder_is_skipped() -> None:
    default = default_index_url()
    assert default is not None
    result = parse_data(
        {
            "_meta": {
                "sources": [
                    {"name": "pypi", "url": default},
                    {"name": "extra", "url": "https://pypi.test/simple"},
                ]
            },
            "default": {
                "six": {"version": "==1.17.0"},
                "private": {"version": "===1.0", "index": "extra"},
                "demo": {"path": ".", "editable": True},
                "archive": {"file": "https://files.test/archive-2.0.tar.gz"},
            },
        }
    )
    assert [(c.purl, c.registry) for c in result.components] == [
        ("pkg:pypi/six@1.17.0", True),
        (f"pkg:pypi/private@1.0{INDEX}", True),
        ("pkg:pypi/archive?download_url=https://files.test/archive-2.0.tar.gz", False),
    ]
    assert len(result.diagnostics) == 1


def test_every_broken_fixture_has_a_message() -> None:
    assert BROKEN
    for folder in BROKEN:
        assert (folder / "message.txt").read_text().strip()
        assert (folder / "Pipfile.lock").is_file()


@pytest.mark.parametrize("folder", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_fixture(folder: Path) -> None:
    expected = (folder / "message.txt").read_text().strip()
    with pytest.raises(LockfileError) as caught:
        parse_file(folder / "Pipfile.lock")
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_corpus(corpus: Path) -> None:
    lockfile = corpus / "pipfile" / "pypa__pipenv" / "Pipfile.lock"
    expected = corpus / "expected" / "pipfile__pypa__pipenv.json"
    if not lockfile.is_file() or not expected.is_file():
        pytest.skip("pipenv sample not in the corpus")
    want = {
        c["purl"]: (c["scope"], c["direct"]) for c in json.loads(expected.read_text())["components"]
    }
    result = parse_file(lockfile)
    got = {c.purl: (c.scope, c.direct) for c in result.components if c.registry}
    assert got == want
