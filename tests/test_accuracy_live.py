"""The license accuracy bar on the hand-labelled ground truth (tests/fixtures/ground-truth).

The live tests resolve every labelled package from the real registries with the real chain
(benchmarks/accuracy.py does the work and prints the full report when run by hand); the
offline tests check that the ground truth itself is well formed and that the comparison
means what the README says.
"""

from __future__ import annotations

import importlib.util
import json
import re
import socket
import sys
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARK = ROOT / "benchmarks" / "accuracy.py"
TRUTH = ROOT / "tests" / "fixtures" / "ground-truth" / "licenses.json"
KNOWN_TAGS = frozenset(
    (ROOT / "tests" / "fixtures" / "ground-truth" / "README.md")
    .read_text("utf-8")
    .split("<!-- tags -->")[1]
    .split("<!-- /tags -->")[0]
    .replace("`", " ")
    .split()
)


def _benchmark() -> ModuleType:
    """benchmarks/accuracy.py as a module (benchmarks/ is not a package)."""
    name = "ospo_scan_accuracy_benchmark"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


# -- offline: the ground truth and the comparison ---------------------------------------------


def test_ground_truth_is_large_and_balanced() -> None:
    entries = _benchmark().load_truth(TRUTH)
    ecosystems = {e.ecosystem for e in entries}
    assert ecosystems == {"npm", "pypi"}
    counts = {eco: sum(1 for e in entries if e.ecosystem == eco) for eco in ecosystems}
    assert len(entries) >= 300
    assert min(counts.values()) >= 0.4 * len(entries)
    assert len({e.purl for e in entries}) == len(entries), "duplicate purl"


def test_every_entry_is_pinned_labelled_and_read_from_files() -> None:
    from ospo_scan.licenses.normalize import canonical_exception, canonical_id

    bench = _benchmark()
    text = TRUTH.read_text("utf-8")
    for host in ("npmjs", "pypi.org", "pythonhosted", "yarnpkg"):
        assert host not in text, f"a registry host name ({host}) in the ground truth"
    raw = {item["purl"]: item for item in json.loads(text)["packages"]}
    for entry in bench.load_truth(TRUTH):
        assert entry.version, entry.purl
        # The purl is exactly what a lockfile parser builds (npm names keep their case).
        assert bench.component_for(entry).purl == entry.purl
        assert set(entry.tags) <= KNOWN_TAGS, (entry.purl, set(entry.tags) - KNOWN_TAGS)
        files = raw[entry.purl]["files"]
        if entry.expression != "NONE":
            assert files, f"{entry.purl}: no file the label was read from"
        for item in files:
            assert re.fullmatch(r"[0-9a-f]{64}", item["sha256"]), entry.purl
            assert item["path"] and item["artifact"], entry.purl
        for expression in filter(None, (entry.expression, entry.primary)):
            if expression == "NONE":
                continue
            for word in re.split(r"[\s()]+", expression):
                if word in ("", "AND", "OR", "WITH") or word.startswith("LicenseRef-"):
                    continue
                # Canonical SPDX ids (license or exception), exactly as SPDX spells them.
                assert word in (canonical_id(word), canonical_exception(word)), (entry.purl, word)


@pytest.mark.parametrize(
    ("truth", "ours", "same"),
    [
        ("Apache-2.0 OR MIT", "MIT OR Apache-2.0", True),
        (
            "(Apache-2.0 OR BSD-3-Clause) AND PSF-2.0",
            "PSF-2.0 AND (BSD-3-Clause OR Apache-2.0)",
            True,
        ),
        ("Apache-2.0 OR MIT", "MIT", False),
        ("GPL-2.0-or-later", "GPL-2.0-only", False),
        ("LicenseRef-proprietary", "LicenseRef-ospo-proprietary", True),
        ("LicenseRef-proprietary", "LicenseRef-ospo-license-text", True),
        ("LicenseRef-proprietary", "LicenseRef-ospo-public-domain", False),
        ("LicenseRef-public-domain", "LicenseRef-ospo-public-domain", True),
        ("BSD-3-Clause AND LicenseRef-proprietary", "LicenseRef-ospo-see-license-file", False),
        ("NONE", None, True),
        ("NONE", "LicenseRef-ospo-proprietary", True),
        ("NONE", "MIT", False),
        ("MIT", None, False),
        ("MIT", "not an expression ((", False),
    ],
)
def test_equivalence(truth: str, ours: str | None, same: bool) -> None:
    assert _benchmark().equivalent(truth, ours) is same


# -- live: the bar ---------------------------------------------------------------------------


def _require_network() -> None:
    """Skip (only) when the public registries cannot be reached at all."""
    from ospo_scan.licenses.registries.base import default_endpoint

    for ecosystem in ("npm", "pypi"):
        endpoint = default_endpoint(ecosystem)
        assert endpoint is not None, ecosystem
        parts = urlsplit(endpoint)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            socket.create_connection((parts.hostname or "", port), timeout=10).close()
        except OSError as exc:
            pytest.skip(f"the {ecosystem} registry is unreachable: {exc}")


