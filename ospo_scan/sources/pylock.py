"""Parser for ``pylock.toml`` (PEP 751, the standard Python lock file), lock-version 1.x.

Each ``[[packages]]`` table is one locked distribution: ``name``, ``version`` and exactly one
source: ``index`` with ``sdist``/``wheels`` (a package index), ``vcs``, ``directory`` or
``archive``. The project itself may appear as a ``directory`` at ``"."``; it is not a
component, but its ``dependencies`` are the project's own requirements: when it is there,
they are direct and everything else is not; otherwise ``direct`` is unknown.

Scope comes from markers: a multi-use lock file lists its ``extras`` and
``dependency-groups`` and guards packages with ``'name' in extras`` / ``'name' in
dependency_groups`` markers (PEP 751, "Additions to marker expression syntax"). A package
only installed for extras is optional, one only installed for groups outside
``default-groups`` is dev, anything else is required. A single-use file (no extras and no
groups declared) cannot tell, so its scope is unknown. ``dependencies`` (name and, when
several versions are locked, version) give the graph.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from ospo_scan.model import Component, Diagnostic, ParseResult, Scope
from ospo_scan.sources.base import finish, strip_credentials
from ospo_scan.sources.decode import load_toml
from ospo_scan.sources.python import (
    ECOSYSTEM,
    ShapeErrors,
    collect_hashes,
    download_qualifiers,
    index_qualifiers,
    normalize_name,
    pypi_purl,
    table_lines,
    vcs_qualifiers,
)

_SOURCES = ("vcs", "directory", "archive")
# 'dev' in dependency_groups, "docs" in extras (either quote style, either order of spaces)
_GROUP_MARKER = re.compile(r"""['"]([^'"]+)['"]\s+in\s+dependency_groups""")
_EXTRA_MARKER = re.compile(r"""['"]([^'"]+)['"]\s+in\s+extras""")


class PylockParser:
    """``pylock.toml`` and named lock files ``pylock.<name>.toml``."""

    format: str = "pylock"
    ecosystem: str = ECOSYSTEM
    patterns: tuple[str, ...] = ("pylock.toml", "pylock.*.toml")

    def parse(self, text: str, path: str) -> ParseResult:
        """Return one component per locked package other than the project itself.

        Raises ``LockfileError`` for invalid TOML, a file without ``lock-version`` or with an
        unsupported one, ``packages`` that is not an array of tables, a package without a
        string name, or a package from an index without a version.
        """
        data = load_toml(text, path)
        shapes = ShapeErrors(path, table_lines(text, "[[packages]]"))
        if data.get("lock-version") is None:
            raise shapes.error("lock-version", 'no "lock-version"', 'a pylock.toml ("1.0")')
        shapes.version_in(data.get("lock-version"), (1,), "lock-version", "lock-version")
        tables = shapes.table_list(data.get("packages", []), "packages", "[[packages]] tables")
        multi_use = bool(data.get("extras") or data.get("dependency-groups"))
        default_groups = {str(g) for g in data.get("default-groups") or () if isinstance(g, str)}

        components: list[Component] = []
        diagnostics: list[Diagnostic] = []
        index_of: dict[str, list[tuple[str | None, int]]] = {}
        entries: list[tuple[dict[str, Any], str, str | None]] = []
        for index, table in enumerate(tables):
            key = f"packages[{index}]"
            name = normalize_name(shapes.string(table, "name", key, index))
            version = shapes.optional_string(table, "version", key, index)
            entries.append((table, name, version))
            index_of.setdefault(name, []).append((version, index))

        purls: list[str | None] = []
        for index, (table, name, version) in enumerate(entries):
            purl, registry, download_url, problem = _identity(table, name, version, index, shapes)
            purls.append(purl)
            if purl is None:
                continue
            location = shapes.location(index, "packages")
            if problem:
                diagnostics.append(Diagnostic(location, problem))
            components.append(
                Component(
                    purl=purl,
                    name=name,
                    version=version,
                    ecosystem=ECOSYSTEM,
                    scope=_scope(table.get("marker"), multi_use, default_groups),
                    direct=None,
                    locations=(location,),
                    hashes=_hashes(table),
                    registry=registry,
                    download_url=download_url,
                )
            )
        linked = _with_dependencies(components, entries, purls, index_of)
        return finish(_mark_direct(linked, entries, purls, index_of), diagnostics)


def _identity(
    table: dict[str, Any], name: str, version: str | None, index: int, shapes: ShapeErrors
) -> tuple[str | None, bool, str | None, str | None]:
    """(purl or None for the project itself, registry?, download URL, diagnostic) of a package."""
    vcs, directory, archive = (table.get(kind) for kind in _SOURCES)
    if isinstance(directory, dict):
        where = str(directory.get("path", ""))
        if where in (".", "./", ""):
            return None, False, None, None  # the project being locked
        return (
            pypi_purl(name, version),
            False,
            where,
            f'{name} is a local directory "{where}", not a package from an index',
        )
    if isinstance(vcs, dict):
        url = str(vcs.get("url") or vcs.get("path") or "")
        commit = vcs.get("commit-id")
        remote = strip_credentials(url) + (f"@{commit}" if commit else "")
        qualifiers = vcs_qualifiers(f"{vcs.get('type', 'git')}+{remote}") if url else {}
        message = f"{name} comes from version control ({remote}), not from an index"
        return pypi_purl(name, version, qualifiers), False, remote, message
    if isinstance(archive, dict):
        url = str(archive.get("url") or archive.get("path") or "")
        qualifiers = download_qualifiers(url) if archive.get("url") else {}
        message = f"{name} is an archive ({strip_credentials(url)}), not from an index"
        return pypi_purl(name, version, qualifiers), False, strip_credentials(url), message
    if version is None:
        raise shapes.error(
            f"packages[{index}].version",
            'no "version"',
            "the version of a package from an index",
            index,
        )
    index_url = table.get("index")
    qualifiers = index_qualifiers(index_url if isinstance(index_url, str) else None)
    return pypi_purl(name, version, qualifiers), True, None, None


def _scope(marker: object, multi_use: bool, default_groups: set[str]) -> Scope | None:
    if not multi_use:
        return None
    if not isinstance(marker, str):
        return Scope.REQUIRED
    groups = set(_GROUP_MARKER.findall(marker))
    extras = set(_EXTRA_MARKER.findall(marker))
    if not groups and not extras:
        return Scope.REQUIRED  # an environment marker only: installed by default where it applies
    if groups and groups <= default_groups and not extras:
        return Scope.REQUIRED
    if " or " in marker and (groups & default_groups):
        return Scope.REQUIRED
    return Scope.OPTIONAL if extras else Scope.DEV


def _hashes(table: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """``alg:digest`` pairs of the package's sdist, wheels and archive (PEP 751 ``hashes``)."""
    files: list[object] = [table.get("sdist"), table.get("archive")]
    wheels = table.get("wheels")
    if isinstance(wheels, list):
        files.extend(wheels)
    found: list[str] = []
    for item in files:
        hashes = item.get("hashes") if isinstance(item, dict) else None
        if isinstance(hashes, dict):
            found.extend(f"{alg}:{digest}" for alg, digest in hashes.items())
    return collect_hashes(found)


