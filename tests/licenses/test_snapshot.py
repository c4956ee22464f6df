"""License cache snapshots: the file format, merging, validation, freshness, air-gapped scans."""

from __future__ import annotations

import gzip
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import ospo_scan.cli.cache  # noqa: F401  (registers `ospo-scan cache` until the lead wires it)
from ospo_scan import __version__
from ospo_scan.cli import run
from ospo_scan.errors import InputError
from ospo_scan.licenses.cache import (
    SCHEMA_VERSION,
    CacheEntry,
    LicenseCache,
    MergeCounts,
    SnapshotStamp,
)
from ospo_scan.licenses.snapshot import (
    FORMAT,
    ExportResult,
    SnapshotError,
    export_snapshot,
    import_snapshot,
    purls_from_report,
    read_snapshot,
)
from ospo_scan.model import Evidence, LicenseDataInfo, ReportContext, Resolution, ScanResult
from ospo_scan.pipeline import ScanOptions, scan
from ospo_scan.policy.load import builtin_policy_path, load_policy
from ospo_scan.report import get_reporter
from ospo_scan.report.json_report import load_schema
from tests.licenses.conftest import REGISTRY_FIXTURES, RecordedRegistry
from tests.report.conftest import make_context

T0 = 1_763_632_800.0  # 2025-11-20T10:00:00Z
DAY = 86_400.0
CREATED = datetime(2025, 11, 21, 8, 30, tzinfo=UTC)

LEFT_PAD = "pkg:npm/left-pad@1.3.0"
BABEL = "pkg:npm/%40babel/core@7.24.0"
GONE = "pkg:npm/gone@1.0.0"
WTFPL = Resolution(
    "WTFPL",
    "registry:npm",
    1.0,
    (Evidence("registry:npm", "WTFPL", "https://registry.test/npm/left-pad/1.3.0"),),
    method="declared",
)
MIT = Resolution("MIT", "registry:npm", 1.0, (Evidence("registry:npm", "MIT", None),))
NOT_FOUND = Resolution(None, "registry:npm", 0.0, (), "not found in the npm registry")


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def fixed(moment: datetime = CREATED) -> Callable[[], datetime]:
    return lambda: moment


def fill(directory: Path) -> Clock:
    """A cache with two resolutions, a 'not found' that expires in a day, and a step doc."""
    clock = Clock(T0)
    with LicenseCache(directory, clock=clock) as cache:
        cache.put_resolution(LEFT_PAD, WTFPL)
        clock.now = T0 + DAY
        cache.put_resolution(BABEL, MIT)
        cache.put_resolution(GONE, NOT_FOUND, ttl=DAY)
        cache.put("pypi:simple", "attrs", {"files": ["attrs-26.1.0-py3-none-any.whl"]}, ttl=7 * DAY)
    return clock


def lines(path: Path) -> list[dict[str, Any]]:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return [json.loads(line) for line in data.decode("ascii").splitlines()]


# --- export ----------------------------------------------------------------------------------


def test_export_writes_a_header_then_sorted_resolutions(tmp_path: Path) -> None:
    clock = fill(tmp_path / "a")
    target = tmp_path / "snapshot.jsonl"
    with LicenseCache(tmp_path / "a", clock=clock) as cache:
        result = export_snapshot(cache, target, now=fixed())

    assert result == ExportResult(target, CREATED, 3, {"resolution": 3})
    header, *entries = lines(target)
    assert header == {
        "format": FORMAT,
        "format_version": 1,
        "ospo_scan_version": __version__,
        "created_at": "2025-11-21T08:30:00Z",
        "cache_schema_version": SCHEMA_VERSION,
        "selection": "resolutions",
        "entries": 3,
        "namespaces": {"resolution": 3},
    }
    assert [(e["namespace"], e["key"]) for e in entries] == [
        ("resolution", BABEL),
        ("resolution", GONE),
        ("resolution", LEFT_PAD),
    ]
    assert entries[2] == {
        "namespace": "resolution",
        "key": LEFT_PAD,
        "value": {
            "confidence": 1.0,
            "evidence": [["registry:npm", "WTFPL", "https://registry.test/npm/left-pad/1.3.0"]],
            "expression": "WTFPL",
            "method": "declared",
            "reason": None,
            "source": "registry:npm",
        },
        "stored": T0,
        "expires": None,
    }
    assert entries[1]["stored"] == T0 + DAY
    assert entries[1]["expires"] == T0 + 2 * DAY
    # One JSON object per line, plain ASCII: the file diffs and greps well.
    assert target.read_bytes().isascii()


