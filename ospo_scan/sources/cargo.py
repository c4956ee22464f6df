"""Parser for Rust's ``Cargo.lock``, lockfile versions 1 to 4 (never runs cargo).

Each ``[[package]]`` table is one locked crate: ``name``, ``version``, ``source`` and
``dependencies``. A ``source`` of ``registry+<index URL>`` or ``sparse+<index URL>`` names a
registry; ``git+<URL>?<rev|branch|tag>=...#<commit>`` a git repository; a crate without
``source`` is a workspace member or a path crate, i.e. the project itself, not a component.
The crates a member depends on are the direct dependencies (Cargo.lock does not tell normal,
build and dev dependencies apart, so the scope is unknown).

Dependency entries are written in the shortest unambiguous form: ``"name"``, ``"name version"``
or ``"name version (source)"`` (version 1 always writes the long form). Version 1 keeps the
checksums in ``[metadata]`` under ``"checksum name version (source)"`` keys; later versions in
each package's ``checksum``. Version 4 percent-encodes the query of git source URLs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from ospo_scan.model import Component, Diagnostic, ParseResult
from ospo_scan.sources.base import finish, make_purl, strip_credentials
from ospo_scan.sources.decode import load_toml
from ospo_scan.sources.python import ShapeErrors, table_lines

ECOSYSTEM = "cargo"
SUPPORTED_VERSIONS = (1, 2, 3, 4)
_HASH = "SHA-256"  # Cargo's checksum is the SHA-256 of the .crate file (cargo docs: Registries)


@dataclass(frozen=True, slots=True)
class _Crate:
    index: int
    name: str
    version: str
    source: str | None
    table: dict[str, Any]


class CargoLockParser:
    """``Cargo.lock`` files (lockfile versions 1, 2, 3 and 4)."""

    format: str = "cargo-lock"
    ecosystem: str = ECOSYSTEM
    patterns: tuple[str, ...] = ("Cargo.lock",)

    def parse(self, text: str, path: str) -> ParseResult:
        """Return one component per crate that has a ``source`` (registry or git).

        Raises ``LockfileError`` for invalid TOML, an unsupported lockfile ``version``, a
        package without a string ``name`` or ``version``, a ``source`` or dependency entry
        that is not a string, and a ``dependencies`` value that is not an array.
        """
        data = load_toml(text, path)
        shapes = ShapeErrors(path, table_lines(text, "[[package]]"))
        if "package" not in data and "version" not in data and "root" not in data:
            raise shapes.error(
                "(top level)", "no [[package]] tables and no version", "a Cargo.lock file"
            )
        shapes.version_in(
            data.get("version"), SUPPORTED_VERSIONS, "version", "Cargo.lock version", "1 to 4"
        )
        tables = shapes.table_list(data.get("package", []), "package", "[[package]] tables")
        crates = [_crate(index, table, shapes) for index, table in enumerate(tables)]
        root = data.get("root")
        if root is not None:
            # Cargo.lock files written before Cargo 0.20 keep the root package in [root].
            if not isinstance(root, dict):
                raise shapes.error("root", f"{type(root).__name__} found", "a table")
            crates.append(_crate(len(crates), root, shapes, "root"))
        checksums = _metadata_checksums(data.get("metadata"), shapes)

        resolver = _Resolver(crates)
        members = [c for c in crates if c.source is None]
        direct: set[int] = set()
        for member in members:
            direct.update(resolver.dependencies(member))

        diagnostics: list[Diagnostic] = []
        identities: dict[int, tuple[str, bool, str | None]] = {}
        for crate in crates:
            if crate.source is None:
                continue
            purl, registry, download_url, note = _identity(crate)
            identities[crate.index] = (purl, registry, download_url)
            if note is not None:
                diagnostics.append(Diagnostic(shapes.location(crate.index), note))

        components: list[Component] = []
        for index, (purl, registry, download_url) in identities.items():
            crate = crates[index]
            children = (identities[i][0] for i in resolver.dependencies(crate) if i in identities)
            checksum = crate.table.get("checksum")
            if not isinstance(checksum, str):
                checksum = checksums.get((crate.name, crate.version, crate.source or ""))
            components.append(
                Component(
                    purl=purl,
                    name=crate.name,
                    version=crate.version,
                    ecosystem=ECOSYSTEM,
                    scope=None,
                    direct=(index in direct) if members else None,
                    locations=(shapes.location(index),),
                    dependencies=tuple(dict.fromkeys(c for c in children if c != purl)),
                    hashes=_hashes(checksum),
                    registry=registry,
                    download_url=download_url,
                )
            )
        diagnostics.extend(resolver.diagnostics(shapes))
        return finish(components, diagnostics)


def _crate(index: int, table: dict[str, Any], shapes: ShapeErrors, key: str = "") -> _Crate:
    key = key or f"package[{index}]"
    name = shapes.string(table, "name", key, index)
    version = shapes.string(table, "version", key, index)
    source = None if key == "root" else shapes.optional_string(table, "source", key, index)
    dependencies = table.get("dependencies", [])
    if not isinstance(dependencies, list):
        found = type(dependencies).__name__
        raise shapes.error(f"{key}.dependencies", f"{found} found", "an array of strings", index)
    for position, entry in enumerate(dependencies):
        if not isinstance(entry, str) or not entry.strip():
            found = "empty string" if isinstance(entry, str) else f"{type(entry).__name__} found"
            raise shapes.error(
                f"{key}.dependencies[{position}]",
                found,
                '"name", "name version" or "name version (source)"',
                index,
            )
    return _Crate(index, name, version, source, table)


def _metadata_checksums(metadata: object, shapes: ShapeErrors) -> dict[tuple[str, ...], str]:
    """Version 1's ``[metadata]`` checksums, keyed by (name, version, source)."""
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise shapes.error("metadata", f"{type(metadata).__name__} found", "a table")
    out: dict[tuple[str, ...], str] = {}
    for key, value in metadata.items():
        if not key.startswith("checksum ") or not isinstance(value, str):
            continue
        reference = _split_reference(key[len("checksum ") :])
        if reference is not None and len(reference) == 3:
            out[reference] = value
    return out