@pytest.fixture(scope="module")
def live_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The license cache the live resolution of the ground truth fills."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def report(live_cache: Path) -> Any:
    """One live resolution of the whole ground truth, with an empty cache (~60 s)."""
    _require_network()
    bench = _benchmark()
    result = bench.run(bench.load_truth(TRUTH), cache_dir=live_cache, concurrency=16)
    unavailable = [o for o in result.outcomes if (o.reason or "").startswith("registry unavail")]
    if len(unavailable) > len(result.outcomes) // 2:
        pytest.skip(f"the registries stopped answering ({len(unavailable)} lookups failed)")
    return result


@pytest.mark.live
def test_no_denied_license_is_reported_as_allowed(report: Any) -> None:
    bench = _benchmark()
    assert not report.denied_as_allowed, bench.render(report)


def _accuracy(report: Any, in_set: Any) -> float:
    outcomes = [o for o in report.outcomes if in_set(o.entry)]
    assert outcomes
    return sum(1 for o in outcomes if o.correct) / len(outcomes)


def _held_out(entry: Any) -> bool:
    return any(tag.startswith("heldout-") for tag in entry.tags)


# Measured 2026-11-26 on the development set (the packages the chain and the shipped curations
# were built with): 97.7% (389/398; n8n's label now uses the SPDX id SUL-1.0, which the
# shipped SPDX templates predate).
@pytest.mark.live
def test_the_development_set_meets_the_bar(report: Any) -> None:
    bench = _benchmark()
    accuracy = _accuracy(report, lambda entry: not _held_out(entry))
    assert accuracy >= bench.BAR_ACCURACY, bench.render(report)


# Each held-out set measured before the fixes it led to (heldout-1 91.3%, heldout-2 91.4%,
# heldout-3 92.4%, heldout-4 88.8% with their corrected labels, heldout-5 94.1%, heldout-6
# 95.3%, heldout-7 93.3%, heldout-8 93.4%, heldout-9 92.6%, heldout-10 93.4%, heldout-11
# 95.9%, heldout-12 96.3%, heldout-13 94.0%, heldout-14 96.5%, heldout-15 96.0%, heldout-16
# 94.0%, heldout-17 96.3%, heldout-18 98.0%, heldout-19 93.9%, heldout-20 98.2%, heldout-21
# 97.1%, heldout-22 96.0%, heldout-23 95.3%, heldout-24 92.9% with the label it had then); see
# the ground truth's README for their figures now. These floors only catch a regression.
@pytest.mark.live
@pytest.mark.parametrize(
    ("tag", "floor"),
    [
        ("heldout-1", 0.945),
        ("heldout-2", 0.925),
        ("heldout-3", 0.95),
        ("heldout-4", 0.91),
        ("heldout-5", 0.94),
        ("heldout-6", 0.945),
        ("heldout-7", 0.925),
        ("heldout-8", 0.935),
        ("heldout-9", 0.925),
        ("heldout-10", 0.935),
        ("heldout-11", 0.945),
        ("heldout-12", 0.965),
        ("heldout-13", 0.935),
        ("heldout-14", 0.955),
        ("heldout-15", 0.95),
        ("heldout-16", 0.935),
        ("heldout-17", 0.95),
        ("heldout-18", 0.965),
        ("heldout-19", 0.935),
        ("heldout-20", 0.97),
        ("heldout-21", 0.965),
        ("heldout-22", 0.96),
        ("heldout-23", 0.955),
        ("heldout-24", 0.94),
    ],
)
def test_the_held_out_sets_do_not_regress(report: Any, tag: str, floor: float) -> None:
    bench = _benchmark()
    accuracy = _accuracy(report, lambda entry: tag in entry.tags)
    assert accuracy >= floor, bench.render(report)


# A scan reads an npm lockfile, which carries each package's declared license: that must be
# checked against the package's files as a purl lookup is, never taken as the answer (it was,
# and a scan of a package-lock.json then scored 91% on these packages against 98%).
@pytest.mark.live
def test_npm_lockfile_license_data_answers_as_the_registry_does(
    report: Any, live_cache: Path
) -> None:
    bench = _benchmark()
    npm = [entry for entry in bench.load_truth(TRUTH) if entry.ecosystem == "npm"]
    declared = bench.lockfile_licenses(npm)
    assert len(declared) > len(npm) // 2
    # The same cache: the registry's checked answers are there, and must win over the
    # lockfile's declarations.
    scanned = bench.run(npm, cache_dir=live_cache, concurrency=16, declared=declared)
    looked_up = {o.entry.purl: o.correct for o in report.outcomes if o.entry.ecosystem == "npm"}
    assert sum(o.correct for o in scanned.outcomes) >= sum(looked_up.values()), bench.render(
        scanned
    )


# The whole ground truth, held-out sets included, is the best stand-in for an unseen set;
# measured 97.2% (5218/5368) on 2026-11-26. The seventh session's six held-out sets scored
# 95.6% together at first measurement (the sixth session's seven, 95.9%), so this bar holds on
# what ospo-scan has seen, not yet on unseen packages.
@pytest.mark.live
def test_accuracy_meets_the_bar(report: Any) -> None:
    bench = _benchmark()
    assert report.accuracy >= bench.BAR_ACCURACY, bench.render(report)
