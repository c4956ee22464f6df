"""The pnpm-lock.yaml parser on files written by pnpm 7, 8 and 9 (lockfile 5.4, 6.0, 9.0),
hand-made edge cases and one broken file per error."""

from __future__ import annotations

from pathlib import Path, PurePath

import pytest

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, ParseResult, Scope, SourceLocation
from ospo_scan.sources import read_text
from ospo_scan.sources.base import matches
from ospo_scan.sources.js import propagate_scopes
from ospo_scan.sources.pnpm import PnpmLockParser

from ..conftest import FIXTURES

PNPM = FIXTURES / "lockfiles" / "pnpm"
BROKEN = sorted(p for p in (PNPM / "broken").iterdir() if p.is_dir())

REQ, OPT, DEV = Scope.REQUIRED, Scope.OPTIONAL, Scope.DEV
GIT_THING = (
    "pkg:npm/git-thing@3.1.0?vcs_url="
    "https://git.test/acme/git-thing.git%2358ea5968b7d1b203a7959d4343275f8935332009"
)

# The workspace fixture (README): purl -> (scope, direct), as pnpm 7 and 8 lock it. debug's
# optional peer supports-color is a plain dependency there, so it and has-flag are required.
WORKSPACE = {
    "pkg:npm/%40babel/code-frame@7.26.2": (REQ, True),
    "pkg:npm/%40babel/helper-validator-identifier@7.29.7": (REQ, False),
    "pkg:npm/debug@4.4.3": (REQ, True),
    "pkg:npm/has-flag@4.0.0": (REQ, True),  # lib-a's devDependency, and supports-color's dep
    "pkg:npm/is-number@6.0.0": (DEV, False),
    "pkg:npm/is-number@7.0.0": (DEV, True),
    "pkg:npm/is-odd@3.0.1": (DEV, True),
    "pkg:npm/js-tokens@4.0.0": (REQ, False),
    "pkg:npm/loose-envify@1.4.0": (REQ, False),
    "pkg:npm/ms@2.0.0": (REQ, True),  # my-ms: npm:ms@2.0.0
    "pkg:npm/ms@2.1.3": (REQ, True),  # lib-a's dependency
    "pkg:npm/picocolors@1.1.1": (REQ, False),
    "pkg:npm/react@18.3.1": (REQ, True),
    "pkg:npm/supports-color@7.2.0": (REQ, True),
    "pkg:npm/use-sync-external-store@1.2.2": (REQ, True),
}
# pnpm 9 files debug's optional peer under optionalDependencies (snapshots), so supports-color
# and has-flag are only reached as optional.
WORKSPACE_V9 = {
    **WORKSPACE,
    "pkg:npm/supports-color@7.2.0": (OPT, True),
    "pkg:npm/has-flag@4.0.0": (OPT, True),
}


def parse(path: Path) -> ParseResult:
    return PnpmLockParser().parse(read_text(path), str(path))


def parse_text(text: str) -> ParseResult:
    return PnpmLockParser().parse(text, "pnpm-lock.yaml")


def by_purl(result: ParseResult) -> dict[str, Component]:
    return {c.purl: c for c in result.components}


def registry_view(result: ParseResult) -> dict[str, tuple[Scope | None, bool | None]]:
    return {c.purl: (c.scope, c.direct) for c in result.components if c.registry}


def test_parser_identity() -> None:
    parser = PnpmLockParser()
    assert (parser.format, parser.ecosystem, parser.patterns) == (
        "pnpm-lock",
        "npm",
        ("pnpm-lock.yaml",),
    )
    assert matches(parser, PurePath("mono/pnpm-lock.yaml"))
    assert not matches(parser, PurePath("mono/pnpm-workspace.yaml"))


