"""pylock.toml (PEP 751): a real uv export, a hand-written multi-use file, every broken case."""

from __future__ import annotations

from pathlib import Path

import pytest

from ospo_scan.errors import LockfileError
from ospo_scan.model import Scope
from ospo_scan.sources import parser_for
from ospo_scan.sources.pylock import PylockParser

from ..conftest import FIXTURES

PYLOCK = FIXTURES / "lockfiles" / "pylock"
BROKEN = sorted(p for p in (PYLOCK / "broken").iterdir() if p.is_dir())
INDEX = "?repository_url=https://pypi.test/simple"


def parse(path: Path):  # type: ignore[no-untyped-def]
    return PylockParser().parse(path.read_text(), str(path))


def test_file_names_are_claimed() -> None:
    assert parser_for(Path("pylock.toml")).format == "pylock"  # type: ignore[union-attr]
    assert parser_for(Path("pylock.spam.toml")).format == "pylock"  # type: ignore[union-attr]
    assert parser_for(Path("mylock.toml")) is None


def test_uv_export_single_use_file() -> None:
    result = parse(PYLOCK / "uv-export" / "pylock.toml")
    names = {c.name: c for c in result.components}
    assert sorted(names) == [
        "certifi",
        "charset-normalizer",
        "idna",
        "iniconfig",
        "pysocks",
        "requests",
        "urllib3",
    ]
    requests = names["requests"]
    assert requests.purl == f"pkg:pypi/requests@2.32.3{INDEX}"
    # a single-use file declares no extras or groups: scope and direct are unknown
    assert {c.scope for c in result.components} == {None}
    assert {c.direct for c in result.components} == {None}
    # sdist and wheel hashes are both kept
    assert len(requests.hashes) == 2 and all(alg == "sha256" for alg, _ in requests.hashes)
    assert result.diagnostics == ()


def test_multi_use_file_scopes_sources_and_graph() -> None:
    result = parse(PYLOCK / "multi-use" / "pylock.toml")
    by_purl = {c.purl: c for c in result.components}
    requests = by_purl[f"pkg:pypi/requests@2.32.3{INDEX}"]
    assert requests.scope is Scope.REQUIRED and requests.direct is True
    assert requests.dependencies == (
        f"pkg:pypi/urllib3@2.8.0{INDEX}",
        f"pkg:pypi/idna@3.20{INDEX}",
    )
    # two versions of one name are two components; the reference picks by version
    assert by_purl[f"pkg:pypi/urllib3@2.8.0{INDEX}"].paths == (
        (f"pkg:pypi/requests@2.32.3{INDEX}", f"pkg:pypi/urllib3@2.8.0{INDEX}"),
    )
    # a group in default-groups is installed by default
    assert by_purl[f"pkg:pypi/urllib3@1.26.20{INDEX}"].scope is Scope.REQUIRED
    # an environment marker alone does not change the scope
    assert by_purl[f"pkg:pypi/idna@3.20{INDEX}"].scope is Scope.REQUIRED
    socks = by_purl[f"pkg:pypi/pysocks@1.7.1{INDEX}"]
    assert (socks.scope, socks.direct) == (Scope.OPTIONAL, True)
    assert by_purl[f"pkg:pypi/iniconfig@2.0.0{INDEX}"].scope is Scope.DEV
    # the project itself (a directory at ".") is not a component
    assert not any(c.name == "demo-app" for c in result.components)


def test_multi_use_file_vcs_and_archive_are_reported_not_dropped() -> None:
    result = parse(PYLOCK / "multi-use" / "pylock.toml")
    outside = {c.name: c for c in result.components if not c.registry}
    assert sorted(outside) == ["toolkit", "vendored-lib"]
    toolkit = outside["toolkit"]
    assert toolkit.scope is Scope.DEV and toolkit.direct is False
    assert toolkit.download_url == (
        "https://git.test/acme/toolkit.git@4a5c8f2e9b1d3c7a6e0f8b2d4c6a8e0f1b3d5c7a"
    )
    assert "vcs_url=git%2Bhttps://git.test/acme/toolkit.git" in toolkit.purl
    assert outside["vendored-lib"].purl == (
        "pkg:pypi/vendored-lib@1.0.0?download_url=https://files.test/vendored-lib-1.0.0.tar.gz"
    )
    messages = [str(d) for d in result.diagnostics]
    assert any(
        m.endswith(
            f"toolkit comes from version control ({toolkit.download_url}), not from an index"
        )
        for m in messages
    )
    assert any(":64: vendored-lib is an archive" in m for m in messages)


def test_credentials_never_reach_a_purl() -> None:
    text = (
        'lock-version = "1.0"\ncreated-by = "hand"\n\n[[packages]]\nname = "private"\n'
        'version = "1.0"\nvcs = { type = "git", url = "https://user:secret@git.test/p.git",'
        ' commit-id = "abc" }\n'
    )
    (component,) = PylockParser().parse(text, "pylock.toml").components
    assert "secret" not in component.purl and "secret" not in (component.download_url or "")


@pytest.mark.parametrize("folder", BROKEN, ids=lambda p: p.name)
def test_broken_files(folder: Path) -> None:
    lockfile = folder / "pylock.toml"
    expected = (folder / "message.txt").read_text().strip()
    with pytest.raises(LockfileError) as caught:
        parse(lockfile)
    message = str(caught.value)
    assert expected in message
    assert message.startswith(str(lockfile)) and "\n" not in message
