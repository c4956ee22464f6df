"""License cache snapshots: export the cache to a portable file, import it elsewhere.

An air-gapped CI job cannot ask the registries, so it imports a snapshot exported on a
connected machine and scans with ``--offline``: it then gets the answers that machine got.

The file is JSON Lines (one JSON value per line, UTF-8, here plain ASCII), gzip-compressed
unless its name ends in ``.jsonl``. Line 1 is the header::

    {"format": "ospo-scan-license-snapshot", "format_version": 1,
     "ospo_scan_version": "0.1.0", "created_at": "2026-11-20T10:00:00Z",
     "cache_schema_version": 1, "selection": "resolutions", "entries": 2,
     "namespaces": {"resolution": 2}}

and every further line is one cache entry::

    {"namespace": "resolution", "key": "pkg:npm/left-pad@1.3.0", "value": {...},
     "stored": 1763632800.25, "expires": null}

``stored`` and ``expires`` are Unix times in seconds, exactly as the cache keeps them, so an
entry keeps its age across machines. Entries are sorted by (namespace, key); with the gzip
header's time and name left empty, exporting the same cache twice at the same instant gives
the same bytes. ``format_version`` changes when this layout changes; ``cache_schema_version``
is ``cache.SCHEMA_VERSION``, which changes when the meaning of the stored answers does: a
snapshot of another cache schema is refused rather than merged.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import math
import os
import zlib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ospo_scan import __version__
from ospo_scan.errors import InputError
from ospo_scan.licenses.cache import (
    RESOLUTION_NAMESPACE,
    SCHEMA_VERSION,
    CacheEntry,
    LicenseCache,
    MergeCounts,
    SnapshotStamp,
    is_resolution,
)

logger = logging.getLogger(__name__)

FORMAT = "ospo-scan-license-snapshot"
FORMAT_VERSION = 1
PLAIN_SUFFIX = ".jsonl"  # any other name is written gzip-compressed
_GZIP_MAGIC = b"\x1f\x8b"
_HEADER_KEYS = frozenset(
    {
        "format",
        "format_version",
        "ospo_scan_version",
        "created_at",
        "cache_schema_version",
        "selection",
        "entries",
        "namespaces",
    }
)
_ENTRY_KEYS = ("namespace", "key", "value", "stored", "expires")
_ENTRY_EXPECTED = 'an object with "namespace", "key", "value", "stored" and "expires"'


class SnapshotError(InputError):
    """A snapshot that cannot be read or imported: the message names the file and line."""


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What ``export_snapshot`` wrote. ``purls_*`` are set when it was limited to purls."""

    path: Path
    created_at: datetime
    entries: int
    namespaces: dict[str, int]
    purls_wanted: int | None = None
    purls_found: int | None = None


