"""The requirements-file parser on pip-compile / uv output, hand-written files and broken ones."""

from __future__ import annotations

import json
import time
from pathlib import Path, PurePath

import pytest

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, ParseResult, SourceLocation
from ospo_scan.sources import read_text
from ospo_scan.sources.base import matches
from ospo_scan.sources.requirements import RequirementsParser

from ..conftest import FIXTURES

REQUIREMENTS = FIXTURES / "lockfiles" / "requirements"
BROKEN = sorted(p for p in (REQUIREMENTS / "broken").iterdir() if p.is_dir())
NOT_PINNED = "is not pinned (expected name==version)"


def parse_file(path: Path) -> ParseResult:
    return RequirementsParser().parse(read_text(path), str(path))


def parse_text(tmp_path: Path, text: str, name: str = "requirements.txt") -> ParseResult:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return parse_file(path)


def by_purl(result: ParseResult) -> dict[str, Component]:
    return {c.purl: c for c in result.components}


def messages(result: ParseResult) -> list[str]:
    return [str(d) for d in result.diagnostics]


# -- identity and discovery --------------------------------------------------------------------


def test_parser_identity() -> None:
    parser = RequirementsParser()
    assert parser.format == "requirements"
    assert parser.ecosystem == "pypi"


@pytest.mark.parametrize(
    ("name", "claimed"),
    [
        ("requirements.txt", True),
        ("requirements-dev.txt", True),
        ("requirements_test.txt", True),
        ("dev-requirements.txt", True),
        ("test_requirements.txt", True),
        ("requirements/main.txt", True),
        ("project/requirements/docs.txt", True),
        ("constraints.txt", False),
        ("requirements.in", False),
        ("requirements/main.in", False),
        ("notes.txt", False),
    ],
)
def test_patterns(name: str, claimed: bool) -> None:
    assert matches(RequirementsParser(), PurePath(name)) is claimed


# -- pip-compile output ------------------------------------------------------------------------


def test_pip_compile_with_hashes_marks_direct_and_builds_the_graph() -> None:
    result = parse_file(REQUIREMENTS / "pip-compile" / "requirements" / "main.txt")
    comps = by_purl(result)
    assert {purl: c.direct for purl, c in comps.items()} == {
        "pkg:pypi/anyio@4.16.0": False,
        "pkg:pypi/certifi@2026.10.19.post1": False,
        "pkg:pypi/click@8.5.1": True,
        "pkg:pypi/h11@0.16.0": False,
        "pkg:pypi/httpcore@1.0.9": False,
        "pkg:pypi/httpx@0.28.1": True,  # written httpx[socks]==0.28.1: extras are not in the purl
        "pkg:pypi/idna@3.14": False,  # "# via -c constraints.txt" + parents: not direct
        "pkg:pypi/socksio@1.0.0": False,
        "pkg:pypi/typing-extensions@4.16.0": False,
        "pkg:pypi/setuptools@84.2.1": True,  # the "unsafe" section is ordinary pins
    }
    assert result.diagnostics == ()
    assert all(c.scope is None and c.registry and c.ecosystem == "pypi" for c in comps.values())
    httpx = comps["pkg:pypi/httpx@0.28.1"]
    assert httpx.name == "httpx" and httpx.version == "0.28.1"
    assert httpx.hashes == (
        ("sha256", "75e98c5f16b0f35b567856f597f06ff2270a374470a5c2392242528e3e3e42fc"),
        ("sha256", "d909fcccc110f8c7faf814ca82a9a4d816bc5a6dbfea25d6591d6985b8ba59ad"),
    )
    assert httpx.dependencies == (
        "pkg:pypi/anyio@4.16.0",
        "pkg:pypi/certifi@2026.10.19.post1",
        "pkg:pypi/httpcore@1.0.9",
        "pkg:pypi/idna@3.14",
        "pkg:pypi/socksio@1.0.0",
    )
    assert comps["pkg:pypi/typing-extensions@4.16.0"].paths == (
        ("pkg:pypi/httpx@0.28.1", "pkg:pypi/anyio@4.16.0", "pkg:pypi/typing-extensions@4.16.0"),
    )
    assert comps["pkg:pypi/anyio@4.16.0"].locations == (
        SourceLocation(str(REQUIREMENTS / "pip-compile" / "requirements" / "main.txt"), 11),
    )