def test_export_all_adds_every_step_cache(tmp_path: Path) -> None:
    clock = fill(tmp_path / "a")
    target = tmp_path / "all.jsonl"
    with LicenseCache(tmp_path / "a", clock=clock) as cache:
        result = export_snapshot(cache, target, everything=True, now=fixed())
    assert result.namespaces == {"pypi:simple": 1, "resolution": 3}
    header, first, *_ = lines(target)
    assert (header["selection"], header["entries"]) == ("all", 4)
    assert first == {
        "namespace": "pypi:simple",
        "key": "attrs",
        "value": {"files": ["attrs-26.1.0-py3-none-any.whl"]},
        "stored": T0 + DAY,
        "expires": T0 + 8 * DAY,
    }


def test_export_is_gzip_and_byte_for_byte_repeatable(tmp_path: Path) -> None:
    clock = fill(tmp_path / "a")
    with LicenseCache(tmp_path / "a", clock=clock) as cache:
        export_snapshot(cache, tmp_path / "one.jsonl.gz", now=fixed())
        export_snapshot(cache, tmp_path / "two.snapshot", now=fixed())
    one = (tmp_path / "one.jsonl.gz").read_bytes()
    assert one[:2] == b"\x1f\x8b"
    assert one[4:8] == b"\x00\x00\x00\x00"  # gzip MTIME left empty (RFC 1952 2.3.1)
    assert one == (tmp_path / "two.snapshot").read_bytes()
    assert [entry.get("key") for entry in lines(tmp_path / "one.jsonl.gz")] == [
        None,
        BABEL,
        GONE,
        LEFT_PAD,
    ]
    assert not list(tmp_path.glob(".*.tmp"))  # the temporary file was renamed into place


def test_export_leaves_out_expired_entries(tmp_path: Path) -> None:
    clock = fill(tmp_path / "a")
    clock.now = T0 + 3 * DAY  # GONE's "not found" expired a day ago
    with LicenseCache(tmp_path / "a", clock=clock) as cache:
        result = export_snapshot(cache, tmp_path / "s.jsonl", now=fixed())
    assert result.entries == 2
    assert [entry.get("key") for entry in lines(tmp_path / "s.jsonl")[1:]] == [BABEL, LEFT_PAD]


def test_export_only_the_purls_a_project_needs(tmp_path: Path) -> None:
    clock = fill(tmp_path / "a")
    wanted = [LEFT_PAD, "pkg:npm/never-scanned@1.0.0"]
    with LicenseCache(tmp_path / "a", clock=clock) as cache:
        result = export_snapshot(cache, tmp_path / "s.jsonl", purls=wanted, now=fixed())
        with pytest.raises(ValueError, match="resolutions only"):
            export_snapshot(cache, tmp_path / "x.jsonl", purls=wanted, everything=True)
    assert (result.entries, result.purls_wanted, result.purls_found) == (1, 2, 1)
    header, entry = lines(tmp_path / "s.jsonl")
    assert (header["selection"], entry["key"]) == ("purls", LEFT_PAD)


def test_export_to_an_unwritable_place_is_one_clear_error(tmp_path: Path) -> None:
    clock = fill(tmp_path / "a")
    target = tmp_path / "missing-folder" / "s.jsonl.gz"
    with LicenseCache(tmp_path / "a", clock=clock) as cache, pytest.raises(SnapshotError) as info:
        export_snapshot(cache, target)
    assert str(info.value) == f"{target}: cannot write the snapshot: No such file or directory"


# --- import ----------------------------------------------------------------------------------


