"""Policy evaluation: expression semantics, categories, exceptions, scopes and messages."""

from __future__ import annotations

from datetime import date

import pytest
from packageurl import PackageURL

from ospo_scan.model import (
    AppliedException,
    Component,
    Evidence,
    Finding,
    Resolution,
    Scope,
    Severity,
    Verdict,
)
from ospo_scan.policy.evaluate import Evaluation, evaluate
from ospo_scan.policy.load import parse_policy
from ospo_scan.policy.model import Policy

TODAY = date(2026, 3, 1)

BASE = """
[licenses]
allow = ["MIT", "Apache-2.0", "GPL-2.0-only WITH Classpath-exception-2.0", "LicenseRef-acme"]
review = ["MPL-2.0"]
deny = ["AGPL-3.0-only", "WTFPL"]
allow-categories = ["permissive", "public-domain"]
review-categories = ["weak-copyleft"]
deny-categories = ["strong-copyleft", "network-copyleft", "proprietary"]
default = "error"
unknown = "error"
unresolved = "error"
"""


def policy(text: str = BASE) -> Policy:
    return parse_policy(text, "policy.toml")


def component(
    purl: str = "pkg:npm/foo@1.0.0",
    scope: Scope | None = None,
    paths: tuple[tuple[str, ...], ...] = (),
) -> Component:
    parsed = PackageURL.from_string(purl)
    return Component(
        purl=purl,
        name=parsed.name,
        version=parsed.version,
        ecosystem=parsed.type,
        scope=scope,
        paths=paths,
    )


def resolved(expression: str | None, reason: str | None = None) -> Resolution:
    return Resolution(expression, "registry:npm", 1.0 if expression else 0.0, (), reason)


def run(
    the_policy: Policy,
    *items: tuple[Component, Resolution],
    today: date = TODAY,
    include_dev: bool = True,
) -> Evaluation:
    return evaluate(the_policy, list(items), today=today, include_dev=include_dev)


def one(expression: str | None, text: str = BASE) -> tuple[Verdict, str | None, list[Finding]]:
    """Evaluate a single component with ``expression``: its verdict, elected and findings."""
    result = run(policy(text), (component(), resolved(expression)))
    (scanned,) = result.components
    return scanned.verdict, scanned.elected, list(result.findings)


