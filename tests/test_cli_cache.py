"""``ospo-scan cache``: info, clear, export and import through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ospo_scan.cli.cache  # noqa: F401  (registers `ospo-scan cache` until the lead wires it)
from ospo_scan import __version__
from ospo_scan.licenses.cache import FILE_NAME, LicenseCache
from ospo_scan.model import Evidence, Resolution
from tests.cli_helpers import invoke

T0 = 1_763_632_800.0  # 2025-11-20T10:00:00Z
LEFT_PAD = "pkg:npm/left-pad@1.3.0"
MS = "pkg:npm/ms@2.1.3"
MIT = Resolution("MIT", "registry:npm", 1.0, (Evidence("registry:npm", "MIT", None),))


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def filled(folder: Path) -> Path:
    """Two resolutions a day apart, a registry document, and a long-expired 'not found'."""
    clock = Clock(T0)
    with LicenseCache(folder, clock=clock) as cache:
        cache.put_resolution(LEFT_PAD, MIT)
        clock.now = T0 + 86_400
        cache.put_resolution(MS, MIT)
        cache.put("pypi:simple", "attrs", {"files": []})
        # Last, so that no write of this session purges it: it has expired by now.
        cache.put_resolution("pkg:npm/gone@1.0.0", Resolution(None, "registry:npm"), ttl=60)
    return folder


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = invoke(capsys, "cache", "--help")
    assert outcome.code == 0
    for command in ("clear", "export", "import", "info"):
        assert f"  {command} " in outcome.out
    assert "air-gapped CI" in outcome.out


def test_info_without_a_cache_creates_none(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    outcome = invoke(capsys, "cache", "info", "--cache-dir", str(tmp_path / "c"))
    assert outcome.code == 0
    assert (
        outcome.out == f"cache:     {tmp_path / 'c' / FILE_NAME} (not created yet)\nentries:   0\n"
    )
    assert not (tmp_path / "c").exists()
    outcome = invoke(capsys, "cache", "info", "--json", "--cache-dir", str(tmp_path / "c"))
    assert json.loads(outcome.out) == {
        "path": str(tmp_path / "c" / FILE_NAME),
        "exists": False,
        "size": 0,
        "entries": 0,
        "namespaces": {},
        "expired": 0,
        "oldest": None,
        "newest": None,
        "snapshot": None,
    }


def test_info_shows_namespaces_age_and_snapshot(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = filled(tmp_path / "a")
    outcome = invoke(capsys, "cache", "info", "--cache-dir", str(folder))
    lines = outcome.out.splitlines()
    assert lines[0].startswith(f"cache:     {folder / FILE_NAME} (")
    assert lines[1:] == [
        "entries:   3 (pypi:simple 1, resolution 2); 1 expired, purged on the next write",
        "stored:    2025-11-20T10:00:00Z to 2025-11-21T10:00:00Z",
        "snapshot:  none imported",
    ]

    snapshot = tmp_path / "s.jsonl.gz"
    assert invoke(capsys, "cache", "export", str(snapshot), "--cache-dir", str(folder)).code == 0
    imported = invoke(capsys, "cache", "import", str(snapshot), "--cache-dir", str(tmp_path / "b"))
    assert imported.code == 0
    outcome = invoke(capsys, "cache", "info", "--json", "--cache-dir", str(tmp_path / "b"))
    info = json.loads(outcome.out)
    assert (info["entries"], info["namespaces"], info["expired"]) == (2, {"resolution": 2}, 0)
    assert (info["oldest"], info["newest"]) == ("2025-11-20T10:00:00Z", "2025-11-21T10:00:00Z")
    stamp = info["snapshot"]
    assert (stamp["source"], stamp["tool_version"], stamp["entries"]) == (
        str(snapshot.resolve()),
        __version__,
        2,
    )
    text = invoke(capsys, "cache", "info", "--cache-dir", str(tmp_path / "b")).out
    assert (
        f"snapshot:  created {stamp['created_at']} by ospo-scan {__version__}, imported "
        f"{stamp['imported_at']} from {snapshot.resolve()} (2 entries)\n"
    ) in text


def test_export_then_import_report_what_they_did(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = filled(tmp_path / "a")
    snapshot = tmp_path / "all.jsonl"
    outcome = invoke(capsys, "cache", "export", str(snapshot), "--all", "--cache-dir", str(folder))
    assert outcome.code == 0
    header = json.loads(snapshot.read_text().splitlines()[0])
    assert outcome.out == (
        f"wrote {snapshot}: 3 entries (pypi:simple 1, resolution 2), "
        f"snapshot of {header['created_at']}\n"
    )
    assert outcome.err == ""

    with LicenseCache(tmp_path / "b", clock=Clock(T0 + 2 * 86_400)) as cache:
        cache.put_resolution(MS, Resolution(None, "registry:npm", 0.0, (), "newer, local"))
    outcome = invoke(capsys, "cache", "import", str(snapshot), "--cache-dir", str(tmp_path / "b"))
    assert outcome.code == 0
    assert outcome.out == (
        f"imported {snapshot} (snapshot of {header['created_at']} by ospo-scan {__version__}): "
        "3 entries, 2 added, 0 updated, 1 kept (the local entry is as new or newer), "
        "0 skipped as expired\n"
    )
    with LicenseCache(tmp_path / "b") as cache:
        kept = cache.get_resolution(MS)
    assert kept is not None and kept.reason == "newer, local"


def test_a_broken_snapshot_is_one_line_exit_2_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = filled(tmp_path / "a")
    snapshot = tmp_path / "s.jsonl"
    invoke(capsys, "cache", "export", str(snapshot), "--cache-dir", str(folder))
    good, *rest = snapshot.read_text().splitlines()
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join([good, rest[0], rest[1][:-5]]) + "\n")
    with LicenseCache(folder) as cache:
        before = (cache.entries(), cache.snapshot_stamp())

    outcome = invoke(capsys, "cache", "import", str(broken), "--cache-dir", str(folder))

    assert outcome.code == 2
    assert outcome.out == ""
    assert outcome.err.count("\n") == 1
    assert outcome.err.startswith(f"error: {broken}:3: invalid JSON: ")
    assert outcome.err.endswith("(expected one JSON cache entry per line)\n")
    assert "Traceback" not in outcome.err
    with LicenseCache(folder) as cache:
        assert (cache.entries(), cache.snapshot_stamp()) == before


def test_import_of_a_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    outcome = invoke(capsys, "cache", "import", str(tmp_path / "nope.jsonl.gz"))
    assert outcome.code == 2
    missing = tmp_path / "nope.jsonl.gz"
    assert outcome.err == f"error: {missing}: cannot read the snapshot: No such file or directory\n"


def test_export_for_a_lockfile_warns_about_what_is_not_cached(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = filled(tmp_path / "a")
    lockfile = tmp_path / "package-lock.json"
    lockfile.write_text(
        json.dumps(
            {
                "name": "app",
                "lockfileVersion": 3,
                "packages": {
                    "": {"name": "app", "dependencies": {"left-pad": "1.3.0", "debug": "4.3.4"}},
                    "node_modules/left-pad": {"version": "1.3.0"},
                    "node_modules/debug": {"version": "4.3.4"},
                },
            }
        )
    )
    snapshot = tmp_path / "s.jsonl"
    outcome = invoke(
        capsys,
        "cache",
        "export",
        str(snapshot),
        "--purls-from",
        str(lockfile),
        "--cache-dir",
        str(folder),
    )
    assert outcome.code == 0
    assert outcome.out.startswith(f"wrote {snapshot}: 1 entries (resolution 1), snapshot of ")
    assert outcome.err == (
        "warning: 1 of 2 components have no cached answer (lockfile-declared, or never scanned "
        "online): offline they stay unresolved unless their lockfile declares a license\n"
    )
    assert [json.loads(line).get("key") for line in snapshot.read_text().splitlines()] == [
        None,
        LEFT_PAD,
    ]


def test_export_for_a_json_report(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = filled(tmp_path / "a")
    report = tmp_path / "report.json"
    report.write_text(
        json.dumps(
            {
                "schema_version": "1.1",
                "tool": {"name": "ospo-scan", "version": __version__},
                "components": [{"purl": MS, "registry": True}],
            }
        )
    )
    snapshot = tmp_path / "s.jsonl"
    args = ("cache", "export", str(snapshot), "--purls-from", str(report), "--cache-dir")
    outcome = invoke(capsys, *args, str(folder))
    assert (outcome.code, outcome.err) == (0, "")
    assert [json.loads(line).get("key") for line in snapshot.read_text().splitlines()] == [
        None,
        MS,
    ]


def test_export_bad_option_combinations_and_inputs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = filled(tmp_path / "a")
    report = tmp_path / "report.json"
    report.write_text("{}")
    outcome = invoke(capsys, "cache", "export", "s.jsonl", "--all", "--purls-from", str(report))
    assert outcome.code == 2
    assert "--purls-from exports answers only: drop --all" in outcome.err

    broken = tmp_path / "package-lock.json"
    broken.write_text('{"lockfileVersion": 3,\n  "packages": [}\n')
    outcome = invoke(
        capsys,
        "cache",
        "export",
        str(tmp_path / "s.jsonl"),
        "--purls-from",
        str(broken),
        "--cache-dir",
        str(folder),
    )
    assert outcome.code == 2
    assert outcome.err.startswith(f"error: {broken}:2: ")
    assert not (tmp_path / "s.jsonl").exists()


def test_export_of_an_empty_cache_warns(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    snapshot = tmp_path / "s.jsonl.gz"
    outcome = invoke(capsys, "cache", "export", str(snapshot), "--cache-dir", str(tmp_path / "c"))
    assert outcome.code == 0
    assert outcome.err == "warning: the cache holds no answers: run a connected scan first\n"
    assert snapshot.is_file()


def test_clear(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = filled(tmp_path / "a")
    outcome = invoke(capsys, "cache", "clear", "--cache-dir", str(folder))
    assert (outcome.code, outcome.out) == (0, f"{folder / FILE_NAME}: removed 4 entries\n")
    assert invoke(capsys, "cache", "info", "--cache-dir", str(folder)).out.splitlines()[1:] == [
        "entries:   0",
        "snapshot:  none imported",
    ]
    outcome = invoke(capsys, "cache", "clear", "--cache-dir", str(tmp_path / "none"))
    assert outcome.out == f"{tmp_path / 'none' / FILE_NAME}: no cache to clear\n"


def test_the_default_cache_folder_comes_from_the_environment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OSPO_SCAN_CACHE_DIR", str(filled(tmp_path / "env")))
    outcome = invoke(capsys, "cache", "info")
    assert outcome.out.startswith(f"cache:     {tmp_path / 'env' / FILE_NAME} (")
