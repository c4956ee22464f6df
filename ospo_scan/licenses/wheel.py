"""One file read out of a remote archive: a zip by HTTP range requests, an sdist tarball by prefix.

A wheel's ``*.dist-info/METADATA`` is a few kilobytes inside an archive of megabytes. Like
pip's lazy wheel (``pip._internal.network.lazy_wheel``), we fetch the end of the zip (the
end-of-central-directory record and, usually, the whole central directory), find the member
there, then fetch just its local header and data: one to three requests instead of the whole
wheel. Nothing is written to disk and nothing read here is ever executed.
"""

from __future__ import annotations

import io
import logging
import re
import struct
import tarfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ospo_scan.licenses.http import HttpClient, HttpResponse

logger = logging.getLogger(__name__)

# The tail fetched first. The end-of-central-directory record is 22 bytes plus a comment of
# at most 65535 bytes (APPNOTE.TXT 4.3.16), so 64 KiB plus a little always holds it, and for
# most wheels the whole central directory and the .dist-info files (written last) as well.
TAIL_BYTES = 64 * 1024 + 1024
# A server that ignores Range sends the whole file; we use it only if it is this small.
MAX_WHOLE_BODY = 20 * 1024 * 1024
# Limits against hostile or broken archives (a metadata file is a few kilobytes).
MAX_CENTRAL_DIRECTORY = 32 * 1024 * 1024
MAX_MEMBER_BYTES = 8 * 1024 * 1024
# How much of an sdist we download at most, and how far into it we decompress.
MAX_SDIST_BYTES = 50 * 1024 * 1024
MAX_SDIST_UNPACKED = 512 * 1024 * 1024

# Record layouts from APPNOTE.TXT (https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT).
_EOCD = struct.Struct("<4s4H2LH")  # 4.3.16 end of central directory record
_EOCD_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR = struct.Struct("<4sLQL")  # 4.3.15 zip64 end of central directory locator
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")  # 4.3.14 zip64 end of central directory record
_ZIP64_EOCD_SIGNATURE = b"PK\x06\x06"
_CENTRAL = struct.Struct("<4s6H3L5H2L")  # 4.3.12 central directory file header
_CENTRAL_SIGNATURE = b"PK\x01\x02"
_LOCAL = struct.Struct("<4s5H3L2H")  # 4.3.7 local file header
_LOCAL_SIGNATURE = b"PK\x03\x04"
_ZIP64_EXTRA_ID = 0x0001  # 4.5.3 zip64 extended information extra field
_FLAG_ENCRYPTED = 0x1
_FLAG_UTF8 = 0x800  # 4.4.4 bit 11: file name is UTF-8 (else IBM code page 437)
_STORED = 0
_DEFLATED = 8

# Byte ranges count bytes of the file itself: ask servers not to compress the answer (as pip's
# lazy wheel does), which would make the received length disagree with Content-Range.
_RANGE_HEADERS = {"Accept-Encoding": "identity"}

_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)", re.IGNORECASE)


class ArchiveNotFound(Exception):
    """The archive URL answered 404 or 410."""


class ArchiveError(Exception):
    """The archive cannot be read: malformed, truncated, too large, or the server misbehaved."""


class ArchiveRefused(ArchiveError):
    """The archive URL answered a status that is neither content nor "not found" (401, 403,
    a 5xx the HTTP client did not retry): the registry's answer, not the archive's fault."""

    def __init__(self, url: str, status: int) -> None:
        self.url = url
        self.status = status
        super().__init__(f"{url}: HTTP {status}")


@dataclass(frozen=True, slots=True)
class ZipEntry:
    """One central directory entry: what we need to find and read a member."""

    name: str
    method: int
    flags: int
    crc: int
    compressed_size: int
    size: int
    header_offset: int
    extra_length: int


