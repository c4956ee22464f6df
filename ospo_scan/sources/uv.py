"""Parser for ``uv.lock`` (version 1, any revision): uv's universal lockfile.

Each ``[[package]]`` table is one locked distribution, identified by name, version and
``source``: ``{ registry = URL }`` for an index, ``{ git = URL }``, ``{ url = URL }``,
``{ path = ... }``, ``{ directory = ... }``, ``{ editable = ... }`` or ``{ virtual = ... }``.
The workspace members (``[manifest] members``, or the ``editable``/``virtual`` package at
``"."`` for a single project) are the project itself, not components. Their
``dependencies``, ``optional-dependencies`` (extras) and ``dev-dependencies`` (dependency
groups) are the project's declared dependencies: they are direct, and they give the scope of
everything reachable from them (required > optional > dev; markers are ignored). A reference
``{ name, version?, source?, extra? }`` names a package; the version and source are only
written when the name is locked more than once (a forked resolution).
"""

from __future__ import annotations

import posixpath
from collections import deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from ospo_scan.model import Component, Diagnostic, ParseResult, Scope
from ospo_scan.sources.base import finish, strip_credentials
from ospo_scan.sources.decode import load_toml
from ospo_scan.sources.python import (
    ECOSYSTEM,
    ShapeErrors,
    collect_hashes,
    download_qualifiers,
    index_qualifiers,
    is_url,
    normalize_name,
    pypi_purl,
    table_lines,
    vcs_qualifiers,
)

_LOCAL_SOURCES = ("editable", "virtual", "directory", "path")
_SOURCE_KINDS = ("registry", "git", "url", *_LOCAL_SOURCES)
# A node of the dependency walk: (package index, extra or None for the plain package).
_Node = tuple[int, str | None]


@dataclass(frozen=True, slots=True)
class _Package:
    index: int
    name: str
    version: str | None
    kind: str
    location: str
    table: dict[str, Any]


class UvLockParser:
    """``uv.lock`` files."""

    format: str = "uv-lock"
    ecosystem: str = ECOSYSTEM
    patterns: tuple[str, ...] = ("uv.lock",)

    def parse(self, text: str, path: str) -> ParseResult:
        """Return one component per locked package other than the workspace members.

        Raises ``LockfileError`` for invalid TOML, a file that is not a uv.lock, an
        unsupported lock version, a package without a string name, a source or a version
        (a version may be absent only for packages not from an index).
        """
        data = load_toml(text, path)
        shapes = ShapeErrors(path, table_lines(text, "[[package]]"))
        if "version" not in data and "package" not in data:
            raise shapes.error(
                "(top level)", 'no "version" and no [[package]] tables', "a uv.lock file"
            )
        if data.get("version") is None:
            raise shapes.error("version", 'no "version"', "uv.lock version 1.x")
        shapes.version_in(data.get("version"), (1,), "version", "uv.lock version")
        tables = shapes.table_list(data.get("package", []), "package", "[[package]] tables")
        packages = [_package(index, table, shapes) for index, table in enumerate(tables)]

        by_name: dict[str, list[int]] = {}
        for package in packages:
            by_name.setdefault(package.name, []).append(package.index)
        members = _members(data.get("manifest"), packages)
        graph = _Graph(packages, by_name)
        scopes, direct = graph.walk(members)

        diagnostics: list[Diagnostic] = []
        identities: dict[int, tuple[str, bool, str | None]] = {}
        for package in packages:
            if package.index in members:
                continue
            purl, registry, download_url, note = _identity(package)
            identities[package.index] = (purl, registry, download_url)
            if note is not None:
                diagnostics.append(Diagnostic(shapes.location(package.index), note))

        components: list[Component] = []
        for index, (purl, registry, download_url) in identities.items():
            package = packages[index]
            children = (identities[c][0] for c in graph.children(index) if c in identities)
            components.append(
                Component(
                    purl=purl,
                    name=package.name,
                    version=package.version,
                    ecosystem=ECOSYSTEM,
                    scope=scopes.get(index),
                    direct=(index in direct) if members else None,
                    locations=(shapes.location(index),),
                    dependencies=tuple(dict.fromkeys(c for c in children if c != purl)),
                    hashes=_hashes(package.table),
                    registry=registry,
                    download_url=download_url,
                )
            )
        return finish(components, diagnostics)


