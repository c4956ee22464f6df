"""Conan ``conan.lock``: Conan 2 lockfiles (version 0.5) and Conan 1 graph locks (0.4).

Conan 2 (``conan lock create``) writes flat lists of recipe references,
``name/version[@user[/channel]][#recipe_revision[%timestamp]]``: ``requires`` (libraries the
project links: required), ``build_requires`` (tool requires such as cmake, run at build time
only: dev), ``python_requires`` (recipe code shared between conanfiles: dev) and
``config_requires`` (Conan configuration packages: dev). ``overrides`` records how version
conflicts were resolved; the winning reference is already in ``requires``. Conan 2 does not
record which references the project itself declares, so ``direct`` is unknown.

Conan 1 (1.33+, ``graph_lock``) records the graph: ``nodes`` keyed by id, each with a
``ref``, ``requires`` and ``build_requires`` (lists of node ids) and ``python_requires``
(references). The root is the node nothing requires; with a ``path`` it is the consumer
conanfile (the project, not a component) and its edges mark the direct dependencies.
Anything reached only through ``build_requires`` (or a node in the ``build`` context) is dev.

Purls follow the purl spec's conan type: ``pkg:conan/name@version``, with ``user`` and
``channel`` qualifiers when the reference has them (they are part of a Conan package's
identity). Recipe revisions and timestamps are not in the purl (the shared corpus's rule):
the same version with another revision is the same package for licensing.
"""

from __future__ import annotations

import json
import re
from collections import deque
from dataclasses import dataclass
from typing import Any

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, ParseResult, Scope, SourceLocation
from ospo_scan.sources.base import finish, make_purl
from ospo_scan.sources.decode import json_type, load_json

ECOSYSTEM = "conan"

# name/version[@user[/channel]][#rrev[%timestamp]][:package_id[#prev]]
_REFERENCE = re.compile(
    r"^(?P<name>[^/@#%:\s]+)/(?P<version>[^/@#%:\s]+)"
    r"(?:@(?P<user>[^/@#%:\s]*)(?:/(?P<channel>[^/@#%:\s]+))?)?"
    r"(?:#(?P<rrev>[^#%:\s]+)(?:%(?P<timestamp>[\d.]+))?)?"
    r"(?::(?P<package_id>[^#\s]+)(?:#(?P<prev>\S+))?)?$"
)
# Conan 2 sections and what they mean for a package's scope.
_SECTIONS = (
    ("requires", Scope.REQUIRED),
    ("build_requires", Scope.DEV),
    ("python_requires", Scope.DEV),
    ("config_requires", Scope.DEV),
)


@dataclass(frozen=True, slots=True)
class Reference:
    """A parsed Conan recipe reference."""

    name: str
    version: str
    user: str | None
    channel: str | None

    @property
    def purl(self) -> str:
        qualifiers = {k: v for k, v in (("user", self.user), ("channel", self.channel)) if v}
        return make_purl(ECOSYSTEM, self.name, self.version, qualifiers=qualifiers)

    def __str__(self) -> str:
        text = f"{self.name}/{self.version}"
        if self.user:
            text += f"@{self.user}" + (f"/{self.channel}" if self.channel else "")
        return text


def parse_reference(text: object, path: str, key: str) -> Reference:
    """A ``Reference`` from ``name/version@user/channel#rrev%timestamp``.

    Raises ``LockfileError`` naming ``key`` when ``text`` is not a reference with a version.
    """
    found = _REFERENCE.match(text.strip()) if isinstance(text, str) else None
    if found is None:
        raise LockfileError(
            f"{json.dumps(text)} is not a recipe reference",
            path=path,
            key=key,
            expected="name/version[@user/channel][#revision]",
        )
    # Conan writes "_" for a missing user/channel in some commands' output
    user = found.group("user") or None
    channel = found.group("channel") or None
    return Reference(
        name=found.group("name"),
        version=found.group("version"),
        user=None if user == "_" else user,
        channel=None if channel == "_" else channel,
    )


class ConanLockParser:
    """Reads ``conan.lock`` written by Conan 2 (version 0.5) or Conan 1 (version 0.4)."""

    format: str = "conan-lock"
    ecosystem: str = ECOSYSTEM
    patterns: tuple[str, ...] = ("conan.lock",)

    def parse(self, text: str, path: str) -> ParseResult:
        """Return one component per locked reference.

        Raises ``LockfileError`` for invalid JSON, an unsupported ``version``, a reference
        that does not parse, or a section or node of the wrong shape (naming its key path).
        """
        data = load_json(text, path)
        if not isinstance(data, dict):
            raise LockfileError(
                f"{json_type(data)} found", path=path, expected="a JSON object with a version"
            )
        version = data.get("version")
        if "graph_lock" in data:
            if not _is_version(version, "0.", min_minor=4, max_minor=4):
                raise _version_error(version, path)
            return _read_graph_lock(data["graph_lock"], path)
        if version is None:
            raise LockfileError(
                "key is missing", path=path, key="version", expected='"0.5" (Conan 2)'
            )
        if not _is_version(version, "0.", min_minor=5, max_minor=5):
            raise _version_error(version, path)
        return _read_lists(data, path)


def _read_lists(data: dict[str, Any], path: str) -> ParseResult:
    """Conan 2: the four reference lists."""
    components: list[Component] = []
    for section, scope in _SECTIONS:
        references = data.get(section, [])
        if not isinstance(references, list):
            raise LockfileError(
                f"{json_type(references)} found",
                path=path,
                key=section,
                expected="an array of recipe references",
            )
        for index, text in enumerate(references):
            key = f"{section}[{index}]"
            reference = parse_reference(text, path, key)
            components.append(_component(reference, scope, None, SourceLocation(path, None, key)))
    return finish(components)