class _RemoteFile:
    """A remote file read by byte ranges, remembering the pieces already fetched."""

    def __init__(self, http: HttpClient, url: str) -> None:
        self.http = http
        self.url = url
        self.size: int | None = None
        self.requests = 0
        self._pieces: list[tuple[int, bytes]] = []

    def tail(self, length: int) -> tuple[int, bytes]:
        """Fetch the last ``length`` bytes (``Range: bytes=-N``); return (offset, bytes)."""
        return self._fetch(f"bytes=-{length}", None)

    def read(self, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` of the file, from what was fetched when possible."""
        if start < 0 or end < start or (self.size is not None and end > self.size):
            raise ArchiveError(f"{self.url}: offsets {start}-{end} lie outside the archive")
        for offset, data in self._pieces:
            if offset <= start and end <= offset + len(data):
                return data[start - offset : end - offset]
        if start == end:
            return b""
        offset, data = self._fetch(f"bytes={start}-{end - 1}", start)
        if not (offset <= start and end <= offset + len(data)):
            raise ArchiveError(f"{self.url}: asked for bytes {start}-{end - 1}, received fewer")
        return data[start - offset : end - offset]

    def _fetch(self, byte_range: str, start: int | None) -> tuple[int, bytes]:
        self.requests += 1
        # The limit stops a server that ignores Range from streaming a huge wheel into memory.
        response = self.http.get(
            self.url,
            headers={**_RANGE_HEADERS, "Range": byte_range},
            max_bytes=max(MAX_WHOLE_BODY, MAX_CENTRAL_DIRECTORY) + 1,
        )
        if response.status in (404, 410):
            raise ArchiveNotFound(f"{self.url}: HTTP {response.status}")
        if response.status == 416:
            raise ArchiveError(f"{self.url}: HTTP 416 for {byte_range} (empty or shorter file)")
        if response.status == 200:
            return self._whole_body(response)
        if response.status != 206:
            raise ArchiveRefused(self.url, response.status)
        offset, total = _content_range(response)
        if self.size is None:
            self.size = total
        elif total is not None and total != self.size:
            raise ArchiveError(f"{self.url}: the file changed size ({self.size} -> {total})")
        if start is not None and offset != start:
            raise ArchiveError(f"{self.url}: asked for offset {start}, received {offset}")
        self._pieces.append((offset, response.content))
        return offset, response.content

    def _whole_body(self, response: HttpResponse) -> tuple[int, bytes]:
        # The server ignored Range (RFC 9110 section 14.2 allows it) and sent everything.
        if len(response.content) > MAX_WHOLE_BODY:
            raise ArchiveError(
                f"{self.url}: the server ignored the Range header and sent"
                f" {len(response.content)} bytes (limit {MAX_WHOLE_BODY})"
            )
        self.size = len(response.content)
        self._pieces = [(0, response.content)]
        return 0, response.content


def _content_range(response: HttpResponse) -> tuple[int, int | None]:
    """(first byte offset, total size or None) from a 206 answer's Content-Range header."""
    header = response.headers.get("content-range", "")
    match = _CONTENT_RANGE.fullmatch(header.strip())
    if match is None:
        raise ArchiveError(f"{response.url}: 206 without a usable Content-Range ({header!r})")
    first, last = int(match.group(1)), int(match.group(2))
    if last - first + 1 != len(response.content):
        raise ArchiveError(
            f"{response.url}: Content-Range {header!r} but {len(response.content)} bytes arrived"
        )
    total = None if match.group(3) == "*" else int(match.group(3))
    return first, total


class RemoteZip:
    """A remote zip archive whose members are read by HTTP range requests.

    ``RemoteZip.open`` reads the central directory; ``read`` then fetches one member (often
    from bytes already fetched: the tail of a wheel usually holds its ``.dist-info``).
    ``requests`` counts the HTTP requests sent so far.
    """

    def __init__(self, remote: _RemoteFile, entries: list[ZipEntry], delta: int) -> None:
        self._remote = remote
        self._entries = {entry.name: entry for entry in entries}
        self._delta = delta
        self.names: tuple[str, ...] = tuple(entry.name for entry in entries)

    @property
    def url(self) -> str:
        return self._remote.url

    @property
    def requests(self) -> int:
        return self._remote.requests

    @classmethod
    def open(cls, http: HttpClient, url: str, *, tail_bytes: int = TAIL_BYTES) -> RemoteZip:
        """Fetch the end of the archive at ``url`` and read its central directory.

        Raises ``ArchiveNotFound`` on 404/410, ``ArchiveError`` when the archive is
        malformed, truncated or too large, and lets the HTTP client's
        ``RegistryUnavailable``/``RegistryResponseError`` through.
        """
        remote = _RemoteFile(http, url)
        try:
            entries, delta = _central_directory(remote, tail_bytes)
        except struct.error as exc:
            raise ArchiveError(f"{url}: malformed zip ({exc})") from exc
        return cls(remote, entries, delta)

    def size(self, name: str) -> int | None:
        """The uncompressed size of member ``name`` (``None``: no such member)."""
        entry = self._entries.get(name)
        return None if entry is None else entry.size

    def read(self, name: str) -> bytes:
        """The uncompressed bytes of member ``name``.

        Raises ``ArchiveError`` when there is no such member or it cannot be read (too
        large, encrypted, an unsupported compression, a failed CRC check).
        """
        entry = self._entries.get(name)
        if entry is None:
            raise ArchiveError(f"{self.url}: no member {name!r}")
        try:
            return _read_member(self._remote, entry, self._delta)
        except (struct.error, zlib.error) as exc:
            raise ArchiveError(f"{self.url}: malformed zip ({exc})") from exc


def read_zip_member(
    http: HttpClient,
    url: str,
    choose: Callable[[Sequence[str]], str | None],
    *,
    tail_bytes: int = TAIL_BYTES,
) -> tuple[str, bytes, int]:
    """Read one member of the remote zip at ``url`` with HTTP range requests.

    ``choose`` gets the member names and returns the one to read (or ``None``). Returns
    (member name, its uncompressed bytes, the number of requests sent). Raises
    ``ArchiveNotFound`` on 404/410, ``ArchiveError`` when the archive is malformed,
    truncated, too large, or has no member ``choose`` wants, and lets the HTTP client's
    ``RegistryUnavailable``/``RegistryResponseError`` through.
    """
    archive = RemoteZip.open(http, url, tail_bytes=tail_bytes)
    wanted = choose(archive.names)
    if wanted is None:
        raise ArchiveError(f"{url}: no wanted member among {len(archive.names)} files")
    return wanted, archive.read(wanted), archive.requests


def _central_directory(remote: _RemoteFile, tail_bytes: int) -> tuple[list[ZipEntry], int]:
    """The central directory entries and the offset delta of data prepended to the zip."""
    tail_offset, tail = remote.tail(tail_bytes)
    eocd_at = _find_eocd(tail)
    if eocd_at is None:
        raise ArchiveError(f"{remote.url}: no end-of-central-directory record (not a zip?)")
    eocd_offset = tail_offset + eocd_at
    (_, disk, cd_disk, _, count, cd_size, cd_offset, _) = _EOCD.unpack_from(tail, eocd_at)
    if disk != 0 or cd_disk != 0:
        raise ArchiveError(f"{remote.url}: multi-disk zip archives are not supported")
    directory_end = eocd_offset
    locator_offset = eocd_offset - _ZIP64_LOCATOR.size
    if locator_offset >= 0:
        locator = remote.read(locator_offset, eocd_offset)
        if locator[:4] == _ZIP64_LOCATOR_SIGNATURE:
            # Zip64 (APPNOTE 4.4.1.4): the real counts and offsets are in the zip64 record.
            # The record sits just before the locator (no extensible data sector in practice);
            # the offset the locator records is the fallback, and is wrong if bytes were
            # prepended to the archive.
            _, _, recorded_offset, _ = _ZIP64_LOCATOR.unpack(locator)
            record_offset = locator_offset - _ZIP64_EOCD.size
            record = remote.read(record_offset, locator_offset) if record_offset >= 0 else b""
            if record[:4] != _ZIP64_EOCD_SIGNATURE:
                record_offset = recorded_offset
                record = remote.read(record_offset, record_offset + _ZIP64_EOCD.size)
            if record[:4] != _ZIP64_EOCD_SIGNATURE:
                raise ArchiveError(f"{remote.url}: broken zip64 end-of-central-directory record")
            fields = _ZIP64_EOCD.unpack(record)
            count, cd_size, cd_offset = fields[7], fields[8], fields[9]
            directory_end = record_offset
    if cd_size > MAX_CENTRAL_DIRECTORY:
        raise ArchiveError(f"{remote.url}: central directory of {cd_size} bytes is too large")
    # Where the directory really starts; differs from cd_offset when bytes were prepended to
    # the archive (a self-extractor stub), which shifts every recorded offset by the same delta.
    cd_start = directory_end - cd_size
    if cd_start < 0:
        raise ArchiveError(f"{remote.url}: central directory size exceeds the file")
    delta = cd_start - cd_offset
    directory = remote.read(cd_start, directory_end)
    return _parse_entries(directory, count, remote.url), delta


def _find_eocd(tail: bytes) -> int | None:
    """Position of the end-of-central-directory record in ``tail``, searching from the end.

    The record's comment length must reach exactly to the end of the file, which rejects the
    signature bytes when they occur inside a comment or compressed data.
    """
    position = len(tail)
    while (position := tail.rfind(_EOCD_SIGNATURE, 0, position)) >= 0:
        if position + _EOCD.size <= len(tail):
            comment_length = _EOCD.unpack_from(tail, position)[7]
            if position + _EOCD.size + comment_length == len(tail):
                return position
    return None


def _parse_entries(directory: bytes, count: int, url: str) -> list[ZipEntry]:
    entries: list[ZipEntry] = []
    position = 0
    while position + _CENTRAL.size <= len(directory):
        fields = _CENTRAL.unpack_from(directory, position)
        if fields[0] != _CENTRAL_SIGNATURE:
            raise ArchiveError(f"{url}: bad central directory entry at {position}")
        flags, method, crc = fields[3], fields[4], fields[7]
        compressed, size = fields[8], fields[9]
        name_length, extra_length, comment_length = fields[10], fields[11], fields[12]
        header_offset = fields[16]
        name_start = position + _CENTRAL.size
        raw_name = directory[name_start : name_start + name_length]
        extra = directory[name_start + name_length : name_start + name_length + extra_length]
        if len(raw_name) != name_length or len(extra) != extra_length:
            raise ArchiveError(f"{url}: central directory entry cut off at {position}")
        encoding = "utf-8" if flags & _FLAG_UTF8 else "cp437"
        name = raw_name.decode(encoding, errors="replace")
        size, compressed, header_offset = _zip64_sizes(extra, size, compressed, header_offset)
        entries.append(
            ZipEntry(name, method, flags, crc, compressed, size, header_offset, extra_length)
        )
        position = name_start + name_length + extra_length + comment_length
    if len(entries) != count and count != 0xFFFF:
        raise ArchiveError(f"{url}: central directory lists {len(entries)} of {count} entries")
    return entries


def _zip64_sizes(extra: bytes, size: int, compressed: int, offset: int) -> tuple[int, int, int]:
    """Apply the zip64 extra field: it holds, in order, each 32-bit field that is 0xFFFFFFFF."""
    position = 0
    while position + 4 <= len(extra):
        header_id, length = struct.unpack_from("<2H", extra, position)
        body = extra[position + 4 : position + 4 + length]
        if header_id == _ZIP64_EXTRA_ID:
            values = [struct.unpack_from("<Q", body, i)[0] for i in range(0, len(body) - 7, 8)]
            if size == 0xFFFFFFFF and values:
                size = values.pop(0)
            if compressed == 0xFFFFFFFF and values:
                compressed = values.pop(0)
            if offset == 0xFFFFFFFF and values:
                offset = values.pop(0)
            break
        position += 4 + length
    return size, compressed, offset


def _read_member(remote: _RemoteFile, entry: ZipEntry, delta: int) -> bytes:
    if entry.flags & _FLAG_ENCRYPTED:
        raise ArchiveError(f"{remote.url}: {entry.name} is encrypted")
    if entry.method not in (_STORED, _DEFLATED):
        raise ArchiveError(f"{remote.url}: {entry.name} uses compression method {entry.method}")
    if entry.size > MAX_MEMBER_BYTES or entry.compressed_size > MAX_MEMBER_BYTES:
        raise ArchiveError(f"{remote.url}: {entry.name} is too large ({entry.size} bytes)")
    start = entry.header_offset + delta
    name_bytes = len(entry.name.encode("utf-8"))
    # The local header's extra field may differ from the central one; guess it is the same
    # size (it nearly always is) and fetch the rest if the guess was short.
    guess_end = start + _LOCAL.size + name_bytes + entry.extra_length + entry.compressed_size
    if remote.size is not None:
        guess_end = min(guess_end, remote.size)
    chunk = remote.read(start, guess_end)
    if len(chunk) < _LOCAL.size or chunk[:4] != _LOCAL_SIGNATURE:
        raise ArchiveError(f"{remote.url}: no local header for {entry.name} at {start}")
    local = _LOCAL.unpack_from(chunk, 0)
    data_start = start + _LOCAL.size + local[9] + local[10]
    data_end = data_start + entry.compressed_size
    if data_end <= guess_end:
        raw = chunk[data_start - start : data_end - start]
    else:
        raw = remote.read(data_start, data_end)
    if entry.method == _STORED:
        data = raw
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, no zlib header
        data = inflater.decompress(raw, MAX_MEMBER_BYTES + 1)
        if not inflater.eof:
            raise ArchiveError(f"{remote.url}: {entry.name} is truncated or corrupt")
    if len(data) != entry.size or zlib.crc32(data) != entry.crc:
        raise ArchiveError(f"{remote.url}: {entry.name} fails its size or CRC-32 check")
    return data


def read_sdist_member(
    http: HttpClient,
    url: str,
    choose: Callable[[str], bool],
    *,
    max_bytes: int = MAX_SDIST_BYTES,
    downloads: dict[str, bytes] | None = None,
) -> tuple[str, bytes]:
    """Read the first member ``choose`` accepts from the remote tarball at ``url``.

    Asks for at most ``max_bytes`` (a Range request; a server that ignores it may send more,
    which is then refused) and walks the archive in stream mode: no member is extracted, no
    link followed, and members larger than ``MAX_MEMBER_BYTES`` are skipped. A member cut off
    by the size limit counts as not found. Returns (member name, bytes). Raises
    ``ArchiveNotFound`` on 404/410 and ``ArchiveError`` when nothing is found or the download
    is unusable; lets the HTTP client's errors through. ``downloads`` (URL to bytes), when
    given, keeps what was downloaded for the next read of the same sdist.
    """
    return find_in_tarball(_download_sdist(http, url, max_bytes, downloads), choose, url)


def _download_sdist(
    http: HttpClient, url: str, max_bytes: int, downloads: dict[str, bytes] | None = None
) -> bytes:
    """At most ``max_bytes`` of the sdist at ``url`` (a Range request), or what
    ``downloads`` kept of it (and keeps, when given); raises ``ArchiveNotFound`` on 404/410,
    ``ArchiveRefused`` on another unusable status and ``ArchiveError`` when a server that
    ignores Range sends more."""
    if downloads is not None and url in downloads:
        return downloads[url]
    response = http.get(
        url, headers={**_RANGE_HEADERS, "Range": f"bytes=0-{max_bytes - 1}"}, max_bytes=max_bytes
    )
    if response.status in (404, 410):
        raise ArchiveNotFound(f"{url}: HTTP {response.status}")
    if response.status not in (200, 206):
        raise ArchiveRefused(url, response.status)
    if response.status == 200 and len(response.content) > max_bytes:
        raise ArchiveError(f"{url}: {len(response.content)} bytes exceeds {max_bytes}")
    if downloads is not None:
        downloads[url] = response.content
    return response.content


def read_sdist_members(
    http: HttpClient,
    url: str,
    choose: Callable[[str], bool],
    *,
    limit: int,
    rank: Callable[[list[str]], list[str]] | None = None,
    max_bytes: int = MAX_SDIST_BYTES,
    downloads: dict[str, bytes] | None = None,
) -> list[tuple[str, bytes]]:
    """The members ``choose`` accepts (the first ``limit`` of them in archive order, or in
    the order ``rank`` gives) of the remote sdist at ``url``, a tarball or a zip, downloaded
    once (or kept in ``downloads``); empty when there is none. Raises like
    ``read_sdist_member``."""
    order = rank or (lambda names: names)
    if url.lower().split("?", 1)[0].endswith(".zip"):
        archive = RemoteZip.open(http, url)
        wanted = order([name for name in archive.names if choose(name)])[:limit]
        return [(name, archive.read(name)) for name in wanted]
    content = _download_sdist(http, url, max_bytes, downloads)
    names: list[str] = []

    def spy(name: str) -> bool:
        if choose(name):
            names.append(name)
        return False

    try:
        find_in_tarball(content, spy, url)
    except ArchiveError:
        pass  # the end of the archive (or the size limit): ``names`` has what was seen
    wanted = order(names)[:limit]
    found = _tarball_members(content, set(wanted), url)
    return [(name, found[name]) for name in wanted if name in found]


def _tarball_members(content: bytes, wanted: set[str], url: str) -> dict[str, bytes]:
    """The ``wanted`` regular-file members of a tarball, read in one pass (those cut off by
    the size limit or past ``MAX_SDIST_UNPACKED`` are missing)."""
    found: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(content), mode="r|*") as archive:
            for member in archive:
                if member.offset_data > MAX_SDIST_UNPACKED or len(found) == len(wanted):
                    break
                if member.name not in wanted or not member.isfile():
                    continue
                if member.size > MAX_MEMBER_BYTES:
                    continue
                handle = archive.extractfile(member)
                data = handle.read() if handle is not None else b""
                if len(data) == member.size:
                    found[member.name] = data
    except (tarfile.TarError, EOFError, OSError, zlib.error):
        pass  # cut off at the size limit: what was read so far
    return found


def find_in_tarball(content: bytes, choose: Callable[[str], bool], url: str) -> tuple[str, bytes]:
    """The first regular-file member of a (possibly compressed, possibly cut-off) tarball.

    Returns (member name, bytes); raises ``ArchiveError`` when no accepted member is found
    before the end of the data or ``MAX_SDIST_UNPACKED`` bytes of it.
    """
    try:
        with tarfile.open(fileobj=io.BytesIO(content), mode="r|*") as archive:
            for member in archive:
                if member.offset_data > MAX_SDIST_UNPACKED:
                    break
                if not member.isfile() or member.size > MAX_MEMBER_BYTES:
                    continue
                if not choose(member.name):
                    continue
                handle = archive.extractfile(member)
                if handle is None:  # pragma: no cover - isfile() members always have data
                    continue
                data = handle.read()
                if len(data) != member.size:
                    raise ArchiveError(f"{url}: {member.name} is cut off")
                return member.name, data
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        # A download cut at the size limit ends the stream mid-member: nothing found in time.
        raise ArchiveError(f"{url}: unreadable or cut-off tarball ({exc})") from exc
    raise ArchiveError(f"{url}: no wanted member in the tarball")