# -- single licenses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "verdict", "rule", "severity"),
    [
        ("MIT", Verdict.ALLOW, None, None),
        ("mit", Verdict.ALLOW, None, None),  # SPDX ids match case-insensitively
        ("ISC", Verdict.ALLOW, None, None),  # category permissive
        ("CC0-1.0", Verdict.ALLOW, None, None),  # category public-domain
        ("MPL-2.0", Verdict.REVIEW, "license-review", Severity.WARNING),  # listed
        ("LGPL-2.1-only", Verdict.REVIEW, "license-review", Severity.WARNING),  # category
        ("AGPL-3.0-only", Verdict.DENY, "license-denied", Severity.ERROR),  # listed
        ("WTFPL", Verdict.DENY, "license-denied", Severity.ERROR),  # listed beats category
        ("GPL-3.0-only", Verdict.DENY, "license-denied", Severity.ERROR),  # category
        ("SSPL-1.0", Verdict.DENY, "license-not-allowed", Severity.ERROR),  # no list: default
        ("LicenseRef-acme", Verdict.ALLOW, None, None),  # explicit ids before `unknown`
        ("LicenseRef-ospo-foo", Verdict.UNKNOWN, "license-unknown", Severity.ERROR),
        (None, Verdict.UNRESOLVED, "license-unresolved", Severity.ERROR),
    ],
)
def test_single_license_verdicts(
    expression: str | None, verdict: Verdict, rule: str | None, severity: Severity | None
) -> None:
    got, elected, findings = one(expression)
    assert got is verdict
    assert elected is None
    assert [(f.rule, f.severity) for f in findings] == ([(rule, severity)] if rule else [])


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "GPL-3.0-only",
            "pkg:npm/foo@1.0.0: GPL-3.0-only is denied "
            "(category strong-copyleft is in deny-categories)",
        ),
        ("AGPL-3.0-only", "pkg:npm/foo@1.0.0: AGPL-3.0-only is denied (listed in licenses.deny)"),
        ("MPL-2.0", "pkg:npm/foo@1.0.0: MPL-2.0 needs review (listed in licenses.review)"),
        (
            "EPL-2.0",
            "pkg:npm/foo@1.0.0: EPL-2.0 needs review "
            "(category weak-copyleft is in review-categories)",
        ),
        (
            "SSPL-1.0",
            "pkg:npm/foo@1.0.0: SSPL-1.0 is not allowed "
            '(category source-available is in no list; default = "error")',
        ),
        (
            "LicenseRef-ospo-foo",
            "pkg:npm/foo@1.0.0: LicenseRef-ospo-foo is not a known SPDX license "
            '(unknown = "error")',
        ),
        (
            None,
            "pkg:npm/foo@1.0.0: the license could not be resolved "
            '(no license found; unresolved = "error")',
        ),
        (
            "MIT AND GPL-3.0-only",
            "pkg:npm/foo@1.0.0: GPL-3.0-only is denied "
            '(category strong-copyleft is in deny-categories); in "MIT AND GPL-3.0-only"',
        ),
        (
            "GPL-3.0-only OR AGPL-3.0-only",
            "pkg:npm/foo@1.0.0: GPL-3.0-only is denied "
            "(category strong-copyleft is in deny-categories); "
            'the best choice in "GPL-3.0-only OR AGPL-3.0-only"',
        ),
        (
            "GPL-3.0-only AND AGPL-3.0-only",
            "pkg:npm/foo@1.0.0: GPL-3.0-only is denied "
            "(category strong-copyleft is in deny-categories); "
            "AGPL-3.0-only is denied (listed in licenses.deny); "
            'in "GPL-3.0-only AND AGPL-3.0-only"',
        ),
    ],
)
def test_messages_say_which_package_which_license_and_why(
    expression: str | None, message: str
) -> None:
    _, _, findings = one(expression)
    assert [f.message for f in findings] == [message]


def test_default_level_decides_licenses_in_no_list() -> None:
    for level, verdict, severity in [
        ("error", Verdict.DENY, Severity.ERROR),
        ("warning", Verdict.REVIEW, Severity.WARNING),
        ("info", Verdict.ALLOW, Severity.INFO),
        ("ignore", Verdict.ALLOW, None),
    ]:
        text = f'[licenses]\nallow = ["MIT"]\ndefault = "{level}"\n'
        got, _, findings = one("ISC", text)
        assert got is verdict, level
        assert [(f.rule, f.severity) for f in findings] == (
            [("license-not-allowed", severity)] if severity else []
        ), level
    _, _, findings = one("ISC", '[licenses]\ndefault = "warning"\n')
    assert findings[0].message == (
        "pkg:npm/foo@1.0.0: ISC is not listed "
        '(category permissive is in no list; default = "warning")'
    )


@pytest.mark.parametrize("setting", ["unknown", "unresolved"])
def test_unknown_and_unresolved_levels(setting: str) -> None:
    expression = "LicenseRef-foo" if setting == "unknown" else None
    verdict = Verdict.UNKNOWN if setting == "unknown" else Verdict.UNRESOLVED
    for level, severity in [
        ("error", Severity.ERROR),
        ("warning", Severity.WARNING),
        ("info", Severity.INFO),
        ("ignore", None),
    ]:
        got, _, findings = one(expression, f'[licenses]\n{setting} = "{level}"\n')
        assert got is verdict  # the verdict is a fact; the level only sets how loud it is
        assert [f.severity for f in findings] == ([severity] if severity else [])
        assert all(f.rule == f"license-{setting}" for f in findings)


def test_policy_defaults_never_allow_unknown_or_unresolved() -> None:
    empty = policy("")
    result = run(
        empty,
        (component("pkg:npm/a@1"), resolved("LicenseRef-x")),
        (component("pkg:npm/b@1"), resolved(None, "registry answered 404")),
        (component("pkg:npm/c@1"), resolved("MIT")),
    )
    assert [(f.purl, f.rule, f.severity) for f in result.findings] == [
        ("pkg:npm/a@1", "license-unknown", Severity.ERROR),
        ("pkg:npm/b@1", "license-unresolved", Severity.ERROR),
        ("pkg:npm/c@1", "license-not-allowed", Severity.ERROR),
    ]
    assert "registry answered 404" in result.findings[1].message


