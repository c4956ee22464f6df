"""The NuGet packages.lock.json parser: targets, entry types, the graph, broken files."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path, PurePath
from typing import Any

import pytest

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, ParseResult, SourceLocation
from ospo_scan.sources import read_text
from ospo_scan.sources.base import matches
from ospo_scan.sources.nuget import NugetLockParser

from ..conftest import FIXTURES

NUGET = FIXTURES / "lockfiles" / "nuget"
BROKEN = sorted(p for p in (NUGET / "broken").iterdir() if p.is_dir())
HASH = base64.b64encode(bytes(range(64))).decode()


def parse_file(path: Path) -> ParseResult:
    return NugetLockParser().parse(read_text(path), str(path))


def parse_data(data: dict[str, Any]) -> ParseResult:
    return NugetLockParser().parse(json.dumps(data, indent=2), "packages.lock.json")


def by_purl(result: ParseResult) -> dict[str, Component]:
    return {c.purl: c for c in result.components}


def test_parser_identity() -> None:
    parser = NugetLockParser()
    assert (parser.format, parser.ecosystem) == ("nuget-lock", "nuget")
    assert matches(parser, PurePath("src/App/packages.lock.json"))
    assert matches(parser, PurePath("src/packages.App.lock.json"))  # NuGetLockFilePath naming
    assert not matches(parser, PurePath("src/App/packages.config"))


def test_application_lock() -> None:
    path = NUGET / "app" / "packages.lock.json"
    result = parse_file(path)
    got = {c.purl: c.direct for c in result.components}
    assert got == {
        "pkg:nuget/Microsoft.Extensions.Logging@8.0.0": True,
        "pkg:nuget/Newtonsoft.Json@13.0.3": True,
        "pkg:nuget/xunit@2.8.1": True,
        "pkg:nuget/Microsoft.Extensions.DependencyInjection@8.0.0": False,
        "pkg:nuget/Microsoft.Extensions.DependencyInjection.Abstractions@8.0.0": False,
        "pkg:nuget/Microsoft.Extensions.Logging.Abstractions@8.0.0": False,
        "pkg:nuget/Microsoft.Extensions.Options@8.0.0": False,
        "pkg:nuget/Microsoft.Extensions.Primitives@8.0.0": False,
        "pkg:nuget/Serilog@3.1.1": False,  # needed by the in-solution project shop.domain
        "pkg:nuget/xunit.assert@2.8.1": False,
        "pkg:nuget/xunit.core@2.8.1": False,
        "pkg:nuget/xunit.extensibility.core@2.8.1": False,
        # the runtime-specific target
        "pkg:nuget/Microsoft.DotNet.ILCompiler@8.0.6": True,
        "pkg:nuget/runtime.win-x64.Microsoft.DotNet.ILCompiler@8.0.6": False,
    }
    assert not any("shop.domain" in purl for purl in got)  # a project reference
    assert {c.scope for c in result.components} == {None}
    comps = by_purl(result)
    options = comps["pkg:nuget/Microsoft.Extensions.Options@8.0.0"]
    assert options.dependencies == (
        "pkg:nuget/Microsoft.Extensions.DependencyInjection.Abstractions@8.0.0",
        "pkg:nuget/Microsoft.Extensions.Primitives@8.0.0",
    )
    assert options.paths == (("pkg:nuget/Microsoft.Extensions.Logging@8.0.0", options.purl),)
    assert options.locations == (
        SourceLocation(str(path), None, 'dependencies["net8.0"]["Microsoft.Extensions.Options"]'),
    )
    assert comps["pkg:nuget/xunit.core@2.8.1"].dependencies == (
        "pkg:nuget/xunit.extensibility.core@2.8.1",
    )
    newtonsoft = comps["pkg:nuget/Newtonsoft.Json@13.0.3"]
    assert (newtonsoft.name, newtonsoft.version, newtonsoft.ecosystem) == (
        "Newtonsoft.Json",
        "13.0.3",
        "nuget",
    )
    assert newtonsoft.hashes[0][0] == "SHA-512" and len(newtonsoft.hashes[0][1]) == 128
    assert result.diagnostics == ()


def test_central_package_management_over_two_targets() -> None:
    result = parse_file(NUGET / "central" / "packages.lock.json")
    comps = by_purl(result)
    assert {p: c.direct for p, c in comps.items()} == {
        "pkg:nuget/Azure.Core@1.39.0": True,
        "pkg:nuget/System.Memory.Data@1.0.2": False,
        "pkg:nuget/System.Text.Json@8.0.4": False,  # CentralTransitive
    }
    azure = comps["pkg:nuget/Azure.Core@1.39.0"]
    # merged over net6.0 and net8.0: both locations, the union of the dependencies
    assert [loc.key for loc in azure.locations] == [
        'dependencies["net6.0"]["Azure.Core"]',
        'dependencies["net8.0"]["Azure.Core"]',
    ]
    assert azure.dependencies == (
        "pkg:nuget/System.Memory.Data@1.0.2",
        "pkg:nuget/System.Text.Json@8.0.4",
    )


def test_dependency_names_are_case_insensitive_and_missing_ones_reported() -> None:
    data = {
        "version": 1,
        "dependencies": {
            "net8.0": {
                "A": {"type": "Direct", "resolved": "1.0.0", "dependencies": {"b": "2.0.0"}},
                "B": {"type": "Transitive", "resolved": "2.0.0", "dependencies": {"C": "1.0"}},
            }
        },
    }
    result = parse_data(data)
    assert by_purl(result)["pkg:nuget/A@1.0.0"].dependencies == ("pkg:nuget/B@2.0.0",)
    assert [d.message for d in result.diagnostics] == [
        "B 2.0.0 depends on C, which is not locked for net8.0"
    ]


def test_content_hash_that_is_not_sha512_is_reported() -> None:
    data = {
        "version": 1,
        "dependencies": {
            "net8.0": {
                "A": {"type": "Direct", "resolved": "1.0.0", "contentHash": "AAAA"},
                "B": {"type": "Direct", "resolved": "1.0.0", "contentHash": HASH},
            }
        },
    }
    result = parse_data(data)
    comps = by_purl(result)
    assert comps["pkg:nuget/A@1.0.0"].hashes == ()
    assert comps["pkg:nuget/B@1.0.0"].hashes == (("SHA-512", bytes(range(64)).hex()),)
    assert [d.message for d in result.diagnostics] == [
        "A 1.0.0: contentHash is not a base64 SHA-512"
    ]


def test_empty_lock() -> None:
    assert parse_data({"version": 2, "dependencies": {}}).components == ()
    assert parse_data({"version": 1}).components == ()


def test_broken_fixtures_exist() -> None:
    assert len(BROKEN) >= 6
    for folder in BROKEN:
        assert (folder / "packages.lock.json").is_file()
        assert (folder / "message.txt").read_text().strip()


@pytest.mark.parametrize("folder", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_fixture(folder: Path) -> None:
    path = folder / "packages.lock.json"
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
        ({"dependencies": {}}, "version: key is missing (expected 1 or 2)"),
        ({"version": True}, "version: unsupported version true"),
        ({"version": 1, "dependencies": []}, "dependencies: an array found"),
        (
            {"version": 1, "dependencies": {"net8.0": {"A": "1.0"}}},
            'dependencies["net8.0"]["A"]: a string found',
        ),
        (
            {"version": 1, "dependencies": {"net8.0": {"A": {"type": "Direct", "resolved": 1}}}},
            'dependencies["net8.0"]["A"].resolved: a number found (expected a version string)',
        ),
    ],
)
def test_shape_errors(data: dict[str, Any], expected: str) -> None:
    with pytest.raises(LockfileError) as caught:
        parse_data(data)
    assert expected in str(caught.value)


def test_corpus(corpus: Path) -> None:
    lockfile = corpus / "nuget" / "Flow-Launcher__Flow.Launcher" / "packages.lock.json"
    expected = corpus / "expected" / "nuget__Flow-Launcher__Flow.Launcher.json"
    if not lockfile.is_file() or not expected.is_file():
        pytest.skip("nuget sample not in the corpus")
    want = {
        c["purl"]: (c["scope"], c["direct"]) for c in json.loads(expected.read_text())["components"]
    }
    result = parse_file(lockfile)
    assert {c.purl: (c.scope, c.direct) for c in result.components if c.registry} == want
    assert result.diagnostics == ()


def test_large_lock_parses_in_linear_time() -> None:
    count = 20_000
    entries = {}
    for i in range(count):
        children = {f"P{c}": "1.0.0" for c in (2 * i + 1, 2 * i + 2) if c < count}
        kind = "Direct" if i == 0 else "Transitive"
        entries[f"P{i}"] = {"type": kind, "resolved": "1.0.0", "dependencies": children}
    data = {"version": 1, "dependencies": {"net8.0": entries}}
    start = time.perf_counter()
    result = parse_data(data)
    elapsed = time.perf_counter() - start
    assert len(result.components) == count
    assert sum(1 for c in result.components if c.paths) == count
    assert elapsed < 10, f"{count} packages took {elapsed:.1f}s"
