"""Parser for ``pdm.lock`` (lock_version 4.x, PDM 2).

Each ``[[package]]`` table is one locked distribution; a package requested with extras gets a
second table with ``extras = [...]`` whose dependencies are the extra's, plus the package
itself (``coverage==7.13.5``): both tables are one component. With the ``inherit_metadata``
strategy each package lists the dependency ``groups`` that need it. ``default`` holds the
project's main dependencies; the other groups may be optional-dependency groups (extras) or
dev-dependency groups and the lock does not say which, so only ``default`` gives a scope
(required). Non-index packages carry ``git``/``hg``/``svn``/``bzr`` (+ ``revision``),
``url`` or ``path`` keys. The lock does not record the project's own declared dependencies:
``direct`` is None.
"""

from __future__ import annotations

from typing import Any

from ospo_scan.model import Component, Diagnostic, ParseResult, Scope
from ospo_scan.sources.base import finish, strip_credentials
from ospo_scan.sources.decode import load_toml
from ospo_scan.sources.python import (
    ECOSYSTEM,
    ShapeErrors,
    download_qualifiers,
    file_hashes,
    normalize_name,
    parse_requirement,
    pypi_purl,
    requirement_name,
    table_lines,
    vcs_qualifiers,
)

_VCS_KEYS = ("git", "hg", "svn", "bzr")


class PdmLockParser:
    """``pdm.lock`` files."""

    format: str = "pdm-lock"
    ecosystem: str = ECOSYSTEM
    patterns: tuple[str, ...] = ("pdm.lock",)

    def parse(self, text: str, path: str) -> ParseResult:
        """Return one component per locked package (extras variants merged into one purl).

        Raises ``LockfileError`` for invalid TOML, a file without ``[metadata]`` and
        ``[[package]]`` tables, an unsupported lock_version, or a package without a string
        name or version.
        """
        data = load_toml(text, path)
        shapes = ShapeErrors(path, table_lines(text, "[[package]]"))
        metadata = data.get("metadata")
        if metadata is None and "package" not in data:
            raise shapes.error(
                "(top level)", "no [metadata] table and no [[package]] tables", "a pdm.lock file"
            )
        if not isinstance(metadata, dict):
            found = "nothing" if metadata is None else type(metadata).__name__
            raise shapes.error("metadata", f"{found} found", "a [metadata] table")
        shapes.version_in(
            metadata.get("lock_version"), (4,), "metadata.lock_version", "lock_version"
        )
        tables = shapes.table_list(data.get("package", []), "package", "[[package]] tables")

        # (index, table, normalized name, version, (purl, registry, download_url))
        locked: list[tuple[int, dict[str, Any], str, str, tuple[str, bool, str | None]]] = []
        diagnostics: list[Diagnostic] = []
        for index, table in enumerate(tables):
            key = f"package[{index}]"
            name = normalize_name(shapes.string(table, "name", key, index))
            version = shapes.string(table, "version", key, index)
            identity, note = _identity(name, version, table)
            if note is not None:
                diagnostics.append(Diagnostic(shapes.location(index), note))
            if identity is not None:
                locked.append((index, table, name, version, identity))

        by_name: dict[str, list[tuple[str, str]]] = {}
        for _, _, name, version, (purl, _, _) in locked:
            by_name.setdefault(name, []).append((version, purl))

        components: list[Component] = []
        for index, table, name, version, (purl, registry, download_url) in locked:
            groups = table.get("groups")
            in_default = isinstance(groups, list) and "default" in groups
            components.append(
                Component(
                    purl=purl,
                    name=name,
                    version=version,
                    ecosystem=ECOSYSTEM,
                    scope=Scope.REQUIRED if in_default else None,
                    direct=None,
                    locations=(shapes.location(index),),
                    dependencies=_dependencies(table.get("dependencies"), by_name, purl),
                    hashes=file_hashes(table.get("files")),
                    registry=registry,
                    download_url=download_url,
                )
            )
        return finish(components, diagnostics)


def _identity(
    name: str, version: str, table: dict[str, Any]
) -> tuple[tuple[str, bool, str | None] | None, str | None]:
    """((purl, registry, download_url) or None for the project itself, diagnostic)."""
    vcs = next((k for k in _VCS_KEYS if isinstance(table.get(k), str)), None)
    if vcs is not None:
        revision = table.get("revision") or table.get("ref")
        url = strip_credentials(f"{vcs}+{table[vcs]}")
        if isinstance(revision, str) and revision:
            url = f"{url}@{revision}"
        subdirectory = table.get("subdirectory")
        if isinstance(subdirectory, str) and subdirectory:
            url = f"{url}#subdirectory={subdirectory}"
        purl = pypi_purl(name, version, vcs_qualifiers(url))
        return (purl, False, url), _note(name, version, f"{vcs} source {url}")
    if isinstance(table.get("url"), str):
        url = strip_credentials(table["url"])
        purl = pypi_purl(name, version, download_qualifiers(url))
        return (purl, False, url), _note(name, version, url)
    if isinstance(table.get("path"), str):
        local = table["path"]
        if local.strip().rstrip("/\\") in ("", "."):
            return None, None  # the project itself (an editable self-install)
        return (pypi_purl(name, version), False, None), _note(name, version, f"path {local}")
    return (pypi_purl(name, version), True, None), None


def _note(name: str, version: str, where: str) -> str:
    return f'"{name}" {version} comes from {where}, not from a package index'


def _dependencies(
    value: object, by_name: dict[str, list[tuple[str, str]]], own: str
) -> tuple[str, ...]:
    """Purls of the locked packages named by the PEP 508 strings in ``dependencies``.

    A name locked in several versions resolves to the one an exact pin names, else to all.
    Self-references (an extras table depending on its plain package) are dropped.
    """
    if not isinstance(value, list):
        return ()
    out: list[str] = []
    for item in value:
        if not isinstance(item, str):
            continue
        name = requirement_name(item)
        candidates = by_name.get(name, []) if name else []
        if len(candidates) > 1:
            try:
                pinned = parse_requirement(item).pinned_version
            except ValueError:
                pinned = None
            chosen = [purl for version, purl in candidates if version == pinned]
            out.extend(chosen or [purl for _, purl in candidates])
        else:
            out.extend(purl for _, purl in candidates)
    return tuple(dict.fromkeys(p for p in out if p != own))
