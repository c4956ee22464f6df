"""Swift Package Manager ``Package.resolved``, format versions 1, 2 and 3.

Version 1 (Swift < 5.6) lists ``object.pins`` of ``{package, repositoryURL, state}``;
versions 2 and 3 list ``pins`` of ``{identity, kind, location, state}`` (3 adds
``originHash``). ``state`` holds the ``revision`` (a commit) and the ``version`` (a release
tag), or a ``branch`` instead of a version (SwiftPM's PinsStore). ``kind`` is
``remoteSourceControl`` (a git URL), ``localSourceControl`` (a git repository on this
machine) or ``registry`` (a package registry identity ``scope.name``, SE-0292).

The purl follows the purl spec's swift type: the namespace is the source host plus the
owner path of the repository URL, the name the repository name without ``.git``, both with
the case of the URL (``https://host.test/Owner/Repo.git`` at 1.0 is
``pkg:swift/host.test/Owner/Repo@1.0``). A pin on a branch has no release version: its
version is the pinned revision (the shared corpus's rule), and a diagnostic says so.
The file does not record which packages the root package declares, nor how they are
needed: ``direct`` and ``scope`` are unknown, and there is no dependency graph.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, Diagnostic, ParseResult, SourceLocation
from ospo_scan.sources.base import finish, make_purl, strip_credentials
from ospo_scan.sources.decode import json_type, load_json

ECOSYSTEM = "swift"
SUPPORTED_VERSIONS = (1, 2, 3)
_KINDS = ("remoteSourceControl", "localSourceControl", "registry")
# scp-like git address: [user@]host:owner/repo.git
_SCP = re.compile(r"^(?:[^@/\s]+@)?([^:/\s]+):(?!//)(.+)$")


class SwiftResolvedParser:
    """Reads ``Package.resolved`` (SwiftPM, also inside Xcode's ``xcshareddata/swiftpm``)."""

    format: str = "swift-package-resolved"
    ecosystem: str = ECOSYSTEM
    patterns: tuple[str, ...] = ("Package.resolved",)

    def parse(self, text: str, path: str) -> ParseResult:
        """Return one component per pin.

        Raises ``LockfileError`` for invalid JSON, an unsupported ``version``, or a pin
        without a location, without a state, or with neither a version nor a revision.
        """
        data = load_resolved(text, path)
        version = data["version"]
        pins_key = "object.pins" if version == 1 else "pins"
        container = data.get("object") if version == 1 else data
        if not isinstance(container, dict) or "pins" not in container:
            raise LockfileError(
                "key is missing", path=path, key=pins_key, expected="an array of pins"
            )
        pins = container["pins"]
        if not isinstance(pins, list):
            raise LockfileError(
                f"{json_type(pins)} found", path=path, key=pins_key, expected="an array of pins"
            )
        lines = _pin_lines(text)
        if len(lines) != len(pins):
            lines = []  # a pin without its first key: lines would be off, use key paths only
        components: list[Component] = []
        diagnostics: list[Diagnostic] = []
        for index, pin in enumerate(pins):
            key = f"{pins_key}[{index}]"
            where = SourceLocation(path, lines[index] if index < len(lines) else None, key)
            component, note = _component(pin, version, key, where, path)
            components.append(component)
            if note is not None:
                diagnostics.append(Diagnostic(where, note))
        return finish(components, diagnostics)


def load_resolved(text: str, path: str) -> dict[str, Any]:
    """The decoded file, checked to be an object with a supported ``version``."""
    data = load_json(text, path)
    if not isinstance(data, dict):
        raise LockfileError(
            f"{json_type(data)} found", path=path, expected="a JSON object with a version"
        )
    version = data.get("version")
    if version is None:
        raise LockfileError("key is missing", path=path, key="version", expected="1, 2 or 3")
    if isinstance(version, bool) or version not in SUPPORTED_VERSIONS:
        raise LockfileError(
            f"unsupported version {json.dumps(version)}",
            path=path,
            key="version",
            expected="Package.resolved version 1, 2 or 3",
        )
    return data


def _component(
    pin: Any, version: int, key: str, where: SourceLocation, path: str
) -> tuple[Component, str | None]:
    if not isinstance(pin, dict):
        raise LockfileError(
            f"{json_type(pin)} found", path=path, key=key, expected="an object describing a pin"
        )
    identity: str | None
    if version == 1:
        location = _string(pin, "repositoryURL", key, path)
        package = pin.get("package")
        identity = package if isinstance(package, str) else None
        kind = "remoteSourceControl" if _is_remote(location) else "localSourceControl"
    else:
        found = pin.get("kind")
        if found not in _KINDS:
            raise LockfileError(
                f"kind {json.dumps(found)} found" if found is not None else "no kind",
                path=path,
                key=f"{key}.kind",
                expected=", ".join(_KINDS),
            )
        kind = str(found)
        identity = _string(pin, "identity", key, path)
        raw_location = pin.get("location")
        location = raw_location if isinstance(raw_location, str) else ""
        if kind != "registry" and not location:
            raise LockfileError(
                "no location", path=path, key=f"{key}.location", expected="a repository URL"
            )
    state = pin.get("state")
    if not isinstance(state, dict):
        raise LockfileError(
            f"{json_type(state)} found",
            path=path,
            key=f"{key}.state",
            expected="an object with version and revision",
        )
    release = _optional_string(state, "version", f"{key}.state", path)
    revision = _optional_string(state, "revision", f"{key}.state", path)
    branch = _optional_string(state, "branch", f"{key}.state", path)
    if release is None and revision is None:
        raise LockfileError(
            "neither a version nor a revision",
            path=path,
            key=f"{key}.state",
            expected="a version or a revision",
        )
    pinned = release or revision
    note = None
    if release is None:
        how = f"branch {branch!r}" if branch else "a revision"
        note = (
            f"{identity or location} is pinned to {how} at revision {revision}, not to a "
            "release version; the revision is used as its version"
        )

    if kind == "registry":
        # SE-0292: a registry identity is "scope.name"
        scope_name, _, name = (identity or "").partition(".")
        purl = make_purl(ECOSYSTEM, name or scope_name, pinned, namespace=scope_name or None)
        return _make(purl, identity or name, pinned, where), note
    if kind == "localSourceControl":
        name = identity or _last_segment(location)
        local = f"{identity or name} comes from the local repository {location}, not a remote one"
        purl = make_purl(ECOSYSTEM, name, pinned)
        component = _make(purl, name, pinned, where, registry=False, download_url=location)
        return component, local if note is None else f"{local}; {note}"
    namespace, repository = repository_coordinates(location)
    if not namespace or not repository:
        raise LockfileError(
            f"cannot read host/owner/repository from {location!r}",
            path=path,
            key=f"{key}.{'repositoryURL' if version == 1 else 'location'}",
            expected="a repository URL such as https://host/owner/repo.git",
        )
    purl = make_purl(ECOSYSTEM, repository, pinned, namespace=namespace)
    return _make(purl, f"{namespace}/{repository}", pinned, where), note


def repository_coordinates(url: str) -> tuple[str | None, str | None]:
    """(namespace, name) of a git URL: ``https://host/owner/Repo.git`` -> (host/owner, Repo).

    Accepts https/http/ssh/git URLs and scp-like ``git@host:owner/repo.git``; credentials and
    ports are dropped, case is kept (the purl spec's swift examples keep it).
    """
    url = strip_credentials(url.strip())
    if "://" in url:
        parts = urlsplit(url)
        host, route = parts.hostname or "", parts.path
    else:
        scp = _SCP.match(url)
        if scp is None:
            return None, None
        host, route = scp.group(1), scp.group(2)
    segments = [s for s in route.split("/") if s]
    if not host or len(segments) < 2:
        return None, None
    name = segments[-1].removesuffix(".git")
    return "/".join([host, *segments[:-1]]), name or None


def _make(
    purl: str,
    name: str,
    version: str | None,
    where: SourceLocation,
    *,
    registry: bool = True,
    download_url: str | None = None,
) -> Component:
    return Component(
        purl=purl,
        name=name,
        version=version,
        ecosystem=ECOSYSTEM,
        scope=None,
        direct=None,
        locations=(where,),
        registry=registry,
        download_url=download_url,
    )


def _is_remote(location: str) -> bool:
    return "://" in location and not location.startswith("file:") or bool(_SCP.match(location))


def _last_segment(location: str) -> str:
    return location.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git") or location


def _string(table: dict[str, Any], field: str, key: str, path: str) -> str:
    value = table.get(field)
    if not isinstance(value, str) or not value.strip():
        found = f'no "{field}"' if value is None else f"{json_type(value)} found"
        raise LockfileError(found, path=path, key=f"{key}.{field}", expected="a string")
    return value.strip()


def _optional_string(table: dict[str, Any], field: str, key: str, path: str) -> str | None:
    value = table.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise LockfileError(
            f"{json_type(value)} found", path=path, key=f"{key}.{field}", expected="a string"
        )
    return value.strip() or None


_PIN_START = re.compile(r'^\s*"(?:identity|package)"\s*:', re.MULTILINE)


def _pin_lines(text: str) -> list[int]:
    """Line of each pin's first key, in order (SwiftPM writes one key per line)."""
    lines = []
    line = 1
    last = 0
    for found in _PIN_START.finditer(text):
        line += text.count("\n", last, found.start())
        last = found.start()
        lines.append(line)
    return lines
