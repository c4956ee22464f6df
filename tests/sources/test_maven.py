"""The pom.xml reader: declared dependencies, properties, management, scopes, safe XML."""

from __future__ import annotations

import time
from pathlib import Path, PurePath

import pytest

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, ParseResult, Scope, Severity
from ospo_scan.sources import read_text
from ospo_scan.sources.base import matches
from ospo_scan.sources.decode import load_xml
from ospo_scan.sources.maven import MavenPomParser

from ..conftest import FIXTURES

MAVEN = FIXTURES / "lockfiles" / "maven"
BROKEN = sorted(p for p in (MAVEN / "broken").iterdir() if p.is_dir())
REQ, OPT, DEV = Scope.REQUIRED, Scope.OPTIONAL, Scope.DEV
NS = 'xmlns="http://maven.apache.org/POM/4.0.0"'


def parse_file(path: Path) -> ParseResult:
    return MavenPomParser().parse(read_text(path), str(path))


def parse_text(body: str, head: str = "") -> ParseResult:
    text = (
        f'<?xml version="1.0"?>\n<project {NS}>\n<modelVersion>4.0.0</modelVersion>\n'
        f"<groupId>org.example</groupId><artifactId>app</artifactId><version>1.0</version>\n"
        f"{head}<dependencies>{body}</dependencies></project>\n"
    )
    return MavenPomParser().parse(text, "pom.xml")


def dependency(group: str, artifact: str, version: str | None = None, extra: str = "") -> str:
    version_tag = f"<version>{version}</version>" if version is not None else ""
    return (
        f"<dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId>"
        f"{version_tag}{extra}</dependency>"
    )


def by_purl(result: ParseResult) -> dict[str, Component]:
    return {c.purl: c for c in result.components}


def messages(result: ParseResult) -> list[str]:
    return [d.message for d in result.diagnostics]


def test_parser_identity() -> None:
    parser = MavenPomParser()
    assert (parser.format, parser.ecosystem, parser.patterns) == (
        "maven-pom",
        "maven",
        ("pom.xml",),
    )
    assert matches(parser, PurePath("service/pom.xml"))


def test_application_pom() -> None:
    path = MAVEN / "app" / "pom.xml"
    result = parse_file(path)
    got = {c.purl: (c.scope, c.direct, c.registry) for c in result.components}
    assert got == {
        # version from dependencyManagement, through a property
        "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.17.1": (REQ, True, True),
        "pkg:maven/org.slf4j/slf4j-api@2.0.13": (REQ, True, True),  # chained properties
        "pkg:maven/org.slf4j/slf4j-simple@2.0.13": (REQ, True, True),  # runtime
        "pkg:maven/jakarta.servlet/jakarta.servlet-api@6.0.0": (OPT, True, True),  # provided
        "pkg:maven/com.google.code.findbugs/jsr305@3.0.2": (OPT, True, True),  # [3.0.2], optional
        "pkg:maven/org.apache.commons/commons-lang3": (REQ, True, True),  # a range: no version
        "pkg:maven/com.acme/legacy-driver@1.0": (OPT, True, False),  # system: a local jar
        "pkg:maven/org.junit.jupiter/junit-jupiter@5.10.2": (DEV, True, True),  # managed scope
        "pkg:maven/org.mockito/mockito-core@5.12.0": (DEV, True, True),
        "pkg:maven/org.postgresql/postgresql@42.7.3": (OPT, True, True),  # profile property
    }
    comps = by_purl(result)
    databind = comps["pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.17.1"]
    # the test-jar of the same artifact merges into it: classifiers are not in our purls
    assert [loc.line for loc in databind.locations] == [38, 93]
    assert (databind.name, databind.version, databind.ecosystem) == (
        "com.fasterxml.jackson.core:jackson-databind",
        "2.17.1",
        "maven",
    )
    assert comps["pkg:maven/org.apache.commons/commons-lang3"].version is None
    assert not any("shop-model" in p or "asm" in p for p in comps)  # module, plugin dependency

    warnings = {d.location.line: d.message for d in result.diagnostics}
    assert warnings[65] == (
        "org.apache.commons:commons-lang3 version [3.12,4.0) is a range, resolved only at "
        "build time: reported without a version"
    )
    assert "is a module of this build" in warnings[70]
    folder = str(path.parent)
    assert warnings[75] == (
        f"com.acme:legacy-driver is a system dependency ({folder}/lib/legacy-driver-1.0.jar), "
        "not from a repository"
    )
    assert "profile postgres (1)" in warnings[121]
    transitive = [d for d in result.diagnostics if "transitive" in d.message]
    assert len(transitive) == 1 and transitive[0].severity is Severity.INFO