def test_unknown_license_message_shows_the_declared_text() -> None:
    evidence = (Evidence("lockfile", "Foo Public License, see LICENSE.txt"),)
    resolution = Resolution("LicenseRef-ospo-foo-public-license", "lockfile", 0.3, evidence)
    result = run(policy(), (component(), resolution))
    assert result.findings[0].message == (
        "pkg:npm/foo@1.0.0: LicenseRef-ospo-foo-public-license "
        '(declared as "Foo Public License, see LICENSE.txt") is not a known SPDX license '
        '(unknown = "error")'
    )


def test_invalid_expression_is_unknown_never_allowed() -> None:
    verdict, _, findings = one("MIT AND (")
    assert verdict is Verdict.UNKNOWN
    assert [(f.rule, f.severity, f.message) for f in findings] == [
        (
            "license-unknown",
            Severity.ERROR,
            'pkg:npm/foo@1.0.0: "MIT AND (" is not a valid SPDX expression (unknown = "error")',
        )
    ]


# -- OR, AND, WITH --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "verdict", "elected", "rules"),
    [
        ("MIT OR GPL-3.0-only", Verdict.ALLOW, "MIT", []),
        ("GPL-3.0-only OR MIT", Verdict.ALLOW, "MIT", []),
        ("MPL-2.0 OR GPL-3.0-only", Verdict.REVIEW, "MPL-2.0", ["license-review"]),
        ("MPL-2.0 OR Apache-2.0", Verdict.ALLOW, "Apache-2.0", []),
        ("GPL-3.0-only OR AGPL-3.0-only", Verdict.DENY, "GPL-3.0-only", ["license-denied"]),
        ("LicenseRef-foo OR MIT", Verdict.ALLOW, "MIT", []),
        ("LicenseRef-foo OR MPL-2.0", Verdict.REVIEW, "MPL-2.0", ["license-review"]),
        ("(MIT AND GPL-3.0-only) OR Apache-2.0", Verdict.ALLOW, "Apache-2.0", []),
        ("(MIT AND ISC) OR GPL-3.0-only", Verdict.ALLOW, "MIT AND ISC", []),
        (
            "GPL-3.0-only OR (MIT AND MPL-2.0)",
            Verdict.REVIEW,
            "MIT AND MPL-2.0",
            ["license-review"],
        ),
        ("(MIT OR GPL-3.0-only) AND ISC", Verdict.ALLOW, "MIT AND ISC", []),
        (
            "(MIT OR GPL-3.0-only) AND (MPL-2.0 OR AGPL-3.0-only)",
            Verdict.REVIEW,
            "MIT AND MPL-2.0",
            ["license-review"],
        ),
        # equal verdicts: the first written wins
        ("ISC OR MIT", Verdict.ALLOW, "ISC", []),
    ],
)
def test_or_elects_the_best_license(
    expression: str, verdict: Verdict, elected: str, rules: list[str]
) -> None:
    got, got_elected, findings = one(expression)
    assert (got, got_elected) == (verdict, elected)
    assert [f.rule for f in findings] == rules
    assert all(f.elected == elected for f in findings)


@pytest.mark.parametrize(
    ("expression", "verdict", "rules"),
    [
        ("MIT AND ISC", Verdict.ALLOW, []),
        ("MIT AND MPL-2.0", Verdict.REVIEW, ["license-review"]),
        ("MIT AND GPL-3.0-only", Verdict.DENY, ["license-denied"]),
        ("MPL-2.0 AND GPL-3.0-only", Verdict.DENY, ["license-denied", "license-review"]),
        ("MPL-2.0 AND LicenseRef-foo", Verdict.UNKNOWN, ["license-review", "license-unknown"]),
        ("LicenseRef-foo AND AGPL-3.0-only", Verdict.DENY, ["license-denied", "license-unknown"]),
        ("MIT AND SSPL-1.0", Verdict.DENY, ["license-not-allowed"]),
    ],
)
def test_and_takes_the_worst_license(expression: str, verdict: Verdict, rules: list[str]) -> None:
    got, elected, findings = one(expression)
    assert got is verdict
    assert elected is None
    assert [f.rule for f in findings] == rules


