"""Gradle dependency locks: ``gradle.lockfile`` and the per-configuration files of Gradle < 7.

Gradle writes one line per locked module (Gradle user guide, "Locking dependency versions"):
``group:artifact:version=configuration1,configuration2`` in the single per-project lockfile
(Gradle 6.4+, the only format since Gradle 7), plus ``empty=...`` naming the locked
configurations that resolved to nothing. Before Gradle 7 each configuration could have its own
``gradle/dependency-locks/<configuration>.lockfile`` whose lines are just
``group:artifact:version``. Lines starting with ``#`` are comments.

A lockfile records resolved configurations, not the project's declared dependencies, so
``direct`` is unknown and there is no dependency graph. The scope comes from the
configurations that hold a module (the shared corpus's rule for gradle): ``runtimeClasspath``
means it ships (required); ``compileClasspath`` without a runtime configuration means it is
compile-only / provided (optional); anything else (tests, benchmarks, code-quality tools,
annotation processors, the build script's ``classpath``) is dev. Android release variants
(``releaseRuntimeClasspath``, ``<flavor>ReleaseRuntimeClasspath``) are the shipped ones there.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, ParseResult, Scope, SourceLocation
from ospo_scan.sources.base import finish, make_purl

ECOSYSTEM = "maven"

# Gradle module coordinates: group and artifact are Maven-like ids, the version anything
# without separators. Gradle itself does not restrict them further.
_COORDINATES = re.compile(r"^([^:=\s]+):([^:=\s]+):([^:=\s]+)$")
_CONFIGURATION = re.compile(r"^[A-Za-z_][\w.-]*$")

# Configurations whose modules end up in what the project ships (legacy names of Gradle < 7
# included: `compile` was both compiled against and shipped, `default` is what consumers get).
_RUNTIME = frozenset({"runtimeClasspath", "runtime", "default", "compile"})
_COMPILE_ONLY = frozenset({"compileClasspath"})
# Android variants: <buildType> or <flavor...><BuildType> + RuntimeClasspath; only release
# builds ship (debug and unit/instrumented test variants are development builds).
_ANDROID_RELEASE = re.compile(r"^(?:release|[a-z]\w*Release)(Runtime|Compile)Classpath$")

_LEGACY_FOLDER = "gradle/dependency-locks"
_SINGLE_FILES = ("gradle.lockfile", "buildscript-gradle.lockfile")


class GradleLockParser:
    """Reads ``gradle.lockfile`` (Gradle 6.4+) and ``gradle/dependency-locks/*.lockfile``."""

    format: str = "gradle-lockfile"
    ecosystem: str = ECOSYSTEM
    patterns: tuple[str, ...] = (*_SINGLE_FILES, f"{_LEGACY_FOLDER}/*.lockfile")

    def parse(self, text: str, path: str) -> ParseResult:
        """Return one component per locked module version, scoped by its configurations.

        Raises ``LockfileError`` naming the line for a line that is not a comment, an
        ``empty=`` line or ``group:artifact:version=configurations`` (``group:artifact:version``
        in a per-configuration file of Gradle < 7).
        """
        legacy = _legacy_configuration(path)
        components: list[Component] = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if legacy is not None:
                coordinates, configurations = line, [legacy]
            else:
                coordinates, configurations = _split_line(line, path, number)
                if coordinates == "empty":
                    continue  # configurations locked as resolving to nothing
            found = _COORDINATES.match(coordinates)
            if found is None:
                raise LockfileError(
                    f'"{coordinates}" is not a module',
                    path=path,
                    line=number,
                    expected="group:artifact:version" + ("" if legacy else "=configurations"),
                )
            group, artifact, version = found.groups()
            components.append(
                Component(
                    purl=make_purl(ECOSYSTEM, artifact, version, namespace=group),
                    name=f"{group}:{artifact}",
                    version=version,
                    ecosystem=ECOSYSTEM,
                    scope=configuration_scope(configurations),
                    direct=None,
                    locations=(SourceLocation(path, number),),
                )
            )
        return finish(components)


def configuration_scope(configurations: list[str]) -> Scope:
    """The strongest scope of a module locked in these Gradle configurations.

    ``runtimeClasspath`` (and the legacy ``runtime``/``compile``/``default``) -> required;
    ``compileClasspath`` -> optional (compile-only, provided at run time by someone else);
    any other configuration (``test*``, ``jmh*``, custom source sets, tool configurations
    such as ``spotbugs`` or ``jacocoAgent``, the build script ``classpath``) -> dev.
    """
    scope = Scope.DEV
    for configuration in configurations:
        if configuration in _RUNTIME:
            return Scope.REQUIRED
        android = _ANDROID_RELEASE.match(configuration)
        if android is not None:
            if android.group(1) == "Runtime":
                return Scope.REQUIRED
            scope = Scope.OPTIONAL
        elif configuration in _COMPILE_ONLY:
            scope = Scope.OPTIONAL
    return scope


def _split_line(line: str, path: str, number: int) -> tuple[str, list[str]]:
    """``coordinates=conf1,conf2`` -> (coordinates, [conf1, conf2])."""
    coordinates, sep, listed = line.partition("=")
    if not sep:
        raise LockfileError(
            f'"{line}" names no configuration',
            path=path,
            line=number,
            expected="group:artifact:version=configurations",
        )
    # Gradle writes "a,b"; its documentation shows "a, b": accept both.
    configurations = [c.strip() for c in listed.split(",")]
    for configuration in configurations:
        if not _CONFIGURATION.match(configuration) and not (
            coordinates == "empty" and configuration == ""
        ):
            raise LockfileError(
                f'"{configuration}" is not a configuration name',
                path=path,
                line=number,
                expected="a comma-separated list of configurations",
            )
    return coordinates.strip(), [c for c in configurations if c]


def _legacy_configuration(path: str) -> str | None:
    """The configuration a Gradle < 7 per-configuration lockfile is named after, else None.

    ``gradle/dependency-locks/testRuntimeClasspath.lockfile`` locks ``testRuntimeClasspath``;
    ``buildscript-classpath.lockfile`` there locks the build script's ``classpath``.
    """
    pure = PurePath(path.replace("\\", "/"))
    if pure.suffix != ".lockfile" or pure.name in (
        "gradle.lockfile",
        "buildscript-gradle.lockfile",
    ):
        return None
    if "/".join(pure.parts[-3:-1]) != _LEGACY_FOLDER:
        return None
    return pure.stem.removeprefix("buildscript-")