def _read_graph_lock(graph: Any, path: str) -> ParseResult:
    """Conan 1: walk the node graph from its root(s)."""
    if not isinstance(graph, dict) or not isinstance(graph.get("nodes"), dict):
        raise LockfileError(
            "no nodes", path=path, key="graph_lock.nodes", expected="an object of node id: node"
        )
    nodes: dict[str, dict[str, Any]] = {}
    for node_id, node in graph["nodes"].items():
        key = f"graph_lock.nodes[{json.dumps(node_id)}]"
        if not isinstance(node, dict):
            raise LockfileError(
                f"{json_type(node)} found", path=path, key=key, expected="an object"
            )
        for field in ("requires", "build_requires", "python_requires"):
            value = node.get(field, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise LockfileError(
                    "not an array of strings",
                    path=path,
                    key=f"{key}.{field}",
                    expected="an array of node ids"
                    if field != "python_requires"
                    else "an array of references",
                )
        for field in ("requires", "build_requires"):
            for child in node.get(field, []):
                if child not in graph["nodes"]:
                    raise LockfileError(
                        f"node {json.dumps(child)} does not exist",
                        path=path,
                        key=f"{key}.{field}",
                        expected="ids of nodes in graph_lock.nodes",
                    )
        nodes[node_id] = node

    references: dict[str, Reference] = {}
    python: dict[str, list[Reference]] = {}
    for node_id, node in nodes.items():
        key = f"graph_lock.nodes[{json.dumps(node_id)}]"
        ref = node.get("ref")
        if isinstance(ref, str) and ref.strip():
            references[node_id] = parse_reference(ref, path, f"{key}.ref")
        python[node_id] = [
            parse_reference(text, path, f"{key}.python_requires[{index}]")
            for index, text in enumerate(node.get("python_requires", []))
        ]

    required = {child for node in nodes.values() for child in _children(node)}
    roots = [n for n in nodes if n not in required]
    consumers = {n for n in roots if n not in references}
    # A root without a reference is the consumer conanfile ("path"): the project itself. Its
    # edges are the declared dependencies; a root with a reference was locked by name.
    declared = {c for n in consumers for c in _children(nodes[n])}
    declared |= {n for n in roots if n in references}
    scopes = _walk(nodes, roots)

    components: list[Component] = []
    for node_id, node in nodes.items():
        reference = references.get(node_id)
        if reference is None:
            continue
        scope = Scope.DEV if node.get("context") == "build" else scopes.get(node_id)
        dependencies = [references[c].purl for c in _children(node) if c in references]
        dependencies += [r.purl for r in python[node_id]]
        where = SourceLocation(path, None, f"graph_lock.nodes[{json.dumps(node_id)}]")
        components.append(
            _component(
                reference,
                scope,
                node_id in declared,
                where,
                tuple(dict.fromkeys(d for d in dependencies if d != reference.purl)),
            )
        )
    # python_requires are recipe code: needed to build, never shipped
    for node_id in nodes:
        key = f"graph_lock.nodes[{json.dumps(node_id)}].python_requires"
        for reference in python[node_id]:
            direct = node_id in consumers
            components.append(
                _component(reference, Scope.DEV, direct, SourceLocation(path, None, key))
            )
    return finish(components)


def _children(node: dict[str, Any]) -> list[str]:
    return [*node.get("requires", []), *node.get("build_requires", [])]


def _walk(nodes: dict[str, dict[str, Any]], roots: list[str]) -> dict[str, Scope]:
    """Scope of each node reachable from a root: required through ``requires`` edges only,
    dev once a ``build_requires`` edge is crossed. One breadth-first walk per scope, the
    stronger first; a node is visited at most once per walk (linear in nodes + edges)."""
    scopes: dict[str, Scope] = {}
    queue: deque[str] = deque(roots)
    scopes.update((root, Scope.REQUIRED) for root in roots)
    tools: list[str] = []
    while queue:
        node = nodes[queue.popleft()]
        tools.extend(node.get("build_requires", []))
        for child in node.get("requires", []):
            if child not in scopes:
                scopes[child] = Scope.REQUIRED
                queue.append(child)
    queue = deque(t for t in dict.fromkeys(tools) if t not in scopes)
    scopes.update((tool, Scope.DEV) for tool in queue)
    while queue:
        for child in _children(nodes[queue.popleft()]):
            if child not in scopes:
                scopes[child] = Scope.DEV
                queue.append(child)
    return scopes


def _component(
    reference: Reference,
    scope: Scope | None,
    direct: bool | None,
    where: SourceLocation,
    dependencies: tuple[str, ...] = (),
) -> Component:
    return Component(
        purl=reference.purl,
        name=reference.name,
        version=reference.version,
        ecosystem=ECOSYSTEM,
        scope=scope,
        direct=direct,
        locations=(where,),
        dependencies=dependencies,
    )


def _is_version(value: Any, prefix: str, *, min_minor: int, max_minor: int) -> bool:
    if not isinstance(value, str) or not value.startswith(prefix):
        return False
    minor = value[len(prefix) :]
    return minor.isdigit() and min_minor <= int(minor) <= max_minor


def _version_error(version: Any, path: str) -> LockfileError:
    return LockfileError(
        f"unsupported lockfile version {json.dumps(version)}",
        path=path,
        key="version",
        expected='"0.5" (Conan 2) or "0.4" with graph_lock (Conan 1)',
    )
