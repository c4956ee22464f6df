"""Helpers shared by the yarn, pnpm and bun parsers: npm purls, descriptors and source kinds."""

from __future__ import annotations

import base64
import binascii
import re
from collections import deque
from collections.abc import Iterable, Mapping
from typing import NamedTuple
from urllib.parse import unquote

from ospo_scan.model import Scope
from ospo_scan.sources.base import make_purl, strip_credentials

ECOSYSTEM = "npm"

# Subresource Integrity algorithm names (``integrity`` fields) -> CycloneDX hash names.
_HASH_NAMES = {"sha1": "SHA-1", "sha256": "SHA-256", "sha384": "SHA-384", "sha512": "SHA-512"}

# A registry tarball path: <registry>/<name>/-/<unscoped name>-<version>.tgz, the npm registry
# API's "dist.tarball" layout that most npm-compatible registries (yarn's mirror, Verdaccio,
# Nexus, Artifactory) serve; scoped names may be written @scope%2fname. Some registries use other
# paths, so parsers only ask this of URLs the lockfile does not already mark as a registry's.
_TARBALL_FILE = re.compile(r"/-/(?P<file>[^/]+)\.tgz$")

# Protocols and shapes of dependency specifiers that do not name a registry version
# (npm-package-arg, yarn's and pnpm's protocol docs).
_GIT_PREFIXES = ("git+", "git:", "git@", "ssh:", "github:", "gitlab:", "bitbucket:", "gist:")
_LOCAL_PREFIXES = ("file:", "link:", "portal:", "exec:")
_PATH_PREFIXES = ("./", "../", "/", "~/", ".\\", "..\\")


class Source(NamedTuple):
    """Where a non-registry package comes from: ``kind`` (git, tarball, file, link, portal,
    exec) and the URL or path to report (credentials stripped)."""

    kind: str
    url: str

    def qualifiers(self) -> dict[str, str]:
        """purl qualifiers that keep the purl apart from a registry copy of the same version:
        ``vcs_url`` for git, ``download_url`` for everything else (purl spec, qualifiers)."""
        return {"vcs_url" if self.kind == "git" else "download_url": self.url}

    def describe(self, name: str, version: str | None) -> str:
        """The diagnostic text reported for a non-registry package."""
        what = f"{name}@{version}" if version else name
        return (
            f"{what} comes from {_KIND_TEXT.get(self.kind, self.kind)} ({self.url}), not a registry"
        )


_KIND_TEXT = {
    "git": "a git repository",
    "tarball": "a tarball URL",
    "file": "a local path",
    "link": "a linked folder",
    "portal": "a portal to a local folder",
    "exec": "a generator script",
}


def split_scope(name: str) -> tuple[str | None, str]:
    """``@scope/name`` -> (``@scope``, ``name``); an unscoped name -> (None, name)."""
    if name.startswith("@") and "/" in name:
        scope, _, bare = name.partition("/")
        return scope, bare
    return None, name


def npm_purl(name: str, version: str | None, qualifiers: Mapping[str, str] | None = None) -> str:
    """Return the canonical ``pkg:npm/...`` purl for a package name (case kept) and version."""
    scope, bare = split_scope(name)
    # make_purl keeps the name's case (npm names are case-sensitive: JSONStream)
    return make_purl(ECOSYSTEM, bare, version, namespace=scope, qualifiers=dict(qualifiers or {}))


def split_descriptor(descriptor: str) -> tuple[str, str]:
    """``name@range`` (``@scope/name@range``) -> (name, range); the range may hold ``@``.

    Raises ``ValueError`` when there is no package name before the ``@``.
    """
    at = descriptor.find("@", 1)
    if at <= 0:
        raise ValueError(descriptor)
    name = descriptor[:at]
    if name.startswith("@") and "/" not in name:
        raise ValueError(descriptor)
    return name, descriptor[at + 1 :]


def npm_alias(spec: str) -> tuple[str, str] | None:
    """``npm:real-name@range`` -> (real-name, range); None for anything else (``npm:^1.0``
    is yarn berry's plain npm protocol, not an alias)."""
    if not spec.startswith("npm:"):
        return None
    rest = spec[4:]
    try:
        name, version = split_descriptor(rest)
    except ValueError:
        return None
    return name, version