@pytest.mark.parametrize(
    ("folder", "expected"),
    [("v5-workspace", WORKSPACE), ("v6-workspace", WORKSPACE), ("v9-workspace", WORKSPACE_V9)],
)
def test_workspace_scopes_and_direct(folder: str, expected: dict[str, object]) -> None:
    result = parse(PNPM / folder / "pnpm-lock.yaml")
    assert registry_view(result) == expected
    # workspace packages (link:) are the project, not components
    names = {c.name for c in result.components}
    assert names.isdisjoint({"fixture-app", "lib-a", "linked-thing"})


@pytest.mark.parametrize("folder", ["v5-workspace", "v6-workspace", "v9-workspace"])
def test_peer_suffixes_and_graph(folder: str) -> None:
    got = by_purl(parse(PNPM / folder / "pnpm-lock.yaml"))
    # keys carry peer suffixes (debug/4.4.3_supports-color@7.2.0, debug@4.4.3(supports-...));
    # the purl does not
    assert got["pkg:npm/debug@4.4.3"].dependencies == (
        "pkg:npm/ms@2.1.3",
        "pkg:npm/supports-color@7.2.0",
    )
    assert got["pkg:npm/use-sync-external-store@1.2.2"].dependencies == ("pkg:npm/react@18.3.1",)
    assert got["pkg:npm/%40babel/code-frame@7.26.2"].hashes[0][0] == "SHA-512"
    assert got["pkg:npm/is-number@6.0.0"].paths == (
        ("pkg:npm/is-odd@3.0.1", "pkg:npm/is-number@6.0.0"),
    )


def test_non_registry_entries_v5() -> None:
    result = parse(PNPM / "v5-workspace" / "pnpm-lock.yaml")
    others = {c.purl: (c.version, c.download_url) for c in result.components if not c.registry}
    assert others == {
        GIT_THING: (
            "3.1.0",
            "https://git.test/acme/git-thing.git#58ea5968b7d1b203a7959d4343275f8935332009",
        ),
        "pkg:npm/local-thing@0.0.1?download_url=file:vendor/local-thing": (
            "0.0.1",
            "file:vendor/local-thing",
        ),
    }
    git = by_purl(result)[GIT_THING]
    assert (git.scope, git.direct) == (REQ, True)
    path = str(PNPM / "v5-workspace" / "pnpm-lock.yaml")
    assert git.locations == (
        SourceLocation(
            path,
            140,
            'packages["git.test/acme/git-thing/58ea5968b7d1b203a7959d4343275f8935332009"]',
        ),
    )
    assert [d.location.line for d in result.diagnostics] == [140, 146]


@pytest.mark.parametrize("folder", ["v6-workspace", "v9-workspace"])
def test_non_registry_entries_v6_v9(folder: str) -> None:
    # pnpm 8 and 9 write no version for a file: directory
    result = parse(PNPM / folder / "pnpm-lock.yaml")
    others = {c.purl: c.version for c in result.components if not c.registry}
    assert others == {
        GIT_THING: "3.1.0",
        "pkg:npm/local-thing?download_url=file:vendor/local-thing": None,
    }


def test_v9_catalogs() -> None:
    """react comes from the default catalog, is-number from the "legacy" one."""
    got = by_purl(parse(PNPM / "v9-workspace" / "pnpm-lock.yaml"))
    assert (got["pkg:npm/react@18.3.1"].scope, got["pkg:npm/react@18.3.1"].direct) == (REQ, True)
    assert got["pkg:npm/is-number@7.0.0"].direct is True


def test_catalog_entry_supplies_a_missing_version() -> None:
    text = """lockfileVersion: '9.0'
catalogs:
  tools:
    left-pad:
      specifier: ^1.3.0
      version: 1.3.0
importers:
  .:
    devDependencies:
      left-pad:
        specifier: 'catalog:tools'
packages:
  left-pad@1.3.0:
    resolution: {integrity: sha512-AAAA}
snapshots:
  left-pad@1.3.0: {}
"""
    assert registry_view(parse_text(text)) == {"pkg:npm/left-pad@1.3.0": (DEV, True)}