def test_pip_compile_line_style_annotations() -> None:
    result = parse_file(REQUIREMENTS / "pip-compile" / "requirements" / "dev.txt")
    comps = by_purl(result)
    assert {purl: c.direct for purl, c in comps.items()} == {
        "pkg:pypi/iniconfig@2.3.1": False,
        "pkg:pypi/packaging@26.4": False,
        "pkg:pypi/pluggy@1.7.0": False,
        "pkg:pypi/pygments@2.21.0": False,
        "pkg:pypi/pytest@9.2.0": True,
    }
    assert comps["pkg:pypi/pytest@9.2.0"].dependencies == (
        "pkg:pypi/iniconfig@2.3.1",
        "pkg:pypi/packaging@26.4",
        "pkg:pypi/pluggy@1.7.0",
        "pkg:pypi/pygments@2.21.0",
    )
    assert comps["pkg:pypi/pluggy@1.7.0"].paths == (
        ("pkg:pypi/pytest@9.2.0", "pkg:pypi/pluggy@1.7.0"),
    )


def test_uv_pip_compile_from_pyproject() -> None:
    path = REQUIREMENTS / "uv-compile" / "requirements.txt"
    result = parse_file(path)
    comps = by_purl(result)
    direct = sorted(purl for purl, c in comps.items() if c.direct)
    # "# via demo-app (pyproject.toml)": the project's own metadata asked for these
    assert direct == [
        "pkg:pypi/httpx@0.28.1",
        "pkg:pypi/idna@3.20",
        "pkg:pypi/tomli-w@1.2.0",
    ]
    assert len(comps) == 10
    # six is required by the local path package "helper", which is no component
    assert comps["pkg:pypi/six@1.17.0"].direct is False
    assert comps["pkg:pypi/six@1.17.0"].paths == ()
    assert messages(result) == [f'{path}:16: "libs/helper" {NOT_PINNED}']


# -- a hand-written file with includes, options and every kind of line ------------------------


