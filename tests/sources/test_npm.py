"""The npm lockfile parser on real npm-written fixtures, hand-made edge cases and broken files."""

from __future__ import annotations

import json
from pathlib import Path, PurePath
from typing import Any

import pytest

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, ParseResult, Scope, SourceLocation
from ospo_scan.sources import read_text
from ospo_scan.sources.base import matches
from ospo_scan.sources.npm import NpmLockParser

from ..conftest import FIXTURES

NPM = FIXTURES / "lockfiles" / "npm"
BROKEN = sorted(p for p in (NPM / "broken").iterdir() if p.is_dir())

REQ, OPT, DEV = Scope.REQUIRED, Scope.OPTIONAL, Scope.DEV

# fixture-basic (see tests/fixtures/lockfiles/npm/README.md): purl -> (scope, direct)
BASIC = {
    "pkg:npm/%40isaacs/string-locale-compare@1.1.0": (DEV, True),
    "pkg:npm/debug@2.6.9": (REQ, True),
    "pkg:npm/ms@2.0.0": (REQ, False),  # debug's own nested copy
    "pkg:npm/ms@2.1.3": (REQ, True),
    "pkg:npm/is-number@7.0.0": (REQ, True),  # the root's peer dependency
    "pkg:npm/is-odd@3.0.1": (OPT, True),
    "pkg:npm/is-number@6.0.0": (OPT, False),  # is-odd's nested copy
    "pkg:npm/left-pad@1.0.0": (REQ, True),  # installed as the alias pad-v1
}
MS_2_1_3_SHA512 = (
    "e85973b9b4cb646dc9d9afcd542025784863ceae68c601f268253dc985ef70bb"
    "2fa1568726afece715c8ebf5d73fab73ed1f7100eb479d23bfb57b45dd645394"
)


def parse_fixture(relative: str) -> ParseResult:
    path = NPM / relative
    return NpmLockParser().parse(read_text(path), str(path))


def parse_data(data: dict[str, Any], path: str = "package-lock.json") -> ParseResult:
    return NpmLockParser().parse(json.dumps(data, indent=2), path)


def by_purl(result: ParseResult) -> dict[str, Component]:
    return {c.purl: c for c in result.components}


def v3(packages: dict[str, Any]) -> dict[str, Any]:
    return {"name": "t", "lockfileVersion": 3, "requires": True, "packages": packages}


# -- the parser's identity ---------------------------------------------------------------------


def test_parser_claims_both_file_names() -> None:
    parser = NpmLockParser()
    assert parser.format == "npm-package-lock"
    assert parser.ecosystem == "npm"
    assert matches(parser, PurePath("app/package-lock.json"))
    assert matches(parser, PurePath("cli/npm-shrinkwrap.json"))
    assert not matches(parser, PurePath("app/package.json"))


# -- real npm output: the same project as lockfileVersion 3, 2, shrinkwrap and 1 ----------------


@pytest.mark.parametrize(
    "relative",
    ["v3-basic/package-lock.json", "v2-basic/package-lock.json", "shrinkwrap/npm-shrinkwrap.json"],
)
def test_packages_map_scopes_direct_and_aliases(relative: str) -> None:
    result = parse_fixture(relative)
    got = {c.purl: (c.scope, c.direct) for c in result.components}
    assert got == BASIC
    assert all(c.registry and c.download_url is None for c in result.components)
    assert result.diagnostics == ()


def test_packages_map_dependencies_follow_node_lookup() -> None:
    comps = by_purl(parse_fixture("v3-basic/package-lock.json"))
    # debug@2.6.9 gets its nested ms@2.0.0, not the hoisted ms@2.1.3
    assert comps["pkg:npm/debug@2.6.9"].dependencies == ("pkg:npm/ms@2.0.0",)
    assert comps["pkg:npm/is-odd@3.0.1"].dependencies == ("pkg:npm/is-number@6.0.0",)
    assert comps["pkg:npm/ms@2.0.0"].paths == (("pkg:npm/debug@2.6.9", "pkg:npm/ms@2.0.0"),)
    assert comps["pkg:npm/debug@2.6.9"].paths == (("pkg:npm/debug@2.6.9",),)


