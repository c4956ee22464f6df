"""The composer.lock parser: sections, licenses, the require graph, path packages, broken files."""

from __future__ import annotations

import json
import time
from pathlib import Path, PurePath

import pytest

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, ParseResult, Scope, SourceLocation
from ospo_scan.sources import read_text
from ospo_scan.sources.base import matches
from ospo_scan.sources.composer import ComposerLockParser, _default_host

from ..conftest import FIXTURES

COMPOSER = FIXTURES / "lockfiles" / "composer"
BROKEN = sorted(p for p in (COMPOSER / "broken").iterdir() if p.is_dir())
REQ, DEV = Scope.REQUIRED, Scope.DEV
PRIVATE = "pkg:composer/acme/billing-client@2.4.0?repository_url=https://repo.test/acme"


def parse_file(path: Path) -> ParseResult:
    return ComposerLockParser().parse(read_text(path), str(path))


def parse_data(data: object) -> ParseResult:
    return ComposerLockParser().parse(json.dumps(data, indent=4), "composer.lock")


def by_purl(result: ParseResult) -> dict[str, Component]:
    return {c.purl: c for c in result.components}


def test_parser_identity() -> None:
    parser = ComposerLockParser()
    assert (parser.format, parser.ecosystem, parser.patterns) == (
        "composer-lock",
        "composer",
        ("composer.lock",),
    )
    assert matches(parser, PurePath("web/composer.lock"))


def test_application_lockfile() -> None:
    path = COMPOSER / "app" / "composer.lock"
    result = parse_file(path)
    comps = by_purl(result)
    assert {purl: (c.scope, c.registry) for purl, c in comps.items()} == {
        "pkg:composer/acme/core@dev-main": (REQ, False),  # a path repository
        PRIVATE: (REQ, True),
        "pkg:composer/guzzlehttp/guzzle@7.9.2": (REQ, True),
        "pkg:composer/guzzlehttp/promises@2.0.4": (REQ, True),
        "pkg:composer/monolog/monolog@3.8.1": (REQ, True),
        "pkg:composer/nette/utils@v4.0.5": (REQ, True),  # the "v" is kept
        "pkg:composer/psr/log@3.0.2": (REQ, True),  # also needed by phpunit: required wins
        "pkg:composer/symfony/polyfill-php80@v1.31.0": (REQ, True),
        "pkg:composer/acme/legacy-lib@1.0.0": (REQ, True),
        "pkg:composer/phpunit/phpunit@11.5.2": (DEV, True),
        "pkg:composer/sebastian/diff@6.0.2": (DEV, True),
    }
    # composer.lock does not record what the root package requires
    assert all(c.direct is None for c in result.components)
    licenses = {purl: c.declared_license for purl, c in comps.items()}
    assert licenses["pkg:composer/nette/utils@v4.0.5"] == (
        "BSD-3-Clause OR GPL-2.0-only OR GPL-3.0-only"  # a disjunctive license array
    )
    assert licenses["pkg:composer/acme/legacy-lib@1.0.0"] == (
        "(LGPL-2.1-only and GPL-3.0-or-later) OR MIT"
    )
    assert licenses["pkg:composer/acme/core@dev-main"] == "proprietary"
    # platform requirements are not packages; psr/log-implementation is provided by monolog
    assert comps[PRIVATE].dependencies == (
        "pkg:composer/guzzlehttp/guzzle@7.9.2",
        "pkg:composer/monolog/monolog@3.8.1",
    )
    assert comps[PRIVATE].hashes == (("SHA-1", "eb82f2eb079e655f271a5f54a337660657a242ee"),)
    assert comps[PRIVATE].locations == (SourceLocation(str(path), 35, "packages[1]"),)
    core = comps["pkg:composer/acme/core@dev-main"]
    assert (core.name, core.download_url) == ("acme/core", "packages/acme-core")
    assert [str(d) for d in result.diagnostics] == [
        f"{path}:9: acme/core dev-main is the local folder packages/acme-core, "
        "not from a package repository"
    ]
    assert "s3cret" not in repr(result)
    # without a root list, paths start at the packages nothing requires
    assert comps["pkg:composer/guzzlehttp/promises@2.0.4"].paths == (
        (
            PRIVATE,
            "pkg:composer/guzzlehttp/guzzle@7.9.2",
            "pkg:composer/guzzlehttp/promises@2.0.4",
        ),
    )


