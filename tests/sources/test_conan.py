"""The conan.lock parser: Conan 2 reference lists, Conan 1 graph locks, references, errors."""

from __future__ import annotations

import json
import time
from pathlib import Path, PurePath
from typing import Any

import pytest

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, ParseResult, Scope, SourceLocation
from ospo_scan.sources import read_text
from ospo_scan.sources.base import matches
from ospo_scan.sources.conan import ConanLockParser, Reference, parse_reference

from ..conftest import FIXTURES

CONAN = FIXTURES / "lockfiles" / "conan"
BROKEN = sorted(p for p in (CONAN / "broken").iterdir() if p.is_dir())
REQ, DEV = Scope.REQUIRED, Scope.DEV
ACME = "?channel=stable&user=acme"


def parse_file(path: Path) -> ParseResult:
    return ConanLockParser().parse(read_text(path), str(path))


def parse_data(data: dict[str, Any]) -> ParseResult:
    return ConanLockParser().parse(json.dumps(data, indent=1), "conan.lock")


def by_purl(result: ParseResult) -> dict[str, Component]:
    return {c.purl: c for c in result.components}


def test_parser_identity() -> None:
    parser = ConanLockParser()
    assert (parser.format, parser.ecosystem, parser.patterns) == (
        "conan-lock",
        "conan",
        ("conan.lock",),
    )
    assert matches(parser, PurePath("cpp/conan.lock"))


def test_conan2_lists() -> None:
    path = CONAN / "v2" / "conan.lock"
    result = parse_file(path)
    got = {c.purl: (c.scope, c.direct) for c in result.components}
    assert got == {
        "pkg:conan/zlib@1.3.1": (REQ, None),  # also a build requirement: required wins
        "pkg:conan/openssl@3.2.2": (REQ, None),
        "pkg:conan/fmt@10.2.1": (REQ, None),
        f"pkg:conan/acme-crypto@2.1.0{ACME}": (REQ, None),
        "pkg:conan/legacy-utils@0.9?user=acme": (REQ, None),
        "pkg:conan/cmake@3.29.3": (DEV, None),
        "pkg:conan/ninja@1.12.1": (DEV, None),
        f"pkg:conan/acme-recipes@1.4.0{ACME}": (DEV, None),  # python_requires
        "pkg:conan/acme-conan-config@0.3.0": (DEV, None),  # config_requires
    }
    zlib = by_purl(result)["pkg:conan/zlib@1.3.1"]
    assert (zlib.name, zlib.version, zlib.ecosystem) == ("zlib", "1.3.1", "conan")
    assert zlib.locations == (
        SourceLocation(str(path), None, "requires[0]"),
        SourceLocation(str(path), None, "build_requires[2]"),
    )
    # the overridden zlib/1.2.13 is not a component: the lockfile resolved it to 1.3.1
    assert not any("1.2.13" in purl for purl in got)
    assert result.diagnostics == ()


def test_conan1_graph_lock() -> None:
    result = parse_file(CONAN / "v1" / "conan.lock")
    got = {c.purl: (c.scope, c.direct) for c in result.components}
    assert got == {
        "pkg:conan/libcurl@8.6.0": (REQ, True),
        "pkg:conan/openssl@3.2.1": (REQ, False),
        f"pkg:conan/acme-log@1.2.0{ACME}": (REQ, True),
        "pkg:conan/zlib@1.3.1": (REQ, False),
        "pkg:conan/cmake@3.28.1": (DEV, True),  # the consumer's tool requirement
        "pkg:conan/nasm@2.16.01": (DEV, False),  # openssl's build requirement
        f"pkg:conan/acme-base@0.4.0{ACME}": (DEV, False),  # python_requires: recipe code
    }
    comps = by_purl(result)
    assert comps["pkg:conan/openssl@3.2.1"].dependencies == (
        "pkg:conan/zlib@1.3.1",
        "pkg:conan/nasm@2.16.01",
    )
    assert comps["pkg:conan/zlib@1.3.1"].paths == (
        ("pkg:conan/libcurl@8.6.0", "pkg:conan/zlib@1.3.1"),
    )
    assert comps[f"pkg:conan/acme-log@1.2.0{ACME}"].dependencies == (
        f"pkg:conan/acme-base@0.4.0{ACME}",
    )
    assert comps["pkg:conan/nasm@2.16.01"].locations[0].key == 'graph_lock.nodes["6"]'


def test_conan1_lock_of_a_reference() -> None:
    result = parse_file(CONAN / "v1-reference" / "conan.lock")
    # no consumer conanfile: the locked reference itself is the root, and a component
    assert [(c.purl, c.scope, c.direct) for c in result.components] == [
        ("pkg:conan/poco@1.12.5p2", REQ, True),
        ("pkg:conan/pcre2@10.42", REQ, False),
    ]