def test_packages_map_metadata() -> None:
    path = NPM / "v3-basic/package-lock.json"
    comps = by_purl(parse_fixture("v3-basic/package-lock.json"))
    left_pad = comps["pkg:npm/left-pad@1.0.0"]
    assert (left_pad.name, left_pad.version, left_pad.ecosystem) == ("left-pad", "1.0.0", "npm")
    assert left_pad.declared_license == "WTFPL"
    assert left_pad.locations == (SourceLocation(str(path), 86, 'packages["node_modules/pad-v1"]'),)
    nested = comps["pkg:npm/ms@2.0.0"]
    assert nested.locations == (
        SourceLocation(str(path), 41, 'packages["node_modules/debug/node_modules/ms"]'),
    )
    assert comps["pkg:npm/ms@2.1.3"].hashes == (("SHA-512", MS_2_1_3_SHA512),)
    scoped = comps["pkg:npm/%40isaacs/string-locale-compare@1.1.0"]
    assert (scoped.name, scoped.declared_license) == ("@isaacs/string-locale-compare", "ISC")


def test_lockfile_v1_tree() -> None:
    result = parse_fixture("v1-basic/package-lock.json")
    comps = by_purl(result)
    # same components and scopes as the v3 file; v1 does not record the root's dependencies
    assert {p: c.scope for p, c in comps.items()} == {p: s for p, (s, _) in BASIC.items()}
    assert {c.direct for c in result.components} == {None}
    assert comps["pkg:npm/debug@2.6.9"].dependencies == ("pkg:npm/ms@2.0.0",)
    assert comps["pkg:npm/is-odd@3.0.1"].dependencies == ("pkg:npm/is-number@6.0.0",)
    assert comps["pkg:npm/left-pad@1.0.0"].name == "left-pad"  # alias pad-v1
    assert comps["pkg:npm/ms@2.1.3"].hashes == (("SHA-512", MS_2_1_3_SHA512),)
    assert comps["pkg:npm/ms@2.0.0"].locations[0].key == (
        'dependencies["debug"].dependencies["ms"]'
    )
    assert comps["pkg:npm/ms@2.0.0"].locations[0].line == 21
    assert comps["pkg:npm/debug@2.6.9"].declared_license is None  # v1 carries no licenses
    assert result.diagnostics == ()


# -- workspaces ----------------------------------------------------------------------------------


def test_workspaces_are_the_project_and_declare_direct_dependencies() -> None:
    result = parse_fixture("v3-workspaces/package-lock.json")
    got = {c.purl: (c.scope, c.direct) for c in result.components}
    assert got == {
        "pkg:npm/to-regex-range@5.0.1": (DEV, True),  # root devDependency
        "pkg:npm/is-number@7.0.0": (DEV, False),
        # packages/a declares is-number@^6: its copy sits in packages/a/node_modules
        "pkg:npm/is-number@6.0.0": (REQ, True),
        "pkg:npm/debug@4.3.4": (OPT, True),  # optional dependency of packages/b
        "pkg:npm/humanize-ms@1.2.1": (DEV, True),  # dev dependency of packages/b
        "pkg:npm/ms@2.1.2": (OPT, False),  # devOptional: reached via dev and optional deps
    }
    assert not any("fixture" in c.purl for c in result.components)
    assert result.diagnostics == ()


def test_extraneous_workspace_folder_declares_nothing() -> None:
    # shaped like socket.io's lockfile: a workspace folder left over, flagged extraneous
    data = v3(
        {
            "": {"name": "root", "workspaces": ["packages/kept"]},
            "node_modules/kept": {"resolved": "packages/kept", "link": True},
            "node_modules/a": {"version": "1.0.0"},
            "node_modules/b": {"version": "2.0.0"},
            "packages/kept": {"name": "kept", "version": "0.1.0", "dependencies": {"a": "^1"}},
            "packages/old": {
                "name": "old",
                "version": "0.0.1",
                "extraneous": True,
                "dependencies": {"b": "^2"},
            },
        }
    )
    got = {c.purl: c.direct for c in parse_data(data).components}
    assert got == {"pkg:npm/a@1.0.0": True, "pkg:npm/b@2.0.0": False}