def test_hand_written_requirements(monkeypatch: pytest.MonkeyPatch) -> None:
    folder = REQUIREMENTS / "hand-written"
    monkeypatch.chdir(folder)  # relative paths in messages, as a user running in the folder sees
    result = parse_file(Path("requirements.txt"))
    comps = by_purl(result)
    assert list(comps) == [
        "pkg:pypi/django@4.2.11",
        "pkg:pypi/celery@5.3.6",
        "pkg:pypi/zope-interface@6.2",
        "pkg:pypi/numpy@1.24.4",
        "pkg:pypi/numpy@1.26.4",
        "pkg:pypi/attrs@23.2.0",
        "pkg:pypi/idna@3.7",
        "pkg:pypi/private-lib@2.1.0"
        "?download_url=https://files.test/private/private_lib-2.1.0-py3-none-any.whl",
        "pkg:pypi/simplejson@3.19.2"
        "?download_url=https://files.test/archive/simplejson-3.19.2.tar.gz",
        "pkg:pypi/gitpkg?vcs_url=git%2Bhttps://git.test/example/gitpkg.git%40v0.3.0",
        "pkg:pypi/dev-tool?vcs_url=git%2Bhttps://git.test/example/tool.git%404f2a9c1",
        "pkg:pypi/six@1.16.0",
        "pkg:pypi/pyyaml@6.0.1",
    ]
    # no pip-compile annotations at all: the file cannot tell direct from transitive
    assert all(c.direct is None and c.scope is None for c in comps.values())
    registry = {purl for purl, c in comps.items() if c.registry}
    assert len(registry) == 9
    private = comps[
        "pkg:pypi/private-lib@2.1.0"
        "?download_url=https://files.test/private/private_lib-2.1.0-py3-none-any.whl"
    ]
    assert private.registry is False
    assert private.download_url == ("https://files.test/private/private_lib-2.1.0-py3-none-any.whl")
    git = comps["pkg:pypi/gitpkg?vcs_url=git%2Bhttps://git.test/example/gitpkg.git%40v0.3.0"]
    assert git.version is None
    assert git.download_url == "git+https://git.test/example/gitpkg.git@v0.3.0"
    assert comps["pkg:pypi/django@4.2.11"].hashes == (
        ("sha256", "6e6ff3db2d8dd0c986b4eec8554c8e4f919b5c1ff62a5b4390c17aff2ed6e5c4"),
        ("sha256", "f8a6b2e4c1d3f5a7b9c0e2d4f6a8b0c2e4d6f8a0b2c4e6d8f0a2b4c6e8d0f2a4"),
    )
    assert comps["pkg:pypi/django@4.2.11"].locations == (SourceLocation("requirements.txt", 10),)
    # bare "idna" is pinned by the -c constraints file; its hashes stay with the requirement
    assert comps["pkg:pypi/idna@3.7"].locations == (SourceLocation("requirements.txt", 19),)
    # constraint-only pins install nothing
    assert not any("urllib3" in purl for purl in comps)
    # a component from the included file is located there
    assert comps["pkg:pypi/pyyaml@6.0.1"].locations == (
        SourceLocation("base/requirements-base.txt", 2),
    )
    assert messages(result) == [
        "base/requirements-base.txt:1: include cycle: ../requirements.txt is already being read",
        "base/requirements-base.txt:3: included file base/missing.txt not found",
        "requirements.txt:8: included file missing-constraints.txt not found",
        f'requirements.txt:18: "requests>=2" {NOT_PINNED}',
        f'requirements.txt:20: "typing_extensions" {NOT_PINNED}',
        'requirements.txt:21: "private-lib @ '
        f'https://files.test/private/private_lib-2.1.0-py3-none-any.whl" {NOT_PINNED}',
        f'requirements.txt:22: "https://files.test/archive/simplejson-3.19.2.tar.gz" {NOT_PINNED}',
        'requirements.txt:23: "git+https://git.test/example/gitpkg.git@v0.3.0#egg=gitpkg" '
        f"{NOT_PINNED}",
        'requirements.txt:24: "-e git+https://git.test/example/tool.git@4f2a9c1#egg=dev-tool" '
        f"{NOT_PINNED}",
        f'requirements.txt:25: "-e ." {NOT_PINNED}',
        f'requirements.txt:26: "./vendor/localpkg" {NOT_PINNED}',
    ]
    # credentials written in index, package and VCS URLs never reach the output
    dumped = json.dumps([repr(c) for c in result.components] + messages(result))
    assert "s3cret" not in dumped and "token" not in dumped


# -- line syntax -------------------------------------------------------------------------------


