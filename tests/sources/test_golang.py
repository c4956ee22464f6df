"""The go.mod parser: directives, blocks, indirect requirements, replacements and go.sum."""

from __future__ import annotations

import json
import time
from pathlib import Path, PurePath

import pytest

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, ParseResult, Severity, SourceLocation
from ospo_scan.sources import read_text
from ospo_scan.sources.base import matches
from ospo_scan.sources.golang import GoModParser, golang_purl

from ..conftest import FIXTURES

GOMOD = FIXTURES / "lockfiles" / "gomod"
BROKEN = sorted(p for p in (GOMOD / "broken").iterdir() if p.is_dir())


def parse_file(path: Path) -> ParseResult:
    return GoModParser().parse(read_text(path), str(path))


def parse_text(tmp_path: Path, text: str, go_sum: str | None = None) -> ParseResult:
    path = tmp_path / "go.mod"
    path.write_text(text, encoding="utf-8")
    if go_sum is not None:
        (tmp_path / "go.sum").write_text(go_sum, encoding="utf-8")
    return parse_file(path)


def by_purl(result: ParseResult) -> dict[str, Component]:
    return {c.purl: c for c in result.components}


def test_parser_identity() -> None:
    parser = GoModParser()
    assert (parser.format, parser.ecosystem, parser.patterns) == ("go-mod", "golang", ("go.mod",))
    assert matches(parser, PurePath("svc/go.mod"))
    assert not matches(parser, PurePath("svc/go.sum"))


def test_purls_follow_the_golang_type() -> None:
    # namespace = path up to the last segment, lowercased; "+" percent-encoded
    assert golang_purl("git.test/Acme/Logging", "v1.4.2") == (
        "pkg:golang/git.test/acme/logging@v1.4.2"
    )
    assert golang_purl("git.test/a/b/v3", "v3.0.0+incompatible") == (
        "pkg:golang/git.test/a/b/v3@v3.0.0%2Bincompatible"
    )
    assert golang_purl("rsc.test", "v1.0.0") == "pkg:golang/rsc.test@v1.0.0"


def test_module_with_every_directive() -> None:
    path = GOMOD / "module" / "go.mod"
    result = parse_file(path)
    comps = by_purl(result)
    assert {purl: (c.direct, c.registry) for purl, c in comps.items()} == {
        "pkg:golang/git.test/acme/logging@v1.4.2": (True, True),
        "pkg:golang/git.test/acme/config@v0.9.1": (True, True),
        "pkg:golang/git.test/acme/legacy@v3.5.1%2Bincompatible": (True, True),
        "pkg:golang/git.test/acme/proto@v0.0.0-20240102030405-abcdef012345": (False, True),
        "pkg:golang/git.test/acme/metrics@v1.2.0": (False, True),  # "// indirect; ..."
        "pkg:golang/git.test/acme/yaml/v3@v3.0.1": (True, True),  # "// indirectly ..." is not
        "pkg:golang/git.test/forks/old@v1.0.1-fix.1": (True, True),  # the replacement
        "pkg:golang/git.test/acme/internal-tools@v0.3.0": (False, False),  # a local directory
    }
    assert all(c.scope is None and c.dependencies == () for c in result.components)
    logging = comps["pkg:golang/git.test/acme/logging@v1.4.2"]
    # the module path keeps its case for fetching; the purl is lowercased
    assert (logging.name, logging.version) == ("git.test/Acme/Logging", "v1.4.2")
    assert logging.locations == (SourceLocation(str(path), 10),)
    # go.sum: the zip hash, not the /go.mod one
    assert logging.hashes == (("h1", "Lg0T3st1ng+Hash0nlyForF1xtur3sAAAAAAAAAAAA="),)
    fork = comps["pkg:golang/git.test/forks/old@v1.0.1-fix.1"]
    assert (fork.name, fork.hashes) == (
        "git.test/forks/old",
        (("h1", "F0rkT3st1ngHash0nlyForF1xtur3sAAAAAAAAAAAA="),),
    )
    assert comps["pkg:golang/git.test/acme/legacy@v3.5.1%2Bincompatible"].hashes == ()
    assert [(d.location.line, d.severity, d.message) for d in result.diagnostics] == [
        (
            18,
            Severity.INFO,
            "git.test/acme/old v1.0.0 is replaced by git.test/forks/old v1.0.1-fix.1 (line 24)",
        ),
        (
            19,
            Severity.WARNING,
            "git.test/acme/internal-tools v0.3.0 is replaced by the local directory "
            "./tools/internal (line 27), not a module version",
        ),
    ]