def test_import_into_an_empty_cache_gives_the_same_answers(tmp_path: Path) -> None:
    clock = fill(tmp_path / "a")
    snapshot = tmp_path / "s.jsonl.gz"
    with LicenseCache(tmp_path / "a", clock=clock) as cache:
        export_snapshot(cache, snapshot, everything=True, now=fixed())
        originals = cache.entries()

    later = datetime(2025, 11, 22, 6, 0, tzinfo=UTC)
    with LicenseCache(tmp_path / "b", clock=clock) as cache:
        result = import_snapshot(cache, snapshot, now=fixed(later))
        assert result.counts == MergeCounts(added=4)
        assert (result.header.created_at, result.header.entries) == (CREATED, 4)
        assert cache.entries() == originals
        assert cache.get_resolution(LEFT_PAD) == Resolution(
            "WTFPL",
            "registry:npm",
            1.0,
            (
                WTFPL.evidence[0],
                Evidence(
                    "cache", "registry:npm", "license cache entry stored 2025-11-20T10:00:00Z"
                ),
            ),
            method="declared",
        )
        assert cache.snapshot_stamp() == SnapshotStamp(
            created_at=CREATED,
            source=str(snapshot.resolve()),
            imported_at=later,
            tool_version=__version__,
            entries=4,
        )
    # The stamp is kept in the file, not in the object that imported it.
    with LicenseCache(tmp_path / "b", clock=clock) as cache:
        stamp = cache.snapshot_stamp()
    assert stamp is not None and stamp.created_at == CREATED


def test_import_merges_newer_entries_win_expired_are_skipped(tmp_path: Path) -> None:
    clock = fill(tmp_path / "a")  # LEFT_PAD stored at T0, BABEL and GONE at T0 + 1 day
    snapshot = tmp_path / "s.jsonl"
    with LicenseCache(tmp_path / "a", clock=clock) as cache:
        export_snapshot(cache, snapshot, now=fixed())

    local = Clock(T0 + DAY / 2)
    with LicenseCache(tmp_path / "b", clock=local) as cache:
        cache.put_resolution(LEFT_PAD, NOT_FOUND)  # at T0 + 12 h: newer than the snapshot's
        cache.put_resolution(BABEL, NOT_FOUND)  # older than the snapshot's: replaced
        cache.put_resolution("pkg:npm/local-only@1.0.0", MIT)
    local.now = T0 + 2.5 * DAY  # the snapshot's GONE entry (expires T0 + 2 days) is stale now
    with LicenseCache(tmp_path / "b", clock=local) as cache:
        counts = import_snapshot(cache, snapshot).counts
        assert counts == MergeCounts(added=0, updated=1, kept=1, expired=1)
        left_pad = cache.get_resolution(LEFT_PAD)
        babel = cache.get_resolution(BABEL)
        assert left_pad is not None and left_pad.expression is None  # the local, newer answer
        assert babel is not None and babel.expression == "MIT"  # the snapshot's, newer answer
        assert cache.get_resolution(GONE) is None
        assert cache.get_resolution("pkg:npm/local-only@1.0.0") is not None

    # Importing the same file again changes nothing.
    with LicenseCache(tmp_path / "b", clock=local) as cache:
        assert import_snapshot(cache, snapshot).counts == MergeCounts(kept=2, expired=1)


def header_line(**overrides: Any) -> str:
    header: dict[str, Any] = {
        "format": FORMAT,
        "format_version": 1,
        "ospo_scan_version": "0.1.0",
        "created_at": "2025-11-21T08:30:00Z",
        "cache_schema_version": SCHEMA_VERSION,
        "selection": "resolutions",
        "entries": 2,
        "namespaces": {"resolution": 2},
    }
    header.update(overrides)
    return json.dumps({k: v for k, v in header.items() if v is not DROP})


def entry_line(key: str = LEFT_PAD, **overrides: Any) -> str:
    entry: dict[str, Any] = {
        "namespace": "resolution",
        "key": key,
        "value": {
            "expression": "MIT",
            "source": "registry:npm",
            "confidence": 1.0,
            "reason": None,
            "evidence": [],
        },
        "stored": T0,
        "expires": None,
    }
    entry.update(overrides)
    return json.dumps({k: v for k, v in entry.items() if v is not DROP})


DROP = object()
GOOD_HEADER = header_line()
SECOND = entry_line(BABEL)