def test_composer_1_lockfile() -> None:
    result = parse_file(COMPOSER / "composer1" / "composer.lock")
    assert [(c.purl, c.scope, c.declared_license) for c in result.components] == [
        ("pkg:composer/twig/twig@v1.44.8", REQ, "BSD-3-Clause"),
        ("pkg:composer/symfony/polyfill-ctype@v1.19.0", REQ, "MIT"),
    ]
    assert result.components[0].dependencies == ("pkg:composer/symfony/polyfill-ctype@v1.19.0",)


def test_default_repository_and_replaced_packages() -> None:
    host = _default_host()
    assert host is not None
    result = parse_data(
        {
            "packages": [
                {
                    "name": "Laravel/Framework",
                    "version": "v11.0.0",
                    "require": {"illuminate/support": "*"},
                    "replace": {"illuminate/support": "self.version"},
                    "notification-url": f"https://{host}/downloads/",
                    "dist": {"type": "zip", "url": "x", "shasum": ""},
                    "license": [],
                },
                {
                    "name": "app/uses-support",
                    "version": "1.0",
                    "require": {"illuminate/support": "^11"},
                },
            ],
            "packages-dev": [],
        }
    )
    comps = by_purl(result)
    # vendor and name lowercased (purl spec); the default repository gives no qualifier
    assert list(comps) == [
        "pkg:composer/laravel/framework@v11.0.0",
        "pkg:composer/app/uses-support@1.0",
    ]
    assert comps["pkg:composer/laravel/framework@v11.0.0"].declared_license is None
    assert comps["pkg:composer/app/uses-support@1.0"].dependencies == (
        "pkg:composer/laravel/framework@v11.0.0",
    )


def test_every_broken_fixture_has_a_message() -> None:
    assert BROKEN
    for folder in BROKEN:
        assert (folder / "message.txt").read_text().strip()
        assert (folder / "composer.lock").is_file()


@pytest.mark.parametrize("folder", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_fixture(folder: Path) -> None:
    expected = (folder / "message.txt").read_text().strip()
    with pytest.raises(LockfileError) as caught:
        parse_file(folder / "composer.lock")
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_corpus(corpus: Path) -> None:
    lockfile = corpus / "composer" / "symfony__demo" / "composer.lock"
    expected = corpus / "expected" / "composer__symfony__demo.json"
    if not lockfile.is_file() or not expected.is_file():
        pytest.skip("composer sample not in the corpus")
    want = {
        c["purl"]: (c["scope"], c["direct"]) for c in json.loads(expected.read_text())["components"]
    }
    result = parse_file(lockfile)
    got = {c.purl: (c.scope, c.direct) for c in result.components if c.registry}
    assert got == want
    assert all(c.declared_license for c in result.components)
    assert all(c.locations[0].line for c in result.components)


def test_large_lockfiles_parse_in_linear_time() -> None:
    count = 20_000
    packages = [
        {
            "name": f"vendor/p{i}",
            "version": "1.0.0",
            "require": {f"vendor/p{c}": "^1.0" for c in (2 * i + 1, 2 * i + 2) if c < count},
            "license": ["MIT"],
        }
        for i in range(count)
    ]
    start = time.perf_counter()
    result = parse_data({"packages": packages, "packages-dev": []})
    elapsed = time.perf_counter() - start
    assert len(result.components) == count
    assert result.components[-1].paths[0][0] == "pkg:composer/vendor/p0@1.0.0"
    assert elapsed < 10, f"{count} packages took {elapsed:.1f}s"