def test_and_findings_list_every_license_of_their_rule() -> None:
    _, _, findings = one("GPL-3.0-only AND MIT AND AGPL-3.0-only")
    (finding,) = findings
    assert finding.licenses == ("GPL-3.0-only", "AGPL-3.0-only")


@pytest.mark.parametrize(
    ("text", "expression", "verdict"),
    [
        # the pair is named: its own verdict, although GPL-2.0-only alone is denied
        (BASE, "GPL-2.0-only WITH Classpath-exception-2.0", Verdict.ALLOW),
        # not named: the verdict of the license stands (an exception only adds permissions)
        (BASE, "GPL-2.0-or-later WITH Classpath-exception-2.0", Verdict.DENY),
        (BASE, "Apache-2.0 WITH LLVM-exception", Verdict.ALLOW),
        (BASE, "MPL-2.0 WITH Classpath-exception-2.0", Verdict.REVIEW),
        # the pair named in deny beats the license in allow
        (
            '[licenses]\nallow = ["GPL-2.0-only"]\n'
            'deny = ["GPL-2.0-only WITH Classpath-exception-2.0"]',
            "GPL-2.0-only WITH Classpath-exception-2.0",
            Verdict.DENY,
        ),
        # names are matched case-insensitively
        (
            '[licenses]\nreview = ["gpl-2.0-only with classpath-exception-2.0"]',
            "GPL-2.0-only WITH Classpath-exception-2.0",
            Verdict.REVIEW,
        ),
    ],
)
def test_with_exceptions(text: str, expression: str, verdict: Verdict) -> None:
    got, _, _ = one(expression, text)
    assert got is verdict


def test_with_pair_is_reported_as_written() -> None:
    _, _, findings = one("GPL-2.0-or-later WITH Classpath-exception-2.0")
    assert findings[0].licenses == ("GPL-2.0-or-later WITH Classpath-exception-2.0",)
    assert findings[0].message.startswith(
        "pkg:npm/foo@1.0.0: GPL-2.0-or-later WITH Classpath-exception-2.0 is denied "
        "(category strong-copyleft is in deny-categories)"
    )


@pytest.mark.parametrize(
    ("expression", "verdict"),
    [
        ("GPL-3.0-only", Verdict.ALLOW),
        # or-later ids are licenses of their own: GPL-3.0-only in allow does not allow them
        ("GPL-2.0-or-later", Verdict.DENY),
        ("GPL-3.0-or-later", Verdict.DENY),
        ("LGPL-2.1-or-later", Verdict.REVIEW),  # its category decides
    ],
)
def test_or_later_licenses_are_their_own_ids(expression: str, verdict: Verdict) -> None:
    text = (
        '[licenses]\nallow = ["GPL-3.0-only"]\nreview-categories = ["weak-copyleft"]\n'
        'deny-categories = ["strong-copyleft"]\n'
    )
    got, _, _ = one(expression, text)
    assert got is verdict


def test_or_later_listed_explicitly() -> None:
    text = '[licenses]\nallow = ["GPL-2.0+"]\ndeny-categories = ["strong-copyleft"]\n'
    assert one("GPL-2.0-or-later", text)[0] is Verdict.ALLOW
    assert one("GPL-2.0-only", text)[0] is Verdict.DENY


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        # "MPL-1.1+" (no -or-later id in SPDX) is not MPL-1.1: its category decides ...
        ('[licenses]\nallow = ["MPL-1.1"]\ndeny-categories = ["weak-copyleft"]', Verdict.DENY),
        # ... unless it is listed itself
        ('[licenses]\nallow = ["MPL-1.1+"]\ndeny-categories = ["weak-copyleft"]', Verdict.ALLOW),
    ],
)
def test_plus_licenses_without_an_or_later_id(text: str, verdict: Verdict) -> None:
    assert one("MPL-1.1+", text)[0] is verdict