def _package(index: int, table: dict[str, Any], shapes: ShapeErrors) -> _Package:
    key = f"package[{index}]"
    name = shapes.string(table, "name", key, index)
    version = shapes.optional_string(table, "version", key, index)
    source = table.get("source")
    if not isinstance(source, dict):
        found = "nothing" if source is None else type(source).__name__
        raise shapes.error(
            f"{key}.source", f"{found} found", 'an inline table such as { registry = "..." }', index
        )
    kind = next((k for k in _SOURCE_KINDS if isinstance(source.get(k), str)), None)
    if kind is None:
        raise shapes.error(
            f"{key}.source",
            f"unknown source {sorted(source)}",
            "one of " + ", ".join(_SOURCE_KINDS),
            index,
        )
    if version is None and kind in ("registry", "url", "git"):
        raise shapes.error(f"{key}.version", 'no "version"', "a string", index)
    return _Package(index, normalize_name(name), version, kind, source[kind], table)


def _members(manifest: object, packages: list[_Package]) -> set[int]:
    """Indexes of the workspace members: the project itself, never components.

    ``[manifest] members`` lists them in a workspace; a single project has no manifest and
    is the ``editable`` (or ``virtual``) package at ``"."``.
    """
    names: set[str] = set()
    if isinstance(manifest, dict) and isinstance(manifest.get("members"), list):
        names = {normalize_name(m) for m in manifest["members"] if isinstance(m, str)}
    out = set()
    for package in packages:
        local = package.kind in _LOCAL_SOURCES
        if (local and package.name in names) or (
            package.kind in ("editable", "virtual") and posixpath.normpath(package.location) == "."
        ):
            out.add(package.index)
    return out


class _Graph:
    """The package graph with extras: node (i, None) is package i, (i, e) its extra e."""

    def __init__(self, packages: list[_Package], by_name: dict[str, list[int]]) -> None:
        self.packages = packages
        self.by_name = by_name
        self.reached: set[_Node] = set()
        self.extras: dict[int, list[str]] = {}

    def resolve(self, ref: object) -> list[_Node]:
        """The nodes a dependency reference points to: the package plus its requested extras."""
        if not isinstance(ref, dict) or not isinstance(ref.get("name"), str):
            return []
        candidates = self.by_name.get(normalize_name(ref["name"]), [])
        if len(candidates) > 1 and isinstance(ref.get("version"), str):
            candidates = [c for c in candidates if self.packages[c].version == ref["version"]]
        if len(candidates) > 1 and isinstance(ref.get("source"), dict):
            source = ref["source"]
            candidates = [c for c in candidates if self.packages[c].table.get("source") == source]
        extras = ref.get("extra")
        extra_names = [e for e in extras if isinstance(e, str)] if isinstance(extras, list) else []
        nodes: list[_Node] = []
        for candidate in candidates:
            nodes.append((candidate, None))
            nodes.extend((candidate, normalize_name(e)) for e in extra_names)
        return nodes

    def edges(self, node: _Node) -> list[_Node]:
        index, extra = node
        table = self.packages[index].table
        if extra is None:
            refs = table.get("dependencies")
        else:
            optional = table.get("optional-dependencies")
            refs = _group(optional, extra) if isinstance(optional, dict) else None
        if not isinstance(refs, list):
            return []
        return [target for ref in refs for target in self.resolve(ref)]

    def walk(self, members: set[int]) -> tuple[dict[int, Scope], set[int]]:
        """Scope of every package reachable from the members, and the directly declared ones.

        One breadth-first walk per scope, strongest first; a node reached by a stronger walk
        is not walked again, so the whole walk is linear in nodes + edges.
        """
        seeds: dict[Scope, list[_Node]] = {scope: [] for scope in Scope}
        sections = ((Scope.OPTIONAL, "optional-dependencies"), (Scope.DEV, "dev-dependencies"))
        for member in sorted(members):
            table = self.packages[member].table
            seeds[Scope.REQUIRED].extend(self.edges((member, None)))
            for scope, section in sections:
                groups = table.get(section)
                if not isinstance(groups, dict):
                    continue
                for refs in groups.values():
                    if isinstance(refs, list):
                        seeds[scope].extend(t for ref in refs for t in self.resolve(ref))
        direct = {index for nodes in seeds.values() for index, _ in nodes} - members
        self.reached.update((member, None) for member in members)
        scopes: dict[int, Scope] = {}
        for scope in (Scope.REQUIRED, Scope.OPTIONAL, Scope.DEV):
            queue = deque(node for node in dict.fromkeys(seeds[scope]) if node not in self.reached)
            self.reached.update(queue)
            while queue:
                node = queue.popleft()
                scopes.setdefault(node[0], scope)
                if node[1] is not None:
                    self.extras.setdefault(node[0], []).append(node[1])
                for target in self.edges(node):
                    if target not in self.reached:
                        self.reached.add(target)
                        queue.append(target)
        return scopes, direct

    def children(self, index: int) -> list[int]:
        """Packages ``index`` depends on, through its plain dependencies and used extras."""
        nodes: list[_Node] = [(index, None)]
        nodes.extend((index, extra) for extra in self.extras.get(index, ()))
        return [target for node in nodes for target, _ in self.edges(node)]


