"""The bun.lock parser on files written by bun 1.1.43, 1.2.19 and 1.4.5 (lockfileVersion 0, 1,
2), hand-made edge cases and one broken file per error."""

from __future__ import annotations

import json
from pathlib import Path, PurePath

import pytest

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, ParseResult, Scope, SourceLocation
from ospo_scan.sources import read_text
from ospo_scan.sources.base import matches
from ospo_scan.sources.bun import BunLockParser, strip_jsonc

from ..conftest import FIXTURES

BUN = FIXTURES / "lockfiles" / "bun"
BROKEN = sorted(p for p in (BUN / "broken").iterdir() if p.is_dir())

REQ, OPT, DEV = Scope.REQUIRED, Scope.OPTIONAL, Scope.DEV

# The workspace fixture (README): purl -> (scope, direct)
WORKSPACE = {
    "pkg:npm/%40babel/code-frame@7.26.2": (REQ, True),
    "pkg:npm/%40babel/helper-validator-identifier@7.29.7": (REQ, False),
    "pkg:npm/debug@4.4.3": (REQ, True),
    # lib-a's devDependency, and needed by the optional supports-color: optional wins
    "pkg:npm/has-flag@4.0.0": (OPT, True),
    "pkg:npm/is-number@6.0.0": (DEV, False),  # nested as "is-odd/is-number"
    "pkg:npm/is-number@7.0.0": (DEV, True),
    "pkg:npm/is-odd@3.0.1": (DEV, True),
    "pkg:npm/js-tokens@4.0.0": (REQ, False),
    "pkg:npm/loose-envify@1.4.0": (REQ, True),  # the root's peerDependency
    "pkg:npm/ms@2.0.0": (REQ, True),  # my-ms: npm:ms@2.0.0
    "pkg:npm/ms@2.1.3": (REQ, True),  # lib-a's dependency
    "pkg:npm/picocolors@1.1.1": (REQ, False),
    "pkg:npm/react@18.3.1": (REQ, True),
    "pkg:npm/supports-color@7.2.0": (OPT, True),
    "pkg:npm/use-sync-external-store@1.2.2": (REQ, True),
}
GIT_THING = (
    "pkg:npm/git-thing?vcs_url="
    "git%2Bhttps://git.test/acme/git-thing.git%2358ea5968b7d1b203a7959d4343275f8935332009"
)


def parse(path: Path) -> ParseResult:
    return BunLockParser().parse(read_text(path), str(path))


def parse_text(text: str) -> ParseResult:
    return BunLockParser().parse(text, "bun.lock")


def by_purl(result: ParseResult) -> dict[str, Component]:
    return {c.purl: c for c in result.components}


def registry_view(result: ParseResult) -> dict[str, tuple[Scope | None, bool | None]]:
    return {c.purl: (c.scope, c.direct) for c in result.components if c.registry}


def test_parser_identity() -> None:
    parser = BunLockParser()
    assert (parser.format, parser.ecosystem, parser.patterns) == ("bun-lock", "npm", ("bun.lock",))
    assert matches(parser, PurePath("app/bun.lock"))
    assert not matches(parser, PurePath("app/bun.lockb"))


@pytest.mark.parametrize("folder", ["v0-workspace", "v1-workspace", "v2-workspace"])
def test_workspace(folder: str) -> None:
    result = parse(BUN / folder / "bun.lock")
    assert registry_view(result) == WORKSPACE
    others = {c.purl: c.download_url for c in result.components if not c.registry}
    assert others == {
        GIT_THING: "git+https://git.test/acme/git-thing.git#58ea5968b7d1b203a7959d4343275f8935332009",
        "pkg:npm/local-thing?download_url=file:vendor/local-thing": "file:vendor/local-thing",
    }
    # the workspace package lib-a is the project, not a component
    assert "lib-a" not in {c.name for c in result.components}
    got = by_purl(result)
    assert got["pkg:npm/is-odd@3.0.1"].dependencies == ("pkg:npm/is-number@6.0.0",)
    assert got["pkg:npm/react@18.3.1"].dependencies == ("pkg:npm/loose-envify@1.4.0",)
    assert got["pkg:npm/ms@2.0.0"].name == "ms"  # the alias key "my-ms" installs ms


