"""Maven ``pom.xml``: the dependencies a project declares, read statically (Maven never runs).

A POM is a manifest, not a lockfile: it lists the dependencies the project declares, and only
resolving them (with the parent POMs, imported BOMs and every dependency's own POM) gives the
transitive ones. So every component here is ``direct``; one diagnostic says the transitive
dependencies are not known, and a dependency whose version cannot be known statically
is still reported, with version ``None`` and a diagnostic, so that a policy sees an
unresolvable component instead of nothing (Maven POM reference, "Dependencies"):

* versions come from ``<version>``, else from the POM's own ``<dependencyManagement>``
  (matched on groupId, artifactId, type and classifier); ``${property}`` is substituted from
  ``<properties>`` and the project's coordinates (``project.version``, ``project.groupId``,
  ``project.parent.version`` and the deprecated ``pom.*``/bare forms), the project's
  version and groupId falling back to its ``<parent>``'s;
* a version that only the parent POM or an imported BOM (``<scope>import</scope>``) can
  give, one that names an undefined property (``env.*``, ``settings.*``, a parent's
  property) or a version range other than ``[1.0]`` is unknown;
* ``<scope>`` compile (default) and runtime -> required, provided and system -> optional,
  test -> dev; ``<optional>true</optional>`` makes it at most optional; dependencies of a
  ``<profile>`` apply only when the profile is active: at most optional;
* ``system`` dependencies are local jars (``<systemPath>``): ``registry=False``;
* a dependency on another module of the same build (the project's groupId and version
  ``${project.version}``) is the project itself, not a component;
* build plugins and their dependencies are build tools, not dependencies of the project.

purls drop the ``type`` and ``classifier`` (a test-jar or sources jar of an artifact has its
license): ``pkg:maven/group/artifact@version``. The XML is read with defusedxml: entity
declarations (entity expansion bombs, external entities) are refused.
"""

from __future__ import annotations

import re
from collections import ChainMap
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, Diagnostic, ParseResult, Scope, Severity, SourceLocation
from ospo_scan.sources.base import finish, make_purl
from ospo_scan.sources.decode import XmlDocument, child, child_text, children, load_xml, local_name

ECOSYSTEM = "maven"

_PROPERTY = re.compile(r"\$\{([^}]*)\}")
_MODEL_VERSIONS = ("4.0.0", "4.1.0")
_SCOPES = {
    "compile": Scope.REQUIRED,
    "runtime": Scope.REQUIRED,
    "provided": Scope.OPTIONAL,
    "system": Scope.OPTIONAL,
    "test": Scope.DEV,
}
# Deeper chains of properties defined by properties are not written by people; a limit keeps
# a hostile POM from making the substitution quadratic.
_MAX_PROPERTY_DEPTH = 32
# The version expressions a module uses for a sibling module of the same build.
_OWN_VERSION = frozenset(
    {"${project.version}", "${pom.version}", "${version}", "${project.parent.version}"}
)


# ---------------------------------------------------------------------------------------------
# the POM


@dataclass(slots=True)
class _Interpolator:
    """Substitutes ``${name}`` from the POM's properties; each property is resolved once."""

    raw: MutableMapping[str, str]
    resolved: dict[str, str | None] = field(default_factory=dict)

    def value(self, name: str, depth: int = 0) -> str | None:
        if name in self.resolved:
            return self.resolved[name]
        raw = self.raw.get(name)
        if raw is None or depth > _MAX_PROPERTY_DEPTH:
            return None
        self.resolved[name] = None  # a cycle resolves to "unknown"
        result = self.substitute(raw, depth + 1)
        self.resolved[name] = result
        return result

    def substitute(self, text: str, depth: int = 0) -> str | None:
        """``text`` with every property substituted, or None if one is unknown."""
        if "${" not in text:
            return text
        missing = False

        def replace(found: re.Match[str]) -> str:
            nonlocal missing
            value = self.value(found.group(1).strip(), depth)
            if value is None:
                missing = True
                return ""
            return value

        result = _PROPERTY.sub(replace, text)
        return None if missing else result

    def unknown(self, text: str) -> list[str]:
        """The property names in ``text`` that do not resolve."""
        names = (m.group(1).strip() for m in _PROPERTY.finditer(text))
        return [n for n in dict.fromkeys(names) if self.value(n) is None]

    def overlay(self, extra: dict[str, str]) -> _Interpolator:
        """A view with ``extra`` properties (a profile's) taking precedence (no copy, so that
        many profiles cost no more than their own properties)."""
        return _Interpolator(ChainMap(extra, self.raw)) if extra else self


@dataclass(frozen=True, slots=True)
class _Managed:
    version: str | None
    scope: str | None


@dataclass(slots=True)
class _Context:
    path: str
    document: XmlDocument
    properties: _Interpolator
    managed: MutableMapping[tuple[str, str, str, str], _Managed]
    group: str | None
    parent: str | None  # "group:artifact:version" of the parent POM
    boms: list[str]
    diagnostics: list[Diagnostic]

    def location(self, element: Any) -> SourceLocation:
        return SourceLocation(self.path, self.document.line(element))

    def warn(self, element: Any, message: str, severity: Severity = Severity.WARNING) -> None:
        self.diagnostics.append(Diagnostic(self.location(element), message, severity))


