"""Every lockfile of ``../shared/corpus`` parsed and compared with its expected components.

Skipped when ``../shared`` is absent, and per format while no parser claims its file. Only
registry components are compared: entries the corpus deliberately leaves out (workspace
members, git, path and URL dependencies) must come out with ``registry=False`` or not at all.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from packageurl import PackageURL

from ospo_scan.sources import parse_file, parser_for

from .conftest import CORPUS

# Components may differ in case only for these purl types (the corpus lowercases golang paths).
CASE_INSENSITIVE = {"golang"}


def _cases() -> list[tuple[str, Path, Path]]:
    expected_dir = CORPUS / "expected"
    if not expected_dir.is_dir():
        return []
    cases = []
    for expected in sorted(expected_dir.glob("*.json")):
        format_id, owner, repo = expected.stem.split("__", 2)
        folder = CORPUS / format_id / f"{owner}__{repo}"
        files = [p for p in sorted(folder.rglob("*")) if p.is_file()]
        # go.sum rides along with go.mod; the parser reads go.mod
        files = [p for p in files if p.name != "go.sum"]
        cases.extend((expected.stem, lockfile, expected) for lockfile in files)
    return cases


def _key(purl: str) -> str:
    # canonical form on both sides: "repository_url=https:%2F%2Fhost" and "https://host" are
    # the same qualifier value, encoded differently
    parsed = PackageURL.from_string(purl)
    canonical = parsed.to_string()
    return canonical.lower() if parsed.type in CASE_INSENSITIVE else canonical


@pytest.mark.parametrize(("case", "lockfile", "expected"), _cases(), ids=[c[0] for c in _cases()])
def test_corpus_components(case: str, lockfile: Path, expected: Path) -> None:
    parser = parser_for(lockfile, explicit=True)
    if parser is None:
        pytest.skip(f"no parser claims {lockfile.name} yet")
    want = {_key(c["purl"]): c for c in json.loads(expected.read_text())["components"]}
    result = parse_file(lockfile, parser)
    got = {_key(c.purl): c for c in result.components if c.registry}

    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    assert not missing, f"{len(missing)} expected purls missing, e.g. {missing[:5]}"
    assert not extra, f"{len(extra)} purls not in the expected output, e.g. {extra[:5]}"

    wrong_scope = [
        (k, got[k].scope, w["scope"])
        for k, w in want.items()
        if (got[k].scope.value if got[k].scope else None) != w["scope"]
    ]
    wrong_direct = [
        (k, got[k].direct, w["direct"]) for k, w in want.items() if got[k].direct != w["direct"]
    ]
    assert not wrong_scope, f"{len(wrong_scope)} scopes differ, e.g. {wrong_scope[:5]}"
    assert not wrong_direct, f"{len(wrong_direct)} direct flags differ, e.g. {wrong_direct[:5]}"
