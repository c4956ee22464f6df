"""Judge components against a policy: expression semantics, exceptions, scopes, findings."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ospo_scan.model import (
    SEVERITY_RANK,
    AppliedException,
    Component,
    Finding,
    Resolution,
    ScannedComponent,
    Scope,
    Severity,
    Verdict,
)
from ospo_scan.policy.model import Level, LicenseVerdict, Policy, PolicyException

if TYPE_CHECKING:
    from ospo_scan.licenses.normalize import LicenseNode

# Worse verdicts rank higher; severities rank first (an allowed-with-info license beats a
# license under review), so "best" and "worst" follow what a finding would say.
VERDICT_RANK = {
    Verdict.ALLOW: 0,
    Verdict.EXCEPTED: 1,
    Verdict.REVIEW: 2,
    Verdict.UNKNOWN: 3,
    Verdict.UNRESOLVED: 4,
    Verdict.DENY: 5,
}
# Findings whose license an exception can excuse.
EXCUSABLE = (Severity.WARNING, Severity.ERROR)
LICENSE_RULES = (
    "license-denied",
    "license-not-allowed",
    "license-review",
    "license-unknown",
    "license-low-confidence",
    "license-unresolved",
)
MAX_EVIDENCE = 60
# Resolution.source and Evidence.source of an answer set by a curation (licenses/curations.py).
CURATION_SOURCE = "curation"


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The policy's answer for a scan: every component with its verdict, and the findings.

    ``components`` are sorted by purl, ``findings`` by (purl, rule, message); findings about
    the policy itself (stale or expired exceptions) have no purl and come first.
    """

    components: tuple[ScannedComponent, ...]
    findings: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class _Judged:
    """One license of a component's expression, judged, after exceptions."""

    key: str
    decided: LicenseVerdict
    excepted_by: PolicyException | None = None
    expired: tuple[PolicyException, ...] = ()

    @property
    def verdict(self) -> Verdict:
        return Verdict.EXCEPTED if self.excepted_by is not None else self.decided.verdict

    @property
    def severity(self) -> Severity | None:
        return Severity.INFO if self.excepted_by is not None else self.decided.severity

    @property
    def rank(self) -> tuple[int, int]:
        severity = SEVERITY_RANK[self.severity] if self.severity else 0
        return (severity, VERDICT_RANK[self.verdict])


@dataclass(frozen=True, slots=True)
class _Choice:
    """The licenses chosen from (part of) an expression: every OR resolved to its best side."""

    leaves: tuple[_Judged, ...]
    had_choice: bool

    @property
    def rank(self) -> tuple[int, int]:
        return max(leaf.rank for leaf in self.leaves)

    @property
    def problems(self) -> int:
        return sum(1 for leaf in self.leaves if leaf.severity is not None)


@dataclass
class _ExceptionUse:
    """What happened to one exception during the scan, for the stale/expired report."""

    applied: bool = False
    expired_reported: bool = False
    matched: list[str] = field(default_factory=list)  # purls it named (that needed nothing)
    matched_ignored: bool = False


def evaluate(
    policy: Policy,
    items: Sequence[tuple[Component, Resolution]],
    *,
    today: date,
    include_dev: bool = True,
) -> Evaluation:
    """Judge every (component, resolution) pair against ``policy`` as of ``today``.

    Returns an ``Evaluation``. With ``include_dev=False`` dev components are ``IGNORED``.
    Never raises for a component: an expression that cannot be parsed counts as unknown.
    """
    uses = {exception.index: _ExceptionUse() for exception in policy.exceptions}
    components: list[ScannedComponent] = []
    findings: list[Finding] = []
    for component, resolution in items:
        scanned, found = _evaluate_one(policy, component, resolution, today, include_dev, uses)
        components.append(scanned)
        findings.extend(found)
    findings.extend(_policy_findings(policy, uses, today))
    components.sort(key=lambda c: c.component.purl)
    findings.sort(key=lambda f: (f.purl or "", f.rule, f.message))
    return Evaluation(tuple(components), tuple(findings))


