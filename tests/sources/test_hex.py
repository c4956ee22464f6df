"""The mix.lock parser: the term reader, hex and git entries, repositories, broken files."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path, PurePath

import pytest

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, ParseResult, SourceLocation
from ospo_scan.sources import read_text
from ospo_scan.sources.base import matches
from ospo_scan.sources.hex import Atom, Keyed, MixLockParser, read_terms

from ..conftest import FIXTURES

MIX = FIXTURES / "lockfiles" / "mix"
BROKEN = sorted(p for p in (MIX / "broken").iterdir() if p.is_dir())
COWLIB = "git+https://git.test/forks/cowlib.git@1f9e8d7c6b5a49382716f5e4d3c2b1a09f8e7d6c"
RANCH = "git+https://git.test/ninenines/ranch.git@a692f44567034dacf5efcaa24a24183788594eb7"


def parse_file(path: Path) -> ParseResult:
    return MixLockParser().parse(read_text(path), str(path))


def parse_text(text: str) -> ParseResult:
    return MixLockParser().parse(text, "mix.lock")


def by_name(result: ParseResult) -> dict[str, Component]:
    return {c.name: c for c in result.components}


def test_parser_identity() -> None:
    parser = MixLockParser()
    assert (parser.format, parser.ecosystem, parser.patterns) == ("mix-lock", "hex", ("mix.lock",))
    assert matches(parser, PurePath("apps/web/mix.lock"))


def test_the_term_reader_reads_the_data_subset() -> None:
    term = read_terms(
        '%{"a" => {:hex, :"odd name", "1.0", [depth: 1, ok?: true], nil, -3, "t\\"q\\n"},'
        ' b: [], "c": %{}} # a comment\n',
        "mix.lock",
    )
    assert isinstance(term, dict)
    assert term == {
        Keyed("a", 1): (
            Atom("hex"),
            Atom("odd name"),
            "1.0",
            [(Atom("depth"), 1), (Atom("ok?"), Atom("true"))],
            Atom("nil"),
            -3,
            't"q\n',
        ),
        Keyed("b", 1): [],
        Keyed("c", 1): {},
    }


def test_current_lockfile() -> None:
    path = MIX / "app" / "mix.lock"
    result = parse_file(path)
    comps = by_name(result)
    assert {name: (c.purl, c.registry) for name, c in comps.items()} == {
        # an organization's package: the organization is the purl namespace (purl spec)
        "acme_billing": ("pkg:hex/acme/acme_billing@0.9.2", True),
        "castore": ("pkg:hex/castore@1.0.12", True),
        "cowlib": (
            "pkg:hex/cowlib?vcs_url="
            "git%2Bhttps://git.test/forks/cowlib.git%401f9e8d7c6b5a49382716f5e4d3c2b1a09f8e7d6c",
            False,
        ),
        # a self-hosted repository: mix.lock has its name, not its URL
        "internal_auth": ("pkg:hex/internal_auth@2.1.0", False),
        "mime": ("pkg:hex/mime@2.0.6", True),
        "jason": ("pkg:hex/jason@1.4.4", True),  # locked under the app name "my_json"
        "plug": ("pkg:hex/plug@1.16.1", True),
        "plug_crypto": ("pkg:hex/plug_crypto@2.1.0", True),
        "ranch": (
            "pkg:hex/ranch?vcs_url=git%2Bhttps://git.test/ninenines/ranch.git"
            "%40a692f44567034dacf5efcaa24a24183788594eb7%23apps/ranch",
            False,
        ),
        "telemetry": ("pkg:hex/telemetry@1.3.0", True),
        "ssl_verify_fun": ("pkg:hex/ssl_verify_fun@1.1.7", True),
    }
    # mix.lock records neither the project's dependencies nor their environments
    assert all(c.scope is None and c.direct is None for c in result.components)
    assert comps["acme_billing"].dependencies == ("pkg:hex/plug@1.16.1", "pkg:hex/jason@1.4.4")
    assert comps["plug"].dependencies == (
        "pkg:hex/mime@2.0.6",
        "pkg:hex/plug_crypto@2.1.0",
        "pkg:hex/telemetry@1.3.0",
    )
    assert comps["jason"].dependencies == ()  # its optional decimal is not locked
    assert comps["castore"].hashes == (
        ("SHA-256", hashlib.sha256(b"castore 1.0.12").hexdigest()),  # the outer checksum
    )
    assert comps["castore"].locations == (SourceLocation(str(path), 3),)
    assert comps["cowlib"].download_url == COWLIB
    assert comps["ranch"].download_url == f"{RANCH}#apps/ranch"
    assert "t0ken" not in repr(result)
    assert [(d.location.line, d.message) for d in result.diagnostics] == [
        (4, f'"cowlib" comes from the git repository {COWLIB}, not hex'),
        (
            5,
            '"internal_auth" 2.1.0 comes from the hex repository "acme_mirror", whose URL is '
            "in the Mix configuration, not in mix.lock",
        ),
        (10, f'"ranch" comes from the git repository {RANCH}#apps/ranch, not hex'),
    ]


def test_legacy_lockfile() -> None:
    result = parse_file(MIX / "legacy" / "mix.lock")
    assert [(c.purl, c.registry, c.hashes) for c in result.components] == [
        ("pkg:hex/cowboy@1.0.4", True, ()),
        ("pkg:hex/cowlib@1.0.2", True, ()),
        ("pkg:hex/poison@3.1.0", True, ()),
        ("pkg:hex/phoenix@1.3.0", True, ()),
        ("pkg:hex/local_tools", False, ()),
    ]
    assert result.components[3].dependencies == ("pkg:hex/cowboy@1.0.4", "pkg:hex/poison@3.1.0")
    assert [d.message for d in result.diagnostics] == [
        '"local_tools" comes from a path source, not from a hex repository'
    ]


def test_empty_lockfiles() -> None:
    assert parse_text("%{}\n").components == ()
    assert parse_text("").components == ()


def test_every_broken_fixture_has_a_message() -> None:
    assert BROKEN
    for folder in BROKEN:
        assert (folder / "message.txt").read_text().strip()
        assert (folder / "mix.lock").is_file()


@pytest.mark.parametrize("folder", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_fixture(folder: Path) -> None:
    expected = (folder / "message.txt").read_text().strip()
    with pytest.raises(LockfileError) as caught:
        parse_file(folder / "mix.lock")
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_corpus(corpus: Path) -> None:
    lockfile = corpus / "mix" / "hexpm__hexpm" / "mix.lock"
    expected = corpus / "expected" / "mix__hexpm__hexpm.json"
    if not lockfile.is_file() or not expected.is_file():
        pytest.skip("mix.lock sample not in the corpus")
    want = {
        c["purl"]: (c["scope"], c["direct"]) for c in json.loads(expected.read_text())["components"]
    }
    result = parse_file(lockfile)
    got = {c.purl: (c.scope, c.direct) for c in result.components if c.registry}
    assert got == want
    git = sorted(c.name for c in result.components if not c.registry)
    assert git == ["git_diff", "hex_core", "lumis"]


def test_large_lockfiles_parse_in_linear_time() -> None:
    count = 10_000
    lines = ["%{"]
    for i in range(count):
        deps = ", ".join(
            f'{{:p{c}, "~> 1.0", [hex: :p{c}, repo: "hexpm", optional: false]}}'
            for c in (2 * i + 1, 2 * i + 2)
            if c < count
        )
        lines.append(
            f'  "p{i}": {{:hex, :p{i}, "1.0.{i}", "{"a" * 64}", [:mix], [{deps}], "hexpm", '
            f'"{"b" * 64}"}},'
        )
    lines.append("}")
    start = time.perf_counter()
    result = parse_text("\n".join(lines) + "\n")
    elapsed = time.perf_counter() - start
    assert len(result.components) == count
    assert result.components[-1].paths[0][0] == "pkg:hex/p0@1.0.0"
    assert elapsed < 10, f"{count} packages took {elapsed:.1f}s"