def test_v9_sources_tarballs_and_directory() -> None:
    """Hand-written: a codeload tarball (GitHub shorthand), a tarball URL with credentials, a
    private registry's tarball (registry layout: still a registry package), a file: folder."""
    result = parse(PNPM / "v9-sources" / "pnpm-lock.yaml")
    view = {c.purl: (c.registry, c.scope, c.direct, c.download_url) for c in result.components}
    codeload = (
        "https://codeload.git.test/acme/crypto-js/tar.gz/57deaffbcda0453c34987efb81d722da7e7a4f9e"
    )
    assert view == {
        f"pkg:npm/crypto-js@0.2.2?download_url={codeload}": (False, REQ, True, codeload),
        "pkg:npm/left-pad@1.3.0?download_url=https://files.test/left-pad-1.3.0.tgz": (
            False,
            REQ,
            True,
            "https://files.test/left-pad-1.3.0.tgz",
        ),
        "pkg:npm/private-lib@2.0.0": (True, REQ, True, None),
        "pkg:npm/tool?download_url=file:../tool": (False, DEV, True, "file:../tool"),
    }
    assert all("s3cr3t" not in str(d) for d in result.diagnostics)
    assert len(result.diagnostics) == 3


@pytest.mark.parametrize("folder", ["v5-single", "v6-single"])
def test_single_project_lockfile_without_importers(folder: str) -> None:
    """Without a workspace, v5/v6 list the root's dependencies at the top level. The ms
    dependency is a registry tarball URL: pnpm locks it like a registry package."""
    result = parse(PNPM / folder / "pnpm-lock.yaml")
    assert registry_view(result) == {
        "pkg:npm/%40types/ms@0.7.34": (REQ, True),
        "pkg:npm/ms@2.1.3": (REQ, True),
    }


def test_peer_variants_merge_into_one_component() -> None:
    text = """lockfileVersion: '6.0'
importers:
  .:
    dependencies:
      plugin:
        specifier: ^1.0.0
        version: 1.0.0(host@2.0.0)
    devDependencies:
      other:
        specifier: ^1.0.0
        version: 1.0.0
packages:
  /host@1.0.0:
    resolution: {integrity: sha512-AAAA}
    dev: true
  /host@2.0.0:
    resolution: {integrity: sha512-AAAA}
    dev: false
  /other@1.0.0:
    resolution: {integrity: sha512-AAAA}
    dependencies:
      plugin: 1.0.0(host@1.0.0)
    dev: true
  /plugin@1.0.0(host@1.0.0):
    resolution: {integrity: sha512-AAAA}
    dependencies:
      host: 1.0.0
    dev: true
  /plugin@1.0.0(host@2.0.0):
    resolution: {integrity: sha512-AAAA}
    dependencies:
      host: 2.0.0
    dev: false
"""
    result = parse_text(text)
    got = by_purl(result)
    assert registry_view(result) == {
        "pkg:npm/host@1.0.0": (DEV, False),
        "pkg:npm/host@2.0.0": (REQ, False),
        "pkg:npm/other@1.0.0": (DEV, True),
        "pkg:npm/plugin@1.0.0": (REQ, True),  # strongest of its two peer variants
    }
    assert got["pkg:npm/plugin@1.0.0"].dependencies == (
        "pkg:npm/host@1.0.0",
        "pkg:npm/host@2.0.0",
    )
    assert [loc.line for loc in got["pkg:npm/plugin@1.0.0"].locations] == [24, 29]