def test_conan1_build_requirement_of_a_build_requirement_stays_dev() -> None:
    nodes = {
        "0": {"path": "conanfile.txt", "requires": ["1"], "build_requires": ["2"]},
        "1": {"ref": "a/1.0"},
        "2": {"ref": "tool/1.0", "requires": ["3", "1"]},
        "3": {"ref": "toollib/1.0"},
    }
    result = parse_data({"graph_lock": {"nodes": nodes}, "version": "0.4"})
    assert {c.purl: c.scope for c in result.components} == {
        "pkg:conan/a@1.0": REQ,  # needed by the project and by the tool: required wins
        "pkg:conan/tool@1.0": DEV,
        "pkg:conan/toollib@1.0": DEV,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zlib/1.3.1", Reference("zlib", "1.3.1", None, None)),
        ("zlib/1.3.1#abc%1700000000.5", Reference("zlib", "1.3.1", None, None)),
        ("pkg/2.0@user/channel#rev", Reference("pkg", "2.0", "user", "channel")),
        ("pkg/2.0@user", Reference("pkg", "2.0", "user", None)),
        ("pkg/2.0@_/_", Reference("pkg", "2.0", None, None)),
        ("pkg/2.0#rrev:0123abcd#prev", Reference("pkg", "2.0", None, None)),
        ("msys2/cci.latest", Reference("msys2", "cci.latest", None, None)),
    ],
)
def test_references(text: str, expected: Reference) -> None:
    assert parse_reference(text, "conan.lock", "requires[0]") == expected


@pytest.mark.parametrize("text", ["zlib", "zlib/", "zlib/1.0/extra", "zlib/[>1.0 <2]", 7])
def test_bad_references(text: object) -> None:
    with pytest.raises(LockfileError, match="is not a recipe reference"):
        parse_reference(text, "conan.lock", "requires[0]")


def test_broken_fixtures_exist() -> None:
    assert len(BROKEN) >= 6
    for folder in BROKEN:
        assert (folder / "conan.lock").is_file()
        assert (folder / "message.txt").read_text().strip()


@pytest.mark.parametrize("folder", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_fixture(folder: Path) -> None:
    path = folder / "conan.lock"
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
        ({"graph_lock": {"nodes": {}}, "version": "0.3"}, 'unsupported lockfile version "0.3"'),
        ({"graph_lock": {"nodes": {"0": []}}, "version": "0.4"}, 'nodes["0"]: an array found'),
        (
            {"graph_lock": {"nodes": {"0": {"requires": "1"}}}, "version": "0.4"},
            'graph_lock.nodes["0"].requires: not an array of strings (expected an array of node',
        ),
        (
            {"graph_lock": {"nodes": {"0": {"ref": "x"}}}, "version": "0.4"},
            'graph_lock.nodes["0"].ref: "x" is not a recipe reference',
        ),
        ({"version": 0.5}, "unsupported lockfile version 0.5"),
    ],
)
def test_shape_errors(data: dict[str, Any], expected: str) -> None:
    with pytest.raises(LockfileError) as caught:
        parse_data(data)
    assert expected in str(caught.value)


def test_corpus(corpus: Path) -> None:
    lockfile = corpus / "conan" / "NREL__OpenStudio" / "conan.lock"
    expected = corpus / "expected" / "conan__NREL__OpenStudio.json"
    if not lockfile.is_file() or not expected.is_file():
        pytest.skip("conan sample not in the corpus")
    want = {
        c["purl"]: (c["scope"], c["direct"]) for c in json.loads(expected.read_text())["components"]
    }
    result = parse_file(lockfile)
    assert {c.purl: (c.scope, c.direct) for c in result.components if c.registry} == want


def test_large_graph_lock_parses_in_linear_time() -> None:
    count = 20_000
    nodes: dict[str, dict[str, Any]] = {"root": {"path": "conanfile.py", "requires": ["0"]}}
    for i in range(count):
        children = [str(c) for c in (2 * i + 1, 2 * i + 2) if c < count]
        nodes[str(i)] = {
            "ref": f"p{i}/1.0#abc",
            "requires": children[:1],
            "build_requires": children[1:],
        }
    start = time.perf_counter()
    result = parse_data({"graph_lock": {"nodes": nodes}, "version": "0.4"})
    elapsed = time.perf_counter() - start
    assert len(result.components) == count
    assert {c.scope for c in result.components} == {REQ, DEV}
    assert elapsed < 10, f"{count} nodes took {elapsed:.1f}s"
