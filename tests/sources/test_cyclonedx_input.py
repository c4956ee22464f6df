"""CycloneDX SBOMs as input: every schema version in JSON and XML, our own output, errors."""

from __future__ import annotations

import json
import time
from pathlib import Path, PurePath
from typing import Any

import pytest

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, ParseResult, Scope, SourceLocation
from ospo_scan.sources import read_text
from ospo_scan.sources.base import LockfileParser, matches
from ospo_scan.sources.cyclonedx import CycloneDxJsonParser, CycloneDxXmlParser, join_licenses

from ..conftest import FIXTURES

CDX = FIXTURES / "lockfiles" / "cyclonedx"
LIBRARY = sorted((CDX / "library").glob("*.cdx.*"))
BROKEN = sorted(p for p in (CDX / "broken").iterdir() if p.is_dir())
REQ, OPT, DEV = Scope.REQUIRED, Scope.OPTIONAL, Scope.DEV

# library/shop-web.*: purl -> (scope, direct, declared license before 1.6, dependencies)
SHOP_WEB: dict[str, tuple[Scope, bool, str | None, tuple[str, ...]]] = {
    "pkg:npm/express@4.19.2": (
        REQ,
        True,
        "MIT",
        ("pkg:npm/body-parser@1.20.2", "pkg:npm/debug@2.6.9"),
    ),
    "pkg:npm/body-parser@1.20.2": (REQ, False, "MIT OR Apache-2.0", ()),
    "pkg:npm/debug@2.6.9": (REQ, False, "(MIT-style notice) AND MIT", ("pkg:npm/ms@2.0.0",)),
    "pkg:npm/ms@2.0.0": (REQ, False, "MIT", ()),  # nested inside debug
    "pkg:pypi/requests@2.32.3": (OPT, True, "Apache License 2.0", ()),
    "pkg:maven/org.junit.jupiter/junit-jupiter-api@5.10.2": (DEV, True, "EPL-2.0", ()),
    "pkg:golang/git.test/pkg/errors@v0.9.1": (
        REQ,
        True,
        "BSD-2-Clause AND (Custom Notice)",
        (),
    ),
    "pkg:npm/left-pad": (REQ, True, None, ()),  # no version in its purl
}


def parser_for_suffix(path: Path) -> LockfileParser:
    return CycloneDxJsonParser() if path.suffix == ".json" else CycloneDxXmlParser()


def parse_file(path: Path) -> ParseResult:
    return parser_for_suffix(path).parse(read_text(path), str(path))


def parse_data(data: dict[str, Any]) -> ParseResult:
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, **data}
    return CycloneDxJsonParser().parse(json.dumps(bom, indent=2), "bom.json")


def by_purl(result: ParseResult) -> dict[str, Component]:
    return {c.purl: c for c in result.components}


def test_parser_identity_and_file_names() -> None:
    json_parser, xml_parser = CycloneDxJsonParser(), CycloneDxXmlParser()
    assert (json_parser.format, xml_parser.format) == ("cyclonedx-json", "cyclonedx-xml")
    for name in ("bom.json", "app.cdx.json", "bom.1.4.json"):
        assert matches(json_parser, PurePath("sbom") / name)
    for name in ("bom.xml", "app.cdx.xml", "bom.1.6.xml"):
        assert matches(xml_parser, PurePath("sbom") / name)
    assert not matches(json_parser, PurePath("package.json"))
    assert not matches(json_parser, PurePath("bom.schema.json"))
    assert not matches(xml_parser, PurePath("pom.xml"))


def test_library_fixtures_cover_every_version_in_both_encodings() -> None:
    names = {p.name for p in LIBRARY}
    for version in ("1.2", "1.3", "1.4", "1.5", "1.6", "1.7"):
        assert {f"shop-web.{version}.cdx.json", f"shop-web.{version}.cdx.xml"} <= names