def _evaluate_one(
    policy: Policy,
    component: Component,
    resolution: Resolution,
    today: date,
    include_dev: bool,
    uses: dict[int, _ExceptionUse],
) -> tuple[ScannedComponent, list[Finding]]:
    candidates = [e for e in policy.exceptions if e.matches(component.purl, component.version)]
    cap = policy.scope_level(component.scope)
    if cap is Level.IGNORE or (component.scope is Scope.DEV and not include_dev):
        for exception in candidates:
            uses[exception.index].matched_ignored = True
        return ScannedComponent(component, resolution, Verdict.IGNORED), []

    choice = _choose(policy, resolution, candidates, today)
    elected = _render(choice.leaves) if choice.had_choice else None
    low = _low_confidence(policy, resolution, candidates, today)
    if low is not None:
        # As if the expression were "(EXPRESSION) AND <low confidence>": the answer can only
        # get stricter, so a denied license stays denied and an allowed one becomes unknown.
        choice = _Choice((*choice.leaves, low), choice.had_choice)
    worst = max(choice.leaves, key=lambda leaf: leaf.rank)
    for leaf in choice.leaves:
        if leaf.excepted_by is not None:
            uses[leaf.excepted_by.index].applied = True
        for exception in leaf.expired:
            uses[exception.index].expired_reported = True
    for exception in candidates:
        uses[exception.index].matched.append(component.purl)
    scanned = ScannedComponent(component, resolution, worst.verdict, elected)
    return scanned, _findings(component, resolution, choice, elected, cap)


def _choose(
    policy: Policy,
    resolution: Resolution,
    candidates: list[PolicyException],
    today: date,
) -> _Choice:
    """Judge the resolution's expression: OR takes the best side, AND keeps every license."""
    if resolution.expression is None:
        reason = resolution.reason or "no license found"
        level = policy.unresolved
        decided = LicenseVerdict(
            "",
            Verdict.UNRESOLVED,
            level.severity,
            "license-unresolved",
            f"{reason}; {_setting('unresolved', level)}",
        )
        return _Choice((_excuse("", decided, candidates, today),), had_choice=False)
    tree = _parse(resolution.expression)
    if tree is None:
        # A resolver should only hand over valid expressions; if not, never read it as allowed.
        level = policy.unknown
        decided = LicenseVerdict(
            resolution.expression,
            Verdict.UNKNOWN,
            level.severity,
            "license-unknown",
            _setting("unknown", level),
        )
        # The empty key marks a judgement of the whole expression, not of one license in it.
        return _Choice((_excuse("", decided, candidates, today),), had_choice=False)
    return _choose_node(policy, tree, candidates, today)


def _choose_node(
    policy: Policy, node: LicenseNode, candidates: list[PolicyException], today: date
) -> _Choice:
    from ospo_scan.licenses.normalize import AllOf, AnyOf

    if isinstance(node, AllOf):
        parts = [_choose_node(policy, item, candidates, today) for item in node.items]
        leaves = tuple(leaf for part in parts for leaf in part.leaves)
        return _Choice(leaves, any(part.had_choice for part in parts))
    if isinstance(node, AnyOf):
        options = [_choose_node(policy, item, candidates, today) for item in node.items]
        # The best option wins: lowest worst-rank, then fewest problems, then the first written.
        best = min(range(len(options)), key=lambda i: (options[i].rank, options[i].problems, i))
        return _Choice(options[best].leaves, had_choice=True)
    key, category = _classify(node.key)
    decided = policy.judge(key, node.exception, category)
    return _Choice((_excuse(key, decided, candidates, today),), had_choice=False)


def _low_confidence(
    policy: Policy, resolution: Resolution, candidates: list[PolicyException], today: date
) -> _Judged | None:
    """A judgement of the whole answer when it is less confident than ``min-confidence``
    (docs/policy.md, "Minimum confidence"): it counts as unknown; ``None`` otherwise."""
    if resolution.expression is None or resolution.confidence >= policy.min_confidence:
        return None
    level = policy.unknown
    why = (
        f"confidence {resolution.confidence:.2f} is below min-confidence "
        f"{policy.min_confidence:g}; {_setting('unknown', level)}"
    )
    decided = LicenseVerdict(
        resolution.expression, Verdict.UNKNOWN, level.severity, "license-low-confidence", why
    )
    # The empty key: a judgement of the whole answer, which only an exception without a
    # license list can excuse (a curation is the better fix).
    return _excuse("", decided, candidates, today)


@functools.lru_cache(maxsize=4096)
def _parse(expression: str) -> LicenseNode | None:
    """The expression's tree, or ``None`` when it is not valid SPDX (cached: scans repeat a
    few dozen expressions over thousands of components)."""
    from ospo_scan.licenses.normalize import parse_expression

    try:
        return parse_expression(expression)
    except ValueError:
        return None


