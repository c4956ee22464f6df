"""The policies shipped in policies/: each loads, and gives the verdicts its comments promise."""

from __future__ import annotations

from datetime import date

import pytest

from ospo_scan.model import Component, Resolution, Scope, Severity, Verdict
from ospo_scan.policy.evaluate import evaluate
from ospo_scan.policy.load import builtin_policy_path, list_builtin_policies, load_policy
from ospo_scan.policy.model import Policy

TODAY = date(2026, 3, 1)


def load(name: str) -> Policy:
    return load_policy(builtin_policy_path(name))


def judge(
    policy: Policy, expression: str | None, scope: Scope | None = Scope.REQUIRED
) -> tuple[Verdict, str | None, Severity | None]:
    """The verdict, the elected license and the most severe finding for one component."""
    component = Component("pkg:npm/sample@1.0.0", "sample", "1.0.0", "npm", scope=scope)
    resolution = Resolution(expression, "registry:npm", 1.0, (), None if expression else "404")
    result = evaluate(policy, [(component, resolution)], today=TODAY)
    (scanned,) = result.components
    severities = [f.severity for f in result.findings]
    worst = next(
        (s for s in (Severity.ERROR, Severity.WARNING, Severity.INFO) if s in severities), None
    )
    return scanned.verdict, scanned.elected, worst


def test_the_shipped_policies_are_listed() -> None:
    assert set(list_builtin_policies()) >= {"default", "permissive-only", "saas"}


@pytest.mark.parametrize("name", list_builtin_policies())
def test_every_shipped_policy_loads_and_names_itself(name: str) -> None:
    policy = load(name)
    assert policy.name == name
    assert policy.description
    # never allow what nobody could check
    assert policy.unknown.value == "error"
    assert policy.unresolved.value == "error"
    assert judge(policy, None)[0] is Verdict.UNRESOLVED
    assert judge(policy, None)[2] is Severity.ERROR
    assert judge(policy, "LicenseRef-ospo-something")[2] is Severity.ERROR


@pytest.mark.parametrize("name", list_builtin_policies())
def test_every_shipped_policy_is_commented_line_by_line(name: str) -> None:
    lines = builtin_policy_path(name).read_text(encoding="utf-8").splitlines()
    comments = [line for line in lines if line.lstrip().startswith("#")]
    settings = [line for line in lines if "=" in line and not line.lstrip().startswith("#")]
    assert len(comments) >= len(settings)


DEFAULT_CASES = [
    ("MIT", Verdict.ALLOW, None, None),
    ("Apache-2.0", Verdict.ALLOW, None, None),
    ("BSD-3-Clause", Verdict.ALLOW, None, None),
    ("CC0-1.0", Verdict.ALLOW, None, None),
    ("MPL-2.0", Verdict.REVIEW, None, Severity.WARNING),
    ("LGPL-2.1-or-later", Verdict.REVIEW, None, Severity.WARNING),
    ("GPL-3.0-only", Verdict.DENY, None, Severity.ERROR),
    ("GPL-2.0-or-later", Verdict.DENY, None, Severity.ERROR),
    ("AGPL-3.0-only", Verdict.DENY, None, Severity.ERROR),
    ("SSPL-1.0", Verdict.DENY, None, Severity.ERROR),
    ("BUSL-1.1", Verdict.DENY, None, Severity.ERROR),
    ("GPL-2.0-only WITH Classpath-exception-2.0", Verdict.REVIEW, None, Severity.WARNING),
    ("GPL-2.0-only WITH Autoconf-exception-2.0", Verdict.DENY, None, Severity.ERROR),
    ("JSON", Verdict.REVIEW, None, Severity.WARNING),
    ("LicenseRef-ospo-proprietary", Verdict.DENY, None, Severity.ERROR),
    ("LicenseRef-ospo-public-domain", Verdict.ALLOW, None, None),
    ("MIT OR GPL-3.0-only", Verdict.ALLOW, "MIT", None),
    ("GPL-3.0-only OR Apache-2.0", Verdict.ALLOW, "Apache-2.0", None),
    ("MIT AND GPL-3.0-only", Verdict.DENY, None, Severity.ERROR),
    ("MIT AND MPL-2.0", Verdict.REVIEW, None, Severity.WARNING),
    ("LicenseRef-foo", Verdict.UNKNOWN, None, Severity.ERROR),
    (None, Verdict.UNRESOLVED, None, Severity.ERROR),
]


@pytest.mark.parametrize(("expression", "verdict", "elected", "severity"), DEFAULT_CASES)
def test_default_policy(
    expression: str | None, verdict: Verdict, elected: str | None, severity: Severity | None
) -> None:
    assert judge(load("default"), expression) == (verdict, elected, severity)


def test_default_policy_caps_dev_dependencies_at_warning() -> None:
    policy = load("default")
    assert judge(policy, "AGPL-3.0-only", Scope.DEV) == (Verdict.DENY, None, Severity.WARNING)
    assert judge(policy, "AGPL-3.0-only", Scope.OPTIONAL)[2] is Severity.ERROR
    assert judge(policy, "AGPL-3.0-only", None)[2] is Severity.ERROR


@pytest.mark.parametrize(
    ("expression", "verdict", "severity"),
    [
        ("MIT", Verdict.ALLOW, None),
        ("ISC", Verdict.ALLOW, None),
        ("Unlicense", Verdict.ALLOW, None),
        ("MPL-2.0", Verdict.DENY, Severity.ERROR),
        ("LGPL-3.0-only", Verdict.DENY, Severity.ERROR),
        ("GPL-3.0-only", Verdict.DENY, Severity.ERROR),
        ("AGPL-3.0-or-later", Verdict.DENY, Severity.ERROR),
        ("MIT OR MPL-2.0", Verdict.ALLOW, None),
        ("LicenseRef-foo", Verdict.UNKNOWN, Severity.ERROR),
    ],
)
def test_permissive_only_policy(
    expression: str, verdict: Verdict, severity: Severity | None
) -> None:
    got, _, worst = judge(load("permissive-only"), expression)
    assert (got, worst) == (verdict, severity)


@pytest.mark.parametrize(
    ("expression", "verdict", "severity"),
    [
        ("MIT", Verdict.ALLOW, None),
        ("MPL-2.0", Verdict.ALLOW, None),
        ("LGPL-2.1-only", Verdict.ALLOW, None),
        ("GPL-3.0-only", Verdict.ALLOW, None),
        ("GPL-2.0-or-later", Verdict.ALLOW, None),
        ("AGPL-3.0-only", Verdict.DENY, Severity.ERROR),
        ("AGPL-3.0-or-later", Verdict.DENY, Severity.ERROR),
        ("SSPL-1.0", Verdict.DENY, Severity.ERROR),
        ("BUSL-1.1", Verdict.REVIEW, Severity.WARNING),
        ("GPL-3.0-only OR AGPL-3.0-only", Verdict.ALLOW, None),
        ("GPL-3.0-only AND AGPL-3.0-only", Verdict.DENY, Severity.ERROR),
    ],
)
def test_saas_policy(expression: str, verdict: Verdict, severity: Severity | None) -> None:
    got, _, worst = judge(load("saas"), expression)
    assert (got, worst) == (verdict, severity)