def test_child_with_parent_and_bom_reports_unknown_versions() -> None:
    result = parse_file(MAVEN / "child" / "pom.xml")
    assert [(c.purl, c.version) for c in result.components] == [
        ("pkg:maven/com.google.guava/guava", None),
        ("pkg:maven/org.apache.poi/poi", None),
        ("pkg:maven/com.ibm.icu/icu4j@75.1", "75.1"),
    ]
    found = messages(result)
    assert found[0] == (
        "com.google.guava:guava has no version here (it comes from the parent POM "
        "org.example.platform:platform-parent:7.1.0 or the imported BOM "
        "org.example.platform:platform-bom:7.1.0, which a static reading does not fetch): "
        "reported without a version"
    )
    # the groupId is inherited from the parent: platform-core is a module of the same build
    assert "org.example.platform:platform-core is a module of this build" in found[1]
    assert found[2] == (
        "org.apache.poi:poi version ${poi.version} uses undefined properties (poi.version): "
        "reported without a version"
    )


def test_pom_without_namespace_and_bare_property_forms() -> None:
    text = (
        "<project><modelVersion>4.0.0</modelVersion><groupId>g</groupId>"
        "<artifactId>a</artifactId><version>3.1</version><dependencies>"
        + dependency("x", "y", "${pom.version}")
        + dependency("x", "z", "${version}-patch")
        + "</dependencies></project>"
    )
    result = MavenPomParser().parse(text, "pom.xml")
    assert [c.purl for c in result.components] == ["pkg:maven/x/y@3.1", "pkg:maven/x/z@3.1-patch"]


@pytest.mark.parametrize(
    ("extra", "scope"),
    [
        ("", REQ),
        ("<scope>compile</scope>", REQ),
        ("<scope>runtime</scope>", REQ),
        ("<scope>provided</scope>", OPT),
        ("<scope>test</scope>", DEV),
        ("<optional>true</optional>", OPT),
        ("<scope>test</scope><optional>true</optional>", DEV),
        ("<scope>${dep.scope}</scope>", DEV),  # a property (defined below as test)
    ],
)
def test_scopes(extra: str, scope: Scope) -> None:
    head = "<properties><dep.scope>test</dep.scope></properties>"
    result = parse_text(dependency("g", "a", "1.0", extra), head)
    assert [(c.scope, c.direct) for c in result.components] == [(scope, True)]


def test_unknown_scope_and_misplaced_import() -> None:
    result = parse_text(
        dependency("g", "a", "1", "<scope>bundled</scope>")
        + dependency("g", "bom", "1", "<type>pom</type><scope>import</scope>")
    )
    assert [(c.purl, c.scope) for c in result.components] == [("pkg:maven/g/a@1", REQ)]
    assert messages(result) == [
        "g:a has unknown scope 'bundled': read as compile",
        "g:bom has scope import outside <dependencyManagement>: ignored by Maven",
        messages(result)[2],
    ]


def test_management_matches_type_and_classifier() -> None:
    head = (
        "<dependencyManagement><dependencies>"
        + dependency("g", "a", "1.0")
        + dependency("g", "a", "2.0", "<classifier>linux</classifier>")
        + "</dependencies></dependencyManagement>"
    )
    result = parse_text(
        dependency("g", "a", extra="<classifier>linux</classifier>")
        + dependency("g", "a", extra="<type>zip</type>"),
        head,
    )
    assert [c.purl for c in result.components] == ["pkg:maven/g/a@2.0", "pkg:maven/g/a"]
    assert "no version here (it comes from nowhere in this POM" in messages(result)[0]