@dataclass(frozen=True, slots=True)
class Header:
    """A snapshot's first line, validated."""

    format_version: int
    tool_version: str
    created_at: datetime
    cache_schema_version: int
    selection: str
    entries: int
    namespaces: dict[str, int]


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What ``import_snapshot`` read and what the merge did with it."""

    path: Path
    header: Header
    counts: MergeCounts


# --- export ----------------------------------------------------------------------------------


def export_snapshot(
    cache: LicenseCache,
    path: Path,
    *,
    everything: bool = False,
    purls: Collection[str] | None = None,
    now: Callable[[], datetime] | None = None,
) -> ExportResult:
    """Write the cache's unexpired entries to ``path``; return what was written.

    By default only the final answers (the ``resolution`` namespace) are written: they are
    all an offline scan reads. ``everything`` adds every registry step's cached document
    (larger; lets a connected machine resume from them). ``purls`` keeps only the
    resolutions of those purls. The file is replaced atomically, so a failed export never
    leaves half a snapshot behind. Raises ``CacheError`` when the cache cannot be read and
    ``SnapshotError`` when the file cannot be written.
    """
    if everything and purls is not None:
        raise ValueError("a purl selection exports resolutions only")
    namespaces = None if everything else (RESOLUTION_NAMESPACE,)
    entries = cache.entries(namespaces, purls)
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.namespace] = counts.get(entry.namespace, 0) + 1
    created = (now or _utc_now)().astimezone(UTC).replace(microsecond=0)
    selection = "all" if everything else ("purls" if purls is not None else "resolutions")
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "ospo_scan_version": __version__,
        "created_at": _iso(created),
        "cache_schema_version": SCHEMA_VERSION,
        "selection": selection,
        "entries": len(entries),
        "namespaces": counts,
    }
    _write_atomically(path, _lines(header, entries), compress=not _is_plain(path))
    found = None if purls is None else counts.get(RESOLUTION_NAMESPACE, 0)
    return ExportResult(
        path=path,
        created_at=created,
        entries=len(entries),
        namespaces=counts,
        purls_wanted=None if purls is None else len(set(purls)),
        purls_found=found,
    )


def _lines(header: dict[str, Any], entries: list[CacheEntry]) -> Iterator[bytes]:
    yield _dump(header)
    for entry in entries:
        yield _dump(
            {
                "namespace": entry.namespace,
                "key": entry.key,
                "value": entry.value,
                "stored": entry.stored,
                "expires": entry.expires,
            }
        )


def _dump(data: dict[str, Any]) -> bytes:
    # Values come from the cache's canonical JSON (keys sorted) and each line's own keys
    # are in a fixed order, so equal caches give equal files; ASCII keeps it greppable.
    return json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"


def _write_atomically(path: Path, lines: Iterator[bytes], *, compress: bool) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as raw:
            if compress:
                # mtime=0 and no file name in the gzip header: the bytes depend on the data only.
                with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed:
                    packed.writelines(lines)
            else:
                raw.writelines(lines)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise SnapshotError(
            f"cannot write the snapshot: {exc.strerror or exc}", path=str(path)
        ) from exc


def _is_plain(path: Path) -> bool:
    return path.name.lower().endswith(PLAIN_SUFFIX)


# --- import ----------------------------------------------------------------------------------


def import_snapshot(
    cache: LicenseCache, path: Path, *, now: Callable[[], datetime] | None = None
) -> ImportResult:
    """Validate the snapshot at ``path`` and merge it into ``cache``; return what happened.

    Every line is checked before anything is written, and the merge is one transaction:
    a broken file changes nothing. Newer entries win (by stored-at), expired ones are
    skipped, and the snapshot's stamp (created-at, file, exporting version) is recorded in
    the cache. Raises ``SnapshotError`` (one line: ``<file>:<line>: <problem> (expected
    ...)``) for a missing, foreign, damaged or incompatible file, and ``CacheError`` when
    the cache cannot be written.
    """
    header, entries = read_snapshot(path)
    stamp = SnapshotStamp(
        created_at=header.created_at,
        source=str(path.resolve()),
        imported_at=(now or _utc_now)().astimezone(UTC).replace(microsecond=0),
        tool_version=header.tool_version,
        entries=header.entries,
    )
    counts = cache.merge(entries, stamp=stamp)
    return ImportResult(path=path, header=header, counts=counts)


def read_snapshot(path: Path) -> tuple[Header, list[CacheEntry]]:
    """Read and validate a whole snapshot; return its header and entries.

    Raises ``SnapshotError`` naming the file and the first bad line.
    """
    shown = str(path)
    header: Header | None = None
    entries: list[CacheEntry] = []
    seen: dict[tuple[str, str], int] = {}
    number = 0
    try:
        with _open(path) as stream:
            for number, raw in enumerate(stream, start=1):
                data = _decode_line(raw, shown, number)
                if header is None:
                    header = _header(data, shown, number)
                    continue
                entry = _entry(data, shown, number)
                identity = (entry.namespace, entry.key)
                if identity in seen:
                    raise _error(
                        shown,
                        number,
                        f"{entry.namespace} entry {entry.key!r} repeats line {seen[identity]}",
                        "each (namespace, key) once",
                    )
                seen[identity] = number
                entries.append(entry)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise _error(
            shown, number + 1, f"damaged gzip data ({exc})", "a complete .gz snapshot"
        ) from exc
    except OSError as exc:
        raise SnapshotError(f"cannot read the snapshot: {exc.strerror or exc}", path=shown) from exc
    if header is None:
        raise _error(shown, 1, "empty file", "a snapshot header line")
    _check_counts(header, entries, shown, number)
    return header, entries


def _open(path: Path) -> io.BufferedIOBase:
    """The file's bytes, decompressed when it starts with the gzip magic number."""
    with open(path, "rb") as probe:
        compressed = probe.read(2) == _GZIP_MAGIC
    # gzip.open owns the file it opens and closes it with the stream (a GzipFile given a
    # fileobj would leave it open).
    return gzip.open(path, "rb") if compressed else open(path, "rb")


