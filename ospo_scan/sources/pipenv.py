"""Parser for ``Pipfile.lock`` (pipfile-spec 6 and earlier): JSON written by pipenv.

The top level holds ``_meta`` (hash, pipfile-spec, package ``sources``) and one object per
package category: ``default`` (installed by ``pipenv install``), ``develop`` (``--dev``) and,
since pipenv 2023, any custom category named in the Pipfile. Each entry maps a package name to
``{"version": "==1.2.3", "hashes": [...], "markers": ..., "index": ...}``, or to a VCS / path /
file entry (``"git"``, ``"path"``, ``"file"`` ...) without an index pin. The lock does not
record which packages the Pipfile declares, nor the dependency graph: ``direct`` is None.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from ospo_scan.model import Component, Diagnostic, ParseResult, Scope, SourceLocation
from ospo_scan.sources.base import finish, strip_credentials
from ospo_scan.sources.decode import load_json
from ospo_scan.sources.python import (
    ECOSYSTEM,
    ShapeErrors,
    collect_hashes,
    download_qualifiers,
    index_qualifiers,
    is_url,
    is_valid_name,
    normalize_name,
    pypi_purl,
    vcs_qualifiers,
)

_VCS_KEYS = ("git", "hg", "svn", "bzr")
# Custom categories (pipenv >= 2023.x) are groups a plain install leaves out: like "develop".
_SCOPES = {"default": Scope.REQUIRED, "develop": Scope.DEV}


class PipfileLockParser:
    """``Pipfile.lock`` files."""

    format: str = "pipfile-lock"
    ecosystem: str = ECOSYSTEM
    patterns: tuple[str, ...] = ("Pipfile.lock",)

    def parse(self, text: str, path: str) -> ParseResult:
        """Return one component per entry of every category; a purl in several categories
        keeps the strongest scope (``finish`` merges them).

        Raises ``LockfileError`` for invalid JSON, a top level that is not an object with
        ``_meta`` / ``default`` / ``develop``, a pipfile-spec newer than 6, an entry that is
        not an object, or an index entry whose version is not a ``"==..."`` string.
        """
        data = load_json(text, path)
        shapes = ShapeErrors(path)
        if not isinstance(data, dict):
            raise shapes.error("(top level)", f"{type(data).__name__} found", "a JSON object")
        if not any(key in data for key in ("_meta", "default", "develop")):
            raise shapes.error(
                "(top level)",
                'no "_meta", "default" or "develop" key',
                "a Pipfile.lock written by pipenv",
            )
        meta = data.get("_meta", {})
        if not isinstance(meta, dict):
            raise shapes.error("_meta", f"{type(meta).__name__} found", "an object")
        # pipfile-spec 6 is current (pipenv 2018 to today); earlier specs share its shape
        shapes.version_in(
            meta.get("pipfile-spec"),
            range(1, 7),
            "_meta.pipfile-spec",
            "pipfile-spec",
            expected="pipfile-spec 6 or earlier",
        )
        sources = _sources(meta.get("sources"))
        lines = _entry_lines(text)

        components: list[Component] = []
        diagnostics: list[Diagnostic] = []
        for category, packages in data.items():
            if category.startswith("_"):
                continue
            if not isinstance(packages, dict):
                raise shapes.error(
                    _key(category), f"{type(packages).__name__} found", "an object of packages"
                )
            scope = _SCOPES.get(category, Scope.DEV)
            for name, entry in packages.items():
                key = _key(category, name)
                if not isinstance(entry, dict):
                    raise shapes.error(key, f"{type(entry).__name__} found", "an object")
                if not is_valid_name(name):
                    raise shapes.error(key, "invalid package name", "a PEP 508 project name")
                location = SourceLocation(path, lines.get((category, name)), key=key)
                component = _component(name, entry, key, scope, location, sources, shapes)
                if component is None:
                    continue
                if not component.registry:
                    where = component.download_url or _local_path(entry)
                    diagnostics.append(
                        Diagnostic(
                            location,
                            f'"{component.name}" comes from {where}, not from a package index',
                        )
                    )
                components.append(component)
        return finish(components, diagnostics)


def _key(category: str, name: str | None = None) -> str:
    return f"{category}[{json.dumps(name)}]" if name is not None else category


def _sources(value: object) -> dict[str, str]:
    """Index name -> URL from ``_meta.sources``; the first source is also the default (``""``)."""
    out: dict[str, str] = {}
    if not isinstance(value, list):
        return out
    for source in value:
        if isinstance(source, dict) and isinstance(source.get("url"), str):
            if isinstance(source.get("name"), str):
                out.setdefault(source["name"], source["url"])
            out.setdefault("", source["url"])
    return out


def _component(
    name: str,
    entry: dict[str, Any],
    key: str,
    scope: Scope,
    location: SourceLocation,
    sources: dict[str, str],
    shapes: ShapeErrors,
) -> Component | None:
    """The component for one entry; ``None`` for the project's own folder (``"path": "."``).

    VCS, URL and local path entries have no index pin: they become ``registry=False``
    components. Raises ``LockfileError`` for an index entry without a ``"==..."`` version.
    """
    version = shapes.optional_string(entry, "version", key, None)
    raw_hashes = entry.get("hashes")
    base = Component(
        purl="",
        name=normalize_name(name),
        version=_pinned(version),
        ecosystem=ECOSYSTEM,
        scope=scope,
        direct=None,
        locations=(location,),
        hashes=collect_hashes(raw_hashes) if isinstance(raw_hashes, list) else (),
        registry=False,
    )
    vcs = next((k for k in _VCS_KEYS if isinstance(entry.get(k), str)), None)
    file_url = entry.get("file")
    local = entry.get("path") if isinstance(entry.get("path"), str) else file_url
    if vcs is not None:
        ref = entry.get("ref")
        url = entry[vcs] if "+" in entry[vcs].split("://")[0] else f"{vcs}+{entry[vcs]}"
        url = strip_credentials(f"{url}@{ref}" if isinstance(ref, str) and ref else url)
        purl = pypi_purl(name, base.version, vcs_qualifiers(url))
        return replace(base, purl=purl, download_url=url)
    if isinstance(file_url, str) and is_url(file_url) and not file_url.startswith("file:"):
        url = strip_credentials(file_url)
        purl = pypi_purl(name, base.version, download_qualifiers(url))
        return replace(base, purl=purl, download_url=url)
    if isinstance(local, str):  # a folder or an archive on this machine
        if local.strip().rstrip("/\\") in ("", "."):
            return None  # the project itself, installed from its own folder
        return replace(base, purl=pypi_purl(name, base.version))
    if version is None:
        raise shapes.error(f"{key}.version", 'no "version"', 'a pin such as "==1.2.3"')
    if base.version is None:
        raise shapes.error(
            f"{key}.version", f"{json.dumps(version)} is not a pin", 'a pin such as "==1.2.3"'
        )
    index = entry.get("index")
    index_url = sources.get(index if isinstance(index, str) else "", sources.get(""))
    purl = pypi_purl(name, base.version, index_qualifiers(index_url))
    return replace(base, purl=purl, registry=True)


def _pinned(version: str | None) -> str | None:
    """``"==1.2.3"`` / ``"===1.2.3"`` -> ``"1.2.3"``; ``None`` for anything else (``"*"``)."""
    if version is None:
        return None
    text = version.strip()
    for operator in ("===", "=="):
        if text.startswith(operator):
            pinned = text[len(operator) :].strip()
            return pinned if pinned and "*" not in pinned else None
    return None


def _local_path(entry: dict[str, Any]) -> str:
    value = entry.get("path") or entry.get("file")
    return f"the local path {value}" if isinstance(value, str) else "a local path"


def _entry_lines(text: str) -> dict[tuple[str, str], int]:
    """Line of each ``"name": {`` entry inside its category, by a linear scan of the text.

    Pipenv writes one key per line with four-space indents (categories at 4, packages at 8),
    so the line of an entry can be found without a position-tracking JSON parser; a file
    laid out otherwise just gets key paths without lines.
    """
    out: dict[tuple[str, str], int] = {}
    category: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.rstrip().endswith("{"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        stripped = line.strip()
        if not stripped.startswith('"'):
            continue
        try:
            key = json.loads(stripped[: stripped.rindex(":")])
        except (ValueError, json.JSONDecodeError):
            continue
        if not isinstance(key, str):
            continue
        if indent == 4:
            category = key
        elif indent == 8 and category is not None:
            out.setdefault((category, key), number)
    return out