# (case, file text, line, message after "<file>:<line>: ")
BROKEN: list[tuple[str, str, int, str]] = [
    ("empty", "", 1, "empty file (expected a snapshot header line)"),
    (
        "a json report",
        '{\n  "schema_version": "1.1"\n}\n',
        1,
        "not an ospo-scan license snapshot: invalid JSON: Expecting property name enclosed in "
        "double quotes: line 2 column 1 (char 2) (expected a snapshot header line)",
    ),
    (
        "a one-line json document",
        '{"name": "app", "lockfileVersion": 3}\n',
        1,
        f'not an ospo-scan license snapshot (expected a first line with "format": "{FORMAT}")',
    ),
    (
        "header without counts",
        header_line(entries=DROP, namespaces=DROP) + "\n",
        1,
        "the header lacks entries, namespaces (expected a complete header)",
    ),
    (
        "newer format",
        header_line(format_version=2) + "\n",
        1,
        "snapshot format 2 is newer than this ospo-scan reads "
        "(expected format 1: upgrade ospo-scan to import it)",
    ),
    (
        "other cache schema",
        header_line(cache_schema_version=SCHEMA_VERSION + 1) + "\n",
        1,
        f"the snapshot holds cache schema {SCHEMA_VERSION + 1}, this ospo-scan uses "
        f"{SCHEMA_VERSION} (expected a snapshot exported by an ospo-scan with the same cache "
        "schema)",
    ),
    (
        "local time",
        header_line(created_at="2025-11-21T08:30:00") + "\n",
        1,
        "created_at '2025-11-21T08:30:00' (expected an RFC 3339 UTC time)",
    ),
    (
        "counts that do not add up",
        header_line(namespaces={"resolution": 1}) + "\n",
        1,
        "namespaces do not add up to entries (expected counts per namespace)",
    ),
    (
        "invalid json",
        f"{GOOD_HEADER}\n{entry_line()}\n{{not json\n",
        3,
        "invalid JSON: Expecting property name enclosed in double quotes: line 1 column 2 "
        "(char 1) (expected one JSON cache entry per line)",
    ),
    (
        "empty line",
        f"{GOOD_HEADER}\n\n{entry_line()}\n",
        2,
        "empty line (expected one JSON cache entry per line)",
    ),
    (
        "unknown key",
        f"{GOOD_HEADER}\n{entry_line()}\n{entry_line(BABEL, ttl=60)}\n",
        3,
        "not a cache entry (found ['expires', 'key', 'namespace', 'stored', 'ttl', 'value']) "
        '(expected an object with "namespace", "key", "value", "stored" and "expires")',
    ),
    (
        "not an object",
        f"{GOOD_HEADER}\n[1, 2]\n{SECOND}\n",
        2,
        "not a cache entry (found list) "
        '(expected an object with "namespace", "key", "value", "stored" and "expires")',
    ),
    (
        "stored as text",
        f"{GOOD_HEADER}\n{entry_line(stored='2025-11-20')}\n{SECOND}\n",
        2,
        "stored '2025-11-20' (expected a Unix time in seconds)",
    ),
    (
        "boolean expiry",
        f"{GOOD_HEADER}\n{entry_line(expires=True)}\n{SECOND}\n",
        2,
        "expires True (expected null or a Unix time in seconds)",
    ),
    (
        "empty namespace",
        f"{GOOD_HEADER}\n{entry_line(namespace='')}\n{SECOND}\n",
        2,
        "namespace '' (expected a non-empty string)",
    ),
    (
        "resolution key not a purl",
        f"{GOOD_HEADER}\n{entry_line('left-pad@1.3.0')}\n{SECOND}\n",
        2,
        "resolution key 'left-pad@1.3.0' (expected a package URL (pkg:...))",
    ),
    (
        "malformed resolution",
        f"{GOOD_HEADER}\n{entry_line(value={'expression': 'MIT'})}\n{SECOND}\n",
        2,
        f"the resolution of {LEFT_PAD} is malformed "
        "(expected expression, source, confidence, reason and evidence)",
    ),
    (
        "repeated entry",
        f"{GOOD_HEADER}\n{entry_line()}\n{entry_line()}\n",
        3,
        f"resolution entry '{LEFT_PAD}' repeats line 2 (expected each (namespace, key) once)",
    ),
    (
        "truncated",
        f"{GOOD_HEADER}\n{entry_line()}\n",
        2,
        "the snapshot ends after 1 entries "
        "(expected 2, as its header says: the file is truncated or was edited)",
    ),
    (
        "wrong namespaces",
        f"{GOOD_HEADER}\n{entry_line()}\n{entry_line('x', namespace='pypi:simple', value=1)}\n",
        3,
        "entries per namespace {'pypi:simple': 1, 'resolution': 1} "
        "(expected {'resolution': 2}, as its header says)",
    ),
]