def _decode_line(raw: bytes, path: str, number: int) -> Any:
    # On line 1 any failure means the file is something else altogether: say so first.
    foreign = "not an ospo-scan license snapshot: " if number == 1 else ""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        problem = f"{foreign}not UTF-8 text (byte {exc.start})"
        raise _error(path, number, problem, _expected(number)) from exc
    if not text.strip():
        raise _error(path, number, f"{foreign}empty line", _expected(number))
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        raise _error(path, number, f"{foreign}invalid JSON: {exc}", _expected(number)) from exc


def _expected(number: int) -> str:
    return "a snapshot header line" if number == 1 else "one JSON cache entry per line"


def _header(data: Any, path: str, number: int) -> Header:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _error(
            path,
            number,
            "not an ospo-scan license snapshot",
            f'a first line with "format": "{FORMAT}"',
        )
    missing = sorted(_HEADER_KEYS - data.keys())
    if missing:
        raise _error(path, number, f"the header lacks {', '.join(missing)}", "a complete header")
    version = data["format_version"]
    if not _is_int(version) or version < 1:
        raise _error(path, number, f"format_version {version!r}", "a positive integer")
    if version > FORMAT_VERSION:
        raise _error(
            path,
            number,
            f"snapshot format {version} is newer than this ospo-scan reads",
            f"format {FORMAT_VERSION}: upgrade ospo-scan to import it",
        )
    schema = data["cache_schema_version"]
    if schema != SCHEMA_VERSION:
        raise _error(
            path,
            number,
            f"the snapshot holds cache schema {schema!r}, this ospo-scan uses {SCHEMA_VERSION}",
            "a snapshot exported by an ospo-scan with the same cache schema",
        )
    created = _timestamp(data["created_at"])
    if created is None:
        raise _error(path, number, f"created_at {data['created_at']!r}", "an RFC 3339 UTC time")
    tool, selection, total = data["ospo_scan_version"], data["selection"], data["entries"]
    namespaces = data["namespaces"]
    if not isinstance(tool, str) or not isinstance(selection, str):
        raise _error(path, number, "ospo_scan_version and selection must be strings", "strings")
    if not _is_int(total) or total < 0:
        raise _error(path, number, f"entries {total!r}", "a count")
    if not (
        isinstance(namespaces, dict)
        and all(_is_int(n) and n >= 0 for n in namespaces.values())
        and sum(namespaces.values()) == total
    ):
        raise _error(path, number, "namespaces do not add up to entries", "counts per namespace")
    return Header(version, tool, created, schema, selection, total, dict(namespaces))


def _entry(data: Any, path: str, number: int) -> CacheEntry:
    if not isinstance(data, dict) or set(data) != set(_ENTRY_KEYS):
        keys = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise _error(path, number, f"not a cache entry (found {keys})", _ENTRY_EXPECTED)
    namespace, key, value = data["namespace"], data["key"], data["value"]
    stored, expires = data["stored"], data["expires"]
    if not isinstance(namespace, str) or not namespace:
        raise _error(path, number, f"namespace {namespace!r}", "a non-empty string")
    if not isinstance(key, str) or not key:
        raise _error(path, number, f"key {key!r}", "a non-empty string")
    if not _is_time(stored):
        raise _error(path, number, f"stored {stored!r}", "a Unix time in seconds")
    if expires is not None and not _is_time(expires):
        raise _error(path, number, f"expires {expires!r}", "null or a Unix time in seconds")
    if namespace == RESOLUTION_NAMESPACE:
        # These are the answers an offline scan reads as they are: refuse what the cache
        # would have to ignore.
        if not key.startswith("pkg:"):
            raise _error(path, number, f"resolution key {key!r}", "a package URL (pkg:...)")
        if not is_resolution(value):
            raise _error(
                path,
                number,
                f"the resolution of {key} is malformed",
                "expression, source, confidence, reason and evidence",
            )
    return CacheEntry(
        namespace, key, value, float(stored), None if expires is None else float(expires)
    )


