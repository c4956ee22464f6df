"""The command line end to end (in-process, offline): exit codes, outputs, error messages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ospo_scan import __version__
from ospo_scan.sources import UNSUPPORTED, parser_for

from .cli_helpers import invoke
from .conftest import FIXTURES

APP = FIXTURES / "projects" / "npm-app"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "--version")
    assert result.code == 0
    assert __version__ in result.out


def test_help_documents_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "--help")
    assert result.code == 0
    assert "1  policy violations" in result.out
    assert "2  usage or input errors" in result.out


def test_scan_reports_violations_with_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "scan", str(APP), "--offline")
    assert result.code == 1, result.err
    assert "pkg:npm/copyleft-lib@2.1.0" in result.out
    assert "GPL-3.0-only" in result.out
    assert "pkg:npm/mystery@0.1.0" in result.out  # unresolved offline: never allowed
    assert "Traceback" not in result.out + result.err


def test_json_report_has_the_documented_fields(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "scan.json"
    result = invoke(capsys, "scan", str(APP), "--offline", "--format", "json", "-o", str(out))
    assert result.code == 1
    report = json.loads(out.read_text())
    assert report["schema_version"]
    by_purl = {c["purl"]: c for c in report["components"]}
    assert set(by_purl) == {
        "pkg:npm/alpha@1.2.0",
        "pkg:npm/beta@1.0.3",
        "pkg:npm/copyleft-lib@2.1.0",
        "pkg:npm/dev-tool@4.0.1",
        "pkg:npm/dual@3.0.0",
        "pkg:npm/mystery@0.1.0",
    }
    assert by_purl["pkg:npm/dual@3.0.0"]["license"]["expression"] == "MIT OR GPL-3.0-only"
    assert by_purl["pkg:npm/dual@3.0.0"]["elected"] == "MIT"
    assert by_purl["pkg:npm/mystery@0.1.0"]["license"]["expression"] is None
    assert by_purl["pkg:npm/beta@1.0.3"]["direct"] is False
    assert by_purl["pkg:npm/beta@1.0.3"]["paths"] == [["pkg:npm/alpha@1.2.0", "pkg:npm/beta@1.0.3"]]
    rules = {(f["purl"], f["rule"], f["severity"]) for f in report["findings"]}
    assert ("pkg:npm/copyleft-lib@2.1.0", "license-denied", "error") in rules
    assert ("pkg:npm/mystery@0.1.0", "license-unresolved", "error") in rules
    # a dev dependency is capped at warning by the default policy's [scopes] rule
    assert ("pkg:npm/dev-tool@4.0.1", "license-denied", "warning") in rules
    # the table still reaches the terminal when every format goes to a file
    assert "copyleft-lib" in result.out


def test_several_formats_each_with_its_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = ["scan", str(APP), "--offline", "-q"]
    for fmt, name in [
        ("json", "r.json"),
        ("cyclonedx-json", "r.cdx.json"),
        ("cyclonedx-xml", "r.cdx.xml"),
    ]:
        args += ["--format", fmt, "--output", str(tmp_path / name)]
    result = invoke(capsys, *args)
    assert result.code == 1
    assert result.out == ""
    bom = json.loads((tmp_path / "r.cdx.json").read_text())
    assert bom["bomFormat"] == "CycloneDX" and bom["specVersion"] == "1.6"
    assert (tmp_path / "r.cdx.xml").read_text().lstrip().startswith("<?xml")


def test_two_formats_on_stdout_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "scan", str(APP), "--offline", "--format", "json", "--format", "table")
    assert result.code == 2
    assert "stdout" in result.err


def test_fail_on_never_and_warning(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert invoke(capsys, "scan", str(APP), "--offline", "--fail-on", "never").code == 0
    policy = tmp_path / "lenient.toml"
    policy.write_text(
        '[licenses]\nallow-categories = ["permissive", "strong-copyleft", "network-copyleft"]\n'
        'unresolved = "warning"\n'
    )
    assert invoke(capsys, "scan", str(APP), "--offline", "--policy", str(policy)).code == 0
    warn = invoke(
        capsys, "scan", str(APP), "--offline", "--policy", str(policy), "--fail-on", "warning"
    )
    assert warn.code == 1


def test_exclude_dev_drops_dev_findings(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    invoke(
        capsys, "scan", str(APP), "--offline", "--exclude-dev", "--format", "json", "-o", str(out)
    )
    report = json.loads(out.read_text())
    assert not [f for f in report["findings"] if f["purl"] == "pkg:npm/dev-tool@4.0.1"]


def test_empty_folder_is_an_input_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = invoke(capsys, "scan", str(tmp_path), "--offline")
    assert result.code == 2
    assert result.err.startswith(f"error: {tmp_path}: no supported lockfile found (expected")
    assert len(result.err.splitlines()) == 1


def test_missing_path_is_an_input_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = invoke(capsys, "scan", str(tmp_path / "nope"), "--offline")
    assert result.code == 2
    assert "no such file or directory" in result.err
    assert "Traceback" not in result.err


def test_a_broken_lockfile_does_not_stop_the_others(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    project = tmp_path / "mono"
    shutil.copytree(APP, project / "web")
    (project / "api").mkdir()
    (project / "api" / "package-lock.json").write_text('{"lockfileVersion": 3, "packages": [}')
    out = tmp_path / "r.json"
    result = invoke(capsys, "scan", str(project), "--offline", "--format", "json", "-o", str(out))
    assert result.code == 2
    assert f"{project / 'api' / 'package-lock.json'}:1:" in result.err
    report = json.loads(out.read_text())
    assert len(report["components"]) == 6
    errors = [lf for lf in report["lockfiles"] if lf["error"]]
    assert len(errors) == 1 and errors[0]["path"].endswith("api/package-lock.json")


def test_unknown_policy_name(capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "scan", str(APP), "--offline", "--policy", "no-such-policy")
    assert result.code == 2
    assert "no-such-policy" in result.err


def test_bad_registry_option(capsys: pytest.CaptureFixture[str]) -> None:
    result = invoke(capsys, "scan", str(APP), "--registry", "npm")
    assert result.code == 2
    assert "TYPE=URL" in result.err


def test_policy_validate_ok_and_list(capsys: pytest.CaptureFixture[str]) -> None:
    listed = invoke(capsys, "policy", "list")
    assert listed.code == 0
    assert "default" in listed.out
    for line in listed.out.splitlines():
        name, path = line.split("\t")
        result = invoke(capsys, "policy", "validate", path)
        assert result.code == 0, result.err
        assert "valid policy" in result.out


def _broken_lockfiles() -> list[tuple[str, Path, str]]:
    cases = []
    for folder in sorted((FIXTURES / "lockfiles").glob("*/broken/*")):
        # the lockfile a parser claims (go.mod, not the go.sum beside it) or an unsupported one
        files = [
            p
            for p in folder.iterdir()
            if p.is_file()
            and p.name != "message.txt"
            and (parser_for(p, explicit=True) is not None or p.name in UNSUPPORTED)
        ]
        message = (folder / "message.txt").read_text().strip()
        case = f"{folder.parent.parent.name}/{folder.name}"
        cases.extend((case, lockfile, message) for lockfile in files)
    return cases


_BROKEN = _broken_lockfiles()


@pytest.mark.parametrize(("case", "lockfile", "message"), _BROKEN, ids=[c[0] for c in _BROKEN])
def test_every_broken_lockfile_gives_one_clear_line(
    capsys: pytest.CaptureFixture[str], case: str, lockfile: Path, message: str
) -> None:
    result = invoke(capsys, "scan", str(lockfile), "--offline")
    assert result.code == 2, f"{case}: {result.out}{result.err}"
    assert "Traceback" not in result.out + result.err
    assert message in result.err, result.err
    lines = [line for line in result.err.splitlines() if line.startswith("error:")]
    # the file named is the lockfile, or a file read with it (go.sum beside go.mod)
    assert len(lines) == 1 and str(lockfile.parent) in lines[0]


def _broken_policies() -> list[Path]:
    return sorted((FIXTURES / "policies" / "broken").glob("*.toml"))


@pytest.mark.parametrize("policy", _broken_policies(), ids=lambda p: p.stem)
def test_every_broken_policy_is_reported_without_traceback(
    capsys: pytest.CaptureFixture[str], policy: Path
) -> None:
    result = invoke(capsys, "policy", "validate", str(policy))
    assert result.code == 2
    assert "Traceback" not in result.out + result.err
    assert str(policy) in result.err
    scan = invoke(capsys, "scan", str(APP), "--offline", "--policy", str(policy))
    assert scan.code == 2
    assert "Traceback" not in scan.out + scan.err
