"""Discovery: which files are found under a folder, and what is skipped."""

from __future__ import annotations

from pathlib import Path

from ospo_scan.discover import discover


def _touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")


def test_finds_lockfiles_and_skips_installed_and_vcs_folders(tmp_path: Path) -> None:
    _touch(
        tmp_path,
        "package-lock.json",
        "api/uv.lock",
        "api/requirements.txt",
        "web/node_modules/dep/package-lock.json",
        ".venv/lib/requirements.txt",
        "vendor/x/poetry.lock",
        ".git/package-lock.json",
        "build/package-lock.json",
        "README.md",
    )
    found, errors = discover([tmp_path])
    names = [str(p.relative_to(tmp_path)) for p, _ in found]
    assert names == ["api/requirements.txt", "api/uv.lock", "package-lock.json"]
    assert errors == []
    assert {parser.format for _, parser in found} == {"npm-package-lock", "uv-lock", "requirements"}


def test_a_file_is_taken_as_given(tmp_path: Path) -> None:
    _touch(tmp_path, "package-lock.json")
    found, errors = discover([tmp_path / "package-lock.json", tmp_path / "package-lock.json"])
    assert len(found) == 1 and errors == []


def test_unsupported_and_missing_paths_are_errors(tmp_path: Path) -> None:
    _touch(tmp_path, "notes.md")
    found, errors = discover([tmp_path / "notes.md", tmp_path / "missing"])
    assert found == []
    messages = [str(e) for e in errors]
    assert messages[0].startswith(f"{tmp_path / 'notes.md'}: not a supported lockfile")
    assert messages[1] == f"{tmp_path / 'missing'}: no such file or directory"


def test_symlinked_folders_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    _touch(outside, "package-lock.json")
    project = tmp_path / "project"
    project.mkdir()
    (project / "linked").symlink_to(outside, target_is_directory=True)
    found, errors = discover([project])
    assert found == [] and errors == []


def test_exclude_globs_skip_folders_and_files(tmp_path: Path) -> None:
    _touch(
        tmp_path,
        "package-lock.json",
        "tests/fixtures/a/package-lock.json",
        "services/api/testdata/uv.lock",
        "services/api/uv.lock",
        "docs/requirements.txt",
    )
    found, _ = discover([tmp_path], exclude=["tests/fixtures", "testdata", "docs/*.txt"])
    names = [str(p.relative_to(tmp_path)) for p, _ in found]
    assert names == ["package-lock.json", "services/api/uv.lock"]


def test_a_binary_bun_lockb_is_reported_unless_bun_lock_is_beside_it(tmp_path: Path) -> None:
    _touch(tmp_path, "old/bun.lockb", "new/bun.lockb", "new/bun.lock")
    found, errors = discover([tmp_path])
    assert [str(p.relative_to(tmp_path)) for p, _ in found] == ["new/bun.lock"]
    assert [str(e) for e in errors] == [
        f"{tmp_path / 'old' / 'bun.lockb'}: the binary bun.lockb format is not supported "
        "(expected a text bun.lock: run `bun install --save-text-lockfile`)"
    ]


def test_an_sbom_named_freely_is_recognised_by_its_content(tmp_path: Path) -> None:
    (tmp_path / "sbom.json").write_text('{"bomFormat": "CycloneDX", "specVersion": "1.6"}')
    (tmp_path / "app.json").write_text('{"spdxVersion": "SPDX-2.3"}')
    (tmp_path / "other.json").write_text("{}")
    found, errors = discover([tmp_path / n for n in ("sbom.json", "app.json", "other.json")])
    assert [(p.name, parser.format) for p, parser in found] == [
        ("app.json", "spdx-json"),
        ("sbom.json", "cyclonedx-json"),
    ]
    assert [e.path for e in errors] == [str(tmp_path / "other.json")]