def test_go_before_module_graph_pruning_is_flagged() -> None:
    result = parse_file(GOMOD / "legacy" / "go.mod")
    assert [(c.purl, c.direct) for c in result.components] == [
        ("pkg:golang/git.test/acme/config@v0.9.1", True),
        ("pkg:golang/git.test/acme/util@v1.1.0", False),
    ]
    assert [d.message for d in result.diagnostics] == [
        "go 1.16 predates Go 1.17: go.mod may not list every indirect dependency "
        "(run go mod tidy with a newer go directive)"
    ]


def test_replacements_by_version_excludes_and_unknown_directives(tmp_path: Path) -> None:
    result = parse_text(
        tmp_path,
        "module git.test/app\n\ngo 1.24\n\nfuture-directive something\n\n"
        "require (\n\tgit.test/a v1.0.0\n\tgit.test/b v2.0.0 // indirect\n)\n\n"
        "exclude git.test/b v2.0.0\n\n"
        # only v1.9.0 of git.test/a is replaced: the required v1.0.0 stays as it is
        "replace git.test/a v1.9.0 => git.test/a-fork v1.9.1\n"
        "replace git.test/b => ../b\n",
    )
    assert [(c.purl, c.direct, c.registry) for c in result.components] == [
        ("pkg:golang/git.test/a@v1.0.0", True, True),
        ("pkg:golang/git.test/b@v2.0.0", False, False),
    ]
    assert [(d.location.line, d.severity) for d in result.diagnostics] == [
        (5, Severity.INFO),  # unknown directive: ignored, for Go versions to come
        (9, Severity.WARNING),  # required and excluded
        (9, Severity.WARNING),  # replaced by a directory
    ]
    assert result.diagnostics[1].message == "git.test/b v2.0.0 is required and also excluded"


def test_a_module_without_requirements(tmp_path: Path) -> None:
    result = parse_text(tmp_path, "module git.test/leaf\n\ngo 1.21\n", go_sum="")
    assert result.components == () and result.diagnostics == ()


def test_every_broken_fixture_has_a_message() -> None:
    assert BROKEN
    for folder in BROKEN:
        assert (folder / "message.txt").read_text().strip()
        assert (folder / "go.mod").is_file()


@pytest.mark.parametrize("folder", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_fixture(folder: Path) -> None:
    expected = (folder / "message.txt").read_text().strip()
    with pytest.raises(LockfileError) as caught:
        parse_file(folder / "go.mod")
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_corpus(corpus: Path) -> None:
    lockfile = corpus / "gomod" / "cli__cli" / "go.mod"
    expected = corpus / "expected" / "gomod__cli__cli.json"
    if not lockfile.is_file() or not expected.is_file():
        pytest.skip("go.mod sample not in the corpus")
    want = {
        c["purl"].lower(): (c["scope"], c["direct"])
        for c in json.loads(expected.read_text())["components"]
    }
    result = parse_file(lockfile)
    got = {c.purl.lower(): (c.scope, c.direct) for c in result.components if c.registry}
    assert got == want
    # our purls are lowercased, as the purl spec's golang type says (the %2B escape stays)
    assert all(c.purl == c.purl.lower().replace("%2b", "%2B") for c in result.components)
    # the replace directive to a fork: the fork is what is built
    fork = next(c for c in result.components if c.name == "github.com/cli/go-internal")
    assert fork.direct is True and fork.hashes and fork.hashes[0][0] == "h1"


def test_large_go_mod_parses_in_linear_time(tmp_path: Path) -> None:
    count = 50_000
    lines = ["module git.test/big", "", "go 1.22", "", "require ("]
    lines += [f"\tgit.test/m{i} v1.0.{i}{' // indirect' if i % 2 else ''}" for i in range(count)]
    lines.append(")")
    start = time.perf_counter()
    result = parse_text(tmp_path, "\n".join(lines) + "\n")
    elapsed = time.perf_counter() - start
    assert len(result.components) == count
    assert sum(1 for c in result.components if c.direct) == count // 2
    assert elapsed < 10, f"{count} requirements took {elapsed:.1f}s"