def _split_reference(text: str) -> tuple[str, ...] | None:
    """``"name"``, ``"name version"`` or ``"name version (source)"`` -> its parts."""
    text = text.strip()
    source = None
    if text.endswith(")") and " (" in text:
        text, _, rest = text.partition(" (")
        source = rest[:-1]
    parts = text.split()
    if not parts or len(parts) > 2:
        return None
    return (*parts, source) if source is not None and len(parts) == 2 else tuple(parts)


class _Resolver:
    """Resolves dependency entries to crates, by name, then version, then source."""

    def __init__(self, crates: list[_Crate]) -> None:
        self.crates = crates
        self.by_name: dict[str, list[_Crate]] = {}
        for crate in crates:
            self.by_name.setdefault(crate.name, []).append(crate)
        self.memo: dict[int, list[int]] = {}
        self.dangling: list[tuple[int, str]] = []

    def dependencies(self, crate: _Crate) -> list[int]:
        """Indexes of the crates ``crate`` depends on (each entry resolved once, memoized)."""
        found = self.memo.get(crate.index)
        if found is not None:
            return found
        out: list[int] = []
        entries = list(crate.table.get("dependencies", []))
        # Version 1's [replace] feature: the replaced crate stands for its replacement.
        replacement = crate.table.get("replace")
        if isinstance(replacement, str):
            entries.append(replacement)
        for entry in entries:
            target = self._resolve(entry)
            if target is None:
                self.dangling.append((crate.index, entry))
            else:
                out.append(target.index)
        self.memo[crate.index] = out
        return out

    def _resolve(self, entry: str) -> _Crate | None:
        parts = _split_reference(entry)
        if parts is None:
            return None
        candidates = self.by_name.get(parts[0], [])
        if len(parts) > 1:
            candidates = [c for c in candidates if c.version == parts[1]]
        if len(parts) > 2 and len(candidates) > 1:
            candidates = [c for c in candidates if c.source == parts[2]] or candidates
        return candidates[0] if candidates else None

    def diagnostics(self, shapes: ShapeErrors) -> list[Diagnostic]:
        """One warning per dependency entry that names no locked crate."""
        seen: set[tuple[int, str]] = set()
        out = []
        for index, entry in self.dangling:
            if (index, entry) in seen:
                continue
            seen.add((index, entry))
            crate = self.crates[index]
            out.append(
                Diagnostic(
                    shapes.location(index),
                    f'"{crate.name}" {crate.version} depends on "{entry}", '
                    "which is not locked in this file",
                )
            )
        return out


