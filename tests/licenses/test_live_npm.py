"""Live checks against the public npm registry (run with ``pytest -m live``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ospo_scan.licenses.http import HttpClient, RegistryUnavailable
from ospo_scan.licenses.registries.base import default_endpoint
from ospo_scan.licenses.resolve import ResolveOptions, resolve_licenses
from ospo_scan.model import Component
from ospo_scan.sources.base import make_purl

pytestmark = pytest.mark.live


def npm(name: str, version: str) -> Component:
    namespace, _, bare = name.rpartition("/")
    purl = make_purl("npm", bare, version, namespace or None)
    return Component(purl=purl, name=name, version=version, ecosystem="npm")


@pytest.fixture(scope="module")
def reachable() -> None:
    """Skip when the registry cannot be reached at all, and only then."""
    endpoint = default_endpoint("npm")
    assert endpoint is not None
    probe = HttpClient(timeout=10.0, retries=1)
    try:
        probe.get(f"{endpoint}/left-pad/1.3.0")
    except RegistryUnavailable as exc:
        pytest.skip(f"npm registry unreachable: {exc.reason}")
    finally:
        probe.close()


@pytest.mark.usefixtures("reachable")
def test_left_pad_is_wtfpl(tmp_path: Path) -> None:
    component = npm("left-pad", "1.3.0")
    results, stats = resolve_licenses([component], ResolveOptions(cache_dir=tmp_path))
    resolution = results[component.purl]
    assert (resolution.expression, resolution.source) == ("WTFPL", "registry:npm")
    assert stats.requests >= 1


@pytest.mark.usefixtures("reachable")
def test_scoped_and_expression_packages(tmp_path: Path) -> None:
    components = [npm("@babel/core", "7.24.0"), npm("pako", "1.0.11"), npm("atob", "2.1.2")]
    results, stats = resolve_licenses(components, ResolveOptions(cache_dir=tmp_path))
    # pako declares "(MIT AND Zlib)" and its one license file is the MIT text (the zlib
    # license is in the headers of its port of zlib): the files' reading, with the reason.
    assert [results[c.purl].expression for c in components] == [
        "MIT",
        "MIT",
        "MIT OR Apache-2.0",
    ]
    pako = results[components[1].purl]
    assert pako.reason == (
        "the package declares '(MIT AND Zlib)'; the license files LICENSE grant only MIT, not Zlib"
    )
    assert stats.from_registry == 3


@pytest.mark.usefixtures("reachable")
def test_unknown_version_is_not_found(tmp_path: Path) -> None:
    component = npm("left-pad", "999.0.0")
    results, _ = resolve_licenses([component], ResolveOptions(cache_dir=tmp_path))
    assert results[component.purl].reason == "not found in the npm registry"
