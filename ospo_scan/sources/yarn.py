"""yarn.lock: yarn classic (lockfile v1, its own indented format) and yarn berry (v2+, YAML)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple
from urllib.parse import unquote

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, Diagnostic, ParseResult, SourceLocation
from ospo_scan.sources.base import finish, strip_credentials
from ospo_scan.sources.decode import load_yaml
from ospo_scan.sources.js import (
    ECOSYSTEM,
    Source,
    integrity_hashes,
    is_git_url,
    npm_alias,
    npm_purl,
    resolved_source,
    spec_kind,
    split_descriptor,
)

# Yarn berry starts with a __metadata block (yarn's Project.generateLockfile); classic files
# carry the "# yarn lockfile v1" header comment (yarn 1 src/lockfile/stringify.js).
_BERRY_METADATA = re.compile(r'^(?:__metadata|"__metadata"):', re.MULTILINE)
_CLASSIC_HEADER = re.compile(r"^# yarn lockfile v1\s*$", re.MULTILINE)
# A top-level key line of a berry lockfile, for line numbers (the YAML loader has none).
_BERRY_KEY_LINE = re.compile(r'^(?:"((?:[^"\\]|\\.)*)"|([^\s#"][^:]*)):\s*$')
_SHA1_FRAGMENT = re.compile(r"^[0-9a-f]{40}$")


class YarnLockParser:
    """Reads yarn.lock files written by yarn classic (v1) and yarn berry (2, 3, 4 ...)."""

    format: str = "yarn-lock"
    ecosystem: str = ECOSYSTEM
    patterns: tuple[str, ...] = ("yarn.lock",)

    def parse(self, text: str, path: str) -> ParseResult:
        """Return the components the lockfile pins.

        Classic lockfiles record neither dev/prod nor the project's own dependencies, so their
        components have scope and direct None. Berry lockfiles list the workspaces: direct is
        known, scope is not (yarn merges a workspace's dependencies and devDependencies).
        Raises ``LockfileError`` for a syntax error (with its line), a wrong shape (with its key
        path) or a file that is neither format.
        """
        if _BERRY_METADATA.search(text):
            return _BerryReader(path).read(load_yaml(text, path), text)
        if _CLASSIC_HEADER.search(text):
            return _ClassicReader(path).read(text)
        raise LockfileError(
            "not a yarn lockfile",
            path=path,
            line=1,
            expected='the "# yarn lockfile v1" header or a __metadata block',
        )


# ---------------------------------------------------------------------------------------------
# yarn classic (v1)


@dataclass(slots=True)
class _ClassicEntry:
    """One top-level block: the descriptors it resolves and its fields."""

    descriptors: list[str]
    line: int
    fields: dict[str, str] = field(default_factory=dict)
    dependencies: list[tuple[str, str]] = field(default_factory=list)


class _Identity(NamedTuple):
    """What a classic entry resolves to."""

    purl: str
    name: str
    version: str | None
    source: Source | None


class _ClassicReader:
    """A linear, line-by-line reader of the v1 format (yarn 1 src/lockfile/parse.js grammar).

    A line is ``key value``, ``key: value`` or ``key1, key2:`` opening a nested block;
    indentation is two spaces per level; keys and values are bare words or JSON-quoted strings.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.diagnostics: list[Diagnostic] = []

    def read(self, text: str) -> ParseResult:
        entries = self._entries(text)
        identities = [self._identity(entry) for entry in entries]
        by_descriptor: dict[str, str] = {}
        for entry, identity in zip(entries, identities, strict=True):
            for descriptor in entry.descriptors:
                by_descriptor[descriptor] = identity.purl

        components = []
        for entry, identity in zip(entries, identities, strict=True):
            deps: dict[str, None] = {}
            for name, spec in entry.dependencies:
                target = by_descriptor.get(f"{name}@{spec}")
                if target is not None and target != identity.purl:
                    deps[target] = None
            components.append(self._component(entry, identity, tuple(deps)))
        return finish(components, self.diagnostics)

    def _fail(self, line: int, problem: str, expected: str) -> LockfileError:
        return LockfileError(problem, path=self.path, line=line, expected=expected)

    def _entries(self, text: str) -> list[_ClassicEntry]:
        entries: list[_ClassicEntry] = []
        entry: _ClassicEntry | None = None
        block: str | None = None  # the level-1 block being read (dependencies, ...)
        deepest = 0  # the deepest indentation level the next line may have
        field_line = _FIELD_LINE.match
        for number, line in enumerate(text.split("\n"), 1):
            if line.endswith("\r"):
                line = line[:-1]
            content = line.lstrip(" ")
            if not content or content[0] == "#":
                continue
            if content[0].isspace():
                if content.isspace():
                    continue
                raise self._fail(number, "tab in indentation", "two spaces per level")
            indent = len(line) - len(content)
            if indent % 2:
                raise self._fail(number, f"odd indentation ({indent} spaces)", "two per level")
            level = indent // 2
            if level > deepest:
                raise self._fail(
                    number, "unexpected indentation", f"at most {deepest * 2} spaces here"
                )
            found = field_line(content)  # the commonest line: key "value"
            value: str | None
            if found is not None:
                keys, value = [_unquote(found.group(1))], _unquote(found.group(2))
            else:
                keys, value = self._split_line(content, number)
            opens = value is None
            deepest = level + 1 if opens else level
            if level == 0:
                if not opens:
                    raise self._fail(number, "a value at the top level", '"name@range":')
                entry = _ClassicEntry(descriptors=keys, line=number)
                entries.append(entry)
                block = None
            elif entry is None:  # unreachable: deepest is 0 before the first entry
                raise self._fail(number, "unexpected indentation", "a top-level entry")
            elif level == 1:
                block = keys[0] if opens else None
                if value is not None:  # a field; otherwise a block opens
                    for key in keys:
                        entry.fields[key] = value
            elif level == 2 and value is not None and block in _DEPENDENCY_BLOCKS:
                entry.dependencies.extend((key, value) for key in keys)
            # deeper levels and other blocks carry nothing we report
        for entry in entries:
            if "version" not in entry.fields:
                raise self._fail(
                    entry.line,
                    f'entry "{", ".join(entry.descriptors)}" has no version',
                    'a "version" field',
                )
        return entries

    def _split_line(self, content: str, number: int) -> tuple[list[str], str | None]:
        """``a, "b":`` -> (keys, None); ``key "value"`` / ``key: value`` -> ([key], value)."""
        # fast path for the block openers yarn writes (the caller tried ``key "value"``);
        # anything else goes through the tokenizer, which also words the errors
        found = _OPENER_LINE.match(content)
        if found is not None:
            return [_unquote(key) for key in _KEY_TOKEN.findall(found.group(1))], None
        return self._tokenize_line(content, number)

    def _tokenize_line(self, content: str, number: int) -> tuple[list[str], str | None]:
        keys: list[str] = []
        pos = 0
        end = len(content)
        while True:
            token, pos = self._token(content, pos, number)
            keys.append(token)
            pos = _skip_spaces(content, pos)
            if pos < end and content[pos] == ",":
                pos = _skip_spaces(content, pos + 1)
                continue
            break
        colon = pos < end and content[pos] == ":"
        if colon:
            pos = _skip_spaces(content, pos + 1)
        if pos >= end:
            if not colon:
                raise self._fail(number, f'"{keys[-1]}" has no value', 'a value or a ":"')
            return keys, None
        value, pos = self._token(content, pos, number)
        if _skip_spaces(content, pos) < end:
            raise self._fail(
                number, f"unexpected text after the value: {content[pos:].strip()!r}", "a line end"
            )
        return keys, value

    def _token(self, content: str, pos: int, number: int) -> tuple[str, int]:
        """One JSON-quoted string or bare word starting at ``pos``; returns it and the end."""
        if pos < len(content) and content[pos] == '"':
            end = pos + 1
            while end < len(content):
                char = content[end]
                if char == "\\":
                    end += 2
                    continue
                if char == '"':
                    break
                end += 1
            else:
                raise self._fail(number, "unterminated string", 'a closing "')
            try:
                value = json.loads(content[pos : end + 1])
            except json.JSONDecodeError as exc:
                raise self._fail(number, f"bad string: {exc.msg}", "a JSON string") from exc
            return str(value), end + 1
        end = pos
        while end < len(content) and content[end] not in " :,":
            end += 1
        if end == pos:
            found = content[pos] if pos < len(content) else "end of line"
            raise self._fail(number, f"unexpected {found!r}", "a key or a value")
        return content[pos:end], end

    def _identity(self, entry: _ClassicEntry) -> _Identity:
        version: str | None = entry.fields["version"]
        name, source = self._identify(entry)
        qualifiers = None
        if source is not None:
            if source.kind == "link" and version == "0.0.0":
                version = None  # yarn 1 writes 0.0.0 for every link: (no manifest is read)
            qualifiers = source.qualifiers()
            self.diagnostics.append(
                Diagnostic(SourceLocation(self.path, entry.line), source.describe(name, version))
            )
        return _Identity(npm_purl(name, version, qualifiers), name, version, source)

    def _component(
        self, entry: _ClassicEntry, identity: _Identity, dependencies: tuple[str, ...]
    ) -> Component:
        source = identity.source
        hashes = integrity_hashes(entry.fields.get("integrity"))
        resolved = entry.fields.get("resolved", "")
        fragment = resolved.rpartition("#")[2] if "#" in resolved else ""
        if not hashes and source is None and _SHA1_FRAGMENT.match(fragment):
            hashes = (("SHA-1", fragment),)  # older lockfiles: sha1 of the tarball
        return Component(
            purl=identity.purl,
            name=identity.name,
            version=identity.version,
            ecosystem=ECOSYSTEM,
            locations=(SourceLocation(self.path, entry.line),),
            dependencies=dependencies,
            hashes=hashes,
            registry=source is None,
            download_url=source.url if source is not None else None,
        )

    def _identify(self, entry: _ClassicEntry) -> tuple[str, Source | None]:
        """The real package name (through ``npm:`` aliases) and its source, None if registry."""
        names: list[str] = []
        kinds: list[tuple[str, str]] = []
        for descriptor in entry.descriptors:
            try:
                name, spec = split_descriptor(descriptor)
            except ValueError:
                raise self._fail(
                    entry.line, f'"{descriptor}" is not a descriptor', '"name@range"'
                ) from None
            alias = npm_alias(spec)
            if alias is not None:
                name, spec = alias
            names.append(name)
            kind = spec_kind(spec)
            if kind is not None:
                kinds.append((kind, spec))
        name = names[0]
        if any(other != name for other in names):
            self.diagnostics.append(
                Diagnostic(
                    SourceLocation(self.path, entry.line),
                    f"entry names several packages ({', '.join(sorted(set(names)))}); "
                    f"reported as {name}",
                )
            )
        resolved = entry.fields.get("resolved")
        if kinds:
            kind, spec = kinds[0]
            if kind in ("file", "link", "portal", "exec"):
                return name, Source(kind, spec)  # a folder or a tarball on disk
            if kind == "git":
                if resolved:
                    found = resolved_source(resolved, name)
                    if found is not None:
                        return name, found
                return name, Source("git", strip_credentials(spec))
            if resolved:  # a tarball URL: a registry's own tarball counts as the registry
                return name, resolved_source(resolved, name)
        if resolved and is_git_url(resolved):
            return name, Source("git", strip_credentials(resolved))
        # A range resolved by a registry, whatever its tarball layout (GitHub Packages and
        # Artifactory serve tarballs under other paths): a registry package.
        return name, None


_DEPENDENCY_BLOCKS = ("dependencies", "optionalDependencies")
# Tokens of the v1 format: a JSON string without escapes, or a bare word (no space, ":", ",").
_TOKEN = r'"[^"\\]*"|[^\s:,"][^\s:,]*'
_KEY_TOKEN = re.compile(_TOKEN)
_FIELD_LINE = re.compile(rf"({_TOKEN}):? +({_TOKEN}) *$")
_OPENER_LINE = re.compile(rf"((?:{_TOKEN})(?: *, *(?:{_TOKEN}))*) *: *$")


def _unquote(token: str) -> str:
    return token[1:-1] if token.startswith('"') else token


def _skip_spaces(content: str, pos: int) -> int:
    while pos < len(content) and content[pos] == " ":
        pos += 1
    return pos


# ---------------------------------------------------------------------------------------------
# yarn berry (v2+)


@dataclass(slots=True)
class _BerryEntry:
    """One top-level entry: its key, the locator it resolves to, its raw mapping."""

    key: str
    resolution: str
    entry: dict[str, Any]
    component: Component | None  # None for workspaces


class _BerryReader:
    """Reads the YAML lockfile of yarn 2+ (yarn berry, ``__metadata.version`` 4 and later).

    Each top-level key lists descriptors (``name@npm:^1.0, name@npm:^1.2``) resolved to the
    locator in ``resolution``; dependencies are descriptors again (yarn's Project.ts).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.diagnostics: list[Diagnostic] = []

    def read(self, data: Any, text: str) -> ParseResult:
        if not isinstance(data, dict):
            raise LockfileError(
                f"the top level is a {type(data).__name__}",
                path=self.path,
                expected="a mapping of descriptors with a __metadata block",
            )
        self._check_metadata(data.get("__metadata"))
        lines = _berry_key_lines(text)
        entries: list[_BerryEntry] = []
        exact: dict[str, _BerryEntry] = {}
        unbound: dict[str, list[_BerryEntry]] = {}
        by_name: dict[str, list[_BerryEntry]] = {}
        for key, raw in data.items():
            if key == "__metadata":
                continue
            item = self._entry(str(key), raw, lines.get(str(key)))
            entries.append(item)
            for descriptor in str(key).split(", "):
                descriptor = descriptor.strip()
                exact[descriptor] = item
                unbound.setdefault(descriptor.split("::", 1)[0], []).append(item)
                try:
                    name = split_descriptor(descriptor)[0]
                except ValueError:
                    continue
                by_name.setdefault(name, []).append(item)

        def lookup(name: str, spec: str) -> _BerryEntry | None:
            descriptor = f"{name}@{spec}"
            found = exact.get(descriptor)
            if found is None and ":" not in spec.split("@", 1)[0]:
                found = exact.get(f"{name}@npm:{spec}")  # yarn 2/3 wrote ranges without npm:
            if found is None:
                found = _unique(unbound.get(descriptor.split("::", 1)[0], []))
            if found is None:
                # a descriptor rewritten by package.json "resolutions" has no key of its own;
                # use the package's only locked version if it has just one
                found = _unique(by_name.get(name, []))
            return found

        direct: set[str] = set()
        for item in entries:
            if item.component is None:
                for name, spec in _berry_dependencies(item.entry, self.path, item.key):
                    target = lookup(name, spec)
                    if target is not None and target.component is not None:
                        direct.add(target.component.purl)

        components = []
        for item in entries:
            if item.component is None:
                continue
            deps: dict[str, None] = {}
            for name, spec in _berry_dependencies(item.entry, self.path, item.key):
                target = lookup(name, spec)
                if target is not None and target.component is not None:
                    if target.component.purl != item.component.purl:
                        deps[target.component.purl] = None
            component = item.component
            components.append(
                replace(component, dependencies=tuple(deps), direct=component.purl in direct)
            )
        return finish(components, self.diagnostics)

    def _check_metadata(self, metadata: Any) -> None:
        if not isinstance(metadata, dict):
            raise LockfileError(
                "missing or not a mapping",
                path=self.path,
                key="__metadata",
                expected="version and cacheKey",
            )
        version = metadata.get("version")
        if isinstance(version, str) and version.isdigit():
            version = int(version)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise LockfileError(
                f"unsupported lockfile version {version!r}",
                path=self.path,
                key="__metadata.version",
                expected="a yarn 2+ lockfile version number",
            )

    def _entry(self, key: str, raw: Any, line: int | None) -> _BerryEntry:
        where = f'["{key}"]'
        if not isinstance(raw, dict):
            raise LockfileError(
                f"{type(raw).__name__} found",
                path=self.path,
                key=where,
                expected="a mapping with version and resolution",
            )
        resolution = raw.get("resolution")
        if not isinstance(resolution, str):
            raise LockfileError(
                "entry has no resolution",
                path=self.path,
                key=where,
                expected='a "resolution" locator string',
            )
        version = raw.get("version")
        if version is None or isinstance(version, (dict, list, bool)):
            raise LockfileError(
                "entry has no version",
                path=self.path,
                key=where,
                expected='a "version" field',
            )
        try:
            name, reference = split_descriptor(resolution)
        except ValueError:
            raise LockfileError(
                f'resolution "{resolution}" is not a locator',
                path=self.path,
                key=f"{where}.resolution",
                expected='"name@protocol:reference"',
            ) from None
        location = SourceLocation(self.path, line, where)
        classified = _classify_locator(name, reference, str(version))
        if classified is None:
            return _BerryEntry(key, resolution, raw, None)  # a workspace: the project
        real_name, real_version, source = classified
        qualifiers = None
        if source is not None:
            qualifiers = source.qualifiers()
            self.diagnostics.append(Diagnostic(location, source.describe(real_name, real_version)))
        component = Component(
            purl=npm_purl(real_name, real_version, qualifiers),
            name=real_name,
            version=real_version,
            ecosystem=ECOSYSTEM,
            locations=(location,),
            registry=source is None,
            download_url=source.url if source else None,
        )
        return _BerryEntry(key, resolution, raw, component)


def _classify_locator(
    name: str, reference: str, version: str
) -> tuple[str, str | None, Source | None] | None:
    """(real name, version, source or None for the registry); None for a workspace.

    Berry locators: ``name@npm:1.2.3`` (maybe ``::__archiveUrl=...``), ``name@patch:<inner
    url-encoded locator>#<patch>::version=...``, ``name@workspace:path``, and git, http(s),
    file:, link:, portal:, exec: references (yarn berry's protocols documentation).
    """
    protocol = reference.split(":", 1)[0]
    bare = reference.split("::", 1)[0]
    if protocol == "workspace":
        return None
    if protocol == "npm":
        pinned = bare[4:]
        alias = npm_alias(bare)
        if alias is not None:
            name, pinned = alias
        return name, pinned or version, None
    if protocol == "patch":
        # the patched package keeps the purl of the package it patches
        inner = unquote(bare[len("patch:") :].split("#", 1)[0])
        try:
            inner_name, inner_reference = split_descriptor(inner)
        except ValueError:
            return name, version, Source("patch", reference)
        return _classify_locator(inner_name, inner_reference, version)
    local_version = None if version.startswith("0.0.0-use.local") else version
    if protocol in ("file", "link", "portal", "exec"):
        # file:./dir#./dir::hash=...: what follows "#" is yarn's own binding of the path
        return name, local_version, Source(protocol, bare.split("#", 1)[0])
    kind = spec_kind(reference)
    if kind == "git" or "#commit=" in reference:
        url = reference.split("#", 1)[0]
        commit = reference.split("#commit=", 1)[1] if "#commit=" in reference else ""
        target = f"{url}#{commit}" if commit else url
        return name, version, Source("git", strip_credentials(target))
    if kind == "tarball":
        return name, version, Source("tarball", strip_credentials(bare))
    return name, local_version, Source(protocol or "unknown", bare)


def _berry_dependencies(entry: dict[str, Any], path: str, key: str) -> list[tuple[str, str]]:
    """(name, descriptor range) pairs of an entry's ``dependencies`` (berry lists optional ones
    there too, flagged in ``dependenciesMeta``; peers are provided by the parent)."""
    raw = entry.get("dependencies")
    if raw is None:
        return []
    if not isinstance(raw, dict):
        raise LockfileError(
            f"{type(raw).__name__} found",
            path=path,
            key=f'["{key}"].dependencies',
            expected="a mapping of names to ranges",
        )
    return [(str(name), str(spec)) for name, spec in raw.items()]


def _unique(items: list[_BerryEntry]) -> _BerryEntry | None:
    """The one entry (or entries sharing one purl) in ``items``, else None."""
    if not items:
        return None
    first = items[0]
    purl = first.component.purl if first.component else first.resolution
    for item in items[1:]:
        other = item.component.purl if item.component else item.resolution
        if other != purl:
            return None
    return first


def _berry_key_lines(text: str) -> dict[str, int]:
    """Line numbers of the top-level keys (the safe YAML loader keeps none)."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.split("\n"), 1):
        if not line or line[0] in " \t#":
            continue
        found = _BERRY_KEY_LINE.match(line.rstrip("\r"))
        if found is None:
            continue
        quoted, bare = found.groups()
        if quoted is not None:
            try:
                key = json.loads(f'"{quoted}"')
            except json.JSONDecodeError:
                continue
        else:
            key = bare.strip()
        lines[str(key)] = number
    return lines