def test_workspace_globs() -> None:
    data = v3(
        {
            "": {"workspaces": ["libs/**", "apps/*", "!apps/legacy"]},
            "node_modules/deep": {"resolved": "libs/x/deep", "link": True},
            "node_modules/web": {"resolved": "apps/web", "link": True},
            "node_modules/legacy": {"resolved": "apps/legacy", "link": True},
            "libs/x/deep": {"name": "deep", "version": "1.0.0"},
            "apps/web": {"name": "web", "version": "1.0.0"},
            "apps/legacy": {"name": "legacy", "version": "0.9.0"},
        }
    )
    result = parse_data(data)
    # apps/legacy is excluded from the workspaces, so its link is a plain file: dependency
    assert [(c.purl, c.registry) for c in result.components] == [
        ("pkg:npm/legacy@0.9.0?download_url=file:apps/legacy", False)
    ]


# -- sources other than the registry -----------------------------------------------------------


def test_git_tarball_and_file_entries_are_reported_not_dropped() -> None:
    result = parse_fixture("v3-sources/package-lock.json")
    comps = {c.name: c for c in result.components}
    git = comps["git-dep"]
    assert git.purl == (
        "pkg:npm/git-dep@1.2.0?vcs_url=git%2Bssh://git.test/acme/git-dep.git"
        "%230123456789abcdef0123456789abcdef01234567"
    )
    assert (git.registry, git.direct, git.scope) == (False, True, REQ)
    assert git.download_url == (
        "git+ssh://git.test/acme/git-dep.git#0123456789abcdef0123456789abcdef01234567"
    )
    assert git.dependencies == ("pkg:npm/ms@2.1.3",)
    tarball = comps["tarball-dep"]
    assert (tarball.registry, tarball.version) == (False, "2.0.0")
    assert tarball.download_url == "https://files.test/tarball-dep-2.0.0.tgz"
    assert tarball.declared_license == "Apache-2.0"  # a legacy {"type": ...} object
    local = comps["local-lib"]
    assert (local.registry, local.version, local.download_url) == (
        False,
        "0.0.1",
        "file:vendor/local-lib",
    )
    assert local.declared_license == "BSD-3-Clause"  # from the linked folder's entry
    assert local.dependencies == ("pkg:npm/ms@2.1.3",)
    assert comps["ms"].registry and comps["is-number"].registry

    warned = sorted(d.message.split(":")[0] for d in result.diagnostics)
    assert warned == ["node_modules/git-dep", "node_modules/local-lib", "node_modules/tarball-dep"]
    assert all("not from a registry" in d.message for d in result.diagnostics)
    # the credentials in the tarball URL reach no output
    assert "s3cret" not in repr(result)


def test_v1_git_tarball_and_file_entries() -> None:
    result = parse_fixture("v1-sources/package-lock.json")
    comps = {c.name: c for c in result.components}
    assert comps["git-dep"].download_url == (
        "git+ssh://git.test/acme/git-dep.git#0123456789abcdef0123456789abcdef01234567"
    )
    assert comps["git-dep"].version is None  # v1 records the commit, not the version
    assert comps["git-dep"].dependencies == ("pkg:npm/ms@2.1.3",)
    assert comps["tarball-dep"].download_url == "https://files.test/tarball-dep-2.0.0.tgz"
    assert comps["local-lib"].download_url == "file:vendor/local-lib"
    assert [c.registry for c in result.components] == [False, True, False, True, False]
    assert len(result.diagnostics) == 3
    assert 'dependencies["git-dep"]' in result.diagnostics[0].message
    assert result.diagnostics[0].location.line == 7
    assert "s3cret" not in repr(result)


@pytest.mark.parametrize(
    ("resolved", "registry"),
    [
        ("https://registry.test/a/-/a-1.0.0.tgz", True),
        ("http://mirror.test/npm/a/-/a-1.0.0.tgz", True),
        ("https://npm.test/download/@acme/a/1.0.0/0123abcd", True),
        ("https://files.test/a.tgz", False),
        ("git+https://git.test/acme/a.git#0123", False),
        ("github:acme/a#0123", False),
        ("file:a-1.0.0.tgz", False),
    ],
)
def test_registry_or_not_by_resolved_url(resolved: str, registry: bool) -> None:
    data = v3({"": {}, "node_modules/a": {"version": "1.0.0", "resolved": resolved}})
    result = parse_data(data)
    assert [c.registry for c in result.components] == [registry]
    assert len(result.diagnostics) == (0 if registry else 1)


