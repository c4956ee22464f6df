"""The lockfile parser protocol and the helpers every parser shares."""

from __future__ import annotations

import fnmatch
from collections import deque
from collections.abc import Iterable
from dataclasses import replace
from pathlib import PurePath
from typing import Protocol, TypeVar
from urllib.parse import urlsplit, urlunsplit

from packageurl import PackageURL, normalize_name

from ospo_scan.model import Component, Diagnostic, ParseResult, stronger_scope

T = TypeVar("T")


class LockfileParser(Protocol):
    """A parser for one lockfile format.

    ``format`` is the stable format id shown in reports (e.g. ``npm-package-lock``);
    ``patterns`` are file name globs used by discovery: a pattern without ``/`` is matched
    against the file name, one with ``/`` against the last path components.
    ``parse`` gets the decoded text and the path (for messages, and for formats such as
    requirements files whose includes are relative to the file). It returns a ``ParseResult``
    and raises ``LockfileError`` for a file it cannot read.
    """

    format: str
    ecosystem: str
    patterns: tuple[str, ...]

    def parse(self, text: str, path: str) -> ParseResult: ...


def matches(parser: LockfileParser, path: PurePath) -> bool:
    """Whether ``path`` has a name one of the parser's patterns claims."""
    for pattern in parser.patterns:
        depth = pattern.count("/") + 1
        tail = "/".join(path.parts[-depth:])
        if fnmatch.fnmatchcase(tail, pattern):
            return True
    return False


def make_purl(
    ecosystem: str,
    name: str,
    version: str | None,
    namespace: str | None = None,
    qualifiers: dict[str, str] | None = None,
    subpath: str | None = None,
) -> str:
    """Build a canonical purl string with packageurl-python (never by string formatting).

    npm names keep their case: legacy packages such as ``JSONStream`` exist beside lowercase
    ones, the registry treats them as different, and the shared corpus conventions keep the
    case, while packageurl-python lowercases every npm name.
    """
    purl = PackageURL(
        type=ecosystem,
        namespace=namespace or None,
        name=name,
        version=version or None,
        qualifiers=qualifiers or None,
        subpath=subpath or None,
    ).to_string()
    if ecosystem in _CASE_SENSITIVE_NAMES and name != name.lower():
        lowered = normalize_name(name, None, ecosystem)
        exact = normalize_name(name, None, None)
        start = (
            purl.find("/", len("pkg:") + len(ecosystem) + 1) + 1
            if namespace
            else len(f"pkg:{ecosystem}/")
        )
        if lowered and exact and purl.startswith(lowered, start):
            purl = purl[:start] + exact + purl[start + len(lowered) :]
    return purl


# purl types whose names packageurl-python lowercases although the registry is case-sensitive
_CASE_SENSITIVE_NAMES = frozenset({"npm"})


def strip_credentials(url: str) -> str:
    """Remove ``user:password@`` from a URL so that no secret from a lockfile reaches a report."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def merge_duplicates(components: Iterable[Component]) -> list[Component]:
    """Merge components with the same purl: strongest scope, ``direct`` if any copy is direct,
    and the union of locations, dependencies, paths and hashes. Keeps first-seen order."""
    merged: dict[str, Component] = {}
    for comp in components:
        old = merged.get(comp.purl)
        if old is None:
            merged[comp.purl] = comp
            continue
        if old.direct is True or comp.direct is True:
            direct: bool | None = True
        elif old.direct is False or comp.direct is False:
            direct = False
        else:
            direct = None
        merged[comp.purl] = replace(
            old,
            scope=stronger_scope(old.scope, comp.scope),
            direct=direct,
            locations=_union(old.locations, comp.locations),
            dependencies=_union(old.dependencies, comp.dependencies),
            paths=_union(old.paths, comp.paths),
            hashes=_union(old.hashes, comp.hashes),
            declared_license=old.declared_license or comp.declared_license,
            download_url=old.download_url or comp.download_url,
        )
    return list(merged.values())


def _union(a: tuple[T, ...], b: tuple[T, ...]) -> tuple[T, ...]:
    if not b:
        return a
    if not a:
        return b
    seen = set(a)
    return a + tuple(x for x in b if x not in seen)


# The longest dependency path kept for a component (real graphs are rarely 30 deep).
MAX_PATH_LENGTH = 64


def attach_paths(components: list[Component], max_paths: int = 3) -> list[Component]:
    """Fill ``paths`` from the dependency graph for components that have none.

    A breadth-first walk from every direct component (or, when the lockfile cannot tell which
    are direct, from every component nothing depends on) gives each reachable component its
    shortest path (plus up to ``max_paths - 1`` others of the same length through other
    parents). Linear in nodes + edges. Components the walk does not reach keep ``paths``
    empty; a root component's path is itself.
    """
    by_purl = {c.purl: c for c in components}
    roots = [c.purl for c in components if c.direct]
    if not roots and all(c.direct is None for c in components):
        # The lockfile does not record the project's own dependencies (npm v1, yarn v1,
        # poetry): start from the components nothing else depends on.
        needed = {d for c in components for d in c.dependencies}
        roots = [c.purl for c in components if c.purl not in needed]
    if not roots:
        return components
    parents: dict[str, list[str]] = {}
    depth: dict[str, int] = {}
    queue: deque[str] = deque()
    for root in roots:
        depth[root] = 0
        queue.append(root)
    while queue:
        purl = queue.popleft()
        node = by_purl.get(purl)
        if node is None:
            continue
        for child in node.dependencies:
            if child not in by_purl:
                continue
            if child not in depth:
                depth[child] = depth[purl] + 1
                parents[child] = [purl]
                queue.append(child)
            elif depth[child] == depth[purl] + 1 and len(parents[child]) < max_paths:
                parents[child].append(purl)

    def first_path(purl: str) -> tuple[str, ...]:
        # Capped: a pathological chain thousands deep would otherwise cost memory quadratic
        # in its depth; a capped path still ends at the component and names its parents.
        chain = [purl]
        while chain[-1] in parents and len(chain) < MAX_PATH_LENGTH:
            chain.append(parents[chain[-1]][0])
        return tuple(reversed(chain))

    out: list[Component] = []
    for comp in components:
        if comp.paths or comp.purl not in depth:
            out.append(comp)
            continue
        paths = [first_path(p) + (comp.purl,) for p in parents.get(comp.purl, [])]
        if not paths:
            paths = [(comp.purl,)]
        out.append(replace(comp, paths=tuple(dict.fromkeys(paths))))
    return out


def finish(components: Iterable[Component], diagnostics: Iterable[Diagnostic] = ()) -> ParseResult:
    """Merge duplicates, attach dependency paths and wrap everything in a ``ParseResult``."""
    merged = attach_paths(merge_duplicates(components))
    return ParseResult(components=tuple(merged), diagnostics=tuple(diagnostics))
