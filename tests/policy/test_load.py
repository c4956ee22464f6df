"""Loading policy files: every key, every broken file, line numbers, shipped policy lookup."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import ospo_scan
from ospo_scan.errors import InputError, PolicyError
from ospo_scan.model import Scope
from ospo_scan.patterns import PackagePattern, VersionRange, compare_versions
from ospo_scan.policy.load import (
    builtin_policy_path,
    key_text,
    list_builtin_policies,
    load_policy,
    parse_policy,
)
from ospo_scan.policy.model import Level

from ..conftest import FIXTURES

POLICIES = FIXTURES / "policies"
BROKEN = POLICIES / "broken"
LICENSE_EXPECTED = '(expected an SPDX license id, "ID WITH EXCEPTION-ID" or LicenseRef-...)'
LEVELS_EXPECTED = "(expected one of error, warning, info, ignore)"
CATEGORIES_EXPECTED = (
    "(expected one of permissive, public-domain, weak-copyleft, strong-copyleft, "
    "network-copyleft, source-available, proprietary)"
)
DATE_EXPECTED = "(expected a TOML date without quotes, e.g. expires = 2027-06-30)"

# Every broken fixture and the problems it must report, in order ({path} is the file).
BROKEN_CASES: dict[str, list[str]] = {
    "syntax-error": [
        "{path}:3: invalid TOML: unclosed array at column 1 "
        "(expected a TOML document, see docs/policy.md)"
    ],
    "duplicate-key": [
        "{path}:3: invalid TOML: cannot overwrite a value at column 16 "
        "(expected a TOML document, see docs/policy.md)"
    ],
    "not-utf8": [
        "{path}:2: byte 0xe9 is not UTF-8 (invalid continuation byte) (expected a UTF-8 text file)"
    ],
    "unknown-table": [
        '{path}:1: license: unknown key "license"; did you mean "licenses"? '
        "(expected the tables policy, licenses, scopes, exceptions, curations)"
    ],
    "unknown-licenses-key": [
        '{path}:2: licenses.alow: unknown key "alow" in [licenses]; did you mean "allow"? '
        "(expected one of allow, review, deny, allow-categories, review-categories, "
        "deny-categories, default, unknown, unresolved, min-confidence)",
        '{path}:3: licenses.deny-category: unknown key "deny-category" in [licenses]; '
        'did you mean "deny-categories"? (expected one of allow, review, deny, '
        "allow-categories, review-categories, deny-categories, default, unknown, unresolved, "
        "min-confidence)",
    ],
    "policy-not-table": [
        '{path}:1: policy: "corporate" is a string (expected a table, written [policy])'
    ],
    "policy-name-not-string": ["{path}:2: policy.name: 42 is an integer (expected a string)"],
    "list-not-array": [
        '{path}:2: licenses.allow: "MIT" is a string '
        '(expected an array of strings, e.g. ["MIT", "Apache-2.0"])'
    ],
    "list-item-not-string": [
        "{path}:4: licenses.allow[1]: 3 is an integer (expected a string: an SPDX license id)"
    ],
    "invalid-license-id": [
        '{path}:4: licenses.allow[1]: "Apache 2.0" is not an SPDX license id; '
        f'did you mean "Apache-2.0"? {LICENSE_EXPECTED}',
        '{path}:5: licenses.allow[2]: "MITT" is not an SPDX license id; '
        f'did you mean "MIT"? {LICENSE_EXPECTED}',
    ],
    "expression-in-list": [
        '{path}:2: licenses.allow[0]: "MIT OR Apache-2.0" is an expression, not a single '
        'license (expected an SPDX license id, "ID WITH EXCEPTION-ID" or LicenseRef-...; '
        "list each license of an expression on its own)"
    ],
    "invalid-with-exception": [
        '{path}:2: licenses.review[0]: "Linking-exception-9" is not an SPDX license exception '
        'id (expected an SPDX exception id such as "Classpath-exception-2.0" after WITH)'
    ],
    "license-in-two-lists": [
        '{path}:3: licenses.review[0]: "mpl-2.0" is already in licenses.allow '
        "(expected each license in one list only)"
    ],
    "unknown-category": [
        '{path}:2: licenses.allow-categories[0]: "permisive" is not a license category; '
        f'did you mean "permissive"? {CATEGORIES_EXPECTED}'
    ],
    "unknown-as-category": [
        '{path}:2: licenses.deny-categories[0]: "unknown" cannot be listed as a category '
        '(expected the setting unknown = "error" | "warning" | "info" | "ignore")'
    ],
    "category-in-two-lists": [
        '{path}:3: licenses.review-categories[0]: "weak-copyleft" is already in '
        "licenses.allow-categories (expected each category in one list only)"
    ],
    "invalid-level": [
        '{path}:3: licenses.default: "deny" is not a level; did you mean "error"? '
        + LEVELS_EXPECTED
    ],
    "level-not-string": [
        "{path}:2: licenses.unknown: false is a boolean "
        "(expected a string, one of error, warning, info, ignore)"
    ],
    "invalid-scope": [
        '{path}:3: scopes.test: unknown key "test" in [scopes] (expected one of dev, optional)',
        f'{{path}}:2: scopes.dev: "warn" is not a level; did you mean "warning"? {LEVELS_EXPECTED}',
    ],
    "exceptions-not-array": [
        "{path}:1: exceptions: is a table "
        "(expected an array of tables, each written [[exceptions]])"
    ],
    "exception-missing-fields": [
        '{path}:10: exceptions[1]: missing "reason" (expected why the exception is granted)',
        '{path}:10: exceptions[1]: missing "approved-by" (expected who approved it)',
        '{path}:10: exceptions[1]: missing "expires" (expected the last day it applies, '
        "a TOML date such as expires = 2027-06-30)",
    ],
    "exception-invalid-purl": [
        '{path}:2: exceptions[0].purl: "npm/left-pad" is not a package URL: purl is missing '
        "the required \"pkg\" scheme component: 'npm/left-pad' "
        "(expected pkg:TYPE/[NAMESPACE/]NAME[@VERSION], e.g. pkg:npm/left-pad)"
    ],
    "exception-purl-qualifiers": [
        '{path}:2: exceptions[0].purl: "pkg:maven/org.example/lib@1.0?type=jar" is not a '
        "package URL: qualifiers and subpaths cannot be matched "
        "(expected pkg:TYPE/[NAMESPACE/]NAME[@VERSION], e.g. pkg:npm/left-pad)"
    ],
    "exception-expires-string": [
        f'{{path}}:5: exceptions[0].expires: "2027-06-30" is a string {DATE_EXPECTED}'
    ],
    "exception-expires-datetime": [
        "{path}:5: exceptions[0].expires: 2027-06-30T12:00:00+00:00 is a date-time " + DATE_EXPECTED
    ],
    "exception-invalid-version": [
        '{path}:3: exceptions[0].version: ">=1.0, <<2" is not a version range: "<<2" is not '
        'a version comparison (expected comparisons joined by commas, e.g. ">=1.0, <2")'
    ],
    "exception-version-twice": [
        '{path}:3: exceptions[0].version: the purl already pins version "1.3.0" '
        "(expected either @VERSION in purl or a version range, not both)"
    ],
    "exception-unknown-key": [
        '{path}:4: exceptions[0].approved_by: unknown key "approved_by" in an exception; '
        'did you mean "approved-by"? '
        "(expected one of purl, version, licenses, reason, approved-by, expires)"
    ],
    "exception-empty-reason": [
        "{path}:3: exceptions[0].reason: is empty (expected why the exception is granted)"
    ],
    "exception-invalid-license": [
        '{path}:3: exceptions[0].licenses[1]: "Beerware-1.0" is not an SPDX license id; '
        f'did you mean "Beerware"? {LICENSE_EXPECTED}'
    ],
    "many-problems": [
        '{path}:4: policy.descripton: unknown key "descripton" in [policy]; '
        'did you mean "description"? (expected one of name, description, version)',
        '{path}:7: licenses.allow[1]: "GPL-3.0-onyl" is not an SPDX license id; '
        f'did you mean "GPL-3.0-only"? {LICENSE_EXPECTED}',
        '{path}:8: licenses.deny[0]: "MIT" is already in licenses.allow '
        "(expected each license in one list only)",
        f'{{path}}:10: licenses.default: "maybe" is not a level {LEVELS_EXPECTED}',
        f'{{path}}:19: exceptions[0].expires: "soon" is a string {DATE_EXPECTED}',
    ],
}


def test_every_broken_fixture_has_its_expected_problems() -> None:
    assert sorted(p.stem for p in BROKEN.glob("*.toml")) == sorted(BROKEN_CASES)


@pytest.mark.parametrize("name", sorted(BROKEN_CASES))
def test_broken_policy_reports_every_problem(name: str) -> None:
    path = BROKEN / f"{name}.toml"
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    expected = [line.format(path=path) for line in BROKEN_CASES[name]]
    assert caught.value.problems == expected
    assert str(caught.value) == "\n".join(expected)
    assert caught.value.path == str(path)


def test_complete_policy_loads_every_key() -> None:
    path = POLICIES / "good" / "complete.toml"
    policy = load_policy(path)
    assert policy.name == "acme corporate"
    assert policy.path == str(path)
    assert policy.description == "Acme's policy for shipped products"
    assert policy.version == "2.1"
    # ids are stored canonically: case, deprecated spellings, exception ids
    assert policy.allow == (
        "MIT",
        "Apache-2.0",
        "GPL-2.0-or-later",
        "GPL-2.0-only WITH Classpath-exception-2.0",
        "LicenseRef-acme-internal",
    )
    assert policy.review == ("MPL-2.0",)
    assert policy.deny == ("AGPL-3.0-only",)
    assert policy.allow_categories == ("permissive", "public-domain")
    assert policy.review_categories == ("weak-copyleft",)
    assert policy.deny_categories == (
        "strong-copyleft",
        "network-copyleft",
        "source-available",
        "proprietary",
    )
    assert (policy.default, policy.unknown, policy.unresolved) == (
        Level.WARNING,
        Level.INFO,
        Level.ERROR,
    )
    assert policy.scope_level(Scope.DEV) is Level.IGNORE
    assert policy.scope_level(Scope.OPTIONAL) is Level.WARNING
    assert policy.scope_level(Scope.REQUIRED) is Level.ERROR
    assert policy.scope_level(None) is Level.ERROR
    first, second, third = policy.exceptions
    assert (first.index, first.package.text, first.package.version) == (0, "pkg:npm/left-pad", None)
    assert first.reason == "Vendored copy reviewed by legal (LEGAL-42)."
    assert first.approved_by == "Jane Doe"
    assert first.expires == date(2027, 6, 30)
    assert (first.versions, first.licenses) == (None, ())
    assert (second.package.name, second.package.version) == ("some-tool", "1.2.3")
    assert second.licenses == ("GPL-3.0-only",)
    assert (third.package.type, third.package.namespace, third.package.name) == (
        "maven",
        "org.example",
        "lib",
    )
    assert third.versions == VersionRange(">=1.0, <2", ((">=", "1.0"), ("<", "2")))
    assert third.licenses == ("LicenseRef-example-eula",)


def test_minimal_policy_gets_safe_defaults() -> None:
    policy = load_policy(POLICIES / "good" / "minimal.toml")
    assert policy.name == "minimal"  # the file name when [policy] has none
    assert (policy.default, policy.unknown, policy.unresolved) == (Level.ERROR,) * 3
    assert policy.scope_level(Scope.DEV) is Level.ERROR  # no cap unless the policy says so
    assert policy.allow == () and policy.exceptions == ()


def test_empty_policy_is_valid_and_denies_by_default() -> None:
    policy = parse_policy("", "empty.toml")
    assert policy.name == "empty"
    assert policy.allow_categories == ()


def test_duplicates_within_one_list_are_merged() -> None:
    policy = parse_policy('[licenses]\nallow = ["MIT", "mit", "GPL-2.0+", "GPL-2.0-or-later"]', "p")
    assert policy.allow == ("MIT", "GPL-2.0-or-later")


def test_or_later_and_license_ref_spellings() -> None:
    policy = parse_policy(
        '[licenses]\nallow = ["MPL-1.1+", "documentref-spdx-tool:licenseref-x", '
        '"licenseref-acme", "gpl-3.0+"]',
        "p.toml",
    )
    assert policy.allow == (
        "MPL-1.1+",
        "DocumentRef-spdx-tool:LicenseRef-x",
        "LicenseRef-acme",
        "GPL-3.0-or-later",
    )


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (
            "GPL-2.0-only WITH classpath-exeption-2.0",
            '"classpath-exeption-2.0" is not an SPDX license exception id; '
            'did you mean "Classpath-exception-2.0"?',
        ),
        ("LGPL-2.1-ony", '"LGPL-2.1-ony" is not an SPDX license id; did you mean "LGPL-2.1-only"?'),
        ("GPLv3", '"GPLv3" is not an SPDX license id; did you mean "GPL-3.0-only"?'),
        ("Zzyzx-License", '"Zzyzx-License" is not an SPDX license id (expected'),
        ("LicenseRef-has space", '"LicenseRef-has space" is not an SPDX license id (expected'),
        ("MIT WITH", '"MIT WITH" is not an SPDX license id; did you mean "MIT"?'),
        ("MIT WITH A WITH B", '"A WITH B" is not an SPDX license exception id (expected'),
        ("(MIT)", '"(MIT)" is an expression, not a single license'),
    ],
)
def test_license_entry_problems(entry: str, problem: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(f'[licenses]\ndeny = ["{entry}"]\n', "p.toml")
    (message,) = caught.value.problems
    assert message.startswith(f"p.toml:2: licenses.deny[0]: {problem}"), message


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b'\xef\xbb\xbf[licenses]\nallow = ["MIT"]\n')
    assert load_policy(path).allow == ("MIT",)


def test_a_folder_is_not_a_policy(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(tmp_path)
    (problem,) = caught.value.problems
    assert problem.startswith(f"{tmp_path}: cannot read the policy file: ")


def test_missing_file() -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(Path("/nonexistent/policy.toml"))
    assert caught.value.problems == [
        "/nonexistent/policy.toml: no such policy file (expected a TOML policy file)"
    ]


def test_problems_without_a_line_give_the_key_path() -> None:
    # an inline table hides the key from the line scanner: the key path still says where
    text = 'licenses = { allow = ["MIT", "NOPE-1"] }\n'
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "inline.toml")
    (problem,) = caught.value.problems
    assert problem.startswith('inline.toml:1: licenses.allow[1]: "NOPE-1" is not an SPDX')


def test_dotted_keys_are_located() -> None:
    text = '# comment\nlicenses.allow = ["MIT"]\nlicenses.default = "nope"\n'
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "dotted.toml")
    assert caught.value.problems[0].startswith('dotted.toml:3: licenses.default: "nope"')


def test_array_elements_are_located_past_comments_and_strings() -> None:
    text = (
        "[licenses]\n"
        "allow = [\n"
        '    "MIT",  # "quoted" in a comment, and a # inside a string next\n'
        '    "Apache-2.0", "LicenseRef-a#b",\n'
        '    "BAD-ID",\n'
        "]\n"
    )
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "p.toml")
    assert caught.value.problems[0].startswith('p.toml:4: licenses.allow[2]: "LicenseRef-a#b"')
    assert caught.value.problems[1].startswith('p.toml:5: licenses.allow[3]: "BAD-ID"')


def test_second_exceptions_table_is_located() -> None:
    block = 'purl = "pkg:npm/a"\nreason = "r"\napproved-by = "x"\nexpires = 2030-01-01\n'
    text = f"[[exceptions]]\n{block}\n[[exceptions]]\n{block.replace('2030-01-01', '2030')}"
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "p.toml")
    assert caught.value.problems == [
        f"p.toml:11: exceptions[1].expires: 2030 is an integer {DATE_EXPECTED}"
    ]


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (
            '[licenses]\nallow = ["MIT"',
            [
                "p.toml:2: invalid TOML: unclosed array at the end of the file "
                "(expected a TOML document, see docs/policy.md)"
            ],
        ),
        (
            "[policy]\nversion = 1.5\n",
            ['p.toml:2: policy.version: 1.5 is a float (expected a string such as "1.2")'],
        ),
        (
            '[policy]\nname = " "\n',
            ["p.toml:2: policy.name: is empty (expected a name for reports)"],
        ),
        (
            "[licenses]\ndefault = 07:30:00\n",
            [
                "p.toml:2: licenses.default: 07:30:00 is a time "
                "(expected a string, one of error, warning, info, ignore)"
            ],
        ),
        (
            '[licenses]\nallow = [["MIT"]]\n',
            ["p.toml:2: licenses.allow[0]: is an array (expected a string: an SPDX license id)"],
        ),
        (
            "exceptions = [1]\n",
            ["p.toml:1: exceptions[0]: 1 is an integer (expected a table, [[exceptions]])"],
        ),
        (
            '[[exceptions]]\npurl = 7\nreason = false\napproved-by = "x"\nexpires = 2030-01-01\n',
            [
                "p.toml:2: exceptions[0].purl: 7 is an integer "
                "(expected a string, pkg:TYPE/[NAMESPACE/]NAME[@VERSION], e.g. pkg:npm/left-pad)",
                "p.toml:3: exceptions[0].reason: false is a boolean "
                "(expected a string: why the exception is granted)",
            ],
        ),
        (
            '[[exceptions]]\npurl = "pkg:npm/*"\n',
            [
                'p.toml:1: exceptions[0]: missing "reason" (expected why the exception is granted)',
                'p.toml:1: exceptions[0]: missing "approved-by" (expected who approved it)',
                'p.toml:1: exceptions[0]: missing "expires" (expected the last day it applies, '
                "a TOML date such as expires = 2027-06-30)",
            ],
        ),
        (
            '[[exceptions]]\npurl = "pkg:*/left-pad"\nreason = "r"\napproved-by = "x"\n'
            "expires = 2030-01-01\n",
            [
                'p.toml:2: exceptions[0].purl: "pkg:*/left-pad" is not a package URL: purl type '
                "must be composed only of ASCII letters and numbers, period, dash and "
                "underscore: '*' "
                "(expected pkg:TYPE/[NAMESPACE/]NAME[@VERSION], e.g. pkg:npm/left-pad)"
            ],
        ),
    ],
)
def test_more_problems(text: str, problems: list[str]) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "p.toml")
    assert caught.value.problems == problems


def test_problem_without_any_line_gives_the_key_path() -> None:
    # the whole policy on one line of inline tables: still located at line 1; an empty text
    # with an impossible key has no line at all
    with pytest.raises(PolicyError) as caught:
        parse_policy('exceptions = [{purl = "pkg:npm/a", reason = "r"}]', "p.toml")
    assert caught.value.problems[0] == (
        'p.toml:1: exceptions[0]: missing "approved-by" (expected who approved it)'
    )


def test_policy_error_is_an_input_error_with_problems() -> None:
    with pytest.raises(InputError):
        parse_policy("[licenses]\nallow = 1\n", "p.toml")


@pytest.mark.parametrize(
    ("key", "text"),
    [
        (("licenses", "allow", 2), "licenses.allow[2]"),
        (("exceptions", 1, "expires"), "exceptions[1].expires"),
        (("policy",), "policy"),
        (("odd key",), '"odd key"'),
    ],
)
def test_key_text(key: tuple[str | int, ...], text: str) -> None:
    assert key_text(key) == text


# -- versions and package patterns ----------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right", "order"),
    [
        ("1.0", "1.0.0", 0),
        ("v1.2.3", "1.2.3", 0),
        ("1.2.3+build.5", "1.2.3", 0),
        ("2.0.0.RELEASE", "2.0.0", 0),
        ("1.0a1", "1.0alpha1", 0),
        ("1.10", "1.9", 1),
        ("1.0.1", "1.0", 1),
        ("1.0rc1", "1.0", -1),
        ("1.0.0-rc.1", "1.0.0", -1),
        ("1.0.0-alpha", "1.0.0-beta", -1),
        ("1.0.0-beta.2", "1.0.0-beta.11", -1),
        ("1.0.dev1", "1.0a1", -1),
        ("1.0-SNAPSHOT", "1.0", -1),
        ("1.0.post1", "1.0", 1),
        ("1.0.post1", "1.0.1", -1),
        ("1.0rc1", "1.0.0rc1", 0),
        ("2.0.0-rc.1", "2", -1),
    ],
)
def test_compare_versions(left: str, right: str, order: int) -> None:
    assert compare_versions(left, right) == order
    assert compare_versions(right, left) == -order


@pytest.mark.parametrize(
    ("text", "version", "inside"),
    [
        (">=1.0, <2", "1.5.3", True),
        (">=1.0, <2", "2.0", False),
        (">=1.0,<2", "1.0.0", True),
        ("<=1.4", "1.4.0", True),
        (">1.4", "1.4.0", False),
        ("==1.4", "1.4.0", True),
        ("1.4", "1.4", True),  # a bare version means ==
        ("=1.4", "1.4.1", False),
        ("!=1.4, >=1", "1.4", False),
    ],
)
def test_version_ranges(text: str, version: str, inside: bool) -> None:
    assert VersionRange.parse(text).contains(version) is inside


@pytest.mark.parametrize("text", ["", ">=", ">=1.0,", "~1.2", "^1.2", "1.0 || 2.0", ">= 1 2"])
def test_invalid_version_ranges(text: str) -> None:
    with pytest.raises(ValueError, match="is not a version comparison"):
        VersionRange.parse(text)


@pytest.mark.parametrize(
    ("pattern", "purl", "matches"),
    [
        ("pkg:npm/left-pad", "pkg:npm/left-pad@1.3.0", True),
        ("pkg:NPM/Left-Pad", "pkg:npm/left-pad@1.3.0", True),
        ("pkg:npm/left-pad@1.3.0", "pkg:npm/left-pad@1.3.0", True),
        ("pkg:npm/left-pad@1.3.0", "pkg:npm/left-pad@1.3.1", False),
        ("pkg:npm/left-pad", "pkg:npm/%40scope/left-pad@1.3.0", False),
        ("pkg:npm/%40scope/left-pad", "pkg:npm/%40scope/left-pad@1.3.0", True),
        ("pkg:npm/@scope/*", "pkg:npm/%40scope/left-pad@1.3.0", True),
        ("pkg:golang/github.com/acme/*", "pkg:golang/github.com/acme/tool@v1.0.0", True),
        ("pkg:golang/github.com/*/tool", "pkg:golang/github.com/acme/tool@v1.0.0", True),
        ("pkg:npm/left-pad", "not a purl", False),
    ],
)
def test_package_patterns(pattern: str, purl: str, matches: bool) -> None:
    assert PackagePattern.parse(pattern).matches(purl) is matches


# -- shipped policies -----------------------------------------------------------------------


def test_list_and_find_builtin_policies() -> None:
    names = list_builtin_policies()
    assert {"default", "permissive-only", "saas"} <= set(names)
    assert builtin_policy_path().name == "default.toml"
    assert builtin_policy_path("saas").read_text(encoding="utf-8").startswith("#")


@pytest.mark.parametrize("name", ["nope", "../pyproject", "default.toml", ""])
def test_unknown_builtin_policy_lists_the_available_ones(name: str) -> None:
    with pytest.raises(InputError) as caught:
        builtin_policy_path(name)
    message = str(caught.value)
    assert message.startswith(f'no policy file or shipped policy named "{name}"')
    assert "(expected a policy file path or one of default, " in message


def test_unknown_builtin_policy_suggests_a_close_name() -> None:
    with pytest.raises(InputError, match='did you mean "saas"'):
        builtin_policy_path("sass")


def test_installed_policies_come_before_the_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "ospo_scan"
    (package / "_policies").mkdir(parents=True)
    (tmp_path / "policies").mkdir()
    (package / "_policies" / "default.toml").write_text("# installed\n")
    (tmp_path / "policies" / "default.toml").write_text("# checkout\n")
    (tmp_path / "policies" / "extra.toml").write_text("# checkout only\n")
    monkeypatch.setattr(ospo_scan, "__file__", str(package / "__init__.py"))
    assert builtin_policy_path("default") == package / "_policies" / "default.toml"
    assert builtin_policy_path("extra") == tmp_path / "policies" / "extra.toml"
    assert list_builtin_policies() == ("default", "extra")


def test_the_documented_example_is_a_valid_policy() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "policy.md"
    text = docs.read_text(encoding="utf-8")
    example = text.split("```toml\n", 1)[1].split("```", 1)[0]
    policy = parse_policy(example, "docs/policy.md")
    assert policy.name == "acme"
    assert policy.exceptions[0].versions == VersionRange(">=1.0, <2", ((">=", "1.0"), ("<", "2")))
