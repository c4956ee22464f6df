"""Package patterns and version ranges: which components an exception or a curation names.

Shared by the policy (``[[exceptions]]``) and the license stage (``[[curations]]``), so that
both match packages the same way (docs/policy.md, "Package patterns" and "Version ranges").
"""

from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from packageurl import PackageURL

_VERSION_TOKEN = re.compile(r"\d+|[a-z]+")
_CLAUSE = re.compile(r"^\s*(==|!=|>=|<=|>|<|=)?\s*([A-Za-z0-9][^\s<>=!,]*)\s*$")
# Pre-release words sort before the release, post-release words after it (PEP 440 and SemVer
# agree on the order dev < alpha < beta < rc < release < post; Maven's SNAPSHOT is a dev build).
_WORD_RANK = {
    "dev": 0,
    "snapshot": 0,
    "a": 1,
    "alpha": 1,
    "b": 2,
    "beta": 2,
    "c": 3,
    "rc": 3,
    "pre": 3,
    "preview": 3,
    "m": 3,
    "milestone": 3,
    "final": 5,
    "ga": 5,
    "release": 5,
    "post": 6,
    "patch": 6,
    "pl": 6,
    "rev": 6,
    "r": 6,
    "sp": 6,
}
_RELEASE_RANK = 5
_UNKNOWN_WORD_RANK = 4  # an unrecognised word ("next", "canary") counts as a pre-release


def version_key(version: str) -> tuple[tuple[int, int, str], ...]:
    """A sort key for a version string of any ecosystem (see docs/policy.md, version ranges).

    The version is lowercased; a leading ``v`` and ``+build`` metadata are dropped (SemVer 2.0
    section 10: build metadata does not affect precedence); the rest is split into numbers and
    words. Trailing zeros do not count (``1.0`` equals ``1.0.0``); a pre-release word sorts
    before the release (``1.0rc1`` < ``1.0``) and a post-release word after it.
    """
    text = version.strip().lower().split("+", 1)[0]
    if text.startswith("v") and text[1:2].isdigit():
        text = text[1:]
    tokens = _VERSION_TOKEN.findall(text)
    release = 0
    while release < len(tokens) and tokens[release].isdigit():
        release += 1
    numbers = [int(token) for token in tokens[:release]]
    # Trailing zeros of the release part do not count: 1.0 == 1.0.0 and 1.0rc1 == 1.0.0rc1.
    while numbers and numbers[-1] == 0:
        numbers.pop()
    parts: list[tuple[int, int, str]] = [(1, number, "") for number in numbers]
    for token in tokens[release:]:
        if token.isdigit():
            parts.append((1, int(token), ""))  # a number outranks any word at the same place
        else:
            # Known words compare by rank alone ("a" == "alpha"); others also by spelling.
            rank = _WORD_RANK.get(token)
            parts.append((0, rank, "") if rank is not None else (0, _UNKNOWN_WORD_RANK, token))
    # A trailing release word says nothing: 2.0.0.RELEASE == 2.0.0 == 2.0.0-GA.
    while parts and parts[-1][0] == 0 and parts[-1][1] == _RELEASE_RANK:
        parts.pop()
    return tuple(parts)


def compare_versions(left: str, right: str) -> int:
    """-1, 0 or 1 as ``left`` sorts before, equal to or after ``right`` (see ``version_key``)."""
    a, b = version_key(left), version_key(right)
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else None
        y = b[i] if i < len(b) else None
        if x == y:
            continue
        return 1 if _part_after(x, y) else -1
    return 0


def _part_after(x: tuple[int, int, str] | None, y: tuple[int, int, str] | None) -> bool:
    """Whether part ``x`` sorts after part ``y``; ``None`` is the end of a shorter version."""
    if x is None:
        # The other version goes on: a number (non-zero, zeros were dropped) or a post word
        # makes it later; a pre-release word makes it earlier.
        assert y is not None
        return y[0] == 0 and y[1] < _RELEASE_RANK
    if y is None:
        return x[0] == 1 or x[1] > _RELEASE_RANK
    return x > y


