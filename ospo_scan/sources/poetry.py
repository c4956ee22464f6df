"""Parser for ``poetry.lock``: the old layout (lock-version 1.x) and the new one (2.x).

Each ``[[package]]`` table is one locked distribution. Lock-version 1.x records
``category = "main" | "dev"`` and keeps hashes under ``[metadata.files]``; 2.0 (Poetry 1.5+)
drops the category; 2.1 (Poetry 2) adds ``groups = [...]`` and every lock-version >= 2 keeps
``files`` inline. ``optional = true`` marks packages needed only by an extra. A
``[package.source]`` table names where a package came from: ``legacy`` (a package index other
than the default one), or ``git`` / ``url`` / ``file`` / ``directory`` (not from an index).
The lock does not record which packages the project itself declares, so ``direct`` is None.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ospo_scan.model import Component, Diagnostic, ParseResult, Scope
from ospo_scan.sources.base import finish, strip_credentials
from ospo_scan.sources.decode import load_toml
from ospo_scan.sources.python import (
    ECOSYSTEM,
    ShapeErrors,
    collect_hashes,
    download_qualifiers,
    file_hashes,
    index_qualifiers,
    name_version_from_filename,
    normalize_name,
    pypi_purl,
    table_lines,
    vcs_qualifiers,
)

# Source types Poetry writes for packages that come from a package index (a "legacy" source
# is any PEP 503 simple index configured in pyproject.toml).
_INDEX_SOURCES = frozenset({"legacy", "pypi", "explicit", "primary", "supplemental", ""})


class PoetryLockParser:
    """``poetry.lock`` files, lock-version 1.x and 2.x."""

    format: str = "poetry-lock"
    ecosystem: str = ECOSYSTEM
    patterns: tuple[str, ...] = ("poetry.lock",)

    def parse(self, text: str, path: str) -> ParseResult:
        """Return one component per locked package.

        Raises ``LockfileError`` for invalid TOML, a file without ``[[package]]`` tables and
        ``[metadata]``, a package without a string name or version, or an unsupported
        lock-version.
        """
        data = load_toml(text, path)
        shapes = ShapeErrors(path, table_lines(text, "[[package]]"))
        metadata = data.get("metadata")
        packages = data.get("package")
        if metadata is None and packages is None:
            raise shapes.error(
                "(top level)",
                "no [[package]] tables and no [metadata] table",
                "a poetry.lock file",
            )
        if metadata is None:
            metadata = {}
        if not isinstance(metadata, dict):
            raise shapes.error("metadata", f"{type(metadata).__name__} found", "a table")
        shapes.version_in(
            metadata.get("lock-version"), (1, 2), "metadata.lock-version", "lock-version"
        )
        tables = shapes.table_list(
            [] if packages is None else packages, "package", "[[package]] tables"
        )
        legacy_hashes = _legacy_hashes(metadata)

        locked: list[_Locked] = []
        diagnostics: list[Diagnostic] = []
        for index, table in enumerate(tables):
            key = f"package[{index}]"
            name = shapes.string(table, "name", key, index)
            version = shapes.string(table, "version", key, index)
            source = table.get("source")
            if source is not None and not isinstance(source, dict):
                raise shapes.error(
                    f"{key}.source", f"{type(source).__name__} found", "a table", index
                )
            purl, registry, download_url, note = _identity(name, version, source or {})
            if note is not None:
                diagnostics.append(Diagnostic(shapes.location(index), note))
            locked.append(
                _Locked(index, table, normalize_name(name), version, purl, registry, download_url)
            )

        by_name: dict[str, list[tuple[str, str]]] = {}
        for package in locked:
            by_name.setdefault(package.name, []).append((package.version, package.purl))

        components: list[Component] = []
        for package in locked:
            hashes = file_hashes(package.table.get("files"))
            if not hashes:
                several = len(by_name[package.name]) > 1
                files = legacy_hashes.get(package.name, [])
                hashes = _pick_files(files, package.version, several)
            components.append(
                Component(
                    purl=package.purl,
                    name=package.name,
                    version=package.version,
                    ecosystem=ECOSYSTEM,
                    scope=_scope(package.table),
                    direct=None,
                    locations=(shapes.location(package.index),),
                    dependencies=_dependencies(
                        package.table.get("dependencies"), by_name, package.purl
                    ),
                    hashes=hashes,
                    registry=package.registry,
                    download_url=package.download_url,
                )
            )
        return finish(components, diagnostics)


@dataclass(frozen=True, slots=True)
class _Locked:
    """One ``[[package]]`` table with its identity."""

    index: int
    table: dict[str, Any]
    name: str  # PEP 503 normalized
    version: str
    purl: str
    registry: bool
    download_url: str | None


def _scope(table: dict[str, Any]) -> Scope | None:
    """``main`` group (2.1) or category (1.x) -> required, other groups -> dev.

    ``optional = true`` means only an extra of the project needs it (Poetry's extras belong to
    the main dependencies), so it is optional unless the lock says it is a dev package. A
    lock-version 2.0 file records neither groups nor category: the scope is unknown then.
    """
    groups = table.get("groups")
    category = table.get("category")
    main: bool | None = None
    if isinstance(groups, list):
        main = "main" in groups
    elif isinstance(category, str):
        main = category == "main"
    optional = table.get("optional") is True
    if main is False:
        return Scope.DEV
    if optional:
        return Scope.OPTIONAL
    return Scope.REQUIRED if main else None


def _identity(
    name: str, version: str, source: dict[str, Any]
) -> tuple[str, bool, str | None, str | None]:
    """(purl, registry, download_url, diagnostic) from a package's ``[package.source]``."""
    kind = source.get("type")
    kind = kind if isinstance(kind, str) else ""
    raw_url = source.get("url")
    url = strip_credentials(raw_url) if isinstance(raw_url, str) else None
    if kind in _INDEX_SOURCES:
        return pypi_purl(name, version, index_qualifiers(url)), True, None, None
    where = url or "an unknown location"
    if kind == "git" and url:
        ref = source.get("resolved_reference") or source.get("reference")
        vcs = f"git+{url}@{ref}" if isinstance(ref, str) and ref else f"git+{url}"
        subdirectory = source.get("subdirectory")
        if isinstance(subdirectory, str) and subdirectory:
            vcs = f"{vcs}#subdirectory={subdirectory}"
        purl = pypi_purl(name, version, vcs_qualifiers(vcs))
        download_url: str | None = vcs
        where = vcs
    elif kind == "url" and url:
        purl = pypi_purl(name, version, download_qualifiers(url))
        download_url = url
    else:
        # file / directory: a local path, meaningless outside this checkout
        purl = pypi_purl(name, version)
        download_url = None
    note = (
        f'"{normalize_name(name)}" {version} comes from {kind or "an unknown"} source {where}, '
        "not from a package index"
    )
    return purl, False, download_url, note