@pytest.mark.parametrize("path", LIBRARY, ids=[p.name for p in LIBRARY])
def test_library_boms(path: Path) -> None:
    result = parse_file(path)
    got = {
        c.purl: (c.scope, c.direct, c.declared_license, c.dependencies) for c in result.components
    }
    want = dict(SHOP_WEB)
    version = tuple(int(x) for x in path.name.split(".")[1:3])
    if version >= (1, 6):
        # CycloneDX 1.6 acknowledgement: the concluded license beats the declared one
        want["pkg:npm/debug@2.6.9"] = (REQ, False, "MIT-style notice", ("pkg:npm/ms@2.0.0",))
    assert got == want
    assert "pkg:npm/shop-web@1.0.0" not in got  # the subject
    comps = by_purl(result)
    express = comps["pkg:npm/express@4.19.2"]
    assert (express.name, express.version, express.ecosystem) == ("express", "4.19.2", "npm")
    assert express.hashes == (("SHA-256", "aa" * 32),)
    junit = comps["pkg:maven/org.junit.jupiter/junit-jupiter-api@5.10.2"]
    assert (junit.name, junit.ecosystem) == ("org.junit.jupiter:junit-jupiter-api", "maven")
    assert comps["pkg:npm/left-pad"].version is None
    assert comps["pkg:npm/ms@2.0.0"].paths == (
        ("pkg:npm/express@4.19.2", "pkg:npm/debug@2.6.9", "pkg:npm/ms@2.0.0"),
    )
    messages = [d.message for d in result.diagnostics]
    expected = [
        "component 'vendored-blob' has no purl: it cannot be checked",
        "pkg:npm/left-pad has no version: it is not pinned",
    ]
    if version == (1, 7):
        expected.insert(0, "CycloneDX 1.7 is newer than 1.6: read as 1.6 (unknown fields ignored)")
    assert messages == expected
    if path.suffix == ".xml":
        assert all(c.locations[0].line for c in result.components)
    else:
        assert express.locations[0].key is not None
        assert express.locations[0].key.startswith("components[")


def test_our_own_cyclonedx_output_reads_back() -> None:
    from_json = parse_file(CDX / "roundtrip" / "bom.json")
    from_xml = parse_file(CDX / "roundtrip" / "bom.xml")
    summary = [
        (c.purl, c.ecosystem, c.scope, c.direct, c.declared_license, c.dependencies)
        for c in from_json.components
    ]
    assert summary == [
        (c.purl, c.ecosystem, c.scope, c.direct, c.declared_license, c.dependencies)
        for c in from_xml.components
    ]
    assert {c.ecosystem for c in from_json.components} == {"cocoapods", "conan"}
    comps = by_purl(from_json)
    assert len(comps) == 20
    openssl = comps["pkg:conan/openssl@3.2.1"]
    assert (openssl.scope, openssl.direct, openssl.declared_license) == (
        REQ,
        False,
        "Apache-2.0 OR MIT",
    )
    assert comps["pkg:conan/nasm@2.16.01"].scope is DEV  # written as "excluded"
    # our reporter omits the scope when the lockfile could not tell: read as required
    assert comps["pkg:cocoapods/Alamofire@5.9.1"].scope is REQ
    assert comps["pkg:cocoapods/Alamofire@5.9.1"].direct is True
    private = (
        "pkg:cocoapods/AppAnalytics@2.3.0?repository_url=https://git.test/mobile/private-specs.git"
    )
    assert comps[private].dependencies == ("pkg:cocoapods/PromisesObjC@2.4.0",)
    assert from_json.diagnostics == () and from_xml.diagnostics == ()


def test_purls_are_copied_verbatim() -> None:
    odd = "pkg:npm/%40Scope/Pkg@1.0.0?download_url=git%2Bssh%3A%2F%2Fgit%40git.test%2Fa.git"
    result = parse_data({"components": [{"type": "library", "name": "Pkg", "purl": odd}]})
    [component] = result.components
    assert component.purl == odd  # not re-encoded or lowercased
    assert (component.name, component.version, component.scope, component.direct) == (
        "@Scope/Pkg",
        "1.0.0",
        REQ,
        None,  # no graph entry for a subject: direct is unknown
    )


def test_subject_repeated_in_components_and_invalid_purls() -> None:
    data = {
        "metadata": {"component": {"type": "application", "name": "app", "bom-ref": "app"}},
        "components": [
            {"type": "application", "name": "app", "bom-ref": "app", "purl": "pkg:npm/app@1.0.0"},
            {"type": "library", "name": "bad", "bom-ref": "bad", "purl": "npm/bad@1"},
            {"type": "library", "name": "a", "bom-ref": "a", "purl": "pkg:npm/a@1.0.0"},
            {"type": "library", "name": "a2", "bom-ref": "a-copy", "purl": "pkg:npm/a@1.0.0"},
        ],
        "dependencies": [{"ref": "app", "dependsOn": ["a-copy"]}, {"ref": "a"}],
    }
    result = parse_data(data)
    assert [(c.purl, c.direct) for c in result.components] == [("pkg:npm/a@1.0.0", True)]
    assert [loc.key for loc in result.components[0].locations] == [
        "components[2]",
        "components[3]",
    ]
    [note] = result.diagnostics
    assert note.message.startswith("'npm/bad@1' is not a valid purl (")
    assert note.location == SourceLocation("bom.json", None, "components[1]")