def _with_dependencies(
    components: list[Component],
    entries: list[tuple[dict[str, Any], str, str | None]],
    purls: list[str | None],
    index_of: dict[str, list[tuple[str | None, int]]],
) -> list[Component]:
    """Components with ``dependencies`` filled from each package's ``dependencies`` array."""
    by_purl = {c.purl: c for c in components}
    out: list[Component] = []
    for (table, _, _), purl in zip(entries, purls, strict=True):
        if purl is None or purl not in by_purl:
            continue
        targets = _references(table, purls, index_of)
        component = by_purl.pop(purl)
        out.append(_replace_dependencies(component, tuple(dict.fromkeys(targets))))
    return out


def _mark_direct(
    components: list[Component],
    entries: list[tuple[dict[str, Any], str, str | None]],
    purls: list[str | None],
    index_of: dict[str, list[tuple[str | None, int]]],
) -> list[Component]:
    """When the project itself is locked (a directory at "."), its ``dependencies`` are the
    project's own requirements: those components are direct, every other one is not."""
    projects = [table for (table, _, _), purl in zip(entries, purls, strict=True) if purl is None]
    if not projects:
        return components
    direct = {purl for project in projects for purl in _references(project, purls, index_of)}
    return [replace(c, direct=c.purl in direct) for c in components]


def _references(
    table: dict[str, Any],
    purls: list[str | None],
    index_of: dict[str, list[tuple[str | None, int]]],
) -> list[str]:
    """The purls a package's ``dependencies`` array names (PEP 751: name, and the version
    when several versions of that name are locked)."""
    targets: list[str] = []
    for ref in table.get("dependencies") or ():
        if not isinstance(ref, dict) or not isinstance(ref.get("name"), str):
            continue
        wanted = ref.get("version")
        candidates = index_of.get(normalize_name(ref["name"]), [])
        chosen = [i for v, i in candidates if wanted is None or v == wanted]
        if len(chosen) == 1 and purls[chosen[0]] is not None:
            targets.append(str(purls[chosen[0]]))
    return targets


def _replace_dependencies(component: Component, dependencies: tuple[str, ...]) -> Component:
    return replace(component, dependencies=dependencies) if dependencies else component