@dataclass(frozen=True, slots=True)
class VersionRange:
    """Comma-separated comparisons that must all hold, e.g. ``>=1.0, <2``."""

    text: str
    clauses: tuple[tuple[str, str], ...]

    @classmethod
    def parse(cls, text: str) -> VersionRange:
        """Parse ``text``; raises ``ValueError`` naming the clause that is not ``OP VERSION``."""
        clauses: list[tuple[str, str]] = []
        for raw in text.split(","):
            match = _CLAUSE.match(raw)
            if not match:
                raise ValueError(f'"{raw.strip()}" is not a version comparison')
            op = match.group(1) or "=="
            clauses.append(("==" if op == "=" else op, match.group(2)))
        return cls(text, tuple(clauses))

    def contains(self, version: str) -> bool:
        """Whether ``version`` satisfies every comparison."""
        checks = {
            "==": lambda c: c == 0,
            "!=": lambda c: c != 0,
            ">=": lambda c: c >= 0,
            "<=": lambda c: c <= 0,
            ">": lambda c: c > 0,
            "<": lambda c: c < 0,
        }
        return all(checks[op](compare_versions(version, bound)) for op, bound in self.clauses)


@dataclass(frozen=True, slots=True)
class PackagePattern:
    """Which packages an exception names: purl type, namespace and name (``*`` globs allowed)
    and optionally one exact version."""

    text: str
    type: str
    namespace: str | None
    name: str
    version: str | None = None
    _namespace_re: re.Pattern[str] = field(init=False, compare=False, repr=False)
    _name_re: re.Pattern[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # fnmatch.translate turns the globs into anchored regular expressions, compiled once:
        # every exception is tried against every component.
        compiled = re.compile(fnmatch.translate((self.namespace or "").casefold()))
        object.__setattr__(self, "_namespace_re", compiled)
        object.__setattr__(self, "_name_re", re.compile(fnmatch.translate(self.name.casefold())))

    @classmethod
    def parse(cls, text: str) -> PackagePattern:
        """Parse a purl pattern; raises ``ValueError`` saying what is wrong with it."""
        try:
            purl = PackageURL.from_string(text)
        except ValueError as exc:
            raise ValueError(str(exc).rstrip(".")) from exc
        if purl.qualifiers or purl.subpath:
            raise ValueError("qualifiers and subpaths cannot be matched")
        return cls(text, purl.type.lower(), purl.namespace, purl.name, purl.version)

    def matches(self, purl: str) -> bool:
        """Whether the component ``purl`` is one of the packages this pattern names.

        Matching is case-insensitive; the pattern's namespace and name may use ``*`` and ``?``.
        """
        parts = _purl_parts(purl)
        if parts is None:
            return False
        kind, namespace, name, version = parts
        return (
            kind == self.type
            and self._name_re.match(name) is not None
            and self._namespace_re.match(namespace) is not None
            and (self.version is None or version == self.version)
        )


# Sized for large monorepos: every pattern is tried against every component, so a cache
# smaller than the number of distinct purls would miss on every call.
@functools.lru_cache(maxsize=1 << 17)
def _purl_parts(purl: str) -> tuple[str, str, str, str | None] | None:
    """(type, namespace, name, version) of a purl, casefolded for matching; None if invalid.

    Components carry canonical purls (built by packageurl-python), so they are split here by
    the purl grammar directly, which is about ten times cheaper than parsing them again.
    """
    if not purl.startswith("pkg:"):
        return None
    body = purl[4:].split("#", 1)[0].split("?", 1)[0]
    version: str | None = None
    if "@" in body:
        body, version = body.rsplit("@", 1)
        version = unquote(version)
    kind, _, rest = body.partition("/")
    if not kind or not rest:
        return None
    namespace, _, name = rest.rpartition("/")
    return kind.lower(), unquote(namespace).casefold(), unquote(name).casefold(), version