class MavenPomParser:
    """Reads the dependencies declared in a ``pom.xml``."""

    format: str = "maven-pom"
    ecosystem: str = ECOSYSTEM
    patterns: tuple[str, ...] = ("pom.xml",)

    def parse(self, text: str, path: str) -> ParseResult:
        """Return one direct component per declared dependency.

        Raises ``LockfileError`` for malformed XML, entity declarations, a root element other
        than ``<project>``, an unsupported ``modelVersion`` or a dependency without groupId or
        artifactId.
        """
        document = load_xml(text, path)
        project = document.root
        if local_name(project.tag) != "project":
            raise LockfileError(
                f"<{local_name(project.tag)}> is not a Maven POM",
                path=path,
                line=document.line(project),
                expected="a <project> root element",
            )
        model = child(project, "modelVersion")
        model_version = child_text(project, "modelVersion")
        if model_version is not None and model_version not in _MODEL_VERSIONS:
            raise LockfileError(
                f'unsupported modelVersion "{model_version}"',
                path=path,
                line=document.line(model),
                expected=" or ".join(_MODEL_VERSIONS),
            )
        context = _project_context(project, document, path)
        components: list[Component] = []
        components.extend(_dependencies(project, context, None))
        for profile in _profiles(project):
            name = child_text(profile, "id") or "(unnamed)"
            extra = _properties(profile)
            profile_context = _Context(
                path=path,
                document=document,
                properties=context.properties.overlay(extra),
                managed=ChainMap({}, context.managed),  # the profile's own entries first
                group=context.group,
                parent=context.parent,
                boms=list(context.boms),
                diagnostics=context.diagnostics,
            )
            _manage(profile, profile_context)
            found = _dependencies(profile, profile_context, Scope.OPTIONAL)
            if found:
                context.warn(
                    profile,
                    f"dependencies of profile {name} ({len(found)}) apply only when it is "
                    "active: reported as optional",
                    Severity.INFO,
                )
            components.extend(found)
        if components:
            context.warn(
                project,
                "a pom.xml lists the declared dependencies only: their transitive "
                "dependencies are not known without resolving them (scan a Gradle lockfile "
                "or an SBOM of the build for the whole tree)",
                Severity.INFO,
            )
        return finish(components, context.diagnostics)


def _project_context(project: Any, document: XmlDocument, path: str) -> _Context:
    parent = child(project, "parent")
    parent_group = child_text(parent, "groupId") if parent is not None else None
    parent_artifact = child_text(parent, "artifactId") if parent is not None else None
    parent_version = child_text(parent, "version") if parent is not None else None
    group = child_text(project, "groupId") or parent_group
    version = child_text(project, "version") or parent_version
    artifact = child_text(project, "artifactId")
    builtins: dict[str, str] = {}
    for key, value in (
        ("groupId", group),
        ("artifactId", artifact),
        ("version", version),
        ("parent.groupId", parent_group),
        ("parent.artifactId", parent_artifact),
        ("parent.version", parent_version),
    ):
        if value is not None:
            # project.x is the documented form; pom.x and bare x are Maven 2's, still accepted
            for prefix in ("project.", "pom.", ""):
                builtins[prefix + key] = value
    # ${basedir} is the folder of the POM (systemPath values use it)
    folder = path.replace("\\", "/").rpartition("/")[0] or "."
    builtins.update({"project.basedir": folder, "basedir": folder})
    properties = _Interpolator({**builtins, **_properties(project)})
    parent_label = None
    if parent_group and parent_artifact:
        parent_label = f"{parent_group}:{parent_artifact}:{parent_version or '?'}"
    context = _Context(
        path=path,
        document=document,
        properties=properties,
        managed={},
        group=properties.substitute(group) if group else None,
        parent=parent_label,
        boms=[],
        diagnostics=[],
    )
    _manage(project, context)
    return context


def _properties(element: Any) -> dict[str, str]:
    block = child(element, "properties")
    if block is None:
        return {}
    return {local_name(p.tag): (p.text or "").strip() for p in block if local_name(p.tag) != ""}


def _profiles(project: Any) -> Iterator[Any]:
    block = child(project, "profiles")
    if block is not None:
        yield from children(block, "profile")


def _manage(owner: Any, context: _Context) -> None:
    """Read ``<dependencyManagement>``: versions and scopes by coordinates, and BOM imports."""
    management = child(owner, "dependencyManagement")
    block = child(management, "dependencies") if management is not None else None
    if block is None:
        return
    for dependency in children(block, "dependency"):
        group, artifact = _coordinates(dependency, context)
        if group is None or artifact is None:
            continue
        scope = child_text(dependency, "scope")
        version = child_text(dependency, "version")
        if scope == "import":
            resolved = context.properties.substitute(version) if version else None
            context.boms.append(f"{group}:{artifact}:{resolved or version or '?'}")
            continue
        key = _key(dependency, group, artifact, context)
        context.managed[key] = _Managed(version, scope)