def _group(groups: dict[str, Any], name: str) -> Any:
    """``groups[name]`` where uv may write the extra's name unnormalized."""
    if name in groups:
        return groups[name]
    for key, value in groups.items():
        if normalize_name(key) == name:
            return value
    return None


def _identity(package: _Package) -> tuple[str, bool, str | None, str | None]:
    """(purl, registry, download_url, diagnostic) from the package's ``source``."""
    name, version, kind, location = package.name, package.version, package.kind, package.location
    if kind == "registry":
        if is_url(location):
            return pypi_purl(name, version, index_qualifiers(location)), True, None, None
        # a flat directory of distributions on this machine (uv's find-links)
        where = f"the local directory {location}"
        return pypi_purl(name, version), False, None, _note(name, version, where)
    if kind == "git":
        vcs = _vcs_url(location)
        purl = pypi_purl(name, version, vcs_qualifiers(vcs))
        return purl, False, vcs, _note(name, version, f"git source {vcs}")
    if kind == "url":
        url = strip_credentials(location)
        purl = pypi_purl(name, version, download_qualifiers(url))
        return purl, False, url, _note(name, version, url)
    return pypi_purl(name, version), False, None, _note(name, version, f"{kind} {location}")


def _note(name: str, version: str | None, where: str) -> str:
    what = f'"{name}" {version}' if version else f'"{name}"'
    return f"{what} comes from {where}, not from a package index"


def _vcs_url(location: str) -> str:
    """uv's ``https://host/repo?rev=...#<commit>`` as a pip VCS URL ``git+https://host/repo@<commit>``."""
    parts = urlsplit(strip_credentials(location))
    query = parse_qs(parts.query)
    commit = parts.fragment or next(
        (query[k][0] for k in ("rev", "tag", "branch") if query.get(k)), ""
    )
    base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    url = f"git+{base}@{commit}" if commit else f"git+{base}"
    subdirectory = query.get("subdirectory")
    return f"{url}#subdirectory={subdirectory[0]}" if subdirectory else url


def _hashes(table: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    files: list[object] = []
    sdist = table.get("sdist")
    if isinstance(sdist, dict):
        files.append(sdist.get("hash"))
    wheels = table.get("wheels")
    if isinstance(wheels, list):
        files.extend(w.get("hash") for w in wheels if isinstance(w, dict))
    return collect_hashes(files)
