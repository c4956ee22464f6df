"""Parser for Dart/Flutter's ``pubspec.lock``: the packages pub resolved for a package or app.

The lockfile (YAML, written by ``dart pub get``; dart.dev/tools/pub/glossary#lockfile) maps
each package name to ``dependency`` (``direct main``, ``direct dev``, ``direct overridden`` or
``transitive``), ``source`` (``hosted``, ``git``, ``path`` or ``sdk``), ``version`` and a
``description`` (hosted: ``name``, ``url``, ``sha256``; git: ``url``, ``ref``,
``resolved-ref``, ``path``; path: ``path``, ``relative``; sdk: the SDK name). It records which
packages the root pubspec declares, and in which section, but no dependency graph.

Hosted packages are components (a ``repository_url`` qualifier for a server other than the
default one); git packages are reported with their commit, not from a registry; path packages
(the project's own packages in a monorepo) and SDK packages (Flutter) are not components.
Scope: ``direct main`` is required, ``direct dev`` dev; an overridden or transitive package's
scope cannot be told from the lockfile (no graph), so it is unknown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, Diagnostic, ParseResult, Scope, SourceLocation
from ospo_scan.sources.base import finish, make_purl, strip_credentials
from ospo_scan.sources.decode import load_yaml

ECOSYSTEM = "pub"
_DEPENDENCY_KINDS = {
    "direct main": Scope.REQUIRED,
    "direct dev": Scope.DEV,
    "direct overridden": None,
    "transitive": None,
}
_SOURCES = ("hosted", "git", "path", "sdk")
# A package key in pub's output: two spaces, the name, a colon (the lockfile is pub-written).
_PACKAGE_KEY = re.compile(r"^  ([A-Za-z0-9_]+):\s*$")


class PubspecLockParser:
    """``pubspec.lock`` files."""

    format: str = "pubspec-lock"
    ecosystem: str = ECOSYSTEM
    patterns: tuple[str, ...] = ("pubspec.lock",)

    def parse(self, text: str, path: str) -> ParseResult:
        """Return one component per hosted or git package.

        Raises ``LockfileError`` for invalid YAML, a top level that is not a mapping or lacks
        ``packages``, and a package entry whose ``dependency``, ``source``, ``version`` or
        ``description`` is missing or of the wrong kind.
        """
        data = load_yaml(text, path)
        if not isinstance(data, dict) or "packages" not in data:
            raise LockfileError(
                "no packages mapping",
                path=path,
                expected="a pubspec.lock with a packages mapping",
            )
        packages = data["packages"]
        if packages is None:
            packages = {}  # a package without dependencies: pub writes "packages: {}"
        if not isinstance(packages, dict):
            raise _shape(path, "packages", packages, "a mapping of package name to entry")
        lines = _package_lines(text)
        diagnostics: list[Diagnostic] = []
        components = []
        for name, entry in packages.items():
            made = _component(str(name), entry, path, lines.get(str(name)), diagnostics)
            if made is not None:
                components.append(made)
        return finish(components, diagnostics)


def _component(
    name: str,
    entry: object,
    path: str,
    line: int | None,
    diagnostics: list[Diagnostic],
) -> Component | None:
    key = f"packages.{name}"
    if not isinstance(entry, dict):
        raise _shape(
            path, key, entry, "a mapping with dependency, description, source, version", line
        )
    dependency = entry.get("dependency")
    if dependency not in _DEPENDENCY_KINDS:
        raise _shape(
            path, f"{key}.dependency", dependency, "one of " + ", ".join(_DEPENDENCY_KINDS), line
        )
    source = entry.get("source")
    if source not in _SOURCES:
        raise _shape(path, f"{key}.source", source, "one of " + ", ".join(_SOURCES), line)
    version = entry.get("version")
    if not isinstance(version, str) or not version.strip():
        raise _shape(path, f"{key}.version", version, "a version string", line)
    description = entry.get("description")
    if source in ("hosted", "git") and not isinstance(description, dict | str):
        raise _shape(path, f"{key}.description", description, "a mapping", line)
    where = SourceLocation(path, line, key)
    if source in ("sdk", "path"):
        return None  # the Flutter/Dart SDK, or the project's own package in a folder

    registry, download_url, qualifiers = True, None, {}
    if source == "hosted":
        hosted_name, url = _hosted(description)
        if hosted_name and hosted_name != name:
            name = hosted_name  # pub allows a differently named hosted package (rare)
        if url and not _is_default_server(url):
            qualifiers = {"repository_url": strip_credentials(url)}
    else:
        registry = False
        download_url = _vcs_url(description)
        qualifiers = {"vcs_url": download_url}
        diagnostics.append(
            Diagnostic(
                where, f'"{name}" {version} comes from the git repository {download_url}, not pub'
            )
        )
    return Component(
        purl=make_purl(ECOSYSTEM, name.lower(), version, qualifiers=qualifiers),
        name=name,
        version=version,
        ecosystem=ECOSYSTEM,
        scope=_DEPENDENCY_KINDS[dependency],
        direct=dependency.startswith("direct"),
        locations=(where,),
        hashes=_hashes(description),
        registry=registry,
        download_url=download_url,
    )


def _hosted(description: object) -> tuple[str | None, str | None]:
    """(name, server URL) of a hosted description; old lockfiles may write just the name."""
    if isinstance(description, str):
        return description, None
    if not isinstance(description, dict):
        return None, None
    name = description.get("name")
    url = description.get("url")
    return (name if isinstance(name, str) else None), (url if isinstance(url, str) else None)


def _vcs_url(description: object) -> str:
    """``git+<url>@<resolved-ref>`` (SPDX download location style), plus ``#<path>`` when the
    package sits in a subfolder of the repository."""
    if isinstance(description, str):
        return f"git+{strip_credentials(description)}"
    info: dict[str, Any] = description if isinstance(description, dict) else {}
    url = info.get("url")
    commit = info.get("resolved-ref") or info.get("ref")
    text = f"git+{strip_credentials(url)}" if isinstance(url, str) else "git+(unknown)"
    if isinstance(commit, str) and commit:
        text = f"{text}@{commit}"
    subfolder = info.get("path")
    if isinstance(subfolder, str) and subfolder not in ("", "."):
        text = f"{text}#{subfolder}"
    return text


def _hashes(description: object) -> tuple[tuple[str, str], ...]:
    if isinstance(description, dict):
        digest = description.get("sha256")
        if isinstance(digest, str) and re.fullmatch(r"[0-9a-fA-F]{64}", digest):
            return (("SHA-256", digest.lower()),)
    return ()


@cache
def _default_hosts() -> frozenset[str]:
    """Hosts of the default pub server: the current one (purl2url) and the older name the purl
    spec still gives as default_repository_url (packageurl-python's type definitions)."""
    from packageurl.contrib import purl2url

    hosts: set[str] = set()
    download_url: Callable[[str], str | None] = purl2url.get_download_url
    url = download_url("pkg:pub/sample@1.0.0")
    if url:
        hosts.add(urlsplit(url).hostname or "")
    try:
        from packageurl.validate import DEFINITIONS_BY_TYPE

        definition = DEFINITIONS_BY_TYPE.get(ECOSYSTEM)
        default = getattr(definition, "default_repository_url", "") if definition else ""
        if default:
            hosts.add(urlsplit(default).hostname or "")
    except ImportError:  # an older packageurl-python without type definitions
        pass
    return frozenset(h for h in hosts if h)


def _is_default_server(url: str) -> bool:
    return urlsplit(url).hostname in _default_hosts()


def _shape(
    path: str, key: str, value: object, expected: str, line: int | None = None
) -> LockfileError:
    """A wrong value at ``key``: with the package's line when known, else the key path alone."""
    found = "nothing" if value is None else type(value).__name__
    if isinstance(value, str):
        found = f'"{value}"'
    if line is not None:
        return LockfileError(f"{key}: {found} found", path=path, line=line, expected=expected)
    return LockfileError(f"{found} found", path=path, key=key, expected=expected)


def _package_lines(text: str) -> dict[str, int]:
    """Package name -> line of its key under ``packages:`` (a linear scan; yaml keeps none)."""
    out: dict[str, int] = {}
    inside = False
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("packages:"):
            inside = True
            continue
        if inside and line and not line.startswith((" ", "#")):
            inside = False
        if inside:
            found = _PACKAGE_KEY.match(line)
            if found:
                out.setdefault(found.group(1), number)
    return out
