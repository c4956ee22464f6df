"""The policy as data: license lists, levels, scope caps, exceptions and the rules that judge."""

from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol
from urllib.parse import unquote

from packageurl import PackageURL

from ospo_scan.model import AppliedException, Scope, Severity, Verdict

if TYPE_CHECKING:
    from ospo_scan.licenses.curations import Curation


class Level(StrEnum):
    """How loudly the policy reports something: a finding's severity, or nothing at all."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    IGNORE = "ignore"

    @property
    def severity(self) -> Severity | None:
        """The finding severity this level raises; ``None`` for ``ignore`` (no finding)."""
        return None if self is Level.IGNORE else Severity(self.value)


class ListName(StrEnum):
    """The three license lists, and the verdict and rule each one stands for."""

    ALLOW = "allow"
    REVIEW = "review"
    DENY = "deny"


# What an explicit or category listing decides: verdict, severity and the rule id it fires.
LIST_OUTCOME: dict[ListName, tuple[Verdict, Severity | None, str | None]] = {
    ListName.ALLOW: (Verdict.ALLOW, None, None),
    ListName.REVIEW: (Verdict.REVIEW, Severity.WARNING, "license-review"),
    ListName.DENY: (Verdict.DENY, Severity.ERROR, "license-denied"),
}

# A known license in no list: the `default` level decides how it is reported.
DEFAULT_VERDICT = {
    Level.ERROR: Verdict.DENY,
    Level.WARNING: Verdict.REVIEW,
    Level.INFO: Verdict.ALLOW,
    Level.IGNORE: Verdict.ALLOW,
}


@dataclass(frozen=True, slots=True)
class LicenseVerdict:
    """What one rule decided for one license (a leaf of an SPDX expression).

    ``license`` is the license as written in the expression (``X`` or ``X WITH E``);
    ``severity`` and ``rule`` are ``None`` when nothing is to be reported; ``why`` says which
    part of the policy decided (``listed in licenses.deny``).
    """

    license: str
    verdict: Verdict
    severity: Severity | None
    rule: str | None
    why: str


class LicenseRule(Protocol):
    """One step of the policy's decision chain: a verdict for a license, or ``None`` to pass on.

    ``key`` is the canonical license id (or ``LicenseRef-...``), ``exception`` the canonical
    SPDX exception id of a ``WITH`` clause, ``category`` the license's category.
    """

    def judge(self, key: str, exception: str | None, category: str) -> LicenseVerdict | None: ...


def render_license(key: str, exception: str | None) -> str:
    """The SPDX text of one license: ``key`` or ``key WITH exception``."""
    return f"{key} WITH {exception}" if exception else key


@dataclass(frozen=True, slots=True)
class ExplicitRule:
    """Licenses named in ``allow``/``review``/``deny``; a listed ``X WITH E`` pair wins over X."""

    lists: dict[str, ListName]  # casefolded license (or "X WITH E") -> list

    def judge(self, key: str, exception: str | None, category: str) -> LicenseVerdict | None:
        # SPDX matching is case-insensitive (SPDX spec 2.3, annex D: "License identifiers ...
        # should be matched in a case-insensitive manner").
        license = render_license(key, exception)
        candidates = [license, key] if exception else [key]
        for candidate in candidates:
            listed = self.lists.get(candidate.casefold())
            if listed is not None:
                verdict, severity, rule = LIST_OUTCOME[listed]
                return LicenseVerdict(
                    license, verdict, severity, rule, f"listed in licenses.{listed}"
                )
        return None


@dataclass(frozen=True, slots=True)
class UnknownRule:
    """Licenses that are not SPDX (``LicenseRef-...``): the ``unknown`` level decides."""

    level: Level

    def judge(self, key: str, exception: str | None, category: str) -> LicenseVerdict | None:
        if category != "unknown":
            return None
        return LicenseVerdict(
            render_license(key, exception),
            Verdict.UNKNOWN,
            self.level.severity,
            "license-unknown",
            f'unknown = "{self.level}"',
        )


@dataclass(frozen=True, slots=True)
class CategoryRule:
    """Licenses whose category is named in ``allow-categories`` and its siblings."""

    lists: dict[str, ListName]  # category -> list

    def judge(self, key: str, exception: str | None, category: str) -> LicenseVerdict | None:
        listed = self.lists.get(category)
        if listed is None:
            return None
        verdict, severity, rule = LIST_OUTCOME[listed]
        why = f"category {category} is in {listed}-categories"
        return LicenseVerdict(render_license(key, exception), verdict, severity, rule, why)


@dataclass(frozen=True, slots=True)
class DefaultRule:
    """The last step: a known license that no list or category names."""

    level: Level

    def judge(self, key: str, exception: str | None, category: str) -> LicenseVerdict:
        why = f'category {category} is in no list; default = "{self.level}"'
        return LicenseVerdict(
            render_license(key, exception),
            DEFAULT_VERDICT[self.level],
            self.level.severity,
            "license-not-allowed",
            why,
        )


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


@dataclass(frozen=True, slots=True)
class PolicyException:
    """One approval: packages it covers, optional versions and licenses, who, why, until when.

    ``index`` is its position among the policy's ``[[exceptions]]`` (0-based), for messages.
    An exception is valid through its ``expires`` day.
    """

    index: int
    package: PackagePattern
    reason: str
    approved_by: str
    expires: date
    versions: VersionRange | None = None
    licenses: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """How messages name it: ``exceptions[0] (pkg:npm/left-pad)``."""
        return f"exceptions[{self.index}] ({self.package.text})"

    def expired(self, today: date) -> bool:
        """Whether the exception no longer applies on ``today``."""
        return today > self.expires

    def matches(self, purl: str, version: str | None) -> bool:
        """Whether the exception names this component (package pattern and version range)."""
        if not self.package.matches(purl):
            return False
        if self.versions is None:
            return True
        return version is not None and self.versions.contains(version)

    def covers(self, license: str, key: str) -> bool:
        """Whether it excuses ``license`` (``X`` or ``X WITH E``, whose plain id is ``key``)."""
        if not self.licenses:
            return True
        listed = {item.casefold() for item in self.licenses}
        return license.casefold() in listed or key.casefold() in listed

    def applied(self) -> AppliedException:
        """The exception as the model records it on findings."""
        return AppliedException(
            purl=self.package.text,
            reason=self.reason,
            approved_by=self.approved_by,
            expires=self.expires,
            version=self.versions.text if self.versions else None,
            licenses=self.licenses,
        )


@dataclass(frozen=True, slots=True)
class Policy:
    """An organization's license policy (see docs/policy.md for every key).

    License lists hold canonical SPDX ids, ``LicenseRef-...`` ids or ``X WITH E`` pairs;
    category lists hold names from ``licenses.categories.CATEGORIES``. ``scopes`` caps the
    severity of findings for dev and optional dependencies (``error``: no cap).
    ``min_confidence`` (0 to 1; 0: off) is the confidence below which a resolved license
    counts as unknown; ``curations`` are the license corrections the policy carries (inline
    and from the files it names), in file order.
    """

    name: str
    path: str | None = None
    description: str | None = None
    version: str | None = None
    allow: tuple[str, ...] = ()
    review: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    allow_categories: tuple[str, ...] = ()
    review_categories: tuple[str, ...] = ()
    deny_categories: tuple[str, ...] = ()
    default: Level = Level.ERROR
    unknown: Level = Level.ERROR
    unresolved: Level = Level.ERROR
    scopes: tuple[tuple[Scope, Level], ...] = ()
    exceptions: tuple[PolicyException, ...] = ()
    min_confidence: float = 0.0
    curations: tuple[Curation, ...] = ()
    rules: tuple[LicenseRule, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        explicit = {
            item.casefold(): listed
            for listed, items in (
                (ListName.ALLOW, self.allow),
                (ListName.REVIEW, self.review),
                (ListName.DENY, self.deny),
            )
            for item in items
        }
        categories = {
            item: listed
            for listed, items in (
                (ListName.ALLOW, self.allow_categories),
                (ListName.REVIEW, self.review_categories),
                (ListName.DENY, self.deny_categories),
            )
            for item in items
        }
        # The decision chain (docs/policy.md, "How a license is judged"): explicit ids, then
        # the unknown setting for non-SPDX licenses, then categories, then the default.
        rules: tuple[LicenseRule, ...] = (
            ExplicitRule(explicit),
            UnknownRule(self.unknown),
            CategoryRule(categories),
            DefaultRule(self.default),
        )
        object.__setattr__(self, "rules", rules)

    def scope_level(self, scope: Scope | None) -> Level:
        """The most severe level a component of ``scope`` may raise (``ignore``: none at all).

        Components whose scope the lockfile cannot tell count as required.
        """
        for listed, level in self.scopes:
            if listed is scope:
                return level
        return Level.ERROR

    def judge(self, key: str, exception: str | None, category: str) -> LicenseVerdict:
        """The verdict for one license: the first rule of the chain that decides."""
        for rule in self.rules:
            decided = rule.judge(key, exception, category)
            if decided is not None:
                return decided
        raise AssertionError("DefaultRule always decides")  # pragma: no cover