def test_a_bom_of_a_bom_with_the_subject_by_purl_only() -> None:
    data = {
        "metadata": {"component": {"type": "application", "name": "app", "purl": "pkg:npm/app@2"}},
        "components": [{"type": "library", "name": "app", "purl": "pkg:npm/app@2"}],
    }
    assert parse_data(data).components == ()


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([], None),
        ([("license", "MIT", None)], "MIT"),
        ([("expression", "MIT OR Apache-2.0", None)], "MIT OR Apache-2.0"),
        ([("license", "MIT", None), ("license", "ISC", None)], "MIT AND ISC"),
        ([("license", "MIT", None), ("license", "MIT", None)], "MIT"),
        (
            [("license", "LicenseRef-acme", None), ("expression", "A OR B", None)],
            "LicenseRef-acme AND (A OR B)",
        ),
        (
            [("license", "Apache License 2.0", None), ("license", "MIT", None)],
            "(Apache License 2.0) AND MIT",
        ),
        (
            [("license", "MIT", "declared"), ("license", "GPL-2.0-only", "concluded")],
            "GPL-2.0-only",
        ),
        ([("license", "  ", None)], None),
    ],
)
def test_join_licenses(items: list[tuple[str, str, str | None]], expected: str | None) -> None:
    assert join_licenses(items) == expected


def test_broken_fixtures_exist() -> None:
    names = {p.name for p in BROKEN}
    assert {"xml-billion-laughs", "xml-external-entity"} <= names
    for folder in BROKEN:
        files = [p for p in folder.iterdir() if p.name != "message.txt"]
        assert [p.name for p in files] in (["bom.json"], ["bom.xml"])
        assert (folder / "message.txt").read_text().strip()


@pytest.mark.parametrize("folder", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_fixture(folder: Path) -> None:
    path = next(p for p in folder.iterdir() if p.name != "message.txt")
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
        ({"metadata": []}, "metadata: an array found (expected an object)"),
        ({"components": [7]}, "components[0]: a number found"),
        ({"components": [{"purl": 7}]}, "components[0].purl: a number found"),
        ({"components": [{"licenses": {}}]}, "components[0].licenses: an object found"),
        ({"components": [{"components": "x"}]}, "components[0].components: a string found"),
        ({"dependencies": [{"ref": "a", "dependsOn": "b"}]}, "dependencies[0].dependsOn"),
        ({"specVersion": 1.5}, "unsupported CycloneDX version 1.5"),
    ],
)
def test_shape_errors(data: dict[str, Any], expected: str) -> None:
    with pytest.raises(LockfileError) as caught:
        parse_data(data)
    assert expected in str(caught.value)


def test_xml_scope_error_names_the_line() -> None:
    text = (
        '<bom xmlns="http://cyclonedx.org/schema/bom/1.4">\n<components>\n'
        "<component><name>a</name><scope>later</scope><purl>pkg:npm/a@1</purl></component>\n"
        "</components>\n</bom>"
    )
    with pytest.raises(LockfileError) as caught:
        CycloneDxXmlParser().parse(text, "bom.xml")
    assert str(caught.value).startswith('bom.xml:3: scope "later" found')


@pytest.mark.parametrize("case", ["CycloneDX__bom-examples", "CycloneDX__cyclonedx-node-npm"])
def test_corpus(corpus: Path, case: str) -> None:
    expected = corpus / "expected" / f"cyclonedx-json__{case}.json"
    lockfiles = sorted((corpus / "cyclonedx-json" / case).glob("*.json"))
    if not lockfiles or not expected.is_file():
        pytest.skip("CycloneDX sample not in the corpus")
    want = {
        c["purl"]: (c["scope"], c["direct"]) for c in json.loads(expected.read_text())["components"]
    }
    result = parse_file(lockfiles[0])
    assert {c.purl: (c.scope, c.direct) for c in result.components} == want
    assert all(c.declared_license for c in result.components)
    assert result.diagnostics == ()


def test_large_and_deeply_nested_boms_parse_in_linear_time() -> None:
    count = 20_000
    flat = [
        {"type": "library", "name": f"p{i}", "bom-ref": f"r{i}", "purl": f"pkg:npm/p{i}@1.0.0"}
        for i in range(count)
    ]
    nested: dict[str, Any] = {"type": "library", "name": "leaf", "purl": "pkg:npm/leaf@1.0.0"}
    for depth in range(300):  # far deeper than any real BOM: no recursion in the reader
        nested = {
            "type": "library",
            "name": f"n{depth}",
            "purl": f"pkg:npm/n{depth}@1.0.0",
            "components": [nested],
        }
    graph = [
        {"ref": f"r{i}", "dependsOn": [f"r{c}" for c in (2 * i + 1, 2 * i + 2) if c < count]}
        for i in range(count)
    ]
    start = time.perf_counter()
    result = parse_data({"components": [*flat, nested], "dependencies": graph})
    elapsed = time.perf_counter() - start
    assert len(result.components) == count + 301
    assert elapsed < 10, f"took {elapsed:.1f}s"
    assert result.diagnostics == ()