def test_property_cycles_and_undefined_coordinates() -> None:
    head = "<properties><a>${b}</a><b>${a}</b><grp>${env.GROUP}</grp></properties>"
    result = parse_text(dependency("g", "x", "${a}") + dependency("${grp}", "y", "1"), head)
    assert [c.purl for c in result.components] == ["pkg:maven/g/x"]
    found = messages(result)
    assert found[0] == "g:x version ${a} uses undefined properties (a): reported without a version"
    assert found[1] == (
        "${grp}:y uses undefined properties (grp): it cannot be identified and is left out"
    )


def test_deep_property_chains_stay_bounded() -> None:
    count = 2_000
    properties = (
        "".join(f"<p{i}>${{p{i + 1}}}</p{i}>" for i in range(count)) + f"<p{count}>9</p{count}>"
    )
    start = time.perf_counter()
    result = parse_text(
        dependency("g", "a", "${p1990}") + dependency("g", "b", "${p0}"),
        f"<properties>{properties}</properties>",
    )
    elapsed = time.perf_counter() - start
    versions = {c.name: c.version for c in result.components}
    assert versions == {"g:a": "9", "g:b": None}  # b's chain is deeper than any real POM's
    assert elapsed < 5


def test_empty_pom_has_no_components_and_no_diagnostics() -> None:
    result = MavenPomParser().parse(
        f"<project {NS}><modelVersion>4.0.0</modelVersion><artifactId>a</artifactId></project>",
        "pom.xml",
    )
    assert result.components == () and result.diagnostics == ()


def test_xml_reader_records_lines_and_namespaces() -> None:
    document = load_xml('<a xmlns="urn:test">\n\n  <b/>\n</a>', "x.xml")
    child = next(iter(document.root))
    assert (child.tag, document.line(child), document.line(document.root)) == ("{urn:test}b", 3, 1)


def test_a_doctype_without_entities_is_harmless() -> None:
    text = f'<!DOCTYPE project SYSTEM "https://files.test/pom.dtd">\n<project {NS}/>'
    assert MavenPomParser().parse(text, "pom.xml").components == ()


def test_broken_fixtures_exist() -> None:
    assert {p.name for p in BROKEN} >= {"billion-laughs", "external-entity"}
    for folder in BROKEN:
        assert (folder / "pom.xml").is_file()
        assert (folder / "message.txt").read_text().strip()


@pytest.mark.parametrize("folder", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_fixture(folder: Path) -> None:
    path = folder / "pom.xml"
    expected = (folder / "message.txt").read_text().strip()
    with pytest.raises(LockfileError) as caught:
        parse_file(path)
    message = str(caught.value)
    assert expected in message
    assert message.startswith(f"{path}:")
    assert "\n" not in message


def test_many_dependencies_parse_in_linear_time() -> None:
    count = 20_000
    body = "".join(dependency(f"org.g{i % 50}", f"lib{i}", "${v}") for i in range(count))
    start = time.perf_counter()
    result = parse_text(body, "<properties><v>1.2.3</v></properties>")
    elapsed = time.perf_counter() - start
    assert len(result.components) == count
    assert {c.version for c in result.components} == {"1.2.3"}
    assert elapsed < 10, f"{count} dependencies took {elapsed:.1f}s"


def test_many_profiles_stay_linear() -> None:
    count = 3_000
    profiles = "".join(
        f"<profile><id>p{i}</id><properties><v{i}>1.{i}</v{i}></properties>"
        f"<dependencies>{dependency('g', f'a{i}', f'${{v{i}}}')}</dependencies></profile>"
        for i in range(count)
    )
    properties = "".join(f"<base{i}>x</base{i}>" for i in range(count))
    start = time.perf_counter()
    result = parse_text("", f"<properties>{properties}</properties><profiles>{profiles}</profiles>")
    elapsed = time.perf_counter() - start
    assert len(result.components) == count
    assert {c.scope for c in result.components} == {OPT}
    assert result.components[-1].version == f"1.{count - 1}"
    assert elapsed < 5, f"{count} profiles took {elapsed:.1f}s"