def cache_state(cache: LicenseCache) -> tuple[list[CacheEntry], SnapshotStamp | None]:
    return cache.entries(), cache.snapshot_stamp()


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [pytest.param(text, line, message, id=case) for case, text, line, message in BROKEN],
)
def test_a_broken_snapshot_is_one_error_and_changes_nothing(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    fill(tmp_path / "b")
    snapshot = tmp_path / "broken.jsonl"
    snapshot.write_text(text, encoding="utf-8")
    with LicenseCache(tmp_path / "b", clock=Clock(T0 + DAY)) as cache:
        before = cache_state(cache)
        with pytest.raises(SnapshotError) as info:
            import_snapshot(cache, snapshot)
        assert cache_state(cache) == before
    assert str(info.value) == f"{snapshot}:{line}: {message}"
    assert "\n" not in str(info.value)


def test_a_valid_snapshot_built_like_the_broken_ones_imports(tmp_path: Path) -> None:
    """The cases above differ from this file only by what each one breaks."""
    snapshot = tmp_path / "good.jsonl"
    snapshot.write_text(f"{GOOD_HEADER}\n{entry_line()}\n{SECOND}\n", encoding="utf-8")
    with LicenseCache(tmp_path / "b", clock=Clock(T0 + DAY)) as cache:
        assert import_snapshot(cache, snapshot).counts == MergeCounts(added=2)


def test_damaged_and_binary_files(tmp_path: Path) -> None:
    clock = fill(tmp_path / "a")
    good = tmp_path / "s.jsonl.gz"
    with LicenseCache(tmp_path / "a", clock=clock) as cache:
        export_snapshot(cache, good, now=fixed())
    truncated = tmp_path / "truncated.jsonl.gz"
    truncated.write_bytes(good.read_bytes()[:-12])
    flipped = tmp_path / "flipped.jsonl.gz"
    data = bytearray(good.read_bytes())
    data[30] ^= 0xFF
    flipped.write_bytes(bytes(data))
    picture = tmp_path / "logo.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

    with pytest.raises(SnapshotError) as info:
        read_snapshot(truncated)
    assert str(info.value).startswith(f"{truncated}:")
    assert "damaged gzip data" in str(info.value)
    assert str(info.value).endswith("(expected a complete .gz snapshot)")
    with pytest.raises(SnapshotError) as info:
        read_snapshot(flipped)
    assert str(info.value).startswith(f"{flipped}:")
    with pytest.raises(SnapshotError) as info:
        read_snapshot(picture)
    assert str(info.value) == (
        f"{picture}:1: not an ospo-scan license snapshot: not UTF-8 text (byte 0) "
        "(expected a snapshot header line)"
    )
    with pytest.raises(SnapshotError) as info:
        read_snapshot(tmp_path / "absent.jsonl.gz")
    assert str(info.value) == (
        f"{tmp_path / 'absent.jsonl.gz'}: cannot read the snapshot: No such file or directory"
    )


# --- freshness -------------------------------------------------------------------------------


def test_license_data_counts_only_entries_stored_before_the_run(tmp_path: Path) -> None:
    clock = fill(tmp_path / "a")
    clock.now = T0 + 1.5 * DAY
    with LicenseCache(tmp_path / "a", clock=clock) as cache:
        assert cache.license_data(offline=True) == LicenseDataInfo(offline=True)
        cache.put_resolution("pkg:npm/fresh@1.0.0", MIT)  # fetched during this run
        cache.get_resolutions([LEFT_PAD, BABEL, "pkg:npm/fresh@1.0.0", "pkg:npm/absent@1"])
        cache.get_resolution(LEFT_PAD)  # read twice, counted once
        info = cache.license_data(offline=False)
    assert info == LicenseDataInfo(
        offline=False,
        cache_entries=2,
        oldest=datetime(2025, 11, 20, 10, 0, tzinfo=UTC),
        newest=datetime(2025, 11, 21, 10, 0, tzinfo=UTC),
    )


def test_license_data_names_the_imported_snapshot(tmp_path: Path) -> None:
    clock = fill(tmp_path / "a")
    snapshot = tmp_path / "s.jsonl.gz"
    with LicenseCache(tmp_path / "a", clock=clock) as cache:
        export_snapshot(cache, snapshot, now=fixed())
    with LicenseCache(tmp_path / "b", clock=clock) as cache:
        import_snapshot(cache, snapshot)
    with LicenseCache(tmp_path / "b", clock=clock) as cache:
        cache.get_resolutions([LEFT_PAD])
        info = cache.license_data(offline=True)
    assert info == LicenseDataInfo(
        offline=True,
        cache_entries=1,
        oldest=datetime(2025, 11, 20, 10, 0, tzinfo=UTC),
        newest=datetime(2025, 11, 20, 10, 0, tzinfo=UTC),
        snapshot_created=CREATED,
        snapshot_source=str(snapshot.resolve()),
    )


def test_clear_removes_entries_and_the_stamp(tmp_path: Path) -> None:
    clock = fill(tmp_path / "a")
    snapshot = tmp_path / "s.jsonl"
    with LicenseCache(tmp_path / "a", clock=clock) as cache:
        export_snapshot(cache, snapshot, now=fixed())
        import_snapshot(cache, snapshot)
        assert cache.snapshot_stamp() is not None
        assert cache.clear() == 4
        assert cache.entries() == []
        assert cache.snapshot_stamp() is None
        info = cache.info()
    assert (info.namespaces, info.expired, info.oldest, info.snapshot) == ({}, 0, None, None)


def test_info_counts_per_namespace_and_expired(tmp_path: Path) -> None:
    clock = fill(tmp_path / "a")
    clock.now = T0 + 3 * DAY
    with LicenseCache(tmp_path / "a", clock=clock) as cache:
        info = cache.info()
    assert info.path == tmp_path / "a" / "licenses.sqlite3"
    assert info.namespaces == {"pypi:simple": 1, "resolution": 2}
    assert info.expired == 1
    assert (info.oldest, info.newest) == (T0, T0 + DAY)
    assert info.size > 0


# --- which purls a report names --------------------------------------------------------------


def test_purls_from_a_json_report_and_a_cyclonedx_sbom(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text(
        json.dumps(
            {
                "schema_version": "1.1",
                "tool": {"name": "ospo-scan", "version": "0.1.0"},
                "components": [
                    {"purl": LEFT_PAD, "registry": True},
                    {"purl": "pkg:npm/forked@2.0.0", "registry": False},
                    {"purl": BABEL, "registry": True},
                ],
            }
        )
    )
    sbom = tmp_path / "bom.cdx.json"
    sbom.write_text(
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.6",
                "components": [
                    {"type": "library", "name": "a", "purl": LEFT_PAD},
                    {
                        "type": "application",
                        "name": "bundle",
                        "components": [{"type": "library", "name": "b", "purl": BABEL}],
                    },
                ],
            }
        )
    )
    lockfile = tmp_path / "package-lock.json"
    lockfile.write_text('{"lockfileVersion": 3, "packages": {}}')
    assert purls_from_report(report) == (BABEL, LEFT_PAD)
    assert purls_from_report(sbom) == (BABEL, LEFT_PAD)
    assert purls_from_report(lockfile) is None  # not a report: parsed as a lockfile instead
    report.write_text(json.dumps({"schema_version": "1.1", "tool": {}, "components": [{}]}))
    with pytest.raises(InputError, match=r"report.json: components\[0\]: not a component"):
        purls_from_report(report)