def test_long_declared_text_is_shortened() -> None:
    evidence = (Evidence("lockfile", "Permission is hereby granted " * 10),)
    resolution = Resolution("LicenseRef-ospo-license-text", "lockfile", 0.3, evidence)
    message = run(policy(), (component(), resolution)).findings[0].message
    shown = "Permission is hereby granted Permission is hereby granted..."
    assert f'LicenseRef-ospo-license-text (declared as "{shown}") is not' in message


# -- scopes ---------------------------------------------------------------------------------

SCOPED = BASE + '\n[scopes]\ndev = "warning"\noptional = "info"\n'


@pytest.mark.parametrize(
    ("scope", "severity"),
    [
        (None, Severity.ERROR),  # the lockfile cannot tell: counts as required
        (Scope.REQUIRED, Severity.ERROR),
        (Scope.DEV, Severity.WARNING),
        (Scope.OPTIONAL, Severity.INFO),
    ],
)
def test_scope_caps_the_severity(scope: Scope | None, severity: Severity) -> None:
    result = run(policy(SCOPED), (component(scope=scope), resolved("GPL-3.0-only")))
    assert result.components[0].verdict is Verdict.DENY  # still denied, only quieter
    assert [(f.rule, f.severity) for f in result.findings] == [("license-denied", severity)]


def test_scope_cap_is_named_in_the_message() -> None:
    result = run(policy(SCOPED), (component(scope=Scope.DEV), resolved("GPL-3.0-only")))
    assert result.findings[0].message == (
        "pkg:npm/foo@1.0.0: GPL-3.0-only is denied (category strong-copyleft is in "
        "deny-categories); dev dependency, capped at warning by scopes.dev"
    )
    review = run(policy(SCOPED), (component(scope=Scope.DEV), resolved("MPL-2.0")))
    assert review.findings[0].severity is Severity.WARNING
    assert "capped" not in review.findings[0].message  # a warning was not lowered


def test_scope_ignore_drops_the_component() -> None:
    text = BASE + '\n[scopes]\ndev = "ignore"\n'
    result = run(
        policy(text),
        (component("pkg:npm/tool@1", scope=Scope.DEV), resolved("AGPL-3.0-only")),
        (component("pkg:npm/lib@1", scope=Scope.REQUIRED), resolved("AGPL-3.0-only")),
    )
    verdicts = {c.component.purl: c.verdict for c in result.components}
    assert verdicts == {"pkg:npm/tool@1": Verdict.IGNORED, "pkg:npm/lib@1": Verdict.DENY}
    assert [f.purl for f in result.findings] == ["pkg:npm/lib@1"]


def test_include_dev_false_ignores_dev_components() -> None:
    items = (
        (component("pkg:npm/tool@1", scope=Scope.DEV), resolved(None, "not resolved")),
        (component("pkg:npm/opt@1", scope=Scope.OPTIONAL), resolved("GPL-3.0-only")),
    )
    result = run(policy(), *items, include_dev=False)
    assert [c.verdict for c in result.components] == [Verdict.DENY, Verdict.IGNORED]
    assert [(f.purl, f.rule) for f in result.findings] == [("pkg:npm/opt@1", "license-denied")]


# -- dependency paths, ordering -------------------------------------------------------------


def test_message_mentions_the_dependency_path() -> None:
    path = ("pkg:npm/app-lib@2.0.0", "pkg:npm/middle@1.1.0", "pkg:npm/foo@1.0.0")
    result = run(policy(), (component(paths=(path,)), resolved("GPL-3.0-only")))
    assert result.findings[0].message.endswith(
        "; dependency path: pkg:npm/app-lib@2.0.0 > pkg:npm/middle@1.1.0 > pkg:npm/foo@1.0.0"
    )
    direct = run(policy(), (component(paths=(("pkg:npm/foo@1.0.0",),)), resolved("GPL-3.0-only")))
    assert "dependency path" not in direct.findings[0].message


