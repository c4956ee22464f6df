"""Every example in examples/ does what its README says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ospo_scan.licenses.http import HttpClient, RegistryUnavailable
from ospo_scan.licenses.registries.base import default_endpoint

from .cli_helpers import invoke

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_webapp_offline_answers_npm_from_the_lockfile_and_never_allows_the_unknown(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "webapp.json"
    result = invoke(
        capsys, "scan", str(EXAMPLES / "webapp"), "--offline", "--format", "json", "-o", str(out)
    )
    report = json.loads(out.read_text())
    npm = [c for c in report["components"] if c["ecosystem"] == "npm"]
    pypi = [c for c in report["components"] if c["ecosystem"] == "pypi"]
    assert len(npm) == 74 and len(pypi) == 6
    assert all(c["license"]["source"] == "lockfile" for c in npm)
    assert all(c["verdict"] == "allow" for c in npm)
    # offline, with an empty cache: the PyPI pins are unresolved, and that fails the scan
    assert all(c["license"]["expression"] is None for c in pypi)
    assert all("offline" in c["license"]["reason"] for c in pypi)
    assert result.code == 1


@pytest.mark.live
def test_webapp_passes_the_default_policy(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    index = default_endpoint("pypi")
    assert index is not None
    probe = HttpClient(timeout=10.0, retries=1)
    try:
        probe.get(f"{index}/simple/requests/")
    except RegistryUnavailable as exc:
        pytest.skip(f"package index unreachable: {exc.reason}")
    finally:
        probe.close()
    out = tmp_path / "webapp.json"
    result = invoke(capsys, "scan", str(EXAMPLES / "webapp"), "--format", "json", "-o", str(out))
    assert result.code == 0, result.out + result.err
    report = json.loads(out.read_text())
    licenses = {c["purl"]: c["license"]["expression"] for c in report["components"]}
    assert licenses["pkg:pypi/requests@2.32.3"] == "Apache-2.0"
    assert licenses["pkg:pypi/certifi@2026.10.19.post1"] == "MPL-2.0"
    review = [f for f in report["findings"] if f["rule"] == "license-review"]
    assert [f["purl"] for f in review] == ["pkg:pypi/certifi@2026.10.19.post1"]
