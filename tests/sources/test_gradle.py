"""The Gradle lockfile parser: single-file and per-configuration locks, scopes, broken files."""

from __future__ import annotations

import json
import time
from pathlib import Path, PurePath

import pytest

from ospo_scan.errors import LockfileError
from ospo_scan.model import ParseResult, Scope, SourceLocation
from ospo_scan.sources import read_text
from ospo_scan.sources.base import matches
from ospo_scan.sources.gradle import GradleLockParser, configuration_scope

from ..conftest import FIXTURES

GRADLE = FIXTURES / "lockfiles" / "gradle"
BROKEN = sorted(p for p in (GRADLE / "broken").iterdir() if p.is_dir())
REQ, OPT, DEV = Scope.REQUIRED, Scope.OPTIONAL, Scope.DEV


def parse_file(path: Path) -> ParseResult:
    return GradleLockParser().parse(read_text(path), str(path))


def scopes(result: ParseResult) -> dict[str, Scope | None]:
    return {c.purl: c.scope for c in result.components}


def test_parser_identity_and_file_names() -> None:
    parser = GradleLockParser()
    assert (parser.format, parser.ecosystem) == ("gradle-lockfile", "maven")
    assert matches(parser, PurePath("app/gradle.lockfile"))
    assert matches(parser, PurePath("app/buildscript-gradle.lockfile"))
    assert matches(parser, PurePath("app/gradle/dependency-locks/compileClasspath.lockfile"))
    assert not matches(parser, PurePath("app/locks/compileClasspath.lockfile"))
    assert not matches(parser, PurePath("app/build.gradle"))


def test_single_lockfile_scopes_by_configuration() -> None:
    path = GRADLE / "single" / "gradle.lockfile"
    result = parse_file(path)
    assert scopes(result) == {
        "pkg:maven/com.fasterxml.jackson.core/jackson-annotations@2.17.1": REQ,
        "pkg:maven/com.fasterxml.jackson.core/jackson-core@2.17.1": REQ,
        "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.17.1": REQ,
        # compileClasspath without runtimeClasspath: compile-only, provided by someone else
        "pkg:maven/com.google.auto.service/auto-service-annotations@1.1.1": OPT,
        "pkg:maven/com.google.auto.service/auto-service@1.1.1": DEV,  # annotation processor
        "pkg:maven/jakarta.servlet/jakarta.servlet-api@6.0.0": OPT,
        "pkg:maven/net.bytebuddy/byte-buddy@1.14.15": DEV,
        "pkg:maven/org.junit.jupiter/junit-jupiter-api@5.10.2": DEV,
        "pkg:maven/org.junit.jupiter/junit-jupiter-engine@5.10.2": DEV,
        "pkg:maven/org.slf4j/slf4j-api@2.0.13": REQ,
        "pkg:maven/org.slf4j/slf4j-api@1.7.36": DEV,  # the spotbugs tool's own copy
        "pkg:maven/org.slf4j/slf4j-simple@2.0.13": REQ,
    }
    # a lockfile records resolved configurations, not declared dependencies, nor a graph
    assert {c.direct for c in result.components} == {None}
    assert all(c.dependencies == () and c.registry for c in result.components)
    databind = next(c for c in result.components if c.name.endswith("jackson-databind"))
    assert (databind.name, databind.version, databind.ecosystem) == (
        "com.fasterxml.jackson.core:jackson-databind",
        "2.17.1",
        "maven",
    )
    assert databind.locations == (SourceLocation(str(path), 6),)
    assert databind.paths == ((databind.purl,),)  # nothing depends on it: a root
    assert result.diagnostics == ()


def test_buildscript_lockfile_is_build_tooling() -> None:
    result = parse_file(GRADLE / "buildscript" / "buildscript-gradle.lockfile")
    assert scopes(result) == {
        "pkg:maven/com.diffplug.spotless/spotless-plugin-gradle@6.25.0": DEV,
        "pkg:maven/com.google.code.gson/gson@2.10.1": DEV,
    }