def spec_kind(spec: str) -> str | None:
    """The kind of a non-registry dependency specifier (git, tarball, file, link, portal, exec,
    workspace, patch), or None for a registry range, tag or ``npm:`` specifier."""
    if spec.startswith(_GIT_PREFIXES):
        return "git"
    if spec.startswith(("http://", "https://")):
        return "git" if is_git_url(spec) else "tarball"
    if spec.startswith(_LOCAL_PREFIXES):
        return spec.split(":", 1)[0]
    if spec.startswith("workspace:"):
        return "workspace"
    if spec.startswith("patch:"):
        return "patch"
    if spec.startswith(_PATH_PREFIXES):
        return "file"
    # GitHub shorthand "owner/repo" or "owner/repo#ref" (npm-package-arg "hosted git")
    head = spec.split("#", 1)[0]
    if "/" in head and ":" not in head and not head.startswith("@") and " " not in head:
        return "git"
    return None


def is_git_url(url: str) -> bool:
    """Whether a resolved URL points to a git repository rather than a tarball."""
    if url.startswith(("git+", "git:", "git@", "ssh:")):
        return True
    if url.startswith(("http://", "https://")):
        base = url.split("#", 1)[0]
        return base.endswith(".git") or "#commit=" in url
    return False


def registry_tarball_version(url: str, name: str) -> str | None:
    """The version in a registry tarball URL (``.../name/-/name-1.2.3.tgz``) for ``name``, or
    None when the URL does not have the registry layout (a GitHub codeload tarball, a file)."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("http", "https"):
        return None
    # the path: after the host, before any query or fragment (split by hand: this runs once
    # per package of large lockfiles, and urlsplit costs more than the rest of the entry)
    path = rest[rest.find("/") :] if "/" in rest else ""
    for mark in "?#":
        path = path.split(mark, 1)[0]
    if "%" in path:
        path = unquote(path)
    found = _TARBALL_FILE.search(path)
    if found is None:
        return None
    _, bare = split_scope(name)
    if not path[: found.start()].endswith("/" + name):
        return None
    stem = found.group("file")
    if not stem.startswith(bare + "-"):
        return None
    return stem[len(bare) + 1 :] or None


def resolved_source(url: str, name: str) -> Source | None:
    """Classify a resolved URL: None for a registry tarball of ``name``, else its Source."""
    if is_git_url(url):
        return Source("git", strip_credentials(url))
    if url.startswith(("http://", "https://")):
        if registry_tarball_version(url.split("#", 1)[0], name) is not None:
            return None
        return Source("tarball", strip_credentials(url.split("#", 1)[0]))
    if url.startswith(_LOCAL_PREFIXES):
        return Source(url.split(":", 1)[0], url)
    return Source("file", url)


def integrity_hashes(value: object) -> tuple[tuple[str, str], ...]:
    """Subresource Integrity (``sha512-<base64>``, several separated by spaces) -> hex hashes
    named as CycloneDX names them; malformed or unknown items are skipped."""
    if not isinstance(value, str):
        return ()
    hashes: list[tuple[str, str]] = []
    for item in value.split():
        algorithm, _, digest = item.partition("-")
        hash_name = _HASH_NAMES.get(algorithm.lower())
        if hash_name is None:
            continue
        try:
            raw = base64.b64decode(digest.split("?", 1)[0], validate=True)
        except (binascii.Error, ValueError):
            continue
        hashes.append((hash_name, raw.hex()))
    return tuple(hashes)


def propagate_scopes(
    roots: Iterable[tuple[str, Scope]],
    edges: Mapping[str, Iterable[tuple[str, bool]]],
) -> dict[str, Scope]:
    """Scope of every node reachable from the project's declared dependencies.

    ``roots`` are (node, scope of the declaration); ``edges`` maps a node to (child, optional
    edge) pairs. A path is as strong as its weakest link: an optional edge turns required
    into optional. Each node gets its strongest path (required > optional > dev), found by one
    breadth-first pass per scope, strongest first: linear in nodes + edges.
    """
    scopes: dict[str, Scope] = {}
    pending: dict[Scope, list[str]] = {Scope.REQUIRED: [], Scope.OPTIONAL: [], Scope.DEV: []}
    for node, scope in roots:
        pending[scope].append(node)
    for scope in (Scope.REQUIRED, Scope.OPTIONAL, Scope.DEV):
        queue: deque[str] = deque(n for n in pending[scope] if n not in scopes)
        for node in queue:
            scopes.setdefault(node, scope)
        while queue:
            node = queue.popleft()
            for child, optional in edges.get(node, ()):
                if child in scopes:
                    continue
                if optional and scope is Scope.REQUIRED:
                    pending[Scope.OPTIONAL].append(child)
                    continue
                scopes[child] = scope
                queue.append(child)
    return scopes
