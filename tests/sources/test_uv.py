"""The uv.lock parser on uv-written projects and workspaces, edge cases and broken files."""

from __future__ import annotations

import json
import time
from pathlib import Path, PurePath

import pytest

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, ParseResult, Scope, SourceLocation
from ospo_scan.sources import read_text
from ospo_scan.sources.base import matches
from ospo_scan.sources.python import default_index_url
from ospo_scan.sources.uv import UvLockParser

from ..conftest import FIXTURES

UV = FIXTURES / "lockfiles" / "uv"
BROKEN = sorted(p for p in (UV / "broken").iterdir() if p.is_dir())
REQ, OPT, DEV = Scope.REQUIRED, Scope.OPTIONAL, Scope.DEV
INDEX = "?repository_url=https://pypi.test/simple"
HEAD = 'version = 1\nrevision = 3\nrequires-python = ">=3.10"\n\n'
TEST_INDEX = '{ registry = "https://pypi.test/simple" }'


def parse_file(path: Path) -> ParseResult:
    return UvLockParser().parse(read_text(path), str(path))


def parse_text(text: str) -> ParseResult:
    return UvLockParser().parse(HEAD + text, "uv.lock")


def package(name: str, version: str, source: str) -> str:
    return f'[[package]]\nname = "{name}"\nversion = "{version}"\nsource = {source}\n\n'


def by_purl(result: ParseResult) -> dict[str, Component]:
    return {c.purl: c for c in result.components}


def default_index() -> str:
    url = default_index_url()
    assert url is not None
    return url


def test_parser_identity() -> None:
    parser = UvLockParser()
    assert (parser.format, parser.ecosystem, parser.patterns) == ("uv-lock", "pypi", ("uv.lock",))
    assert matches(parser, PurePath("x/uv.lock"))


def test_project_with_extras_groups_and_a_forked_resolution() -> None:
    path = UV / "project" / "uv.lock"
    result = parse_file(path)
    comps = by_purl(result)
    # demo-app (editable ".") is the project itself: not a component
    assert {purl: (c.scope, c.direct) for purl, c in comps.items()} == {
        f"pkg:pypi/anyio@4.12.1{INDEX}": (REQ, False),
        f"pkg:pypi/anyio@4.16.0{INDEX}": (REQ, False),
        f"pkg:pypi/certifi@2026.10.19.post1{INDEX}": (REQ, False),
        f"pkg:pypi/exceptiongroup@1.3.2{INDEX}": (REQ, False),
        f"pkg:pypi/h11@0.16.0{INDEX}": (REQ, False),
        "pkg:pypi/helper@1.0.0": (REQ, True),
        f"pkg:pypi/httpcore@1.0.9{INDEX}": (REQ, False),
        f"pkg:pypi/httpx@0.28.1{INDEX}": (REQ, True),
        f"pkg:pypi/idna@3.7{INDEX}": (REQ, True),  # two versions, one per Python range
        f"pkg:pypi/idna@3.20{INDEX}": (REQ, True),
        f"pkg:pypi/iniconfig@2.1.0{INDEX}": (DEV, True),
        f"pkg:pypi/iniconfig@2.3.1{INDEX}": (DEV, True),
        f"pkg:pypi/six@1.17.0{INDEX}": (REQ, True),  # "lint" group, and required by helper
        f"pkg:pypi/socksio@1.0.0{INDEX}": (REQ, False),  # httpx[socks]: the extra is required
        f"pkg:pypi/tomli-w@1.2.0{INDEX}": (OPT, True),  # the "toml" extra and the lint group
        f"pkg:pypi/typing-extensions@4.16.0{INDEX}": (REQ, False),
    }
    httpx = comps[f"pkg:pypi/httpx@0.28.1{INDEX}"]
    assert httpx.dependencies == tuple(
        f"pkg:pypi/{dep}{INDEX}"
        for dep in (
            "anyio@4.12.1",
            "anyio@4.16.0",
            "certifi@2026.10.19.post1",
            "httpcore@1.0.9",
            "idna@3.7",
            "idna@3.20",
            "socksio@1.0.0",  # through the socks extra the project asked for
        )
    )
    assert httpx.hashes == (
        ("sha256", "75e98c5f16b0f35b567856f597f06ff2270a374470a5c2392242528e3e3e42fc"),
        ("sha256", "d909fcccc110f8c7faf814ca82a9a4d816bc5a6dbfea25d6591d6985b8ba59ad"),
    )
    assert comps[f"pkg:pypi/socksio@1.0.0{INDEX}"].paths == (
        (f"pkg:pypi/httpx@0.28.1{INDEX}", f"pkg:pypi/socksio@1.0.0{INDEX}"),
    )
    helper = comps["pkg:pypi/helper@1.0.0"]
    assert helper.registry is False and helper.download_url is None
    assert helper.locations == (SourceLocation(str(path), 115),)
    assert [str(d) for d in result.diagnostics] == [
        f'{path}:115: "helper" 1.0.0 comes from directory libs/helper, not from a package index'
    ]