# -- names, versions, flags, licenses, hashes ---------------------------------------------------


def test_names_keep_their_case() -> None:
    data = v3(
        {
            "": {"dependencies": {"JSONStream": "^1", "@Acme/Thing": "^2"}},
            "node_modules/JSONStream": {"version": "1.3.5"},
            "node_modules/@Acme/Thing": {"version": "2.0.0"},
        }
    )
    assert [c.purl for c in parse_data(data).components] == [
        "pkg:npm/JSONStream@1.3.5",
        "pkg:npm/%40Acme/Thing@2.0.0",
    ]


def test_scope_flags() -> None:
    data = v3(
        {
            "": {},
            "node_modules/a": {"version": "1.0.0", "dev": True, "optional": True},
            "node_modules/b": {"version": "1.0.0", "devOptional": True},
            "node_modules/c": {"version": "1.0.0", "optional": True},
            "node_modules/d": {"version": "1.0.0", "peer": True},
        }
    )
    assert [c.scope for c in parse_data(data).components] == [DEV, OPT, OPT, REQ]


def test_nested_scoped_copies_resolve_to_the_nearest() -> None:
    data = v3(
        {
            "": {"dependencies": {"@s/a": "1"}},
            "node_modules/@s/a": {"version": "1.0.0", "dependencies": {"b": "1", "c": "1"}},
            "node_modules/@s/a/node_modules/b": {"version": "1.0.0"},
            "node_modules/b": {"version": "2.0.0"},
            "node_modules/c": {"version": "3.0.0", "dependencies": {"b": "2"}},
        }
    )
    comps = by_purl(parse_data(data))
    assert comps["pkg:npm/%40s/a@1.0.0"].dependencies == ("pkg:npm/b@1.0.0", "pkg:npm/c@3.0.0")
    assert comps["pkg:npm/c@3.0.0"].dependencies == ("pkg:npm/b@2.0.0",)
    assert comps["pkg:npm/c@3.0.0"].paths == (("pkg:npm/%40s/a@1.0.0", "pkg:npm/c@3.0.0"),)


def test_duplicate_copies_merge_with_the_strongest_scope() -> None:
    data = v3(
        {
            "": {"dependencies": {"x": "1"}, "devDependencies": {"y": "1"}},
            "node_modules/x": {"version": "1.0.0", "dependencies": {"z": "1"}},
            "node_modules/x/node_modules/z": {"version": "1.0.0"},
            "node_modules/y": {"version": "1.0.0", "dev": True, "dependencies": {"z": "1"}},
            "node_modules/y/node_modules/z": {"version": "1.0.0", "dev": True},
            "node_modules/z": {"version": "2.0.0", "dev": True},
        }
    )
    comps = by_purl(parse_data(data))
    z = comps["pkg:npm/z@1.0.0"]
    assert (z.scope, z.direct) == (REQ, False)
    assert [loc.key for loc in z.locations] == [
        'packages["node_modules/x/node_modules/z"]',
        'packages["node_modules/y/node_modules/z"]',
    ]


@pytest.mark.parametrize(
    ("license_value", "expected"),
    [
        ("MIT", "MIT"),
        ("(MIT OR Apache-2.0)", "(MIT OR Apache-2.0)"),
        ({"type": "BSD-3-Clause", "url": "https://files.test/LICENSE"}, "BSD-3-Clause"),
        ([{"type": "MIT"}, {"type": "Apache-2.0"}], "MIT OR Apache-2.0"),
        (
            ["MIT", {"type": "GPL-2.0 WITH Classpath-exception-2.0"}],
            "MIT OR (GPL-2.0 WITH Classpath-exception-2.0)",
        ),
        ({"url": "https://files.test/LICENSE"}, None),
        ("", None),
        (None, None),
    ],
)
def test_declared_license(license_value: Any, expected: str | None) -> None:
    entry: dict[str, Any] = {"version": "1.0.0"}
    if license_value is not None:
        entry["license"] = license_value
    result = parse_data(v3({"": {}, "node_modules/a": entry}))
    assert result.components[0].declared_license == expected


def test_legacy_licenses_field() -> None:
    entry = {"version": "1.0.0", "licenses": [{"type": "MIT"}, {"type": "ISC"}]}
    result = parse_data(v3({"": {}, "node_modules/a": entry}))
    assert result.components[0].declared_license == "MIT OR ISC"


