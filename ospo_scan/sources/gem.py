"""Parser for Bundler's ``Gemfile.lock``: gems from GEM, GIT and PATH sources, read line by line.

The format (Bundler's lockfile parser, bundler/lib/bundler/lockfile_parser.rb) is a list of
sections, each a header at column 0 followed by lines indented by two spaces:

- source sections ``GEM`` (a gem server), ``GIT`` (a repository at a ``revision``), ``PATH``
  (a folder of the project) and ``PLUGIN SOURCE``: ``remote:`` and other options, then
  ``specs:`` with one gem per 4-space line, ``name (version)`` or ``name (version-platform)``,
  and its runtime dependencies on 6-space lines below it;
- ``DEPENDENCIES``: what the Gemfile declares (``!`` marks a gem pinned to a non-default source);
- ``PLATFORMS``, ``CHECKSUMS`` (Bundler 2.6+: ``name (version) sha256=<hex>``), ``RUBY VERSION``
  and ``BUNDLED WITH``.

PATH gems are the project's own (gemspecs of the repository): not components. Platform
variants of one version (``nokogiri (1.16.0-x86_64-linux)``) collapse into one purl without a
``platform`` qualifier. Gems of a GEM section whose remote is not the default gem server get a
``repository_url`` qualifier (purl spec, qualifiers). The lockfile records neither groups nor
environments, so the scope is unknown; DEPENDENCIES gives ``direct``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlsplit

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, Diagnostic, ParseResult, SourceLocation
from ospo_scan.sources.base import finish, make_purl, strip_credentials

ECOSYSTEM = "gem"

_SOURCE_SECTIONS = frozenset({"GEM", "GIT", "PATH", "PLUGIN SOURCE"})
_SECTIONS = (
    _SOURCE_SECTIONS | {"DEPENDENCIES", "PLATFORMS", "CHECKSUMS", "RUBY VERSION"} | {"BUNDLED WITH"}
)
# Bundler's NAME_VERSION: the version is everything up to the first "-", the platform the rest
# (gem versions hold no "-": a prerelease "1.0-rc1" is written "1.0.pre.rc1").
_SPEC = re.compile(r"^(?P<name>[^\s(]+)(?: \((?P<version>[^-)]+)(?:-(?P<platform>[^)]+))?\))?$")
_DEPENDENCY = re.compile(r"^(?P<name>[^\s(!]+)(?: \((?P<requirement>[^)]*)\))?(?P<pinned>!)?$")
_CHECKSUM = re.compile(r"^(?P<spec>[^\s(]+ \([^)]+\))(?: (?P<sums>\S+))?$")
_OPTION = re.compile(r"^([A-Za-z_]+):(?:[ \t]+(.*))?$")
_CONFLICT = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")
_HASH_NAMES = {"sha256": "SHA-256", "sha512": "SHA-512", "sha1": "SHA-1"}


@dataclass(slots=True)
class _Source:
    """One GEM/GIT/PATH/PLUGIN SOURCE section: its options, as read so far."""

    kind: str
    line: int
    options: dict[str, str] = field(default_factory=dict)
    remotes: list[str] = field(default_factory=list)
    qualifiers: dict[str, str] | None = None  # worked out for the first gem of a GEM section


@dataclass(slots=True)
class _Spec:
    """One 4-space spec line and the names of the 6-space dependency lines below it."""

    name: str
    version: str
    source: _Source
    line: int
    requires: list[str] = field(default_factory=list)


class GemfileLockParser:
    """``Gemfile.lock`` files (and ``gems.locked``, Bundler's alternative name)."""

    format: str = "gemfile-lock"
    ecosystem: str = ECOSYSTEM
    patterns: tuple[str, ...] = ("Gemfile.lock", "gems.locked")

    def parse(self, text: str, path: str) -> ParseResult:
        """Return one component per gem version from GEM, GIT and PLUGIN sources.

        Raises ``LockfileError`` (with the line) for merge-conflict markers, tabs or an
        indentation the section does not allow, a spec line without a version, a dependency
        line outside a spec, and a file with no GEM, GIT, PATH or DEPENDENCIES section.
        """
        reader = _Reader(path)
        for number, raw in enumerate(text.splitlines(), 1):
            reader.line(number, raw.rstrip("\r"))
        if not reader.sources and not reader.seen_dependencies:
            raise LockfileError(
                "no GEM, GIT, PATH or DEPENDENCIES section",
                path=path,
                expected="a Gemfile.lock written by Bundler",
            )
        return reader.result()


class _Reader:
    """A single pass over the lines: a small state machine keyed by section and indentation."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.section: str | None = None
        self.sources: list[_Source] = []
        self.specs: list[_Spec] = []
        self.direct: set[str] = set()
        self.seen_dependencies = False
        self.checksums: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self.diagnostics: list[Diagnostic] = []

    def error(self, number: int, problem: str, expected: str) -> LockfileError:
        return LockfileError(problem, path=self.path, line=number, expected=expected)

    def line(self, number: int, raw: str) -> None:
        if not raw.strip():
            return
        if raw.startswith(_CONFLICT):
            raise self.error(number, "merge conflict marker", "a resolved Gemfile.lock")
        body = raw.lstrip(" ")
        indent = len(raw) - len(body)
        if body.startswith("\t"):
            raise self.error(number, "tab in the indentation", "indentation with spaces")
        if indent == 0:
            self.header(number, body.rstrip())
            return
        if self.section is None:
            raise self.error(number, "indented line outside any section", "a section header")
        body = body.rstrip()
        if self.section in _SOURCE_SECTIONS:
            self.source_line(number, indent, body)
        elif self.section in ("DEPENDENCIES", "CHECKSUMS"):
            if indent != 2:
                raise self.error(
                    number, f"indented by {indent} spaces in {self.section}", "2 spaces"
                )
            if self.section == "DEPENDENCIES":
                self.dependency(number, body)
            else:
                self.checksum(number, body)
        # PLATFORMS, RUBY VERSION and BUNDLED WITH (indented by 3 spaces before Bundler 2.5)
        # and unknown sections hold nothing we need.

    def header(self, number: int, header: str) -> None:
        self.section = header
        if header in _SOURCE_SECTIONS:
            self.sources.append(_Source(header, number))
        elif header == "DEPENDENCIES":
            self.seen_dependencies = True
        elif header not in _SECTIONS:
            self.diagnostics.append(
                Diagnostic(SourceLocation(self.path, number), f'unknown section "{header}" skipped')
            )

    def source_line(self, number: int, indent: int, body: str) -> None:
        source = self.sources[-1]
        if indent == 2:
            option = _OPTION.match(body)
            if option is None:
                raise self.error(number, f'"{body}" in {source.kind}', "key: value")
            key, value = option.group(1), (option.group(2) or "").strip()
            if key == "remote":
                source.remotes.append(value)
            elif key != "specs":
                source.options[key] = value
        elif indent == 4:
            found = _SPEC.match(body)
            if found is None or found.group("version") is None:
                raise self.error(number, f'spec "{body}" has no version', "name (version)")
            self.specs.append(_Spec(found.group("name"), found.group("version"), source, number))
        elif indent == 6:
            found = _DEPENDENCY.match(body)
            if not self.specs or self.specs[-1].source is not source:
                raise self.error(number, "dependency line outside a spec", "a 4-space spec line")
            if found is None:
                raise self.error(number, f'dependency "{body}"', "name or name (requirement)")
            self.specs[-1].requires.append(found.group("name"))
        else:
            raise self.error(
                number, f"indented by {indent} spaces in {source.kind}", "2, 4 or 6 spaces"
            )

    def dependency(self, number: int, body: str) -> None:
        found = _DEPENDENCY.match(body)
        if found is None:
            raise self.error(
                number, f'dependency "{body}"', "name, name (requirement) or name! in DEPENDENCIES"
            )
        self.direct.add(found.group("name"))

    def checksum(self, number: int, body: str) -> None:
        found = _CHECKSUM.match(body)
        spec = _SPEC.match(found.group("spec")) if found else None
        if found is None or spec is None:
            raise self.error(number, f'checksum line "{body}"', "name (version) algorithm=digest")
        sums = found.group("sums")
        if not sums:
            return  # Bundler writes no checksum for PATH and GIT gems
        pairs = []
        for item in sums.split(","):
            algorithm, equals, digest = item.partition("=")
            if not equals or not digest:
                raise self.error(number, f'checksum "{item}"', "algorithm=digest")
            pairs.append((_HASH_NAMES.get(algorithm.lower(), algorithm), digest.lower()))
        self.checksums.setdefault((spec.group("name"), spec.group("version")), []).extend(pairs)

    def result(self) -> ParseResult:
        identities = [self.identity(spec) for spec in self.specs]
        purls_by_name: dict[str, list[str]] = {}
        for spec, identity in zip(self.specs, identities, strict=True):
            if identity is not None:
                purls_by_name.setdefault(spec.name, []).append(identity[0])
        has_declared = self.seen_dependencies
        components = []
        for spec, identity in zip(self.specs, identities, strict=True):
            if identity is None:
                continue  # a PATH gem: part of the project
            purl, registry, download_url = identity
            deps = (p for name in spec.requires for p in purls_by_name.get(name, ()))
            components.append(
                Component(
                    purl=purl,
                    name=spec.name,
                    version=spec.version,
                    ecosystem=ECOSYSTEM,
                    scope=None,
                    direct=(spec.name in self.direct) if has_declared else None,
                    locations=(SourceLocation(self.path, spec.line),),
                    dependencies=tuple(dict.fromkeys(p for p in deps if p != purl)),
                    hashes=tuple(dict.fromkeys(self.checksums.get((spec.name, spec.version), ()))),
                    registry=registry,
                    download_url=download_url,
                )
            )
        return finish(components, self.diagnostics)

    def identity(self, spec: _Spec) -> tuple[str, bool, str | None] | None:
        """(purl, registry, download_url) of a spec; ``None`` for a PATH (first-party) gem."""
        source = spec.source
        name, version = spec.name, spec.version
        where = SourceLocation(self.path, spec.line)
        if source.kind == "PATH":
            return None
        if source.kind == "GEM":
            if source.qualifiers is None:
                source.qualifiers = self.gem_qualifiers(source)
            return make_purl(ECOSYSTEM, name, version, qualifiers=source.qualifiers), True, None
        remote = strip_credentials(source.remotes[0]) if source.remotes else ""
        if source.kind == "GIT":
            revision = source.options.get("revision", "")
            vcs_url = f"git+{remote}@{revision}" if revision else f"git+{remote}"
            self.diagnostics.append(
                Diagnostic(
                    where,
                    f'"{name}" {version} comes from the git repository {vcs_url}, not a gem server',
                )
            )
            purl = make_purl(ECOSYSTEM, name, version, qualifiers={"vcs_url": vcs_url})
            return purl, False, vcs_url
        # PLUGIN SOURCE: a Bundler plugin serves the gem from its own kind of source
        kind = source.options.get("type", "plugin")
        self.diagnostics.append(
            Diagnostic(where, f'"{name}" {version} comes from a {kind} plugin source {remote}')
        )
        return make_purl(ECOSYSTEM, name, version), False, remote or None

    def gem_qualifiers(self, source: _Source) -> dict[str, str]:
        """``repository_url`` for a gem server other than the default one (kept as written,
        credentials stripped); none when the section lists the default server."""
        remotes = [strip_credentials(r) for r in source.remotes]
        if not remotes or any(_is_default_server(r) for r in remotes):
            return {}
        if len(remotes) > 1:
            self.diagnostics.append(
                Diagnostic(
                    SourceLocation(self.path, source.line),
                    "GEM section with several remotes: its gems are attributed to the first, "
                    f"{remotes[0]}",
                )
            )
        return {"repository_url": remotes[0]}


@cache
def _default_host() -> str | None:
    """The host of the default gem server, as packageurl-python knows it (no host in code)."""
    from packageurl.contrib import purl2url

    repo_url: Callable[[str], str | None] = purl2url.get_repo_url
    url = repo_url("pkg:gem/sample@1.0.0")
    return urlsplit(url).hostname if url else None


def _is_default_server(remote: str) -> bool:
    host = urlsplit(remote).hostname
    default = _default_host()
    return bool(host and default) and host in (default, f"www.{default}", f"index.{default}")
