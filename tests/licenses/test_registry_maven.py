"""The Maven resolver against hand-written POMs, parents included (see the fixture PROVENANCE)."""

from __future__ import annotations

import pytest

from ospo_scan.licenses.cache import LicenseCache
from ospo_scan.licenses.http import HttpClient, RegistryUnavailable
from ospo_scan.licenses.registries import maven
from ospo_scan.licenses.registries.base import default_endpoint
from ospo_scan.licenses.registries.maven import (
    MAX_PARENT_DEPTH,
    NO_COORDINATES,
    NO_ENDPOINT,
    SOURCE,
    Coordinate,
    MavenResolver,
    Pom,
    parse_pom,
    public_repository,
    repository_for,
)
from ospo_scan.model import Component, Evidence, Resolution
from ospo_scan.sources.base import make_purl
from tests.licenses.conftest import RECORDED, RecordedRegistry

ENDPOINT = f"{RECORDED}/maven"
MIRROR = f"{RECORDED}/maven-mirror"

POM = """<?xml version="1.0"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
{parent}<groupId>{group}</groupId><artifactId>{artifact}</artifactId><version>{version}</version>
{licenses}</project>
"""


def artifact(coordinate: str, **qualifiers: str) -> Component:
    group, name, version = coordinate.split(":")
    purl = make_purl("maven", name, version, group, qualifiers or None)
    return Component(purl=purl, name=f"{group}:{name}", version=version, ecosystem="maven")


def pom_url(coordinate: str, repository: str = ENDPOINT) -> str:
    return Coordinate(*coordinate.split(":")).pom_url(repository)


def pom(coordinate: str, *, licenses: str = "", parent: str | None = None) -> str:
    group, name, version = coordinate.split(":")
    parent_xml = ""
    if parent:
        p_group, p_name, p_version = parent.split(":")
        parent_xml = (
            f"<parent><groupId>{p_group}</groupId><artifactId>{p_name}</artifactId>"
            f"<version>{p_version}</version></parent>"
        )
    return POM.format(
        parent=parent_xml, group=group, artifact=name, version=version, licenses=licenses
    )


def resolve(coordinate: str, http: HttpClient, cache: LicenseCache) -> Resolution:
    return MavenResolver().resolve(artifact(coordinate), http, ENDPOINT, cache)