def test_android_release_variants_ship() -> None:
    result = parse_file(GRADLE / "android" / "gradle.lockfile")
    assert scopes(result) == {
        "pkg:maven/androidx.annotation/annotation@1.8.0": REQ,
        "pkg:maven/androidx.core/core@1.13.1": REQ,  # freeReleaseRuntimeClasspath
        "pkg:maven/com.squareup.leakcanary/leakcanary-android@2.14": DEV,  # debug only
        "pkg:maven/com.google.errorprone/error_prone_annotations@2.27.0": OPT,
        "pkg:maven/junit/junit@4.13.2": DEV,  # releaseUnitTest*
    }


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("runtimeClasspath.lockfile", REQ),
        ("compileClasspath.lockfile", OPT),
        ("testRuntimeClasspath.lockfile", DEV),
        ("buildscript-classpath.lockfile", DEV),
    ],
)
def test_legacy_per_configuration_files(name: str, expected: Scope) -> None:
    path = GRADLE / "legacy" / "gradle" / "dependency-locks" / name
    result = parse_file(path)
    assert result.components
    assert {c.scope for c in result.components} == {expected}
    guava = [c for c in result.components if c.name == "com.google.guava:guava"]
    assert not guava or guava[0].purl == "pkg:maven/com.google.guava/guava@28.2-jre"
    assert result.components[0].locations[0].line == 4


def test_legacy_lines_without_configurations_are_errors_in_the_single_file() -> None:
    with pytest.raises(LockfileError, match="names no configuration"):
        GradleLockParser().parse("junit:junit:4.12\n", "gradle.lockfile")
    # ... but the legacy file's lines name no configuration: the file name does
    result = GradleLockParser().parse("junit:junit:4.12\n", "gradle/dependency-locks/x.lockfile")
    assert [(c.purl, c.scope) for c in result.components] == [("pkg:maven/junit/junit@4.12", DEV)]


def test_documented_spacing_and_empty_line() -> None:
    text = "a:b:1.0=compileClasspath, runtimeClasspath\n\nempty=annotationProcessor, test\n"
    result = GradleLockParser().parse(text, "gradle.lockfile")
    assert [(c.purl, c.scope) for c in result.components] == [("pkg:maven/a/b@1.0", REQ)]


@pytest.mark.parametrize(
    ("configurations", "expected"),
    [
        (["runtimeClasspath", "testRuntimeClasspath"], REQ),
        (["compileClasspath", "testCompileClasspath"], OPT),
        (["jmhRuntimeClasspath", "traceAgentTestRuntimeClasspath"], DEV),
        (["runtime"], REQ),  # Gradle < 7 names
        (["compile"], REQ),
        (["debugRuntimeClasspath"], DEV),
        (["paidReleaseCompileClasspath"], OPT),
        ([], DEV),
    ],
)
def test_configuration_scope(configurations: list[str], expected: Scope) -> None:
    assert configuration_scope(configurations) is expected


def test_broken_fixtures_exist() -> None:
    assert len(BROKEN) >= 4
    for folder in BROKEN:
        assert (folder / "gradle.lockfile").is_file()
        assert (folder / "message.txt").read_text().strip()


@pytest.mark.parametrize("folder", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_fixture(folder: Path) -> None:
    path = folder / "gradle.lockfile"
    expected = (folder / "message.txt").read_text().strip()
    with pytest.raises(LockfileError) as caught:
        parse_file(path)
    message = str(caught.value)
    assert expected in message
    assert message.startswith(f"{path}:")
    assert "\n" not in message


def test_corpus(corpus: Path) -> None:
    lockfile = corpus / "gradle" / "DataDog__dd-trace-java" / "gradle.lockfile"
    expected = corpus / "expected" / "gradle__DataDog__dd-trace-java.json"
    if not lockfile.is_file() or not expected.is_file():
        pytest.skip("gradle sample not in the corpus")
    want = {
        c["purl"]: (c["scope"], c["direct"]) for c in json.loads(expected.read_text())["components"]
    }
    result = parse_file(lockfile)
    got = {c.purl: (c.scope, c.direct) for c in result.components if c.registry}
    assert got == want


def test_large_lockfile_parses_in_linear_time() -> None:
    count = 50_000
    lines = [
        f"org.example{i % 97}:lib{i}:1.{i}=compileClasspath,runtimeClasspath" for i in range(count)
    ]
    text = "\n".join(lines) + "\nempty=\n"
    start = time.perf_counter()
    result = GradleLockParser().parse(text, "gradle.lockfile")
    elapsed = time.perf_counter() - start
    assert len(result.components) == count
    assert elapsed < 10, f"{count} modules took {elapsed:.1f}s"