def test_continuations_comments_and_spelling(tmp_path: Path) -> None:
    result = parse_text(
        tmp_path,
        "Foo_Bar.baz == 1.0 \\\n"
        "    --hash=sha256:aa \\\n"
        "    --hash sha256:bb\n"
        "  # an indented comment\n"
        "requests==2.31.0 \\\n"
        "# a comment ends the continuation\n"
        "pkg-c @ https://files.test/pkg_c-1.0.tar.gz#sha256=abc\n"
        "tomli===2.0.1 ; python_version < '3.11'\n"
        "pkg-b==2.0;sys_platform=='win32'\n"
        "\n",
    )
    comps = by_purl(result)
    assert list(comps) == [
        "pkg:pypi/foo-bar-baz@1.0",
        "pkg:pypi/requests@2.31.0",
        "pkg:pypi/pkg-c@1.0?download_url=https://files.test/pkg_c-1.0.tar.gz",
        "pkg:pypi/tomli@2.0.1",
        "pkg:pypi/pkg-b@2.0",
    ]
    assert comps["pkg:pypi/foo-bar-baz@1.0"].hashes == (("sha256", "aa"), ("sha256", "bb"))
    assert [c.locations[0].line for c in comps.values()] == [1, 5, 7, 8, 9]
    # "#" after no whitespace is part of the URL (pip's comment rule), not a comment
    assert (
        comps["pkg:pypi/pkg-c@1.0?download_url=https://files.test/pkg_c-1.0.tar.gz"].registry
        is False
    )
    assert [d.location.line for d in result.diagnostics] == [7]


def test_wildcards_and_ranges_are_not_pins(tmp_path: Path) -> None:
    result = parse_text(tmp_path, "django==4.*\nflask>=2,<3\nclick~=8.1\n")
    assert result.components == ()
    assert messages(result) == [
        f'{tmp_path / "requirements.txt"}:1: "django==4.*" {NOT_PINNED}',
        f'{tmp_path / "requirements.txt"}:2: "flask>=2,<3" {NOT_PINNED}',
        f'{tmp_path / "requirements.txt"}:3: "click~=8.1" {NOT_PINNED}',
    ]


def test_environment_variables_are_not_expanded(tmp_path: Path) -> None:
    result = parse_text(tmp_path, "mylib==${MYLIB_VERSION}\nsix==1.16.0\n")
    assert [c.purl for c in result.components] == ["pkg:pypi/six@1.16.0"]
    assert messages(result) == [
        f'{tmp_path / "requirements.txt"}:1: "mylib==${{MYLIB_VERSION}}" {NOT_PINNED}'
    ]


def test_option_spellings_and_unknown_options(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("alpha==1.0\n-r b.txt\n")
    (tmp_path / "sub" / "b.txt").write_text("beta==2.0\n")
    (tmp_path / "c.txt").write_text("gamma==3.0\n")
    (tmp_path / "pins.txt").write_text("delta==4.0\n")
    result = parse_text(
        tmp_path,
        "--requirement=sub/a.txt\n"
        "-rc.txt\n"
        "--constraint=pins.txt\n"
        "-i https://pypi.test/simple\n"
        "--frobnicate yes\n"
        "-r https://files.test/remote-requirements.txt\n"
        "delta\n",
    )
    assert [c.purl for c in result.components] == [
        "pkg:pypi/delta@4.0",
        "pkg:pypi/alpha@1.0",
        "pkg:pypi/beta@2.0",  # "-r b.txt" inside sub/a.txt is relative to sub/, not the cwd
        "pkg:pypi/gamma@3.0",
    ]
    main = tmp_path / "requirements.txt"
    assert messages(result) == [
        f"{main}:5: unknown option --frobnicate ignored",
        f"{main}:6: included file https://files.test/remote-requirements.txt is a URL and was "
        "not read (expected a local file)",
    ]


def test_an_included_file_that_is_not_utf8_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "latin1.txt").write_bytes("caf\xe9==1.0\n".encode("latin-1"))
    result = parse_text(tmp_path, "six==1.16.0\n-r latin1.txt\n")
    assert [c.purl for c in result.components] == ["pkg:pypi/six@1.16.0"]
    assert messages(result) == [
        f"{tmp_path / 'requirements.txt'}:2: included file {tmp_path / 'latin1.txt'} "
        "is not UTF-8 text"
    ]


def test_a_file_included_twice_is_read_once(tmp_path: Path) -> None:
    (tmp_path / "common.txt").write_text("six==1.16.0\n")
    (tmp_path / "a.txt").write_text("-r common.txt\n")
    result = parse_text(tmp_path, "-r common.txt\n-r a.txt\n")
    assert [c.purl for c in result.components] == ["pkg:pypi/six@1.16.0"]
    assert result.diagnostics == ()


