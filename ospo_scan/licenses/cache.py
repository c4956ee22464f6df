"""The persistent license cache: SQLite in the user cache folder, safe for concurrent scans."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from ospo_scan.errors import RegistryError
from ospo_scan.model import Evidence, Resolution

logger = logging.getLogger(__name__)

# Bump when the stored format or the meaning of an answer changes (a resolver learns a new
# source, say): the next open drops every entry written under another version.
SCHEMA_VERSION = 1
FILE_NAME = "licenses.sqlite3"
ENV_VAR = "OSPO_SCAN_CACHE_DIR"
RESOLUTION_NAMESPACE = "resolution"
CACHE_SOURCE = "cache"

# SQLite primary result codes for a damaged file (https://www.sqlite.org/rescode.html).
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26
# Stay below SQLITE_MAX_VARIABLE_NUMBER of old SQLite builds (999) in "IN (?, ?, ...)".
_IN_CHUNK = 900
_BUSY_TIMEOUT_MS = 15_000


class CacheError(RegistryError):
    """The cache file cannot be created or opened; the message names the file."""


def default_cache_dir() -> Path:
    """``$OSPO_SCAN_CACHE_DIR`` when set, else the platform's user cache folder for ospo-scan."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("ospo-scan"))


class LicenseCache:
    """JSON values by (namespace, key), each with the time it was stored and an optional expiry.

    The file is ``licenses.sqlite3`` in ``directory`` (default: ``default_cache_dir()``). SQLite
    runs in WAL mode with a busy timeout, so two scans can share the file: readers never block,
    writers take turns. Each thread gets its own connection. ``put`` buffers writes, which
    reach the file in one transaction per ``batch_size`` entries, on ``flush`` and on ``close``
    (one fsync for a whole scan instead of one per component); ``get`` sees buffered writes.

    A damaged file is moved aside and rebuilt (with a warning naming it); a file that cannot be
    created raises ``CacheError``. A failure later in the run (the disk fills up, another
    process holds a lock too long) is logged and turns the cache into a no-op: a cache problem
    never fails a scan.
    """

    def __init__(
        self,
        directory: Path | str | None = None,
        *,
        batch_size: int = 500,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self.path = self.directory / FILE_NAME
        self.batch_size = batch_size
        self._clock = clock
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._pending: dict[tuple[str, str], tuple[str, float, float | None]] = {}
        self._flushing: dict[tuple[str, str], tuple[str, float, float | None]] = {}
        self._flush_lock = threading.Lock()
        self._disabled = False
        self._open()

    # -- generic values -------------------------------------------------------------------

    def get(self, namespace: str, key: str) -> Any | None:
        """The value stored under (namespace, key), or ``None`` when absent or expired."""
        found = self._get_many(namespace, [key])
        entry = found.get(key)
        return None if entry is None else entry[0]

    def get_many(self, namespace: str, keys: Iterable[str]) -> dict[str, Any]:
        """The values stored for any of ``keys`` (absent and expired keys are left out)."""
        return {key: value for key, (value, _) in self._get_many(namespace, keys).items()}

    def put(self, namespace: str, key: str, value: Any, *, ttl: float | None = None) -> None:
        """Store a JSON-able ``value``; it expires after ``ttl`` seconds when given.

        Raises ``TypeError``/``ValueError`` when ``value`` cannot be written as JSON.
        """
        text = json.dumps(value, separators=(",", ":"), sort_keys=True)
        now = self._clock()
        expires = None if ttl is None else now + ttl
        with self._lock:
            self._pending[(namespace, key)] = (text, now, expires)
            full = len(self._pending) >= self.batch_size
        if full:
            self.flush()

    # -- resolutions ----------------------------------------------------------------------

    def get_resolution(self, purl: str) -> Resolution | None:
        """The cached resolution of ``purl`` (with evidence saying it came from the cache)."""
        return self.get_resolutions([purl]).get(purl)

    def get_resolutions(self, purls: Iterable[str]) -> dict[str, Resolution]:
        """Cached resolutions by purl, read in a few queries however many purls are asked for."""
        out: dict[str, Resolution] = {}
        for purl, (value, stored) in self._get_many(RESOLUTION_NAMESPACE, purls).items():
            resolution = _decode_resolution(value, stored)
            if resolution is None:
                logger.debug("ignoring an unreadable cache entry for %s", purl)
                continue
            out[purl] = resolution
        return out

    def put_resolution(
        self, purl: str, resolution: Resolution, *, ttl: float | None = None
    ) -> None:
        """Cache the resolution of ``purl``; pass ``ttl`` for answers that may change soon.

        Callers cache registry answers (and "not found" briefly), never network failures.
        """
        self.put(RESOLUTION_NAMESPACE, purl, _encode_resolution(resolution), ttl=ttl)

    # -- life cycle -----------------------------------------------------------------------

    def flush(self) -> None:
        """Write every buffered entry in one transaction (a no-op when nothing is buffered)."""
        # One flush at a time: readers look up entries being flushed in ``_flushing`` until
        # they are committed, so a value never vanishes between the buffer and the file.
        with self._flush_lock:
            with self._lock:
                self._flushing, self._pending = self._pending, {}
                batch = self._flushing
            try:
                if batch and not self._disabled:
                    self._write(batch)
            finally:
                with self._lock:
                    self._flushing = {}

    def _write(self, batch: dict[tuple[str, str], tuple[str, float, float | None]]) -> None:
        rows = [(ns, key, text, stored, exp) for (ns, key), (text, stored, exp) in batch.items()]
        try:
            connection = self._connection()
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.executemany(
                    "INSERT OR REPLACE INTO entries (namespace, key, value, stored, expires)"
                    " VALUES (?, ?, ?, ?, ?)",
                    rows,
                )
                connection.execute(
                    "DELETE FROM entries WHERE expires IS NOT NULL AND expires < ?",
                    (self._clock(),),
                )
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            self._give_up(f"could not write {len(rows)} entries", exc)

    def close(self) -> None:
        """Flush buffered writes and close every connection (from any thread)."""
        self.flush()
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            try:
                connection.close()
            except sqlite3.Error as exc:  # pragma: no cover - closing cannot fail in practice
                logger.debug("closing %s: %s", self.path, exc)
        self._local = threading.local()

    def __enter__(self) -> LicenseCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals ------------------------------------------------------------------------

    def _get_many(self, namespace: str, keys: Iterable[str]) -> dict[str, tuple[Any, float]]:
        wanted = list(dict.fromkeys(keys))
        now = self._clock()
        found: dict[str, tuple[Any, float]] = {}
        with self._lock:
            for key in wanted:
                entry = self._pending.get((namespace, key)) or self._flushing.get((namespace, key))
                if entry is not None and (entry[2] is None or entry[2] > now):
                    found[key] = (json.loads(entry[0]), entry[1])
        missing = [key for key in wanted if key not in found]
        if not missing or self._disabled:
            return found
        try:
            connection = self._connection()
            for start in range(0, len(missing), _IN_CHUNK):
                chunk = missing[start : start + _IN_CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = connection.execute(
                    "SELECT key, value, stored FROM entries WHERE namespace = ? AND key IN"
                    f" ({marks}) AND (expires IS NULL OR expires > ?)",
                    (namespace, *chunk, now),
                ).fetchall()
                for key, text, stored in rows:
                    try:
                        found[key] = (json.loads(text), stored)
                    except ValueError:
                        logger.debug("ignoring an undecodable cache entry %s/%s", namespace, key)
        except sqlite3.Error as exc:
            self._give_up("could not read", exc)
        return found

    def _give_up(self, what: str, exc: sqlite3.Error) -> None:
        logger.warning(
            "license cache %s: %s (%s); continuing without the cache", self.path, what, exc
        )
        self._disabled = True

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._connect()
            self._local.connection = connection
        return connection

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so a writer takes the write
        # lock up front and waits (busy_timeout) instead of failing on a lock upgrade.
        # check_same_thread=False only so that close() can close other threads' connections.
        connection = sqlite3.connect(
            self.path,
            timeout=_BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
        try:
            connection.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            # WAL + synchronous=NORMAL: readers and one writer at a time, and a crash can at
            # worst lose the last transactions, never corrupt the file (sqlite.org/wal.html).
            connection.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error:
            connection.close()
            raise
        with self._lock:
            self._connections.append(connection)
        return connection

    def _open(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _cache_error(self.path, exc) from exc
        try:
            self._prepare()
        except sqlite3.DatabaseError as exc:
            if not _is_corrupt(exc):
                raise _cache_error(self.path, exc) from exc
            self.close()
            aside = self._move_aside()
            logger.warning(
                "license cache %s was damaged (%s); moved it to %s and started a new one",
                self.path,
                exc,
                aside,
            )
            try:
                self._prepare()
            except sqlite3.Error as again:
                raise _cache_error(self.path, again) from again

    def _prepare(self) -> None:
        connection = self._connection()
        # The first statement that reads the file header: "file is not a database" shows here.
        if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            self._enable_wal(connection)
        if connection.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            connection.execute("BEGIN IMMEDIATE")
            try:
                # Re-read under the write lock: another scan may have just done this.
                if connection.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                    logger.info("license cache %s: new schema %d", self.path, SCHEMA_VERSION)
                    connection.execute("DROP TABLE IF EXISTS entries")
                    connection.execute(
                        "CREATE TABLE entries (namespace TEXT NOT NULL, key TEXT NOT NULL,"
                        " value TEXT NOT NULL, stored REAL NOT NULL, expires REAL,"
                        " PRIMARY KEY (namespace, key)) WITHOUT ROWID"
                    )
                    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        # Damage inside the file (not in its header) only shows when pages are read.
        verdict = connection.execute("PRAGMA quick_check(1)").fetchone()[0]
        if verdict != "ok":
            error = sqlite3.DatabaseError(f"quick_check: {verdict}")
            error.sqlite_errorcode = _SQLITE_CORRUPT
            raise error

    def _enable_wal(self, connection: sqlite3.Connection) -> None:
        """Switch the file to WAL mode, waiting for other openers of a new file.

        Changing the journal mode needs an exclusive lock and SQLite does not call the busy
        handler for it, so two scans creating the cache at once would see "database is
        locked" at once: retry for as long as ``busy_timeout`` would have waited.
        """
        deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                connection.execute("PRAGMA journal_mode = WAL").fetchone()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            time.sleep(0.02)

    def _move_aside(self) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        try:
            self.path.replace(aside)
        except OSError:
            aside = self.path
            self.path.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
        return aside


def _is_corrupt(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return (code & 0xFF) in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    return not isinstance(exc, sqlite3.OperationalError)


def _cache_error(path: Path, exc: BaseException) -> CacheError:
    return CacheError(
        f"{path}: cannot open the license cache ({exc})",
        f"set {ENV_VAR} or --cache-dir to a writable folder",
    )


def _encode_resolution(resolution: Resolution) -> dict[str, Any]:
    return {
        "expression": resolution.expression,
        "source": resolution.source,
        "confidence": resolution.confidence,
        "reason": resolution.reason,
        # Cache evidence describes one read of the cache; it is added again on the next read.
        "evidence": [
            [e.source, e.value, e.detail] for e in resolution.evidence if e.source != CACHE_SOURCE
        ],
    }


@lru_cache(maxsize=4096)
def _stored_note(stored: int) -> str:
    # Memoized: a scan's entries were mostly written within the same few seconds.
    return f"license cache entry stored {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(stored))}"


def _decode_resolution(value: Any, stored: float) -> Resolution | None:
    """The stored resolution plus evidence that (and when) it came from the cache."""
    if not isinstance(value, dict):
        return None
    expression = value.get("expression")
    source = value.get("source")
    confidence = value.get("confidence")
    reason = value.get("reason")
    raw_evidence = value.get("evidence")
    if not (
        (expression is None or isinstance(expression, str))
        and isinstance(source, str)
        and isinstance(confidence, (int, float))
        and (reason is None or isinstance(reason, str))
        and isinstance(raw_evidence, list)
    ):
        return None
    evidence: list[Evidence] = []
    for item in raw_evidence:
        if not (isinstance(item, list) and len(item) == 3):
            return None
        item_source, item_value, item_detail = item
        if not (
            isinstance(item_source, str)
            and isinstance(item_value, str)
            and (item_detail is None or isinstance(item_detail, str))
        ):
            return None
        evidence.append(Evidence(item_source, item_value, item_detail))
    evidence.append(Evidence(CACHE_SOURCE, source, _stored_note(int(stored))))
    return Resolution(expression, source, float(confidence), tuple(evidence), reason)