def test_optional_edges_weaken_required_paths() -> None:
    text = """lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      a:
        specifier: 1.0.0
        version: 1.0.0
    devDependencies:
      d:
        specifier: 1.0.0
        version: 1.0.0
packages:
  a@1.0.0:
    resolution: {integrity: sha512-AAAA}
  b@1.0.0:
    resolution: {integrity: sha512-AAAA}
  c@1.0.0:
    resolution: {integrity: sha512-AAAA}
  d@1.0.0:
    resolution: {integrity: sha512-AAAA}
snapshots:
  a@1.0.0:
    optionalDependencies:
      b: 1.0.0
  b@1.0.0:
    dependencies:
      c: 1.0.0
  c@1.0.0: {}
  d@1.0.0:
    dependencies:
      c: 1.0.0
"""
    assert registry_view(parse_text(text)) == {
        "pkg:npm/a@1.0.0": (REQ, True),
        "pkg:npm/b@1.0.0": (OPT, False),
        "pkg:npm/c@1.0.0": (OPT, False),  # optional beats dev (reached from d)
        "pkg:npm/d@1.0.0": (DEV, True),
    }


def test_v5_flags_give_the_scope_of_packages_no_importer_reaches() -> None:
    text = """lockfileVersion: 5.4
specifiers:
  a: 1.0.0
dependencies:
  a: 1.0.0
packages:
  /a/1.0.0:
    resolution: {integrity: sha512-AAAA}
    dev: false
  /@scope/orphan/2.0.0_a@1.0.0:
    resolution: {integrity: sha512-AAAA}
    dev: true
  /loose/3.0.0:
    resolution: {integrity: sha512-AAAA}
    optional: true
"""
    assert registry_view(parse_text(text)) == {
        "pkg:npm/a@1.0.0": (REQ, True),
        "pkg:npm/%40scope/orphan@2.0.0": (DEV, False),
        "pkg:npm/loose@3.0.0": (OPT, False),
    }


def test_registry_tarball_elsewhere_stays_a_registry_package() -> None:
    """pnpm adds ``tarball`` to a registry package when its registry serves tarballs elsewhere
    than the default layout; the name@version key says it came from a registry."""
    text = """lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      '@acme/ui':
        specifier: ^2.0.0
        version: 2.0.1
packages:
  '@acme/ui@2.0.1':
    resolution: {integrity: sha512-AAAA, tarball: https://npm.acme.test/download/@acme/ui/2.0.1/0a1b2c3d}
snapshots:
  '@acme/ui@2.0.1': {}
"""
    result = parse_text(text)
    assert registry_view(result) == {"pkg:npm/%40acme/ui@2.0.1": (REQ, True)}
    assert result.diagnostics == ()


def test_names_keep_their_case() -> None:
    text = """lockfileVersion: '6.0'
dependencies:
  JSONStream:
    specifier: ^1.3.5
    version: 1.3.5
packages:
  /JSONStream@1.3.5:
    resolution: {integrity: sha512-AAAA}
    dev: false
"""
    assert list(by_purl(parse_text(text))) == ["pkg:npm/JSONStream@1.3.5"]


def test_propagate_scopes_strongest_path_wins() -> None:
    edges = {
        "root-dev": [("shared", False), ("dev-only", False)],
        "root-opt": [("shared", False)],
        "root-req": [("opt-child", True)],
        "opt-child": [("deep", False)],
        "deep": [("root-req", False)],  # a cycle back to a required node
    }
    roots = [("root-dev", DEV), ("root-opt", OPT), ("root-req", REQ)]
    assert propagate_scopes(roots, edges) == {
        "root-req": REQ,
        "root-opt": OPT,
        "shared": OPT,
        "opt-child": OPT,
        "deep": OPT,
        "root-dev": DEV,
        "dev-only": DEV,
    }


@pytest.mark.parametrize("case", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_fixtures(case: Path) -> None:
    expected = (case / "message.txt").read_text().strip()
    with pytest.raises(LockfileError) as caught:
        PnpmLockParser().parse(read_text(case / "pnpm-lock.yaml"), "pnpm-lock.yaml")
    message = str(caught.value)
    assert expected in message
    assert message.startswith("pnpm-lock.yaml")
    assert "\n" not in message