def test_workspace_members_git_url_and_path_sources() -> None:
    path = UV / "workspace" / "uv.lock"
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
    # ws-app and the member "worker" are the project: not components
    assert {purl: (c.scope, c.direct, c.registry) for purl, c in comps.items()} == {
        f"pkg:pypi/attrs@26.1.0{INDEX}": (REQ, True, True),
        f"pkg:pypi/click@8.5.1{INDEX}": (OPT, True, True),
        f"pkg:pypi/colorama@0.4.6{INDEX}": (REQ, True, True),  # the member's own dependency
        "pkg:pypi/filepkg@1.1.0": (REQ, True, False),
        git: (REQ, True, False),
        f"pkg:pypi/iniconfig@2.3.1{INDEX}": (DEV, True, True),
        f"pkg:pypi/six@1.17.0{INDEX}": (REQ, True, True),  # worker's dev group + gitpkg's dep
        url: (REQ, True, False),
    }
    assert comps[git].download_url == (
        "git+https://git.test/example/gitpkg.git@104c1bab778697aa2ac2f17195ec7ffbffbd030d"
    )
    assert comps[git].dependencies == (f"pkg:pypi/six@1.17.0{INDEX}",)
    assert comps[url].download_url == (
        "https://files.test/direct/urlpkg-2.0.0-py2.py3-none-any.whl"
    )
    assert comps["pkg:pypi/filepkg@1.1.0"].hashes == (
        ("sha256", "9ee619a6de5a197e4de9826bb75db756eddc515092710e968a42266befaa8292"),
    )
    assert [d.location.line for d in result.diagnostics] == [38, 46, 72]


def test_default_index_and_credentials() -> None:
    result = parse_text(
        package("Six", "1.17.0", f'{{ registry = "{default_index()}" }}')
        + package("private", "1.0", '{ registry = "https://ci:tok@pypi.test/simple/" }')
    )
    assert [c.purl for c in result.components] == [
        "pkg:pypi/six@1.17.0",
        f"pkg:pypi/private@1.0{INDEX}",
    ]
    # no editable or virtual root: nothing says what the project declares
    assert all(c.direct is None and c.scope is None for c in result.components)
    assert "tok" not in repr(result)


def test_virtual_root_local_registry_and_non_member_editable() -> None:
    result = parse_text(
        '[[package]]\nname = "root"\nsource = { virtual = "." }\ndependencies = [\n'
        '    { name = "wheelhouse-pkg" },\n    { name = "sibling" },\n]\n\n'
        '[[package]]\nname = "wheelhouse-pkg"\nversion = "0.1"\n'
        'source = { registry = "../wheelhouse" }\n\n'
        '[[package]]\nname = "sibling"\nversion = "2.0"\nsource = { editable = "../sibling" }\n'
        'dependencies = [{ name = "leaf", extra = ["Fast_Mode"] }]\n\n'
        + package("leaf", "1.0", TEST_INDEX)
        + '[package.optional-dependencies]\nfast-mode = [{ name = "speedup" }]\n\n'
        + package("speedup", "3.0", TEST_INDEX)
    )
    comps = by_purl(result)
    assert {purl: (c.scope, c.direct, c.registry) for purl, c in comps.items()} == {
        "pkg:pypi/wheelhouse-pkg@0.1": (REQ, True, False),
        "pkg:pypi/sibling@2.0": (REQ, True, False),
        f"pkg:pypi/leaf@1.0{INDEX}": (REQ, False, True),
        f"pkg:pypi/speedup@3.0{INDEX}": (REQ, False, True),  # via leaf[Fast_Mode]
    }
    assert [d.message for d in result.diagnostics] == [
        '"wheelhouse-pkg" 0.1 comes from the local directory ../wheelhouse, '
        "not from a package index",
        '"sibling" 2.0 comes from editable ../sibling, not from a package index',
    ]


def test_every_broken_fixture_has_a_message() -> None:
    assert BROKEN
    for folder in BROKEN:
        assert (folder / "message.txt").read_text().strip()
        assert (folder / "uv.lock").is_file()


@pytest.mark.parametrize("folder", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_fixture(folder: Path) -> None:
    expected = (folder / "message.txt").read_text().strip()
    with pytest.raises(LockfileError) as caught:
        parse_file(folder / "uv.lock")
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_corpus(corpus: Path) -> None:
    lockfile = corpus / "uv" / "pallets__flask" / "uv.lock"
    expected = corpus / "expected" / "uv__pallets__flask.json"
    if not lockfile.is_file() or not expected.is_file():
        pytest.skip("uv sample not in the corpus")
    want = {
        c["purl"]: (c["scope"], c["direct"]) for c in json.loads(expected.read_text())["components"]
    }
    result = parse_file(lockfile)
    got = {c.purl: (c.scope, c.direct) for c in result.components if c.registry}
    assert got == want


def test_large_graphs_parse_in_linear_time() -> None:
    count = 20_000
    parts = [
        '[[package]]\nname = "root"\nversion = "0.1"\nsource = { editable = "." }\n'
        'dependencies = [{ name = "p0" }]\n\n'
    ]
    for i in range(count):
        children = [c for c in (2 * i + 1, 2 * i + 2) if c < count]
        deps = ", ".join(f'{{ name = "p{c}" }}' for c in children)
        parts.append(
            f'[[package]]\nname = "p{i}"\nversion = "1.0"\n'
            f'source = {{ registry = "https://pypi.test/simple" }}\ndependencies = [{deps}]\n\n'
        )
    start = time.perf_counter()
    result = parse_text("".join(parts))
    elapsed = time.perf_counter() - start
    assert len(result.components) == count
    assert all(c.scope is REQ for c in result.components)
    assert elapsed < 10, f"{count} packages took {elapsed:.1f}s"