def test_components_and_findings_are_sorted() -> None:
    result = run(
        policy(),
        (component("pkg:npm/zeta@1"), resolved("GPL-3.0-only")),
        (component("pkg:npm/alpha@1"), resolved("MPL-2.0 AND LicenseRef-x")),
        (component("pkg:npm/mid@1"), resolved("MIT")),
    )
    assert [c.component.purl for c in result.components] == [
        "pkg:npm/alpha@1",
        "pkg:npm/mid@1",
        "pkg:npm/zeta@1",
    ]
    assert [(f.purl, f.rule) for f in result.findings] == [
        ("pkg:npm/alpha@1", "license-review"),
        ("pkg:npm/alpha@1", "license-unknown"),
        ("pkg:npm/zeta@1", "license-denied"),
    ]


# -- exceptions -----------------------------------------------------------------------------


def with_exceptions(*blocks: str, base: str = BASE) -> Policy:
    return policy(base + "".join(f"\n[[exceptions]]\n{block}" for block in blocks))


def exception_block(
    purl: str,
    *,
    version: str | None = None,
    licenses: str | None = None,
    expires: str = "2027-06-30",
    reason: str = "Reviewed by legal (LEGAL-42).",
) -> str:
    lines = [f'purl = "{purl}"']
    if version:
        lines.append(f'version = "{version}"')
    if licenses:
        lines.append(f"licenses = {licenses}")
    lines += [f'reason = "{reason}"', 'approved-by = "Jane Doe"', f"expires = {expires}"]
    return "\n".join(lines) + "\n"


def test_applied_exception_excepts_and_is_reported() -> None:
    the_policy = with_exceptions(exception_block("pkg:npm/left-pad"))
    result = run(the_policy, (component("pkg:npm/left-pad@1.3.0"), resolved("WTFPL")))
    assert result.components[0].verdict is Verdict.EXCEPTED
    (finding,) = result.findings
    assert finding.rule == "exception-applied"
    assert finding.severity is Severity.INFO
    assert finding.licenses == ("WTFPL",)
    assert finding.exception == AppliedException(
        purl="pkg:npm/left-pad",
        reason="Reviewed by legal (LEGAL-42).",
        approved_by="Jane Doe",
        expires=date(2027, 6, 30),
    )
    assert finding.message == (
        "pkg:npm/left-pad@1.3.0: WTFPL is denied (listed in licenses.deny); excepted by "
        "exceptions[0] (pkg:npm/left-pad), approved by Jane Doe until 2027-06-30: "
        "Reviewed by legal (LEGAL-42)."
    )


@pytest.mark.parametrize(
    ("purl", "version", "component_purl", "applies"),
    [
        ("pkg:npm/left-pad", None, "pkg:npm/left-pad@1.3.0", True),
        ("pkg:npm/left-pad", None, "pkg:npm/right-pad@1.3.0", False),
        ("pkg:npm/left-pad", None, "pkg:pypi/left-pad@1.3.0", False),
        ("pkg:npm/left-pad@1.3.0", None, "pkg:npm/left-pad@1.3.0", True),
        ("pkg:npm/left-pad@1.3.0", None, "pkg:npm/left-pad@1.3.1", False),
        ("pkg:npm/left-pad", ">=1.0, <2", "pkg:npm/left-pad@1.3.0", True),
        ("pkg:npm/left-pad", ">=1.0, <2", "pkg:npm/left-pad@2.0.0", False),
        ("pkg:npm/left-pad", ">=1.0, <2", "pkg:npm/left-pad@2.0.0-rc.1", True),
        ("pkg:npm/left-pad", ">=1.0, <2", "pkg:npm/left-pad@0.9.9", False),
        ("pkg:npm/left-pad", "!=1.3.0", "pkg:npm/left-pad@1.3.0", False),
        ("pkg:npm/@acme/*", None, "pkg:npm/%40acme/widgets@4.0.0", True),
        ("pkg:npm/@acme/*", None, "pkg:npm/widgets@4.0.0", False),
        ("pkg:pypi/Some_Tool", None, "pkg:pypi/some-tool@1.0", True),
        ("pkg:maven/org.example/*", None, "pkg:maven/org.example/lib@1.0", True),
        ("pkg:maven/org.example/*", None, "pkg:maven/org.other/lib@1.0", False),
    ],
)
def test_exception_matching(
    purl: str, version: str | None, component_purl: str, applies: bool
) -> None:
    the_policy = with_exceptions(exception_block(purl, version=version))
    result = run(the_policy, (component(component_purl), resolved("GPL-3.0-only")))
    expected = Verdict.EXCEPTED if applies else Verdict.DENY
    assert result.components[0].verdict is expected
    rules = {f.rule for f in result.findings}
    assert ("exception-applied" in rules) is applies
    assert ("exception-stale" in rules) is not applies