def _dependencies(
    value: object, by_name: dict[str, list[tuple[str, str]]], own: str
) -> tuple[str, ...]:
    """Purls of the locked packages named in ``[package.dependencies]``.

    When a name is locked in several versions, the ones an exact constraint (``"1.2"``,
    ``"==1.2"``) names are taken, else all of them: the lock does not say which one the
    markers select.
    """
    if not isinstance(value, dict):
        return ()
    out: list[str] = []
    for dep_name, constraint in value.items():
        candidates = by_name.get(normalize_name(str(dep_name)), [])
        if len(candidates) > 1:
            exact = _exact_versions(constraint)
            chosen = [purl for version, purl in candidates if version in exact]
            candidates_purls = chosen or [purl for _, purl in candidates]
        else:
            candidates_purls = [purl for _, purl in candidates]
        out.extend(p for p in candidates_purls if p != own)
    return tuple(dict.fromkeys(out))


def _exact_versions(constraint: object) -> set[str]:
    items = constraint if isinstance(constraint, list) else [constraint]
    found: set[str] = set()
    for item in items:
        text = item.get("version") if isinstance(item, dict) else item
        if isinstance(text, str):
            found.add(text.strip().removeprefix("==").strip())
    return found


def _legacy_hashes(metadata: dict[str, Any]) -> dict[str, list[tuple[str | None, str]]]:
    """Lock-version 1.x hashes by normalized name: (file name or None, "alg:digest")."""
    out: dict[str, list[tuple[str | None, str]]] = {}
    files = metadata.get("files")
    if isinstance(files, dict):
        for name, items in files.items():
            if not isinstance(items, list):
                continue
            bucket = out.setdefault(normalize_name(str(name)), [])
            for item in items:
                if isinstance(item, dict) and isinstance(item.get("hash"), str):
                    file_name = item.get("file")
                    bucket.append((file_name if isinstance(file_name, str) else None, item["hash"]))
    # Poetry before 1.0 kept bare sha256 digests under [metadata.hashes].
    hashes = metadata.get("hashes")
    if isinstance(hashes, dict):
        for name, digests in hashes.items():
            if isinstance(digests, list):
                out.setdefault(normalize_name(str(name)), []).extend(
                    (None, f"sha256:{d}") for d in digests if isinstance(d, str)
                )
    return out


def _pick_files(
    files: list[tuple[str | None, str]], version: str, shared: bool
) -> tuple[tuple[str, str], ...]:
    """The 1.x hashes of one version: [metadata.files] lists every version of a name together,
    so when several versions are locked, keep the files whose name carries this version."""
    if shared:
        files = [
            (file_name, digest)
            for file_name, digest in files
            if file_name is not None
            and (parsed := name_version_from_filename(file_name)) is not None
            and parsed[1] == version
        ]
    return collect_hashes(digest for _, digest in files)
