"""pnpm-lock.yaml: lockfile versions 5.x (pnpm 7), 6.x (pnpm 8) and 9.x (pnpm 9 and later)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, Diagnostic, ParseResult, Scope, SourceLocation
from ospo_scan.sources.base import finish, strip_credentials
from ospo_scan.sources.decode import load_yaml
from ospo_scan.sources.js import (
    ECOSYSTEM,
    Source,
    integrity_hashes,
    npm_purl,
    propagate_scopes,
    registry_tarball_version,
    split_descriptor,
)

_VERSION = re.compile(r"^(\d+)(?:\.(\d+))?")
_SUPPORTED = (5, 6, 9)
# The importer dependency lists and the scope each declares (pnpm's lockfile types:
# ProjectSnapshot in @pnpm/lockfile.types).
_IMPORTER_FIELDS = (
    ("dependencies", Scope.REQUIRED),
    ("optionalDependencies", Scope.OPTIONAL),
    ("devDependencies", Scope.DEV),
)
# A key directly under "packages:"/"snapshots:" (two-space indent), for line numbers.
_ENTRY_LINE = re.compile(
    r"^  (?:'((?:[^']|'')*)'|\"((?:[^\"\\]|\\.)*)\"|([^\s'\"#].*?)):(?: \{\})?\s*$"
)


class PnpmLockParser:
    """Reads pnpm-lock.yaml (lockfile v5.x, v6.x, v9.x; see pnpm's lockfile documentation)."""

    format: str = "pnpm-lock"
    ecosystem: str = ECOSYSTEM
    patterns: tuple[str, ...] = ("pnpm-lock.yaml",)

    def parse(self, text: str, path: str) -> ParseResult:
        """Return the components the lockfile pins.

        ``direct`` is True for what an importer (the root project or a workspace package)
        declares; ``scope`` follows the graph from the importers' dependencies (required),
        optionalDependencies (optional) and devDependencies (dev), the strongest path winning.
        Raises ``LockfileError`` for invalid YAML, an unsupported ``lockfileVersion`` or an
        entry of the wrong shape (the message names the key path).
        """
        data = load_yaml(text, path)
        if not isinstance(data, dict):
            raise LockfileError(
                f"the top level is a {type(data).__name__}",
                path=path,
                expected="a mapping with lockfileVersion and packages",
            )
        major = _major_version(data.get("lockfileVersion"), path)
        return _Reader(path, major, _entry_lines(text)).read(data)


def _major_version(value: Any, path: str) -> int:
    found = _VERSION.match(str(value)) if isinstance(value, (str, int, float)) else None
    if value is None or isinstance(value, bool) or found is None:
        raise LockfileError(
            "lockfileVersion is missing" if value is None else f"lockfileVersion {value!r}",
            path=path,
            key="lockfileVersion",
            expected="5.x, 6.x or 9.x",
        )
    major = int(found.group(1))
    if major not in _SUPPORTED:
        raise LockfileError(
            f"unsupported lockfileVersion {value}",
            path=path,
            key="lockfileVersion",
            expected="5.x, 6.x or 9.x",
        )
    return major


@dataclass(slots=True)
class _Node:
    """One installed package (a ``packages`` key in v5/v6, a ``snapshots`` key in v9)."""

    key: str
    component: Component
    children: list[tuple[str, bool]] = field(default_factory=list)  # (key, optional edge)
    flag_scope: Scope | None = None  # from the v5/v6 dev/optional flags


class _Reader:
    """Reads one pnpm-lock.yaml: the packages (or snapshots) graph, then the importers."""

    def __init__(self, path: str, major: int, lines: dict[tuple[str, str], int]) -> None:
        self.path = path
        self.major = major
        self.lines = lines
        self.diagnostics: list[Diagnostic] = []

    # -- the whole file -----------------------------------------------------------------------

    def read(self, data: dict[str, Any]) -> ParseResult:
        packages = self._mapping(data.get("packages"), "packages")
        if self.major >= 9:
            snapshots = self._mapping(data.get("snapshots"), "snapshots")
            section = "snapshots"
        else:
            snapshots = packages
            section = "packages"
        catalogs = self._mapping(data.get("catalogs"), "catalogs")

        nodes: dict[str, _Node] = {}
        for key, raw in snapshots.items():
            key = str(key)
            entry = self._mapping(raw, f'{section}["{key}"]')
            meta = entry
            if self.major >= 9:
                meta_key = _strip_peers(key)
                if meta_key not in packages:
                    raise LockfileError(
                        f'"{meta_key}" is missing from packages',
                        path=self.path,
                        key=f'{section}["{key}"]',
                        expected="a packages entry for every snapshot",
                    )
                meta = self._mapping(packages[meta_key], f'packages["{meta_key}"]')
            nodes[key] = self._node(section, key, entry, meta)

        for node in nodes.values():
            entry = self._mapping(snapshots[node.key], f'{section}["{node.key}"]')
            for field_name, optional in (("dependencies", False), ("optionalDependencies", True)):
                deps = self._mapping(entry.get(field_name), f'{section}["{node.key}"].{field_name}')
                for name, ref in deps.items():
                    child = self._resolve(str(name), ref, f'{section}["{node.key}"].{field_name}')
                    if child is not None and child in nodes:
                        node.children.append((child, optional))

        roots: list[tuple[str, Scope]] = []
        for importer, declared in self._importers(data, catalogs):
            for name, ref, scope in declared:
                child = self._resolve(name, ref, f'importers["{importer}"]')
                if child is None:
                    continue  # link: to a workspace package or folder, not a component
                if child not in nodes:
                    raise LockfileError(
                        f'{name} resolves to "{child}", which is not in {section}',
                        path=self.path,
                        key=f'importers["{importer}"]',
                        expected=f"a {section} entry for every dependency",
                    )
                roots.append((child, scope))

        edges = {key: node.children for key, node in nodes.items()}
        scopes = propagate_scopes(roots, edges)
        direct = {key for key, _ in roots}
        components = []
        for key, node in nodes.items():
            children = {nodes[c].component.purl: None for c, _ in node.children}
            children.pop(node.component.purl, None)
            components.append(
                replace(
                    node.component,
                    scope=scopes.get(key, node.flag_scope),
                    direct=key in direct,
                    dependencies=tuple(children),
                )
            )
        return finish(components, self.diagnostics)

    # -- importers ----------------------------------------------------------------------------

    def _importers(
        self, data: dict[str, Any], catalogs: dict[str, Any]
    ) -> list[tuple[str, list[tuple[str, Any, Scope]]]]:
        """(importer path, [(name, reference, scope)]) for every project of the workspace.

        Without ``importers`` (a single project in v5/v6), the root's lists are top-level keys.
        """
        if "importers" in data:
            importers = self._mapping(data["importers"], "importers")
        else:
            importers = {".": data}
        out = []
        for importer, raw in importers.items():
            where = f'importers["{importer}"]' if "importers" in data else ""
            project = self._mapping(raw, where or "(top level)")
            deps: list[tuple[str, Any, Scope]] = []
            for field_name, scope in _IMPORTER_FIELDS:
                listed = self._mapping(project.get(field_name), _join(where, field_name))
                for name, value in listed.items():
                    ref = self._importer_reference(
                        str(name), value, catalogs, _join(where, f"{field_name}.{name}")
                    )
                    deps.append((str(name), ref, scope))
            out.append((str(importer), deps))
        return out

    def _importer_reference(
        self, name: str, value: Any, catalogs: dict[str, Any], where: str
    ) -> Any:
        """v6/v9 list ``{specifier, version}``; v5 lists the version string itself."""
        if not isinstance(value, dict):
            return value
        version = value.get("version")
        if version is not None:
            return version
        specifier = value.get("specifier")
        if isinstance(specifier, str) and specifier.startswith("catalog:"):
            # catalogs (pnpm 9.5+): the version the named catalog resolved this package to
            catalog = specifier[len("catalog:") :] or "default"
            entry = self._mapping(catalogs.get(catalog), f'catalogs["{catalog}"]').get(name)
            if isinstance(entry, dict) and entry.get("version") is not None:
                return entry["version"]
        raise LockfileError(
            "dependency has no version",
            path=self.path,
            key=where,
            expected='a "version" field or a catalog entry with one',
        )

    # -- references and keys ------------------------------------------------------------------

    def _resolve(self, name: str, ref: Any, where: str) -> str | None:
        """The ``packages``/``snapshots`` key a dependency reference points to; None for link:.

        v5: ``1.0.0_peer@1.0.0`` or a path ``/real/1.0.0`` (alias); v6: ``1.0.0(peer@1.0.0)``
        or ``/real@1.0.0``; v9: ``1.0.0(peer@1.0.0)`` or ``real@1.0.0``. Non-registry packages
        are referenced by their own key (``file:...``, ``host/repo/commit``, a URL).
        """
        if isinstance(ref, (int, float)) and not isinstance(ref, bool):
            ref = str(ref)  # a YAML number such as 1.0
        if not isinstance(ref, str) or not ref:
            raise LockfileError(
                f"{type(ref).__name__} found for {name}",
                path=self.path,
                key=where,
                expected="a version or reference string",
            )
        if ref.startswith("link:"):
            return None
        if self.major >= 9:
            head = ref.split("(", 1)[0]
            if _is_alias_reference(head):
                return ref
            return f"{name}@{ref}"
        if ref.startswith("/") or _is_path_reference(ref):
            return ref
        return f"/{name}/{ref}" if self.major == 5 else f"/{name}@{ref}"

    def _node(self, section: str, key: str, entry: dict[str, Any], meta: dict[str, Any]) -> _Node:
        where = f'{section}["{key}"]'
        name, version = _parse_key(key, self.major)
        keyed_by_version = version is not None  # a registry key: name and version, no URL
        if isinstance(meta.get("name"), str):
            name = meta["name"]
        if meta.get("version") is not None:
            version = str(meta["version"])
        if not name:
            raise LockfileError(
                "entry has no package name",
                path=self.path,
                key=where,
                expected='a "name@version" key or a "name" field',
            )
        resolution = self._mapping(meta.get("resolution"), f"{where}.resolution")
        source = _resolution_source(resolution, name, version, keyed_by_version)
        if source is None and not version:
            raise LockfileError(
                "entry has no version",
                path=self.path,
                key=where,
                expected='a "name@version" key or a "version" field',
            )
        location = SourceLocation(self.path, self.lines.get((section, key)), where)
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
            hashes=integrity_hashes(resolution.get("integrity")),
            registry=source is None,
            download_url=source.url if source else None,
        )
        return _Node(key, component, flag_scope=_flag_scope(entry, self.major))

    def _mapping(self, value: Any, key: str) -> dict[str, Any]:
        """``value`` as a mapping (an absent or empty section is an empty mapping)."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise LockfileError(
                f"{type(value).__name__} found",
                path=self.path,
                key=key,
                expected="a mapping",
            )
        return value


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _is_alias_reference(head: str) -> bool:
    """v9: ``real-name@1.0.0`` (an npm: alias) rather than a version or a URL."""
    if head.startswith("@"):
        return True
    at = head.find("@")
    return at > 0 and ":" not in head[:at] and "/" not in head[:at]


def _is_path_reference(ref: str) -> bool:
    """v5/v6 references to non-registry keys: ``file:...``, ``host/owner/repo/commit``, URLs."""
    head = ref.split("(", 1)[0]
    return ":" in head or "/" in head


def _strip_peers(key: str) -> str:
    """``name@1.0.0(peer@2.0.0)(other@1.0.0)`` -> ``name@1.0.0`` (v6/v9 peer suffixes)."""
    at = key.find("(")
    return key[:at] if at > 0 and key.endswith(")") else key


def _parse_key(key: str, major: int) -> tuple[str | None, str | None]:
    """(name, version) from a registry package key; (None, None) for other keys."""
    if major == 5:
        # /name/1.0.0_peer@1.0.0+other@2.0.0 and /@scope/name/1.0.0
        if not key.startswith("/"):
            return None, None
        parts = key[1:].split("/")
        size = 3 if key.startswith("/@") else 2
        if len(parts) != size:
            return None, None
        return "/".join(parts[:-1]), parts[-1].split("_", 1)[0] or None
    bare = _strip_peers(key)
    if major == 6:
        if not bare.startswith("/"):
            return None, None
        bare = bare[1:]
    try:
        name, version = split_descriptor(bare)
    except ValueError:
        return None, None
    if ":" in version or "/" in version:
        return name, None  # name@file:..., name@git+https://...: the entry holds the version
    return name, version or None


def _resolution_source(
    resolution: dict[str, Any], name: str, version: str | None, keyed_by_version: bool
) -> Source | None:
    """None for a registry package, else where it comes from (pnpm's resolution types:
    ``{integrity}``, ``{tarball}``, ``{type: git, repo, commit}``, ``{type: directory}``).

    pnpm keys registry packages by name and version, and adds ``tarball`` to them when the
    registry serves tarballs elsewhere than its default layout; dependencies on other URLs
    are keyed by the URL itself.
    """
    kind = resolution.get("type")
    if kind == "git":
        repo = str(resolution.get("repo", ""))
        commit = str(resolution.get("commit", ""))
        return Source("git", strip_credentials(f"{repo}#{commit}" if commit else repo))
    if kind == "directory":
        return Source("file", f"file:{resolution.get('directory', '')}")
    tarball = resolution.get("tarball")
    if isinstance(tarball, str):
        if tarball.startswith("file:"):
            return Source("file", tarball)
        if keyed_by_version or registry_tarball_version(tarball, name) == version:
            return None
        return Source("tarball", strip_credentials(tarball))
    if kind is not None:
        return Source(str(kind), str(resolution))
    return None


def _flag_scope(entry: dict[str, Any], major: int) -> Scope | None:
    """v5/v6 flags: ``dev: true`` dev only, ``optional: true`` optional only, otherwise
    required (``dev: false`` prod only; no ``dev`` flag: both dev and prod use it). v9 keeps
    no dev flags, so the graph alone decides there."""
    if major >= 9:
        return None
    if entry.get("dev") is True:
        return Scope.DEV
    return Scope.OPTIONAL if entry.get("optional") is True else Scope.REQUIRED


def _entry_lines(text: str) -> dict[tuple[str, str], int]:
    """(section, key) -> line of the keys directly under ``packages:`` and ``snapshots:``."""
    lines: dict[tuple[str, str], int] = {}
    section = ""
    for number, line in enumerate(text.split("\n"), 1):
        if not line:
            continue
        if line[0] not in " #":
            section = line.split(":", 1)[0].strip()
            continue
        if section not in ("packages", "snapshots") or not line.startswith("  ") or line[2] == " ":
            continue
        found = _ENTRY_LINE.match(line.rstrip("\r"))
        if found is None:
            continue
        single, double, bare = found.groups()
        if single is not None:
            key = single.replace("''", "'")
        elif double is not None:
            try:
                key = json.loads(f'"{double}"')
            except json.JSONDecodeError:
                continue
        else:
            key = bare
        lines[(section, key)] = number
    return lines