def test_exception_with_licenses_excuses_only_those() -> None:
    the_policy = with_exceptions(exception_block("pkg:npm/foo", licenses='["GPL-3.0-only"]'))
    result = run(the_policy, (component(), resolved("GPL-3.0-only AND AGPL-3.0-only")))
    assert result.components[0].verdict is Verdict.DENY
    assert [(f.rule, f.severity, f.licenses) for f in result.findings] == [
        ("exception-applied", Severity.INFO, ("GPL-3.0-only",)),
        ("license-denied", Severity.ERROR, ("AGPL-3.0-only",)),
    ]
    only_gpl = run(the_policy, (component(), resolved("GPL-3.0-only AND MIT")))
    assert only_gpl.components[0].verdict is Verdict.EXCEPTED


def test_exception_license_list_covers_with_pairs_of_that_license() -> None:
    the_policy = with_exceptions(exception_block("pkg:npm/foo", licenses='["GPL-2.0-or-later"]'))
    result = run(
        the_policy, (component(), resolved("GPL-2.0-or-later WITH Classpath-exception-2.0"))
    )
    assert result.components[0].verdict is Verdict.EXCEPTED


def test_exception_can_make_an_or_branch_the_elected_one() -> None:
    the_policy = with_exceptions(exception_block("pkg:npm/foo", licenses='["GPL-3.0-only"]'))
    result = run(the_policy, (component(), resolved("AGPL-3.0-only OR GPL-3.0-only")))
    assert result.components[0].verdict is Verdict.EXCEPTED
    assert result.components[0].elected == "GPL-3.0-only"
    assert [f.rule for f in result.findings] == ["exception-applied"]
    assert 'GPL-3.0-only elected from "AGPL-3.0-only OR GPL-3.0-only"' in result.findings[0].message


def test_exception_not_needed_by_the_elected_branch_is_stale() -> None:
    the_policy = with_exceptions(exception_block("pkg:npm/foo", licenses='["GPL-3.0-only"]'))
    result = run(the_policy, (component(), resolved("MIT OR GPL-3.0-only")))
    assert result.components[0].verdict is Verdict.ALLOW
    assert [(f.purl, f.rule, f.severity) for f in result.findings] == [
        (None, "exception-stale", Severity.INFO)
    ]
    assert result.findings[0].message == (
        "exceptions[0] (pkg:npm/foo) matched pkg:npm/foo@1.0.0 but excused nothing "
        "(their licenses pass without it); remove it if it is no longer needed"
    )


def test_exception_covers_review_and_unknown_and_unresolved() -> None:
    the_policy = with_exceptions(exception_block("pkg:npm/*"))
    result = run(
        the_policy,
        (component("pkg:npm/a@1"), resolved("MPL-2.0")),
        (component("pkg:npm/b@1"), resolved("LicenseRef-vendor-eula")),
        (component("pkg:npm/c@1"), resolved(None)),
    )
    assert [c.verdict for c in result.components] == [Verdict.EXCEPTED] * 3
    assert [f.rule for f in result.findings] == ["exception-applied"] * 3
    assert result.findings[2].message.startswith(
        "pkg:npm/c@1: the license could not be resolved (no license found; "
        'unresolved = "error"); excepted by exceptions[0] (pkg:npm/*)'
    )


def test_exception_with_licenses_does_not_cover_an_unresolved_component() -> None:
    the_policy = with_exceptions(exception_block("pkg:npm/foo", licenses='["MIT"]'))
    result = run(the_policy, (component(), resolved(None)))
    assert result.components[0].verdict is Verdict.UNRESOLVED