def test_via_annotations_with_several_versions_and_unknown_parents(tmp_path: Path) -> None:
    result = parse_text(
        tmp_path,
        "numpy==1.24.4 ; python_version < '3.9'\n"
        "    # via -r requirements.in\n"
        "numpy==1.26.4 ; python_version >= '3.9'\n"
        "    # via -r requirements.in\n"
        "pandas==2.0.3\n"
        "    # via\n"
        "    #   -r requirements.in\n"
        "    #   not-in-this-file\n"
        "tzdata==2024.1  # via pandas\n"
        "pytz==2024.1\n",
    )
    comps = by_purl(result)
    assert comps["pkg:pypi/pandas@2.0.3"].dependencies == ("pkg:pypi/tzdata@2024.1",)
    assert comps["pkg:pypi/tzdata@2024.1"].direct is False
    assert comps["pkg:pypi/numpy@1.24.4"].direct is True
    # annotated file, but this pin carries no "# via": unknown
    assert comps["pkg:pypi/pytz@2024.1"].direct is None


def test_local_wheel_and_directories(tmp_path: Path) -> None:
    result = parse_text(
        tmp_path,
        "./dist/tool-1.2.0-py3-none-any.whl\n"
        "libs/helper\n"
        "-e ./libs/editable\n"
        "named @ file:///opt/builds/named-0.1.tar.gz\n",
    )
    comps = by_purl(result)
    assert list(comps) == ["pkg:pypi/tool@1.2.0", "pkg:pypi/named@0.1"]
    assert not any(c.registry for c in comps.values())
    assert all(c.download_url is None for c in comps.values())
    assert len(result.diagnostics) == 4
    assert all(NOT_PINNED in d.message for d in result.diagnostics)


# -- broken files --------------------------------------------------------------------------------


def test_every_broken_fixture_has_a_message() -> None:
    assert BROKEN
    for folder in BROKEN:
        assert (folder / "message.txt").read_text().strip()
        assert (folder / "requirements.txt").is_file()


@pytest.mark.parametrize("folder", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_fixture(folder: Path) -> None:
    expected = (folder / "message.txt").read_text().strip()
    with pytest.raises(LockfileError) as caught:
        parse_file(folder / "requirements.txt")
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


# -- the shared corpus and scale ----------------------------------------------------------------


def test_corpus_pip_compile_file(corpus: Path) -> None:
    lockfile = corpus / "requirements" / "pypi__warehouse" / "main.txt"
    expected = corpus / "expected" / "requirements__pypi__warehouse.json"
    if not lockfile.is_file() or not expected.is_file():
        pytest.skip("warehouse sample not in the corpus")
    want = {
        c["purl"]: (c["scope"], c["direct"]) for c in json.loads(expected.read_text())["components"]
    }
    result = parse_file(lockfile)
    got = {c.purl: (c.scope, c.direct) for c in result.components if c.registry}
    assert got == want
    assert result.diagnostics == ()


def test_parsing_is_linear_enough_for_large_files(tmp_path: Path) -> None:
    lines = []
    for i in range(20_000):
        lines.append(f"package-{i}==1.0.{i} \\\n    --hash=sha256:{i:064x}\n")
        parents = [f"package-{j}" for j in (i // 2, i // 3) if j != i]
        lines.append(
            "    # via -r requirements.in\n" if i < 10 else f"    # via {', '.join(parents)}\n"
        )
    start = time.perf_counter()
    result = parse_text(tmp_path, "".join(lines))
    elapsed = time.perf_counter() - start
    assert len(result.components) == 20_000
    assert sum(1 for c in result.components if c.direct) == 10
    assert elapsed < 10, f"20 000 pins took {elapsed:.1f}s"
