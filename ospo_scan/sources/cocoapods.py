"""CocoaPods ``Podfile.lock``: the pods installed for an Xcode project.

The file is YAML (CocoaPods' Lockfile class, written by ``pod install``):

* ``PODS``: every installed pod or subspec as ``"Name (version)"``, or a one-key mapping from
  that string to its dependencies (``"Dep (requirement)"``). Subspecs (``Firebase/Core``) are
  parts of their root pod: they collapse into one component named after the root, as the
  purl spec and the shared corpus do.
* ``DEPENDENCIES``: what the Podfile declares; a root pod named there is ``direct``.
* ``SPEC REPOS``: which spec repository each pod comes from. ``trunk`` (the CDN) and the old
  master spec repository are the default; pods from any other spec repository carry its URL
  as the ``repository_url`` qualifier.
* ``EXTERNAL SOURCES`` / ``CHECKOUT OPTIONS``: pods taken from a ``:path``, a ``:podspec``
  file or a ``:git`` repository (with the commit or tag checked out). They are not from a
  spec repository: they are reported with ``registry=False`` and a diagnostic, git ones with
  their repository URL and commit.

The lockfile does not say how a pod is needed: ``scope`` is unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, Diagnostic, ParseResult, SourceLocation
from ospo_scan.sources.base import finish, make_purl, strip_credentials
from ospo_scan.sources.decode import load_yaml

ECOSYSTEM = "cocoapods"

# "Name (requirement)" or "Name"; pod names have no spaces (CocoaPods' Specification name).
_ITEM = re.compile(r"^([^\s()]+)(?:\s+\((.*)\))?$")
# The master spec repository before the CDN ("trunk") became the default (CocoaPods 1.8).
_MASTER_REPO = re.compile(r"/cocoapods/specs(?:\.git)?/?$", re.IGNORECASE)
_TRUNK = "trunk"
_POD_LINE = re.compile(r'^  - "?([^\s"()]+)')


@dataclass(slots=True)
class _Pod:
    """A root pod: its version and everything its subspecs depend on."""

    name: str
    version: str
    index: int  # first PODS item naming it
    dependencies: dict[str, None] = field(default_factory=dict)


class PodfileLockParser:
    """Reads ``Podfile.lock``."""

    format: str = "podfile-lock"
    ecosystem: str = ECOSYSTEM
    patterns: tuple[str, ...] = ("Podfile.lock",)

    def parse(self, text: str, path: str) -> ParseResult:
        """Return one component per root pod, with its dependencies on other root pods.

        Raises ``LockfileError`` for invalid YAML, a file without ``PODS``, an item that is
        not ``"Name (version)"``, or a section of the wrong shape (the message names it).
        """
        data = load_yaml(text, path)
        if not isinstance(data, dict) or "PODS" not in data:
            raise LockfileError(
                "no PODS section",
                path=path,
                expected="a Podfile.lock with PODS, DEPENDENCIES and SPEC REPOS",
            )
        lines = _pod_lines(text)
        if not isinstance(data["PODS"], list) or len(lines) != len(data["PODS"]):
            lines = []  # not laid out as CocoaPods writes it: key paths only
        pods = _read_pods(data["PODS"], path, lines)
        direct = _declared(data.get("DEPENDENCIES"), path)
        repositories = _spec_repos(data.get("SPEC REPOS"), path)
        external = _mapping(data.get("EXTERNAL SOURCES"), "EXTERNAL SOURCES", path)
        checkout = _mapping(data.get("CHECKOUT OPTIONS"), "CHECKOUT OPTIONS", path)

        purls: dict[str, str] = {}
        sources: dict[str, tuple[bool, str | None, str | None]] = {}
        for pod in pods.values():
            registry, download_url, note, qualifiers = _source(
                pod, repositories, external, checkout, path
            )
            purls[pod.name] = make_purl(ECOSYSTEM, pod.name, pod.version, qualifiers=qualifiers)
            sources[pod.name] = (registry, download_url, note)

        components: list[Component] = []
        diagnostics: list[Diagnostic] = []
        for pod in pods.values():
            registry, download_url, note = sources[pod.name]
            where = _location(path, pod.index, lines)
            if note is not None:
                diagnostics.append(Diagnostic(where, note))
            components.append(
                Component(
                    purl=purls[pod.name],
                    name=pod.name,
                    version=pod.version,
                    ecosystem=ECOSYSTEM,
                    scope=None,
                    direct=(pod.name in direct) if direct is not None else None,
                    locations=(where,),
                    dependencies=tuple(purls[d] for d in pod.dependencies if d in purls),
                    registry=registry,
                    download_url=download_url,
                )
            )
        return finish(components, diagnostics)


def root_name(name: str) -> str:
    """The root pod of a subspec: ``GoogleUtilities/NSData+zlib`` -> ``GoogleUtilities``."""
    return name.split("/", 1)[0]


def _read_pods(value: Any, path: str, lines: list[int]) -> dict[str, _Pod]:
    if not isinstance(value, list):
        raise LockfileError(
            f"{_yaml_type(value)} found", path=path, key="PODS", expected="a list of pods"
        )
    pods: dict[str, _Pod] = {}
    for index, item in enumerate(value):
        requirements: Any = []
        if isinstance(item, dict) and len(item) == 1:
            item, requirements = next(iter(item.items()))
            requirements = [] if requirements is None else requirements  # "Name (1.0):" alone
        name, version = _split_item(item, path, index, lines)
        if version is None:
            raise _item_error(f'"{item}" has no version', path, index, lines)
        root = root_name(name)
        pod = pods.get(root)
        if pod is None:
            pod = pods[root] = _Pod(root, version, index)
        elif pod.version != version:
            raise _item_error(
                f"{name} is locked at {version} but {root} at {pod.version}",
                path,
                index,
                lines,
                "one version per pod",
            )
        if not isinstance(requirements, list):
            raise _item_error(
                f"the dependencies of {name} are {_yaml_type(requirements)}",
                path,
                index,
                lines,
                "a list of pod requirements",
            )
        for requirement in requirements:
            dependency, _ = _split_item(requirement, path, index, lines)
            dependency = root_name(dependency)
            if dependency != root:  # a subspec needing its own root pod
                pod.dependencies[dependency] = None
    return pods


def _split_item(item: Any, path: str, index: int, lines: list[int]) -> tuple[str, str | None]:
    found = _ITEM.match(item.strip()) if isinstance(item, str) else None
    if found is None:
        raise _item_error(
            f"{item!r} is not a pod", path, index, lines, '"Name (version)" or a one-key mapping'
        )
    return found.group(1), found.group(2)


def _item_error(
    problem: str,
    path: str,
    index: int,
    lines: list[int],
    expected: str = '"Name (version)"',
) -> LockfileError:
    line = lines[index] if index < len(lines) else None
    if line is not None:
        return LockfileError(problem, path=path, line=line, expected=expected)
    return LockfileError(problem, path=path, key=f"PODS[{index}]", expected=expected)


def _declared(value: Any, path: str) -> set[str] | None:
    """Root pods the Podfile declares, or None when the lockfile has no DEPENDENCIES."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise LockfileError(
            f"{_yaml_type(value)} found",
            path=path,
            key="DEPENDENCIES",
            expected="a list of pod requirements",
        )
    declared = set()
    for index, item in enumerate(value):
        found = _ITEM.match(item.strip()) if isinstance(item, str) else None
        if found is None:
            raise LockfileError(
                f"{item!r} is not a pod requirement",
                path=path,
                key=f"DEPENDENCIES[{index}]",
                expected='"Name" or "Name (requirement)"',
            )
        declared.add(root_name(found.group(1)))
    return declared