# --- end to end: a connected scan, then an air-gapped one ------------------------------------

NPM_PINS = {
    "left-pad": "1.3.0",
    "@babel/core": "7.24.0",
    "pako": "1.0.11",
    "atob": "2.1.2",
    "node-forge": "1.3.1",
    "nopt": "2.1.2",
    "gone": "1.0.0",
}
NPM = "https://registry.test/npm"
PYPI = "https://registry.test/pypi"


def write_project(folder: Path) -> Path:
    """npm and PyPI pins answered by the recordings, one declared in the lockfile, a git dep,
    and a package the registry does not know."""
    folder.mkdir()
    packages: dict[str, Any] = {
        "": {
            "name": "app",
            "version": "1.0.0",
            "dependencies": {**NPM_PINS, "declared": "1.0.0", "forked": "github:acme/forked"},
        }
    }
    for name, version in NPM_PINS.items():
        tarball = f"{NPM}/{name}/-/{name.rpartition('/')[2]}-{version}.tgz"
        packages[f"node_modules/{name}"] = {"version": version, "resolved": tarball}
    packages["node_modules/declared"] = {
        "version": "1.0.0",
        "resolved": f"{NPM}/declared/-/declared-1.0.0.tgz",
        "license": "ISC",
    }
    packages["node_modules/forked"] = {
        "version": "2.0.0",
        "resolved": "git+ssh://git@git.test/acme/forked.git#0123456789abcdef0123456789abcdef01234567",
    }
    lockfile = {"name": "app", "version": "1.0.0", "lockfileVersion": 3, "packages": packages}
    (folder / "package-lock.json").write_text(json.dumps(lockfile, indent=2))
    (folder / "requirements.txt").write_text("attrs==26.1.0\ntermcolor==1.1.0\n")
    return folder


