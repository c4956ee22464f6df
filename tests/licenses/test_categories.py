"""category_of(): every SPDX license id has one of the eight categories, from shipped data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ospo_scan.licenses.categories import CATEGORIES, category_of, override_reason
from ospo_scan.licenses.normalize import (
    COMMONS_CLAUSE_REF,
    DEPRECATED_IDS,
    LICENSE_TEXT_REF,
    PROPRIETARY_REF,
    PUBLIC_DOMAIN_REF,
    SEE_LICENSE_FILE_REF,
    canonical_id,
    is_unknown_key,
    license_index,
    normalize,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "ospo_scan" / "licenses" / "data" / "categories.json"


def _license_expression_spdx_ids() -> set[str]:
    """Every SPDX license id license-expression knows: primary keys and SPDX-deprecated aliases.

    Its ScanCode index also lists exceptions (some flagged as licenses and the reverse) and
    ScanCode's own aliases ("GPL", "BSD-2"); canonical_id() is the judge of what is a license.
    """
    ids: set[str] = set()
    for entry in license_index():
        for name in (entry["spdx_license_key"], *entry["other_spdx_license_keys"]):
            if not name or name.startswith(("LicenseRef-", "DocumentRef-")) or " " in name:
                continue
            if canonical_id(name) is not None:
                ids.add(name)
    return ids


def test_the_eight_categories() -> None:
    assert CATEGORIES == (
        "permissive",
        "public-domain",
        "weak-copyleft",
        "strong-copyleft",
        "network-copyleft",
        "source-available",
        "proprietary",
        "unknown",
    )


def test_every_spdx_id_license_expression_knows_has_a_category() -> None:
    ids = _license_expression_spdx_ids()
    assert len(ids) >= 690  # the SPDX License List 3.27 has 699 license ids
    missing = sorted(key for key in ids if category_of(key) == "unknown")
    assert missing == []
    assert all(category_of(key) in CATEGORIES for key in ids)


def test_every_deprecated_id_has_a_category() -> None:
    for key in DEPRECATED_IDS:
        assert category_of(key) in CATEGORIES[:-1], key


def test_the_data_file_is_compact_sorted_and_complete() -> None:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    categories = data["categories"]
    assert list(categories) == sorted(categories, key=str.lower)
    assert set(categories.values()) <= set(CATEGORIES)
    # One entry a line, no indentation: readable diffs, small file.
    assert '\n"MIT":"permissive",\n' in DATA.read_text(encoding="utf-8")


def test_the_data_file_is_what_the_script_generates() -> None:
    """scripts/update_license_data.py --check: the shipped data matches its sources."""
    script = ROOT / "scripts" / "update_license_data.py"
    result = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("license_id", "category"),
    [
        ("MIT", "permissive"),
        ("Apache-2.0", "permissive"),
        ("BSD-2-Clause", "permissive"),
        ("BSD-3-Clause", "permissive"),
        ("BSD-3-Clause-Clear", "permissive"),
        ("ISC", "permissive"),
        ("0BSD", "permissive"),
        ("Zlib", "permissive"),
        ("PSF-2.0", "permissive"),
        ("Python-2.0", "permissive"),
        ("BlueOak-1.0.0", "permissive"),
        ("CC-BY-4.0", "permissive"),
        ("Unicode-DFS-2016", "permissive"),
        ("BSL-1.0", "permissive"),
        ("X11", "permissive"),
        ("CC0-1.0", "public-domain"),
        ("Unlicense", "public-domain"),
        ("WTFPL", "public-domain"),
        ("PDDL-1.0", "public-domain"),
        ("LGPL-2.1-only", "weak-copyleft"),
        ("LGPL-3.0-or-later", "weak-copyleft"),
        ("MPL-2.0", "weak-copyleft"),
        ("MPL-2.0-no-copyleft-exception", "weak-copyleft"),
        ("EPL-2.0", "weak-copyleft"),
        ("CDDL-1.1", "weak-copyleft"),
        ("CECILL-C", "weak-copyleft"),
        ("GPL-2.0-only", "strong-copyleft"),
        ("GPL-3.0-or-later", "strong-copyleft"),
        ("CECILL-2.1", "strong-copyleft"),
        ("CC-BY-SA-4.0", "strong-copyleft"),
        ("GFDL-1.3-or-later", "strong-copyleft"),
        ("Sleepycat", "strong-copyleft"),
        ("AGPL-3.0-only", "network-copyleft"),
        ("AGPL-3.0-or-later", "network-copyleft"),
        ("AGPL-1.0-only", "network-copyleft"),
        ("OSL-3.0", "network-copyleft"),
        ("RPL-1.5", "network-copyleft"),
        ("CPAL-1.0", "network-copyleft"),
        ("EUPL-1.2", "network-copyleft"),
        ("APSL-2.0", "network-copyleft"),
        ("SSPL-1.0", "source-available"),
        ("BUSL-1.1", "source-available"),
        ("Elastic-2.0", "source-available"),
        ("PolyForm-Noncommercial-1.0.0", "source-available"),
        ("CC-BY-NC-4.0", "source-available"),
        ("CC-BY-NC-SA-4.0", "source-available"),
        ("CC-BY-ND-4.0", "source-available"),
        ("JSON", "source-available"),
        ("Hippocratic-2.1", "source-available"),
        ("BSD-3-Clause-No-Nuclear-License", "source-available"),
        ("BSD-3-Clause-No-Nuclear-Warranty", "permissive"),
        ("Unicode-TOU", "proprietary"),
        # Deprecated ids take the category of their replacement's license.
        ("GPL-2.0", "strong-copyleft"),
        ("GPL-2.0+", "strong-copyleft"),
        ("LGPL-2.1", "weak-copyleft"),
        ("AGPL-3.0", "network-copyleft"),
        ("GPL-2.0-with-classpath-exception", "strong-copyleft"),
        ("eCos-2.0", "strong-copyleft"),
        ("wxWindows", "weak-copyleft"),
        ("Net-SNMP", "permissive"),
        ("Nunit", "permissive"),
        ("BSD-2-Clause-FreeBSD", "permissive"),
        # Case, whitespace and "+".
        ("mit", "permissive"),
        (" gpl-3.0-only ", "strong-copyleft"),
        ("Apache-2.0+", "permissive"),
        ("MPL-1.1+", "weak-copyleft"),
        ("GPL-2.0-only+", "strong-copyleft"),
    ],
)
def test_well_known_ids(license_id: str, category: str) -> None:
    assert category_of(license_id) == category


@pytest.mark.parametrize(
    ("key", "category"),
    [
        (PROPRIETARY_REF, "proprietary"),
        (PUBLIC_DOMAIN_REF, "public-domain"),
        (COMMONS_CLAUSE_REF, "source-available"),
        (SEE_LICENSE_FILE_REF, "unknown"),
        (LICENSE_TEXT_REF, "unknown"),
        ("LicenseRef-ospo-dual-license", "unknown"),
        ("LicenseRef-scancode-public-domain", "unknown"),
        ("DocumentRef-x:LicenseRef-y", "unknown"),
        ("Foo-1.0", "unknown"),
        ("Classpath-exception-2.0", "unknown"),
        ("", "unknown"),
    ],
)
def test_refs_and_non_spdx_keys(key: str, category: str) -> None:
    assert category_of(key) == category


def test_unknown_category_and_unknown_keys_agree() -> None:
    """What is_unknown_key() calls unknown, category_of() does too, and the reverse."""
    for raw in ("Dual License", "MIT", "UNLICENSED", "Public Domain", "SEE LICENSE IN x.txt"):
        expression = normalize(raw).expression
        assert expression is not None
        assert is_unknown_key(expression) == (category_of(expression) == "unknown"), raw


def test_overrides_carry_their_reason() -> None:
    for license_id in ("AGPL-3.0-only", "OSL-3.0", "EUPL-1.2", "SSPL-1.0", "JSON", "CECILL-C"):
        reason = override_reason(license_id)
        assert reason, license_id
    assert "network" in (override_reason("OSL-3.0") or "")
    assert override_reason("MIT") is None


def test_every_network_copyleft_id_is_an_explained_override() -> None:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    network = [key for key, value in data["categories"].items() if value == "network-copyleft"]
    assert {"AGPL-3.0-only", "AGPL-3.0-or-later", "OSL-3.0", "CPAL-1.0", "RPL-1.5"} <= set(network)
    assert all(data["overrides"].get(key) for key in network)
