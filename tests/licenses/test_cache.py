"""LicenseCache: values and resolutions, expiry, batching, schema changes, damage, concurrency."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from ospo_scan.errors import RegistryError
from ospo_scan.licenses.cache import (
    FILE_NAME,
    SCHEMA_VERSION,
    CacheError,
    LicenseCache,
    default_cache_dir,
)
from ospo_scan.model import Evidence, Resolution

MIT = Resolution(
    "MIT",
    "registry:npm",
    1.0,
    (Evidence("registry:npm", "MIT", "https://registry.test/npm/left-pad/1.3.0"),),
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


def test_values_round_trip_per_namespace(tmp_path: Path) -> None:
    with LicenseCache(tmp_path) as cache:
        cache.put("npm-doc", "left-pad@1.3.0", {"license": "WTFPL", "n": [1, 2]})
        cache.put("other", "left-pad@1.3.0", "x")
        assert cache.get("npm-doc", "left-pad@1.3.0") == {"license": "WTFPL", "n": [1, 2]}
        assert cache.get("other", "left-pad@1.3.0") == "x"
        assert cache.get("npm-doc", "missing") is None
    with LicenseCache(tmp_path) as reopened:
        assert reopened.get("npm-doc", "left-pad@1.3.0") == {"license": "WTFPL", "n": [1, 2]}
        assert reopened.get_many("other", ["left-pad@1.3.0", "nope"]) == {"left-pad@1.3.0": "x"}
    assert (tmp_path / FILE_NAME).is_file()


def test_default_folder_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OSPO_SCAN_CACHE_DIR", str(tmp_path / "from-env"))
    assert default_cache_dir() == tmp_path / "from-env"
    with LicenseCache() as cache:
        assert cache.path == tmp_path / "from-env" / FILE_NAME
    assert (tmp_path / "from-env" / FILE_NAME).is_file()


def test_resolutions_round_trip_with_cache_evidence(tmp_path: Path) -> None:
    clock = Clock()
    with LicenseCache(tmp_path, clock=clock) as cache:
        cache.put_resolution("pkg:npm/left-pad@1.3.0", MIT)
    with LicenseCache(tmp_path, clock=clock) as cache:
        cached = cache.get_resolution("pkg:npm/left-pad@1.3.0")
        assert cached is not None
        assert (cached.expression, cached.source, cached.confidence) == ("MIT", "registry:npm", 1.0)
        assert cached.evidence[0] == MIT.evidence[0]
        assert cached.evidence[1] == Evidence(
            "cache", "registry:npm", "license cache entry stored 2025-06-15T15:06:40Z"
        )
        # Storing it again does not pile up cache evidence.
        cache.put_resolution("pkg:npm/left-pad@1.3.0", cached)
        again = cache.get_resolution("pkg:npm/left-pad@1.3.0")
        assert again is not None
        assert [e.source for e in again.evidence] == ["registry:npm", "cache"]
        assert cache.get_resolution("pkg:npm/right-pad@1.0.0") is None


def test_the_method_is_kept_and_an_entry_stored_without_one_still_reads(tmp_path: Path) -> None:
    from_text = Resolution("BSD-2-Clause", "registry:pypi", 0.97, (), method="license-text")
    with LicenseCache(tmp_path) as cache:
        cache.put_resolution("pkg:pypi/numba@0.68.1", from_text)
        # As a version that recorded no method stored it.
        cache.put(
            "resolution",
            "pkg:npm/left-pad@1.3.0",
            {
                "expression": "MIT",
                "source": "registry:npm",
                "confidence": 1.0,
                "reason": None,
                "evidence": [],
            },
        )
        # A method this version does not know is a damaged entry, not an answer.
        cache.put(
            "resolution",
            "pkg:npm/odd@1.0.0",
            {
                "expression": "MIT",
                "source": "registry:npm",
                "confidence": 1.0,
                "reason": None,
                "evidence": [],
                "method": "guesswork",
            },
        )
    with LicenseCache(tmp_path) as cache:
        numba = cache.get_resolution("pkg:pypi/numba@0.68.1")
        left_pad = cache.get_resolution("pkg:npm/left-pad@1.3.0")
        assert cache.get_resolution("pkg:npm/odd@1.0.0") is None
    assert numba is not None and numba.method == "license-text"
    assert left_pad is not None and (left_pad.expression, left_pad.method) == ("MIT", None)


def test_unresolved_resolutions_keep_their_reason(tmp_path: Path) -> None:
    gone = Resolution(None, "registry:npm", 0.0, (), "not found in the npm registry")
    with LicenseCache(tmp_path) as cache:
        cache.put_resolution("pkg:npm/gone@1.0.0", gone)
    with LicenseCache(tmp_path) as cache:
        cached = cache.get_resolution("pkg:npm/gone@1.0.0")
    assert cached is not None
    assert (cached.expression, cached.reason) == (None, "not found in the npm registry")


def test_entries_expire_after_their_ttl(tmp_path: Path) -> None:
    clock = Clock()
    with LicenseCache(tmp_path, clock=clock) as cache:
        cache.put("n", "brief", 1, ttl=60)
        cache.put("n", "forever", 2)
        clock.now += 59
        assert cache.get("n", "brief") == 1  # still buffered, still fresh
    clock.now += 2
    with LicenseCache(tmp_path, clock=clock) as cache:
        assert cache.get("n", "brief") is None
        assert cache.get("n", "forever") == 2


def test_writes_are_batched_and_visible_before_the_flush(tmp_path: Path) -> None:
    writer = LicenseCache(tmp_path, batch_size=500)
    reader = LicenseCache(tmp_path)
    for index in range(499):
        writer.put("n", str(index), index)
    assert writer.get("n", "7") == 7  # buffered, and the writer sees it
    assert reader.get("n", "7") is None  # not written yet: no transaction so far
    writer.put("n", "499", 499)  # the 500th entry: one transaction for all of them
    assert reader.get_many("n", [str(i) for i in range(500)]) == {str(i): i for i in range(500)}
    writer.put("n", "500", 500)
    writer.close()
    assert reader.get("n", "500") == 500
    reader.close()


def test_two_thousand_reads_take_a_few_queries(tmp_path: Path) -> None:
    purls = [f"pkg:npm/package-{index}@1.0.{index}" for index in range(2000)]
    with LicenseCache(tmp_path) as cache:
        for purl in purls:
            cache.put_resolution(purl, MIT)
    with LicenseCache(tmp_path) as cache:
        started = time.perf_counter()
        found = cache.get_resolutions([*purls, "pkg:npm/absent@1.0.0"])
        elapsed = time.perf_counter() - started
    assert len(found) == 2000
    assert found[purls[1234]].expression == "MIT"
    # Typically ~10 ms; the bound only catches a query per purl on a loaded machine.
    assert elapsed < 1.0


def test_a_new_schema_version_drops_old_entries(tmp_path: Path) -> None:
    with LicenseCache(tmp_path) as cache:
        cache.put("n", "k", "old format")
    with sqlite3.connect(tmp_path / FILE_NAME) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with LicenseCache(tmp_path) as cache:
        assert cache.get("n", "k") is None
        cache.put("n", "k", "new format")
    with LicenseCache(tmp_path) as cache:
        assert cache.get("n", "k") == "new format"
    with sqlite3.connect(tmp_path / FILE_NAME) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_file_that_is_not_a_database_is_moved_aside_and_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / FILE_NAME).write_bytes(b"this is not an SQLite file\n" * 200)
    with caplog.at_level(logging.WARNING), LicenseCache(tmp_path) as cache:
        cache.put_resolution("pkg:npm/left-pad@1.3.0", MIT)
    assert f"license cache {tmp_path / FILE_NAME} was damaged" in caplog.text
    aside = list(tmp_path.glob(f"{FILE_NAME}.damaged-*"))
    assert len(aside) == 1
    assert aside[0].read_bytes().startswith(b"this is not an SQLite file")
    with LicenseCache(tmp_path) as cache:
        cached = cache.get_resolution("pkg:npm/left-pad@1.3.0")
    assert cached is not None and cached.expression == "MIT"


def test_a_damaged_page_inside_the_file_is_detected(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with LicenseCache(tmp_path) as cache:
        for index in range(3000):
            cache.put("n", f"key-{index}", "x" * 100)
    path = tmp_path / FILE_NAME
    data = bytearray(path.read_bytes())
    page = 4096
    data[page * 3 : page * 6] = b"\xff" * (page * 3)  # scribble over pages past the header
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING), LicenseCache(tmp_path) as cache:
        assert cache.get("n", "key-1") is None
        cache.put("n", "fresh", 1)
    assert "was damaged" in caplog.text
    with LicenseCache(tmp_path) as cache:
        assert cache.get("n", "fresh") == 1


def test_an_unusable_folder_is_a_registry_error_naming_the_file(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    with pytest.raises(CacheError) as caught:
        LicenseCache(blocker)
    assert isinstance(caught.value, RegistryError)
    assert str(blocker / FILE_NAME) in str(caught.value)
    assert "OSPO_SCAN_CACHE_DIR" in str(caught.value)


def test_a_failure_during_the_run_disables_the_cache_instead_of_failing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = LicenseCache(tmp_path)
    with sqlite3.connect(tmp_path / FILE_NAME) as other:
        other.execute("DROP TABLE entries")
    with caplog.at_level(logging.WARNING):
        assert cache.get("n", "k") is None
        cache.put("n", "k", 1)
        cache.close()
    assert "continuing without the cache" in caplog.text


def test_threads_sharing_one_cache(tmp_path: Path) -> None:
    cache = LicenseCache(tmp_path, batch_size=10)
    misses: list[str] = []

    def work(worker: int) -> None:
        for index in range(100):
            cache.put("n", f"{worker}-{index}", index)
            # Written moments ago: in the buffer, being flushed, or in the file.
            if cache.get("n", f"{worker}-{index}") != index:
                misses.append(f"{worker}-{index}")

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cache.close()
    assert misses == []
    with LicenseCache(tmp_path) as reopened:
        keys = [f"{w}-{i}" for w in range(8) for i in range(100)]
        assert len(reopened.get_many("n", keys)) == 800


WRITER = textwrap.dedent(
    """
    import sys, time
    from ospo_scan.licenses.cache import LicenseCache
    folder, name, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
    while time.time() < start:
        time.sleep(0.005)
    cache = LicenseCache(folder, batch_size=20)
    for index in range(400):
        cache.put("n", f"{name}-{index}", index)
        cache.put("shared", str(index % 50), name)
    cache.close()
    """
)


def test_two_processes_writing_at_once(tmp_path: Path) -> None:
    LicenseCache(tmp_path).close()  # create the file first, as an earlier scan would have
    start = time.time() + 1.0  # both start together, after the interpreter has loaded
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path), name, str(start)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("first", "second")
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr
    with LicenseCache(tmp_path) as cache:
        for name in ("first", "second"):
            stored = cache.get_many("n", [f"{name}-{index}" for index in range(400)])
            assert stored == {f"{name}-{index}": index for index in range(400)}
        assert set(cache.get_many("shared", [str(i) for i in range(50)]).values()) <= {
            "first",
            "second",
        }


def test_two_processes_opening_a_new_cache_at_once(tmp_path: Path) -> None:
    start = time.time() + 1.0
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path / "fresh"), name, str(start)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("first", "second")
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
    with LicenseCache(tmp_path / "fresh") as cache:
        assert cache.get("n", "first-399") == 399
        assert cache.get("n", "second-399") == 399