def connected_registry(recorded: RecordedRegistry) -> RecordedRegistry:
    files = REGISTRY_FIXTURES / "pypi" / "files"
    for path in files.rglob("*"):
        if path.is_file():
            recorded.add_file(f"https://files.test/{path.relative_to(files)}", path)
    for missing in (
        f"{NPM}/gone/1.0.0",
        # A private package: the registry cannot check the lockfile's license, which stands.
        f"{NPM}/declared/1.0.0",
        f"{PYPI}/pypi/attrs/26.1.0/json",
        f"{PYPI}/pypi/termcolor/1.1.0/json",
    ):
        recorded.add(missing, status=404)
    return recorded


def comparable(document: dict[str, Any]) -> dict[str, Any]:
    """A JSON report without what differs by design: the cache's own evidence and freshness."""
    document = json.loads(json.dumps(document))  # a copy: the caller keeps the original
    for component in document["components"]:
        evidence = component["license"]["evidence"]
        component["license"]["evidence"] = [e for e in evidence if e["source"] != "cache"]
        component["license"].pop("cached", None)  # whether the cache answered: by design
    for key in ("offline", "license_data", "generated_at"):
        document.pop(key)
    return document


def test_offline_scan_after_import_answers_as_the_connected_scan(
    recorded_session: RecordedRegistry,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = write_project(tmp_path / "project")
    policy = load_policy(builtin_policy_path("default"))
    today = date(2026, 11, 20)
    connected = scan(
        [project],
        policy,
        ScanOptions(
            cache_dir=tmp_path / "A",
            registries={"npm": NPM, "pypi": PYPI},
            session_factory=connected_registry(recorded_session).session,
            today=today,
        ),
    )
    assert connected.stats is not None and connected.stats.from_registry == 8
    asked = len(recorded_session.requests)

    snapshot = tmp_path / "licenses.jsonl.gz"
    assert run(["cache", "export", str(snapshot), "--cache-dir", str(tmp_path / "A")]) == 0
    assert run(["cache", "import", str(snapshot), "--cache-dir", str(tmp_path / "B")]) == 0
    capsys.readouterr()
    report = tmp_path / "offline.json"
    code = run(
        [
            "scan",
            str(project),
            "--offline",
            "--cache-dir",
            str(tmp_path / "B"),
            "--format",
            "json",
            "--output",
            str(report),
            "--format",
            "cyclonedx-json",
            "--output",
            str(tmp_path / "offline.cdx.json"),
            "--format",
            "table",
        ]
    )
    table = capsys.readouterr().out
    assert len(recorded_session.requests) == asked  # offline: not one request more

    context = ReportContext(
        timestamp=datetime.now(UTC), serial_number="urn:uuid:0", tool_version=__version__
    )
    online = json.loads(get_reporter("json").render(connected.result, context))
    offline = json.loads(report.read_text())
    assert comparable(offline) == comparable(online)
    expressions = {c["purl"]: c["license"]["expression"] for c in offline["components"]}
    assert expressions == {
        BABEL: "MIT",
        "pkg:npm/atob@2.1.2": "MIT OR Apache-2.0",
        "pkg:npm/declared@1.0.0": "ISC",
        "pkg:npm/forked@2.0.0?vcs_url=git%2Bssh://git.test/acme/forked.git"
        "%230123456789abcdef0123456789abcdef01234567": None,
        GONE: None,
        LEFT_PAD: "WTFPL",
        "pkg:npm/node-forge@1.3.1": "BSD-3-Clause OR GPL-2.0-only",
        "pkg:npm/nopt@2.1.2": "MIT",
        "pkg:npm/pako@1.0.11": "MIT AND Zlib",
        "pkg:pypi/attrs@26.1.0": "MIT",
        "pkg:pypi/termcolor@1.1.0": "MIT",
    }
    reasons = {c["purl"]: c["license"]["reason"] for c in offline["components"]}
    assert reasons[GONE] == next(
        c.resolution.reason for c in connected.result.components if c.component.purl == GONE
    )
    assert code == 1  # the git dependency stays unresolved, online and offline alike

    # Freshness: the connected scan fetched everything itself; the offline one used 10 cached
    # answers (8 licenses and two "not found") from the snapshot.
    assert online["license_data"] == {
        "offline": False,
        "cache_entries": 0,
        "oldest_entry": None,
        "newest_entry": None,
        "snapshot": None,
    }
    with LicenseCache(tmp_path / "A") as cache:
        stored = sorted(entry.stored for entry in cache.entries(["resolution"]))
        assert len(stored) == 10
    with LicenseCache(tmp_path / "B") as cache:
        stamp = cache.snapshot_stamp()
    assert stamp is not None
    created = stamp.created_at.isoformat().replace("+00:00", "Z")
    oldest = datetime.fromtimestamp(stored[0], UTC).isoformat(timespec="seconds")
    newest = datetime.fromtimestamp(stored[-1], UTC).isoformat(timespec="seconds")
    assert offline["license_data"] == {
        "offline": True,
        "cache_entries": 10,
        "oldest_entry": oldest.replace("+00:00", "Z"),
        "newest_entry": newest.replace("+00:00", "Z"),
        "snapshot": {"created_at": created, "source": str(snapshot.resolve())},
    }
    jsonschema.Draft202012Validator(load_schema()).validate(offline)

    day = stamp.created_at.date().isoformat()
    first_day = oldest[:10]
    assert (
        f"  license data  offline, cache snapshot of {day}, 10 cache entries from {first_day}"
        in table
    )
    sbom = json.loads((tmp_path / "offline.cdx.json").read_text())
    properties = [(p["name"], p["value"]) for p in sbom["metadata"]["properties"]]
    assert ("ospo-scan:license-data-cache-entries", "10") in properties
    assert ("ospo-scan:license-data-snapshot", created) in properties
    assert ("ospo-scan:license-data-snapshot-source", str(snapshot.resolve())) in properties
    assert ("ospo-scan:license-data-oldest", oldest.replace("+00:00", "Z")) in properties


def test_license_data_in_xml_sbom_and_table_without_cache(tmp_path: Path) -> None:
    """Renderings of the freshness stamp outside the end-to-end run."""
    info = LicenseDataInfo(
        offline=True,
        cache_entries=1,
        oldest=datetime(2026, 10, 1, 8, 0, tzinfo=UTC),
        newest=datetime(2026, 10, 1, 9, 0, tzinfo=UTC),
        snapshot_created=datetime(2026, 11, 20, 7, 0, tzinfo=UTC),
        snapshot_source="/ci/licenses.jsonl.gz",
    )
    result = ScanResult((), (), (), offline=True, license_data=info)
    table = get_reporter("table").render(result, make_context())
    assert (
        "  license data  offline, cache snapshot of 2026-11-20, 1 cache entry from 2026-10-01\n"
        in table
    )
    online = replace(result, offline=False, license_data=LicenseDataInfo(offline=False))
    assert "  license data  online, no cache entries used\n" in get_reporter("table").render(
        online, make_context()
    )
    xml = get_reporter("cyclonedx-xml").render(result, make_context())
    root = ET.fromstring(xml)
    namespace = {"cdx": "http://cyclonedx.org/schema/bom/1.6"}
    names = {
        prop.get("name"): prop.text
        for prop in root.findall("cdx:metadata/cdx:properties/cdx:property", namespace)
    }
    assert names["ospo-scan:license-data-newest"] == "2026-10-01T09:00:00Z"
    assert names["ospo-scan:license-data-snapshot"] == "2026-11-20T07:00:00Z"
