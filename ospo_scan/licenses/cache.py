"""The persistent license cache: SQLite in the user cache folder, safe for concurrent scans."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from ospo_scan.errors import RegistryError
from ospo_scan.model import METHODS, Evidence, LicenseDataInfo, Resolution

logger = logging.getLogger(__name__)

# Bump when the stored format or the meaning of an answer changes (a resolver learns a new
# source, say): the next open drops every entry written under another version.
SCHEMA_VERSION = 1
FILE_NAME = "licenses.sqlite3"
ENV_VAR = "OSPO_SCAN_CACHE_DIR"
RESOLUTION_NAMESPACE = "resolution"
CACHE_SOURCE = "cache"
# Name of the ``meta`` row that records the last imported snapshot (``ospo-scan cache import``).
SNAPSHOT_META = "snapshot"

# SQLite primary result codes for a damaged file (https://www.sqlite.org/rescode.html).
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26
# Stay below SQLITE_MAX_VARIABLE_NUMBER of old SQLite builds (999) in "IN (?, ?, ...)".
_IN_CHUNK = 900
_BUSY_TIMEOUT_MS = 15_000


class CacheError(RegistryError):
    """The cache file cannot be created or opened; the message names the file."""


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """One stored value: ``stored`` and ``expires`` are Unix times in seconds."""

    namespace: str
    key: str
    value: Any
    stored: float
    expires: float | None = None


@dataclass(frozen=True, slots=True)
class SnapshotStamp:
    """The last snapshot imported into a cache: when it was made, by what, and from where."""

    created_at: datetime
    source: str  # the snapshot file, as an absolute path on the importing machine
    imported_at: datetime
    tool_version: str  # the ospo-scan version that exported it
    entries: int  # entries in the file (some may have been older than the local ones)

    def to_json(self) -> dict[str, Any]:
        """Return the stamp as JSON data (times as RFC 3339 UTC strings)."""
        return {
            "created_at": _iso(self.created_at),
            "source": self.source,
            "imported_at": _iso(self.imported_at),
            "tool_version": self.tool_version,
            "entries": self.entries,
        }

    @classmethod
    def from_json(cls, data: Any) -> SnapshotStamp | None:
        """Return the stamp stored by ``to_json``, or ``None`` for anything else."""
        if not isinstance(data, dict):
            return None
        try:
            created = datetime.fromisoformat(data["created_at"])
            imported = datetime.fromisoformat(data["imported_at"])
            source, version, entries = data["source"], data["tool_version"], data["entries"]
        except (KeyError, TypeError, ValueError):
            return None
        if not (isinstance(source, str) and isinstance(version, str) and type(entries) is int):
            return None
        return cls(created, source, imported, version, entries)


@dataclass(frozen=True, slots=True)
class MergeCounts:
    """What ``LicenseCache.merge`` did with each entry offered to it."""

    added: int = 0  # not in the cache before
    updated: int = 0  # newer than the cached one, which it replaced
    kept: int = 0  # the cached entry is as new or newer, so it stayed
    expired: int = 0  # already expired: skipped


@dataclass(frozen=True, slots=True)
class CacheInfo:
    """What a cache holds: unexpired entries per namespace, their age range, the snapshot."""

    path: Path
    size: int  # bytes on disk, write-ahead log included
    namespaces: dict[str, int]  # unexpired entries per namespace, sorted by namespace
    expired: int  # expired entries not yet purged
    oldest: float | None  # stored-at of the oldest unexpired entry
    newest: float | None
    snapshot: SnapshotStamp | None


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
        # Entries stored before this moment and read during the run: what the scan took
        # from earlier runs or an imported snapshot (see ``license_data``).
        self._opened_at = clock()
        self._used: set[tuple[str, str]] = set()
        self._used_range: tuple[float, float] | None = None
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

    # -- freshness, snapshots and maintenance ---------------------------------------------

    def license_data(self, *, offline: bool) -> LicenseDataInfo:
        """Return how fresh this run's cached answers are, for the scan report.

        Counts the entries read so far that were stored before this cache was opened (what
        the scan took from earlier runs or from an imported snapshot, not what it fetched
        itself), with their oldest and newest stored-at, and the last imported snapshot.
        """
        with self._lock:
            count, used_range = len(self._used), self._used_range
        stamp = self.snapshot_stamp()
        return LicenseDataInfo(
            offline=offline,
            cache_entries=count,
            oldest=None if used_range is None else _datetime(used_range[0]),
            newest=None if used_range is None else _datetime(used_range[1]),
            snapshot_created=None if stamp is None else stamp.created_at,
            snapshot_source=None if stamp is None else stamp.source,
        )

    def snapshot_stamp(self) -> SnapshotStamp | None:
        """The last imported snapshot's stamp, or ``None`` (never imported, or unreadable)."""
        if self._disabled:
            return None
        try:
            row = (
                self._connection()
                .execute("SELECT value FROM meta WHERE name = ?", (SNAPSHOT_META,))
                .fetchone()
            )
            return None if row is None else SnapshotStamp.from_json(json.loads(row[0]))
        except (sqlite3.Error, ValueError) as exc:
            logger.debug("license cache %s: no readable snapshot stamp (%s)", self.path, exc)
            return None

    def entries(
        self, namespaces: Collection[str] | None = None, keys: Collection[str] | None = None
    ) -> list[CacheEntry]:
        """Return the unexpired entries, sorted by (namespace, key) in code point order.

        ``namespaces`` and ``keys`` restrict the result when given. Entries whose value is
        not JSON are left out (with a debug log). Raises ``CacheError`` when the file cannot
        be read: unlike a scan, an export must not pass over a broken cache in silence.
        """
        self.flush()
        clauses = ["(expires IS NULL OR expires > ?)"]
        params: list[Any] = [self._clock()]
        if namespaces is not None:
            wanted = sorted(set(namespaces))
            clauses.append(f"namespace IN ({','.join('?' * len(wanted))})")
            params.extend(wanted)
        sql = "SELECT namespace, key, value, stored, expires FROM entries WHERE "
        sql += " AND ".join(clauses)
        rows: list[tuple[str, str, str, float, float | None]] = []
        try:
            connection = self._connection()
            if keys is None:
                rows = connection.execute(sql, params).fetchall()
            else:
                wanted_keys = sorted(set(keys))
                for start in range(0, len(wanted_keys), _IN_CHUNK):
                    chunk = wanted_keys[start : start + _IN_CHUNK]
                    marks = ",".join("?" * len(chunk))
                    found = connection.execute(f"{sql} AND key IN ({marks})", [*params, *chunk])
                    rows.extend(found.fetchall())
        except sqlite3.Error as exc:
            raise _cache_error(self.path, exc, "cannot read the license cache") from exc
        out: list[CacheEntry] = []
        for namespace, key, text, stored, expires in rows:
            try:
                value = json.loads(text)
            except ValueError:
                logger.debug("skipping an undecodable cache entry %s/%s", namespace, key)
                continue
            out.append(CacheEntry(namespace, key, value, stored, expires))
        # Sorted here, not by SQL: the order must not depend on the query plan or the chunks.
        out.sort(key=lambda entry: (entry.namespace, entry.key))
        return out

    def merge(
        self, entries: Iterable[CacheEntry], *, stamp: SnapshotStamp | None = None
    ) -> MergeCounts:
        """Merge ``entries`` into the cache in one transaction and return what happened.

        An entry replaces a cached one only when it was stored later; an entry already
        expired is skipped. ``stamp`` is recorded as the last imported snapshot. Either all
        of it is written or, on any error, none of it. Raises ``CacheError`` on failure.
        """
        self.flush()
        now = self._clock()
        offered: dict[tuple[str, str], CacheEntry] = {}
        expired = 0
        for entry in entries:
            if entry.expires is not None and entry.expires <= now:
                expired += 1
            else:
                offered[(entry.namespace, entry.key)] = entry
        by_namespace: dict[str, list[str]] = {}
        for namespace, key in offered:
            by_namespace.setdefault(namespace, []).append(key)
        added = updated = kept = 0
        try:
            connection = self._connection()
            connection.execute("BEGIN IMMEDIATE")
            try:
                # Read the local entries under the write lock, so no scan slips a newer one in
                # between the comparison and the write.
                local: dict[tuple[str, str], float] = {}
                for namespace, keys in by_namespace.items():
                    for start in range(0, len(keys), _IN_CHUNK):
                        chunk = keys[start : start + _IN_CHUNK]
                        marks = ",".join("?" * len(chunk))
                        for key, stored in connection.execute(
                            "SELECT key, stored FROM entries WHERE namespace = ? AND key IN"
                            f" ({marks}) AND (expires IS NULL OR expires > ?)",
                            (namespace, *chunk, now),
                        ):
                            local[(namespace, key)] = stored
                rows = []
                for identity, entry in offered.items():
                    previous = local.get(identity)
                    if previous is not None and previous >= entry.stored:
                        kept += 1
                        continue
                    if previous is None:
                        added += 1
                    else:
                        updated += 1
                    text = json.dumps(entry.value, separators=(",", ":"), sort_keys=True)
                    rows.append((*identity, text, entry.stored, entry.expires))
                connection.executemany(
                    "INSERT OR REPLACE INTO entries (namespace, key, value, stored, expires)"
                    " VALUES (?, ?, ?, ?, ?)",
                    rows,
                )
                if stamp is not None:
                    connection.execute(
                        "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)",
                        (SNAPSHOT_META, json.dumps(stamp.to_json(), sort_keys=True)),
                    )
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            raise _cache_error(self.path, exc, "cannot write to the license cache") from exc
        return MergeCounts(added, updated, kept, expired)

    def info(self) -> CacheInfo:
        """Return what the cache holds. Raises ``CacheError`` when it cannot be read."""
        self.flush()
        now = self._clock()
        try:
            connection = self._connection()
            counts = connection.execute(
                "SELECT namespace, COUNT(*), MIN(stored), MAX(stored) FROM entries"
                " WHERE expires IS NULL OR expires > ? GROUP BY namespace ORDER BY namespace",
                (now,),
            ).fetchall()
            (expired,) = connection.execute(
                "SELECT COUNT(*) FROM entries WHERE expires IS NOT NULL AND expires <= ?", (now,)
            ).fetchone()
        except sqlite3.Error as exc:
            raise _cache_error(self.path, exc, "cannot read the license cache") from exc
        size = 0
        for suffix in ("", "-wal"):
            try:
                size += self.path.with_name(self.path.name + suffix).stat().st_size
            except OSError:
                pass
        return CacheInfo(
            path=self.path,
            size=size,
            namespaces={namespace: count for namespace, count, _, _ in counts},
            expired=expired,
            oldest=min((row[2] for row in counts), default=None),
            newest=max((row[3] for row in counts), default=None),
            snapshot=self.snapshot_stamp(),
        )

    def clear(self) -> int:
        """Delete every entry and the snapshot stamp; return how many entries there were.

        Raises ``CacheError`` when the file cannot be written.
        """
        with self._lock:
            self._pending.clear()
        try:
            connection = self._connection()
            connection.execute("BEGIN IMMEDIATE")
            try:
                removed = connection.execute("DELETE FROM entries").rowcount
                connection.execute("DELETE FROM meta")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            raise _cache_error(self.path, exc, "cannot clear the license cache") from exc
        try:
            connection.execute("VACUUM")  # give the space back; another reader may prevent it
        except sqlite3.Error as exc:
            logger.debug("license cache %s: VACUUM skipped (%s)", self.path, exc)
        return int(removed)

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
        self._note_used(namespace, found)
        return found

    def _note_used(self, namespace: str, found: dict[str, tuple[Any, float]]) -> None:
        earlier = [(key, stored) for key, (_, stored) in found.items() if stored < self._opened_at]
        if not earlier:
            return
        low = min(stored for _, stored in earlier)
        high = max(stored for _, stored in earlier)
        with self._lock:
            self._used.update((namespace, key) for key, _ in earlier)
            if self._used_range is not None:
                low, high = min(low, self._used_range[0]), max(high, self._used_range[1])
            self._used_range = (low, high)

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
                    # A snapshot stamp describes entries that are being dropped.
                    connection.execute("DROP TABLE IF EXISTS meta")
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
        if not connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        ).fetchone():
            # Added after schema 1 without a version bump: a table beside the entries, so
            # the caches already filled stay valid.
            connection.execute(
                "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )
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


def _cache_error(
    path: Path, exc: BaseException, what: str = "cannot open the license cache"
) -> CacheError:
    return CacheError(
        f"{path}: {what} ({exc})", f"set {ENV_VAR} or --cache-dir to a writable folder"
    )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _datetime(stored: float) -> datetime:
    return datetime.fromtimestamp(stored, UTC)


def is_resolution(value: Any) -> bool:
    """Whether ``value`` is a resolution as ``put_resolution`` stores it (for imports)."""
    return _decode_resolution(value, 0.0) is not None


def _encode_resolution(resolution: Resolution) -> dict[str, Any]:
    return {
        "expression": resolution.expression,
        "source": resolution.source,
        "confidence": resolution.confidence,
        "reason": resolution.reason,
        "method": resolution.method,
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
    # Absent from entries stored before methods were recorded.
    method = value.get("method")
    raw_evidence = value.get("evidence")
    if not (
        (expression is None or isinstance(expression, str))
        and isinstance(source, str)
        and isinstance(confidence, (int, float))
        and (reason is None or isinstance(reason, str))
        and (method is None or method in METHODS)
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
    return Resolution(expression, source, float(confidence), tuple(evidence), reason, method)
