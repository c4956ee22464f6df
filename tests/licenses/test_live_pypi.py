"""Live checks against the public Python package index (run with ``pytest -m live``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ospo_scan.licenses.cache import LicenseCache
from ospo_scan.licenses.http import HttpClient, RegistryUnavailable
from ospo_scan.licenses.registries.base import default_endpoint
from ospo_scan.licenses.registries.pypi import NOT_FOUND, PypiResolver
from ospo_scan.model import Component, Resolution
from ospo_scan.sources.base import make_purl

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def endpoint() -> str:
    """The default index; skip when it cannot be reached at all, and only then."""
    base = default_endpoint("pypi")
    assert base is not None
    probe = HttpClient(timeout=10.0, retries=1)
    try:
        probe.get(f"{base}/simple/requests/")
    except RegistryUnavailable as exc:
        pytest.skip(f"package index unreachable: {exc.reason}")
    finally:
        probe.close()
    return base


@pytest.fixture
def http() -> Iterator[HttpClient]:
    client = HttpClient(timeout=20.0, retries=2)
    yield client
    client.close()


def _resolve(
    http: HttpClient, endpoint: str, tmp_path: Path, name: str, version: str
) -> Resolution:
    component = Component(
        purl=make_purl("pypi", name, version), name=name, version=version, ecosystem="pypi"
    )
    with LicenseCache(tmp_path) as cache:
        return PypiResolver().resolve(component, http, endpoint, cache)


def test_requests_2_31_0_is_apache(http: HttpClient, endpoint: str, tmp_path: Path) -> None:
    resolution = _resolve(http, endpoint, tmp_path, "requests", "2.31.0")
    assert (resolution.expression, resolution.source) == ("Apache-2.0", "registry:pypi")
    # 2.31.0 is not the latest release: the answer comes from that release's own files.
    assert any("requests-2.31.0" in (e.detail or "") for e in resolution.evidence)


def test_old_pin_reads_its_own_license(http: HttpClient, endpoint: str, tmp_path: Path) -> None:
    # requests was ISC-licensed until 1.0; its latest releases are Apache-2.0. 0.10.0 has
    # only an sdist, so this also reads PKG-INFO out of a real tarball.
    resolution = _resolve(http, endpoint, tmp_path, "requests", "0.10.0")
    assert resolution.expression == "ISC"
    assert any(
        (e.detail or "").endswith("requests-0.10.0.tar.gz PKG-INFO License")
        for e in resolution.evidence
    )


def test_unknown_version_is_not_found(http: HttpClient, endpoint: str, tmp_path: Path) -> None:
    resolution = _resolve(http, endpoint, tmp_path, "requests", "999.0.0")
    assert resolution.expression is None
    assert resolution.reason is not None and resolution.reason.startswith(NOT_FOUND)
