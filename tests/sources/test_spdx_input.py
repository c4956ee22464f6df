"""SPDX 2.2/2.3 JSON documents as input: packages with purls, relationships, licenses, errors."""

from __future__ import annotations

import json
import time
from pathlib import Path, PurePath
from typing import Any

import pytest

from ospo_scan.errors import LockfileError
from ospo_scan.model import Component, ParseResult, Scope, Severity, SourceLocation
from ospo_scan.sources import read_text
from ospo_scan.sources.base import matches
from ospo_scan.sources.spdx import SpdxJsonParser

from ..conftest import FIXTURES

SPDX = FIXTURES / "lockfiles" / "spdx"
BROKEN = sorted(p for p in (SPDX / "broken").iterdir() if p.is_dir())
REQ, OPT, DEV = Scope.REQUIRED, Scope.OPTIONAL, Scope.DEV


def parse_file(path: Path) -> ParseResult:
    return SpdxJsonParser().parse(read_text(path), str(path))


def package(spdxid: str, purl: str | None, **fields: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"SPDXID": spdxid, "name": spdxid.removeprefix("SPDXRef-"), **fields}
    if purl:
        entry["externalRefs"] = [
            {
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": purl,
            }
        ]
    return entry


def edge(a: str, kind: str, b: str) -> dict[str, str]:
    return {"spdxElementId": a, "relationshipType": kind, "relatedSpdxElement": b}


def parse_data(packages: list[dict[str, Any]], relationships: list[dict[str, str]]) -> ParseResult:
    document = {
        "spdxVersion": "SPDX-2.3",
        "SPDXID": "SPDXRef-DOCUMENT",
        "packages": packages,
        "relationships": relationships,
    }
    return SpdxJsonParser().parse(json.dumps(document, indent=2), "doc.spdx.json")


def by_purl(result: ParseResult) -> dict[str, Component]:
    return {c.purl: c for c in result.components}


def test_parser_identity() -> None:
    parser = SpdxJsonParser()
    assert parser.format == "spdx-json"
    assert matches(parser, PurePath("sbom/app.spdx.json"))
    assert not matches(parser, PurePath("sbom/app.spdx"))  # tag-value is not read
    assert not matches(parser, PurePath("sbom/bom.json"))


def test_document_describing_the_project() -> None:
    path = SPDX / "app" / "shop-web.spdx.json"
    result = parse_file(path)
    got = {c.purl: (c.scope, c.direct, c.declared_license) for c in result.components}
    assert got == {
        "pkg:npm/express@4.19.2": (REQ, True, "MIT"),
        "pkg:npm/debug@2.6.9": (REQ, False, "MIT"),  # concluded NOASSERTION: the declared one
        "pkg:npm/ms@2.0.0": (REQ, False, "NONE"),  # DEPENDENCY_OF, written the other way round
        "pkg:npm/jest@29.7.0": (DEV, True, "MIT"),  # DEV_DEPENDENCY_OF the project
        "pkg:npm/fsevents@2.3.3": (OPT, True, "MIT"),  # OPTIONAL_DEPENDENCY_OF the project
        "pkg:npm/lodash@4.17.21": (DEV, False, "MIT"),  # only through jest
    }
    comps = by_purl(result)
    express = comps["pkg:npm/express@4.19.2"]
    assert express.dependencies == ("pkg:npm/debug@2.6.9",)
    assert express.hashes == (("SHA-256", "ab" * 32), ("SHA-1", "cd" * 20))
    assert (express.name, express.version, express.ecosystem) == ("express", "4.19.2", "npm")
    assert express.locations == (SourceLocation(str(path), None, "packages[1]"),)
    assert comps["pkg:npm/ms@2.0.0"].paths == (
        ("pkg:npm/express@4.19.2", "pkg:npm/debug@2.6.9", "pkg:npm/ms@2.0.0"),
    )
    assert [(d.location.key, d.severity, d.message) for d in result.diagnostics] == [
        (
            "packages[0]",
            Severity.INFO,
            "pkg:npm/shop-web@1.0.0 is what the document describes: the project, not a component",
        ),
        (
            "packages[6]",
            Severity.WARNING,
            "component 'vendored-widget' has no purl: it cannot be checked",
        ),
    ]


def test_syft_style_document_without_a_rooted_graph() -> None:
    result = parse_file(SPDX / "syft" / "scan.spdx.json")
    assert [(c.purl, c.scope, c.direct, c.declared_license) for c in result.components] == [
        ("pkg:golang/git.test/spf13/cobra@v1.8.0", None, None, "Apache-2.0"),
        ("pkg:golang/git.test/spf13/pflag@v1.0.5", None, None, "BSD-3-Clause"),
    ]
    cobra = result.components[0]
    assert cobra.dependencies == ("pkg:golang/git.test/spf13/pflag@v1.0.5",)
    assert cobra.name == "git.test/spf13/cobra"
    messages = [d.message for d in result.diagnostics]
    assert messages == [
        ". is what the document describes: the project, not a component",
        "pkg:golang/git.test/acme/tool has no version: taken as the project itself "
        "(first-party), not a component",
    ]


def test_versionless_main_module_roots_the_graph() -> None:
    result = parse_data(
        [package("SPDXRef-main", "pkg:golang/git.test/x"), package("SPDXRef-a", "pkg:golang/a@v1")],
        [edge("SPDXRef-a", "DEPENDENCY_OF", "SPDXRef-main")],
    )
    assert [(c.purl, c.scope, c.direct) for c in result.components] == [
        ("pkg:golang/a@v1", REQ, True)
    ]