def test_expired_exception_no_longer_applies_and_is_reported() -> None:
    the_policy = with_exceptions(exception_block("pkg:npm/foo", expires="2026-02-28"))
    result = run(the_policy, (component(), resolved("GPL-3.0-only")))
    assert result.components[0].verdict is Verdict.DENY
    assert [(f.purl, f.rule, f.severity) for f in result.findings] == [
        ("pkg:npm/foo@1.0.0", "exception-expired", Severity.WARNING),
        ("pkg:npm/foo@1.0.0", "license-denied", Severity.ERROR),
    ]
    expired = result.findings[0]
    assert expired.message == (
        "pkg:npm/foo@1.0.0: exceptions[0] (pkg:npm/foo), approved by Jane Doe, expired on "
        "2026-02-28 and no longer excuses GPL-3.0-only"
    )
    assert expired.exception is not None and expired.exception.expires == date(2026, 2, 28)


def test_exception_is_valid_through_its_expiry_day() -> None:
    the_policy = with_exceptions(exception_block("pkg:npm/foo", expires="2026-03-01"))
    result = run(the_policy, (component(), resolved("GPL-3.0-only")), today=date(2026, 3, 1))
    assert result.components[0].verdict is Verdict.EXCEPTED
    later = run(the_policy, (component(), resolved("GPL-3.0-only")), today=date(2026, 3, 2))
    assert later.components[0].verdict is Verdict.DENY


def test_a_valid_exception_wins_over_an_expired_one() -> None:
    the_policy = with_exceptions(
        exception_block("pkg:npm/foo", expires="2025-01-01"),
        exception_block("pkg:npm/foo", expires="2027-01-01", reason="Renewed."),
    )
    result = run(the_policy, (component(), resolved("GPL-3.0-only")))
    assert result.components[0].verdict is Verdict.EXCEPTED
    assert [(f.purl, f.rule) for f in result.findings] == [
        (None, "exception-expired"),
        ("pkg:npm/foo@1.0.0", "exception-applied"),
    ]
    assert result.findings[0].message == (
        "exceptions[0] (pkg:npm/foo), approved by Jane Doe, expired on 2025-01-01 "
        "(renew or remove it)"
    )
    assert result.findings[1].exception is not None
    assert result.findings[1].exception.reason == "Renewed."


def test_stale_exception_that_matched_nothing() -> None:
    the_policy = with_exceptions(exception_block("pkg:cargo/unused"))
    result = run(the_policy, (component(), resolved("MIT")))
    assert [(f.purl, f.rule, f.severity, f.message) for f in result.findings] == [
        (
            None,
            "exception-stale",
            Severity.INFO,
            "exceptions[0] (pkg:cargo/unused) matched no component of this scan; "
            "remove it if it is no longer needed",
        )
    ]


def test_exception_for_an_ignored_component_is_not_stale() -> None:
    the_policy = with_exceptions(exception_block("pkg:npm/tool"))
    result = run(
        the_policy,
        (component("pkg:npm/tool@1", scope=Scope.DEV), resolved(None)),
        include_dev=False,
    )
    assert result.components[0].verdict is Verdict.IGNORED
    assert result.findings == ()


def test_exception_applied_to_a_dev_component_stays_info() -> None:
    the_policy = with_exceptions(
        exception_block("pkg:npm/tool"), base=BASE + '\n[scopes]\ndev = "warning"\n'
    )
    result = run(the_policy, (component("pkg:npm/tool@1", scope=Scope.DEV), resolved("WTFPL")))
    assert [(f.rule, f.severity) for f in result.findings] == [("exception-applied", Severity.INFO)]


def test_expired_exception_of_a_dev_component_is_capped_with_it() -> None:
    the_policy = with_exceptions(
        exception_block("pkg:npm/tool", expires="2020-01-01"),
        base=BASE + '\n[scopes]\ndev = "info"\n',
    )
    result = run(the_policy, (component("pkg:npm/tool@1", scope=Scope.DEV), resolved("WTFPL")))
    assert [(f.rule, f.severity) for f in result.findings] == [
        ("exception-expired", Severity.INFO),
        ("license-denied", Severity.INFO),
    ]


def test_evaluate_uses_the_injected_day_only() -> None:
    the_policy = with_exceptions(exception_block("pkg:npm/foo", expires="2000-01-01"))
    then = run(the_policy, (component(), resolved("GPL-3.0-only")), today=date(1999, 12, 31))
    assert then.components[0].verdict is Verdict.EXCEPTED