@functools.lru_cache(maxsize=4096)
def _classify(key: str) -> tuple[str, str]:
    """The canonical id of an expression's license key and its category.

    ``X+`` where SPDX has no ``X-or-later`` id stays ``X+`` with the category of ``X``
    (docs/policy.md, "Or-later licenses").
    """
    from ospo_scan.licenses.categories import category_of
    from ospo_scan.licenses.normalize import canonical_id

    canonical = canonical_id(key) or key
    if canonical.endswith("+"):
        return canonical, category_of(canonical[:-1])
    return canonical, category_of(canonical)


def _excuse(
    key: str, decided: LicenseVerdict, candidates: list[PolicyException], today: date
) -> _Judged:
    """Apply the first valid exception that covers this license; remember expired ones."""
    if decided.severity not in EXCUSABLE:
        return _Judged(key, decided)
    expired: list[PolicyException] = []
    for exception in candidates:
        # An unresolved component (or an expression that cannot be parsed) has no license an
        # exception could list: only an exception without a license list covers it.
        covers = exception.covers(decided.license, key) if key else not exception.licenses
        if not covers:
            continue
        if exception.expired(today):
            expired.append(exception)
            continue
        return _Judged(key, decided, excepted_by=exception)
    return _Judged(key, decided, expired=tuple(expired))


def _render(leaves: Sequence[_Judged]) -> str:
    """The elected licenses as an SPDX expression (an AND of the chosen licenses)."""
    seen: list[str] = []
    for leaf in leaves:
        if leaf.decided.license not in seen:
            seen.append(leaf.decided.license)
    return " AND ".join(seen)


def _setting(name: str, level: Level) -> str:
    return f'{name} = "{level}"'


def _phrase(leaf: _Judged, resolution: Resolution) -> str:
    """What the policy says about one license, for messages."""
    decided = leaf.decided
    license = decided.license
    match decided.rule:
        case "license-denied":
            return f"{license} is denied ({decided.why})"
        case "license-review":
            return f"{license} needs review ({decided.why})"
        case "license-not-allowed":
            what = "is not allowed" if decided.severity is Severity.ERROR else "is not listed"
            return f"{license} {what} ({decided.why})"
        case "license-low-confidence":
            note = f": {resolution.reason}" if resolution.reason else ""
            return (
                f"{license}{_declared_as(resolution)} is a low-confidence answer "
                f"({decided.why}){note}; confirm it with a curation"
            )
        case "license-unknown" if not leaf.key:
            return f'"{license}" is not a valid SPDX expression ({decided.why})'
        case "license-unknown":
            return (
                f"{license}{_declared_as(resolution)} is not a known SPDX license ({decided.why})"
            )
        case "license-unresolved":
            return f"the license could not be resolved ({decided.why})"
    return f"{license} ({decided.why})"  # pragma: no cover - every rule that fires is above


def _declared_as(resolution: Resolution) -> str:
    """`` (declared as "...")`` with the raw text behind an unrecognised license, if kept."""
    for evidence in resolution.evidence:
        raw = " ".join(evidence.value.split())
        if raw and raw != resolution.expression:
            shown = raw if len(raw) <= MAX_EVIDENCE else raw[: MAX_EVIDENCE - 3] + "..."
            return f' (declared as "{shown}")'
    return ""


def _curation(resolution: Resolution) -> str | None:
    """What the curation that set this answer says about itself, or ``None``."""
    if resolution.source != CURATION_SOURCE or resolution.expression is None:
        return None
    for evidence in resolution.evidence:
        if evidence.source == CURATION_SOURCE:
            return evidence.detail or "an organization's curation"
    return "an organization's curation"