def _spec_repos(value: Any, path: str) -> dict[str, str]:
    """Root pod -> the spec repository it comes from (``trunk`` or a URL)."""
    repos = _mapping(value, "SPEC REPOS", path)
    out: dict[str, str] = {}
    for repo, names in repos.items():
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise LockfileError(
                "not a list of pod names",
                path=path,
                key=f"SPEC REPOS[{repo!r}]",
                expected="a list of pod names",
            )
        for name in names:
            out[root_name(name)] = str(repo)
    return out


def _source(
    pod: _Pod,
    repositories: dict[str, str],
    external: dict[str, Any],
    checkout: dict[str, Any],
    path: str,
) -> tuple[bool, str | None, str | None, dict[str, str] | None]:
    """(registry, download_url, diagnostic, purl qualifiers) of a root pod."""
    options = external.get(pod.name)
    if options is not None:
        if not isinstance(options, dict):
            raise LockfileError(
                f"{_yaml_type(options)} found",
                path=path,
                key=f"EXTERNAL SOURCES[{pod.name!r}]",
                expected="a mapping such as {:git: URL, :tag: TAG}",
            )
        checked_out = checkout.get(pod.name)
        if isinstance(checked_out, dict) and ":git" in checked_out:
            options = checked_out  # the exact commit that was installed
        return _external(pod, options)
    repo = repositories.get(pod.name, _TRUNK)
    if repo == _TRUNK or _MASTER_REPO.search(repo):
        return True, None, None, None
    return True, None, None, {"repository_url": strip_credentials(repo)}


def _external(
    pod: _Pod, options: dict[str, Any]
) -> tuple[bool, str | None, str | None, dict[str, str] | None]:
    spec = f"{pod.name} {pod.version}"
    git = options.get(":git")
    if isinstance(git, str):
        url = strip_credentials(git)
        ref = next(
            (str(options[k]) for k in (":commit", ":tag", ":branch") if options.get(k)), None
        )
        vcs = f"git+{url}@{ref}" if ref else f"git+{url}"
        note = f"{spec} comes from the git repository {url}" + (f" at {ref}" if ref else "")
        return False, vcs, f"{note}, not from a spec repository", {"vcs_url": vcs}
    for key, what in ((":podspec", "the podspec"), (":path", "the local folder")):
        where = options.get(key)
        if isinstance(where, str):
            target = strip_credentials(where)
            link = target if "://" in target else None
            return (
                False,
                link,
                f"{spec} comes from {what} {target}, not from a spec repository",
                None,
            )
    keys = ", ".join(sorted(str(k) for k in options)) or "nothing"
    return False, None, f"{spec} comes from an external source ({keys})", None


def _mapping(value: Any, section: str, path: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise LockfileError(
            f"{_yaml_type(value)} found", path=path, key=section, expected="a mapping"
        )
    return value


def _pod_lines(text: str) -> list[int]:
    """Line of each top-level item of PODS, in order (CocoaPods writes two-space items)."""
    lines: list[int] = []
    inside = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith(" "):
            if inside and line.strip():
                break
            inside = line.rstrip() == "PODS:"
            continue
        if inside and _POD_LINE.match(line):
            lines.append(number)
    return lines


def _location(path: str, index: int, lines: list[int]) -> SourceLocation:
    line = lines[index] if index < len(lines) else None
    return SourceLocation(path, line, f"PODS[{index}]")


def _yaml_type(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "nothing"
    return f"a {type(value).__name__}"