def _check_counts(header: Header, entries: list[CacheEntry], path: str, last: int) -> None:
    found: dict[str, int] = {}
    for entry in entries:
        found[entry.namespace] = found.get(entry.namespace, 0) + 1
    if len(entries) != header.entries:
        raise _error(
            path,
            last,
            f"the snapshot ends after {len(entries)} entries",
            f"{header.entries}, as its header says: the file is truncated or was edited",
        )
    if found != {name: count for name, count in header.namespaces.items() if count}:
        raise _error(
            path,
            last,
            f"entries per namespace {dict(sorted(found.items()))}",
            f"{dict(sorted(header.namespaces.items()))}, as its header says",
        )


def _error(path: str, line: int, message: str, expected: str) -> SnapshotError:
    return SnapshotError(message, path=path, line=line, expected=expected)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_time(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.endswith("Z"):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _utc_now() -> datetime:
    return datetime.now(UTC)


# --- which purls a report names --------------------------------------------------------------


def purls_from_report(path: Path) -> tuple[str, ...] | None:
    """Return the sorted registry purls of an ospo-scan JSON report or a CycloneDX JSON SBOM.

    Returns ``None`` when ``path`` is neither (a lockfile, say: the caller parses it as a
    scan would). Components that do not come from a registry (git, path, URL) are left out
    of a report's list: the cache never holds answers for them. Raises ``InputError`` when
    the file cannot be read or a report's component has no purl: a partial list would make
    an incomplete snapshot look complete.
    """
    if not (path.is_file() and path.suffix.lower() == ".json"):
        return None
    document = _json_document(path)
    if isinstance(document, dict) and document.get("bomFormat") == "CycloneDX":
        return tuple(sorted(set(_cyclonedx_purls(document, str(path)))))
    if isinstance(document, dict) and "schema_version" in document and "tool" in document:
        return _report_purls(document, str(path))
    return None


def _json_document(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read file: {exc}", path=str(path)) from exc
    try:
        return json.loads(text)
    except ValueError:
        return None  # not JSON: let the lockfile parsers say what is wrong


def _report_purls(document: dict[str, Any], path: str) -> tuple[str, ...]:
    components = document.get("components")
    if not isinstance(components, list):
        raise InputError("no components list", path=path, key="components", expected="a list")
    purls: set[str] = set()
    for index, component in enumerate(components):
        purl = component.get("purl") if isinstance(component, dict) else None
        if not isinstance(purl, str) or not purl.startswith("pkg:"):
            raise InputError(
                "not a component", path=path, key=f"components[{index}]", expected="a purl"
            )
        if component.get("registry") is not False:
            purls.add(purl)
    return tuple(sorted(purls))


def _cyclonedx_purls(document: dict[str, Any], path: str, where: str = "") -> Iterator[str]:
    components = document.get("components", [])
    if not isinstance(components, list):
        raise InputError("components is not a list", path=path, key=f"{where}components")
    for index, component in enumerate(components):
        if not isinstance(component, dict):
            raise InputError(
                "not a component",
                path=path,
                key=f"{where}components[{index}]",
                expected="an object",
            )
        purl = component.get("purl")
        if isinstance(purl, str) and purl.startswith("pkg:"):
            yield purl
        # CycloneDX nests components (an assembly's parts) inside components.
        yield from _cyclonedx_purls(component, path, f"{where}components[{index}].")
