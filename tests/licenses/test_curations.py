"""Curations: files and their checks, matching, precedence, the shipped set, and the chain."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ospo_scan.errors import PolicyError
from ospo_scan.licenses.curations import (
    CURATION_SOURCE,
    Curation,
    find_curation,
    shipped_curations,
    shipped_curations_path,
)
from ospo_scan.licenses.http import HttpClient
from ospo_scan.licenses.normalize import from_classifiers, normalize, parse_expression, render
from ospo_scan.licenses.resolve import ResolveOptions, resolve_licenses
from ospo_scan.model import Component, Evidence, Resolution, Severity, SourceLocation, Verdict
from ospo_scan.patterns import PackagePattern, VersionRange
from ospo_scan.policy.evaluate import evaluate
from ospo_scan.policy.load import (
    builtin_policy_path,
    load_curations,
    load_policy,
    parse_curations,
)
from ospo_scan.sources.base import make_purl
from tests.conftest import FIXTURES
from tests.licenses.conftest import RECORDED, RecordedRegistry

CURATIONS = FIXTURES / "curations"
GOOD = CURATIONS / "good"
BROKEN = CURATIONS / "broken"
LOCKFILE = SourceLocation("package-lock.json", 12)
TODAY = date(2026, 11, 26)
EVIDENCE_EXPECTED = (
    "(expected a URL, a package URL of the license file (pkg:TYPE/NAME@VERSION#FILE) or a file "
    'path, or an array of them, e.g. evidence = ["https://..."])'
)

# Every broken file and the exact problems it must give, all at once.
BROKEN_CASES: dict[str, list[str]] = {
    "missing-keys.toml": [
        '{dir}/missing-keys.toml:1: curations[0]: missing "license" (expected the true license '
        'as an SPDX expression, e.g. license = "MIT OR Apache-2.0")',
        '{dir}/missing-keys.toml:1: curations[0]: missing "curated-by" (expected who checked '
        "the license)",
        '{dir}/missing-keys.toml:1: curations[0]: missing "date" (expected when it was checked, '
        "a TOML date such as date = 2025-06-30)",
        '{dir}/missing-keys.toml:1: curations[0]: missing "evidence" (expected a URL or file '
        'showing the license, e.g. evidence = ["https://..."])',
    ],
    "misspelt-key.toml": [
        '{dir}/misspelt-key.toml:5: curations[0].curated_by: unknown key "curated_by" in a '
        'curation; did you mean "curated-by"? (expected one of purl, version, license, reason, '
        "curated-by, date, evidence)",
    ],
    "bad-license.toml": [
        "{dir}/bad-license.toml:3: curations[0].license: 'Apache 2.0' is not an SPDX license "
        'id or LicenseRef; did you mean "Apache-2.0"? (expected an SPDX expression, e.g. '
        '"MIT", "Apache-2.0 OR MIT" or "LicenseRef-...")',
        "{dir}/bad-license.toml:11: curations[1].license: not a valid SPDX license "
        "expression: 'MIT OR'; did you mean \"MIT\"? (expected an SPDX expression, e.g. "
        '"MIT", "Apache-2.0 OR MIT" or "LicenseRef-...")',
    ],
    "bad-values.toml": [
        '{dir}/bad-values.toml:2: curations[0].purl: "npm/left-pad" is not a package URL: purl '
        "is missing the required \"pkg\" scheme component: 'npm/left-pad' (expected "
        "pkg:TYPE/[NAMESPACE/]NAME[@VERSION], e.g. pkg:npm/left-pad)",
        '{dir}/bad-values.toml:6: curations[0].date: "2026-03-02" is a string (expected a TOML '
        "date without quotes, e.g. date = 2025-06-30)",
        f"{{dir}}/bad-values.toml:7: curations[0].evidence: is empty {EVIDENCE_EXPECTED}",
        "{dir}/bad-values.toml:13: curations[1].reason: is empty (expected why the declared "
        "license is wrong)",
        "{dir}/bad-values.toml:15: curations[1].date: 2026-03-02T10:00:00 is a date-time "
        "(expected a TOML date without quotes, e.g. date = 2025-06-30)",
        '{dir}/bad-values.toml:16: curations[1].evidence[0]: "ftp://files.test/LICENSE" is not '
        f"an http(s) URL {EVIDENCE_EXPECTED}",
        '{dir}/bad-values.toml:16: curations[1].evidence[1]: "pkg:npm/right-pad@1.0.0" does not '
        f"name a version and a file (pkg:TYPE/NAME@VERSION#FILE) {EVIDENCE_EXPECTED}",
        '{dir}/bad-values.toml:16: curations[1].evidence[2]: evidence file "no-such-file.txt" '
        f"does not exist (looked beside {{dir}}/bad-values.toml) {EVIDENCE_EXPECTED}",
        "{dir}/bad-values.toml:16: curations[1].evidence[3]: 42 is an integer "
        f"{EVIDENCE_EXPECTED}",
        '{dir}/bad-values.toml:11: curations[1].version: the purl already pins version "1.0.0" '
        "(expected either @VERSION in purl or a version range, not both)",
        '{dir}/bad-values.toml:20: curations[2].version: "1.0 - 2.0" is not a version range: '
        '"1.0 - 2.0" is not a version comparison (expected comparisons joined by commas, '
        'e.g. ">=1.0, <2")',
    ],
    "not-tables.toml": [
        '{dir}/not-tables.toml:2: extra: unknown key "extra" in a curations file (expected only '
        "[[curations]] tables)",
        '{dir}/not-tables.toml:1: curations[0]: "other.toml" is a string (expected an array of '
        "tables, each written [[curations]])",
        "{dir}/not-tables.toml:1: curations[1]: 3 is an integer (expected an array of tables, "
        "each written [[curations]])",
    ],
    "syntax.toml": [
        "{dir}/syntax.toml:2: invalid TOML: illegal character '\\n' at column 25 (expected a "
        "TOML document, see docs/policy.md)",
    ],
    "empty.toml": [
        "{dir}/empty.toml: no [[curations]] table (expected at least one [[curations]] table)",
    ],
}

# Policies with curation problems: the policy's own problems and those of the files it names.
BROKEN_POLICIES: dict[str, list[str]] = {
    "policy-missing-file.toml": [
        '{dir}/policy-missing-file.toml:2: curations[0]: "does-not-exist.toml": no such '
        "curation file ({dir}/does-not-exist.toml) (expected a TOML curation file)",
    ],
    "policy-broken-file.toml": [
        "{dir}/policy-broken-file.toml:10: licenses.min-confidence: 1.5 is not between 0 and 1 "
        "(expected a number from 0 to 1, e.g. min-confidence = 0.6)",
        *BROKEN_CASES["missing-keys.toml"],
        '{dir}/policy-broken-file.toml:1: curations[1].evidence: evidence file "nope.txt" does '
        f"not exist (looked beside {{dir}}/policy-broken-file.toml) {EVIDENCE_EXPECTED}",
    ],
    "policy-misplaced-key.toml": [
        '{dir}/policy-misplaced-key.toml:6: licenses.curations: "curations" is written inside '
        "[licenses] (expected a top-level key: write curations = ... above the first [table])",
    ],
}


@pytest.mark.parametrize("name", sorted(BROKEN_CASES))
def test_broken_curation_file_reports_every_problem(name: str) -> None:
    with pytest.raises(PolicyError) as caught:
        load_curations(BROKEN / name)
    assert caught.value.problems == [line.format(dir=BROKEN) for line in BROKEN_CASES[name]]


@pytest.mark.parametrize("name", sorted(BROKEN_POLICIES))
def test_broken_curations_in_a_policy_are_policy_problems(name: str) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(BROKEN / name)
    assert caught.value.problems == [line.format(dir=BROKEN) for line in BROKEN_POLICIES[name]]


def test_a_missing_curation_file_is_one_problem(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load_curations(tmp_path / "nope.toml")
    assert caught.value.problems == [
        f"{tmp_path}/nope.toml: no such curation file (expected a TOML curation file)"
    ]


# --- good files ------------------------------------------------------------------------------


def test_policy_with_inline_curations() -> None:
    policy = load_policy(GOOD / "policy-inline.toml")
    left_pad, acme = policy.curations
    assert left_pad == Curation(
        index=0,
        path=str(GOOD / "policy-inline.toml"),
        package=PackagePattern.parse("pkg:npm/left-pad"),
        license="MIT",
        reason="Relicensed: the 1.x tarballs carry the MIT text in LICENSE (LEGAL-12).",
        curated_by="Jane Doe, OSPO",
        curated_on=date(2026, 3, 2),
        evidence=("https://git.test/left-pad/blob/v1.3.0/LICENSE",),
        versions=VersionRange.parse(">=1.0, <2"),
        line=9,
    )
    assert (
        left_pad.label == f"{GOOD}/policy-inline.toml:9: curations[0] (pkg:npm/left-pad, >=1.0, <2)"
    )
    assert acme.license == "LicenseRef-acme-commercial"
    assert acme.evidence == ("legal/acme-license.txt",)
    assert policy.min_confidence == 0.0


def test_policy_naming_curation_files_reads_them_relative_to_itself() -> None:
    policy = load_policy(GOOD / "policy-files.toml")
    assert [(c.path, c.index, c.license) for c in policy.curations] == [
        (str(GOOD / "org-curations.toml"), 0, "Apache-2.0 AND BSD-3-Clause"),  # canonical
        (str(GOOD / "org-curations.toml"), 1, "ISC"),
        (str(GOOD / "legal" / "more-curations.toml"), 0, "MIT OR Apache-2.0"),
    ]
    assert policy.curations[0].evidence == (
        "pkg:pypi/acme-tool@2.4.1#LICENSE",
        "legal/acme-license.txt",
    )
    assert policy.min_confidence == 0.6


def test_label_names_the_curations_in_evidence_and_describe() -> None:
    (curation,) = parse_curations(
        '[[curations]]\npurl = "pkg:npm/x"\nlicense = "mit"\nreason = "why"\n'
        'curated-by = "me"\ndate = 2026-01-02\nevidence = "https://git.test/x/LICENSE"\n',
        "inline.toml",
        label="team curations",
    )
    assert curation.label == "team curations:1: curations[0] (pkg:npm/x)"
    assert curation.evidence_item() == Evidence(
        "curation",
        "MIT",
        "team curations:1: curations[0] (pkg:npm/x): why (curated by me on 2026-01-02; "
        "evidence: https://git.test/x/LICENSE)",
    )


# --- matching and precedence -----------------------------------------------------------------


def curation(purl: str, license: str, versions: str | None = None, index: int = 0) -> Curation:
    return Curation(
        index=index,
        path="test.toml",
        package=PackagePattern.parse(purl),
        license=license,
        reason="test",
        curated_by="tester",
        curated_on=TODAY,
        evidence=("https://git.test/LICENSE",),
        versions=VersionRange.parse(versions) if versions else None,
    )


def npm(name: str, version: str | None, **fields: object) -> Component:
    namespace, _, bare = name.rpartition("/")
    return Component(
        purl=make_purl("npm", bare, version, namespace or None),
        name=name,
        version=version,
        ecosystem="npm",
        locations=(LOCKFILE,),
        **fields,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("pattern", "versions", "component", "matches"),
    [
        ("pkg:npm/glob", ">=3.1.21, <=4.0.4", npm("glob", "3.2.11"), True),
        ("pkg:npm/glob", ">=3.1.21, <=4.0.4", npm("glob", "4.0.5"), False),
        ("pkg:npm/glob", ">=3.1.21, <=4.0.4", npm("glob", "3.1.20"), False),
        ("pkg:npm/glob", ">=3.1.21, <=4.0.4", npm("glob", None), False),  # no version, no range
        ("pkg:npm/glob", None, npm("glob", None), True),
        ("pkg:npm/glob@3.2.11", None, npm("glob", "3.2.11"), True),
        ("pkg:npm/glob@3.2.11", None, npm("glob", "3.2.10"), False),
        ("pkg:npm/@acme/*", None, npm("@acme/widgets", "2.0.0"), True),
        ("pkg:npm/@acme/*", None, npm("@other/widgets", "2.0.0"), False),
        ("pkg:npm/GLOB", None, npm("glob", "1.0.0"), True),  # case-insensitive
        ("pkg:pypi/glob", None, npm("glob", "1.0.0"), False),  # another type
    ],
)
def test_curation_matching(
    pattern: str, versions: str | None, component: Component, matches: bool
) -> None:
    assert curation(pattern, "MIT", versions).matches(component.purl, component.version) is matches


def test_first_curation_that_names_the_component_wins() -> None:
    first = curation("pkg:npm/glob", "ISC", "3.2.11", index=0)
    broad = curation("pkg:npm/glob", "BSD-2-Clause", index=1)
    assert find_curation([first, broad], npm("glob", "3.2.11")) is first
    assert find_curation([first, broad], npm("glob", "3.2.10")) is broad
    assert find_curation([first, broad], npm("left-pad", "1.3.0")) is None
    assert find_curation([], npm("glob", "3.2.11")) is None


# --- the shipped set -------------------------------------------------------------------------

# Real packages: (purl, what the package declares, the license its files say). The declared
# value is what its registry metadata (npm `license`, PyPI License field or, when the field is
# unusable, the license classifier) says, read from the published artifact of that version.
SHIPPED_TRUTH: list[tuple[str, str, str]] = [
    ("pkg:pypi/decorator@4.0.0", "BSD License", "BSD-2-Clause"),
    ("pkg:pypi/decorator@4.4.2", "new BSD License", "BSD-2-Clause"),
    ("pkg:pypi/decorator@5.1.1", "new BSD License", "BSD-2-Clause"),
    ("pkg:pypi/pygments@1.6", "BSD License", "BSD-2-Clause"),
    ("pkg:pypi/pygments@2.13.0", "BSD License", "BSD-2-Clause"),
    ("pkg:pypi/pyasn1@0.4.8", "BSD", "BSD-2-Clause"),
    ("pkg:pypi/wrapt@1.14.1", "BSD", "BSD-2-Clause"),
    ("pkg:pypi/mock@4.0.3", "License :: OSI Approved :: BSD License", "BSD-2-Clause"),
    ("pkg:pypi/chardet@3.0.4", "LGPL", "LGPL-2.1-or-later"),
    ("pkg:pypi/chardet@5.2.0", "LGPL", "LGPL-2.1-or-later"),
    ("pkg:pypi/paramiko@2.12.0", "LGPL", "LGPL-2.1-or-later"),
    ("pkg:pypi/paramiko@3.5.1", "LGPL", "LGPL-2.1-or-later"),
    ("pkg:pypi/greenlet@3.0.3", "MIT License", "MIT AND PSF-2.0"),
    ("pkg:pypi/python-dateutil@2.7.0", "Apache 2.0", "Apache-2.0 AND BSD-3-Clause"),
    ("pkg:pypi/python-dateutil@2.8.2", "Dual License", "Apache-2.0 AND BSD-3-Clause"),
    ("pkg:pypi/simplejson@3.19.2", "MIT License", "MIT OR AFL-2.1"),
    ("pkg:npm/glob@3.2.11", "BSD", "BSD-2-Clause"),
    ("pkg:npm/glob@4.0.4", "BSD", "BSD-2-Clause"),
    ("pkg:npm/graceful-fs@3.0.6", "BSD", "BSD-2-Clause"),
    ("pkg:npm/semver@4.3.3", "BSD", "BSD-2-Clause"),
    ("pkg:npm/once@1.3.1", "BSD", "BSD-2-Clause"),
    ("pkg:npm/json-stringify-safe@5.0.0", "BSD", "BSD-2-Clause"),
    ("pkg:npm/npmlog@1.2.0", "BSD", "BSD-2-Clause"),
    ("pkg:npm/fstream@1.0.4", "BSD", "BSD-2-Clause"),
    ("pkg:npm/sigmund@1.0.0", "BSD", "BSD-2-Clause"),
    ("pkg:npm/block-stream@0.0.7", "BSD", "BSD-2-Clause"),
    ("pkg:npm/ckeditor5@44.0.0", "SEE LICENSE IN LICENSE.md", "GPL-2.0-or-later"),
    ("pkg:npm/ckeditor5@48.5.2", "SEE LICENSE IN LICENSE.md", "GPL-2.0-or-later"),
    ("pkg:npm/mapbox-gl@2.0.0", "SEE LICENSE IN LICENSE.txt", "LicenseRef-ospo-proprietary"),
    ("pkg:npm/mapbox-gl@3.32.0", "SEE LICENSE IN LICENSE.txt", "LicenseRef-ospo-proprietary"),
]
# Versions just outside the ranges: they declare the right license themselves (or were not
# checked), and no shipped curation may touch them.
NOT_CURATED = [
    "pkg:pypi/decorator@5.2.1",
    "pkg:pypi/pygments@2.14.0",
    "pkg:pypi/pyasn1@0.5.1",
    "pkg:pypi/greenlet@3.2.3",
    "pkg:pypi/simplejson@3.0.0",
    "pkg:npm/glob@4.0.5",
    "pkg:npm/graceful-fs@3.0.7",
    "pkg:npm/semver@4.3.4",
    "pkg:npm/once@1.3.2",
    "pkg:npm/json-stringify-safe@5.0.1",
    "pkg:npm/sigmund@1.0.1",
    "pkg:npm/block-stream@0.0.8",
    "pkg:npm/ckeditor5@43.3.1",
    "pkg:npm/mapbox-gl@1.13.3",
    "pkg:npm/tar@0.1.20",
]


def component_of(purl: str, declared: str | None = None) -> Component:
    kind, rest = purl[len("pkg:") :].split("/", 1)
    name, _, version = rest.partition("@")
    return Component(
        purl=purl, name=name, version=version, ecosystem=kind, declared_license=declared
    )


def declared_reading(declared: str) -> tuple[str | None, float]:
    reading = (
        from_classifiers([declared]) if declared.startswith("License ::") else normalize(declared)
    )
    assert reading is not None
    return reading.expression, reading.confidence


def test_the_shipped_file_is_valid_and_every_entry_has_its_evidence() -> None:
    shipped = shipped_curations()
    assert shipped_curations_path().name == "curations.toml"
    assert len(shipped) == 27
    for item in shipped:
        assert item.license == render(parse_expression(item.license))
        assert item.reason.endswith(".") and len(item.reason) > 40
        assert item.curated_by == "ospo-scan maintainers"
        assert item.versions is not None or item.package.version is not None
        package = item.package.text.split("@", 1)[0] if item.package.version else item.package.text
        for evidence in item.evidence:
            # The license file inside the published version it was read from, in the range.
            head, _, subpath = evidence.partition("#")
            assert head.startswith(f"{package}@") and subpath, evidence
            assert item.matches(head, head.rsplit("@", 1)[1]), evidence
        assert item.path == "shipped curations.toml"


@pytest.mark.parametrize(("purl", "declared", "truth"), SHIPPED_TRUTH)
def test_shipped_curations_correct_real_packages(purl: str, declared: str, truth: str) -> None:
    found = find_curation(shipped_curations(), component_of(purl))
    assert found is not None and found.license == truth
    expression, confidence = declared_reading(declared)
    # The curation is needed: reading the declaration gives another license, or the right
    # one only as a guess.
    assert expression != truth or confidence < 1.0


@pytest.mark.parametrize("purl", NOT_CURATED)
def test_shipped_curations_leave_other_versions_alone(purl: str) -> None:
    assert find_curation(shipped_curations(), component_of(purl)) is None


def test_shipped_curations_under_the_default_policy() -> None:
    """What the corrections mean for a default-policy scan: nothing curated into "allowed"
    that the license files do not allow."""
    policy = load_policy(builtin_policy_path("default"))
    items = []
    for purl, declared, _ in SHIPPED_TRUTH:
        component = component_of(purl, declared)
        found = find_curation(shipped_curations(), component)
        assert found is not None
        resolution = Resolution(found.license, CURATION_SOURCE, 1.0, (found.evidence_item(),))
        items.append((component, resolution))
    verdicts = {
        c.component.purl: c.verdict for c in evaluate(policy, items, today=TODAY).components
    }
    assert verdicts["pkg:npm/ckeditor5@44.0.0"] is Verdict.DENY
    assert verdicts["pkg:npm/mapbox-gl@2.0.0"] is Verdict.DENY
    assert verdicts["pkg:pypi/paramiko@3.5.1"] is Verdict.REVIEW
    assert verdicts["pkg:npm/glob@3.2.11"] is Verdict.ALLOW
    assert verdicts["pkg:pypi/simplejson@3.19.2"] is Verdict.ALLOW


# --- in the resolution chain -----------------------------------------------------------------


def options(registry: RecordedRegistry, tmp_path: Path, *found: Curation) -> ResolveOptions:
    return ResolveOptions(
        cache_dir=tmp_path / "cache",
        registries={"npm": f"{RECORDED}/npm"},
        http=HttpClient(session_factory=registry.session, sleep=lambda s: None, retries=1),
        curations=found,
    )


def test_a_curation_wins_without_asking_the_registry_and_keeps_the_lockfile_evidence(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    tar = curation("pkg:npm/tar", "BSD-2-Clause", "<1")
    component = npm("tar", "0.1.20", declared_license="BSD")
    results, stats = resolve_licenses([component], options(recorded_session, tmp_path, tar))
    resolution = results[component.purl]
    assert resolution == Resolution(
        "BSD-2-Clause",
        "curation",
        1.0,
        (
            tar.evidence_item(),
            Evidence(
                "lockfile",
                "BSD",
                f"package-lock.json:12 ({normalize('BSD').note})",
            ),
        ),
        method="curation",
    )
    assert recorded_session.requests == []
    assert (stats.from_curation, stats.from_lockfile, stats.requests) == (1, 0, 0)


def test_a_curated_component_keeps_what_the_cache_says(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    component = npm("tar", "0.1.20")
    first, _ = resolve_licenses([component], options(recorded_session, tmp_path))
    assert first[component.purl].source == "registry:npm"
    tar = curation("pkg:npm/tar", "BSD-2-Clause")
    second, stats = resolve_licenses([component], options(recorded_session, tmp_path, tar))
    resolution = second[component.purl]
    assert (resolution.expression, resolution.source) == ("BSD-2-Clause", "curation")
    assert resolution.evidence[0] == tar.evidence_item()
    # The registry's answer, as cached by the first run, is kept as evidence.
    assert resolution.evidence[1:-1] == first[component.purl].evidence
    assert resolution.evidence[-1].source == "cache"
    assert len(recorded_session.requests) == 1  # the first run only
    assert (stats.from_curation, stats.from_cache) == (1, 0)


def test_components_no_curation_names_go_through_the_chain(
    recorded_session: RecordedRegistry, tmp_path: Path
) -> None:
    old_tar = curation("pkg:npm/tar", "BSD-2-Clause", ">=1")
    git = npm("from-git", "1.0.0", registry=False, download_url="https://git.test/a/b#abc")
    git_curation = curation("pkg:npm/from-git", "Apache-2.0")
    components = [npm("tar", "0.1.20"), npm("left-pad", "1.3.0", declared_license="MIT"), git]
    results, stats = resolve_licenses(
        components, options(recorded_session, tmp_path, old_tar, git_curation)
    )
    assert results[components[0].purl].source == "registry:npm"
    # The lockfile's MIT is a declaration the registry checks (left-pad 1.3.0 is WTFPL).
    assert results[components[1].purl].source == "registry:npm"
    assert results[components[1].purl].evidence[0].source == "lockfile"
    # A curation can give a git dependency the license no registry would.
    assert (results[git.purl].expression, results[git.purl].source) == ("Apache-2.0", "curation")
    assert (stats.from_registry, stats.from_lockfile, stats.from_curation) == (2, 0, 1)
    assert stats.components == 3 and stats.unresolved == 0


# --- in the policy's findings ----------------------------------------------------------------


def test_a_curated_license_is_reported_in_the_findings() -> None:
    policy = load_policy(builtin_policy_path("default"))
    glob = component_of("pkg:npm/glob@3.2.11", "BSD")
    ck = component_of("pkg:npm/ckeditor5@44.0.0", "SEE LICENSE IN LICENSE.md")
    found = {c.purl: find_curation(shipped_curations(), c) for c in (glob, ck)}
    items = []
    for component in (glob, ck):
        item = found[component.purl]
        assert item is not None
        evidence = (item.evidence_item(), Evidence("lockfile", component.declared_license or ""))
        items.append((component, Resolution(item.license, CURATION_SOURCE, 1.0, evidence)))
    evaluation = evaluate(policy, items, today=TODAY)
    by_rule = {(f.purl, f.rule): f for f in evaluation.findings}
    curated = by_rule[("pkg:npm/glob@3.2.11", "license-curated")]
    assert curated.severity is Severity.INFO
    assert curated.licenses == ("BSD-2-Clause",)
    glob_curation = found["pkg:npm/glob@3.2.11"]
    assert glob_curation is not None
    assert curated.message == (
        'pkg:npm/glob@3.2.11: license BSD-2-Clause set by curation (declared as "BSD"): '
        f"{glob_curation.describe()}"
    )
    denied = by_rule[("pkg:npm/ckeditor5@44.0.0", "license-denied")]
    assert denied.message == (
        "pkg:npm/ckeditor5@44.0.0: GPL-2.0-or-later is denied (category strong-copyleft is in "
        "deny-categories); the license was set by a curation (see license-curated)"
    )
    assert ("pkg:npm/ckeditor5@44.0.0", "license-curated") in by_rule
    assert [c.verdict for c in evaluation.components] == [Verdict.DENY, Verdict.ALLOW]
