"""``ospo-scan licenses explain|normalize``, and ``scan --curations`` end to end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

import ospo_scan.cli.licenses  # noqa: F401  (registers the command group until cli/__init__ does)
from ospo_scan.licenses.curations import shipped_curations
from tests.cli_helpers import invoke
from tests.conftest import FIXTURES
from tests.licenses.conftest import RECORDED, REGISTRY_FIXTURES, RecordedRegistry

CURATIONS = FIXTURES / "curations"
PROJECT = CURATIONS / "project"
LOCKFILE = PROJECT / "package-lock.json"
INLINE_POLICY = CURATIONS / "good" / "policy-inline.toml"
GLOB = "pkg:npm/glob@3.2.11"


@pytest.fixture
def recorded_session() -> Iterator[RecordedRegistry]:
    """The recorded registry of tests/licenses/conftest.py (its fixture is local to there)."""
    registry = RecordedRegistry(REGISTRY_FIXTURES)
    yield registry
    if registry.unknown:
        pytest.fail(f"requests without a recorded answer: {registry.unknown}")


def glob_curation_label() -> str:
    found = [c for c in shipped_curations() if c.package.text == "pkg:npm/glob"]
    return found[0].label


# --- normalize -------------------------------------------------------------------------------


def test_normalize_prints_each_reading(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = invoke(
        capsys,
        "licenses",
        "normalize",
        "Apache 2.0",
        "BSD",
        "License :: OSI Approved :: MIT License",
        "UNKNOWN",
    )
    assert outcome.code == 0, outcome.err
    assert outcome.out == (
        '"Apache 2.0"\n'
        "  expression: Apache-2.0\n"
        "  method:     alias\n"
        "  confidence: 0.90\n"
        "\n"
        '"BSD"\n'
        "  expression: BSD-3-Clause\n"
        "  method:     ambiguous\n"
        "  confidence: 0.40\n"
        '  note:       "BSD" names a family of licenses (2-, 3- and 4-clause); BSD-3-Clause '
        "assumed\n"
        "\n"
        '"License :: OSI Approved :: MIT License"\n'
        "  expression: MIT\n"
        "  method:     classifier\n"
        "  confidence: 0.80\n"
        "\n"
        '"UNKNOWN"\n'
        "  expression: (none: declares no license)\n"
        "  method:     unrecognized\n"
        "  confidence: 0.00\n"
        "  note:       declares no license\n"
    )


def test_normalize_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = invoke(capsys, "licenses", "normalize", "--format", "json", "GPLv2+", "mit")
    assert outcome.code == 0
    assert json.loads(outcome.out) == [
        {
            "raw": "GPLv2+",
            "expression": "GPL-2.0-or-later",
            "method": "alias",
            "confidence": 0.9,
            "note": None,
        },
        {"raw": "mit", "expression": "MIT", "method": "spdx", "confidence": 1.0, "note": None},
    ]


def test_normalize_needs_a_string(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = invoke(capsys, "licenses", "normalize")
    assert outcome.code == 2
    assert "Missing argument 'STRINGS...'" in outcome.err


# --- explain ---------------------------------------------------------------------------------


def test_explain_lists_every_source_and_the_winner(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = invoke(capsys, "licenses", "explain", GLOB, "--offline", "--lockfile", str(LOCKFILE))
    assert outcome.code == 0, outcome.err
    lines = outcome.out.splitlines()
    label = glob_curation_label()
    assert lines[:4] == [
        GLOB,
        "",
        "Sources, in the order of the chain:",
        "  1. curation (wins): BSD-2-Clause",
    ]
    assert lines[4].startswith(f'       {label}: package.json says "BSD"')
    assert lines[5:13] == [
        "  2. lockfile: BSD-3-Clause (a declaration the registry checks; it stands if the"
        " registry cannot)",
        '       raw: "BSD"',
        "       said by: lockfile; read as: ambiguous; confidence 0.40",
        '       note: "BSD" names a family of licenses (2-, 3- and 4-clause); BSD-3-Clause assumed',
        f'       where: {LOCKFILE}:27 ("BSD" names a family of '
        "licenses (2-, 3- and 4-clause); BSD-3-Clause assumed)",
        f"  3. installed: nothing: no installed copy of glob 3.2.11 in {PROJECT}",
        "  4. cache: nothing: not in the license cache",
        "  5. registry: no license: offline: not in the license cache",
    ]
    assert (
        "Winner: curation: a curation names this package, and curations override every other "
        "source (curation > lockfile > installed > cache > registry)"
    ) in lines
    assert "  expression: BSD-2-Clause" in lines
    source = "  source: curation; method: curation; confidence 1.00; acknowledgement: concluded"
    assert source in lines
    assert '  declared by the package: "BSD"' in lines
    assert any(line.startswith("Policy default (") and line.endswith("): allow") for line in lines)
    assert lines[-1].startswith(f"  info license-curated: {GLOB}: license BSD-2-Clause set by")


def test_explain_as_json_with_the_policy_and_its_curations(
    capsys: pytest.CaptureFixture[str],
) -> None:
    outcome = invoke(
        capsys,
        "licenses",
        "explain",
        "pkg:npm/left-pad@1.3.0",
        "--offline",
        "--lockfile",
        str(LOCKFILE),
        "--policy",
        str(INLINE_POLICY),
        "--format",
        "json",
    )
    assert outcome.code == 0, outcome.err
    document = json.loads(outcome.out)
    steps = [s["step"] for s in document["sources"]]
    assert steps == ["curation", "lockfile", "installed", "cache", "registry"]
    curation, lockfile, installed, cache, registry = document["sources"]
    assert curation["won"] and curation["method"] == "curation"
    assert installed["note"] == f"no installed copy of left-pad 1.3.0 in {PROJECT}"
    assert curation["note"] == f"{INLINE_POLICY}:9: curations[0] (pkg:npm/left-pad, >=1.0, <2)"
    assert lockfile["answer"]["expression"] == "WTFPL"
    assert (lockfile["raw"], lockfile["method"], lockfile["final"]) == ("WTFPL", "spdx", False)
    assert cache == {
        "step": "cache",
        "won": False,
        "final": False,
        "note": "not in the license cache",
        "raw": None,
        "method": None,
        "answer": None,
    }
    assert registry["answer"]["reason"] == "offline: not in the license cache"
    assert document["winner"] == "curation"
    resolution = document["resolution"]
    assert (resolution["expression"], resolution["source"], resolution["declared"]) == (
        "MIT",
        "curation",
        "WTFPL",
    )
    assert document["policy"]["name"] == "inline-curations"
    assert document["policy"]["verdict"] == "allow"
    assert [f["rule"] for f in document["policy"]["findings"]] == ["license-curated"]
    assert document["requests"] == 0


def test_explain_without_shipped_curations_and_a_minimum_confidence(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    policy = tmp_path / "strict.toml"
    policy.write_text('[licenses]\nallow-categories = ["permissive"]\nmin-confidence = 0.6\n')
    outcome = invoke(
        capsys,
        "licenses",
        "explain",
        GLOB,
        "--offline",
        "--no-shipped-curations",
        "--lockfile",
        str(LOCKFILE),
        "--policy",
        str(policy),
        "--format",
        "json",
    )
    assert outcome.code == 0, outcome.err
    document = json.loads(outcome.out)
    assert document["sources"][0]["note"] == "no curation names it (0 curations)"
    assert document["winner"] == "lockfile"
    assert document["resolution"]["expression"] == "BSD-3-Clause"
    assert document["policy"]["verdict"] == "unknown"
    (finding,) = document["policy"]["findings"]
    assert finding["rule"] == "license-low-confidence"
    assert "below min-confidence 0.6" in finding["message"]


def test_explain_asks_the_registry(
    capsys: pytest.CaptureFixture[str],
    recorded_session: RecordedRegistry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The CLI builds its own HTTP client: route its transport to the recordings.
    def send(adapter: object, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        assert kwargs.get("timeout") is not None
        return recorded_session.answer(request)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
    outcome = invoke(
        capsys,
        "licenses",
        "explain",
        "pkg:npm/left-pad@1.3.0",
        "--registry",
        f"npm={RECORDED}/npm",
    )
    assert outcome.code == 0, outcome.err
    lines = outcome.out.splitlines()
    assert "  2. lockfile: not consulted: no --lockfile given" in lines
    assert "  3. installed: nothing: no lockfile to look beside" in lines
    assert "  5. registry (wins): WTFPL" in lines
    assert "       said by: registry:npm; read as: spdx; confidence 1.00" in lines
    assert f"       where: {RECORDED}/npm/left-pad/1.3.0" in lines
    assert "(1 registry request)" in lines
    assert recorded_session.urls() == [f"{RECORDED}/npm/left-pad/1.3.0"]


def test_explain_a_purl_missing_from_the_lockfile(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = invoke(
        capsys,
        "licenses",
        "explain",
        "pkg:npm/absent@1.0.0",
        "--offline",
        "--lockfile",
        str(LOCKFILE),
    )
    assert outcome.code == 0
    assert (
        f"  2. lockfile: not consulted: pkg:npm/absent@1.0.0 is not in {LOCKFILE} (5 components)"
    ) in outcome.out.splitlines()


@pytest.mark.parametrize(
    ("purl", "problem"),
    [
        ("npm/left-pad@1.0", "'npm/left-pad@1.0' is not a package URL"),
        ("pkg:npm/left-pad", "'pkg:npm/left-pad' has no version"),
    ],
)
def test_explain_rejects_a_bad_purl(
    capsys: pytest.CaptureFixture[str], purl: str, problem: str
) -> None:
    outcome = invoke(capsys, "licenses", "explain", purl, "--offline")
    assert outcome.code == 2
    assert problem in outcome.err
    assert (
        "(expected pkg:TYPE/[NAMESPACE/]NAME@VERSION, e.g. pkg:npm/left-pad@1.3.0)" in outcome.err
    )


# --- scan with curations ---------------------------------------------------------------------


def scan_json(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> dict[str, Any]:
    out = tmp_path / "report.json"
    outcome = invoke(
        capsys, "scan", str(PROJECT), "--offline", "--format", "json", "-o", str(out), *args
    )
    assert outcome.code in (0, 1), outcome.err
    document: dict[str, Any] = json.loads(out.read_text())
    return document


def test_scan_applies_policy_and_shipped_curations(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    document = scan_json(capsys, tmp_path, "--policy", str(INLINE_POLICY))
    licenses = {c["purl"]: c["license"] for c in document["components"]}
    glob = licenses[GLOB]
    assert (glob["expression"], glob["source"], glob["acknowledgement"], glob["declared"]) == (
        "BSD-2-Clause",
        "curation",
        "concluded",
        "BSD",
    )
    assert glob["evidence"][0]["detail"].startswith(glob_curation_label())
    assert licenses["pkg:npm/left-pad@1.3.0"]["expression"] == "MIT"  # the policy's curation
    assert licenses["pkg:npm/%40acme/widgets@2.0.0"]["expression"] == "LicenseRef-acme-commercial"
    tar = licenses["pkg:npm/tar@0.1.20"]
    assert (tar["expression"], tar["source"], tar["acknowledgement"]) == (
        "BSD-3-Clause",
        "lockfile",
        "concluded",
    )
    copyleft = licenses["pkg:npm/copyleft@1.0.0"]
    assert (copyleft["acknowledgement"], copyleft["declared"], copyleft["cached"]) == (
        "declared",
        "GPL-3.0-only",
        False,
    )
    curated = sorted(f["purl"] for f in document["findings"] if f["rule"] == "license-curated")
    assert curated == [
        "pkg:npm/%40acme/widgets@2.0.0",
        GLOB,
        "pkg:npm/left-pad@1.3.0",
    ]


def test_scan_curations_file_wins_and_shipped_ones_can_be_left_out(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    org = CURATIONS / "good" / "org-curations.toml"
    document = scan_json(capsys, tmp_path, "--curations", str(org))
    licenses = {c["purl"]: c["license"] for c in document["components"]}
    assert licenses[GLOB]["expression"] == "ISC"  # org-curations.toml beats the shipped set
    assert licenses[GLOB]["evidence"][0]["detail"].startswith(f"{org}:10: curations[1]")
    plain = scan_json(capsys, tmp_path, "--no-shipped-curations")
    licenses = {c["purl"]: c["license"] for c in plain["components"]}
    assert (licenses[GLOB]["expression"], licenses[GLOB]["source"]) == ("BSD-3-Clause", "lockfile")


def test_scan_sbom_marks_curated_licenses_concluded(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "sbom.cdx.json"
    outcome = invoke(
        capsys, "scan", str(PROJECT), "--offline", "--format", "cyclonedx-json", "-o", str(out)
    )
    assert outcome.code == 1  # copyleft is denied
    text = out.read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    components = {c["purl"]: c for c in json.loads(text)["components"]}
    glob = components[GLOB]
    assert glob["licenses"] == [{"license": {"id": "BSD-2-Clause", "acknowledgement": "concluded"}}]
    assert glob["evidence"] == {
        "licenses": [{"license": {"name": "BSD", "acknowledgement": "declared"}}]
    }
    properties = [(p["name"], p["value"]) for p in glob["properties"]]
    assert ("ospo-scan:license-source", "curation") in properties
    assert any(
        name == "ospo-scan:finding" and value.startswith("info license-curated:")
        for name, value in properties
    )
    copyleft = components["pkg:npm/copyleft@1.0.0"]
    assert copyleft["licenses"] == [
        {"license": {"id": "GPL-3.0-only", "acknowledgement": "declared"}}
    ]
    assert "evidence" not in copyleft


def test_a_broken_curations_file_stops_the_scan(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    broken = CURATIONS / "broken" / "missing-keys.toml"
    outcome = invoke(capsys, "scan", str(PROJECT), "--offline", "--curations", str(broken))
    assert outcome.code == 2
    assert outcome.err.splitlines() == [
        f'error: {broken}:1: curations[0]: missing "{key}" (expected {expected})'
        for key, expected in (
            (
                "license",
                'the true license as an SPDX expression, e.g. license = "MIT OR Apache-2.0"',
            ),
            ("curated-by", "who checked the license"),
            ("date", "when it was checked, a TOML date such as date = 2025-06-30"),
            ("evidence", 'a URL or file showing the license, e.g. evidence = ["https://..."]'),
        )
    ]
    assert "Traceback" not in outcome.err