def test_one_license_by_name(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    resolution = resolve("junit:junit:4.13.2", http, cache)
    raw = "Eclipse Public License 1.0 <http://www.eclipse.org/legal/epl-v10.html>"
    detail = f"{pom_url('junit:junit:4.13.2')}: project/licenses/license"
    assert resolution == Resolution(
        "EPL-1.0", SOURCE, 0.9, (Evidence(SOURCE, raw, detail),), method="declared"
    )
    assert recorded_session.urls() == [pom_url("junit:junit:4.13.2")]
    assert recorded_session.requests[0].headers["Accept"].startswith("application/xml")


def test_licenses_inherited_from_a_grandparent(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    resolution = resolve("org.apache.commons:commons-lang3:3.14.0", http, cache)
    assert (resolution.expression, resolution.confidence) == ("Apache-2.0", 1.0)
    assert resolution.evidence[0].detail == (
        f"{pom_url('org.apache:apache:31')}: project/licenses/license"
        " (inherited from the parent POM org.apache:apache:31)"
    )
    assert recorded_session.urls() == [
        pom_url("org.apache.commons:commons-lang3:3.14.0"),
        pom_url("org.apache.commons:commons-parent:64"),
        pom_url("org.apache:apache:31"),
    ]


def test_parents_are_read_once(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    sibling = "org.apache.commons:commons-text:1.11.0"
    recorded_session.add(
        pom_url(sibling), pom(sibling, parent="org.apache.commons:commons-parent:64")
    )
    resolve("org.apache.commons:commons-lang3:3.14.0", http, cache)
    assert resolve(sibling, http, cache).expression == "Apache-2.0"
    # The sibling's own POM only: both parents come from the cache.
    assert recorded_session.urls()[3:] == [pom_url(sibling)]


def test_several_licenses_are_a_choice(http: HttpClient, cache: LicenseCache) -> None:
    resolution = resolve("org.rocksdb:rocksdbjni:7.2.2", http, cache)
    assert resolution.expression == "Apache-2.0 OR GPL-2.0-only"
    assert resolution.confidence == 0.9
    assert resolution.evidence[0].value == (
        "Apache License 2.0 <http://www.apache.org/licenses/LICENSE-2.0.html>; "
        "GNU General Public License, version 2 <http://www.gnu.org/licenses/gpl-2.0.html>"
    )


def test_a_compound_license_name(http: HttpClient, cache: LicenseCache) -> None:
    resolution = resolve("javax.servlet:javax.servlet-api:4.0.1", http, cache)
    assert resolution.expression == "CDDL-1.1 OR GPL-2.0-only WITH Classpath-exception-2.0"


def test_a_precise_url_beats_an_ambiguous_name(http: HttpClient, cache: LicenseCache) -> None:
    resolution = resolve("com.acme:url-only:2.0", http, cache)
    assert (resolution.expression, resolution.confidence) == ("BSD-3-Clause", 0.85)


def test_no_license_and_no_parent(http: HttpClient, cache: LicenseCache) -> None:
    resolution = resolve("com.acme:orphan:1.0", http, cache)
    assert resolution == Resolution(
        None, SOURCE, 0.0, (), "the Maven repository declares no license in the POM"
    )
    assert cache.get_resolution(artifact("com.acme:orphan:1.0").purl) is not None


def test_a_parent_version_that_is_a_property_ends_the_walk(
    http: HttpClient, cache: LicenseCache, recorded_session: RecordedRegistry
) -> None:
    resolution = resolve("com.acme:revision:1.0", http, cache)
    assert resolution.reason == (
        "the Maven repository declares no license in the POM,"
        " and the parent com.acme:parent:${revision} cannot be looked up"
    )
    assert len(recorded_session.requests) == 1


def test_a_missing_parent(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    recorded_session.add(pom_url("com.acme:missing-parent:1"), status=404)
    resolution = resolve("com.acme:child:1.0", http, cache)
    assert resolution.reason == (
        "parent POM com.acme:missing-parent:1 of com.acme:child:1.0:"
        " not found in the Maven repository"
    )
    assert cache.get_resolution(artifact("com.acme:child:1.0").purl) is None


def test_parents_in_a_cycle(http: HttpClient, cache: LicenseCache) -> None:
    resolution = resolve("com.acme:loop-a:1", http, cache)
    assert resolution.reason == (
        f"no license within {MAX_PARENT_DEPTH} parent POMs of com.acme:loop-a:1"
    )


def test_a_long_chain_is_cut(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    for level in range(MAX_PARENT_DEPTH + 2):
        coordinate = f"com.acme:level-{level}:1"
        parent = f"com.acme:level-{level + 1}:1"
        recorded_session.add(pom_url(coordinate), pom(coordinate, parent=parent))
    resolution = resolve("com.acme:level-0:1", http, cache)
    assert resolution.reason == (
        f"no license within {MAX_PARENT_DEPTH} parent POMs of com.acme:level-0:1"
    )
    assert len(recorded_session.requests) == MAX_PARENT_DEPTH + 1


def test_no_coordinates() -> None:
    component = Component(
        purl=make_purl("maven", "lonely", "1.0"), name="lonely", version="1.0", ecosystem="maven"
    )
    resolution = MavenResolver().resolve(component, None, ENDPOINT, None)  # type: ignore[arg-type]
    assert resolution.reason == NO_COORDINATES


def test_5xx_exhausted_on_a_parent_propagates(
    recorded_session: RecordedRegistry, cache: LicenseCache, sleeps: list[float]
) -> None:
    recorded_session.add(pom_url("org.apache:apache:31"), status=503)
    http = HttpClient(session_factory=recorded_session.session, sleep=sleeps.append, retries=1)
    with pytest.raises(RegistryUnavailable):
        resolve("org.apache.commons:commons-lang3:3.14.0", http, cache)
    assert cache.get_resolution(artifact("org.apache.commons:commons-lang3:3.14.0").purl) is None


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("<project><licenses>", "not XML"),
        ("<html><body>Sign in</body></html>", "root element <html>, not <project>"),
        (
            '<!DOCTYPE project [<!ENTITY lic SYSTEM "file:///etc/passwd">]>'
            "<project><licenses><license><name>&lic;</name></license></licenses></project>",
            "not XML",
        ),
    ],
)
def test_malformed_pom(
    body: str,
    problem: str,
    recorded_session: RecordedRegistry,
    http: HttpClient,
    cache: LicenseCache,
) -> None:
    recorded_session.add(pom_url("com.acme:broken:1.0"), body)
    resolution = resolve("com.acme:broken:1.0", http, cache)
    assert (resolution.expression, resolution.reason) == (None, "malformed registry response")
    assert resolution.evidence[0].value.startswith(problem)
    assert cache.get_resolution(artifact("com.acme:broken:1.0").purl) is None


def test_parse_pom_reads_licenses_and_parent() -> None:
    text = pom(
        "com.acme:x:1",
        parent="com.acme:p:2",
        licenses="<licenses><license><name> MIT\n License </name></license>"
        "<license><url>https://opensource.org/licenses/ISC</url></license>"
        "<license><distribution>repo</distribution></license></licenses>",
    )
    parsed = parse_pom(text.encode())
    assert parsed.licenses == (("MIT License", ""), ("", "https://opensource.org/licenses/ISC"))
    assert parsed.parent == Coordinate("com.acme", "p", "2")
    assert Pom.from_json(parsed.to_json()) == parsed
    assert Pom.from_json({"licenses": [["MIT"]], "parent": None}) is None
    assert Pom.from_json({"licenses": [], "parent": ["a", "b"]}) is None
    assert Pom.from_json("nonsense") is None


# -- endpoints -----------------------------------------------------------------------------------


def test_the_default_endpoint_is_the_public_repository_root(
    http: HttpClient, cache: LicenseCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = default_endpoint("maven")
    public = public_repository()
    assert default is not None and public is not None
    # default_endpoint gives the host; the repository root is a folder on it.
    assert public.startswith(default + "/")
    assert repository_for(default) == public
    assert repository_for(MIRROR + "/") == MIRROR
    monkeypatch.setattr(maven, "public_repository", lambda: None)
    resolution = MavenResolver().resolve(artifact("junit:junit:4.13.2"), http, default, cache)
    assert resolution == Resolution(None, SOURCE, 0.0, (), NO_ENDPOINT)
