"""Shared helpers for the Python lockfile parsers: names, purls, requirements, shape errors."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from ospo_scan.errors import LockfileError
from ospo_scan.model import SourceLocation
from ospo_scan.sources.base import make_purl, strip_credentials

ECOSYSTEM = "pypi"

# PEP 508 "names": letters and digits, with ".", "_" and "-" allowed inside.
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_NAME_RE = re.compile(rf"^{_NAME}$")
_REQUIREMENT_HEAD = re.compile(rf"^({_NAME})\s*(\[[^\]]*\])?\s*")
_SEPARATORS = re.compile(r"[-_.]+")
# PEP 440 comparison operators, longest first so that "===" is not read as "==" + "=".
_CLAUSE = re.compile(r"^(===|~=|==|!=|<=|>=|<|>)\s*([A-Za-z0-9_.*+!-]+)$")
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_VCS_PREFIXES = ("git+", "hg+", "svn+", "bzr+")
_ARCHIVE_SUFFIXES = (
    ".whl",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz",
    ".tar.xz",
    ".txz",
    ".tar",
    ".zip",
)


def normalize_name(name: str) -> str:
    """Return the PEP 503 normalized form of a project name (lowercase, runs of -_. -> "-")."""
    return _SEPARATORS.sub("-", name).lower()


def is_valid_name(name: str) -> bool:
    """Whether ``name`` is a valid project name per PEP 508."""
    return bool(_NAME_RE.match(name))


def pypi_purl(name: str, version: str | None, qualifiers: Mapping[str, str] | None = None) -> str:
    """Return the canonical ``pkg:pypi`` purl: the name PEP 503 normalized, the version as written.

    The purl type definition for pypi says names are case-insensitive with runs of "-", "_"
    and "." replaced by one "-"; packageurl-python only lowercases, so we normalize here.
    """
    return make_purl(ECOSYSTEM, normalize_name(name), version, qualifiers=dict(qualifiers or {}))


@cache
def _default_index_host() -> str | None:
    """The host of the default PyPI repository, as packageurl-python knows it (no host in code)."""
    from packageurl.contrib import purl2url

    repo_url: Callable[[str], str | None] = purl2url.get_repo_url
    url = repo_url("pkg:pypi/sample@1.0.0")
    return urlsplit(url).hostname if url else None


def default_index_url() -> str | None:
    """The simple-API URL (PEP 503) of the default PyPI repository, or ``None`` if unknown."""
    host = _default_index_host()
    return f"https://{host}/simple" if host else None


def is_default_index(url: str) -> bool:
    """Whether an index URL points at the default PyPI repository (its host, or ``www.`` of it)."""
    host = urlsplit(url).hostname if _URL_SCHEME.match(url) else None
    default = _default_index_host()
    if not host or not default:
        return False
    return host == default or host == f"www.{default}"


def index_qualifiers(index_url: str | None) -> dict[str, str]:
    """The purl qualifiers for a package served by ``index_url``.

    The purl spec's ``repository_url`` qualifier names a non-default repository; packages from
    the default PyPI index get none, so their purls compare equal across lockfile formats.
    """
    if not index_url or is_default_index(index_url):
        return {}
    return {"repository_url": strip_credentials(index_url).rstrip("/")}


def vcs_qualifiers(url: str) -> dict[str, str]:
    """The ``vcs_url`` purl qualifier for a package built from a VCS URL (credentials stripped)."""
    return {"vcs_url": strip_credentials(url)}


def download_qualifiers(url: str) -> dict[str, str]:
    """The ``download_url`` purl qualifier for a package downloaded from an archive URL."""
    return {"download_url": strip_credentials(url)}


def parse_hash(value: object) -> tuple[str, str] | None:
    """Split ``"sha256:abc"`` into ``("sha256", "abc")``; ``None`` for anything else."""
    if not isinstance(value, str) or ":" not in value:
        return None
    algorithm, _, digest = value.partition(":")
    algorithm, digest = algorithm.strip().lower(), digest.strip()
    if not algorithm or not digest:
        return None
    return algorithm, digest


def collect_hashes(values: Iterable[object]) -> tuple[tuple[str, str], ...]:
    """Parse every ``alg:digest`` string in ``values``; duplicates and junk are dropped."""
    found = (parse_hash(v) for v in values)
    return tuple(dict.fromkeys(h for h in found if h is not None))


def file_hashes(files: object) -> tuple[tuple[str, str], ...]:
    """Hashes of a Poetry/PDM/uv ``files`` list (``[{file = ..., hash = "sha256:..."}]``)."""
    if not isinstance(files, list):
        return ()
    return collect_hashes(f.get("hash") for f in files if isinstance(f, dict))


def is_url(text: str) -> bool:
    """Whether ``text`` starts with a URL scheme (``https://``, ``git+ssh://``, ``file://``)."""
    return bool(_URL_SCHEME.match(text))


def is_vcs_url(text: str) -> bool:
    """Whether ``text`` is a pip VCS URL (``git+https://...``, ``hg+...``, ``svn+...``)."""
    return text.lower().startswith(_VCS_PREFIXES)


def is_archive_name(text: str) -> bool:
    """Whether ``text`` ends like a distribution file (wheel or sdist)."""
    return text.lower().endswith(_ARCHIVE_SUFFIXES)


def name_version_from_filename(filename: str) -> tuple[str, str] | None:
    """(name, version) from a wheel or sdist file name, or ``None`` when it is neither.

    Wheels are ``{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`` (the binary
    distribution format spec); sdists are ``{name}-{version}.tar.gz`` where older sdists may
    have dashes in the name, so the version starts after the last dash followed by a digit.
    """
    base = filename.rsplit("/", 1)[-1]
    lower = base.lower()
    if lower.endswith(".whl"):
        parts = base[:-4].split("-")
        if len(parts) in (5, 6) and parts[0] and parts[1]:
            return parts[0], parts[1]
        return None
    for suffix in _ARCHIVE_SUFFIXES:
        if lower.endswith(suffix):
            stem = base[: -len(suffix)]
            found = re.match(r"^(.+?)-(\d[^-]*)$", stem)
            if found:
                return found.group(1), found.group(2)
            return None
    return None


@dataclass(frozen=True, slots=True)
class Requirement:
    """One PEP 508 requirement: ``name[extras] specifiers ; marker`` or ``name @ url ; marker``."""

    name: str
    extras: tuple[str, ...] = ()
    specifiers: tuple[tuple[str, str], ...] = ()
    url: str | None = None
    marker: str | None = None

    @property
    def pinned_version(self) -> str | None:
        """The exact version when a clause pins one (``==1.2`` or ``===1.2``), else ``None``.

        A ``==`` clause with a ``*`` wildcard (``==1.*``) matches many versions: not a pin.
        """
        for operator, version in self.specifiers:
            if operator == "===" or (operator == "==" and "*" not in version):
                return version
        return None


def parse_requirement(text: str) -> Requirement:
    """Parse a PEP 508 requirement string; raise ``ValueError`` saying what is wrong.

    Only the parts a scanner needs are checked: the name, extras, version clauses and the URL;
    the marker is kept as text (PEP 508: a URL requirement needs whitespace before ``;``, since
    a URL may contain ``;``).
    """
    text = text.strip()
    head = _REQUIREMENT_HEAD.match(text)
    if head is None:
        raise ValueError("no valid project name")
    name = head.group(1)
    extras = _parse_extras(head.group(2))
    rest = text[head.end() :]
    if rest.startswith("["):
        raise ValueError("unclosed extras")
    if rest.startswith("@"):
        parts = re.split(r"\s+;", rest[1:].strip(), maxsplit=1)
        url = parts[0].strip()
        marker = parts[1].strip() if len(parts) > 1 else ""
        if not url:
            raise ValueError("no URL after '@'")
        return Requirement(name, extras, (), url, marker or None)
    spec, _, marker = rest.partition(";")
    spec = spec.strip()
    if spec.startswith("(") and spec.endswith(")"):
        spec = spec[1:-1].strip()
    clauses: list[tuple[str, str]] = []
    if spec:
        for clause in spec.split(","):
            found = _CLAUSE.match(clause.strip())
            if found is None:
                raise ValueError(f"invalid version clause {clause.strip()!r}")
            clauses.append((found.group(1), found.group(2)))
    return Requirement(name, extras, tuple(clauses), None, marker.strip() or None)


def _parse_extras(group: str | None) -> tuple[str, ...]:
    if not group:
        return ()
    items = [item.strip() for item in group[1:-1].split(",")]
    extras = tuple(item for item in items if item)
    for extra in extras:
        if not is_valid_name(extra):
            raise ValueError(f"invalid extra {extra!r}")
    return extras


def requirement_name(text: str) -> str | None:
    """The normalized project name at the start of a requirement string, or ``None``."""
    head = _REQUIREMENT_HEAD.match(text.strip())
    return normalize_name(head.group(1)) if head else None


# --- shape errors for TOML lockfiles -------------------------------------------------------


def table_lines(text: str, header: str) -> list[int]:
    """The 1-based line numbers of every ``header`` line (``[[package]]``), in order.

    tomllib gives no positions after a successful parse; counting the array-of-tables headers
    (a linear scan) lets shape errors about the n-th package name its line.
    """
    return [number for number, line in enumerate(text.splitlines(), 1) if line.strip() == header]


class ShapeErrors:
    """Builds ``LockfileError``s for well-formed TOML/JSON with the wrong shape.

    ``lines`` maps an index of the top-level array (``package[3]``) to its line, when known.
    """

    def __init__(self, path: str, lines: Sequence[int] = ()) -> None:
        self.path = path
        self.lines = lines

    def error(
        self, key: str, problem: str, expected: str, index: int | None = None
    ) -> LockfileError:
        """A ``LockfileError`` for the value at ``key`` (of array item ``index`` when given)."""
        line = self.lines[index] if index is not None and 0 <= index < len(self.lines) else None
        if line is not None:
            return LockfileError(f"{key}: {problem}", path=self.path, line=line, expected=expected)
        return LockfileError(problem, path=self.path, key=key, expected=expected)

    def location(self, index: int, array: str = "package") -> SourceLocation:
        """Where item ``index`` of the top-level array starts: its line, else its key path."""
        if 0 <= index < len(self.lines):
            return SourceLocation(self.path, self.lines[index])
        return SourceLocation(self.path, key=f"{array}[{index}]")

    def string(self, table: Mapping[str, Any], field: str, key: str, index: int | None) -> str:
        """The non-empty string ``table[field]``, or a ``LockfileError`` naming ``key.field``."""
        value = table.get(field)
        if value is None:
            raise self.error(f"{key}.{field}", f'no "{field}"', "a string", index)
        if not isinstance(value, str):
            raise self.error(f"{key}.{field}", f"{type(value).__name__} found", "a string", index)
        if not value.strip():
            raise self.error(f"{key}.{field}", "empty string", f"a non-empty {field}", index)
        return value

    def optional_string(
        self, table: Mapping[str, Any], field: str, key: str, index: int | None
    ) -> str | None:
        """``table[field]`` when it is a string, ``None`` when absent, else a ``LockfileError``."""
        if table.get(field) is None:
            return None
        return self.string(table, field, key, index)

    def table_list(self, value: object, key: str, expected: str) -> list[dict[str, Any]]:
        """``value`` as a list of tables, or a ``LockfileError`` naming the first bad item."""
        if not isinstance(value, list):
            raise self.error(key, f"{type(value).__name__} found", expected)
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise self.error(
                    f"{key}[{index}]", f"{type(item).__name__} found", "a table", index
                )
        return value

    def version_in(
        self,
        value: object,
        supported: Iterable[int],
        key: str,
        what: str,
        expected: str | None = None,
    ) -> int | None:
        """The major number of a lock format version (``"2.1"``, ``4``, ``"4.5.1"``).

        Returns ``None`` when absent; raises ``LockfileError`` when it is not a version or its
        major number is not one of ``supported``.
        """
        if value is None:
            return None
        text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
        found = re.match(r"^\s*(\d+)(?:\.\d+)*\s*$", text)
        majors = tuple(supported)
        wanted = expected or f"{what} " + " or ".join(f"{m}.x" for m in majors)
        if found is None:
            raise self.error(key, f"{value!r} is not a version", wanted)
        major = int(found.group(1))
        if major not in majors:
            raise self.error(key, f"unsupported {what} {text.strip()}", wanted)
        return major
