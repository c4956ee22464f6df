"""bun.lock: bun's text lockfile (JSONC), lockfileVersion 0, 1 and 2; bun.lockb is not read."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, Diagnostic, ParseResult, Scope, SourceLocation
from ospo_scan.sources.base import finish, strip_credentials
from ospo_scan.sources.decode import json_type, load_json
from ospo_scan.sources.js import (
    ECOSYSTEM,
    Source,
    integrity_hashes,
    npm_purl,
    propagate_scopes,
    registry_tarball_version,
    spec_kind,
    split_descriptor,
)

_SUPPORTED = (0, 1, 2)
# The binary lockfile starts with this text header (bun src/install/lockfile.zig).
_BINARY_HEADER = "#!/usr/bin/env bun"
# JSONC (bun's lockfile is parsed as JSON with comments and trailing commas): strings are
# matched first so that "//" inside a URL is left alone.
_STRING_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|//[^\n]*|/\*[\s\S]*?\*/')
_STRING_OR_TRAILING_COMMA = re.compile(r'"(?:[^"\\\n]|\\.)*"|,(\s*[}\]])')
# A "packages" entry line: four spaces, the key, an array (bun writes one entry per line).
_ENTRY_LINE = re.compile(r'^    "((?:[^"\\]|\\.)*)": \[', re.MULTILINE)

# Workspace dependency lists and the scope each declares (package.json semantics).
_WORKSPACE_FIELDS = (
    ("dependencies", Scope.REQUIRED),
    ("optionalDependencies", Scope.OPTIONAL),
    ("devDependencies", Scope.DEV),
    ("peerDependencies", Scope.REQUIRED),
)


class BunLockParser:
    """Reads bun.lock (bun 1.1.39+; the default lockfile since bun 1.2)."""

    format: str = "bun-lock"
    ecosystem: str = ECOSYSTEM
    patterns: tuple[str, ...] = ("bun.lock",)

    def parse(self, text: str, path: str) -> ParseResult:
        """Return the components the lockfile pins.

        Workspaces (the root ``""`` and the others) declare the direct dependencies; scope
        follows the graph from their dependencies (required), optionalDependencies (optional),
        devDependencies (dev) and peerDependencies (required). Raises ``LockfileError`` for a
        binary bun.lockb, invalid JSONC, an unsupported ``lockfileVersion`` or an entry of
        the wrong shape (the message names the key path).
        """
        if path.endswith(".lockb") or text.startswith(_BINARY_HEADER):
            raise LockfileError(
                "the binary bun.lockb format is not supported",
                path=path,
                expected="a text bun.lock: run `bun install --save-text-lockfile`",
            )
        data = load_json(strip_jsonc(text), path)
        if not isinstance(data, dict):
            raise LockfileError(
                f"the top level is {json_type(data)}",
                path=path,
                expected="an object with lockfileVersion, workspaces and packages",
            )
        version = data.get("lockfileVersion")
        if version not in _SUPPORTED or isinstance(version, bool):
            raise LockfileError(
                "lockfileVersion is missing" if version is None else f"lockfileVersion {version}",
                path=path,
                key="lockfileVersion",
                expected=" or ".join(str(v) for v in _SUPPORTED),
            )
        return _Reader(path, text).read(data)


def strip_jsonc(text: str) -> str:
    """JSONC -> JSON: comments become spaces and trailing commas are dropped, keeping every
    newline (and column) so that JSON syntax errors still name the right line."""

    def blank_comment(found: re.Match[str]) -> str:
        token = found.group(0)
        if token.startswith('"'):
            return token
        return re.sub(r"[^\n]", " ", token)

    def drop_comma(found: re.Match[str]) -> str:
        closing = found.group(1)
        return found.group(0) if closing is None else " " + closing

    if "/" in text:
        text = _STRING_OR_COMMENT.sub(blank_comment, text)
    return _STRING_OR_TRAILING_COMMA.sub(drop_comma, text)


def _key_names(key: str) -> list[str]:
    """``parent/@scope/child`` -> [``parent``, ``@scope/child``]: the package path of a key."""
    parts = key.split("/")
    names: list[str] = []
    index = 0
    while index < len(parts):
        if parts[index].startswith("@") and index + 1 < len(parts):
            names.append(f"{parts[index]}/{parts[index + 1]}")
            index += 2
        else:
            names.append(parts[index])
            index += 1
    return names


class _Reader:
    """Reads one bun.lock: the packages (keyed by install path), then the workspaces."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.diagnostics: list[Diagnostic] = []
        self.packages: dict[str, Any] = {}

    def read(self, data: dict[str, Any]) -> ParseResult:
        workspaces = self._object(data.get("workspaces", {}), "workspaces")
        self.packages = self._object(data.get("packages", {}), "packages")
        lines = self._lines()

        components: dict[str, Component] = {}  # by packages key; workspaces have none
        infos: dict[str, dict[str, Any]] = {}
        for key, raw in self.packages.items():
            made = self._entry(key, raw, lines.get(key))
            if made is not None:
                components[key], infos[key] = made

        edges: dict[str, list[tuple[str, bool]]] = {}
        for key, info in infos.items():
            edges[key] = self._edges(key, info, components)

        roots: list[tuple[str, Scope]] = []
        for workspace_path, raw in workspaces.items():
            where = f'workspaces["{workspace_path}"]'
            workspace = self._object(raw, where)
            name = workspace.get("name")
            start = [name] if workspace_path and isinstance(name, str) else []
            for field_name, scope in _WORKSPACE_FIELDS:
                deps = self._object(workspace.get(field_name, {}), f"{where}.{field_name}")
                for dep in deps:
                    found = self._lookup(start, dep)
                    if found is None:
                        if field_name != "peerDependencies":
                            self.diagnostics.append(
                                Diagnostic(
                                    SourceLocation(self.path, key=f"{where}.{field_name}"),
                                    f"{dep} is declared but has no packages entry",
                                )
                            )
                        continue
                    if found in components:
                        roots.append((found, scope))

        scopes = propagate_scopes(roots, edges)
        direct = {key for key, _ in roots}
        out = []
        for key, component in components.items():
            children = {components[c].purl: None for c, _ in edges[key]}
            children.pop(component.purl, None)
            out.append(
                replace(
                    component,
                    scope=scopes.get(key),
                    direct=key in direct,
                    dependencies=tuple(children),
                )
            )
        return finish(out, self.diagnostics)

    def _lookup(self, start: list[str], dep: str) -> str | None:
        """The packages key a dependency of the package at ``start`` resolves to: bun nests a
        conflicting version under its parent's key (``parent/dep``), like node_modules, so look
        from the package itself up to the top."""
        for depth in range(len(start), -1, -1):
            candidate = "/".join([*start[:depth], dep])
            if candidate in self.packages:
                return candidate
        return None

    def _edges(
        self, key: str, info: dict[str, Any], components: dict[str, Component]
    ) -> list[tuple[str, bool]]:
        where = f'packages["{key}"]'
        optional_peers = info.get("optionalPeers", [])
        if not isinstance(optional_peers, list):
            optional_peers = []
        start = _key_names(key)
        out: list[tuple[str, bool]] = []
        for field_name in ("dependencies", "optionalDependencies", "peerDependencies"):
            deps = self._object(info.get(field_name, {}), f"{where}.{field_name}")
            for dep in deps:
                found = self._lookup(start, dep)
                if found is None or found not in components:
                    continue  # an optional peer nobody installed, or a workspace package
                optional = field_name == "optionalDependencies" or (
                    field_name == "peerDependencies" and dep in optional_peers
                )
                out.append((found, optional))
        return out

    def _entry(
        self, key: str, raw: Any, line: int | None
    ) -> tuple[Component, dict[str, Any]] | None:
        """The component of one ``packages`` entry and its info object; None for workspaces.

        Shapes (bun src/install/lockfile/bun.lock.zig): npm ``[ident, registry, info,
        integrity]``; git/github ``[ident, info, tag]``; tarball ``[ident, info, integrity]``;
        folder/link ``[ident, info]``; workspace ``[ident]`` or ``[ident, info]`` (v0).
        """
        where = f'packages["{key}"]'
        if not isinstance(raw, list) or not raw or not isinstance(raw[0], str):
            raise LockfileError(
                f"{json_type(raw)} found",
                path=self.path,
                key=where,
                expected='an array starting with "name@version"',
            )
        try:
            name, spec = split_descriptor(raw[0])
        except ValueError:
            raise LockfileError(
                f'"{raw[0]}" has no version',
                path=self.path,
                key=f"{where}[0]",
                expected='"name@version"',
            ) from None
        if spec.startswith(("workspace:", "root:")):
            return None
        location = SourceLocation(self.path, line, where)
        kind = spec_kind(spec)
        version: str | None
        if kind is None:
            if not spec:
                raise LockfileError(
                    f'"{raw[0]}" has no version',
                    path=self.path,
                    key=f"{where}[0]",
                    expected='"name@version"',
                )
            version, source, info_at, integrity_at = spec, None, 2, 3
            if len(raw) > 1 and not isinstance(raw[1], str):
                raise LockfileError(
                    f"{json_type(raw[1])} found",
                    path=self.path,
                    key=f"{where}[1]",
                    expected='the registry URL or ""',
                )
        elif kind == "tarball":
            version = registry_tarball_version(spec, name)
            source = None if version else Source("tarball", strip_credentials(spec))
            info_at, integrity_at = 1, 2
        else:
            version = None
            source = Source(kind, strip_credentials(spec) if kind == "git" else spec)
            info_at, integrity_at = 1, -1
        info = raw[info_at] if len(raw) > info_at else {}
        info = self._object(info, f"{where}[{info_at}]")
        integrity = raw[integrity_at] if 0 <= integrity_at < len(raw) else None
        qualifiers = None
        if source is not None:
            qualifiers = source.qualifiers()
            self.diagnostics.append(Diagnostic(location, source.describe(name, version)))
        component = Component(
            purl=npm_purl(name, version, qualifiers),
            name=name,
            version=version,
            ecosystem=ECOSYSTEM,
            locations=(location,),
            hashes=integrity_hashes(integrity),
            registry=source is None,
            download_url=source.url if source else None,
        )
        return component, info

    def _object(self, value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise LockfileError(
                f"{json_type(value)} found", path=self.path, key=key, expected="an object"
            )
        return value

    def _lines(self) -> dict[str, int]:
        """Line numbers of the ``packages`` entries (one per line in what bun writes)."""
        lines: dict[str, int] = {}
        line = 1
        last = 0
        for found in _ENTRY_LINE.finditer(self.text):
            line += self.text.count("\n", last, found.start())
            last = found.start()
            try:
                key = json.loads(f'"{found.group(1)}"')
            except json.JSONDecodeError:
                continue
            lines.setdefault(key, line)
        return lines
