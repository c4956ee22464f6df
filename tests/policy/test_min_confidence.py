"""``[licenses] min-confidence``: checked on load; a less confident answer counts as unknown."""

from __future__ import annotations

from datetime import date

import pytest

from ospo_scan.errors import PolicyError
from ospo_scan.licenses.normalize import normalize
from ospo_scan.model import Component, Evidence, Resolution, Scope, Severity, Verdict
from ospo_scan.policy.evaluate import evaluate
from ospo_scan.policy.load import parse_policy
from ospo_scan.policy.model import Policy

TODAY = date(2026, 11, 26)
POLICY = """
[licenses]
allow-categories = ["permissive", "public-domain"]
deny-categories = ["strong-copyleft"]
unknown = "{unknown}"
min-confidence = {minimum}

[scopes]
dev = "warning"
{exceptions}
"""
EXCEPTION = """
[[exceptions]]
purl = "pkg:npm/tar"
reason = "Legal read the LICENSE file (LEGAL-9)."
approved-by = "Jane Doe"
expires = 2027-01-01
"""


def policy(minimum: str = "0.6", unknown: str = "error", exceptions: str = "") -> Policy:
    text = POLICY.format(minimum=minimum, unknown=unknown, exceptions=exceptions)
    return parse_policy(text, "policy.toml")


def component(name: str, scope: Scope | None = Scope.REQUIRED) -> Component:
    return Component(
        purl=f"pkg:npm/{name}@1.0.0", name=name, version="1.0.0", ecosystem="npm", scope=scope
    )


def read(raw: str, source: str = "registry:npm") -> Resolution:
    """The resolution a registry answer ``raw`` gives (normalize's expression and confidence)."""
    normalized = normalize(raw)
    return Resolution(
        normalized.expression,
        source,
        normalized.confidence,
        (Evidence(source, raw, "https://registry.test/npm/x/1.0.0"),),
        normalized.note if normalized.confidence < 0.5 else None,
    )


@pytest.mark.parametrize(("value", "expected"), [("0.6", 0.6), ("1", 1.0), ("0", 0.0)])
def test_min_confidence_is_read(value: str, expected: float) -> None:
    assert policy(value).min_confidence == expected


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("1.5", "1.5 is not between 0 and 1"),
        ("-0.1", "-0.1 is not between 0 and 1"),
        ('"0.6"', '"0.6" is a string'),
        ("true", "true is a boolean"),
    ],
)
def test_min_confidence_out_of_range_or_not_a_number(value: str, problem: str) -> None:
    with pytest.raises(PolicyError) as caught:
        policy(value)
    assert caught.value.problems == [
        f"policy.toml:6: licenses.min-confidence: {problem} "
        "(expected a number from 0 to 1, e.g. min-confidence = 0.6)"
    ]


def test_an_ambiguous_answer_below_the_minimum_counts_as_unknown() -> None:
    tar = component("tar")
    evaluation = evaluate(policy(), [(tar, read("BSD"))], today=TODAY)
    (scanned,) = evaluation.components
    assert scanned.verdict is Verdict.UNKNOWN
    (finding,) = evaluation.findings
    assert (finding.rule, finding.severity, finding.licenses) == (
        "license-low-confidence",
        Severity.ERROR,
        ("BSD-3-Clause",),
    )
    assert finding.message == (
        'pkg:npm/tar@1.0.0: BSD-3-Clause (declared as "BSD") is a low-confidence answer '
        '(confidence 0.40 is below min-confidence 0.6; unknown = "error"): "BSD" names a family '
        "of licenses (2-, 3- and 4-clause); BSD-3-Clause assumed; confirm it with a curation"
    )


def test_the_unknown_level_and_scope_caps_apply() -> None:
    tar, dev = component("tar"), component("dev-tar", Scope.DEV)
    items = [(tar, read("BSD")), (dev, read("BSD"))]
    evaluation = evaluate(policy(unknown="warning"), items, today=TODAY)
    assert [(f.purl, f.severity) for f in evaluation.findings] == [
        ("pkg:npm/dev-tar@1.0.0", Severity.WARNING),
        ("pkg:npm/tar@1.0.0", Severity.WARNING),
    ]
    assert {c.verdict for c in evaluation.components} == {Verdict.UNKNOWN}


def test_a_confident_enough_answer_passes() -> None:
    items = [
        (component("plain"), read("MIT")),  # 1.0
        (component("alias"), read("Apache 2.0")),  # 0.9
        (component("off"), read("BSD")),  # 0.4, with min-confidence 0: off
    ]
    strict = evaluate(policy("0.85"), items[:2], today=TODAY)
    assert [c.verdict for c in strict.components] == [Verdict.ALLOW, Verdict.ALLOW]
    assert strict.findings == ()
    off = evaluate(policy("0"), items[2:], today=TODAY)
    assert [c.verdict for c in off.components] == [Verdict.ALLOW]


def test_a_denied_answer_stays_denied() -> None:
    """Low confidence only makes an answer stricter: GPL guessed from "GPL" stays denied."""
    gpl = read("GPL")
    assert gpl.expression is not None and gpl.confidence < 0.6
    evaluation = evaluate(policy(), [(component("gpl"), gpl)], today=TODAY)
    assert evaluation.components[0].verdict is Verdict.DENY
    assert [f.rule for f in evaluation.findings] == ["license-denied", "license-low-confidence"]


def test_an_or_keeps_its_elected_license() -> None:
    resolution = Resolution("MIT OR GPL-3.0-only", "registry:npm", 0.5)
    evaluation = evaluate(policy(), [(component("dual"), resolution)], today=TODAY)
    (scanned,) = evaluation.components
    assert (scanned.verdict, scanned.elected) == (Verdict.UNKNOWN, "MIT")
    (finding,) = evaluation.findings
    assert finding.rule == "license-low-confidence"
    assert finding.licenses == ("MIT OR GPL-3.0-only",)


def test_an_exception_without_licenses_excuses_a_low_confidence_answer() -> None:
    evaluation = evaluate(
        policy(exceptions=EXCEPTION),
        [(component("tar"), read("BSD"))],
        today=TODAY,
    )
    assert evaluation.components[0].verdict is Verdict.EXCEPTED
    (finding,) = evaluation.findings
    assert (finding.rule, finding.severity) == ("exception-applied", Severity.INFO)
    assert "is a low-confidence answer" in finding.message


def test_unresolved_and_curated_answers_are_not_low_confidence() -> None:
    unresolved = Resolution(None, "registry:npm", 0.0, (), "not found in the npm registry")
    curated = Resolution("MIT", "curation", 1.0, (Evidence("curation", "MIT", "c.toml"),))
    evaluation = evaluate(
        policy("1"),
        [(component("gone"), unresolved), (component("curated"), curated)],
        today=TODAY,
    )
    assert [f.rule for f in evaluation.findings] == ["license-curated", "license-unresolved"]
    assert [c.verdict for c in evaluation.components] == [Verdict.ALLOW, Verdict.UNRESOLVED]