def test_described_by_and_the_strongest_path() -> None:
    packages = [
        package("SPDXRef-app", "pkg:npm/app@1"),
        package("SPDXRef-a", "pkg:npm/a@1"),
        package("SPDXRef-b", "pkg:npm/b@1"),
        package("SPDXRef-c", "pkg:npm/c@1"),
        package("SPDXRef-d", "pkg:npm/d@1"),
    ]
    relationships = [
        edge("SPDXRef-app", "DESCRIBED_BY", "SPDXRef-DOCUMENT"),
        edge("SPDXRef-b", "TEST_DEPENDENCY_OF", "SPDXRef-app"),
        edge("SPDXRef-a", "PROVIDED_DEPENDENCY_OF", "SPDXRef-app"),
        edge("SPDXRef-b", "DEPENDS_ON", "SPDXRef-c"),
        edge("SPDXRef-a", "DEPENDS_ON", "SPDXRef-c"),  # c: optional beats dev
        edge("SPDXRef-d", "BUILD_DEPENDENCY_OF", "SPDXRef-a"),
        edge("SPDXRef-a", "RUNTIME_DEPENDENCY_OF", "SPDXRef-app"),  # a: required after all
        edge("SPDXRef-c", "CONTAINS", "SPDXRef-d"),  # not a dependency
    ]
    result = parse_data(packages, relationships)
    assert {c.purl: (c.scope, c.direct) for c in result.components} == {
        "pkg:npm/a@1": (REQ, True),
        "pkg:npm/b@1": (DEV, True),
        "pkg:npm/c@1": (REQ, False),
        "pkg:npm/d@1": (DEV, False),
    }


def test_unreached_package_in_a_rooted_graph() -> None:
    packages = [
        package("SPDXRef-app", "pkg:npm/app@1"),
        package("SPDXRef-a", "pkg:npm/a@1"),
        package("SPDXRef-z", "pkg:npm/z@1", licenseConcluded="NOASSERTION"),
    ]
    relationships = [
        edge("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-app"),
        edge("SPDXRef-app", "DEPENDS_ON", "SPDXRef-a"),
    ]
    result = parse_data(packages, relationships)
    assert {c.purl: (c.scope, c.direct, c.declared_license) for c in result.components} == {
        "pkg:npm/a@1": (REQ, True, None),
        "pkg:npm/z@1": (None, False, None),
    }


def test_invalid_purl_is_left_out_with_a_diagnostic() -> None:
    result = parse_data([package("SPDXRef-a", "not-a-purl")], [])
    assert result.components == ()
    assert result.diagnostics[0].message.startswith("'not-a-purl' is not a valid purl")


def test_broken_fixtures_exist() -> None:
    assert len(BROKEN) >= 6
    for folder in BROKEN:
        assert (folder / "app.spdx.json").is_file()
        assert (folder / "message.txt").read_text().strip()


@pytest.mark.parametrize("folder", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_fixture(folder: Path) -> None:
    path = folder / "app.spdx.json"
    expected = (folder / "message.txt").read_text().strip()
    with pytest.raises(LockfileError) as caught:
        parse_file(path)
    message = str(caught.value)
    assert expected in message
    assert message.startswith(str(path))
    assert "\n" not in message


def test_document_describes_must_be_an_array() -> None:
    document = {"spdxVersion": "SPDX-2.3", "documentDescribes": "SPDXRef-a", "packages": []}
    with pytest.raises(LockfileError, match="documentDescribes: a string found"):
        SpdxJsonParser().parse(json.dumps(document), "doc.spdx.json")


@pytest.mark.parametrize("case", ["CiscoDevNet__terraform-provider-aci", "spdx__tools-python"])
def test_corpus(corpus: Path, case: str) -> None:
    expected = corpus / "expected" / f"spdx-json__{case}.json"
    lockfiles = sorted((corpus / "spdx-json" / case).glob("*.spdx.json"))
    if not lockfiles or not expected.is_file():
        pytest.skip("SPDX sample not in the corpus")
    want = {
        c["purl"]: (c["scope"], c["direct"]) for c in json.loads(expected.read_text())["components"]
    }
    result = parse_file(lockfiles[0])
    assert {c.purl: (c.scope, c.direct) for c in result.components} == want


def test_large_documents_parse_in_linear_time() -> None:
    count = 20_000
    packages = [package("SPDXRef-root", "pkg:npm/root@1")]
    packages += [package(f"SPDXRef-p{i}", f"pkg:npm/p{i}@1.0.0") for i in range(count)]
    relationships = [edge("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-root")]
    relationships.append(edge("SPDXRef-root", "DEPENDS_ON", "SPDXRef-p0"))
    for i in range(count):
        for c in (2 * i + 1, 2 * i + 2):
            if c < count:
                kind = "DEV_DEPENDENCY_OF" if c % 7 == 0 else "DEPENDENCY_OF"
                relationships.append(edge(f"SPDXRef-p{c}", kind, f"SPDXRef-p{i}"))
    start = time.perf_counter()
    result = parse_data(packages, relationships)
    elapsed = time.perf_counter() - start
    assert len(result.components) == count
    assert {c.scope for c in result.components} == {REQ, DEV}
    assert elapsed < 10, f"{count} packages took {elapsed:.1f}s"