def _coordinates(dependency: Any, context: _Context) -> tuple[str | None, str | None]:
    """Resolved groupId and artifactId; raises when one is missing, None when unresolvable."""
    group = child_text(dependency, "groupId")
    artifact = child_text(dependency, "artifactId")
    if group is None or artifact is None:
        missing = "groupId" if group is None else "artifactId"
        raise LockfileError(
            f"<dependency> without <{missing}>",
            path=context.path,
            line=context.document.line(dependency),
            expected="a dependency with groupId, artifactId and version",
        )
    resolved_group = context.properties.substitute(group)
    resolved_artifact = context.properties.substitute(artifact)
    if resolved_group is None or resolved_artifact is None:
        names = context.properties.unknown(f"{group}:{artifact}")
        context.warn(
            dependency,
            f"{group}:{artifact} uses undefined properties ({', '.join(names)}): "
            "it cannot be identified and is left out",
        )
        return None, None
    return resolved_group, resolved_artifact


def _key(
    dependency: Any, group: str, artifact: str, context: _Context
) -> tuple[str, str, str, str]:
    kind = child_text(dependency, "type") or "jar"
    classifier = child_text(dependency, "classifier") or ""
    return (
        group,
        artifact,
        context.properties.substitute(kind) or kind,
        context.properties.substitute(classifier) or classifier,
    )


def _dependencies(owner: Any, context: _Context, ceiling: Scope | None) -> list[Component]:
    block = child(owner, "dependencies")
    if block is None:
        return []
    out = []
    for dependency in children(block, "dependency"):
        component = _component(dependency, context, ceiling)
        if component is not None:
            out.append(component)
    return out


def _component(dependency: Any, context: _Context, ceiling: Scope | None) -> Component | None:
    group, artifact = _coordinates(dependency, context)
    if group is None or artifact is None:
        return None
    coordinates = f"{group}:{artifact}"
    managed = context.managed.get(_key(dependency, group, artifact, context))
    declared_version = child_text(dependency, "version")
    raw_version = declared_version or (managed.version if managed else None)
    raw_scope = child_text(dependency, "scope") or (managed.scope if managed else None)
    scope_name = (context.properties.substitute(raw_scope) if raw_scope else None) or "compile"

    if group == context.group and declared_version in _OWN_VERSION:
        context.warn(
            dependency,
            f"{coordinates} is a module of this build (version {declared_version}): "
            "not a third-party component",
            Severity.INFO,
        )
        return None
    if scope_name == "import":
        context.warn(
            dependency,
            f"{coordinates} has scope import outside <dependencyManagement>: ignored by Maven",
        )
        return None
    scope = _SCOPES.get(scope_name)
    if scope is None:
        context.warn(dependency, f"{coordinates} has unknown scope {scope_name!r}: read as compile")
        scope = Scope.REQUIRED
    optional = (child_text(dependency, "optional") or "").lower() == "true"
    if (optional or ceiling is Scope.OPTIONAL) and scope is Scope.REQUIRED:
        scope = Scope.OPTIONAL

    version = _version(raw_version, coordinates, dependency, context)
    registry = True
    if scope_name == "system":
        registry = False
        where = child_text(dependency, "systemPath") or "a local file"
        where = context.properties.substitute(where) or where
        context.warn(
            dependency, f"{coordinates} is a system dependency ({where}), not from a repository"
        )
    return Component(
        purl=make_purl(ECOSYSTEM, artifact, version, namespace=group),
        name=coordinates,
        version=version,
        ecosystem=ECOSYSTEM,
        scope=scope,
        direct=True,
        locations=(context.location(dependency),),
        registry=registry,
    )


def _version(raw: str | None, coordinates: str, dependency: Any, context: _Context) -> str | None:
    """The pinned version, or None with a diagnostic saying why it is unknown."""
    if raw is None:
        sources = []
        if context.parent:
            sources.append(f"the parent POM {context.parent}")
        sources.extend(f"the imported BOM {bom}" for bom in context.boms)
        where = " or ".join(sources) if sources else "nowhere in this POM"
        context.warn(
            dependency,
            f"{coordinates} has no version here (it comes from {where}, which a static "
            "reading does not fetch): reported without a version",
        )
        return None
    version = context.properties.substitute(raw)
    if not version:
        names = ", ".join(context.properties.unknown(raw))
        context.warn(
            dependency,
            f"{coordinates} version {raw} uses undefined properties ({names}): "
            "reported without a version",
        )
        return None
    if version[:1] in "[(":
        exact = re.fullmatch(r"\[\s*([^,\[\]()\s]+)\s*\]", version)
        if exact is not None:
            return exact.group(1)  # [1.0]: exactly 1.0 (Maven's hard requirement)
        context.warn(
            dependency,
            f"{coordinates} version {version} is a range, resolved only at build time: "
            "reported without a version",
        )
        return None
    return version
