"""npm lockfiles: package-lock.json and npm-shrinkwrap.json, lockfileVersion 1, 2 and 3."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, Diagnostic, ParseResult, Scope, SourceLocation
from ospo_scan.sources.base import finish, make_purl, strip_credentials
from ospo_scan.sources.decode import expect_object, json_type, load_json

ECOSYSTEM = "npm"
SUPPORTED_VERSIONS = (1, 2, 3)

# What a package declares (package.json). The root and workspace folders count all four for
# `direct`; npm never installs the devDependencies of a package inside node_modules, and its
# lockfile entries there do not list them.
_DECLARED_FIELDS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")
_INSTALLED_FIELDS = ("dependencies", "optionalDependencies", "peerDependencies")

_NODE_MODULES = "node_modules/"

# Subresource Integrity algorithm names (the `integrity` field) -> CycloneDX hash names.
_HASH_NAMES = {"sha1": "SHA-1", "sha256": "SHA-256", "sha384": "SHA-384", "sha512": "SHA-512"}

# Specifiers npm records for git dependencies (npm-package-arg: git+ssh, git+https, git://,
# scp-style git@host:path, and the hosted shortcuts lockfileVersion 1 writes into `version`).
_GIT_PREFIXES = ("git+", "git:", "git@", "ssh:", "github:", "gitlab:", "bitbucket:", "gist:")

# A key whose value is an object, on a line of its own, in an indented JSON file.
_OBJECT_KEY = re.compile(r'^([ \t]*)"((?:[^"\\\n]|\\.)*)"[ \t]*:[ \t]*\{', re.MULTILINE)


class NpmLockParser:
    """Reads package-lock.json / npm-shrinkwrap.json (lockfileVersion 1, 2 and 3).

    lockfileVersion 2 and 3 are read from the flat ``packages`` map (keyed by install folder),
    version 1 from the nested ``dependencies`` tree. See npm's package-lock.json docs
    (docs/lib/content/configuring-npm/package-lock-json.md in npm/cli).
    """

    format: str = "npm-package-lock"
    ecosystem: str = ECOSYSTEM
    patterns: tuple[str, ...] = ("package-lock.json", "npm-shrinkwrap.json")

    def parse(self, text: str, path: str) -> ParseResult:
        """Return the components the lockfile pins.

        Raises ``LockfileError`` for invalid JSON, an unsupported ``lockfileVersion`` or an
        entry of the wrong shape (the message names the key path).
        """
        data = load_json(text, path)
        if not isinstance(data, dict):
            raise LockfileError(
                f"the top level is {json_type(data)}",
                path=path,
                expected="a JSON object with a lockfileVersion",
            )
        version = _lockfile_version(data, path)
        # lockfileVersion 2 carries both layouts; one without "packages" (hand-trimmed) can
        # still be read from its version-1 tree.
        if version == 1 or (version == 2 and "packages" not in data and "dependencies" in data):
            return _TreeReader(text, path).read(data)
        if "packages" not in data:
            raise LockfileError(
                "key is missing",
                path=path,
                key="packages",
                expected="an object mapping install folders to package entries",
            )
        packages = expect_object(
            data["packages"],
            path,
            "packages",
            "an object mapping install folders to package entries",
        )
        return _PackagesReader(text, path).read(packages)


# ---------------------------------------------------------------------------------------------
# lockfileVersion 2 and 3: the "packages" map


@dataclass(slots=True)
class _Unit:
    """One component-to-be: the entry it comes from and where Node resolves its dependencies."""

    loc: str  # the "packages" key that names it
    purl: str
    name: str
    version: str | None
    entry: dict[str, Any]  # the entry carrying flags, license and integrity
    base: str  # folder its own dependencies are resolved from (the link target for links)
    deps_entry: dict[str, Any]  # the entry listing its dependencies
    fields: tuple[str, ...]  # which dependency lists of deps_entry are installed
    registry: bool = True
    download_url: str | None = None


class _PackagesReader:
    """Reads the ``packages`` map of lockfileVersion 2 and 3."""

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.diagnostics: list[Diagnostic] = []
        self._lines: dict[tuple[str, ...], int] | None = None

    def read(self, packages: dict[str, Any]) -> ParseResult:
        entries = {loc: self._check_entry(loc, raw) for loc, raw in packages.items()}
        root = entries.get("", {})
        patterns = _workspace_patterns(root.get("workspaces"), self.path)
        # Workspace folders are the project itself, never components (npm docs: workspaces).
        workspaces = {
            loc for loc in entries if loc and not _in_node_modules(loc) and patterns.match(loc)
        }

        units: dict[str, _Unit] = {}
        for loc, entry in entries.items():
            # Folders outside node_modules (root, workspaces, targets of file: links) are not
            # installed copies: they are the project, or reached through their link entry.
            if not _in_node_modules(loc):
                continue
            if entry.get("link") is True:
                made = self._link_unit(loc, entry, entries, workspaces, patterns)
            else:
                made = self._package_unit(loc, entry)
            if made is not None:
                units[loc] = made

        def unit_at(folders: list[str], name: str) -> _Unit | None:
            for prefix in folders:
                found = prefix + name
                if found in entries:
                    break
            else:
                return None
            if found in units:
                return units[found]
            target = entries[found].get("resolved")
            if entries[found].get("link") is True and isinstance(target, str):
                return units.get(_clean_folder(target))  # a link to an installed copy
            return None

        # direct = declared by the root or by a (non-extraneous) workspace folder, resolved
        # with Node's lookup from that folder.
        declaring = [""] + [w for w in workspaces if entries[w].get("extraneous") is not True]
        direct: set[str] = set()
        for folder in declaring:
            folders = _lookup_folders(folder)
            for name in _dependency_names(entries.get(folder, {}), _DECLARED_FIELDS):
                declared = unit_at(folders, name)
                if declared is not None:
                    direct.add(declared.loc)

        components = []
        for unit in units.values():
            deps: dict[str, None] = {}
            folders = _lookup_folders(unit.base)
            for name in _dependency_names(unit.deps_entry, unit.fields):
                dep = unit_at(folders, name)
                if dep is not None and dep.purl != unit.purl:
                    deps[dep.purl] = None
            components.append(
                Component(
                    purl=unit.purl,
                    name=unit.name,
                    version=unit.version,
                    ecosystem=ECOSYSTEM,
                    scope=_scope(unit.entry),
                    direct=unit.loc in direct,
                    locations=(self._location(unit.loc),),
                    dependencies=tuple(deps),
                    hashes=self._hashes(unit.loc, unit.entry),
                    declared_license=_declared_license(unit.entry),
                    registry=unit.registry,
                    download_url=unit.download_url,
                )
            )
        return finish(components, self.diagnostics)

    # -- entries ------------------------------------------------------------------------------

    def _check_entry(self, loc: str, raw: Any) -> dict[str, Any]:
        # key paths are only built for the error message: this runs once per entry
        entry = expect_object(
            raw, self.path, _packages_key(loc), "an object describing one package folder"
        )
        for name in ("name", "version", "resolved", "integrity"):
            value = entry.get(name)
            if value is not None and not isinstance(value, str):
                raise LockfileError(
                    f"{json_type(value)} found",
                    path=self.path,
                    key=f"{_packages_key(loc)}.{name}",
                    expected="a version string" if name == "version" else "a string",
                )
        for name in _DECLARED_FIELDS:
            declared = entry.get(name)
            if declared is not None and not isinstance(declared, dict):
                raise LockfileError(
                    f"{json_type(declared)} found",
                    path=self.path,
                    key=f"{_packages_key(loc)}.{name}",
                    expected="an object of name: range",
                )
        return entry

    def _package_unit(self, loc: str, entry: dict[str, Any]) -> _Unit:
        # npm writes "name" only when it differs from the folder name: for `npm:` aliases the
        # folder is the alias and "name" the real package.
        name = entry.get("name") or loc[loc.rfind(_NODE_MODULES) + len(_NODE_MODULES) :]
        version = entry.get("version")
        source = _source_of(entry.get("resolved"))
        if version is None:
            self._warn(loc, f"{loc}: {name} has no version")
        unit = _Unit(
            loc=loc,
            purl="",
            name=name,
            version=version,
            entry=entry,
            base=loc,
            deps_entry=entry,
            fields=_INSTALLED_FIELDS,
        )
        self._finish_unit(unit, source)
        return unit

    def _link_unit(
        self,
        loc: str,
        entry: dict[str, Any],
        entries: Mapping[str, dict[str, Any]],
        workspaces: set[str],
        patterns: _Globs,
    ) -> _Unit | None:
        target = entry.get("resolved")
        if target is None:
            raise LockfileError(
                "missing on a link entry",
                path=self.path,
                key=f"{_packages_key(loc)}.resolved",
                expected="the folder the link points to",
            )
        target = _clean_folder(target)
        if target in workspaces or (not _in_node_modules(target) and patterns.match(target)):
            return None  # a workspace: part of the project
        target_entry = entries.get(target)
        if target_entry is not None and _in_node_modules(target) and not target_entry.get("link"):
            return None  # points at an installed copy, which is a component of its own
        folder = target_entry or {}
        name = folder.get("name") or loc[loc.rfind(_NODE_MODULES) + len(_NODE_MODULES) :]
        unit = _Unit(
            loc=loc,
            purl="",
            name=name,
            version=folder.get("version"),
            # the folder entry carries the flags, license and declared dependencies
            entry=folder if target_entry is not None else entry,
            base=target,
            deps_entry=folder,
            # a linked folder is a package root: npm lists its devDependencies too
            fields=_DECLARED_FIELDS,
        )
        self._finish_unit(unit, ("link", f"file:{target}"))
        return unit

    def _finish_unit(self, unit: _Unit, source: tuple[str, str] | None) -> None:
        qualifiers = None
        if source is not None:
            kind, url = source
            unit.registry = False
            unit.download_url = url
            # Keep the purl distinct from a registry copy of the same name@version.
            qualifiers = {"vcs_url" if kind == "git" else "download_url": url}
            self._warn(
                unit.loc,
                f"{unit.loc}: {_spec(unit.name, unit.version)} is a {kind} dependency "
                f"({url}), not from a registry",
            )
        unit.purl = _purl(unit.name, unit.version, qualifiers, self.path, _packages_key(unit.loc))

    # -- helpers ------------------------------------------------------------------------------

    def _line(self, loc: str) -> int | None:
        if self._lines is None:
            self._lines = _package_lines(self.text)
        return self._lines.get(("packages", loc))

    def _location(self, loc: str) -> SourceLocation:
        return SourceLocation(self.path, self._line(loc), _packages_key(loc))

    def _warn(self, loc: str, message: str) -> None:
        self.diagnostics.append(Diagnostic(self._location(loc), message))

    def _hashes(self, loc: str, entry: dict[str, Any]) -> tuple[tuple[str, str], ...]:
        hashes, bad = _parse_integrity(entry.get("integrity"))
        if bad:
            self._warn(loc, f"{loc}: integrity value {bad!r} is not valid Subresource Integrity")
        return hashes


# ---------------------------------------------------------------------------------------------
# lockfileVersion 1: the nested "dependencies" tree


@dataclass(slots=True)
class _TreeNode:
    """One entry of the version-1 tree; node 0 stands for the project root."""

    keys: tuple[str, ...]  # tree names from the root: ("a", "b") is a's nested copy of b
    entry: dict[str, Any]
    parent: int
    children: dict[str, int] = field(default_factory=dict)
    name: str = ""
    version: str | None = None
    purl: str = ""
    source: tuple[str, str] | None = None


class _TreeReader:
    """Reads the nested ``dependencies`` tree of lockfileVersion 1.

    Each entry's ``requires`` (name -> range) is resolved the way Node finds a module: the
    entry's own nested ``dependencies`` first, then its parent's, up to the top level. Version 1
    does not record the root project's declared dependencies, so ``direct`` is unknown (None).
    """

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.diagnostics: list[Diagnostic] = []
        self._lines: dict[tuple[str, ...], int] | None = None

    def read(self, data: dict[str, Any]) -> ParseResult:
        nodes = self._build(data)
        components = []
        for index in range(1, len(nodes)):
            node = nodes[index]
            deps: dict[str, None] = {}
            for name in node.entry.get("requires") or {}:
                target = _tree_lookup(nodes, index, name)
                if target is not None and target.purl != node.purl:
                    deps[target.purl] = None
            components.append(
                Component(
                    purl=node.purl,
                    name=node.name,
                    version=node.version,
                    ecosystem=ECOSYSTEM,
                    scope=_scope(node.entry),
                    direct=None,
                    locations=(self._location(node.keys),),
                    dependencies=tuple(deps),
                    hashes=self._hashes(node.keys, node.entry),
                    declared_license=_declared_license(node.entry),
                    registry=node.source is None,
                    download_url=node.source[1] if node.source else None,
                )
            )
        return finish(components, self.diagnostics)

    def _build(self, data: dict[str, Any]) -> list[_TreeNode]:
        """Flatten the tree breadth-first (no recursion: the depth is the file's to choose)."""
        top = expect_object(
            data.get("dependencies", {}), self.path, "dependencies", "an object of name: entry"
        )
        nodes = [_TreeNode(keys=(), entry={}, parent=-1)]
        pending: list[tuple[int, dict[str, Any]]] = [(0, top)]
        while pending:
            next_level: list[tuple[int, dict[str, Any]]] = []
            for parent, children in pending:
                for name, raw in children.items():
                    node = self._node((*nodes[parent].keys, name), raw, parent)
                    nodes[parent].children[name] = len(nodes)
                    nodes.append(node)
                    nested = node.entry.get("dependencies")
                    if nested:
                        next_level.append((len(nodes) - 1, nested))
            pending = next_level
        return nodes

    def _node(self, keys: tuple[str, ...], raw: Any, parent: int) -> _TreeNode:
        key = _tree_key(keys)
        entry = expect_object(raw, self.path, key, "an object describing one package")
        for name in ("version", "resolved", "integrity"):
            value = entry.get(name)
            if value is not None and not isinstance(value, str):
                raise LockfileError(
                    f"{json_type(value)} found",
                    path=self.path,
                    key=f"{key}.{name}",
                    expected="a version string" if name == "version" else "a string",
                )
        for name in ("requires", "dependencies"):
            if name in entry:
                expect_object(entry[name], self.path, f"{key}.{name}", "an object keyed by name")
        node = _TreeNode(keys=keys, entry=entry, parent=parent, name=keys[-1])
        spec = entry.get("version")
        if spec is None:
            self._warn(keys, f"{key}: {node.name} has no version")
        elif spec.startswith("npm:"):
            # `npm:` alias: the tree key is the alias, the version names the real package
            node.name, node.version = _split_alias(spec[4:], node.name)
        elif ":" in spec or "/" in spec:
            # version 1 writes a git, tarball or file: specifier in place of the version
            node.source = _source_of_specifier(spec)
        else:
            node.version = spec
        if node.source is None:
            node.source = _source_of(entry.get("resolved"))
        qualifiers = None
        if node.source is not None:
            kind, url = node.source
            qualifiers = {"vcs_url" if kind == "git" else "download_url": url}
            self._warn(
                keys,
                f"{key}: {_spec(node.name, node.version)} is a {kind} dependency ({url}), "
                "not from a registry",
            )
        node.purl = _purl(node.name, node.version, qualifiers, self.path, key)
        return node

    def _line(self, keys: tuple[str, ...]) -> int | None:
        if self._lines is None:
            self._lines = _object_lines(self.text, _tree_names)
        return self._lines.get(keys)

    def _location(self, keys: tuple[str, ...]) -> SourceLocation:
        return SourceLocation(self.path, self._line(keys), _tree_key(keys))

    def _warn(self, keys: tuple[str, ...], message: str) -> None:
        self.diagnostics.append(Diagnostic(self._location(keys), message))

    def _hashes(self, keys: tuple[str, ...], entry: dict[str, Any]) -> tuple[tuple[str, str], ...]:
        hashes, bad = _parse_integrity(entry.get("integrity"))
        if bad:
            key = _tree_key(keys)
            self._warn(keys, f"{key}: integrity value {bad!r} is not valid Subresource Integrity")
        return hashes


def _tree_lookup(nodes: list[_TreeNode], start: int, name: str) -> _TreeNode | None:
    """The copy of ``name`` that the package at ``start`` gets: nearest in its ancestry."""
    index = start
    while index >= 0:
        found = nodes[index].children.get(name)
        if found is not None:
            return nodes[found]
        index = nodes[index].parent
    return None


def _tree_key(keys: tuple[str, ...]) -> str:
    return ".".join(f"dependencies[{_json_string(k)}]" for k in keys)


def _tree_names(path: tuple[str, ...]) -> tuple[str, ...] | None:
    """("dependencies", "a", "dependencies", "b") -> ("a", "b"); None for other key paths."""
    if len(path) % 2 or path[::2].count("dependencies") != len(path) // 2:
        return None
    return path[1::2]


def _split_alias(spec: str, fallback: str) -> tuple[str, str | None]:
    """``real@1.2.3`` / ``@scope/real@1.2.3`` -> (name, version)."""
    at = spec.rfind("@")
    if at <= 0:
        return (spec or fallback), None
    return spec[:at], spec[at + 1 :] or None


def _source_of_specifier(spec: str) -> tuple[str, str]:
    """(kind, url) for a version-1 ``version`` that is a specifier instead of a version."""
    if spec.startswith(_GIT_PREFIXES):
        return "git", strip_credentials(spec)
    if spec.startswith("file:"):
        return "file", spec
    if urlsplit(spec).scheme in ("http", "https"):
        return "tarball", strip_credentials(spec)
    if ":" not in spec:
        return "git", spec  # a hosted shortcut such as user/repo#commit (GitHub by default)
    return "file", strip_credentials(spec)


# ---------------------------------------------------------------------------------------------
# shared helpers


def _lockfile_version(data: dict[str, Any], path: str) -> int:
    if "lockfileVersion" not in data:
        raise LockfileError(
            "key is missing",
            path=path,
            key="lockfileVersion",
            expected="1, 2 or 3",
        )
    version = data["lockfileVersion"]
    # bool is an int in Python, but `true` is not a version
    if isinstance(version, bool) or version not in SUPPORTED_VERSIONS:
        raise LockfileError(
            f"unsupported version {json.dumps(version)}",
            path=path,
            key="lockfileVersion",
            expected="1, 2 or 3",
        )
    return int(version)


def _spec(name: str, version: str | None) -> str:
    return f"{name}@{version}" if version else name


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _json_string(text: str) -> str:
    """``text`` as a JSON string literal, for key paths in messages."""
    if '"' in text or "\\" in text or not text.isprintable():
        return _quote(text)
    return f'"{text}"'  # the common case, without a JSON encoder call


def _packages_key(loc: str) -> str:
    return f"packages[{_json_string(loc)}]"


def _in_node_modules(loc: str) -> bool:
    return loc.startswith(_NODE_MODULES) or f"/{_NODE_MODULES}" in loc


def _clean_folder(folder: str) -> str:
    """A link target as a ``packages`` key: relative, forward slashes, no ``./`` or ``file:``."""
    folder = folder.removeprefix("file:").replace("\\", "/")
    while folder.startswith("./"):
        folder = folder[2:]
    return folder.rstrip("/")


def _lookup_folders(start: str) -> list[str]:
    """The node_modules folders Node's module lookup searches from ``start``, nearest first.

    Node tries ``<dir>/node_modules/<name>`` for the requiring folder and each parent folder,
    skipping folders that are themselves called node_modules (Node's modules docs, "Loading
    from node_modules folders"). Folders above the project (``..``) never fall back into it.
    Returned as ``packages`` key prefixes (``"node_modules/a/node_modules/"``).
    """
    folders = []
    base = start
    while True:
        folders.append(f"{base}/{_NODE_MODULES}" if base else _NODE_MODULES)
        if not base or base == "..":
            return folders
        cut = base.rfind("/")
        base = base[:cut] if cut >= 0 else ""
        if base == "node_modules" or base.endswith("/node_modules"):
            cut = base.rfind("/")
            base = base[:cut] if cut >= 0 else ""


def _dependency_names(entry: Mapping[str, Any], fields: Iterable[str]) -> Iterable[str]:
    for name in fields:
        declared = entry.get(name)
        if isinstance(declared, dict):
            yield from declared


def _scope(entry: Mapping[str, Any]) -> Scope:
    """npm's flags: ``dev`` = only needed for development; ``optional`` = only through optional
    dependencies; ``devOptional`` = only through dev or optional ones (npm docs,
    package-lock.json "packages"). A dev entry that is also optional stays dev."""
    if entry.get("dev") is True:
        return Scope.DEV
    if entry.get("optional") is True or entry.get("devOptional") is True:
        return Scope.OPTIONAL
    return Scope.REQUIRED


def _source_of(resolved: str | None) -> tuple[str, str] | None:
    """``None`` for a package from a registry, else (kind, url) for git/file/tarball sources."""
    if not resolved:
        # npm leaves "resolved" out for registry packages when omit-lockfile-registry-resolved
        # is set; every other source keeps it.
        return None
    if resolved.startswith("https://") and resolved.endswith(".tgz") and "/-/" in resolved:
        return None  # the common case, decided without parsing the URL
    if resolved.startswith(_GIT_PREFIXES):
        return "git", strip_credentials(resolved)
    if resolved.startswith("file:"):
        return "file", resolved
    if _is_registry_tarball(resolved):
        return None
    if urlsplit(resolved).scheme in ("http", "https"):
        return "tarball", strip_credentials(resolved)
    return "file", strip_credentials(resolved)


def _is_registry_tarball(url: str) -> bool:
    """Whether ``url`` has the shape of an npm registry tarball, on any host.

    The registry API serves tarballs at ``<name>/-/<basename>-<version>.tgz`` (npm's
    registry docs; mirrors and private registries keep the layout). Version 1 may record the
    path relative to the registry. GitHub's npm registry serves ``/download/@scope/name/...``.
    """
    urlpath = urlsplit(url).path
    return ("/-/" in urlpath and urlpath.endswith(".tgz")) or urlpath.startswith("/download/@")


def _purl(
    name: str, version: str | None, qualifiers: dict[str, str] | None, path: str, key: str
) -> str:
    # npm scopes are the purl namespace: pkg:npm/%40scope/name@1.0.0 (purl spec, npm type)
    namespace = None
    if name.startswith("@") and "/" in name:
        namespace, name = name.split("/", 1)
    try:
        purl = make_purl(ECOSYSTEM, name, version, namespace=namespace, qualifiers=qualifiers)
    except ValueError as exc:
        raise LockfileError(
            f"cannot make a package URL ({exc})", path=path, key=key, expected="a package name"
        ) from exc
    return purl


def _declared_license(entry: Mapping[str, Any]) -> str | None:
    """The ``license`` an entry carries, as a string; never guessed.

    npm copies package.json's ``license``. Old packages used an object (``{"type": "MIT",
    "url": ...}``) or a ``licenses`` array of such objects. npm's package.json docs give
    ``"license": "(MIT OR Apache-2.0)"`` as the replacement for a two-item ``licenses``
    array, i.e. the array lists alternatives: we join its types with OR (as npm's own SBOM
    output does).
    """
    value = entry.get("license")
    if value is None:
        value = entry.get("licenses")
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        kind = value.get("type")
        return kind.strip() or None if isinstance(kind, str) else None
    if isinstance(value, list):
        types = []
        for item in value:
            kind = item.get("type") if isinstance(item, dict) else item
            if isinstance(kind, str) and kind.strip():
                kind = kind.strip()
                types.append(f"({kind})" if " " in kind and not kind.startswith("(") else kind)
        return " OR ".join(types) or None
    return None


def _parse_integrity(value: Any) -> tuple[tuple[tuple[str, str], ...], str | None]:
    """Subresource Integrity (``sha512-<base64>``, several separated by spaces) -> hex hashes.

    Returns the hashes and the first malformed item, if any.
    """
    if not isinstance(value, str):
        return (), None
    hashes: list[tuple[str, str]] = []
    bad = None
    for item in value.split():
        algorithm, _, digest = item.partition("-")
        name = _HASH_NAMES.get(algorithm.lower())
        if name is None:
            continue  # an algorithm we do not report
        digest = digest.split("?", 1)[0]  # SRI allows "?options" after the digest
        try:
            raw = base64.b64decode(digest, validate=True)
        except (binascii.Error, ValueError):
            bad = bad or item
            continue
        hashes.append((name, raw.hex()))
    return tuple(hashes), bad


class _Globs:
    """npm workspace globs (``packages/*``, ``libs/**``, ``!packages/old``) against folders."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self._include: list[re.Pattern[str]] = []
        self._exclude: list[re.Pattern[str]] = []
        for pattern in patterns:
            negated = pattern.startswith("!")
            regex = _glob_regex(_clean_folder(pattern.removeprefix("!")))
            (self._exclude if negated else self._include).append(regex)

    def match(self, folder: str) -> bool:
        return any(r.fullmatch(folder) for r in self._include) and not any(
            r.fullmatch(folder) for r in self._exclude
        )


def _glob_regex(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:[^/]+/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


def _workspace_patterns(value: Any, path: str) -> _Globs:
    """The root's ``workspaces``: an array of globs, or ``{"packages": [...]}``."""
    if isinstance(value, dict):
        value = value.get("packages", [])
    if value is None:
        return _Globs(())
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LockfileError(
            f"{json_type(value)} found",
            path=path,
            key=f"{_packages_key('')}.workspaces",
            expected="an array of folder globs",
        )
    return _Globs(value)


def _object_lines(
    text: str, wanted: Callable[[tuple[str, ...]], tuple[str, ...] | None]
) -> dict[tuple[str, ...], int]:
    """Line numbers of the keys whose value is an object, for indented JSON.

    ``wanted`` maps a key path to the dictionary key to record it under, or None to skip it.

    npm writes lockfiles indented (two spaces, or the indentation the file already had), one
    key per line, so the indentation of ``"key": {`` gives its depth. One pass, linear in the
    text. A file in another layout (minified) simply gets no line numbers.
    """
    lines: dict[tuple[str, ...], int] = {}
    stack: list[str] = []
    unit = 0
    line = 1
    counted = 0
    for match in _OBJECT_KEY.finditer(text):
        indent = match.group(1)
        if not indent:
            continue
        if not unit:
            unit = len(indent)
        depth, rest = divmod(len(indent), unit)
        if rest or depth > len(stack) + 1:
            continue
        raw = match.group(2)
        try:
            key = json.loads(f'"{raw}"') if "\\" in raw else raw
        except ValueError:
            continue
        del stack[depth - 1 :]
        stack.append(key)
        recorded = wanted(tuple(stack))
        if recorded is not None:
            line += text.count("\n", counted, match.start())
            counted = match.start()
            lines[recorded] = line
    return lines


def _package_lines(text: str) -> dict[tuple[str, ...], int]:
    """Line numbers of the entries of the top-level ``packages`` map, in npm's layout.

    The fast path of ``_object_lines`` for lockfileVersion 2/3: only the keys one indentation
    level inside ``"packages": {`` are searched, between that line and its closing brace.
    """
    found = re.search(r'^([ \t]+)"packages"[ \t]*:[ \t]*\{', text, re.MULTILINE)
    first = re.search(r'^([ \t]+)"', text, re.MULTILINE)
    # the top-level key has the file's first indentation; anything else is another layout
    if found is None or first is None or found.group(1) != first.group(1):
        return {}
    unit = found.group(1)
    end = text.find(f"\n{unit}}}", found.end())
    entry_key = re.compile(rf'\n{re.escape(unit * 2)}"((?:[^"\\\n]|\\.)*)"[ \t]*:[ \t]*\{{')
    lines: dict[tuple[str, ...], int] = {}
    line = text.count("\n", 0, found.start()) + 1
    counted = found.start()
    for match in entry_key.finditer(text, found.end(), end if end >= 0 else len(text)):
        raw = match.group(1)
        try:
            key = json.loads(f'"{raw}"') if "\\" in raw else raw
        except ValueError:
            continue
        line += text.count("\n", counted, match.start() + 1)
        counted = match.start() + 1
        lines[("packages", key)] = line
    return lines
