"""The policy as data: license lists, levels, scope caps, exceptions and the rules that judge."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from ospo_scan.model import AppliedException, Scope, Severity, Verdict
from ospo_scan.patterns import PackagePattern, VersionRange

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
