"""Regenerate ospo_scan/licenses/data/categories.json from license-expression's license index.

Every SPDX license id gets one of ospo-scan's eight policy categories. The source is the
ScanCode LicenseDB index that license-expression bundles (``get_license_index()``): each entry
has its ``spdx_license_key`` and a ScanCode category (Permissive, Copyleft, Copyleft Limited,
Public Domain, Source-available, Free Restricted, Proprietary Free, ...). ``SCANCODE_TO_OURS``
maps those, then ``OVERRIDES`` corrects the ids where our semantics differ, each with its
reason (the reasons are written to the data file too, so a report can show them).

Deprecated SPDX ids (``normalize.DEPRECATED_IDS``) take the category of the license that
replaces them: for ``GPL-2.0-with-classpath-exception`` that is GPL-2.0-only, because
``normalize`` rewrites it to ``GPL-2.0-only WITH Classpath-exception-2.0`` and a policy judges
``X WITH E`` as ``X`` unless it names the pair.

Usage (after upgrading license-expression, i.e. a new SPDX License List):

    python scripts/update_license_data.py          # rewrite the data file
    python scripts/update_license_data.py --check  # exit 1 if the data file is out of date

The script fails when an id has no category (a new ScanCode category, or an override for an id
that no longer exists): extend the tables below rather than guessing.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ospo_scan.licenses.categories import CATEGORIES  # noqa: E402
from ospo_scan.licenses.normalize import (  # noqa: E402
    DEPRECATED_IDS,
    canonical_exception,
    canonical_id,
    license_index,
)

DATA_FILE = ROOT / "ospo_scan" / "licenses" / "data" / "categories.json"

SCANCODE_TO_OURS = {
    "Permissive": "permissive",
    "Public Domain": "public-domain",
    "Copyleft": "strong-copyleft",
    "Copyleft Limited": "weak-copyleft",
    "Source-available": "source-available",
    # Free to use but with a field-of-use restriction (no military or nuclear use, ethical
    # clauses, non-commercial): not open source, the source is there: source-available.
    "Free Restricted": "source-available",
    # Freeware-style terms: free of charge, not open source.
    "Proprietary Free": "proprietary",
    "Commercial": "proprietary",
    "Unstated License": "unknown",
    "CLA": "unknown",
    "Patent License": "unknown",
}

_NETWORK = "network-copyleft"
_AGPL = "copyleft that also applies when users interact with the program over a network (AGPL)"
_EXTERNAL_DEPLOYMENT = (
    'its "External Deployment" clause makes use over a network a distribution (s. 5)'
)
_DEPLOY = (
    'its "Deploy" definition covers any use beyond personal or internal research, '
    "including providing services over a network, and triggers the source obligation"
)
_EXTERNALLY_DEPLOY = (
    '"Externally Deploy" includes using the code to provide a service over a network, and '
    "triggers the source obligation for modifications"
)
_EUPL_NETWORK = (
    '"Distribution or Communication" includes "providing access to its essential '
    'functionalities" (Art. 1): network use triggers the copyleft'
)

# id -> (category, reason). Patterns (a regex on the id) follow in OVERRIDE_PATTERNS.
OVERRIDES: dict[str, tuple[str, str]] = {
    "AGPL-1.0-only": (_NETWORK, _AGPL),
    "AGPL-1.0-or-later": (_NETWORK, _AGPL),
    "AGPL-3.0-only": (_NETWORK, _AGPL + " s. 13"),
    "AGPL-3.0-or-later": (_NETWORK, _AGPL + " s. 13"),
    "OSL-1.0": (_NETWORK, _EXTERNAL_DEPLOYMENT),
    "OSL-1.1": (_NETWORK, _EXTERNAL_DEPLOYMENT),
    "OSL-2.0": (_NETWORK, _EXTERNAL_DEPLOYMENT),
    "OSL-2.1": (_NETWORK, _EXTERNAL_DEPLOYMENT),
    "OSL-3.0": (_NETWORK, _EXTERNAL_DEPLOYMENT),
    "NPOSL-3.0": (_NETWORK, "OSL-3.0 for non-profits: " + _EXTERNAL_DEPLOYMENT),
    "TGPPL-1.0": (_NETWORK, _EXTERNAL_DEPLOYMENT),
    "RPL-1.1": (_NETWORK, _DEPLOY),
    "RPL-1.5": (_NETWORK, _DEPLOY),
    "RPSL-1.0": (_NETWORK, _EXTERNALLY_DEPLOY),
    "Watcom-1.0": (_NETWORK, _DEPLOY + " (s. 1.4, 2.2(c))"),
    "APSL-1.0": (_NETWORK, _DEPLOY),
    "APSL-1.1": (_NETWORK, _DEPLOY),
    "APSL-1.2": (_NETWORK, _DEPLOY),
    "APSL-2.0": (_NETWORK, _EXTERNALLY_DEPLOY + " (s. 1.4, 2.2)"),
    "CPAL-1.0": (_NETWORK, 'its "Network Use" term makes External Deployment a distribution'),
    "CAL-1.0": (
        _NETWORK,
        "its conditions apply when the Work is made available to anyone via a network (s. 4)",
    ),
    "CAL-1.0-Combined-Work-Exception": (
        _NETWORK,
        "CAL-1.0 (network-triggered, s. 4); the exception only frees the larger work",
    ),
    "EUPL-1.1": (_NETWORK, _EUPL_NETWORK),
    "EUPL-1.2": (_NETWORK, _EUPL_NETWORK),
    "EUPL-1.0": (
        _NETWORK,
        "its Art. 13 makes a new EUPL version binding once published, and EUPL 1.1 and 1.2 "
        "treat providing network access as distribution",
    ),
    "Parity-6.0.0": (_NETWORK, "requires contributing software you deploy or run with it (r. 3)"),
    "Parity-7.0.0": (_NETWORK, "requires contributing software you operate with it (Copyleft)"),
    "SSPL-1.0": (
        "source-available",
        "offering the program as a service requires releasing the whole service stack (s. 13); "
        "not OSI approved",
    ),
    "BUSL-1.1": ("source-available", "production use is restricted until the change date"),
    "Elastic-2.0": (
        "source-available",
        "forbids providing the software as a managed service; not OSI approved",
    ),
    "Aladdin": ("source-available", "forbids commercial distribution (not open source)"),
    "JSON": (
        "source-available",
        '"The Software shall be used for Good, not Evil" restricts use: not open source '
        "(rejected by OSI and FSF), unlike the MIT text it otherwise copies",
    ),
    "CECILL-C": (
        "weak-copyleft",
        "CeCILL-C is the LGPL-like member of the family: copyleft on the component only",
    ),
    "CECILL-1.1": ("strong-copyleft", "CeCILL (not -B/-C) is GPL-like: derived works stay CeCILL"),
    "CECILL-2.0": ("strong-copyleft", "CeCILL (not -B/-C) is GPL-like: derived works stay CeCILL"),
    "CECILL-2.1": ("strong-copyleft", "CeCILL (not -B/-C) is GPL-like: derived works stay CeCILL"),
    "QPL-1.0": (
        "strong-copyleft",
        "s. 6 makes software that links with it ship its complete source",
    ),
    "QPL-1.0-INRIA-2004": (
        "strong-copyleft",
        "s. 6 makes software that links with it ship its complete source",
    ),
    "SISSL": (
        "weak-copyleft",
        "OSI approved; modifications that deviate from the standard must be published (file-level)",
    ),
    "SISSL-1.2": (
        "weak-copyleft",
        "OSI approved; modifications that deviate from the standard must be published (file-level)",
    ),
    "BSD-3-Clause-No-Nuclear-Warranty": (
        "permissive",
        "BSD-3-Clause plus an acknowledgement that it is not designed for nuclear facilities; "
        "no use restriction (unlike BSD-3-Clause-No-Nuclear-License)",
    ),
    "HPND-export-US": (
        "permissive",
        "HPND plus a reminder of US export law, which applies anyway; not a license restriction",
    ),
    "HPND-export-US-acknowledgement": (
        "permissive",
        "HPND plus a reminder of US export law, which applies anyway; not a license restriction",
    ),
    "HPND-UC-export-US": (
        "permissive",
        "HPND plus a reminder of US export law, which applies anyway; not a license restriction",
    ),
    "any-OSI": ("permissive", "the licensee may pick any OSI-approved license, MIT included"),
    "any-OSI-perl-modules": (
        "permissive",
        "the licensee may pick any OSI-approved license, MIT included",
    ),
}

# (pattern, category, reason): applied to every id the pattern matches.
OVERRIDE_PATTERNS: tuple[tuple[str, str, str], ...] = (
    (
        r"^CC-BY-NC-",
        "source-available",
        "NonCommercial: free to copy, but commercial use is forbidden; like PolyForm "
        "Noncommercial, not open source (source-available rather than proprietary: everyone "
        "may copy and share it)",
    ),
    (
        r"^CC-BY-ND-",
        "source-available",
        "NoDerivatives: may be shared but not modified (no patches, no bundling of changes); "
        "not open source",
    ),
    (
        r"^CC-BY-SA-",
        "strong-copyleft",
        "ShareAlike covers the whole adapted material (CC BY-SA 4.0 s. 3(b)), not file by file",
    ),
    (
        r"^GFDL-",
        "strong-copyleft",
        "modified versions must be released under the GFDL as a whole (GFDL s. 4)",
    ),
)


def spdx_license_ids(index: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """SPDX license id -> ScanCode category, for ids that are licenses (not exceptions)."""
    out: dict[str, str] = {}
    for entry in index:
        category = str(entry["category"])
        key = str(entry.get("spdx_license_key") or "")
        # A deprecated SPDX id can hide among ScanCode's aliases (Net-SNMP).
        aliases = entry.get("other_spdx_license_keys") or []
        assert isinstance(aliases, list)
        out.update((str(alias), category) for alias in aliases if alias in DEPRECATED_IDS)
        if not key or key.startswith("LicenseRef-"):
            continue
        if canonical_id(key) is None:
            continue  # an exception id (canonical_id knows licenses only)
        out[key] = category
    return out


def build() -> dict[str, object]:
    """The data file's content."""
    index = license_index()
    scancode = spdx_license_ids(index)
    categories: dict[str, str] = {}
    for key, scancode_category in scancode.items():
        if scancode_category not in SCANCODE_TO_OURS:
            raise SystemExit(f"{key}: unknown ScanCode category {scancode_category!r}")
        categories[key] = SCANCODE_TO_OURS[scancode_category]
    reasons: dict[str, str] = {}
    for pattern, category, reason in OVERRIDE_PATTERNS:
        matched = [key for key in categories if re.search(pattern, key)]
        if not matched:
            raise SystemExit(f"override pattern {pattern!r} matches no SPDX id")
        for key in matched:
            categories[key] = category
            reasons[key] = reason
    for key, (category, reason) in OVERRIDES.items():
        if key not in categories:
            raise SystemExit(f"override for {key!r}, which is not an SPDX license id")
        categories[key] = category
        reasons[key] = reason
    for key, replacement in DEPRECATED_IDS.items():
        if replacement is None:
            if key not in categories:
                raise SystemExit(f"deprecated {key!r} has no replacement and no category")
            continue
        base = replacement.split(" WITH ")[0]
        exception = replacement.partition(" WITH ")[2]
        if exception and canonical_exception(exception) is None:
            raise SystemExit(f"{key}: replacement exception {exception!r} is unknown")
        categories[key] = categories[base]
        reasons.setdefault(key, f"deprecated: {replacement} replaces it")
    bad = {key: value for key, value in categories.items() if value not in CATEGORIES}
    if bad:
        raise SystemExit(f"ids with a category outside CATEGORIES: {bad}")
    from importlib.metadata import version

    return {
        "about": (
            "SPDX license id -> ospo-scan category. Generated by scripts/update_license_data.py "
            "from the ScanCode LicenseDB index bundled with license-expression; do not edit."
        ),
        "license_expression_version": version("license-expression"),
        "categories": dict(sorted(categories.items(), key=lambda item: item[0].lower())),
        "overrides": dict(sorted(reasons.items(), key=lambda item: item[0].lower())),
    }


def render(data: dict[str, object]) -> str:
    """Compact, one entry per line (readable diffs), keys sorted."""
    return json.dumps(data, indent=0, separators=(",", ":"), ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the data file is not up to date"
    )
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        current = DATA_FILE.read_text(encoding="utf-8") if DATA_FILE.exists() else ""
        if current != text:
            print(f"{DATA_FILE} is out of date: run scripts/update_license_data.py")
            return 1
        print(f"{DATA_FILE} is up to date")
        return 0
    DATA_FILE.parent.mkdir(parents=True, exist_ok=True)
    DATA_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {DATA_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