def _findings(
    component: Component,
    resolution: Resolution,
    choice: _Choice,
    elected: str | None,
    cap: Level,
) -> list[Finding]:
    """One finding per license rule that fired, per exception applied, per exception expired,
    and one for a curated license."""
    purl = component.purl
    expression = resolution.expression
    # The low-confidence judgement (no key) is about the whole answer, not a part of it.
    compound = expression is not None and sum(1 for leaf in choice.leaves if leaf.key) > 1
    curated = _curation(resolution)
    findings: list[Finding] = []

    def context(severity: Severity) -> str:
        notes: list[str] = []
        if curated is not None and severity is not Severity.INFO:
            notes.append("the license was set by a curation (see license-curated)")
        if choice.had_choice and expression:
            if severity is Severity.INFO:
                notes.append(f'{elected} elected from "{expression}"')
            else:
                notes.append(f'the best choice in "{expression}"')
        elif compound:
            notes.append(f'in "{expression}"')
        capped = cap.severity
        if capped is not None and component.scope in (Scope.DEV, Scope.OPTIONAL):
            if SEVERITY_RANK[capped] < SEVERITY_RANK[severity]:
                notes.append(
                    f"{component.scope} dependency, capped at {capped} by scopes.{component.scope}"
                )
        if component.paths and len(component.paths[0]) > 1:
            notes.append(f"dependency path: {' > '.join(component.paths[0])}")
        return "".join(f"; {note}" for note in notes)

    def add(
        rule: str,
        leaves: list[_Judged],
        text: str,
        severity: Severity | None = None,
        exception: AppliedException | None = None,
        licenses: tuple[str, ...] | None = None,
    ) -> None:
        if severity is None:
            severity = max((leaf.severity or Severity.INFO for leaf in leaves), key=_severity_rank)
        capped = _cap(severity, cap)
        if licenses is None:
            licenses = tuple(
                dict.fromkeys(leaf.decided.license for leaf in leaves if leaf.decided.license)
            )
        findings.append(
            Finding(
                purl=purl,
                severity=capped,
                rule=rule,
                message=f"{purl}: {text}{context(severity)}",
                licenses=licenses,
                elected=elected,
                exception=exception,
            )
        )

    for rule in LICENSE_RULES:
        leaves = [
            leaf
            for leaf in choice.leaves
            if leaf.excepted_by is None and leaf.decided.rule == rule and leaf.severity is not None
        ]
        if leaves:
            add(rule, leaves, "; ".join(_phrase(leaf, resolution) for leaf in leaves))

    applied: dict[int, list[_Judged]] = {}
    expired: dict[int, tuple[PolicyException, list[_Judged]]] = {}
    for leaf in choice.leaves:
        if leaf.excepted_by is not None:
            applied.setdefault(leaf.excepted_by.index, []).append(leaf)
        for exception in leaf.expired:
            expired.setdefault(exception.index, (exception, []))[1].append(leaf)
    for leaves in applied.values():
        excepted_by = leaves[0].excepted_by
        assert excepted_by is not None
        phrases = "; ".join(_phrase(leaf, resolution) for leaf in leaves)
        text = (
            f"{phrases}; excepted by {excepted_by.label}, approved by {excepted_by.approved_by} "
            f"until {excepted_by.expires.isoformat()}: {excepted_by.reason}"
        )
        add("exception-applied", leaves, text, exception=excepted_by.applied())
    for exception, leaves in expired.values():
        what = ", ".join(
            dict.fromkeys(leaf.decided.license or "the unresolved license" for leaf in leaves)
        )
        text = (
            f"{exception.label}, approved by {exception.approved_by}, expired on "
            f"{exception.expires.isoformat()} and no longer excuses {what}"
        )
        add("exception-expired", leaves, text, Severity.WARNING, exception.applied())
    if curated is not None and expression is not None:
        text = f"license {expression} set by curation{_declared_as(resolution)}: {curated}"
        add("license-curated", [], text, Severity.INFO, licenses=(expression,))
    return findings


def _severity_rank(severity: Severity) -> int:
    return SEVERITY_RANK[severity]


def _cap(severity: Severity, cap: Level) -> Severity:
    capped = cap.severity
    if capped is None or SEVERITY_RANK[capped] >= SEVERITY_RANK[severity]:
        return severity
    return capped


def _policy_findings(policy: Policy, uses: dict[int, _ExceptionUse], today: date) -> list[Finding]:
    """Findings about the exceptions themselves: expired ones nobody hit, stale ones."""
    findings: list[Finding] = []
    for exception in policy.exceptions:
        use = uses[exception.index]
        if use.applied or use.expired_reported:
            continue
        if exception.expired(today):
            findings.append(
                Finding(
                    purl=None,
                    severity=Severity.WARNING,
                    rule="exception-expired",
                    message=(
                        f"{exception.label}, approved by {exception.approved_by}, expired on "
                        f"{exception.expires.isoformat()} (renew or remove it)"
                    ),
                    licenses=exception.licenses,
                    exception=exception.applied(),
                )
            )
            continue
        if use.matched_ignored:
            continue  # it may well be needed: its package was left out of this scan
        if use.matched:
            shown = ", ".join(use.matched[:3]) + (", ..." if len(use.matched) > 3 else "")
            why = f"matched {shown} but excused nothing (their licenses pass without it)"
        else:
            why = "matched no component of this scan"
        findings.append(
            Finding(
                purl=None,
                severity=Severity.INFO,
                rule="exception-stale",
                message=f"{exception.label} {why}; remove it if it is no longer needed",
                licenses=exception.licenses,
                exception=exception.applied(),
            )
        )
    return findings