def _identity(crate: _Crate) -> tuple[str, bool, str | None, str | None]:
    """(purl, registry, download_url, diagnostic) from the crate's ``source``."""
    source = crate.source or ""
    kind, _, url = source.partition("+")
    if kind in ("registry", "sparse") and url:
        qualifiers = {} if _is_default_index(source) else {"repository_url": _clean(url)}
        return (
            make_purl(ECOSYSTEM, crate.name, crate.version, qualifiers=qualifiers),
            True,
            None,
            None,
        )
    if kind == "git" and url:
        vcs_url = _vcs_url(url)
        purl = make_purl(ECOSYSTEM, crate.name, crate.version, qualifiers={"vcs_url": vcs_url})
        note = f'"{crate.name}" {crate.version} comes from the git repository {vcs_url}'
        return purl, False, vcs_url, f"{note}, not from a registry"
    # Cargo writes no other kind into Cargo.lock (path sources are left out); be explicit
    # about anything new rather than guess.
    shown = _clean(source)
    note = f'"{crate.name}" {crate.version} has an unknown source {shown}, not a registry'
    return make_purl(ECOSYSTEM, crate.name, crate.version), False, shown, note


def _clean(url: str) -> str:
    return strip_credentials(url)


def _vcs_url(url: str) -> str:
    """``https://host/repo?rev=x#<commit>`` -> ``git+https://host/repo@<commit>`` (SPDX style).

    The fragment is the commit Cargo locked; without one, the rev/tag/branch query names it.
    """
    parts = urlsplit(strip_credentials(url))
    commit = parts.fragment
    if not commit:
        for field in parts.query.split("&"):
            key, _, value = field.partition("=")
            if key in ("rev", "tag", "branch") and value:
                commit = unquote(value)
                break
    base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return f"git+{base}@{commit}" if commit else f"git+{base}"


@cache
def _default_host() -> str | None:
    """The host of the default crate registry, as packageurl-python knows it (no host in code)."""
    from packageurl.contrib import purl2url

    repo_url: Callable[[str], str | None] = purl2url.get_repo_url
    url = repo_url("pkg:cargo/sample@1.0.0")
    return urlsplit(url).hostname if url else None


def _is_default_index(source: str) -> bool:
    """Whether a ``registry+``/``sparse+`` source is the default registry's index.

    Cargo names it ``registry+https://github.com/rust-lang/<host>-index`` (the git index) or
    ``sparse+https://index.<host>/`` (the sparse protocol, cargo docs: Registry Index).
    """
    host = _default_host()
    if host is None:
        return False
    kind, _, url = source.partition("+")
    parts = urlsplit(url)
    if kind == "sparse":
        return parts.hostname == f"index.{host}"
    return parts.hostname == "github.com" and parts.path.rstrip("/").removesuffix(".git") == (
        f"/rust-lang/{host}-index"
    )


def _hashes(checksum: object) -> tuple[tuple[str, str], ...]:
    """The crate's SHA-256 as a hash pair; nothing for a missing or malformed checksum."""
    if not isinstance(checksum, str) or len(checksum) != 64:
        return ()
    if any(ch not in "0123456789abcdefABCDEF" for ch in checksum):
        return ()
    return ((_HASH, checksum.lower()),)
