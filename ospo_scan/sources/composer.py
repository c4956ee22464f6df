"""Parser for PHP Composer's ``composer.lock``: ``packages`` (required) and ``packages-dev`` (dev).

Each entry is the package's composer.json as installed (getcomposer.org/doc/04-schema.md):
``name`` (``vendor/name``), ``version`` (as tagged, a leading ``v`` kept), ``source``/``dist``
(``type`` path for local packages), ``require`` (the dependency graph, with platform packages
such as ``php`` and ``ext-*`` that are not packages), ``replace``/``provide`` (names this
package stands in for) and ``license``: an array of SPDX ids that the schema calls a
"disjunctive license" (the user may choose any of them), so several are joined with ``OR``.
The root package is not in the lockfile, and its requirements are not recorded either, so
``direct`` is unknown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, Diagnostic, ParseResult, Scope, SourceLocation
from ospo_scan.sources.base import finish, make_purl, strip_credentials
from ospo_scan.sources.decode import json_type, load_json

ECOSYSTEM = "composer"
_SECTIONS = (("packages", Scope.REQUIRED), ("packages-dev", Scope.DEV))
# Composer's dist.shasum is the SHA-1 of the archive (empty for most GitHub zipballs).
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
# A package name is vendor/project (composer.json schema: "name").
_NAME = re.compile(r"^[^/\s]+/[^/\s]+$")


@dataclass(frozen=True, slots=True)
class _Package:
    key: str  # the key path, for messages: packages[3]
    name: str  # lowercased: Composer compares package names case-insensitively
    version: str
    scope: Scope
    entry: dict[str, Any]


class ComposerLockParser:
    """``composer.lock`` files."""

    format: str = "composer-lock"
    ecosystem: str = ECOSYSTEM
    patterns: tuple[str, ...] = ("composer.lock",)

    def parse(self, text: str, path: str) -> ParseResult:
        """Return one component per locked package, required or dev.

        Raises ``LockfileError`` for invalid JSON, a top level that is not an object or has
        neither ``packages`` nor ``packages-dev``, a section that is not an array, and a
        package without a ``vendor/name`` string or a version string, or with a ``license``,
        ``require``, ``source`` or ``dist`` of the wrong type.
        """
        data = load_json(text, path)
        if not isinstance(data, dict) or not any(s in data for s, _ in _SECTIONS):
            raise LockfileError(
                "no packages or packages-dev" if isinstance(data, dict) else "not an object",
                path=path,
                expected="a composer.lock object with packages and packages-dev arrays",
            )
        lines = _entry_lines(text)
        packages: list[_Package] = []
        for section, scope in _SECTIONS:
            entries = data.get(section, [])
            if entries is None:
                continue
            if not isinstance(entries, list):
                raise _shape(path, section, entries, "an array of packages")
            for index, entry in enumerate(entries):
                packages.append(_package(path, f"{section}[{index}]", entry, scope))

        # Who answers for a name: the package itself, or one that replaces or provides it.
        providers: dict[str, list[int]] = {}
        for position, package in enumerate(packages):
            providers.setdefault(package.name, []).append(position)
        for position, package in enumerate(packages):
            for field in ("replace", "provide"):
                for name in _names(package.entry.get(field)):
                    if name not in providers:
                        providers[name] = [position]

        diagnostics: list[Diagnostic] = []
        identities = [_identity(p, path, lines, diagnostics) for p in packages]
        components = []
        for package, (purl, registry, download_url) in zip(packages, identities, strict=True):
            deps = (
                identities[target][0]
                for name in _names(package.entry.get("require"))
                for target in providers.get(name, ())
            )
            components.append(
                Component(
                    purl=purl,
                    name=package.name,
                    version=package.version,
                    ecosystem=ECOSYSTEM,
                    scope=package.scope,
                    direct=None,
                    locations=(_location(path, lines, package.key),),
                    dependencies=tuple(dict.fromkeys(d for d in deps if d != purl)),
                    hashes=_hashes(package.entry.get("dist")),
                    declared_license=_license(package.entry.get("license")),
                    registry=registry,
                    download_url=download_url,
                )
            )
        return finish(components, diagnostics)


def _package(path: str, key: str, entry: object, scope: Scope) -> _Package:
    if not isinstance(entry, dict):
        raise _shape(path, key, entry, "an object describing one package")
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise _shape(path, f"{key}.name", name, 'a "vendor/name" string')
    version = entry.get("version")
    if not isinstance(version, str) or not version.strip():
        raise _shape(path, f"{key}.version", version, "a version string")
    for field, expected in (
        ("require", "an object of name: constraint"),
        ("replace", "an object of name: constraint"),
        ("provide", "an object of name: constraint"),
        ("source", "an object with type and url"),
        ("dist", "an object with type and url"),
    ):
        value = entry.get(field)
        if value is not None and not isinstance(value, dict):
            # Composer writes an empty object as [] when a map is empty (PHP arrays).
            if not (isinstance(value, list) and not value):
                raise _shape(path, f"{key}.{field}", value, expected)
    license_value = entry.get("license")
    if license_value is not None and not (
        isinstance(license_value, str)
        or (isinstance(license_value, list) and all(isinstance(v, str) for v in license_value))
    ):
        raise _shape(path, f"{key}.license", license_value, "an array of license ids")
    return _Package(key, name.lower(), version, scope, entry)


def _shape(path: str, key: str, value: object, expected: str) -> LockfileError:
    if isinstance(value, str) and value.strip():
        found = json.dumps(value)
    else:
        found = "nothing" if value is None else json_type(value)
    return LockfileError(f"{found} found", path=path, key=key, expected=expected)


def _names(value: object) -> list[str]:
    """Package names a ``require``/``replace``/``provide`` map names, lowercased."""
    if not isinstance(value, dict):
        return []
    return [name.lower() for name in value if "/" in name]  # platform packages have no vendor


def _identity(
    package: _Package, path: str, lines: dict[str, int], diagnostics: list[Diagnostic]
) -> tuple[str, bool, str | None]:
    """(purl, registry, download_url): ``path`` packages are local folders, not from a registry."""
    vendor, _, name = package.name.partition("/")
    dist = package.entry.get("dist") or {}
    source = package.entry.get("source") or {}
    kinds = {d.get("type") for d in (dist, source) if isinstance(d, dict) and d}
    purl = make_purl(ECOSYSTEM, name, package.version, namespace=vendor)
    if "path" in kinds:
        where = next(
            (
                d.get("url")
                for d in (dist, source)
                if isinstance(d, dict) and d.get("type") == "path"
            ),
            None,
        )
        folder = where if isinstance(where, str) else None
        diagnostics.append(
            Diagnostic(
                _location(path, lines, package.key),
                f"{package.name} {package.version} is the local folder {folder or '(unknown)'}, "
                "not from a package repository",
            )
        )
        return purl, False, folder
    repository = _repository(package.entry)
    if repository is not None:
        qualifiers = {"repository_url": repository}
        purl = make_purl(ECOSYSTEM, name, package.version, namespace=vendor, qualifiers=qualifiers)
    return purl, True, None


def _repository(entry: dict[str, Any]) -> str | None:
    """The non-default repository a package came from, when the lock says so.

    Composer records the repository only as ``notification-url`` (where installs are
    reported: ``<repository>/downloads/``); a host other than the default one's is a private
    repository (Satis, a hosted private repository, a mirror).
    """
    notify = entry.get("notification-url")
    if not isinstance(notify, str) or "://" not in notify:
        return None
    parts = urlsplit(strip_credentials(notify))
    default = _default_host()
    if not parts.hostname or default is None or parts.hostname in (default, f"repo.{default}"):
        return None
    base = parts.path.removesuffix("/").removesuffix("/downloads")
    return f"{parts.scheme}://{parts.netloc}{base}"


@cache
def _default_host() -> str | None:
    """The host of the default Composer repository, as packageurl-python knows it."""
    from packageurl.contrib import purl2url

    repo_url: Callable[[str], str | None] = purl2url.get_repo_url
    url = repo_url("pkg:composer/sample/sample@1.0.0")
    return urlsplit(url).hostname if url else None


def _license(value: object) -> str | None:
    """The lock's license list as one expression: several ids are a choice (``OR``).

    composer.json schema, "license": "when there is a choice between licenses ("disjunctive
    license"), multiple can be specified as array". An item that is itself an expression
    ("(LGPL-2.1-only and GPL-3.0-or-later)") is kept in parentheses.
    """
    if isinstance(value, str):
        return value.strip() or None
    if not isinstance(value, list):
        return None
    items = [v.strip() for v in value if isinstance(v, str) and v.strip()]
    if len(items) <= 1:
        return items[0] if items else None
    return " OR ".join(
        f"({item})" if " " in item and not item.startswith("(") else item for item in items
    )


def _hashes(dist: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(dist, dict):
        return ()
    shasum = dist.get("shasum")
    if isinstance(shasum, str) and _SHA1.match(shasum):
        return (("SHA-1", shasum.lower()),)
    return ()


# A package entry's "name" line in Composer's pretty-printed JSON (4-space indent, entries of
# the two top-level arrays at 8 spaces): counted once so that messages can name the line.
_TOP_KEY = re.compile(r'^    "(packages(?:-dev)?)": \[')
_ENTRY_NAME = re.compile(r'^            "name": ')


def _entry_lines(text: str) -> dict[str, int]:
    """``packages[3]`` -> the line of that entry's ``"name"``, for pretty-printed locks."""
    out: dict[str, int] = {}
    section: str | None = None
    count = 0
    for number, line in enumerate(text.splitlines(), 1):
        top = _TOP_KEY.match(line)
        if top:
            section, count = top.group(1), 0
        elif section is not None and _ENTRY_NAME.match(line):
            out[f"{section}[{count}]"] = number
            count += 1
        elif line.startswith('    "'):
            section = None
    return out


def _location(path: str, lines: dict[str, int], key: str) -> SourceLocation:
    return SourceLocation(path, lines.get(key), key)