def test_workspace_v2_details() -> None:
    path = BUN / "v2-workspace" / "bun.lock"
    result = parse(path)
    got = by_purl(result)
    # debug's optional peer supports-color is an optional edge (optionalPeers)
    assert got["pkg:npm/debug@4.4.3"].dependencies == (
        "pkg:npm/ms@2.1.3",
        "pkg:npm/supports-color@7.2.0",
    )
    assert got["pkg:npm/is-number@6.0.0"].locations == (
        SourceLocation(str(path), 74, 'packages["is-odd/is-number"]'),
    )
    assert got["pkg:npm/ms@2.1.3"].hashes == (
        (
            "SHA-512",
            "e85973b9b4cb646dc9d9afcd542025784863ceae68c601f268253dc985ef70bb"
            "2fa1568726afece715c8ebf5d73fab73ed1f7100eb479d23bfb57b45dd645394",
        ),
    )
    assert [(d.location.line, d.message) for d in result.diagnostics] == [
        (
            46,
            "git-thing comes from a git repository (git+https://git.test/acme/git-thing.git"
            "#58ea5968b7d1b203a7959d4343275f8935332009), not a registry",
        ),
        (58, "local-thing comes from a local path (file:vendor/local-thing), not a registry"),
    ]


def test_nested_copy_under_a_workspace_and_a_registry_tarball_url() -> None:
    """bun 1.4.5: lib-b needs is-number 6 while the root has 7 (key "lib-b/is-number"); the
    root's ms is a tarball URL in registry layout, so it stays a registry package."""
    result = parse(BUN / "v2-tarball-nested" / "bun.lock")
    assert registry_view(result) == {
        "pkg:npm/is-number@6.0.0": (REQ, True),
        "pkg:npm/is-number@7.0.0": (REQ, True),
        "pkg:npm/ms@2.1.3": (REQ, True),
    }
    assert result.diagnostics == ()


def test_sources_and_jsonc() -> None:
    """Hand-written (bun's documented entry shapes): comments and trailing commas, a github:
    dependency, a tarball URL, a private registry, a link: folder."""
    result = parse(BUN / "v1-sources" / "bun.lock")
    view = {c.purl: (c.registry, c.scope, c.direct) for c in result.components}
    assert view == {
        "pkg:npm/crypto-js?vcs_url=github:acme/crypto-js%2357deaff": (False, REQ, True),
        "pkg:npm/left-pad?download_url=https://files.test/left-pad-1.3.0.tgz": (False, OPT, True),
        "pkg:npm/private-lib@2.0.0": (True, REQ, True),
        "pkg:npm/tool?download_url=link:tool": (False, REQ, True),
    }
    crypto = next(c for c in result.components if c.name == "crypto-js")
    assert crypto.dependencies == ("pkg:npm/private-lib@2.0.0",)
    assert crypto.locations[0].line == 19


def test_strip_jsonc_keeps_strings_and_lines() -> None:
    text = '{\n  // a comment\n  "a": "x // y, }", /* block\n comment */ "b": [1, 2,],\n}\n'
    stripped = strip_jsonc(text)
    assert json.loads(stripped) == {"a": "x // y, }", "b": [1, 2]}
    assert stripped.count("\n") == text.count("\n")
    assert len(stripped) == len(text)


def test_syntax_error_line_survives_comment_stripping() -> None:
    text = '{\n  /* one\n  two */\n  "lockfileVersion": 1\n  "packages": {},\n}\n'
    with pytest.raises(LockfileError, match=r"^bun\.lock:5: invalid JSON"):
        parse_text(text)


def test_binary_lockfile_is_refused_clearly() -> None:
    with pytest.raises(LockfileError, match="binary bun.lockb format is not supported"):
        BunLockParser().parse("{}", "project/bun.lockb")


def test_empty_project() -> None:
    result = parse_text('{"lockfileVersion": 1, "workspaces": {"": {"name": "x"}}, "packages": {}}')
    assert result.components == ()


def test_undeclared_workspace_dependency_is_a_diagnostic() -> None:
    text = json.dumps(
        {
            "lockfileVersion": 1,
            "workspaces": {"": {"name": "x", "dependencies": {"gone": "^1.0.0", "ms": "^2"}}},
            "packages": {"ms": ["ms@2.1.3", "", {}, ""]},
        }
    )
    result = parse_text(text)
    assert registry_view(result) == {"pkg:npm/ms@2.1.3": (REQ, True)}
    assert [d.message for d in result.diagnostics] == ["gone is declared but has no packages entry"]


@pytest.mark.parametrize("case", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_fixtures(case: Path) -> None:
    expected = (case / "message.txt").read_text().strip()
    lockfile = next(p for p in case.iterdir() if p.name != "message.txt")
    with pytest.raises(LockfileError) as caught:
        BunLockParser().parse(read_text(lockfile), lockfile.name)
    message = str(caught.value)
    assert expected in message
    assert message.startswith(lockfile.name)
    assert "\n" not in message