def test_integrity_with_several_hashes_and_a_bad_one() -> None:
    entry = {"version": "1.0.0", "integrity": "sha1-AAECAw== sha256-BAUGBw== md5-AAAA"}
    result = parse_data(v3({"": {}, "node_modules/a": entry}))
    assert result.components[0].hashes == (("SHA-1", "00010203"), ("SHA-256", "04050607"))
    broken = v3({"": {}, "node_modules/a": {"version": "1.0.0", "integrity": "sha512-@@@"}})
    result = parse_data(broken)
    assert result.components[0].hashes == ()
    assert [d.message for d in result.diagnostics] == [
        "node_modules/a: integrity value 'sha512-@@@' is not valid Subresource Integrity"
    ]


def test_minified_file_has_key_paths_without_lines() -> None:
    text = json.dumps(v3({"": {}, "node_modules/a": {"version": "1.0.0"}}))
    result = NpmLockParser().parse(text, "min/package-lock.json")
    assert result.components[0].locations == (
        SourceLocation("min/package-lock.json", None, 'packages["node_modules/a"]'),
    )


def test_v2_without_packages_reads_the_legacy_tree() -> None:
    data = {"lockfileVersion": 2, "dependencies": {"a": {"version": "1.0.0", "dev": True}}}
    result = parse_data(data)
    assert [(c.purl, c.scope, c.direct) for c in result.components] == [
        ("pkg:npm/a@1.0.0", DEV, None)
    ]


def test_v1_alias_of_a_scoped_package_and_deep_nesting() -> None:
    inner: dict[str, Any] = {"version": "0.0.1"}
    for depth in range(150):  # deeper than any real tree; no recursion in the parser
        inner = {"version": f"1.0.{depth}", "dependencies": {f"n{depth}": inner}}
    data = {
        "lockfileVersion": 1,
        "dependencies": {
            "alias": {"version": "npm:@acme/real@2.1.0", "requires": {"top": "1"}},
            "top": inner,
        },
    }
    comps = by_purl(parse_data(data))
    assert comps["pkg:npm/%40acme/real@2.1.0"].name == "@acme/real"
    assert comps["pkg:npm/%40acme/real@2.1.0"].dependencies == ("pkg:npm/top@1.0.149",)
    assert len(comps) == 152


def test_empty_lockfiles() -> None:
    assert parse_data({"lockfileVersion": 1}).components == ()
    assert parse_data(v3({"": {"name": "empty"}})).components == ()


# -- broken files --------------------------------------------------------------------------------


def test_every_broken_fixture_has_a_message() -> None:
    assert len(BROKEN) >= 10
    for folder in BROKEN:
        assert (folder / "package-lock.json").is_file()
        assert (folder / "message.txt").read_text().strip()


@pytest.mark.parametrize("folder", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_fixture(folder: Path) -> None:
    path = folder / "package-lock.json"
    expected = (folder / "message.txt").read_text().strip()
    with pytest.raises(LockfileError) as caught:
        NpmLockParser().parse(read_text(path), str(path))
    message = str(caught.value)
    assert expected in message
    assert message.startswith(str(path))
    assert "\n" not in message


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"lockfileVersion": True}, "lockfileVersion: unsupported version true"),
        ({"lockfileVersion": "3"}, 'lockfileVersion: unsupported version "3"'),
        (
            v3({"": {}, "node_modules/a": {"version": "1", "name": 5}}),
            'packages["node_modules/a"].name: a number found (expected a string)',
        ),
        (
            v3({"": {}, "node_modules/": {"version": "1.0.0"}}),
            'packages["node_modules/"]: cannot make a package URL',
        ),
        (
            {"lockfileVersion": 1, "dependencies": []},
            "dependencies: an array found",
        ),
        (
            {"lockfileVersion": 1, "dependencies": {"a": {"version": "1", "dependencies": 3}}},
            'dependencies["a"].dependencies: a number found',
        ),
    ],
)
def test_more_shape_errors(data: Any, expected: str) -> None:
    with pytest.raises(LockfileError, match=None) as caught:
        parse_data(data, "x/package-lock.json")
    assert expected in str(caught.value)
