"""NuGet ``packages.lock.json`` (lock file version 1 and 2) of a .NET project.

The file maps each target framework (``net8.0``, or ``net8.0/win-x64`` for a runtime
identifier) to the packages restored for it. Each entry has a ``type``: ``Direct`` (a
``PackageReference`` of the project), ``Transitive``, ``CentralTransitive`` (version 2: a
transitive package pinned by central package management) or ``Project`` (a project reference
inside the solution: first-party, not a component). Package entries carry the ``resolved``
version, the ``contentHash`` (base64 SHA-512 of the .nupkg) and ``dependencies`` (id ->
version range), which give the dependency graph inside the same target (NuGet docs,
"Enable repeatable package restores using a lock file"; NuGet.ProjectModel's lock file format).

``direct`` is true for ``Direct`` entries; the lock file does not say how a package is
needed, so ``scope`` is unknown. Package ids are case-insensitive in NuGet but kept as
written (the shared corpus keeps their case in purls).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, Diagnostic, ParseResult, SourceLocation
from ospo_scan.sources.base import finish, make_purl
from ospo_scan.sources.decode import expect_object, json_type, load_json

ECOSYSTEM = "nuget"
SUPPORTED_VERSIONS = (1, 2)
_PACKAGE_TYPES = ("Direct", "Transitive", "CentralTransitive")
_TYPES = (*_PACKAGE_TYPES, "Project")


@dataclass(frozen=True, slots=True)
class _Entry:
    target: str
    name: str
    kind: str
    version: str | None
    dependencies: tuple[str, ...]
    content_hash: str | None


class NugetLockParser:
    """Reads ``packages.lock.json`` written by ``dotnet restore --use-lock-file``."""

    format: str = "nuget-lock"
    ecosystem: str = ECOSYSTEM
    # packages.<project>.lock.json: the name NuGet uses for one of several projects sharing a
    # folder (NuGet/Home spec "Repeatable build using lock file implementation")
    patterns: tuple[str, ...] = ("packages.lock.json", "packages.*.lock.json")

    def parse(self, text: str, path: str) -> ParseResult:
        """Return one component per package entry, merged over the target frameworks.

        Raises ``LockfileError`` for invalid JSON, an unsupported ``version``, or an entry of
        the wrong shape (the message names its key path).
        """
        data = load_json(text, path)
        if not isinstance(data, dict):
            raise LockfileError(
                f"{json_type(data)} found", path=path, expected="a JSON object with a version"
            )
        _check_version(data, path)
        targets = expect_object(
            data.get("dependencies", {}), path, "dependencies", "an object of target frameworks"
        )
        components: list[Component] = []
        diagnostics: list[Diagnostic] = []
        for target, raw_entries in targets.items():
            entries = _read_target(target, raw_entries, path)
            by_id = {entry.name.lower(): entry for entry in entries}
            for entry in entries:
                if entry.kind == "Project":
                    continue
                purl = _purl(entry, path)
                children: dict[str, None] = {}
                for dependency in entry.dependencies:
                    child = by_id.get(dependency.lower())
                    if child is None:
                        diagnostics.append(
                            Diagnostic(
                                _location(path, entry),
                                f"{entry.name} {entry.version} depends on {dependency}, "
                                f"which is not locked for {target}",
                            )
                        )
                    elif child.kind != "Project":
                        children[_purl(child, path)] = None
                components.append(
                    Component(
                        purl=purl,
                        name=entry.name,
                        version=entry.version,
                        ecosystem=ECOSYSTEM,
                        scope=None,
                        direct=entry.kind == "Direct",
                        locations=(_location(path, entry),),
                        dependencies=tuple(children),
                        hashes=_hashes(entry, path, diagnostics),
                    )
                )
        return finish(components, diagnostics)


def _check_version(data: dict[str, Any], path: str) -> None:
    version = data.get("version")
    if version is None:
        raise LockfileError("key is missing", path=path, key="version", expected="1 or 2")
    if isinstance(version, bool) or version not in SUPPORTED_VERSIONS:
        raise LockfileError(
            f"unsupported version {json.dumps(version)}",
            path=path,
            key="version",
            expected="packages.lock.json version 1 or 2",
        )


def _read_target(target: str, raw: Any, path: str) -> list[_Entry]:
    key = f"dependencies[{json.dumps(target)}]"
    entries = expect_object(raw, path, key, "an object of package id: entry")
    out = []
    for name, value in entries.items():
        entry_key = f"{key}[{json.dumps(name)}]"
        entry = expect_object(value, path, entry_key, "an object with type and resolved")
        kind = entry.get("type")
        if kind not in _TYPES:
            found = "no type" if kind is None else f"type {json.dumps(kind)}"
            raise LockfileError(
                f"{found} found",
                path=path,
                key=f"{entry_key}.type",
                expected="Direct, Transitive, CentralTransitive or Project",
            )
        version = entry.get("resolved")
        if kind != "Project" and (not isinstance(version, str) or not version.strip()):
            found = "no resolved version" if version is None else f"{json_type(version)} found"
            raise LockfileError(
                found, path=path, key=f"{entry_key}.resolved", expected="a version string"
            )
        dependencies = expect_object(
            entry.get("dependencies", {}),
            path,
            f"{entry_key}.dependencies",
            "an object of package id: version range",
        )
        content_hash = entry.get("contentHash")
        out.append(
            _Entry(
                target=target,
                name=name,
                kind=kind,
                version=version.strip() if isinstance(version, str) else None,
                dependencies=tuple(dependencies),
                content_hash=content_hash if isinstance(content_hash, str) else None,
            )
        )
    return out


def _purl(entry: _Entry, path: str) -> str:
    try:
        return make_purl(ECOSYSTEM, entry.name, entry.version)
    except ValueError as exc:
        raise LockfileError(
            f"cannot make a package URL ({exc})",
            path=path,
            key=_key(entry),
            expected="a package id",
        ) from exc


def _hashes(entry: _Entry, path: str, diagnostics: list[Diagnostic]) -> tuple[tuple[str, str], ...]:
    """``contentHash``: the base64 SHA-512 of the package file (NuGet's package hash)."""
    if not entry.content_hash:
        return ()
    try:
        digest = base64.b64decode(entry.content_hash, validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != 64:
        diagnostics.append(
            Diagnostic(
                _location(path, entry),
                f"{entry.name} {entry.version}: contentHash is not a base64 SHA-512",
            )
        )
        return ()
    return (("SHA-512", digest.hex()),)


def _key(entry: _Entry) -> str:
    return f"dependencies[{json.dumps(entry.target)}][{json.dumps(entry.name)}]"


def _location(path: str, entry: _Entry) -> SourceLocation:
    return SourceLocation(path, None, _key(entry))
